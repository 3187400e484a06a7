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
    /// The identity provider sessions start from (Hydra mode); in local mode this app's own
    /// sign-in page starts them.
    pub sign_in_provider: Option<Arc<dyn SignInProvider>>,
    /// Each store's request budget on this replica.
    pub budgets: Arc<crate::budget::StoreBudgets>,
}

/// An identity provider sessions start from, which remembers who signed in (Hydra's login
/// sessions) and lets a remembered person in without their password.
pub trait SignInProvider: Send + Sync + std::fmt::Debug {
    /// Forgets every remembered sign-in of `account`: their next sign-in asks for the password.
    fn forget(
        &self,
        account: domain::AccountId,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + '_>>;

    /// Starts signing in this browser: where to send it (the provider's page). What the way
    /// back needs is kept in `session`.
    fn start<'a>(
        &'a self,
        session: &'a tower_sessions::Session,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>> + Send + 'a>>;
}

impl AppState {
    /// Whether sessions start only from the identity provider's sign-in (Hydra mode).
    pub fn signs_in_at_provider(&self) -> bool {
        self.sign_in_provider.is_some()
    }
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
