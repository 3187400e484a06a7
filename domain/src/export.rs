//! The store's data as a zip: a CSV file per table and a manifest, written as it is read, from
//! one consistent snapshot. Only owners export.

use chrono::Utc;
use futures::{AsyncWriteExt, StreamExt};
use serde::Serialize;

use crate::audit::{self, Action, Changes};
use crate::{Db, Error, Permission, TenantScope, TenantTx};

/// The files of an export: name and the query behind it. `{tenant}` is replaced by the store's
/// id (an integer, never text: COPY takes no parameters). Text that people typed is written as
/// spreadsheet-safe cells ([`crate::text::sql_csv_cell`]).
fn files() -> [(&'static str, String); 7] {
    use crate::text::sql_csv_cell as cell;
    [
        (
            "store.csv",
            format!(
                "SELECT t.id, {}, {}, t.plan_id, t.status, t.currency, t.time_zone, t.created_at
                 FROM tenants t JOIN tenant_slugs s ON s.tenant_id = t.id WHERE t.id = {{tenant}}",
                cell("t.name"),
                cell("s.slug")
            ),
        ),
        (
            "members.csv",
            format!(
                "SELECT {}, m.role, m.created_at AS joined_at FROM memberships m
                 JOIN accounts a ON a.id = m.account_id WHERE m.tenant_id = {{tenant}} ORDER BY a.email",
                cell("a.email")
            ),
        ),
        (
            "products.csv",
            format!(
                "SELECT id, {}, {}, price_cents, archived_at, created_at FROM products
                 WHERE tenant_id = {{tenant}} ORDER BY id",
                cell("sku"),
                cell("name")
            ),
        ),
        (
            "customers.csv",
            format!(
                "SELECT id, {}, {}, created_at FROM customers WHERE tenant_id = {{tenant}} ORDER BY id",
                cell("name"),
                cell("email")
            ),
        ),
        (
            "orders.csv",
            "SELECT id, number, customer_id, status, total_cents, created_at FROM orders WHERE tenant_id = {tenant} ORDER BY id"
                .to_owned(),
        ),
        (
            "order_items.csv",
            "SELECT id, order_id, product_id, quantity, unit_price_cents FROM order_items
             WHERE tenant_id = {tenant} ORDER BY id"
                .to_owned(),
        ),
        (
            "audit_events.csv",
            format!(
                "SELECT id, occurred_at, {}, action, {}, {} FROM audit_events
                 WHERE tenant_id = {{tenant}} ORDER BY id",
                cell("actor"),
                cell("subject"),
                cell("changes")
            ),
        ),
    ]
}

#[derive(Serialize)]
struct Manifest {
    store_id: i64,
    store_name: String,
    exported_at: chrono::DateTime<Utc>,
    exported_by: String,
    format: &'static str,
    files: Vec<ManifestFile>,
}

#[derive(Serialize)]
struct ManifestFile {
    name: &'static str,
    rows: i64,
}

/// Checks that the member may export and records that they did. Call before streaming starts,
/// so a refusal is an answer and not a broken download.
pub async fn begin(db: &Db, scope: &TenantScope) -> Result<(), Error> {
    scope.require(Permission::ExportStore)?;
    let mut tx = db.begin_tenant(scope).await?;
    audit::record(&mut tx, scope, Action::StoreExported, "All the store's data", Changes::new()).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes the zip to `out`, table by table, as the database sends the rows.
pub async fn write_zip<W>(db: &Db, scope: &TenantScope, out: W) -> Result<(), Error>
where
    W: tokio::io::AsyncWrite + Unpin + Send,
{
    scope.require(Permission::ExportStore)?;
    let mut tx = db.begin_tenant_bulk(scope).await?;
    // Every file from the same snapshot: an order written during the export is in all files
    // or in none.
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    let tenant = tx.tenant_id().get().to_string();
    let store_name: String = sqlx::query_scalar("SELECT name FROM tenants WHERE id = $1")
        .bind(tx.tenant_id())
        .fetch_one(&mut *tx)
        .await?;
    let mut zip = async_zip::tokio::write::ZipFileWriter::with_tokio(out);
    let mut files = Vec::new();
    for (name, query) in self::files() {
        let query = query.replace("{tenant}", &tenant);
        let rows = copy_into(&mut tx, &mut zip, name, &query).await?;
        files.push(ManifestFile { name, rows });
    }
    let manifest = Manifest {
        store_id: tx.tenant_id().get(),
        store_name,
        exported_at: Utc::now(),
        exported_by: scope.email().to_owned(),
        format:
            "CSV, UTF-8, comma-separated, a header line first; amounts in minor units of the store's currency",
        files,
    };
    let manifest = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Io(e.to_string()))?;
    let entry = async_zip::ZipEntryBuilder::new("manifest.json".into(), async_zip::Compression::Deflate);
    zip.write_entry_whole(entry, &manifest).await.map_err(zip_error)?;
    zip.close().await.map_err(zip_error)?;
    tx.commit().await?;
    Ok(())
}

/// One file: the query's rows as CSV, streamed from COPY into a compressed zip entry.
async fn copy_into<W>(
    tx: &mut TenantTx,
    zip: &mut async_zip::tokio::write::ZipFileWriter<W>,
    name: &'static str,
    query: &str,
) -> Result<i64, Error>
where
    W: tokio::io::AsyncWrite + Unpin + Send,
{
    let rows: i64 =
        sqlx::query_scalar(&format!("SELECT count(*) FROM ({query}) AS rows")).fetch_one(&mut **tx).await?;
    let entry = async_zip::ZipEntryBuilder::new(name.into(), async_zip::Compression::Deflate);
    let mut file = zip.write_entry_stream(entry).await.map_err(zip_error)?;
    let mut copy = tx.copy_out_raw(&format!("COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)")).await?;
    while let Some(chunk) = copy.next().await {
        file.write_all(&chunk?).await.map_err(|e| Error::Io(e.to_string()))?;
    }
    drop(copy);
    file.close().await.map_err(zip_error)?;
    Ok(rows)
}

fn zip_error(error: async_zip::error::ZipError) -> Error {
    Error::Io(error.to_string())
}
