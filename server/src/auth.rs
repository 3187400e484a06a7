//! Sign-in routes. Local mode (no identity provider configured): the sign-in page's form
//! posts here and this server checks the password itself.

use std::time::Duration;

use app::session::{account_choosing_store, begin_store_choice, enter_store, sign_out, SignedIn};
use app::state::AppState;
use axum::extract::State;
use axum::response::Redirect;
use axum::Form;
use domain::accounts::{self, Email};
use domain::rate_limits::{self, LimitedAction};
use domain::{TenantId, TenantScope};
use serde::Deserialize;
use tower_sessions::Session;

use crate::client_address::ClientAddress;

/// `GET /login`: starts signing in. In local mode that is our own sign-in page.
pub async fn start_login() -> Redirect {
    Redirect::to("/auth/login")
}

#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
}

/// Back to the sign-in form with why it failed, and the email as typed.
fn back_to_form(code: &str, email: &str, wait: Option<Duration>) -> Redirect {
    let minutes = wait.map(|w| w.as_secs().div_ceil(60).max(1).to_string());
    let mut query = vec![("error", code), ("email", email.trim())];
    if let Some(minutes) = &minutes {
        query.push(("wait", minutes));
    }
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    Redirect::to(&format!("/auth/login?{query}"))
}

/// `POST /auth/login`: checks the credentials, then enters the member's store, or asks which
/// store when there are several. Failed attempts are limited per email and per client address.
pub async fn local_sign_in(
    State(state): State<AppState>,
    session: Session,
    ClientAddress(address): ClientAddress,
    Form(form): Form<Credentials>,
) -> Redirect {
    let back = |code: &str, wait| back_to_form(code, &form.email, wait);
    let Ok(email) = Email::parse(&form.email) else {
        return back("invalid-email", None);
    };
    let buckets = [
        (LimitedAction::FailedSignInPerAccount, email.as_str()),
        (LimitedAction::FailedSignInPerAddress, address.as_str()),
    ];
    for (action, key) in buckets {
        match rate_limits::wait_time(&state.db, action, key).await {
            Ok(None) => {}
            Ok(Some(wait)) => {
                tracing::warn!(action = action.name(), %address, "sign-in refused: too many failed attempts");
                return back("throttled", Some(wait));
            }
            Err(error) => {
                tracing::error!(%error, "could not read the sign-in limits");
                return back("unavailable", None);
            }
        }
    }

    let account = match accounts::authenticate(&state.db, &email, &form.password).await {
        Ok(Some(account)) => account,
        Ok(None) => {
            tracing::info!(%address, "sign-in refused: wrong email or password");
            for (action, key) in buckets {
                if let Err(error) = rate_limits::record(&state.db, action, key).await {
                    tracing::error!(%error, "could not record a failed sign-in");
                }
            }
            return back("credentials", None);
        }
        Err(error) => {
            tracing::error!(%error, "sign-in failed");
            return back("unavailable", None);
        }
    };
    if let Err(error) =
        rate_limits::reset(&state.db, LimitedAction::FailedSignInPerAccount, email.as_str()).await
    {
        tracing::warn!(%error, "could not clear the account's failed sign-ins");
    }

    let stores = match accounts::memberships(&state.db, account).await {
        Ok(stores) => stores,
        Err(error) => {
            tracing::error!(%error, "could not list the account's stores");
            return back("unavailable", None);
        }
    };
    match stores.as_slice() {
        [] => back("no-store", None),
        [only] => {
            match enter_store(&session, SignedIn { account_id: account, tenant_id: only.tenant_id }).await {
                Ok(()) => {
                    tracing::info!(account = %account, tenant = %only.tenant_id, "signed in");
                    Redirect::to("/")
                }
                Err(error) => {
                    tracing::error!(%error, "could not start the session");
                    back("unavailable", None)
                }
            }
        }
        _ => match begin_store_choice(&session, account).await {
            Ok(()) => Redirect::to("/auth/choose-store"),
            Err(error) => {
                tracing::error!(%error, "could not start the session");
                back("unavailable", None)
            }
        },
    }
}

#[derive(Deserialize)]
pub struct StoreChoice {
    tenant_id: i64,
}

/// `POST /auth/choose-store`: enters the chosen store, at sign-in or to switch stores. The
/// membership is checked again, and the session starts over under a new id.
pub async fn choose_store(
    State(state): State<AppState>,
    session: Session,
    Form(choice): Form<StoreChoice>,
) -> Redirect {
    let account = match account_choosing_store(&session).await {
        Ok(Some(account)) => account,
        Ok(None) => return Redirect::to("/auth/login"),
        Err(error) => {
            tracing::error!(%error, "could not read the session");
            return Redirect::to("/auth/choose-store?error=unavailable");
        }
    };
    let tenant = TenantId::new(choice.tenant_id);
    match TenantScope::for_member(&state.db, account, tenant).await {
        Ok(_) => {}
        Err(domain::Error::NotFound) => {
            tracing::warn!(account = %account, tenant = %tenant, "refused to enter a store the account is not in");
            return Redirect::to("/auth/choose-store?error=not-a-member");
        }
        Err(error) => {
            tracing::error!(%error, "could not check the membership");
            return Redirect::to("/auth/choose-store?error=unavailable");
        }
    }
    if let Err(error) = enter_store(&session, SignedIn { account_id: account, tenant_id: tenant }).await {
        tracing::error!(%error, "could not start the session");
        return Redirect::to("/auth/choose-store?error=unavailable");
    }
    tracing::info!(account = %account, tenant = %tenant, "entered a store");
    Redirect::to("/")
}

/// `POST /logout`: ends the session.
pub async fn logout(session: Session) -> Redirect {
    if let Err(error) = sign_out(&session).await {
        tracing::error!(%error, "could not end the session");
    }
    Redirect::to("/")
}
