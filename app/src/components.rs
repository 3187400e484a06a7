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
                {store_name.is_some().then(|| view! {
                    <nav aria-label="Store" class="flex gap-4 text-sm">
                        <a href="/" class="text-slate-700 hover:text-indigo-700">"Overview"</a>
                        <a href="/orders" class="text-slate-700 hover:text-indigo-700">"Orders"</a>
                    </nav>
                })}
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

/// An order's status as a coloured label.
#[component]
pub fn StatusBadge(status: String) -> impl IntoView {
    let colours = match status.as_str() {
        "paid" | "delivered" => "bg-emerald-50 text-emerald-800 ring-emerald-200",
        "shipped" => "bg-sky-50 text-sky-800 ring-sky-200",
        "cancelled" | "refunded" => "bg-slate-100 text-slate-700 ring-slate-300",
        _ => "bg-amber-50 text-amber-800 ring-amber-200",
    };
    let mut label = status.clone();
    if let Some(first) = label.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    view! {
        <span class=format!("inline-block rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {colours}")>
            {label}
        </span>
    }
}
