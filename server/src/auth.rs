//! Sign-in routes. Local mode (no identity provider configured): the sign-in page's form
//! posts here and this server checks the password itself.

use axum::extract::State;
use axum::response::Redirect;
use axum::Form;
use domain::accounts::{self, Email};
use serde::Deserialize;
use tower_sessions::Session;

use app::session::{sign_in, sign_out, SignedIn};
use app::state::AppState;

/// `GET /login`: starts signing in. In local mode that is our own sign-in page.
pub async fn start_login() -> Redirect {
    Redirect::to("/auth/login")
}

#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
}

/// `POST /auth/login`: checks the credentials and starts a session in the member's store.
/// Failures go back to the form with a reason and the email as typed.
pub async fn local_sign_in(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<Credentials>,
) -> Redirect {
    let back = |code: &str| {
        let query =
            serde_urlencoded::to_string([("error", code), ("email", form.email.trim())]).unwrap_or_default();
        Redirect::to(&format!("/auth/login?{query}"))
    };
    let Ok(email) = Email::parse(&form.email) else {
        return back("invalid-email");
    };
    let account = match accounts::authenticate(&state.db, &email, &form.password).await {
        Ok(Some(account)) => account,
        Ok(None) => {
            tracing::info!("sign-in refused: wrong email or password");
            return back("credentials");
        }
        Err(error) => {
            tracing::error!(%error, "sign-in failed");
            return back("unavailable");
        }
    };
    let stores = match accounts::memberships(&state.db, account).await {
        Ok(stores) => stores,
        Err(error) => {
            tracing::error!(%error, "could not list the account's stores");
            return back("unavailable");
        }
    };
    let Some(store) = stores.first() else {
        return back("no-store");
    };
    let signed_in = SignedIn { account_id: account, tenant_id: store.tenant_id };
    if let Err(error) = sign_in(&session, signed_in).await {
        tracing::error!(%error, "could not start the session");
        return back("unavailable");
    }
    tracing::info!(account = %account, tenant = %store.tenant_id, "signed in");
    Redirect::to("/")
}

/// `POST /logout`: ends the session.
pub async fn logout(session: Session) -> Redirect {
    if let Err(error) = sign_out(&session).await {
        tracing::error!(%error, "could not end the session");
    }
    Redirect::to("/")
}
