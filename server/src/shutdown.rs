//! Shutting down within a deadline.
//!
//! On SIGTERM the server stops accepting connections and lets the requests in flight finish,
//! for at most `SHUTDOWN_GRACE_SECONDS` (below Kubernetes' 30 s `terminationGracePeriodSeconds`,
//! so the process ends by itself before the kubelet kills it). A request still running then (a
//! statement waiting on a lock, say) is answered 503 and its work is dropped: its transaction
//! never commits, so the database rolls it back. Then the process exits 0.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Whether the grace period has run out.
#[derive(Clone)]
struct Deadline(watch::Receiver<bool>);

/// Serves `router` on `listener` until `shutdown` completes, then for at most `grace`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    grace: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (passed, deadline) = watch::channel(false);
    let router = router.layer(middleware::from_fn_with_state(Deadline(deadline), cut_off));
    let (signalled, shutting_down) = tokio::sync::oneshot::channel::<()>();
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = signalled.send(());
        })
        .into_future();
    tokio::pin!(served);
    tokio::select! {
        result = &mut served => return result,
        Ok(()) = shutting_down => {}
    }
    tracing::info!(
        grace_seconds = grace.as_secs_f64(),
        "no new connections; letting requests in flight finish"
    );
    tokio::select! {
        result = &mut served => return result,
        () = tokio::time::sleep(grace) => {}
    }
    tracing::warn!("the shutdown's grace period ran out: answering the requests still running 503 and dropping their work");
    passed.send_replace(true);
    // Cut off, each request answers at once; a connection that still does not close (a client
    // that stopped reading) is not waited for.
    match tokio::time::timeout(Duration::from_secs(1), &mut served).await {
        Ok(result) => result,
        Err(_) => Ok(()),
    }
}

/// Runs the request unless the deadline passes first; then drops it (and with it any
/// transaction it holds, which rolls back) and answers 503.
async fn cut_off(State(Deadline(mut deadline)): State<Deadline>, request: Request, next: Next) -> Response {
    // A `Uri` clone shares its bytes: nothing is copied on the way of every request.
    let uri = request.uri().clone();
    tokio::select! {
        response = next.run(request) => response,
        _ = deadline.wait_for(|passed| *passed) => {
            tracing::warn!(path = uri.path(), "request cut off by the shutdown's deadline");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [
                    (header::RETRY_AFTER, HeaderValue::from_static("1")),
                    (header::CONNECTION, HeaderValue::from_static("close")),
                ],
                "The server is restarting. Please try again in a moment.",
            )
                .into_response()
        }
    }
}
