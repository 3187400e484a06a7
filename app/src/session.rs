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

/// Who is signed in, and to which store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub account_id: AccountId,
    pub tenant_id: TenantId,
}

/// Starts a signed-in session under a new id (the old id may have been seen by someone else).
pub async fn sign_in(session: &Session, signed_in: SignedIn) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(SIGNED_IN, signed_in).await
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
        async move {
            let Some(session) = session else {
                tracing::error!("the session layer is missing");
                return Err(ScopeRejection::Unavailable);
            };
            resolve_scope(session, db).await.map(CurrentStore)
        }
    }
}

async fn resolve_scope(session: Session, db: domain::Db) -> Result<TenantScope, ScopeRejection> {
    let signed_in: SignedIn = match session.get(SIGNED_IN).await {
        Ok(Some(signed_in)) => signed_in,
        Ok(None) => return Err(ScopeRejection::SignedOut),
        Err(error) => {
            tracing::error!(%error, "could not read the session");
            return Err(ScopeRejection::Unavailable);
        }
    };
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
