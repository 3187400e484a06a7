//! The server through HTTP: operations endpoints, sign-in, pages.

use crate::common::TestApp;
use app::figures::GetStoreOverview;
use domain::testing::{TestDb, TEST_PASSWORD};
use server::config::Settings;
use server::startup::Application;

#[tokio::test]
async fn health_and_readiness_answer_with_a_request_id() {
    let app = TestApp::spawn().await;
    let visitor = app.visitor();
    let health = visitor.get("/healthz").await;
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    let ready = visitor.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn signing_in_sets_a_protected_session_cookie_and_shows_the_store() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    let visitor = app.visitor();
    let response = visitor.sign_in(&store.owner_email, TEST_PASSWORD).await;
    assert_eq!(response.headers()["location"], "/");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("storefront_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");

    let home = visitor.get("/").await;
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    assert!(html.contains("Corner Shop"), "the home page does not name the store");
    assert!(html.contains("Sign out"));
}

#[tokio::test]
async fn a_wrong_password_goes_back_to_the_form_with_the_email_kept() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    let visitor = app.visitor();
    let response = visitor.sign_in(&store.owner_email, "not the password").await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/auth/login?error=credentials&email="), "{location}");
    assert!(response.headers().get("set-cookie").is_none(), "a failed sign-in started a session");

    let page = visitor.get(&location).await.text().await.unwrap();
    assert!(page.contains("do not match an account"));
    assert!(page.contains(&store.owner_email), "the email typed was lost");

    // Unknown emails get the same answer, so accounts cannot be discovered.
    let unknown = visitor.sign_in("nobody@example.test", "whatever").await;
    assert!(unknown.headers()["location"].to_str().unwrap().starts_with("/auth/login?error=credentials"));
}

#[tokio::test]
async fn signed_out_visitors_see_the_welcome_and_no_figures() {
    let app = TestApp::spawn().await;
    let visitor = app.visitor();
    let html = visitor.get("/").await.text().await.unwrap();
    assert!(html.contains("Run your store from one place"));
    assert!(!html.contains("data-testid=\"figures\""));
    let call = visitor.call::<GetStoreOverview>(&[("period", "Last30Days")]).await;
    assert!(!call.status().is_success());
    let body = call.text().await.unwrap();
    assert!(body.contains("SignedOut"), "{body}");
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let store = app.db.store("Corner Shop").await;
    let visitor = app.visitor();
    let response = visitor.sign_in(&store.owner_email, TEST_PASSWORD).await;
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    let session_id = cookie.split(';').next().unwrap().trim_start_matches("storefront_session=").to_owned();
    let stored = || async { app.db.count("sessions WHERE id = $1", &session_id).await };
    assert_eq!(stored().await, 1, "the session is kept server-side");

    let response = visitor.post_form("/logout", &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(stored().await, 0, "the session outlived signing out");
    let html = visitor.get("/").await.text().await.unwrap();
    assert!(!html.contains("Corner Shop"));
}

#[tokio::test]
async fn unknown_pages_are_not_found() {
    let app = TestApp::spawn().await;
    let response = app.visitor().get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn database_url_selects_the_server_and_a_superuser_is_refused() {
    let db = TestDb::new().await;
    let owner_url = TestDb::url(&db.owner_options());
    let app_url = TestDb::url(&db.app_options);
    let settings = |vars: Vec<(&'static str, String)>| {
        Settings::from_lookup(move |key| {
            vars.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()).or_else(|| match key {
                "LISTEN_ADDR" => Some("127.0.0.1:0".into()),
                _ => None,
            })
        })
        .unwrap()
    };

    let as_superuser = settings(vec![("DATABASE_URL", owner_url.clone())]);
    let refused = Application::build(&as_superuser).await.err().expect("the app ran as a superuser");
    assert!(refused.to_string().contains("is a superuser"), "{refused}");

    let as_app = settings(vec![("DATABASE_URL", app_url), ("DATABASE_OWNER_URL", owner_url)]);
    let application = Application::build(&as_app).await.expect("the app runs as storefront_app");
    let base = format!("http://{}", application.local_addr());
    tokio::spawn(application.run_until(std::future::pending()));
    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn the_orders_pages_list_filter_and_show_orders() {
    let app = TestApp::spawn().await;
    let (a, visitor) = app.signed_in_store("Corner Shop").await;
    let ids = app.db.add_orders(a.tenant, 30, &["paid", "shipped", "cancelled"]).await;

    let html = visitor.get("/orders").await.text().await.unwrap();
    assert!(html.contains("Page 1 of 2 · 30 orders"), "the pager is missing");
    // Named by their numbers in the store (#1001 the oldest), linked by their ids.
    assert!(html.contains(">#1030<") && !html.contains(">#1005<"), "not the 25 latest");
    assert!(html.contains(&format!("href=\"/orders/{}\"", ids[0])));

    let html = visitor.get("/orders?status=cancelled").await.text().await.unwrap();
    assert!(html.contains("Page 1 of 1 · 10 orders"));
    assert!(!html.contains("data-status=\"paid\""));

    let html = visitor.get("/orders?from=2026-11-20&to=2026-11-01").await.text().await.unwrap();
    assert!(html.contains("The start date is after the end date."), "a bad range is not explained");

    let html = visitor.get(&format!("/orders/{}", ids[0])).await.text().await.unwrap();
    assert!(html.contains("Order #1030"));
    assert!(html.contains("$17.50") && html.contains("Linen Tote") && html.contains("Ada Okafor"));

    // Signed out: asked to sign in, nothing shown.
    let html = app.visitor().get("/orders").await.text().await.unwrap();
    assert!(html.contains("Please sign in") && !html.contains("Ada Okafor"));
    let empty = TestApp::spawn().await;
    let (_, visitor) = empty.signed_in_store("New Shop").await;
    assert!(visitor.get("/orders").await.text().await.unwrap().contains("No orders yet"));
}

#[tokio::test]
async fn the_dashboard_shows_the_chart_top_products_and_recent_orders() {
    let app = TestApp::spawn().await;
    let (store, visitor) = app.signed_in_store("Corner Shop").await;
    let html = visitor.get("/").await.text().await.unwrap();
    assert!(
        html.contains("No sales in this period yet.") && html.contains("No orders yet."),
        "no empty states"
    );

    let ids = app.db.add_orders(store.tenant, 12, &["paid"]).await;
    let html = visitor.get("/").await.text().await.unwrap();
    assert!(html.contains("data-testid=\"revenue-chart\"") && html.contains("data-days=\"30\""));
    assert!(
        html.contains("Revenue per day over 30 days: $210.00 in all"),
        "the chart has no summary for screen readers"
    );
    assert!(html.contains("Linen Tote") && html.contains("Walnut Tray"));
    assert!(
        html.contains(">#1012<") && html.contains(">#1003<") && !html.contains(">#1002<"),
        "not the 10 latest"
    );
    assert!(
        html.contains(&format!("href=\"/orders/{}\"", ids[0]))
            && !html.contains(&format!("href=\"/orders/{}\"", ids[11])),
        "the latest orders link to themselves"
    );
}

/// A page rendered on the server calls several server functions that each need the store (its
/// data, the store's notice, …): the membership is checked once per request, not once per call.
#[tokio::test]
async fn a_page_checks_the_membership_once_whatever_the_server_functions_it_calls() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.signed_in_store("Corner Shop").await;
    for page in ["/", "/orders", "/products", "/customers", "/team", "/settings"] {
        let before = app::session::resolved_scopes();
        let response = owner.get(page).await;
        assert_eq!(response.status(), 200, "{page}");
        response.text().await.unwrap();
        assert_eq!(app::session::resolved_scopes() - before, 1, "{page}");
    }
    // Each call from the hydrated page is a request of its own, with its own check.
    let before = app::session::resolved_scopes();
    for _ in 0..2 {
        assert!(owner.call::<GetStoreOverview>(&[("period", "Last30Days")]).await.status().is_success());
    }
    assert_eq!(app::session::resolved_scopes() - before, 2);
}
