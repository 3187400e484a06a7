//! Which database the commands use: the one `DATABASE_URL` names, or the embedded cluster.

use std::time::{Duration, Instant};

use anyhow::Context;
use domain::db::{migrate, APP_ROLE};
use domain::embedded::{Cluster, ClusterOptions, SUPERUSER};
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

use crate::config::Settings;

const EMBEDDED_DATABASE: &str = "storefront";

pub struct Database {
    /// The schema owner: migrations and seeding. Connects on first use.
    pub owner: PgPool,
    pub owner_options: PgConnectOptions,
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
                    url.expose_secret().parse().context("DATABASE_URL is not a PostgreSQL URL")?;
                let owner_url = settings.database_owner_url.as_ref().unwrap_or(url);
                let owner_options: PgConnectOptions = owner_url
                    .expose_secret()
                    .parse()
                    .context("DATABASE_OWNER_URL is not a PostgreSQL URL")?;
                let owner = PgPoolOptions::new().max_connections(4).connect_lazy_with(owner_options.clone());
                Ok(Database { owner, owner_options, app_options, cluster: None })
            }
            None => {
                let folder = settings.data_dir.join("postgres");
                tracing::info!(folder = %folder.display(), "no DATABASE_URL: using the embedded PostgreSQL cluster");
                let cluster = Cluster::start(&folder, &ClusterOptions::default()).await?;
                cluster.ensure_database(EMBEDDED_DATABASE).await?;
                let owner_options = cluster.connect_options(SUPERUSER, EMBEDDED_DATABASE);
                let owner = PgPoolOptions::new().max_connections(4).connect_lazy_with(owner_options.clone());
                let app_options = cluster.connect_options(APP_ROLE, EMBEDDED_DATABASE);
                Ok(Database { owner, owner_options, app_options, cluster: Some(cluster) })
            }
        }
    }

    pub fn is_embedded(&self) -> bool {
        self.cluster.is_some()
    }

    /// Waits until the database accepts a connection, for at most `bound`: after a reboot the
    /// app may start before PostgreSQL does. Each failed attempt is logged with the address tried
    /// and why (refused, authentication, starting up, timed out); the pause between attempts
    /// doubles from a quarter of a second up to five.
    pub async fn wait_until_reachable(&self, bound: Duration) -> anyhow::Result<()> {
        const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
        let address = address_of(&self.owner_options);
        let started = Instant::now();
        let mut pause = Duration::from_millis(250);
        for attempt in 1.. {
            let problem = match tokio::time::timeout(ATTEMPT_TIMEOUT, self.owner_options.connect()).await {
                Ok(Ok(connection)) => {
                    let _ = connection.close().await;
                    if attempt > 1 {
                        tracing::info!(%address, attempt, "the database accepts connections");
                    }
                    return Ok(());
                }
                Ok(Err(error)) => why_unreachable(&error),
                Err(_) => format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs()),
            };
            if started.elapsed() + pause > bound {
                anyhow::bail!(
                    "the database at {address} did not accept a connection within {} s \
                     (DATABASE_WAIT_SECONDS): {problem}",
                    bound.as_secs()
                );
            }
            tracing::warn!(%address, attempt, %problem, retry_in_ms = pause.as_millis() as u64, "the database is not reachable yet");
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
        unreachable!("the attempts go on until one connects or the bound passes")
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

/// Where a connection goes, for the logs (never the password).
fn address_of(options: &PgConnectOptions) -> String {
    match options.get_socket() {
        Some(folder) => format!("{}/.s.PGSQL.{}", folder.display(), options.get_port()),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    }
}

/// Why a connection attempt failed, in an operator's words.
fn why_unreachable(error: &sqlx::Error) -> String {
    use std::io::ErrorKind;
    match error {
        sqlx::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => "connection refused (nothing listens there yet)".into(),
            ErrorKind::NotFound => "no server socket there yet".into(),
            ErrorKind::TimedOut => "timed out".into(),
            _ => io.to_string(),
        },
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01" | "28000") => format!("authentication failed: {}", db.message()),
            Some("57P03") => "the server is starting up".into(),
            Some("3D000") => format!("no such database: {}", db.message()),
            _ => db.to_string(),
        },
        other => other.to_string(),
    }
}
