//! The signed-in session and the store scope derived from it.
//!
//! The store a request works on comes from the server-side session only, never from the URL,
//! a form field or a header, and its membership is checked again on every request, so a
//! removed member loses access at once.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::{AccountId, TenantId, TenantScope};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::error::AppError;
use crate::state::AppState;

const SIGNED_IN: &str = "signed_in";
const CHOOSING_STORE: &str = "choosing_store";

/// Who is signed in, to which store, and since when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub account_id: AccountId,
    pub tenant_id: TenantId,
    /// When the person last proved who they are (unix seconds). Switching stores keeps it:
    /// a session ends this long after signing in, however busy it is.
    pub authenticated_at: i64,
}

impl SignedIn {
    /// Just authenticated.
    pub fn now(account_id: AccountId, tenant_id: TenantId) -> SignedIn {
        SignedIn { account_id, tenant_id, authenticated_at: chrono::Utc::now().timestamp() }
    }

    /// Whether the session has outlived `max_age` since authenticating, at `now` (unix seconds).
    pub fn is_expired(&self, now: i64, max_age: std::time::Duration) -> bool {
        now.saturating_sub(self.authenticated_at) >= i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX)
    }
}

/// Starts a signed-in session under a new id (the old id may have been seen by someone else).
pub async fn sign_in(session: &Session, signed_in: SignedIn) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(SIGNED_IN, signed_in).await
}

/// A person whose password checked out and who belongs to several stores, before they chose one.
/// Starts under a new session id, like a sign-in.
pub async fn begin_store_choice(
    session: &Session,
    account: AccountId,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(CHOOSING_STORE, account).await
}

/// The account that may choose a store now: one choosing at sign-in, or one signed in.
pub async fn account_choosing_store(
    session: &Session,
) -> Result<Option<AccountId>, tower_sessions::session::Error> {
    if let Some(account) = session.get::<AccountId>(CHOOSING_STORE).await? {
        return Ok(Some(account));
    }
    Ok(session.get::<SignedIn>(SIGNED_IN).await?.map(|signed_in| signed_in.account_id))
}

/// After the person proved who they are: a session in the store under a new id, and the
/// absolute expiry starts over.
pub async fn sign_in_to_store(
    session: &Session,
    account: AccountId,
    tenant: TenantId,
) -> Result<(), tower_sessions::session::Error> {
    session.remove::<AccountId>(CHOOSING_STORE).await?;
    sign_in(session, SignedIn::now(account, tenant)).await
}

/// Enters a store chosen from the list, which the account was just checked to belong to: a new
/// session id, a new scope. Choosing at sign-in starts the absolute expiry; switching stores
/// later keeps it.
pub async fn enter_chosen_store(
    session: &Session,
    account: AccountId,
    tenant: TenantId,
) -> Result<(), tower_sessions::session::Error> {
    let choosing_at_sign_in = session.remove::<AccountId>(CHOOSING_STORE).await?.is_some();
    let current = session.get::<SignedIn>(SIGNED_IN).await?;
    let signed_in = match current {
        Some(current) if !choosing_at_sign_in && current.account_id == account => {
            SignedIn { tenant_id: tenant, ..current }
        }
        _ => SignedIn::now(account, tenant),
    };
    sign_in(session, signed_in).await
}

pub async fn sign_out(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.flush().await
}

/// The checked scope of the signed-in member's store, as an axum extractor.
pub struct CurrentStore(pub TenantScope);

#[derive(Debug)]
pub enum ScopeRejection {
    SignedOut,
    Unavailable,
}

impl IntoResponse for ScopeRejection {
    fn into_response(self) -> Response {
        match self {
            ScopeRejection::SignedOut => {
                (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response()
            }
            ScopeRejection::Unavailable => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        }
    }
}

impl From<ScopeRejection> for AppError {
    fn from(rejection: ScopeRejection) -> Self {
        match rejection {
            ScopeRejection::SignedOut => AppError::SignedOut,
            ScopeRejection::Unavailable => AppError::Unavailable,
        }
    }
}

impl FromRequestParts<AppState> for CurrentStore {
    type Rejection = ScopeRejection;

    fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> impl std::future::Future<Output = Result<Self, Self::Rejection>> + Send {
        // Owned values only: the future must be `Send` for every lifetime of the request.
        let session = parts.extensions.get::<Session>().cloned();
        let db = state.db.clone();
        let max_age = state.session_max_age;
        async move {
            let Some(session) = session else {
                tracing::error!("the session layer is missing");
                return Err(ScopeRejection::Unavailable);
            };
            resolve_scope(session, db, max_age).await.map(CurrentStore)
        }
    }
}

async fn resolve_scope(
    session: Session,
    db: domain::Db,
    max_age: std::time::Duration,
) -> Result<TenantScope, ScopeRejection> {
    let signed_in: SignedIn = match session.get(SIGNED_IN).await {
        Ok(Some(signed_in)) => signed_in,
        Ok(None) => return Err(ScopeRejection::SignedOut),
        Err(error) => {
            tracing::error!(%error, "could not read the session");
            return Err(ScopeRejection::Unavailable);
        }
    };
    if signed_in.is_expired(chrono::Utc::now().timestamp(), max_age) {
        tracing::info!(account = %signed_in.account_id, "session reached its absolute expiry: signing out");
        let _ = session.flush().await;
        return Err(ScopeRejection::SignedOut);
    }
    match TenantScope::for_member(&db, signed_in.account_id, signed_in.tenant_id).await {
        Ok(scope) => Ok(scope),
        Err(domain::Error::NotFound) => {
            tracing::info!(account = %signed_in.account_id, tenant = %signed_in.tenant_id, "membership gone: signing out");
            let _ = session.flush().await;
            Err(ScopeRejection::SignedOut)
        }
        Err(error) => {
            tracing::error!(%error, "could not check the membership");
            Err(ScopeRejection::Unavailable)
        }
    }
}

/// For server functions: the request's session.
pub fn current_session() -> Result<Session, AppError> {
    let parts = leptos::prelude::use_context::<Parts>().ok_or(AppError::Unavailable)?;
    parts.extensions.get::<Session>().cloned().ok_or_else(|| {
        tracing::error!("the session layer is missing");
        AppError::Unavailable
    })
}

/// The store the session is signed in to, if any (not checked against memberships).
pub async fn current_tenant(session: &Session) -> Option<TenantId> {
    session.get::<SignedIn>(SIGNED_IN).await.ok().flatten().map(|signed_in| signed_in.tenant_id)
}

/// The account the session is signed in as, if any.
pub async fn current_account(session: &Session) -> Option<AccountId> {
    session.get::<SignedIn>(SIGNED_IN).await.ok().flatten().map(|signed_in| signed_in.account_id)
}

/// For server functions: the application state and the signed-in member's store scope.
pub async fn current_store() -> Result<(AppState, TenantScope), AppError> {
    let state = leptos::prelude::use_context::<AppState>().ok_or(AppError::Unavailable)?;
    let mut parts = leptos::prelude::use_context::<Parts>().ok_or(AppError::Unavailable)?;
    let CurrentStore(scope) = CurrentStore::from_request_parts(&mut parts, &state).await?;
    Ok((state, scope))
}

/// Boxes a domain future as `Send`. Server functions must be `Send` for every lifetime, which
/// the compiler cannot prove through sqlx's executor bounds inside an opaque future (a known
/// rustc limitation); checking it here, where the lifetimes are concrete, works.
pub fn boxed<'a, T>(
    future: impl std::future::Future<Output = T> + Send + 'a,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>> {
    Box::pin(future)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_session_expires_a_fixed_time_after_signing_in() {
        let signed_in =
            SignedIn { account_id: AccountId::new(1), tenant_id: TenantId::new(2), authenticated_at: 1_000 };
        let day = Duration::from_secs(86_400);
        assert!(!signed_in.is_expired(1_000, day));
        assert!(!signed_in.is_expired(1_000 + 86_399, day));
        assert!(signed_in.is_expired(1_000 + 86_400, day));
        assert!(signed_in.is_expired(i64::MAX, day));
    }
}
