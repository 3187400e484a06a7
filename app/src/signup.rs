//! Self-service signup: the server function behind `/signup`.

use leptos::prelude::*;

use crate::error::AppError;

/// The plan every store starts on when no payment provider is configured.
pub const FREE_PLAN: &str = "free";

/// Creates the account and the store, signs the new owner in and opens the store. Without a
/// payment provider the store starts at once on the free plan, and the next page says so.
#[server(endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    password: String,
    store_name: String,
    plan: String,
) -> Result<(), AppError> {
    use domain::signup::{create_store, Signup, SignupInput, StartAs};

    // Everything typed comes back on a refusal, but the password.
    let typed = [("email", email.as_str()), ("store_name", store_name.as_str()), ("plan", plan.as_str())];
    let result = async {
        let state = expect_context::<crate::state::AppState>();
        let address = client_address(&state).await?;
        let limited = domain::rate_limits::LimitedAction::SignupPerAddress;
        if let Some(wait) = domain::rate_limits::wait_time(&state.db, limited, &address).await? {
            tracing::warn!(%address, "signup refused: too many new stores from this address");
            let minutes = wait.as_secs().div_ceil(60).max(1);
            return Err(AppError::Invalid(format!(
                "Too many new stores were made from your network. Try again in {minutes} minutes."
            )));
        }
        let input = SignupInput {
            email: email.clone(),
            password: password.clone(),
            store_name: store_name.clone(),
            plan: plan.clone(),
        };
        let mut signup = Signup::parse(&state.db, &input).await?;
        let chosen = signup.plan.id.clone();
        if !state.site.payments && chosen != FREE_PLAN {
            let free = domain::signup::plans(&state.db).await?.into_iter().find(|p| p.id == FREE_PLAN);
            signup.plan = free.ok_or(AppError::Unavailable)?;
        }
        let started = std::time::Instant::now();
        let (account, tenant) = create_store(&state.db, &signup, StartAs::Active).await?;
        if let Err(error) = domain::rate_limits::record(&state.db, limited, &address).await {
            tracing::error!(%error, "could not count a signup against its address");
        }
        tracing::info!(%account, %tenant, plan = %signup.plan.id, chosen = %chosen, elapsed_ms = started.elapsed().as_millis() as u64, "store signed up");
        let session = crate::session::current_session()?;
        crate::session::sign_in_to_store(&session, account, tenant).await.map_err(|error| {
            tracing::error!(%error, "could not start the new owner's session");
            AppError::Unavailable
        })?;
        let welcome = if chosen == signup.plan.id { "ready" } else { "free" };
        leptos_axum::redirect(&format!("/?welcome={welcome}"));
        Ok::<(), AppError>(())
    };
    crate::session::boxed(result).await.map_err(|e| e.with_values(&typed))
}

#[cfg(feature = "ssr")]
async fn client_address(state: &crate::state::AppState) -> Result<String, AppError> {
    use axum::extract::FromRequestParts;

    let mut parts = use_context::<axum::http::request::Parts>().ok_or(AppError::Unavailable)?;
    let crate::client_address::ClientAddress(address) =
        crate::client_address::ClientAddress::from_request_parts(&mut parts, state)
            .await
            .map_err(|_| AppError::Unavailable)?;
    Ok(address)
}
