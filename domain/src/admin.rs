//! The admin panel's platform work: the stores list, a store's metadata, staff actions on a
//! store, and the platform overview. Every function takes a checked [`Staff`]; none reads a
//! store's products, customers or orders (usage counts only), which need a support session.

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{Postgres, QueryBuilder};

use crate::billing::{ensure_within_plan, Limited};
use crate::platform_audit::{self, PlatformAction, PlatformAuditEntry, Reason};
use crate::staff::{Staff, StaffPermission};
use crate::{AccountId, Db, Error, TenantId, TenantTx};

pub const PAGE_SIZE: i64 = 25;
/// Counting matches stops here ("10,000+ stores"): an exact count of a million rows costs a
/// scan of them all on every page.
pub const COUNT_CAP: i64 = 10_000;

/// A store's state as staff see it: its own status and its subscription's, in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StoreState {
    /// Waiting for its first payment.
    Pending,
    Trialing,
    /// Paid up, or on a plan that costs nothing.
    Active,
    /// A payment failed: the store is read-only.
    PastDue,
    /// The subscription ended: the store is closed, its data kept.
    Closed,
    /// Suspended by staff.
    Suspended,
}

impl StoreState {
    pub const ALL: [StoreState; 6] = [
        StoreState::Pending,
        StoreState::Trialing,
        StoreState::Active,
        StoreState::PastDue,
        StoreState::Closed,
        StoreState::Suspended,
    ];

    /// The state of a store with `status` whose subscription has `billing_status`; the same
    /// division as [`crate::billing::Access::of`], with staff suspension told apart.
    pub fn of(status: &str, billing_status: Option<&str>) -> StoreState {
        match (status, billing_status) {
            ("suspended", _) => StoreState::Suspended,
            ("pending", _) | (_, Some("incomplete")) => StoreState::Pending,
            (_, Some("trialing")) => StoreState::Trialing,
            (_, None | Some("active")) => StoreState::Active,
            (_, Some("past_due")) => StoreState::PastDue,
            (_, Some(_)) => StoreState::Closed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StoreState::Pending => "pending",
            StoreState::Trialing => "trialing",
            StoreState::Active => "active",
            StoreState::PastDue => "past_due",
            StoreState::Closed => "closed",
            StoreState::Suspended => "suspended",
        }
    }

    pub fn parse(s: &str) -> Option<StoreState> {
        StoreState::ALL.into_iter().find(|state| state.as_str() == s)
    }

    /// The SQL condition on `t` (tenants) that selects this state, as [`StoreState::of`].
    fn condition(self) -> &'static str {
        match self {
            StoreState::Pending => "(t.status = 'pending' OR (t.status = 'active' AND t.billing_status = 'incomplete'))",
            StoreState::Trialing => "(t.status = 'active' AND t.billing_status = 'trialing')",
            StoreState::Active => "(t.status = 'active' AND (t.billing_status IS NULL OR t.billing_status = 'active'))",
            StoreState::PastDue => "(t.status = 'active' AND t.billing_status = 'past_due')",
            StoreState::Closed => {
                "(t.status = 'active' AND t.billing_status NOT IN ('incomplete', 'trialing', 'active', 'past_due'))"
            }
            StoreState::Suspended => "t.status = 'suspended'",
        }
    }
}

/// The order of the stores list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoreSort {
    #[default]
    Newest,
    Oldest,
    Name,
}

impl StoreSort {
    pub const ALL: [StoreSort; 3] = [StoreSort::Newest, StoreSort::Oldest, StoreSort::Name];

    pub fn as_str(self) -> &'static str {
        match self {
            StoreSort::Newest => "newest",
            StoreSort::Oldest => "oldest",
            StoreSort::Name => "name",
        }
    }

    pub fn parse(s: &str) -> Option<StoreSort> {
        StoreSort::ALL.into_iter().find(|sort| sort.as_str() == s)
    }

    /// The sort key (as the cursor carries it) and whether it ascends.
    fn key(self) -> (&'static str, bool) {
        match self {
            StoreSort::Newest => ("t.created_at", false),
            StoreSort::Oldest => ("t.created_at", true),
            StoreSort::Name => ("lower(t.name)", true),
        }
    }
}

/// Where a page of the stores list starts: the sort key and id of the row it follows (or
/// precedes, going back). Keyset paging: any page costs the same, however deep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The row's sort key: its creation time (RFC 3339, microseconds) or its lower-cased name.
    pub key: String,
    pub id: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageStart {
    #[default]
    First,
    After(Cursor),
    Before(Cursor),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreFilter {
    /// Part of the store's name or slug, or of its owner's email.
    pub search: Option<String>,
    pub state: Option<StoreState>,
    pub plan: Option<String>,
    pub sort: StoreSort,
}

/// One row of the stores list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreRow {
    pub id: TenantId,
    pub name: String,
    pub slug: String,
    pub plan_id: String,
    pub state: StoreState,
    pub owner_email: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorePage {
    pub stores: Vec<StoreRow>,
    /// Stores matching the filter, counted up to [`COUNT_CAP`] + 1.
    pub matching: i64,
    pub next: Option<Cursor>,
    pub previous: Option<Cursor>,
}

#[derive(sqlx::FromRow)]
struct StoreListRow {
    id: TenantId,
    name: String,
    slug: String,
    plan_id: String,
    status: String,
    billing_status: Option<String>,
    owner_email: Option<String>,
    created_at: DateTime<Utc>,
    sort_name: String,
}

impl StoreListRow {
    fn cursor(&self, sort: StoreSort) -> Cursor {
        let key = match sort {
            StoreSort::Newest | StoreSort::Oldest => {
                self.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            }
            StoreSort::Name => self.sort_name.clone(),
        };
        Cursor { key, id: self.id.get() }
    }
}

/// Adds the filter's conditions (after a `WHERE true`).
fn push_filter(query: &mut QueryBuilder<'_, Postgres>, filter: &StoreFilter) {
    if let Some(search) = crate::paging::search_text(filter.search.as_deref()) {
        let pattern = crate::paging::contains_pattern(search);
        // A whole address finds that owner by the unique index; a trigram search for it would
        // read the posting lists of its common fragments ("@gmail.com") for every account.
        let (owner_condition, owner_value) = match crate::accounts::Email::parse(search) {
            Ok(email) => ("a.email = ", email.as_str().to_owned()),
            Err(_) => ("a.email ILIKE ", pattern.clone()),
        };
        // The owners' stores as an array first: `id = ANY(…)` joins the two trigram indexes in
        // one bitmap, where `id IN (subquery)` under OR would scan every store.
        query
            .push(" AND (t.name ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR t.slug ILIKE ")
            .push_bind(pattern)
            .push(
                " OR t.id = ANY (ARRAY (SELECT m.tenant_id FROM memberships m
                   JOIN accounts a ON a.id = m.account_id WHERE m.role = 'owner' AND ",
            )
            .push(owner_condition)
            .push_bind(owner_value)
            .push(")))");
    }
    if let Some(state) = filter.state {
        query.push(" AND ").push(state.condition());
    }
    if let Some(plan) = &filter.plan {
        query.push(" AND t.plan_id = ").push_bind(plan.clone());
    }
}

/// A page of the stores list.
pub async fn list_stores(
    db: &Db,
    staff: &Staff,
    filter: &StoreFilter,
    start: &PageStart,
) -> Result<StorePage, Error> {
    staff.require(StaffPermission::ViewStores)?;
    let mut count = QueryBuilder::new("SELECT count(*) FROM (SELECT 1 FROM tenants t WHERE true");
    push_filter(&mut count, filter);
    count.push(" LIMIT ").push_bind(COUNT_CAP + 1).push(") matching");
    let matching: i64 = count.build_query_scalar().fetch_one(db.pool()).await?;

    let (key, ascending) = filter.sort.key();
    // Going back reads the rows before the cursor in reverse order, then turns them around.
    let backwards = matches!(start, PageStart::Before(_));
    let forwards_in_sql = ascending != backwards;
    let mut query = QueryBuilder::new(
        "SELECT t.id, t.name, t.slug, t.plan_id, t.status, t.billing_status, t.created_at,
                lower(t.name) AS sort_name,
                (SELECT a.email FROM memberships m JOIN accounts a ON a.id = m.account_id
                 WHERE m.tenant_id = t.id AND m.role = 'owner' ORDER BY m.created_at LIMIT 1) AS owner_email
         FROM tenants t WHERE true",
    );
    push_filter(&mut query, filter);
    if let PageStart::After(cursor) | PageStart::Before(cursor) = start {
        let comparison = if forwards_in_sql { ">" } else { "<" };
        query.push(format_args!(" AND ({key}, t.id) {comparison} ("));
        match filter.sort {
            StoreSort::Name => query.push_bind(cursor.key.clone()),
            StoreSort::Newest | StoreSort::Oldest => {
                let time = DateTime::parse_from_rfc3339(&cursor.key)
                    .map_err(|_| {
                        Error::Invalid("That page link is broken: start from the first page.".into())
                    })?
                    .with_timezone(&Utc);
                query.push_bind(time)
            }
        };
        query.push(", ").push_bind(cursor.id).push(")");
    }
    let direction = if forwards_in_sql { "ASC" } else { "DESC" };
    query.push(format_args!(" ORDER BY {key} {direction}, t.id {direction} LIMIT "));
    query.push_bind(PAGE_SIZE + 1);
    let mut rows: Vec<StoreListRow> = query.build_query_as().fetch_all(db.pool()).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    if backwards {
        rows.reverse();
    }
    let sort = filter.sort;
    let (first, last) = (rows.first().map(|r| r.cursor(sort)), rows.last().map(|r| r.cursor(sort)));
    let (previous, next) = match start {
        PageStart::First => (None, last.filter(|_| more)),
        PageStart::After(_) => (first, last.filter(|_| more)),
        PageStart::Before(_) => (first.filter(|_| more), last),
    };
    let stores = rows
        .into_iter()
        .map(|row| StoreRow {
            state: StoreState::of(&row.status, row.billing_status.as_deref()),
            id: row.id,
            name: row.name,
            slug: row.slug,
            plan_id: row.plan_id,
            owner_email: row.owner_email,
            created_at: row.created_at,
        })
        .collect();
    Ok(StorePage { stores, matching, next, previous })
}

/// A member of a store as staff see them: who, with which role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct StoreMember {
    pub account_id: AccountId,
    pub email: String,
    pub role: String,
    pub joined_at: DateTime<Utc>,
}

/// A store's metadata: what the admin panel shows of it without a support session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoreDetail {
    pub id: TenantId,
    pub name: String,
    pub slug: String,
    pub plan_id: String,
    pub state: StoreState,
    pub billing_status: Option<String>,
    pub stripe_customer_id: Option<String>,
    pub stripe_subscription_id: Option<String>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub trial_ends_at: Option<DateTime<Utc>>,
    pub payment_failed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub members: Vec<StoreMember>,
    pub products: i64,
    pub orders: i64,
    /// The newest platform audit entries about the store.
    pub audit: Vec<PlatformAuditEntry>,
}

#[derive(sqlx::FromRow)]
struct StoreDetailRow {
    name: String,
    slug: String,
    plan_id: String,
    status: String,
    billing_status: Option<String>,
    stripe_customer_id: Option<String>,
    stripe_subscription_id: Option<String>,
    current_period_end: Option<DateTime<Utc>>,
    cancel_at_period_end: bool,
    trial_ends_at: Option<DateTime<Utc>>,
    payment_failed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

/// How many platform audit entries a store's page shows.
pub const AUDIT_ENTRIES_SHOWN: i64 = 50;

pub async fn store_detail(db: &Db, staff: &Staff, tenant: TenantId) -> Result<StoreDetail, Error> {
    staff.require(StaffPermission::ViewStores)?;
    // The platform's explicit path into one store: counts only, never rows.
    let mut tx = TenantTx::begin(db, tenant).await?;
    let row: StoreDetailRow = sqlx::query_as(
        "SELECT name, slug, plan_id, status, billing_status, stripe_customer_id, stripe_subscription_id,
                current_period_end, cancel_at_period_end, trial_ends_at, payment_failed_at, created_at
         FROM tenants WHERE id = $1",
    )
    .bind(tenant)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    let members = sqlx::query_as(
        "SELECT m.account_id, a.email, m.role, m.created_at AS joined_at
         FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.tenant_id = $1 ORDER BY m.created_at, m.account_id",
    )
    .bind(tenant)
    .fetch_all(&mut *tx)
    .await?;
    let (products, orders): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM products WHERE tenant_id = $1),
                (SELECT count(*) FROM orders WHERE tenant_id = $1)",
    )
    .bind(tenant)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let audit = platform_audit::about_store(db, staff, tenant, AUDIT_ENTRIES_SHOWN).await?;
    Ok(StoreDetail {
        id: tenant,
        state: StoreState::of(&row.status, row.billing_status.as_deref()),
        name: row.name,
        slug: row.slug,
        plan_id: row.plan_id,
        billing_status: row.billing_status,
        stripe_customer_id: row.stripe_customer_id,
        stripe_subscription_id: row.stripe_subscription_id,
        current_period_end: row.current_period_end,
        cancel_at_period_end: row.cancel_at_period_end,
        trial_ends_at: row.trial_ends_at,
        payment_failed_at: row.payment_failed_at,
        created_at: row.created_at,
        members,
        products,
        orders,
        audit,
    })
}

/// A store's row, locked for a staff action on it.
struct LockedStore {
    tx: TenantTx,
    state: StoreState,
    plan_id: String,
    /// The store's subscription at the payment provider, if it has one.
    subscription: Option<String>,
    trial_ends_at: Option<DateTime<Utc>>,
}

type LockedRow = (String, Option<String>, String, Option<String>, Option<DateTime<Utc>>);

/// Opens a staff action on a store: checks the role and locks the store's row.
async fn begin_action(db: &Db, staff: &Staff, tenant: TenantId) -> Result<LockedStore, Error> {
    staff.require(StaffPermission::ManageStores)?;
    let mut tx = TenantTx::begin(db, tenant).await?;
    let (status, billing_status, plan_id, subscription, trial_ends_at): LockedRow = sqlx::query_as(
        "SELECT status, billing_status, plan_id, stripe_subscription_id, trial_ends_at FROM tenants
         WHERE id = $1 FOR NO KEY UPDATE",
    )
    .bind(tenant)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    let state = StoreState::of(&status, billing_status.as_deref());
    Ok(LockedStore { tx, state, plan_id, subscription, trial_ends_at })
}

/// Suspends a store: its members keep their data but reach only billing until it is reactivated.
pub async fn suspend(db: &Db, staff: &Staff, tenant: TenantId, reason: &Reason) -> Result<(), Error> {
    let LockedStore { mut tx, state, .. } = begin_action(db, staff, tenant).await?;
    if state == StoreState::Suspended {
        return Err(Error::Conflict("This store is already suspended.".into()));
    }
    if state == StoreState::Pending {
        return Err(Error::Conflict("This store is not open yet: there is nothing to suspend.".into()));
    }
    sqlx::query("UPDATE tenants SET status = 'suspended' WHERE id = $1")
        .bind(tenant)
        .execute(&mut *tx)
        .await?;
    platform_audit::record(&mut tx, staff, PlatformAction::StoreSuspended, tenant, reason, json!({})).await?;
    tx.commit().await
}

/// Lifts a suspension; the store is then as open as its subscription allows.
pub async fn reactivate(db: &Db, staff: &Staff, tenant: TenantId, reason: &Reason) -> Result<(), Error> {
    let LockedStore { mut tx, state, .. } = begin_action(db, staff, tenant).await?;
    if state != StoreState::Suspended {
        return Err(Error::Conflict("This store is not suspended.".into()));
    }
    sqlx::query("UPDATE tenants SET status = 'active' WHERE id = $1").bind(tenant).execute(&mut *tx).await?;
    platform_audit::record(&mut tx, staff, PlatformAction::StoreReactivated, tenant, reason, json!({}))
        .await?;
    tx.commit().await
}

/// How many days a trial may be extended by at once.
pub const MAX_TRIAL_EXTENSION_DAYS: i64 = 90;

/// Days to add to a trial, from 1 to [`MAX_TRIAL_EXTENSION_DAYS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrialExtension(i64);

impl TrialExtension {
    pub fn parse(input: &str) -> Result<TrialExtension, Error> {
        match input.trim().parse::<i64>() {
            Ok(days) if (1..=MAX_TRIAL_EXTENSION_DAYS).contains(&days) => Ok(TrialExtension(days)),
            _ => Err(crate::FieldErrors::single(
                "days",
                format!("Enter a whole number of days from 1 to {MAX_TRIAL_EXTENSION_DAYS}."),
            )),
        }
    }

    pub fn days(self) -> i64 {
        self.0
    }
}

/// What the payment provider is asked to change with a staff action, when the store has a
/// subscription there. The action is written only when the provider accepted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderChange {
    TrialEnd { subscription: String, trial_end: DateTime<Utc> },
    Plan { subscription: String, plan: String },
}

/// Extends a store's trial by `days` (from now, or from its current end if later). With a
/// subscription at the payment provider, `sync` carries the new end there first.
pub async fn extend_trial<F, Fut>(
    db: &Db,
    staff: &Staff,
    tenant: TenantId,
    days: TrialExtension,
    reason: &Reason,
    sync: F,
) -> Result<DateTime<Utc>, Error>
where
    F: FnOnce(ProviderChange) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    let LockedStore { mut tx, state, subscription, trial_ends_at: current, .. } =
        begin_action(db, staff, tenant).await?;
    if state != StoreState::Trialing {
        return Err(Error::Conflict("Only a store on trial can have its trial extended.".into()));
    }
    let from = current.filter(|end| *end > Utc::now()).unwrap_or_else(Utc::now);
    let trial_end = from + chrono::Duration::days(days.days());
    if let Some(subscription) = subscription {
        sync(ProviderChange::TrialEnd { subscription, trial_end }).await?;
    }
    sqlx::query("UPDATE tenants SET trial_ends_at = $2 WHERE id = $1")
        .bind(tenant)
        .bind(trial_end)
        .execute(&mut *tx)
        .await?;
    let details = json!({ "trial_ends_at": [current, trial_end], "days": days.days() });
    platform_audit::record(&mut tx, staff, PlatformAction::TrialExtended, tenant, reason, details).await?;
    tx.commit().await?;
    Ok(trial_end)
}

/// Moves a store to another plan. Refused when the store does not fit the new plan's limits.
/// With a subscription at the payment provider, `sync` moves it to the plan's price first.
pub async fn change_plan<F, Fut>(
    db: &Db,
    staff: &Staff,
    tenant: TenantId,
    plan: &str,
    reason: &Reason,
    sync: F,
) -> Result<(), Error>
where
    F: FnOnce(ProviderChange) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    let LockedStore { mut tx, plan_id: before, subscription, .. } = begin_action(db, staff, tenant).await?;
    if before == plan {
        return Err(Error::Conflict("The store is on that plan already.".into()));
    }
    let known: Option<String> =
        sqlx::query_scalar("SELECT id FROM plans WHERE id = $1").bind(plan).fetch_optional(&mut *tx).await?;
    if known.is_none() {
        return Err(Error::Invalid("Choose one of the plans.".into()));
    }
    sqlx::query("UPDATE tenants SET plan_id = $2 WHERE id = $1")
        .bind(tenant)
        .bind(plan)
        .execute(&mut *tx)
        .await?;
    ensure_within_plan(&mut tx, Limited::Products).await?;
    ensure_within_plan(&mut tx, Limited::Members).await?;
    if let Some(subscription) = subscription {
        sync(ProviderChange::Plan { subscription, plan: plan.to_owned() }).await?;
    }
    let details = json!({ "plan": [before, plan] });
    platform_audit::record(&mut tx, staff, PlatformAction::PlanChanged, tenant, reason, details).await?;
    tx.commit().await
}

/// Ends every session of a store's member (in every store they belong to): they must sign in
/// again. Refused for someone who is not a member of the store. `forget` ends what the identity
/// provider remembers of them too (or a remembered sign-in lets them straight back in); the
/// revocation is written only when it succeeded.
pub async fn revoke_sessions<F, Fut>(
    db: &Db,
    staff: &Staff,
    tenant: TenantId,
    account: AccountId,
    reason: &Reason,
    forget: F,
) -> Result<(), Error>
where
    F: FnOnce(AccountId) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    let LockedStore { mut tx, .. } = begin_action(db, staff, tenant).await?;
    let member: Option<(String, String)> = sqlx::query_as(
        "SELECT a.email, m.role FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.tenant_id = $1 AND m.account_id = $2",
    )
    .bind(tenant)
    .bind(account)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((email, role)) = member else { return Err(Error::NotFound) };
    forget(account).await?;
    sqlx::query("UPDATE accounts SET sessions_valid_from = now() WHERE id = $1")
        .bind(account)
        .execute(&mut *tx)
        .await?;
    let details = json!({ "account_id": account, "email": email, "role": role });
    platform_audit::record(&mut tx, staff, PlatformAction::SessionsRevoked, tenant, reason, details).await?;
    tx.commit().await
}

/// Stores in one state, for the overview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCount {
    pub state: StoreState,
    pub stores: i64,
}

/// Monthly recurring revenue in one currency, estimated from plan prices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revenue {
    pub currency: String,
    pub cents: i64,
    /// Stores paying for it.
    pub stores: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct FailedPayment {
    pub tenant_id: TenantId,
    pub name: String,
    pub failed_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformOverview {
    /// Every state, in [`StoreState::ALL`] order, zero counts included.
    pub by_state: Vec<StateCount>,
    /// New stores per UTC day over the last [`SIGNUP_DAYS`] days, oldest first, every day present.
    pub signups: Vec<(NaiveDate, i64)>,
    /// Active and past-due subscriptions at their plan's price, by currency.
    pub revenue: Vec<Revenue>,
    /// Stores whose last payment failed and is not settled, most recent first.
    pub failed_payments: Vec<FailedPayment>,
    /// How many stores have an unsettled failed payment, all told.
    pub failed_payment_stores: i64,
}

pub const SIGNUP_DAYS: i64 = 30;
pub const FAILED_PAYMENTS_SHOWN: i64 = 20;

pub async fn overview(db: &Db, staff: &Staff) -> Result<PlatformOverview, Error> {
    staff.require(StaffPermission::ViewStores)?;
    let states: Vec<(String, Option<String>, i64)> = sqlx::query_as(
        "SELECT status, billing_status, count(*) FROM tenants GROUP BY status, billing_status",
    )
    .fetch_all(db.pool())
    .await?;
    let by_state = StoreState::ALL
        .into_iter()
        .map(|state| StateCount {
            state,
            stores: states
                .iter()
                .filter(|(status, billing, _)| StoreState::of(status, billing.as_deref()) == state)
                .map(|(_, _, count)| count)
                .sum(),
        })
        .collect();

    let today = Utc::now().date_naive();
    let first_day = today - chrono::Duration::days(SIGNUP_DAYS - 1);
    let since = first_day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let per_day: Vec<(NaiveDate, i64)> = sqlx::query_as(
        "SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) FROM tenants
         WHERE created_at >= $1 GROUP BY day",
    )
    .bind(since)
    .fetch_all(db.pool())
    .await?;
    let signups = first_day
        .iter_days()
        .take(SIGNUP_DAYS as usize)
        .map(|day| (day, per_day.iter().find(|(d, _)| *d == day).map_or(0, |(_, n)| *n)))
        .collect();

    let revenue = sqlx::query_as::<_, (String, i64, i64)>(
        "SELECT p.currency, sum(p.price_cents)::bigint, count(*)
         FROM tenants t JOIN plans p ON p.id = t.plan_id
         WHERE t.status = 'active' AND t.billing_status IN ('active', 'past_due') AND p.price_cents > 0
         GROUP BY p.currency ORDER BY p.currency",
    )
    .fetch_all(db.pool())
    .await?
    .into_iter()
    .map(|(currency, cents, stores)| Revenue { currency, cents, stores })
    .collect();

    // A failed payment counts until a later invoice is paid, which clears payment_failed_at.
    let failed_payment_stores: i64 =
        sqlx::query_scalar("SELECT count(*) FROM tenants WHERE payment_failed_at IS NOT NULL")
            .fetch_one(db.pool())
            .await?;
    let failed_payments = sqlx::query_as(
        "SELECT id AS tenant_id, name, payment_failed_at AS failed_at FROM tenants
         WHERE payment_failed_at IS NOT NULL ORDER BY payment_failed_at DESC, id DESC LIMIT $1",
    )
    .bind(FAILED_PAYMENTS_SHOWN)
    .fetch_all(db.pool())
    .await?;
    Ok(PlatformOverview { by_state, signups, revenue, failed_payments, failed_payment_stores })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::Access;

    #[test]
    fn store_states_divide_stores_as_access_does() {
        let statuses = ["pending", "active", "suspended"];
        let billing = [
            None,
            Some("trialing"),
            Some("active"),
            Some("past_due"),
            Some("incomplete"),
            Some("canceled"),
            Some("unpaid"),
            Some("paused"),
        ];
        for status in statuses {
            for billing_status in billing {
                let state = StoreState::of(status, billing_status);
                let expected = match Access::of(status, billing_status) {
                    Access::Full => vec![StoreState::Active, StoreState::Trialing],
                    Access::ReadOnly => vec![StoreState::PastDue],
                    Access::AwaitingPayment => vec![StoreState::Pending],
                    Access::Suspended => vec![StoreState::Closed],
                    Access::SuspendedByPlatform => vec![StoreState::Suspended],
                };
                assert!(expected.contains(&state), "{status} {billing_status:?}: {state:?}");
            }
        }
    }

    #[test]
    fn states_sorts_and_trial_days_read_back() {
        for state in StoreState::ALL {
            assert_eq!(StoreState::parse(state.as_str()), Some(state));
        }
        for sort in StoreSort::ALL {
            assert_eq!(StoreSort::parse(sort.as_str()), Some(sort));
        }
        assert_eq!(TrialExtension::parse(" 14 ").unwrap().days(), 14);
        for bad in ["0", "-3", "91", "two", ""] {
            assert!(TrialExtension::parse(bad).is_err(), "{bad:?}");
        }
    }
}
