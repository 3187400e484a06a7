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
            && email.len() <= field_limits::EMAIL
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
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

/// The rules for a new password, in words, for forms to show before submitting.
pub const PASSWORD_RULES: &str =
    "At least 12 characters. Long phrases are good; your email address and very common passwords are not accepted.";

const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_CHARS: usize = field_limits::PASSWORD;
/// The most used passwords of at least 12 characters; a real deployment may add a breach list.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "password1234",
    "qwertyuiopas",
    "111111111111",
    "123123123123",
    "passwordpassword",
    "iloveyou1234",
    "qwerty123456",
    "1q2w3e4r5t6y",
    "abcdefghijkl",
    "letmeinletmein",
    "administrator",
];

/// A password that follows the rules, for setting (not for checking a sign-in: old passwords
/// are checked as they are).
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

impl NewPassword {
    pub fn parse(password: &str, email: &Email) -> Result<NewPassword, PasswordProblem> {
        let chars = password.chars().count();
        let lower = password.to_lowercase();
        let local_part = email.as_str().split('@').next().unwrap_or_default();
        // A short local part ("al") would refuse too much by accident.
        let mentions_email =
            lower.contains(email.as_str()) || (local_part.chars().count() >= 4 && lower.contains(local_part));
        let problem = if chars < MIN_PASSWORD_CHARS {
            Some(PasswordProblem::TooShort)
        } else if chars > MAX_PASSWORD_CHARS {
            Some(PasswordProblem::TooLong)
        } else if password.chars().all(|c| password.starts_with(c)) {
            Some(PasswordProblem::Repeated)
        } else if mentions_email {
            Some(PasswordProblem::MentionsEmail)
        } else if COMMON_PASSWORDS.contains(&lower.as_str()) {
            Some(PasswordProblem::Common)
        } else {
            None
        };
        match problem {
            Some(problem) => Err(problem),
            None => Ok(NewPassword(password.to_owned())),
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Why a new password is refused. Pages that are sent back a refusal in their URL carry the
/// code, never the text, so a crafted link cannot make a page say something else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    Repeated,
    MentionsEmail,
    Common,
}

impl PasswordProblem {
    const ALL: [PasswordProblem; 5] = [
        PasswordProblem::TooShort,
        PasswordProblem::TooLong,
        PasswordProblem::Repeated,
        PasswordProblem::MentionsEmail,
        PasswordProblem::Common,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "too-short",
            PasswordProblem::TooLong => "too-long",
            PasswordProblem::Repeated => "repeated",
            PasswordProblem::MentionsEmail => "mentions-email",
            PasswordProblem::Common => "common",
        }
    }

    pub fn from_code(code: &str) -> Option<PasswordProblem> {
        PasswordProblem::ALL.into_iter().find(|p| p.code() == code)
    }
}

impl std::fmt::Display for PasswordProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PasswordProblem::TooShort => write!(f, "Use at least {MIN_PASSWORD_CHARS} characters."),
            PasswordProblem::TooLong => write!(f, "Use at most {MAX_PASSWORD_CHARS} characters."),
            PasswordProblem::Repeated => f.write_str("Use more than one repeated character."),
            PasswordProblem::MentionsEmail => f.write_str("Do not use your email address in your password."),
            PasswordProblem::Common => f.write_str("That password is too common. Choose another."),
        }
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
    let matches = password::verify_async(hash, password.to_owned()).await?;
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

/// Ends every session of `account` that began before `before` (in every store, the admin panel
/// too): each must sign in again. Sessions begun later are kept, so a repeated order to end them
/// ends nothing new. `false` when there is no such account.
pub async fn end_sessions_before(
    db: &Db,
    account: AccountId,
    before: chrono::DateTime<chrono::Utc>,
) -> Result<bool, Error> {
    let ended = sqlx::query(
        "UPDATE accounts SET sessions_valid_from = GREATEST(sessions_valid_from, $2) WHERE id = $1",
    )
    .bind(account)
    .bind(before)
    .execute(db.pool())
    .await?;
    Ok(ended.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(Email::parse("  Ann@Example.COM ").unwrap().as_str(), "ann@example.com");
    }

    #[test]
    fn new_passwords_follow_the_rules() {
        let email = Email::parse("annika@example.com").unwrap();
        assert!(NewPassword::parse("correct horse battery", &email).is_ok());
        for (bad, why) in [
            ("short one", "at least 12"),
            ("aaaaaaaaaaaaaaaa", "repeated"),
            ("annika@example.com!!", "email"),
            ("my-annika-password", "email"),
            ("Password1234", "too common"),
        ] {
            let message = NewPassword::parse(bad, &email).unwrap_err().to_string();
            assert!(message.contains(why), "{bad:?}: {message}");
        }
        assert!(NewPassword::parse(&"x".repeat(64).replace("xx", "xy"), &email).is_ok());
        assert!(NewPassword::parse(&"ab".repeat(65), &email).unwrap_err().to_string().contains("at most"));
        assert_eq!(
            format!("{:?}", NewPassword::parse("correct horse battery", &email).unwrap()),
            "NewPassword(..)"
        );
    }

    #[test]
    fn password_problems_read_back_from_their_codes() {
        for problem in PasswordProblem::ALL {
            assert_eq!(PasswordProblem::from_code(problem.code()), Some(problem));
        }
        assert_eq!(PasswordProblem::from_code("<script>"), None);
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
