//! The admin panel's stores list on a large platform: the server-side time of
//! `domain::admin::list_stores` (the query the `/admin/stores` page makes) for the searches,
//! filters, sorts and page turns staff use, run on whatever database the server is configured
//! for. Prints p50, p99 and the maximum of each, and the plan PostgreSQL chose for the slowest.
//!
//! Seed the workload's largest preset first (shared/bench/WORKLOAD.md), then measure:
//!
//! ```text
//! STOREFRONT_DATA_DIR=/tmp/storefront-l BENCH_PASSWORD=… storefront seed --preset l
//! STOREFRONT_DATA_DIR=/tmp/storefront-l cargo bench -p server --bench admin_stores
//! ```
//!
//! (`DATABASE_URL` and `DATABASE_OWNER_URL` instead of the data folder for another server;
//! `RUNS=N` repeats each query N times, 50 by default.)

use std::time::{Duration, Instant};

use domain::accounts::{Email, NewPassword};
use domain::admin::{self, PageStart, StoreFilter, StoreSort, StoreState};
use domain::staff::{self, Staff, StaffRole};
use domain::Db;
use server::config::Settings;
use server::database::Database;

const STAFF_EMAIL: &str = "bench-staff@bench.test";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let runs: usize = std::env::var("RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(50);
    let settings = Settings::from_env()?;
    let database = Database::open(&settings).await?;
    let result = measure(&database, runs).await;
    database.close().await;
    result
}

async fn measure(database: &Database, runs: usize) -> anyhow::Result<()> {
    database.migrate().await?;
    let stores: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants").fetch_one(&database.owner).await?;
    let email = Email::parse(STAFF_EMAIL).map_err(anyhow::Error::msg)?;
    let password = NewPassword::parse("bench staff passphrase", &email).map_err(anyhow::Error::msg)?;
    staff::create(&database.owner, &email, StaffRole::Support, Some(&password)).await?;
    let db = Db::connect(database.app_options.clone(), domain::DbLimits::for_pool(4)).await?;
    let account = domain::accounts::authenticate(&db, &email, "bench staff passphrase")
        .await?
        .ok_or_else(|| anyhow::anyhow!("the bench staff account does not sign in"))?;
    let staff = Staff::for_account(&db, account, chrono::Utc::now()).await?;
    let middle = stores / 2;

    println!("admin stores list: {stores} stores, {runs} runs each, server-side (no HTTP)");
    let filter = |search: Option<String>, state, plan: Option<&str>, sort| StoreFilter {
        search,
        state,
        plan: plan.map(str::to_owned),
        sort,
    };
    let cases: Vec<(String, StoreFilter)> = vec![
        ("first page, newest first".into(), filter(None, None, None, StoreSort::Newest)),
        ("first page, oldest first".into(), filter(None, None, None, StoreSort::Oldest)),
        ("first page, by name".into(), filter(None, None, None, StoreSort::Name)),
        (
            "state active, plan starter".into(),
            filter(None, Some(StoreState::Active), Some("starter"), StoreSort::Newest),
        ),
        ("state past due (none)".into(), filter(None, Some(StoreState::PastDue), None, StoreSort::Newest)),
        (
            format!("search a whole owner email owner{middle}@bench.test"),
            filter(Some(format!("owner{middle}@bench.test")), None, None, StoreSort::Newest),
        ),
        (
            format!("search part of an owner email owner{middle}@bench"),
            filter(Some(format!("owner{middle}@bench")), None, None, StoreSort::Newest),
        ),
        (
            format!("search slug bench-{middle}"),
            filter(Some(format!("bench-{middle}")), None, None, StoreSort::Newest),
        ),
        (
            format!("search name \"Store {middle}\""),
            filter(Some(format!("Store {middle}")), None, None, StoreSort::Newest),
        ),
        (
            "search a word in many names (\"store 1234\")".into(),
            filter(Some("store 1234".into()), None, None, StoreSort::Name),
        ),
        (
            "search that matches nothing".into(),
            filter(Some("no such store anywhere".into()), None, None, StoreSort::Newest),
        ),
    ];
    for (label, filter) in &cases {
        let mut times = Vec::with_capacity(runs);
        let mut found = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let page = admin::list_stores(&db, &staff, filter, &PageStart::First).await?;
            times.push(started.elapsed());
            found = page.matching;
        }
        report(&format!("{label} ({found} matching)"), times);
    }

    // Turning pages: each page starts after the previous one's last row.
    let filter = filter(None, None, None, StoreSort::Name);
    let mut start = PageStart::First;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let page = admin::list_stores(&db, &staff, &filter, &start).await?;
        times.push(started.elapsed());
        start = page.next.map_or(PageStart::First, PageStart::After);
    }
    report("next page, by name, 50 pages in a row", times);
    db.pool().close().await;
    Ok(())
}

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("{label}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms", ms(at(0.50)), ms(at(0.99)), ms(at(1.0)));
}
