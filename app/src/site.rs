//! What the public pages need to know about this installation.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoLogin {
    pub email: String,
    pub password: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// Signing in checks passwords here instead of going through the identity provider.
    pub local_sign_in: bool,
    /// The demo store's sign-in, shown on the home page of the embedded default.
    pub demo_login: Option<DemoLogin>,
    /// Where people reach this site (`PUBLIC_URL`), for links that leave it, like invitations.
    pub public_url: String,
    /// The plans, read once at start (they change only with a migration).
    pub plans: Vec<PlanInfo>,
    /// Whether signups pay through a payment provider; without one every store starts free.
    pub payments: bool,
    /// The rules for new passwords, for forms to say before they are sent.
    pub password_rules: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInfo {
    pub id: String,
    pub name: String,
    pub price_cents: i64,
    pub currency: String,
    pub product_limit: Option<i32>,
    pub member_limit: Option<i32>,
}

#[cfg(feature = "ssr")]
pub fn plan_info(plan: domain::signup::Plan) -> PlanInfo {
    PlanInfo {
        id: plan.id,
        name: plan.name,
        price_cents: plan.price_cents,
        currency: plan.currency,
        product_limit: plan.product_limit,
        member_limit: plan.member_limit,
    }
}

#[server(endpoint = "site_info")]
pub async fn get_site_info() -> Result<SiteInfo, AppError> {
    let state = expect_context::<crate::state::AppState>();
    Ok(state.site.as_ref().clone())
}
