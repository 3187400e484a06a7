//! The cross-tenant isolation suite: two stores with identical data; as store A, every route
//! and server function is tried against store B. Every attempt must fail or show only A.
//! Each new tenant-facing route or server function joins this file when it is written.

mod common;

use common::TestApp;
use domain::testing::TestStore;

/// Gives a store `orders` orders of 10.00 each, placed now.
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

    let call = visitor.server_fn("get_order", &[("id", &b_order.to_string())]).await;
    assert!(!call.status().is_success());
    assert!(call.text().await.unwrap().contains("NotFound"));
}

#[tokio::test]
async fn another_stores_order_cannot_be_changed() {
    let app = TestApp::spawn().await;
    let (_a, visitor) = app.signed_in_store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    let b_order = app.db.add_orders(b.tenant, 1, &["pending"]).await[0];
    let call =
        visitor.server_fn("change_order_status", &[("id", &b_order.to_string()), ("status", "paid")]).await;
    assert!(call.text().await.unwrap().contains("NotFound"));
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
