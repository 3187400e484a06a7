//! Billing through Stripe, without Stripe's servers: fixture events of the pinned API version
//! signed with async-stripe's test-header helper and posted to the webhook; paid signups through
//! the Stripe stand-in, reached by the production client with only its base URL changed.

use crate::common::{borrowed, form_key_in, StripeStandIn, TestApp, Visitor};
use app::billing::{OpenBillingPortal, StartSubscription};
use app::customers::SaveCustomer;
use app::products::SaveProduct;
use app::signup::SignUp;
use domain::testing::unique_email;
use domain::TenantId;
use reqwest::StatusCode;
use serde_json::Value;
use stripe_webhook::{EventObject, Webhook};

pub(crate) const STRIPE_SECRET: &str = "whsec_storefront_tests";
const SECRET: &str = STRIPE_SECRET;
const PRICES: &str = "starter=price_starter_monthly,growth=price_growth_monthly";
const FIXTURES: [&str; 7] = [
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
    "customer.created",
];

fn fixture(kind: &str) -> Value {
    let path = format!("{}/../end2end/fixtures/stripe/{kind}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("fixture JSON")
}

/// The app with Stripe configured; its client goes to `api_base`.
pub(crate) async fn stripe_app(api_base: &str) -> TestApp {
    TestApp::spawn_with(&[
        ("STRIPE_SECRET_KEY", "sk_test_storefront"),
        ("STRIPE_WEBHOOK_SECRET", SECRET),
        ("STRIPE_PRICES", PRICES),
        ("STRIPE_API_BASE", api_base),
    ])
    .await
}

/// An app whose Stripe client is never called (webhook tests): a port nothing listens on.
async fn webhook_app() -> TestApp {
    stripe_app("http://127.0.0.1:9").await
}

/// The fixture event `kind` about `tenant`'s subscription, made at `created`, with an id of its own.
fn event_for(kind: &str, tenant: TenantId, created: i64, status: Option<&str>) -> String {
    let mut event = fixture(kind);
    event["id"] = format!("evt_{}", uuid::Uuid::new_v4().simple()).into();
    event["created"] = created.into();
    let (subscription, customer) = (format!("sub_{tenant}"), format!("cus_{tenant}"));
    let object = &mut event["data"]["object"];
    match object["object"].as_str() {
        Some("checkout.session") => {
            object["client_reference_id"] = tenant.to_string().into();
            object["customer"] = customer.into();
            object["subscription"] = subscription.into();
        }
        Some("subscription") => {
            object["id"] = subscription.clone().into();
            object["customer"] = customer.into();
            object["metadata"]["tenant_id"] = tenant.to_string().into();
            object["items"]["data"][0]["subscription"] = subscription.into();
            if let Some(status) = status {
                object["status"] = status.into();
            }
        }
        Some("invoice") => {
            object["customer"] = customer.into();
            object["parent"]["subscription_details"]["subscription"] = subscription.into();
            object["parent"]["subscription_details"]["metadata"]["tenant_id"] = tenant.to_string().into();
        }
        _ => {}
    }
    event.to_string()
}

async fn deliver(app: &TestApp, body: &str, signature: Option<&str>) -> StatusCode {
    // The provider calls from its own servers: no browser origin, no session.
    let mut request =
        reqwest::Client::new().post(format!("{}/webhooks/stripe", app.base)).body(body.to_owned());
    if let Some(signature) = signature {
        request = request.header("stripe-signature", signature);
    }
    request.send().await.expect("webhook delivery").status()
}

async fn deliver_signed(app: &TestApp, body: &str) -> StatusCode {
    deliver(app, body, Some(&Webhook::generate_test_header(body, SECRET, None))).await
}

async fn store_state(app: &TestApp, tenant: TenantId) -> (String, Option<String>) {
    sqlx::query_as("SELECT status, billing_status FROM tenants WHERE id = $1")
        .bind(tenant)
        .fetch_one(&app.db.owner)
        .await
        .expect("the store")
}

async fn events_recorded(app: &TestApp, tenant: TenantId) -> i64 {
    app.db.count("stripe_events WHERE tenant_id = $1", tenant).await
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn the_fixtures_are_events_of_the_pinned_api_version_and_our_check_accepts_the_crates_signature() {
    for kind in FIXTURES {
        let body = fixture(kind).to_string();
        let header = Webhook::generate_test_header(&body, SECRET, None);
        let event = Webhook::construct_event(&body, &header, SECRET)
            .unwrap_or_else(|e| panic!("{kind} does not parse as an event of the pinned API version: {e}"));
        assert_eq!(event.type_.as_str(), kind);
        let expected_object = match &event.data.object {
            EventObject::CheckoutSessionCompleted(session) => session.client_reference_id.is_some(),
            EventObject::CustomerSubscriptionCreated(sub)
            | EventObject::CustomerSubscriptionUpdated(sub)
            | EventObject::CustomerSubscriptionDeleted(sub) => !sub.items.data.is_empty(),
            EventObject::InvoicePaid(invoice) | EventObject::InvoicePaymentFailed(invoice) => {
                invoice.parent.is_some()
            }
            EventObject::CustomerCreated(customer) => customer.email.is_some(),
            _ => false,
        };
        assert!(expected_object, "{kind} parsed as the wrong kind of object");
        assert_eq!(server::webhook_signature::verify(body.as_bytes(), &header, SECRET, now()), Ok(()));
    }
}

#[tokio::test]
async fn a_paid_checkout_opens_the_store_once_however_often_it_is_delivered() {
    let app = webhook_app().await;
    let store = app.db.pending_store().await;
    assert_eq!(store_state(&app, store.tenant).await, ("pending".into(), None));
    let completed = event_for("checkout.session.completed", store.tenant, now(), None);
    assert_eq!(deliver_signed(&app, &completed).await, StatusCode::OK);
    assert_eq!(store_state(&app, store.tenant).await, ("active".into(), Some("active".into())));
    let linked: (Option<String>, Option<String>) =
        sqlx::query_as("SELECT stripe_customer_id, stripe_subscription_id FROM tenants WHERE id = $1")
            .bind(store.tenant)
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
    assert_eq!(linked, (Some(format!("cus_{}", store.tenant)), Some(format!("sub_{}", store.tenant))));

    // The provider retries (a slow answer, a lost one): the same event again, freshly signed.
    assert_eq!(deliver_signed(&app, &completed).await, StatusCode::OK);
    assert_eq!(events_recorded(&app, store.tenant).await, 1);
}

#[tokio::test]
pub(crate) async fn forged_stale_and_unsigned_deliveries_are_refused_and_change_nothing() {
    let app = webhook_app().await;
    let store = app.db.pending_store().await;
    let completed = event_for("checkout.session.completed", store.tenant, now(), None);
    let forged = Webhook::generate_test_header(&completed, "whsec_someone_else", None);
    assert_eq!(deliver(&app, &completed, Some(&forged)).await, StatusCode::BAD_REQUEST);
    let stale = Webhook::generate_test_header(&completed, SECRET, Some(now() - 301));
    assert_eq!(deliver(&app, &completed, Some(&stale)).await, StatusCode::BAD_REQUEST);
    assert_eq!(deliver(&app, &completed, None).await, StatusCode::BAD_REQUEST);
    let tampered = completed.replace("\"paid\"", "\"unpaid\"");
    let signed_original = Webhook::generate_test_header(&completed, SECRET, None);
    assert_eq!(deliver(&app, &tampered, Some(&signed_original)).await, StatusCode::BAD_REQUEST);
    assert_eq!(store_state(&app, store.tenant).await, ("pending".into(), None));
    assert_eq!(events_recorded(&app, store.tenant).await, 0);

    // While a secret rolls, Stripe signs with the old and the new: any one matching will do,
    // wherever it stands in the header.
    let timestamp = now();
    let good = Webhook::generate_test_header(&completed, SECRET, Some(timestamp));
    let good_v1 = good.split_once(",v1=").unwrap().1;
    let rolled = format!("t={timestamp},v1={good_v1},v1={}", "0".repeat(64));
    let rolled_other_way = format!("t={timestamp},v1={},v1={good_v1}", "0".repeat(64));
    assert_eq!(deliver(&app, &completed, Some(&rolled)).await, StatusCode::OK);
    assert_eq!(deliver(&app, &completed, Some(&rolled_other_way)).await, StatusCode::OK);
    assert_eq!(store_state(&app, store.tenant).await.0, "active");
}

#[tokio::test]
async fn events_out_of_order_end_in_the_newest_state_which_drives_access() {
    let app = webhook_app().await;
    let (store, owner) = app.signed_in_store("Late Shop").await;
    let made = now() - 120;
    // Made: created (active), then updated (past_due). Delivered: the other way round.
    let updated = event_for("customer.subscription.updated", store.tenant, made + 30, Some("past_due"));
    let created = event_for("customer.subscription.created", store.tenant, made, Some("active"));
    assert_eq!(deliver_signed(&app, &updated).await, StatusCode::OK);
    assert_eq!(deliver_signed(&app, &created).await, StatusCode::OK);
    assert_eq!(store_state(&app, store.tenant).await.1.as_deref(), Some("past_due"));

    // Past due: read-only, said on every page, with the way to the billing portal.
    let products = owner.get("/products").await;
    assert_eq!(products.status(), 200);
    let html = products.text().await.unwrap();
    assert!(html.contains("read-only until it is paid"), "the banner is on the page");
    assert!(html.contains("Update the payment method"), "the banner offers the portal");
    assert!(!html.contains("New product"), "write controls are hidden");
    let refused = owner.call::<SaveProduct>(&[("name", "Kite"), ("sku", "K-1"), ("price", "5")]).await;
    // The refusal travels as its kind; the page words it (AppError's message).
    assert_eq!(refused.text().await.unwrap(), "\"ReadOnly\"");
    assert_refused(&owner, "\"ReadOnly\"").await;

    // Canceled: closed, only billing opens; the data stays.
    let deleted = event_for("customer.subscription.deleted", store.tenant, made + 60, Some("canceled"));
    assert_eq!(deliver_signed(&app, &deleted).await, StatusCode::OK);
    let html = owner.get("/products").await.text().await.unwrap();
    assert!(html.contains("closed until its subscription is in order"), "{html}");
    assert!(html.contains("href=\"/billing\""));
    let billing = owner.get("/billing").await.text().await.unwrap();
    // The subscription's price decides the plan: the fixtures' is the Starter price.
    assert!(billing.contains("Canceled") && billing.contains("Starter"), "{billing}");
    assert_refused(&owner, "\"Suspended\"").await;
    let kept: i64 = app.db.count("memberships WHERE tenant_id = $1", store.tenant).await;
    assert_eq!(kept, 1);
}

/// A write through a server function is refused as `refusal` (the store's state).
async fn assert_refused(owner: &Visitor, refusal: &str) {
    let response = owner.call::<SaveCustomer>(&[("name", "Ada"), ("email", "ada@example.test")]).await;
    assert!(!response.status().is_success());
    assert_eq!(response.text().await.unwrap(), refusal);
}

#[tokio::test]
async fn failed_and_paid_invoices_show_on_the_billing_page() {
    let app = webhook_app().await;
    let (store, owner) = app.signed_in_store("Invoice Shop").await;
    let made = now() - 60;
    let failed = event_for("invoice.payment_failed", store.tenant, made, None);
    assert_eq!(deliver_signed(&app, &failed).await, StatusCode::OK);
    let billing = owner.get("/billing").await.text().await.unwrap();
    assert!(billing.contains("Last payment failed"), "{billing}");
    let paid = event_for("invoice.paid", store.tenant, made + 10, None);
    assert_eq!(deliver_signed(&app, &paid).await, StatusCode::OK);
    let billing = owner.get("/billing").await.text().await.unwrap();
    assert!(!billing.contains("Last payment failed"));
}

#[tokio::test]
async fn events_the_app_does_not_act_on_are_answered_and_ignored() {
    let app = webhook_app().await;
    let body = fixture("customer.created").to_string();
    assert_eq!(deliver_signed(&app, &body).await, StatusCode::OK);
    let recorded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM stripe_events WHERE type = 'customer.created'")
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
    assert_eq!(recorded, 0);
    // Not an event at all, though signed: refused so the provider's dashboard shows it.
    assert_eq!(deliver_signed(&app, "{\"hello\":1}").await, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn without_stripe_keys_there_is_no_webhook() {
    let app = TestApp::spawn().await;
    let body = fixture("invoice.paid").to_string();
    assert_eq!(deliver_signed(&app, &body).await, StatusCode::NOT_FOUND);
}

fn signup_form(email: &str) -> [(&'static str, String); 4] {
    [
        ("email", email.to_owned()),
        ("password", "a long enough passphrase".to_owned()),
        ("store_name", "Harbour Books".to_owned()),
        ("plan", "starter".to_owned()),
    ]
}

async fn submit_signup(visitor: &Visitor, email: &str) -> String {
    let response = visitor.submit::<SignUp>("/signup", &borrowed(&signup_form(email))).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_paid_signup_goes_through_checkout_and_the_owner_is_signed_in_once_the_store_opens() {
    let stripe = StripeStandIn::start(SECRET).await;
    let app = stripe_app(&stripe.base).await;
    let visitor = app.visitor();
    let email = unique_email("harbour");
    let checkout = submit_signup(&visitor, &email).await;
    assert!(checkout.starts_with(&format!("{}/pay/cs_test_", stripe.base)), "{checkout}");

    let tenant = store_of(&app, &email).await;
    assert_eq!(store_state(&app, tenant).await, ("pending".into(), None));
    let state = stripe.state().await;
    let create = &state["requests"][0];
    assert_eq!(create["path"], "/v1/checkout/sessions");
    assert_eq!(create["idempotencyKey"], format!("signup-{tenant}"));
    assert_eq!(state["sessions"][0]["client_reference_id"], tenant.to_string());
    assert_eq!(state["sessions"][0]["mode"], "subscription");

    // Not paid yet: the welcome page waits and looks again by itself.
    let waiting = visitor.get("/signup/welcome").await.text().await.unwrap();
    assert!(
        waiting.contains("Setting up your store") && waiting.contains("http-equiv=\"refresh\""),
        "{waiting}"
    );

    // Pay on the stand-in's hosted page: back to the welcome page; the events follow.
    let back = pay(&checkout).await;
    assert_eq!(back.status(), 303);
    let success = back.headers()["location"].to_str().unwrap().to_owned();
    assert!(success.starts_with(&format!("{}/signup/welcome?session_id=cs_test_", app.base)), "{success}");
    wait_until_open(&app, tenant).await;

    let ready = visitor.client.get(&success).send().await.unwrap();
    assert_eq!(ready.headers()["location"], "/?welcome=ready");
    let home = visitor.get("/").await.text().await.unwrap();
    assert!(home.contains("Harbour Books"), "signed in to the new store");
    let billing = visitor.get("/billing").await.text().await.unwrap();
    assert!(billing.contains("Starter") && billing.contains("Active"), "{billing}");
    assert!(billing.contains("Next invoice"));

    // The billing portal of the store's customer, through the provider.
    let portal = visitor.call::<OpenBillingPortal>(&[]).await;
    let location = portal.headers().get("location").or(portal.headers().get("serverfnredirect"));
    let location = location.expect("a redirect to the portal").to_str().unwrap();
    assert!(location.starts_with(&format!("{}/portal/", stripe.base)), "{location}");

    // A running subscription is not bought a second time.
    let again = visitor.call::<StartSubscription>(&[]).await;
    assert!(!again.status().is_success());
    assert!(again.text().await.unwrap().contains("subscription is running"));
    assert_eq!(stripe.state().await["sessions"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_store_still_waiting_for_its_payment_can_go_to_checkout_again() {
    let stripe = StripeStandIn::start(SECRET).await;
    let app = stripe_app(&stripe.base).await;
    let store = app.db.pending_store().await;
    let owner = app.visitor();
    owner.sign_in(&store.owner_email, domain::testing::TEST_PASSWORD).await;
    let products = owner.get("/products").await.text().await.unwrap();
    assert!(products.contains("opens once its first payment is confirmed"), "{products}");
    let billing = owner.get("/billing").await.text().await.unwrap();
    assert!(billing.contains("Pay and open the store"), "{billing}");
    let checkout = owner.call::<StartSubscription>(&[]).await;
    let location = checkout.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(&format!("{}/pay/", stripe.base)), "{location}");
    let state = stripe.state().await;
    assert_eq!(state["sessions"][0]["client_reference_id"], store.tenant.to_string());
}

/// A store signed up for Starter and paid for through the stand-in the app is configured with,
/// open once the payment's events arrived.
pub(crate) async fn paid_signup(app: &TestApp) -> TenantId {
    let visitor = app.visitor();
    let email = unique_email("paying");
    let checkout = submit_signup(&visitor, &email).await;
    let tenant = store_of(app, &email).await;
    assert_eq!(pay(&checkout).await.status(), 303);
    wait_until_open(app, tenant).await;
    tenant
}

/// The store the signup of `email` made.
async fn store_of(app: &TestApp, email: &str) -> TenantId {
    sqlx::query_scalar(
        "SELECT m.tenant_id FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE a.email = $1",
    )
    .bind(email)
    .fetch_one(&app.db.owner)
    .await
    .unwrap()
}

/// "Pay" on the stand-in's hosted checkout page; its redirect back to the app is not followed.
async fn pay(checkout: &str) -> reqwest::Response {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    client.post(checkout).form(&[("card", "4242")]).send().await.unwrap()
}

async fn wait_until_open(app: &TestApp, tenant: TenantId) {
    for _ in 0..200 {
        if store_state(app, tenant).await.0 == "active" {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the store did not open after its payment's events");
}

#[tokio::test]
async fn leaving_checkout_gives_the_form_back_and_the_email_can_sign_up_again() {
    let stripe = StripeStandIn::start(SECRET).await;
    let app = stripe_app(&stripe.base).await;
    let visitor = app.visitor();
    let email = unique_email("undecided");
    submit_signup(&visitor, &email).await;

    let form = visitor.get("/signup?cancelled=1").await.text().await.unwrap();
    assert!(form.contains("nothing was charged"), "{form}");
    assert!(form.contains(&format!("value=\"{email}\"")), "the email is kept");
    assert!(form.contains("value=\"Harbour Books\""), "the store name is kept");
    let account: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1")
        .bind(&email)
        .fetch_optional(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(account, None, "the unpaid signup is undone");
    let state = stripe.state().await;
    assert_eq!(state["sessions"][0]["status"], "expired", "the left session can no longer be paid");

    let again = submit_signup(&visitor, &email).await;
    assert!(again.starts_with(&format!("{}/pay/", stripe.base)), "{again}");
}

/// A paid signup sent again with its form's key (its answer lost on the way to checkout) goes
/// back to the same Checkout Session, and once paid, a repeat signs the owner in instead.
#[tokio::test]
async fn a_paid_signup_sent_again_goes_to_the_same_checkout_then_signs_in_once_paid() {
    let stripe = StripeStandIn::start(SECRET).await;
    let app = stripe_app(&stripe.base).await;
    let email = unique_email("twice");
    let page = app.visitor().get("/signup").await.text().await.unwrap();
    let mut form = signup_form(&email).to_vec();
    form.push((app::form_key::FIELD, form_key_in(&page).to_owned()));
    let form = borrowed(&form);
    let send = |visitor: Visitor| {
        let form = form.clone();
        async move {
            let response = visitor.submit::<SignUp>("/signup", &form).await;
            (response.headers()["location"].to_str().unwrap().to_owned(), visitor)
        }
    };

    let (checkout, _) = send(app.visitor()).await;
    let (again, _) = send(app.visitor()).await;
    assert!(checkout.starts_with(&format!("{}/pay/cs_test_", stripe.base)), "{checkout}");
    assert_eq!(again, checkout, "the same Checkout Session");
    let tenant = store_of(&app, &email).await;
    assert_eq!(stripe.state().await["sessions"].as_array().map(Vec::len), Some(1));

    assert_eq!(pay(&checkout).await.status(), 303);
    wait_until_open(&app, tenant).await;
    let (paid, visitor) = send(app.visitor()).await;
    assert_eq!(paid, "/?welcome=ready", "the store is open: no second payment");
    assert!(visitor.get("/").await.text().await.unwrap().contains("Harbour Books"));
    assert_eq!(app.db.count("memberships WHERE tenant_id = $1", tenant).await, 1);
}
