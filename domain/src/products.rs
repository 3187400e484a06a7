//! The store's catalogue: products with a unique SKU and a price in minor units; listed,
//! searched, created, edited, archived, imported from and exported to CSV.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Action, Changes};
use crate::billing::{self, Limited};
use crate::error::sqlstate;
use crate::figures::{self, Counter};
use crate::idempotency::{self, Creation, IdempotencyKey};
use crate::paging::{contains_pattern, search_text, ListQuery, Paging};
use crate::text::{self, Lines};
use crate::{Db, Error, FieldErrors, Permission, TenantScope, TenantTx};

pub const PAGE_SIZE: i64 = 25;
/// The most rows one CSV import may hold; larger catalogues import in parts.
pub const MAX_IMPORT_ROWS: usize = 5_000;

/// A product's name: trimmed, 1 to 200 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductName(String);

impl ProductName {
    pub const MAX_CHARS: usize = field_limits::PRODUCT_NAME;

    pub fn parse(input: &str) -> Result<ProductName, String> {
        text::required(input, Lines::One, ProductName::MAX_CHARS, "Enter the product's name.")
            .map(ProductName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stock-keeping unit: 1 to 64 letters, digits and `- _ . /`, unique in the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sku(String);

impl Sku {
    pub fn parse(input: &str) -> Result<Sku, String> {
        let sku = input.trim();
        if sku.is_empty() {
            return Err("Enter a SKU.".into());
        }
        if sku.chars().count() > field_limits::SKU {
            return Err(format!("Use at most {} characters.", field_limits::SKU));
        }
        if !sku.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')) {
            return Err("Use only letters, digits and - _ . / (no spaces).".into());
        }
        Ok(Sku(sku.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A product as typed into the form or a CSV row, before it is checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductInput {
    pub name: String,
    pub sku: String,
    /// As typed: `12.50`, `$1,200`.
    pub price: String,
}

/// A product's fields, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductDraft {
    pub name: ProductName,
    pub sku: Sku,
    pub price_cents: i64,
}

impl ProductDraft {
    /// Checks every field, reporting all problems at once.
    pub fn parse(input: &ProductInput, currency: &str) -> Result<ProductDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", ProductName::parse(&input.name));
        let sku = errors.check("sku", Sku::parse(&input.sku));
        let price_cents = errors.check("price", money::parse(&input.price, currency));
        match (name, sku, price_cents) {
            (Some(name), Some(sku), Some(price_cents)) => Ok(ProductDraft { name, sku, price_cents }),
            _ => Err(errors),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Product {
    pub id: i64,
    pub name: String,
    pub sku: String,
    pub price_cents: i64,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// The orders of a list, chosen from a fixed set (never from free text).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductSort {
    #[default]
    Name,
    NameDesc,
    PriceLow,
    PriceHigh,
    Newest,
    Sku,
}

impl ProductSort {
    pub const ALL: [ProductSort; 6] = [
        ProductSort::Name,
        ProductSort::NameDesc,
        ProductSort::PriceLow,
        ProductSort::PriceHigh,
        ProductSort::Newest,
        ProductSort::Sku,
    ];

    /// The name in URLs (`?sort=price-low`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProductSort::Name => "name",
            ProductSort::NameDesc => "name-desc",
            ProductSort::PriceLow => "price-low",
            ProductSort::PriceHigh => "price-high",
            ProductSort::Newest => "newest",
            ProductSort::Sku => "sku",
        }
    }

    pub fn parse(s: &str) -> Option<ProductSort> {
        ProductSort::ALL.into_iter().find(|sort| sort.as_str() == s)
    }

    fn order_by(self) -> &'static str {
        match self {
            ProductSort::Name => "lower(name), id",
            ProductSort::NameDesc => "lower(name) DESC, id DESC",
            ProductSort::PriceLow => "price_cents, id",
            ProductSort::PriceHigh => "price_cents DESC, id DESC",
            ProductSort::Newest => "created_at DESC, id DESC",
            ProductSort::Sku => "sku, id",
        }
    }
}

/// Which products to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductFilter {
    /// A part of the name or SKU.
    pub search: Option<String>,
    /// Archived products instead of the active ones.
    pub archived: bool,
    pub sort: ProductSort,
}

/// The columns of [`Product`].
const COLUMNS: &str = "id, name, sku, price_cents, archived_at, created_at";

/// The rows a [`ProductFilter`] selects: `$1` the store, `$2` archived or not, `$3` the search
/// pattern or NULL.
const FILTERED: &str = "tenant_id = $1 AND (archived_at IS NOT NULL) = $2
    AND ($3::text IS NULL OR name ILIKE $3 OR sku ILIKE $3)";

/// Page `page` of the store's products.
pub async fn list(
    db: &Db,
    scope: &TenantScope,
    filter: &ProductFilter,
    page: i64,
) -> Result<(Vec<Product>, Paging), Error> {
    let mut tx = db.read_tenant(scope).await?;
    let pattern = search_text(filter.search.as_deref()).map(contains_pattern);
    let rows = format!("products WHERE {FILTERED}");
    let page = ListQuery::new(COLUMNS, &rows, filter.sort.order_by())
        .bind(tx.tenant_id())
        .bind(filter.archived)
        .bind(pattern)
        .page(&mut tx, page, PAGE_SIZE)
        .await?;
    tx.end();
    Ok(page)
}

/// The first `limit` products of `filter`, for a form's choice (no count, no pages).
pub async fn list_for_choice(
    db: &Db,
    scope: &TenantScope,
    filter: &ProductFilter,
    limit: i64,
) -> Result<Vec<Product>, Error> {
    let mut tx = db.read_tenant(scope).await?;
    let pattern = search_text(filter.search.as_deref()).map(contains_pattern);
    let products = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM products
         WHERE {FILTERED}
         ORDER BY {} LIMIT $4",
        filter.sort.order_by()
    ))
    .bind(tx.tenant_id())
    .bind(filter.archived)
    .bind(&pattern)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    tx.end();
    Ok(products)
}

/// One product of the store, archived or not.
pub async fn get(db: &Db, scope: &TenantScope, id: i64) -> Result<Product, Error> {
    let mut tx = db.read_tenant(scope).await?;
    let product = fetch(&mut tx, id, false).await?;
    tx.end();
    Ok(product)
}

/// The store's product with this SKU.
pub async fn get_by_sku(db: &Db, scope: &TenantScope, sku: &str) -> Result<Product, Error> {
    let mut tx = db.read_tenant(scope).await?;
    let product =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM products WHERE tenant_id = $1 AND sku = $2"))
            .bind(tx.tenant_id())
            .bind(sku)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(Error::NotFound)?;
    tx.end();
    Ok(product)
}

async fn fetch(tx: &mut TenantTx, id: i64, for_update: bool) -> Result<Product, Error> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM products
         WHERE tenant_id = $1 AND id = $2{lock}"
    ))
    .bind(tx.tenant_id())
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(Error::NotFound)
}

/// Adds a product; returns its id (with a `key` used before, the product that key added).
pub async fn create(
    db: &Db,
    scope: &TenantScope,
    draft: &ProductDraft,
    key: Option<IdempotencyKey>,
) -> Result<i64, Error> {
    scope.require(Permission::WriteBusinessData)?;
    let mut tx = db.begin_tenant(scope).await?;
    if let Some(created) = idempotency::claim(&mut tx, key, Creation::Product).await? {
        return Ok(created);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO products (tenant_id, name, sku, price_cents) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(tx.tenant_id())
    .bind(draft.name.as_str())
    .bind(draft.sku.as_str())
    .bind(draft.price_cents)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| sku_taken(e.into(), &draft.sku))?;
    figures::count(&mut tx, Counter::ActiveProducts, 1).await?;
    billing::ensure_within_plan(&mut tx, Limited::Products).await?;
    let changes = Changes::new()
        .set("name", draft.name.as_str())
        .set("sku", draft.sku.as_str())
        .set("price_cents", draft.price_cents);
    audit::record(&mut tx, scope, Action::ProductCreated, &subject(id, draft.sku.as_str()), changes).await?;
    idempotency::remember(&mut tx, key, &id).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a product's fields.
pub async fn update(db: &Db, scope: &TenantScope, id: i64, draft: &ProductDraft) -> Result<(), Error> {
    scope.require(Permission::WriteBusinessData)?;
    let mut tx = db.begin_tenant(scope).await?;
    let before = fetch(&mut tx, id, true).await?;
    sqlx::query("UPDATE products SET name = $3, sku = $4, price_cents = $5 WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id())
        .bind(id)
        .bind(draft.name.as_str())
        .bind(draft.sku.as_str())
        .bind(draft.price_cents)
        .execute(&mut *tx)
        .await
        .map_err(|e| sku_taken(e.into(), &draft.sku))?;
    let changes = Changes::new()
        .diff("name", &before.name, draft.name.as_str())
        .diff("sku", &before.sku, draft.sku.as_str())
        .diff("price_cents", before.price_cents, draft.price_cents);
    if !changes.is_empty() {
        audit::record(&mut tx, scope, Action::ProductUpdated, &subject(id, draft.sku.as_str()), changes)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Archives a product (hidden from new orders and the active list, kept for old orders), or
/// brings it back.
pub async fn set_archived(db: &Db, scope: &TenantScope, id: i64, archived: bool) -> Result<(), Error> {
    scope.require(Permission::WriteBusinessData)?;
    let mut tx = db.begin_tenant(scope).await?;
    let before = fetch(&mut tx, id, true).await?;
    if before.archived_at.is_some() == archived {
        return Ok(());
    }
    // The time is the server's, bound as a value: Citus refuses now() inside CASE.
    sqlx::query("UPDATE products SET archived_at = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id())
        .bind(id)
        .bind(archived.then(Utc::now))
        .execute(&mut *tx)
        .await?;
    figures::count(&mut tx, Counter::ActiveProducts, if archived { -1 } else { 1 }).await?;
    if !archived {
        billing::ensure_within_plan(&mut tx, Limited::Products).await?;
    }
    let action = if archived { Action::ProductArchived } else { Action::ProductRestored };
    audit::record(&mut tx, scope, action, &subject(id, &before.sku), Changes::new()).await?;
    tx.commit().await?;
    Ok(())
}

fn subject(id: i64, sku: &str) -> String {
    format!("Product #{id} ({sku})")
}

/// A duplicate SKU, told in the SKU field; other errors pass through.
fn sku_taken(error: Error, sku: &Sku) -> Error {
    if error.sqlstate().as_deref() == Some(sqlstate::UNIQUE_VIOLATION) {
        FieldErrors::taken("sku", format!("Another product already has the SKU “{}”.", sku.as_str()))
    } else {
        error
    }
}

/// The CSV columns, in export order. Import needs `sku`, `name` and `price`, in any order;
/// `status` (`active` or `archived`) is optional.
pub const CSV_COLUMNS: [&str; 4] = ["sku", "name", "price", "status"];

/// What an import did, or why it did nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    /// `(line number in the file, message)`; when not empty, nothing was imported.
    pub problems: Vec<(usize, String)>,
}

/// Imports products from CSV, all or nothing: rows whose SKU exists update that product, the
/// others create products. Any problem in any row imports nothing and is reported by line.
pub async fn import_csv(db: &Db, scope: &TenantScope, csv_text: &str) -> Result<ImportReport, Error> {
    scope.require(Permission::WriteBusinessData)?;
    let currency = crate::settings::labels(db, scope).await?.currency;
    let drafts = match parse_csv(csv_text, &currency) {
        Ok(drafts) => drafts,
        Err(problems) => return Ok(ImportReport { problems, ..ImportReport::default() }),
    };
    let mut tx = db.begin_tenant_bulk(scope).await?;
    let tenant = tx.tenant_id();
    let mut report = ImportReport::default();
    // Bound as a value (not now() in SQL): Citus refuses volatile functions in ON CONFLICT.
    let now = Utc::now();
    for (draft, archived) in &drafts {
        // One statement per row keeps each row's outcome (created or updated) exact; the
        // transaction makes them all or nothing.
        let inserted: bool = sqlx::query_scalar(
            "INSERT INTO products (tenant_id, name, sku, price_cents, archived_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant_id, sku) DO UPDATE
               SET name = EXCLUDED.name, price_cents = EXCLUDED.price_cents,
                   archived_at = CASE WHEN $5 IS NULL THEN NULL ELSE coalesce(products.archived_at, $5) END
             RETURNING xmax = 0",
        )
        .bind(tenant)
        .bind(draft.name.as_str())
        .bind(draft.sku.as_str())
        .bind(draft.price_cents)
        .bind(archived.then_some(now))
        .fetch_one(&mut *tx)
        .await?;
        if inserted {
            report.created += 1;
        } else {
            report.updated += 1;
        }
    }
    figures::recount_products(&mut tx).await?;
    billing::ensure_within_plan(&mut tx, Limited::Products).await?;
    let changes = Changes::new().set("created", report.created).set("updated", report.updated);
    let subject = format!("{} products from CSV", drafts.len());
    audit::record(&mut tx, scope, Action::ProductsImported, &subject, changes).await?;
    tx.commit().await?;
    Ok(report)
}

type ImportRow = (ProductDraft, bool);

/// Every row checked; all problems reported at once, by line number.
fn parse_csv(csv_text: &str, currency: &str) -> Result<Vec<ImportRow>, Vec<(usize, String)>> {
    let mut reader =
        csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(csv_text.as_bytes());
    let headers = match reader.headers() {
        Ok(headers) => {
            headers.iter().map(|h| h.trim_start_matches('\u{feff}').to_lowercase()).collect::<Vec<_>>()
        }
        Err(e) => return Err(vec![(1, format!("The file is not CSV: {e}"))]),
    };
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(sku_at), Some(name_at), Some(price_at)) = (column("sku"), column("name"), column("price"))
    else {
        return Err(vec![(1, "The first line must name the columns sku, name and price.".into())]);
    };
    let status_at = column("status");
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        if rows.len() + problems.len() >= MAX_IMPORT_ROWS {
            problems.push((line, format!("A file may hold at most {MAX_IMPORT_ROWS} products.")));
            break;
        }
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                problems.push((line, format!("This line is not valid CSV: {e}")));
                continue;
            }
        };
        // A cell the export made safe for spreadsheets (`'=…`) reads back as it was stored.
        let field = |at: usize| text::from_csv_cell(record.get(at).unwrap_or_default()).to_owned();
        let input = ProductInput { name: field(name_at), sku: field(sku_at), price: field(price_at) };
        let archived = match status_at.map(field).as_deref() {
            None | Some("") | Some("active") => Ok(false),
            Some("archived") => Ok(true),
            Some(other) => Err(format!("status: “{other}” is neither active nor archived.")),
        };
        match (ProductDraft::parse(&input, currency), archived) {
            (Ok(draft), Ok(archived)) => {
                if let Some(first) = seen.insert(draft.sku.as_str().to_owned(), line) {
                    problems.push((line, format!("sku: “{}” is also on line {first}.", draft.sku.as_str())));
                } else {
                    rows.push((draft, archived));
                }
            }
            (draft, archived) => {
                let mut messages: Vec<String> = match draft {
                    Err(errors) => errors.iter().map(|(f, m)| format!("{f}: {m}")).collect(),
                    Ok(_) => Vec::new(),
                };
                messages.extend(archived.err());
                problems.push((line, messages.join(" ")));
            }
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push((2, "The file has no products below its header line.".into()));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Every product of the store as CSV (the import's format), archived ones included.
pub async fn export_csv(db: &Db, scope: &TenantScope) -> Result<String, Error> {
    let mut tx = db.begin_tenant_bulk(scope).await?;
    let products: Vec<Product> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM products WHERE tenant_id = $1 ORDER BY sku"))
            .bind(tx.tenant_id())
            .fetch_all(&mut *tx)
            .await?;
    let currency: String = sqlx::query_scalar("SELECT currency FROM tenants WHERE id = $1")
        .bind(tx.tenant_id())
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::Invalid(format!("could not write CSV: {e}"));
    writer.write_record(CSV_COLUMNS).map_err(io)?;
    for p in products {
        let price = money::to_input(p.price_cents, &currency);
        let status = if p.archived_at.is_some() { "archived" } else { "active" };
        let (sku, name) = (text::to_csv_cell(&p.sku), text::to_csv_cell(&p.name));
        writer.write_record([&*sku, &*name, price.as_str(), status]).map_err(io)?;
    }
    let bytes = writer.into_inner().map_err(|e| Error::Invalid(format!("could not write CSV: {e}")))?;
    Ok(String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, sku: &str, price: &str) -> ProductInput {
        ProductInput { name: name.into(), sku: sku.into(), price: price.into() }
    }

    #[test]
    fn a_draft_reports_every_field_at_once() {
        let errors = ProductDraft::parse(&input(" ", "has space", "12.345"), "USD").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["name", "sku", "price"]);
        let draft = ProductDraft::parse(&input(" Linen Tote ", "TOTE-1", "$12.50"), "USD").unwrap();
        assert_eq!(
            (draft.name.as_str(), draft.sku.as_str(), draft.price_cents),
            ("Linen Tote", "TOTE-1", 1250)
        );
    }

    #[test]
    fn csv_rows_are_checked_line_by_line() {
        let csv = "SKU,Name,Price\nA-1,Tote,12.50\nA-2,,3\nA-1,Again,1\nA 3,Tray,x\n";
        let problems = parse_csv(csv, "USD").unwrap_err();
        let lines: Vec<_> = problems.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [3, 4, 5]);
        assert!(problems[0].1.contains("name: Enter the product's name."), "{problems:?}");
        assert!(problems[1].1.contains("also on line 2"), "{problems:?}");
        assert!(problems[2].1.contains("sku:") && problems[2].1.contains("price:"), "{problems:?}");
    }

    #[test]
    fn csv_columns_may_come_in_any_order_with_a_status() {
        let rows =
            parse_csv("\u{feff}price,sku,name,status\n\"1,200.00\",B-1,\"Tray, walnut\",archived\n", "USD")
                .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0.price_cents, 120_000);
        assert_eq!(rows[0].0.name.as_str(), "Tray, walnut");
        assert!(rows[0].1);
        assert!(parse_csv("sku,name\nA,B\n", "USD").unwrap_err()[0].1.contains("sku, name and price"));
        assert!(parse_csv("sku,name,price\n", "USD").unwrap_err()[0].1.contains("no products"));
    }
}
