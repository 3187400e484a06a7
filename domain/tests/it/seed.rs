//! Seeding writes consistent stores that their owners can sign in to.

use domain::accounts::{authenticate, Email};
use domain::seed::{seed, Naming, SeedRequest, Shape};
use domain::testing::TestDb;
use domain::{TenantId, TenantScope};

#[tokio::test]
async fn seeded_stores_are_whole_and_their_owners_can_sign_in() {
    let t = TestDb::new().await;
    let shape = Shape { stores: 7, products: 4, customers: 6, orders: 25 };
    // A seed of its own per run: the bench emails are unique per database.
    let request =
        SeedRequest { shape, naming: Naming::Bench, seed: 5, password: "bench-password".into(), jobs: 2 };
    if sqlx::query_scalar::<_, bool>(
        "SELECT EXISTS (SELECT 1 FROM accounts WHERE email = 'owner1@bench.test')",
    )
    .fetch_one(&t.owner)
    .await
    .unwrap()
    {
        // A shared database (TEST_DATABASE_URL) that was seeded before: seeding again is refused.
        let again = seed(&t.owner, &request, |_| {}).await;
        assert!(matches!(again, Err(domain::Error::Conflict(_))));
        return;
    }
    let report = seed(&t.owner, &request, |_| {}).await.expect("seed");
    assert_eq!(report.stores, 7);
    assert_eq!(report.rows, 7 * (4 + 4 + 6 + 25 * 4));

    let owner = authenticate(&t.db, &Email::parse("owner3@bench.test").unwrap(), "bench-password")
        .await
        .unwrap()
        .expect("the owner signs in with BENCH_PASSWORD");
    let stores = domain::accounts::memberships(&t.db, owner).await.unwrap();
    assert_eq!(stores.len(), 1);
    assert_eq!(stores[0].store_name, "Bench Store 3");

    let scope = TenantScope::for_member(&t.db, owner, stores[0].tenant_id).await.unwrap();
    let mut tx = t.db.begin_tenant(&scope).await.unwrap();
    let (orders, mismatched, stores_seen): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*),
                count(*) FILTER (WHERE o.total_cents <> (SELECT sum(i.quantity * i.unit_price_cents)
                                                          FROM order_items i
                                                          WHERE i.tenant_id = o.tenant_id AND i.order_id = o.id)),
                count(DISTINCT o.tenant_id)
         FROM orders o",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!((orders, mismatched, stores_seen), (25, 0, 1));

    // Seeding the same stores twice is refused, not duplicated.
    let again = seed(&t.owner, &request, |_| {}).await;
    assert!(matches!(again, Err(domain::Error::Conflict(_))));

    // New rows after seeding get fresh ids (the sequences moved past the seeded blocks).
    let tenant: TenantId = sqlx::query_scalar(
        "INSERT INTO tenants (name, slug, plan_id) VALUES ('After', 'after-seed', 'free') RETURNING id",
    )
    .fetch_one(&t.owner)
    .await
    .unwrap();
    let max_seeded: i64 =
        sqlx::query_scalar("SELECT max(tenant_id) FROM memberships").fetch_one(&t.owner).await.unwrap();
    assert!(tenant.get() > max_seeded);
}

#[tokio::test]
async fn the_demo_store_is_seeded_once() {
    let t = TestDb::new().await;
    let first = domain::seed::seed_demo(&t.owner).await.unwrap();
    let second = domain::seed::seed_demo(&t.owner).await.unwrap();
    assert!(!second, "the demo store was seeded twice");
    if first {
        let orders: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM orders o JOIN tenant_slugs s ON s.tenant_id = o.tenant_id WHERE s.slug = 'demo'",
        )
        .fetch_one(&t.owner)
        .await
        .unwrap();
        assert_eq!(orders, 400);
    }
}
