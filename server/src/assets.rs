//! The compiled site under `/pkg/`: the browser's script (islands and forms), its wasm and the
//! stylesheet.
//!
//! `build_site` (scripts/lib.sh) names the three files by a hash of their content
//! (`storefront.<hash>.js`, `…_bg.wasm`, `….css`), writes that name to `pkg/output-name`, and
//! makes a brotli and a gzip copy of each. So a browser may keep them for a year without asking
//! again (a new build has new names), and gets the smallest copy it can read, made once at build
//! time rather than on every request. They are served apart from the pages: no session, no
//! store, nothing per person.

use std::path::{Path, PathBuf};

use app::state::AppState;
use app::SITE_NAME;
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;
use tower::ServiceBuilder;
use tower_http::services::ServeDir;

/// Where the site's files are served.
pub const PREFIX: &str = "/pkg";

/// The file, next to the built site, that names it.
const NAME_FILE: &str = "output-name";

/// A year, and never revalidated: the names change with the content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The name `build_site` gave the site's files: `storefront.<hash>`. A site without one (built
/// by hand, or none at all, as in the server's own tests) keeps the plain name, and its files
/// are then revalidated on every use instead of kept.
pub fn output_name(site_root: &str) -> String {
    let file = pkg_dir(site_root).join(NAME_FILE);
    match std::fs::read_to_string(&file) {
        Ok(name) if is_hashed_name(name.trim()) => name.trim().to_owned(),
        Ok(name) => {
            tracing::warn!(file = %file.display(), name = name.trim(), "the site's name is not storefront.<hash>: ignored");
            SITE_NAME.to_owned()
        }
        Err(_) => SITE_NAME.to_owned(),
    }
}

/// `storefront.` and 16 to 64 lower-case hex digits: a name that is safe in a URL and a path.
fn is_hashed_name(name: &str) -> bool {
    name.strip_prefix(SITE_NAME).and_then(|rest| rest.strip_prefix('.')).is_some_and(|hash| {
        (16..=64).contains(&hash.len()) && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

fn pkg_dir(site_root: &str) -> PathBuf {
    Path::new(site_root).join("pkg")
}

/// The `/pkg/` routes for the site named `output_name`: the files, or their precompressed copies
/// when the browser accepts them.
pub fn router(site_root: &str, output_name: &str) -> Router<AppState> {
    let cache = HeaderValue::from_static(if is_hashed_name(output_name) { IMMUTABLE } else { "no-cache" });
    let files = ServiceBuilder::new()
        .map_response(move |mut response: Response<_>| {
            if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
                let headers = response.headers_mut();
                headers.insert(header::CACHE_CONTROL, cache.clone());
                // The same URL answers with brotli, gzip or neither: caches must key on it.
                headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            }
            response
        })
        .service(ServeDir::new(pkg_dir(site_root)).precompressed_br().precompressed_gzip());
    Router::new().nest_service(PREFIX, files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_plain_hash_names_the_site() {
        assert!(is_hashed_name("storefront.0123456789abcdef"));
        assert!(!is_hashed_name("storefront"));
        assert!(!is_hashed_name("storefront.0123"));
        assert!(!is_hashed_name("storefront.../../etc/passwd"));
        assert!(!is_hashed_name("storefront.0123456789ABCDEF"));
        assert!(!is_hashed_name("other.0123456789abcdef"));
    }
}
