use std::time::Duration;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::tenancy::{TenantScope, TenantTx};
use crate::Error;

/// The role the application runs as (created by the first migration). It owns no table, is not
/// a superuser and cannot bypass row-level security.
pub const APP_ROLE: &str = "storefront_app";

pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Runs the pending migrations. Needs a connection as the owner of the schema.
pub async fn migrate(owner: &PgPool) -> Result<(), MigrateError> {
    MIGRATOR.run(owner).await
}

/// Connection options every connection of the application carries. With Citus,
/// `SET LOCAL app.current_tenant` reaches the worker nodes only when this is `local`;
/// plain PostgreSQL accepts it as an unused custom setting.
pub fn with_tenancy_options(options: PgConnectOptions) -> PgConnectOptions {
    options.options([("citus.propagate_set_commands", "local")])
}

/// The application's handle on the database.
#[derive(Clone, Debug)]
pub struct Db {
    pool: PgPool,
}

impl Db {
    /// Connects as the application role.
    pub async fn connect(options: PgConnectOptions, max_connections: u32) -> Result<Db, Error> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(with_tenancy_options(options))
            .await?;
        Ok(Db { pool })
    }

    pub fn from_pool(pool: PgPool) -> Db {
        Db { pool }
    }

    /// The pool, for platform work on control-plane tables and for the session store.
    /// Tenant tables are unreachable through it: row-level security shows no rows when no
    /// tenant is set.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Opens a transaction confined to the scope's store, as far as the store's billing state
    /// allows: refused while the store is closed, read-only while a payment is overdue.
    pub async fn begin_tenant(&self, scope: &TenantScope) -> Result<TenantTx, Error> {
        TenantTx::for_scope(&self.pool, scope).await
    }

    /// A round trip to the database, for readiness checks.
    pub async fn ping(&self) -> Result<(), Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
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
