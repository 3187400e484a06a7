//! The store's settings and its audit log: the server functions behind `/settings` and
//! `/audit`, and what they send.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::paging::PagingView;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsPage {
    pub name: String,
    pub slug: String,
    pub currency: String,
    pub time_zone: String,
    pub time_zones: Vec<String>,
    pub can_manage: bool,
    /// Owners export and delete the store.
    pub is_owner: bool,
}

#[server(endpoint = "get_settings")]
pub async fn get_settings() -> Result<SettingsPage, AppError> {
    let (state, scope) = crate::session::current_store().await?;
    let settings = domain::settings::get(&state.db, &scope).await?;
    let time_zones = domain::settings::time_zones(&state.db).await?;
    Ok(SettingsPage {
        name: settings.name,
        slug: settings.slug,
        currency: settings.currency,
        time_zone: settings.time_zone,
        time_zones,
        can_manage: scope.may(domain::Permission::ManageSettings),
        is_owner: scope.may(domain::Permission::DeleteStore),
    })
}

#[server(endpoint = "save_settings")]
pub async fn save_settings(
    name: String,
    slug: String,
    currency: String,
    time_zone: String,
) -> Result<(), AppError> {
    let typed = [
        ("name", name.as_str()),
        ("slug", slug.as_str()),
        ("currency", currency.as_str()),
        ("time_zone", time_zone.as_str()),
    ];
    let result = async {
        let (state, scope) = crate::session::current_store().await?;
        let input = domain::settings::SettingsInput {
            name: name.clone(),
            slug: slug.clone(),
            currency: currency.clone(),
            time_zone: time_zone.clone(),
        };
        domain::settings::update(&state.db, &scope, &input).await?;
        tracing::info!(tenant = %scope.tenant_id(), account = %scope.account_id(), "store settings saved");
        leptos_axum::redirect("/settings?saved=1");
        Ok::<(), AppError>(())
    };
    crate::session::boxed(result).await.map_err(|e| e.with_values(&typed))
}

/// Deletes the store once `confirmation` is its name, signs out and goes to the home page.
#[server(endpoint = "delete_store")]
pub async fn delete_store(confirmation: String) -> Result<(), AppError> {
    let result = async {
        let (state, scope) = crate::session::current_store().await?;
        domain::settings::delete_store(&state.db, &scope, &confirmation).await?;
        tracing::warn!(tenant = %scope.tenant_id(), account = %scope.account_id(), "store deleted by its owner");
        let session = crate::session::current_session()?;
        if let Err(error) = crate::session::sign_out(&session).await {
            tracing::error!(%error, "could not end the session after deleting the store");
        }
        leptos_axum::redirect("/?deleted=1");
        Ok::<(), AppError>(())
    };
    crate::session::boxed(result).await.map_err(|e| e.with_values(&[("confirmation", confirmation.as_str())]))
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub action: String,
    pub actor: String,
    pub page: i64,
}

impl AuditQuery {
    pub fn href(&self, page: i64) -> String {
        let page = page.to_string();
        crate::paging::href("/audit", &[("action", &self.action), ("actor", &self.actor), ("page", &page)])
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// `(field, before, after)`, each value as JSON text (`null` where there was none).
    pub changes: Vec<(String, String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditList {
    pub entries: Vec<AuditRow>,
    pub paging: PagingView,
    /// The actions the filter offers.
    pub actions: Vec<String>,
    pub store_name: String,
}

#[server(endpoint = "list_audit", input = leptos::server_fn::codec::Json)]
pub async fn list_audit(query: AuditQuery) -> Result<AuditList, AppError> {
    use domain::audit::{Action, AuditFilter};

    let (state, scope) = crate::session::current_store().await?;
    let action = match query.action.as_str() {
        "" => None,
        other => Some(
            Action::parse(other)
                .ok_or_else(|| AppError::Invalid(format!("There is no action “{other}”.")))?,
        ),
    };
    let filter = AuditFilter { action, actor: Some(query.actor).filter(|a| !a.trim().is_empty()) };
    let (entries, paging) = domain::audit::list(&state.db, &scope, &filter, query.page).await?;
    let labels = domain::settings::labels(&state.db, &scope).await?;
    Ok(AuditList {
        entries: entries
            .into_iter()
            .map(|e| AuditRow {
                changes: e.changes_as_text(),
                occurred_at: e.occurred_at,
                actor: e.actor,
                action: e.action,
                subject: e.subject,
            })
            .collect(),
        paging: paging.into(),
        actions: Action::ALL.iter().map(|a| a.as_str().to_owned()).collect(),
        store_name: labels.name,
    })
}
