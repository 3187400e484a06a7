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
    /// What the identity provider remembers of who signed in (Hydra mode); local sign-in
    /// remembers nothing beyond this app's own sessions.
    pub remembered_sign_ins: Option<Arc<dyn RememberedSignIns>>,
}

/// An identity provider that remembers sign-ins (Hydra's login sessions) and lets a remembered
/// person in without their password.
pub trait RememberedSignIns: Send + Sync + std::fmt::Debug {
    /// Forgets every remembered sign-in of `account`: their next sign-in asks for the password.
    fn forget(
        &self,
        account: domain::AccountId,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + '_>>;
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
