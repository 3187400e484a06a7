//! The admin panel: `/admin` (the platform overview), `/admin/stores` (search, filter, sort,
//! pages) and `/admin/stores/:id` (a store's metadata, staff actions, support sessions).

use crate::loading::load;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::admin::{
    done_message, get_platform_overview, get_store, list_stores, state_label, ActOnStore, OverviewView,
    SignupDay, StaffView, StartSupportSession, StoreDetailView, StoreListView, StoresQuery, CHANGE_PLAN,
    EXTEND_TRIAL, MAX_TRIAL_EXTENSION_DAYS, REACTIVATE, REVOKE_SESSIONS, SORTS, STATES, SUSPEND,
};
use crate::components::{
    problem_page, Column, DataTable, EmptyState, Field, FormAlert, FormFailure, Loading, Notice, SortSelect,
    SubmitButton,
};
use crate::error::AppError;
use crate::format;
use crate::pages::products::{BUTTON, SECONDARY};

const ADMIN_LINKS: [(&str, &str); 2] = [("/admin", "Overview"), ("/admin/stores", "Stores")];

/// The panel's own top bar: no store, the staff member and their role (`None` while the page
/// loads).
#[component]
fn AdminBar(staff: Option<StaffView>) -> impl IntoView {
    view! {
        <header class="border-b border-slate-800 bg-slate-900 text-white">
            <div class="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-2 px-4 py-3">
                <a href="/admin" class="text-lg font-semibold">"Storefront admin"</a>
                <nav aria-label="Admin" class="order-last flex w-full gap-4 text-sm sm:order-none sm:w-auto">
                    {ADMIN_LINKS.into_iter().map(|(href, label)| view! {
                        <a href=href class="whitespace-nowrap py-1 text-slate-200 hover:text-white">{label}</a>
                    }).collect_view()}
                </nav>
                {staff.map(|staff| view! {
                    <div class="flex items-center gap-3 text-sm">
                        <span data-testid="staff">{staff.email}" · "{staff.role}</span>
                        <form method="post" action="/logout">
                            <button type="submit" class="rounded-md border border-slate-500 px-3 py-1.5 hover:bg-slate-800 focus:outline-none focus:ring-2 focus:ring-indigo-400">
                                "Sign out"
                            </button>
                        </form>
                    </div>
                })}
            </div>
        </header>
    }
    .into_any()
}

/// An admin page's frame while its data loads.
#[component]
fn AdminLoading() -> impl IntoView {
    view! { <AdminBar staff=None/><main class="mx-auto max-w-6xl px-4 py-8"><Loading/></main> }
}

/// An admin page's frame: the bar, the title, and the page's data or why it is missing.
fn admin_problem(error: AppError, title: &'static str) -> AnyView {
    match error {
        AppError::NotStaff => view! {
            <main class="mx-auto max-w-xl px-4 py-16">
                <h1 class="text-2xl font-semibold">{title}</h1>
                <p role="alert" class="mt-4 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">{error.to_string()}</p>
                <a class="mt-4 inline-block text-indigo-700 underline" href="/">"Back to your store"</a>
            </main>
        }
        .into_any(),
        error => problem_page(error, title),
    }
}

#[component]
pub fn AdminOverviewPage() -> impl IntoView {
    let overview = load(|| (), |_| get_platform_overview());
    view! {
        <Title text="Admin"/>
        <Suspense fallback=AdminLoading>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <OverviewBody overview/> }.into_any(),
                    Err(error) => admin_problem(error, "Platform overview"),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OverviewBody(overview: OverviewView) -> impl IntoView {
    let total: i64 = overview.by_state.iter().map(|c| c.stores).sum();
    view! {
        <AdminBar staff=Some(overview.staff.clone())/>
        <main class="mx-auto max-w-6xl px-4 py-8">
            <h1 class="text-2xl font-semibold">"Platform overview"</h1>
            <section aria-labelledby="by-state" class="mt-6">
                <h2 id="by-state" class="text-lg font-semibold">{format!("Stores by state ({})", format::count(total))}</h2>
                <ul class="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6" data-testid="stores-by-state">
                    {overview.by_state.into_iter().map(|c| {
                        let href = format!("/admin/stores?state={}", c.state);
                        view! {
                            <li class="rounded-lg border border-slate-200 bg-white p-3">
                                <a href=href class="block">
                                    <span class="block text-sm text-slate-600">{state_label(&c.state)}</span>
                                    <span class="block text-xl font-semibold tabular-nums">{format::count(c.stores)}</span>
                                </a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
            <div class="mt-8 grid gap-6 lg:grid-cols-3">
                <section aria-labelledby="signups" class="rounded-lg border border-slate-200 bg-white p-4 lg:col-span-2">
                    <h2 id="signups" class="text-lg font-semibold">"Signups per day, last 30 days"</h2>
                    <SignupChart days=overview.signups/>
                </section>
                <section aria-labelledby="mrr" class="rounded-lg border border-slate-200 bg-white p-4">
                    <h2 id="mrr" class="text-lg font-semibold">"Monthly recurring revenue"</h2>
                    <p class="mt-1 text-sm text-slate-600">"Estimated from plan prices of active and past-due subscriptions."</p>
                    {if overview.revenue.is_empty() {
                        view! { <p class="mt-3 text-xl font-semibold" data-testid="mrr">"None yet"</p> }.into_any()
                    } else {
                        view! {
                            <ul class="mt-3 space-y-1" data-testid="mrr">
                                {overview.revenue.into_iter().map(|r| view! { <li class="text-xl font-semibold tabular-nums">{r}</li> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
            </div>
            <section aria-labelledby="failed" class="mt-8">
                <h2 id="failed" class="text-lg font-semibold">
                    {format!("Failed payments ({})", format::count(overview.failed_payment_stores))}
                </h2>
                {if overview.failed_payments.is_empty() {
                    view! { <EmptyState message="No store has an unsettled failed payment."/> }.into_any()
                } else {
                    view! {
                        <ul class="mt-3 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white" data-testid="failed-payments">
                            {overview.failed_payments.into_iter().map(|f| view! {
                                <li class="flex flex-wrap justify-between gap-2 px-4 py-2 text-sm">
                                    <a href=format!("/admin/stores/{}", f.tenant_id) class="font-medium text-indigo-700 hover:underline">{f.name}</a>
                                    <span class="text-slate-600">{f.failed_at}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </main>
    }
    .into_any()
}

/// Bars of new stores per day, with the figures in a table for screen readers.
#[component]
fn SignupChart(days: Vec<SignupDay>) -> impl IntoView {
    let most = days.iter().map(|d| d.stores).max().unwrap_or(0).max(1);
    let width = 10 * days.len();
    view! {
        <svg viewBox=format!("0 0 {width} 100") preserveAspectRatio="none" class="mt-3 h-40 w-full" aria-hidden="true">
            {days.iter().enumerate().map(|(i, d)| {
                let height = (d.stores * 100 / most) as f64;
                view! {
                    <rect x=(i * 10 + 1).to_string() y=format!("{:.1}", 100.0 - height) width="8" height=format!("{height:.1}") class="fill-indigo-500">
                        <title>{format!("{}: {}", d.day, d.stores)}</title>
                    </rect>
                }
            }).collect_view()}
        </svg>
        <table class="sr-only" data-testid="signups">
            <caption>"New stores per day"</caption>
            <thead><tr><th scope="col">"Day"</th><th scope="col">"New stores"</th></tr></thead>
            <tbody>
                {days.into_iter().map(|d| view! { <tr><td>{d.day}</td><td>{d.stores}</td></tr> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn AdminStoresPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = move || {
        query_map.with(|q| StoresQuery {
            q: q.get("q").unwrap_or_default(),
            state: q.get("state").unwrap_or_default(),
            plan: q.get("plan").unwrap_or_default(),
            sort: q.get("sort").unwrap_or_default(),
            after: q.get("after").unwrap_or_default(),
            before: q.get("before").unwrap_or_default(),
        })
    };
    let stores = load(query, list_stores);
    view! {
        <Title text="Stores · Admin"/>
        <Suspense fallback=AdminLoading>
            {move || Suspend::new(async move {
                match stores.await {
                    Ok(list) => view! { <StoresBody list query=query()/> }.into_any(),
                    Err(error) => admin_problem(error, "Stores"),
                }
            })}
        </Suspense>
    }
}

const INPUT: &str = "mt-1 w-full rounded-md border border-slate-300 px-3 py-1.5";

#[component]
fn StoresBody(list: StoreListView, query: StoresQuery) -> impl IntoView {
    let filtered = !query.q.trim().is_empty() || !query.state.is_empty() || !query.plan.is_empty();
    let previous = list.previous.clone().map(|cursor| query.href("", &cursor));
    let next = list.next.clone().map(|cursor| query.href(&cursor, ""));
    let plans = list.plans.clone();
    view! {
        <AdminBar staff=Some(list.staff.clone())/>
        <main class="mx-auto max-w-6xl px-4 py-8">
            <h1 class="text-2xl font-semibold">"Stores"</h1>
            <form method="get" action="/admin/stores" role="search" aria-label="Search stores"
                class="mt-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-5 lg:items-end">
                <div class="lg:col-span-2">
                    <label for="q" class="block text-sm font-medium">"Name, slug or owner email"</label>
                    <input id="q" name="q" type="search" maxlength=field_limits::SEARCH value=query.q.clone() class=INPUT/>
                </div>
                <div>
                    <label for="state" class="block text-sm font-medium">"State"</label>
                    <select id="state" name="state" class=INPUT>
                        <option value="" selected=query.state.is_empty()>"Any state"</option>
                        {STATES.into_iter().map(|(value, label)| view! {
                            <option value=value selected=query.state == value>{label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="plan" class="block text-sm font-medium">"Plan"</label>
                    <select id="plan" name="plan" class=INPUT>
                        <option value="" selected=query.plan.is_empty()>"Any plan"</option>
                        {plans.into_iter().map(|(id, name)| {
                            let selected = query.plan == id;
                            view! { <option value=id selected=selected>{name}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <SortSelect sorts=&SORTS current=query.sort.clone() default="newest"/>
                <div class="flex gap-2 sm:col-span-2 lg:col-span-5">
                    <button type="submit" class=BUTTON>"Search"</button>
                    {filtered.then(|| view! { <a href="/admin/stores" class=SECONDARY>"Clear"</a> })}
                </div>
            </form>
            <p class="mt-4 text-sm text-slate-600" data-testid="matching" aria-live="polite">{list.matching.clone()}</p>
            {if list.stores.is_empty() {
                view! {
                    <EmptyState message=if filtered { "No store matches this search." } else { "No stores yet." }/>
                }.into_any()
            } else {
                view! {
                    <DataTable testid="stores" caption="Stores" spacing="mt-2" columns=&[Column::Text("Store"), Column::Text("Owner"), Column::Text("Plan"), Column::Text("State"), Column::Text("Created")]>
                        {list.stores.into_iter().map(|s| view! {
                            <tr>
                                <td class="px-4 py-2">
                                    <a href=format!("/admin/stores/{}", s.id) class="font-medium text-indigo-700 hover:underline">{s.name}</a>
                                    <span class="block text-xs text-slate-500">{s.slug}</span>
                                </td>
                                <td class="px-4 py-2 text-slate-600">{s.owner_email.unwrap_or_else(|| "—".into())}</td>
                                <td class="px-4 py-2">{s.plan}</td>
                                <td class="px-4 py-2">{state_label(&s.state)}</td>
                                <td class="px-4 py-2 whitespace-nowrap text-slate-600">{s.created}</td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
                }.into_any()
            }}
            <nav aria-label="Pages" class="mt-4 flex justify-between gap-2">
                {previous.map(|href| view! { <a href=href rel="prev" class=SECONDARY>"Previous"</a> })}
                <span></span>
                {next.map(|href| view! { <a href=href rel="next" class=SECONDARY>"Next"</a> })}
            </nav>
        </main>
    }
    .into_any()
}

#[component]
pub fn AdminStorePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    // Each action form has its own server action (its own errors); a success comes back here,
    // the store read afresh, with `?done=<action>` to say what was done.
    let query = use_query_map();
    let done = move || query.with(|q| q.get("done"));
    let support = ServerAction::<StartSupportSession>::new();
    let store = load(id, |id| async move {
        match id {
            Some(id) => get_store(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Title text="Store · Admin"/>
        <Suspense fallback=AdminLoading>
            {move || Suspend::new(async move {
                match store.await {
                    Ok(store) => {
                        let done = done().and_then(|action| done_message(&action, store.trial_ends_at.as_deref()));
                        view! { <StoreBody store support done/> }.into_any()
                    }
                    Err(error) => admin_problem(error, "Store"),
                }
            })}
        </Suspense>
    }
}

fn fact(label: &'static str, value: Option<String>) -> impl IntoView {
    view! {
        <div class="py-1 sm:grid sm:grid-cols-3 sm:gap-2">
            <dt class="text-sm text-slate-600">{label}</dt>
            <dd class="text-sm font-medium sm:col-span-2 break-all">{value.unwrap_or_else(|| "—".into())}</dd>
        </div>
    }
}

#[component]
fn StoreBody(
    store: StoreDetailView,
    support: ServerAction<StartSupportSession>,
    /// What the last staff action did, when the page follows one.
    done: Option<String>,
) -> impl IntoView {
    let may_manage = store.staff.may_manage;
    let id = store.id;
    let suspended = store.state == "suspended";
    let on_trial = store.state == "trialing";
    let members = store.members.clone();
    let support_form = FormFailure::of(support);
    view! {
        <AdminBar staff=Some(store.staff.clone())/>
        <main class="mx-auto max-w-6xl px-4 py-8">
            <a href="/admin/stores" class="text-sm text-indigo-700 hover:underline">"← All stores"</a>
            <h1 class="mt-2 text-2xl font-semibold" data-testid="store-title">{store.name.clone()}</h1>
            <p class="text-sm text-slate-600" data-testid="store-state">{state_label(&store.state)}</p>
            {done.map(|message| view! { <div class="mt-4"><Notice message/></div> })}
            <div class="mt-6 grid gap-6 lg:grid-cols-2">
                <section aria-labelledby="facts" class="rounded-lg border border-slate-200 bg-white p-4">
                    <h2 id="facts" class="text-lg font-semibold">"Store"</h2>
                    <dl class="mt-2 divide-y divide-slate-100" data-testid="store-facts">
                        {fact("Slug", Some(store.slug.clone()))}
                        {fact("Plan", Some(store.plan.clone()))}
                        {fact("Subscription", store.billing_status.clone())}
                        {fact("Stripe customer", store.stripe_customer_id.clone())}
                        {fact("Stripe subscription", store.stripe_subscription_id.clone())}
                        {fact("Current period ends", store.current_period_end.clone())}
                        {fact("Trial ends", store.trial_ends_at.clone())}
                        {fact("Last failed payment", store.payment_failed_at.clone())}
                        {fact("Created", Some(store.created.clone()))}
                        {fact("Products", Some(format::count(store.products)))}
                        {fact("Orders", Some(format::count(store.orders)))}
                    </dl>
                </section>
                <section aria-labelledby="members" class="rounded-lg border border-slate-200 bg-white p-4">
                    <h2 id="members" class="text-lg font-semibold">"Members"</h2>
                    <ul class="mt-2 divide-y divide-slate-100" data-testid="members">
                        {members.into_iter().map(|m| {
                            let label = format!("End {}'s sessions", m.email);
                            view! {
                                <li class="py-2 text-sm">
                                    <div class="flex flex-wrap justify-between gap-2">
                                        <span class="font-medium">{m.email.clone()}</span>
                                        <span class="text-slate-600">{m.role}" · joined "{m.joined}</span>
                                    </div>
                                    {may_manage.then(|| view! {
                                        <details class="mt-1">
                                            <summary class="cursor-pointer text-indigo-700">{label.clone()}</summary>
                                            <ActionConfirm id action=REVOKE_SESSIONS account_id=Some(m.account_id)
                                                confirm_label="They must sign in again on every device." submit="End their sessions"/>
                                        </details>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            </div>
            <section aria-labelledby="support" class="mt-6 rounded-lg border border-slate-200 bg-white p-4">
                <h2 id="support" class="text-lg font-semibold">"Support session"</h2>
                <p class="mt-1 text-sm text-slate-600">
                    "Read this store's products, customers and orders for 30 minutes, read-only. The store's owners see it in their audit log."
                </p>
                <ActionForm action=support attr:class="mt-3 space-y-3">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <FormAlert failure=support_form.error()/>
                    <ReasonField id="support-reason".into() value=support_form.typed("reason")/>
                    <SubmitButton label="Open a support session" pending=support.pending()/>
                </ActionForm>
            </section>
            {may_manage.then(|| view! {
                <section aria-labelledby="actions" class="mt-6 rounded-lg border border-slate-200 bg-white p-4">
                    <h2 id="actions" class="text-lg font-semibold">{if suspended { "Reactivate" } else { "Suspend" }}</h2>
                    {if suspended {
                        view! {
                            <ActionConfirm id action=REACTIVATE account_id=None
                                confirm_label="Reopen this store as far as its subscription allows." submit="Reactivate the store"/>
                        }.into_any()
                    } else {
                        view! {
                            <ActionConfirm id action=SUSPEND account_id=None
                                confirm_label="Close this store: its members reach only billing until it is reactivated; its data is kept." submit="Suspend the store"/>
                        }.into_any()
                    }}
                </section>
            })}
            {may_manage.then(|| view! {
                <section aria-labelledby="billing-actions" class="mt-6 rounded-lg border border-slate-200 bg-white p-4">
                    <h2 id="billing-actions" class="text-lg font-semibold">"Plan and trial"</h2>
                    <p class="mt-1 text-sm text-slate-600">{if store.stripe_subscription_id.is_some() {
                        "This store pays through Stripe: its subscription there changes first, and nothing changes here if Stripe refuses."
                    } else {
                        "This store has no subscription at Stripe: the change applies here only."
                    }}</p>
                    <details class="mt-3">
                        <summary class="cursor-pointer text-indigo-700">"Change the plan"</summary>
                        <ActionConfirm id action=CHANGE_PLAN account_id=None
                            asks=ActionInput::Plan { current: store.plan.clone(), plans: store.plans.clone() }
                            confirm_label="Move the store to this plan; its limits apply at once." submit="Change the plan"/>
                    </details>
                    {on_trial.then(|| view! {
                        <details class="mt-3">
                            <summary class="cursor-pointer text-indigo-700">"Extend the trial"</summary>
                            <ActionConfirm id action=EXTEND_TRIAL account_id=None asks=ActionInput::Days
                                confirm_label="Give the store these days free of charge." submit="Extend the trial"/>
                        </details>
                    })}
                </section>
            })}
            <section aria-labelledby="audit" class="mt-6">
                <h2 id="audit" class="text-lg font-semibold">"Platform audit log"</h2>
                {if store.audit.is_empty() {
                    view! { <EmptyState message="Staff have not acted on this store."/> }.into_any()
                } else {
                    view! {
                        <ul class="mt-2 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white" data-testid="platform-audit">
                            {store.audit.into_iter().map(|e| view! {
                                <li class="px-4 py-2 text-sm">
                                    <div class="flex flex-wrap justify-between gap-2">
                                        <span class="font-medium">{e.action}</span>
                                        <span class="text-slate-600">{e.when}" · "{e.actor}</span>
                                    </div>
                                    <p class="text-slate-700">{e.reason}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </main>
    }
    .into_any()
}

/// The reason box every staff action and support session asks for, with what was typed
/// before a refusal.
#[component]
fn ReasonField(id: String, value: Option<String>) -> impl IntoView {
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">"Reason"</label>
            <textarea id=id name="reason" required rows="2" maxlength=field_limits::REASON
                class="mt-1 w-full rounded-md border border-slate-300 px-3 py-1.5">{value.unwrap_or_default()}</textarea>
        </div>
    }
}

/// What a staff action's form asks for besides the reason and the confirmation.
#[derive(Clone, Default)]
enum ActionInput {
    #[default]
    Nothing,
    /// Days to add to a trial.
    Days,
    /// Another plan than `current`: `(id, name)` of every plan.
    Plan { current: String, plans: Vec<(String, String)> },
}

/// A staff action's form: a reason and a confirmation box, then the button.
#[component]
fn ActionConfirm(
    id: i64,
    action: &'static str,
    account_id: Option<i64>,
    confirm_label: &'static str,
    submit: &'static str,
    /// What the action asks for besides the reason.
    #[prop(optional)]
    asks: ActionInput,
) -> impl IntoView {
    let act = ServerAction::<ActOnStore>::new();
    let form = FormFailure::of(act);
    let input = match asks {
        ActionInput::Nothing => None,
        ActionInput::Days => Some(
            view! {
                <Field label="Days to add" name="days" kind="number" inputmode="numeric" required=true max_chars=3
                    value=form.typed("days").unwrap_or_else(|| "14".into()) error=form.field("days")
                    hint=format!("From 1 to {MAX_TRIAL_EXTENSION_DAYS}, counted from the trial's current end.")/>
            }
            .into_any(),
        ),
        ActionInput::Plan { current, plans } => {
            let chosen = form.typed("plan");
            Some(
                view! {
                    <div>
                        <label for="field-plan" class="block text-sm font-medium">"New plan"</label>
                        <select id="field-plan" name="plan" required class="mt-1 w-full rounded-md border border-slate-300 px-3 py-1.5">
                            {plans.into_iter().filter(|(plan, _)| *plan != current).map(|(plan, name)| {
                                let selected = chosen.as_deref() == Some(plan.as_str());
                                view! { <option value=plan selected=selected>{name}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                }
                .into_any(),
            )
        }
    };
    let prefix = match account_id {
        Some(account) => format!("{action}-{account}"),
        None => action.to_owned(),
    };
    let confirm_id = format!("{prefix}-confirm");
    view! {
        <ActionForm action=act attr:class="mt-3 space-y-3">
            <input type="hidden" name="id" value=id.to_string()/>
            <input type="hidden" name="action" value=action/>
            {account_id.map(|account| view! { <input type="hidden" name="account_id" value=account.to_string()/> })}
            <FormAlert failure=form.error()/>
            {input}
            <ReasonField id=format!("{prefix}-reason") value=form.typed("reason")/>
            <div class="flex items-start gap-2">
                <input id=confirm_id.clone() name="confirm" type="checkbox" value="yes" required class="mt-1"/>
                <label for=confirm_id class="text-sm">{confirm_label}</label>
            </div>
            <SubmitButton label=submit pending=act.pending()/>
        </ActionForm>
    }
}
