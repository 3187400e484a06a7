use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::bulkhead::Bulkhead;
use crate::tenancy::{ReadTx, TenantScope, TenantTx};
use crate::Error;

/// The role the application runs as (created by the first migration). It owns no table, is not
/// a superuser and cannot bypass row-level security.
pub const APP_ROLE: &str = "storefront_app";

/// How long a pooled connection may sit idle and still be handed out without a ping (as
/// HikariCP's `aliveBypassWindowMs`).
const PING_AFTER_IDLE: Duration = Duration::from_millis(500);

pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Runs the pending migrations. Needs a connection as the owner of the schema.
pub async fn migrate(owner: &PgPool) -> Result<(), MigrateError> {
    MIGRATOR.run(owner).await
}

/// Whether the database is a Citus coordinator (the extension is installed in it).
pub async fn is_citus(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
        .fetch_one(pool)
        .await
}

/// Connection options every connection of the application carries. With Citus,
/// `SET LOCAL app.current_tenant` reaches the worker nodes only when this is `local`;
/// plain PostgreSQL accepts it as an unused custom setting.
pub fn with_tenancy_options(options: PgConnectOptions) -> PgConnectOptions {
    options.options([("citus.propagate_set_commands", "local")])
}

/// The request bounds as the connection's defaults too, so statements outside a store's
/// transaction (sign-in, the session store, the admin panel) are bounded as well.
fn with_session_bounds(options: PgConnectOptions, bounds: &Bounds) -> PgConnectOptions {
    let [lock, statement] = bounds.settings();
    options.options([("lock_timeout", lock), ("statement_timeout", statement)])
}

/// How long a statement may wait on a lock and run, set on each transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    pub lock_timeout: Duration,
    pub statement_timeout: Duration,
}

impl Bounds {
    /// `lock_timeout` and `statement_timeout` as settings: whole milliseconds, at least one
    /// (zero would mean no bound), formatted from integers, never from text.
    fn settings(&self) -> [String; 2] {
        [self.lock_timeout, self.statement_timeout].map(|bound| format!("{}ms", bound.as_millis().max(1)))
    }

    /// `SET LOCAL` for both. Local to the transaction, so with
    /// `citus.propagate_set_commands=local` they reach the workers as the tenant setting does;
    /// a session default would stay on the coordinator.
    pub(crate) fn set_local(&self) -> String {
        let [lock, statement] = self.settings();
        format!("SET LOCAL lock_timeout = '{lock}'; SET LOCAL statement_timeout = '{statement}'")
    }
}

/// How long the database may keep a request waiting, and how much of the pool one store may hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbLimits {
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before it is turned away (503): short,
    /// so an outage or a saturated pool fails fast instead of piling requests up.
    pub acquire_timeout: Duration,
    /// The most transactions one store holds at once, and how long its next one waits.
    pub connections_per_store: usize,
    pub store_wait: Duration,
    /// Every request's transactions.
    pub request: Bounds,
    /// Exports, imports and other bulk work of one store.
    pub bulk: Bounds,
    /// On Citus, a store's transaction refuses a statement that would run on more than one
    /// shard (`citus.multi_task_query_log_level = 'error'`) instead of running it: every store
    /// statement names its store, so one that fans out is a bug. On for the test suite and
    /// staging; plain PostgreSQL has no shards and ignores it.
    pub refuse_multi_shard: bool,
}

impl DbLimits {
    /// The defaults for a pool of `max_connections`: a store holds at most a quarter of it
    /// (two at least), so three stores stuck at once still leave room for every other store.
    pub fn for_pool(max_connections: u32) -> DbLimits {
        DbLimits {
            max_connections,
            acquire_timeout: Duration::from_secs(1),
            connections_per_store: (max_connections as usize / 4).max(2).min(max_connections.max(1) as usize),
            store_wait: Duration::from_secs(1),
            request: Bounds {
                lock_timeout: Duration::from_secs(2),
                statement_timeout: Duration::from_secs(5),
            },
            bulk: Bounds {
                lock_timeout: Duration::from_secs(10),
                statement_timeout: Duration::from_secs(120),
            },
            refuse_multi_shard: false,
        }
    }
}

impl Default for DbLimits {
    fn default() -> Self {
        DbLimits::for_pool(16)
    }
}

/// Which bounds a store's transaction gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    Request,
    Bulk,
}

/// The application's handle on the database.
#[derive(Clone, Debug)]
pub struct Db {
    pool: PgPool,
    limits: Arc<DbLimits>,
    bulkhead: Arc<Bulkhead>,
    plans: Plans,
}

/// How a store's statements are planned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plans {
    /// One generic plan per statement, whatever the store: on plain PostgreSQL, where planning
    /// a store's statements afresh cost more than running them.
    Generic,
    /// PostgreSQL's own choice: on Citus, which routes a join to its shard at planning time
    /// from the `tenant_id` it is given, and cannot from a generic plan (`could not create
    /// distributed plan`).
    Chosen,
}

impl Db {
    /// Connects as the application role.
    pub async fn connect(options: PgConnectOptions, limits: DbLimits) -> Result<Db, Error> {
        let pool = PgPoolOptions::new()
            .max_connections(limits.max_connections)
            .acquire_timeout(limits.acquire_timeout)
            // sqlx pings every connection it hands out, a round trip before each statement or
            // transaction. A connection used less than `PING_AFTER_IDLE` ago answered then (and
            // sqlx pings it again as it returns), so only one idle for longer is pinged; a
            // connection the server dropped in between fails its statement and is discarded.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > PING_AFTER_IDLE {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(with_session_bounds(with_tenancy_options(options), &limits.request))
            .await?;
        let plans = if is_citus(&pool).await? { Plans::Chosen } else { Plans::Generic };
        Ok(Db { plans, ..Db::from_pool_with(pool, limits) })
    }

    /// A handle on `pool` with the default limits.
    pub fn from_pool(pool: PgPool) -> Db {
        Db::from_pool_with(pool, DbLimits::default())
    }

    pub fn from_pool_with(pool: PgPool, limits: DbLimits) -> Db {
        let bulkhead = Bulkhead::new(limits.connections_per_store, limits.store_wait);
        Db { pool, limits: Arc::new(limits), bulkhead, plans: Plans::Chosen }
    }

    /// How a store's statements are planned here (found when connecting: Citus or not).
    pub fn plans(&self) -> Plans {
        self.plans
    }

    /// What a store's transaction sets besides its store and bounds: generic plans on plain
    /// PostgreSQL; on Citus, the refusal of statements that span shards when asked for.
    pub(crate) fn store_settings(&self) -> &'static str {
        match (self.plans, self.limits.refuse_multi_shard) {
            (Plans::Generic, _) => " SET LOCAL plan_cache_mode = force_generic_plan;",
            (Plans::Chosen, true) => " SET LOCAL citus.multi_task_query_log_level = 'error';",
            (Plans::Chosen, false) => "",
        }
    }

    /// The pool, for platform work on control-plane tables and for the session store.
    /// Tenant tables are unreachable through it: row-level security shows no rows when no
    /// tenant is set.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn bulkhead(&self) -> &Arc<Bulkhead> {
        &self.bulkhead
    }

    /// The bounds a store's transaction of `work` gets.
    pub(crate) fn bounds(&self, work: Work) -> &Bounds {
        match work {
            Work::Request => &self.limits.request,
            Work::Bulk => &self.limits.bulk,
        }
    }

    /// Opens a transaction confined to the scope's store, as far as the store's billing state
    /// allows: refused while the store is closed, read-only while a payment is overdue.
    pub async fn begin_tenant(&self, scope: &TenantScope) -> Result<TenantTx, Error> {
        TenantTx::for_scope(self, scope, Work::Request).await
    }

    /// As [`Db::begin_tenant`], for work that only reads (a page's data): see [`ReadTx`].
    pub async fn read_tenant(&self, scope: &TenantScope) -> Result<ReadTx, Error> {
        ReadTx::for_scope(self, scope).await
    }

    /// As [`Db::begin_tenant`], with the longer bounds of bulk work (an export, an import).
    pub async fn begin_tenant_bulk(&self, scope: &TenantScope) -> Result<TenantTx, Error> {
        TenantTx::for_scope(self, scope, Work::Bulk).await
    }

    /// Refuses to run as a role that would make row-level security moot.
    pub async fn check_app_role(&self) -> Result<(), Error> {
        let (user, superuser, bypass_rls, owns_tables, is_app): (String, bool, bool, bool, bool) =
            sqlx::query_as(
                "SELECT r.rolname::text, r.rolsuper, r.rolbypassrls,
                        EXISTS (SELECT 1 FROM pg_class c
                                WHERE c.relowner = r.oid
                                  AND c.relnamespace = 'public'::regnamespace),
                        pg_has_role(r.oid, $1, 'MEMBER')
                 FROM pg_roles r WHERE r.rolname = current_user",
            )
            .bind(APP_ROLE)
            .fetch_one(&self.pool)
            .await?;
        let problem = if superuser {
            Some("is a superuser")
        } else if bypass_rls {
            Some("has BYPASSRLS")
        } else if owns_tables {
            Some("owns tables")
        } else if !is_app {
            Some("is not a member of the storefront_app role")
        } else {
            None
        };
        match problem {
            Some(problem) => Err(Error::Invalid(format!(
                "the application's database role `{user}` {problem}: connect as a role that is \
                 a member of `{APP_ROLE}`, owns nothing and cannot bypass row-level security"
            ))),
            None => Ok(()),
        }
    }
}
