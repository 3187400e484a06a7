//! Hydra mode: our pages answer Hydra's login, consent and logout challenges, and the OIDC
//! callback turns a verified ID token into a session.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use app::session::{sign_in_staff, sign_in_to_store, sign_out};
use app::state::AppState;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use domain::staff::Staff;
use domain::{AccountId, Role, TenantId, TenantScope};
use serde::Deserialize;
use tower_sessions::session::Error as SessionError;
use tower_sessions::Session;

use crate::hydra::{AcceptConsent, AcceptLogin, ConsentSession, HydraError, Reject, SignInContext};
use crate::identity_provider::{IdentityProvider, PendingAuthorization, SignedInTo};

const PENDING_AUTHORIZATION: &str = "pending_authorization";
const LOGIN_CHALLENGE: &str = "login_challenge";
const ID_TOKEN: &str = "id_token";

/// Renders a Leptos page for a request (the sign-in page, after the `skip` check).
pub type RenderPage =
    Arc<dyn Fn(Request<Body>) -> Pin<Box<dyn Future<Output = Response> + Send>> + Send + Sync>;

#[derive(Clone)]
pub struct PageRenderer(pub RenderPage);

/// The sign-in page with a reason, for flows that cannot go on.
fn sign_in_failed(code: &str) -> Response {
    Redirect::to(&format!("/auth/login?error={code}")).into_response()
}

fn hydra_failed(error: HydraError) -> Response {
    match error {
        HydraError::Expired => sign_in_failed("expired"),
        HydraError::Handled { redirect_to } => Redirect::to(&redirect_to).into_response(),
        other => {
            tracing::error!(error = %other, "Hydra's admin API failed");
            sign_in_failed("provider-unavailable")
        }
    }
}

/// `GET /login` in Hydra mode: to Hydra's authorization endpoint, remembering PKCE, state and nonce.
pub async fn start_login(provider: &IdentityProvider, session: &Session) -> Response {
    let (url, pending) = match provider.authorization().await {
        Ok(started) => started,
        Err(error) => {
            tracing::error!(%error, "could not start signing in");
            return sign_in_failed("provider-unavailable");
        }
    };
    if let Err(error) = session.insert(PENDING_AUTHORIZATION, pending).await {
        tracing::error!(%error, "could not keep the sign-in state");
        return sign_in_failed("unavailable");
    }
    Redirect::to(&url).into_response()
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
        return render(request).await;
    }
    let Ok(account) = login.subject.parse::<i64>().map(AccountId::new) else {
        tracing::error!(subject = %login.subject, "Hydra remembered a subject that is not an account id");
        return sign_in_failed("unavailable");
    };
    match domain::staff::staff_role(&state.db, account).await {
        Ok(Some(role)) => {
            let context = SignInContext::Staff { staff_role: role.as_str().to_owned() };
            return accept_login(&provider, &challenge, account, context).await;
        }
        Ok(None) => {}
        Err(error) => {
            tracing::error!(%error, "could not check for staff");
            return sign_in_failed("unavailable");
        }
    }
    match domain::accounts::memberships(&state.db, account).await {
        Ok(stores) => match stores.as_slice() {
            [] => sign_in_failed("no-store"),
            [only] => {
                accept_login(&provider, &challenge, account, store_context(only.tenant_id, only.role)).await
            }
            _ => {
                let kept = app::session::begin_store_choice(&session, account).await;
                match kept.and(remember_login_challenge(&session, &challenge).await) {
                    Ok(()) => Redirect::to("/auth/choose-store").into_response(),
                    Err(error) => {
                        tracing::error!(%error, "could not keep the login challenge");
                        sign_in_failed("unavailable")
                    }
                }
            }
        },
        Err(error) => {
            tracing::error!(%error, "could not list the account's stores");
            sign_in_failed("unavailable")
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
        return sign_in_failed("cancelled");
    }
    let (Some(pending), Some(code), Some(returned_state)) = (pending, query.code, query.state) else {
        return sign_in_failed("expired");
    };
    let verified = match provider.complete(pending, code, &returned_state).await {
        Ok(verified) => verified,
        Err(error) => {
            tracing::warn!(%error, "refused a sign-in answer");
            return sign_in_failed("expired");
        }
    };
    let account = verified.account;
    // The claims say where the person chose to go; the database says whether they still may.
    let (started, landing) = match verified.into {
        SignedInTo::Store(tenant) => {
            if let Err(error) = TenantScope::for_member(&state.db, account, tenant).await {
                tracing::warn!(%error, %account, %tenant, "signed in to a store without membership");
                return sign_in_failed("no-store");
            }
            (sign_in_to_store(&session, account, tenant).await, "/")
        }
        SignedInTo::Staff => {
            if let Err(error) = Staff::for_account(&state.db, account, chrono::Utc::now()).await {
                tracing::warn!(%error, %account, "signed in as staff without being staff");
                return sign_in_failed("no-store");
            }
            (sign_in_staff(&session, account).await, "/admin")
        }
    };
    if let Err(error) = started.and(session.insert(ID_TOKEN, &verified.id_token).await) {
        tracing::error!(%error, "could not start the session");
        return sign_in_failed("unavailable");
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
