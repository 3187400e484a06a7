//! The platform audit log: what staff did, to which store, and why. Every staff action writes
//! its entry in the transaction of the action, so an entry exists exactly when the change does.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgConnection;

use crate::staff::{Staff, StaffPermission};
use crate::{Db, Error, TenantId};

/// What staff did. The stored name is `noun.verb`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlatformAction {
    StoreSuspended,
    StoreReactivated,
    TrialExtended,
    PlanChanged,
    SessionsRevoked,
    SupportSessionStarted,
    SupportSessionEnded,
}

impl PlatformAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformAction::StoreSuspended => "store.suspended",
            PlatformAction::StoreReactivated => "store.reactivated",
            PlatformAction::TrialExtended => "store.trial_extended",
            PlatformAction::PlanChanged => "store.plan_changed",
            PlatformAction::SessionsRevoked => "member.sessions_revoked",
            PlatformAction::SupportSessionStarted => "support_session.started",
            PlatformAction::SupportSessionEnded => "support_session.ended",
        }
    }
}

/// A reason staff give for an action: required, kept as written (trimmed), at most 500 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    pub const MAX_CHARS: usize = field_limits::REASON;

    pub fn parse(input: &str) -> Result<Reason, Error> {
        crate::text::required(
            input,
            crate::text::Lines::Many,
            Reason::MAX_CHARS,
            "Give a reason: it is kept in the platform audit log.",
        )
        .map(Reason)
        .map_err(Error::Invalid)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Records `action` by `staff` about `tenant`, inside the transaction of the action.
pub async fn record(
    conn: &mut PgConnection,
    staff: &Staff,
    action: PlatformAction,
    tenant: TenantId,
    reason: &Reason,
    details: Value,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO platform_audit_events (actor_account_id, actor, action, tenant_id, reason, details)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(staff.account_id())
    .bind(staff.email())
    .bind(action.as_str())
    .bind(tenant)
    .bind(reason.as_str())
    .bind(details)
    .execute(conn)
    .await?;
    Ok(())
}

/// One entry as the admin panel shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct PlatformAuditEntry {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub reason: String,
    pub details: sqlx::types::Json<Value>,
}

/// The newest `limit` entries about `tenant`, newest first.
pub async fn about_store(
    db: &Db,
    staff: &Staff,
    tenant: TenantId,
    limit: i64,
) -> Result<Vec<PlatformAuditEntry>, Error> {
    staff.require(StaffPermission::ViewStores)?;
    let entries = sqlx::query_as(
        "SELECT id, occurred_at, actor, action, reason, details FROM platform_audit_events
         WHERE tenant_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT $2",
    )
    .bind(tenant)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_required_and_bounded() {
        assert!(Reason::parse("  ").is_err());
        assert_eq!(Reason::parse(" Owner asked by phone ").unwrap().as_str(), "Owner asked by phone");
        assert!(Reason::parse(&"x".repeat(Reason::MAX_CHARS + 1)).is_err());
    }
}
