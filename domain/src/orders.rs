//! A store's orders: the list (filtered, 25 a page, newest first) and one order in detail.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{Db, Error, Permission, TenantScope};

pub const PAGE_SIZE: i64 = 25;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// The statuses an order in this status may move to.
    pub fn next(self) -> &'static [OrderStatus] {
        use OrderStatus::*;
        match self {
            Pending => &[Paid, Cancelled],
            Paid => &[Shipped, Refunded, Cancelled],
            Shipped => &[Delivered, Refunded],
            Delivered => &[Refunded],
            Cancelled | Refunded => &[],
        }
    }
}

/// Which orders to list. Dates are whole UTC days, both ends included.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl OrderFilter {
    pub fn new(
        status: Option<OrderStatus>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Self, Error> {
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                return Err(Error::Invalid("The start date is after the end date.".into()));
            }
        }
        Ok(OrderFilter { status, from, to })
    }

    fn starts(&self) -> Option<DateTime<Utc>> {
        self.from.map(midnight)
    }

    /// The first instant after the range.
    fn ends(&self) -> Option<DateTime<Utc>> {
        self.to.and_then(|to| to.checked_add_days(Days::new(1))).map(midnight)
    }
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OrderRow {
    pub id: i64,
    pub customer_name: String,
    pub status: String,
    pub total_cents: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPage {
    pub orders: Vec<OrderRow>,
    /// Orders matching the filter, on all pages.
    pub matching: i64,
    pub page: i64,
    pub pages: i64,
    pub store_name: String,
    pub currency: String,
}

/// Page `page` (1-based; past the end gives the last page) of the store's orders.
pub async fn list(db: &Db, scope: &TenantScope, filter: &OrderFilter, page: i64) -> Result<OrderPage, Error> {
    let mut tx = db.begin_tenant(scope).await?;
    let tenant = tx.tenant_id();
    let status = filter.status.map(OrderStatus::as_str);
    let matching: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orders
         WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2)
           AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at < $4)",
    )
    .bind(tenant)
    .bind(status)
    .bind(filter.starts())
    .bind(filter.ends())
    .fetch_one(&mut *tx)
    .await?;
    let pages = ((matching + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let orders: Vec<OrderRow> = sqlx::query_as(
        "SELECT o.id, c.name AS customer_name, o.status, o.total_cents, o.created_at
         FROM orders o
         JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id
         WHERE o.tenant_id = $1 AND ($2::text IS NULL OR o.status = $2)
           AND ($3::timestamptz IS NULL OR o.created_at >= $3) AND ($4::timestamptz IS NULL OR o.created_at < $4)
         ORDER BY o.created_at DESC, o.id DESC
         LIMIT $5 OFFSET $6",
    )
    .bind(tenant)
    .bind(status)
    .bind(filter.starts())
    .bind(filter.ends())
    .bind(PAGE_SIZE)
    .bind((page - 1) * PAGE_SIZE)
    .fetch_all(&mut *tx)
    .await?;
    let (store_name, currency) = store_labels(&mut tx).await?;
    tx.commit().await?;
    Ok(OrderPage { orders, matching, page, pages, store_name, currency })
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OrderLine {
    pub product_id: i64,
    pub product_name: String,
    pub sku: String,
    pub quantity: i32,
    pub unit_price_cents: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OrderDetail {
    pub id: i64,
    pub status: String,
    pub total_cents: i64,
    pub created_at: DateTime<Utc>,
    pub customer_id: i64,
    pub customer_name: String,
    pub customer_email: String,
    #[sqlx(skip)]
    pub lines: Vec<OrderLine>,
    #[sqlx(skip)]
    pub store_name: String,
    #[sqlx(skip)]
    pub currency: String,
}

/// One order of the store, or [`Error::NotFound`] (also for another store's order id).
pub async fn detail(db: &Db, scope: &TenantScope, order_id: i64) -> Result<OrderDetail, Error> {
    let mut tx = db.begin_tenant(scope).await?;
    let tenant = tx.tenant_id();
    let mut order: OrderDetail = sqlx::query_as(
        "SELECT o.id, o.status, o.total_cents, o.created_at,
                c.id AS customer_id, c.name AS customer_name, c.email AS customer_email
         FROM orders o
         JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id
         WHERE o.tenant_id = $1 AND o.id = $2",
    )
    .bind(tenant)
    .bind(order_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    order.lines = sqlx::query_as(
        "SELECT p.id AS product_id, p.name AS product_name, p.sku, i.quantity, i.unit_price_cents
         FROM order_items i
         JOIN products p ON p.tenant_id = i.tenant_id AND p.id = i.product_id
         WHERE i.tenant_id = $1 AND i.order_id = $2
         ORDER BY i.id",
    )
    .bind(tenant)
    .bind(order_id)
    .fetch_all(&mut *tx)
    .await?;
    (order.store_name, order.currency) = store_labels(&mut tx).await?;
    tx.commit().await?;
    Ok(order)
}

/// Moves an order to `to`, if its current status allows it. Returns the status it had.
pub async fn change_status(
    db: &Db,
    scope: &TenantScope,
    order_id: i64,
    to: OrderStatus,
) -> Result<OrderStatus, Error> {
    scope.require(Permission::WriteBusinessData)?;
    let mut tx = db.begin_tenant(scope).await?;
    let tenant = tx.tenant_id();
    // Locked, so two people changing the same order at once cannot both pass the check.
    let current: Option<String> =
        sqlx::query_scalar("SELECT status FROM orders WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
            .bind(tenant)
            .bind(order_id)
            .fetch_optional(&mut *tx)
            .await?;
    let from = current.as_deref().and_then(OrderStatus::parse).ok_or(Error::NotFound)?;
    if !from.next().contains(&to) {
        return Err(Error::Conflict(format!("A {} order cannot be marked {}.", from.as_str(), to.as_str())));
    }
    sqlx::query("UPDATE orders SET status = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(order_id)
        .bind(to.as_str())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(from)
}

/// The store's name and currency, for pages that show amounts.
async fn store_labels(tx: &mut crate::TenantTx) -> Result<(String, String), Error> {
    let tenant = tx.tenant_id();
    Ok(sqlx::query_as("SELECT name, currency FROM tenants WHERE id = $1")
        .bind(tenant)
        .fetch_one(&mut **tx)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_range_covers_whole_days() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let filter = OrderFilter::new(None, Some(day(1)), Some(day(3))).unwrap();
        assert_eq!(filter.starts().unwrap().to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert_eq!(filter.ends().unwrap().to_rfc3339(), "2026-11-04T00:00:00+00:00");
        assert!(OrderFilter::new(None, Some(day(3)), Some(day(1))).is_err());
    }

    #[test]
    fn finished_orders_go_nowhere_and_nothing_goes_back_to_pending() {
        assert!(OrderStatus::Cancelled.next().is_empty());
        assert!(OrderStatus::Refunded.next().is_empty());
        assert!(OrderStatus::ALL.iter().all(|s| !s.next().contains(&OrderStatus::Pending)));
        assert!(OrderStatus::Shipped.next().contains(&OrderStatus::Delivered));
        assert!(!OrderStatus::Delivered.next().contains(&OrderStatus::Cancelled));
    }

    #[test]
    fn statuses_read_back_from_their_names() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(OrderStatus::parse("lost"), None);
    }
}
