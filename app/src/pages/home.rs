//! `/`: the signed-in store's home with its live figures, or a welcome with the way in.

use crate::loading::load;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{problem_page, LoadingPage, Notice, StatusBadge, TopBar};
use crate::error::AppError;
use crate::figures::{get_store_overview, DayRevenue, Period, StoreOverview, TopProduct};
use crate::format;
use crate::orders::OrderSummary;
use crate::site::{get_site_info, DemoLogin, PlanInfo, SiteInfo};

#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    let period = move || {
        query.with(|q| q.get("period").and_then(|p| Period::from_query_value(&p))).unwrap_or_default()
    };
    let overview = load(period, get_store_overview);
    // Created here, not inside the welcome view: resources made while a Suspend renders on the
    // server can be missed by the renderer, and the page then never finishes.
    let info = load(|| (), |_| get_site_info());

    view! {
        <Suspense fallback=LoadingPage>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => {
                        let greeting = query.with_untracked(|q| {
                            if q.get("joined").is_some() {
                                Some(format!("Welcome to {}.", overview.store_name))
                            } else {
                                match q.get("welcome").as_deref() {
                                    Some("ready") => Some("Your store is ready.".to_owned()),
                                    Some("free") => Some("Your store is ready on the Free plan: payments are not set up on this server.".to_owned()),
                                    _ => None,
                                }
                            }
                        });
                        view! { <StoreHome overview greeting/> }.into_any()
                    }
                    Err(AppError::SignedOut) => {
                        let info: SiteInfo = info.await.unwrap_or_default();
                        let deleted = query.with_untracked(|q| q.get("deleted").is_some());
                        view! { <Welcome demo_login=info.demo_login plans=info.plans deleted/> }.into_any()
                    }
                    Err(error) => problem_page(error, "Overview"),
                }
            })}
        </Suspense>
    }
}

#[component]
fn StoreHome(overview: StoreOverview, greeting: Option<String>) -> impl IntoView {
    let currency = overview.currency.clone();
    view! {
        <Title text=overview.store_name.clone()/>
        <TopBar store_name=overview.store_name.clone()/>
        <main class="mx-auto max-w-5xl px-4 py-8">
            {greeting.map(|message| view! { <div class="mb-4"><Notice message/></div> })}
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
            <section aria-labelledby="chart-heading" class="mt-6 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
                <div class="flex flex-wrap items-baseline justify-between gap-2">
                    <h2 id="chart-heading" class="font-medium">"Revenue per day"</h2>
                    <p class="text-xs text-slate-500">{format!("Days in {}", overview.time_zone)}</p>
                </div>
                <RevenueChart days=overview.revenue_per_day.clone() currency=currency.clone()/>
            </section>
            <div class="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-2">
                <TopProducts products=overview.top_products.clone() currency=currency.clone()/>
                <RecentOrders orders=overview.recent_orders.clone() currency=currency.clone()/>
            </div>
        </main>
    }
}

/// Bars of revenue per day, drawn on the server. Screen readers get a summary and a table.
#[component]
fn RevenueChart(days: Vec<DayRevenue>, currency: String) -> impl IntoView {
    const WIDTH: f64 = 600.0;
    const HEIGHT: f64 = 160.0;
    let max = days.iter().map(|d| d.revenue_cents).max().unwrap_or(0);
    let total: i64 = days.iter().map(|d| d.revenue_cents).sum();
    if max == 0 {
        return view! {
            <p class="mt-4 rounded-md border border-dashed border-slate-300 p-6 text-center text-sm text-slate-600" data-testid="chart-empty">
                "No sales in this period yet."
            </p>
        }
        .into_any();
    }
    let best = days.iter().max_by_key(|d| d.revenue_cents).map(|d| d.day).expect("days is not empty");
    let summary = format!(
        "Revenue per day over {} days: {} in all, the most on {} ({}).",
        days.len(),
        format::money(total, &currency),
        best,
        format::money(max, &currency)
    );
    let slot = WIDTH / days.len() as f64;
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let height = (day.revenue_cents as f64 / max as f64 * (HEIGHT - 4.0))
                .max(if day.revenue_cents > 0 { 1.0 } else { 0.0 });
            let label = format!("{}: {}", day.day, format::money(day.revenue_cents, &currency));
            view! {
                <rect x=svg_length(i as f64 * slot + slot * 0.1) y=svg_length(HEIGHT - height)
                    width=svg_length(slot * 0.8) height=svg_length(height) class="fill-indigo-500">
                    <title>{label}</title>
                </rect>
            }
        })
        .collect_view();
    let first = days.first().map(|d| d.day.format("%b %-d").to_string()).unwrap_or_default();
    let last = days.last().map(|d| d.day.format("%b %-d").to_string()).unwrap_or_default();
    view! {
        <figure class="mt-4">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none" role="img" aria-label=summary.clone()
                class="h-40 w-full" data-testid="revenue-chart" data-days=days.len().to_string()>
                {bars}
            </svg>
            <figcaption class="mt-1 flex justify-between text-xs text-slate-500" aria-hidden="true">
                <span>{first}</span><span>{last}</span>
            </figcaption>
            // Inside a div: a table does not shrink to sr-only's 1px and would widen the page.
            <div class="sr-only">
            <table>
                <caption>{summary}</caption>
                <thead><tr><th scope="col">"Day"</th><th scope="col">"Revenue"</th></tr></thead>
                <tbody>
                    {days.iter().map(|d| view! {
                        <tr><td>{d.day.to_string()}</td><td>{format::money(d.revenue_cents, &currency)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </figure>
    }
    .into_any()
}

/// A length in the chart's coordinates, to the hundredth: printed as integers, because a
/// float's precision formatting costs several times as much and the chart has four a day.
fn svg_length(length: f64) -> String {
    let hundredths = (length.max(0.0) * 100.0).round() as u64;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

#[component]
fn TopProducts(products: Vec<TopProduct>, currency: String) -> impl IntoView {
    view! {
        <section aria-labelledby="top-heading" class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <h2 id="top-heading" class="font-medium">"Top products"</h2>
            {if products.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-600">"No products sold in this period."</p> }.into_any()
            } else {
                view! {
                    <table class="mt-3 w-full text-sm" data-testid="top-products">
                        <thead class="text-left text-slate-500">
                            <tr><th scope="col" class="py-1 font-normal">"Product"</th><th scope="col" class="py-1 text-right font-normal">"Units"</th><th scope="col" class="py-1 text-right font-normal">"Revenue"</th></tr>
                        </thead>
                        <tbody class="divide-y divide-slate-100">
                            {products.into_iter().map(|p| view! {
                                <tr>
                                    <td class="py-1.5">{p.name}</td>
                                    <td class="py-1.5 text-right tabular-nums">{format::count(p.units)}</td>
                                    <td class="py-1.5 text-right tabular-nums">{format::money(p.revenue_cents, &currency)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn RecentOrders(orders: Vec<OrderSummary>, currency: String) -> impl IntoView {
    view! {
        <section aria-labelledby="recent-heading" class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <div class="flex items-baseline justify-between">
                <h2 id="recent-heading" class="font-medium">"Recent orders"</h2>
                <a href="/orders" class="text-sm text-indigo-700 hover:underline">"All orders"</a>
            </div>
            {if orders.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-600">"No orders yet. They will appear here as customers buy."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-3 divide-y divide-slate-100 text-sm" data-testid="recent-orders">
                        {orders.into_iter().map(|o| view! {
                            <li class="flex items-center justify-between gap-2 py-1.5">
                                <a href=format!("/orders/{}", o.id) class="text-indigo-700 hover:underline">{format!("#{}", o.number)}</a>
                                <span class="flex-1 truncate">{o.customer_name}</span>
                                <StatusBadge status=o.status/>
                                <span class="tabular-nums">{format::money(o.total_cents, &currency)}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Figure(label: &'static str, value: String, note: &'static str) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <dt class="text-sm text-slate-500">{label}</dt>
            <dd class="mt-1 text-2xl font-semibold tabular-nums" data-testid=format!("figure-{}", label.to_lowercase().replace(' ', "-"))>{value}</dd>
            <dd class="mt-1 text-xs text-slate-500">{note}</dd>
        </div>
    }
}

/// Plain links: each period is a page of its own, with or without JavaScript.
#[component]
fn PeriodPicker(current: Period) -> impl IntoView {
    view! {
        <nav aria-label="Period" class="flex rounded-md border border-slate-300 bg-white text-sm">
            {Period::ALL.into_iter().map(|period| {
                let is_current = period == current;
                view! {
                    <a
                        href=format!("/?period={}", period.query_value())
                        aria-current=is_current.then_some("page")
                        class=if is_current {
                            "px-3 py-1.5 bg-indigo-600 text-white first:rounded-l-md last:rounded-r-md"
                        } else {
                            "px-3 py-1.5 hover:bg-slate-100 first:rounded-l-md last:rounded-r-md"
                        }
                    >
                        {period.label()}
                    </a>
                }
            }).collect_view()}
        </nav>
    }
}

#[component]
fn Welcome(demo_login: Option<DemoLogin>, plans: Vec<PlanInfo>, deleted: bool) -> impl IntoView {
    view! {
        <Title text="Welcome"/>
        <TopBar/>
        <main class="mx-auto max-w-5xl px-4 py-12">
            {deleted.then(|| view! { <div class="mb-6"><Notice message="The store and all its data were deleted. You are signed out."/></div> })}
            <h1 class="text-3xl font-semibold">"Run your store from one place"</h1>
            <p class="mt-3 max-w-prose text-slate-600">
                "Products, customers, orders and the figures that matter, for you and your team."
            </p>
            <a href="/login" class="mt-6 inline-block rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 focus:outline-none focus:ring-2 focus:ring-indigo-500 focus:ring-offset-2">
                "Sign in"
            </a>
            <a href="/signup" class="ml-3 mt-6 inline-block rounded-md border border-indigo-600 px-4 py-2 font-medium text-indigo-700 hover:bg-indigo-50 focus:outline-none focus:ring-2 focus:ring-indigo-500 focus:ring-offset-2">
                "Start your store"
            </a>
            <section aria-labelledby="plans-heading" class="mt-10">
                <h2 id="plans-heading" class="text-xl font-semibold">"Plans"</h2>
                <ul class="mt-4 grid gap-4 sm:grid-cols-3" data-testid="plans">
                    {plans.into_iter().map(|plan| view! {
                        <li class="flex flex-col rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
                            <h3 class="text-lg font-medium">{plan.name.clone()}</h3>
                            <p class="mt-1 text-2xl font-semibold">{crate::pages::signup::price(&plan)}</p>
                            <p class="mt-2 flex-1 text-sm text-slate-600">{crate::pages::signup::limits(&plan)}</p>
                            <a href=format!("/signup?plan={}", plan.id) class="mt-4 rounded-md bg-indigo-600 px-3 py-2 text-center text-sm font-medium text-white hover:bg-indigo-700">
                                {format!("Start on {}", plan.name)}
                            </a>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
            {demo_login.map(|demo| view! {
                        <aside class="mt-8 max-w-md rounded-lg border border-amber-200 bg-amber-50 p-4" data-testid="demo-login">
                            <h2 class="font-medium">"Demo store"</h2>
                            <p class="mt-1 text-sm text-slate-700">"This installation holds a demo store. Sign in with:"</p>
                            <dl class="mt-2 grid grid-cols-[auto_1fr] gap-x-3 text-sm">
                                <dt class="text-slate-500">"Email"</dt><dd><code>{demo.email}</code></dd>
                                <dt class="text-slate-500">"Password"</dt><dd><code>{demo.password}</code></dd>
                            </dl>
                        </aside>
            })}
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::svg_length;

    #[test]
    fn chart_lengths_print_to_the_hundredth_as_float_formatting_would() {
        for length in [0.0, 0.004, 0.005, 1.0, 2.5, 15.999, 156.0, 159.995, 599.9] {
            assert_eq!(svg_length(length), format!("{length:.2}"), "{length}");
        }
    }
}
