//! Honest status codes for server functions.
//!
//! server_fn 0.8 answers every failed server function with 500 (`Res::error_response`); the
//! answer's body is the [`AppError`] itself, which says what happened. Its status (401, 403,
//! 404, 409, 422, 429, 502, 503, and 500 only for a bug) is set here, in one place for every
//! server function, with `Retry-After` where waiting helps. A form posted without JavaScript
//! is answered by a redirect back to its page (the error in the URL) and is left as it is.

use app::error::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

/// An encoded `AppError` is a few hundred bytes; a form's refusal with what was typed, a few
/// kilobytes.
const MAX_ERROR_BYTES: usize = 256 * 1024;

pub async fn honest_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BYTES).await else {
        tracing::error!("a server function's error answer could not be read");
        return Response::from_parts(parts, Body::empty());
    };
    match serde_json::from_slice::<AppError>(&bytes) {
        Ok(error) => {
            let (status, retry_after) = error.http_status();
            parts.status = status;
            if let Some(retry_after) = retry_after {
                parts.headers.insert(header::RETRY_AFTER, retry_after);
            }
        }
        Err(problem) => tracing::error!(%problem, "a server function's error is not an AppError"),
    }
    Response::from_parts(parts, Body::from(bytes))
}
