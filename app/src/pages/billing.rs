//! `/billing`: the store's plan, its subscription, what the plan allows and how much of it is
//! used, and the way to the payment provider's billing portal. The one page a closed store opens.

use crate::loading::load;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::billing::{get_billing, BillingPage, OpenBillingPortal, StartSubscription, StoreAccess};
use crate::components::{FormAlert, Notice, StorePage, SubmitButton, TopBar};
use crate::format;
use crate::pages::signup::price;

#[component]
pub fn BillingPage() -> impl IntoView {
    let query = use_query_map();
    let billing = load(|| (), |_| get_billing());
    let portal = ServerAction::<OpenBillingPortal>::new();
    let subscribe = ServerAction::<StartSubscription>::new();
    let subscribed = move || query.with_untracked(|q| q.get("subscribed").is_some());
    view! {
        <StorePage title="Billing" data=billing
            show=move |page| view! { <BillingView page portal subscribe subscribed=subscribed()/> }/>
    }
}

#[component]
fn BillingView(
    page: BillingPage,
    portal: ServerAction<OpenBillingPortal>,
    subscribe: ServerAction<StartSubscription>,
    subscribed: bool,
) -> impl IntoView {
    let portal_failure = Signal::derive(move || portal.value().get().and_then(Result::err));
    let subscribe_failure = Signal::derive(move || subscribe.value().get().and_then(Result::err));
    let state_message = match page.access {
        StoreAccess::Full => None,
        StoreAccess::ReadOnly => Some(
            "A payment is overdue, so the store is read-only: everything can be seen, nothing changed. \
             Update the payment method in the billing portal and the store opens again as soon as the payment goes through.",
        ),
        StoreAccess::Suspended => Some(
            "The store is closed: its subscription ended or was not paid. Its data is kept. \
             Start a subscription again to open it.",
        ),
        StoreAccess::SuspendedByPlatform => Some(
            "The platform's staff have suspended the store. Its data is kept, and its subscription is unchanged. \
             Contact support to have it reopened.",
        ),
        StoreAccess::AwaitingPayment => {
            Some("The store opens once its first payment is confirmed. Pay for the plan to open it.")
        }
    };
    let limit = |used: i64, limit: Option<i32>| match limit {
        Some(limit) => format!("{} of {}", format::count(used), format::count(limit.into())),
        None => format!("{} (no limit)", format::count(used)),
    };
    let at_limit = |used: i64, limit: Option<i32>| limit.is_some_and(|limit| used >= i64::from(limit));
    let products_full = at_limit(page.products, page.plan.product_limit);
    let members_full = at_limit(page.members, page.plan.member_limit);
    let row = "flex flex-wrap justify-between gap-2 border-b border-slate-100 py-2 last:border-0";
    view! {
        <TopBar store_name=page.store_name.clone()/>
        <main class="mx-auto max-w-2xl px-4 py-8">
            <h1 class="text-2xl font-semibold">"Billing"</h1>
            {subscribed.then(|| view! {
                <div class="mt-4"><Notice message="Thank you. The store opens as soon as the payment is confirmed; this page shows it."/></div>
            })}
            {state_message.map(|message| view! {
                <p role="alert" class="mt-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="billing-state">{message}</p>
            })}
            <section aria-labelledby="plan-heading" class="mt-6 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
                <h2 id="plan-heading" class="text-lg font-semibold">"Plan"</h2>
                <dl class="mt-3 text-sm">
                    <div class=row><dt class="text-slate-600">"Plan"</dt><dd class="font-medium" data-testid="plan">{format!("{} · {}", page.plan.name, price(&page.plan))}</dd></div>
                    <div class=row><dt class="text-slate-600">"Status"</dt><dd data-testid="status">{page.status.clone().unwrap_or_else(|| "Nothing to pay".into())}</dd></div>
                    {page.trial_ends_at.clone().map(|day| view! {
                        <div class=row><dt class="text-slate-600">"Trial ends"</dt><dd>{day}</dd></div>
                    })}
                    {page.current_period_end.clone().map(|day| view! {
                        <div class=row>
                            <dt class="text-slate-600">{if page.cancel_at_period_end { "Subscription ends" } else { "Next invoice" }}</dt>
                            <dd data-testid="next-invoice">{day}</dd>
                        </div>
                    })}
                    {page.payment_failed_at.clone().map(|day| view! {
                        <div class=row><dt class="text-slate-600">"Last payment failed"</dt><dd class="text-red-700">{day}</dd></div>
                    })}
                </dl>
                <div class="mt-4 flex flex-wrap gap-3">
                    {page.portal.then(|| view! {
                        <ActionForm action=portal>
                            <SubmitButton label="Open the billing portal" pending=portal.pending()/>
                        </ActionForm>
                    })}
                    {page.can_subscribe.then(|| view! {
                        <ActionForm action=subscribe>
                            <SubmitButton label="Pay and open the store" pending=subscribe.pending()/>
                        </ActionForm>
                    })}
                </div>
                <div class="mt-3 space-y-2"><FormAlert failure=portal_failure/><FormAlert failure=subscribe_failure/></div>
                {page.portal.then(|| view! {
                    <p class="mt-3 text-xs text-slate-500">"The billing portal changes the payment method, the plan, shows invoices and cancels the subscription."</p>
                })}
            </section>
            <section aria-labelledby="usage-heading" class="mt-6 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
                <h2 id="usage-heading" class="text-lg font-semibold">"What the plan allows"</h2>
                <dl class="mt-3 text-sm">
                    <div class=row>
                        <dt class="text-slate-600">"Products on sale"</dt>
                        <dd data-testid="usage-products" class:text-red-700=products_full>{limit(page.products, page.plan.product_limit)}</dd>
                    </div>
                    <div class=row>
                        <dt class="text-slate-600">"People in the team"</dt>
                        <dd data-testid="usage-members" class:text-red-700=members_full>{limit(page.members, page.plan.member_limit)}</dd>
                    </div>
                </dl>
                {(products_full || members_full).then(|| view! {
                    <p class="mt-3 text-sm text-slate-700">"The store is at its plan's limit. A larger plan lifts it."</p>
                })}
            </section>
        </main>
    }
}
