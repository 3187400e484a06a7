//! Self-service signup: a new person, their store and their membership as its owner, made in
//! one transaction. Plans come from the `plans` reference table.

use serde::{Deserialize, Serialize};

use crate::accounts::{Email, NewPassword};
use crate::error::sqlstate;
use crate::idempotency::IdempotencyKey;
use crate::settings::StoreName;
use crate::{password, AccountId, Db, Error, FieldErrors, Role, TenantId, TenantTx};

/// A plan as the landing page and the signup form show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub price_cents: i64,
    pub currency: String,
    /// `None`: unlimited.
    pub product_limit: Option<i32>,
    pub member_limit: Option<i32>,
}

pub async fn plans(db: &Db) -> Result<Vec<Plan>, Error> {
    Ok(sqlx::query_as(
        "SELECT id, name, price_cents, currency, product_limit, member_limit FROM plans ORDER BY sort_order, id",
    )
    .fetch_all(db.pool())
    .await?)
}

/// The signup form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupInput {
    pub email: String,
    pub password: String,
    pub store_name: String,
    pub plan: String,
}

/// A checked signup.
#[derive(Debug)]
pub struct Signup {
    pub email: Email,
    pub password: NewPassword,
    pub store_name: String,
    pub plan: Plan,
}

impl Signup {
    /// Checks every field against the rules and the plans there are. Whether the email already
    /// has an account is [`create_store`]'s to say: only to a complete form, and not to a
    /// repeat of a signup that went through.
    pub async fn parse(db: &Db, input: &SignupInput) -> Result<Signup, Error> {
        let mut errors = FieldErrors::new();
        let email = errors.check("email", Email::parse(&input.email));
        let password = email
            .as_ref()
            .and_then(|email| errors.check("password", NewPassword::parse(&input.password, email)));
        let store_name = errors.check("store_name", StoreName::parse(&input.store_name));
        let plan = plans(db).await?.into_iter().find(|plan| plan.id == input.plan);
        if plan.is_none() {
            errors.add("plan", "Choose one of the plans.");
        }
        match (email, password, store_name, plan) {
            (Some(email), Some(password), Some(store_name), Some(plan)) if errors.is_empty() => {
                Ok(Signup { email, password, store_name: store_name.as_str().to_owned(), plan })
            }
            _ => Err(Error::Fields(errors)),
        }
    }
}

/// Whether the new store may be used at once (no payment needed) or waits for its payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartAs {
    Active,
    Pending,
}

/// What a signup made: the new owner's account and store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedUp {
    pub account: AccountId,
    pub tenant: TenantId,
    /// Whether the store may be used already (else it waits for its first payment).
    pub opened: bool,
    /// Whether this was a repeat of a submission that went through (same form key, same email
    /// and password): nothing new was made.
    pub repeated: bool,
}

const EMAIL_TAKEN: &str = "This email already has an account. Sign in with it, or use another email.";

/// A new account, its store with a free address derived from the name, and the owner's
/// membership, in one transaction.
///
/// With the form's `key`, a repeated submission (a retry after a lost answer, a double click,
/// the same form sent from two tabs at once) returns what the first one made instead of
/// refusing the email as taken, but only to someone who sends the same email and password: the
/// key alone signs nobody in.
pub async fn create_store(
    db: &Db,
    signup: &Signup,
    start: StartAs,
    key: Option<IdempotencyKey>,
) -> Result<SignedUp, Error> {
    if let Some(earlier) = earlier_signup(db, key, signup).await? {
        return Ok(earlier);
    }
    // Told only to a form that is otherwise complete (and the caller limits how often one
    // client may ask), so it is no free lookup; checked before the slow hash.
    let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE email = $1)")
        .bind(signup.email.as_str())
        .fetch_one(db.pool())
        .await?;
    if taken {
        // The same form may have gone through a moment ago, in another request.
        return earlier_signup(db, key, signup)
            .await?
            .ok_or_else(|| FieldErrors::taken("email", EMAIL_TAKEN));
    }
    // Hashing is deliberately slow: done before the transaction opens, so no row waits on it.
    let hash = password::hash_async(signup.password.expose().to_owned()).await?;
    let mut tx = db.pool().begin().await?;
    if let Some(key) = key {
        // A submission with the same key still under way holds this row: this one waits for
        // it, then finds what it made (or, if it failed, makes the store itself).
        let claimed =
            sqlx::query("INSERT INTO signup_keys (key) VALUES ($1::uuid) ON CONFLICT (key) DO NOTHING")
                .bind(key.to_string())
                .execute(&mut *tx)
                .await?;
        if claimed.rows_affected() == 0 {
            tx.rollback().await?;
            return earlier_signup(db, Some(key), signup).await?.ok_or_else(form_used);
        }
    }
    // Accounts first: on Citus a reference table is written before distributed ones.
    let account: AccountId =
        sqlx::query_scalar("INSERT INTO accounts (email, password_hash) VALUES ($1, $2) RETURNING id")
            .bind(signup.email.as_str())
            .bind(&hash)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match Error::from(e) {
                e if e.sqlstate().as_deref() == Some(sqlstate::UNIQUE_VIOLATION) => {
                    FieldErrors::taken("email", EMAIL_TAKEN)
                }
                e => e,
            })?;
    let status = match start {
        StartAs::Active => "active",
        StartAs::Pending => "pending",
    };
    let tenant: TenantId = sqlx::query_scalar(
        "INSERT INTO tenants (name, slug, plan_id, status) VALUES ($1, '', $2, $3) RETURNING id",
    )
    .bind(&signup.store_name)
    .bind(&signup.plan.id)
    .bind(status)
    .fetch_one(&mut *tx)
    .await?;
    let slug = claim_slug(&mut tx, tenant, &signup.store_name).await?;
    sqlx::query("UPDATE tenants SET slug = $2 WHERE id = $1")
        .bind(tenant)
        .bind(&slug)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO memberships (tenant_id, account_id, role) VALUES ($1, $2, $3)")
        .bind(tenant)
        .bind(account)
        .bind(Role::Owner.as_str())
        .execute(&mut *tx)
        .await?;
    if let Some(key) = key {
        sqlx::query("UPDATE signup_keys SET account_id = $2, tenant_id = $3 WHERE key = $1::uuid")
            .bind(key.to_string())
            .bind(account)
            .bind(tenant)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    // The store's own audit log opens with its creation.
    let mut tx = TenantTx::begin(db, tenant).await?;
    let changes = crate::audit::Changes::new().set("name", &signup.store_name).set("plan", &signup.plan.id);
    crate::audit::record_by(
        &mut tx,
        account,
        signup.email.as_str(),
        crate::audit::Action::StoreCreated,
        "Store",
        changes,
    )
    .await?;
    tx.commit().await?;
    Ok(SignedUp { account, tenant, opened: start == StartAs::Active, repeated: false })
}

fn form_used() -> Error {
    Error::Conflict("This form was already used. Reload the page and try again.".into())
}

/// What an earlier submission of the same form made: `None` without a key, or when the key is
/// new or what it made is gone (an abandoned signup). A key used with another email or password
/// is refused, so that knowing a form's key gives nothing away.
async fn earlier_signup(
    db: &Db,
    key: Option<IdempotencyKey>,
    signup: &Signup,
) -> Result<Option<SignedUp>, Error> {
    let Some(key) = key else { return Ok(None) };
    let made: Option<(Option<AccountId>, Option<TenantId>)> =
        sqlx::query_as("SELECT account_id, tenant_id FROM signup_keys WHERE key = $1::uuid")
            .bind(key.to_string())
            .fetch_optional(db.pool())
            .await?;
    let Some((Some(account), Some(tenant))) = made else { return Ok(None) };
    // Apart, not joined: on Citus this table stays on the coordinator and accounts is a
    // reference table.
    let owner: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT email, password_hash FROM accounts WHERE id = $1")
            .bind(account)
            .fetch_optional(db.pool())
            .await?;
    let (Some((email, hash)), Some(opened)) = (owner, has_opened(db, tenant).await?) else {
        return Ok(None);
    };
    let same_person = email == signup.email.as_str()
        && password::verify_async(hash.unwrap_or_default(), signup.password.expose().to_owned()).await?;
    if !same_person {
        return Err(form_used());
    }
    Ok(Some(SignedUp { account, tenant, opened, repeated: true }))
}

/// Whether a store made by signup has opened: its first payment confirmed (or none needed).
/// `None` when there is no such store any more.
pub async fn has_opened(db: &Db, tenant: TenantId) -> Result<Option<bool>, Error> {
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM tenants WHERE id = $1")
        .bind(tenant)
        .fetch_optional(db.pool())
        .await?;
    Ok(status.map(|status| status != "pending"))
}

/// Undoes a signup whose payment was abandoned: the store, if it is still waiting for its first
/// payment and linked to no subscription, and the account, if it belongs to no other store.
/// Returns whether the store was removed (false: it opened meanwhile, or is gone already).
pub async fn abandon(db: &Db, account: AccountId, tenant: TenantId) -> Result<bool, Error> {
    let mut tx = db.pool().begin().await?;
    // Citus: the store's delete cascades over its shards; the account (a reference table) is
    // written after it, which Citus allows over one connection per node only. Plain PostgreSQL
    // keeps this as an unused custom setting.
    sqlx::query("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'").execute(&mut *tx).await?;
    let removed = sqlx::query(
        "DELETE FROM tenants WHERE id = $1 AND status = 'pending' AND stripe_subscription_id IS NULL",
    )
    .bind(tenant)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if removed {
        sqlx::query("DELETE FROM tenant_slugs WHERE tenant_id = $1").bind(tenant).execute(&mut *tx).await?;
        // A repeat of the same form makes the store again rather than finding it gone.
        sqlx::query("DELETE FROM signup_keys WHERE tenant_id = $1").bind(tenant).execute(&mut *tx).await?;
        // Two statements: Citus plans no reference-table write around a distributed subquery.
        let elsewhere: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM memberships WHERE account_id = $1)")
                .bind(account)
                .fetch_one(&mut *tx)
                .await?;
        if !elsewhere {
            sqlx::query("DELETE FROM accounts WHERE id = $1").bind(account).execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(removed)
}

/// The first free address made from the store's name: `corner-shop`, else `corner-shop-2`, …,
/// else one with a random ending.
async fn claim_slug(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    tenant: TenantId,
    name: &str,
) -> Result<String, Error> {
    let base = slug_from(name);
    let random = || uuid::Uuid::new_v4().simple().to_string()[..6].to_owned();
    let candidates = std::iter::once(base.clone())
        .chain((2..=5).map(|n| format!("{base}-{n}")))
        .chain(std::iter::repeat_with(|| format!("{base}-{}", random())).take(5));
    for candidate in candidates {
        let claimed: Option<String> = sqlx::query_scalar(
            "INSERT INTO tenant_slugs (slug, tenant_id) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING RETURNING slug",
        )
        .bind(&candidate)
        .bind(tenant)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(slug) = claimed {
            return Ok(slug);
        }
    }
    Err(Error::Conflict("Could not find a free address for the store. Try another name.".into()))
}

/// Lower-case letters and digits of the name, other runs as one hyphen, at most 50 characters.
pub fn slug_from(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(50).collect();
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        "store".to_owned()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_come_from_the_name() {
        assert_eq!(slug_from("Corner Shop & Co."), "corner-shop-co");
        assert_eq!(slug_from("  Café Olé  "), "caf-ol");
        assert_eq!(slug_from("日本の店"), "store");
        assert_eq!(slug_from(&"a".repeat(80)).len(), 50);
        for name in ["Corner Shop & Co.", "--x--", "日本の店", "A b  C"] {
            assert!(crate::settings::check_slug(&slug_from(name)).is_ok(), "{name}");
        }
    }
}
