//! Support sessions: a member of staff reads one store's business data, read-only, for a
//! stated reason and at most [`SUPPORT_SESSION_MINUTES`]. Starting and ending one is written
//! to the platform audit log and to the store's own audit log, where its owner sees it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Action, Changes};
use crate::platform_audit::{self, PlatformAction, Reason};
use crate::staff::{Staff, StaffPermission};
use crate::{Db, Error, TenantId, TenantTx};

pub const SUPPORT_SESSION_MINUTES: i64 = 30;

/// How staff appear in a store's audit log: as platform support, not as one of its members.
pub fn actor_name(staff: &Staff) -> String {
    format!("{} (platform support)", staff.email())
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SupportSession {
    pub id: i64,
    pub tenant_id: TenantId,
    pub store_name: String,
    pub reason: String,
    pub started_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Opens a support session on `tenant` for `staff`.
pub async fn start(
    db: &Db,
    staff: &Staff,
    tenant: TenantId,
    reason: &Reason,
) -> Result<SupportSession, Error> {
    staff.require(StaffPermission::OpenSupportSession)?;
    // The platform's explicit path into the store: its audit log, nothing else.
    let mut tx = TenantTx::begin(db, tenant).await?;
    let store_name: String = sqlx::query_scalar("SELECT name FROM tenants WHERE id = $1")
        .bind(tenant)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound)?;
    let (id, started_at, expires_at): (i64, DateTime<Utc>, DateTime<Utc>) = sqlx::query_as(
        "INSERT INTO support_sessions (staff_account_id, tenant_id, reason, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(mins => $4))
         RETURNING id, started_at, expires_at",
    )
    .bind(staff.account_id())
    .bind(tenant)
    .bind(reason.as_str())
    .bind(SUPPORT_SESSION_MINUTES as i32)
    .fetch_one(&mut *tx)
    .await?;
    let started = (PlatformAction::SupportSessionStarted, Action::SupportSessionStarted);
    let details = json!({ "support_session": id, "expires_at": expires_at });
    let changes = Changes::new().set("reason", reason.as_str()).set("ends_at", expires_at);
    record_in_both_logs(&mut tx, staff, id, started, reason, details, changes).await?;
    tx.commit().await?;
    Ok(SupportSession {
        id,
        tenant_id: tenant,
        store_name,
        reason: reason.as_str().to_owned(),
        started_at,
        expires_at,
    })
}

/// The staff member's support session `id`, while it is open.
pub async fn open_session(db: &Db, staff: &Staff, id: i64) -> Result<Option<SupportSession>, Error> {
    type OpenRow = (i64, TenantId, String, DateTime<Utc>, DateTime<Utc>);
    let session: Option<OpenRow> = sqlx::query_as(
        "SELECT id, tenant_id, reason, started_at, expires_at FROM support_sessions
         WHERE id = $1 AND staff_account_id = $2 AND ended_at IS NULL AND expires_at > now()",
    )
    .bind(id)
    .bind(staff.account_id())
    .fetch_optional(db.pool())
    .await?;
    let Some((id, tenant_id, reason, started_at, expires_at)) = session else { return Ok(None) };
    let store_name: String = sqlx::query_scalar("SELECT name FROM tenants WHERE id = $1")
        .bind(tenant_id)
        .fetch_optional(db.pool())
        .await?
        .unwrap_or_default();
    Ok(Some(SupportSession { id, tenant_id, store_name, reason, started_at, expires_at }))
}

/// Ends the staff member's support session `id` now. Ending one that already ended or expired
/// changes nothing.
pub async fn end(db: &Db, staff: &Staff, id: i64) -> Result<(), Error> {
    let Some(session) = open_session(db, staff, id).await? else { return Ok(()) };
    let mut tx = TenantTx::begin(db, session.tenant_id).await?;
    let ended =
        sqlx::query("UPDATE support_sessions SET ended_at = now() WHERE id = $1 AND ended_at IS NULL")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    if ended.rows_affected() == 0 {
        return Ok(());
    }
    let reason = Reason::parse("Ended by staff").expect("a fixed reason parses");
    let ended = (PlatformAction::SupportSessionEnded, Action::SupportSessionEnded);
    let details = json!({ "support_session": id });
    record_in_both_logs(&mut tx, staff, id, ended, &reason, details, Changes::new()).await?;
    tx.commit().await
}

/// A support session's start or end, in the platform audit log and in the store's own audit
/// log, where its owners see who looked and why.
async fn record_in_both_logs(
    tx: &mut TenantTx,
    staff: &Staff,
    session: i64,
    (platform_action, store_action): (PlatformAction, Action),
    reason: &Reason,
    details: serde_json::Value,
    changes: Changes,
) -> Result<(), Error> {
    let tenant = tx.tenant_id();
    platform_audit::record(tx, staff, platform_action, tenant, reason, details).await?;
    let subject = format!("Support session #{session}");
    audit::record_by(tx, staff.account_id(), &actor_name(staff), store_action, &subject, changes).await
}
