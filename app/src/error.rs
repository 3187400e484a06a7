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
    /// A form's input was refused: what is wrong, by field, and what was typed, so that a page
    /// rendered again without JavaScript shows it back.
    #[error("{}", .0.message)]
    Form(FormProblems),
    #[error("This store is read-only until its overdue payment is settled. An owner or admin can update the payment method on the Billing page.")]
    ReadOnly,
    #[error("This store is closed until its subscription is in order. Its data is kept; an owner or admin can put it right on the Billing page.")]
    Suspended,
    #[error("The platform's staff have suspended this store. Its data is kept; contact support to have it reopened.")]
    SuspendedByPlatform,
    /// A store member (or anyone not staff) asked for the admin panel.
    #[error("This page is for the platform's staff.")]
    NotStaff,
    #[error("Your support session has ended. Open a new one from the store's page in the admin panel.")]
    SupportSessionEnded,
    /// The request conflicts with what is stored (a duplicate, a stale state, a plan's limit).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts: try again after `retry_after_secs`.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    /// An outside service (payments, sign-in) refused or failed; nothing was changed here.
    #[error("{0}")]
    Provider(String),
    /// The store's requests hold their whole share of the database at once (one of them stuck
    /// on a lock, say): other stores are served meanwhile; this one's requests are worth
    /// retrying in a moment.
    #[error("This store has too many requests under way at once. Please try again in a moment.")]
    StoreBusy,
    /// The database or the server is overloaded or down for a moment: worth retrying.
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Unavailable,
    /// A bug: logged at ERROR where it happened.
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    #[error("We could not reach the server. Check your connection and try again.")]
    Transport(String),
    /// The call itself could not be read (missing or malformed arguments): not something a
    /// page of ours sends.
    #[error("This request could not be read. Reload the page and try again.")]
    BadRequest,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // On the server these are the request's own arguments failing to decode.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Args(error)
            | ServerFnErrorErr::MissingArg(error)
            | ServerFnErrorErr::Deserialization(error) => {
                tracing::info!(%error, "refused a server function call whose arguments could not be read");
                AppError::BadRequest
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<domain::Error> for AppError {
    fn from(error: domain::Error) -> Self {
        match error {
            domain::Error::NotFound => AppError::NotFound,
            domain::Error::Forbidden => AppError::Forbidden,
            domain::Error::Invalid(message) => AppError::Invalid(message),
            domain::Error::Conflict(message) | domain::Error::LimitReached(message) => {
                AppError::Conflict(message)
            }
            domain::Error::Provider(message) => AppError::Provider(message),
            domain::Error::ReadOnly => AppError::ReadOnly,
            domain::Error::Suspended => AppError::Suspended,
            domain::Error::SuspendedByPlatform => AppError::SuspendedByPlatform,
            domain::Error::Fields(errors) => AppError::Form(FormProblems::of(&errors, 422)),
            domain::Error::Taken(errors) => AppError::Form(FormProblems::of(&errors, 409)),
            domain::Error::Database(e) if domain::Error::is_outage(&e) => {
                tracing::warn!(error = %e, "the database is unavailable");
                AppError::Unavailable
            }
            domain::Error::Database(e) => {
                tracing::error!(error = %e, "database error in a server function");
                AppError::Internal
            }
            domain::Error::TooMany { message, wait } => {
                AppError::TooManyRequests { message, retry_after_secs: wait.as_secs().max(1) }
            }
            domain::Error::Busy => {
                tracing::warn!("too many password hashes waiting: turned away");
                AppError::Unavailable
            }
            // Logged by the bulkhead, with the store.
            domain::Error::StoreBusy => AppError::StoreBusy,
            domain::Error::UnstorableText => AppError::Invalid(domain::text::UNSTORABLE.into()),
            domain::Error::Io(e) => {
                tracing::error!(error = %e, "output error in a server function");
                AppError::Unavailable
            }
        }
    }
}

/// What was wrong with a submitted form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormProblems {
    pub message: String,
    /// `(field name, problem)`.
    pub fields: Vec<(String, String)>,
    /// `(field name, value as typed)`; never a password.
    pub values: Vec<(String, String)>,
    /// The refusal's HTTP status: 422 for input that does not parse, 409 for a conflict with
    /// what is stored, 429 for too many attempts, 502 for a provider's refusal, 503 for a
    /// moment's outage or a busy store.
    pub status: u16,
    pub retry_after_secs: Option<u64>,
}

impl Default for FormProblems {
    fn default() -> Self {
        FormProblems {
            message: String::new(),
            fields: Vec::new(),
            values: Vec::new(),
            status: 422,
            retry_after_secs: None,
        }
    }
}

impl FormProblems {
    /// The problems of a form, by field, answered with `status`.
    #[cfg(feature = "ssr")]
    fn of(errors: &domain::FieldErrors, status: u16) -> FormProblems {
        FormProblems {
            message: domain::Error::Fields(errors.clone()).to_string(),
            fields: errors.iter().map(|(field, message)| (field.to_owned(), message.to_owned())).collect(),
            status,
            ..FormProblems::default()
        }
    }

    /// The problem with `field`, if any.
    pub fn field(&self, field: &str) -> Option<String> {
        self.fields.iter().find(|(f, _)| f == field).map(|(_, message)| message.clone())
    }

    /// What was typed into `field`.
    pub fn value(&self, field: &str) -> Option<String> {
        self.values.iter().find(|(f, _)| f == field).map(|(_, value)| value.clone())
    }
}

impl AppError {
    /// The same error, carrying what was typed into the form (for refusals of what was sent;
    /// the others, such as signed out, keep nothing).
    pub fn with_values(self, values: &[(&str, &str)]) -> AppError {
        let values = values.iter().map(|(field, value)| (field.to_string(), value.to_string())).collect();
        match self.form_problems() {
            Some(problems) => AppError::Form(FormProblems { values, ..problems }),
            None => self,
        }
    }

    /// The form problems of a refused submission, if that is what this is.
    pub fn form_problems(&self) -> Option<FormProblems> {
        let message = self.to_string();
        let (status, retry_after_secs) = (self.status(), self.retry_after_secs());
        match self {
            AppError::Form(problems) => Some(problems.clone()),
            // A moment's outage or a busy store too: the person tries again with what they typed.
            AppError::Invalid(_)
            | AppError::Conflict(_)
            | AppError::Provider(_)
            | AppError::TooManyRequests { .. }
            | AppError::Unavailable
            | AppError::StoreBusy => {
                Some(FormProblems { message, status, retry_after_secs, ..FormProblems::default() })
            }
            _ => None,
        }
    }

    /// The HTTP status that says what happened: 4xx for refusals the person can act on, 503
    /// for a moment's outage, 500 only for a bug.
    pub fn status(&self) -> u16 {
        match self {
            AppError::BadRequest => 400,
            AppError::SignedOut => 401,
            AppError::NotFound => 404,
            AppError::Forbidden
            | AppError::NotStaff
            | AppError::ReadOnly
            | AppError::Suspended
            | AppError::SuspendedByPlatform
            | AppError::SupportSessionEnded => 403,
            AppError::Invalid(_) => 422,
            AppError::Form(problems) => problems.status,
            AppError::Conflict(_) => 409,
            AppError::TooManyRequests { .. } => 429,
            AppError::Provider(_) => 502,
            AppError::Unavailable | AppError::StoreBusy | AppError::Transport(_) => 503,
            AppError::Internal => 500,
        }
    }

    /// How long to wait before trying again, when the answer says so (`Retry-After`).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after_secs, .. } => Some(*retry_after_secs),
            AppError::Form(problems) => problems.retry_after_secs,
            AppError::Unavailable => Some(UNAVAILABLE_RETRY_AFTER_SECS),
            AppError::StoreBusy => Some(STORE_BUSY_RETRY_AFTER_SECS),
            _ => None,
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// [`AppError::status`] as an HTTP status, and the `Retry-After` header that goes with it,
    /// for the answers of server functions and of pages alike.
    pub fn http_status(&self) -> (axum::http::StatusCode, Option<axum::http::HeaderValue>) {
        let status = axum::http::StatusCode::from_u16(self.status())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, self.retry_after_secs().map(axum::http::HeaderValue::from))
    }
}

/// An outage is usually over in seconds: long enough not to hammer the database, short enough
/// that a person's retry works.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

/// A store's own requests usually finish within their statement bound.
pub const STORE_BUSY_RETRY_AFTER_SECS: u64 = 2;
