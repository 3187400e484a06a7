//! The cross-tenant isolation suite: two stores with identical data; as store A, every route
//! and server function is tried against store B. Every attempt must fail or show only A.
//! Each new tenant-facing route or server function joins this file when it is written.

use app::billing::{GetBilling, GetStoreNotice, OpenBillingPortal, StartSubscription};
use app::customers::{GetCustomer, ListCustomers, SaveCustomer};
use app::figures::GetStoreOverview;
use app::orders::{ChangeOrderStatus, CreateOrder, GetNewOrderChoices, GetOrder, ListOrders};
use app::products::{ArchiveProduct, GetProduct, LastImportReport, ListProducts, SaveProduct};
use app::settings::{DeleteStore, GetSettings, ListAudit, SaveSettings};
use app::stores::GetMyStores;
use app::team::{ChangeMemberRole, GetTeam, InviteMember, RemoveMember, RevokeInvitation};
use domain::testing::TestStore;
use leptos::server_fn::ServerFn;

use crate::common::{TestApp, Visitor};

/// Calls the store function `F` about the session's own row (`own`), which must work (the
/// positive control: a wrong name or a broken call fails here), then about another store's row
/// (`theirs`), which must be answered as if it did not exist, so ids of other stores cannot even
/// be probed.
async fn assert_only_own<F: ServerFn>(visitor: &Visitor, own: &[(&str, &str)], theirs: &[(&str, &str)]) {
    let response = visitor.call::<F>(own).await;
    let status = response.status();
    assert!(
        status.as_u16() < 400,
        "{} on the store's own row: {status} {}",
        F::PATH,
        response.text().await.unwrap()
    );
    let response = visitor.call::<F>(theirs).await;
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(
        status == 404 && body.contains("NotFound"),
        "{} on another store's row: {status} {body}",
        F::PATH
    );
}

/// A customer of `store`, written as its owner would.
async fn customer_of(app: &TestApp, store: &TestStore, name: &str) -> i64 {
    sqlx::query_scalar("INSERT INTO customers (tenant_id, name, email) VALUES ($1, $2, $3) RETURNING id")
        .bind(store.tenant)
        .bind(name)
        .bind(format!("{}@example.test", name.to_lowercase().replace(' ', ".")))
        .fetch_one(&app.db.owner)
        .await
        .unwrap()
}

/// Gives a store `orders` paid orders of 17.50 each, the newest placed now.
async fn give_orders(app: &TestApp, store: &TestStore, orders: i64) {
    app.db.add_orders(store.tenant, orders, &["paid"]).await;
}

#[tokio::test]
async fn the_home_page_shows_only_the_signed_in_store() {
    let app = TestApp::spawn().await;
    let (a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    give_orders(&app, &a, 3).await;
    give_orders(&app, &b, 7).await;

    let html = visitor.get("/").await.text().await.unwrap();
    assert!(html.contains("Alpha Goods"));
    assert!(!html.contains("Bravo Goods"));
    assert!(html.contains("$52.50"), "store A's revenue is missing");
    assert!(!html.contains("$122.50"), "store B's revenue leaked");
    // The tenant never comes from the request: a tenant id in the query changes nothing.
    let html =
        visitor.get(&format!("/?tenant_id={}&tenant={}", b.tenant, b.tenant)).await.text().await.unwrap();
    assert!(html.contains("Alpha Goods") && !html.contains("Bravo Goods"));
}

#[tokio::test]
async fn store_overview_answers_for_the_sessions_store_only() {
    let app = TestApp::spawn().await;
    let (_a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    give_orders(&app, &b, 5).await;

    let tenant = b.tenant.to_string();
    let call = visitor.call::<GetStoreOverview>(&[("period", "Last30Days"), ("tenant_id", &tenant)]).await;
    let body = call.text().await.unwrap();
    assert!(body.contains("Alpha Goods"), "{body}");
    assert!(!body.contains("Bravo Goods"), "{body}");
    assert!(body.contains("\"orders\":0"), "{body}");
}

#[tokio::test]
async fn a_removed_member_loses_the_store_at_once() {
    let app = TestApp::spawn().await;
    let (a, visitor) = app.signed_in_store("Alpha Goods").await;
    sqlx::query("DELETE FROM memberships WHERE tenant_id = $1")
        .bind(a.tenant)
        .execute(&app.db.owner)
        .await
        .unwrap();
    let html = visitor.get("/").await.text().await.unwrap();
    assert!(!html.contains("Alpha Goods"));
    assert!(html.contains("Run your store from one place"));
}

#[tokio::test]
async fn choosing_another_stores_id_is_refused() {
    let app = TestApp::spawn().await;
    let (_a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    let response = visitor.post_form("/auth/choose-store", &[("tenant_id", &b.tenant.to_string())]).await;
    assert_eq!(response.headers()["location"], "/auth/choose-store?error=not-a-member");
    let html = visitor.get("/").await.text().await.unwrap();
    assert!(html.contains("Alpha Goods") && !html.contains("Bravo Goods"), "the session moved to store B");
}

#[tokio::test]
async fn my_stores_lists_only_the_persons_own_stores() {
    let app = TestApp::spawn().await;
    let (_a, visitor) = app.signed_in_store("Alpha Goods").await;
    app.db.store("Bravo Goods").await;
    let body = visitor.call::<GetMyStores>(&[]).await.text().await.unwrap();
    assert!(body.contains("Alpha Goods") && !body.contains("Bravo Goods"), "{body}");
}

#[tokio::test]
async fn list_orders_shows_only_the_sessions_store() {
    let app = TestApp::spawn().await;
    let (a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    let a_orders = app.db.add_orders(a.tenant, 2, &["paid"]).await;
    let b_orders = app.db.add_orders(b.tenant, 3, &["paid"]).await;

    let tenant = b.tenant.to_string();
    let body = visitor
        .call_json::<ListOrders>(&serde_json::json!({ "query": { "page": 1 }, "tenant_id": b.tenant }))
        .await
        .text()
        .await
        .unwrap();
    assert!(body.contains("\"matching\":2"), "{body}");
    assert!(body.contains("Alpha Goods") && !body.contains("Bravo Goods"), "{body}");
    for id in &b_orders {
        assert!(!body.contains(&format!("\"id\":{id},")), "store B's order {id} leaked: {body}");
    }
    let html = visitor.get(&format!("/orders?tenant_id={tenant}")).await.text().await.unwrap();
    assert!(html.contains(&format!("href=\"/orders/{}\"", a_orders[0])));
    assert!(!html.contains(&format!("href=\"/orders/{}\"", b_orders[0])));
}

#[tokio::test]
async fn another_stores_order_is_not_found_by_id() {
    let app = TestApp::spawn().await;
    let (a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    let a_order = app.db.add_orders(a.tenant, 1, &["paid"]).await[0];
    let b_order = app.db.add_orders(b.tenant, 1, &["paid"]).await[0];
    assert_eq!(visitor.get(&format!("/orders/{a_order}")).await.status(), 200);

    let page = visitor.get(&format!("/orders/{b_order}")).await;
    assert_eq!(page.status(), 404);
    let html = page.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(!html.contains("Ada Okafor") && !html.contains("Bravo Goods"));

    assert_only_own::<GetOrder>(&visitor, &[("id", &a_order.to_string())], &[("id", &b_order.to_string())])
        .await;
}

#[tokio::test]
async fn another_stores_order_cannot_be_changed() {
    let app = TestApp::spawn().await;
    let (a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    let a_order = app.db.add_orders(a.tenant, 1, &["pending"]).await[0];
    let b_order = app.db.add_orders(b.tenant, 1, &["pending"]).await[0];
    let (a_id, b_id) = (a_order.to_string(), b_order.to_string());
    assert_only_own::<ChangeOrderStatus>(
        &visitor,
        &[("id", &a_id), ("status", "paid")],
        &[("id", &b_id), ("status", "paid")],
    )
    .await;
    let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
        .bind(b_order)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(status, "pending", "store B's order changed");
}

#[tokio::test]
async fn the_dashboard_lists_no_other_stores_orders_or_products() {
    let app = TestApp::spawn().await;
    let (a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    let b_orders = app.db.add_orders(b.tenant, 3, &["paid"]).await;
    let html = visitor.get("/?period=90").await.text().await.unwrap();
    assert!(html.contains("No orders yet."), "store A has no orders of its own");
    assert!(!html.contains("Linen Tote"), "store B's products leaked");
    for id in b_orders {
        assert!(!html.contains(&format!("/orders/{id}\"")), "store B's order {id} leaked");
    }
    let _ = a;
}

/// A product of store B, made through the data layer as B's owner.
async fn product_of(app: &TestApp, store: &TestStore, sku: &str) -> i64 {
    use domain::products::{ProductDraft, ProductInput};
    let scope = app.db.scope(store.owner, store.tenant).await;
    let input = ProductInput { name: format!("Bravo {sku}"), sku: sku.into(), price: "9.99".into() };
    domain::products::create(&app.db.db, &scope, &ProductDraft::parse(&input, "USD").unwrap(), None)
        .await
        .unwrap()
}

#[tokio::test]
async fn another_stores_products_cannot_be_seen_changed_or_exported() {
    let app = TestApp::spawn().await;
    let (a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    let b_product = product_of(&app, &b, "B-1").await;
    let a_product = product_of(&app, &a, "A-1").await;
    let (id, own) = (b_product.to_string(), a_product.to_string());

    let list = visitor
        .call_json::<ListProducts>(
            &serde_json::json!({ "query": { "q": "", "sort": "", "archived": false, "page": 1 } }),
        )
        .await;
    let body = list.text().await.unwrap();
    assert!(body.contains("\"matching\":1") && body.contains("Bravo A-1"), "store A's own product: {body}");
    assert!(!body.contains("Bravo B-1"), "{body}");
    assert!(!visitor.get("/products?q=Bravo").await.text().await.unwrap().contains("Bravo B-1"));
    assert_eq!(visitor.get(&format!("/products/{own}")).await.status(), 200);
    assert_eq!(visitor.get(&format!("/products/{id}")).await.status(), 404);
    assert_only_own::<GetProduct>(&visitor, &[("id", &own)], &[("id", &id)]).await;
    assert_only_own::<SaveProduct>(
        &visitor,
        &[("id", &own), ("name", "Mine"), ("sku", "A-1"), ("price", "1")],
        &[("id", &id), ("name", "Stolen"), ("sku", "B-1"), ("price", "0")],
    )
    .await;
    assert_only_own::<ArchiveProduct>(
        &visitor,
        &[("id", &own), ("archived", "true")],
        &[("id", &id), ("archived", "true")],
    )
    .await;
    let (name, price, archived): (String, i64, bool) =
        sqlx::query_as("SELECT name, price_cents, archived_at IS NOT NULL FROM products WHERE id = $1")
            .bind(b_product)
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
    assert_eq!((name.as_str(), price, archived), ("Bravo B-1", 999, false), "store B's product changed");

    let csv = visitor.get("/products/export.csv").await.text().await.unwrap();
    assert_eq!(
        csv, "sku,name,price,status\nA-1,Mine,1.00,archived\n",
        "store B's products leaked into the export"
    );
    // An import with B's SKU creates A's own product and leaves B's alone.
    let part = reqwest::multipart::Part::bytes(b"sku,name,price\nB-1,Mine,1\n".to_vec()).file_name("p.csv");
    let form = reqwest::multipart::Form::new().part("file", part);
    visitor.client.post(visitor.url("/products/import")).multipart(form).send().await.unwrap();
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM products WHERE tenant_id = ANY($1) AND sku = 'B-1' ORDER BY name",
    )
    .bind(vec![a.tenant, b.tenant])
    .fetch_all(&app.db.owner)
    .await
    .unwrap();
    assert_eq!(names, ["Bravo B-1", "Mine"]);
}

#[tokio::test]
async fn an_import_report_shows_only_in_the_store_it_was_made_for() {
    let app = TestApp::spawn().await;
    let (a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    // One person in both stores imports into B, then switches to A.
    app.db.add_member(b.tenant, a.owner, domain::Role::Owner).await;
    visitor.post_form("/auth/choose-store", &[("tenant_id", &b.tenant.to_string())]).await;
    let part = reqwest::multipart::Part::bytes(b"sku,name,price\nBRAVO-SECRET,Bravo Secret,oops\n".to_vec())
        .file_name("p.csv");
    let form = reqwest::multipart::Form::new().part("file", part);
    visitor.client.post(visitor.url("/products/import")).multipart(form).send().await.unwrap();
    visitor.post_form("/auth/choose-store", &[("tenant_id", &a.tenant.to_string())]).await;
    let report = visitor.call::<LastImportReport>(&[]).await.text().await.unwrap();
    assert!(report.contains("Alpha Goods") && report.contains("\"report\":null"), "{report}");
    assert!(!report.contains("BRAVO-SECRET") && !report.contains("line"), "{report}");
    // Positive control: in B, the report is there, once.
    visitor.post_form("/auth/choose-store", &[("tenant_id", &b.tenant.to_string())]).await;
    let report = visitor.call::<LastImportReport>(&[]).await.text().await.unwrap();
    assert!(report.contains("Bravo Goods") && report.contains("price: Enter an amount"), "{report}");
}

#[tokio::test]
async fn another_stores_customers_cannot_be_seen_changed_or_ordered_for() {
    let app = TestApp::spawn().await;
    let (a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    let b_product = product_of(&app, &b, "B-1").await;
    let a_product = product_of(&app, &a, "A-1").await;
    let b_customer = customer_of(&app, &b, "Bea Bravo").await;
    let a_customer = customer_of(&app, &a, "Ann Alpha").await;
    let (id, own) = (b_customer.to_string(), a_customer.to_string());

    let list = visitor
        .call_json::<ListCustomers>(&serde_json::json!({ "query": { "q": "", "sort": "", "page": 1 } }))
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("Ann Alpha") && !list.contains("Bea Bravo"), "{list}");
    assert_eq!(visitor.get(&format!("/customers/{own}")).await.status(), 200);
    assert_eq!(visitor.get(&format!("/customers/{id}")).await.status(), 404);
    assert_only_own::<GetCustomer>(&visitor, &[("id", &own)], &[("id", &id)]).await;
    assert_only_own::<SaveCustomer>(
        &visitor,
        &[("id", &own), ("name", "Ann Alpha"), ("email", "ann.alpha@example.test")],
        &[("id", &id), ("name", "Stolen"), ("email", "x@example.test")],
    )
    .await;
    let name: String = sqlx::query_scalar("SELECT name FROM customers WHERE id = $1")
        .bind(b_customer)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(name, "Bea Bravo");

    // The new-order form offers none of B's customers or products, and an order naming them is refused.
    let form = visitor.call::<GetNewOrderChoices>(&[]).await.text().await.unwrap();
    assert!(form.contains("Ann Alpha") && form.contains("Bravo A-1"), "store A's own choices: {form}");
    assert!(!form.contains("Bea Bravo") && !form.contains("Bravo B-1"), "{form}");
    let searched =
        visitor.call::<GetNewOrderChoices>(&[("customer_search", "Bea")]).await.text().await.unwrap();
    assert!(!searched.contains("Bea Bravo"), "{searched}");
    let (product, own_product) = (b_product.to_string(), a_product.to_string());
    let own_order = [
        ("customer", own.as_str()),
        ("lines[0][product]", own_product.as_str()),
        ("lines[0][quantity]", "1"),
    ];
    assert!(visitor.call::<CreateOrder>(&own_order).await.status().as_u16() < 400, "store A's own order");
    for order in [
        [("customer", id.as_str()), ("lines[0][product]", own_product.as_str()), ("lines[0][quantity]", "1")],
        [("customer", own.as_str()), ("lines[0][product]", product.as_str()), ("lines[0][quantity]", "1")],
    ] {
        let call = visitor.call::<CreateOrder>(&order).await;
        assert!(call.status().is_client_error(), "{}", call.status());
    }
    let a_orders: i64 = app.db.count("orders WHERE tenant_id = $1", a.tenant).await;
    assert_eq!(a_orders, 1, "only store A's own order was placed");
    let orders: i64 = app.db.count("orders WHERE customer_id = $1", b_customer).await;
    assert_eq!(orders, 0, "an order was written for another store's customer");
}

#[tokio::test]
async fn settings_and_the_audit_log_are_the_sessions_stores_own() {
    let app = TestApp::spawn().await;
    let (a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    product_of(&app, &b, "B-AUDITED").await;
    product_of(&app, &a, "A-AUDITED").await;

    let audit = visitor
        .call_json::<ListAudit>(&serde_json::json!({ "query": { "action": "", "actor": "", "page": 1 } }))
        .await;
    let body = audit.text().await.unwrap();
    assert!(body.contains("\"matching\":1") && body.contains("A-AUDITED"), "store A's own entry: {body}");
    assert!(!body.contains("B-AUDITED"), "{body}");
    let settings = visitor.call::<GetSettings>(&[]).await.text().await.unwrap();
    assert!(settings.contains("Alpha Goods") && !settings.contains("Bravo Goods"), "{settings}");

    // Saving names no store: it can only change the session's own.
    let tenant = b.tenant.to_string();
    let form = [
        ("name", "Renamed"),
        ("slug", &format!("renamed-{}", a.tenant)),
        ("currency", "USD"),
        ("time_zone", "UTC"),
        ("tenant_id", &tenant),
    ];
    visitor.call::<SaveSettings>(&form).await;
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM tenants WHERE id = ANY($1) ORDER BY id")
        .bind(vec![a.tenant, b.tenant])
        .fetch_all(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(names, ["Renamed", "Bravo Goods"]);
}

#[tokio::test]
async fn another_stores_team_cannot_be_seen_or_changed() {
    let app = TestApp::spawn().await;
    let (a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    let b_owner_email: String = sqlx::query_scalar("SELECT email FROM accounts WHERE id = $1")
        .bind(b.owner)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    let b_scope = app.db.scope(b.owner, b.tenant).await;
    let b_invitation =
        domain::team::invite(&app.db.db, &b_scope, "bee@example.test", domain::Role::Viewer).await.unwrap();

    let a_scope = app.db.scope(a.owner, a.tenant).await;
    let a_invitation =
        domain::team::invite(&app.db.db, &a_scope, "ada@example.test", domain::Role::Viewer).await.unwrap();
    let a_member =
        app.db.account(&domain::testing::unique_email("alpha-member"), domain::testing::TEST_PASSWORD).await;
    app.db.add_member(a.tenant, a_member, domain::Role::Member).await;

    let team = visitor.call::<GetTeam>(&[]).await.text().await.unwrap();
    assert!(team.contains("ada@example.test"), "store A's own invitation: {team}");
    assert!(!team.contains(&b_owner_email) && !team.contains("bee@example.test"), "{team}");
    let (id, own) = (b.owner.to_string(), a_member.to_string());
    assert_only_own::<ChangeMemberRole>(
        &visitor,
        &[("account_id", &own), ("role", "viewer")],
        &[("account_id", &id), ("role", "viewer")],
    )
    .await;
    assert_only_own::<RemoveMember>(&visitor, &[("account_id", &own)], &[("account_id", &id)]).await;
    assert_only_own::<RevokeInvitation>(
        &visitor,
        &[("id", &a_invitation.id.to_string())],
        &[("id", &b_invitation.id.to_string())],
    )
    .await;
    // An invitation goes to the session's store whatever the request names.
    let tenant = b.tenant.to_string();
    // An address of this run's own: on a shared database other runs invited theirs.
    let email = domain::testing::unique_email("cy");
    let invited =
        visitor.call::<InviteMember>(&[("email", &email), ("role", "viewer"), ("tenant_id", &tenant)]).await;
    assert!(invited.status().as_u16() < 400, "{}", invited.status());
    let stores: Vec<domain::TenantId> =
        sqlx::query_scalar("SELECT tenant_id FROM invitations WHERE email = $1")
            .bind(&email)
            .fetch_all(&app.db.owner)
            .await
            .unwrap();
    assert_eq!(stores, [a.tenant], "the invitation went to another store");
    let (role, open): (String, bool) = sqlx::query_as(
        "SELECT (SELECT role FROM memberships WHERE tenant_id = $1 AND account_id = $2),
                (SELECT revoked_at IS NULL FROM invitations WHERE id = $3)",
    )
    .bind(b.tenant)
    .bind(b.owner)
    .bind(b_invitation.id)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!((role.as_str(), open), ("owner", true), "store B's team changed");
}

#[tokio::test]
async fn the_export_and_deletion_reach_only_the_sessions_store() {
    let app = TestApp::spawn().await;
    let (a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    app.db.add_orders(a.tenant, 1, &["paid"]).await;
    let b_orders = app.db.add_orders(b.tenant, 2, &["paid"]).await;

    let tenant = b.tenant.to_string();
    let zip = visitor.get(&format!("/export.zip?tenant_id={tenant}")).await.bytes().await.unwrap();
    let files = crate::common::unzip(&zip);
    let all: String = files.iter().map(|(_, text)| text.as_str()).collect();
    assert!(!all.contains("Bravo Goods"), "store B leaked into the export");
    let orders = &files.iter().find(|(name, _)| name == "orders.csv").unwrap().1;
    assert_eq!(orders.lines().count(), 2, "a header and store A's one order");

    // Typing B's name deletes nothing: the store deleted is the session's, and its name is A's.
    let call = visitor.call::<DeleteStore>(&[("confirmation", "Bravo Goods"), ("tenant_id", &tenant)]).await;
    assert!(!call.status().is_success());
    let left: i64 = app.db.count("orders WHERE id = ANY($1)", &b_orders).await;
    assert_eq!(left, 2);
    // Positive control: A's own name deletes A, and B is untouched.
    let call = visitor.call::<DeleteStore>(&[("confirmation", "Alpha Goods"), ("tenant_id", &tenant)]).await;
    assert!(call.status().as_u16() < 400, "{}", call.status());
    let stores: Vec<domain::TenantId> = sqlx::query_scalar("SELECT id FROM tenants WHERE id = ANY($1)")
        .bind(vec![a.tenant, b.tenant])
        .fetch_all(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(stores, [b.tenant]);
}

#[tokio::test]
async fn billing_answers_for_the_sessions_store_only() {
    let app = TestApp::spawn().await;
    let (_, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    // B is closed and has a customer at the payment provider; A is neither.
    sqlx::query(
        "UPDATE tenants SET billing_status = 'canceled', stripe_customer_id = 'cus_bravo' WHERE id = $1",
    )
    .bind(b.tenant)
    .execute(&app.db.owner)
    .await
    .unwrap();
    let tenant = b.tenant.to_string();
    let billing = visitor.call::<GetBilling>(&[("tenant_id", &tenant)]).await.text().await.unwrap();
    assert!(billing.contains("Alpha Goods") && !billing.contains("Bravo Goods"), "{billing}");
    assert!(billing.contains("\"access\":\"Full\"") && billing.contains("\"portal\":false"), "{billing}");
    let notice = visitor.call::<GetStoreNotice>(&[("tenant_id", &tenant)]).await.text().await.unwrap();
    assert_eq!(notice, "null", "A is fully open whatever B's state");
    // Without payments configured neither store can reach a portal or a checkout; the refusal
    // names no other store. (With payments, `billing.rs` opens each for the store's own
    // customer through the Stripe stand-in.)
    for response in [
        visitor.call::<OpenBillingPortal>(&[("tenant_id", &tenant)]).await,
        visitor.call::<StartSubscription>(&[("tenant_id", &tenant)]).await,
    ] {
        let status = response.status();
        assert!(status.is_client_error() || status.is_server_error(), "{status}");
        assert!(!response.text().await.unwrap().contains("cus_bravo"));
    }
    let page = visitor.get("/billing").await.text().await.unwrap();
    assert!(page.contains("Alpha Goods") && !page.contains("Bravo Goods"));
}

/// How a server function, page or route is kept to the session's store.
// The tests are named only so that renaming or removing one fails to compile; the harness runs
// them, nothing here calls them.
#[allow(dead_code)]
enum Coverage {
    /// A test of this suite tries it across stores, with a positive control.
    Tried(fn()),
    /// Another suite tries it across stores or identities (the staff-only wall, signed events).
    TriedIn(&'static str, fn()),
    /// It reads or changes no store's business data, for the reason given.
    NoStoreData(&'static str),
}

/// Every server function, page and axum route, each with its case or its reason. A new one
/// fails `nothing_is_left_out_of_the_isolation_suite` until it is listed here; a test named here
/// that is renamed or removed fails to compile.
fn coverage() -> Vec<(&'static str, Coverage)> {
    use app::admin::{
        ActOnStore, EndSupportSession, GetPlatformOverview, GetStore, GetSupportNotice, ListStores,
        StartSupportSession,
    };
    use app::signup::{OpenSignup, SignUp, SignupProgress};
    use app::site::GetSiteInfo;
    use app::team::GetInvitation;
    use Coverage::*;

    let admin = || {
        TriedIn(
            "admin.rs: every store role is refused; staff see metadata only",
            crate::admin::no_store_role_reaches_any_admin_page_or_function,
        )
    };
    let sign_in = || {
        NoStoreData("signing in or out: a password, Hydra's challenge or the session's end; the store comes from a checked membership")
    };
    let signup = || {
        NoStoreData("signup makes a new account and store; it reads only the pending signup in the person's own session")
    };
    let page = || {
        NoStoreData("a page rendered only from the server functions listed here, which take the store from the session")
    };
    let products = || Tried(another_stores_products_cannot_be_seen_changed_or_exported);
    let customers = || Tried(another_stores_customers_cannot_be_seen_changed_or_ordered_for);
    let settings = || Tried(settings_and_the_audit_log_are_the_sessions_stores_own);
    let team = || Tried(another_stores_team_cannot_be_seen_or_changed);
    let billing = || Tried(billing_answers_for_the_sessions_store_only);
    let export = || Tried(the_export_and_deletion_reach_only_the_sessions_store);
    vec![
        // Server functions.
        (GetStoreOverview::PATH, Tried(store_overview_answers_for_the_sessions_store_only)),
        (GetMyStores::PATH, Tried(my_stores_lists_only_the_persons_own_stores)),
        (ListOrders::PATH, Tried(list_orders_shows_only_the_sessions_store)),
        (GetOrder::PATH, Tried(another_stores_order_is_not_found_by_id)),
        (ChangeOrderStatus::PATH, Tried(another_stores_order_cannot_be_changed)),
        (GetNewOrderChoices::PATH, customers()),
        (CreateOrder::PATH, customers()),
        (ListCustomers::PATH, customers()),
        (GetCustomer::PATH, customers()),
        (SaveCustomer::PATH, customers()),
        (ListProducts::PATH, products()),
        (GetProduct::PATH, products()),
        (SaveProduct::PATH, products()),
        (ArchiveProduct::PATH, products()),
        (LastImportReport::PATH, Tried(an_import_report_shows_only_in_the_store_it_was_made_for)),
        (GetSettings::PATH, settings()),
        (SaveSettings::PATH, settings()),
        (ListAudit::PATH, settings()),
        (DeleteStore::PATH, export()),
        (GetTeam::PATH, team()),
        (InviteMember::PATH, team()),
        (RevokeInvitation::PATH, team()),
        (ChangeMemberRole::PATH, team()),
        (RemoveMember::PATH, team()),
        (GetBilling::PATH, billing()),
        (GetStoreNotice::PATH, billing()),
        (OpenBillingPortal::PATH, billing()),
        (StartSubscription::PATH, billing()),
        (GetPlatformOverview::PATH, admin()),
        (ListStores::PATH, admin()),
        (GetStore::PATH, admin()),
        (ActOnStore::PATH, admin()),
        (
            StartSupportSession::PATH,
            TriedIn("admin.rs", crate::admin::a_support_session_reaches_its_own_store_only),
        ),
        (EndSupportSession::PATH, admin()),
        (GetSupportNotice::PATH, admin()),
        (SignUp::PATH, signup()),
        (SignupProgress::PATH, signup()),
        (OpenSignup::PATH, signup()),
        (GetSiteInfo::PATH, NoStoreData("the platform's public facts: plans, sign-in mode, the demo login")),
        (
            GetInvitation::PATH,
            TriedIn(
                "team.rs: the secret token is the capability (only its hash is kept)",
                crate::team::a_person_with_an_account_joins_with_its_password,
            ),
        ),
        // Pages.
        ("/", Tried(the_home_page_shows_only_the_signed_in_store)),
        ("/orders", Tried(list_orders_shows_only_the_sessions_store)),
        ("/orders/{id}", Tried(another_stores_order_is_not_found_by_id)),
        ("/orders/new", customers()),
        ("/products", products()),
        ("/products/{id}", products()),
        ("/products/new", page()),
        ("/products/import", products()),
        ("/customers", customers()),
        ("/customers/{id}", customers()),
        ("/customers/new", page()),
        ("/team", page()),
        ("/settings", page()),
        ("/audit", page()),
        ("/billing", billing()),
        ("/admin", admin()),
        ("/admin/stores", admin()),
        ("/admin/stores/{id}", admin()),
        ("/signup", signup()),
        ("/signup/welcome", signup()),
        ("/auth/login", sign_in()),
        ("/auth/choose-store", Tried(choosing_another_stores_id_is_refused)),
        (
            "/invitations/accept",
            TriedIn(
                "team.rs: the secret token is the capability",
                crate::team::a_person_with_an_account_joins_with_its_password,
            ),
        ),
        // Routes axum serves itself.
        ("/healthz", NoStoreData("the process answers")),
        ("/readyz", NoStoreData("the database answers")),
        ("/login", sign_in()),
        ("/logout", sign_in()),
        ("/auth/login/cancel", sign_in()),
        ("/auth/consent", sign_in()),
        ("/auth/callback", sign_in()),
        ("/auth/logout", sign_in()),
        (
            "/auth/backchannel-logout",
            NoStoreData("ends sessions named by a logout token signed by the identity provider; reads no store's data"),
        ),
        ("/products/export.csv", products()),
        ("/export.zip", export()),
        (
            "/webhooks/stripe",
            TriedIn(
                "billing.rs: only events signed by the provider act, each on the store it names",
                crate::billing::forged_stale_and_unsigned_deliveries_are_refused_and_change_nothing,
            ),
        ),
    ]
}

#[tokio::test]
async fn nothing_is_left_out_of_the_isolation_suite() {
    let table = coverage();
    let mut served: Vec<String> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned()).collect();
    served
        .extend(leptos_axum::generate_route_list(app::App).into_iter().map(|route| route.path().to_owned()));
    for hydra in [false, true] {
        served.extend(server::startup::http_routes(hydra).into_iter().map(|(path, _)| path.to_owned()));
    }
    served.sort();
    served.dedup();
    // The check can fail: the table knows far fewer paths than the app serves without it.
    assert!(served.len() > 60, "{served:?}");
    let missing: Vec<&String> =
        served.iter().filter(|path| !table.iter().any(|(listed, _)| listed == path)).collect();
    assert!(
        missing.is_empty(),
        "served but neither tried across stores nor explained in coverage(): {missing:?}"
    );
    let stale: Vec<&str> = table
        .iter()
        .map(|(listed, _)| *listed)
        .filter(|listed| !served.iter().any(|path| path == listed))
        .collect();
    assert!(stale.is_empty(), "listed in coverage() but not served: {stale:?}");
    for (path, case) in &table {
        if let Coverage::NoStoreData(reason) | Coverage::TriedIn(reason, _) = case {
            assert!(!reason.is_empty(), "{path} needs its reason");
        }
    }
}
