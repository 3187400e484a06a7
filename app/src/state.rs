use std::sync::Arc;

use axum::extract::FromRef;
use domain::Db;
use leptos::prelude::LeptosOptions;

use crate::site::SiteInfo;

/// Everything a handler or server function may need, shared by all requests.
#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub site: Arc<SiteInfo>,
    /// Behind a proxy, the header holding the client's address (`CLIENT_IP_HEADER`).
    pub client_ip_header: Option<axum::http::HeaderName>,
    /// A session ends this long after signing in, however active (`SESSION_MAX_HOURS`).
    pub session_max_age: std::time::Duration,
    /// Sends invitations when SMTP is configured (`SMTP_URL`); without it links are shown.
    pub mailer: Option<Arc<crate::mail::Mailer>>,
    /// Signups and billing through the payment provider (`STRIPE_*`); without it every store
    /// starts on the free plan.
    pub payments: Option<Arc<crate::payments::Payments>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}
