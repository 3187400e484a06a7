//! The signed-in session and the store scope derived from it.
//!
//! The store a request works on comes from the server-side session only, never from the URL,
//! a form field or a header, and its membership is checked again on every request, so a
//! removed member loses access at once.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::staff::Staff;
use domain::{AccountId, TenantId, TenantScope};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::error::AppError;
use crate::state::AppState;

const SIGNED_IN: &str = "signed_in";
const CHOOSING_STORE: &str = "choosing_store";
const STAFF: &str = "staff";
const SUPPORT_SESSION: &str = "support_session";
const SIGNUP_TICKET: &str = "signup_ticket";

/// Who is signed in, to which store, and since when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub account_id: AccountId,
    pub tenant_id: TenantId,
    #[serde(flatten)]
    pub since: Authenticated,
}

/// When a person last proved who they are, in unix milliseconds (fine enough that sessions
/// revoked a moment ago are told apart from ones begun a moment later). Switching stores keeps
/// it: a session ends this long after signing in, however busy it is. Sessions written before
/// it existed read as 0: long expired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authenticated {
    #[serde(default)]
    pub authenticated_at_ms: i64,
}

impl Authenticated {
    pub fn now() -> Authenticated {
        Authenticated { authenticated_at_ms: chrono::Utc::now().timestamp_millis() }
    }

    pub fn at(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(self.authenticated_at_ms).unwrap_or_default()
    }

    /// Whether the session has outlived `max_age` since authenticating, at `now_ms`.
    pub fn is_expired(&self, now_ms: i64, max_age: std::time::Duration) -> bool {
        now_ms.saturating_sub(self.authenticated_at_ms)
            >= i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX)
    }
}

impl SignedIn {
    /// Just authenticated.
    pub fn now(account_id: AccountId, tenant_id: TenantId) -> SignedIn {
        SignedIn { account_id, tenant_id, since: Authenticated::now() }
    }
}

/// A member of the platform's staff signed in to the admin panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSignedIn {
    pub account_id: AccountId,
    #[serde(flatten)]
    pub since: Authenticated,
}

/// Starts a staff session under a new id: the admin panel, and no store.
pub async fn sign_in_staff(
    session: &Session,
    account: AccountId,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.remove::<SignedIn>(SIGNED_IN).await?;
    session.remove::<AccountId>(CHOOSING_STORE).await?;
    session.insert(STAFF, StaffSignedIn { account_id: account, since: Authenticated::now() }).await
}

/// Remembers the staff member's open support session: store pages then show that store.
pub async fn enter_support_session(session: &Session, id: i64) -> Result<(), tower_sessions::session::Error> {
    session.insert(SUPPORT_SESSION, id).await
}

/// Forgets the support session (it ended): store pages are out of reach again.
pub async fn leave_support_session(session: &Session) -> Result<Option<i64>, tower_sessions::session::Error> {
    session.remove(SUPPORT_SESSION).await
}

/// The support session the staff member is in, if any (not checked against the database).
pub async fn current_support_session(session: &Session) -> Option<i64> {
    session.get::<i64>(SUPPORT_SESSION).await.ok().flatten()
}

/// Starts a signed-in session under a new id (the old id may have been seen by someone else).
pub async fn sign_in(session: &Session, signed_in: SignedIn) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.remove::<StaffSignedIn>(STAFF).await?;
    session.remove::<i64>(SUPPORT_SESSION).await?;
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

/// A person who just created their account in this browser (a signup, an accepted invitation),
/// kept in the server-side session only. With an identity provider, sessions start from its
/// sign-in alone: the app starts one, and its login page lets this account in once without
/// asking for the password it was given a moment ago.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupTicket {
    pub account_id: AccountId,
    pub tenant_id: TenantId,
    minted_at_ms: i64,
}

/// How long a signup ticket waits for the provider's login page.
const SIGNUP_TICKET_LIFETIME: std::time::Duration = std::time::Duration::from_secs(600);

/// Keeps a ticket for `account`, who now belongs to `tenant`, in a new session: whatever session
/// the browser had ends.
pub async fn mint_signup_ticket(
    session: &Session,
    account: AccountId,
    tenant: TenantId,
) -> Result<(), tower_sessions::session::Error> {
    // Nothing of an earlier sign-in here is kept, the identity provider's login included.
    session.flush().await?;
    let ticket = SignupTicket {
        account_id: account,
        tenant_id: tenant,
        minted_at_ms: chrono::Utc::now().timestamp_millis(),
    };
    session.insert(SIGNUP_TICKET, ticket).await
}

/// Whether a ticket waits in this session (the sign-in it starts must not reuse another login).
pub async fn has_signup_ticket(session: &Session) -> bool {
    matches!(session.get::<SignupTicket>(SIGNUP_TICKET).await, Ok(Some(_)))
}

/// Takes the ticket: it serves once, and only within its lifetime.
pub async fn take_signup_ticket(
    session: &Session,
) -> Result<Option<SignupTicket>, tower_sessions::session::Error> {
    let ticket = session.remove::<SignupTicket>(SIGNUP_TICKET).await?;
    let fresh = |ticket: &SignupTicket| {
        let since = Authenticated { authenticated_at_ms: ticket.minted_at_ms };
        !since.is_expired(chrono::Utc::now().timestamp_millis(), SIGNUP_TICKET_LIFETIME)
    };
    Ok(ticket.filter(fresh))
}

/// Starts the session of a person who just joined `tenant` (a new owner, a new member): at once
/// in local mode, or through the identity provider's sign-in, by a signup ticket. Where the
/// browser goes next: `landing`, or the provider's sign-in page.
pub async fn start_after_signup(
    state: &AppState,
    session: &Session,
    account: AccountId,
    tenant: TenantId,
    landing: &str,
) -> Result<String, AppError> {
    let failed = |error: &dyn std::fmt::Display| {
        tracing::error!(%error, "could not start the new member's session");
        AppError::Unavailable
    };
    let Some(provider) = &state.sign_in_provider else {
        sign_in_to_store(session, account, tenant).await.map_err(|e| failed(&e))?;
        return Ok(landing.to_owned());
    };
    mint_signup_ticket(session, account, tenant).await.map_err(|e| failed(&e))?;
    // Straight to the provider's page: a path of ours would be routed in the browser, not loaded.
    provider.start(session).await.map_err(|e| failed(&e))
}

pub async fn sign_out(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.flush().await
}

/// The checked scope of the signed-in member's store (or of staff's open support session), as
/// an axum extractor.
pub struct CurrentStore(pub TenantScope);

#[derive(Debug)]
pub enum ScopeRejection {
    SignedOut,
    /// Signed in, but not as someone this needs (a store member where staff is needed).
    Forbidden,
    /// Staff whose support session ended or expired.
    SupportSessionEnded,
    /// The store used up its request budget on this replica ([`crate::budget`]) for this long.
    OverBudget(std::time::Duration),
    Unavailable,
}

impl IntoResponse for ScopeRejection {
    fn into_response(self) -> Response {
        let status = match self {
            ScopeRejection::SignedOut | ScopeRejection::SupportSessionEnded => StatusCode::UNAUTHORIZED,
            ScopeRejection::Forbidden => StatusCode::FORBIDDEN,
            ScopeRejection::OverBudget(_) => StatusCode::TOO_MANY_REQUESTS,
            ScopeRejection::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        };
        let error = AppError::from(self);
        let retry_after = error.http_status().1;
        let mut response = (status, error.to_string()).into_response();
        if let Some(retry_after) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, retry_after);
        }
        response
    }
}

impl From<ScopeRejection> for AppError {
    fn from(rejection: ScopeRejection) -> Self {
        match rejection {
            ScopeRejection::SignedOut => AppError::SignedOut,
            ScopeRejection::Forbidden => AppError::NotStaff,
            ScopeRejection::SupportSessionEnded => AppError::SupportSessionEnded,
            ScopeRejection::OverBudget(wait) => {
                let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
                AppError::TooManyRequests {
                    message: format!(
                        "This store is sending more requests than its plan allows at once. Please try again in {seconds} second{}.",
                        if seconds == 1 { "" } else { "s" }
                    ),
                    retry_after_secs: seconds,
                }
            }
            ScopeRejection::Unavailable => AppError::Unavailable,
        }
    }
}

fn session_of(parts: &Parts) -> Result<Session, ScopeRejection> {
    parts.extensions.get::<Session>().cloned().ok_or_else(|| {
        tracing::error!("the session layer is missing");
        ScopeRejection::Unavailable
    })
}

async fn read<T: serde::de::DeserializeOwned>(
    session: &Session,
    key: &str,
) -> Result<Option<T>, ScopeRejection> {
    session.get(key).await.map_err(|error| {
        tracing::error!(%error, "could not read the session");
        ScopeRejection::Unavailable
    })
}

impl FromRequestParts<AppState> for CurrentStore {
    type Rejection = ScopeRejection;

    fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> impl std::future::Future<Output = Result<Self, Self::Rejection>> + Send {
        // Owned values only: the future must be `Send` for every lifetime of the request.
        let session = session_of(parts);
        let db = state.db.clone();
        let max_age = state.session_max_age;
        let budgets = state.budgets.clone();
        let once = parts.extensions.get::<ScopeOnce>().cloned();
        async move {
            let resolve = || async {
                RESOLVED_SCOPES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                resolve_scope(session?, db, max_age).await
            };
            let scope = match &once {
                Some(once) => once.scope.get_or_try_init(resolve).await.cloned()?,
                None => resolve().await?,
            };
            // Staff reading a store in a support session spend nothing of the store's budget.
            if scope.support_session().is_none() {
                let take = |traffic| {
                    budgets.take(scope.tenant_id(), scope.plan(), traffic, std::time::Instant::now())
                };
                let verdict = match &once {
                    Some(once) => *once.verdict.get_or_init(|| take(once.traffic)),
                    None => take(crate::budget::Traffic::Read),
                };
                verdict.map_err(ScopeRejection::OverBudget)?;
            }
            Ok(CurrentStore(scope))
        }
    }
}

/// The store scope of one request, resolved once: a page rendered on the server calls several
/// server functions (its data, the store's notice, …), and each asks for the scope; the first
/// checks the membership, the others share what it found. A refusal is not kept, so each caller
/// gets its own (a sign-out is not flushed twice). The request is charged to the store's budget
/// once too, and that verdict is kept: a refused page is refused to each of its calls.
#[derive(Clone)]
pub struct ScopeOnce {
    scope: std::sync::Arc<tokio::sync::OnceCell<TenantScope>>,
    traffic: crate::budget::Traffic,
    verdict: std::sync::Arc<std::sync::OnceLock<Result<(), std::time::Duration>>>,
}

/// Gives each request its [`ScopeOnce`] (a layer over every route).
pub async fn one_scope_per_request(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let traffic = crate::budget::Traffic::of(request.method(), request.uri().path());
    request.extensions_mut().insert(ScopeOnce {
        scope: Default::default(),
        traffic,
        verdict: Default::default(),
    });
    next.run(request).await
}

static RESOLVED_SCOPES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many store scopes this process has resolved (each a membership check against the
/// database), for metrics and for the tests that count them per request.
pub fn resolved_scopes() -> u64 {
    RESOLVED_SCOPES.load(std::sync::atomic::Ordering::Relaxed)
}

async fn resolve_scope(
    session: Session,
    db: domain::Db,
    max_age: std::time::Duration,
) -> Result<TenantScope, ScopeRejection> {
    let Some(signed_in) = read::<SignedIn>(&session, SIGNED_IN).await? else {
        return support_scope(session, db, max_age).await;
    };
    if signed_in.since.is_expired(chrono::Utc::now().timestamp_millis(), max_age) {
        tracing::info!(account = %signed_in.account_id, "session reached its absolute expiry: signing out");
        let _ = session.flush().await;
        return Err(ScopeRejection::SignedOut);
    }
    let scope =
        TenantScope::for_session(&db, signed_in.account_id, signed_in.tenant_id, signed_in.since.at()).await;
    match scope {
        Ok(scope) => Ok(scope),
        Err(domain::Error::NotFound) => {
            tracing::info!(account = %signed_in.account_id, tenant = %signed_in.tenant_id, "membership gone or sessions revoked: signing out");
            let _ = session.flush().await;
            Err(ScopeRejection::SignedOut)
        }
        Err(error) => {
            tracing::error!(%error, "could not check the membership");
            Err(ScopeRejection::Unavailable)
        }
    }
}

/// A store scope for staff: only inside an open support session.
async fn support_scope(
    session: Session,
    db: domain::Db,
    max_age: std::time::Duration,
) -> Result<TenantScope, ScopeRejection> {
    let Some(support_session) = read::<i64>(&session, SUPPORT_SESSION).await? else {
        return Err(ScopeRejection::SignedOut);
    };
    let staff = resolve_staff(&session, &db, max_age).await?;
    match TenantScope::for_support(&db, &staff, support_session).await {
        Ok(scope) => Ok(scope),
        Err(domain::Error::NotFound) => {
            tracing::info!(staff = %staff.account_id(), support_session, "support session over");
            let _ = session.remove::<i64>(SUPPORT_SESSION).await;
            Err(ScopeRejection::SupportSessionEnded)
        }
        Err(error) => {
            tracing::error!(%error, "could not check the support session");
            Err(ScopeRejection::Unavailable)
        }
    }
}

/// The checked staff member signed in to the admin panel, as an axum extractor. Store members
/// are refused: no store role reaches the panel.
pub struct CurrentStaff(pub Staff);

impl FromRequestParts<AppState> for CurrentStaff {
    type Rejection = ScopeRejection;

    fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> impl std::future::Future<Output = Result<Self, Self::Rejection>> + Send {
        let session = session_of(parts);
        let db = state.db.clone();
        let max_age = state.session_max_age;
        async move { resolve_staff(&session?, &db, max_age).await.map(CurrentStaff) }
    }
}

async fn resolve_staff(
    session: &Session,
    db: &domain::Db,
    max_age: std::time::Duration,
) -> Result<Staff, ScopeRejection> {
    let Some(signed_in) = read::<StaffSignedIn>(session, STAFF).await? else {
        return match read::<SignedIn>(session, SIGNED_IN).await? {
            Some(member) => {
                tracing::warn!(account = %member.account_id, "a store member tried the admin panel");
                Err(ScopeRejection::Forbidden)
            }
            None => Err(ScopeRejection::SignedOut),
        };
    };
    if signed_in.since.is_expired(chrono::Utc::now().timestamp_millis(), max_age) {
        tracing::info!(account = %signed_in.account_id, "staff session reached its absolute expiry: signing out");
        let _ = session.flush().await;
        return Err(ScopeRejection::SignedOut);
    }
    match Staff::for_account(db, signed_in.account_id, signed_in.since.at()).await {
        Ok(staff) => Ok(staff),
        Err(domain::Error::NotFound) => {
            tracing::info!(account = %signed_in.account_id, "no longer staff, or sessions revoked: signing out");
            let _ = session.flush().await;
            Err(ScopeRejection::SignedOut)
        }
        Err(error) => {
            tracing::error!(%error, "could not check the staff member");
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

/// For the admin panel's server functions: the application state and the checked staff member.
pub async fn current_staff() -> Result<(AppState, Staff), AppError> {
    let state = leptos::prelude::use_context::<AppState>().ok_or(AppError::Unavailable)?;
    let mut parts = leptos::prelude::use_context::<Parts>().ok_or(AppError::Unavailable)?;
    let CurrentStaff(staff) = CurrentStaff::from_request_parts(&mut parts, &state).await?;
    Ok((state, staff))
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
        let since = Authenticated { authenticated_at_ms: 1_000_000 };
        let day = Duration::from_secs(86_400);
        assert!(!since.is_expired(1_000_000, day));
        assert!(!since.is_expired(1_000_000 + 86_399_999, day));
        assert!(since.is_expired(1_000_000 + 86_400_000, day));
        assert!(since.is_expired(i64::MAX, day));
    }

    #[test]
    fn sessions_written_before_milliseconds_read_as_long_expired() {
        let old: SignedIn =
            serde_json::from_str(r#"{"account_id":1,"tenant_id":2,"authenticated_at":1700000000}"#)
                .expect("an old session reads");
        assert!(old.since.is_expired(chrono::Utc::now().timestamp_millis(), Duration::from_secs(86_400)));
    }
}
