//! A store's dashboard figures (shared/bench/WORKLOAD.md's `dashboard`): orders and revenue
//! over a period, revenue per day, the best-selling products and the latest orders.
//!
//! Days are the store's calendar days, in its time zone.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::orders::OrderRow;
use crate::{Db, Error, TenantScope};

/// How far back the figures look: whole calendar days ending today, today included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Period {
    Last7Days,
    Last30Days,
    Last90Days,
}

impl Period {
    pub const ALL: [Period; 3] = [Period::Last7Days, Period::Last30Days, Period::Last90Days];

    pub fn days(self) -> i32 {
        match self {
            Period::Last7Days => 7,
            Period::Last30Days => 30,
            Period::Last90Days => 90,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DayRevenue {
    pub day: NaiveDate,
    pub revenue_cents: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TopProduct {
    pub product_id: i64,
    pub name: String,
    pub units: i64,
    pub revenue_cents: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreOverview {
    pub store_name: String,
    pub currency: String,
    pub time_zone: String,
    pub period: Period,
    /// Orders placed in the period, cancelled ones included.
    pub orders: i64,
    /// Sum of order totals in the period, cancelled orders excluded, in minor units.
    pub revenue_cents: i64,
    /// One entry per day of the period, oldest first, days without sales included.
    pub revenue_per_day: Vec<DayRevenue>,
    /// The five products with the most revenue in the period (cancelled orders excluded).
    pub top_products: Vec<TopProduct>,
    /// The ten latest orders, whatever the period.
    pub recent_orders: Vec<OrderRow>,
    pub active_products: i64,
    pub customers: i64,
}

/// The dashboard of the scope's store for `period`.
pub async fn store_overview(db: &Db, scope: &TenantScope, period: Period) -> Result<StoreOverview, Error> {
    let mut tx = db.begin_tenant(scope).await?;
    let tenant = tx.tenant_id();
    let (store_name, currency, time_zone): (String, String, String) =
        sqlx::query_as("SELECT name, currency, time_zone FROM tenants WHERE id = $1")
            .bind(tenant)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound)?;
    // The period's first instant: midnight, `days - 1` days before today, in the store's zone.
    let since: DateTime<Utc> = sqlx::query_scalar(
        "SELECT (date_trunc('day', now() AT TIME ZONE $1) - make_interval(days => $2 - 1)) AT TIME ZONE $1",
    )
    .bind(&time_zone)
    .bind(period.days())
    .fetch_one(&mut *tx)
    .await?;
    let (orders, revenue_cents): (i64, i64) = sqlx::query_as(
        "SELECT count(*), coalesce(sum(total_cents) FILTER (WHERE status <> 'cancelled'), 0)::bigint
         FROM orders WHERE tenant_id = $1 AND created_at >= $2",
    )
    .bind(tenant)
    .bind(since)
    .fetch_one(&mut *tx)
    .await?;
    let revenue_per_day: Vec<DayRevenue> = sqlx::query_as(
        "SELECT d.day::date AS day, coalesce(r.revenue, 0)::bigint AS revenue_cents
         FROM generate_series(($3 AT TIME ZONE $2)::date, (now() AT TIME ZONE $2)::date, interval '1 day') AS d(day)
         LEFT JOIN (
             SELECT (created_at AT TIME ZONE $2)::date AS day, sum(total_cents) AS revenue
             FROM orders
             WHERE tenant_id = $1 AND created_at >= $3 AND status <> 'cancelled'
             GROUP BY 1
         ) r ON r.day = d.day::date
         ORDER BY d.day",
    )
    .bind(tenant)
    .bind(&time_zone)
    .bind(since)
    .fetch_all(&mut *tx)
    .await?;
    let top_products: Vec<TopProduct> = sqlx::query_as(
        "SELECT p.id AS product_id, p.name, sum(i.quantity)::bigint AS units,
                sum(i.quantity * i.unit_price_cents)::bigint AS revenue_cents
         FROM order_items i
         JOIN orders o ON o.tenant_id = i.tenant_id AND o.id = i.order_id
         JOIN products p ON p.tenant_id = i.tenant_id AND p.id = i.product_id
         WHERE i.tenant_id = $1 AND o.created_at >= $2 AND o.status <> 'cancelled'
         GROUP BY p.id, p.name
         ORDER BY revenue_cents DESC, p.id
         LIMIT 5",
    )
    .bind(tenant)
    .bind(since)
    .fetch_all(&mut *tx)
    .await?;
    let recent_orders: Vec<OrderRow> = sqlx::query_as(
        "SELECT o.id, c.name AS customer_name, o.status, o.total_cents, o.created_at
         FROM orders o
         JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id
         WHERE o.tenant_id = $1
         ORDER BY o.created_at DESC, o.id DESC
         LIMIT 10",
    )
    .bind(tenant)
    .fetch_all(&mut *tx)
    .await?;
    let (active_products, customers): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM products WHERE tenant_id = $1 AND archived_at IS NULL),
                (SELECT count(*) FROM customers WHERE tenant_id = $1)",
    )
    .bind(tenant)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(StoreOverview {
        store_name,
        currency,
        time_zone,
        period,
        orders,
        revenue_cents,
        revenue_per_day,
        top_products,
        recent_orders,
        active_products,
        customers,
    })
}
