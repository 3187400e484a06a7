//! Products: the server functions behind the catalogue pages, and what they send.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::paging::PagingView;

/// The list's search, sort, archive switch and page, as in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductsQuery {
    pub q: String,
    pub sort: String,
    pub archived: bool,
    pub page: i64,
}

impl ProductsQuery {
    pub fn href(&self, page: i64) -> String {
        let page = page.to_string();
        let archived = if self.archived { "1" } else { "" };
        crate::paging::href(
            "/products",
            &[("q", &self.q), ("sort", &self.sort), ("archived", archived), ("page", &page)],
        )
    }
}

/// The sorts the list offers: URL value and label.
pub const SORTS: [(&str, &str); 6] = [
    ("name", "Name A–Z"),
    ("name-desc", "Name Z–A"),
    ("price-low", "Price, low to high"),
    ("price-high", "Price, high to low"),
    ("newest", "Newest first"),
    ("sku", "SKU"),
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRow {
    pub id: i64,
    pub name: String,
    pub sku: String,
    pub price_cents: i64,
    pub archived: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductList {
    pub products: Vec<ProductRow>,
    pub paging: PagingView,
    pub store_name: String,
    pub currency: String,
    pub can_write: bool,
}

/// One product for its page; `None` for the page of a new product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPage {
    pub product: Option<ProductRow>,
    /// The price as the form shows it (`12.50`).
    pub price_input: String,
    pub store_name: String,
    pub currency: String,
    pub can_write: bool,
    /// This showing of the form's idempotency key (used when it creates a product).
    pub form_key: String,
}

#[cfg(feature = "ssr")]
impl From<domain::products::Product> for ProductRow {
    fn from(p: domain::products::Product) -> Self {
        ProductRow {
            id: p.id,
            name: p.name,
            sku: p.sku,
            price_cents: p.price_cents,
            archived: p.archived_at.is_some(),
        }
    }
}

#[server(endpoint = "list_products", input = leptos::server_fn::codec::Json)]
pub async fn list_products(query: ProductsQuery) -> Result<ProductList, AppError> {
    use domain::products::{ProductFilter, ProductSort};

    let (state, scope) = crate::session::current_store().await?;
    let sort = match query.sort.as_str() {
        "" => ProductSort::default(),
        other => ProductSort::parse(other)
            .ok_or_else(|| AppError::Invalid(format!("There is no sort “{other}”.")))?,
    };
    let filter = ProductFilter { search: Some(query.q), archived: query.archived, sort };
    let (products, paging) = domain::products::list(&state.db, &scope, &filter, query.page).await?;
    let labels = domain::settings::labels(&state.db, &scope).await?;
    Ok(ProductList {
        products: products.into_iter().map(ProductRow::from).collect(),
        paging: paging.into(),
        store_name: labels.name,
        currency: labels.currency,
        can_write: scope.may(domain::Permission::WriteBusinessData),
    })
}

/// The product `id` of the signed-in store, or the blank form's labels when `id` is `None`.
#[server(endpoint = "get_product")]
pub async fn get_product(id: Option<i64>) -> Result<ProductPage, AppError> {
    let (state, scope) = crate::session::current_store().await?;
    let product = match id {
        Some(id) => Some(ProductRow::from(domain::products::get(&state.db, &scope, id).await?)),
        None => None,
    };
    let labels = domain::settings::labels(&state.db, &scope).await?;
    Ok(ProductPage {
        price_input: product
            .as_ref()
            .map(|p| money::to_input(p.price_cents, &labels.currency))
            .unwrap_or_default(),
        product,
        store_name: labels.name,
        currency: labels.currency,
        can_write: scope.may(domain::Permission::WriteBusinessData),
        form_key: domain::idempotency::IdempotencyKey::new().to_string(),
    })
}

/// Creates a product (`id` empty) or saves product `id`, then shows it.
#[server(endpoint = "save_product")]
pub async fn save_product(
    id: Option<i64>,
    name: String,
    sku: String,
    price: String,
    #[server(default)] idempotency_key: String,
) -> Result<(), AppError> {
    use domain::products::{ProductDraft, ProductInput};

    let key = crate::form_key::parse(&idempotency_key)?;
    let typed = [
        ("name", name.as_str()),
        ("sku", sku.as_str()),
        ("price", price.as_str()),
        (crate::form_key::FIELD, idempotency_key.as_str()),
    ];
    let result = async {
        let (state, scope) = crate::session::current_store().await?;
        let currency = domain::settings::labels(&state.db, &scope).await?.currency;
        let input = ProductInput { name: name.clone(), sku: sku.clone(), price: price.clone() };
        let draft = ProductDraft::parse(&input, &currency).map_err(domain::Error::Fields)?;
        let (id, saved) = match id {
            Some(id) => {
                domain::products::update(&state.db, &scope, id, &draft).await?;
                (id, "updated")
            }
            None => (domain::products::create(&state.db, &scope, &draft, key).await?, "created"),
        };
        tracing::info!(product = id, saved, account = %scope.account_id(), "product saved");
        leptos_axum::redirect(&format!("/products/{id}?saved={saved}"));
        Ok::<(), AppError>(())
    };
    crate::session::boxed(result).await.map_err(|e| e.with_values(&typed))
}

/// Archives product `id` (or restores it with `archived = false`).
#[server(endpoint = "archive_product")]
pub async fn archive_product(id: i64, archived: bool) -> Result<(), AppError> {
    let (state, scope) = crate::session::current_store().await?;
    domain::products::set_archived(&state.db, &scope, id, archived).await?;
    let saved = if archived { "archived" } else { "restored" };
    leptos_axum::redirect(&format!("/products/{id}?saved={saved}"));
    Ok(())
}

/// The report of the signed-in member's last CSV import, once (it is removed as it is read).
#[server(endpoint = "last_import_report")]
pub async fn last_import_report() -> Result<ImportPage, AppError> {
    let (state, scope) = crate::session::current_store().await?;
    let session = crate::session::current_session()?;
    let key = import_report_key(scope.tenant_id());
    let report = session.remove::<domain::products::ImportReport>(&key).await.map_err(|error| {
        tracing::error!(%error, "could not read the session");
        AppError::Unavailable
    })?;
    let labels = domain::settings::labels(&state.db, &scope).await?;
    Ok(ImportPage {
        report: report.map(|r| ImportOutcome {
            created: r.created,
            updated: r.updated,
            problems: r.problems,
        }),
        store_name: labels.name,
        can_write: scope.may(domain::Permission::WriteBusinessData),
    })
}

/// The session key under which the import handler leaves its report for the import page: one
/// per store, so a person who imports into one store and switches to another never sees the
/// first store's report (its lines quote that store's rows) under the second store's name.
#[cfg(feature = "ssr")]
pub fn import_report_key(tenant: domain::TenantId) -> String {
    format!("import_report:{tenant}")
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub created: usize,
    pub updated: usize,
    /// `(line, problem)`: when not empty, nothing was imported.
    pub problems: Vec<(usize, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPage {
    pub report: Option<ImportOutcome>,
    pub store_name: String,
    pub can_write: bool,
}
