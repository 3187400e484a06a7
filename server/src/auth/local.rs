//! Local sign-in (no identity provider configured): the sign-in page's form posts here and
//! this server checks the password and starts the session itself.

use app::session::{
    account_choosing_store, begin_store_choice, enter_chosen_store, sign_in_staff, sign_in_to_store, sign_out,
};
use app::sign_in_failure::SignInFailure;
use app::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use domain::accounts;
use domain::staff::{self, StaffRole};
use domain::{AccountId, TenantId, TenantScope};
use serde::Deserialize;
use tower_sessions::Session;

use super::{back_to_form, check_password, hydra, Failure, SignInMode};
use crate::hydra::SignInContext;
use app::client_address::ClientAddress;

/// `GET /login`: starts signing in: our own sign-in page, or the authorization flow at Hydra.
pub async fn start_login(Extension(mode): Extension<SignInMode>, session: Session) -> Response {
    match mode {
        SignInMode::Local => Redirect::to("/auth/login").into_response(),
        SignInMode::Hydra(provider) => hydra::start_login(&provider, &session).await,
    }
}

#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
    /// Present when Hydra sent the browser to the sign-in page.
    login_challenge: Option<String>,
}

/// `POST /auth/login`: checks the credentials, then enters the member's store (local mode) or
/// accepts Hydra's login request with it; with several stores, asks which one first.
pub async fn submit_sign_in(
    State(state): State<AppState>,
    Extension(mode): Extension<SignInMode>,
    session: Session,
    ClientAddress(address): ClientAddress,
    Form(form): Form<Credentials>,
) -> Response {
    let challenge = form.login_challenge.as_deref().filter(|c| !c.is_empty());
    if let (SignInMode::Hydra(_), None) = (&mode, challenge) {
        // Hydra mode signs in only within a flow Hydra started.
        return Redirect::to("/login").into_response();
    }
    match sign_in(&state, &mode, &session, &form, &address, challenge).await {
        Ok(next) => {
            crate::metrics::sign_in("signed_in");
            next
        }
        Err(failure) => back_to_form(failure, &form.email, challenge),
    }
}

/// The password checked, then the way on: the admin panel, the one store, Hydra's login
/// accepted, or the choice of a store.
async fn sign_in(
    state: &AppState,
    mode: &SignInMode,
    session: &Session,
    form: &Credentials,
    address: &str,
    challenge: Option<&str>,
) -> Result<Response, Failure> {
    let account = check_password(&state.db, &form.email, &form.password, address).await?;
    // Staff belong to no store: they go to the admin panel.
    let staff = staff::staff_role(&state.db, account).await.map_err(|error| {
        tracing::error!(%error, "could not check for staff");
        Failure::Unavailable
    })?;
    if let Some(role) = staff {
        return Ok(enter_admin_panel(mode, session, challenge, account, role).await);
    }
    let stores = accounts::memberships(&state.db, account).await.map_err(|error| {
        tracing::error!(%error, "could not list the account's stores");
        Failure::Unavailable
    })?;
    let session_failed = |error: tower_sessions::session::Error| {
        tracing::error!(%error, "could not start the session");
        Failure::Unavailable
    };
    match (stores.as_slice(), mode, challenge) {
        ([], ..) => Err(Failure::NoStore),
        ([only], SignInMode::Hydra(provider), Some(challenge)) => Ok(hydra::accept_login(
            provider,
            challenge,
            account,
            hydra::store_context(only.tenant_id, only.role),
        )
        .await),
        ([only], ..) => {
            sign_in_to_store(session, account, only.tenant_id).await.map_err(session_failed)?;
            tracing::info!(account = %account, tenant = %only.tenant_id, "signed in");
            Ok(Redirect::to("/").into_response())
        }
        (_, _, challenge) => {
            begin_store_choice(session, account).await.map_err(session_failed)?;
            if let Some(challenge) = challenge {
                hydra::remember_login_challenge(session, challenge).await.map_err(|error| {
                    tracing::error!(%error, "could not keep the login challenge");
                    Failure::Unavailable
                })?;
            }
            Ok(Redirect::to("/auth/choose-store").into_response())
        }
    }
}

/// A staff member whose password checked out: the admin panel (local mode), or Hydra's login
/// request accepted with the staff context.
async fn enter_admin_panel(
    mode: &SignInMode,
    session: &Session,
    challenge: Option<&str>,
    account: AccountId,
    role: StaffRole,
) -> Response {
    if let (SignInMode::Hydra(provider), Some(challenge)) = (mode, challenge) {
        let context = SignInContext::Staff { staff_role: role.as_str().to_owned() };
        return hydra::accept_login(provider, challenge, account, context).await;
    }
    match sign_in_staff(session, account).await {
        Ok(()) => {
            tracing::info!(%account, %role, "staff signed in");
            Redirect::to("/admin").into_response()
        }
        Err(error) => {
            tracing::error!(%error, "could not start the session");
            back_to_form(Failure::Unavailable, "", challenge).into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct StoreChoice {
    tenant_id: i64,
}

/// `POST /auth/choose-store`: enters the chosen store, at sign-in or to switch stores. The
/// membership is checked again; the session starts over under a new id (local mode and
/// switching), or Hydra's pending login request is accepted with the store.
pub async fn choose_store(
    State(state): State<AppState>,
    Extension(mode): Extension<SignInMode>,
    session: Session,
    Form(choice): Form<StoreChoice>,
) -> Response {
    let failed = |failure: SignInFailure| {
        Redirect::to(&format!("/auth/choose-store?error={}", failure.code())).into_response()
    };
    let account = match account_choosing_store(&session).await {
        Ok(Some(account)) => account,
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(error) => {
            tracing::error!(%error, "could not read the session");
            return failed(SignInFailure::Unavailable);
        }
    };
    let tenant = TenantId::new(choice.tenant_id);
    let scope = match TenantScope::for_member(&state.db, account, tenant).await {
        Ok(scope) => scope,
        Err(domain::Error::NotFound) => {
            tracing::warn!(account = %account, tenant = %tenant, "refused to enter a store the account is not in");
            return failed(SignInFailure::NotAMember);
        }
        Err(error) => {
            tracing::error!(%error, "could not check the membership");
            return failed(SignInFailure::Unavailable);
        }
    };
    if let SignInMode::Hydra(provider) = &mode {
        match hydra::take_login_challenge(&session).await {
            Ok(Some(challenge)) => {
                let context = hydra::store_context(tenant, scope.role());
                return hydra::accept_login(provider, &challenge, account, context).await;
            }
            Ok(None) => {}
            Err(error) => {
                tracing::error!(%error, "could not read the session");
                return failed(SignInFailure::Unavailable);
            }
        }
    }
    if let Err(error) = enter_chosen_store(&session, account, tenant).await {
        tracing::error!(%error, "could not start the session");
        return failed(SignInFailure::Unavailable);
    }
    tracing::info!(account = %account, tenant = %tenant, "entered a store");
    Redirect::to("/").into_response()
}

/// `POST /logout`: ends our session, and in Hydra mode the provider's too (RP-initiated logout).
pub async fn logout(Extension(mode): Extension<SignInMode>, session: Session) -> Response {
    let id_token = match &mode {
        SignInMode::Hydra(_) => hydra::id_token(&session).await,
        SignInMode::Local => None,
    };
    if let Err(error) = sign_out(&session).await {
        tracing::error!(%error, "could not end the session");
    }
    match (mode, id_token) {
        (SignInMode::Hydra(provider), Some(id_token)) => {
            Redirect::to(&provider.logout_url(&id_token)).into_response()
        }
        _ => Redirect::to("/").into_response(),
    }
}
