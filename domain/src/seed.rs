//! Seeding: the demo store of the embedded default, and the benchmark workload of
//! `shared/bench/WORKLOAD.md` (`storefront seed --preset s|m|l --seed N`).
//!
//! Rows go in with COPY, a few thousand stores per transaction, on several connections at
//! once. Every value comes from a PRNG seeded by (seed, store number), so a store's data does
//! not depend on how the work was split. Seeding writes every store's rows, so it runs as the
//! schema owner (COPY is not allowed where row-level security applies).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::figures::{self, Stores};
use crate::orders::FIRST_ORDER_NUMBER;
use crate::{password, Error, TenantId};

/// The workload's presets: stores × orders per store, and the catalogue of each store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// Twenty small stores: the benchmark's smoke run in CI.
    Xs,
    S,
    M,
    L,
}

impl Preset {
    pub fn parse(s: &str) -> Option<Preset> {
        match s {
            "xs" => Some(Preset::Xs),
            "s" => Some(Preset::S),
            "m" => Some(Preset::M),
            "l" => Some(Preset::L),
            _ => None,
        }
    }

    pub fn shape(self) -> Shape {
        match self {
            Preset::Xs => Shape { stores: 20, products: 5, customers: 5, orders: 20 },
            Preset::S => Shape { stores: 1_000, products: 50, customers: 200, orders: 1_000 },
            Preset::M => Shape { stores: 100_000, products: 20, customers: 20, orders: 50 },
            Preset::L => Shape { stores: 1_000_000, products: 5, customers: 5, orders: 5 },
        }
    }
}

/// How many stores, and how many rows each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub stores: u64,
    pub products: u64,
    pub customers: u64,
    pub orders: u64,
}

/// Line items per order (WORKLOAD.md).
const ITEMS_PER_ORDER: u64 = 3;
const STATUSES: [&str; 5] = ["pending", "paid", "shipped", "delivered", "cancelled"];
const ORDER_SPREAD_SECS: u64 = 90 * 24 * 60 * 60;

/// Who the stores are: the benchmark's numbered stores or the one demo store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Naming {
    Bench,
    Demo,
}

/// The demo store's sign-in, shown on the home page of the embedded default.
pub const DEMO_EMAIL: &str = "demo@storefront.test";
pub const DEMO_PASSWORD: &str = "demo-store-password";
pub const DEMO_SLUG: &str = "demo";

impl Naming {
    fn store_name(self, n: u64) -> String {
        match self {
            Naming::Bench => format!("Bench Store {n}"),
            Naming::Demo => "Demo Store".to_owned(),
        }
    }

    fn slug(self, n: u64) -> String {
        match self {
            Naming::Bench => format!("bench-{n}"),
            Naming::Demo => DEMO_SLUG.to_owned(),
        }
    }

    fn owner_email(self, n: u64) -> String {
        match self {
            Naming::Bench => format!("owner{n}@bench.test"),
            Naming::Demo => DEMO_EMAIL.to_owned(),
        }
    }

    fn plan(self) -> &'static str {
        match self {
            Naming::Bench => "starter",
            Naming::Demo => "growth",
        }
    }
}

#[derive(Clone, Debug)]
pub struct SeedRequest {
    pub shape: Shape,
    pub naming: Naming,
    pub seed: u64,
    pub password: String,
    /// Connections writing at once.
    pub jobs: usize,
}

#[derive(Clone, Debug)]
pub struct SeedReport {
    pub stores: u64,
    pub rows: u64,
    pub elapsed: Duration,
}

impl SeedReport {
    pub fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Seeds the demo store unless it exists. Returns whether it seeded.
pub async fn seed_demo(owner: &PgPool) -> Result<bool, Error> {
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tenant_slugs WHERE slug = $1)")
        .bind(DEMO_SLUG)
        .fetch_one(owner)
        .await?;
    if exists {
        return Ok(false);
    }
    let request = SeedRequest {
        shape: Shape { stores: 1, products: 24, customers: 60, orders: 400 },
        naming: Naming::Demo,
        seed: 1,
        password: DEMO_PASSWORD.to_owned(),
        jobs: 1,
    };
    seed(owner, &request, |_| {}).await?;
    Ok(true)
}

/// Seeds `request.shape.stores` stores with their owners, catalogue, customers and orders.
/// `progress` is told the number of stores written so far.
pub async fn seed(
    owner: &PgPool,
    request: &SeedRequest,
    progress: impl Fn(u64) + Send + Sync + 'static,
) -> Result<SeedReport, Error> {
    let started = Instant::now();
    let first_email = request.naming.owner_email(1);
    let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE email = $1)")
        .bind(&first_email)
        .fetch_one(owner)
        .await?;
    if taken {
        return Err(Error::Conflict(format!(
            "{first_email} already exists: these stores are already seeded in this database"
        )));
    }

    let shape = request.shape;
    let ids = Arc::new(IdBlocks::reserve(owner, shape).await?);
    let password_hash = Arc::new(password::hash_async(request.password.clone()).await?);
    // Big enough to amortise a transaction, small enough to show progress and bound memory.
    let stores_per_batch = (100_000 / (shape.orders.max(1) * ITEMS_PER_ORDER)).clamp(1, 20_000);
    let next_store = Arc::new(AtomicU64::new(1));
    let done = Arc::new(AtomicU64::new(0));
    let progress = Arc::new(progress);
    let now = Utc::now();

    let mut workers = Vec::new();
    for _ in 0..request.jobs.max(1) {
        let (owner, ids, hash, next_store, done, progress) = (
            owner.clone(),
            ids.clone(),
            password_hash.clone(),
            next_store.clone(),
            done.clone(),
            progress.clone(),
        );
        let (naming, seed) = (request.naming, request.seed);
        workers.push(tokio::spawn(async move {
            let mut conn = owner.acquire().await?;
            let mut rows = 0;
            loop {
                let first = next_store.fetch_add(stores_per_batch, Ordering::Relaxed);
                if first > shape.stores {
                    return Ok::<u64, Error>(rows);
                }
                let last = (first + stores_per_batch - 1).min(shape.stores);
                let mut batch = Batch::default();
                for n in first..=last {
                    batch.add_store(n, shape, naming, seed, &ids, &hash, now);
                }
                rows += batch.rows;
                batch.write(&mut conn).await?;
                progress(done.fetch_add(last - first + 1, Ordering::Relaxed) + last - first + 1);
            }
        }));
    }
    let mut rows = 0;
    for worker in workers {
        rows += worker.await.map_err(|e| Error::Invalid(format!("a seeding worker failed: {e}")))??;
    }
    Ok(SeedReport { stores: shape.stores, rows, elapsed: started.elapsed() })
}

/// The first id of each table's block: ids are taken from the tables' own sequences up front
/// so that rows can reference each other inside one COPY stream.
#[derive(Debug)]
struct IdBlocks {
    tenant: i64,
    account: i64,
    product: i64,
    customer: i64,
    order: i64,
    item: i64,
}

impl IdBlocks {
    async fn reserve(owner: &PgPool, shape: Shape) -> Result<IdBlocks, Error> {
        let s = shape.stores;
        Ok(IdBlocks {
            tenant: reserve(owner, "tenants", s).await?,
            account: reserve(owner, "accounts", s).await?,
            product: reserve(owner, "products", s * shape.products).await?,
            customer: reserve(owner, "customers", s * shape.customers).await?,
            order: reserve(owner, "orders", s * shape.orders).await?,
            item: reserve(owner, "order_items", s * shape.orders * ITEMS_PER_ORDER).await?,
        })
    }
}

/// Takes `count` consecutive ids from `table`'s id sequence and returns the first.
async fn reserve(owner: &PgPool, table: &str, count: u64) -> Result<i64, Error> {
    let count = i64::try_from(count.max(1)).map_err(|_| Error::Invalid("too many rows".into()))?;
    let first: i64 = sqlx::query_scalar(
        "WITH s AS (SELECT pg_get_serial_sequence($1, 'id') AS seq)
         SELECT setval(seq, nextval(seq) + $2 - 1) - ($2 - 1) FROM s",
    )
    .bind(table)
    .bind(count)
    .fetch_one(owner)
    .await?;
    Ok(first)
}

/// SplitMix64: small, fast, and the same everywhere for a given seed.
struct Rng(u64);

impl Rng {
    fn for_store(seed: u64, store: u64) -> Rng {
        let mut rng = Rng(seed ^ store.wrapping_mul(0xA076_1D64_78BD_642F));
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
}

const ADJECTIVES: &[&str] = &[
    "Linen", "Walnut", "Copper", "Wool", "Ceramic", "Canvas", "Oak", "Brass", "Leather", "Cotton", "Marble",
    "Bamboo", "Glass", "Cedar", "Velvet", "Slate",
];
const NOUNS: &[&str] = &[
    "Tote Bag",
    "Mug",
    "Notebook",
    "Lamp",
    "Candle",
    "Scarf",
    "Planter",
    "Tray",
    "Blanket",
    "Bowl",
    "Clock",
    "Apron",
    "Vase",
    "Coaster Set",
    "Cushion",
    "Journal",
];
const FIRST_NAMES: &[&str] = &[
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca", "Maya",
    "Nils", "Olga", "Priya", "Quentin", "Rosa", "Sami", "Tara",
];
const LAST_NAMES: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Novak",
    "Haddad",
    "Silva",
    "Kowalski",
    "Nguyen",
    "Fischer",
    "Rossi",
    "Mendes",
    "Byrne",
    "Sato",
    "Petrov",
    "Cohen",
];

/// COPY text for one transaction's worth of stores, one buffer per table.
#[derive(Default)]
struct Batch {
    tenants: String,
    slugs: String,
    accounts: String,
    memberships: String,
    products: String,
    customers: String,
    orders: String,
    items: String,
    rows: u64,
    /// The batch's stores, first and last, for their figures.
    stores: Option<(TenantId, TenantId)>,
}

impl Batch {
    /// Store `n` (1-based). Names are generated without tabs, newlines or backslashes, so they
    /// need no COPY escaping.
    #[allow(clippy::too_many_arguments)]
    fn add_store(
        &mut self,
        n: u64,
        shape: Shape,
        naming: Naming,
        seed: u64,
        ids: &IdBlocks,
        hash: &str,
        now: DateTime<Utc>,
    ) {
        let i = (n - 1) as i64;
        let tenant = ids.tenant + i;
        let first = self.stores.map_or(TenantId::new(tenant), |(first, _)| first);
        self.stores = Some((first, TenantId::new(tenant)));
        let account = ids.account + i;
        let mut rng = Rng::for_store(seed, n);
        let created = now - Duration::from_secs(ORDER_SPREAD_SECS + rng.between(0, 86_400 * 30));

        let _ = writeln!(
            self.tenants,
            "{tenant}\t{}\t{}\t{}\tactive\t{}",
            naming.store_name(n),
            naming.slug(n),
            naming.plan(),
            ts(created)
        );
        let _ = writeln!(self.slugs, "{}\t{tenant}", naming.slug(n));
        let _ = writeln!(self.accounts, "{account}\t{}\t{hash}\t{}", naming.owner_email(n), ts(created));
        let _ = writeln!(self.memberships, "{tenant}\t{account}\towner\t{}", ts(created));
        self.rows += 4;

        let first_product = ids.product + i * shape.products as i64;
        let mut prices = Vec::with_capacity(shape.products as usize);
        for j in 0..shape.products {
            let price = rng.between(100, 10_000);
            prices.push(price);
            let name = format!("{} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS));
            let _ = writeln!(
                self.products,
                "{tenant}\t{}\t{name}\tSKU-{:05}\t{price}\t{}",
                first_product + j as i64,
                j + 1,
                ts(created)
            );
        }
        let first_customer = ids.customer + i * shape.customers as i64;
        for j in 0..shape.customers {
            let name = format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES));
            let _ = writeln!(
                self.customers,
                "{tenant}\t{}\t{name}\tcustomer{}@example.test\t{}",
                first_customer + j as i64,
                j + 1,
                ts(created)
            );
        }
        let first_order = ids.order + i * shape.orders as i64;
        let first_item = ids.item + i * (shape.orders * ITEMS_PER_ORDER) as i64;
        let mut orders = Vec::with_capacity(shape.orders as usize);
        for j in 0..shape.orders {
            let order = first_order + j as i64;
            let customer = first_customer + rng.between(0, shape.customers - 1) as i64;
            let status = rng.pick(&STATUSES);
            let placed = now - Duration::from_secs(rng.between(0, ORDER_SPREAD_SECS - 1));
            let mut total = 0;
            for k in 0..ITEMS_PER_ORDER {
                let product = rng.between(0, shape.products - 1);
                let quantity = rng.between(1, 5);
                let unit_price = prices[product as usize];
                total += quantity * unit_price;
                let item = first_item + (j * ITEMS_PER_ORDER + k) as i64;
                let _ = writeln!(
                    self.items,
                    "{tenant}\t{item}\t{order}\t{}\t{quantity}\t{unit_price}",
                    first_product + product as i64
                );
            }
            orders.push((placed, order, customer, status, total));
        }
        // Numbered in the store in the order they were placed, as the store would have.
        orders.sort_unstable_by_key(|(placed, order, ..)| (*placed, *order));
        for (n, (placed, order, customer, status, total)) in orders.into_iter().enumerate() {
            let number = FIRST_ORDER_NUMBER + n as i64;
            let _ = writeln!(
                self.orders,
                "{tenant}\t{order}\t{number}\t{customer}\t{status}\t{total}\t{}",
                ts(placed)
            );
        }
        self.rows += shape.products + shape.customers + shape.orders * (1 + ITEMS_PER_ORDER);
    }

    async fn write(self, conn: &mut PgConnection) -> Result<(), Error> {
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        for (copy, data) in [
            // Accounts first: Citus refuses a write to a reference table after a parallel
            // write to distributed tables in the same transaction.
            ("COPY accounts (id, email, password_hash, created_at) FROM STDIN", self.accounts),
            ("COPY tenants (id, name, slug, plan_id, status, created_at) FROM STDIN", self.tenants),
            ("COPY tenant_slugs (slug, tenant_id) FROM STDIN", self.slugs),
            ("COPY memberships (tenant_id, account_id, role, created_at) FROM STDIN", self.memberships),
            ("COPY products (tenant_id, id, name, sku, price_cents, created_at) FROM STDIN", self.products),
            ("COPY customers (tenant_id, id, name, email, created_at) FROM STDIN", self.customers),
            (
                "COPY orders (tenant_id, id, number, customer_id, status, total_cents, created_at) FROM STDIN",
                self.orders,
            ),
            ("COPY order_items (tenant_id, id, order_id, product_id, quantity, unit_price_cents) FROM STDIN", self.items),
        ] {
            if data.is_empty() {
                continue;
            }
            let mut copy_in = tx.copy_in_raw(copy).await?;
            copy_in.send(data.into_bytes()).await?;
            copy_in.finish().await?;
        }
        if let Some((first, last)) = self.stores {
            figures::rebuild(&mut tx, Stores::Range(first, last)).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.6f+00").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_is_generated_alike_for_a_seed() {
        let ids = IdBlocks { tenant: 1, account: 1, product: 1, customer: 1, order: 1, item: 1 };
        let shape = Preset::S.shape();
        let now = Utc::now();
        let mut a = Batch::default();
        let mut b = Batch::default();
        a.add_store(7, shape, Naming::Bench, 42, &ids, "h", now);
        b.add_store(7, shape, Naming::Bench, 42, &ids, "h", now);
        assert_eq!(a.orders, b.orders);
        assert_eq!(a.rows, 4 + 50 + 200 + 1_000 * 4);
        let mut c = Batch::default();
        c.add_store(7, shape, Naming::Bench, 43, &ids, "h", now);
        assert_ne!(a.orders, c.orders);
    }

    #[test]
    fn order_totals_are_the_sum_of_their_items() {
        let ids = IdBlocks { tenant: 1, account: 1, product: 1, customer: 1, order: 1, item: 1 };
        let mut batch = Batch::default();
        batch.add_store(
            1,
            Shape { stores: 1, products: 5, customers: 5, orders: 20 },
            Naming::Bench,
            9,
            &ids,
            "h",
            Utc::now(),
        );
        for order in batch.orders.lines() {
            let fields: Vec<&str> = order.split('\t').collect();
            let sum: u64 = batch
                .items
                .lines()
                .map(|l| l.split('\t').collect::<Vec<_>>())
                .filter(|item| item[2] == fields[1])
                .map(|item| item[4].parse::<u64>().unwrap() * item[5].parse::<u64>().unwrap())
                .sum();
            assert_eq!(fields[5].parse::<u64>().unwrap(), sum);
            assert!(STATUSES.contains(&fields[4]));
        }
    }

    #[test]
    fn orders_are_numbered_in_the_order_they_were_placed() {
        let ids = IdBlocks { tenant: 1, account: 1, product: 1, customer: 1, order: 1, item: 1 };
        let mut batch = Batch::default();
        batch.add_store(1, Preset::Xs.shape(), Naming::Bench, 3, &ids, "h", Utc::now());
        let orders: Vec<Vec<&str>> = batch.orders.lines().map(|l| l.split('\t').collect()).collect();
        let numbers: Vec<i64> = orders.iter().map(|o| o[2].parse().unwrap()).collect();
        let expected: Vec<i64> = (0..orders.len() as i64).map(|n| FIRST_ORDER_NUMBER + n).collect();
        assert_eq!(numbers, expected);
        assert!(orders.windows(2).all(|w| w[0][6] <= w[1][6]), "placed times are in order");
    }
}
