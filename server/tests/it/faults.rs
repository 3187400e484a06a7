//! Faults: one store stuck on a lock, the database gone or late, a shutdown with requests
//! still running. Each is made for real (a row lock held by another transaction, a PostgreSQL
//! server of the test's own stopped or crashed) and judged by counts and statuses, never by
//! timings.

use std::time::Duration;

use domain::testing::TestDb;
use domain::TenantId;
use sqlx::Connection;

use crate::common::{TestApp, Visitor};

type Answer = tokio::task::JoinHandle<(u16, Option<String>, String)>;

/// `n` orders placed at once by `visitor`, each a task of its own.
fn orders_at_once(
    visitor: &std::sync::Arc<Visitor>,
    form: &[(&'static str, String)],
    n: usize,
) -> Vec<Answer> {
    (0..n)
        .map(|_| {
            let (visitor, form) = (visitor.clone(), form.to_vec());
            tokio::spawn(async move { visitor.place_order(&form).await })
        })
        .collect()
}

/// How many of the app's statements wait on a lock right now: on Citus, on whichever node holds
/// the store's shard.
async fn waiting_on_locks(db: &TestDb) -> i64 {
    let activity = if db.is_citus().await { "citus_stat_activity" } else { "pg_stat_activity" };
    sqlx::query_scalar(&format!(
        "SELECT count(*) FROM {activity}
         WHERE usename = 'storefront_app' AND wait_event_type = 'Lock' AND datname = current_database()"
    ))
    .fetch_one(&db.owner)
    .await
    .unwrap()
}

/// Waits (boundedly) until `n` of the app's statements wait on a lock.
async fn until_waiting_on_locks(db: &TestDb, n: i64) {
    for _ in 0..200 {
        if waiting_on_locks(db).await >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} of the app's statements ever waited on the lock");
}

/// Holds `tenant`'s row locked (as a stuck migration or import would) until the returned
/// transaction ends: every new order of that store waits on it (its foreign key).
async fn lock_store(db: &TestDb, tenant: TenantId) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut lock = db.owner.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE")
        .bind(tenant)
        .execute(&mut *lock)
        .await
        .unwrap();
    lock
}

#[tokio::test]
async fn a_store_stuck_on_a_lock_holds_only_its_share_and_every_other_store_is_served() {
    // A pool of 8, two a store: twelve stuck orders would hold it all without the bulkhead.
    let app = TestApp::spawn_with(&[
        ("DATABASE_MAX_CONNECTIONS", "8"),
        ("DATABASE_CONNECTIONS_PER_STORE", "2"),
        ("DATABASE_STORE_WAIT_MS", "200"),
        ("DATABASE_LOCK_TIMEOUT_MS", "30000"),
        ("DATABASE_STATEMENT_TIMEOUT_MS", "30000"),
    ])
    .await;
    let (stuck, stuck_owner) = app.signed_in_store("Stuck Goods").await;
    let (other, other_owner) = app.signed_in_store("Other Goods").await;
    let (stuck_form, other_form) = (app.order_form(&stuck).await, app.order_form(&other).await);

    let lock = lock_store(&app.db, stuck.tenant).await;
    let stuck_owner = std::sync::Arc::new(stuck_owner);
    let flood = orders_at_once(&stuck_owner, &stuck_form, 12);
    // The store's share is taken by orders waiting on the lock: the flood is real.
    until_waiting_on_locks(&app.db, 2).await;

    let mut other_answers = Vec::new();
    for _ in 0..10 {
        other_answers.push(other_owner.place_order(&other_form).await.0);
        other_answers.push(other_owner.get("/").await.status().as_u16());
        other_answers.push(other_owner.get("/orders").await.status().as_u16());
    }
    assert!(other_answers.iter().all(|status| *status == 200), "another store's answers: {other_answers:?}");

    // The stuck store's own page says why, with its real status.
    let page = stuck_owner.get("/orders").await;
    assert_eq!(page.status(), 503);
    assert!(page.headers().contains_key("retry-after"));
    let html = page.text().await.unwrap();
    assert!(html.contains("too many requests under way at once"), "{html}");

    lock.commit().await.unwrap();
    let mut placed = 0;
    for answer in flood {
        let (status, retry_after, body) = answer.await.unwrap();
        match status {
            200 => placed += 1,
            503 => {
                assert!(body.contains("too many requests under way at once"), "{body}");
                assert_eq!(retry_after.as_deref(), Some("2"));
            }
            other => panic!("a stuck store's order answered {other}: {body}"),
        }
    }
    assert_eq!(placed, 2, "the orders that held the store's share went through once the lock was gone");
    let orders = app.db.count("orders WHERE tenant_id = $1", stuck.tenant).await;
    assert_eq!(orders, 1 + placed, "each order answered 200 is stored, and no other");
}

#[tokio::test]
async fn a_statement_past_its_lock_bound_answers_503_and_the_form_keeps_what_was_typed() {
    let app = TestApp::spawn_with(&[("DATABASE_LOCK_TIMEOUT_MS", "300")]).await;
    let (store, owner) = app.signed_in_store("Corner Shop").await;
    let form = app.order_form(&store).await;
    let lock = lock_store(&app.db, store.tenant).await;

    let (status, retry_after, body) = owner.place_order(&form).await;
    assert_eq!((status, retry_after.as_deref()), (503, Some("5")), "{body}");
    assert_eq!(app.db.count("orders WHERE tenant_id = $1", store.tenant).await, 1, "nothing was stored");

    // Without JavaScript, the form comes back with the message and what was typed.
    let customer = [("name", "Ada Lovelace"), ("email", "ada@example.test")];
    let answer = owner.submit::<app::customers::SaveCustomer>("/customers/new", &customer).await;
    let html = owner.follow(answer).await;
    assert!(html.contains("Please try again in a moment"), "{html}");
    assert!(html.contains("value=\"Ada Lovelace\""), "what was typed is kept: {html}");
    lock.rollback().await.unwrap();

    let (status, _, body) = owner.place_order(&form).await;
    assert_eq!(status, 200, "the same order goes through once the lock is gone: {body}");
}

#[tokio::test]
async fn readiness_has_its_own_connection_and_a_busy_pool_does_not_make_it_fail() {
    let app = TestApp::spawn_with(&[
        ("DATABASE_MAX_CONNECTIONS", "2"),
        ("DATABASE_CONNECTIONS_PER_STORE", "2"),
        ("DATABASE_LOCK_TIMEOUT_MS", "30000"),
    ])
    .await;
    let (store, owner) = app.signed_in_store("Corner Shop").await;
    let form = app.order_form(&store).await;
    let lock = lock_store(&app.db, store.tenant).await;
    let stuck = orders_at_once(&std::sync::Arc::new(owner), &form, 2);
    until_waiting_on_locks(&app.db, 2).await;
    // The request pool is all taken, but the database is up, and readiness says so.
    let readiness = app.visitor().get("/readyz").await;
    assert_eq!(readiness.status(), 200);
    lock.commit().await.unwrap();
    for order in stuck {
        assert_eq!(order.await.unwrap().0, 200);
    }
}

#[tokio::test]
async fn with_the_database_down_everything_fails_fast_with_503_and_the_app_recovers() {
    let (db, cluster) = TestDb::on_own_server().await;
    let _crash_at_end = CrashAtEnd(&cluster);
    let app = TestApp::spawn_on(db, &[("DATABASE_ACQUIRE_TIMEOUT_MS", "500")]).await;
    let (_store, owner) = app.signed_in_store("Corner Shop").await;
    assert_eq!(owner.get("/").await.status(), 200, "positive control: the dashboard renders");

    cluster.crash().await.unwrap();
    assert_eq!(app.visitor().get("/readyz").await.status(), 503);
    assert_eq!(app.visitor().get("/healthz").await.status(), 200, "the process still runs");
    // Every page of a store that reads the database (the sign-in page's store choice too).
    let pages = [
        "/",
        "/orders",
        "/orders/new",
        "/orders/1",
        "/customers",
        "/customers/new",
        "/customers/1",
        "/products",
        "/products/new",
        "/products/1",
        "/team",
        "/settings",
        "/audit",
        "/billing",
        "/auth/choose-store",
    ];
    for page in pages {
        let answer = owner.get(page).await;
        assert_eq!(answer.status(), 503, "{page}");
        assert!(answer.headers().contains_key("retry-after"), "{page}");
        let html = answer.text().await.unwrap();
        assert!(html.contains("Please try again in a moment"), "{page}: {html}");
    }
    let overview = owner.call::<app::figures::GetStoreOverview>(&[("period", "Last7Days")]).await;
    assert_eq!(overview.status(), 503);
    assert!(overview.text().await.unwrap().contains("Unavailable"));

    cluster.restart().await.unwrap();
    let mut ready = false;
    for _ in 0..100 {
        if app.visitor().get("/readyz").await.status() == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "ready again once the database is back");
    let mut served = 0;
    for _ in 0..50 {
        if owner.get("/").await.status() == 200 {
            served += 1;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(served, 1, "the session survived and the dashboard renders again");
}

#[tokio::test]
async fn the_server_starts_before_the_database_and_is_ready_once_it_answers() {
    let (db, cluster) = TestDb::on_own_server().await;
    let _crash_at_end = CrashAtEnd(&cluster);
    cluster.stop_any().await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (listen, base) = (format!("127.0.0.1:{port}"), format!("http://127.0.0.1:{port}"));
    let probe = async {
        let client = reqwest::Client::new();
        let mut answered = None;
        for _ in 0..100 {
            if let Ok(response) = client.get(format!("{base}/readyz")).send().await {
                answered = Some(response.status().as_u16());
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let health = client.get(format!("{base}/healthz")).send().await.unwrap().status();
        let page = client.get(format!("{base}/")).send().await.unwrap().status();
        cluster.restart().await.unwrap();
        (answered, health, page)
    };
    let settings = [("LISTEN_ADDR", listen.as_str())];
    let (app, (ready_before, health, page)) = tokio::join!(TestApp::spawn_on(db, &settings), probe);
    assert_eq!(ready_before, Some(503), "not ready while the database is down");
    assert_eq!((health.as_u16(), page.as_u16()), (200, 503), "alive, and pages say it is starting");
    assert_eq!(app.visitor().get("/readyz").await.status(), 200);
    let (_store, owner) = app.signed_in_store("Corner Shop").await;
    assert_eq!(owner.get("/").await.status(), 200);
}

/// Places orders one after another until told to stop: each answered 200 is acknowledged (its
/// id kept), every other answer is counted by status.
async fn write_load(
    owner: std::sync::Arc<Visitor>,
    form: Vec<(&'static str, String)>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> (Vec<i64>, std::collections::BTreeMap<u16, usize>) {
    let (mut acknowledged, mut refused) = (Vec::new(), std::collections::BTreeMap::new());
    while !*stop.borrow() {
        let (status, _, body) = owner.place_order(&form).await;
        if status == 200 {
            acknowledged
                .push(serde_json::from_str::<i64>(&body).unwrap_or_else(|_| panic!("an order id: {body}")));
        } else {
            *refused.entry(status).or_default() += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    (acknowledged, refused)
}

#[tokio::test]
async fn a_database_crashed_and_killed_under_write_load_loses_no_acknowledged_order() {
    let (db, cluster) = TestDb::on_own_server().await;
    let _crash_at_end = CrashAtEnd(&cluster);
    let app = TestApp::spawn_on(db, &[("DATABASE_ACQUIRE_TIMEOUT_MS", "500")]).await;
    let (store, owner) = app.signed_in_store("Corner Shop").await;
    let form = app.order_form(&store).await;
    let owner = std::sync::Arc::new(owner);
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let writers: Vec<_> =
        (0..4).map(|_| tokio::spawn(write_load(owner.clone(), form.clone(), stopping.clone()))).collect();

    for outage in [Outage::Crash, Outage::Kill] {
        until_orders_grow(&app.db, store.tenant, 20).await;
        match outage {
            Outage::Crash => cluster.crash().await.unwrap(),
            Outage::Kill => cluster.kill().await.unwrap(),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        cluster.restart().await.unwrap();
    }
    until_orders_grow(&app.db, store.tenant, 20).await;
    stop.send_replace(true);

    let (mut acknowledged, mut refused) = (Vec::new(), std::collections::BTreeMap::<u16, usize>::new());
    for writer in writers {
        let (ids, statuses) = writer.await.unwrap();
        acknowledged.extend(ids);
        for (status, n) in statuses {
            *refused.entry(status).or_default() += n;
        }
    }
    assert!(refused.keys().all(|status| *status == 503), "during the outages only 503: {refused:?}");
    assert!(refused.get(&503).is_some_and(|n| *n > 0), "positive control: the outages were felt");
    // A pool of its own: the test's pool does not outlive the crashes.
    let after = sqlx::PgPool::connect_with(app.db.owner_options()).await.unwrap();
    let stored: Vec<i64> = sqlx::query_scalar("SELECT id FROM orders WHERE tenant_id = $1 AND id = ANY($2)")
        .bind(store.tenant)
        .bind(&acknowledged)
        .fetch_all(&after)
        .await
        .unwrap();
    assert_eq!(stored.len(), acknowledged.len(), "every acknowledged order is stored");
    let without_items: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orders o WHERE o.tenant_id = $1
           AND NOT EXISTS (SELECT 1 FROM order_items i WHERE i.tenant_id = o.tenant_id AND i.order_id = o.id)",
    )
    .bind(store.tenant)
    .fetch_one(&after)
    .await
    .unwrap();
    assert_eq!(without_items, 0, "no order without its items");
}

enum Outage {
    Crash,
    Kill,
}

/// Waits (boundedly) until the store has `more` orders than now. Counts on a fresh connection
/// each time: the test's own pool does not outlive a crash of the server.
async fn until_orders_grow(db: &TestDb, tenant: TenantId, more: i64) {
    let count = || async {
        let mut connection = sqlx::PgConnection::connect_with(&db.owner_options()).await.ok()?;
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM orders WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_one(&mut connection)
            .await
            .ok()
    };
    let mut before = None;
    for _ in 0..600 {
        match (before, count().await) {
            (None, now) => before = now,
            (Some(before), Some(now)) if now >= before + more => return,
            _ => {}
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("orders stopped being placed");
}

/// Stops a test's own server and deletes its files however the test ends.
struct CrashAtEnd<'a>(&'a domain::embedded::Cluster);

impl Drop for CrashAtEnd<'_> {
    fn drop(&mut self) {
        self.0.discard_blocking();
    }
}

#[tokio::test]
async fn a_shutdown_cuts_off_what_still_runs_at_its_deadline_and_nothing_of_it_is_stored() {
    let db = TestDb::new().await;
    let store = db.store("Corner Shop").await;
    let app =
        TestApp::spawn_on(db, &[("SHUTDOWN_GRACE_SECONDS", "1"), ("DATABASE_LOCK_TIMEOUT_MS", "60000")])
            .await;
    let owner = app.visitor();
    owner.sign_in(&store.owner_email, domain::testing::TEST_PASSWORD).await;
    let form = app.order_form(&store).await;
    let lock = lock_store(&app.db, store.tenant).await;
    let stuck = tokio::spawn({
        let form = form.clone();
        async move { owner.place_order(&form).await }
    });
    until_waiting_on_locks(&app.db, 1).await;

    // The server stops by itself once its grace has run out.
    let db = app.shut_down().await;
    let (status, _, body) = stuck.await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("restarting"), "{body}");
    lock.commit().await.unwrap();
    // The cut-off order's transaction never committed: once its backend is gone, nothing of it.
    for _ in 0..100 {
        if waiting_on_locks(&db).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(db.count("orders WHERE tenant_id = $1", store.tenant).await, 1);
}
