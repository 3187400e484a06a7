//! Idempotent creation: the same form submitted again (a double click, a retry after an error,
//! two tabs) creates one thing, and a key means something only in its own store.

use std::sync::Arc;

use app::customers::SaveCustomer;
use app::form_key::FIELD as KEY;
use app::products::SaveProduct;
use app::signup::SignUp;
use app::team::InviteMember;
use domain::testing::{unique_email, TestStore};

use crate::common::{borrowed, form_key_in, TestApp, Visitor};

/// The order form of `store` with `key`.
async fn order_form(app: &TestApp, store: &TestStore, key: &str) -> Vec<(&'static str, String)> {
    let mut form = app.order_form(store).await;
    form.push((KEY, key.to_owned()));
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
    let key = form_key_in(&page);
    assert!(uuid::Uuid::parse_str(key).is_ok(), "{key}");
    let again = owner.get("/orders/new").await.text().await.unwrap();
    assert!(!again.contains(key), "each showing of the form has a key of its own");
}

#[tokio::test]
async fn a_product_and_a_customer_submitted_again_are_added_once_and_keys_do_not_cross_forms() {
    let app = TestApp::spawn().await;
    let (store, owner) = app.signed_in_store("Corner Shop").await;
    let key = new_key();
    let product = [("name", "Linen Tote"), ("sku", "TOTE-9"), ("price", "12.50"), (KEY, &key)];
    for _ in 0..2 {
        let saved = owner.call::<SaveProduct>(&product).await;
        assert!(saved.status().is_success(), "{}", saved.text().await.unwrap());
    }
    assert_eq!(app.db.count("products WHERE tenant_id = $1 AND sku = 'TOTE-9'", store.tenant).await, 1);

    let customer_key = new_key();
    let customer = [("name", "Ada Lovelace"), ("email", "ada@example.test"), (KEY, &customer_key)];
    for _ in 0..2 {
        let saved = owner.call::<SaveCustomer>(&customer).await;
        assert!(saved.status().is_success(), "{}", saved.text().await.unwrap());
    }
    assert_eq!(
        app.db.count("customers WHERE tenant_id = $1 AND email = 'ada@example.test'", store.tenant).await,
        1
    );

    // The product's key sent with a customer (a forged or confused request) creates nothing.
    let crossed = [("name", "Bo Lind"), ("email", "bo@example.test"), (KEY, &key)];
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
    let form = [("email", "newcomer@example.test"), ("role", "member"), (KEY, key.as_str())];
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
    let again = [("email", "newcomer@example.test"), ("role", "member"), (KEY, &new_key())];
    assert!(owner.call::<InviteMember>(&again).await.status().is_success());
    let made = app
        .db
        .count("invitations WHERE tenant_id = $1 AND email = 'newcomer@example.test'", store.tenant)
        .await;
    assert_eq!(made, 2);
}

/// The signup form as the page gives it, filled in.
async fn signup_form(app: &TestApp, email: &str) -> Vec<(&'static str, String)> {
    let page = app.visitor().get("/signup").await.text().await.unwrap();
    let key = form_key_in(&page).to_owned();
    assert!(uuid::Uuid::parse_str(&key).is_ok(), "{key}");
    vec![
        ("email", email.to_owned()),
        ("password", "a long enough passphrase".into()),
        ("store_name", "Kite & Co".into()),
        ("plan", "free".into()),
        (KEY, key),
    ]
}

/// A new owner whose answer was lost (the browser never got its cookie) sends the form again:
/// they end in the store the first submission made, signed in, and no second store is made.
#[tokio::test]
async fn a_signup_sent_again_after_its_answer_was_lost_signs_in_to_the_store_it_made() {
    let app = TestApp::spawn().await;
    let email = unique_email("founder");
    let form = signup_form(&app, &email).await;
    let first = app.visitor().submit::<SignUp>("/signup", &borrowed(&form)).await;
    assert_eq!(first.headers()["location"], "/?welcome=ready");

    let retry = app.visitor();
    let again = retry.submit::<SignUp>("/signup", &borrowed(&form)).await;
    assert_eq!(again.headers()["location"], "/?welcome=ready", "the repeat carries on as the first did");
    let home = retry.follow(again).await;
    assert!(home.contains("Kite &amp; Co") && home.contains("Your store is ready"), "{home}");
    assert_eq!(app.db.count("accounts WHERE email = $1", &email).await, 1);
    assert_eq!(
        app.db.count("memberships m JOIN accounts a ON a.id = m.account_id WHERE a.email = $1", &email).await,
        1,
        "one store"
    );

    // Positive control: the form shown again (a new key) is a second signup of the same email.
    let mut fresh = form.clone();
    fresh[4].1 = new_key();
    let refused = app.visitor().call::<SignUp>(&borrowed(&fresh)).await;
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.unwrap().contains("This email already has an account."));
}

#[tokio::test]
async fn one_signup_form_sent_many_times_at_once_makes_one_store_and_signs_each_in() {
    let app = TestApp::spawn().await;
    let email = unique_email("eager");
    let form = Arc::new(signup_form(&app, &email).await);
    let submissions: Vec<_> = (0..6)
        .map(|_| {
            let (visitor, form) = (app.visitor(), form.clone());
            tokio::spawn(async move {
                let answer = visitor.call::<SignUp>(&borrowed(&form)).await;
                let status = answer.status().as_u16();
                (status, visitor.get("/").await.text().await.unwrap().contains("Kite &amp; Co"))
            })
        })
        .collect();
    for submission in submissions {
        assert_eq!(submission.await.unwrap(), (200, true), "answered and signed in to the store");
    }
    assert_eq!(app.db.count("accounts WHERE email = $1", &email).await, 1);
    assert_eq!(
        app.db.count("memberships m JOIN accounts a ON a.id = m.account_id WHERE a.email = $1", &email).await,
        1
    );
}

/// What an attacker who saw a form's key (not its password) would send: refused, signed in to
/// nothing, and counted as a failed signup.
#[tokio::test]
async fn a_signup_key_sent_with_another_password_signs_nobody_in() {
    let app = TestApp::spawn().await;
    let email = unique_email("victim");
    let form = signup_form(&app, &email).await;
    assert!(app.visitor().call::<SignUp>(&borrowed(&form)).await.status().is_success());

    let attacker = app.visitor();
    let mut forged = form.clone();
    forged[1].1 = "a guessed long passphrase".into();
    let refused = attacker.call::<SignUp>(&borrowed(&forged)).await;
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.unwrap().contains("This form was already used."));
    let home = attacker.get("/").await.text().await.unwrap();
    assert!(!home.contains("Kite &amp; Co"), "the attacker is not signed in to the store");
}

/// A script calling the endpoints sends its key as an `Idempotency-Key` header, as payment
/// providers' APIs take it: the same effect as the form's field.
#[tokio::test]
async fn an_api_client_sends_its_key_as_an_idempotency_key_header() {
    let app = TestApp::spawn().await;
    let (store, owner) = app.signed_in_store("Corner Shop").await;
    let post = |key: &str, form: Vec<(&'static str, String)>| {
        owner
            .client
            .post(owner.url(<SaveProduct as leptos::server_fn::ServerFn>::PATH))
            .header("accept", "application/json")
            .header(app::form_key::HEADER, key)
            .form(&form)
            .send()
    };
    let product = |sku: &str| {
        vec![("name", "Linen Tote".to_owned()), ("sku", sku.to_owned()), ("price", "12.50".into())]
    };
    let key = new_key();
    for _ in 0..3 {
        assert_eq!(post(&key, product("TOTE-H")).await.unwrap().status(), 200);
    }
    assert_eq!(app.db.count("products WHERE tenant_id = $1 AND sku = 'TOTE-H'", store.tenant).await, 1);
    // Positive control: another key adds another (and its SKU is taken: refused as such).
    assert_eq!(post(&new_key(), product("TOTE-H")).await.unwrap().status(), 409);

    // A header that is no key, or a header and a field that disagree: refused, nothing made.
    assert_eq!(post("'; DROP TABLE products; --", product("TOTE-X")).await.unwrap().status(), 400);
    let mut both = product("TOTE-Y");
    both.push((KEY, new_key()));
    assert_eq!(post(&new_key(), both.clone()).await.unwrap().status(), 400);
    assert_eq!(
        app.db.count("products WHERE tenant_id = $1 AND sku IN ('TOTE-X', 'TOTE-Y')", store.tenant).await,
        0
    );
    let agreeing = both[3].1.clone();
    assert_eq!(post(&agreeing, both).await.unwrap().status(), 200, "the same key in both is one key");
}
