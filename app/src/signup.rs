//! Self-service signup: the server function behind `/signup`.

use leptos::prelude::*;

use crate::error::AppError;

/// The plan every store starts on when no payment provider is configured.
pub const FREE_PLAN: &str = "free";

/// Creates the account and the store, signs the new owner in and opens the store. Without a
/// payment provider the store starts at once on the free plan, and the next page says so.
///
/// The form's key (`crate::form_key`) makes a repeat of a signup that went through (its answer
/// lost, the button pressed twice) carry on from the store it made, for the same email and
/// password, instead of refusing the email as taken.
#[server(endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    password: String,
    store_name: String,
    plan: String,
    #[server(default)] idempotency_key: String,
) -> Result<(), AppError> {
    use domain::signup::{create_store, Signup, SignupInput, StartAs};

    // Everything typed comes back on a refusal, but the password.
    let typed = [
        ("email", email.as_str()),
        ("store_name", store_name.as_str()),
        ("plan", plan.as_str()),
        (crate::form_key::FIELD, idempotency_key.as_str()),
    ];
    let result = async {
        let key = crate::form_key::parse(&idempotency_key)?;
        let state = expect_context::<crate::state::AppState>();
        let address = client_address(&state).await?;
        use domain::rate_limits::{self, LimitedAction};
        let limited = LimitedAction::SignupPerAddress;
        let refused = LimitedAction::FailedSignupPerAddress;
        rate_limits::refuse_if_empty(&state.db, &[(limited, &address), (refused, &address)]).await?;
        let input = SignupInput {
            email: email.clone(),
            password: password.clone(),
            store_name: store_name.clone(),
            plan: plan.clone(),
        };
        let mut signup = match Signup::parse(&state.db, &input).await {
            Ok(signup) => signup,
            Err(problems) => {
                rate_limits::record(&state.db, refused, &address).await?;
                return Err(problems.into());
            }
        };
        let chosen = signup.plan.id.clone();
        if !state.site.payments && chosen != FREE_PLAN {
            let free = domain::signup::plans(&state.db).await?.into_iter().find(|p| p.id == FREE_PLAN);
            signup.plan = free.ok_or(AppError::Unavailable)?;
        }
        let paid_through = state.payments.clone().filter(|p| p.price_for(&signup.plan.id).is_some());
        let start = if paid_through.is_some() { StartAs::Pending } else { StartAs::Active };
        let started = std::time::Instant::now();
        let made = match create_store(&state.db, &signup, start, key).await {
            Ok(made) => made,
            // A taken email, or a form's key sent with another email or password.
            Err(error @ (domain::Error::Taken(_) | domain::Error::Conflict(_))) => {
                rate_limits::record(&state.db, refused, &address).await?;
                return Err(error.into());
            }
            Err(error) => return Err(error.into()),
        };
        let (account, tenant) = (made.account, made.tenant);
        if made.repeated {
            tracing::info!(%account, %tenant, "signup sent again with its form's key: carrying on with its store");
        } else {
            if let Err(error) = rate_limits::record(&state.db, limited, &address).await {
                tracing::error!(%error, "could not count a signup against its address");
            }
            tracing::info!(%account, %tenant, plan = %signup.plan.id, chosen = %chosen, elapsed_ms = started.elapsed().as_millis() as u64, "store signed up");
        }
        let session = crate::session::current_session()?;
        // A repeat of a signup whose store has opened since (paid a moment ago) signs in.
        if let Some(payments) = paid_through.filter(|_| !made.opened) {
            let checkout = crate::payments::Checkout {
                tenant,
                email: signup.email.as_str(),
                plan: &signup.plan.id,
                customer: None,
                // One session per store, however often the request is repeated.
                idempotency_key: format!("signup-{tenant}"),
                success_path: "/signup/welcome?session_id={CHECKOUT_SESSION_ID}",
                cancel_path: "/signup?cancelled=1",
            };
            let open = match payments.start_checkout(checkout).await {
                Ok(open) => open,
                Err(error) => {
                    tracing::error!(%error, %tenant, "could not open the signup's Checkout Session: undoing the signup");
                    domain::signup::abandon(&state.db, account, tenant).await?;
                    return Err(crate::billing::provider_unreachable());
                }
            };
            let pending = PendingSignup {
                account,
                tenant,
                checkout: open.id.clone(),
                email: email.clone(),
                store_name: store_name.clone(),
                plan: plan.clone(),
            };
            session.insert(PENDING_SIGNUP, pending).await.map_err(|error| {
                tracing::error!(%error, "could not keep the pending signup in the session");
                AppError::Unavailable
            })?;
            tracing::info!(%tenant, checkout = %open.id, "signup sent to checkout");
            leptos_axum::redirect(&open.url);
            return Ok(());
        }
        let welcome = if chosen == signup.plan.id { "ready" } else { "free" };
        let next = crate::session::start_after_signup(
            &state,
            &session,
            account,
            tenant,
            &format!("/?welcome={welcome}"),
        )
        .await?;
        leptos_axum::redirect(&next);
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

/// A signup waiting for its payment, kept in the visitor's session: the success page signs the
/// owner in once the store opens, and the cancel page undoes it and gives the form back.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct PendingSignup {
    account: domain::AccountId,
    tenant: domain::TenantId,
    checkout: String,
    email: String,
    store_name: String,
    plan: String,
}

#[cfg(feature = "ssr")]
const PENDING_SIGNUP: &str = "pending_signup";

#[cfg(feature = "ssr")]
async fn pending_signup(session: &tower_sessions::Session) -> Result<Option<PendingSignup>, AppError> {
    session.get::<PendingSignup>(PENDING_SIGNUP).await.map_err(|error| {
        tracing::error!(%error, "could not read the session");
        AppError::Unavailable
    })
}

/// Where a signup that went to checkout stands.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SignupState {
    /// The payment has not been confirmed to us yet.
    Waiting { store_name: String },
    /// The store opened and its owner is signed in (the page moves on to the store).
    Ready,
    /// No signup waits in this browser.
    Nothing,
}

/// The success page's question: has the store opened? When it has, the owner is signed in to it.
#[server(endpoint = "signup_progress")]
pub async fn signup_progress() -> Result<SignupState, AppError> {
    let result = async {
        let state = expect_context::<crate::state::AppState>();
        let session = crate::session::current_session()?;
        let Some(pending) = pending_signup(&session).await? else {
            return Ok(SignupState::Nothing);
        };
        match domain::signup::has_opened(&state.db, pending.tenant).await? {
            Some(true) => {
                session.remove::<PendingSignup>(PENDING_SIGNUP).await.map_err(|_| AppError::Unavailable)?;
                let next = crate::session::start_after_signup(
                    &state,
                    &session,
                    pending.account,
                    pending.tenant,
                    "/?welcome=ready",
                )
                .await?;
                tracing::info!(tenant = %pending.tenant, "paid signup opened: owner signed in");
                leptos_axum::redirect(&next);
                Ok(SignupState::Ready)
            }
            Some(false) => Ok(SignupState::Waiting { store_name: pending.store_name }),
            None => Ok(SignupState::Nothing),
        }
    };
    crate::session::boxed(result).await
}

/// What the form held before the person went to checkout and came back without paying.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CancelledSignup {
    pub email: String,
    pub store_name: String,
    pub plan: String,
}

/// What the signup form opens with.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignupForm {
    /// The form's idempotency key (`crate::form_key`), minted with the form.
    pub form_key: String,
    /// Back from checkout without paying: what the form held (`None` when no signup waited in
    /// this browser, or when not back from checkout), or why the waiting signup could not be
    /// undone. The form opens either way.
    pub returned: Result<Option<CancelledSignup>, AppError>,
}

/// The signup form's data. Back from checkout without paying (`back_from_checkout`), the
/// Checkout Session is closed so it cannot be paid later, the waiting store and account are
/// removed (so the same email can sign up again), and the form's fields come back.
#[server(endpoint = "open_signup")]
pub async fn open_signup(back_from_checkout: bool) -> Result<SignupForm, AppError> {
    let returned = if back_from_checkout { crate::session::boxed(cancel_signup()).await } else { Ok(None) };
    Ok(SignupForm { form_key: domain::idempotency::IdempotencyKey::new().to_string(), returned })
}

/// Undoes the signup waiting for its payment in this browser's session, if there is one.
#[cfg(feature = "ssr")]
async fn cancel_signup() -> Result<Option<CancelledSignup>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let session = crate::session::current_session()?;
    let Some(pending) = pending_signup(&session).await? else {
        return Ok(None);
    };
    let payments = state.payments.clone().ok_or(AppError::Unavailable)?;
    // Only a session that can no longer be paid lets the store go: one paid a moment ago
    // cannot be closed, and its store opens when the provider tells us.
    if let Err(error) = payments.expire_checkout(&pending.checkout).await {
        tracing::warn!(%error, checkout = %pending.checkout, "could not close the abandoned Checkout Session");
        return Err(AppError::Invalid(
            "We could not confirm with our payment provider that the payment was left. If you paid, \
             your store opens in a moment and you can sign in; otherwise try again shortly."
                .into(),
        ));
    }
    let removed = domain::signup::abandon(&state.db, pending.account, pending.tenant).await?;
    tracing::info!(tenant = %pending.tenant, removed, "signup left at checkout");
    session.remove::<PendingSignup>(PENDING_SIGNUP).await.map_err(|_| AppError::Unavailable)?;
    if !removed {
        // The payment went through meanwhile: the store is there; the owner signs in.
        return Ok(None);
    }
    Ok(Some(CancelledSignup { email: pending.email, store_name: pending.store_name, plan: pending.plan }))
}
