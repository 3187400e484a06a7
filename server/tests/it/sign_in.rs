//! Signing in: throttling of failed attempts, and choosing among several stores.

use crate::common::TestApp;
use domain::testing::TEST_PASSWORD;
use domain::Role;

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_email_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    for attempt in 1..=5 {
        let response = app.visitor().sign_in(&store.owner_email, "wrong password").await;
        assert!(location(&response).contains("error=credentials"), "attempt {attempt}");
    }
    // From yet another address, with the right password: still refused for now.
    let visitor = app.visitor();
    let refused = visitor.sign_in(&store.owner_email, TEST_PASSWORD).await;
    let to = location(&refused);
    assert!(to.starts_with("/auth/login?error=throttled"), "{to}");
    assert!(to.contains("wait=1"), "{to}");
    assert!(refused.headers().get("set-cookie").is_none());
    let page = visitor.get(&to).await.text().await.unwrap();
    assert!(page.contains("Too many failed sign-ins"), "the page does not say why");
    assert!(page.contains(&store.owner_email), "the email typed was lost");

    // Another person is not affected.
    let other = app.db.store("Other Shop").await;
    let response = app.visitor().sign_in(&other.owner_email, TEST_PASSWORD).await;
    assert_eq!(location(&response), "/");
}

#[tokio::test]
async fn unknown_emails_are_limited_alike_so_accounts_cannot_be_discovered() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    let mut answers = Vec::new();
    for email in [store.owner_email.as_str(), "nobody-here@example.test"] {
        for _ in 0..5 {
            app.visitor().sign_in(email, "wrong password").await;
        }
        answers.push(
            location(&app.visitor().sign_in(email, "wrong password").await)
                .replace(&email.replace('@', "%40"), "EMAIL"),
        );
    }
    assert_eq!(answers[0], answers[1]);
    assert!(answers[0].contains("error=throttled"));
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_client_address() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    let visitor = app.visitor();
    // One address trying many emails (a credential-stuffing run).
    for n in 0..30 {
        let response = visitor.sign_in(&format!("guess{n}@example.test"), "password").await;
        assert!(location(&response).contains("error=credentials"), "attempt {n}");
    }
    let refused = visitor.sign_in(&store.owner_email, TEST_PASSWORD).await;
    assert!(location(&refused).contains("error=throttled"), "{}", location(&refused));
    // The owner, from their own address, still gets in.
    assert_eq!(location(&app.visitor().sign_in(&store.owner_email, TEST_PASSWORD).await), "/");
}

#[tokio::test]
async fn a_person_in_two_stores_chooses_one_and_can_switch() {
    let app = TestApp::spawn().await;
    let a = app.db.store("Alpha Goods").await;
    let b = app.db.store("Bravo Goods").await;
    app.db.add_member(b.tenant, a.owner, Role::Viewer).await;

    let visitor = app.visitor();
    let response = visitor.sign_in(&a.owner_email, TEST_PASSWORD).await;
    assert_eq!(location(&response), "/auth/choose-store");
    // Not in a store yet.
    assert!(!visitor.get("/").await.text().await.unwrap().contains("data-testid=\"figures\""));
    let page = visitor.get("/auth/choose-store").await.text().await.unwrap();
    assert!(page.contains("Alpha Goods") && page.contains("Bravo Goods"));
    assert!(page.contains("viewer"));

    let cookie_before = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    let entered = visitor.post_form("/auth/choose-store", &[("tenant_id", &b.tenant.to_string())]).await;
    assert_eq!(location(&entered), "/");
    let cookie_after = entered.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert_ne!(cookie_before, cookie_after, "entering a store must start a new session id");
    let home = visitor.get("/").await.text().await.unwrap();
    assert!(home.contains("Bravo Goods") && !home.contains("Alpha Goods"));

    // Switching later, from the store list.
    let page = visitor.get("/auth/choose-store").await.text().await.unwrap();
    assert!(page.contains("current"));
    let switched = visitor.post_form("/auth/choose-store", &[("tenant_id", &a.tenant.to_string())]).await;
    assert_eq!(location(&switched), "/");
    let home = visitor.get("/").await.text().await.unwrap();
    assert!(home.contains("Alpha Goods") && !home.contains("Bravo Goods"));
}

#[tokio::test]
async fn choosing_a_store_needs_a_sign_in() {
    let app = TestApp::spawn().await;
    let a = app.db.store("Alpha Goods").await;
    let response =
        app.visitor().post_form("/auth/choose-store", &[("tenant_id", &a.tenant.to_string())]).await;
    assert_eq!(location(&response), "/login");
    let page = app.visitor().get("/auth/choose-store").await.text().await.unwrap();
    assert!(page.contains("sign in"));
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_expiry_however_active() {
    let app = TestApp::spawn_with(&[("SESSION_MAX_HOURS", "0")]).await;
    let store = app.db.store("Corner Shop").await;
    let visitor = app.visitor();
    assert_eq!(location(&visitor.sign_in(&store.owner_email, TEST_PASSWORD).await), "/");
    let html = visitor.get("/").await.text().await.unwrap();
    assert!(!html.contains("Corner Shop"), "an expired session still reached the store");
    assert!(html.contains("Run your store from one place"));

    // The same person, with the default limit, stays signed in.
    let app = TestApp::spawn().await;
    let (_, visitor) = app.signed_in_store("Corner Shop").await;
    assert!(visitor.get("/").await.text().await.unwrap().contains("Corner Shop"));
}
