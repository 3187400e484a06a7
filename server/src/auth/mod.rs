//! Signing in and out. Two modes share the sign-in page, the password check and the store
//! choice: local (no identity provider configured: this server sets the session itself) and
//! Hydra (this server is Hydra's login and consent provider and an OIDC client of it).

pub mod hydra;
pub mod invitations;
pub mod local;

use std::sync::Arc;
use std::time::Duration;

use app::sign_in_failure::SignInFailure;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::accounts::{self, Email};
use domain::rate_limits::{self, LimitedAction};
use domain::{AccountId, Db};

use crate::identity_provider::IdentityProvider;

/// How people sign in here.
#[derive(Clone)]
pub enum SignInMode {
    Local,
    Hydra(Arc<IdentityProvider>),
}

/// Why a sign-in attempt failed; [`Failure::told`] is what the sign-in page explains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    InvalidEmail,
    Throttled(Duration),
    Credentials,
    NoStore,
    Unavailable,
    /// Too many passwords are being checked at once: try again in a few seconds.
    Busy,
}

impl Failure {
    /// What the sign-in page is told (the code in its query).
    fn told(self) -> SignInFailure {
        match self {
            Failure::InvalidEmail => SignInFailure::InvalidEmail,
            Failure::Throttled(_) => SignInFailure::Throttled,
            Failure::Credentials => SignInFailure::Credentials,
            Failure::NoStore => SignInFailure::NoStore,
            Failure::Unavailable => SignInFailure::Unavailable,
            Failure::Busy => SignInFailure::Busy,
        }
    }
}

/// Back to the sign-in form with why it failed, the email as typed and, in Hydra mode, the
/// login challenge, so the person can try again within the same sign-in. A server too busy
/// checking passwords says so with 503 and `Retry-After`, and a link back to the form.
pub fn back_to_form(failure: Failure, email: &str, login_challenge: Option<&str>) -> Response {
    crate::metrics::sign_in(failure.told().code());
    let form = form_url(failure, email, login_challenge);
    if failure == Failure::Busy {
        let page = format!(
            "<!DOCTYPE html><html lang=\"en\"><title>Busy · Storefront</title><main><h1>The server is busy</h1>\
             <p>Too many people are signing in at this moment. Please try again in a few seconds.</p>\
             <p><a href=\"{form}\">Back to sign-in</a></p></main></html>"
        );
        let retry = app::error::UNAVAILABLE_RETRY_AFTER_SECS.to_string();
        return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, retry)], Html(page)).into_response();
    }
    Redirect::to(&form).into_response()
}

/// The sign-in form's address after a failure: its query holds only URL-encoded text.
fn form_url(failure: Failure, email: &str, login_challenge: Option<&str>) -> String {
    let minutes = match failure {
        Failure::Throttled(wait) => Some(wait.as_secs().div_ceil(60).max(1).to_string()),
        _ => None,
    };
    let mut query = vec![("error", failure.told().code()), ("email", email.trim())];
    if let Some(minutes) = &minutes {
        query.push(("wait", minutes));
    }
    if let Some(challenge) = login_challenge {
        query.push(("login_challenge", challenge));
    }
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    format!("/auth/login?{query}")
}

/// Checks an email and password, within the failed-attempt limits per email and per client
/// address. Unknown emails are limited and answered exactly like known ones.
pub async fn check_password(
    db: &Db,
    email: &str,
    password: &str,
    address: &str,
) -> Result<AccountId, Failure> {
    let email = Email::parse(email).map_err(|_| Failure::InvalidEmail)?;
    let buckets = [
        (LimitedAction::FailedSignInPerAccount, email.as_str()),
        (LimitedAction::FailedSignInPerAddress, address),
    ];
    for (action, key) in buckets {
        match rate_limits::wait_time(db, action, key).await {
            Ok(None) => {}
            Ok(Some(wait)) => {
                tracing::warn!(action = action.name(), %address, "sign-in refused: too many failed attempts");
                return Err(Failure::Throttled(wait));
            }
            Err(error) => {
                tracing::error!(%error, "could not read the sign-in limits");
                return Err(Failure::Unavailable);
            }
        }
    }
    match accounts::authenticate(db, &email, password).await {
        Ok(Some(account)) => {
            if let Err(error) =
                rate_limits::reset(db, LimitedAction::FailedSignInPerAccount, email.as_str()).await
            {
                tracing::warn!(%error, "could not clear the account's failed sign-ins");
            }
            Ok(account)
        }
        Ok(None) => {
            tracing::info!(%address, "sign-in refused: wrong email or password");
            for (action, key) in buckets {
                if let Err(error) = rate_limits::record(db, action, key).await {
                    tracing::error!(%error, "could not record a failed sign-in");
                }
            }
            Err(Failure::Credentials)
        }
        Err(domain::Error::Busy) => {
            tracing::warn!(%address, "sign-in turned away: too many passwords being checked");
            Err(Failure::Busy)
        }
        Err(error) => {
            tracing::error!(%error, "sign-in failed");
            Err(Failure::Unavailable)
        }
    }
}
