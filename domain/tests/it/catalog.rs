//! The schema rules of DESIGN.md, read from the catalog: a migration that breaks them fails
//! the build. They are what lets the same schema run on PostgreSQL and on Citus.

use domain::testing::TestDb;

/// Tables of the public schema with the kind their COMMENT declares.
async fn tables(t: &TestDb) -> Vec<(String, Option<String>)> {
    sqlx::query_as(
        "SELECT c.relname::text, obj_description(c.oid, 'pg_class')
         FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
           AND c.relname NOT LIKE '\\_sqlx%'
         ORDER BY 1",
    )
    .fetch_all(&t.owner)
    .await
    .unwrap()
}

/// The store tables (COMMENT 'tenant'), for any test that must cover each of them.
pub(crate) async fn tenant_tables(t: &TestDb) -> Vec<String> {
    tables(t)
        .await
        .into_iter()
        .filter(|(_, kind)| kind.as_deref() == Some("tenant"))
        .map(|(name, _)| name)
        .collect()
}

#[tokio::test]
async fn every_table_declares_its_kind() {
    let t = TestDb::new().await;
    let tables = tables(&t).await;
    assert!(tables.len() >= 9);
    for (name, kind) in &tables {
        assert!(
            matches!(kind.as_deref(), Some("tenant" | "control-plane" | "reference")),
            "table {name} must say in its migration which kind it is (COMMENT ON TABLE): got {kind:?}"
        );
    }
    let tenant = tenant_tables(&t).await;
    for expected in ["products", "customers", "orders", "order_items"] {
        assert!(tenant.contains(&expected.to_owned()), "{expected} is not a tenant table");
    }
}

#[tokio::test]
async fn tenant_tables_lead_every_key_with_tenant_id() {
    let t = TestDb::new().await;
    for table in tenant_tables(&t).await {
        let column: Option<(String, bool)> = sqlx::query_as(
            "SELECT format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
             WHERE attrelid = $1::regclass AND attname = 'tenant_id' AND NOT attisdropped",
        )
        .bind(&table)
        .fetch_optional(&t.owner)
        .await
        .unwrap();
        assert_eq!(column, Some(("bigint".into(), true)), "{table}.tenant_id must be bigint NOT NULL");

        // Primary keys, unique constraints and unique indexes.
        let keys: Vec<(String, Vec<String>)> = sqlx::query_as(
            "SELECT i.indexrelid::regclass::text,
                    array_agg(a.attname::text ORDER BY k.ord)
             FROM pg_index i
             CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE i.indrelid = $1::regclass AND (i.indisunique OR i.indisprimary)
             GROUP BY 1",
        )
        .bind(&table)
        .fetch_all(&t.owner)
        .await
        .unwrap();
        assert!(keys.iter().any(|(name, _)| name.ends_with("_pkey")), "{table} has no primary key");
        for (index, columns) in keys {
            assert_eq!(
                columns.first().map(String::as_str),
                Some("tenant_id"),
                "{index} on {table} must start with tenant_id: {columns:?}"
            );
        }
    }
}

/// name, from table, to table, from columns, to columns
type ForeignKey = (String, String, String, Vec<String>, Vec<String>);

#[tokio::test]
async fn foreign_keys_between_tenant_tables_are_composite() {
    let t = TestDb::new().await;
    let tenant = tenant_tables(&t).await;
    let fks: Vec<ForeignKey> = sqlx::query_as(
        "SELECT c.conname::text, c.conrelid::regclass::text, c.confrelid::regclass::text,
                (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(n, ord)
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),
                (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(n, ord)
                   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n)
         FROM pg_constraint c
         WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace",
    )
    .fetch_all(&t.owner)
    .await
    .unwrap();
    let kinds: std::collections::HashMap<String, Option<String>> = tables(&t).await.into_iter().collect();
    for (name, from, to, from_cols, to_cols) in fks {
        let from_kind = kinds.get(&from).cloned().flatten();
        let to_kind = kinds.get(&to).cloned().flatten();
        if tenant.contains(&from) && tenant.contains(&to) {
            let position = from_cols.iter().position(|c| c == "tenant_id");
            assert!(
                position.is_some() && to_cols.get(position.unwrap()).map(String::as_str) == Some("tenant_id"),
                "{name}: {from}{from_cols:?} -> {to}{to_cols:?} must pair tenant_id with tenant_id"
            );
        }
        // A reference or control-plane table must never point at a tenant table.
        if !tenant.contains(&from) {
            assert!(!tenant.contains(&to), "{name}: {from} ({from_kind:?}) points at tenant table {to}");
        }
        // Tenant tables point only at tenant tables, the tenants table, or reference data.
        if tenant.contains(&from) && !tenant.contains(&to) {
            assert!(
                to == "tenants" && from_cols == ["tenant_id"] || to_kind.as_deref() == Some("reference"),
                "{name}: tenant table {from} points at {to} ({to_kind:?})"
            );
        }
    }
}

#[tokio::test]
async fn every_tenant_table_is_walled_by_row_level_security() {
    let t = TestDb::new().await;
    for table in tenant_tables(&t).await {
        let (enabled, forced): (bool, bool) = sqlx::query_as(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = $1::regclass",
        )
        .bind(&table)
        .fetch_one(&t.owner)
        .await
        .unwrap();
        assert!(enabled && forced, "{table}: row-level security must be enabled and forced");
        let policies: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT qual, with_check FROM pg_policies WHERE schemaname = 'public' AND tablename = $1",
        )
        .bind(&table)
        .fetch_all(&t.owner)
        .await
        .unwrap();
        assert!(!policies.is_empty(), "{table} has no policy");
        for (using, check) in policies {
            for expr in [using, check] {
                let expr = expr.unwrap_or_default();
                assert!(
                    expr.contains("tenant_id") && expr.contains("app.current_tenant") && expr.contains("NULLIF"),
                    "{table}: policy must compare tenant_id with NULLIF(current_setting('app.current_tenant', true), ''): {expr}"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_application_role_owns_nothing_and_cannot_bypass_policies() {
    let t = TestDb::new().await;
    let (superuser, bypass, owned): (bool, bool, i64) = sqlx::query_as(
        "SELECT r.rolsuper, r.rolbypassrls, (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid)
         FROM pg_roles r WHERE r.rolname = 'storefront_app'",
    )
    .fetch_one(&t.owner)
    .await
    .unwrap();
    assert!(!superuser && !bypass && owned == 0);
}

/// On Citus, the migration's guarded block must have distributed every tenant table by
/// tenant_id next to its store, and made the lookup tables reference tables; a query that
/// filters tenant_id must then go to one shard. On plain PostgreSQL nothing is distributed.
#[tokio::test]
async fn on_citus_every_store_lives_on_one_shard() {
    let t = TestDb::new().await;
    if !t.is_citus().await {
        let metadata: Option<String> = sqlx::query_scalar("SELECT to_regclass('pg_dist_partition')::text")
            .fetch_one(&t.owner)
            .await
            .unwrap();
        assert_eq!(metadata, None, "Citus metadata without the extension");
        return;
    }
    let placement: Vec<(String, String, Option<String>, i32)> = sqlx::query_as(
        "SELECT logicalrelid::regclass::text, partmethod::text,
                CASE WHEN partmethod = 'h' THEN column_to_column_name(logicalrelid, partkey) END,
                colocationid
         FROM pg_dist_partition",
    )
    .fetch_all(&t.owner)
    .await
    .unwrap();
    let find = |table: &str| placement.iter().find(|(name, ..)| name == table).cloned();
    let (_, _, tenants_key, colocation) = find("tenants").expect("tenants is distributed");
    assert_eq!(tenants_key.as_deref(), Some("id"));
    for table in tenant_tables(&t).await.into_iter().chain(["memberships".to_owned()]) {
        let (_, method, key, group) = find(&table).unwrap_or_else(|| panic!("{table} is not distributed"));
        assert_eq!((method.as_str(), key.as_deref(), group), ("h", Some("tenant_id"), colocation), "{table}");
    }
    for table in ["plans", "accounts"] {
        assert_eq!(
            find(table).map(|(_, method, ..)| method).as_deref(),
            Some("n"),
            "{table} is not a reference table"
        );
    }

    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT count(*), sum(o.total_cents) FROM orders o
         JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id
         WHERE o.tenant_id = 42",
    )
    .fetch_all(&t.owner)
    .await
    .unwrap();
    assert!(plan.iter().any(|line| line.contains("Task Count: 1")), "{plan:#?}");
}
