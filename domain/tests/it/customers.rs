//! Customers and new orders, confined to the caller's store and recorded in its audit log.

use domain::audit::{self, AuditFilter};
use domain::customers::{self, CustomerDraft, CustomerInput, CustomerSort};
use domain::orders::{self, NewOrderLine};
use domain::products::{self, ProductDraft, ProductInput};
use domain::testing::TestDb;
use domain::{Error, TenantScope};

fn customer(name: &str, email: &str) -> CustomerDraft {
    CustomerDraft::parse(&CustomerInput { name: name.into(), email: email.into() }).unwrap()
}

async fn product(t: &TestDb, scope: &TenantScope, sku: &str, price: &str) -> i64 {
    let input = ProductInput { name: format!("Product {sku}"), sku: sku.into(), price: price.into() };
    products::create(&t.db, scope, &ProductDraft::parse(&input, "USD").unwrap(), None).await.unwrap()
}

fn field_of(error: Error) -> String {
    match error {
        Error::Fields(errors) | Error::Taken(errors) => errors.iter().next().unwrap().0.to_owned(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[tokio::test]
async fn customers_are_created_searched_and_edited() {
    let t = TestDb::new().await;
    let store = t.store("Alpha").await;
    let scope = t.scope(store.owner, store.tenant).await;
    let ada =
        customers::create(&t.db, &scope, &customer("Ada Okafor", "ada@example.test"), None).await.unwrap();
    customers::create(&t.db, &scope, &customer("Bo Lind", "bo@example.test"), None).await.unwrap();
    let taken =
        customers::create(&t.db, &scope, &customer("Ada again", "ADA@example.test"), None).await.unwrap_err();
    assert_eq!(field_of(taken), "email");

    let (found, paging) =
        customers::list(&t.db, &scope, Some("okafor"), CustomerSort::Name, 1).await.unwrap();
    assert_eq!(paging.matching, 1);
    assert_eq!(found[0].id, ada);
    let (all, _) = customers::list(&t.db, &scope, None, CustomerSort::Name, 1).await.unwrap();
    assert_eq!(all.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Ada Okafor", "Bo Lind"]);

    customers::update(&t.db, &scope, ada, &customer("Ada O.", "ada@example.test")).await.unwrap();
    assert_eq!(customers::get(&t.db, &scope, ada).await.unwrap().name, "Ada O.");
    let (entries, _) = audit::list(&t.db, &scope, &AuditFilter::default(), 1).await.unwrap();
    assert_eq!(entries[0].action, "customer.updated");
    assert_eq!(entries[0].changes.0["name"], serde_json::json!(["Ada Okafor", "Ada O."]));

    let other = t.store("Bravo").await;
    let other = t.scope(other.owner, other.tenant).await;
    assert!(matches!(customers::get(&t.db, &other, ada).await, Err(Error::NotFound)));
    assert!(matches!(
        customers::update(&t.db, &other, ada, &customer("Stolen", "x@example.test")).await,
        Err(Error::NotFound)
    ));
}

#[tokio::test]
async fn an_order_is_priced_from_the_catalogue_in_one_transaction() {
    let t = TestDb::new().await;
    let store = t.store("Alpha").await;
    let scope = t.scope(store.owner, store.tenant).await;
    let ada = customers::create(&t.db, &scope, &customer("Ada", "ada@example.test"), None).await.unwrap();
    let tote = product(&t, &scope, "TOTE", "5.00").await;
    let tray = product(&t, &scope, "TRAY", "7.50").await;
    let lines = [
        NewOrderLine { product_id: tote, quantity: 2 },
        NewOrderLine { product_id: tray, quantity: 1 },
        NewOrderLine { product_id: tote, quantity: 1 },
    ];
    let id = orders::create(&t.db, &scope, ada, &lines, None).await.unwrap();
    let order = orders::detail(&t.db, &scope, id).await.unwrap();
    assert_eq!(order.status, "pending");
    assert_eq!(order.total_cents, 3 * 500 + 750);
    assert_eq!(order.lines.len(), 2, "the same product twice is one line");
    let customer = customers::get(&t.db, &scope, ada).await.unwrap();
    assert_eq!((customer.orders, customer.spent_cents), (1, 2250));
    let (entries, _) = audit::list(&t.db, &scope, &AuditFilter::default(), 1).await.unwrap();
    assert_eq!(entries[0].action, "order.created");
    assert_eq!(entries[0].changes.0["total_cents"], serde_json::json!([null, 2250]));
}

#[tokio::test]
async fn an_order_of_archived_or_foreign_things_writes_nothing() {
    let t = TestDb::new().await;
    let store = t.store("Alpha").await;
    let scope = t.scope(store.owner, store.tenant).await;
    let other = t.store("Bravo").await;
    let other = t.scope(other.owner, other.tenant).await;
    let ada = customers::create(&t.db, &scope, &customer("Ada", "ada@example.test"), None).await.unwrap();
    let tote = product(&t, &scope, "TOTE", "5.00").await;
    let old = product(&t, &scope, "OLD", "1.00").await;
    products::set_archived(&t.db, &scope, old, true).await.unwrap();
    let foreign_customer =
        customers::create(&t.db, &other, &customer("Bo", "bo@example.test"), None).await.unwrap();
    let foreign_product = product(&t, &other, "THEIRS", "2.00").await;
    let line = |product_id| NewOrderLine { product_id, quantity: 1 };

    let archived = orders::create(&t.db, &scope, ada, &[line(tote), line(old)], None).await.unwrap_err();
    assert_eq!(field_of(archived), "lines");
    let theirs = orders::create(&t.db, &scope, ada, &[line(foreign_product)], None).await.unwrap_err();
    assert_eq!(field_of(theirs), "lines");
    let stranger = orders::create(&t.db, &scope, foreign_customer, &[line(tote)], None).await.unwrap_err();
    assert_eq!(field_of(stranger), "customer");
    let empty = orders::create(&t.db, &scope, ada, &[], None).await.unwrap_err();
    assert_eq!(field_of(empty), "lines");

    let orders: i64 = t.count("orders WHERE tenant_id = $1", store.tenant).await;
    let items: i64 = t.count("order_items WHERE tenant_id = $1", store.tenant).await;
    assert_eq!((orders, items), (0, 0), "a refused order leaves nothing behind");
}
