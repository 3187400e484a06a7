//! A store's subscription and what it lets the store do.
//!
//! The payment provider (Stripe) reports a subscription's life in events; [`apply_event`]
//! turns each into its effect on the store, in the same transaction that records the event's
//! id, so a redelivered event changes nothing and one that arrives late cannot undo a newer one.
//! [`Access`] is what the store's state allows; [`TenantScope`] carries it, so every write
//! checks it with the role.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::signup::Plan;
use crate::{Db, Error, Permission, TenantId, TenantScope, TenantTx};

/// What a store's state lets its members do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Paid up, on trial, or on a plan that costs nothing.
    Full,
    /// A payment is overdue: everything can be read, nothing changed, until it is paid.
    ReadOnly,
    /// Canceled or unpaid: only billing opens; the data is kept.
    Suspended,
    /// Suspended by the platform's staff: only billing opens until staff reactivate it; the data
    /// is kept. Nothing the store does on its billing page reopens it.
    SuspendedByPlatform,
    /// Signed up, but the first payment has not been confirmed yet.
    AwaitingPayment,
}

impl Access {
    /// The access of a store from its status (`tenants.status`) and its subscription's status
    /// as the payment provider names it (`None`: no subscription, nothing to pay).
    pub fn of(store_status: &str, billing_status: Option<&str>) -> Access {
        match (store_status, billing_status) {
            ("suspended", _) => Access::SuspendedByPlatform,
            ("pending", _) => Access::AwaitingPayment,
            (_, None | Some("trialing" | "active")) => Access::Full,
            (_, Some("past_due")) => Access::ReadOnly,
            (_, Some("incomplete")) => Access::AwaitingPayment,
            // canceled, unpaid, incomplete_expired, paused, and anything newer: closed, not open.
            (_, Some(_)) => Access::Suspended,
        }
    }

    /// Whether the store's state allows `permission` (the role is checked apart).
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Access::Full => true,
            Access::ReadOnly => matches!(permission, ReadStore | ReadAuditLog | ManageBilling | ExportStore),
            Access::Suspended | Access::SuspendedByPlatform | Access::AwaitingPayment => {
                permission == ManageBilling
            }
        }
    }

    /// The refusal for what the state does not allow.
    pub fn refusal(self) -> Error {
        match self {
            Access::ReadOnly => Error::ReadOnly,
            Access::SuspendedByPlatform => Error::SuspendedByPlatform,
            _ => Error::Suspended,
        }
    }
}

/// A subscription's status as the payment provider reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Incomplete,
    IncompleteExpired,
    Trialing,
    Active,
    PastDue,
    Canceled,
    Unpaid,
    Paused,
}

impl SubscriptionStatus {
    pub fn as_str(self) -> &'static str {
        use SubscriptionStatus::*;
        match self {
            Incomplete => "incomplete",
            IncompleteExpired => "incomplete_expired",
            Trialing => "trialing",
            Active => "active",
            PastDue => "past_due",
            Canceled => "canceled",
            Unpaid => "unpaid",
            Paused => "paused",
        }
    }

    pub fn parse(status: &str) -> Option<SubscriptionStatus> {
        use SubscriptionStatus::*;
        [Incomplete, IncompleteExpired, Trialing, Active, PastDue, Canceled, Unpaid, Paused]
            .into_iter()
            .find(|s| s.as_str() == status)
    }
}

/// An event of the payment provider: its id (the key against redelivery), its type, and when
/// the provider made it (the order of events, which may reach us in any order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderEvent {
    pub id: String,
    pub kind: String,
    pub created: DateTime<Utc>,
}

/// How an event names its store: the store id we gave the provider (`client_reference_id`,
/// `metadata.tenant_id`), else the provider's ids we stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreRef {
    pub tenant: Option<TenantId>,
    pub subscription: Option<String>,
    pub customer: Option<String>,
}

/// A subscription as an event shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionState {
    pub id: String,
    pub customer: String,
    pub status: SubscriptionStatus,
    /// Our plan for the subscription's price; `None` for a price this installation does not
    /// know (the plan is then left as it is).
    pub plan: Option<String>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub trial_end: Option<DateTime<Utc>>,
}

/// What an event means for a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BillingChange {
    /// Checkout finished: the store is linked to its customer and subscription, and opens when
    /// the payment went through (or none was due, as on a trial).
    CheckoutCompleted {
        customer: String,
        subscription: String,
        paid: bool,
        trialing: bool,
    },
    /// A subscription was created, changed or ended.
    Subscription(SubscriptionState),
    InvoicePaid,
    InvoicePaymentFailed,
}

/// What became of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Applied(TenantId),
    /// Seen before: nothing done.
    Duplicate,
    /// Older than what the store already knows, or about another subscription: recorded, not applied.
    Stale(TenantId),
    /// No store of ours: recorded, not applied.
    UnknownStore,
}

/// Applies an event's change to its store. The event's id is recorded in the same transaction,
/// so a second delivery (even a concurrent one, which waits on the first's key) is a no-op.
pub async fn apply_event(
    db: &Db,
    event: &ProviderEvent,
    store: &StoreRef,
    change: &BillingChange,
) -> Result<Outcome, Error> {
    let mut tx = db.pool().begin().await?;
    let tenant = find_store(&mut tx, store).await?;
    let recorded: Option<String> = sqlx::query_scalar(
        "INSERT INTO stripe_events (id, type, created_at, tenant_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(&event.id)
    .bind(&event.kind)
    .bind(event.created)
    .bind(tenant)
    .fetch_optional(&mut *tx)
    .await?;
    if recorded.is_none() {
        return Ok(Outcome::Duplicate);
    }
    let Some(tenant) = tenant else {
        tx.commit().await?;
        return Ok(Outcome::UnknownStore);
    };
    let changed = match change {
        BillingChange::CheckoutCompleted { customer, subscription, paid, trialing } => {
            let opening_status = if *trialing { "trialing" } else { "active" };
            // Every SET sees the row as it was: a new subscription (a store subscribing again)
            // starts its status and event clock over; the same one keeps what its events said.
            sqlx::query(
                "UPDATE tenants SET
                    stripe_customer_id = $2,
                    stripe_subscription_id = $3,
                    status = CASE WHEN status = 'pending' AND $4 THEN 'active' ELSE status END,
                    billing_status = CASE
                        WHEN NOT $4 THEN billing_status
                        WHEN stripe_subscription_id IS DISTINCT FROM $3 THEN $5
                        ELSE COALESCE(billing_status, $5) END,
                    subscription_seen_at = CASE
                        WHEN stripe_subscription_id IS DISTINCT FROM $3 THEN NULL
                        ELSE subscription_seen_at END
                 WHERE id = $1",
            )
            .bind(tenant)
            .bind(customer)
            .bind(subscription)
            .bind(paid)
            .bind(opening_status)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        }
        BillingChange::Subscription(state) => {
            let opens = matches!(state.status, SubscriptionStatus::Active | SubscriptionStatus::Trialing);
            // Applied when it is about the store's subscription (or a new one replacing an ended
            // one) and not older than the last subscription event applied.
            sqlx::query(
                "UPDATE tenants SET
                    stripe_subscription_id = $2,
                    stripe_customer_id = $3,
                    billing_status = $4,
                    plan_id = COALESCE($5, plan_id),
                    current_period_end = $6,
                    cancel_at_period_end = $7,
                    trial_ends_at = $8,
                    subscription_seen_at = $9,
                    status = CASE WHEN status = 'pending' AND $10 THEN 'active' ELSE status END
                 WHERE id = $1
                   AND (stripe_subscription_id IS NULL OR stripe_subscription_id = $2
                        OR billing_status IN ('canceled', 'incomplete_expired'))
                   AND (subscription_seen_at IS NULL OR subscription_seen_at <= $9
                        OR stripe_subscription_id IS DISTINCT FROM $2)",
            )
            .bind(tenant)
            .bind(&state.id)
            .bind(&state.customer)
            .bind(state.status.as_str())
            .bind(&state.plan)
            .bind(state.current_period_end)
            .bind(state.cancel_at_period_end)
            .bind(state.trial_end)
            .bind(event.created)
            .bind(opens)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        }
        BillingChange::InvoicePaid | BillingChange::InvoicePaymentFailed => {
            let failed = (*change == BillingChange::InvoicePaymentFailed).then_some(event.created);
            sqlx::query(
                "UPDATE tenants SET payment_failed_at = $2, invoice_seen_at = $3
                 WHERE id = $1 AND (invoice_seen_at IS NULL OR invoice_seen_at <= $3)",
            )
            .bind(tenant)
            .bind(failed)
            .bind(event.created)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        }
    };
    tx.commit().await?;
    Ok(if changed == 1 { Outcome::Applied(tenant) } else { Outcome::Stale(tenant) })
}

async fn find_store(tx: &mut sqlx::PgConnection, store: &StoreRef) -> Result<Option<TenantId>, Error> {
    if let Some(tenant) = store.tenant {
        let exists: Option<TenantId> = sqlx::query_scalar("SELECT id FROM tenants WHERE id = $1")
            .bind(tenant)
            .fetch_optional(&mut *tx)
            .await?;
        return Ok(exists);
    }
    // Events that name no store of ours by id: found by the provider's ids stored on checkout.
    let found: Option<TenantId> = sqlx::query_scalar(
        "SELECT id FROM tenants
         WHERE ($1::text IS NOT NULL AND stripe_subscription_id = $1)
            OR ($2::text IS NOT NULL AND stripe_customer_id = $2)
         ORDER BY id LIMIT 1",
    )
    .bind(&store.subscription)
    .bind(&store.customer)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(found)
}

/// A store's billing as its billing page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingOverview {
    pub store_name: String,
    pub plan: Plan,
    pub access: Access,
    /// The subscription's status; `None` when there is nothing to pay.
    pub status: Option<String>,
    /// The store's customer at the payment provider, once it has one.
    pub customer: Option<String>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub trial_ends_at: Option<DateTime<Utc>>,
    pub payment_failed_at: Option<DateTime<Utc>>,
    /// Products on sale (archived ones do not count against the plan).
    pub products: i64,
    pub members: i64,
}

#[derive(sqlx::FromRow)]
struct BillingRow {
    name: String,
    plan_id: String,
    status: String,
    billing_status: Option<String>,
    stripe_customer_id: Option<String>,
    current_period_end: Option<DateTime<Utc>>,
    cancel_at_period_end: bool,
    trial_ends_at: Option<DateTime<Utc>>,
    payment_failed_at: Option<DateTime<Utc>>,
}

/// The billing page: for those who manage billing, whatever the store's state.
pub async fn overview(db: &Db, scope: &TenantScope) -> Result<BillingOverview, Error> {
    scope.require(Permission::ManageBilling)?;
    // Usage is read past the access gate: a closed store's billing page still shows it.
    let mut tx = TenantTx::begin(db, scope.tenant_id()).await?;
    let row: BillingRow = sqlx::query_as(
        "SELECT name, plan_id, status, billing_status, stripe_customer_id, current_period_end,
                cancel_at_period_end, trial_ends_at, payment_failed_at
         FROM tenants WHERE id = $1",
    )
    .bind(tx.tenant_id())
    .fetch_one(&mut *tx)
    .await?;
    let usage = usage(&mut tx).await?;
    tx.commit().await?;
    let plan = crate::signup::plans(db)
        .await?
        .into_iter()
        .find(|plan| plan.id == row.plan_id)
        .ok_or(Error::NotFound)?;
    Ok(BillingOverview {
        store_name: row.name,
        plan,
        access: Access::of(&row.status, row.billing_status.as_deref()),
        status: row.billing_status,
        customer: row.stripe_customer_id,
        current_period_end: row.current_period_end,
        cancel_at_period_end: row.cancel_at_period_end,
        trial_ends_at: row.trial_ends_at,
        payment_failed_at: row.payment_failed_at,
        products: usage.products,
        members: usage.members,
    })
}

impl BillingOverview {
    /// Whether the store needs a new subscription: it waits for its first payment, or its
    /// subscription ended.
    pub fn needs_subscription(&self) -> bool {
        self.access == Access::AwaitingPayment
            || matches!(self.status.as_deref(), Some("canceled" | "incomplete_expired"))
    }
}

/// The payment provider's customer of the store, for its billing portal.
pub async fn customer_id(db: &Db, scope: &TenantScope) -> Result<Option<String>, Error> {
    scope.require(Permission::ManageBilling)?;
    Ok(sqlx::query_scalar("SELECT stripe_customer_id FROM tenants WHERE id = $1")
        .bind(scope.tenant_id())
        .fetch_one(db.pool())
        .await?)
}

struct Usage {
    products: i64,
    members: i64,
}

async fn usage(tx: &mut TenantTx) -> Result<Usage, Error> {
    let tenant = tx.tenant_id();
    let (products, members): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM products WHERE tenant_id = $1 AND archived_at IS NULL),
                (SELECT count(*) FROM memberships WHERE tenant_id = $1)",
    )
    .bind(tenant)
    .fetch_one(&mut **tx)
    .await?;
    Ok(Usage { products, members })
}

/// What a plan limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limited {
    /// Products on sale.
    Products,
    /// Members and open invitations.
    Members,
}

/// Called after adding something a plan limits, in the same transaction: refuses (so the
/// transaction rolls back) when the store no longer fits its plan. Locks the store's row first,
/// so of two additions at once the second counts the first and cannot take the same last place.
pub async fn ensure_within_plan(tx: &mut TenantTx, what: Limited) -> Result<(), Error> {
    let tenant = tx.tenant_id();
    let plan_id: String = sqlx::query_scalar("SELECT plan_id FROM tenants WHERE id = $1 FOR NO KEY UPDATE")
        .bind(tenant)
        .fetch_one(&mut **tx)
        .await?;
    let (plan_name, limit): (String, Option<i32>) = sqlx::query_as(match what {
        Limited::Products => "SELECT name, product_limit FROM plans WHERE id = $1",
        Limited::Members => "SELECT name, member_limit FROM plans WHERE id = $1",
    })
    .bind(&plan_id)
    .fetch_one(&mut **tx)
    .await?;
    let Some(limit) = limit else { return Ok(()) };
    let in_use: i64 = sqlx::query_scalar(match what {
        Limited::Products => "SELECT count(*) FROM products WHERE tenant_id = $1 AND archived_at IS NULL",
        Limited::Members => {
            "SELECT (SELECT count(*) FROM memberships WHERE tenant_id = $1)
                  + (SELECT count(*) FROM invitations
                     WHERE tenant_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now())"
        }
    })
    .bind(tenant)
    .fetch_one(&mut **tx)
    .await?;
    if in_use <= i64::from(limit) {
        return Ok(());
    }
    let (noun, advice) = match what {
        Limited::Products => {
            ("products on sale", "Archive some, or move to a larger plan on the Billing page.")
        }
        Limited::Members => (
            "members (open invitations included)",
            "Remove someone or withdraw an invitation, or move to a larger plan on the Billing page.",
        ),
    };
    Err(Error::LimitReached(format!("The {plan_name} plan allows {limit} {noun}. {advice}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_state_decides_access() {
        assert_eq!(Access::of("active", None), Access::Full);
        assert_eq!(Access::of("active", Some("trialing")), Access::Full);
        assert_eq!(Access::of("active", Some("active")), Access::Full);
        assert_eq!(Access::of("active", Some("past_due")), Access::ReadOnly);
        for closed in ["canceled", "unpaid", "incomplete_expired", "paused", "something_new"] {
            assert_eq!(Access::of("active", Some(closed)), Access::Suspended, "{closed}");
        }
        assert_eq!(Access::of("pending", None), Access::AwaitingPayment);
        assert_eq!(Access::of("active", Some("incomplete")), Access::AwaitingPayment);
        // The platform's suspension wins over a paid-up subscription.
        assert_eq!(Access::of("suspended", Some("active")), Access::SuspendedByPlatform);
    }

    #[test]
    fn read_only_reads_and_closed_stores_open_only_billing() {
        use Permission::*;
        let all = Permission::ALL;
        let allowed = |access: Access| all.into_iter().filter(|p| access.allows(*p)).collect::<Vec<_>>();
        assert_eq!(allowed(Access::Full), all.to_vec());
        assert_eq!(allowed(Access::ReadOnly), vec![ReadStore, ManageBilling, ReadAuditLog, ExportStore]);
        assert_eq!(allowed(Access::Suspended), vec![ManageBilling]);
        assert_eq!(allowed(Access::SuspendedByPlatform), vec![ManageBilling]);
        assert_eq!(allowed(Access::AwaitingPayment), vec![ManageBilling]);
    }

    #[test]
    fn statuses_read_back_from_their_names() {
        for status in [
            "incomplete",
            "incomplete_expired",
            "trialing",
            "active",
            "past_due",
            "canceled",
            "unpaid",
            "paused",
        ] {
            assert_eq!(SubscriptionStatus::parse(status).map(SubscriptionStatus::as_str), Some(status));
        }
        assert_eq!(SubscriptionStatus::parse("gone"), None);
    }
}
