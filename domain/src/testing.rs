//! Test support: a fresh database per test, cloned from a migrated template.
//!
//! By default the tests start a private PostgreSQL cluster under `target/test-postgres` (shared
//! by every test process of the workspace and reused across runs). Set `TEST_DATABASE_URL` to
//! a superuser connection of another server (a Citus coordinator, say) to run against it
//! instead: the tests then share that one database, and each makes its own stores.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::OnceCell;

use crate::db::{migrate, APP_ROLE};
use crate::embedded::{quote_ident, Cluster, ClusterOptions, SUPERUSER};
use crate::figures::{self, Stores};
use crate::orders::FIRST_ORDER_NUMBER;
use crate::tenancy::{AccountId, Role, TenantId, TenantScope};
use crate::{password, Db};

/// A database of a test's own: `owner` may do anything, `db` is the application's handle
/// (the `storefront_app` role, subject to row-level security).
pub struct TestDb {
    pub owner: PgPool,
    pub db: Db,
    pub app_options: PgConnectOptions,
}

/// Where a test's database server is.
struct Server {
    /// Superuser options with no database chosen.
    superuser: PgConnectOptions,
    /// A template database to clone, or `None` to share the superuser's database.
    template: Option<String>,
}

static SERVER: OnceCell<Server> = OnceCell::const_new();

impl TestDb {
    /// `SELECT count(*) FROM {rows}` as the schema's owner (past row-level security), with `$1`
    /// bound to `key`: `db.count("orders WHERE tenant_id = $1", tenant)`.
    pub async fn count<K>(&self, rows: &str, key: K) -> i64
    where
        K: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send,
    {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {rows}"))
            .bind(key)
            .fetch_one(&self.owner)
            .await
            .unwrap_or_else(|error| panic!("counting {rows}: {error}"))
    }

    pub async fn new() -> TestDb {
        let server = SERVER.get_or_init(start_server).await;
        let owner_options = match &server.template {
            Some(template) => {
                let name = format!("test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::connect_with(&server.superuser.clone().database("postgres"))
                    .await
                    .expect("connect to the test server");
                sqlx::raw_sql(&format!(
                    "CREATE DATABASE {} TEMPLATE {}",
                    quote_ident(&name),
                    quote_ident(template)
                ))
                .execute(&mut conn)
                .await
                .expect("clone the template database");
                conn.close().await.ok();
                server.superuser.clone().database(&name)
            }
            None => server.superuser.clone(),
        };
        TestDb::connect(owner_options).await
    }

    /// A database on a PostgreSQL server of the test's own, for tests that stop, crash or
    /// restart the server: the [`Cluster`] is theirs to break (and is stopped when dropped
    /// with the test's process; its folder is under `target/test-postgres-own`).
    pub async fn on_own_server() -> (TestDb, Cluster) {
        let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../target/test-postgres-own")
            .join(uuid::Uuid::new_v4().simple().to_string());
        let cluster = Cluster::start(&folder, &ClusterOptions { durable: true, max_connections: 60 })
            .await
            .expect("start a PostgreSQL server of the test's own");
        cluster.ensure_database("storefront").await.expect("create its database");
        let owner_options = cluster.connect_options(SUPERUSER, "storefront");
        prepare(owner_options.clone(), "the test's own server").await;
        (TestDb::connect(owner_options).await, cluster)
    }

    async fn connect(owner_options: PgConnectOptions) -> TestDb {
        let owner = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(owner_options.clone())
            .await
            .expect("connect as owner");
        let app_options = app_role_options(&owner_options);
        // On Citus a store statement that spans shards fails its test.
        let limits = crate::DbLimits { refuse_multi_shard: true, ..crate::DbLimits::for_pool(8) };
        let db = Db::connect(app_options.clone(), limits).await.expect("connect as the application role");
        TestDb { owner, db, app_options }
    }

    /// Whether the tests run on a Citus coordinator (`TEST_DATABASE_URL`).
    pub async fn is_citus(&self) -> bool {
        crate::db::is_citus(&self.owner).await.expect("the database answers")
    }

    /// Whether other tests write to this database at the same time (`TEST_DATABASE_URL`): a
    /// platform-wide figure then only grows by at least what the test added.
    pub fn is_shared(&self) -> bool {
        SERVER.get().is_some_and(|server| server.template.is_none())
    }

    /// A connection URL for `options`, for code that is configured by URL.
    pub fn url(options: &PgConnectOptions) -> String {
        let user = options.get_username();
        let database = options.get_database().unwrap_or("postgres");
        match options.get_socket() {
            Some(socket) => format!("postgres://{user}@localhost/{database}?host={}", socket.display()),
            None => format!("postgres://{user}@{}:{}/{database}", options.get_host(), options.get_port()),
        }
    }

    pub fn owner_options(&self) -> PgConnectOptions {
        self.owner.connect_options().as_ref().clone()
    }

    /// A store with an owner account; `TestDb::store` names stores so they differ per call.
    pub async fn store(&self, name: &str) -> TestStore {
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let slug = format!("t-{}", &suffix[..20]);
        let tenant: TenantId = sqlx::query_scalar(
            "INSERT INTO tenants (name, slug, plan_id) VALUES ($1, $2, 'growth') RETURNING id",
        )
        .bind(name)
        .bind(&slug)
        .fetch_one(&self.owner)
        .await
        .expect("insert tenant");
        sqlx::query("INSERT INTO tenant_slugs (slug, tenant_id) VALUES ($1, $2)")
            .bind(&slug)
            .bind(tenant)
            .execute(&self.owner)
            .await
            .expect("insert slug");
        let email = format!("owner-{suffix}@example.test");
        let owner = self.account(&email, TEST_PASSWORD).await;
        self.add_member(tenant, owner, Role::Owner).await;
        TestStore { tenant, owner, owner_email: email }
    }

    /// Gives a store `count` orders of one customer, each with two lines (2 × 5.00 and 1 × 7.50,
    /// so 17.50 in all); order n (0-based) is placed n hours ago with status `statuses[n % len]`.
    /// Returns the order ids, newest first.
    pub async fn add_orders(&self, tenant: TenantId, count: i64, statuses: &[&str]) -> Vec<i64> {
        let statuses: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
        let ids = sqlx::query_scalar(
            "WITH c AS (INSERT INTO customers (tenant_id, name, email)
                        VALUES ($1, 'Ada Okafor', 'ada-' || gen_random_uuid() || '@example.test') RETURNING id),
                  p AS (INSERT INTO products (tenant_id, name, sku, price_cents)
                        VALUES ($1, 'Linen Tote', 'TOTE-' || gen_random_uuid(), 500),
                               ($1, 'Walnut Tray', 'TRAY-' || gen_random_uuid(), 750) RETURNING id, price_cents),
                  o AS (INSERT INTO orders (tenant_id, number, customer_id, status, total_cents, created_at)
                        SELECT $1, (SELECT coalesce(max(number), $4 - 1) FROM orders WHERE tenant_id = $1) + $2 - n,
                               c.id, $3[1 + (n % cardinality($3))], 1750, now() - n * interval '1 hour'
                        FROM c, generate_series(0, $2 - 1) AS n RETURNING id, created_at),
                  i AS (INSERT INTO order_items (tenant_id, order_id, product_id, quantity, unit_price_cents)
                        SELECT $1, o.id, p.id, CASE WHEN p.price_cents = 500 THEN 2 ELSE 1 END, p.price_cents
                        FROM o, p)
             SELECT id FROM o ORDER BY created_at DESC, id DESC",
        )
        .bind(tenant)
        .bind(count)
        .bind(&statuses)
        .bind(FIRST_ORDER_NUMBER)
        .fetch_all(&self.owner)
        .await
        .expect("insert orders");
        // Written around the domain, like the seed: the figures are made from the rows.
        let mut conn = self.owner.acquire().await.expect("a connection");
        figures::rebuild(&mut conn, Stores::One(tenant)).await.expect("the store's figures");
        ids
    }

    /// A customer and a product of `tenant`, for an order: those of one order added with
    /// [`TestDb::add_orders`].
    pub async fn customer_and_product(&self, tenant: TenantId) -> (i64, i64) {
        self.add_orders(tenant, 1, &["paid"]).await;
        sqlx::query_as(
            "SELECT (SELECT min(id) FROM customers WHERE tenant_id = $1),
                    (SELECT min(id) FROM products WHERE tenant_id = $1)",
        )
        .bind(tenant)
        .fetch_one(&self.owner)
        .await
        .expect("a customer and a product")
    }

    pub async fn account(&self, email: &str, password: &str) -> AccountId {
        sqlx::query_scalar("INSERT INTO accounts (email, password_hash) VALUES ($1, $2) RETURNING id")
            .bind(email)
            .bind(password_hash(password))
            .fetch_one(&self.owner)
            .await
            .expect("insert account")
    }

    pub async fn add_member(&self, tenant: TenantId, account: AccountId, role: Role) {
        sqlx::query("INSERT INTO memberships (tenant_id, account_id, role) VALUES ($1, $2, $3)")
            .bind(tenant)
            .bind(account)
            .bind(role.as_str())
            .execute(&self.owner)
            .await
            .expect("insert membership");
    }

    /// A new staff member with `role`, signing in with [`TEST_PASSWORD`], and their checked proof.
    pub async fn staff(&self, role: crate::staff::StaffRole) -> (crate::staff::Staff, String) {
        use crate::accounts::{Email, NewPassword};
        let email = unique_email(&format!("staff-{role}"));
        let parsed = Email::parse(&email).expect("a valid email");
        let password = NewPassword::parse(TEST_PASSWORD, &parsed).expect("a valid password");
        crate::staff::create(&self.owner, &parsed, role, Some(&password)).await.expect("create staff");
        let account: AccountId = sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1")
            .bind(&email)
            .fetch_one(&self.owner)
            .await
            .expect("the staff account");
        let staff =
            crate::staff::Staff::for_account(&self.db, account, chrono::Utc::now()).await.expect("staff");
        (staff, email)
    }

    /// A store signed up for the Starter plan through `signup`, waiting for its first payment.
    pub async fn pending_store(&self) -> TestStore {
        use crate::signup::{create_store, Signup, SignupInput, StartAs};
        let email = unique_email("paying");
        let input = SignupInput {
            email: email.clone(),
            password: TEST_PASSWORD.into(),
            store_name: "Paying Shop".into(),
            plan: "starter".into(),
        };
        let signup = Signup::parse(&self.db, &input).await.expect("a valid signup");
        let made = create_store(&self.db, &signup, StartAs::Pending, None).await.expect("a pending store");
        TestStore { tenant: made.tenant, owner: made.account, owner_email: email }
    }

    pub async fn scope(&self, account: AccountId, tenant: TenantId) -> TenantScope {
        TenantScope::for_member(&self.db, account, tenant).await.expect("member scope")
    }
}

pub const TEST_PASSWORD: &str = "test-password-1234";

/// An email no other test uses, for accounts: with `TEST_DATABASE_URL` every test shares one
/// database, and accounts are platform-wide.
pub fn unique_email(name: &str) -> String {
    format!("{name}-{}@example.test", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// Hashing the same few passwords over and over would dominate test time.
fn password_hash(password: &str) -> String {
    static CACHE: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
    let mut cache = CACHE.lock().expect("hash cache");
    if let Some((_, hash)) = cache.iter().find(|(p, _)| p == password) {
        return hash.clone();
    }
    let hash = password::hash(password);
    cache.push((password.to_owned(), hash.clone()));
    hash
}

pub struct TestStore {
    pub tenant: TenantId,
    pub owner: AccountId,
    pub owner_email: String,
}

fn app_role_options(owner: &PgConnectOptions) -> PgConnectOptions {
    let options = owner.clone().username(APP_ROLE);
    match std::env::var("TEST_APP_DATABASE_PASSWORD") {
        Ok(password) => options.password(&password),
        Err(_) => options,
    }
}

async fn start_server() -> Server {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) => {
            let superuser: PgConnectOptions = url.parse().expect("TEST_DATABASE_URL is a PostgreSQL URL");
            // Test processes start together: one migrates and opens the app role at a time.
            let mut lock =
                PgConnection::connect_with(&superuser).await.expect("connect to TEST_DATABASE_URL");
            sqlx::query("SELECT pg_advisory_lock(731100)")
                .execute(&mut lock)
                .await
                .expect("take the setup lock");
            prepare(superuser.clone(), "TEST_DATABASE_URL").await;
            lock.close().await.ok();
            Server { superuser, template: None }
        }
        Err(_) => start_private_cluster().await,
    }
}

async fn start_private_cluster() -> Server {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/test-postgres");
    std::fs::create_dir_all(&folder).expect("create the test cluster folder");
    // One process initialises the cluster and the template; the others wait for it.
    let lock = std::fs::File::create(folder.join("setup.lock")).expect("create the setup lock");
    let lock = tokio::task::spawn_blocking(move || lock.lock().map(|()| lock))
        .await
        .expect("wait for the setup lock")
        .expect("take the setup lock");

    let cluster = Cluster::start(&folder, &ClusterOptions { durable: false, max_connections: 300 })
        .await
        .expect("start the test PostgreSQL cluster");
    let template = format!("template_{}", migrations_fingerprint());
    let superuser = cluster.connect_options(SUPERUSER, "postgres");
    let mut conn = PgConnection::connect_with(&superuser).await.expect("connect to the test cluster");
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&template)
        .fetch_one(&mut conn)
        .await
        .expect("look for the template");
    if !exists {
        let building = format!("{template}_building");
        for statement in ["DROP DATABASE IF EXISTS", "CREATE DATABASE"] {
            sqlx::raw_sql(&format!("{statement} {}", quote_ident(&building)))
                .execute(&mut conn)
                .await
                .expect("create the template");
        }
        prepare(superuser.clone().database(&building), "the template").await;
        sqlx::raw_sql(&format!(
            "ALTER DATABASE {} RENAME TO {}",
            quote_ident(&building),
            quote_ident(&template)
        ))
        .execute(&mut conn)
        .await
        .expect("publish the template");
    }
    conn.close().await.ok();
    drop(lock);
    Server { superuser, template: Some(template) }
}

/// Migrates the database `options` reaches (`what`, for the panic messages) and lets the
/// application role log in there.
async fn prepare(options: PgConnectOptions, what: &str) {
    let pool = PgPool::connect_with(options).await.unwrap_or_else(|e| panic!("connect to {what}: {e}"));
    migrate(&pool).await.unwrap_or_else(|e| panic!("migrate {what}: {e}"));
    allow_app_login(&pool).await;
    pool.close().await;
}

async fn allow_app_login(pool: &PgPool) {
    let can_login: bool = sqlx::query_scalar("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1")
        .bind(APP_ROLE)
        .fetch_one(pool)
        .await
        .expect("find the app role");
    if can_login {
        return;
    }
    sqlx::raw_sql(&format!("ALTER ROLE {APP_ROLE} LOGIN"))
        .execute(pool)
        .await
        .expect("let the app role log in");
}

/// Changes whenever a migration does, so a stale template is never reused.
fn migrations_fingerprint() -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for migration in crate::db::MIGRATOR.iter() {
        migration.version.hash(&mut hasher);
        migration.checksum.hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}
