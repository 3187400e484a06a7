//! Customers: the server functions behind the customer pages, and what they send.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::paging::PagingView;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomersQuery {
    pub q: String,
    pub sort: String,
    pub page: i64,
}

impl CustomersQuery {
    pub fn href(&self, page: i64) -> String {
        let page = page.to_string();
        crate::paging::href("/customers", &[("q", &self.q), ("sort", &self.sort), ("page", &page)])
    }
}

pub const SORTS: [(&str, &str); 3] = [("name", "Name A–Z"), ("newest", "Newest first"), ("email", "Email")];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub orders: i64,
    pub spent_cents: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerList {
    pub customers: Vec<CustomerRow>,
    pub paging: PagingView,
    pub store_name: String,
    pub currency: String,
    pub can_write: bool,
}

/// One customer for its page; `None` for the page of a new customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPage {
    pub customer: Option<CustomerRow>,
    pub store_name: String,
    pub currency: String,
    pub can_write: bool,
    /// This showing of the form's idempotency key (used when it creates a customer).
    pub form_key: String,
}

#[cfg(feature = "ssr")]
impl From<domain::customers::Customer> for CustomerRow {
    fn from(c: domain::customers::Customer) -> Self {
        CustomerRow { id: c.id, name: c.name, email: c.email, orders: c.orders, spent_cents: c.spent_cents }
    }
}

#[server(endpoint = "list_customers", input = leptos::server_fn::codec::Json)]
pub async fn list_customers(query: CustomersQuery) -> Result<CustomerList, AppError> {
    use domain::customers::CustomerSort;

    let (state, scope) = crate::session::current_store().await?;
    let sort = match query.sort.as_str() {
        "" => CustomerSort::default(),
        other => CustomerSort::parse(other)
            .ok_or_else(|| AppError::Invalid(format!("There is no sort “{other}”.")))?,
    };
    let (customers, paging) =
        domain::customers::list(&state.db, &scope, Some(&query.q), sort, query.page).await?;
    let labels = domain::settings::labels(&state.db, &scope).await?;
    Ok(CustomerList {
        customers: customers.into_iter().map(CustomerRow::from).collect(),
        paging: paging.into(),
        store_name: labels.name,
        currency: labels.currency,
        can_write: scope.may(domain::Permission::WriteBusinessData),
    })
}

#[server(endpoint = "get_customer")]
pub async fn get_customer(id: Option<i64>) -> Result<CustomerPage, AppError> {
    let (state, scope) = crate::session::current_store().await?;
    let customer = match id {
        Some(id) => Some(CustomerRow::from(domain::customers::get(&state.db, &scope, id).await?)),
        None => None,
    };
    let labels = domain::settings::labels(&state.db, &scope).await?;
    Ok(CustomerPage {
        customer,
        store_name: labels.name,
        currency: labels.currency,
        can_write: scope.may(domain::Permission::WriteBusinessData),
        form_key: domain::idempotency::IdempotencyKey::new().to_string(),
    })
}

/// Creates a customer (`id` empty) or saves customer `id`, then shows it.
#[server(endpoint = "save_customer")]
pub async fn save_customer(
    id: Option<i64>,
    name: String,
    email: String,
    #[server(default)] idempotency_key: String,
) -> Result<(), AppError> {
    use domain::customers::{CustomerDraft, CustomerInput};

    let key = crate::form_key::parse(&idempotency_key)?;
    let typed = [
        ("name", name.as_str()),
        ("email", email.as_str()),
        (crate::form_key::FIELD, idempotency_key.as_str()),
    ];
    let result = async {
        let (state, scope) = crate::session::current_store().await?;
        let input = CustomerInput { name: name.clone(), email: email.clone() };
        let draft = CustomerDraft::parse(&input).map_err(domain::Error::Fields)?;
        let (id, saved) = match id {
            Some(id) => {
                domain::customers::update(&state.db, &scope, id, &draft).await?;
                (id, "updated")
            }
            None => (domain::customers::create(&state.db, &scope, &draft, key).await?, "created"),
        };
        tracing::info!(customer = id, saved, account = %scope.account_id(), "customer saved");
        leptos_axum::redirect(&format!("/customers/{id}?saved={saved}"));
        Ok::<(), AppError>(())
    };
    crate::session::boxed(result).await.map_err(|e| e.with_values(&typed))
}
