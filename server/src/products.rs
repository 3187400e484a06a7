//! The catalogue's file routes: CSV export (a download) and CSV import (a multipart upload
//! whose report the import page shows). Plain HTTP, so both work without JavaScript.

use app::products::import_report_key;
use app::session::CurrentStore;
use app::state::AppState;
use axum::extract::{Multipart, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::products::ImportReport;
use tower_sessions::Session;

/// The largest CSV file an import accepts.
pub const MAX_IMPORT_BYTES: usize = 2 * 1024 * 1024;

/// `GET /products/export.csv`: every product of the signed-in store.
pub async fn export(State(state): State<AppState>, CurrentStore(scope): CurrentStore) -> Response {
    match domain::products::export_csv(&state.db, &scope).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"products.csv\""),
                (header::CACHE_CONTROL, "no-store"),
            ],
            csv,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, tenant = %scope.tenant_id(), "could not export products");
            (StatusCode::SERVICE_UNAVAILABLE, "The export failed. Please try again in a moment.")
                .into_response()
        }
    }
}

/// `POST /products/import`: imports the uploaded file (all or nothing), leaves the report in
/// the session and shows it on the import page.
pub async fn import(
    State(state): State<AppState>,
    CurrentStore(scope): CurrentStore,
    session: Session,
    multipart: Multipart,
) -> Response {
    let report = match read_file(multipart).await {
        Err(problem) => whole_file_problem(problem),
        Ok(text) => match domain::products::import_csv(&state.db, &scope, &text).await {
            Ok(report) => report,
            Err(domain::Error::Forbidden) => {
                whole_file_problem("Your role does not allow importing products.")
            }
            Err(error) => {
                tracing::error!(%error, tenant = %scope.tenant_id(), "product import failed");
                whole_file_problem(
                    "The import failed on our side and nothing was imported. Please try again.",
                )
            }
        },
    };
    tracing::info!(
        tenant = %scope.tenant_id(),
        account = %scope.account_id(),
        created = report.created,
        updated = report.updated,
        problems = report.problems.len(),
        "product import"
    );
    if let Err(error) = session.insert(&import_report_key(scope.tenant_id()), report).await {
        tracing::error!(%error, "could not keep the import report");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    Redirect::to("/products/import").into_response()
}

/// The uploaded file's text.
async fn read_file(mut multipart: Multipart) -> Result<String, &'static str> {
    while let Some(field) =
        multipart.next_field().await.map_err(|_| "The upload did not arrive whole. Try again.")?
    {
        if field.name() != Some("file") {
            continue;
        }
        let bytes = field.bytes().await.map_err(|_| "The file is larger than 2 MB. Import it in parts.")?;
        if bytes.is_empty() {
            return Err("The file is empty.");
        }
        return String::from_utf8(bytes.to_vec())
            .map_err(|_| "The file is not UTF-8 text. Save it as CSV (UTF-8).");
    }
    Err("Choose a CSV file to import.")
}

fn whole_file_problem(problem: &str) -> ImportReport {
    ImportReport { problems: vec![(0, problem.to_owned())], ..ImportReport::default() }
}
