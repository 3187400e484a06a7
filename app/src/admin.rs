//! The admin panel's server functions, and what they send. Every one starts from the checked
//! staff member (`session::current_staff`): store members, whatever their role, are refused.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The signed-in staff member, as the panel's top bar shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffView {
    pub email: String,
    pub role: String,
    /// May act on stores (the admin role), not only look.
    pub may_manage: bool,
}

#[cfg(feature = "ssr")]
impl From<&domain::staff::Staff> for StaffView {
    fn from(staff: &domain::staff::Staff) -> Self {
        use domain::staff::StaffPermission;
        StaffView {
            email: staff.email().to_owned(),
            role: staff.role().to_string(),
            may_manage: staff.may(StaffPermission::ManageStores),
        }
    }
}

/// Store states: `(value, label)`, in the domain's order.
pub const STATES: [(&str, &str); 6] = [
    ("pending", "Awaiting payment"),
    ("trialing", "On trial"),
    ("active", "Active"),
    ("past_due", "Payment overdue"),
    ("closed", "Closed (subscription ended)"),
    ("suspended", "Suspended by staff"),
];

pub fn state_label(state: &str) -> &'static str {
    STATES.iter().find(|(value, _)| *value == state).map_or("Unknown", |(_, label)| *label)
}

pub const SORTS: [(&str, &str); 3] =
    [("newest", "Newest first"), ("oldest", "Oldest first"), ("name", "Name A–Z")];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCountView {
    pub state: String,
    pub stores: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupDay {
    /// `2026-11-23`.
    pub day: String,
    pub stores: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedPaymentView {
    pub tenant_id: i64,
    pub name: String,
    pub failed_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewView {
    pub staff: StaffView,
    pub by_state: Vec<StateCountView>,
    pub signups: Vec<SignupDay>,
    /// `$1,234.00 from 12 stores`, per currency.
    pub revenue: Vec<String>,
    pub failed_payments: Vec<FailedPaymentView>,
    pub failed_payment_stores: i64,
}

#[cfg(feature = "ssr")]
fn when(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%-d %b %Y, %H:%M UTC").to_string()
}

#[server(endpoint = "admin_overview")]
pub async fn get_platform_overview() -> Result<OverviewView, AppError> {
    let (state, staff) = crate::session::current_staff().await?;
    let overview = crate::session::boxed(domain::admin::overview(&state.db, &staff)).await?;
    Ok(OverviewView {
        staff: StaffView::from(&staff),
        by_state: overview
            .by_state
            .into_iter()
            .map(|c| StateCountView { state: c.state.as_str().to_owned(), stores: c.stores })
            .collect(),
        signups: overview
            .signups
            .into_iter()
            .map(|(day, stores)| SignupDay { day: day.to_string(), stores })
            .collect(),
        revenue: overview
            .revenue
            .into_iter()
            .map(|r| {
                let stores = if r.stores == 1 {
                    "1 store".to_owned()
                } else {
                    format!("{} stores", crate::format::count(r.stores))
                };
                format!("{} from {stores}", crate::format::money(r.cents, &r.currency))
            })
            .collect(),
        failed_payments: overview
            .failed_payments
            .into_iter()
            .map(|f| FailedPaymentView {
                tenant_id: f.tenant_id.get(),
                name: f.name,
                failed_at: when(f.failed_at),
            })
            .collect(),
        failed_payment_stores: overview.failed_payment_stores,
    })
}

/// The stores list's query string: filters, sort, and where the page starts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoresQuery {
    pub q: String,
    pub state: String,
    pub plan: String,
    pub sort: String,
    /// `key~id` of the row this page follows, or precedes.
    pub after: String,
    pub before: String,
}

impl StoresQuery {
    /// This list with the page starting elsewhere.
    pub fn href(&self, after: &str, before: &str) -> String {
        crate::paging::href(
            "/admin/stores",
            &[
                ("q", &self.q),
                ("state", &self.state),
                ("plan", &self.plan),
                ("sort", &self.sort),
                ("after", after),
                ("before", before),
            ],
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreRowView {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub plan: String,
    pub state: String,
    pub owner_email: Option<String>,
    pub created: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreListView {
    pub staff: StaffView,
    pub stores: Vec<StoreRowView>,
    /// `1 store`, `25 stores`, `10,000+ stores`.
    pub matching: String,
    /// Cursors (`key~id`) for the next and previous pages.
    pub next: Option<String>,
    pub previous: Option<String>,
    /// `(id, name)` of every plan, for the filter.
    pub plans: Vec<(String, String)>,
}

#[cfg(feature = "ssr")]
fn cursor_text(cursor: &domain::admin::Cursor) -> String {
    format!("{}~{}", cursor.key, cursor.id)
}

#[cfg(feature = "ssr")]
fn parse_cursor(text: &str) -> Option<domain::admin::Cursor> {
    let (key, id) = text.rsplit_once('~')?;
    Some(domain::admin::Cursor { key: key.to_owned(), id: id.parse().ok()? })
}

#[server(endpoint = "admin_list_stores", input = leptos::server_fn::codec::Json)]
pub async fn list_stores(query: StoresQuery) -> Result<StoreListView, AppError> {
    use domain::admin::{PageStart, StoreFilter, StoreSort, StoreState, COUNT_CAP};

    let (state, staff) = crate::session::current_staff().await?;
    let filter = StoreFilter {
        search: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
        state: StoreState::parse(&query.state),
        plan: Some(query.plan.clone()).filter(|p| !p.is_empty()),
        sort: StoreSort::parse(&query.sort).unwrap_or_default(),
    };
    let start = match (parse_cursor(&query.after), parse_cursor(&query.before)) {
        (Some(after), _) => PageStart::After(after),
        (None, Some(before)) => PageStart::Before(before),
        (None, None) => PageStart::First,
    };
    let page = crate::session::boxed(domain::admin::list_stores(&state.db, &staff, &filter, &start)).await?;
    let matching = match page.matching {
        n if n > COUNT_CAP => format!("{}+ stores", crate::format::count(COUNT_CAP)),
        1 => "1 store".to_owned(),
        n => format!("{} stores", crate::format::count(n)),
    };
    Ok(StoreListView {
        staff: StaffView::from(&staff),
        stores: page
            .stores
            .into_iter()
            .map(|s| StoreRowView {
                id: s.id.get(),
                name: s.name,
                slug: s.slug,
                plan: s.plan_id,
                state: s.state.as_str().to_owned(),
                owner_email: s.owner_email,
                created: s.created_at.format("%-d %b %Y").to_string(),
            })
            .collect(),
        matching,
        next: page.next.as_ref().map(cursor_text),
        previous: page.previous.as_ref().map(cursor_text),
        plans: plan_choices(&state),
    })
}

/// `(id, name)` of every plan, as read at start-up.
#[cfg(feature = "ssr")]
fn plan_choices(state: &crate::state::AppState) -> Vec<(String, String)> {
    state.site.plans.iter().map(|p| (p.id.clone(), p.name.clone())).collect()
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub account_id: i64,
    pub email: String,
    pub role: String,
    pub joined: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub when: String,
    pub actor: String,
    pub action: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreDetailView {
    pub staff: StaffView,
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub plan: String,
    pub state: String,
    pub billing_status: Option<String>,
    pub stripe_customer_id: Option<String>,
    pub stripe_subscription_id: Option<String>,
    pub current_period_end: Option<String>,
    pub trial_ends_at: Option<String>,
    pub payment_failed_at: Option<String>,
    pub created: String,
    pub members: Vec<MemberView>,
    pub products: i64,
    pub orders: i64,
    pub audit: Vec<AuditEntryView>,
    /// `(id, name)` of every plan, for the plan change.
    pub plans: Vec<(String, String)>,
}

#[server(endpoint = "admin_get_store")]
pub async fn get_store(id: i64) -> Result<StoreDetailView, AppError> {
    let (state, staff) = crate::session::current_staff().await?;
    let tenant = domain::TenantId::new(id);
    let detail = crate::session::boxed(domain::admin::store_detail(&state.db, &staff, tenant)).await?;
    Ok(StoreDetailView {
        staff: StaffView::from(&staff),
        id,
        name: detail.name,
        slug: detail.slug,
        plan: detail.plan_id,
        state: detail.state.as_str().to_owned(),
        billing_status: detail.billing_status,
        stripe_customer_id: detail.stripe_customer_id,
        stripe_subscription_id: detail.stripe_subscription_id,
        current_period_end: detail.current_period_end.map(when),
        trial_ends_at: detail.trial_ends_at.map(when),
        payment_failed_at: detail.payment_failed_at.map(when),
        created: when(detail.created_at),
        members: detail
            .members
            .into_iter()
            .map(|m| MemberView {
                account_id: m.account_id.get(),
                email: m.email,
                role: m.role,
                joined: m.joined_at.format("%-d %b %Y").to_string(),
            })
            .collect(),
        products: detail.products,
        orders: detail.orders,
        audit: detail
            .audit
            .into_iter()
            .map(|e| AuditEntryView {
                when: when(e.occurred_at),
                actor: e.actor,
                action: e.action,
                reason: e.reason,
            })
            .collect(),
        plans: plan_choices(&state),
    })
}

/// Staff actions on a store, as the store page's forms name them.
pub const SUSPEND: &str = "suspend";
pub const REACTIVATE: &str = "reactivate";
pub const REVOKE_SESSIONS: &str = "revoke_sessions";
pub const EXTEND_TRIAL: &str = "extend_trial";
/// The most days a trial is extended by at once (the domain's limit, for the form).
pub const MAX_TRIAL_EXTENSION_DAYS: i64 = 90;
pub const CHANGE_PLAN: &str = "change_plan";

/// A staff action on a store: which, why, and the confirmation box (forms work without
/// JavaScript, so confirmation is a checkbox, not a dialog).
#[server(endpoint = "admin_act_on_store")]
pub async fn act_on_store(
    id: i64,
    action: String,
    reason: String,
    #[server(default)] confirm: Option<String>,
    #[server(default)] account_id: Option<i64>,
    #[server(default)] days: Option<String>,
    #[server(default)] plan: Option<String>,
) -> Result<String, AppError> {
    use crate::session::boxed;
    use domain::admin::TrialExtension;
    use domain::platform_audit::Reason;

    let (state, staff) = crate::session::current_staff().await?;
    let (days, plan) = (days.unwrap_or_default(), plan.unwrap_or_default());
    let values = [("reason", reason.as_str()), ("days", days.as_str()), ("plan", plan.as_str())];
    if confirm.as_deref() != Some("yes") {
        return Err(AppError::Invalid("Tick the box to confirm.".into()).with_values(&values));
    }
    let reason = Reason::parse(&reason).map_err(|e| AppError::from(e).with_values(&values))?;
    let tenant = domain::TenantId::new(id);
    let db = &state.db;
    let payments = |change| subscription_change(&state, change);
    // The trial's new end, for its message; the other actions' messages are fixed.
    let done = match action.as_str() {
        SUSPEND => boxed(domain::admin::suspend(db, &staff, tenant, &reason)).await.map(|()| None),
        REACTIVATE => boxed(domain::admin::reactivate(db, &staff, tenant, &reason)).await.map(|()| None),
        REVOKE_SESSIONS => {
            let account = domain::AccountId::new(account_id.ok_or(AppError::NotFound)?);
            let forget = |account| forget_sign_ins(&state, account);
            boxed(domain::admin::revoke_sessions(db, &staff, tenant, account, &reason, forget))
                .await
                .map(|()| None)
        }
        EXTEND_TRIAL => {
            let days = TrialExtension::parse(&days).map_err(|e| AppError::from(e).with_values(&values))?;
            boxed(domain::admin::extend_trial(db, &staff, tenant, days, &reason, payments))
                .await
                .map(|end| Some(when(end)))
        }
        CHANGE_PLAN => boxed(domain::admin::change_plan(db, &staff, tenant, &plan, &reason, payments))
            .await
            .map(|()| None),
        _ => return Err(AppError::Invalid("Choose one of the actions.".into()).with_values(&values)),
    };
    let trial_end = done.map_err(|e| AppError::from(e).with_values(&values))?;
    tracing::info!(staff = %staff.account_id(), tenant = %tenant, %action, "staff acted on a store");
    // The store's page again, read afresh, with what was done said above it.
    leptos_axum::redirect(&format!("/admin/stores/{id}?done={action}"));
    Ok(done_message(&action, trial_end.as_deref()).unwrap_or_default())
}

/// What the store's page says after the staff action `action` went through; `trial_end` is
/// the trial's end as the page shows it.
pub fn done_message(action: &str, trial_end: Option<&str>) -> Option<String> {
    Some(match action {
        SUSPEND => "The store is suspended.".to_owned(),
        REACTIVATE => "The store is reactivated.".to_owned(),
        REVOKE_SESSIONS => "Their sessions are ended: they must sign in again.".to_owned(),
        EXTEND_TRIAL => format!("The trial now ends on {}.", trial_end?),
        CHANGE_PLAN => "The store is on its new plan.".to_owned(),
        _ => return None,
    })
}

/// Carries a staff action's change to the store's subscription at the payment provider. Without
/// the provider configured there is nothing to keep in step.
#[cfg(feature = "ssr")]
async fn subscription_change(
    state: &crate::state::AppState,
    change: domain::admin::ProviderChange,
) -> Result<(), domain::Error> {
    use domain::admin::ProviderChange;

    let Some(payments) = &state.payments else {
        tracing::warn!(?change, "the store has a subscription but no payment provider is configured");
        return Ok(());
    };
    if let ProviderChange::Plan { plan, .. } = &change {
        if payments.price_for(plan).is_none() {
            return Err(domain::Error::Provider(
                "This store pays through Stripe, and that plan has no price there. Choose a paid plan, or cancel the subscription from the store's billing portal."
                    .into(),
            ));
        }
    }
    payments.change_subscription(&change).await.map_err(|error| {
        tracing::error!(%error, ?change, "the payment provider refused a staff action's change");
        domain::Error::Provider(
            "Stripe did not accept the change, so nothing was changed. Try again in a moment.".into(),
        )
    })
}

/// Makes the identity provider forget a member's remembered sign-ins (Hydra mode).
#[cfg(feature = "ssr")]
async fn forget_sign_ins(
    state: &crate::state::AppState,
    account: domain::AccountId,
) -> Result<(), domain::Error> {
    let Some(provider) = &state.sign_in_provider else { return Ok(()) };
    provider.forget(account).await.map_err(|error| {
        tracing::error!(%error, %account, "the identity provider did not forget a member's sign-ins");
        domain::Error::Provider(
            "The sign-in service did not end their sign-ins, so nothing was changed. Try again in a moment."
                .into(),
        )
    })
}

/// Opens a support session on the store and enters it: store pages then show that store,
/// read-only, until it ends.
#[server(endpoint = "admin_start_support_session")]
pub async fn start_support_session(id: i64, reason: String) -> Result<(), AppError> {
    use domain::platform_audit::Reason;

    let (state, staff) = crate::session::current_staff().await?;
    let values = [("reason", reason.as_str())];
    let reason = Reason::parse(&reason).map_err(|e| AppError::from(e).with_values(&values))?;
    let tenant = domain::TenantId::new(id);
    let support = crate::session::boxed(domain::support::start(&state.db, &staff, tenant, &reason)).await?;
    let session = crate::session::current_session()?;
    crate::session::enter_support_session(&session, support.id).await.map_err(|error| {
        tracing::error!(%error, "could not keep the support session");
        AppError::Unavailable
    })?;
    tracing::info!(staff = %staff.account_id(), %tenant, support_session = support.id, "support session started");
    leptos_axum::redirect("/");
    Ok(())
}

/// Ends the staff member's support session, back to the store's page in the panel.
#[server(endpoint = "admin_end_support_session")]
pub async fn end_support_session() -> Result<(), AppError> {
    let (state, staff) = crate::session::current_staff().await?;
    let session = crate::session::current_session()?;
    let left = crate::session::leave_support_session(&session).await.map_err(|error| {
        tracing::error!(%error, "could not read the session");
        AppError::Unavailable
    })?;
    let Some(id) = left else {
        leptos_axum::redirect("/admin/stores");
        return Ok(());
    };
    let open = crate::session::boxed(domain::support::open_session(&state.db, &staff, id)).await?;
    crate::session::boxed(domain::support::end(&state.db, &staff, id)).await?;
    tracing::info!(staff = %staff.account_id(), support_session = id, "support session ended");
    let back = open.map_or_else(|| "/admin/stores".to_owned(), |s| format!("/admin/stores/{}", s.tenant_id));
    leptos_axum::redirect(&back);
    Ok(())
}

/// What the support banner says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportNotice {
    pub store_name: String,
    pub reason: String,
    /// `14:32 UTC`.
    pub ends_at: String,
}

/// The staff member's open support session, for the banner on every page; `None` for
/// everyone else.
#[server(endpoint = "support_notice")]
pub async fn get_support_notice() -> Result<Option<SupportNotice>, AppError> {
    let session = crate::session::current_session()?;
    let Some(id) = crate::session::current_support_session(&session).await else { return Ok(None) };
    let (state, staff) = match crate::session::current_staff().await {
        Ok(found) => found,
        Err(AppError::SignedOut) => return Ok(None),
        Err(error) => return Err(error),
    };
    let open = crate::session::boxed(domain::support::open_session(&state.db, &staff, id)).await?;
    Ok(open.map(|s| SupportNotice {
        store_name: s.store_name,
        reason: s.reason,
        ends_at: s.expires_at.format("%H:%M UTC").to_string(),
    }))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    #[test]
    fn the_forms_trial_limit_is_the_domains() {
        assert_eq!(super::MAX_TRIAL_EXTENSION_DAYS, domain::admin::MAX_TRIAL_EXTENSION_DAYS);
    }
}
