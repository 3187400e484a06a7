//! Hydra mode: our pages answer Hydra's login, consent and logout challenges, and the OIDC
//! callback turns a verified ID token into a session.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use app::session::{sign_in_staff, sign_in_to_store, sign_out};
use app::sign_in_failure::SignInFailure;
use app::state::AppState;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use domain::staff::Staff;
use domain::{AccountId, Role, TenantId, TenantScope};
use serde::Deserialize;
use tower_sessions::session::Error as SessionError;
use tower_sessions::Session;

use crate::hydra::{AcceptConsent, AcceptLogin, ConsentSession, HydraError, Reject, SignInContext};
use crate::identity_provider::{
    EndedAtProvider, IdentityProvider, PendingAuthorization, SignInError, SignedInTo,
};
use crate::session_store::PROVIDER_SESSION;

const PENDING_AUTHORIZATION: &str = "pending_authorization";
const LOGIN_CHALLENGE: &str = "login_challenge";
const ID_TOKEN: &str = "id_token";

/// Renders a Leptos page for a request (the sign-in page, after the `skip` check).
pub type RenderPage =
    Arc<dyn Fn(Request<Body>) -> Pin<Box<dyn Future<Output = Response> + Send>> + Send + Sync>;

#[derive(Clone)]
pub struct PageRenderer(pub RenderPage);

/// The sign-in page with a reason, for flows that cannot go on.
fn sign_in_failed(failure: SignInFailure) -> Response {
    Redirect::to(&format!("/auth/login?error={}", failure.code())).into_response()
}

fn hydra_failed(error: HydraError) -> Response {
    match error {
        HydraError::Expired => sign_in_failed(SignInFailure::Expired),
        HydraError::Handled { redirect_to } => Redirect::to(&redirect_to).into_response(),
        other => {
            tracing::error!(error = %other, "Hydra's admin API failed");
            sign_in_failed(SignInFailure::ProviderUnavailable)
        }
    }
}

/// `GET /login` in Hydra mode: to Hydra's authorization endpoint, remembering PKCE, state and nonce.
pub async fn start_login(provider: &IdentityProvider, session: &Session) -> Response {
    match begin_sign_in(provider, session).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(error) => {
            tracing::error!(%error, "could not start signing in");
            sign_in_failed(SignInFailure::ProviderUnavailable)
        }
    }
}

/// Where to send the browser to sign in at Hydra; what the callback needs is kept in `session`.
pub async fn begin_sign_in(provider: &IdentityProvider, session: &Session) -> Result<String, String> {
    // A person who just signed up here is signed in as that account, never as someone Hydra
    // remembers in this browser.
    let fresh = app::session::has_signup_ticket(session).await;
    let (url, pending) = provider.authorization(fresh).await.map_err(|e| e.to_string())?;
    session
        .insert(PENDING_AUTHORIZATION, pending)
        .await
        .map_err(|e| format!("could not keep the sign-in state: {e}"))?;
    Ok(url)
}

pub async fn remember_login_challenge(session: &Session, challenge: &str) -> Result<(), SessionError> {
    session.insert(LOGIN_CHALLENGE, challenge).await
}

pub async fn take_login_challenge(session: &Session) -> Result<Option<String>, SessionError> {
    session.remove(LOGIN_CHALLENGE).await
}

/// The ID token of the signed-in session, for RP-initiated logout.
pub async fn id_token(session: &Session) -> Option<String> {
    session.get(ID_TOKEN).await.ok().flatten()
}

/// Hydra's login context for a member entering `tenant` with `role`.
pub fn store_context(tenant: TenantId, role: Role) -> SignInContext {
    SignInContext::Store { tenant_id: tenant.get(), role: role.as_str().to_owned() }
}

/// Accepts Hydra's login request for `account` into `context`, and sends the browser on.
pub async fn accept_login(
    provider: &IdentityProvider,
    challenge: &str,
    account: AccountId,
    context: SignInContext,
) -> Response {
    let accept = AcceptLogin { subject: account.to_string(), remember: true, remember_for: 0, context };
    match provider.admin.accept_login(challenge, &accept).await {
        Ok(redirect_to) => {
            tracing::info!(account = %account, context = ?accept.context, "accepted Hydra's login request");
            Redirect::to(&redirect_to).into_response()
        }
        Err(error) => hydra_failed(error),
    }
}

#[derive(Deserialize)]
pub struct LoginQuery {
    login_challenge: Option<String>,
    error: Option<String>,
}

/// `GET /auth/login` in Hydra mode. A login Hydra remembers (`skip`) is accepted with the
/// request's own subject without asking again; otherwise the sign-in page is shown.
pub async fn login_page(
    State(state): State<AppState>,
    Extension(provider): Extension<Arc<IdentityProvider>>,
    Extension(PageRenderer(render)): Extension<PageRenderer>,
    session: Session,
    Query(query): Query<LoginQuery>,
    request: Request,
) -> Response {
    let Some(challenge) = query.login_challenge.filter(|c| !c.is_empty()) else {
        // No flow to answer: start one, unless the page is here to explain a failure.
        return if query.error.is_some() {
            render(request).await
        } else {
            Redirect::to("/login").into_response()
        };
    };
    let login = match provider.admin.login_request(&challenge).await {
        Ok(login) => login,
        Err(error) => return hydra_failed(error),
    };
    if !login.skip {
        return match app::session::take_signup_ticket(&session).await {
            Ok(Some(ticket)) => accept_signup_ticket(&state, &provider, &challenge, ticket).await,
            Ok(None) => render(request).await,
            Err(error) => {
                tracing::error!(%error, "could not read the session");
                sign_in_failed(SignInFailure::Unavailable)
            }
        };
    }
    let Ok(account) = login.subject.parse::<i64>().map(AccountId::new) else {
        tracing::error!(subject = %login.subject, "Hydra remembered a subject that is not an account id");
        return sign_in_failed(SignInFailure::Unavailable);
    };
    match domain::staff::staff_role(&state.db, account).await {
        Ok(Some(role)) => {
            let context = SignInContext::Staff { staff_role: role.as_str().to_owned() };
            return accept_login(&provider, &challenge, account, context).await;
        }
        Ok(None) => {}
        Err(error) => {
            tracing::error!(%error, "could not check for staff");
            return sign_in_failed(SignInFailure::Unavailable);
        }
    }
    match domain::accounts::memberships(&state.db, account).await {
        Ok(stores) => match stores.as_slice() {
            [] => sign_in_failed(SignInFailure::NoStore),
            [only] => {
                accept_login(&provider, &challenge, account, store_context(only.tenant_id, only.role)).await
            }
            _ => {
                let kept = app::session::begin_store_choice(&session, account).await;
                match kept.and(remember_login_challenge(&session, &challenge).await) {
                    Ok(()) => Redirect::to("/auth/choose-store").into_response(),
                    Err(error) => {
                        tracing::error!(%error, "could not keep the login challenge");
                        sign_in_failed(SignInFailure::Unavailable)
                    }
                }
            }
        },
        Err(error) => {
            tracing::error!(%error, "could not list the account's stores");
            sign_in_failed(SignInFailure::Unavailable)
        }
    }
}

/// The login of a person who signed up in this browser a moment ago: accepted for that account
/// and its new store, once, without asking again for the password just chosen.
async fn accept_signup_ticket(
    state: &AppState,
    provider: &IdentityProvider,
    challenge: &str,
    ticket: app::session::SignupTicket,
) -> Response {
    match TenantScope::for_member(&state.db, ticket.account_id, ticket.tenant_id).await {
        Ok(scope) => {
            tracing::info!(account = %ticket.account_id, tenant = %ticket.tenant_id, "signing in a new member by their signup ticket");
            accept_login(
                provider,
                challenge,
                ticket.account_id,
                store_context(ticket.tenant_id, scope.role()),
            )
            .await
        }
        Err(domain::Error::NotFound) => sign_in_failed(SignInFailure::NoStore),
        Err(error) => {
            tracing::error!(%error, "could not check the new member's store");
            sign_in_failed(SignInFailure::Unavailable)
        }
    }
}

#[derive(Deserialize)]
pub struct CancelForm {
    login_challenge: String,
}

/// `POST /auth/login/cancel`: the person gives up signing in; Hydra tells the client so.
pub async fn cancel_login(
    Extension(provider): Extension<Arc<IdentityProvider>>,
    Form(form): Form<CancelForm>,
) -> Response {
    let reject = Reject {
        error: "access_denied".into(),
        error_description: "The person cancelled signing in.".into(),
        status_code: 403,
    };
    match provider.admin.reject_login(&form.login_challenge, &reject).await {
        Ok(redirect_to) => Redirect::to(&redirect_to).into_response(),
        Err(error) => hydra_failed(error),
    }
}

#[derive(Deserialize)]
pub struct ConsentQuery {
    consent_challenge: String,
}

/// `GET /auth/consent`: this app is a first-party client, so consent is given without asking
/// (Hydra does not act on `skip_consent` itself), and the store chosen at login goes into the
/// ID token. Other clients are refused: this provider signs in to this app only.
pub async fn consent(
    Extension(provider): Extension<Arc<IdentityProvider>>,
    Query(query): Query<ConsentQuery>,
) -> Response {
    let request = match provider.admin.consent_request(&query.consent_challenge).await {
        Ok(request) => request,
        Err(error) => return hydra_failed(error),
    };
    let client = request.client.clone().unwrap_or_default();
    let first_party = request.skip == Some(true)
        || client.skip_consent == Some(true)
        || client.client_id.as_deref() == Some(provider.client_id());
    let answer = match (first_party, request.context.clone()) {
        (true, Some(store)) => {
            let accept = AcceptConsent {
                grant_scope: request.requested_scope.clone(),
                grant_access_token_audience: request.requested_access_token_audience.clone(),
                remember: true,
                remember_for: 0,
                session: ConsentSession { id_token: store },
            };
            provider.admin.accept_consent(&request.challenge, &accept).await
        }
        (first_party, _) => {
            tracing::warn!(client = ?client.client_id, first_party, "refused consent");
            let reject = Reject {
                error: "access_denied".into(),
                error_description: "This sign-in serves the storefront app only.".into(),
                status_code: 403,
            };
            provider.admin.reject_consent(&request.challenge, &reject).await
        }
    };
    match answer {
        Ok(redirect_to) => Redirect::to(&redirect_to).into_response(),
        Err(error) => hydra_failed(error),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/callback`: verifies the answer and the ID token, checks the membership again,
/// and starts a fresh session in the store the person chose.
pub async fn callback(
    State(state): State<AppState>,
    Extension(provider): Extension<Arc<IdentityProvider>>,
    session: Session,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let pending: Option<PendingAuthorization> = session.remove(PENDING_AUTHORIZATION).await.ok().flatten();
    if let Some(error) = query.error {
        tracing::info!(%error, "the identity provider ended the sign-in");
        return sign_in_failed(SignInFailure::Cancelled);
    }
    let (Some(pending), Some(code), Some(returned_state)) = (pending, query.code, query.state) else {
        return sign_in_failed(SignInFailure::Expired);
    };
    let verified = match provider.complete(pending, code, &returned_state).await {
        Ok(verified) => verified,
        Err(error) => {
            tracing::warn!(%error, "refused a sign-in answer");
            return sign_in_failed(SignInFailure::Expired);
        }
    };
    let account = verified.account;
    // The claims say where the person chose to go; the database says whether they still may.
    let (started, landing) = match verified.into {
        SignedInTo::Store(tenant) => {
            if let Err(error) = TenantScope::for_member(&state.db, account, tenant).await {
                tracing::warn!(%error, %account, %tenant, "signed in to a store without membership");
                return sign_in_failed(SignInFailure::NoStore);
            }
            (sign_in_to_store(&session, account, tenant).await, "/")
        }
        SignedInTo::Staff => {
            if let Err(error) = Staff::for_account(&state.db, account, chrono::Utc::now()).await {
                tracing::warn!(%error, %account, "signed in as staff without being staff");
                return sign_in_failed(SignInFailure::NoStore);
            }
            (sign_in_staff(&session, account).await, "/admin")
        }
    };
    let kept = match &verified.provider_session {
        Some(sid) => session.insert(PROVIDER_SESSION, sid).await,
        None => session.remove::<String>(PROVIDER_SESSION).await.map(drop),
    };
    if let Err(error) = started.and(session.insert(ID_TOKEN, &verified.id_token).await).and(kept) {
        tracing::error!(%error, "could not start the session");
        return sign_in_failed(SignInFailure::Unavailable);
    }
    tracing::info!(%account, into = ?verified.into, "signed in through Hydra");
    Redirect::to(landing).into_response()
}

#[derive(Deserialize)]
pub struct LogoutQuery {
    logout_challenge: String,
}

/// `GET /auth/logout`: Hydra asks us to confirm a logout; our session is already gone (or is
/// ended here), so accept.
pub async fn logout_challenge(
    Extension(provider): Extension<Arc<IdentityProvider>>,
    session: Session,
    Query(query): Query<LogoutQuery>,
) -> Response {
    // Only a logout Hydra really asked for ends the session: any site can link here, and a
    // bogus challenge must end nothing.
    if let Err(error) = provider.admin.logout_request(&query.logout_challenge).await {
        tracing::warn!(%error, "a logout challenge Hydra does not know: nothing ended");
        return hydra_failed(error);
    }
    if let Err(error) = sign_out(&session).await {
        tracing::error!(%error, "could not end the session");
    }
    match provider.admin.accept_logout(&query.logout_challenge).await {
        Ok(redirect_to) => Redirect::to(&redirect_to).into_response(),
        Err(error) => hydra_failed(error),
    }
}

#[derive(Deserialize)]
pub struct BackchannelLogout {
    logout_token: String,
}

/// `POST /auth/backchannel-logout` (OpenID Connect Back-Channel Logout 1.0): Hydra tells us a
/// login ended elsewhere (the person signed out of another app, or an operator ended it), and
/// every session of ours that began from it ends. Server to server, so no cookies and no
/// origin: the signed logout token is the only authority.
pub async fn backchannel_logout(
    State(state): State<AppState>,
    Extension(provider): Extension<Arc<IdentityProvider>>,
    Form(form): Form<BackchannelLogout>,
) -> Response {
    let refused = |error: &str| {
        let body = serde_json::json!({ "error": "invalid_request", "error_description": error });
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    };
    let ended = match provider.verify_logout_token(&form.logout_token).await {
        Ok(ended) => ended,
        Err(SignInError::Discovery(error)) => {
            tracing::error!(%error, "could not check a logout token: the provider's keys are out of reach");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        Err(error) => {
            tracing::warn!(%error, "refused a back-channel logout");
            return refused("The logout token is not valid.");
        }
    };
    let result = match &ended {
        EndedAtProvider::LoginSession(sid) => domain::provider_sessions::end(&state.db, sid).await,
        EndedAtProvider::Account { account, issued_at } => {
            // `iat` counts whole seconds: a session begun in the token's second ends too.
            let before = *issued_at + chrono::Duration::seconds(1);
            domain::accounts::end_sessions_before(&state.db, *account, before).await.map(u64::from)
        }
    };
    match result {
        Ok(sessions) => {
            tracing::info!(?ended, sessions, "sessions ended by a back-channel logout");
            StatusCode::OK.into_response()
        }
        Err(error) => {
            tracing::error!(%error, ?ended, "could not end the sessions of a back-channel logout");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
