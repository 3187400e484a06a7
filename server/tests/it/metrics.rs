//! `/metrics` after traffic: on its own listener only, Prometheus' text, what the operator
//! watches (answers by route and status class, latency, the pool, sign-ins, refusals), and no
//! label that names a store, an account or a raw path.

use crate::common::TestApp;
use domain::testing::TEST_PASSWORD;

async fn scrape(app: &TestApp) -> String {
    let url = format!("{}/metrics", app.metrics.as_deref().expect("METRICS_ADDR was set"));
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    response.text().await.unwrap()
}

/// The value of the sample `name{labels}` (labels as Prometheus writes them, sorted by the
/// exporter in the order they were given), if present.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().filter(|line| !line.starts_with('#')).find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
        let matches =
            metric == name && labels.iter().all(|(key, value)| rest.contains(&format!("{key}=\"{value}\"")));
        matches.then(|| value.parse().ok()).flatten()
    })
}

#[tokio::test]
async fn without_metrics_addr_there_is_no_metrics_listener_and_the_public_port_has_none() {
    let app = TestApp::spawn().await;
    assert!(app.metrics.is_none());
    assert_eq!(app.visitor().get("/metrics").await.status(), 404);
}

#[tokio::test]
async fn metrics_count_the_traffic_by_route_template_with_bounded_labels() {
    let app = TestApp::spawn_with(&[("METRICS_ADDR", "127.0.0.1:0")]).await;
    // Not on the public port, even with it on.
    assert_eq!(app.visitor().get("/metrics").await.status(), 404);

    let (store, visitor) = app.signed_in_store("Metrics Shop").await;
    for _ in 0..3 {
        assert_eq!(visitor.get("/orders").await.status(), 200);
    }
    // An order that does not exist: the route's template, never the id asked for.
    visitor.get("/orders/987654321").await;
    // A path no route has.
    visitor.get("/no-such-page-4242").await;
    // A wrong password.
    let stranger = app.visitor();
    stranger
        .post_form("/auth/login", &[("email", &store.owner_email), ("password", "not the password")])
        .await;
    let signed_in = app.visitor();
    signed_in.sign_in(&store.owner_email, TEST_PASSWORD).await;

    let text = scrape(&app).await;
    let orders =
        sample(&text, "http_requests_total", &[("route", "/orders"), ("method", "GET"), ("status", "2xx")]);
    assert!(orders.is_some_and(|n| n >= 3.0), "{text}");
    assert!(sample(&text, "http_requests_total", &[("route", "/orders/{id}")]).is_some(), "{text}");
    assert!(sample(&text, "http_requests_total", &[("route", "unmatched")]).is_some(), "{text}");
    assert!(
        sample(&text, "http_request_duration_seconds_bucket", &[("route", "/orders"), ("le", "+Inf")])
            .is_some_and(|n| n >= 3.0),
        "latency is a histogram: {text}"
    );
    assert_eq!(sample(&text, "sign_ins_total", &[("outcome", "credentials")]), Some(1.0), "{text}");
    assert!(sample(&text, "sign_ins_total", &[("outcome", "signed_in")]).is_some_and(|n| n >= 2.0), "{text}");
    assert!(sample(&text, "db_pool_connections", &[("state", "max")]).is_some_and(|n| n > 0.0), "{text}");
    assert!(sample(&text, "db_pool_waiting", &[]).is_some(), "{text}");
    assert!(sample(&text, "password_hashing", &[("state", "running")]).is_some(), "{text}");

    for private in ["987654321", "no-such-page-4242", store.owner_email.as_str()] {
        assert!(!text.contains(private), "a label holds {private:?}: {text}");
    }
    // Every label is one of a few kinds, each with a bounded set of values.
    let allowed = ["route", "method", "status", "state", "outcome", "action", "le"];
    for line in text.lines().filter(|line| !line.starts_with('#')) {
        let Some((_, labels)) = line.split_once('{') else { continue };
        let labels = labels.split_once('}').map_or("", |(labels, _)| labels);
        for label in labels.split("\",").filter(|label| !label.is_empty()) {
            let key = label.split_once('=').map_or(label, |(key, _)| key);
            assert!(allowed.contains(&key), "label {key:?} in {line}");
        }
    }
}
