//! `/orders` (filtered, paginated list) and `/orders/:id` (one order). Filtering is a plain
//! GET form and paging plain links, so both work without JavaScript.

use crate::loading::load;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::{
    problem_page, Column, DataTable, EmptyState, FormAlert, FormFailure, LoadingPage, Notice, Pager,
    StatusBadge, StorePage, SubmitButton, TopBar,
};
use crate::error::AppError;
use crate::form_key::{self, FormKey};
use crate::format;
use crate::orders::{
    get_new_order_choices, get_order, list_orders, ChangeOrderStatus, CreateOrder, NewOrderChoices,
    OrderList, OrderView, OrdersQuery, FORM_LINES, STATUSES,
};
use crate::pages::products::SECONDARY;
use crate::pages::sign_in_required::SignInRequired;
use crate::paging::PagingView;

#[component]
pub fn OrdersPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = move || {
        query_map.with(|q| OrdersQuery {
            status: q.get("status"),
            from: q.get("from"),
            to: q.get("to"),
            page: q.get("page").and_then(|p| p.parse().ok()),
        })
    };
    let orders = load(query, list_orders);

    view! {
        <Title text="Orders"/>
        <Suspense fallback=LoadingPage>
            {move || Suspend::new(async move {
                match orders.await {
                    Ok(list) => view! { <OrdersView list query=query()/> }.into_any(),
                    Err(AppError::SignedOut) => view! { <SignInRequired/> }.into_any(),
                    Err(error) => problem_page(error, "Orders"),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OrdersView(list: OrderList, query: OrdersQuery) -> impl IntoView {
    let filtered = query.status.as_deref().is_some_and(|s| !s.is_empty())
        || query.from.as_deref().is_some_and(|s| !s.is_empty())
        || query.to.as_deref().is_some_and(|s| !s.is_empty());
    let currency = list.currency.clone();
    let (page, pages) = (list.page, list.pages);
    let pager_query = query.clone();
    view! {
        <TopBar store_name=list.store_name.clone()/>
        <main class="mx-auto max-w-5xl px-4 py-8">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-2xl font-semibold">"Orders"</h1>
                <a href="/orders/new" class=crate::pages::products::BUTTON>"New order"</a>
            </div>
            <FilterForm query=query.clone()/>
            {if list.orders.is_empty() {
                view! {
                    <p class="mt-8 rounded-lg border border-dashed border-slate-300 p-8 text-center text-slate-600" data-testid="no-orders">
                        {if filtered { "No orders match these filters." } else { "No orders yet. They will appear here as customers buy." }}
                    </p>
                }.into_any()
            } else {
                view! {
                    <DataTable testid="orders" caption="Orders, newest first" columns=&[Column::Text("Order"), Column::Text("Placed"), Column::Text("Customer"), Column::Text("Status"), Column::Number("Total")]>
                        {list.orders.into_iter().map(|order| {
                            let status = order.status.clone();
                            view! {
                            <tr data-status=status>
                                <td class="px-4 py-2"><a href=format!("/orders/{}", order.id) class="font-medium text-indigo-700 hover:underline">{format!("#{}", order.number)}</a></td>
                                <td class="whitespace-nowrap px-4 py-2 text-slate-600">{order.created_at.format("%Y-%m-%d %H:%M UTC").to_string()}</td>
                                <td class="px-4 py-2">{order.customer_name}</td>
                                <td class="px-4 py-2"><StatusBadge status=order.status/></td>
                                <td class="px-4 py-2 text-right tabular-nums">{format::money(order.total_cents, &currency)}</td>
                            </tr>
                            }
                        }).collect_view()}
                    </DataTable>
                }.into_any()
            }}
            <Pager paging=PagingView { matching: list.matching, page, pages } noun=("order", "orders")
                href=move |page| pager_query.href_for_page(page)/>
        </main>
    }
}

#[component]
fn FilterForm(query: OrdersQuery) -> impl IntoView {
    let current = query.status.clone().unwrap_or_default();
    view! {
        <form method="get" action="/orders" class="mt-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4" aria-label="Filter orders">
            <div>
                <label for="status" class="block text-sm font-medium">"Status"</label>
                <select id="status" name="status" class="mt-1 rounded-md border border-slate-300 px-2 py-1.5">
                    <option value="" selected=current.is_empty()>"All"</option>
                    {STATUSES.into_iter().map(|status| {
                        let mut label = status.to_owned();
                        label[..1].make_ascii_uppercase();
                        view! { <option value=status selected=current == status>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="from" class="block text-sm font-medium">"From"</label>
                <input id="from" name="from" type="date" value=query.from.clone().unwrap_or_default() class="mt-1 rounded-md border border-slate-300 px-2 py-1"/>
            </div>
            <div>
                <label for="to" class="block text-sm font-medium">"To"</label>
                <input id="to" name="to" type="date" value=query.to.clone().unwrap_or_default() class="mt-1 rounded-md border border-slate-300 px-2 py-1"/>
            </div>
            <button type="submit" class="rounded-md bg-indigo-600 px-4 py-1.5 font-medium text-white hover:bg-indigo-700 focus:outline-none focus:ring-2 focus:ring-indigo-500 focus:ring-offset-2">"Apply"</button>
            <a href="/orders" class="px-2 py-1.5 text-sm text-slate-600 hover:underline">"Clear"</a>
        </form>
    }
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let query = use_query_map();
    let created = move || query.with(|q| q.get("created").is_some());
    let change = ServerAction::<ChangeOrderStatus>::new();
    // Read again after every change, so the page shows what is stored.
    let order = load(
        move || (id(), change.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_order(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=LoadingPage>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(order) => view! { <OrderDetail order change created=created()/> }.into_any(),
                    Err(error) => problem_page(error, "Order"),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OrderDetail(order: OrderView, change: ServerAction<ChangeOrderStatus>, created: bool) -> impl IntoView {
    let currency = order.currency.clone();
    let failure = move || change.value().get().and_then(|result| result.err());
    let order_id = order.id;
    let next_statuses = order.next_statuses.clone();
    let actions = (!next_statuses.is_empty()).then(move || view! {
        <section aria-labelledby="status-heading" class="mt-6">
            <h2 id="status-heading" class="text-sm font-medium text-slate-600">"Change status"</h2>
            {move || failure().map(|error| view! {
                <p role="alert" class="mt-2 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">{error.to_string()}</p>
            })}
            <div class="mt-2 flex flex-wrap gap-2">
                {next_statuses.into_iter().map(|status| view! {
                    <ActionForm action=change>
                        <input type="hidden" name="id" value=order_id.to_string()/>
                        <input type="hidden" name="status" value=status.clone()/>
                        <button type="submit" disabled=move || change.pending().get()
                            class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-indigo-500 disabled:opacity-50">
                            {format!("Mark as {status}")}
                        </button>
                    </ActionForm>
                }).collect_view()}
            </div>
        </section>
    });
    view! {
        <Title text=format!("Order #{}", order.number)/>
        <TopBar store_name=order.store_name.clone()/>
        <main class="mx-auto max-w-5xl px-4 py-8">
            <a href="/orders" class="text-sm text-indigo-700 hover:underline">"← All orders"</a>
            <div class="mt-2 flex flex-wrap items-center gap-3">
                <h1 class="text-2xl font-semibold">{format!("Order #{}", order.number)}</h1>
                <StatusBadge status=order.status.clone()/>
            </div>
            {created.then(|| view! { <div class="mt-4"><Notice message="Order placed."/></div> })}
            <dl class="mt-4 grid grid-cols-1 gap-4 sm:grid-cols-3">
                <div><dt class="text-sm text-slate-500">"Placed"</dt><dd>{order.created_at.format("%Y-%m-%d %H:%M UTC").to_string()}</dd></div>
                <div><dt class="text-sm text-slate-500">"Customer"</dt><dd data-testid="customer">{order.customer_name.clone()}</dd><dd class="text-sm text-slate-500">{order.customer_email.clone()}</dd></div>
                <div><dt class="text-sm text-slate-500">"Total"</dt><dd class="text-xl font-semibold tabular-nums" data-testid="order-total">{format::money(order.total_cents, &currency)}</dd></div>
            </dl>
            {actions}
            <DataTable caption="Items in this order" columns=&[Column::Text("Product"), Column::Text("SKU"), Column::Number("Quantity"), Column::Number("Unit price"), Column::Number("Line total")]>
                {order.lines.into_iter().map(|line| {
                    let line_total = i64::from(line.quantity) * line.unit_price_cents;
                    view! {
                        <tr>
                            <td class="px-4 py-2">{line.product_name}</td>
                            <td class="px-4 py-2 text-slate-600">{line.sku}</td>
                            <td class="px-4 py-2 text-right tabular-nums">{line.quantity}</td>
                            <td class="px-4 py-2 text-right tabular-nums">{format::money(line.unit_price_cents, &currency)}</td>
                            <td class="px-4 py-2 text-right tabular-nums">{format::money(line_total, &currency)}</td>
                        </tr>
                    }
                }).collect_view()}
            </DataTable>
        </main>
    }
}

/// `/orders/new`: a customer and up to [`FORM_LINES`] products with quantities. The server
/// prices the order; blank lines are ignored.
#[component]
pub fn NewOrderPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.with(|q| q.get("customer_q").filter(|s| !s.trim().is_empty()));
    let choices = load(search, get_new_order_choices);
    let create = ServerAction::<CreateOrder>::new();
    let preselected = move || query.with_untracked(|q| q.get("customer")).unwrap_or_default();
    view! {
        <StorePage title="New order" data=choices show=move |choices| view! {
            <NewOrderForm choices create preselected=preselected() search=search().unwrap_or_default()/>
        }/>
    }
}

#[component]
fn NewOrderForm(
    choices: NewOrderChoices,
    create: ServerAction<CreateOrder>,
    preselected: String,
    search: String,
) -> impl IntoView {
    let form = FormFailure::of(create);
    let (failure, field_error) = (form.error(), move |field| form.field(field));
    let typed_value = move |field: &str| form.typed(field);
    let customer = typed_value("customer").unwrap_or(preselected);
    // A refused submission comes back with its key: trying again cannot place it twice.
    let form_key = typed_value(form_key::FIELD).unwrap_or(choices.form_key.clone());
    let currency = choices.currency.clone();
    let product_options = choices
        .products
        .iter()
        .map(|(id, name, sku, price)| {
            (id.to_string(), format!("{name} ({sku}) — {}", format::money(*price, &currency)))
        })
        .collect::<Vec<_>>();
    let lines = (0..FORM_LINES)
        .map(|i| {
            let product = typed_value(&format!("lines[{i}][product]")).unwrap_or_default();
            let quantity = typed_value(&format!("lines[{i}][quantity]")).unwrap_or_else(|| "1".into());
            (i, product, quantity)
        })
        .collect::<Vec<_>>();
    let lines_error = field_error("lines");
    let customer_error = field_error("customer");
    let select =
        "mt-1 block w-full rounded-md border border-slate-300 px-2 py-2 aria-[invalid=true]:border-red-500";
    view! {
        <TopBar store_name=choices.store_name.clone()/>
        <main class="mx-auto max-w-3xl px-4 py-8">
            <a href="/orders" class="text-sm text-indigo-700 hover:underline">"← All orders"</a>
            <h1 class="mt-2 text-2xl font-semibold">"New order"</h1>
            {if !choices.can_write {
                view! { <p class="mt-6 text-slate-600">"Your role lets you see orders, not place them."</p> }.into_any()
            } else if choices.products.is_empty() || (choices.customers.is_empty() && search.is_empty()) {
                view! {
                    <EmptyState message="An order needs a customer and a product for sale.">
                        <div class="flex justify-center gap-2">
                            <a href="/customers/new" class=SECONDARY>"New customer"</a>
                            <a href="/products/new" class=SECONDARY>"New product"</a>
                        </div>
                    </EmptyState>
                }.into_any()
            } else {
                view! {
                    <form method="get" action="/orders/new" role="search" aria-label="Find a customer" class="mt-6 flex flex-wrap items-end gap-2">
                        <div class="flex-1">
                            <label for="customer_q" class="block text-sm font-medium">"Find a customer"</label>
                            <input id="customer_q" name="customer_q" type="search" maxlength=field_limits::SEARCH value=search.clone() class="mt-1 w-full rounded-md border border-slate-300 px-3 py-1.5"/>
                        </div>
                        <button type="submit" class=SECONDARY>"Find"</button>
                    </form>
                    <ActionForm action=create attr:class="mt-4 space-y-5 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
                        <FormAlert failure/>
                        <FormKey key=form_key/>
                        <div>
                            <label for="field-customer" class="block text-sm font-medium">"Customer"</label>
                            <select id="field-customer" name="customer" class=select required=true
                                aria-invalid=move || customer_error.get().is_some().then_some("true")
                                aria-describedby=move || customer_error.get().map(|_| "field-customer-error")>
                                <option value="">{if choices.customers.is_empty() { "No customer matches the search" } else { "Choose a customer" }}</option>
                                {choices.customers.into_iter().map(|(id, name, email)| {
                                    let id = id.to_string();
                                    view! { <option selected=customer == id value=id>{format!("{name} <{email}>")}</option> }
                                }).collect_view()}
                            </select>
                            {move || customer_error.get().map(|message| view! { <p id="field-customer-error" class="mt-1 text-sm text-red-700">{message}</p> })}
                        </div>
                        <fieldset aria-describedby=move || lines_error.get().map(|_| "field-lines-error")>
                            <legend class="text-sm font-medium">"Products"</legend>
                            <p class="text-xs text-slate-500">"Leave the rows you do not need empty. Prices come from your catalogue."</p>
                            <div class="mt-2 space-y-2">
                                {lines.into_iter().map(|(i, product, quantity)| {
                                    let options = product_options.clone();
                                    view! {
                                        <div class="grid grid-cols-[1fr_6rem] gap-2">
                                            <label class="sr-only" for=format!("line-{i}-product")>{format!("Product, line {}", i + 1)}</label>
                                            <select id=format!("line-{i}-product") name=format!("lines[{i}][product]") class=select>
                                                <option value="">"—"</option>
                                                {options.into_iter().map(|(id, label)| view! {
                                                    <option selected=product == id value=id>{label}</option>
                                                }).collect_view()}
                                            </select>
                                            <label class="sr-only" for=format!("line-{i}-quantity")>{format!("Quantity, line {}", i + 1)}</label>
                                            <input id=format!("line-{i}-quantity") name=format!("lines[{i}][quantity]") type="number" min="1"
                                                max="9999" inputmode="numeric" value=quantity
                                                class="mt-1 block w-full rounded-md border border-slate-300 px-2 py-2"/>
                                        </div>
                                    }
                                }).collect_view()}
                            </div>
                            {move || lines_error.get().map(|message| view! { <p id="field-lines-error" class="mt-1 text-sm text-red-700">{message}</p> })}
                        </fieldset>
                        <SubmitButton label="Place order" pending=create.pending()/>
                    </ActionForm>
                }.into_any()
            }}
        </main>
    }
}
