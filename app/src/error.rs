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
            domain::Error::Invalid(message)
            | domain::Error::Conflict(message)
            | domain::Error::LimitReached(message)
            | domain::Error::Provider(message) => AppError::Invalid(message),
            domain::Error::ReadOnly => AppError::ReadOnly,
            domain::Error::Suspended => AppError::Suspended,
            domain::Error::SuspendedByPlatform => AppError::SuspendedByPlatform,
            domain::Error::Fields(errors) => AppError::Form(FormProblems {
                message: domain::Error::Fields(errors.clone()).to_string(),
                fields: errors
                    .iter()
                    .map(|(field, message)| (field.to_owned(), message.to_owned()))
                    .collect(),
                values: Vec::new(),
            }),
            domain::Error::Database(e) => {
                tracing::error!(error = %e, "database error in a server function");
                AppError::Unavailable
            }
            domain::Error::Io(e) => {
                tracing::error!(error = %e, "output error in a server function");
                AppError::Unavailable
            }
        }
    }
}

/// What was wrong with a submitted form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormProblems {
    pub message: String,
    /// `(field name, problem)`.
    pub fields: Vec<(String, String)>,
    /// `(field name, value as typed)`; never a password.
    pub values: Vec<(String, String)>,
}

impl FormProblems {
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
    /// The same error, carrying what was typed into the form (for refused input only).
    pub fn with_values(self, values: &[(&str, &str)]) -> AppError {
        let values = values.iter().map(|(field, value)| (field.to_string(), value.to_string())).collect();
        match self {
            AppError::Form(problems) => AppError::Form(FormProblems { values, ..problems }),
            AppError::Invalid(message) => {
                AppError::Form(FormProblems { message, fields: Vec::new(), values })
            }
            other => other,
        }
    }

    /// The form problems of a refused submission, if that is what this is.
    pub fn form_problems(&self) -> Option<FormProblems> {
        match self {
            AppError::Form(problems) => Some(problems.clone()),
            AppError::Invalid(message) => {
                Some(FormProblems { message: message.clone(), ..FormProblems::default() })
            }
            _ => None,
        }
    }
}
