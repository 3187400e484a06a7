//! The back office through HTTP: products, customers and new orders, by forms with and without JavaScript; CSV export and import.

use crate::common::TestApp;
use app::customers::SaveCustomer;
use app::orders::CreateOrder;
use app::products::SaveProduct;
use app::settings::{DeleteStore, SaveSettings};

#[tokio::test]
async fn a_product_is_created_from_the_form_without_javascript() {
    let app = TestApp::spawn().await;
    let (_store, visitor) = app.signed_in_store("Corner Shop").await;
    let response = visitor
        .submit::<SaveProduct>(
            "/products/new",
            &[("name", "Linen Tote"), ("sku", "TOTE-1"), ("price", "12.50")],
        )
        .await;
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/products/") && location.ends_with("?saved=created"), "{location}");
    let html = visitor.follow(response).await;
    assert!(html.contains("Product created."));
    assert!(
        html.contains("value=\"Linen Tote\"") && html.contains("value=\"12.50\""),
        "the form shows the product"
    );

    let list = visitor.get("/products").await.text().await.unwrap();
    assert!(list.contains("Linen Tote") && list.contains("$12.50"));
}

#[tokio::test]
async fn a_refused_form_comes_back_with_its_problems_and_what_was_typed() {
    let app = TestApp::spawn().await;
    let (store, visitor) = app.signed_in_store("Corner Shop").await;
    let form = [("name", "Walnut Tray"), ("sku", "has space"), ("price", "12.345")];
    let response = visitor.submit::<SaveProduct>("/products/new", &form).await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("__err="), "{location}");
    let html = visitor.follow(response).await;
    assert!(html.contains("Some fields need your attention."), "the summary");
    assert!(html.contains("Use only letters, digits and - _ . / (no spaces)."), "the SKU's problem");
    assert!(html.contains("Use at most 2 digits after the decimal point."), "the price's problem");
    assert!(
        html.contains("value=\"Walnut Tray\"") && html.contains("value=\"12.345\""),
        "what was typed is kept"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    let count: i64 = app.db.count("products WHERE tenant_id = $1", store.tenant).await;
    assert_eq!(count, 0);

    // The same through the hydrated page: a JSON error naming the fields.
    let call = visitor.call::<SaveProduct>(&form).await;
    assert!(!call.status().is_success());
    let body = call.text().await.unwrap();
    assert!(body.contains("\"sku\"") && body.contains("\"price\""), "{body}");
}

#[tokio::test]
async fn a_duplicate_sku_is_explained_in_its_field() {
    let app = TestApp::spawn().await;
    let (_store, visitor) = app.signed_in_store("Corner Shop").await;
    let form = [("name", "Tote"), ("sku", "TOTE-1"), ("price", "5")];
    assert!(visitor.call::<SaveProduct>(&form).await.status().is_success());
    let html = visitor.follow(visitor.submit::<SaveProduct>("/products/new", &form).await).await;
    assert!(html.contains("Another product already has the SKU “TOTE-1”."), "{html}");
}

#[tokio::test]
async fn products_export_as_csv_and_a_bad_import_changes_nothing() {
    let app = TestApp::spawn().await;
    let (store, visitor) = app.signed_in_store("Corner Shop").await;
    visitor.call::<SaveProduct>(&[("name", "Tote, linen"), ("sku", "TOTE-1"), ("price", "5")]).await;

    let export = visitor.get("/products/export.csv").await;
    assert_eq!(export.status(), 200);
    assert!(export.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(export.text().await.unwrap(), "sku,name,price,status\nTOTE-1,\"Tote, linen\",5.00,active\n");

    let upload = |csv: &'static str| {
        let part = reqwest::multipart::Part::bytes(csv.as_bytes()).file_name("products.csv");
        reqwest::multipart::Form::new().part("file", part)
    };
    let bad = visitor
        .client
        .post(visitor.url("/products/import"))
        .multipart(upload("sku,name,price\nTOTE-1,Tote v2,6\nTRAY-1,Tray,nope\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 303);
    let report = visitor.follow(bad).await;
    assert!(report.contains("Nothing was imported."), "{report}");
    assert!(report.contains("price: Enter an amount like 12.50."), "{report}");
    let name: String =
        sqlx::query_scalar("SELECT name FROM products WHERE tenant_id = $1 AND sku = 'TOTE-1'")
            .bind(store.tenant)
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
    assert_eq!(name, "Tote, linen");
    // The report is shown once.
    assert!(!visitor.get("/products/import").await.text().await.unwrap().contains("Nothing was imported."));

    let good = visitor
        .client
        .post(visitor.url("/products/import"))
        .multipart(upload("sku,name,price\nTOTE-1,Tote v2,6\nTRAY-1,Tray,7.5\n"))
        .send()
        .await
        .unwrap();
    let report = visitor.follow(good).await;
    assert!(report.contains("Imported: 1 new, 1 updated."), "{report}");
}

#[tokio::test]
async fn an_order_is_placed_from_the_form_without_javascript_and_priced_by_the_server() {
    let app = TestApp::spawn().await;
    let (store, visitor) = app.signed_in_store("Corner Shop").await;
    visitor.call::<SaveProduct>(&[("name", "Tote"), ("sku", "TOTE"), ("price", "5")]).await;
    visitor.call::<SaveProduct>(&[("name", "Tray"), ("sku", "TRAY"), ("price", "7.50")]).await;
    visitor.call::<SaveCustomer>(&[("name", "Ada"), ("email", "ada@example.test")]).await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM products WHERE tenant_id = $1 ORDER BY sku")
        .bind(store.tenant)
        .fetch_all(&app.db.owner)
        .await
        .unwrap();
    let customer: i64 = sqlx::query_scalar("SELECT id FROM customers WHERE tenant_id = $1")
        .bind(store.tenant)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
    let (tote, tray, customer) = (ids[0].to_string(), ids[1].to_string(), customer.to_string());

    let form_page = visitor.get("/orders/new").await.text().await.unwrap();
    assert!(form_page.contains("Tote (TOTE) — $5.00") && form_page.contains("Ada &lt;ada@example.test&gt;"));

    // A blank line is ignored; a price in the request would be ignored too (there is no such field).
    let form = [
        ("customer", customer.as_str()),
        ("lines[0][product]", tote.as_str()),
        ("lines[0][quantity]", "3"),
        ("lines[1][product]", ""),
        ("lines[1][quantity]", "1"),
        ("lines[2][product]", tray.as_str()),
        ("lines[2][quantity]", "1"),
    ];
    let response = visitor.submit::<CreateOrder>("/orders/new", &form).await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/orders/") && location.ends_with("?created=1"), "{location}");
    let html = visitor.follow(response).await;
    assert!(html.contains("Order placed.") && html.contains("$22.50"), "3 × 5.00 + 7.50");

    // A refused order keeps the choices made.
    let bad =
        [("customer", customer.as_str()), ("lines[0][product]", tote.as_str()), ("lines[0][quantity]", "0")];
    let html = visitor.follow(visitor.submit::<CreateOrder>("/orders/new", &bad).await).await;
    assert!(html.contains("Quantities go from 1 to 9999."), "{html}");
    assert!(
        html.contains(&format!("selected value=\"{customer}\""))
            || html.contains(&format!("value=\"{customer}\" selected")),
        "the customer stays chosen"
    );
    let orders: i64 = app.db.count("orders WHERE tenant_id = $1", store.tenant).await;
    assert_eq!(orders, 1);
}

#[tokio::test]
async fn orders_are_named_by_their_number_in_the_store_never_by_the_platforms_id() {
    let app = TestApp::spawn().await;
    let mut seen = Vec::new();
    for name in ["First Shop", "Second Shop"] {
        let (store, visitor) = app.signed_in_store(name).await;
        // The form's helper places the store's first order (#1001); the two placed here are
        // #1002 and #1003.
        let form = app.order_form(&store).await;
        for _ in 0..2 {
            let (status, _, body) = visitor.place_order(&form).await;
            assert_eq!(status, 200, "{body}");
        }
        let (id, number): (i64, i64) = sqlx::query_as(
            "SELECT id, number FROM orders WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(store.tenant)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();
        assert_eq!(number, 1003, "{name}");
        seen.push(id);
        let detail = visitor.get(&format!("/orders/{id}")).await.text().await.unwrap();
        assert!(detail.contains("<title>Order #1003"), "{detail}");
        assert!(detail.contains(">Order #1003</h1>"));
        for page in ["/", "/orders"] {
            let html = visitor.get(page).await.text().await.unwrap();
            assert!(html.contains(">#1003<") && html.contains(">#1001<"), "{page}: {html}");
            assert!(!html.contains(&format!(">#{id}<")), "{page} names an order by its id");
        }
        let audit = visitor.get("/audit").await.text().await.unwrap();
        assert!(audit.contains("Order #1003") && !audit.contains(&format!("Order #{id}")), "{audit}");
    }
    assert_ne!(seen[0], seen[1], "the two stores' #1003 are two orders");
}

#[tokio::test]
async fn customers_are_created_and_a_taken_email_is_explained() {
    let app = TestApp::spawn().await;
    let (_store, visitor) = app.signed_in_store("Corner Shop").await;
    let form = [("name", "Ada Okafor"), ("email", "Ada@Example.test")];
    let html = visitor.follow(visitor.submit::<SaveCustomer>("/customers/new", &form).await).await;
    assert!(html.contains("Customer created.") && html.contains("value=\"ada@example.test\""));
    let html = visitor.follow(visitor.submit::<SaveCustomer>("/customers/new", &form).await).await;
    assert!(html.contains("Another customer already has the email ada@example.test."));
    assert!(html.contains("value=\"Ada Okafor\""), "the name typed is kept");
    let list = visitor.get("/customers?q=okafor").await.text().await.unwrap();
    assert!(list.contains("Ada Okafor") && list.contains("Page 1 of 1 · 1 customer"));
}

#[tokio::test]
async fn settings_are_saved_a_taken_address_is_explained_and_the_audit_log_tells_who() {
    let app = TestApp::spawn().await;
    let (store, visitor) = app.signed_in_store("Corner Shop").await;
    let other = app.db.store("Other Shop").await;
    let taken: String = sqlx::query_scalar("SELECT slug FROM tenant_slugs WHERE tenant_id = $1")
        .bind(other.tenant)
        .fetch_one(&app.db.owner)
        .await
        .unwrap();

    let form = [
        ("name", "Corner Shop & Co"),
        ("slug", taken.as_str()),
        ("currency", "EUR"),
        ("time_zone", "Europe/Paris"),
    ];
    let html = visitor.follow(visitor.submit::<SaveSettings>("/settings", &form).await).await;
    assert!(html.contains(&format!("The address “{taken}” is taken. Choose another.")), "{html}");
    assert!(html.contains("value=\"Corner Shop &amp; Co\""), "the name typed is kept");

    let form = [
        ("name", "Corner Shop & Co"),
        ("slug", &format!("corner-shop-{}", store.tenant)),
        ("currency", "EUR"),
        ("time_zone", "Europe/Paris"),
    ];
    let html = visitor.follow(visitor.submit::<SaveSettings>("/settings", &form).await).await;
    assert!(html.contains("Settings saved."), "{html}");
    let (name, currency, zone): (String, String, String) =
        sqlx::query_as("SELECT name, currency, time_zone FROM tenants WHERE id = $1")
            .bind(store.tenant)
            .fetch_one(&app.db.owner)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), currency.as_str(), zone.as_str()),
        ("Corner Shop & Co", "EUR", "Europe/Paris")
    );

    let bad = [("name", " "), ("slug", "-x-"), ("currency", "XXX"), ("time_zone", "Mars/Olympus")];
    let body = visitor.call::<SaveSettings>(&bad).await.text().await.unwrap();
    for field in ["\"name\"", "\"slug\"", "\"currency\"", "\"time_zone\""] {
        assert!(body.contains(field), "{field} is not reported: {body}");
    }

    let audit = visitor.get("/audit?action=settings.changed").await.text().await.unwrap();
    assert!(audit.contains("settings.changed") && audit.contains(&store.owner_email), "{audit}");
    assert!(audit.contains("Corner Shop</del>") && audit.contains("Corner Shop &amp; Co</ins>"), "{audit}");
}

#[tokio::test]
async fn the_owner_downloads_the_stores_data_and_deletes_the_store_after_typing_its_name() {
    let app = TestApp::spawn().await;
    let (store, owner) = app.signed_in_store("Corner Shop").await;
    app.db.add_orders(store.tenant, 4, &["paid"]).await;

    let download = owner.get("/export.zip").await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/zip");
    assert!(download.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let files = crate::common::unzip(&download.bytes().await.unwrap());
    let orders = &files.iter().find(|(name, _)| name == "orders.csv").unwrap().1;
    assert_eq!(orders.lines().count(), 1 + 4);
    assert!(orders.starts_with("id,number,"), "{orders}");
    assert!(orders.contains(",1001,") && orders.contains(",1004,"), "orders carry their numbers: {orders}");
    assert!(files.iter().any(|(name, _)| name == "manifest.json"));

    let settings = owner.get("/settings").await.text().await.unwrap();
    assert!(settings.contains("Delete this store for good") && settings.contains("Download the store"));
    let wrong = owner.submit::<DeleteStore>("/settings", &[("confirmation", "corner shop")]).await;
    let html = owner.follow(wrong).await;
    assert!(html.contains("name, Corner Shop, exactly as it is."), "{html}");
    assert!(html.contains("value=\"corner shop\""), "what was typed is kept");

    let deleted = owner.submit::<DeleteStore>("/settings", &[("confirmation", "Corner Shop")]).await;
    assert_eq!(deleted.headers()["location"], "/?deleted=1");
    let home = owner.follow(deleted).await;
    assert!(home.contains("The store and all its data were deleted.") && home.contains("Sign in"));
    let left: i64 = app.db.count("orders WHERE tenant_id = $1", store.tenant).await;
    assert_eq!(left, 0);
    let account: i64 = app.db.count("accounts WHERE id = $1", store.owner).await;
    assert_eq!(account, 1, "the owner keeps the account");
}
