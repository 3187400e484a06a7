//! Password hashing with argon2id. Hashing and verifying are CPU-heavy (and take 19 MiB of
//! memory each): async callers run them on the blocking pool, at most a few at a time, so a
//! flood of sign-ins or signups waits its turn briefly and is then turned away, instead of
//! queueing without bound and taking the server's memory with it.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::sync::Semaphore;

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

/// How long a hash waits for its turn before the request is turned away ([`crate::Error::Busy`]).
pub const MAX_WAIT: Duration = Duration::from_secs(2);

static SLOTS: OnceLock<Semaphore> = OnceLock::new();

/// Sets how many hashes may run at once (`PASSWORD_HASHING_CONCURRENCY`; the number of cores
/// by default). Takes effect only before the first hash.
pub fn set_concurrency(hashes: usize) {
    let _ = SLOTS.set(Semaphore::new(hashes.max(1)));
}

fn slots() -> &'static Semaphore {
    SLOTS.get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get())))
}

/// Runs `work` on the blocking pool once a slot is free; `Busy` when none frees up in time.
async fn in_turn<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, crate::Error> {
    let permit = tokio::time::timeout(MAX_WAIT, slots().acquire())
        .await
        .map_err(|_| crate::Error::Busy)?
        .expect("the hashing slots are never closed");
    let done = tokio::task::spawn_blocking(work).await.expect("password hashing does not panic");
    drop(permit);
    Ok(done)
}

pub async fn hash_async(password: String) -> Result<String, crate::Error> {
    in_turn(move || hash(&password)).await
}

pub async fn verify_async(phc_hash: String, password: String) -> Result<bool, crate::Error> {
    in_turn(move || verify(&phc_hash, &password)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_past_the_slots_wait_then_are_turned_away() {
        set_concurrency(1);
        let slot = slots().acquire().await.unwrap();
        assert!(matches!(hash_async("a long enough password".into()).await, Err(crate::Error::Busy)));
        drop(slot);
        assert!(hash_async("a long enough password".into()).await.is_ok());
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse battery staple");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&h, "correct horse battery staple"));
        assert!(!verify(&h, "correct horse battery stapler"));
        assert!(!verify("not a hash", "correct horse battery staple"));
    }
}
