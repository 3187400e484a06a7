//! What list pages share: where a page sits, and links that keep a list's filters.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PagingView {
    pub matching: i64,
    pub page: i64,
    pub pages: i64,
}

#[cfg(feature = "ssr")]
impl From<domain::paging::Paging> for PagingView {
    fn from(p: domain::paging::Paging) -> Self {
        PagingView { matching: p.matching, page: p.page, pages: p.pages }
    }
}

/// `path?key=value&…` with empty values left out and values percent-encoded.
pub fn href(path: &str, params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{key}={}", encode(value)))
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_filters_and_encode_them() {
        assert_eq!(
            href("/products", &[("q", "tote & tray"), ("sort", ""), ("page", "2")]),
            "/products?q=tote%20%26%20tray&page=2"
        );
        assert_eq!(href("/products", &[("q", "")]), "/products");
        assert_eq!(href("/p", &[("q", "café")]), "/p?q=caf%C3%A9");
    }
}
