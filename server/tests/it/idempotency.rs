//! Idempotent creation: the same form submitted again (a double click, a retry after an error,
//! two tabs) creates one thing, and a key means something only in its own store.

use std::sync::Arc;

use app::customers::SaveCustomer;
use app::products::SaveProduct;
use app::team::InviteMember;
use domain::testing::TestStore;

use crate::common::{TestApp, Visitor};

/// The order form of `store` with `key`.
async fn order_form(app: &TestApp, store: &TestStore, key: &str) -> Vec<(&'static str, String)> {
    let mut form = app.order_form(store).await;
    form.push(("idempotency_key", key.to_owned()));
    form
}

async fn place(visitor: &Visitor, form: &[(&'static str, String)]) -> (u16, String) {
    let (status, _, body) = visitor.place_order(form).await;
    (status, body)
}

fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test]
async fn an_order_submitted_again_with_its_key_is_placed_once() {
    let app = TestApp::spawn().await;
    let (store, owner) = app.signed_in_store("Corner Shop").await;
    let form = order_form(&app, &store, &new_key()).await;
    let before = app.db.count("orders WHERE tenant_id = $1", store.tenant).await;

    let first = place(&owner, &form).await;
    assert_eq!(first.0, 200, "{}", first.1);
    // The answer was lost on the way, say: the person tries again.
    assert_eq!(place(&owner, &form).await, first, "the same order is answered");
    assert_eq!(app.db.count("orders WHERE tenant_id = $1", store.tenant).await, before + 1);

    // Positive control: another showing of the form (another key) places another order.
    let mut again = form.clone();
    again[3].1 = new_key();
    let second = place(&owner, &again).await;
    assert_eq!(second.0, 200);
    assert_ne!(second.1, first.1);
    assert_eq!(app.db.count("orders WHERE tenant_id = $1", store.tenant).await, before + 2);
}

#[tokio::test]
async fn the_same_key_sent_many_times_at_once_places_one_order() {
    let app = TestApp::spawn().await;
    let (store, owner) = app.signed_in_store("Corner Shop").await;
    let form = order_form(&app, &store, &new_key()).await;
    let before = app.db.count("orders WHERE tenant_id = $1", store.tenant).await;
    let owner = Arc::new(owner);
    let submissions: Vec<_> = (0..8)
        .map(|_| {
            let (owner, form) = (owner.clone(), form.clone());
            tokio::spawn(async move { place(&owner, &form).await })
        })
        .collect();
    let mut answers = Vec::new();
    for submission in submissions {
        answers.push(submission.await.unwrap());
    }
    assert!(answers.iter().all(|answer| *answer == answers[0] && answer.0 == 200), "{answers:?}");
    assert_eq!(app.db.count("orders WHERE tenant_id = $1", store.tenant).await, before + 1);
    // The fixture's orders have two lines each; the form's has one.
    let items = app.db.count("order_items WHERE tenant_id = $1", store.tenant).await;
    assert_eq!(items, 2 * before + 1, "the order's line is written once too");
}

#[tokio::test]
async fn a_key_means_something_only_in_its_own_store() {
    let app = TestApp::spawn().await;
    let (a, a_owner) = app.signed_in_store("Store A").await;
    let (b, b_owner) = app.signed_in_store("Store B").await;
    let key = new_key();
    let a_order = place(&a_owner, &order_form(&app, &a, &key).await).await;
    assert_eq!(a_order.0, 200);
    // B sends A's key (copied from A's page, say): B's own order is placed, A's stays A's.
    let b_order = place(&b_owner, &order_form(&app, &b, &key).await).await;
    assert_eq!(b_order.0, 200, "{}", b_order.1);
    assert_ne!(b_order.1, a_order.1, "B was not answered with A's order");
    let b_id: i64 = b_order.1.parse().unwrap();
    let b_has_it: i64 = sqlx::query_scalar("SELECT count(*) FROM orders WHERE tenant_id = $1 AND id = $2")
        .bind(b.tenant)
        .bind(b_id)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    assert_eq!(b_has_it, 1, "the order B was answered with is B's");
}

#[tokio::test]
async fn a_key_that_is_not_one_is_refused_and_the_form_carries_a_fresh_one() {
    let app = TestApp::spawn().await;
    let (store, owner) = app.signed_in_store("Corner Shop").await;
    let form = order_form(&app, &store, "'; DROP TABLE orders; --").await;
    let (status, body) = place(&owner, &form).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("BadRequest"), "{body}");

    let page = owner.get("/orders/new").await.text().await.unwrap();
    let key = page
        .split("name=\"idempotency_key\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form carries a key");
    assert!(uuid::Uuid::parse_str(key).is_ok(), "{key}");
    let again = owner.get("/orders/new").await.text().await.unwrap();
    assert!(!again.contains(key), "each showing of the form has a key of its own");
}

#[tokio::test]
async fn a_product_and_a_customer_submitted_again_are_added_once_and_keys_do_not_cross_forms() {
    let app = TestApp::spawn().await;
    let (store, owner) = app.signed_in_store("Corner Shop").await;
    let key = new_key();
    let product = [("name", "Linen Tote"), ("sku", "TOTE-9"), ("price", "12.50"), ("idempotency_key", &key)];
    for _ in 0..2 {
        let saved = owner.call::<SaveProduct>(&product).await;
        assert!(saved.status().is_success(), "{}", saved.text().await.unwrap());
    }
    assert_eq!(app.db.count("products WHERE tenant_id = $1 AND sku = 'TOTE-9'", store.tenant).await, 1);

    let customer_key = new_key();
    let customer =
        [("name", "Ada Lovelace"), ("email", "ada@example.test"), ("idempotency_key", &customer_key)];
    for _ in 0..2 {
        let saved = owner.call::<SaveCustomer>(&customer).await;
        assert!(saved.status().is_success(), "{}", saved.text().await.unwrap());
    }
    assert_eq!(
        app.db.count("customers WHERE tenant_id = $1 AND email = 'ada@example.test'", store.tenant).await,
        1
    );

    // The product's key sent with a customer (a forged or confused request) creates nothing.
    let crossed = [("name", "Bo Lind"), ("email", "bo@example.test"), ("idempotency_key", &key)];
    let refused = owner.call::<SaveCustomer>(&crossed).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(
        app.db.count("customers WHERE tenant_id = $1 AND email = 'bo@example.test'", store.tenant).await,
        0
    );
}

#[tokio::test]
async fn an_invitation_submitted_again_with_its_key_is_made_once() {
    let app = TestApp::spawn().await;
    let (store, owner) = app.signed_in_store("Corner Shop").await;
    let key = new_key();
    let form = [("email", "newcomer@example.test"), ("role", "member"), ("idempotency_key", key.as_str())];
    for _ in 0..3 {
        let invited = owner.call::<InviteMember>(&form).await;
        assert!(invited.status().is_success(), "{}", invited.text().await.unwrap());
    }
    let made = app
        .db
        .count("invitations WHERE tenant_id = $1 AND email = 'newcomer@example.test'", store.tenant)
        .await;
    assert_eq!(made, 1, "one invitation (a second one would have replaced the first's link)");
    // Positive control: the form shown again (a new key) makes a new invitation.
    let again = [("email", "newcomer@example.test"), ("role", "member"), ("idempotency_key", &new_key())];
    assert!(owner.call::<InviteMember>(&again).await.status().is_success());
    let made = app
        .db
        .count("invitations WHERE tenant_id = $1 AND email = 'newcomer@example.test'", store.tenant)
        .await;
    assert_eq!(made, 2);
}
