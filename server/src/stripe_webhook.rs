//! `POST /webhooks/stripe`: the payment provider's events, checked and applied.
//!
//! The signature is checked on the raw body before anything is parsed. The event's object is
//! read as the pinned API version's type (async-stripe's), and its meaning for the store goes
//! to `domain::billing::apply_event`, which records the event id with the effect. Answers:
//! 200 when applied, already seen, or of a type this app does not act on; 400 for a bad
//! signature or a body that does not parse (the provider retries, which helps once fixed);
//! 500 when the database failed (the provider retries later).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::billing::{
    BillingChange, Outcome, ProviderEvent, StoreRef, SubscriptionState, SubscriptionStatus,
};
use domain::TenantId;
use serde::Deserialize;
use stripe_shared::{
    CheckoutSession, CheckoutSessionMode, CheckoutSessionPaymentStatus, Invoice, Subscription,
};

use crate::webhook_signature;
use app::payments::Payments;
use app::state::AppState;

/// The event as sent: the envelope read with serde, the object kept raw until its type is known.
#[derive(Debug, Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
    data: EnvelopeData,
}

#[derive(Debug, Deserialize)]
struct EnvelopeData {
    object: serde_json::Value,
}

pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (outcome, answer) = handle(&state, &headers, &body).await;
    crate::metrics::stripe_webhook(outcome);
    answer
}

/// The delivery's outcome (for `/metrics`) and the answer Stripe gets.
async fn handle(state: &AppState, headers: &HeaderMap, body: &Bytes) -> (&'static str, Response) {
    let answer = |outcome, status: StatusCode, text: &'static str| (outcome, (status, text).into_response());
    let Some(payments) = state.payments.clone() else {
        return answer("not_configured", StatusCode::NOT_FOUND, "Payments are not configured.");
    };
    let header = headers.get("stripe-signature").and_then(|value| value.to_str().ok()).unwrap_or("");
    if let Err(problem) =
        webhook_signature::verify(body, header, payments.webhook_secret(), Utc::now().timestamp())
    {
        tracing::warn!(%problem, "refused a payment-provider webhook");
        return answer("signature_refused", StatusCode::BAD_REQUEST, "Signature refused.");
    }
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(envelope) => envelope,
        Err(error) => {
            tracing::error!(%error, "a signed payment-provider webhook is not an event");
            return answer("not_an_event", StatusCode::BAD_REQUEST, "Not an event.");
        }
    };
    let change = match meaning(&envelope, &payments) {
        Ok(Some(change)) => change,
        Ok(None) => {
            tracing::debug!(event = %envelope.id, kind = %envelope.kind, "payment-provider event ignored");
            return answer("ignored", StatusCode::OK, "Ignored.");
        }
        Err(problem) => {
            tracing::error!(event = %envelope.id, kind = %envelope.kind, %problem, "could not read a payment-provider event");
            return answer("not_understood", StatusCode::BAD_REQUEST, "Event not understood.");
        }
    };
    let Some(created) = DateTime::from_timestamp(envelope.created, 0) else {
        return answer("not_understood", StatusCode::BAD_REQUEST, "Event time out of range.");
    };
    let event = ProviderEvent { id: envelope.id.clone(), kind: envelope.kind.clone(), created };
    let (store, change) = change;
    match domain::billing::apply_event(&state.db, &event, &store, &change).await {
        Ok(outcome) => {
            let outcome = match outcome {
                Outcome::Applied(tenant) => {
                    tracing::info!(event = %event.id, kind = %event.kind, %tenant, "billing event applied");
                    "applied"
                }
                Outcome::Duplicate => {
                    tracing::info!(event = %event.id, kind = %event.kind, "billing event seen before: nothing done");
                    "duplicate"
                }
                Outcome::Stale(tenant) => {
                    tracing::info!(event = %event.id, kind = %event.kind, %tenant, "billing event older than the store's state: recorded, not applied");
                    "stale"
                }
                Outcome::UnknownStore => {
                    tracing::warn!(event = %event.id, kind = %event.kind, "billing event for no store of ours: recorded, not applied");
                    "unknown_store"
                }
            };
            answer(outcome, StatusCode::OK, "Received.")
        }
        Err(error) => {
            tracing::error!(event = %event.id, %error, "could not apply a billing event");
            answer("failed", StatusCode::INTERNAL_SERVER_ERROR, "Try again later.")
        }
    }
}

/// What an event means for a store; `None` for events this app does not act on.
fn meaning(envelope: &Envelope, payments: &Payments) -> Result<Option<(StoreRef, BillingChange)>, String> {
    let object = &envelope.data.object;
    match envelope.kind.as_str() {
        "checkout.session.completed" => {
            let session: CheckoutSession = read(object)?;
            if session.mode != CheckoutSessionMode::Subscription {
                return Ok(None);
            }
            let tenant = session.client_reference_id.as_deref().and_then(tenant_id);
            let customer = session.customer.as_ref().map(|c| c.id().to_string()).ok_or("no customer")?;
            let subscription =
                session.subscription.as_ref().map(|s| s.id().to_string()).ok_or("no subscription")?;
            let paid = matches!(
                session.payment_status,
                CheckoutSessionPaymentStatus::Paid | CheckoutSessionPaymentStatus::NoPaymentRequired
            );
            let trialing = session.payment_status == CheckoutSessionPaymentStatus::NoPaymentRequired;
            let store = StoreRef {
                tenant,
                subscription: Some(subscription.clone()),
                customer: Some(customer.clone()),
            };
            Ok(Some((store, BillingChange::CheckoutCompleted { customer, subscription, paid, trialing })))
        }
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted" => {
            let subscription: Subscription = read(object)?;
            let status = SubscriptionStatus::parse(subscription.status.as_str())
                .ok_or_else(|| format!("unknown subscription status {}", subscription.status.as_str()))?;
            let item = subscription.items.data.first();
            let state = SubscriptionState {
                id: subscription.id.to_string(),
                customer: subscription.customer.id().to_string(),
                status,
                plan: item.and_then(|item| payments.plan_for(item.price.id.as_str())).map(str::to_owned),
                current_period_end: item
                    .and_then(|item| DateTime::from_timestamp(item.current_period_end, 0)),
                cancel_at_period_end: subscription.cancel_at_period_end,
                trial_end: subscription.trial_end.and_then(|t| DateTime::from_timestamp(t, 0)),
            };
            let store = StoreRef {
                tenant: subscription.metadata.get("tenant_id").and_then(|t| tenant_id(t)),
                subscription: Some(state.id.clone()),
                customer: Some(state.customer.clone()),
            };
            Ok(Some((store, BillingChange::Subscription(state))))
        }
        kind @ ("invoice.paid" | "invoice.payment_failed") => {
            let invoice: Invoice = read(object)?;
            let parent = invoice.parent.as_ref().and_then(|p| p.subscription_details.as_ref());
            let Some(parent) = parent else {
                // An invoice outside any subscription is not the store's plan.
                return Ok(None);
            };
            let store = StoreRef {
                tenant: parent.metadata.as_ref().and_then(|m| m.get("tenant_id")).and_then(|t| tenant_id(t)),
                subscription: Some(parent.subscription.id().to_string()),
                customer: invoice.customer.as_ref().map(|c| c.id().to_string()),
            };
            let change = if kind == "invoice.paid" {
                BillingChange::InvoicePaid
            } else {
                BillingChange::InvoicePaymentFailed
            };
            Ok(Some((store, change)))
        }
        _ => Ok(None),
    }
}

/// The object as the pinned API version's type (async-stripe reads with miniserde).
fn read<T: miniserde::Deserialize>(object: &serde_json::Value) -> Result<T, String> {
    miniserde::json::from_str(&object.to_string())
        .map_err(|_| format!("the object is not a {} of the pinned API version", std::any::type_name::<T>()))
}

fn tenant_id(text: &str) -> Option<TenantId> {
    text.parse().ok().filter(|id| *id > 0).map(TenantId::new)
}
