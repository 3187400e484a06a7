//! A store's orders: the list (filtered, 25 a page, newest first) and one order in detail.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Action, Changes};
use crate::error::sqlstate;
use crate::figures;
use crate::idempotency::{self, Creation, IdempotencyKey};
use crate::{Db, Error, FieldErrors, Permission, TenantScope};

pub const PAGE_SIZE: i64 = 25;

/// A store's first order number; each next order takes the next one.
pub const FIRST_ORDER_NUMBER: i64 = 1001;

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

    /// Whether an order in this status counts in revenue and in its products' sales.
    pub fn earns(self) -> bool {
        !matches!(self, OrderStatus::Cancelled | OrderStatus::Refunded)
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
    /// The order's number in its store (#1001, #1002, …).
    pub number: i64,
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

/// One row of the orders page's statement: the store and the page it settled on, and one order
/// of the page (none when the store has no matching order).
#[derive(sqlx::FromRow)]
struct ListRow {
    store_name: String,
    currency: String,
    matching: i64,
    page: i64,
    id: Option<i64>,
    number: Option<i64>,
    customer_name: Option<String>,
    status: Option<String>,
    total_cents: Option<i64>,
    created_at: Option<DateTime<Utc>>,
}

impl ListRow {
    fn order(self) -> Option<OrderRow> {
        Some(OrderRow {
            id: self.id?,
            number: self.number?,
            customer_name: self.customer_name?,
            status: self.status?,
            total_cents: self.total_cents?,
            created_at: self.created_at?,
        })
    }
}

/// Page `page` (1-based; past the end gives the last page) of the store's orders.
///
/// One statement: it counts the matching orders (from the store's counter when nothing is
/// filtered, so the pager needs no count), settles on the page and reads it. The page is found
/// in the list index alone (it holds every column shown but the customer's name), so a deep page
/// skips index entries, not table rows; only the page's own rows meet their customers.
pub async fn list(db: &Db, scope: &TenantScope, filter: &OrderFilter, page: i64) -> Result<OrderPage, Error> {
    let mut tx = db.read_tenant(scope).await?;
    let rows: Vec<ListRow> = sqlx::query_as(
        "SELECT t.name AS store_name, t.currency, m.matching, p.page,
                o.id, o.number, o.customer_name, o.status, o.total_cents, o.created_at
         FROM tenants t
         LEFT JOIN store_counters c ON c.tenant_id = t.id
         CROSS JOIN LATERAL (
             SELECT CASE WHEN $5 THEN coalesce(c.orders, 0)::bigint
                         ELSE (SELECT count(*) FROM orders
                               WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2)
                                 AND ($3::timestamptz IS NULL OR created_at >= $3)
                                 AND ($4::timestamptz IS NULL OR created_at < $4))
                    END AS matching) m
         CROSS JOIN LATERAL (SELECT greatest(1, least($6, (m.matching + $7 - 1) / $7)) AS page) p
         LEFT JOIN LATERAL (
             SELECT l.id, l.number, cu.name AS customer_name, l.status, l.total_cents, l.created_at
             FROM (SELECT id, number, customer_id, status, total_cents, created_at
                   FROM orders
                   WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2)
                     AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at < $4)
                   ORDER BY created_at DESC, id DESC
                   LIMIT $7 OFFSET (p.page - 1) * $7) l
             JOIN customers cu ON cu.tenant_id = $1 AND cu.id = l.customer_id) o ON true
         WHERE t.id = $1
         ORDER BY o.created_at DESC, o.id DESC",
    )
    .bind(tx.tenant_id())
    .bind(filter.status.map(OrderStatus::as_str))
    .bind(filter.starts())
    .bind(filter.ends())
    .bind(*filter == OrderFilter::default())
    .bind(page)
    .bind(PAGE_SIZE)
    .fetch_all(&mut **tx)
    .await?;
    tx.end();
    let first = rows.first().ok_or(Error::NotFound)?;
    let (store_name, currency, matching, page) =
        (first.store_name.clone(), first.currency.clone(), first.matching, first.page);
    let pages = ((matching + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let orders = rows.into_iter().filter_map(ListRow::order).collect();
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
    pub number: i64,
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
    let mut tx = db.read_tenant(scope).await?;
    let tenant = tx.tenant_id();
    let mut order: OrderDetail = sqlx::query_as(
        "SELECT o.id, o.number, o.status, o.total_cents, o.created_at,
                c.id AS customer_id, c.name AS customer_name, c.email AS customer_email
         FROM orders o
         JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id
         WHERE o.tenant_id = $1 AND o.id = $2",
    )
    .bind(tenant)
    .bind(order_id)
    .fetch_optional(&mut **tx)
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
    .fetch_all(&mut **tx)
    .await?;
    (order.store_name, order.currency) = store_labels(&mut tx).await?;
    tx.end();
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
    let zone = figures::hold(&mut tx).await?;
    // Locked, so two people changing the same order at once cannot both pass the check.
    let current: Option<(String, i64, i64, NaiveDate)> = sqlx::query_as(
        "SELECT status, number, total_cents, (created_at AT TIME ZONE $3)::date
         FROM orders WHERE tenant_id = $1 AND id = $2
         FOR UPDATE",
    )
    .bind(tenant)
    .bind(order_id)
    .bind(zone)
    .fetch_optional(&mut *tx)
    .await?;
    let (status, number, total_cents, day) = current.ok_or(Error::NotFound)?;
    let from = OrderStatus::parse(&status).ok_or(Error::NotFound)?;
    if !from.next().contains(&to) {
        return Err(Error::Conflict(format!("A {} order cannot be marked {}.", from.as_str(), to.as_str())));
    }
    sqlx::query("UPDATE orders SET status = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(order_id)
        .bind(to.as_str())
        .execute(&mut *tx)
        .await?;
    figures::status_changed(&mut tx, order_id, day, total_cents, from, to).await?;
    let changes = Changes::new().diff("status", from.as_str(), to.as_str());
    audit::record(&mut tx, scope, Action::OrderStatusChanged, &subject(number), changes).await?;
    tx.commit().await?;
    Ok(from)
}

/// How the audit log names an order: by its number in the store.
fn subject(number: i64) -> String {
    format!("Order #{number}")
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
    let mut priced = Vec::with_capacity(lines.len());
    let mut total: i64 = 0;
    for line in &lines {
        let Some((_, price)) = prices.iter().find(|(id, _)| *id == line.product_id) else {
            return Err(FieldErrors::single(
                "lines",
                "A chosen product is no longer for sale. Choose another.",
            ));
        };
        priced.push((line.product_id, line.quantity, *price));
        total = price
            .checked_mul(i64::from(line.quantity))
            .and_then(|amount| total.checked_add(amount))
            .filter(|total| *total <= money::MAX_MINOR_UNITS)
            .ok_or_else(|| FieldErrors::single("lines", "That order's total is too large."))?;
    }
    let placing = figures::place_order(&mut tx).await?;
    // The customer is checked by the order's foreign key: a customer of another store, or
    // none, is a customer this store does not have.
    let order_id: i64 = sqlx::query_scalar(
        "INSERT INTO orders (tenant_id, number, customer_id, status, total_cents, created_at)
         VALUES ($1, $2, $3, 'pending', $4, $5) RETURNING id",
    )
    .bind(tenant)
    .bind(placing.number)
    .bind(customer_id)
    .bind(total)
    .bind(placing.placed_at)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match Error::from(e) {
        e if e.sqlstate().as_deref() == Some(sqlstate::FOREIGN_KEY_VIOLATION) => {
            FieldErrors::single("customer", "Choose one of the store's customers.")
        }
        e => e,
    })?;
    // Multi-row VALUES, not INSERT … SELECT FROM unnest: Citus turns the latter into a COPY,
    // which row-level security refuses.
    let mut items = sqlx::QueryBuilder::new(
        "INSERT INTO order_items (tenant_id, order_id, product_id, quantity, unit_price_cents) ",
    );
    items.push_values(&priced, |mut row, (product, quantity, price)| {
        row.push_bind(tenant).push_bind(order_id).push_bind(*product).push_bind(*quantity).push_bind(*price);
    });
    items.build().execute(&mut *tx).await?;
    figures::order_placed(&mut tx, placing.day, total, &priced).await?;
    let changes =
        Changes::new().set("customer_id", customer_id).set("lines", lines.len()).set("total_cents", total);
    audit::record(&mut tx, scope, Action::OrderCreated, &subject(placing.number), changes).await?;
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
