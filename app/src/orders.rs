//! Orders: the server functions behind the orders pages, and what they send to the browser.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The statuses an order can have, in the order they usually happen.
pub const STATUSES: [&str; 6] = ["pending", "paid", "shipped", "delivered", "cancelled", "refunded"];

/// The list's filters and page, as they appear in the URL (`?status=&from=&to=&page=`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrdersQuery {
    pub status: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<i64>,
}

impl OrdersQuery {
    /// The URL of `page` with the same filters.
    pub fn href_for_page(&self, page: i64) -> String {
        let mut pairs = Vec::new();
        for (key, value) in [("status", &self.status), ("from", &self.from), ("to", &self.to)] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                pairs.push(format!("{key}={value}"));
            }
        }
        pairs.push(format!("page={page}"));
        format!("/orders?{}", pairs.join("&"))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub id: i64,
    /// The order's number in its store, which is how people name it (#1001); the id is for URLs.
    pub number: i64,
    pub customer_name: String,
    pub status: String,
    pub total_cents: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderList {
    pub orders: Vec<OrderSummary>,
    pub matching: i64,
    pub page: i64,
    pub pages: i64,
    pub store_name: String,
    pub currency: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineView {
    pub product_name: String,
    pub sku: String,
    pub quantity: i32,
    pub unit_price_cents: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: i64,
    pub number: i64,
    pub status: String,
    pub total_cents: i64,
    pub created_at: DateTime<Utc>,
    pub customer_name: String,
    pub customer_email: String,
    pub lines: Vec<OrderLineView>,
    /// The statuses the signed-in member may move this order to (none for viewers).
    pub next_statuses: Vec<String>,
    pub store_name: String,
    pub currency: String,
}

#[cfg(feature = "ssr")]
impl From<domain::orders::OrderRow> for OrderSummary {
    fn from(o: domain::orders::OrderRow) -> Self {
        OrderSummary {
            id: o.id,
            number: o.number,
            customer_name: o.customer_name,
            status: o.status,
            total_cents: o.total_cents,
            created_at: o.created_at,
        }
    }
}

/// A page of the signed-in store's orders. JSON in: the query's fields are all optional, which
/// URL-encoded nested arguments do not carry well.
#[server(endpoint = "list_orders", input = leptos::server_fn::codec::Json)]
pub async fn list_orders(query: OrdersQuery) -> Result<OrderList, AppError> {
    use domain::orders::{OrderFilter, OrderStatus};

    let (state, scope) = crate::session::current_store().await?;
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            OrderStatus::parse(s).ok_or_else(|| AppError::Invalid(format!("There is no status “{s}”.")))?,
        ),
    };
    let date = |value: &Option<String>| -> Result<Option<chrono::NaiveDate>, AppError> {
        match value.as_deref().filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| AppError::Invalid(format!("“{v}” is not a date: use YYYY-MM-DD."))),
        }
    };
    let filter = OrderFilter::new(status, date(&query.from)?, date(&query.to)?)?;
    let page = domain::orders::list(&state.db, &scope, &filter, query.page.unwrap_or(1)).await?;
    Ok(OrderList {
        orders: page.orders.into_iter().map(OrderSummary::from).collect(),
        matching: page.matching,
        page: page.page,
        pages: page.pages,
        store_name: page.store_name,
        currency: page.currency,
    })
}

/// One order of the signed-in store.
#[server(endpoint = "get_order")]
pub async fn get_order(id: i64) -> Result<OrderView, AppError> {
    let (state, scope) = crate::session::current_store().await?;
    let order = domain::orders::detail(&state.db, &scope, id).await?;
    let next_statuses = match domain::orders::OrderStatus::parse(&order.status) {
        Some(status) if scope.may(domain::Permission::WriteBusinessData) => {
            status.next().iter().map(|s| s.as_str().to_owned()).collect()
        }
        _ => Vec::new(),
    };
    Ok(OrderView {
        next_statuses,
        id: order.id,
        number: order.number,
        status: order.status,
        total_cents: order.total_cents,
        created_at: order.created_at,
        customer_name: order.customer_name,
        customer_email: order.customer_email,
        lines: order
            .lines
            .into_iter()
            .map(|l| OrderLineView {
                product_name: l.product_name,
                sku: l.sku,
                quantity: l.quantity,
                unit_price_cents: l.unit_price_cents,
            })
            .collect(),
        store_name: order.store_name,
        currency: order.currency,
    })
}

/// Moves an order of the signed-in store to `status`; refused for viewers and for transitions
/// the order's current status does not allow.
#[server(endpoint = "change_order_status")]
pub async fn change_order_status(id: i64, status: String) -> Result<(), AppError> {
    let (state, scope) = crate::session::current_store().await?;
    let to = domain::orders::OrderStatus::parse(&status)
        .ok_or_else(|| AppError::Invalid(format!("There is no status “{status}”.")))?;
    let from = domain::orders::change_status(&state.db, &scope, id, to).await?;
    tracing::info!(order = id, from = from.as_str(), to = to.as_str(), account = %scope.account_id(), "order status changed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_keep_the_filters() {
        let query = OrdersQuery {
            status: Some("paid".into()),
            from: Some("".into()),
            to: Some("2026-11-23".into()),
            page: Some(1),
        };
        assert_eq!(query.href_for_page(3), "/orders?status=paid&to=2026-11-23&page=3");
        assert_eq!(OrdersQuery::default().href_for_page(1), "/orders?page=1");
    }
}

/// What the new-order form offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrderChoices {
    /// `(id, name, email)`, the first [`FORM_CHOICES`] matching the customer search.
    pub customers: Vec<(i64, String, String)>,
    /// `(id, name, sku, price in minor units)` of the products for sale.
    pub products: Vec<(i64, String, String, i64)>,
    pub store_name: String,
    pub currency: String,
    pub can_write: bool,
    /// This showing of the form's idempotency key: a repeated submission places one order.
    pub form_key: String,
}

/// The most customers and products the form lists; a search narrows the customers.
pub const FORM_CHOICES: i64 = 200;
/// Line rows the form shows (blank rows are ignored).
pub const FORM_LINES: usize = 6;

#[server(endpoint = "new_order_choices")]
pub async fn get_new_order_choices(customer_search: Option<String>) -> Result<NewOrderChoices, AppError> {
    use domain::products::{ProductFilter, ProductSort};

    let (state, scope) = crate::session::current_store().await?;
    let customers =
        domain::customers::choices(&state.db, &scope, customer_search.as_deref(), FORM_CHOICES).await?;
    let filter = ProductFilter { search: None, archived: false, sort: ProductSort::Name };
    let products = domain::products::list_for_choice(&state.db, &scope, &filter, FORM_CHOICES).await?;
    let labels = domain::settings::labels(&state.db, &scope).await?;
    Ok(NewOrderChoices {
        customers,
        products: products.into_iter().map(|p| (p.id, p.name, p.sku, p.price_cents)).collect(),
        store_name: labels.name,
        currency: labels.currency,
        can_write: scope.may(domain::Permission::WriteBusinessData),
        form_key: domain::idempotency::IdempotencyKey::new().to_string(),
    })
}

/// A line of the form, as typed; a line with no product chosen is ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineInput {
    #[serde(default)]
    pub product: String,
    #[serde(default)]
    pub quantity: String,
}

/// Places an order; its prices and total are worked out on the server. Shows the new order.
#[server(endpoint = "create_order")]
pub async fn create_order(
    customer: String,
    #[server(default)] lines: Vec<LineInput>,
    /// Minted with the form; the same key again returns the order it placed.
    #[server(default)]
    idempotency_key: String,
) -> Result<i64, AppError> {
    use domain::orders::NewOrderLine;
    use domain::FieldErrors;

    let key = crate::form_key::parse(&idempotency_key)?;
    let mut typed: Vec<(String, String)> =
        vec![("customer".into(), customer.clone()), (crate::form_key::FIELD.into(), idempotency_key.clone())];
    for (i, line) in lines.iter().enumerate() {
        typed.push((format!("lines[{i}][product]"), line.product.clone()));
        typed.push((format!("lines[{i}][quantity]"), line.quantity.clone()));
    }
    let result = async {
        let (state, scope) = crate::session::current_store().await?;
        let customer_id: i64 =
            customer.trim().parse().map_err(|_| FieldErrors::single("customer", "Choose a customer."))?;
        let mut chosen = Vec::new();
        for line in lines.iter().filter(|l| !l.product.trim().is_empty()) {
            let product_id = line
                .product
                .trim()
                .parse()
                .map_err(|_| FieldErrors::single("lines", "Choose products from the list."))?;
            let quantity = line.quantity.trim().parse().map_err(|_| {
                FieldErrors::single(
                    "lines",
                    format!(
                        "Enter each quantity as a whole number from 1 to {}.",
                        domain::orders::MAX_QUANTITY
                    ),
                )
            })?;
            chosen.push(NewOrderLine { product_id, quantity });
        }
        let id = domain::orders::create(&state.db, &scope, customer_id, &chosen, key).await?;
        tracing::info!(order = id, account = %scope.account_id(), "order created");
        leptos_axum::redirect(&format!("/orders/{id}?created=1"));
        Ok::<i64, AppError>(id)
    };
    let typed: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    crate::session::boxed(result).await.map_err(|e| e.with_values(&typed))
}
