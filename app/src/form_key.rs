//! The idempotency key a form that creates something carries (`domain::idempotency`): minted
//! on the server with the form's data, sent back as a hidden field, and kept when a refusal
//! brings the form back, so a repeated submission (a double click, a retry after an error, the
//! back button) creates nothing new. A client of the server functions' HTTP endpoints may send
//! it as an `Idempotency-Key` header instead.

use leptos::prelude::*;

/// The field's name, in every creating form and server function.
pub const FIELD: &str = "idempotency_key";

/// The hidden field.
#[component]
pub fn FormKey(key: String) -> impl IntoView {
    view! { <input type="hidden" name=FIELD value=key/> }
}

/// The header an API client sends its key in instead of the field (as payment providers' APIs
/// take it).
pub const HEADER: &str = "idempotency-key";

/// The key a creation was sent with: the form's field, else the request's `Idempotency-Key`
/// header. None when neither is there (an older page, a script that does not care); refused
/// when either is not a key, or when the two are different keys (no page of ours sends that).
#[cfg(feature = "ssr")]
pub fn parse(field: &str) -> Result<Option<domain::idempotency::IdempotencyKey>, crate::error::AppError> {
    use crate::error::AppError;
    use domain::idempotency::IdempotencyKey;

    let refuse = |what: &str| {
        tracing::info!("refused a creation whose idempotency key {what}");
        AppError::BadRequest
    };
    let header = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.headers.get(HEADER).cloned())
        .map(|value| {
            value.to_str().ok().and_then(IdempotencyKey::parse).ok_or_else(|| refuse("header is not a UUID"))
        })
        .transpose()?;
    let field = match field.trim() {
        "" => None,
        text => Some(IdempotencyKey::parse(text).ok_or_else(|| refuse("field is not a UUID"))?),
    };
    match (field, header) {
        (Some(field), Some(header)) if field != header => Err(refuse("field and header differ")),
        (field, header) => Ok(field.or(header)),
    }
}
