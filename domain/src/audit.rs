//! The store's audit log: every write in a store records who, what, when, and the fields
//! before and after, in the same transaction as the write (so an entry exists exactly when
//! the change does).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::paging::{ListQuery, Paging};
use crate::{AccountId, Db, Error, Permission, TenantScope, TenantTx};

pub const PAGE_SIZE: i64 = 25;

/// What happened. The stored name is `noun.verb`; the list is the filter's choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    ProductCreated,
    ProductUpdated,
    ProductArchived,
    ProductRestored,
    ProductsImported,
    CustomerCreated,
    CustomerUpdated,
    OrderCreated,
    OrderStatusChanged,
    SettingsChanged,
    MemberInvited,
    InvitationRevoked,
    MemberJoined,
    MemberRoleChanged,
    MemberRemoved,
    StoreExported,
    StoreCreated,
    SupportSessionStarted,
    SupportSessionEnded,
}

impl Action {
    pub const ALL: [Action; 19] = [
        Action::ProductCreated,
        Action::ProductUpdated,
        Action::ProductArchived,
        Action::ProductRestored,
        Action::ProductsImported,
        Action::CustomerCreated,
        Action::CustomerUpdated,
        Action::OrderCreated,
        Action::OrderStatusChanged,
        Action::SettingsChanged,
        Action::MemberInvited,
        Action::InvitationRevoked,
        Action::MemberJoined,
        Action::MemberRoleChanged,
        Action::MemberRemoved,
        Action::StoreExported,
        Action::StoreCreated,
        Action::SupportSessionStarted,
        Action::SupportSessionEnded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::ProductCreated => "product.created",
            Action::ProductUpdated => "product.updated",
            Action::ProductArchived => "product.archived",
            Action::ProductRestored => "product.restored",
            Action::ProductsImported => "products.imported",
            Action::CustomerCreated => "customer.created",
            Action::CustomerUpdated => "customer.updated",
            Action::OrderCreated => "order.created",
            Action::OrderStatusChanged => "order.status_changed",
            Action::SettingsChanged => "settings.changed",
            Action::MemberInvited => "member.invited",
            Action::InvitationRevoked => "invitation.revoked",
            Action::MemberJoined => "member.joined",
            Action::MemberRoleChanged => "member.role_changed",
            Action::MemberRemoved => "member.removed",
            Action::StoreExported => "store.exported",
            Action::StoreCreated => "store.created",
            Action::SupportSessionStarted => "support_session.started",
            Action::SupportSessionEnded => "support_session.ended",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The fields an action changed, each as `[before, after]` (`null` for a field that did not
/// exist before, as on creation).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes(Map<String, Value>);

impl Changes {
    pub fn new() -> Changes {
        Changes::default()
    }

    /// A field set where there was none (a new row's field).
    pub fn set(self, field: &str, after: impl Serialize) -> Changes {
        self.diff(field, Value::Null, after)
    }

    /// A field that went from `before` to `after`; left out when they are equal.
    pub fn diff(mut self, field: &str, before: impl Serialize, after: impl Serialize) -> Changes {
        let before = serde_json::to_value(before).unwrap_or(Value::Null);
        let after = serde_json::to_value(after).unwrap_or(Value::Null);
        if before != after {
            self.0.insert(field.to_owned(), Value::Array(vec![before, after]));
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Records `action` on `subject` by the scope's member, inside the transaction of the change.
pub async fn record(
    tx: &mut TenantTx,
    scope: &TenantScope,
    action: Action,
    subject: &str,
    changes: Changes,
) -> Result<(), Error> {
    record_by(tx, scope.account_id(), scope.email(), action, subject, changes).await
}

/// Records `action` by an account that has no scope in the store yet (one joining it).
pub async fn record_by(
    tx: &mut TenantTx,
    account: AccountId,
    email: &str,
    action: Action,
    subject: &str,
    changes: Changes,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO audit_events (tenant_id, actor_account_id, actor, action, subject, changes)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tx.tenant_id())
    .bind(account)
    .bind(email)
    .bind(action.as_str())
    .bind(subject)
    .bind(Value::Object(changes.0))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One entry as the audit page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// Field → `[before, after]`.
    pub changes: sqlx::types::Json<Map<String, Value>>,
}

impl AuditEntry {
    /// The changes as `(field, before, after)` text: strings as they are, other values as
    /// JSON, `null` where a field had no value.
    pub fn changes_as_text(&self) -> Vec<(String, String, String)> {
        let text = |value: &Value| match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        self.changes
            .0
            .iter()
            .map(|(field, change)| match change.as_array().map(Vec::as_slice) {
                Some([before, after]) => (field.clone(), text(before), text(after)),
                _ => (field.clone(), "null".to_owned(), text(change)),
            })
            .collect()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub action: Option<Action>,
    /// A part of the actor's email.
    pub actor: Option<String>,
}

/// Page `page` of the store's audit log, newest first; owners and admins only.
pub async fn list(
    db: &Db,
    scope: &TenantScope,
    filter: &AuditFilter,
    page: i64,
) -> Result<(Vec<AuditEntry>, Paging), Error> {
    scope.require(Permission::ReadAuditLog)?;
    let mut tx = db.read_tenant(scope).await?;
    let action = filter.action.map(Action::as_str);
    let actor = filter.actor.as_deref().map(crate::paging::contains_pattern);
    let rows = "audit_events
                WHERE tenant_id = $1 AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR actor ILIKE $3)";
    let page =
        ListQuery::new("id, occurred_at, actor, action, subject, changes", rows, "occurred_at DESC, id DESC")
            .bind(tx.tenant_id())
            .bind(action)
            .bind(actor)
            .page(&mut tx, page, PAGE_SIZE)
            .await?;
    tx.end();
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_back_from_their_names() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        assert_eq!(Action::parse("store.stolen"), None);
    }

    #[test]
    fn only_changed_fields_are_recorded() {
        let changes = Changes::new().diff("name", "Tote", "Big tote").diff("price_cents", 500, 500);
        assert_eq!(serde_json::to_string(&changes.0).unwrap(), r#"{"name":["Tote","Big tote"]}"#);
        assert!(Changes::new().diff("sku", "A", "A").is_empty());
        let created = Changes::new().set("sku", "A-1");
        assert_eq!(serde_json::to_string(&created.0).unwrap(), r#"{"sku":[null,"A-1"]}"#);
    }
}
