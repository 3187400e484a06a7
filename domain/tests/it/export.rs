//! Exporting a store as a zip, and deleting a store.

use std::io::Read;

use domain::settings;
use domain::testing::TestDb;
use domain::{Error, Role};

#[tokio::test]
async fn the_export_holds_every_table_of_the_store_and_nothing_of_others() {
    let t = TestDb::new().await;
    let alpha = t.store("Alpha").await;
    let bravo = t.store("Bravo").await;
    t.add_orders(alpha.tenant, 3, &["paid"]).await;
    t.add_orders(bravo.tenant, 5, &["paid"]).await;
    let scope = t.scope(alpha.owner, alpha.tenant).await;

    domain::export::begin(&t.db, &scope).await.unwrap();
    let mut bytes = Vec::new();
    domain::export::write_zip(&t.db, &scope, &mut bytes).await.unwrap();

    let files = unzip(&bytes);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "store.csv",
            "members.csv",
            "products.csv",
            "customers.csv",
            "orders.csv",
            "order_items.csv",
            "audit_events.csv",
            "manifest.json"
        ]
    );
    let file = |name: &str| files.iter().find(|(n, _)| n == name).unwrap().1.clone();
    assert_eq!(file("orders.csv").lines().count(), 1 + 3, "a header and store A's three orders");
    assert_eq!(file("order_items.csv").lines().count(), 1 + 6);
    assert!(file("store.csv").contains("Alpha") && !file("store.csv").contains("Bravo"));
    assert!(file("audit_events.csv").contains("store.exported"));
    let manifest: serde_json::Value = serde_json::from_str(&file("manifest.json")).unwrap();
    assert_eq!(manifest["store_name"], "Alpha");
    assert_eq!(manifest["files"][4], serde_json::json!({ "name": "orders.csv", "rows": 3 }));
}

#[tokio::test]
async fn only_owners_export_and_delete() {
    let t = TestDb::new().await;
    let store = t.store("Alpha").await;
    let owner = t.scope(store.owner, store.tenant).await;
    let admin = t.account(&domain::testing::unique_email("admin"), "irrelevant password").await;
    t.add_member(store.tenant, admin, Role::Admin).await;
    let admin = t.scope(admin, store.tenant).await;
    assert!(matches!(domain::export::begin(&t.db, &admin).await, Err(Error::Forbidden)));
    assert!(matches!(domain::export::write_zip(&t.db, &admin, Vec::new()).await, Err(Error::Forbidden)));
    assert!(matches!(settings::delete_store(&t.db, &admin, "Alpha").await, Err(Error::Forbidden)));
    assert!(
        matches!(settings::delete_store(&t.db, &owner, "alpha").await, Err(Error::Fields(_))),
        "the exact name"
    );
}

#[tokio::test]
async fn a_deleted_store_takes_its_data_and_leaves_people_their_accounts_and_other_stores() {
    let t = TestDb::new().await;
    let alpha = t.store("Alpha").await;
    let bravo = t.store("Bravo").await;
    t.add_member(bravo.tenant, alpha.owner, Role::Member).await;
    t.add_orders(alpha.tenant, 3, &["paid"]).await;
    t.add_orders(bravo.tenant, 2, &["paid"]).await;
    let scope = t.scope(alpha.owner, alpha.tenant).await;
    // An order placed with a form's key: its key is a row of the store's too.
    let (customer, product) = t.customer_and_product(alpha.tenant).await;
    let line = domain::orders::NewOrderLine { product_id: product, quantity: 1 };
    let key = Some(domain::idempotency::IdempotencyKey::new());
    domain::orders::create(&t.db, &scope, customer, &[line], key).await.unwrap();
    domain::export::begin(&t.db, &scope).await.unwrap();

    settings::delete_store(&t.db, &scope, " Alpha ").await.unwrap();
    // Every store table the migrations made, and the store's own control-plane rows.
    let store_tables = crate::catalog::tenant_tables(&t).await;
    assert!(store_tables.iter().any(|table| table == "idempotency_keys"), "{store_tables:?}");
    for table in
        ["tenants".to_owned(), "tenant_slugs".into(), "memberships".into()].into_iter().chain(store_tables)
    {
        let column = if table == "tenants" { "id" } else { "tenant_id" };
        let table = table.as_str();
        let left: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table} WHERE {column} = $1"))
            .bind(alpha.tenant)
            .fetch_one(&t.owner)
            .await
            .unwrap();
        assert_eq!(left, 0, "{table} kept rows of the deleted store");
    }
    let orders_left: i64 = t.count("orders WHERE tenant_id = $1", bravo.tenant).await;
    assert_eq!(orders_left, 2, "the other store's orders stay");
    let stores = domain::accounts::memberships(&t.db, alpha.owner).await.unwrap();
    assert_eq!(stores.iter().map(|s| s.store_name.as_str()).collect::<Vec<_>>(), ["Bravo"]);
}

/// The zip's files as `(name, text)`, in order.
fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut archive = zip_reader(bytes);
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut text = String::new();
            file.read_to_string(&mut text).unwrap();
            (file.name().expect("a UTF-8 name").to_string(), text)
        })
        .collect()
}

fn zip_reader(bytes: &[u8]) -> zip::ZipArchive<std::io::Cursor<&[u8]>> {
    zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a readable zip")
}
