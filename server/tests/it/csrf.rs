//! Forged cross-site requests: a page on another site makes the visitor's browser post to
//! this app. Every state-changing request is refused and changes nothing.

use crate::common::TestApp;
use app::figures::GetStoreOverview;
use domain::testing::TEST_PASSWORD;
use leptos::server_fn::ServerFn;

const EVIL: &str = "https://evil.example";

#[tokio::test]
async fn a_forged_sign_in_is_refused() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    let forger = app.visitor_from(EVIL);
    let response =
        forger.post_form("/auth/login", &[("email", &store.owner_email), ("password", TEST_PASSWORD)]).await;
    assert_eq!(response.status(), 403);
    assert!(response.headers().get("set-cookie").is_none(), "a forged sign-in started a session");
    assert!(response.text().await.unwrap().contains("nothing was changed"));
}

#[tokio::test]
async fn a_forged_sign_out_is_refused_and_the_session_survives() {
    let app = TestApp::spawn().await;
    let (_store, visitor) = app.signed_in_store("Corner Shop").await;
    // The same browser (same cookies), but the request comes from another site's page.
    let forged = visitor.client.post(visitor.url("/logout")).header("origin", EVIL).send().await.unwrap();
    assert_eq!(forged.status(), 403);
    assert!(visitor.get("/").await.text().await.unwrap().contains("Corner Shop"), "the session was ended");
}

#[tokio::test]
async fn a_forged_server_function_call_is_refused() {
    let app = TestApp::spawn().await;
    let (_store, visitor) = app.signed_in_store("Corner Shop").await;
    let forged = visitor
        .client
        .post(visitor.url(GetStoreOverview::PATH))
        .header("origin", EVIL)
        .form(&[("period", "Last7Days")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    // Without Origin, a cross-site fetch metadata header is enough to refuse it.
    let forged = reqwest::Client::new()
        .post(visitor.url(GetStoreOverview::PATH))
        .header("sec-fetch-site", "cross-site")
        .form(&[("period", "Last7Days")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let same_site = visitor.call::<GetStoreOverview>(&[("period", "Last7Days")]).await;
    assert_eq!(same_site.status(), 200);
}

#[tokio::test]
async fn reading_pages_needs_no_origin() {
    let app = TestApp::spawn().await;
    let response = app.visitor_from(EVIL).get("/auth/login").await;
    assert_eq!(response.status(), 200);
}
