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
        }
    }

    pub fn limit(self) -> Limit {
        match self {
            LimitedAction::FailedSignInPerAccount => Limit { burst: 5, refill: Duration::from_secs(60) },
            LimitedAction::FailedSignInPerAddress => Limit { burst: 30, refill: Duration::from_secs(10) },
            LimitedAction::SignupPerAddress => Limit { burst: 5, refill: Duration::from_secs(3600) },
        }
    }
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
