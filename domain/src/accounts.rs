//! People and their memberships: the control-plane side of sign-in.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::tenancy::{AccountId, Role, TenantId};
use crate::{password, Db, Error};

/// An email address, trimmed and lower-cased, so one person has one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, Error> {
        let email = input.trim().to_lowercase();
        let invalid = || Error::Invalid("Enter an email address like name@example.com.".into());
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let plausible = !local.is_empty()
            && email.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !email.chars().any(char::is_whitespace);
        if plausible {
            Ok(Email(email))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A store the account belongs to, as shown when choosing one.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoreMembership {
    pub tenant_id: TenantId,
    pub store_name: String,
    pub role: Role,
}

/// Verified against when no account has the email, so that an unknown address costs the same
/// time as a wrong password and sign-in does not reveal which emails have accounts.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| password::hash("no account has this password"));

/// The account whose email and password match, or `None`, in comparable time either way.
pub async fn authenticate(db: &Db, email: &Email, password: &str) -> Result<Option<AccountId>, Error> {
    let row: Option<(AccountId, Option<String>)> =
        sqlx::query_as("SELECT id, password_hash FROM accounts WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(db.pool())
            .await?;
    let (account, hash) = match row {
        Some((id, Some(hash))) => (Some(id), hash),
        _ => (None, DUMMY_HASH.clone()),
    };
    let matches = password::verify_async(hash, password.to_owned()).await;
    Ok(account.filter(|_| matches))
}

/// The stores an account belongs to, by name.
pub async fn memberships(db: &Db, account: AccountId) -> Result<Vec<StoreMembership>, Error> {
    let rows: Vec<(TenantId, String, String)> = sqlx::query_as(
        "SELECT m.tenant_id, t.name, m.role
         FROM memberships m JOIN tenants t ON t.id = m.tenant_id
         WHERE m.account_id = $1
         ORDER BY t.name, m.tenant_id",
    )
    .bind(account)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(tenant_id, store_name, role)| {
            Some(StoreMembership { tenant_id, store_name, role: Role::parse(&role)? })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(Email::parse("  Ann@Example.COM ").unwrap().as_str(), "ann@example.com");
    }

    #[test]
    fn implausible_emails_are_refused() {
        for bad in
            ["", "ann", "ann@", "@example.com", "ann@example", "a b@example.com", "ann@.com", "a@b@c.com"]
        {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
