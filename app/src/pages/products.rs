//! `/products` (search, sort, pages), `/products/new` and `/products/:id` (the product form),
//! `/products/import` (CSV upload and its report). Every form works without JavaScript.

use crate::loading::load;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::{
    problem_page, successes, Column, DataTable, EmptyState, Field, FormAlert, FormFailure, LoadingPage,
    Notice, Pager, SortSelect, StatusBadge, StorePage, SubmitButton, TopBar,
};
use crate::error::AppError;
use crate::form_key::{self, FormKey};
use crate::format;
use crate::products::{
    get_product, last_import_report, list_products, ArchiveProduct, ImportPage, ProductList, ProductPage,
    ProductsQuery, SaveProduct, SORTS,
};

pub const BUTTON: &str = "inline-block rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 focus:outline-none focus:ring-2 focus:ring-indigo-500 focus:ring-offset-2";
pub const SECONDARY: &str = "inline-block rounded-md border border-slate-300 bg-white px-4 py-2 text-sm hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-indigo-500";

#[component]
pub fn ProductsPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = move || {
        query_map.with(|q| ProductsQuery {
            q: q.get("q").unwrap_or_default(),
            sort: q.get("sort").unwrap_or_default(),
            archived: q.get("archived").is_some_and(|v| !v.is_empty()),
            page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        })
    };
    let products = load(query, list_products);
    view! {
        <StorePage title="Products" data=products show=move |list| view! { <ProductsView list query=query()/> }/>
    }
}

#[component]
fn ProductsView(list: ProductList, query: ProductsQuery) -> impl IntoView {
    let currency = list.currency.clone();
    let searching = !query.q.trim().is_empty();
    let empty_message = match (searching, query.archived) {
        (true, _) => "No products match this search.",
        (false, true) => "No archived products.",
        (false, false) => "No products yet. Add your first one, or import a CSV file.",
    };
    let paging = list.paging;
    let pager_query = query.clone();
    view! {
        <TopBar store_name=list.store_name.clone()/>
        <main class="mx-auto max-w-5xl px-4 py-8">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-2xl font-semibold">{if query.archived { "Archived products" } else { "Products" }}</h1>
                <div class="flex flex-wrap gap-2">
                    <a href="/products/export.csv" download="products.csv" rel="external" class=SECONDARY>"Export CSV"</a>
                    {list.can_write.then(|| view! {
                        <a href="/products/import" class=SECONDARY>"Import CSV"</a>
                        <a href="/products/new" class=BUTTON>"New product"</a>
                    })}
                </div>
            </div>
            <form method="get" action="/products" role="search" aria-label="Search products"
                class="mt-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4">
                <div class="min-w-48 flex-1">
                    <label for="q" class="block text-sm font-medium">"Name or SKU"</label>
                    <input id="q" name="q" type="search" maxlength=field_limits::SEARCH value=query.q.clone() class="mt-1 w-full rounded-md border border-slate-300 px-3 py-1.5"/>
                </div>
                <SortSelect sorts=&SORTS current=query.sort.clone() default="name"/>
                <label class="flex items-center gap-2 py-1.5 text-sm">
                    <input type="checkbox" name="archived" value="1" checked=query.archived class="h-4 w-4 rounded border-slate-300"/>
                    "Archived"
                </label>
                <button type="submit" class="rounded-md bg-indigo-600 px-4 py-1.5 font-medium text-white hover:bg-indigo-700 focus:outline-none focus:ring-2 focus:ring-indigo-500 focus:ring-offset-2">"Search"</button>
            </form>
            {if list.products.is_empty() {
                view! {
                    <EmptyState message=empty_message>
                        {(list.can_write && !searching && !query.archived).then(|| view! { <a href="/products/new" class=BUTTON>"New product"</a> })}
                    </EmptyState>
                }.into_any()
            } else {
                view! {
                    <DataTable testid="products" caption="Products" columns=&[Column::Text("Name"), Column::Text("SKU"), Column::Number("Price")]>
                        {list.products.into_iter().map(|p| view! {
                            <tr>
                                <td class="px-4 py-2"><a href=format!("/products/{}", p.id) class="font-medium text-indigo-700 hover:underline">{p.name}</a></td>
                                <td class="px-4 py-2 font-mono text-xs text-slate-600">{p.sku}</td>
                                <td class="px-4 py-2 text-right tabular-nums">{format::money(p.price_cents, &currency)}</td>
                            </tr>
                        }).collect_view()}
                    </DataTable>
                }.into_any()
            }}
            <Pager paging noun=("product", "products") href=move |page| pager_query.href(page)/>
        </main>
    }
}

/// `/products/new` and `/products/:id`.
#[component]
pub fn ProductFormPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    // `None` is the new product's page; an id that does not parse is not found.
    let id = move || params.with(|p| p.get("id").map(|id| id.parse::<i64>().ok()));
    let save = ServerAction::<SaveProduct>::new();
    let archive = ServerAction::<ArchiveProduct>::new();
    let (saved_count, archived_count) = (successes(save), successes(archive));
    let page = load(
        move || (id(), saved_count.get(), archived_count.get()),
        |(id, _, _)| async move {
            match id {
                None => get_product(None).await,
                Some(Some(id)) => get_product(Some(id)).await,
                Some(None) => Err(AppError::NotFound),
            }
        },
    );
    let saved = move || query.with(|q| q.get("saved"));
    view! {
        <Suspense fallback=LoadingPage>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <ProductForm page save archive saved=saved()/> }.into_any(),
                    Err(error) => problem_page(error, "Product"),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProductForm(
    page: ProductPage,
    save: ServerAction<SaveProduct>,
    archive: ServerAction<ArchiveProduct>,
    saved: Option<String>,
) -> impl IntoView {
    let form = FormFailure::of(save);
    let (failure, field_error) = (form.error(), move |field| form.field(field));
    let initial = |field: &str, stored: String| form.typed(field).unwrap_or(stored);
    let product = page.product.clone();
    let stored = |f: fn(&crate::products::ProductRow) -> String| product.as_ref().map(f).unwrap_or_default();
    let (name, sku) =
        (initial("name", stored(|p| p.name.clone())), initial("sku", stored(|p| p.sku.clone())));
    let price = initial("price", page.price_input.clone());
    // A refused submission comes back with its key: trying again cannot add the product twice.
    let form_key = initial(form_key::FIELD, page.form_key.clone());
    let product_id = product.as_ref().map(|p| p.id);
    let title = product.as_ref().map_or_else(|| "New product".to_owned(), |p| p.name.clone());
    let notice = saved.and_then(|saved| match saved.as_str() {
        "created" => Some("Product created."),
        "updated" => Some("Changes saved."),
        "archived" => Some("Product archived. It is no longer offered in new orders."),
        "restored" => Some("Product restored."),
        _ => None,
    });
    let archive_failure = move || archive.value().get().and_then(Result::err).map(|e| e.to_string());
    let hint = match money::Currency::find(&page.currency).map(|c| c.decimals) {
        Some(0) => "A whole amount, e.g. 1500.",
        _ => "For example 12.50.",
    };
    view! {
        <Title text=title.clone()/>
        <TopBar store_name=page.store_name.clone()/>
        <main class="mx-auto max-w-2xl px-4 py-8">
            <a href="/products" class="text-sm text-indigo-700 hover:underline">"← All products"</a>
            <div class="mt-2 flex flex-wrap items-center gap-3">
                <h1 class="text-2xl font-semibold">{title}</h1>
                {product.as_ref().filter(|p| p.archived).map(|_| view! { <StatusBadge status="archived".to_owned()/> })}
            </div>
            {notice.map(|message| view! { <div class="mt-4"><Notice message/></div> })}
            {if page.can_write {
                view! {
                    <ActionForm action=save attr:class="mt-6 space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm" attr:novalidate=true>
                        <FormAlert failure/>
                        {product_id.map(|id| view! { <input type="hidden" name="id" value=id.to_string()/> })}
                        {product_id.is_none().then(|| view! { <FormKey key=form_key/> })}
                        <Field label="Name" name="name" max_chars=field_limits::PRODUCT_NAME required=true error=field_error("name") value=name/>
                        <Field label="SKU" name="sku" max_chars=field_limits::SKU required=true error=field_error("sku") autocomplete="off"
                            hint="Letters, digits and - _ . / — unique in your store." value=sku/>
                        <Field label=price_label(&page.currency) name="price" max_chars=field_limits::PRICE required=true error=field_error("price")
                            inputmode="decimal" hint=hint value=price/>
                        <SubmitButton label=if product_id.is_some() { "Save changes" } else { "Create product" } pending=save.pending()/>
                    </ActionForm>
                }.into_any()
            } else {
                view! {
                    <dl class="mt-6 space-y-2 rounded-lg border border-slate-200 bg-white p-6">
                        {product.as_ref().map(|p| view! {
                            <div><dt class="text-sm text-slate-500">"SKU"</dt><dd class="font-mono">{p.sku.clone()}</dd></div>
                            <div><dt class="text-sm text-slate-500">"Price"</dt><dd>{format::money(p.price_cents, &page.currency)}</dd></div>
                        })}
                        <p class="text-sm text-slate-600">"Your role lets you see products, not change them."</p>
                    </dl>
                }.into_any()
            }}
            {product.filter(|_| page.can_write).map(|p| view! {
                <section aria-labelledby="archive-heading" class="mt-8 rounded-lg border border-slate-200 bg-white p-6">
                    <h2 id="archive-heading" class="font-medium">{if p.archived { "Restore" } else { "Archive" }}</h2>
                    <p class="mt-1 text-sm text-slate-600">
                        {if p.archived { "Restored products can be ordered again." } else { "Archived products stay on past orders but cannot be ordered." }}
                    </p>
                    {move || archive_failure().map(|message| view! { <p role="alert" class="mt-2 text-sm text-red-700">{message}</p> })}
                    <ActionForm action=archive attr:class="mt-3">
                        <input type="hidden" name="id" value=p.id.to_string()/>
                        <input type="hidden" name="archived" value=(!p.archived).to_string()/>
                        <button type="submit" class=SECONDARY>{if p.archived { "Restore product" } else { "Archive product" }}</button>
                    </ActionForm>
                </section>
            })}
        </main>
    }
}

fn price_label(currency: &str) -> &'static str {
    // Labels are static: the common currencies get their code in the label.
    match currency {
        "USD" => "Price (USD)",
        "EUR" => "Price (EUR)",
        "GBP" => "Price (GBP)",
        "JPY" => "Price (JPY)",
        _ => "Price",
    }
}

/// `/products/import`: upload a CSV file; the report of the last upload.
#[component]
pub fn ImportProductsPage() -> impl IntoView {
    let page = load(|| (), |_| last_import_report());
    view! {
        <StorePage title="Import products" data=page show=move |page| view! { <ImportView page/> }/>
    }
}

#[component]
fn ImportView(page: ImportPage) -> impl IntoView {
    let report = page.report.map(|report| {
        if report.problems.is_empty() {
            view! {
                <Notice message=format!("Imported: {} new, {} updated.", report.created, report.updated)/>
            }
            .into_any()
        } else {
            view! {
                <div role="alert" class="rounded-md border border-red-200 bg-red-50 p-4 text-sm text-red-900" data-testid="import-problems">
                    <p class="font-medium">"Nothing was imported. Correct these lines and upload the file again:"</p>
                    <table class="mt-2 w-full text-left">
                        <thead><tr><th scope="col" class="pr-4">"Line"</th><th scope="col">"Problem"</th></tr></thead>
                        <tbody>
                            {report.problems.into_iter().map(|(line, problem)| view! {
                                <tr><td class="pr-4 align-top tabular-nums">{if line == 0 { "—".to_owned() } else { line.to_string() }}</td><td>{problem}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    });
    view! {
        <TopBar store_name=page.store_name/>
        <main class="mx-auto max-w-2xl px-4 py-8">
            <a href="/products" class="text-sm text-indigo-700 hover:underline">"← All products"</a>
            <h1 class="mt-2 text-2xl font-semibold">"Import products"</h1>
            <div class="mt-4">{report}</div>
            <p class="mt-4 text-sm text-slate-700">
                "Upload a CSV file whose first line names the columns " <code>"sku"</code> ", " <code>"name"</code> " and "
                <code>"price"</code> " (and optionally " <code>"status"</code> ": active or archived). A SKU already in your store updates that product; others are added. "
                "If any line has a problem, nothing is imported and every problem is listed. "
                <a href="/products/export.csv" download="products.csv" rel="external" class="text-indigo-700 underline">"Export your products"</a>
                " for a file in this format."
            </p>
            {if page.can_write {
                view! {
                    <form method="post" action="/products/import" enctype="multipart/form-data"
                        class="mt-6 space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
                        <div>
                            <label for="file" class="block text-sm font-medium">"CSV file"</label>
                            <input id="file" name="file" type="file" accept=".csv,text/csv" required=true class="mt-1 block w-full text-sm"/>
                        </div>
                        <button type="submit" class=BUTTON>"Import"</button>
                    </form>
                }.into_any()
            } else {
                view! { <p class="mt-6 text-sm text-slate-600">"Your role lets you see products, not import them."</p> }.into_any()
            }}
        </main>
    }
}
