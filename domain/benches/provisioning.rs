//! Provisioning speed: the server-side time from a signup's submission to an active store
//! (checking the form, hashing the password, the account, the store, its address, the owner's
//! membership and the first audit entry), over a few hundred signups on a real PostgreSQL.
//! Prints p50, p99 and the maximum; the hash's share is printed apart, since its cost is a
//! deliberate security setting and not the database's.
//!
//! `cargo bench -p domain --bench provisioning` (`SIGNUPS=N` to change the count; with
//! `TEST_DATABASE_URL` it runs against that server, a Citus coordinator say).

use std::time::{Duration, Instant};

use domain::signup::{create_store, Signup, SignupInput, StartAs};
use domain::testing::{unique_email, TestDb};

#[tokio::main]
async fn main() {
    let signups: usize = std::env::var("SIGNUPS").ok().and_then(|n| n.parse().ok()).unwrap_or(300);
    let t = TestDb::new().await;
    // One warm-up signup: connections opened, statements prepared.
    provision(&t, 0).await;
    let mut total = Vec::with_capacity(signups);
    let mut hashing = Vec::with_capacity(signups);
    for n in 1..=signups {
        let started = Instant::now();
        provision(&t, n).await;
        total.push(started.elapsed());
        let started = Instant::now();
        domain::password::hash_async("a long enough passphrase".into()).await.expect("a hashing slot");
        hashing.push(started.elapsed());
    }
    let without_hash: Vec<Duration> =
        total.iter().zip(&hashing).map(|(all, hash)| all.saturating_sub(*hash)).collect();
    println!("provisioning: {signups} signups, one at a time, server-side (no HTTP, no payment provider)");
    report("signup to active store", total);
    report("  of which password hashing (argon2id, measured apart)", hashing);
    report("  without the hash", without_hash);
}

async fn provision(t: &TestDb, n: usize) {
    let input = SignupInput {
        email: unique_email("bench"),
        password: "a long enough passphrase".into(),
        store_name: format!("Bench Store {n}"),
        plan: "free".into(),
    };
    let signup = Signup::parse(&t.db, &input).await.expect("a valid signup");
    create_store(&t.db, &signup, StartAs::Active, None).await.expect("a new store");
}

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("{label}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms", ms(at(0.50)), ms(at(0.99)), ms(at(1.0)));
}
