//! Live figures of one store, for its home page.

use chrono::{DateTime, Days, Utc};
use serde::{Deserialize, Serialize};

use crate::{Db, Error, TenantScope};

/// How far back the figures look: whole UTC calendar days ending today, today included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Period {
    Last7Days,
    Last30Days,
    Last90Days,
}

impl Period {
    pub const ALL: [Period; 3] = [Period::Last7Days, Period::Last30Days, Period::Last90Days];

    pub fn days(self) -> u64 {
        match self {
            Period::Last7Days => 7,
            Period::Last30Days => 30,
            Period::Last90Days => 90,
        }
    }

    /// The first instant inside the period, for a clock reading `now`.
    pub fn start(self, now: DateTime<Utc>) -> DateTime<Utc> {
        let first_day = now.date_naive() - Days::new(self.days() - 1);
        first_day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoreOverview {
    pub store_name: String,
    pub currency: String,
    pub period: Period,
    /// Orders placed in the period, cancelled ones included.
    pub orders: i64,
    /// Sum of order totals in the period, cancelled orders excluded, in minor units.
    pub revenue_cents: i64,
    pub active_products: i64,
    pub customers: i64,
}

pub async fn store_overview(db: &Db, scope: &TenantScope, period: Period) -> Result<StoreOverview, Error> {
    let mut tx = db.begin_tenant(scope).await?;
    let tenant = tx.tenant_id();
    let (store_name, currency): (String, String) =
        sqlx::query_as("SELECT name, currency FROM tenants WHERE id = $1")
            .bind(tenant)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound)?;
    let (orders, revenue_cents): (i64, i64) = sqlx::query_as(
        "SELECT count(*), coalesce(sum(total_cents) FILTER (WHERE status <> 'cancelled'), 0)::bigint
         FROM orders WHERE tenant_id = $1 AND created_at >= $2",
    )
    .bind(tenant)
    .bind(period.start(Utc::now()))
    .fetch_one(&mut *tx)
    .await?;
    let active_products: i64 =
        sqlx::query_scalar("SELECT count(*) FROM products WHERE tenant_id = $1 AND archived_at IS NULL")
            .bind(tenant)
            .fetch_one(&mut *tx)
            .await?;
    let customers: i64 = sqlx::query_scalar("SELECT count(*) FROM customers WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(StoreOverview { store_name, currency, period, orders, revenue_cents, active_products, customers })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_period_starts_at_midnight_and_includes_today() {
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 15, 4, 5).unwrap();
        assert_eq!(Period::Last7Days.start(now), Utc.with_ymd_and_hms(2026, 3, 4, 0, 0, 0).unwrap());
        assert_eq!(Period::Last30Days.start(now), Utc.with_ymd_and_hms(2026, 2, 9, 0, 0, 0).unwrap());
    }
}
