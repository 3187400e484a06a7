//! Roles through the app's own requests: what each role of a store may do. Every server
//! function that writes joins this file when it is written.

mod common;

use common::TestApp;
use domain::testing::TEST_PASSWORD;
use domain::Role;

#[tokio::test]
async fn viewers_cannot_change_orders_and_other_roles_can() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    for role in [Role::Owner, Role::Admin, Role::Member, Role::Viewer] {
        let email = if role == Role::Owner {
            store.owner_email.clone()
        } else {
            let email = format!("{role}-{}@example.test", uuid::Uuid::new_v4());
            let account = app.db.account(&email, TEST_PASSWORD).await;
            app.db.add_member(store.tenant, account, role).await;
            email
        };
        let visitor = app.visitor();
        assert_eq!(visitor.sign_in(&email, TEST_PASSWORD).await.headers()["location"], "/");
        let order = app.db.add_orders(store.tenant, 1, &["pending"]).await[0];

        let page = visitor.get(&format!("/orders/{order}")).await.text().await.unwrap();
        assert_eq!(page.contains("Mark as paid"), role != Role::Viewer, "{role}: the buttons");

        let call =
            visitor.server_fn("change_order_status", &[("id", &order.to_string()), ("status", "paid")]).await;
        let allowed = role != Role::Viewer;
        assert_eq!(call.status().is_success(), allowed, "{role}");
        if !allowed {
            assert!(call.text().await.unwrap().contains("Forbidden"));
        }
        let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
            .bind(order)
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
        assert_eq!(status, if allowed { "paid" } else { "pending" }, "{role}");
    }
}

#[tokio::test]
async fn a_transition_the_status_does_not_allow_is_explained() {
    let app = TestApp::spawn().await;
    let (store, visitor) = app.signed_in_store("Corner Shop").await;
    let order = app.db.add_orders(store.tenant, 1, &["cancelled"]).await[0];
    let call =
        visitor.server_fn("change_order_status", &[("id", &order.to_string()), ("status", "shipped")]).await;
    assert!(!call.status().is_success());
    assert!(call.text().await.unwrap().contains("A cancelled order cannot be marked shipped."));
}
