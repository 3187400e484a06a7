//! A store's own settings: its name, its URL slug (unique across the platform), its currency
//! and time zone.

use crate::text::{self, Lines};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Action, Changes};
use crate::error::sqlstate;
use crate::figures::{self, Stores};
use crate::{Db, Error, FieldErrors, Permission, TenantScope, TenantTx};

/// A store's name, as its people see it: 1 to 100 characters on one line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreName(String);

impl StoreName {
    pub const MAX_CHARS: usize = field_limits::STORE_NAME;

    pub fn parse(input: &str) -> Result<StoreName, String> {
        text::required(input, Lines::One, StoreName::MAX_CHARS, "Enter the store's name.").map(StoreName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What every store page shows of the store: its name, and the currency of its amounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct StoreLabels {
    pub name: String,
    pub currency: String,
}

pub async fn labels(db: &Db, scope: &TenantScope) -> Result<StoreLabels, Error> {
    Ok(sqlx::query_as("SELECT name, currency FROM tenants WHERE id = $1")
        .bind(scope.tenant_id())
        .fetch_one(db.pool())
        .await?)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct StoreSettings {
    pub name: String,
    pub slug: String,
    pub currency: String,
    pub time_zone: String,
}

/// The settings as typed into the form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsInput {
    pub name: String,
    pub slug: String,
    pub currency: String,
    pub time_zone: String,
}

pub async fn get(db: &Db, scope: &TenantScope) -> Result<StoreSettings, Error> {
    let mut tx = db.read_tenant(scope).await?;
    let settings = fetch(&mut tx, false).await?;
    tx.end();
    Ok(settings)
}

async fn fetch(tx: &mut TenantTx, for_update: bool) -> Result<StoreSettings, Error> {
    let lock = if for_update { " FOR UPDATE OF t" } else { "" };
    Ok(sqlx::query_as(&format!(
        "SELECT t.name, s.slug, t.currency, t.time_zone FROM tenants t
         JOIN tenant_slugs s ON s.tenant_id = t.id WHERE t.id = $1{lock}"
    ))
    .bind(tx.tenant_id())
    .fetch_one(&mut **tx)
    .await?)
}

/// The time zones a store may choose (the database's own list, which its date arithmetic uses).
pub async fn time_zones(db: &Db) -> Result<Vec<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT name FROM pg_timezone_names WHERE name !~ '^(posix|Etc)/' AND name ~ '/|^UTC$' ORDER BY name",
    )
    .fetch_all(db.pool())
    .await?)
}

/// Checks and saves the settings; owners and admins only.
pub async fn update(db: &Db, scope: &TenantScope, input: &SettingsInput) -> Result<(), Error> {
    scope.require(Permission::ManageSettings)?;
    let mut errors = FieldErrors::new();
    let name = errors.check("name", StoreName::parse(&input.name)).unwrap_or_default();
    let slug = input.slug.trim().to_lowercase();
    if let Err(problem) = check_slug(&slug) {
        errors.add("slug", problem);
    }
    let currency = input.currency.trim();
    if money::Currency::find(currency).is_none() {
        errors.add("currency", "Choose a currency from the list.");
    }
    let time_zone = input.time_zone.trim();
    // Checked before the lookup: the database cannot even compare a NUL.
    let known_zone: bool = text::check(time_zone, Lines::One, 64).is_ok()
        && sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)")
            .bind(time_zone)
            .fetch_one(db.pool())
            .await?;
    if !known_zone {
        errors.add("time_zone", "Choose a time zone from the list.");
    }
    errors.into_result()?;

    let mut tx = db.begin_tenant(scope).await?;
    // Before the store's row: orders take the figures first, then nothing of the store's row.
    figures::hold(&mut tx).await?;
    let before = fetch(&mut tx, true).await?;
    sqlx::query("UPDATE tenants SET name = $2, currency = $3, time_zone = $4, slug = $5 WHERE id = $1")
        .bind(tx.tenant_id())
        .bind(&name.0)
        .bind(currency)
        .bind(time_zone)
        .bind(&slug)
        .execute(&mut *tx)
        .await?;
    if slug != before.slug {
        sqlx::query("UPDATE tenant_slugs SET slug = $2 WHERE tenant_id = $1")
            .bind(tx.tenant_id())
            .bind(&slug)
            .execute(&mut *tx)
            .await
            .map_err(|e| match Error::from(e) {
                e if e.sqlstate().as_deref() == Some(sqlstate::UNIQUE_VIOLATION) => {
                    FieldErrors::taken("slug", format!("The address “{slug}” is taken. Choose another."))
                }
                e => e,
            })?;
    }
    if time_zone != before.time_zone {
        // Orders near midnight move to another day of the store's calendar.
        let tenant = tx.tenant_id();
        figures::rebuild(&mut tx, Stores::One(tenant)).await?;
    }
    let changes = Changes::new()
        .diff("name", &before.name, name.as_str())
        .diff("slug", &before.slug, &slug)
        .diff("currency", &before.currency, currency)
        .diff("time_zone", &before.time_zone, time_zone);
    if !changes.is_empty() {
        audit::record(&mut tx, scope, Action::SettingsChanged, "Store settings", changes).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes the store and all its data, once `confirmation` is the store's name as it is. The
/// people keep their accounts and their other stores. Owners only.
pub async fn delete_store(db: &Db, scope: &TenantScope, confirmation: &str) -> Result<(), Error> {
    scope.require(Permission::DeleteStore)?;
    let mut tx = db.begin_tenant(scope).await?;
    let (name, billing_status): (String, Option<String>) =
        sqlx::query_as("SELECT name, billing_status FROM tenants WHERE id = $1 FOR UPDATE")
            .bind(tx.tenant_id())
            .fetch_one(&mut *tx)
            .await?;
    // Deleting the store would leave its subscription charging for nothing.
    if matches!(billing_status.as_deref(), Some("trialing" | "active")) {
        return Err(Error::Invalid(
            "This store has a running subscription. Cancel it on the Billing page first, then delete the store."
                .into(),
        ));
    }
    if confirmation.trim() != name {
        return Err(FieldErrors::single(
            "confirmation",
            format!("Type the store's name, {name}, exactly as it is."),
        ));
    }
    // Not reached by the deletion's cascade (nothing points them at the store's row).
    sqlx::query("DELETE FROM idempotency_keys WHERE tenant_id = $1")
        .bind(tx.tenant_id())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM tenant_slugs WHERE tenant_id = $1")
        .bind(tx.tenant_id())
        .execute(&mut *tx)
        .await?;
    // Memberships, invitations, the audit log and every tenant table go with it (ON DELETE CASCADE).
    sqlx::query("DELETE FROM tenants WHERE id = $1").bind(tx.tenant_id()).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// A store's address: lower-case letters, digits and inner hyphens, 1 to 63 characters (the
/// same rule as the database's CHECK, said in words).
pub fn check_slug(slug: &str) -> Result<(), String> {
    let valid_chars = slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if slug.is_empty() {
        Err("Enter an address for the store.".into())
    } else if slug.len() > field_limits::STORE_ADDRESS {
        Err(format!("Use at most {} characters.", field_limits::STORE_ADDRESS))
    } else if !valid_chars {
        Err("Use only lower-case letters, digits and hyphens.".into())
    } else if slug.starts_with('-') || slug.ends_with('-') {
        Err("Start and end with a letter or digit.".into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_the_databases_rule() {
        assert!(check_slug("corner-shop-2").is_ok());
        assert!(check_slug("a").is_ok());
        for bad in ["", "-shop", "shop-", "Shop", "my shop", "café", &"a".repeat(64)] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }
}
