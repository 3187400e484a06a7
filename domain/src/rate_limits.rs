//! Rate limits as token buckets kept in the database, so that every server process shares them.
//!
//! A bucket holds up to `burst` tokens and regains one every `refill`. An event takes a token;
//! with none left, the action is refused until one comes back.

use std::time::Duration;

use crate::{Db, Error};

/// What is limited. Each action has its own buckets, one per key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitedAction {
    /// Failed sign-ins for one email address, whether or not it has an account (so the limit
    /// says nothing about which emails exist).
    FailedSignInPerAccount,
    /// Failed sign-ins from one client address, across all emails.
    FailedSignInPerAddress,
    /// New stores signed up from one client address (a few a day is plenty for a person).
    SignupPerAddress,
    /// Refused signups from one client address: each one may tell whether an email has an
    /// account, so they are limited like failed sign-ins.
    FailedSignupPerAddress,
    /// Invitations sent by one store: each is a mail carrying a name the store chose.
    InvitationPerStore,
    /// Invitations sent by one person, across their stores.
    InvitationPerInviter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub burst: u32,
    pub refill: Duration,
}

impl LimitedAction {
    pub fn name(self) -> &'static str {
        match self {
            LimitedAction::FailedSignInPerAccount => "failed_sign_in_account",
            LimitedAction::FailedSignInPerAddress => "failed_sign_in_address",
            LimitedAction::SignupPerAddress => "signup_address",
            LimitedAction::FailedSignupPerAddress => "failed_signup_address",
            LimitedAction::InvitationPerStore => "invitation_store",
            LimitedAction::InvitationPerInviter => "invitation_inviter",
        }
    }

    pub fn limit(self) -> Limit {
        match self {
            LimitedAction::FailedSignInPerAccount => Limit { burst: 5, refill: Duration::from_secs(60) },
            LimitedAction::FailedSignInPerAddress => Limit { burst: 30, refill: Duration::from_secs(10) },
            LimitedAction::SignupPerAddress => Limit { burst: 5, refill: Duration::from_secs(3600) },
            LimitedAction::FailedSignupPerAddress => Limit { burst: 30, refill: Duration::from_secs(10) },
            LimitedAction::InvitationPerStore => Limit { burst: 30, refill: Duration::from_secs(120) },
            LimitedAction::InvitationPerInviter => Limit { burst: 20, refill: Duration::from_secs(180) },
        }
    }

    /// What the person is told when `self` is refused for `wait`.
    pub fn refusal(self, wait: Duration) -> String {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let when = if minutes == 1 { "in a minute".to_owned() } else { format!("in {minutes} minutes") };
        match self {
            LimitedAction::FailedSignInPerAccount | LimitedAction::FailedSignInPerAddress => {
                format!("Too many failed sign-ins. Try again {when}.")
            }
            LimitedAction::SignupPerAddress => {
                format!("Too many new stores were made from your network. Try again {when}.")
            }
            LimitedAction::FailedSignupPerAddress => {
                format!("Too many refused signups from your network. Try again {when}.")
            }
            LimitedAction::InvitationPerStore => format!(
                "This store has sent {} invitations in a short time, the most it may. Send the next one {when}.",
                self.limit().burst
            ),
            LimitedAction::InvitationPerInviter => format!(
                "You have sent {} invitations in a short time, the most you may. Send the next one {when}.",
                self.limit().burst
            ),
        }
    }
}

/// Refuses with [`Error::TooMany`] when any of `buckets` is empty; otherwise takes a token from
/// each (nothing is taken from any when one refuses).
pub async fn take(db: &Db, buckets: &[(LimitedAction, &str)]) -> Result<(), Error> {
    refuse_if_empty(db, buckets).await?;
    for (action, key) in buckets {
        record(db, *action, key).await?;
    }
    Ok(())
}

/// Refuses with [`Error::TooMany`] when any of `buckets` is empty; takes nothing.
pub async fn refuse_if_empty(db: &Db, buckets: &[(LimitedAction, &str)]) -> Result<(), Error> {
    for (action, key) in buckets {
        if let Some(wait) = wait_time(db, *action, key).await? {
            tracing::warn!(action = action.name(), "refused: the limit is reached");
            metrics::counter!(crate::metrics::RATE_LIMITED, "action" => action.name()).increment(1);
            return Err(Error::TooMany { message: action.refusal(wait), wait });
        }
    }
    Ok(())
}

/// How long until `action` is allowed again for `key`, or `None` if it is allowed now.
/// Looking does not take a token.
pub async fn wait_time(db: &Db, action: LimitedAction, key: &str) -> Result<Option<Duration>, Error> {
    let limit = action.limit();
    let available: Option<f64> = sqlx::query_scalar(
        "SELECT LEAST($3::float8, tokens + extract(epoch FROM now() - refilled_at)::float8 / $4::float8)
         FROM rate_limit_buckets WHERE action = $1 AND key = $2",
    )
    .bind(action.name())
    .bind(key)
    .bind(f64::from(limit.burst))
    .bind(limit.refill.as_secs_f64())
    .fetch_optional(db.pool())
    .await?;
    Ok(available.filter(|tokens| *tokens < 1.0).map(|tokens| limit.refill.mul_f64(1.0 - tokens)))
}

/// Takes a token from the bucket of `action` and `key` (never below empty).
pub async fn record(db: &Db, action: LimitedAction, key: &str) -> Result<(), Error> {
    let limit = action.limit();
    sqlx::query(
        "INSERT INTO rate_limit_buckets (action, key, tokens, refilled_at)
         VALUES ($1, $2, $3::float8 - 1, now())
         ON CONFLICT (action, key) DO UPDATE SET
             tokens = GREATEST(0, LEAST($3::float8, rate_limit_buckets.tokens
                 + extract(epoch FROM now() - rate_limit_buckets.refilled_at)::float8 / $4::float8) - 1),
             refilled_at = now()",
    )
    .bind(action.name())
    .bind(key)
    .bind(f64::from(limit.burst))
    .bind(limit.refill.as_secs_f64())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Forgets the bucket (a successful sign-in clears the account's failures).
pub async fn reset(db: &Db, action: LimitedAction, key: &str) -> Result<(), Error> {
    sqlx::query("DELETE FROM rate_limit_buckets WHERE action = $1 AND key = $2")
        .bind(action.name())
        .bind(key)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Deletes buckets untouched for a day: by then every bucket has refilled, so forgetting it
/// changes nothing but the table's size.
pub async fn forget_idle(db: &Db) -> Result<u64, Error> {
    let deleted = sqlx::query("DELETE FROM rate_limit_buckets WHERE refilled_at < now() - interval '1 day'")
        .execute(db.pool())
        .await?;
    Ok(deleted.rows_affected())
}
