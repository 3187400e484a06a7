//! `/customers` (search, sort, pages), `/customers/new` and `/customers/:id`.

use crate::loading::load;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::{
    problem_page, successes, Column, DataTable, EmptyState, Field, FormAlert, FormFailure, LoadingPage,
    Notice, Pager, SortSelect, StorePage, SubmitButton, TopBar,
};
use crate::customers::{
    get_customer, list_customers, CustomerList, CustomerPage, CustomersQuery, SaveCustomer, SORTS,
};
use crate::error::AppError;
use crate::form_key::{self, FormKey};
use crate::format;
use crate::pages::products::{BUTTON, SECONDARY};

#[component]
pub fn CustomersPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = move || {
        query_map.with(|q| CustomersQuery {
            q: q.get("q").unwrap_or_default(),
            sort: q.get("sort").unwrap_or_default(),
            page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        })
    };
    let customers = load(query, list_customers);
    view! {
        <StorePage title="Customers" data=customers show=move |list| view! { <CustomersView list query=query()/> }/>
    }
}

#[component]
fn CustomersView(list: CustomerList, query: CustomersQuery) -> impl IntoView {
    let currency = list.currency.clone();
    let searching = !query.q.trim().is_empty();
    let paging = list.paging;
    let pager_query = query.clone();
    view! {
        <TopBar store_name=list.store_name.clone()/>
        <main class="mx-auto max-w-5xl px-4 py-8">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-2xl font-semibold">"Customers"</h1>
                {list.can_write.then(|| view! { <a href="/customers/new" class=BUTTON>"New customer"</a> })}
            </div>
            <form method="get" action="/customers" role="search" aria-label="Search customers"
                class="mt-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4">
                <div class="min-w-48 flex-1">
                    <label for="q" class="block text-sm font-medium">"Name or email"</label>
                    <input id="q" name="q" type="search" maxlength=field_limits::SEARCH value=query.q.clone() class="mt-1 w-full rounded-md border border-slate-300 px-3 py-1.5"/>
                </div>
                <SortSelect sorts=&SORTS current=query.sort.clone() default="name"/>
                <button type="submit" class=BUTTON>"Search"</button>
            </form>
            {if list.customers.is_empty() {
                view! {
                    <EmptyState message=if searching { "No customers match this search." } else { "No customers yet." }>
                        {(list.can_write && !searching).then(|| view! { <a href="/customers/new" class=BUTTON>"New customer"</a> })}
                    </EmptyState>
                }.into_any()
            } else {
                view! {
                    <DataTable testid="customers" caption="Customers" columns=&[Column::Text("Name"), Column::Text("Email"), Column::Number("Orders"), Column::Number("Spent")]>
                        {list.customers.into_iter().map(|c| view! {
                            <tr>
                                <td class="px-4 py-2"><a href=format!("/customers/{}", c.id) class="font-medium text-indigo-700 hover:underline">{c.name}</a></td>
                                <td class="px-4 py-2 text-slate-600">{c.email}</td>
                                <td class="px-4 py-2 text-right tabular-nums">{format::count(c.orders)}</td>
                                <td class="px-4 py-2 text-right tabular-nums">{format::money(c.spent_cents, &currency)}</td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
                }.into_any()
            }}
            <Pager paging noun=("customer", "customers") href=move |page| pager_query.href(page)/>
        </main>
    }
}

/// `/customers/new` and `/customers/:id`.
#[component]
pub fn CustomerFormPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id").map(|id| id.parse::<i64>().ok()));
    let save = ServerAction::<SaveCustomer>::new();
    let saved_count = successes(save);
    let page = load(
        move || (id(), saved_count.get()),
        |(id, _)| async move {
            match id {
                None => get_customer(None).await,
                Some(Some(id)) => get_customer(Some(id)).await,
                Some(None) => Err(AppError::NotFound),
            }
        },
    );
    let saved = move || query.with(|q| q.get("saved"));
    view! {
        <Suspense fallback=LoadingPage>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <CustomerForm page save saved=saved()/> }.into_any(),
                    Err(error) => problem_page(error, "Customer"),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CustomerForm(
    page: CustomerPage,
    save: ServerAction<SaveCustomer>,
    saved: Option<String>,
) -> impl IntoView {
    let form = FormFailure::of(save);
    let (failure, field_error) = (form.error(), move |field| form.field(field));
    let initial = |field: &str, stored: Option<String>| form.typed(field).or(stored).unwrap_or_default();
    // A refused submission comes back with its key: trying again cannot add the customer twice.
    let form_key = initial(form_key::FIELD, Some(page.form_key.clone()));
    let customer = page.customer.clone();
    let name = initial("name", customer.as_ref().map(|c| c.name.clone()));
    let email = initial("email", customer.as_ref().map(|c| c.email.clone()));
    let customer_id = customer.as_ref().map(|c| c.id);
    let title = customer.as_ref().map_or_else(|| "New customer".to_owned(), |c| c.name.clone());
    let notice = match saved.as_deref() {
        Some("created") => Some("Customer created."),
        Some("updated") => Some("Changes saved."),
        _ => None,
    };
    view! {
        <Title text=title.clone()/>
        <TopBar store_name=page.store_name.clone()/>
        <main class="mx-auto max-w-2xl px-4 py-8">
            <a href="/customers" class="text-sm text-indigo-700 hover:underline">"← All customers"</a>
            <h1 class="mt-2 text-2xl font-semibold">{title}</h1>
            {notice.map(|message| view! { <div class="mt-4"><Notice message/></div> })}
            {customer.as_ref().map(|c| view! {
                <dl class="mt-4 grid grid-cols-2 gap-4">
                    <div><dt class="text-sm text-slate-500">"Orders"</dt><dd class="text-lg font-semibold tabular-nums">{format::count(c.orders)}</dd></div>
                    <div><dt class="text-sm text-slate-500">"Spent"</dt><dd class="text-lg font-semibold tabular-nums">{format::money(c.spent_cents, &page.currency)}</dd></div>
                </dl>
            })}
            {(page.can_write && customer_id.is_some()).then(|| view! {
                <a href=format!("/orders/new?customer={}", customer_id.unwrap_or_default()) class=format!("mt-4 {SECONDARY}")>"New order for this customer"</a>
            })}
            {if page.can_write {
                view! {
                    <ActionForm action=save attr:class="mt-6 space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm" attr:novalidate=true>
                        <FormAlert failure/>
                        {customer_id.map(|id| view! { <input type="hidden" name="id" value=id.to_string()/> })}
                        {customer_id.is_none().then(|| view! { <FormKey key=form_key/> })}
                        <Field label="Name" name="name" max_chars=field_limits::CUSTOMER_NAME required=true error=field_error("name") value=name autocomplete="off"/>
                        <Field label="Email" name="email" kind="email" max_chars=field_limits::EMAIL required=true error=field_error("email") value=email autocomplete="off"
                            hint="Each customer of your store has their own email address."/>
                        <SubmitButton label=if customer_id.is_some() { "Save changes" } else { "Create customer" } pending=save.pending()/>
                    </ActionForm>
                }.into_any()
            } else {
                view! {
                    <p class="mt-6 text-sm text-slate-600">{customer.map(|c| c.email).unwrap_or_default()}</p>
                }.into_any()
            }}
        </main>
    }
}
