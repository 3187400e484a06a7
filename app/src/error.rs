use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What a server function tells the browser when it fails. Messages are written for the
/// person using the page; what went wrong inside is logged on the server, not sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    SignedOut,
    #[error("We could not find that page.")]
    NotFound,
    #[error("Your role in this store does not allow that.")]
    Forbidden,
    #[error("{0}")]
    Invalid(String),
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Unavailable,
    #[error("We could not reach the server. Check your connection and try again.")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<domain::Error> for AppError {
    fn from(error: domain::Error) -> Self {
        match error {
            domain::Error::NotFound => AppError::NotFound,
            domain::Error::Forbidden => AppError::Forbidden,
            domain::Error::Invalid(message) | domain::Error::Conflict(message) => AppError::Invalid(message),
            domain::Error::Database(e) => {
                tracing::error!(error = %e, "database error in a server function");
                AppError::Unavailable
            }
        }
    }
}
