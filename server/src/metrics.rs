//! `/metrics` in Prometheus' text format, on a listener of its own (`METRICS_ADDR`, off unless
//! set) and never on the public port: what it tells (traffic by route, the pool, sign-ins,
//! webhooks, refusals) is for the operator, not for the internet.
//!
//! Recording goes through the `metrics` facade (the domain crate records its own: rate-limit
//! refusals, the password-hashing queue); without `METRICS_ADDR` no recorder is installed and
//! every record is a no-op. Labels are bounded: a route is its template (`/orders/{id}`) or
//! `unmatched`, never a raw path, and no label holds a store, an account or an email.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use domain::Db;
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

/// Latency buckets, in seconds: a page is expected in tens of milliseconds, a sign-in (one
/// password hash) in hundreds.
const LATENCY_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// How often histograms drop what is older than their window.
const UPKEEP: Duration = Duration::from_secs(5);

static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed the first time (a second server in one process, as in
/// tests, shares it).
fn recorder() -> &'static PrometheusHandle {
    RECORDER.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .expect("latency buckets are not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed");
        describe();
        let upkeep = handle.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(UPKEEP);
            loop {
                every.tick().await;
                upkeep.run_upkeep();
            }
        });
        handle
    })
}

fn describe() {
    metrics::describe_counter!("http_requests_total", "Answers, by route template, method and status class.");
    metrics::describe_histogram!(
        "http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time to answer, by route template and method."
    );
    metrics::describe_gauge!("db_pool_connections", "The request pool's connections: in_use, idle, max.");
    metrics::describe_gauge!(
        domain::metrics::POOL_WAITING,
        "Requests waiting for a connection to open a store's transaction."
    );
    metrics::describe_counter!("sign_ins_total", "Sign-in attempts, by outcome.");
    metrics::describe_counter!("stripe_webhooks_total", "Stripe webhook deliveries, by outcome.");
    metrics::describe_counter!(domain::metrics::RATE_LIMITED, "Requests refused by a rate limit, by action.");
    metrics::describe_gauge!(
        domain::metrics::HASHING_QUEUE,
        "Password hashes running and waiting for a slot."
    );
}

/// Serves `/metrics` on `addr` until the process ends; returns the address it listens on.
pub async fn serve(addr: SocketAddr, db: Db) -> std::io::Result<SocketAddr> {
    let handle = recorder();
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let router = Router::new().route("/metrics", get(scrape)).with_state(Scrape { handle, db });
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    });
    tracing::info!(addr = %local, "metrics at /metrics");
    Ok(local)
}

#[derive(Clone)]
struct Scrape {
    handle: &'static PrometheusHandle,
    db: Db,
}

/// The figures, the pool's read as they are now.
async fn scrape(State(scrape): State<Scrape>) -> Response {
    let pool = scrape.db.pool();
    let (size, idle) = (pool.size(), pool.num_idle() as u32);
    gauge!("db_pool_connections", "state" => "in_use").set(f64::from(size.saturating_sub(idle)));
    gauge!("db_pool_connections", "state" => "idle").set(f64::from(idle));
    gauge!("db_pool_connections", "state" => "max").set(f64::from(pool.options().get_max_connections()));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], scrape.handle.render()).into_response()
}

/// Middleware (on the router, so the route is matched): one count and one latency per answer.
pub async fn record_request(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let method = match *request.method() {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        _ => "other",
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let class = match response.status().as_u16() {
        ..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    histogram!("http_request_duration_seconds", "route" => route.clone(), "method" => method)
        .record(started.elapsed().as_secs_f64());
    counter!("http_requests_total", "route" => route, "method" => method, "status" => class).increment(1);
    response
}

/// A sign-in attempt ended so (`signed_in`, or the failure's code).
pub fn sign_in(outcome: &'static str) {
    counter!("sign_ins_total", "outcome" => outcome).increment(1);
}

/// A Stripe webhook delivery ended so.
pub fn stripe_webhook(outcome: &'static str) {
    counter!("stripe_webhooks_total", "outcome" => outcome).increment(1);
}
