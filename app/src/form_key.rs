//! The idempotency key a form that creates something carries (`domain::idempotency`): minted
//! on the server with the form's data, sent back as a hidden field, and kept when a refusal
//! brings the form back, so a repeated submission (a double click, a retry after an error, the
//! back button) creates nothing new.

use leptos::prelude::*;

/// The field's name, in every creating form and server function.
pub const FIELD: &str = "idempotency_key";

/// The hidden field.
#[component]
pub fn FormKey(key: String) -> impl IntoView {
    view! { <input type="hidden" name=FIELD value=key/> }
}

/// The key a form sent: none when the field is absent (an older page, a script), refused when
/// it is not a key (no page of ours sends that).
#[cfg(feature = "ssr")]
pub fn parse(text: &str) -> Result<Option<domain::idempotency::IdempotencyKey>, crate::error::AppError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    domain::idempotency::IdempotencyKey::parse(text).map(Some).ok_or_else(|| {
        tracing::info!("refused a form whose idempotency key is not a UUID");
        crate::error::AppError::BadRequest
    })
}
