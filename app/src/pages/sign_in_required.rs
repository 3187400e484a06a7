use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::TopBar;

/// Shown instead of a store page to someone who is not signed in (any more).
#[component]
pub fn SignInRequired() -> impl IntoView {
    view! {
        <Title text="Please sign in"/>
        <TopBar/>
        <main class="mx-auto max-w-5xl px-4 py-12">
            <h1 class="text-2xl font-semibold">"Please sign in"</h1>
            <p class="mt-2 text-slate-600">"Your session has ended, or you have not signed in yet."</p>
            <a href="/login" class="mt-6 inline-block rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700">"Sign in"</a>
        </main>
    }
}
