//! The tenancy core: typed ids, roles, the checked [`TenantScope`] and the [`TenantTx`] it opens.

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, Postgres, Transaction};

use crate::billing::Access;
use crate::bulkhead::StorePermit;
use crate::db::Work;
use crate::staff::Staff;
use crate::{Db, Error};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type)]
        #[sqlx(transparent)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            pub fn new(id: i64) -> Self {
                $name(id)
            }

            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A store's id. Knowing one grants nothing: only a [`TenantScope`] reaches its rows.
    TenantId
);
id_type!(
    /// A person's account id.
    AccountId
);

/// A member's role in one store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Member,
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    /// Whether this role may do `permission`. The one table of who may do what in a store.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match permission {
            ReadStore => true,
            WriteBusinessData => self != Role::Viewer,
            ManageTeam | ManageBilling | ManageSettings | ReadAuditLog => {
                matches!(self, Role::Owner | Role::Admin)
            }
            ExportStore | DeleteStore => self == Role::Owner,
        }
    }
}

/// What a member may be allowed to do in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// See the store's products, customers, orders and figures.
    ReadStore,
    /// Create and change products, customers and orders.
    WriteBusinessData,
    /// Invite, remove and change the roles of members.
    ManageTeam,
    ManageBilling,
    /// The store's name, slug, currency and time zone.
    ManageSettings,
    ReadAuditLog,
    /// Download all of the store's data.
    ExportStore,
    DeleteStore,
}

impl Permission {
    pub const ALL: [Permission; 8] = [
        Permission::ReadStore,
        Permission::WriteBusinessData,
        Permission::ManageTeam,
        Permission::ManageBilling,
        Permission::ManageSettings,
        Permission::ReadAuditLog,
        Permission::ExportStore,
        Permission::DeleteStore,
    ];
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Proof that an account is a member of a store, checked against the database.
///
/// It has no public constructor but [`TenantScope::for_member`], so a function that takes a
/// scope cannot be called for a store its caller does not belong to.
#[derive(Clone, Debug)]
pub struct TenantScope {
    tenant_id: TenantId,
    account_id: AccountId,
    role: Role,
    /// The member's email, to name them in the store's audit log.
    email: String,
    /// What the store's billing state allows, read with the membership.
    access: Access,
    /// The store's plan (its request budget follows it), read with the membership; empty in a
    /// support session.
    plan: String,
    /// Set when this is staff reading the store in a support session, not a member.
    support_session: Option<i64>,
}

impl TenantScope {
    /// The scope of `account` in `tenant`, or [`Error::NotFound`] when the account is not a
    /// member (the same answer as for a store that does not exist).
    pub async fn for_member(db: &Db, account: AccountId, tenant: TenantId) -> Result<TenantScope, Error> {
        TenantScope::for_session(db, account, tenant, chrono::Utc::now()).await
    }

    /// The scope of a session that signed in at `signed_in_at`: as [`TenantScope::for_member`],
    /// and [`Error::NotFound`] too when staff revoked the account's sessions after that.
    pub async fn for_session(
        db: &Db,
        account: AccountId,
        tenant: TenantId,
        signed_in_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<TenantScope, Error> {
        let member: Option<(String, String, String, Option<String>, String)> = sqlx::query_as(
            "SELECT m.role, a.email, t.status, t.billing_status, t.plan_id FROM memberships m
             JOIN accounts a ON a.id = m.account_id
             JOIN tenants t ON t.id = m.tenant_id
             WHERE m.tenant_id = $1 AND m.account_id = $2
               AND (a.sessions_valid_from IS NULL OR a.sessions_valid_from <= $3)",
        )
        .bind(tenant)
        .bind(account)
        .bind(signed_in_at)
        .fetch_optional(db.pool())
        .await?;
        let (role, email, status, billing_status, plan) = member.ok_or(Error::NotFound)?;
        let role = Role::parse(&role).ok_or(Error::NotFound)?;
        let access = Access::of(&status, billing_status.as_deref());
        Ok(TenantScope {
            tenant_id: tenant,
            account_id: account,
            role,
            email,
            access,
            plan,
            support_session: None,
        })
    }

    /// The scope of a staff member's open support session: reading the store's business data
    /// as a viewer, in read-only transactions, whatever the store's own state; [`Error::NotFound`]
    /// once the session ended or expired.
    pub async fn for_support(db: &Db, staff: &Staff, support_session: i64) -> Result<TenantScope, Error> {
        let tenant: Option<TenantId> = sqlx::query_scalar(
            "SELECT tenant_id FROM support_sessions
             WHERE id = $1 AND staff_account_id = $2 AND ended_at IS NULL AND expires_at > now()",
        )
        .bind(support_session)
        .bind(staff.account_id())
        .fetch_optional(db.pool())
        .await?;
        Ok(TenantScope {
            tenant_id: tenant.ok_or(Error::NotFound)?,
            account_id: staff.account_id(),
            role: Role::Viewer,
            email: crate::support::actor_name(staff),
            access: Access::ReadOnly,
            plan: String::new(),
            support_session: Some(support_session),
        })
    }

    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }

    pub fn account_id(&self) -> AccountId {
        self.account_id
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn email(&self) -> &str {
        &self.email
    }

    pub fn access(&self) -> Access {
        self.access
    }

    /// The store's plan: empty in a support session.
    pub fn plan(&self) -> &str {
        &self.plan
    }

    /// The support session this scope reads the store in, when it is staff's.
    pub fn support_session(&self) -> Option<i64> {
        self.support_session
    }

    /// Refuses what the member's role, or the store's billing state, does not allow.
    pub fn require(&self, permission: Permission) -> Result<(), Error> {
        if !self.role.allows(permission) {
            Err(Error::Forbidden)
        } else if !self.access.allows(permission) {
            Err(self.access.refusal())
        } else {
            Ok(())
        }
    }

    /// Whether [`TenantScope::require`] would let `permission` through (to show or hide a control).
    pub fn may(&self, permission: Permission) -> bool {
        self.require(permission).is_ok()
    }
}

/// A transaction that sees and writes only one store's rows.
///
/// Row-level security reads `app.current_tenant`, set here with `SET LOCAL` so it ends with
/// the transaction and (with `citus.propagate_set_commands=local`) reaches Citus workers.
/// Statements still filter `tenant_id = $n` themselves: that is what routes them to one shard.
/// Dropping it without [`TenantTx::commit`] rolls back.
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    tenant_id: TenantId,
    /// Given back when the transaction ends (after the connection, fields drop in order).
    _share: StorePermit,
}

impl TenantTx {
    /// A transaction for the scope's store as its billing state allows: none for a closed
    /// store, a read-only one (the database's own wall) while a payment is overdue.
    pub(crate) async fn for_scope(db: &Db, scope: &TenantScope, work: Work) -> Result<TenantTx, Error> {
        TenantTx::open(db, scope, work, false).await
    }

    /// The scope's transaction, read-only when the caller only reads or when the store's
    /// billing state allows no more.
    async fn open(db: &Db, scope: &TenantScope, work: Work, reads_only: bool) -> Result<TenantTx, Error> {
        let read_only = match scope.access {
            Access::Full => reads_only,
            Access::ReadOnly => true,
            Access::Suspended | Access::SuspendedByPlatform | Access::AwaitingPayment => {
                return Err(scope.access.refusal())
            }
        };
        let also = if read_only { " SET LOCAL transaction_read_only = on;" } else { "" };
        TenantTx::begin_with(db, scope.tenant_id, work, also).await
    }

    /// A request's transaction for `tenant`, for platform work that has no member's scope.
    pub(crate) async fn begin(db: &Db, tenant_id: TenantId) -> Result<TenantTx, Error> {
        TenantTx::begin_with(db, tenant_id, Work::Request, "").await
    }

    async fn begin_with(db: &Db, tenant_id: TenantId, work: Work, also: &str) -> Result<TenantTx, Error> {
        // The store's share first: a store past it waits for its own transactions, not for
        // the pool every store shares.
        let share = db.bulkhead().enter(tenant_id).await?;
        // One round trip: BEGIN and the settings go as one simple query. SET takes no bind
        // parameter: the value is formatted from an integer, never from text, and the simple
        // protocol keeps one prepared statement per store out of the cache.
        //
        // Generic plans: a store's statements all filter on `tenant_id = $1` over indexes that
        // lead with it, so one plan serves every store. Left to itself PostgreSQL plans afresh on
        // each execution wherever optional filters (`$2 IS NULL OR status = $2`) make the generic
        // plan look costlier, and planning then costs more than running: the orders page was
        // planned in 0.7 ms and ran in 0.3 ms.
        // On Citus a join is routed to its shard when it is planned, from the tenant it is given,
        // so there each execution is planned as PostgreSQL chooses (`Plans::Chosen`).
        let store_settings = db.store_settings();
        let begin = format!(
            "BEGIN; SET LOCAL app.current_tenant = '{}'; {};{store_settings}{also}",
            tenant_id.get(),
            db.bounds(work).set_local()
        );
        let waiting = crate::metrics::Queued::in_gauge(metrics::gauge!(crate::metrics::POOL_WAITING));
        let tx = db.pool().begin_with(begin).await?;
        drop(waiting);
        Ok(TenantTx { tx, tenant_id, _share: share })
    }

    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }

    pub async fn commit(self) -> Result<(), Error> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Deref for TenantTx {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl DerefMut for TenantTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}

/// A store's transaction that only reads: read-only in the database itself, so a write made
/// through it is refused there, and ended by [`ReadTx::end`] without a COMMIT.
pub struct ReadTx(TenantTx);

impl ReadTx {
    /// Reading is what an open store and a read-only one both allow; a closed store has none.
    pub(crate) async fn for_scope(db: &Db, scope: &TenantScope) -> Result<ReadTx, Error> {
        TenantTx::open(db, scope, Work::Request, true).await.map(ReadTx)
    }

    /// Nothing was written, so nothing is committed: the transaction rolls back as it drops,
    /// and sqlx sends that ROLLBACK together with the check it makes of every connection going
    /// back to the pool, off the request's path. A COMMIT would be one more round trip, on it.
    pub fn end(self) {}
}

/// Helpers shared by reads and writes take the [`TenantTx`] inside.
impl Deref for ReadTx {
    type Target = TenantTx;

    fn deref(&self) -> &TenantTx {
        &self.0
    }
}

impl DerefMut for ReadTx {
    fn deref_mut(&mut self) -> &mut TenantTx {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_may_do_exactly_its_share() {
        use Permission::*;
        let all = Permission::ALL;
        let allowed = |role: Role| all.into_iter().filter(|p| role.allows(*p)).collect::<Vec<_>>();
        assert_eq!(allowed(Role::Owner), all.to_vec());
        assert_eq!(
            allowed(Role::Admin),
            vec![ReadStore, WriteBusinessData, ManageTeam, ManageBilling, ManageSettings, ReadAuditLog]
        );
        assert_eq!(allowed(Role::Member), vec![ReadStore, WriteBusinessData]);
        assert_eq!(allowed(Role::Viewer), vec![ReadStore]);
    }

    #[test]
    fn roles_read_back_from_their_names() {
        for role in [Role::Owner, Role::Admin, Role::Member, Role::Viewer] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
    }
}
