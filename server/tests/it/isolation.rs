//! The cross-tenant isolation suite: two stores with identical data; as store A, every route
//! and server function is tried against store B. Every attempt must fail or show only A.
//! Each new tenant-facing route or server function joins this file when it is written.

use crate::common::{TestApp, Visitor};
use domain::testing::TestStore;

/// Gives a store `orders` orders of 10.00 each, placed now.
/// Calls a store function about another store's row: it answers as if the row did not exist,
/// so ids of other stores cannot even be probed.
async fn assert_not_found(visitor: &Visitor, endpoint: &str, form: &[(&str, &str)]) {
    let response = visitor.server_fn(endpoint, form).await;
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(!status.is_success() && body.contains("NotFound"), "{endpoint}: {status} {body}");
}

async fn give_orders(app: &TestApp, store: &TestStore, orders: i64) {
    sqlx::query(
        "WITH c AS (INSERT INTO customers (tenant_id, name, email) VALUES ($1, 'Ann', 'ann@example.test') RETURNING id)
         INSERT INTO orders (tenant_id, customer_id, status, total_cents)
         SELECT $1, c.id, 'paid', 1000 FROM c, generate_series(1, $2)",
    )
    .bind(store.tenant)
    .bind(orders)
    .execute(&app.db.owner)
    .await
    .unwrap();
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
    assert!(html.contains("$30.00"), "store A's revenue is missing");
    assert!(!html.contains("$70.00"), "store B's revenue leaked");
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
    let call = visitor.server_fn("store_overview", &[("period", "Last30Days"), ("tenant_id", &tenant)]).await;
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
    let body = visitor.server_fn("my_stores", &[]).await.text().await.unwrap();
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
        .server_fn_json("list_orders", &serde_json::json!({ "query": { "page": 1 }, "tenant_id": b.tenant }))
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
    assert!(html.contains(&format!("#{}", a_orders[0])));
    assert!(!html.contains(&format!("#{}", b_orders[0])));
}

#[tokio::test]
async fn another_stores_order_is_not_found_by_id() {
    let app = TestApp::spawn().await;
    let (_a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    let b_order = app.db.add_orders(b.tenant, 1, &["paid"]).await[0];

    let page = visitor.get(&format!("/orders/{b_order}")).await;
    assert_eq!(page.status(), 404);
    let html = page.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(!html.contains("Ada Okafor") && !html.contains("Bravo Goods"));

    assert_not_found(&visitor, "get_order", &[("id", &b_order.to_string())]).await;
}

#[tokio::test]
async fn another_stores_order_cannot_be_changed() {
    let app = TestApp::spawn().await;
    let (_a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    let b_order = app.db.add_orders(b.tenant, 1, &["pending"]).await[0];
    assert_not_found(&visitor, "change_order_status", &[("id", &b_order.to_string()), ("status", "paid")])
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
    domain::products::create(&app.db.db, &scope, &ProductDraft::parse(&input, "USD").unwrap()).await.unwrap()
}

#[tokio::test]
async fn another_stores_products_cannot_be_seen_changed_or_exported() {
    let app = TestApp::spawn().await;
    let (a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    let b_product = product_of(&app, &b, "B-1").await;
    let id = b_product.to_string();

    let list = visitor
        .server_fn_json(
            "list_products",
            &serde_json::json!({ "query": { "q": "", "sort": "", "archived": false, "page": 1 } }),
        )
        .await;
    let body = list.text().await.unwrap();
    assert!(body.contains("\"matching\":0") && !body.contains("Bravo B-1"), "{body}");
    assert!(!visitor.get("/products?q=Bravo").await.text().await.unwrap().contains("Bravo B-1"));
    assert_eq!(visitor.get(&format!("/products/{id}")).await.status(), 404);
    assert_not_found(&visitor, "get_product", &[("id", &id)]).await;

    assert_not_found(
        &visitor,
        "save_product",
        &[("id", &id), ("name", "Stolen"), ("sku", "B-1"), ("price", "0")],
    )
    .await;
    assert_not_found(&visitor, "archive_product", &[("id", &id), ("archived", "true")]).await;
    let (name, price, archived): (String, i64, bool) =
        sqlx::query_as("SELECT name, price_cents, archived_at IS NOT NULL FROM products WHERE id = $1")
            .bind(b_product)
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
    assert_eq!((name.as_str(), price, archived), ("Bravo B-1", 999, false), "store B's product changed");

    let csv = visitor.get("/products/export.csv").await.text().await.unwrap();
    assert_eq!(csv, "sku,name,price,status\n", "store B's products leaked into the export");
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
async fn another_stores_customers_cannot_be_seen_changed_or_ordered_for() {
    let app = TestApp::spawn().await;
    let (_a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    let b_product = product_of(&app, &b, "B-1").await;
    let b_customer: i64 = sqlx::query_scalar(
        "INSERT INTO customers (tenant_id, name, email) VALUES ($1, 'Bea Bravo', 'bea@example.test') RETURNING id",
    )
    .bind(b.tenant)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    let id = b_customer.to_string();

    let list = visitor
        .server_fn_json("list_customers", &serde_json::json!({ "query": { "q": "", "sort": "", "page": 1 } }))
        .await;
    assert!(!list.text().await.unwrap().contains("Bea Bravo"));
    assert_eq!(visitor.get(&format!("/customers/{id}")).await.status(), 404);
    assert_not_found(&visitor, "get_customer", &[("id", &id)]).await;
    assert_not_found(
        &visitor,
        "save_customer",
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
    let form = visitor.server_fn("get_new_order_choices", &[]).await.text().await.unwrap();
    assert!(!form.contains("Bea Bravo") && !form.contains("Bravo B-1"), "{form}");
    let product = b_product.to_string();
    let order =
        [("customer", id.as_str()), ("lines[0][product]", product.as_str()), ("lines[0][quantity]", "1")];
    let call = visitor.server_fn("create_order", &order).await;
    assert!(!call.status().is_success());
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders WHERE customer_id = $1")
        .bind(b_customer)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(orders, 0, "an order was written for another store's customer");
}

#[tokio::test]
async fn settings_and_the_audit_log_are_the_sessions_stores_own() {
    let app = TestApp::spawn().await;
    let (a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    product_of(&app, &b, "B-AUDITED").await;

    let audit = visitor
        .server_fn_json(
            "list_audit",
            &serde_json::json!({ "query": { "action": "", "actor": "", "page": 1 } }),
        )
        .await;
    let body = audit.text().await.unwrap();
    assert!(body.contains("\"matching\":0") && !body.contains("B-AUDITED"), "{body}");
    let settings = visitor.server_fn("get_settings", &[]).await.text().await.unwrap();
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
    visitor.server_fn("save_settings", &form).await;
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
    let (_a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    let b_owner_email: String = sqlx::query_scalar("SELECT email FROM accounts WHERE id = $1")
        .bind(b.owner)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    let b_scope = app.db.scope(b.owner, b.tenant).await;
    let b_invitation =
        domain::team::invite(&app.db.db, &b_scope, "bee@example.test", domain::Role::Viewer).await.unwrap();

    let team = visitor.server_fn("get_team", &[]).await.text().await.unwrap();
    assert!(!team.contains(&b_owner_email) && !team.contains("bee@example.test"), "{team}");
    let id = b.owner.to_string();
    assert_not_found(&visitor, "change_member_role", &[("account_id", &id), ("role", "viewer")]).await;
    assert_not_found(&visitor, "remove_member", &[("account_id", &id)]).await;
    assert_not_found(&visitor, "revoke_invitation", &[("id", &b_invitation.id.to_string())]).await;
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
    let call =
        visitor.server_fn("delete_store", &[("confirmation", "Bravo Goods"), ("tenant_id", &tenant)]).await;
    assert!(!call.status().is_success());
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM orders WHERE id = ANY($1)")
        .bind(&b_orders)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(left, 2);
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
    let billing = visitor.server_fn("get_billing", &[("tenant_id", &tenant)]).await.text().await.unwrap();
    assert!(billing.contains("Alpha Goods") && !billing.contains("Bravo Goods"), "{billing}");
    assert!(billing.contains("\"access\":\"Full\"") && billing.contains("\"portal\":false"), "{billing}");
    let notice = visitor.server_fn("store_notice", &[("tenant_id", &tenant)]).await.text().await.unwrap();
    assert_eq!(notice, "null", "A is fully open whatever B's state");
    // Without payments configured neither store can reach a portal or a checkout; the refusal
    // names no other store.
    for endpoint in ["open_billing_portal", "start_subscription"] {
        let response = visitor.server_fn(endpoint, &[("tenant_id", &tenant)]).await;
        assert!(!response.status().is_success(), "{endpoint}");
        assert!(!response.text().await.unwrap().contains("cus_bravo"), "{endpoint}");
    }
    let page = visitor.get("/billing").await.text().await.unwrap();
    assert!(page.contains("Alpha Goods") && !page.contains("Bravo Goods"));
}
