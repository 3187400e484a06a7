//! `/`: the signed-in store's home with its live figures, or a welcome with the way in.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::components::{ErrorNotice, Loading, TopBar};
use crate::error::AppError;
use crate::figures::{get_store_overview, Period, StoreOverview};
use crate::format;
use crate::site::{get_site_info, SiteInfo};

#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    let period = move || {
        query.with(|q| q.get("period").and_then(|p| Period::from_query_value(&p))).unwrap_or_default()
    };
    let overview = Resource::new(period, get_store_overview);

    view! {
        <Suspense fallback=|| view! { <TopBar/><main class="mx-auto max-w-5xl px-4 py-8"><Loading/></main> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <StoreHome overview/> }.into_any(),
                    Err(AppError::SignedOut) => view! { <Welcome/> }.into_any(),
                    Err(error) => view! {
                        <TopBar/>
                        <main class="mx-auto max-w-5xl px-4 py-8"><ErrorNotice error/></main>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn StoreHome(overview: StoreOverview) -> impl IntoView {
    let currency = overview.currency.clone();
    view! {
        <Title text=overview.store_name.clone()/>
        <TopBar store_name=overview.store_name.clone()/>
        <main class="mx-auto max-w-5xl px-4 py-8">
            <div class="flex flex-wrap items-end justify-between gap-4">
                <h1 class="text-2xl font-semibold">{overview.store_name.clone()}</h1>
                <PeriodPicker current=overview.period/>
            </div>
            <section aria-labelledby="figures-heading" class="mt-6">
                <h2 id="figures-heading" class="sr-only">"Figures for " {overview.period.label()}</h2>
                <dl class="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4" data-testid="figures" data-period=overview.period.query_value()>
                    <Figure label="Orders" value=format::count(overview.orders) note=overview.period.label()/>
                    <Figure label="Revenue" value=format::money(overview.revenue_cents, &currency) note="Cancelled orders excluded"/>
                    <Figure label="Active products" value=format::count(overview.active_products) note="In the catalogue"/>
                    <Figure label="Customers" value=format::count(overview.customers) note="All time"/>
                </dl>
            </section>
        </main>
    }
}

#[component]
fn Figure(label: &'static str, value: String, note: &'static str) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <dt class="text-sm text-slate-500">{label}</dt>
            <dd class="mt-1 text-2xl font-semibold tabular-nums" data-testid=format!("figure-{}", label.to_lowercase().replace(' ', "-"))>{value}</dd>
            <dd class="mt-1 text-xs text-slate-400">{note}</dd>
        </div>
    }
}

/// Plain links, so the choice works without JavaScript; once hydrated, the router swaps the
/// figures in place without reloading the page.
#[component]
fn PeriodPicker(current: Period) -> impl IntoView {
    view! {
        <nav aria-label="Period" class="flex rounded-md border border-slate-300 bg-white text-sm">
            {Period::ALL.into_iter().map(|period| {
                let is_current = period == current;
                view! {
                    <A
                        href=format!("/?period={}", period.query_value())
                        attr:aria-current=is_current.then_some("page")
                        attr:class=if is_current {
                            "px-3 py-1.5 bg-indigo-600 text-white first:rounded-l-md last:rounded-r-md"
                        } else {
                            "px-3 py-1.5 hover:bg-slate-100 first:rounded-l-md last:rounded-r-md"
                        }
                    >
                        {period.label()}
                    </A>
                }
            }).collect_view()}
        </nav>
    }
}

#[component]
fn Welcome() -> impl IntoView {
    let info = Resource::new(|| (), |_| get_site_info());
    view! {
        <Title text="Welcome"/>
        <TopBar/>
        <main class="mx-auto max-w-5xl px-4 py-12">
            <h1 class="text-3xl font-semibold">"Run your store from one place"</h1>
            <p class="mt-3 max-w-prose text-slate-600">
                "Products, customers, orders and the figures that matter, for you and your team."
            </p>
            <a href="/login" class="mt-6 inline-block rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 focus:outline-none focus:ring-2 focus:ring-indigo-500 focus:ring-offset-2">
                "Sign in"
            </a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    info.await.ok().and_then(|info: SiteInfo| info.demo_login).map(|demo| view! {
                        <aside class="mt-8 max-w-md rounded-lg border border-amber-200 bg-amber-50 p-4" data-testid="demo-login">
                            <h2 class="font-medium">"Demo store"</h2>
                            <p class="mt-1 text-sm text-slate-700">"This installation holds a demo store. Sign in with:"</p>
                            <dl class="mt-2 grid grid-cols-[auto_1fr] gap-x-3 text-sm">
                                <dt class="text-slate-500">"Email"</dt><dd><code>{demo.email}</code></dd>
                                <dt class="text-slate-500">"Password"</dt><dd><code>{demo.password}</code></dd>
                            </dl>
                        </aside>
                    })
                })}
            </Suspense>
        </main>
    }
}
