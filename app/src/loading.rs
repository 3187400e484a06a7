//! The data a page loads while the server renders it.
//!
//! Pages render on the server only (islands), so a page's data never travels to the browser: a
//! resource here is awaited by the page's `<Suspense>` and rendered into the HTML, nothing more.

use std::future::Future;

use leptos::prelude::*;

/// Data a page loads.
pub type PageData<T> = Resource<T>;

/// Loads `fetch(source())` for the page.
#[track_caller]
pub fn load<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetch: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> PageData<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new(source, fetch)
}
