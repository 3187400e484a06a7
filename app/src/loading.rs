//! The data a page loads: fetched on the server while it renders, handed to the browser in the
//! page as JSON, and read back there when the page hydrates.

use std::future::Future;

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};

/// The JSON of a page's data, read back in the browser with the same `serde_json` entry point
/// (`from_slice`) as a server function's answer. Leptos' default codec reads with `from_str`:
/// every type crossing the wire would then carry two copies of its JSON reader in the wasm.
pub struct PageJson;

impl<T: Serialize> Encoder<T> for PageJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for PageJson {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(json: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(json.as_bytes())
    }
}

/// Data a page loads, loaded again whenever `source` changes.
pub type PageData<T> = Resource<T, PageJson>;

/// Loads `fetch(source())` for the page, again whenever `source` changes.
#[track_caller]
pub fn load<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetch: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> PageData<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetch, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Page {
        name: String,
        rows: Vec<u32>,
    }

    #[test]
    fn page_data_reads_back_what_the_server_wrote() {
        let page = Page { name: "Émile's <store> \"&\"".into(), rows: vec![1, 2, 3] };
        let json = <PageJson as Encoder<Page>>::encode(&page).unwrap();
        assert_eq!(<PageJson as Decoder<Page>>::decode(&json).unwrap(), page);
    }

    #[test]
    fn page_data_that_is_not_the_type_is_an_error() {
        assert!(<PageJson as Decoder<Page>>::decode(r#"{"name":"x"}"#).is_err());
    }
}
