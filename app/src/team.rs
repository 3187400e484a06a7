//! The team: the server functions behind `/team` and the invitation page.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The roles, most powerful first, as values and labels.
pub const ROLES: [(&str, &str); 4] =
    [("owner", "Owner"), ("admin", "Admin"), ("member", "Member"), ("viewer", "Viewer")];

/// What each role may do, for the team page.
pub const ROLE_HELP: &str =
    "Owners can do everything, including exporting and deleting the store. Admins manage \
     the team, billing and settings. Members work with products, customers and orders. Viewers only look.";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub account_id: i64,
    pub email: String,
    pub role: String,
    pub joined_at: DateTime<Utc>,
    pub is_you: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRow {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPage {
    pub members: Vec<MemberRow>,
    pub invitations: Vec<InvitationRow>,
    pub store_name: String,
    pub can_manage: bool,
    pub is_owner: bool,
    /// The link of the invitation just made, shown once.
    pub new_link: Option<NewLink>,
    /// This showing of the invitation form's idempotency key.
    pub form_key: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLink {
    pub email: String,
    pub url: String,
    /// How the link went out: mailed, not mailed because mailing failed, or not mailed
    /// because no SMTP is configured.
    pub delivery: Delivery,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    Mailed,
    MailFailed,
    NoMail,
}

/// Session key of the link just made, for the team page to show once.
#[cfg(feature = "ssr")]
const NEW_LINK: &str = "invitation_link";

#[server(endpoint = "get_team")]
pub async fn get_team() -> Result<TeamPage, AppError> {
    let (state, scope) = crate::session::current_store().await?;
    let members = domain::team::members(&state.db, &scope).await?;
    let can_manage = scope.may(domain::Permission::ManageTeam);
    let invitations =
        if can_manage { domain::team::pending_invitations(&state.db, &scope).await? } else { Vec::new() };
    let new_link = if can_manage {
        let session = crate::session::current_session()?;
        session.remove::<NewLink>(NEW_LINK).await.map_err(session_error)?
    } else {
        None
    };
    let labels = domain::settings::labels(&state.db, &scope).await?;
    Ok(TeamPage {
        members: members
            .into_iter()
            .map(|m| MemberRow {
                is_you: m.account_id == scope.account_id(),
                account_id: m.account_id.get(),
                email: m.email,
                role: m.role,
                joined_at: m.joined_at,
            })
            .collect(),
        invitations: invitations
            .into_iter()
            .map(|i| InvitationRow { id: i.id, email: i.email, role: i.role, expires_at: i.expires_at })
            .collect(),
        store_name: labels.name,
        can_manage,
        is_owner: scope.role() == domain::Role::Owner,
        new_link,
        form_key: domain::idempotency::IdempotencyKey::new().to_string(),
    })
}

#[cfg(feature = "ssr")]
fn session_error(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(%error, "could not use the session");
    AppError::Unavailable
}

#[cfg(feature = "ssr")]
fn parse_role(role: &str) -> Result<domain::Role, AppError> {
    domain::Role::parse(role)
        .ok_or_else(|| domain::FieldErrors::single("role", "Choose a role from the list.").into())
}

/// Invites `email` with `role`; the team page then shows the link once (no mail is sent
/// without SMTP; the link is also logged).
#[server(endpoint = "invite_member")]
pub async fn invite_member(
    email: String,
    role: String,
    #[server(default)] idempotency_key: String,
) -> Result<(), AppError> {
    let key = crate::form_key::parse(&idempotency_key)?;
    let typed = [
        ("email", email.as_str()),
        ("role", role.as_str()),
        (crate::form_key::FIELD, idempotency_key.as_str()),
    ];
    let result = async {
        let (state, scope) = crate::session::current_store().await?;
        let Some(invitation) =
            domain::team::invite_once(&state.db, &scope, &email, parse_role(&role)?, key).await?
        else {
            // The same form again: its invitation was made (and mailed, or its link shown) once.
            leptos_axum::redirect("/team?invited=1");
            return Ok(());
        };
        let url = format!(
            "{}/invitations/accept?token={}",
            state.site.public_url.trim_end_matches('/'),
            invitation.token
        );
        let delivery = match state.mailer {
            Some(mailer) => {
                let labels = domain::settings::labels(&state.db, &scope).await?;
                let mail = crate::mail::InvitationMail {
                    to: &invitation.email,
                    store_name: &labels.name,
                    role: &role,
                    inviter: scope.email(),
                    link: &url,
                    days_valid: domain::team::INVITATION_DAYS,
                };
                match mailer.send_invitation(&mail).await {
                    Ok(()) => {
                        tracing::info!(tenant = %scope.tenant_id(), invitation = invitation.id, "invitation mailed");
                        Delivery::Mailed
                    }
                    Err(error) => {
                        tracing::error!(tenant = %scope.tenant_id(), invitation = invitation.id, %error, "could not mail an invitation: the link is shown to the inviter");
                        Delivery::MailFailed
                    }
                }
            }
            None => {
                tracing::info!(
                    tenant = %scope.tenant_id(),
                    invitation = invitation.id,
                    email = %invitation.email,
                    link = %url,
                    "invitation made: no mail server is configured, so the link is shown to the inviter and logged"
                );
                Delivery::NoMail
            }
        };
        let session = crate::session::current_session()?;
        session
            .insert(NEW_LINK, NewLink { email: invitation.email, url, delivery })
            .await
            .map_err(session_error)?;
        leptos_axum::redirect("/team?invited=1");
        Ok::<(), AppError>(())
    };
    crate::session::boxed(result).await.map_err(|e| e.with_values(&typed))
}

#[server(endpoint = "revoke_invitation")]
pub async fn revoke_invitation(id: i64) -> Result<(), AppError> {
    let (state, scope) = crate::session::current_store().await?;
    domain::team::revoke(&state.db, &scope, id).await?;
    leptos_axum::redirect("/team?revoked=1");
    Ok(())
}

#[server(endpoint = "change_member_role")]
pub async fn change_member_role(account_id: i64, role: String) -> Result<(), AppError> {
    let (state, scope) = crate::session::current_store().await?;
    let role = parse_role(&role)?;
    domain::team::change_role(&state.db, &scope, domain::AccountId::new(account_id), role).await?;
    leptos_axum::redirect("/team?saved=1");
    Ok(())
}

#[server(endpoint = "remove_member")]
pub async fn remove_member(account_id: i64) -> Result<(), AppError> {
    let (state, scope) = crate::session::current_store().await?;
    let account = domain::AccountId::new(account_id);
    domain::team::remove(&state.db, &scope, account).await?;
    // Removing oneself leaves the store: the next page is the choice of the other stores.
    let next = if account == scope.account_id() { "/auth/choose-store" } else { "/team?removed=1" };
    leptos_axum::redirect(next);
    Ok(())
}

/// An invitation as its link shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationPage {
    pub store_name: String,
    pub email: String,
    pub role: String,
    /// The email has an account: it joins with that account's password.
    pub has_account: bool,
    /// The session is already signed in as the invited account: no password needed.
    pub signed_in_as_invitee: bool,
    pub password_rules: String,
    /// Why the last attempt to join failed, from the accept handler's `error` code.
    pub failure: Option<String>,
}

#[server(endpoint = "get_invitation")]
pub async fn get_invitation(token: String, error: Option<String>) -> Result<InvitationPage, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let invitation = domain::team::open_invitation(&state.db, &token).await?.map_err(|_| {
        AppError::Invalid("This invitation link does not work any more: it was used, withdrawn or has expired. Ask for a new one.".into())
    })?;
    let session = crate::session::current_session()?;
    let signed_in = crate::session::current_account(&session).await;
    Ok(InvitationPage {
        signed_in_as_invitee: invitation.account.is_some() && signed_in == invitation.account,
        has_account: invitation.account.is_some(),
        store_name: invitation.store_name,
        email: invitation.email,
        role: invitation.role.to_string(),
        password_rules: domain::accounts::PASSWORD_RULES.to_owned(),
        failure: error.as_deref().map(acceptance_failure),
    })
}

/// Words for the accept handler's `error` codes (codes, so a crafted link cannot make the page
/// say something else).
#[cfg(feature = "ssr")]
fn acceptance_failure(code: &str) -> String {
    if let Some(problem) = domain::accounts::PasswordProblem::from_code(code) {
        return problem.to_string();
    }
    match code {
        "credentials" => "That is not the password of this account. Try again.".into(),
        "throttled" => {
            "Too many wrong passwords. For your account's safety, wait a few minutes and try again.".into()
        }
        "not-valid" => "This invitation link does not work any more. Ask for a new one.".into(),
        _ => "Something went wrong on our side. Please try again in a moment.".into(),
    }
}
