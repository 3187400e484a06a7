//! Password hashing with argon2id. Hashing and verifying are CPU-heavy: async callers run them
//! on the blocking pool.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Hashes a password with argon2id and a random salt (PHC string format).
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters accepts any password")
        .to_string()
}

/// Whether `password` matches `phc_hash`. A malformed hash never matches.
pub fn verify(phc_hash: &str, password: &str) -> bool {
    PasswordHash::new(phc_hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

pub async fn hash_async(password: String) -> String {
    tokio::task::spawn_blocking(move || hash(&password)).await.expect("password hashing does not panic")
}

pub async fn verify_async(phc_hash: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || verify(&phc_hash, &password))
        .await
        .expect("password verification does not panic")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse battery staple");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&h, "correct horse battery staple"));
        assert!(!verify(&h, "correct horse battery stapler"));
        assert!(!verify("not a hash", "correct horse battery staple"));
    }
}
