//! Which database the commands use: the one `DATABASE_URL` names, or the embedded cluster.

use anyhow::Context;
use domain::db::{migrate, APP_ROLE};
use domain::embedded::{Cluster, ClusterOptions, SUPERUSER};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::config::Settings;

const EMBEDDED_DATABASE: &str = "storefront";

pub struct Database {
    /// The schema owner: migrations and seeding. Connects on first use.
    pub owner: PgPool,
    /// The application role's connection options.
    pub app_options: PgConnectOptions,
    /// The embedded cluster, when no `DATABASE_URL` is set.
    pub cluster: Option<Cluster>,
}

impl Database {
    pub async fn open(settings: &Settings) -> anyhow::Result<Database> {
        match &settings.database_url {
            Some(url) => {
                let app_options: PgConnectOptions =
                    url.parse().context("DATABASE_URL is not a PostgreSQL URL")?;
                let owner_url = settings.database_owner_url.as_deref().unwrap_or(url);
                let owner_options: PgConnectOptions =
                    owner_url.parse().context("DATABASE_OWNER_URL is not a PostgreSQL URL")?;
                let owner = PgPoolOptions::new().max_connections(4).connect_lazy_with(owner_options);
                Ok(Database { owner, app_options, cluster: None })
            }
            None => {
                let folder = settings.data_dir.join("postgres");
                tracing::info!(folder = %folder.display(), "no DATABASE_URL: using the embedded PostgreSQL cluster");
                let cluster = Cluster::start(&folder, &ClusterOptions::default()).await?;
                cluster.ensure_database(EMBEDDED_DATABASE).await?;
                let owner = PgPoolOptions::new()
                    .max_connections(4)
                    .connect_lazy_with(cluster.connect_options(SUPERUSER, EMBEDDED_DATABASE));
                let app_options = cluster.connect_options(APP_ROLE, EMBEDDED_DATABASE);
                Ok(Database { owner, app_options, cluster: Some(cluster) })
            }
        }
    }

    pub fn is_embedded(&self) -> bool {
        self.cluster.is_some()
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        migrate(&self.owner).await.context("running the migrations")?;
        if self.is_embedded() {
            // The embedded cluster trusts its socket, so the application role may log in as is.
            sqlx::raw_sql(&format!("ALTER ROLE {APP_ROLE} LOGIN")).execute(&self.owner).await?;
        }
        Ok(())
    }

    /// Closes the connections and stops the embedded cluster if this process started it.
    pub async fn close(self) {
        self.owner.close().await;
        if let Some(cluster) = self.cluster {
            if let Err(error) = cluster.stop().await {
                tracing::error!(%error, "could not stop the embedded PostgreSQL cluster");
            }
        }
    }
}
