//! Self-service signup without a payment provider (the embedded default): the landing page's
//! plans, the form's checks, and a new store that opens at once on the free plan.

use crate::common::{borrowed, TestApp};
use app::signup::SignUp;
use domain::testing::unique_email;

#[tokio::test]
async fn the_landing_page_shows_the_plans_and_the_way_to_start() {
    let app = TestApp::spawn().await;
    let html = app.visitor().get("/").await.text().await.unwrap();
    assert!(html.contains("Start your store"));
    for text in [
        "Free",
        "Starter",
        "$29.00 a month",
        "$99.00 a month",
        "Up to 25 products · 2 people",
        "Unlimited products and people",
    ] {
        assert!(html.contains(text), "the landing page lacks {text:?}");
    }
    let form = app.visitor().get("/signup?plan=starter").await.text().await.unwrap();
    assert!(form.contains("Payments are not set up on this server"), "the form says stores start free");
    assert!(form.contains("At least 12 characters."), "password rules before submit");
}

#[tokio::test]
async fn a_new_customer_gets_a_working_store_on_the_free_plan_at_once() {
    let app = TestApp::spawn().await;
    let visitor = app.visitor();
    let email = unique_email("founder");
    let form = [
        ("email", email.as_str()),
        ("password", "a long enough passphrase"),
        ("store_name", "Kite & Co"),
        ("plan", "starter"),
    ];
    let response = visitor.submit::<SignUp>("/signup", &form).await;
    assert_eq!(response.headers()["location"], "/?welcome=free");
    let home = visitor.follow(response).await;
    assert!(
        home.contains("Kite &amp; Co") && home.contains("Your store is ready on the Free plan"),
        "{home}"
    );

    let (status, plan, slug, role): (String, String, String, String) = sqlx::query_as(
        "SELECT t.status, t.plan_id, s.slug, m.role FROM accounts a
         JOIN memberships m ON m.account_id = a.id JOIN tenants t ON t.id = m.tenant_id
         JOIN tenant_slugs s ON s.tenant_id = t.id WHERE a.email = $1",
    )
    .bind(&email)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    assert_eq!((status.as_str(), plan.as_str(), role.as_str()), ("active", "free", "owner"));
    assert!(slug.starts_with("kite-co"), "{slug}");
    let audit = visitor.get("/audit").await.text().await.unwrap();
    assert!(audit.contains("store.created"));
}

#[tokio::test]
async fn a_refused_signup_explains_each_field_and_keeps_all_but_the_password() {
    let app = TestApp::spawn().await;
    let visitor = app.visitor();
    let form = [("email", "not-an-email"), ("password", "short"), ("store_name", "  "), ("plan", "gold")];
    let html = visitor.follow(visitor.submit::<SignUp>("/signup", &form).await).await;
    assert!(html.contains("Enter an email address like name@example.com."));
    assert!(html.contains("Enter the store&#x27;s name.") || html.contains("Enter the store's name."));
    assert!(html.contains("Choose one of the plans."));
    assert!(html.contains("value=\"not-an-email\""), "the email typed is kept");
    assert!(!html.contains("value=\"short\""), "a password is never sent back");

    let taken = app.db.store("Taken").await;
    let form = [
        ("email", taken.owner_email.as_str()),
        ("password", "a long enough passphrase"),
        ("store_name", "Second"),
        ("plan", "free"),
    ];
    let html = visitor.follow(visitor.submit::<SignUp>("/signup", &form).await).await;
    assert!(html.contains("This email already has an account."), "{html}");
    let stores: i64 = app.db.count("memberships WHERE account_id = $1", taken.owner).await;
    assert_eq!(stores, 1, "no store was added to the existing account");
}

#[tokio::test]
async fn signups_from_one_address_are_limited_and_others_go_on() {
    let app = TestApp::spawn().await;
    let busy = app.visitor();
    let form = |email: &str| {
        [
            ("email", email.to_owned()),
            ("password", "a long enough passphrase".into()),
            ("store_name", "Shop".into()),
            ("plan", "free".into()),
        ]
    };
    for _ in 0..5 {
        assert!(busy.call::<SignUp>(&borrowed(&form(&unique_email("many")))).await.status().is_success());
    }
    let refused = busy.call::<SignUp>(&borrowed(&form(&unique_email("many")))).await;
    assert!(!refused.status().is_success());
    assert!(refused.text().await.unwrap().contains("Too many new stores were made from your network."));

    let other = app.visitor();
    let form = [
        ("email", &*unique_email("other")),
        ("password", "a long enough passphrase"),
        ("store_name", "Shop"),
        ("plan", "free"),
    ];
    assert!(other.call::<SignUp>(&form).await.status().is_success(), "another address is not limited");
}
