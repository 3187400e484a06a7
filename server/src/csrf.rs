//! Cross-site request forgery protection for every state-changing request: forms, server
//! functions, sign-in and sign-out alike.
//!
//! A browser says where a request comes from: `Origin` on every POST (also with JavaScript
//! off), `Sec-Fetch-Site` in current browsers, `Referer` in older ones. A request that changes
//! state is let through only when one of them says it comes from this app's own pages. Session
//! cookies are also `SameSite=Lax`, so a cross-site POST carries no session in the first place;
//! this check is the wall that does not depend on the browser's cookie policy, and it covers
//! sign-in itself (login CSRF), where there is no session yet.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

/// The app's own origin (`scheme://host[:port]`), from `PUBLIC_URL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppOrigin(String);

impl AppOrigin {
    pub fn from_public_url(public_url: &str) -> AppOrigin {
        let after_scheme = public_url.find("://").map_or(0, |i| i + 3);
        let end = public_url[after_scheme..].find('/').map_or(public_url.len(), |i| after_scheme + i);
        AppOrigin(public_url[..end].to_ascii_lowercase())
    }

    /// Whether a request with these headers comes from this app's own pages.
    pub fn is_same_origin(&self, headers: &HeaderMap) -> bool {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if let Some(origin) = header("origin") {
            return origin.eq_ignore_ascii_case(&self.0);
        }
        if let Some(site) = header("sec-fetch-site") {
            return site == "same-origin";
        }
        header("referer").is_some_and(|referer| {
            referer.len() > self.0.len()
                && referer[..self.0.len()].eq_ignore_ascii_case(&self.0)
                && referer.as_bytes()[self.0.len()] == b'/'
        })
    }
}

/// Paths whose requests are authenticated by other means than the browser session.
const EXEMPT_PREFIXES: &[&str] = &["/webhooks/", "/auth/backchannel-logout"];

pub async fn refuse_cross_site(State(origin): State<AppOrigin>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE);
    let exempt = EXEMPT_PREFIXES.iter().any(|prefix| request.uri().path().starts_with(prefix));
    if safe || exempt || origin.is_same_origin(request.headers()) {
        return next.run(request).await;
    }
    tracing::warn!(
        path = %request.uri().path(),
        origin = ?request.headers().get(header::ORIGIN),
        "refused a state-changing request from another site"
    );
    refused()
}

fn refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        Html(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Request refused</title></head>\
             <body><main><h1>Request refused</h1><p>This request did not come from this site's own pages, \
             so nothing was changed. Go back, reload the page and try again.</p><p><a href=\"/\">Home</a></p>\
             </main></body></html>",
        ),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn the_origin_is_scheme_host_and_port() {
        assert_eq!(
            AppOrigin::from_public_url("https://shop.example.com/app"),
            AppOrigin("https://shop.example.com".into())
        );
        assert_eq!(
            AppOrigin::from_public_url("http://127.0.0.1:3000"),
            AppOrigin("http://127.0.0.1:3000".into())
        );
    }

    #[test]
    fn requests_from_the_apps_pages_pass() {
        let app = AppOrigin::from_public_url("https://shop.example.com");
        assert!(app.is_same_origin(&headers(&[("origin", "https://shop.example.com")])));
        assert!(app.is_same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(app.is_same_origin(&headers(&[("referer", "https://shop.example.com/orders?page=2")])));
    }

    #[test]
    fn requests_from_elsewhere_or_nowhere_are_refused() {
        let app = AppOrigin::from_public_url("https://shop.example.com");
        for forged in [
            headers(&[("origin", "https://evil.example")]),
            headers(&[("origin", "null")]),
            headers(&[("origin", "https://shop.example.com.evil.example")]),
            // Origin wins over a same-origin referer.
            headers(&[("origin", "https://evil.example"), ("referer", "https://shop.example.com/")]),
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[("sec-fetch-site", "same-site")]),
            headers(&[("referer", "https://shop.example.com.evil.example/")]),
            headers(&[("referer", "https://evil.example/https://shop.example.com/")]),
            headers(&[]),
        ] {
            assert!(!app.is_same_origin(&forged), "{forged:?} passed");
        }
    }
}
