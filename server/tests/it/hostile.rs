//! Hostile input, sent the way an attacker with an account would: markup in names, NUL bytes,
//! formulas for spreadsheets, forged request ids. And the answers' honesty: status codes that
//! say what happened and the browser policy on every response.

use app::customers::SaveCustomer;
use app::products::{GetProduct, SaveProduct};
use app::settings::SaveSettings;
use app::signup::SignUp;
use app::team::InviteMember;
use domain::Role;

use crate::common::{unzip, TestApp};

const TITLE_BREAKOUT: &str = "</title><script>window.pwned=1</script><title>";

/// The text of the document's `<title>`, as the server sent it.
fn head_title(html: &str) -> &str {
    let start = html.find("<title>").expect("a title") + "<title>".len();
    let end = start + html[start..].find("</title>").expect("the title's end");
    &html[start..end]
}

#[tokio::test]
async fn markup_in_names_stays_text_in_the_title_and_the_body() {
    let app = TestApp::spawn().await;
    let (store, visitor) = app.signed_in_store("Corner Shop").await;
    let response =
        visitor.call::<SaveProduct>(&[("name", TITLE_BREAKOUT), ("sku", "EVIL-1"), ("price", "1")]).await;
    assert!(response.status().is_redirection() || response.status().is_success(), "{}", response.status());
    let product: i64 = sqlx::query_scalar("SELECT id FROM products WHERE tenant_id = $1 AND sku = 'EVIL-1'")
        .bind(store.tenant)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    visitor.call::<SaveCustomer>(&[("name", TITLE_BREAKOUT), ("email", "evil@example.test")]).await;
    let customer: i64 = sqlx::query_scalar("SELECT id FROM customers WHERE tenant_id = $1")
        .bind(store.tenant)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    // A slug of this run's own: on a shared database another run holds `corner-evil`.
    let slug = format!("corner-evil-{}", store.tenant);
    let settings = [("name", TITLE_BREAKOUT), ("slug", &slug), ("currency", "USD"), ("time_zone", "UTC")];
    assert!(!visitor.call::<SaveSettings>(&settings).await.status().is_client_error());

    for path in [format!("/products/{product}"), format!("/customers/{customer}"), "/".to_owned()] {
        let html = visitor.get(&path).await.text().await.unwrap();
        assert!(!html.contains("<script>window.pwned"), "{path}: the markup went out as markup");
        let title = head_title(&html);
        assert!(title.starts_with("&lt;/title&gt;&lt;script&gt;"), "{path}: {title}");
        // Escaped once, not twice: the tab shows the name as it was typed.
        assert!(!title.contains("&amp;lt;"), "{path}: {title}");
    }
}

#[tokio::test]
async fn every_response_carries_the_browser_policy() {
    let app = TestApp::spawn().await;
    let (_store, visitor) = app.signed_in_store("Corner Shop").await;
    let page = visitor.get("/products").await;
    let headers = page.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce");
    assert!(nonce.len() >= 16, "{csp}");
    for directive in [
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "'strict-dynamic'",
    ] {
        assert!(csp.contains(directive), "{directive} missing: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    // Every script the page carries bears the response's nonce, so the policy lets it run.
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "a script without the nonce");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers.get("strict-transport-security").is_none(), "plain http on loopback gets no HSTS");

    // A fresh nonce per response.
    let again = visitor.get("/products").await;
    assert_ne!(again.headers()["content-security-policy"].to_str().unwrap(), csp);
    // Server functions' answers depend on the session too.
    let data = visitor.call::<GetProduct>(&[]).await;
    assert_eq!(data.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn refusals_answer_with_the_status_that_says_what_happened() {
    let app = TestApp::spawn().await;
    let signed_out = app.visitor();
    let response = signed_out.call::<SaveProduct>(&[("name", "Tea"), ("sku", "TEA"), ("price", "1")]).await;
    assert_eq!(response.status(), 401);
    assert_eq!(signed_out.get("/products").await.status(), 401, "a page needing sign-in says so");

    let (store, owner) = app.signed_in_store("Corner Shop").await;
    let other = app.db.store("Other Shop").await;
    let theirs: i64 = sqlx::query_scalar(
        "INSERT INTO products (tenant_id, name, sku, price_cents) VALUES ($1, 'Theirs', 'T-1', 100) RETURNING id",
    )
    .bind(other.tenant)
    .fetch_one(&app.db.owner)
    .await
    .unwrap();
    let response = owner.call::<GetProduct>(&[("id", &theirs.to_string())]).await;
    assert_eq!(response.status(), 404);
    assert_eq!(owner.get(&format!("/products/{theirs}")).await.status(), 404);

    let invalid = owner.call::<SaveProduct>(&[("name", "Tea"), ("sku", "has space"), ("price", "1")]).await;
    assert_eq!(invalid.status(), 422);
    owner.call::<SaveProduct>(&[("name", "Tea"), ("sku", "TEA"), ("price", "1")]).await;
    let taken = owner.call::<SaveProduct>(&[("name", "Tea again"), ("sku", "TEA"), ("price", "1")]).await;
    assert!(matches!(taken.status().as_u16(), 409 | 422), "{}", taken.status());

    let viewer_email = domain::testing::unique_email("viewer");
    let viewer_account = app.db.account(&viewer_email, domain::testing::TEST_PASSWORD).await;
    app.db.add_member(store.tenant, viewer_account, Role::Viewer).await;
    let viewer = app.visitor();
    viewer.sign_in(&viewer_email, domain::testing::TEST_PASSWORD).await;
    let forbidden = viewer.call::<SaveProduct>(&[("name", "Tea"), ("sku", "TEA-2"), ("price", "1")]).await;
    assert_eq!(forbidden.status(), 403);
    assert!(forbidden.text().await.unwrap().contains("Forbidden"));

    // Without JavaScript a refused form still comes back to its page, with the message.
    let form = owner
        .submit::<SaveProduct>("/products/new", &[("name", "Tea"), ("sku", "has space"), ("price", "1")])
        .await;
    assert_eq!(form.status(), 302);
    let html = owner.follow(form).await;
    assert!(html.contains("Use only letters, digits"), "the field's message");
}

#[tokio::test]
async fn control_characters_are_refused_on_the_field_and_never_reach_the_database() {
    let app = TestApp::spawn().await;
    let (store, visitor) = app.signed_in_store("Corner Shop").await;
    let product = visitor.call::<SaveProduct>(&[("name", "Te\0a"), ("sku", "TEA"), ("price", "1")]).await;
    assert_eq!(product.status(), 422);
    let body = product.text().await.unwrap();
    assert!(body.contains("\"name\"") && body.contains("control characters"), "{body}");
    let customer =
        visitor.call::<SaveCustomer>(&[("name", "A\u{1b}[2Jnn"), ("email", "ann@example.test")]).await;
    assert_eq!(customer.status(), 422);
    let settings = [
        ("name", "Corner\0Shop"),
        ("slug", "corner-nul"),
        ("currency", "USD"),
        ("time_zone", "Europe/Paris\0"),
    ];
    let response = visitor.call::<SaveSettings>(&settings).await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("\"name\"") && body.contains("\"time_zone\""), "{body}");
    // A search is never an error: the characters no row can hold are dropped.
    assert_eq!(visitor.get("/products?q=te%00a").await.status(), 200);
    assert_eq!(visitor.get("/customers?q=%00").await.status(), 200);

    let stranger = app.visitor();
    let signup = stranger
        .call::<SignUp>(&[
            ("email", "new@example.test"),
            ("password", "a long enough passphrase"),
            ("store_name", "Kite\0Co"),
            ("plan", "free"),
        ])
        .await;
    assert_eq!(signup.status(), 422);
    assert!(signup.text().await.unwrap().contains("store_name"));
    let count: i64 = app.db.count("products WHERE tenant_id = $1", store.tenant).await;
    assert_eq!(count, 0);
}

#[tokio::test]
async fn spreadsheet_formulas_are_neutralised_in_exports_and_read_back_unchanged() {
    let app = TestApp::spawn().await;
    let (store, visitor) = app.signed_in_store("Corner Shop").await;
    let formula = "=HYPERLINK(\"http://127.0.0.1/x\",\"Click\")";
    visitor.call::<SaveProduct>(&[("name", formula), ("sku", "-LEAD"), ("price", "1")]).await;
    visitor.call::<SaveCustomer>(&[("name", "@SUM(A1)"), ("email", "sum@example.test")]).await;

    let csv = visitor.get("/products/export.csv").await.text().await.unwrap();
    assert!(csv.contains("'-LEAD,\"'=HYPERLINK("), "{csv}");
    // The export imports back as it was.
    let part = reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("products.csv");
    let import = visitor
        .client
        .post(visitor.url("/products/import"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let report = visitor.follow(import).await;
    assert!(report.contains("Imported: 0 new, 1 updated."), "{report}");
    let (name, sku): (String, String) = sqlx::query_as("SELECT name, sku FROM products WHERE tenant_id = $1")
        .bind(store.tenant)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    assert_eq!((name.as_str(), sku.as_str()), (formula, "-LEAD"));

    let zip = visitor.get("/export.zip").await.bytes().await.unwrap();
    let files = unzip(&zip);
    let file = |name: &str| files.iter().find(|(n, _)| n == name).map(|(_, text)| text.clone()).unwrap();
    assert!(file("products.csv").contains("'-LEAD,\"'=HYPERLINK("), "{}", file("products.csv"));
    assert!(file("customers.csv").contains(",'@SUM(A1),"), "{}", file("customers.csv"));
    for (name, text) in &files {
        for line in text.lines() {
            for cell in line.split(',') {
                let cell = cell.trim_start_matches('"');
                assert!(!cell.starts_with(['=', '+', '@']), "{name}: a formula cell: {line}");
            }
        }
    }
}

#[tokio::test]
async fn a_request_id_is_kept_only_when_it_is_plain() {
    let app = TestApp::spawn().await;
    let visitor = app.visitor();
    let id_of =
        |response: &reqwest::Response| response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let plain = visitor
        .client
        .get(visitor.url("/healthz"))
        .header("x-request-id", "trace-42.a_b")
        .send()
        .await
        .unwrap();
    assert_eq!(id_of(&plain), "trace-42.a_b");
    for forged in ["<script>", "a b", "x\"=1", &"a".repeat(65)] {
        let response =
            visitor.client.get(visitor.url("/healthz")).header("x-request-id", forged).send().await.unwrap();
        let id = id_of(&response);
        assert_ne!(id, forged);
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "a new id is made: {id}");
    }
}

#[tokio::test]
async fn invitations_are_limited_per_store_with_the_reason_on_the_team_page() {
    let app = TestApp::spawn().await;
    let (_store, owner) = app.signed_in_store("Corner Shop").await;
    let limit = domain::rate_limits::LimitedAction::InvitationPerInviter.limit().burst;
    for n in 0..limit {
        let email = format!("invitee{n}@example.test");
        let response = owner.call::<InviteMember>(&[("email", &email), ("role", "viewer")]).await;
        assert!(!response.status().is_client_error(), "invitation {n}: {}", response.status());
    }
    let refused = owner.call::<InviteMember>(&[("email", "one-more@example.test"), ("role", "viewer")]).await;
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait > 0);
    let form = owner
        .submit::<InviteMember>("/team", &[("email", "one-more@example.test"), ("role", "viewer")])
        .await;
    let html = owner.follow(form).await;
    assert!(html.contains("invitations in a short time"), "the team page says why");
    assert!(html.contains("one-more@example.test"), "what was typed is kept");
}

#[tokio::test]
async fn signup_tells_of_an_existing_account_only_for_an_otherwise_complete_form() {
    let app = TestApp::spawn().await;
    let taken = app.db.store("Taken").await;
    let visitor = app.visitor();
    let probe = visitor
        .call::<SignUp>(&[("email", &taken.owner_email), ("password", ""), ("store_name", ""), ("plan", "")])
        .await;
    assert_eq!(probe.status(), 422);
    assert!(!probe.text().await.unwrap().contains("already has an account"));
    let complete = [
        ("email", taken.owner_email.as_str()),
        ("password", "a long enough passphrase"),
        ("store_name", "Second"),
        ("plan", "free"),
    ];
    let answer = visitor.call::<SignUp>(&complete).await;
    assert!(answer.text().await.unwrap().contains("already has an account"));
    // Refused signups are limited per address like failed sign-ins.
    let burst = domain::rate_limits::LimitedAction::FailedSignupPerAddress.limit().burst;
    for _ in 1..burst {
        visitor.call::<SignUp>(&complete).await;
    }
    let limited = visitor.call::<SignUp>(&complete).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
}

/// The `<input>` and `<textarea>` tags of a page that take typed text, each as written.
fn text_fields(html: &str) -> Vec<&str> {
    let typed = ["text", "email", "password", "search", "tel", "url"];
    ["<input", "<textarea"]
        .iter()
        .flat_map(|open| {
            html.match_indices(open).map(|(at, _)| &html[at..at + html[at..].find('>').unwrap_or(0)])
        })
        .filter(|tag| {
            let kind = tag.split("type=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or("text");
            (tag.starts_with("<textarea") || typed.contains(&kind)) && !tag.contains("readonly")
        })
        .collect()
}

#[tokio::test]
async fn every_field_people_type_into_states_its_limit() {
    let app = TestApp::spawn().await;
    let (store, owner) = app.signed_in_store("Corner Shop").await;
    app.db.add_orders(store.tenant, 1, &["paid"]).await;
    let link = crate::team::invite(&owner, &domain::testing::unique_email("newcomer"), "member").await;
    let (_, staff_email) = app.db.staff(domain::staff::StaffRole::Admin).await;
    let staff = app.visitor();
    staff.sign_in(&staff_email, domain::testing::TEST_PASSWORD).await;
    let anyone = app.visitor();
    let store_page = format!("/admin/stores/{}", store.tenant);
    let pages = [
        (&owner, "/products/new"),
        (&owner, "/products"),
        (&owner, "/customers/new"),
        (&owner, "/customers"),
        (&owner, "/orders/new"),
        (&owner, "/settings"),
        (&owner, "/audit"),
        (&owner, "/team"),
        (&anyone, "/signup"),
        (&anyone, "/auth/login"),
        (&anyone, link.as_str()),
        (&staff, "/admin/stores"),
        (&staff, store_page.as_str()),
    ];
    let mut fields = 0;
    for (visitor, page) in pages {
        let html = visitor.get(page).await.text().await.unwrap();
        let found = text_fields(&html);
        // The check can fail: each of these pages has something to type into.
        assert!(!found.is_empty(), "{page} has no field: {html}");
        fields += found.len();
        let unlimited: Vec<&&str> = found.iter().filter(|tag| !tag.contains("maxlength=")).collect();
        assert!(unlimited.is_empty(), "{page}: fields without a stated limit: {unlimited:?}");
    }
    assert!(fields > 20, "{fields} fields");

    // The form says what the domain enforces, in the tag and in words.
    let product = owner.get("/products/new").await.text().await.unwrap();
    let limit = domain::products::ProductName::MAX_CHARS;
    assert!(product.contains(&format!("maxlength=\"{limit}\"")), "{product}");
    assert!(product.contains(&format!("Up to {limit} characters.")));
    let name = "x".repeat(limit + 1);
    let refused = owner.call::<SaveProduct>(&[("name", &name), ("sku", "LONG-1"), ("price", "1")]).await;
    assert_eq!(refused.status(), 422, "the limit is enforced, not only stated");
}
