//! `POST /invitations/accept`: joining a store from an invitation link. A person new to the
//! platform chooses a password here; one with an account proves it with that account's
//! password (within the sign-in limits) unless already signed in as it.

use app::session::{current_account, start_after_signup};
use app::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use domain::accounts::{Email, NewPassword};
use domain::team::{self, Joiner};
use serde::Deserialize;
use tower_sessions::Session;

use super::{check_password, Failure};
use app::client_address::ClientAddress;

#[derive(Deserialize)]
pub struct Acceptance {
    token: String,
    #[serde(default)]
    password: String,
}

pub async fn accept(
    State(state): State<AppState>,
    session: Session,
    ClientAddress(address): ClientAddress,
    Form(form): Form<Acceptance>,
) -> Response {
    let back = |error: &str| {
        let query = serde_urlencoded::to_string([("token", form.token.as_str()), ("error", error)])
            .unwrap_or_default();
        Redirect::to(&format!("/invitations/accept?{query}")).into_response()
    };
    let invitation = match team::open_invitation(&state.db, &form.token).await {
        Ok(Ok(invitation)) => invitation,
        Ok(Err(_)) => return back("not-valid"),
        Err(error) => {
            tracing::error!(%error, "could not read an invitation");
            return back("unavailable");
        }
    };
    let joiner = match invitation.account {
        Some(account) if current_account(&session).await == Some(account) => Joiner::Existing(account),
        Some(_) => match check_password(&state.db, &invitation.email, &form.password, &address).await {
            Ok(account) => Joiner::Existing(account),
            Err(Failure::Throttled(_)) => return back("throttled"),
            Err(Failure::Unavailable) => return back("unavailable"),
            Err(_) => return back("credentials"),
        },
        None => {
            let email = match Email::parse(&invitation.email) {
                Ok(email) => email,
                Err(_) => return back("not-valid"),
            };
            match NewPassword::parse(&form.password, &email) {
                Ok(password) => Joiner::New(password),
                Err(problem) => return back(problem.code()),
            }
        }
    };
    let account = match team::accept(&state.db, &invitation, joiner).await {
        Ok(account) => account,
        Err(domain::Error::Conflict(_)) => return back("not-valid"),
        Err(error) => {
            tracing::error!(%error, "could not accept an invitation");
            return back("unavailable");
        }
    };
    tracing::info!(account = %account, tenant = %invitation.tenant_id, role = %invitation.role, "joined a store by invitation");
    // With an identity provider, the session starts from its sign-in, by a signup ticket.
    match start_after_signup(&state, &session, account, invitation.tenant_id, "/?joined=1").await {
        Ok(next) => Redirect::to(&next).into_response(),
        Err(_) => Redirect::to("/login").into_response(),
    }
}
