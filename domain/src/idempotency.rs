//! Idempotent creation: a form carries a key minted when it was rendered (an API client sends
//! `Idempotency-Key`), and a submission repeated with the same key (a double click, a retry after
//! a network error, a second tab) returns what the first one created instead of creating again.
//!
//! The key is claimed in the same transaction as the creation: a repeat that arrives while the
//! first is still running waits on the key's row, then finds the first result (or, if the first
//! failed and rolled back, creates). Keys are kept for a day.

use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use crate::tenancy::TenantTx;
use crate::Error;

/// A client's key for one creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(Uuid);

impl IdempotencyKey {
    /// A key as sent (a UUID, in any of its usual spellings); `None` for anything else, which
    /// callers refuse (a malformed request) rather than ignore.
    pub fn parse(text: &str) -> Option<IdempotencyKey> {
        Uuid::parse_str(text.trim()).ok().map(IdempotencyKey)
    }

    pub fn new() -> IdempotencyKey {
        IdempotencyKey(Uuid::new_v4())
    }
}

impl Default for IdempotencyKey {
    fn default() -> Self {
        IdempotencyKey::new()
    }
}

impl std::fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a key was used for, so a key sent to create a product cannot replay an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Creation {
    Order,
    Product,
    Customer,
    Invitation,
}

impl Creation {
    fn as_str(self) -> &'static str {
        match self {
            Creation::Order => "order",
            Creation::Product => "product",
            Creation::Customer => "customer",
            Creation::Invitation => "invitation",
        }
    }
}

/// Claims `key` for `what` in `tx`'s store: `None` when there is no key or it is new (create,
/// then [`remember`] the result in the same transaction), or the first result when it was used.
pub async fn claim<T: DeserializeOwned>(
    tx: &mut TenantTx,
    key: Option<IdempotencyKey>,
    what: Creation,
) -> Result<Option<T>, Error> {
    let Some(key) = key else { return Ok(None) };
    let claimed = sqlx::query(
        "INSERT INTO idempotency_keys (tenant_id, key, creation) VALUES ($1, $2::uuid, $3)
         ON CONFLICT (tenant_id, key) DO NOTHING",
    )
    .bind(tx.tenant_id())
    .bind(key.0.to_string())
    .bind(what.as_str())
    .execute(&mut **tx)
    .await?;
    if claimed.rows_affected() == 1 {
        return Ok(None);
    }
    let (creation, result): (String, Option<serde_json::Value>) = sqlx::query_as(
        "SELECT creation, result FROM idempotency_keys WHERE tenant_id = $1 AND key = $2::uuid",
    )
    .bind(tx.tenant_id())
    .bind(key.0.to_string())
    .fetch_one(&mut **tx)
    .await?;
    match result {
        Some(result) if creation == what.as_str() => Ok(Some(
            serde_json::from_value(result)
                .map_err(|e| Error::Conflict(format!("the earlier result cannot be read: {e}")))?,
        )),
        _ => Err(Error::Conflict(
            "This form was already used for something else. Reload the page and try again.".into(),
        )),
    }
}

/// Records what the creation claimed by `key` made, in the same transaction (nothing without
/// a key).
pub async fn remember<T: Serialize>(
    tx: &mut TenantTx,
    key: Option<IdempotencyKey>,
    result: &T,
) -> Result<(), Error> {
    let Some(key) = key else { return Ok(()) };
    let result = serde_json::to_value(result).expect("a creation's result serialises");
    sqlx::query("UPDATE idempotency_keys SET result = $3 WHERE tenant_id = $1 AND key = $2::uuid")
        .bind(tx.tenant_id())
        .bind(key.0.to_string())
        .bind(result)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Deletes keys older than a day: every store's (platform housekeeping, through the function
/// that may see them all) and the signup form's (`domain::signup`, which belong to no store).
pub async fn forget_old(db: &crate::Db) -> Result<u64, Error> {
    let stores: i64 = sqlx::query_scalar("SELECT forget_old_idempotency_keys()").fetch_one(db.pool()).await?;
    let signups = sqlx::query("DELETE FROM signup_keys WHERE created_at < now() - interval '1 day'")
        .execute(db.pool())
        .await?;
    Ok(stores as u64 + signups.rows_affected())
}
