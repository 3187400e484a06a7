//! The tenancy core against a real PostgreSQL: row-level security fails closed, and a scope
//! reaches its own store's rows only.

use domain::error::sqlstate;
use domain::testing::{TestDb, TestStore};
use domain::{Error, Permission, Role, TenantScope};

/// Two stores with identical data: one customer, one product, one order each.
async fn two_stores(t: &TestDb) -> (TestStore, TestStore) {
    let a = t.store("Store A").await;
    let b = t.store("Store B").await;
    for store in [&a, &b] {
        sqlx::query(
            "WITH c AS (INSERT INTO customers (tenant_id, name, email) VALUES ($1, 'Ann', 'ann@example.test') RETURNING id),
                  p AS (INSERT INTO products (tenant_id, name, sku, price_cents) VALUES ($1, 'Mug', 'MUG-1', 1200) RETURNING id),
                  o AS (INSERT INTO orders (tenant_id, number, customer_id, total_cents) SELECT $1, 1001, id, 1200 FROM c RETURNING id)
             INSERT INTO order_items (tenant_id, order_id, product_id, quantity, unit_price_cents)
             SELECT $1, o.id, p.id, 1, 1200 FROM o, p",
        )
        .bind(store.tenant)
        .execute(&t.owner)
        .await
        .unwrap();
    }
    (a, b)
}

#[tokio::test]
async fn without_a_scope_tenant_tables_show_nothing_and_refuse_writes() {
    let t = TestDb::new().await;
    let (a, _b) = two_stores(&t).await;
    for table in ["products", "customers", "orders", "order_items"] {
        let seen: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        assert_eq!(seen, 0, "{table} showed rows without a tenant");
    }
    let insert = sqlx::query(
        "INSERT INTO products (tenant_id, name, sku, price_cents) VALUES ($1, 'Lamp', 'L-1', 100)",
    )
    .bind(a.tenant)
    .execute(t.db.pool())
    .await;
    let err = Error::from(insert.expect_err("an insert without a tenant was accepted"));
    assert_eq!(err.sqlstate().as_deref(), Some(sqlstate::INSUFFICIENT_PRIVILEGE));
}

#[tokio::test]
async fn a_committed_scope_leaves_nothing_behind_on_the_connection() {
    let t = TestDb::new().await;
    let (a, _b) = two_stores(&t).await;
    let scope = t.scope(a.owner, a.tenant).await;
    // One connection only, so the next statement runs where the scope's transaction ran.
    let db = domain::Db::connect(t.app_options.clone(), domain::DbLimits::for_pool(1)).await.unwrap();
    let tx = db.begin_tenant(&scope).await.unwrap();
    tx.commit().await.unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM products").fetch_one(db.pool()).await.unwrap();
    assert_eq!(seen, 0);
}

#[tokio::test]
async fn a_stores_statements_get_generic_plans_on_postgresql_and_chosen_ones_on_citus() {
    let t = TestDb::new().await;
    let (a, _b) = two_stores(&t).await;
    let scope = t.scope(a.owner, a.tenant).await;
    let citus = t.is_citus().await;
    let (plans, setting) =
        if citus { (domain::Plans::Chosen, "auto") } else { (domain::Plans::Generic, "force_generic_plan") };
    let db = domain::Db::connect(t.app_options.clone(), domain::DbLimits::for_pool(1)).await.unwrap();
    assert_eq!(db.plans(), plans);
    // One at a time: the pool holds one connection.
    let mut tx = db.begin_tenant(&scope).await.unwrap();
    let mode: String = sqlx::query_scalar("SHOW plan_cache_mode").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(mode, setting);
    drop(tx);
    let mut bulk = db.begin_tenant_bulk(&scope).await.unwrap();
    let mode: String = sqlx::query_scalar("SHOW plan_cache_mode").fetch_one(&mut *bulk).await.unwrap();
    assert_eq!(mode, setting, "bulk work");
    drop(bulk);
    let mut read = db.read_tenant(&scope).await.unwrap();
    let mode: String = sqlx::query_scalar("SHOW plan_cache_mode").fetch_one(&mut **read).await.unwrap();
    assert_eq!(mode, setting);
    read.end();
    // Outside a store's transaction the server's own choice, on both.
    let mode: String = sqlx::query_scalar("SHOW plan_cache_mode").fetch_one(db.pool()).await.unwrap();
    assert_eq!(mode, "auto");
}

#[tokio::test]
async fn on_citus_a_store_statement_that_spans_shards_is_refused_when_asked_for() {
    let t = TestDb::new().await;
    let (a, _b) = two_stores(&t).await;
    let scope = t.scope(a.owner, a.tenant).await;
    let citus = t.is_citus().await;
    // No `tenant_id` filter: row-level security still confines it to the store, but Citus
    // would send it to every shard.
    let spanning = "SELECT count(*) FROM products";
    let naming_the_store = "SELECT count(*) FROM products WHERE tenant_id = $1";
    for refuse in [false, true] {
        let limits = domain::DbLimits { refuse_multi_shard: refuse, ..domain::DbLimits::for_pool(1) };
        let db = domain::Db::connect(t.app_options.clone(), limits).await.unwrap();
        let mut read = db.read_tenant(&scope).await.unwrap();
        // A statement that names its store runs either way.
        let named: i64 =
            sqlx::query_scalar(naming_the_store).bind(a.tenant).fetch_one(&mut **read).await.unwrap();
        let spanned = sqlx::query_scalar::<_, i64>(spanning).fetch_one(&mut **read).await;
        match (citus && refuse, spanned) {
            (true, Err(error)) => assert!(error.to_string().contains("multi-task"), "{error}"),
            (true, Ok(_)) => panic!("a statement that spans shards ran"),
            // Row-level security confines it to the store all the same.
            (false, spanned) => assert_eq!(spanned.unwrap(), named, "refuse = {refuse}, citus = {citus}"),
        }
    }
}

#[tokio::test]
async fn a_read_refuses_writes_and_ends_without_a_commit_leaving_the_connection_clean() {
    let t = TestDb::new().await;
    let (a, _b) = two_stores(&t).await;
    let scope = t.scope(a.owner, a.tenant).await;
    // One connection only, so each statement runs where the one before it ran.
    let db = domain::Db::connect(t.app_options.clone(), domain::DbLimits::for_pool(1)).await.unwrap();
    let insert = "INSERT INTO customers (tenant_id, name, email) VALUES ($1, 'Bo', 'bo@example.test')";

    // The same write goes through a store's ordinary transaction, and is refused through a read.
    let mut tx = db.begin_tenant(&scope).await.unwrap();
    sqlx::query(insert).bind(a.tenant).execute(&mut *tx).await.expect("a write in a store transaction");
    drop(tx);
    let mut read = db.read_tenant(&scope).await.unwrap();
    let write = sqlx::query(insert).bind(a.tenant).execute(&mut **read).await;
    assert!(matches!(write.map_err(Error::from), Err(Error::ReadOnly)), "a read wrote");
    drop(read);

    let mut read = db.read_tenant(&scope).await.unwrap();
    let (seen, began): (i64, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as("SELECT count(*), now() FROM products").fetch_one(&mut **read).await.unwrap();
    assert_eq!(seen, 1, "the read sees its store");
    read.end();
    // `now()` is when the transaction began: the same value would mean the read's is still open.
    let (tenant, now): (Option<String>, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as("SELECT nullif(current_setting('app.current_tenant', true), ''), now()")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(tenant, None, "the store's setting outlived the read");
    assert!(now > began, "the read's transaction was still open");
    let customers: i64 = sqlx::query_scalar("SELECT count(*) FROM customers WHERE tenant_id = $1")
        .bind(a.tenant)
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(customers, 1, "only the seeded customer: the dropped and the refused writes left nothing");
}

#[tokio::test]
async fn a_scope_sees_only_its_own_store() {
    let t = TestDb::new().await;
    let (a, b) = two_stores(&t).await;
    let scope = t.scope(a.owner, a.tenant).await;
    // No tenant filter on purpose below, so on Citus these statements span shards: a handle
    // that lets them.
    let db = domain::Db::connect(t.app_options.clone(), domain::DbLimits::for_pool(2)).await.unwrap();
    let mut tx = db.begin_tenant(&scope).await.unwrap();
    for table in ["products", "customers", "orders", "order_items"] {
        // No tenant filter on purpose: the policy alone must hide store B.
        let tenants: Vec<i64> = sqlx::query_scalar(&format!("SELECT DISTINCT tenant_id FROM {table}"))
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        assert_eq!(tenants, vec![a.tenant.get()], "{table}");
    }
    let _ = b;
}

#[tokio::test]
async fn a_scope_cannot_write_another_stores_rows() {
    let t = TestDb::new().await;
    let (a, b) = two_stores(&t).await;
    let scope = t.scope(a.owner, a.tenant).await;

    let mut tx = t.db.begin_tenant(&scope).await.unwrap();
    let updated = sqlx::query("UPDATE products SET price_cents = 1 WHERE tenant_id = $1")
        .bind(b.tenant)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 0);
    let deleted = sqlx::query("DELETE FROM order_items WHERE tenant_id = $1")
        .bind(b.tenant)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 0);
    tx.commit().await.unwrap();

    let mut tx = t.db.begin_tenant(&scope).await.unwrap();
    let insert =
        sqlx::query("INSERT INTO customers (tenant_id, name, email) VALUES ($1, 'Eve', 'eve@example.test')")
            .bind(b.tenant)
            .execute(&mut *tx)
            .await;
    let err = Error::from(insert.expect_err("an insert into store B was accepted"));
    assert_eq!(err.sqlstate().as_deref(), Some(sqlstate::INSUFFICIENT_PRIVILEGE));
    drop(tx);

    // Moving a row of A into B is refused too (and Citus would refuse the tenant_id update).
    let mut tx = t.db.begin_tenant(&scope).await.unwrap();
    let moved = sqlx::query("UPDATE customers SET tenant_id = $1 WHERE tenant_id = $2")
        .bind(b.tenant)
        .bind(a.tenant)
        .execute(&mut *tx)
        .await;
    assert!(moved.is_err(), "a row was moved to another store");
    drop(tx);

    let (price, customers): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT price_cents FROM products WHERE tenant_id = $1),
                (SELECT count(*) FROM customers WHERE tenant_id = $1)",
    )
    .bind(b.tenant)
    .fetch_one(&t.owner)
    .await
    .unwrap();
    assert_eq!((price, customers), (1200, 1), "store B changed");
    let items: i64 = t.count("order_items WHERE tenant_id = $1", b.tenant).await;
    assert_eq!(items, 1);
}

#[tokio::test]
async fn only_members_get_a_scope() {
    let t = TestDb::new().await;
    let (a, b) = two_stores(&t).await;
    let err = TenantScope::for_member(&t.db, a.owner, b.tenant).await.expect_err("a non-member got a scope");
    assert!(matches!(err, Error::NotFound));

    let viewer = t.account(&format!("viewer-{}@example.test", a.tenant), "irrelevant").await;
    t.add_member(a.tenant, viewer, Role::Viewer).await;
    let scope = t.scope(viewer, a.tenant).await;
    assert_eq!(scope.role(), Role::Viewer);
    assert!(matches!(scope.require(Permission::WriteBusinessData), Err(Error::Forbidden)));
    assert!(scope.require(Permission::ReadStore).is_ok());
    assert!(t.scope(a.owner, a.tenant).await.require(Permission::DeleteStore).is_ok());
}

#[tokio::test]
async fn the_application_role_cannot_bypass_row_level_security() {
    let t = TestDb::new().await;
    t.db.check_app_role().await.expect("the app role passes its own check");
    // The owner (a superuser here) is refused as the application's role.
    let as_owner = domain::Db::from_pool(t.owner.clone());
    assert!(matches!(as_owner.check_app_role().await, Err(Error::Invalid(_))));
}
