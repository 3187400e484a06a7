//! The catalogue: listing, creating, editing, archiving, CSV import and export, each confined
//! to the caller's store and recorded in its audit log.

use domain::audit::{self, Action, AuditFilter};
use domain::products::{self, ProductDraft, ProductFilter, ProductInput, ProductSort};
use domain::testing::TestDb;
use domain::{Error, Role, TenantScope};

fn draft(name: &str, sku: &str, price: &str) -> ProductDraft {
    let input = ProductInput { name: name.into(), sku: sku.into(), price: price.into() };
    ProductDraft::parse(&input, "USD").unwrap()
}

async fn owner_scope(t: &TestDb, name: &str) -> TenantScope {
    let store = t.store(name).await;
    t.scope(store.owner, store.tenant).await
}

#[tokio::test]
async fn products_are_searched_sorted_and_paged() {
    let t = TestDb::new().await;
    let scope = owner_scope(&t, "Alpha").await;
    for n in 0..30 {
        let name = if n % 3 == 0 { format!("Linen tote {n:02}") } else { format!("Walnut tray {n:02}") };
        products::create(
            &t.db,
            &scope,
            &draft(&name, &format!("SKU-{n:02}"), &format!("{}.00", 30 - n)),
            None,
        )
        .await
        .unwrap();
    }
    let (page, paging) = products::list(&t.db, &scope, &ProductFilter::default(), 1).await.unwrap();
    assert_eq!((paging.matching, paging.pages, page.len()), (30, 2, 25));
    assert_eq!(page[0].name, "Linen tote 00", "sorted by name");

    let tote = ProductFilter { search: Some(" TOTE ".into()), ..ProductFilter::default() };
    let (found, paging) = products::list(&t.db, &scope, &tote, 1).await.unwrap();
    assert_eq!(paging.matching, 10);
    assert!(found.iter().all(|p| p.name.starts_with("Linen tote")));

    let by_sku = ProductFilter { search: Some("sku-2".into()), ..ProductFilter::default() };
    assert_eq!(products::list(&t.db, &scope, &by_sku, 1).await.unwrap().1.matching, 10);

    let cheapest = ProductFilter { sort: ProductSort::PriceLow, ..ProductFilter::default() };
    let (sorted, _) = products::list(&t.db, &scope, &cheapest, 1).await.unwrap();
    assert_eq!(sorted[0].price_cents, 100);
    assert!(sorted.windows(2).all(|w| w[0].price_cents <= w[1].price_cents));

    // Wildcards in a search match themselves.
    let percent = ProductFilter { search: Some("%".into()), ..ProductFilter::default() };
    assert_eq!(products::list(&t.db, &scope, &percent, 1).await.unwrap().1.matching, 0);
}

#[tokio::test]
async fn a_sku_is_unique_in_its_store_only() {
    let t = TestDb::new().await;
    let a = owner_scope(&t, "Alpha").await;
    let b = owner_scope(&t, "Bravo").await;
    products::create(&t.db, &a, &draft("Tote", "TOTE-1", "5"), None).await.unwrap();
    let again = products::create(&t.db, &a, &draft("Other", "TOTE-1", "6"), None).await.unwrap_err();
    match again {
        Error::Taken(errors) => {
            let (field, message) = errors.iter().next().unwrap();
            assert_eq!(field, "sku");
            assert_eq!(message, "Another product already has the SKU “TOTE-1”.");
        }
        other => panic!("expected a taken field, got {other:?}"),
    }
    products::create(&t.db, &b, &draft("Tote", "TOTE-1", "5"), None)
        .await
        .expect("another store may use the SKU");
}

#[tokio::test]
async fn edits_and_archiving_are_recorded_in_the_audit_log() {
    let t = TestDb::new().await;
    let scope = owner_scope(&t, "Alpha").await;
    let id = products::create(&t.db, &scope, &draft("Tote", "TOTE-1", "5"), None).await.unwrap();
    products::update(&t.db, &scope, id, &draft("Big tote", "TOTE-1", "5")).await.unwrap();
    products::set_archived(&t.db, &scope, id, true).await.unwrap();

    let product = products::get(&t.db, &scope, id).await.unwrap();
    assert_eq!(product.name, "Big tote");
    assert!(product.archived_at.is_some());
    let active = products::list(&t.db, &scope, &ProductFilter::default(), 1).await.unwrap();
    assert_eq!(active.1.matching, 0, "archived products leave the active list");
    let archived = ProductFilter { archived: true, ..ProductFilter::default() };
    assert_eq!(products::list(&t.db, &scope, &archived, 1).await.unwrap().1.matching, 1);

    let (entries, _) = audit::list(&t.db, &scope, &AuditFilter::default(), 1).await.unwrap();
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["product.archived", "product.updated", "product.created"]);
    assert_eq!(entries[1].changes.0["name"], serde_json::json!(["Tote", "Big tote"]));
    assert!(!entries[1].changes.0.contains_key("price_cents"), "unchanged fields are left out");
    assert_eq!(entries[1].actor, scope.email());
    let only_created = AuditFilter { action: Some(Action::ProductCreated), actor: None };
    assert_eq!(audit::list(&t.db, &scope, &only_created, 1).await.unwrap().1.matching, 1);
}

#[tokio::test]
async fn viewers_change_nothing_and_other_stores_products_are_not_found() {
    let t = TestDb::new().await;
    let store = t.store("Alpha").await;
    let owner = t.scope(store.owner, store.tenant).await;
    let id = products::create(&t.db, &owner, &draft("Tote", "TOTE-1", "5"), None).await.unwrap();
    let viewer = t.account(&domain::testing::unique_email("viewer"), "irrelevant password").await;
    t.add_member(store.tenant, viewer, Role::Viewer).await;
    let viewer = t.scope(viewer, store.tenant).await;
    assert!(matches!(
        products::create(&t.db, &viewer, &draft("X", "X", "1"), None).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        products::update(&t.db, &viewer, id, &draft("X", "X", "1")).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(products::set_archived(&t.db, &viewer, id, true).await, Err(Error::Forbidden)));
    assert!(matches!(
        products::import_csv(&t.db, &viewer, "sku,name,price\nA,B,1\n").await,
        Err(Error::Forbidden)
    ));

    let other = owner_scope(&t, "Bravo").await;
    assert!(matches!(products::get(&t.db, &other, id).await, Err(Error::NotFound)));
    assert!(matches!(products::update(&t.db, &other, id, &draft("X", "X", "1")).await, Err(Error::NotFound)));
    assert!(matches!(products::set_archived(&t.db, &other, id, true).await, Err(Error::NotFound)));
    assert_eq!(products::get(&t.db, &owner, id).await.unwrap().name, "Tote", "unchanged");
}

#[tokio::test]
async fn a_csv_import_is_all_or_nothing_and_export_reads_back() {
    let t = TestDb::new().await;
    let scope = owner_scope(&t, "Alpha").await;
    products::create(&t.db, &scope, &draft("Tote", "TOTE-1", "5"), None).await.unwrap();

    let bad = "sku,name,price\nTOTE-1,Tote v2,6.00\nTRAY-1,Tray,abc\n";
    let report = products::import_csv(&t.db, &scope, bad).await.unwrap();
    assert_eq!((report.created, report.updated), (0, 0));
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].0, 3);
    assert_eq!(products::get_by_sku(&t.db, &scope, "TOTE-1").await.unwrap().name, "Tote", "nothing imported");

    let good =
        "sku,name,price,status\nTOTE-1,Tote v2,6.00,active\nTRAY-1,\"Tray, walnut\",\"1,250.50\",archived\n";
    let report = products::import_csv(&t.db, &scope, good).await.unwrap();
    assert_eq!((report.created, report.updated, report.problems.len()), (1, 1, 0));

    let exported = products::export_csv(&t.db, &scope).await.unwrap();
    assert_eq!(
        exported,
        "sku,name,price,status\nTOTE-1,Tote v2,6.00,active\nTRAY-1,\"Tray, walnut\",1250.50,archived\n"
    );
    // What was exported imports again without changing anything.
    let again = products::import_csv(&t.db, &scope, &exported).await.unwrap();
    assert_eq!((again.created, again.updated, again.problems.len()), (0, 2, 0));
    assert_eq!(products::export_csv(&t.db, &scope).await.unwrap(), exported);
}
