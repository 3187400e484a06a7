//! Rate limits against the database: a burst, then waiting, then forgetting.

use domain::rate_limits::{forget_idle, record, reset, wait_time, LimitedAction};
use domain::testing::TestDb;

#[tokio::test]
async fn a_bucket_allows_its_burst_then_asks_to_wait() {
    let t = TestDb::new().await;
    let action = LimitedAction::FailedSignInPerAccount;
    let key = format!("{}@example.test", uuid::Uuid::new_v4());
    for n in 0..action.limit().burst {
        assert_eq!(wait_time(&t.db, action, &key).await.unwrap(), None, "refused after {n} events");
        record(&t.db, action, &key).await.unwrap();
    }
    let wait = wait_time(&t.db, action, &key).await.unwrap().expect("the burst is spent");
    assert!(wait <= action.limit().refill && !wait.is_zero(), "{wait:?}");
    // Other keys and other actions keep their own buckets.
    assert_eq!(wait_time(&t.db, action, "someone-else").await.unwrap(), None);
    assert_eq!(wait_time(&t.db, LimitedAction::FailedSignInPerAddress, &key).await.unwrap(), None);

    reset(&t.db, action, &key).await.unwrap();
    assert_eq!(wait_time(&t.db, action, &key).await.unwrap(), None);
}

#[tokio::test]
async fn buckets_refill_with_time_and_idle_ones_are_forgotten() {
    let t = TestDb::new().await;
    let action = LimitedAction::FailedSignInPerAccount;
    let key = format!("{}@example.test", uuid::Uuid::new_v4());
    for _ in 0..action.limit().burst {
        record(&t.db, action, &key).await.unwrap();
    }
    assert!(wait_time(&t.db, action, &key).await.unwrap().is_some());
    // Two refill periods ago, as far as the bucket knows.
    let backdate = format!("{} seconds", 2 * action.limit().refill.as_secs());
    sqlx::query("UPDATE rate_limit_buckets SET refilled_at = refilled_at - $1::interval WHERE key = $2")
        .bind(&backdate)
        .bind(&key)
        .execute(&t.owner)
        .await
        .unwrap();
    assert_eq!(wait_time(&t.db, action, &key).await.unwrap(), None, "two tokens came back");

    sqlx::query("UPDATE rate_limit_buckets SET refilled_at = now() - interval '2 days' WHERE key = $1")
        .bind(&key)
        .execute(&t.owner)
        .await
        .unwrap();
    assert!(forget_idle(&t.db).await.unwrap() >= 1);
    let left: i64 = t.count("rate_limit_buckets WHERE key = $1", &key).await;
    assert_eq!(left, 0);
}
