//! Password hashing with argon2id. Hashing and verifying are CPU-heavy (and take 19 MiB of
//! memory each): async callers run them on the blocking pool, at most a few at a time, so a
//! flood of sign-ins or signups waits its turn briefly and is then turned away, instead of
//! queueing without bound and taking the server's memory with it.
//!
//! Each hashing slot keeps its 19 MiB of working memory for the next hash. Allocated and freed
//! per hash, the blocks made glibc's malloc raise its mmap threshold and keep the freed memory
//! in the arena of whichever blocking thread ran the hash: 1,000 sign-ins left the server
//! holding 480 MB. Kept per slot, the server holds at most one buffer per slot, however many
//! threads run them and whatever the allocator.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::Semaphore;

use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// argon2's working memory, reused from hash to hash (argon2 writes every block before it
/// reads it, so what a buffer held before does not matter).
type Memory = Vec<Block>;

/// Hashes a password with argon2id and a random salt (PHC string format).
pub fn hash(password: &str) -> String {
    hash_in(&mut Memory::new(), password)
}

/// Whether `password` matches `phc_hash`. A malformed hash never matches.
pub fn verify(phc_hash: &str, password: &str) -> bool {
    verify_in(&mut Memory::new(), phc_hash, password)
}

fn hash_in(memory: &mut Memory, password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    let argon2 = Argon2::default();
    let output = compute(&argon2, memory, password, salt.as_salt(), Params::DEFAULT_OUTPUT_LEN)
        .expect("argon2 with default parameters accepts any password and a generated salt");
    PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::default().into()),
        params: argon2.params().try_into().expect("the default parameters have a PHC form"),
        salt: Some(salt.as_salt()),
        hash: Some(output),
    }
    .to_string()
}

fn verify_in(memory: &mut Memory, phc_hash: &str, password: &str) -> bool {
    matches(memory, phc_hash, password).unwrap_or(false)
}

fn matches(memory: &mut Memory, phc_hash: &str, password: &str) -> argon2::password_hash::Result<bool> {
    let parsed = PasswordHash::new(phc_hash)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return Ok(false) };
    let version = parsed.version.map(Version::try_from).transpose()?.unwrap_or_default();
    let argon2 = Argon2::new(Algorithm::try_from(parsed.algorithm)?, version, Params::try_from(&parsed)?);
    // `Output`'s equality takes the same time wherever the outputs differ.
    Ok(compute(&argon2, memory, password, salt, expected.len())? == expected)
}

/// The argon2 output for `password` and `salt`, computed in `memory` (grown once if the
/// parameters need more than it has).
fn compute(
    argon2: &Argon2,
    memory: &mut Memory,
    password: &str,
    salt: Salt,
    output_len: usize,
) -> argon2::password_hash::Result<Output> {
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let salt = salt.decode_b64(&mut salt_bytes)?;
    let blocks = argon2.params().block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    Output::init_with(output_len, |out| {
        Ok(argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..blocks])?)
    })
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

/// The working memory of the slots not in use: never more buffers than slots.
static SPARE_MEMORY: Mutex<Vec<Memory>> = Mutex::new(Vec::new());

/// Runs `work` on the blocking pool, with a slot's memory, once a slot is free; `Busy` when none
/// frees up in time.
async fn in_turn<T: Send + 'static>(
    work: impl FnOnce(&mut Memory) -> T + Send + 'static,
) -> Result<T, crate::Error> {
    use crate::metrics::{Queued, HASHING_QUEUE};
    let waiting = Queued::in_gauge(metrics::gauge!(HASHING_QUEUE, "state" => "waiting"));
    let permit = tokio::time::timeout(MAX_WAIT, slots().acquire())
        .await
        .map_err(|_| crate::Error::Busy)?
        .expect("the hashing slots are never closed");
    drop(waiting);
    let _running = Queued::in_gauge(metrics::gauge!(HASHING_QUEUE, "state" => "running"));
    let mut memory = SPARE_MEMORY.lock().expect("hashing memory").pop().unwrap_or_default();
    let (done, memory) = tokio::task::spawn_blocking(move || (work(&mut memory), memory))
        .await
        .expect("password hashing does not panic");
    SPARE_MEMORY.lock().expect("hashing memory").push(memory);
    drop(permit);
    Ok(done)
}

pub async fn hash_async(password: String) -> Result<String, crate::Error> {
    in_turn(move |memory| hash_in(memory, &password)).await
}

pub async fn verify_async(phc_hash: String, password: String) -> Result<bool, crate::Error> {
    in_turn(move |memory| verify_in(memory, &phc_hash, &password)).await
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

    #[test]
    fn hashes_made_by_the_argon2_crate_verify_and_ours_verify_there() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery staple", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify(&theirs, "correct horse battery staple"));
        assert!(!verify(&theirs, "correct horse battery stapler"));
        let ours = hash("correct horse battery staple");
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse battery staple", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"correct horse battery stapler", &parsed).is_err());
        // Other parameters (a smaller memory cost, as an older hash might have) verify too, in
        // memory already grown for the default ones.
        let small = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(1024, 1, 1, None).unwrap())
            .hash_password(b"tiny", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        let mut memory = Memory::new();
        assert!(verify_in(&mut memory, &ours, "correct horse battery staple"));
        assert!(verify_in(&mut memory, &small, "tiny"));
        assert!(!verify_in(&mut memory, &small, "tinY"));
    }

    #[tokio::test]
    async fn the_slots_keep_no_more_memory_than_there_are_slots() {
        let hashes: Vec<_> =
            (0..8).map(|_| tokio::spawn(hash_async("a long enough password".into()))).collect();
        for hash in hashes {
            let _ = hash.await.unwrap();
        }
        let kept = SPARE_MEMORY.lock().unwrap().len();
        assert!((1..=slots().available_permits()).contains(&kept), "{kept} buffers kept");
    }
}
