//! Idempotency keys against the database: claimed once per store, answered from the first
//! creation, and forgotten after a day.

use domain::idempotency::{claim, forget_old, remember, Creation, IdempotencyKey};
use domain::testing::TestDb;

#[tokio::test]
async fn a_key_is_claimed_once_answers_with_its_result_and_only_for_its_creation() {
    let t = TestDb::new().await;
    let store = t.store("Corner Shop").await;
    let scope = t.scope(store.owner, store.tenant).await;
    let key = Some(IdempotencyKey::new());

    let mut tx = t.db.begin_tenant(&scope).await.unwrap();
    assert_eq!(claim::<i64>(&mut tx, key, Creation::Order).await.unwrap(), None, "a new key");
    remember(&mut tx, key, &42_i64).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = t.db.begin_tenant(&scope).await.unwrap();
    assert_eq!(claim::<i64>(&mut tx, key, Creation::Order).await.unwrap(), Some(42));
    let other = claim::<i64>(&mut tx, key, Creation::Product).await;
    assert!(
        matches!(other, Err(domain::Error::Conflict(_))),
        "a key used for an order is no product's: {other:?}"
    );
    drop(tx);

    // A claim rolled back (the creation failed) leaves the key free for the next try.
    let fresh = Some(IdempotencyKey::new());
    let mut tx = t.db.begin_tenant(&scope).await.unwrap();
    assert_eq!(claim::<i64>(&mut tx, fresh, Creation::Order).await.unwrap(), None);
    drop(tx);
    let mut tx = t.db.begin_tenant(&scope).await.unwrap();
    assert_eq!(claim::<i64>(&mut tx, fresh, Creation::Order).await.unwrap(), None);
}

#[tokio::test]
async fn keys_older_than_a_day_are_forgotten_and_newer_ones_kept() {
    let t = TestDb::new().await;
    let store = t.store("Corner Shop").await;
    for age in ["2 days", "1 hour"] {
        sqlx::query(
            "INSERT INTO idempotency_keys (tenant_id, key, creation, result, created_at)
             VALUES ($1, gen_random_uuid(), 'order', '1', now() - $2::interval)",
        )
        .bind(store.tenant)
        .bind(age)
        .execute(&t.owner)
        .await
        .unwrap();
    }
    assert!(forget_old(&t.db).await.unwrap() >= 1);
    assert_eq!(
        t.count("idempotency_keys WHERE tenant_id = $1", store.tenant).await,
        1,
        "the hour-old key is kept"
    );
}
