//! What the domain counts for the server's `/metrics`, through the `metrics` facade: nothing
//! is kept unless the server installed a recorder. Labels name kinds of things (an action, a
//! state), never a store or an account.

/// Requests refused by a rate limit (`action`: the limited action's name).
pub const RATE_LIMITED: &str = "rate_limit_refusals_total";

/// Password hashes now `running` on a slot and `waiting` for one.
pub const HASHING_QUEUE: &str = "password_hashing";

/// Requests waiting for a pooled connection to open a store's transaction.
pub const POOL_WAITING: &str = "db_pool_waiting";

/// One more in `gauge` for as long as this lives (so a cancelled wait is taken out too).
pub(crate) struct Queued(metrics::Gauge);

impl Queued {
    pub(crate) fn in_gauge(gauge: metrics::Gauge) -> Queued {
        gauge.increment(1.0);
        Queued(gauge)
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}
