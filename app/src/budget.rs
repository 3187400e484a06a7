//! Each store's request budget, so that one busy store cannot take the others' share of a
//! replica: a token bucket per store and kind of traffic, sized by the store's plan.
//!
//! The buckets live in this replica's memory: with N replicas behind a balancer a store gets
//! about N times its budget. That bounds a store's share of each replica, which is what keeps
//! its neighbours served; an exact platform-wide quota would cost a shared counter on every
//! request. A refused request gets 429 with `Retry-After` (a page that says why, or the server
//! function's error), and nothing of it runs.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::Method;
use domain::TenantId;

/// What a request costs a store: pages and reads, changes, or bulk work (an import, an export).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Traffic {
    Read,
    Write,
    Bulk,
}

/// Where bulk work is asked for: the CSV import, and the two exports.
const BULK_PATHS: [&str; 3] = ["/products/import", "/products/export.csv", "/export.zip"];

impl Traffic {
    /// The kind of a request, from its method and path.
    pub fn of(method: &Method, path: &str) -> Traffic {
        if BULK_PATHS.contains(&path) {
            Traffic::Bulk
        } else if method == Method::GET || method == Method::HEAD {
            Traffic::Read
        } else {
            Traffic::Write
        }
    }
}

/// A budget: `burst` requests at once, refilled at `per_second`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    pub per_second: f64,
    pub burst: f64,
}

/// The budget of a store on `plan` for `traffic`, per replica. Writes and bulk work get less:
/// each costs the database more than a read.
pub fn budget(plan: &str, traffic: Traffic) -> Budget {
    let (per_second, burst) = match (plan, traffic) {
        ("growth", Traffic::Read) => (50.0, 200.0),
        ("growth", Traffic::Write) => (10.0, 60.0),
        ("growth", Traffic::Bulk) => (0.5, 10.0),
        ("starter", Traffic::Read) => (25.0, 100.0),
        ("starter", Traffic::Write) => (5.0, 30.0),
        ("starter", Traffic::Bulk) => (0.2, 5.0),
        // Free, and any plan this build does not know yet.
        (_, Traffic::Read) => (10.0, 50.0),
        (_, Traffic::Write) => (2.0, 15.0),
        (_, Traffic::Bulk) => (0.1, 3.0),
    };
    Budget { per_second, burst }
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
}

/// Buckets idle this long are full again and forgotten, so memory follows the active stores.
const FORGET_AFTER: Duration = Duration::from_secs(600);
/// Shards of the bucket map, so requests of different stores rarely wait on one lock.
const SHARDS: usize = 16;

/// The buckets of every store active on this replica.
#[derive(Debug)]
pub struct StoreBudgets {
    /// Every budget times this (`STORE_BUDGET_SCALE`): below 1 to shed sooner, above to let a
    /// benchmark measure the server rather than the budgets.
    scale: f64,
    shards: [Mutex<HashMap<(TenantId, Traffic), Bucket>>; SHARDS],
}

impl StoreBudgets {
    pub fn new(scale: f64) -> StoreBudgets {
        StoreBudgets { scale, shards: std::array::from_fn(|_| Mutex::new(HashMap::new())) }
    }

    /// Takes one request of `traffic` from the store's budget at `now`, or says how long until
    /// one is there.
    pub fn take(&self, tenant: TenantId, plan: &str, traffic: Traffic, now: Instant) -> Result<(), Duration> {
        let Budget { per_second, burst } = budget(plan, traffic);
        let (per_second, burst) = (per_second * self.scale, (burst * self.scale).max(1.0));
        let shard = &self.shards[tenant.get().unsigned_abs() as usize % SHARDS];
        let mut buckets = shard.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > 1024 {
            buckets.retain(|_, bucket| now.duration_since(bucket.refilled) < FORGET_AFTER);
        }
        let bucket = buckets.entry((tenant, traffic)).or_insert(Bucket { tokens: burst, refilled: now });
        let elapsed = now.saturating_duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(burst);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

impl Default for StoreBudgets {
    fn default() -> Self {
        StoreBudgets::new(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_gets_its_burst_then_waits_for_the_refill_and_others_are_not_charged() {
        let budgets = StoreBudgets::default();
        let (busy, quiet) = (TenantId::new(1), TenantId::new(2));
        let now = Instant::now();
        let burst = budget("free", Traffic::Write).burst as usize;
        for _ in 0..burst {
            assert_eq!(budgets.take(busy, "free", Traffic::Write, now), Ok(()));
        }
        let wait = budgets.take(busy, "free", Traffic::Write, now).expect_err("past the burst");
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1), "{wait:?}");
        // Its reads, and another store's writes, have budgets of their own.
        assert_eq!(budgets.take(busy, "free", Traffic::Read, now), Ok(()));
        assert_eq!(budgets.take(quiet, "free", Traffic::Write, now), Ok(()));
        // Once the wait is over, one more.
        assert_eq!(budgets.take(busy, "free", Traffic::Write, now + wait), Ok(()));
    }

    #[test]
    fn kinds_follow_the_method_and_the_bulk_paths() {
        assert_eq!(Traffic::of(&Method::GET, "/orders"), Traffic::Read);
        assert_eq!(Traffic::of(&Method::POST, "/api/create_order"), Traffic::Write);
        assert_eq!(Traffic::of(&Method::POST, "/products/import"), Traffic::Bulk);
        assert_eq!(Traffic::of(&Method::GET, "/export.zip"), Traffic::Bulk);
    }

    #[test]
    fn a_larger_plan_has_a_larger_budget() {
        for traffic in [Traffic::Read, Traffic::Write, Traffic::Bulk] {
            let (free, starter, growth) =
                (budget("free", traffic), budget("starter", traffic), budget("growth", traffic));
            assert!(free.per_second < starter.per_second && starter.per_second < growth.per_second);
            assert!(free.burst < starter.burst && starter.burst < growth.burst);
        }
    }
}
