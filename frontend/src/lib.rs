//! The browser entry point. Pages are rendered on the server; here the islands (the parts of
//! a page that run in the browser, `#[island]`) come to life, and forms that post to a server
//! function are sent by script (`submissions`).

mod submissions;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    submissions::send_forms_by_script();
    // Marks the page as interactive, for tools (and browser tests) that need to know.
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
