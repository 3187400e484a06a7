//! `GET /export.zip`: all of the signed-in store's data, streamed as it is read, for owners.

use app::session::CurrentStore;
use app::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::io::AsyncReadExt;

/// How much of the zip may wait in memory between the database and the client.
const BUFFER_BYTES: usize = 256 * 1024;

pub async fn download(State(state): State<AppState>, CurrentStore(scope): CurrentStore) -> Response {
    match domain::export::begin(&state.db, &scope).await {
        Ok(()) => {}
        Err(domain::Error::Forbidden) => {
            return (StatusCode::FORBIDDEN, "Only the store's owners can export its data.").into_response();
        }
        Err(error) => {
            tracing::error!(%error, tenant = %scope.tenant_id(), "could not start an export");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "The export could not start. Please try again in a moment.",
            )
                .into_response();
        }
    }
    tracing::info!(tenant = %scope.tenant_id(), account = %scope.account_id(), "store export started");
    let (writer, reader) = tokio::io::duplex(BUFFER_BYTES);
    let (finished, outcome) = tokio::sync::oneshot::channel();
    let tenant = scope.tenant_id();
    tokio::spawn(async move {
        let result = domain::export::write_zip(&state.db, &scope, writer).await;
        if let Err(error) = &result {
            tracing::error!(%error, %tenant, "store export failed");
        }
        let _ = finished.send(result.is_ok());
    });
    // Chunks as they come; a failed export ends the body with an error, so the download fails
    // instead of leaving a truncated zip that looks whole.
    let chunks = futures::stream::unfold((reader, Some(outcome)), |(mut reader, outcome)| async move {
        let mut buffer = vec![0; 64 * 1024];
        match reader.read(&mut buffer).await {
            Ok(0) => match outcome?.await {
                Ok(true) => None,
                _ => Some((Err(std::io::Error::other("the export failed")), (reader, None))),
            },
            Ok(read) => {
                buffer.truncate(read);
                Some((Ok(Bytes::from(buffer)), (reader, outcome)))
            }
            Err(error) => Some((Err(error), (reader, None))),
        }
    });
    let filename = format!("store-{tenant}-{}.zip", chrono::Utc::now().format("%Y-%m-%d"));
    (
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(chunks),
    )
        .into_response()
}
