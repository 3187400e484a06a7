//! The payment provider (Stripe): Checkout Sessions for new subscriptions, billing-portal
//! sessions for existing ones, and the price of each plan. Configured by `STRIPE_SECRET_KEY`,
//! `STRIPE_WEBHOOK_SECRET` and `STRIPE_PRICES`; `STRIPE_API_BASE` points the same client at
//! another host that speaks Stripe's API (the tests' stand-in).

use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;

use stripe::{IdempotencyKey, RequestStrategy, StripeRequest};
use stripe_billing::billing_portal_session::CreateBillingPortalSession;
use stripe_billing::subscription::{
    RetrieveSubscription, UpdateSubscription, UpdateSubscriptionItems, UpdateSubscriptionProrationBehavior,
    UpdateSubscriptionTrialEnd,
};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionSubscriptionData,
    ExpireCheckoutSession,
};
use stripe_shared::CheckoutSessionMode;

/// Where the provider's hosted pages send the browser (Checkout, the billing portal): the pages'
/// browser policy lets a form end there.
pub const HOSTED_PAGE_ORIGINS: [&str; 2] = ["https://checkout.stripe.com", "https://billing.stripe.com"];

/// How to reach the payment provider and what to sell there. Its secrets print as
/// `[REDACTED]`: a logged or debugged configuration does not give them away.
#[derive(Clone, Debug)]
pub struct PaymentSettings {
    pub secret_key: SecretString,
    /// Signs the provider's webhook calls.
    pub webhook_secret: SecretString,
    /// `(plan id, price id)` for every plan that costs something.
    pub prices: Vec<(String, String)>,
    /// Another host speaking the provider's API; `None` is the provider itself.
    pub api_base: Option<String>,
}

impl PaymentSettings {
    /// The price id of `plan`, if it is sold through the provider.
    pub fn price_for(&self, plan: &str) -> Option<&str> {
        self.prices.iter().find(|(p, _)| p == plan).map(|(_, price)| price.as_str())
    }

    /// `starter=price_123,growth=price_456`.
    pub fn parse_prices(text: &str) -> Result<Vec<(String, String)>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|pair| !pair.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((plan, price)) if !plan.trim().is_empty() && !price.trim().is_empty() => {
                    Ok((plan.trim().to_owned(), price.trim().to_owned()))
                }
                _ => Err(format!("`{pair}` is not `plan=price_id`")),
            })
            .collect()
    }
}

/// Why the provider could not do what was asked (logged; the person sees a general message).
#[derive(Debug, thiserror::Error)]
#[error("payment provider: {0}")]
pub struct PaymentError(String);

impl From<stripe::StripeError> for PaymentError {
    fn from(error: stripe::StripeError) -> Self {
        PaymentError(error.to_string())
    }
}

/// A Checkout Session to open.
#[derive(Clone, Debug)]
pub struct Checkout<'a> {
    pub tenant: domain::TenantId,
    pub email: &'a str,
    pub plan: &'a str,
    /// The customer of an earlier subscription, so the provider keeps one customer per store.
    pub customer: Option<&'a str>,
    /// The same key gives back the same session when a request is repeated.
    pub idempotency_key: String,
    /// Where the provider sends the person back: after paying (`{CHECKOUT_SESSION_ID}` is
    /// replaced by the provider), and when they go back without paying.
    pub success_path: &'a str,
    pub cancel_path: &'a str,
}

/// An open Checkout Session: where to send the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenCheckout {
    pub id: String,
    pub url: String,
}

pub struct Payments {
    client: stripe::Client,
    settings: PaymentSettings,
    public_url: String,
}

impl std::fmt::Debug for Payments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payments").field("prices", &self.settings.prices).finish_non_exhaustive()
    }
}

impl Payments {
    pub fn new(settings: &PaymentSettings, public_url: &str) -> Result<Payments, String> {
        let mut builder = stripe::ClientBuilder::new(settings.secret_key.expose_secret().to_owned());
        if let Some(base) = &settings.api_base {
            builder = builder.url(base.trim_end_matches('/').to_owned() + "/");
        }
        let client = builder.build().map_err(|e| format!("the payment provider's client: {e}"))?;
        Ok(Payments {
            client,
            settings: settings.clone(),
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }

    pub fn webhook_secret(&self) -> &str {
        self.settings.webhook_secret.expose_secret()
    }

    pub fn price_for(&self, plan: &str) -> Option<&str> {
        self.settings.price_for(plan)
    }

    pub fn plan_for(&self, price: &str) -> Option<&str> {
        self.settings.prices.iter().find(|(_, p)| p == price).map(|(plan, _)| plan.as_str())
    }

    /// A subscription-mode Checkout Session for the store's plan. The store's id goes with it
    /// (`client_reference_id` and the subscription's metadata), so every event names the store.
    pub async fn start_checkout(&self, checkout: Checkout<'_>) -> Result<OpenCheckout, PaymentError> {
        let price = self
            .price_for(checkout.plan)
            .ok_or_else(|| PaymentError(format!("no price configured for the plan `{}`", checkout.plan)))?;
        let tenant = checkout.tenant.to_string();
        let metadata = HashMap::from([("tenant_id".to_owned(), tenant.clone())]);
        let mut request = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Subscription)
            .client_reference_id(tenant)
            .line_items(vec![CreateCheckoutSessionLineItems {
                price: Some(price.to_owned()),
                quantity: Some(1),
                ..CreateCheckoutSessionLineItems::new()
            }])
            .subscription_data(CreateCheckoutSessionSubscriptionData {
                metadata: Some(metadata.clone()),
                ..CreateCheckoutSessionSubscriptionData::new()
            })
            .metadata(metadata)
            .success_url(format!("{}{}", self.public_url, checkout.success_path))
            .cancel_url(format!("{}{}", self.public_url, checkout.cancel_path));
        request = match checkout.customer {
            Some(customer) => request.customer(customer),
            None => request.customer_email(checkout.email),
        };
        let key = IdempotencyKey::new(&checkout.idempotency_key)
            .map_err(|e| PaymentError(format!("idempotency key: {e}")))?;
        let session =
            request.customize().request_strategy(RequestStrategy::Idempotent(key)).send(&self.client).await?;
        let url = session.url.ok_or_else(|| PaymentError("the Checkout Session has no URL".into()))?;
        Ok(OpenCheckout { id: session.id.to_string(), url })
    }

    /// Closes a Checkout Session that was left, so it can no longer be paid.
    pub async fn expire_checkout(&self, id: &str) -> Result<(), PaymentError> {
        ExpireCheckoutSession::new(id).send(&self.client).await?;
        Ok(())
    }

    /// A billing-portal session for the customer, returning to `return_path`.
    pub async fn portal_url(&self, customer: &str, return_path: &str) -> Result<String, PaymentError> {
        let session = CreateBillingPortalSession::new()
            .customer(customer)
            .return_url(format!("{}{}", self.public_url, return_path))
            .send(&self.client)
            .await?;
        Ok(session.url)
    }

    /// Makes a staff action's change to the store's subscription: a new trial end (nothing
    /// charged for the days given), or the plan's price in place of the current one (prorated,
    /// as Stripe does by default). The events that follow bring the store's row in step again.
    pub async fn change_subscription(
        &self,
        change: &domain::admin::ProviderChange,
    ) -> Result<(), PaymentError> {
        use domain::admin::ProviderChange;
        match change {
            ProviderChange::TrialEnd { subscription, trial_end } => {
                UpdateSubscription::new(subscription.as_str())
                    .trial_end(UpdateSubscriptionTrialEnd::Timestamp(trial_end.timestamp()))
                    .proration_behavior(UpdateSubscriptionProrationBehavior::None)
                    .send(&self.client)
                    .await?;
            }
            ProviderChange::Plan { subscription, plan } => {
                let price = self
                    .price_for(plan)
                    .ok_or_else(|| PaymentError(format!("no price configured for the plan `{plan}`")))?;
                let current = RetrieveSubscription::new(subscription.as_str()).send(&self.client).await?;
                let item =
                    current.items.data.first().ok_or_else(|| {
                        PaymentError(format!("the subscription {subscription} has no item"))
                    })?;
                UpdateSubscription::new(subscription.as_str())
                    .items(vec![UpdateSubscriptionItems {
                        id: Some(item.id.to_string()),
                        price: Some(price.to_owned()),
                        ..UpdateSubscriptionItems::new()
                    }])
                    .send(&self.client)
                    .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_plan_equals_price_id_pairs() {
        assert_eq!(
            PaymentSettings::parse_prices("starter=price_1, growth = price_2,").unwrap(),
            vec![("starter".into(), "price_1".into()), ("growth".into(), "price_2".into())]
        );
        assert!(PaymentSettings::parse_prices("starter").is_err());
        assert!(PaymentSettings::parse_prices("=price_1").is_err());
    }
}
