use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::TopBar;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <TopBar/>
        <main class="mx-auto max-w-5xl px-4 py-12">
            <h1 class="text-2xl font-semibold">"Page not found"</h1>
            <p class="mt-2 text-slate-600">"There is nothing here, or it is not yours to see."</p>
            <a class="mt-6 inline-block text-indigo-700 underline" href="/">"Back to the home page"</a>
        </main>
    }
}
