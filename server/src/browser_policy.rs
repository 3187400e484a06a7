//! The browser's second wall: what every response tells the browser to refuse.
//!
//! Every string from data is escaped where it lands; this policy is for the day an escaping bug
//! slips through anyway. Pages carry a Content-Security-Policy whose scripts must bear the
//! request's own nonce (Leptos puts it on its hydration scripts), so an injected `<script>` or
//! `onerror=` runs nothing. Nothing may frame the app (the admin panel's forms act on stores),
//! forms may only go to the app and to the providers a flow really sends the browser to, and
//! answers that depend on a session are never stored by a browser or a shared cache.

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};

/// The headers every response gets, fixed when the server starts.
#[derive(Clone, Debug)]
pub struct BrowserPolicy {
    /// `form-action`: the app itself, and the origins sign-in and checkout redirect a form to.
    form_action: String,
    hsts: bool,
}

impl BrowserPolicy {
    /// `redirect_origins` are the other sites a submitted form may end on (Hydra's public
    /// origin for sign-in and sign-out, Stripe's checkout and billing portal).
    pub fn new(public_url: &str, redirect_origins: &[String]) -> BrowserPolicy {
        let mut form_action = String::from("'self'");
        for origin in redirect_origins {
            form_action.push(' ');
            form_action.push_str(origin);
        }
        BrowserPolicy { form_action, hsts: public_url.starts_with("https://") }
    }

    /// The policy of an HTML page whose scripts carry `nonce`.
    ///
    /// `'strict-dynamic'` lets the nonced module load the wasm glue it imports; the wasm itself
    /// needs `'wasm-unsafe-eval'` (not `'unsafe-eval'`: JavaScript `eval` stays refused).
    /// Styles come from the site's one stylesheet; no page uses inline styles.
    pub fn content_security_policy(&self, nonce: &str) -> String {
        format!(
            "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
             object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action {}",
            self.form_action
        )
    }
}

/// The origin (`scheme://host[:port]`) of a URL, for the policy's source lists.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}"))
}

/// Middleware: a fresh nonce for the request (read by [`provide_nonce`]), then the policy's
/// headers on the response.
pub async fn apply(State(policy): State<BrowserPolicy>, mut request: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    // The site's own files depend on nobody's session (and say how long to keep them).
    let is_static =
        request.uri().path().strip_prefix(crate::assets::PREFIX).is_some_and(|rest| rest.starts_with('/'));
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if is_html(headers) {
        let csp = policy.content_security_policy(&nonce);
        headers
            .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&csp).expect("an ASCII policy"));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // For browsers that predate `frame-ancestors`, and for answers that are not pages.
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if policy.hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if !is_static && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"))
}

/// Leptos context: the request's nonce, so the scripts Leptos writes carry the one the
/// response's policy names. Called where the app renders, after leptos_axum has provided the
/// request's parts (and a random nonce of its own, which this one replaces).
pub fn provide_nonce() {
    if let Some(nonce) =
        use_context::<axum::http::request::Parts>().and_then(|parts| parts.extensions.get::<Nonce>().cloned())
    {
        provide_context(nonce);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_drop_paths_and_keep_ports() {
        assert_eq!(origin_of("http://127.0.0.1:4444/").as_deref(), Some("http://127.0.0.1:4444"));
        assert_eq!(
            origin_of("https://checkout.stripe.com/c/pay?x=1").as_deref(),
            Some("https://checkout.stripe.com")
        );
        assert_eq!(origin_of("not a url"), None);
    }

    #[test]
    fn the_policy_names_the_nonce_and_no_inline_scripts() {
        let policy = BrowserPolicy::new("https://shop.example", &["https://hydra.example".into()]);
        let csp = policy.content_security_policy("abc");
        assert!(csp.contains("script-src 'nonce-abc' 'strict-dynamic' 'wasm-unsafe-eval';"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.ends_with("form-action 'self' https://hydra.example"), "{csp}");
        assert!(policy.hsts);
        assert!(!BrowserPolicy::new("http://127.0.0.1:3000", &[]).hsts);
    }
}
