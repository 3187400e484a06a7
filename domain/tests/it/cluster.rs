//! Citus operations (`storefront stores …`, `storefront cluster …`): on plain PostgreSQL each
//! refuses and says why; on a Citus coordinator (`TEST_DATABASE_URL`) a store is found by id or
//! address, placed on a worker, and isolated into a shard of its own.

use domain::cluster;
use domain::testing::TestDb;
use domain::Error;

#[tokio::test]
async fn a_store_is_found_by_id_or_address_and_an_unknown_one_is_named() {
    let t = TestDb::new().await;
    let store = t.store("Placed Shop").await;
    let slug: String = sqlx::query_scalar("SELECT slug FROM tenant_slugs WHERE tenant_id = $1")
        .bind(store.tenant)
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(cluster::find_store(&t.owner, &store.tenant.to_string()).await.unwrap(), store.tenant);
    assert_eq!(cluster::find_store(&t.owner, &slug).await.unwrap(), store.tenant);
    let missing = cluster::find_store(&t.owner, "no-such-store-anywhere").await.unwrap_err();
    assert!(missing.to_string().contains("no-such-store-anywhere"), "{missing}");
}

#[tokio::test]
async fn operations_refuse_on_plain_postgresql_and_place_and_isolate_a_store_on_citus() {
    let t = TestDb::new().await;
    let store = t.store("Whale Shop").await;
    if !t.is_citus().await {
        for refused in [
            cluster::placement(&t.owner, store.tenant).await.map(|_| ()),
            cluster::isolate(&t.owner, store.tenant, None).await.map(|_| ()),
            cluster::rebalance_start(&t.owner).await.map(|_| ()),
            cluster::busiest(&t.owner, 5).await.map(|_| ()),
        ] {
            match refused {
                Err(Error::Invalid(message)) => assert!(message.contains("plain PostgreSQL"), "{message}"),
                other => panic!("not refused: {other:?}"),
            }
        }
        return;
    }
    let before = cluster::placement(&t.owner, store.tenant).await.unwrap();
    assert!(before.node.contains(':'), "{before:?}");
    assert!(!before.isolated, "a new store shares its shard");
    let alone = cluster::isolate(&t.owner, store.tenant, None).await.unwrap();
    assert!(alone.isolated && alone.shard_id != before.shard_id, "{alone:?}");
    // Its rows still answer through the coordinator.
    let name: String = sqlx::query_scalar("SELECT name FROM tenants WHERE id = $1")
        .bind(store.tenant)
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(name, "Whale Shop");
}
