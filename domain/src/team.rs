//! A store's team: members and their roles, invitations by single-use expiring links, and
//! joining a store from one. Owners and admins manage the team; only owners make or unmake
//! owners; a store always keeps at least one owner.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::accounts::{Email, NewPassword};
use crate::audit::{self, Action, Changes};
use crate::billing::{self, Limited};
use crate::idempotency::{self, Creation, IdempotencyKey};
use crate::{password, AccountId, Db, Error, FieldErrors, Permission, Role, TenantId, TenantScope, TenantTx};

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Member {
    pub account_id: AccountId,
    pub email: String,
    pub role: String,
    pub joined_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct PendingInvitation {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The store's members, owners first.
pub async fn members(db: &Db, scope: &TenantScope) -> Result<Vec<Member>, Error> {
    let mut tx = db.read_tenant(scope).await?;
    let members = sqlx::query_as(
        "SELECT m.account_id, a.email, m.role, m.created_at AS joined_at
         FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.tenant_id = $1
         ORDER BY array_position(ARRAY['owner', 'admin', 'member', 'viewer'], m.role), a.email",
    )
    .bind(tx.tenant_id())
    .fetch_all(&mut **tx)
    .await?;
    tx.end();
    Ok(members)
}

/// Invitations not yet accepted, revoked or expired; for those who manage the team.
pub async fn pending_invitations(db: &Db, scope: &TenantScope) -> Result<Vec<PendingInvitation>, Error> {
    scope.require(Permission::ManageTeam)?;
    let mut tx = db.read_tenant(scope).await?;
    let invitations = sqlx::query_as(
        "SELECT id, email, role, created_at, expires_at FROM invitations
         WHERE tenant_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
         ORDER BY created_at DESC",
    )
    .bind(tx.tenant_id())
    .fetch_all(&mut **tx)
    .await?;
    tx.end();
    Ok(invitations)
}

/// A new invitation: its link's token is shown once and never stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    /// `{store}.{invitation}.{secret}`; only the secret's hash is kept.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Invites `email` to the store with `role`. An open invitation to the same email is replaced.
pub async fn invite(db: &Db, scope: &TenantScope, email: &str, role: Role) -> Result<Invitation, Error> {
    invite_once(db, scope, email, role, None)
        .await?
        .ok_or_else(|| Error::Conflict("This invitation was already sent.".into()))
}

/// As [`invite`], once per `key`: `None` when the key already sent its invitation (a repeated
/// submission), which is left as it was: its secret exists only in the link already given.
pub async fn invite_once(
    db: &Db,
    scope: &TenantScope,
    email: &str,
    role: Role,
    key: Option<IdempotencyKey>,
) -> Result<Option<Invitation>, Error> {
    scope.require(Permission::ManageTeam)?;
    require_may_grant(scope, role)?;
    let email = Email::parse(email).map_err(|e| FieldErrors::single("email", e.to_string()))?;
    if crate::staff::is_staff_email(db, email.as_str()).await? {
        return Err(FieldErrors::single("email", STAFF_NOT_INVITED));
    }
    let mut tx = db.begin_tenant(scope).await?;
    if idempotency::claim::<i64>(&mut tx, key, Creation::Invitation).await?.is_some() {
        return Ok(None);
    }
    // Counted once the invitation is worth sending: a typo and a repeat cost nothing.
    let (store_key, inviter_key) = (scope.tenant_id().to_string(), scope.account_id().to_string());
    crate::rate_limits::take(
        db,
        &[
            (crate::rate_limits::LimitedAction::InvitationPerStore, &store_key),
            (crate::rate_limits::LimitedAction::InvitationPerInviter, &inviter_key),
        ],
    )
    .await?;
    let tenant = tx.tenant_id();
    let already: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN accounts a ON a.id = m.account_id
                        WHERE m.tenant_id = $1 AND a.email = $2)",
    )
    .bind(tenant)
    .bind(email.as_str())
    .fetch_one(&mut *tx)
    .await?;
    if already {
        return Err(FieldErrors::single(
            "email",
            format!("{} is already in this store's team.", email.as_str()),
        ));
    }
    sqlx::query(
        "UPDATE invitations SET revoked_at = now()
         WHERE tenant_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(tenant)
    .bind(email.as_str())
    .execute(&mut *tx)
    .await?;
    let secret = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let expires_at = Utc::now() + Duration::days(INVITATION_DAYS);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO invitations (tenant_id, email, role, secret_hash, invited_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(tenant)
    .bind(email.as_str())
    .bind(role.as_str())
    .bind(secret_hash(&secret))
    .bind(scope.account_id())
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    billing::ensure_within_plan(&mut tx, Limited::Members).await?;
    let changes = Changes::new().set("email", email.as_str()).set("role", role.as_str());
    audit::record(&mut tx, scope, Action::MemberInvited, &format!("Invitation #{id}"), changes).await?;
    idempotency::remember(&mut tx, key, &id).await?;
    tx.commit().await?;
    Ok(Some(Invitation {
        id,
        email: email.as_str().to_owned(),
        token: format!("{tenant}.{id}.{secret}"),
        expires_at,
    }))
}

/// Revokes an open invitation: its link stops working.
pub async fn revoke(db: &Db, scope: &TenantScope, invitation: i64) -> Result<(), Error> {
    scope.require(Permission::ManageTeam)?;
    let mut tx = db.begin_tenant(scope).await?;
    let email: Option<String> = sqlx::query_scalar(
        "UPDATE invitations SET revoked_at = now()
         WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL RETURNING email",
    )
    .bind(tx.tenant_id())
    .bind(invitation)
    .fetch_optional(&mut *tx)
    .await?;
    let email = email.ok_or(Error::NotFound)?;
    let changes = Changes::new().diff("email", &email, &email);
    audit::record(
        &mut tx,
        scope,
        Action::InvitationRevoked,
        &format!("Invitation #{invitation} ({email})"),
        changes,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Gives a member another role.
pub async fn change_role(db: &Db, scope: &TenantScope, account: AccountId, role: Role) -> Result<(), Error> {
    scope.require(Permission::ManageTeam)?;
    let mut tx = db.begin_tenant(scope).await?;
    let (email, current) = lock_member(&mut tx, account).await?;
    if current == role {
        return Ok(());
    }
    require_may_grant(scope, current)?;
    require_may_grant(scope, role)?;
    if current == Role::Owner {
        require_another_owner(&mut tx).await?;
    }
    sqlx::query("UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND account_id = $2")
        .bind(tx.tenant_id())
        .bind(account)
        .bind(role.as_str())
        .execute(&mut *tx)
        .await?;
    let changes = Changes::new().diff("role", current.as_str(), role.as_str());
    audit::record(&mut tx, scope, Action::MemberRoleChanged, &email, changes).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a member from the store (their account and other stores stay).
pub async fn remove(db: &Db, scope: &TenantScope, account: AccountId) -> Result<(), Error> {
    scope.require(Permission::ManageTeam)?;
    let mut tx = db.begin_tenant(scope).await?;
    let (email, current) = lock_member(&mut tx, account).await?;
    require_may_grant(scope, current)?;
    if current == Role::Owner {
        require_another_owner(&mut tx).await?;
    }
    sqlx::query("DELETE FROM memberships WHERE tenant_id = $1 AND account_id = $2")
        .bind(tx.tenant_id())
        .bind(account)
        .execute(&mut *tx)
        .await?;
    let changes = Changes::new().diff("role", current.as_str(), None::<&str>);
    audit::record(&mut tx, scope, Action::MemberRemoved, &email, changes).await?;
    tx.commit().await?;
    Ok(())
}

/// Only owners make, unmake or remove owners.
fn require_may_grant(scope: &TenantScope, role: Role) -> Result<(), Error> {
    if role == Role::Owner && scope.role() != Role::Owner {
        return Err(Error::Conflict("Only an owner can make or change an owner.".into()));
    }
    Ok(())
}

/// The member's email and role, locked; every owner's row is locked too, so two owners
/// removing each other at once cannot leave the store without one.
async fn lock_member(tx: &mut TenantTx, account: AccountId) -> Result<(String, Role), Error> {
    let rows: Vec<(AccountId, String, String)> = sqlx::query_as(
        "SELECT m.account_id, a.email, m.role FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.tenant_id = $1 AND (m.account_id = $2 OR m.role = 'owner')
         ORDER BY m.account_id FOR UPDATE OF m",
    )
    .bind(tx.tenant_id())
    .bind(account)
    .fetch_all(&mut **tx)
    .await?;
    let (_, email, role) = rows.into_iter().find(|(id, _, _)| *id == account).ok_or(Error::NotFound)?;
    Ok((email, Role::parse(&role).ok_or(Error::NotFound)?))
}

async fn require_another_owner(tx: &mut TenantTx) -> Result<(), Error> {
    let owners: i64 =
        sqlx::query_scalar("SELECT count(*) FROM memberships WHERE tenant_id = $1 AND role = 'owner'")
            .bind(tx.tenant_id())
            .fetch_one(&mut **tx)
            .await?;
    if owners <= 1 {
        return Err(Error::Conflict(
            "A store needs at least one owner: make someone else owner first.".into(),
        ));
    }
    Ok(())
}

fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// An invitation as its link shows it to the person invited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenInvitation {
    pub tenant_id: TenantId,
    pub id: i64,
    pub store_name: String,
    pub email: String,
    pub role: Role,
    /// The invited email has an account already (it joins with that account's password).
    pub account: Option<AccountId>,
}

/// Why a link does not work. Used, revoked, expired and unknown links get one answer, so a
/// link reveals nothing about invitations it does not open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkNotValid;

/// The open invitation a link's token names.
pub async fn open_invitation(db: &Db, token: &str) -> Result<Result<OpenInvitation, LinkNotValid>, Error> {
    let mut parts = token.trim().splitn(3, '.');
    let (Some(tenant), Some(id), Some(secret)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(Err(LinkNotValid));
    };
    let (Ok(tenant), Ok(id)) = (tenant.parse::<i64>(), id.parse::<i64>()) else {
        return Ok(Err(LinkNotValid));
    };
    #[derive(sqlx::FromRow)]
    struct Row {
        store_name: String,
        email: String,
        role: String,
        secret_hash: Vec<u8>,
        account: Option<AccountId>,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT t.name AS store_name, i.email, i.role, i.secret_hash,
                (SELECT a.id FROM accounts a WHERE a.email = i.email) AS account
         FROM invitations i JOIN tenants t ON t.id = i.tenant_id
         WHERE i.tenant_id = $1 AND i.id = $2
           AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    Ok(match row {
        Some(row) if row.secret_hash == secret_hash(secret) => {
            let role = Role::parse(&row.role).ok_or(LinkNotValid);
            role.map(|role| OpenInvitation {
                tenant_id: TenantId::new(tenant),
                id,
                store_name: row.store_name,
                email: row.email,
                role,
                account: row.account,
            })
        }
        _ => Err(LinkNotValid),
    })
}

/// Why a staff address cannot join a store.
const STAFF_NOT_INVITED: &str =
    "This address belongs to the platform's staff, who reach stores only through support sessions. Invite another address.";

/// Who accepts: the invited email's existing account (already proven by the caller: signed in
/// or its password checked), or a new account with this password.
pub enum Joiner {
    Existing(AccountId),
    New(NewPassword),
}

/// Accepts an open invitation: creates the account if needed, adds the membership (or keeps an
/// existing one), uses up the invitation; all in one transaction. Returns the account.
pub async fn accept(db: &Db, invitation: &OpenInvitation, joiner: Joiner) -> Result<AccountId, Error> {
    if crate::staff::is_staff_email(db, &invitation.email).await? {
        return Err(Error::Conflict(STAFF_NOT_INVITED.into()));
    }
    let mut tx = TenantTx::begin(db, invitation.tenant_id).await?;
    // Used up first: of two acceptances racing, the second finds nothing to use.
    let used = sqlx::query(
        "UPDATE invitations SET accepted_at = now()
         WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()",
    )
    .bind(invitation.tenant_id)
    .bind(invitation.id)
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() != 1 {
        return Err(Error::Conflict("This invitation has just been used or withdrawn.".into()));
    }
    let account = match joiner {
        Joiner::Existing(account) => account,
        Joiner::New(password) => {
            let hash = password::hash_async(password.expose().to_owned()).await?;
            sqlx::query_scalar("INSERT INTO accounts (email, password_hash) VALUES ($1, $2) RETURNING id")
                .bind(&invitation.email)
                .bind(hash)
                .fetch_one(&mut *tx)
                .await?
        }
    };
    sqlx::query(
        "INSERT INTO memberships (tenant_id, account_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, account_id) DO NOTHING",
    )
    .bind(invitation.tenant_id)
    .bind(account)
    .bind(invitation.role.as_str())
    .execute(&mut *tx)
    .await?;
    let changes = Changes::new().set("role", invitation.role.as_str());
    let subject = format!("Invitation #{}", invitation.id);
    audit::record_by(&mut tx, account, &invitation.email, Action::MemberJoined, &subject, changes).await?;
    tx.commit().await?;
    Ok(account)
}
