//! Noisy neighbours: a store that floods its replica past its plan's budget gets 429 with
//! `Retry-After` and a page that says why, while another store on the same replica is served.

use crate::common::{TestApp, Visitor};
use app::figures::GetStoreOverview;
use reqwest::Response;

/// Sends `request` until it is refused (at most `tries` times), checking that each answer
/// before was served.
async fn flood<F, Fut>(tries: usize, mut request: F) -> Response
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    for _ in 0..tries {
        let response = request().await;
        if response.status() == 429 {
            return response;
        }
        assert!(response.status().is_success(), "{}", response.status());
    }
    panic!("{tries} requests and none was refused");
}

fn retry_after(response: &Response) -> u64 {
    response.headers()["retry-after"].to_str().unwrap().parse().expect("seconds")
}

async fn served(visitor: &Visitor) -> bool {
    visitor.get("/orders").await.status() == 200
}

#[tokio::test]
async fn a_flooding_store_is_refused_past_its_budget_while_another_is_served() {
    // A tenth of the budgets: a Growth store's pages burst to 20, then 5 a second.
    let app = TestApp::spawn_with(&[("STORE_BUDGET_SCALE", "0.1")]).await;
    let (_flooding_store, flooding) = app.signed_in_store("Flood Shop").await;
    let (_quiet_store, quiet) = app.signed_in_store("Quiet Shop").await;
    assert!(served(&quiet).await && served(&flooding).await, "both are served to begin with");

    let refused = flood(200, || flooding.get("/orders")).await;
    assert!(retry_after(&refused) >= 1);
    let page = refused.text().await.unwrap();
    assert!(page.contains("more requests than its plan allows"), "{page}");
    assert!(served(&quiet).await, "the other store was refused too");

    // Changes have a budget of their own, smaller (6 at once here), with the same answer for a
    // script: the server function's error, and its status.
    let refused = flood(100, || quiet.call::<GetStoreOverview>(&[("period", "Last30Days")])).await;
    assert!(retry_after(&refused) >= 1);
    assert!(refused.text().await.unwrap().contains("more requests than its plan allows"));
    assert!(served(&quiet).await, "its pages keep their own budget");
}
