//! A store's orders: the list (filtered, 25 a page, newest first) and one order in detail.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Action, Changes};
use crate::idempotency::{self, Creation, IdempotencyKey};
use crate::{Db, Error, FieldErrors, Permission, TenantScope};

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
    let changes = Changes::new().diff("status", from.as_str(), to.as_str());
    audit::record(&mut tx, scope, Action::OrderStatusChanged, &format!("Order #{order_id}"), changes).await?;
    tx.commit().await?;
    Ok(from)
}

/// The most lines one order may have, and the most units of one product in it.
pub const MAX_LINES: usize = 50;
pub const MAX_QUANTITY: i32 = 9_999;

/// A line of a new order: which product, how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrderLine {
    pub product_id: i64,
    pub quantity: i32,
}

/// Places a pending order for one of the store's customers. Prices come from the catalogue
/// (never from the request) and the order, its lines and its total are written in one
/// transaction. Returns the new order's id; with a `key` used before, the order that key placed
/// (nothing new).
pub async fn create(
    db: &Db,
    scope: &TenantScope,
    customer_id: i64,
    lines: &[NewOrderLine],
    key: Option<IdempotencyKey>,
) -> Result<i64, Error> {
    scope.require(Permission::WriteBusinessData)?;
    let lines = merge_lines(lines)?;
    let mut tx = db.begin_tenant(scope).await?;
    if let Some(placed) = idempotency::claim(&mut tx, key, Creation::Order).await? {
        return Ok(placed);
    }
    let tenant = tx.tenant_id();
    let customer: Option<String> =
        sqlx::query_scalar("SELECT name FROM customers WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(customer_id)
            .fetch_optional(&mut *tx)
            .await?;
    if customer.is_none() {
        return Err(FieldErrors::single("customer", "Choose one of the store's customers."));
    }
    let product_ids: Vec<i64> = lines.iter().map(|l| l.product_id).collect();
    // Shared locks: a price cannot change between reading it and writing the order.
    let prices: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, price_cents FROM products
         WHERE tenant_id = $1 AND id = ANY($2) AND archived_at IS NULL FOR SHARE",
    )
    .bind(tenant)
    .bind(&product_ids)
    .fetch_all(&mut *tx)
    .await?;
    let mut unit_prices = Vec::with_capacity(lines.len());
    let mut total: i64 = 0;
    for line in &lines {
        let Some((_, price)) = prices.iter().find(|(id, _)| *id == line.product_id) else {
            return Err(FieldErrors::single(
                "lines",
                "A chosen product is no longer for sale. Choose another.",
            ));
        };
        unit_prices.push(*price);
        total = price
            .checked_mul(i64::from(line.quantity))
            .and_then(|amount| total.checked_add(amount))
            .filter(|total| *total <= money::MAX_MINOR_UNITS)
            .ok_or_else(|| FieldErrors::single("lines", "That order's total is too large."))?;
    }
    let order_id: i64 = sqlx::query_scalar(
        "INSERT INTO orders (tenant_id, customer_id, status, total_cents) VALUES ($1, $2, 'pending', $3) RETURNING id",
    )
    .bind(tenant)
    .bind(customer_id)
    .bind(total)
    .fetch_one(&mut *tx)
    .await?;
    // Multi-row VALUES, not INSERT … SELECT FROM unnest: Citus turns the latter into a COPY,
    // which row-level security refuses.
    let mut items = sqlx::QueryBuilder::new(
        "INSERT INTO order_items (tenant_id, order_id, product_id, quantity, unit_price_cents) ",
    );
    items.push_values(lines.iter().zip(&unit_prices), |mut row, (line, price)| {
        row.push_bind(tenant)
            .push_bind(order_id)
            .push_bind(line.product_id)
            .push_bind(line.quantity)
            .push_bind(*price);
    });
    items.build().execute(&mut *tx).await?;
    let changes =
        Changes::new().set("customer_id", customer_id).set("lines", lines.len()).set("total_cents", total);
    audit::record(&mut tx, scope, Action::OrderCreated, &format!("Order #{order_id}"), changes).await?;
    idempotency::remember(&mut tx, key, &order_id).await?;
    tx.commit().await?;
    Ok(order_id)
}

/// Lines checked, with a product chosen twice merged into one line.
fn merge_lines(lines: &[NewOrderLine]) -> Result<Vec<NewOrderLine>, Error> {
    let mut merged: Vec<NewOrderLine> = Vec::new();
    for line in lines {
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            return Err(FieldErrors::single("lines", format!("Quantities go from 1 to {MAX_QUANTITY}.")));
        }
        match merged.iter_mut().find(|m| m.product_id == line.product_id) {
            Some(m) => {
                m.quantity = (m.quantity + line.quantity).min(MAX_QUANTITY + 1);
                if m.quantity > MAX_QUANTITY {
                    return Err(FieldErrors::single(
                        "lines",
                        format!("Quantities go from 1 to {MAX_QUANTITY}."),
                    ));
                }
            }
            None => merged.push(*line),
        }
    }
    if merged.is_empty() {
        return Err(FieldErrors::single("lines", "Add at least one product."));
    }
    if merged.len() > MAX_LINES {
        return Err(FieldErrors::single("lines", format!("An order may have at most {MAX_LINES} products.")));
    }
    Ok(merged)
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
    fn lines_of_one_product_merge_and_quantities_are_bounded() {
        let line = |product_id, quantity| NewOrderLine { product_id, quantity };
        assert_eq!(merge_lines(&[line(1, 2), line(2, 1), line(1, 3)]).unwrap(), [line(1, 5), line(2, 1)]);
        assert!(merge_lines(&[]).is_err());
        assert!(merge_lines(&[line(1, 0)]).is_err());
        assert!(merge_lines(&[line(1, MAX_QUANTITY), line(1, 1)]).is_err());
        let many: Vec<_> = (0..=MAX_LINES as i64).map(|id| line(id, 1)).collect();
        assert!(merge_lines(&many).is_err());
    }

    #[test]
    fn statuses_read_back_from_their_names() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(OrderStatus::parse("lost"), None);
    }
}
