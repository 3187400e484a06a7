//! The admin panel through HTTP: who reaches it, what each staff role may do, and what a
//! support session opens. Every admin server function joins `admin_calls` when it is written.

use crate::common::{borrowed, TestApp, Visitor};
use crate::roles::{member, ROLES};
use app::admin::{
    ActOnStore, EndSupportSession, GetPlatformOverview, GetStore, GetSupportNotice, ListStores,
    StartSupportSession,
};
use app::billing::GetBilling;
use app::customers::{GetCustomer, SaveCustomer};
use app::figures::GetStoreOverview;
use app::orders::{GetNewOrderChoices, GetOrder};
use app::products::{GetProduct, ListProducts, SaveProduct};
use app::settings::GetSettings;
use app::team::{GetTeam, InviteMember};
use domain::staff::StaffRole;
use domain::testing::{TestStore, TEST_PASSWORD};
use leptos::server_fn::ServerFn;

/// Calls every admin server function with arguments that would work for an admin; gives each
/// answer's status and body.
async fn admin_calls(visitor: &Visitor, store: &TestStore) -> Vec<(&'static str, u16, String)> {
    let id = store.tenant.to_string();
    let form_calls: [(&str, Vec<(&str, &str)>); 6] = [
        (GetPlatformOverview::PATH, vec![]),
        (GetStore::PATH, vec![("id", &id)]),
        (
            ActOnStore::PATH,
            vec![("id", &id), ("action", "suspend"), ("reason", "Testing"), ("confirm", "yes")],
        ),
        (StartSupportSession::PATH, vec![("id", &id), ("reason", "Testing")]),
        (EndSupportSession::PATH, vec![]),
        (GetSupportNotice::PATH, vec![]),
    ];
    let mut answers = Vec::new();
    for (endpoint, form) in form_calls {
        let response = visitor.call_path(endpoint, &form).await;
        answers.push((endpoint, response.status().as_u16(), response.text().await.unwrap()));
    }
    let query = serde_json::json!({ "query": { "q": "", "state": "", "plan": "", "sort": "", "after": "", "before": "" } });
    let response = visitor.call_json::<ListStores>(&query).await;
    answers.push((ListStores::PATH, response.status().as_u16(), response.text().await.unwrap()));
    answers
}

/// Calls `admin_act_on_store`: whether it succeeded, and its answer.
async fn act(visitor: &Visitor, form: Vec<(&'static str, String)>) -> (bool, String) {
    let response = visitor.call::<ActOnStore>(&borrowed(&form)).await;
    (response.status().is_success(), response.text().await.unwrap())
}

async fn store_status(app: &TestApp, store: &TestStore) -> String {
    sqlx::query_scalar("SELECT status FROM tenants WHERE id = $1")
        .bind(store.tenant)
        .fetch_one(&app.db.owner)
        .await
        .unwrap()
}

#[tokio::test]
pub(crate) async fn no_store_role_reaches_any_admin_page_or_function() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    let signed_out = app.visitor();
    let mut visitors = vec![("signed out", signed_out)];
    for role in ROLES {
        visitors.push((role.as_str(), member(&app, &store, role).await));
    }
    for (who, visitor) in &visitors {
        for (endpoint, status, body) in admin_calls(visitor, &store).await {
            if endpoint == GetSupportNotice::PATH {
                // Every page asks; for anyone but staff in a support session it says nothing.
                assert_eq!((status, body.as_str()), (200, "null"), "{who}: {endpoint}");
                continue;
            }
            assert!(status >= 400, "{who}: {endpoint} answered {status}: {body}");
            let expected = if *who == "signed out" { "SignedOut" } else { "NotStaff" };
            assert!(body.contains(expected), "{who}: {endpoint}: {body}");
        }
        for page in ["/admin", "/admin/stores", &format!("/admin/stores/{}", store.tenant)] {
            let html = visitor.get(page).await.text().await.unwrap();
            assert!(!html.contains(&store.owner_email), "{who}: {page} showed the store's owner");
            assert!(!html.contains("data-testid=\"staff\""), "{who}: {page} showed the admin panel");
            if *who != "signed out" {
                assert!(html.contains("This page is for the platform"), "{who}: {page}: no explanation");
            }
        }
    }
    assert_eq!(store_status(&app, &store).await, "active");
}

#[tokio::test]
async fn staff_sign_in_to_the_panel_and_reach_no_store_function_without_a_support_session() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    app.db.add_orders(store.tenant, 2, &["paid"]).await;
    let visitor = app.signed_in_staff(StaffRole::Admin).await;
    let overview = visitor.get("/admin").await.text().await.unwrap();
    assert!(overview.contains("Platform overview"), "{overview}");
    let detail = visitor.get(&format!("/admin/stores/{}", store.tenant)).await.text().await.unwrap();
    assert!(detail.contains("Corner Shop") && detail.contains(&store.owner_email));
    assert!(!detail.contains("Ada Okafor"), "a customer's name on the store's admin page");

    for (endpoint, form) in tenant_calls() {
        let response = visitor.call_path(endpoint, &form).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(status.as_u16() >= 400 && body.contains("SignedOut"), "{endpoint}: {status} {body}");
    }
    let products = visitor
        .call_json::<ListProducts>(
            &serde_json::json!({ "query": { "q": "", "sort": "", "archived": false, "page": 1 } }),
        )
        .await;
    assert!(products.text().await.unwrap().contains("SignedOut"));
    let home = visitor.get("/").await.text().await.unwrap();
    assert!(!home.contains("Linen Tote"), "the dashboard showed a store's products");
}

/// Store server functions taking form arguments, with arguments a member's call would carry.
fn tenant_calls() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    vec![
        (GetStoreOverview::PATH, vec![("period", "Last30Days")]),
        (GetProduct::PATH, vec![]),
        (SaveProduct::PATH, vec![("name", "Tote"), ("sku", "T-1"), ("price", "5")]),
        (GetCustomer::PATH, vec![]),
        (SaveCustomer::PATH, vec![("name", "Ada"), ("email", "ada@example.test")]),
        (GetNewOrderChoices::PATH, vec![]),
        (GetTeam::PATH, vec![]),
        (InviteMember::PATH, vec![("email", "new@example.test"), ("role", "member")]),
        (GetSettings::PATH, vec![]),
        (GetBilling::PATH, vec![]),
    ]
}

#[tokio::test]
async fn support_staff_look_and_admins_act_with_a_reason_and_a_confirmation() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    let id = store.tenant.to_string();
    let suspend = |reason: &'static str, confirm: &'static str| {
        vec![
            ("id", id.clone()),
            ("action", "suspend".to_owned()),
            ("reason", reason.to_owned()),
            ("confirm", confirm.to_owned()),
        ]
    };

    let support = app.signed_in_staff(StaffRole::Support).await;
    let (ok, body) = act(&support, suspend("Chargebacks", "yes")).await;
    assert!(!ok && body.contains("Forbidden"), "{body}");
    let page = support.get(&format!("/admin/stores/{id}")).await.text().await.unwrap();
    assert!(!page.contains("Suspend the store"), "support staff were offered the action");

    let admin = app.signed_in_staff(StaffRole::Admin).await;
    let (ok, body) = act(&admin, suspend("Chargebacks", "")).await;
    assert!(!ok && body.contains("Tick the box to confirm."), "{body}");
    let (ok, body) = act(&admin, suspend("  ", "yes")).await;
    assert!(!ok && body.contains("Give a reason"), "{body}");
    assert_eq!(store_status(&app, &store).await, "active", "a refused action changed the store");

    let (ok, body) = act(&admin, suspend("Chargebacks", "yes")).await;
    assert!(ok, "{body}");
    assert_eq!(store_status(&app, &store).await, "suspended");
    let page = admin.get(&format!("/admin/stores/{id}")).await.text().await.unwrap();
    assert!(
        page.contains("Suspended by staff") && page.contains("Chargebacks"),
        "the page and its audit log"
    );

    // The store's owner is told who closed it, and that billing will not reopen it.
    let owner = app.visitor();
    owner.sign_in(&store.owner_email, TEST_PASSWORD).await;
    let refused = owner.call::<GetTeam>(&[]).await.text().await.unwrap();
    assert!(refused.contains("SuspendedByPlatform"), "{refused}");
    let billing = owner.get("/billing").await.text().await.unwrap();
    assert!(billing.contains("suspended the store") && billing.contains("Contact support"), "{billing}");
    assert!(!billing.contains("Start a subscription again"), "billing offered to reopen it");
}

#[tokio::test]
async fn a_revoked_members_session_ends_at_once() {
    let app = TestApp::spawn().await;
    let (store, owner) = app.signed_in_store("Corner Shop").await;
    assert!(owner.call::<GetTeam>(&[]).await.status().is_success());
    let admin = app.signed_in_staff(StaffRole::Admin).await;
    let account = store.owner.to_string();
    let form = vec![
        ("id", store.tenant.to_string()),
        ("action", "revoke_sessions".into()),
        ("account_id", account),
        ("reason", "Lost laptop".into()),
        ("confirm", "yes".into()),
    ];
    let (ok, body) = act(&admin, form).await;
    assert!(ok, "{body}");

    let after = owner.call::<GetTeam>(&[]).await.text().await.unwrap();
    assert!(after.contains("SignedOut"), "{after}");
    let again = app.visitor();
    assert_eq!(again.sign_in(&store.owner_email, TEST_PASSWORD).await.headers()["location"], "/");
    assert!(again.call::<GetTeam>(&[]).await.status().is_success(), "a new sign-in works");
}

#[tokio::test]
async fn a_support_session_shows_the_store_read_only_with_a_banner_until_it_ends() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    app.db.add_orders(store.tenant, 1, &["paid"]).await;
    let visitor = app.signed_in_staff(StaffRole::Support).await;

    let missing =
        visitor.call::<StartSupportSession>(&[("id", &store.tenant.to_string()), ("reason", " ")]).await;
    assert!(missing.text().await.unwrap().contains("Give a reason"));
    let started = visitor
        .call::<StartSupportSession>(&[("id", &store.tenant.to_string()), ("reason", "Order #1 question")])
        .await;
    assert!(started.status().is_success() || started.status().is_redirection(), "{}", started.status());

    let home = visitor.get("/").await.text().await.unwrap();
    assert!(home.contains("Support session in Corner Shop"), "the banner");
    assert!(home.contains("Order #1 question"));
    assert!(home.contains("Ada Okafor"), "the store's recent orders");
    let orders = visitor.get("/orders").await.text().await.unwrap();
    assert!(orders.contains("Support session in Corner Shop"), "the banner on every page");

    let write = visitor.call::<SaveCustomer>(&[("name", "Sneaky"), ("email", "sneaky@example.test")]).await;
    let body = write.text().await.unwrap();
    assert!(!body.is_empty() && (body.contains("Forbidden") || body.contains("ReadOnly")), "{body}");
    let customers: i64 = app.db.count("customers WHERE tenant_id = $1", store.tenant).await;
    assert_eq!(customers, 1, "a support session wrote");
    let billing = visitor.call::<GetBilling>(&[]).await.text().await.unwrap();
    assert!(billing.contains("Forbidden"), "support read the billing: {billing}");

    let ended = visitor.call::<EndSupportSession>(&[]).await;
    assert!(ended.status().is_success() || ended.status().is_redirection());
    let after = visitor.call::<GetStoreOverview>(&[("period", "Last30Days")]).await.text().await.unwrap();
    assert!(after.contains("SignedOut"), "{after}");
    let home = visitor.get("/").await.text().await.unwrap();
    assert!(!home.contains("Support session in"), "the banner outlived the session");
}

#[tokio::test]
pub(crate) async fn a_support_session_reaches_its_own_store_only() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    let other = app.db.store("Other Shop").await;
    let other_order = app.db.add_orders(other.tenant, 1, &["paid"]).await[0];
    let other_customer: i64 = sqlx::query_scalar("SELECT id FROM customers WHERE tenant_id = $1")
        .bind(other.tenant)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    let visitor = app.signed_in_staff(StaffRole::Support).await;
    let started = visitor
        .call::<StartSupportSession>(&[("id", &store.tenant.to_string()), ("reason", "Question")])
        .await;
    assert!(started.status().is_success() || started.status().is_redirection(), "{}", started.status());

    for (endpoint, id) in [(GetOrder::PATH, other_order), (GetCustomer::PATH, other_customer)] {
        let body = visitor.call_path(endpoint, &[("id", &id.to_string())]).await.text().await.unwrap();
        assert!(body.contains("NotFound"), "{endpoint} of another store: {body}");
    }
    let page = visitor.get(&format!("/orders/{other_order}")).await;
    assert_eq!(page.status(), 404);
    let html = page.text().await.unwrap();
    assert!(!html.contains("Ada Okafor") && !html.contains("Other Shop"), "another store's order showed");
}

#[tokio::test]
async fn a_paying_stores_plan_and_trial_change_at_stripe_first_and_stay_in_step() {
    use crate::billing::{paid_signup, stripe_app, STRIPE_SECRET};
    use crate::common::StripeStandIn;

    let stripe = StripeStandIn::start(STRIPE_SECRET).await;
    let app = stripe_app(&stripe.base).await;
    let tenant = paid_signup(&app).await;
    let subscription: String = sqlx::query_scalar("SELECT stripe_subscription_id FROM tenants WHERE id = $1")
        .bind(tenant)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    let admin = app.signed_in_staff(StaffRole::Admin).await;
    let action = |action: &'static str, field: (&'static str, &'static str)| {
        vec![
            ("id", tenant.to_string()),
            ("action", action.to_owned()),
            (field.0, field.1.to_owned()),
            ("reason", "Asked by the owner".to_owned()),
            ("confirm", "yes".to_owned()),
        ]
    };
    let stripe_subscription = || async {
        let state = stripe.state().await;
        let subs = state["subscriptions"].as_array().unwrap().clone();
        subs.into_iter().find(|s| s["id"] == subscription.as_str()).expect("the store's subscription")
    };

    // A plan with no price cannot replace a paid subscription: nothing changes anywhere.
    let (ok, body) = act(&admin, action("change_plan", ("plan", "free"))).await;
    assert!(!ok && body.contains("no price there"), "{body}");

    let (ok, body) = act(&admin, action("change_plan", ("plan", "growth"))).await;
    assert!(ok, "{body}");
    let sub = stripe_subscription().await;
    assert_eq!(sub["items"]["data"][0]["price"]["id"], "price_growth_monthly", "Stripe's price");
    let plan = || async {
        sqlx::query_as::<_, (String, Option<chrono::DateTime<chrono::Utc>>)>(
            "SELECT plan_id, trial_ends_at FROM tenants WHERE id = $1",
        )
        .bind(tenant)
        .fetch_one(&app.db.owner)
        .await
        .unwrap()
    };
    assert_eq!(plan().await.0, "growth");

    // Only a store on trial has its trial extended; Stripe starts one (from its dashboard, say).
    let (ok, body) = act(&admin, action("extend_trial", ("days", "14"))).await;
    assert!(!ok && body.contains("Only a store on trial"), "{body}");
    let webhook = format!("{}/webhooks/stripe", app.base);
    let trial = reqwest::Client::new()
        .post(format!("{}/_standin/subscriptions/{subscription}", stripe.base))
        .form(&[("status", "trialing"), ("webhook_url", &webhook)])
        .send()
        .await
        .unwrap();
    assert!(trial.status().is_success());
    let trial_end = stripe_subscription().await["trial_end"].as_i64().unwrap();
    assert_eq!(plan().await.1.map(|t| t.timestamp()), Some(trial_end), "the trial's end from Stripe's event");

    let (ok, body) = act(&admin, action("extend_trial", ("days", "120"))).await;
    assert!(!ok && body.contains("from 1 to 90"), "{body}");
    let (ok, body) = act(&admin, action("extend_trial", ("days", "14"))).await;
    assert!(ok && body.contains("The trial now ends on"), "{body}");
    let extended = trial_end + 14 * 86_400;
    assert_eq!(stripe_subscription().await["trial_end"], extended, "Stripe's trial end");
    assert_eq!(plan().await.1.map(|t| t.timestamp()), Some(extended));

    // Stripe's events about the changes arrive afterwards and agree with the store's row.
    let mut events = 0;
    for _ in 0..100 {
        let delivered = stripe.state().await["delivered"].as_array().unwrap().clone();
        events = delivered.iter().filter(|d| d["type"] == "customer.subscription.updated").count();
        if events == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(events, 3, "the updates' events were not all delivered");
    assert_eq!(plan().await, ("growth".to_owned(), chrono::DateTime::from_timestamp(extended, 0)));

    let page = admin.get(&format!("/admin/stores/{tenant}")).await.text().await.unwrap();
    assert!(page.contains("store.plan_changed") && page.contains("store.trial_extended"), "the audit log");
}
