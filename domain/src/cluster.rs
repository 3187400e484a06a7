//! Citus operations on where the stores live: a store's shard and node, a whale moved to a
//! shard (and a node) of its own, rebalancing after adding a worker, and the busiest stores.
//! They run as the schema owner (`storefront stores …`, `storefront cluster …`), and each refuses
//! with a clear message on plain PostgreSQL, which has one node and no shards.

use sqlx::PgPool;

use crate::{Error, TenantId};

/// Where a store's rows live: its shard of `tenants` (the tables colocated with it share the
/// placement) and the node holding that shard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub tenant_id: TenantId,
    pub shard_id: i64,
    pub node: String,
    /// Whether the shard holds this store alone (its hash range is the store's one value).
    pub isolated: bool,
}

/// A store's share of the cluster's work in the current period (`citus_stat_tenants`).
#[derive(Clone, Debug, PartialEq)]
pub struct TenantActivity {
    pub tenant_id: TenantId,
    pub queries: i64,
    pub cpu_seconds: f64,
}

/// One background job of a rebalance (`citus_rebalance_status`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RebalanceState {
    pub job_id: i64,
    pub state: String,
}

async fn require_citus(owner: &PgPool) -> Result<(), Error> {
    if crate::db::is_citus(owner).await? {
        Ok(())
    } else {
        Err(Error::Invalid(
            "this database is plain PostgreSQL: it has one node and no shards, so there is nothing to \
             place or move (see docs/operations.md for moving to Citus)"
                .into(),
        ))
    }
}

/// The store named by `id_or_slug`: its id, or its address.
pub async fn find_store(owner: &PgPool, id_or_slug: &str) -> Result<TenantId, Error> {
    let found: Option<TenantId> = match id_or_slug.parse::<i64>() {
        Ok(id) => {
            sqlx::query_scalar("SELECT id FROM tenants WHERE id = $1").bind(id).fetch_optional(owner).await?
        }
        Err(_) => {
            sqlx::query_scalar("SELECT tenant_id FROM tenant_slugs WHERE slug = $1")
                .bind(id_or_slug)
                .fetch_optional(owner)
                .await?
        }
    };
    found.ok_or_else(|| Error::Invalid(format!("no store has the id or address {id_or_slug:?}")))
}

/// Where `tenant` lives.
pub async fn placement(owner: &PgPool, tenant: TenantId) -> Result<Placement, Error> {
    require_citus(owner).await?;
    let (shard_id, node, isolated): (i64, String, bool) = sqlx::query_as(
        "SELECT s.shardid, s.nodename || ':' || s.nodeport, d.shardminvalue = d.shardmaxvalue
         FROM citus_shards s JOIN pg_dist_shard d ON d.shardid = s.shardid
         WHERE s.table_name = 'tenants'::regclass
           AND s.shardid = get_shard_id_for_distribution_column('tenants', $1)",
    )
    .bind(tenant)
    .fetch_one(owner)
    .await?;
    Ok(Placement { tenant_id: tenant, shard_id, node, isolated })
}

/// Gives `tenant` a shard of its own (every colocated table's rows with it: `CASCADE`), then
/// moves that shard to `to_node` (`host:port`, a registered worker) when given.
pub async fn isolate(owner: &PgPool, tenant: TenantId, to_node: Option<&str>) -> Result<Placement, Error> {
    let before = placement(owner, tenant).await?;
    if !before.isolated {
        sqlx::query("SELECT isolate_tenant_to_new_shard('tenants', $1, 'CASCADE')")
            .bind(tenant)
            .execute(owner)
            .await?;
    }
    let isolated = placement(owner, tenant).await?;
    let Some(to_node) = to_node.filter(|node| *node != isolated.node) else { return Ok(isolated) };
    let (to_host, to_port) = split_node(to_node)?;
    let (from_host, from_port) = split_node(&isolated.node)?;
    sqlx::query("SELECT citus_move_shard_placement($1, $2, $3, $4, $5)")
        .bind(isolated.shard_id)
        .bind(from_host)
        .bind(from_port)
        .bind(to_host)
        .bind(to_port)
        .execute(owner)
        .await?;
    placement(owner, tenant).await
}

fn split_node(node: &str) -> Result<(&str, i32), Error> {
    node.rsplit_once(':')
        .and_then(|(host, port)| Some((host, port.parse().ok()?)))
        .ok_or_else(|| Error::Invalid(format!("a node is host:port, got {node:?}")))
}

/// Starts moving shards so each node holds as many (after adding a worker); `None` when
/// nothing needs to move.
pub async fn rebalance_start(owner: &PgPool) -> Result<Option<i64>, Error> {
    require_citus(owner).await?;
    Ok(sqlx::query_scalar("SELECT citus_rebalance_start(rebalance_strategy := 'by_shard_count')")
        .fetch_one(owner)
        .await?)
}

/// Waits for the running rebalance to finish.
pub async fn rebalance_wait(owner: &PgPool) -> Result<(), Error> {
    require_citus(owner).await?;
    sqlx::query("SELECT citus_rebalance_wait()").execute(owner).await?;
    Ok(())
}

/// The rebalance jobs Citus knows of, the latest first.
pub async fn rebalance_status(owner: &PgPool) -> Result<Vec<RebalanceState>, Error> {
    require_citus(owner).await?;
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT job_id, state::text FROM citus_rebalance_status() ORDER BY job_id DESC")
            .fetch_all(owner)
            .await?;
    Ok(rows.into_iter().map(|(job_id, state)| RebalanceState { job_id, state }).collect())
}

/// The `limit` stores that sent the most queries in the current period, with their CPU time
/// (`citus_stat_tenants`; tracking is on with `citus.stat_tenants_track = 'all'`).
pub async fn busiest(owner: &PgPool, limit: i64) -> Result<Vec<TenantActivity>, Error> {
    require_citus(owner).await?;
    let rows: Vec<(String, i64, f64)> = sqlx::query_as(
        "SELECT tenant_attribute, query_count_in_this_period::bigint, cpu_usage_in_this_period::float8
         FROM citus_stat_tenants
         WHERE tenant_attribute ~ '^[0-9]+$'
         ORDER BY query_count_in_this_period DESC, tenant_attribute
         LIMIT $1",
    )
    .bind(limit)
    .fetch_all(owner)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(tenant, queries, cpu_seconds)| {
            Some(TenantActivity { tenant_id: TenantId::new(tenant.parse().ok()?), queries, cpu_seconds })
        })
        .collect())
}
