//! Billing: the provider's events drive a store's state, once each and in the order they were
//! made; the state decides what members may do; plans limit what a store holds.

use chrono::{DateTime, Duration, Utc};
use domain::billing::{
    self, Access, BillingChange, Outcome, ProviderEvent, StoreRef, SubscriptionState, SubscriptionStatus,
};
use domain::products::{self, ProductDraft, ProductInput};
use domain::testing::{unique_email, TestDb, TestStore};
use domain::{Error, Role, TenantId};

fn event(id: &str, kind: &str, created: DateTime<Utc>) -> ProviderEvent {
    ProviderEvent { id: format!("evt_{id}_{}", uuid::Uuid::new_v4().simple()), kind: kind.into(), created }
}

fn by_id(tenant: TenantId) -> StoreRef {
    StoreRef { tenant: Some(tenant), ..StoreRef::default() }
}

/// How an event names a store when it carries only the provider's subscription id.
fn by_subscription(tenant: TenantId) -> StoreRef {
    StoreRef { subscription: Some(format!("sub_{tenant}")), ..StoreRef::default() }
}

fn subscription(tenant: TenantId, status: SubscriptionStatus) -> BillingChange {
    BillingChange::Subscription(SubscriptionState {
        id: format!("sub_{tenant}"),
        customer: format!("cus_{tenant}"),
        status,
        plan: Some("starter".into()),
        current_period_end: Some(Utc::now() + Duration::days(30)),
        cancel_at_period_end: false,
        trial_end: None,
    })
}

async fn set_plan(t: &TestDb, tenant: TenantId, plan: &str) {
    sqlx::query("UPDATE tenants SET plan_id = $2 WHERE id = $1")
        .bind(tenant)
        .bind(plan)
        .execute(&t.owner)
        .await
        .unwrap();
}

async fn access(t: &TestDb, store: &TestStore) -> Access {
    t.scope(store.owner, store.tenant).await.access()
}

fn product(n: usize) -> ProductDraft {
    let input = ProductInput { name: format!("Product {n}"), sku: format!("SKU-{n}"), price: "1.00".into() };
    ProductDraft::parse(&input, "USD").unwrap()
}

#[tokio::test]
async fn checkout_opens_a_waiting_store_and_the_subscription_decides_access_from_then_on() {
    let t = TestDb::new().await;
    let store = t.pending_store().await;
    assert_eq!(access(&t, &store).await, Access::AwaitingPayment);
    let scope = t.scope(store.owner, store.tenant).await;
    assert!(matches!(products::list(&t.db, &scope, &Default::default(), 1).await, Err(Error::Suspended)));
    // The billing page opens whatever the state.
    assert_eq!(billing::overview(&t.db, &scope).await.unwrap().access, Access::AwaitingPayment);

    let start = Utc::now() - Duration::minutes(10);
    let completed = BillingChange::CheckoutCompleted {
        customer: format!("cus_{}", store.tenant),
        subscription: format!("sub_{}", store.tenant),
        paid: true,
        trialing: false,
    };
    let outcome = billing::apply_event(
        &t.db,
        &event("done", "checkout.session.completed", start),
        &by_id(store.tenant),
        &completed,
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Applied(store.tenant));
    assert_eq!(access(&t, &store).await, Access::Full);
    assert_eq!(domain::signup::has_opened(&t.db, store.tenant).await.unwrap(), Some(true));

    // Overdue: read-only. Reads work; every write is refused with its reason, by the scope and
    // by the database itself.
    let overdue = event("overdue", "customer.subscription.updated", start + Duration::minutes(1));
    let outcome = billing::apply_event(
        &t.db,
        &overdue,
        &by_subscription(store.tenant),
        &subscription(store.tenant, SubscriptionStatus::PastDue),
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Applied(store.tenant), "found by its subscription id");
    let scope = t.scope(store.owner, store.tenant).await;
    assert_eq!(scope.access(), Access::ReadOnly);
    assert!(products::list(&t.db, &scope, &Default::default(), 1).await.is_ok());
    assert!(matches!(products::create(&t.db, &scope, &product(1), None).await, Err(Error::ReadOnly)));
    let mut tx = t.db.begin_tenant(&scope).await.unwrap();
    let write =
        sqlx::query("INSERT INTO customers (tenant_id, name, email) VALUES ($1, 'X', 'x@example.test')")
            .bind(store.tenant)
            .execute(&mut *tx)
            .await;
    assert!(matches!(write.map_err(Error::from), Err(Error::ReadOnly)), "the database refuses writes too");
    drop(tx);

    // Canceled: closed. Nothing but billing opens, and the data is kept.
    let ended = event("ended", "customer.subscription.deleted", start + Duration::minutes(2));
    billing::apply_event(
        &t.db,
        &ended,
        &by_id(store.tenant),
        &subscription(store.tenant, SubscriptionStatus::Canceled),
    )
    .await
    .unwrap();
    let scope = t.scope(store.owner, store.tenant).await;
    assert_eq!(scope.access(), Access::Suspended);
    assert!(matches!(products::list(&t.db, &scope, &Default::default(), 1).await, Err(Error::Suspended)));
    assert!(matches!(domain::team::members(&t.db, &scope).await, Err(Error::Suspended)));
    let overview = billing::overview(&t.db, &scope).await.unwrap();
    assert_eq!(overview.status.as_deref(), Some("canceled"));
    assert_eq!(overview.members, 1);
}

#[tokio::test]
async fn a_redelivered_event_changes_nothing() {
    let t = TestDb::new().await;
    let store = t.store("Twice Shop").await;
    let start = Utc::now() - Duration::minutes(10);
    let failed = event("failed", "customer.subscription.updated", start);
    let past_due = subscription(store.tenant, SubscriptionStatus::PastDue);
    assert_eq!(
        billing::apply_event(&t.db, &failed, &by_id(store.tenant), &past_due).await.unwrap(),
        Outcome::Applied(store.tenant)
    );
    let paid = event("paid", "customer.subscription.updated", start + Duration::minutes(1));
    billing::apply_event(
        &t.db,
        &paid,
        &by_id(store.tenant),
        &subscription(store.tenant, SubscriptionStatus::Active),
    )
    .await
    .unwrap();
    // The first event again, as the provider retries it: recorded once, applied once.
    assert_eq!(
        billing::apply_event(&t.db, &failed, &by_id(store.tenant), &past_due).await.unwrap(),
        Outcome::Duplicate
    );
    assert_eq!(access(&t, &store).await, Access::Full);
    let recorded: i64 = t.count("stripe_events WHERE id = $1", &failed.id).await;
    assert_eq!(recorded, 1);
}

#[tokio::test]
async fn an_older_event_arriving_late_does_not_undo_a_newer_one() {
    let t = TestDb::new().await;
    let store = t.store("Late Shop").await;
    let start = Utc::now() - Duration::minutes(10);
    // Made in this order: created (active), updated (past_due). Delivered the other way round.
    let newer = event("newer", "customer.subscription.updated", start + Duration::seconds(30));
    let older = event("older", "customer.subscription.created", start);
    billing::apply_event(
        &t.db,
        &newer,
        &by_id(store.tenant),
        &subscription(store.tenant, SubscriptionStatus::PastDue),
    )
    .await
    .unwrap();
    let outcome = billing::apply_event(
        &t.db,
        &older,
        &by_id(store.tenant),
        &subscription(store.tenant, SubscriptionStatus::Active),
    )
    .await
    .unwrap();
    assert_eq!(outcome, Outcome::Stale(store.tenant));
    assert_eq!(access(&t, &store).await, Access::ReadOnly);

    // Invoices keep their own order: a failure made before a payment does not come back.
    let paid = event("inv-paid", "invoice.paid", start + Duration::seconds(40));
    let failed = event("inv-failed", "invoice.payment_failed", start + Duration::seconds(20));
    billing::apply_event(&t.db, &paid, &by_id(store.tenant), &BillingChange::InvoicePaid).await.unwrap();
    let outcome =
        billing::apply_event(&t.db, &failed, &by_id(store.tenant), &BillingChange::InvoicePaymentFailed)
            .await
            .unwrap();
    assert_eq!(outcome, Outcome::Stale(store.tenant));
    let scope = t.scope(store.owner, store.tenant).await;
    assert_eq!(billing::overview(&t.db, &scope).await.unwrap().payment_failed_at, None);
}

#[tokio::test]
async fn events_for_no_store_of_ours_are_recorded_and_ignored() {
    let t = TestDb::new().await;
    let stranger = StoreRef {
        tenant: None,
        subscription: Some(format!("sub_unknown_{}", uuid::Uuid::new_v4().simple())),
        customer: None,
    };
    let e = event("stray", "invoice.paid", Utc::now());
    assert_eq!(
        billing::apply_event(&t.db, &e, &stranger, &BillingChange::InvoicePaid).await.unwrap(),
        Outcome::UnknownStore
    );
    assert_eq!(
        billing::apply_event(&t.db, &e, &stranger, &BillingChange::InvoicePaid).await.unwrap(),
        Outcome::Duplicate
    );
}

#[tokio::test]
async fn the_plan_limits_products_on_sale_with_a_clear_message() {
    let t = TestDb::new().await;
    let store = t.store("Small Shop").await;
    set_plan(&t, store.tenant, "free").await;
    let limit: i32 = sqlx::query_scalar("SELECT product_limit FROM plans WHERE id = 'free'")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    let scope = t.scope(store.owner, store.tenant).await;
    let mut ids = Vec::new();
    for n in 0..limit as usize {
        ids.push(products::create(&t.db, &scope, &product(n), None).await.unwrap());
    }
    let refused = products::create(&t.db, &scope, &product(1000), None).await;
    let Err(Error::LimitReached(message)) = refused else { panic!("expected the limit, got {refused:?}") };
    assert!(message.contains(&format!("allows {limit} products")), "{message}");
    assert!(message.contains("Billing"), "{message}");
    // Archived products do not count; bringing one back does.
    products::set_archived(&t.db, &scope, ids[0], true).await.unwrap();
    products::create(&t.db, &scope, &product(1001), None).await.unwrap();
    assert!(matches!(
        products::set_archived(&t.db, &scope, ids[0], false).await,
        Err(Error::LimitReached(_))
    ));
    // An import that would pass the limit imports nothing.
    let csv = "sku,name,price\nNEW-1,New one,1.00\n";
    assert!(matches!(products::import_csv(&t.db, &scope, csv).await, Err(Error::LimitReached(_))));
    let count: i64 = t.count("products WHERE tenant_id = $1 AND sku = 'NEW-1'", store.tenant).await;
    assert_eq!(count, 0);
}

#[tokio::test]
async fn the_plan_limits_the_team_counting_open_invitations() {
    let t = TestDb::new().await;
    let store = t.store("Pair Shop").await;
    set_plan(&t, store.tenant, "free").await; // two people
    let scope = t.scope(store.owner, store.tenant).await;
    domain::team::invite(&t.db, &scope, &unique_email("second"), Role::Member).await.unwrap();
    let refused = domain::team::invite(&t.db, &scope, &unique_email("third"), Role::Member).await;
    assert!(
        matches!(refused, Err(Error::LimitReached(ref m)) if m.contains("allows 2 members")),
        "{refused:?}"
    );
    set_plan(&t, store.tenant, "growth").await;
    domain::team::invite(&t.db, &scope, &unique_email("third"), Role::Member).await.unwrap();
}

#[tokio::test]
async fn an_abandoned_signup_leaves_nothing_but_an_opened_store_stays() {
    let t = TestDb::new().await;
    let left = t.pending_store().await;
    assert!(domain::signup::abandon(&t.db, left.owner, left.tenant).await.unwrap());
    assert_eq!(domain::signup::has_opened(&t.db, left.tenant).await.unwrap(), None);
    let account: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1")
        .bind(&left.owner_email)
        .fetch_optional(&t.owner)
        .await
        .unwrap();
    assert_eq!(account, None, "the same email can sign up again");

    let paid = t.pending_store().await;
    let completed = BillingChange::CheckoutCompleted {
        customer: "cus_paid".into(),
        subscription: format!("sub_paid_{}", paid.tenant),
        paid: true,
        trialing: false,
    };
    billing::apply_event(
        &t.db,
        &event("paid", "checkout.session.completed", Utc::now()),
        &by_id(paid.tenant),
        &completed,
    )
    .await
    .unwrap();
    assert!(!domain::signup::abandon(&t.db, paid.owner, paid.tenant).await.unwrap());
    assert_eq!(domain::signup::has_opened(&t.db, paid.tenant).await.unwrap(), Some(true));
}
