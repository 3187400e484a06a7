//! The platform's staff: people who run the platform from the admin panel. Separate from
//! store membership: a staff account belongs to no store, and no store role makes anyone staff.

use std::fmt;

use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::accounts::{Email, NewPassword};
use crate::{password, AccountId, Db, Error};

/// A staff member's role on the platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StaffRole {
    /// Sees stores' metadata and may open support sessions.
    Support,
    /// Also acts on stores: suspends, reactivates, changes plans, revokes sessions.
    Admin,
}

impl StaffRole {
    pub const ALL: [StaffRole; 2] = [StaffRole::Support, StaffRole::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Support => "support",
            StaffRole::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<StaffRole> {
        StaffRole::ALL.into_iter().find(|role| role.as_str() == s)
    }

    /// The one table of what each staff role may do.
    pub fn allows(self, permission: StaffPermission) -> bool {
        match permission {
            StaffPermission::ViewStores | StaffPermission::OpenSupportSession => true,
            StaffPermission::ManageStores => self == StaffRole::Admin,
        }
    }
}

impl fmt::Display for StaffRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What staff may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffPermission {
    /// The platform overview, the stores list and a store's metadata.
    ViewStores,
    /// Read one store's business data for a while, for a stated reason.
    OpenSupportSession,
    /// Suspend, reactivate, extend a trial, change a plan, revoke a member's sessions.
    ManageStores,
}

/// Proof that an account is staff, checked against the database. Admin functions take it, as
/// store functions take a [`crate::TenantScope`].
#[derive(Clone, Debug)]
pub struct Staff {
    account_id: AccountId,
    email: String,
    role: StaffRole,
}

impl Staff {
    /// The staff member signed in as `account`, or [`Error::NotFound`] when the account is not
    /// staff (any more), or its sessions were revoked after `signed_in_at`.
    pub async fn for_account(
        db: &Db,
        account: AccountId,
        signed_in_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Staff, Error> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT s.role, a.email FROM staff s JOIN accounts a ON a.id = s.account_id
             WHERE s.account_id = $1 AND (a.sessions_valid_from IS NULL OR a.sessions_valid_from <= $2)",
        )
        .bind(account)
        .bind(signed_in_at)
        .fetch_optional(db.pool())
        .await?;
        let (role, email) = row.ok_or(Error::NotFound)?;
        let role = StaffRole::parse(&role).ok_or(Error::NotFound)?;
        Ok(Staff { account_id: account, email, role })
    }

    pub fn account_id(&self) -> AccountId {
        self.account_id
    }

    pub fn email(&self) -> &str {
        &self.email
    }

    pub fn role(&self) -> StaffRole {
        self.role
    }

    /// Refuses what the staff member's role does not allow.
    pub fn require(&self, permission: StaffPermission) -> Result<(), Error> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    pub fn may(&self, permission: StaffPermission) -> bool {
        self.role.allows(permission)
    }
}

/// The staff role of `account`, if it is staff: sign-in sends staff to the admin panel.
pub async fn staff_role(db: &Db, account: AccountId) -> Result<Option<StaffRole>, Error> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM staff WHERE account_id = $1")
        .bind(account)
        .fetch_optional(db.pool())
        .await?;
    Ok(role.as_deref().and_then(StaffRole::parse))
}

/// Whether `email` is a staff member's address. Staff belong to no store: they cannot be
/// invited into one, nor accept an invitation sent before they became staff.
pub async fn is_staff_email(db: &Db, email: &str) -> Result<bool, Error> {
    let staff: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM staff s JOIN accounts a ON a.id = s.account_id WHERE a.email = $1)",
    )
    .bind(email)
    .fetch_one(db.pool())
    .await?;
    Ok(staff)
}

/// What `storefront staff create` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffCreated {
    /// A new account, with the password given.
    NewAccount,
    /// An existing account (it keeps its password) became staff, or changed staff role.
    ExistingAccount,
}

/// Makes `email` staff with `role`, creating the account when there is none (a password is
/// then required). Refuses an account that belongs to a store: staff and store members are
/// different people here, so that no store role and no store's owner can reach the panel.
///
/// Runs as the schema owner (the command line): the application's role cannot write `staff`,
/// so a flaw in the web application cannot make anyone staff.
pub async fn create(
    owner: &PgPool,
    email: &Email,
    role: StaffRole,
    password: Option<&NewPassword>,
) -> Result<StaffCreated, Error> {
    let mut tx = owner.begin().await?;
    // Two statements: Citus locks rows (FOR UPDATE) only in queries on one table.
    let account: Option<AccountId> =
        sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1 FOR UPDATE")
            .bind(email.as_str())
            .fetch_optional(&mut *tx)
            .await?;
    let existing = match account {
        Some(account) => {
            let member: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM memberships WHERE account_id = $1)")
                    .bind(account)
                    .fetch_one(&mut *tx)
                    .await?;
            Some((account, member))
        }
        None => None,
    };
    let (account, created) = match existing {
        Some((_, true)) => {
            return Err(Error::Conflict(format!(
                "{} belongs to a store; staff need an address of their own",
                email.as_str()
            )))
        }
        Some((account, false)) => (account, StaffCreated::ExistingAccount),
        None => {
            let Some(password) = password else {
                return Err(Error::Invalid(format!(
                    "{} has no account yet: give a password",
                    email.as_str()
                )));
            };
            let hash = password::hash_async(password.expose().to_owned()).await?;
            let account = sqlx::query_scalar(
                "INSERT INTO accounts (email, password_hash) VALUES ($1, $2) RETURNING id",
            )
            .bind(email.as_str())
            .bind(hash)
            .fetch_one(&mut *tx)
            .await?;
            (account, StaffCreated::NewAccount)
        }
    };
    sqlx::query(
        "INSERT INTO staff (account_id, role) VALUES ($1, $2)
         ON CONFLICT (account_id) DO UPDATE SET role = EXCLUDED.role",
    )
    .bind(account)
    .bind(role.as_str())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_manage_stores() {
        assert!(StaffRole::Admin.allows(StaffPermission::ManageStores));
        assert!(!StaffRole::Support.allows(StaffPermission::ManageStores));
        for role in StaffRole::ALL {
            assert!(role.allows(StaffPermission::ViewStores));
            assert!(role.allows(StaffPermission::OpenSupportSession));
            assert_eq!(StaffRole::parse(role.as_str()), Some(role));
        }
        assert_eq!(StaffRole::parse("owner"), None);
    }
}
