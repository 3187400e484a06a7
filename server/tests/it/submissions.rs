//! Forms the page's script sends (`app::submission`): the answer a form without JavaScript gets,
//! with its redirect handed over as `204` and `storefront-location`, its cookies kept; every
//! other answer as it was.

use crate::common::TestApp;
use app::products::SaveProduct;
use app::signup::SignUp;
use app::submission::LOCATION_HEADER;
use domain::testing::unique_email;
use leptos::server_fn::ServerFn;
use reqwest::Response;

/// Where a script-sent form's answer sends the browser, checked to be nothing but that.
fn target_of(response: &Response) -> String {
    assert_eq!(response.status(), 204, "a form sent by script is answered without a redirect");
    assert!(response.headers().get("location").is_none(), "fetch would follow a location");
    response.headers()[LOCATION_HEADER].to_str().expect("an ASCII location").to_owned()
}

#[tokio::test]
async fn a_form_sent_by_script_is_told_where_to_go_where_a_browser_would_be_redirected() {
    let app = TestApp::spawn().await;
    let (_store, visitor) = app.signed_in_store("Corner Shop").await;
    let form = |sku| [("name", "Linen Tote"), ("sku", sku), ("price", "12.50")];

    // The same form sent by the browser itself: a redirect, no hand-over.
    let by_browser = visitor.submit::<SaveProduct>("/products/new", &form("TOTE-1")).await;
    assert_eq!(by_browser.status(), 302);
    assert!(by_browser.headers().get(LOCATION_HEADER).is_none());

    let by_script = visitor.send_by_script::<SaveProduct>("/products/new", &form("TOTE-2")).await;
    let target = target_of(&by_script);
    assert!(target.starts_with("/products/") && target.ends_with("?saved=created"), "{target}");
    assert!(by_script.bytes().await.unwrap().is_empty());
    let page = visitor.get(&target).await.text().await.unwrap();
    assert!(page.contains("Product created.") && page.contains("value=\"TOTE-2\""), "{page}");
}

#[tokio::test]
async fn a_refusal_sent_by_script_leads_back_to_the_form_with_what_was_typed() {
    let app = TestApp::spawn().await;
    let (_store, visitor) = app.signed_in_store("Corner Shop").await;
    let form = [("name", "Walnut Tray"), ("sku", "has space"), ("price", "12.345")];
    let target = target_of(&visitor.send_by_script::<SaveProduct>("/products/new", &form).await);
    // Back where the form was (the `Referer`, as sent), with the refusal.
    let (page, query) = target.split_once('?').expect("a query");
    assert_eq!(page, visitor.url("/products/new"));
    assert!(query.contains("__err="), "{target}");
    let html = visitor.client.get(&target).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("data-form-alert") && html.contains("value=\"has space\""), "{html}");
}

#[tokio::test]
async fn the_session_an_answer_starts_is_kept_when_the_script_sent_the_form() {
    let app = TestApp::spawn().await;
    let visitor = app.visitor();
    let email = unique_email("founder");
    let form = [
        ("email", email.as_str()),
        ("password", "a long enough passphrase"),
        ("store_name", "Kite & Co"),
        ("plan", "starter"),
    ];
    let answer = visitor.send_by_script::<SignUp>("/signup", &form).await;
    assert!(answer.headers().get("set-cookie").is_some(), "the new session's cookie was dropped");
    let target = target_of(&answer);
    assert_eq!(target, "/?welcome=free");
    let home = visitor.get(&target).await.text().await.unwrap();
    assert!(home.contains("Your store is ready on the Free plan"), "{home}");
}

#[tokio::test]
async fn an_answer_that_is_not_a_redirect_is_left_as_it_is() {
    let app = TestApp::spawn().await;
    let (_store, visitor) = app.signed_in_store("Corner Shop").await;
    // A forged form with the script's header: the cross-site refusal, untouched.
    let forged = visitor
        .client
        .post(visitor.url(SaveProduct::PATH))
        .header("origin", "https://evil.example")
        .header("accept", "text/html")
        .header(app::submission::REQUEST_HEADER, "1")
        .form(&[("name", "x"), ("sku", "X"), ("price", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(forged.headers().get(LOCATION_HEADER).is_none());
    assert!(forged.text().await.unwrap().contains("nothing was changed"));
}
