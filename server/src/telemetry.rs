use std::time::Duration;

use axum::http::{Request, Response};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Structured logs to stderr; `RUST_LOG` sets the filter, `LOG_FORMAT=json` one object a line.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
        LogFormat::Text => builder.compact().try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}

/// The client's `X-Request-Id` is kept only when it is 1 to 64 of `[A-Za-z0-9._-]`: anything
/// else (a newline, markup, a megabyte) would forge or flood log lines, so a new id is made.
pub fn drop_unfit_request_id<B>(mut request: Request<B>) -> Request<B> {
    let fit = |id: &[u8]| {
        (1..=64).contains(&id.len())
            && id.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    if request.headers().get("x-request-id").is_some_and(|id| !fit(id.as_bytes())) {
        request.headers_mut().remove("x-request-id");
    }
    request
}

/// One line per answer, at the level of what it means: 500 is a bug (ERROR), another 5xx an
/// outage (WARN), a 4xx a refusal the client can act on (INFO), the rest DEBUG.
pub fn log_response<B>(response: &Response<B>, latency: Duration, _span: &tracing::Span) {
    let status = response.status().as_u16();
    let ms = latency.as_millis();
    match status {
        500 => tracing::error!(status, ms, "answered"),
        501.. => tracing::warn!(status, ms, "answered"),
        400.. => tracing::info!(status, ms, "answered"),
        _ => tracing::debug!(status, ms, "answered"),
    }
}
