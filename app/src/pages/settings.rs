//! `/settings` (the store's name, address, currency and time zone) and `/audit` (who changed
//! what, newest first). Owners and admins change settings and read the audit log.

use crate::loading::load;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::{
    EmptyState, Field, FormAlert, FormFailure, Notice, Pager, StorePage, SubmitButton, TopBar,
};
use crate::pages::products::{BUTTON, SECONDARY};
use crate::settings::{
    get_settings, list_audit, AuditList, AuditQuery, DeleteStore, SaveSettings, SettingsPage,
};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let query = use_query_map();
    let save = ServerAction::<SaveSettings>::new();
    let delete = ServerAction::<DeleteStore>::new();
    let page = load(move || save.version().get(), |_| get_settings());
    let saved = move || query.with(|q| q.get("saved").is_some());
    view! {
        <StorePage title="Settings" data=page show=move |page| view! { <SettingsForm page save delete saved=saved()/> }/>
    }
}

#[component]
fn SettingsForm(
    page: SettingsPage,
    save: ServerAction<SaveSettings>,
    delete: ServerAction<DeleteStore>,
    saved: bool,
) -> impl IntoView {
    let store_name = page.name.clone();
    let form = FormFailure::of(save);
    let (failure, field_error) = (form.error(), move |field| form.field(field));
    let initial = |field: &str, stored: &str| form.typed(field).unwrap_or_else(|| stored.to_owned());
    let (name, slug) = (initial("name", &page.name), initial("slug", &page.slug));
    let (currency, time_zone) = (initial("currency", &page.currency), initial("time_zone", &page.time_zone));
    let select = "mt-1 block w-full rounded-md border border-slate-300 px-2 py-2";
    view! {
        <TopBar store_name=page.name.clone()/>
        <main class="mx-auto max-w-2xl px-4 py-8">
            <h1 class="text-2xl font-semibold">"Settings"</h1>
            {saved.then(|| view! { <div class="mt-4"><Notice message="Settings saved."/></div> })}
            {if page.can_manage {
                view! {
                    <ActionForm action=save attr:class="mt-6 space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm" attr:novalidate=true>
                        <FormAlert failure/>
                        <Field label="Store name" name="name" max_chars=field_limits::STORE_NAME required=true error=field_error("name") value=name/>
                        <Field label="Address" name="slug" max_chars=field_limits::STORE_ADDRESS required=true error=field_error("slug") value=slug autocomplete="off"
                            hint="Lower-case letters, digits and hyphens; unique among all stores."/>
                        <div>
                            <label for="field-currency" class="block text-sm font-medium">"Currency"</label>
                            <select id="field-currency" name="currency" class=select>
                                {money::CURRENCIES.iter().map(|c| view! {
                                    <option value=c.code selected=currency == c.code>{format!("{} — {}", c.code, c.name)}</option>
                                }).collect_view()}
                            </select>
                            <p class="mt-1 text-xs text-slate-500">"Prices keep their amounts in minor units: change the currency before you add products."</p>
                        </div>
                        <div>
                            <label for="field-time_zone" class="block text-sm font-medium">"Time zone"</label>
                            <select id="field-time_zone" name="time_zone" class=select>
                                {page.time_zones.into_iter().map(|zone| {
                                    let (selected, label) = (zone == time_zone, zone.clone());
                                    view! { <option selected=selected value=zone>{label}</option> }
                                }).collect_view()}
                            </select>
                            <p class="mt-1 text-xs text-slate-500">"The overview counts days in this time zone."</p>
                        </div>
                        <SubmitButton label="Save settings" pending=save.pending()/>
                    </ActionForm>
                }.into_any()
            } else {
                view! {
                    <dl class="mt-6 space-y-3 rounded-lg border border-slate-200 bg-white p-6">
                        <div><dt class="text-sm text-slate-500">"Address"</dt><dd>{page.slug}</dd></div>
                        <div><dt class="text-sm text-slate-500">"Currency"</dt><dd>{page.currency}</dd></div>
                        <div><dt class="text-sm text-slate-500">"Time zone"</dt><dd>{page.time_zone}</dd></div>
                        <p class="text-sm text-slate-600">"Only the store's owners and admins change its settings."</p>
                    </dl>
                }.into_any()
            }}
            {page.is_owner.then(|| view! { <OwnerZone delete store_name/> })}
        </main>
    }
}

/// Export and deletion, for owners.
#[component]
fn OwnerZone(delete: ServerAction<DeleteStore>, store_name: String) -> impl IntoView {
    let form = FormFailure::of(delete);
    let (failure, error, typed) = (form.error(), form.field("confirmation"), form.typed("confirmation"));
    view! {
        <section aria-labelledby="export-heading" class="mt-8 rounded-lg border border-slate-200 bg-white p-6">
            <h2 id="export-heading" class="font-medium">"Export all data"</h2>
            <p class="mt-1 text-sm text-slate-600">"A zip with a CSV file per table (store, members, products, customers, orders, order items, audit log) and a manifest."</p>
            <a href="/export.zip" download="" rel="external" class=format!("mt-3 {SECONDARY}")>"Download the store's data"</a>
        </section>
        <section aria-labelledby="delete-heading" class="mt-8 rounded-lg border border-red-200 bg-white p-6">
            <h2 id="delete-heading" class="font-medium text-red-800">"Delete this store"</h2>
            <p class="mt-1 text-sm text-slate-600">"Every product, customer, order and audit entry of the store is removed for good. The people in its team keep their accounts and their other stores. Export first if you may need the data."</p>
            <ActionForm action=delete attr:class="mt-3 space-y-3" attr:novalidate=true>
                <FormAlert failure/>
                <Field label="Type the store's name to confirm" name="confirmation" max_chars=field_limits::STORE_NAME required=true error=error
                    value=typed.unwrap_or_default() autocomplete="off" hint="Exactly as it is written above the page."/>
                <p class="text-xs text-slate-500">{format!("The name is: {store_name}")}</p>
                <button type="submit" class="rounded-md bg-red-600 px-4 py-2 text-sm font-medium text-white hover:bg-red-700 focus:outline-none focus:ring-2 focus:ring-red-500 focus:ring-offset-2">
                    "Delete this store for good"
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = move || {
        query_map.with(|q| AuditQuery {
            action: q.get("action").unwrap_or_default(),
            actor: q.get("actor").unwrap_or_default(),
            page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        })
    };
    let entries = load(query, list_audit);
    view! {
        <StorePage title="Audit log" data=entries show=move |list| view! { <AuditView list query=query()/> }/>
    }
}

#[component]
fn AuditView(list: AuditList, query: AuditQuery) -> impl IntoView {
    let filtered = !query.action.is_empty() || !query.actor.trim().is_empty();
    let paging = list.paging;
    let pager_query = query.clone();
    view! {
        <TopBar store_name=list.store_name.clone()/>
        <main class="mx-auto max-w-5xl px-4 py-8">
            <h1 class="text-2xl font-semibold">"Audit log"</h1>
            <form method="get" action="/audit" aria-label="Filter the audit log"
                class="mt-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4">
                <div>
                    <label for="action" class="block text-sm font-medium">"Action"</label>
                    <select id="action" name="action" class="mt-1 rounded-md border border-slate-300 px-2 py-1.5">
                        <option value="" selected=query.action.is_empty()>"All"</option>
                        {list.actions.into_iter().map(|action| {
                            let (selected, label) = (query.action == action, action.clone());
                            view! { <option selected=selected value=action>{label}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="min-w-48 flex-1">
                    <label for="actor" class="block text-sm font-medium">"Who (email)"</label>
                    <input id="actor" name="actor" type="search" maxlength=field_limits::SEARCH value=query.actor.clone() class="mt-1 w-full rounded-md border border-slate-300 px-3 py-1.5"/>
                </div>
                <button type="submit" class=BUTTON>"Filter"</button>
            </form>
            {if list.entries.is_empty() {
                view! {
                    <EmptyState message=if filtered { "No entries match these filters." } else { "Nothing has been changed in this store yet." }/>
                }.into_any()
            } else {
                view! {
                    <ol class="mt-6 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white shadow-sm" data-testid="audit">
                        {list.entries.into_iter().map(|entry| view! {
                            <li class="px-4 py-3 text-sm">
                                <div class="flex flex-wrap items-baseline justify-between gap-2">
                                    <p><span class="font-mono text-xs text-indigo-800">{entry.action}</span>" · "<span class="font-medium">{entry.subject}</span></p>
                                    <p class="text-slate-500"><time datetime=entry.occurred_at.to_rfc3339()>{entry.occurred_at.format("%Y-%m-%d %H:%M UTC").to_string()}</time>" · "{entry.actor}</p>
                                </div>
                                {(!entry.changes.is_empty()).then(|| view! {
                                    <ul class="mt-1 text-slate-700">
                                        {entry.changes.into_iter().map(|(field, before, after)| view! {
                                            <li><span class="text-slate-500">{field}": "</span>
                                                {(before != "null").then(|| view! { <del class="text-red-700">{before}</del>" → " })}
                                                <ins class="text-emerald-800 no-underline">{after}</ins></li>
                                        }).collect_view()}
                                    </ul>
                                })}
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <Pager paging noun=("entry", "entries") href=move |page| pager_query.href(page)/>
        </main>
    }
}
