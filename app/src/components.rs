//! Pieces shared by the pages.

use leptos::prelude::*;

use crate::error::AppError;

/// The top bar: the product's name, and the store's name with a sign-out button when signed in.
#[component]
pub fn TopBar(#[prop(optional, into)] store_name: Option<String>) -> impl IntoView {
    view! {
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-2 px-4 py-3">
                <a href="/" class="text-lg font-semibold text-indigo-700">"Storefront"</a>
                {store_name.map(|name| view! {
                    <div class="flex items-center gap-3">
                        <span class="text-sm font-medium text-slate-700" data-testid="store-name">{name}</span>
                        <a href="/auth/choose-store" class="text-sm text-indigo-700 underline-offset-2 hover:underline">"Your stores"</a>
                        <form method="post" action="/logout">
                            <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-indigo-500">
                                "Sign out"
                            </button>
                        </form>
                    </div>
                })}
            </div>
        </header>
    }
}

/// A failure shown in place of the content it stopped.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    view! {
        <div role="alert" class="rounded-md border border-red-200 bg-red-50 p-4 text-red-800">
            {error.to_string()}
        </div>
    }
}

/// Shown while a page's data loads.
#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <p class="animate-pulse text-slate-500" role="status" aria-live="polite">"Loading…"</p>
    }
}
