//! The stores a person belongs to, for choosing one at sign-in or switching later.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreChoice {
    pub tenant_id: i64,
    pub name: String,
    pub role: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyStores {
    pub stores: Vec<StoreChoice>,
    /// The store the session is in now, if any.
    pub current: Option<i64>,
}

/// The signed-in (or choosing) person's stores.
#[server(endpoint = "my_stores")]
pub async fn get_my_stores() -> Result<MyStores, AppError> {
    use crate::session::{account_choosing_store, current_tenant};

    let state = expect_context::<crate::state::AppState>();
    let session = crate::session::current_session()?;
    let account = account_choosing_store(&session)
        .await
        .map_err(|error| {
            tracing::error!(%error, "could not read the session");
            AppError::Unavailable
        })?
        .ok_or(AppError::SignedOut)?;
    let stores = domain::accounts::memberships(&state.db, account).await?;
    Ok(MyStores {
        stores: stores
            .into_iter()
            .map(|s| StoreChoice {
                tenant_id: s.tenant_id.get(),
                name: s.store_name,
                role: s.role.to_string(),
            })
            .collect(),
        current: current_tenant(&session).await.map(|t| t.get()),
    })
}
