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
