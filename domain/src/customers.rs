//! The store's customers: listed, searched, created and edited. Emails are unique per store.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::accounts::Email;
use crate::audit::{self, Action, Changes};
use crate::error::sqlstate;
use crate::figures::{self, Counter};
use crate::idempotency::{self, Creation, IdempotencyKey};
use crate::paging::{contains_pattern, search_text, ListQuery, Paging};
use crate::text::{self, Lines};
use crate::{Db, Error, FieldErrors, Permission, TenantScope, TenantTx};

pub const PAGE_SIZE: i64 = 25;
pub const MAX_NAME_CHARS: usize = field_limits::CUSTOMER_NAME;

/// A customer as typed into the form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerInput {
    pub name: String,
    pub email: String,
}

/// A customer's fields, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerDraft {
    pub name: String,
    pub email: Email,
}

impl CustomerDraft {
    pub fn parse(input: &CustomerInput) -> Result<CustomerDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check(
            "name",
            text::required(&input.name, Lines::One, MAX_NAME_CHARS, "Enter the customer's name."),
        );
        let email = errors.check("email", Email::parse(&input.email));
        match (name, email) {
            (Some(name), Some(email)) => Ok(CustomerDraft { name, email }),
            _ => Err(errors),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Customer {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub created_at: DateTime<Utc>,
    /// Orders placed, and their total (cancelled orders left out), in minor units.
    pub orders: i64,
    pub spent_cents: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomerSort {
    #[default]
    Name,
    Newest,
    Email,
}

impl CustomerSort {
    pub const ALL: [CustomerSort; 3] = [CustomerSort::Name, CustomerSort::Newest, CustomerSort::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            CustomerSort::Name => "name",
            CustomerSort::Newest => "newest",
            CustomerSort::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<CustomerSort> {
        CustomerSort::ALL.into_iter().find(|sort| sort.as_str() == s)
    }

    fn order_by(self) -> &'static str {
        match self {
            CustomerSort::Name => "lower(c.name), c.id",
            CustomerSort::Newest => "c.created_at DESC, c.id DESC",
            CustomerSort::Email => "c.email, c.id",
        }
    }
}

/// Every query that uses these binds the store as `$1`: the subqueries name it by that value,
/// not by `c.tenant_id`, so that Citus sends the whole query to the store's shard.
const CUSTOMER_COLUMNS: &str = "c.id, c.name, c.email, c.created_at,
    (SELECT count(*) FROM orders o WHERE o.tenant_id = $1 AND o.customer_id = c.id) AS orders,
    (SELECT coalesce(sum(o.total_cents), 0)::bigint FROM orders o
      WHERE o.tenant_id = $1 AND o.customer_id = c.id AND o.status NOT IN ('cancelled', 'refunded')) AS spent_cents";

/// Page `page` of the store's customers whose name or email contains `search`.
pub async fn list(
    db: &Db,
    scope: &TenantScope,
    search: Option<&str>,
    sort: CustomerSort,
    page: i64,
) -> Result<(Vec<Customer>, Paging), Error> {
    let mut tx = db.read_tenant(scope).await?;
    let pattern = search_text(search).map(contains_pattern);
    let rows = "customers c
                WHERE c.tenant_id = $1 AND ($2::text IS NULL OR c.name ILIKE $2 OR c.email ILIKE $2)";
    let page = ListQuery::new(CUSTOMER_COLUMNS, rows, sort.order_by())
        .bind(tx.tenant_id())
        .bind(pattern)
        .page(&mut tx, page, PAGE_SIZE)
        .await?;
    tx.end();
    Ok(page)
}

pub async fn get(db: &Db, scope: &TenantScope, id: i64) -> Result<Customer, Error> {
    let mut tx = db.read_tenant(scope).await?;
    let customer = fetch(&mut tx, id).await?;
    tx.end();
    Ok(customer)
}

async fn fetch(tx: &mut TenantTx, id: i64) -> Result<Customer, Error> {
    sqlx::query_as(&format!(
        "SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE c.tenant_id = $1 AND c.id = $2"
    ))
    .bind(tx.tenant_id())
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(Error::NotFound)
}

pub async fn create(
    db: &Db,
    scope: &TenantScope,
    draft: &CustomerDraft,
    key: Option<IdempotencyKey>,
) -> Result<i64, Error> {
    scope.require(Permission::WriteBusinessData)?;
    let mut tx = db.begin_tenant(scope).await?;
    if let Some(created) = idempotency::claim(&mut tx, key, Creation::Customer).await? {
        return Ok(created);
    }
    let id: i64 =
        sqlx::query_scalar("INSERT INTO customers (tenant_id, name, email) VALUES ($1, $2, $3) RETURNING id")
            .bind(tx.tenant_id())
            .bind(&draft.name)
            .bind(draft.email.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| email_taken(e.into(), &draft.email))?;
    figures::count(&mut tx, Counter::Customers, 1).await?;
    let changes = Changes::new().set("name", &draft.name).set("email", draft.email.as_str());
    audit::record(&mut tx, scope, Action::CustomerCreated, &format!("Customer #{id}"), changes).await?;
    idempotency::remember(&mut tx, key, &id).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(db: &Db, scope: &TenantScope, id: i64, draft: &CustomerDraft) -> Result<(), Error> {
    scope.require(Permission::WriteBusinessData)?;
    let mut tx = db.begin_tenant(scope).await?;
    let before: (String, String) =
        sqlx::query_as("SELECT name, email FROM customers WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
            .bind(tx.tenant_id())
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound)?;
    sqlx::query("UPDATE customers SET name = $3, email = $4 WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id())
        .bind(id)
        .bind(&draft.name)
        .bind(draft.email.as_str())
        .execute(&mut *tx)
        .await
        .map_err(|e| email_taken(e.into(), &draft.email))?;
    let changes =
        Changes::new().diff("name", &before.0, &draft.name).diff("email", &before.1, draft.email.as_str());
    if !changes.is_empty() {
        audit::record(&mut tx, scope, Action::CustomerUpdated, &format!("Customer #{id}"), changes).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Customers for the order form's choice: the first `limit` by name whose name or email
/// contains `search`.
pub async fn choices(
    db: &Db,
    scope: &TenantScope,
    search: Option<&str>,
    limit: i64,
) -> Result<Vec<(i64, String, String)>, Error> {
    let mut tx = db.read_tenant(scope).await?;
    let pattern = search_text(search).map(contains_pattern);
    let rows = sqlx::query_as(
        "SELECT id, name, email FROM customers
         WHERE tenant_id = $1 AND ($2::text IS NULL OR name ILIKE $2 OR email ILIKE $2)
         ORDER BY lower(name), id LIMIT $3",
    )
    .bind(tx.tenant_id())
    .bind(&pattern)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    tx.end();
    Ok(rows)
}

fn email_taken(error: Error, email: &Email) -> Error {
    if error.sqlstate().as_deref() == Some(sqlstate::UNIQUE_VIOLATION) {
        FieldErrors::taken("email", format!("Another customer already has the email {}.", email.as_str()))
    } else {
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_needs_a_name_and_an_email() {
        let errors =
            CustomerDraft::parse(&CustomerInput { name: "  ".into(), email: "nope".into() }).unwrap_err();
        assert_eq!(errors.iter().map(|(f, _)| f).collect::<Vec<_>>(), ["name", "email"]);
        let draft =
            CustomerDraft::parse(&CustomerInput { name: " Ada ".into(), email: " Ada@Example.COM ".into() })
                .unwrap();
        assert_eq!((draft.name.as_str(), draft.email.as_str()), ("Ada", "ada@example.com"));
    }
}
