//! The orchestrator's probes.

use std::time::Duration;

use axum::http::StatusCode;
use axum::Extension;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

/// How long the readiness probe waits for the database: under Kubernetes' default probe
/// timeout (1 s), so the probe's answer is ours and not the kubelet's.
pub const READY_TIMEOUT: Duration = Duration::from_millis(800);

/// The readiness probe's own connection, apart from the request pool: a pool busy with
/// requests does not make a healthy database look down (which would make a load balancer
/// drop every replica at once), and a database that does not answer is told within a second.
#[derive(Clone, Debug)]
pub struct Readiness {
    pool: PgPool,
}

impl Readiness {
    /// Connects on first use, so the probe answers (503) before the database is up.
    pub fn new(options: PgConnectOptions) -> Readiness {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(READY_TIMEOUT)
            .connect_lazy_with(options);
        Readiness { pool }
    }

    /// Whether the database answered a round trip within [`READY_TIMEOUT`].
    pub async fn check(&self) -> Result<(), String> {
        match tokio::time::timeout(READY_TIMEOUT, sqlx::query("SELECT 1").execute(&self.pool)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!("no answer within {} ms", READY_TIMEOUT.as_millis())),
        }
    }
}

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: the database answers.
pub async fn readyz(Extension(readiness): Extension<Readiness>) -> (StatusCode, &'static str) {
    match readiness.check().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(%error, "not ready: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
