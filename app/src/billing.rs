//! The store's billing: the server functions behind `/billing`, the billing portal, subscribing
//! (again), and the notice every store page shows while the store is read-only or closed.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::site::PlanInfo;

/// What the store's billing state lets its members do (the domain's `Access`, for the browser).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoreAccess {
    Full,
    ReadOnly,
    Suspended,
    SuspendedByPlatform,
    AwaitingPayment,
}

#[cfg(feature = "ssr")]
impl From<domain::billing::Access> for StoreAccess {
    fn from(access: domain::billing::Access) -> Self {
        use domain::billing::Access;
        match access {
            Access::Full => StoreAccess::Full,
            Access::ReadOnly => StoreAccess::ReadOnly,
            Access::Suspended => StoreAccess::Suspended,
            Access::SuspendedByPlatform => StoreAccess::SuspendedByPlatform,
            Access::AwaitingPayment => StoreAccess::AwaitingPayment,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingPage {
    pub store_name: String,
    pub plan: PlanInfo,
    pub access: StoreAccess,
    /// The subscription's status in words; `None` when there is nothing to pay.
    pub status: Option<String>,
    /// `23 November 2026`: when the next invoice is due, or the subscription ends.
    pub current_period_end: Option<String>,
    pub cancel_at_period_end: bool,
    pub trial_ends_at: Option<String>,
    pub payment_failed_at: Option<String>,
    pub products: i64,
    pub members: i64,
    /// The billing portal can be opened (a payment provider and a customer there).
    pub portal: bool,
    /// A subscription can be started: the store waits for its first payment, or its
    /// subscription ended.
    pub can_subscribe: bool,
}

#[cfg(feature = "ssr")]
fn day(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%-d %B %Y").to_string()
}

#[cfg(feature = "ssr")]
fn status_words(status: &str) -> String {
    match status {
        "trialing" => "On trial",
        "active" => "Active",
        "past_due" => "Payment overdue",
        "canceled" => "Canceled",
        "unpaid" => "Unpaid",
        "incomplete" => "Waiting for the first payment",
        "incomplete_expired" => "First payment never made",
        "paused" => "Paused",
        other => other,
    }
    .to_owned()
}

#[server(endpoint = "get_billing")]
pub async fn get_billing() -> Result<BillingPage, AppError> {
    let (state, scope) = crate::session::current_store().await?;
    let overview = domain::billing::overview(&state.db, &scope).await?;
    let priced = state.payments.as_ref().is_some_and(|p| p.price_for(&overview.plan.id).is_some());
    let can_subscribe = priced && overview.needs_subscription();
    Ok(BillingPage {
        store_name: overview.store_name,
        plan: crate::site::plan_info(overview.plan),
        access: overview.access.into(),
        status: overview.status.as_deref().map(status_words),
        current_period_end: overview.current_period_end.map(day),
        cancel_at_period_end: overview.cancel_at_period_end,
        trial_ends_at: overview.trial_ends_at.map(day),
        payment_failed_at: overview.payment_failed_at.map(day),
        products: overview.products,
        members: overview.members,
        portal: state.payments.is_some() && overview.customer.is_some(),
        can_subscribe,
    })
}

/// Sends the owner to the payment provider's billing portal (payment method, invoices, plan,
/// cancellation), which sends them back to `/billing`.
#[server(endpoint = "open_billing_portal")]
pub async fn open_billing_portal() -> Result<(), AppError> {
    let result = async {
        let (state, scope) = crate::session::current_store().await?;
        // Who may comes first: a viewer is told that, whatever this server is set up with.
        let customer = domain::billing::customer_id(&state.db, &scope).await?;
        let payments = state.payments.clone().ok_or_else(no_provider)?;
        let customer = customer.ok_or_else(|| {
            AppError::Conflict(
                "This store has no subscription yet, so there is no billing portal to open.".into(),
            )
        })?;
        let url = payments.portal_url(&customer, "/billing").await.map_err(|error| {
            tracing::error!(%error, tenant = %scope.tenant_id(), "could not open the billing portal");
            provider_unreachable()
        })?;
        leptos_axum::redirect(&url);
        Ok(())
    };
    crate::session::boxed(result).await
}

/// Starts a subscription for a store waiting for its first payment, or whose subscription
/// ended: a new Checkout Session on the store's plan.
#[server(endpoint = "start_subscription")]
pub async fn start_subscription() -> Result<(), AppError> {
    let result = async {
        let (state, scope) = crate::session::current_store().await?;
        let overview = domain::billing::overview(&state.db, &scope).await?;
        let payments = state.payments.clone().ok_or_else(no_provider)?;
        // A second subscription would charge twice: a running one changes in the portal.
        if !overview.needs_subscription() {
            return Err(AppError::Conflict(
                "This store's subscription is running. Change its plan or payment method in the billing portal."
                    .into(),
            ));
        }
        let checkout = crate::payments::Checkout {
            tenant: scope.tenant_id(),
            email: scope.email(),
            plan: &overview.plan.id,
            customer: overview.customer.as_deref(),
            // A new key per attempt: each is a new session; a retried request reuses its own.
            idempotency_key: format!("subscribe-{}-{}", scope.tenant_id(), uuid_like()),
            success_path: "/billing?subscribed=1",
            cancel_path: "/billing",
        };
        let open = payments.start_checkout(checkout).await.map_err(|error| {
            tracing::error!(%error, tenant = %scope.tenant_id(), "could not open a Checkout Session");
            provider_unreachable()
        })?;
        tracing::info!(tenant = %scope.tenant_id(), checkout = %open.id, "subscription checkout opened");
        leptos_axum::redirect(&open.url);
        Ok(())
    };
    crate::session::boxed(result).await
}

#[cfg(feature = "ssr")]
fn uuid_like() -> String {
    format!("{:x}", chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default())
}

#[cfg(feature = "ssr")]
fn no_provider() -> AppError {
    AppError::Conflict("Payments are not set up on this server.".into())
}

#[cfg(feature = "ssr")]
pub(crate) fn provider_unreachable() -> AppError {
    AppError::Invalid(
        "We could not reach our payment provider. Nothing was charged; please try again in a moment.".into(),
    )
}

/// What the pages of a store must say about its billing state, if anything.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreNotice {
    pub access: StoreAccess,
    /// The person may open the billing portal or billing page.
    pub can_manage_billing: bool,
}

#[server(endpoint = "store_notice")]
pub async fn get_store_notice() -> Result<Option<StoreNotice>, AppError> {
    let scope = match crate::session::current_store().await {
        Ok((_, scope)) => scope,
        // Public pages, signed-out visitors and staff outside a support session: nothing to say.
        Err(AppError::SignedOut | AppError::SupportSessionEnded) => return Ok(None),
        Err(error) => return Err(error),
    };
    if scope.support_session().is_some() {
        // Staff read the store as support, whatever its billing: the support banner says so.
        return Ok(None);
    }
    let access: StoreAccess = scope.access().into();
    Ok((access != StoreAccess::Full)
        .then(|| StoreNotice { access, can_manage_billing: scope.may(domain::Permission::ManageBilling) }))
}
