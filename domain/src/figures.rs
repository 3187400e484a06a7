//! A store's dashboard figures (shared/bench/WORKLOAD.md's `dashboard`): orders and revenue
//! over a period, revenue per day, the best-selling products and the latest orders.
//!
//! Days are the store's calendar days, in its time zone. The figures are kept as business
//! happens, by the transaction that places an order or changes its status, in three store
//! tables (`store_counters`, `store_daily_figures`, `product_daily_figures`), so that a view
//! reads a month in a few rows instead of re-reading the month's orders. Revenue leaves out
//! cancelled and refunded orders; a day's count of orders keeps them.
//!
//! Every change to a store's figures holds the store's `store_counters` row (an order takes it
//! for its number, a status change and a time-zone change lock it), so a change of time zone,
//! which moves orders between days, cannot interleave with an order counted on the old day.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::orders::{OrderRow, OrderStatus};
use crate::{Db, Error, TenantId, TenantScope, TenantTx};

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

/// The dashboard in one row: the store, its counters and, as parallel arrays (binary on the wire,
/// no JSON to build or parse), the period's days, the top products and the latest orders.
#[derive(sqlx::FromRow)]
struct Overview {
    name: String,
    currency: String,
    time_zone: String,
    /// Today in the store's time zone.
    today: NaiveDate,
    active_products: i64,
    customers: i64,
    days: Option<Vec<NaiveDate>>,
    day_orders: Option<Vec<i64>>,
    day_revenue: Option<Vec<i64>>,
    product_ids: Option<Vec<i64>>,
    product_names: Option<Vec<String>>,
    product_units: Option<Vec<i64>>,
    product_revenue: Option<Vec<i64>>,
    order_ids: Option<Vec<i64>>,
    order_numbers: Option<Vec<i64>>,
    order_customers: Option<Vec<String>>,
    order_statuses: Option<Vec<String>>,
    order_totals: Option<Vec<i64>>,
    order_times: Option<Vec<DateTime<Utc>>>,
}

/// The dashboard of the scope's store for `period`.
///
/// One statement inside the store's transaction: every table it reads is filtered on the store,
/// so on Citus it is one router query on the store's shard, and a view costs one round trip for
/// its figures whatever it shows.
pub async fn store_overview(db: &Db, scope: &TenantScope, period: Period) -> Result<StoreOverview, Error> {
    let mut tx = db.read_tenant(scope).await?;
    // A store whose counters were never made (no order, product or customer yet) counts zero;
    // an array with nothing in it comes back NULL. The period's bounds come from a subquery kept
    // apart (`OFFSET 0`) so they reach the figures' scans as values: written out, they hold
    // `timezone()`, which is not leakproof, and row-level security then keeps them out of the
    // index condition (a scan of every day the store has).
    let o: Overview = sqlx::query_as(
        "SELECT t.name, t.currency, t.time_zone, d.today,
                coalesce(c.active_products, 0) AS active_products, coalesce(c.customers, 0) AS customers,
                f.days, f.day_orders, f.day_revenue,
                p.product_ids, p.product_names, p.product_units, p.product_revenue,
                r.order_ids, r.order_numbers, r.order_customers, r.order_statuses, r.order_totals, r.order_times
         FROM tenants t
         CROSS JOIN LATERAL (
             SELECT z.today, z.today - $2 + 1 AS since
             FROM (SELECT (now() AT TIME ZONE t.time_zone)::date AS today) z
             OFFSET 0) d
         LEFT JOIN store_counters c ON c.tenant_id = t.id
         CROSS JOIN LATERAL (
             SELECT array_agg(day ORDER BY day) AS days, array_agg(orders ORDER BY day) AS day_orders,
                    array_agg(revenue_cents ORDER BY day) AS day_revenue
             FROM store_daily_figures
             WHERE tenant_id = $1 AND day >= d.since AND day <= d.today) f
         CROSS JOIN LATERAL (
             SELECT array_agg(x.product_id ORDER BY x.revenue_cents DESC, x.product_id) AS product_ids,
                    array_agg(pr.name ORDER BY x.revenue_cents DESC, x.product_id) AS product_names,
                    array_agg(x.units ORDER BY x.revenue_cents DESC, x.product_id) AS product_units,
                    array_agg(x.revenue_cents ORDER BY x.revenue_cents DESC, x.product_id) AS product_revenue
             FROM (SELECT product_id, sum(units)::bigint AS units, sum(revenue_cents)::bigint AS revenue_cents
                   FROM product_daily_figures
                   WHERE tenant_id = $1 AND day >= d.since
                   GROUP BY product_id
                   HAVING sum(units) > 0
                   ORDER BY revenue_cents DESC, product_id
                   LIMIT 5) x
             JOIN products pr ON pr.tenant_id = $1 AND pr.id = x.product_id) p
         CROSS JOIN LATERAL (
             SELECT array_agg(y.id ORDER BY y.created_at DESC, y.id DESC) AS order_ids,
                    array_agg(y.number ORDER BY y.created_at DESC, y.id DESC) AS order_numbers,
                    array_agg(cu.name ORDER BY y.created_at DESC, y.id DESC) AS order_customers,
                    array_agg(y.status ORDER BY y.created_at DESC, y.id DESC) AS order_statuses,
                    array_agg(y.total_cents ORDER BY y.created_at DESC, y.id DESC) AS order_totals,
                    array_agg(y.created_at ORDER BY y.created_at DESC, y.id DESC) AS order_times
             FROM (SELECT id, number, customer_id, status, total_cents, created_at
                   FROM orders
                   WHERE tenant_id = $1
                   ORDER BY created_at DESC, id DESC
                   LIMIT 10) y
             JOIN customers cu ON cu.tenant_id = $1 AND cu.id = y.customer_id) r
         WHERE t.id = $1",
    )
    .bind(tx.tenant_id())
    .bind(period.days())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(Error::NotFound)?;
    tx.end();

    let since = o.today.checked_sub_days(Days::new(period.days() as u64 - 1)).ok_or(Error::NotFound)?;
    let mut kept = zip3(o.days, o.day_orders, o.day_revenue).peekable();
    let (mut orders, mut revenue_cents) = (0, 0);
    let mut revenue_per_day = Vec::with_capacity(period.days() as usize);
    for day in since.iter_days().take_while(|day| *day <= o.today) {
        let (placed, revenue) = kept.next_if(|(kept, ..)| *kept == day).map_or((0, 0), |(_, n, r)| (n, r));
        orders += placed;
        revenue_cents += revenue;
        revenue_per_day.push(DayRevenue { day, revenue_cents: revenue });
    }
    let top_products = zip2(o.product_ids, o.product_names)
        .zip(zip2(o.product_units, o.product_revenue))
        .map(|((product_id, name), (units, revenue_cents))| TopProduct {
            product_id,
            name,
            units,
            revenue_cents,
        })
        .collect();
    let recent_orders = zip3(o.order_ids, o.order_numbers, o.order_customers)
        .zip(zip3(o.order_statuses, o.order_totals, o.order_times))
        .map(|((id, number, customer_name), (status, total_cents, created_at))| OrderRow {
            id,
            number,
            customer_name,
            status,
            total_cents,
            created_at,
        })
        .collect();
    Ok(StoreOverview {
        store_name: o.name,
        currency: o.currency,
        time_zone: o.time_zone,
        period,
        orders,
        revenue_cents,
        revenue_per_day,
        top_products,
        recent_orders,
        active_products: o.active_products,
        customers: o.customers,
    })
}

/// The rows of parallel arrays (all of one length: one `array_agg` each over the same rows).
fn zip2<A, B>(a: Option<Vec<A>>, b: Option<Vec<B>>) -> impl Iterator<Item = (A, B)> {
    a.unwrap_or_default().into_iter().zip(b.unwrap_or_default())
}

fn zip3<A, B, C>(a: Option<Vec<A>>, b: Option<Vec<B>>, c: Option<Vec<C>>) -> impl Iterator<Item = (A, B, C)> {
    zip2(a, b).zip(c.unwrap_or_default()).map(|((a, b), c)| (a, b, c))
}

/// What a new order is given by its store: its number, the instant it is placed, and that
/// instant's day in the store's time zone.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub(crate) struct Placing {
    pub number: i64,
    pub placed_at: DateTime<Utc>,
    pub day: NaiveDate,
}

/// Counts a new order in its store and gives it the store's next number. The first of an
/// order's writes: from here its transaction holds the store's figures.
pub(crate) async fn place_order(tx: &mut TenantTx) -> Result<Placing, Error> {
    let tenant = tx.tenant_id();
    // The instant is the server's, bound as a value (Citus refuses now() in RETURNING), and
    // bound to the order too, so that the order's day is the day counted.
    let placed_at = Utc::now();
    let next = || {
        sqlx::query_as(
            "UPDATE store_counters
             SET orders = orders + 1, last_order_number = last_order_number + 1
             WHERE tenant_id = $1
             RETURNING last_order_number AS number, $2::timestamptz AS placed_at,
                       ($2::timestamptz AT TIME ZONE time_zone)::date AS day",
        )
        .bind(tenant)
        .bind(placed_at)
    };
    if let Some(placing) = next().fetch_optional(&mut **tx).await? {
        return Ok(placing);
    }
    rebuild(tx, Stores::One(tenant)).await?;
    Ok(next().fetch_one(&mut **tx).await?)
}

/// Adds a new (pending) order's revenue to its day, and its lines to their products' day, in
/// one statement. `lines` are `(product, quantity, unit price)`.
pub(crate) async fn order_placed(
    tx: &mut TenantTx,
    day: NaiveDate,
    total_cents: i64,
    lines: &[(i64, i32, i64)],
) -> Result<(), Error> {
    let tenant = tx.tenant_id();
    // Rows in product order, so that two orders of the same products lock them in one order.
    let mut lines = lines.to_vec();
    lines.sort_unstable_by_key(|(product, _, _)| *product);
    // The day's row in a data-modifying CTE, the products' rows in the statement: one round
    // trip, and on Citus still one shard (every row names the store).
    let mut upsert = sqlx::QueryBuilder::new(
        "WITH day AS (INSERT INTO store_daily_figures (tenant_id, day, orders, revenue_cents) VALUES (",
    );
    upsert.push_bind(tenant).push(", ").push_bind(day).push(", 1, ").push_bind(total_cents);
    upsert.push(
        ") ON CONFLICT (tenant_id, day) DO UPDATE
          SET orders = store_daily_figures.orders + 1,
              revenue_cents = store_daily_figures.revenue_cents + EXCLUDED.revenue_cents)
         INSERT INTO product_daily_figures (tenant_id, day, product_id, units, revenue_cents) ",
    );
    upsert.push_values(&lines, |mut row, (product, quantity, unit_price)| {
        row.push_bind(tenant)
            .push_bind(day)
            .push_bind(*product)
            .push_bind(i64::from(*quantity))
            .push_bind(i64::from(*quantity) * unit_price);
    });
    upsert.push(
        " ON CONFLICT (tenant_id, day, product_id) DO UPDATE
          SET units = product_daily_figures.units + EXCLUDED.units,
              revenue_cents = product_daily_figures.revenue_cents + EXCLUDED.revenue_cents",
    );
    upsert.build().execute(&mut **tx).await?;
    Ok(())
}

/// Locks the store's figures for a change that moves them (a status change, a new time zone);
/// returns the time zone their days are counted in.
pub(crate) async fn hold(tx: &mut TenantTx) -> Result<String, Error> {
    let tenant = tx.tenant_id();
    let held = || {
        sqlx::query_scalar("SELECT time_zone FROM store_counters WHERE tenant_id = $1 FOR UPDATE")
            .bind(tenant)
    };
    if let Some(zone) = held().fetch_optional(&mut **tx).await? {
        return Ok(zone);
    }
    rebuild(tx, Stores::One(tenant)).await?;
    Ok(held().fetch_one(&mut **tx).await?)
}

/// Takes an order's revenue out of its day and its lines out of their products' day when it
/// stops earning (cancelled, refunded), after [`hold`]. `day` is the order's day in the store.
pub(crate) async fn status_changed(
    tx: &mut TenantTx,
    order_id: i64,
    day: NaiveDate,
    total_cents: i64,
    from: OrderStatus,
    to: OrderStatus,
) -> Result<(), Error> {
    let sign = match (from.earns(), to.earns()) {
        (true, false) => -1_i64,
        (false, true) => 1,
        _ => return Ok(()),
    };
    let tenant = tx.tenant_id();
    sqlx::query(
        "UPDATE store_daily_figures SET revenue_cents = revenue_cents + $3 WHERE tenant_id = $1 AND day = $2",
    )
    .bind(tenant)
    .bind(day)
    .bind(sign * total_cents)
    .execute(&mut **tx)
    .await?;
    // Line by line, each statement on one table: on Citus an UPDATE joined to the lines would
    // be planned for every shard once prepared.
    let lines: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT product_id, sum(quantity)::bigint, sum(quantity * unit_price_cents)::bigint
         FROM order_items WHERE tenant_id = $1 AND order_id = $2
         GROUP BY product_id ORDER BY product_id",
    )
    .bind(tenant)
    .bind(order_id)
    .fetch_all(&mut **tx)
    .await?;
    for (product, units, revenue_cents) in lines {
        sqlx::query(
            "UPDATE product_daily_figures SET units = units + $4, revenue_cents = revenue_cents + $5
             WHERE tenant_id = $1 AND day = $2 AND product_id = $3",
        )
        .bind(tenant)
        .bind(day)
        .bind(product)
        .bind(sign * units)
        .bind(sign * revenue_cents)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A running count of a store's.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Counter {
    /// Products not archived.
    ActiveProducts,
    Customers,
}

/// Moves a store's counter by `delta`, after the change it counts, in the same transaction.
pub(crate) async fn count(tx: &mut TenantTx, counter: Counter, delta: i64) -> Result<(), Error> {
    let tenant = tx.tenant_id();
    let updated = sqlx::query(match counter {
        Counter::ActiveProducts => {
            "UPDATE store_counters SET active_products = active_products + $2 WHERE tenant_id = $1"
        }
        Counter::Customers => "UPDATE store_counters SET customers = customers + $2 WHERE tenant_id = $1",
    })
    .bind(tenant)
    .bind(delta)
    .execute(&mut **tx)
    .await?;
    made_unless_updated(tx, updated.rows_affected()).await
}

/// Counts the store's products on sale again, after a change to many (an import).
pub(crate) async fn recount_products(tx: &mut TenantTx) -> Result<(), Error> {
    let tenant = tx.tenant_id();
    // Counted apart: on Citus an UPDATE with a subquery is planned for every shard once prepared.
    let active: i64 =
        sqlx::query_scalar("SELECT count(*) FROM products WHERE tenant_id = $1 AND archived_at IS NULL")
            .bind(tenant)
            .fetch_one(&mut **tx)
            .await?;
    let updated = sqlx::query("UPDATE store_counters SET active_products = $2 WHERE tenant_id = $1")
        .bind(tenant)
        .bind(active)
        .execute(&mut **tx)
        .await?;
    made_unless_updated(tx, updated.rows_affected()).await
}

/// After an update of the store's counters that found no row: makes the store's figures now,
/// counting what this transaction has just done.
async fn made_unless_updated(tx: &mut TenantTx, updated: u64) -> Result<(), Error> {
    if updated == 0 {
        let tenant = tx.tenant_id();
        rebuild(tx, Stores::One(tenant)).await?;
    }
    Ok(())
}

/// Which stores [`rebuild`] recomputes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stores {
    One(TenantId),
    /// The stores whose ids are in this range, ends included (the seed's batches).
    Range(TenantId, TenantId),
}

/// Recomputes the figures of `stores` from their orders, products and customers: for stores
/// written in bulk (the seed), after a change of time zone, and for a store whose figures were
/// never made. The migration that made the tables back-fills them the same way.
pub(crate) async fn rebuild(conn: &mut PgConnection, stores: Stores) -> Result<(), Error> {
    // One tenant by equality (on Citus one shard), or a range; formatted from this enum only.
    let (which, first, last) = match stores {
        Stores::One(tenant) => ("= $1", tenant, None),
        Stores::Range(first, last) => ("BETWEEN $1 AND $2", first, Some(last)),
    };
    let statements = [
        format!("DELETE FROM store_daily_figures WHERE tenant_id {which}"),
        format!("DELETE FROM product_daily_figures WHERE tenant_id {which}"),
        format!(
            "INSERT INTO store_daily_figures (tenant_id, day, orders, revenue_cents)
             SELECT o.tenant_id, (o.created_at AT TIME ZONE t.time_zone)::date, count(*),
                    coalesce(sum(o.total_cents) FILTER (WHERE o.status NOT IN ({UNEARNED})), 0)
             FROM orders o JOIN tenants t ON t.id = o.tenant_id
             WHERE o.tenant_id {which}
             GROUP BY o.tenant_id, 2"
        ),
        format!(
            "INSERT INTO product_daily_figures (tenant_id, day, product_id, units, revenue_cents)
             SELECT i.tenant_id, (o.created_at AT TIME ZONE t.time_zone)::date, i.product_id,
                    sum(i.quantity), sum(i.quantity * i.unit_price_cents)
             FROM order_items i
             JOIN orders o ON o.tenant_id = i.tenant_id AND o.id = i.order_id
             JOIN tenants t ON t.id = i.tenant_id
             WHERE i.tenant_id {which} AND o.status NOT IN ({UNEARNED})
             GROUP BY i.tenant_id, 2, i.product_id"
        ),
        format!(
            "INSERT INTO store_counters (tenant_id, orders, active_products, customers, last_order_number, time_zone)
             SELECT t.id, coalesce(o.orders, 0), coalesce(p.active, 0), coalesce(c.customers, 0),
                    coalesce(o.last_number, 1000), t.time_zone
             FROM tenants t
             LEFT JOIN (SELECT tenant_id, count(*) AS orders, max(number) AS last_number
                        FROM orders WHERE tenant_id {which} GROUP BY tenant_id) o ON o.tenant_id = t.id
             LEFT JOIN (SELECT tenant_id, count(*) AS active
                        FROM products WHERE tenant_id {which} AND archived_at IS NULL GROUP BY tenant_id) p
                    ON p.tenant_id = t.id
             LEFT JOIN (SELECT tenant_id, count(*) AS customers
                        FROM customers WHERE tenant_id {which} GROUP BY tenant_id) c ON c.tenant_id = t.id
             WHERE t.id {which}
             ON CONFLICT (tenant_id) DO UPDATE
             SET orders = EXCLUDED.orders, active_products = EXCLUDED.active_products,
                 customers = EXCLUDED.customers, time_zone = EXCLUDED.time_zone,
                 last_order_number = greatest(store_counters.last_order_number, EXCLUDED.last_order_number)"
        ),
    ];
    for statement in &statements {
        let mut query = sqlx::query(statement).bind(first);
        if let Some(last) = last {
            query = query.bind(last);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The statuses that earn no revenue, as SQL literals (see [`OrderStatus::earns`]).
const UNEARNED: &str = "'cancelled', 'refunded'";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unearned_statuses_in_sql_are_those_that_earn_nothing() {
        for status in OrderStatus::ALL {
            let listed = UNEARNED.split(", ").any(|literal| literal == format!("'{}'", status.as_str()));
            assert_eq!(listed, !status.earns(), "{status:?}");
        }
    }
}
