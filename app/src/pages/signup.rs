//! `/signup`: a new customer's account and store, in one form that works without JavaScript.

use crate::loading::load;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::components::{
    answer_with_status, problem_page, ErrorNotice, Field, FormAlert, FormFailure, Loading, LoadingPage,
    SubmitButton, TopBar,
};
use crate::form_key::{self, FormKey};
use crate::format;
use crate::signup::{open_signup, signup_progress, SignUp, SignupForm, SignupState};
use crate::site::{get_site_info, PlanInfo, SiteInfo};

#[component]
pub fn SignupPage() -> impl IntoView {
    let query = use_query_map();
    let info = load(|| (), |_| get_site_info());
    // Back from checkout without paying: the waiting signup is undone and its fields come back.
    let cancelled = query.with_untracked(|q| q.get("cancelled").is_some());
    let opened = load(move || cancelled, open_signup);
    let sign_up = ServerAction::<SignUp>::new();
    view! {
        <Title text="Start your store"/>
        <Suspense fallback=LoadingPage>
            {move || Suspend::new(async move {
                let plan = query.with_untracked(|q| q.get("plan"));
                match (info.await, opened.await) {
                    (Ok(info), Ok(opened)) => view! { <SignupFormView info sign_up plan opened/> }.into_any(),
                    (Err(error), _) | (_, Err(error)) => problem_page(error, "Start your store"),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SignupFormView(
    info: SiteInfo,
    sign_up: ServerAction<SignUp>,
    plan: Option<String>,
    opened: SignupForm,
) -> impl IntoView {
    let form = FormFailure::of(sign_up);
    let (failure, field_error) = (form.error(), move |field| form.field(field));
    // A refused submission comes back with its key: sending it again cannot make two stores.
    let form_key = form.typed(form_key::FIELD).unwrap_or(opened.form_key);
    let (back_from_checkout, return_problem) = match opened.returned {
        Ok(back) => (back, None),
        Err(error) => (None, Some(error)),
    };
    // What was typed before a refusal, else what the form held before checkout.
    let typed_value = |field: &str| {
        form.typed(field).or_else(|| {
            back_from_checkout.as_ref().map(|back| match field {
                "email" => back.email.clone(),
                "store_name" => back.store_name.clone(),
                _ => back.plan.clone(),
            })
        })
    };
    let (email, store_name) =
        (typed_value("email").unwrap_or_default(), typed_value("store_name").unwrap_or_default());
    let chosen = typed_value("plan").or(plan).unwrap_or_else(|| crate::signup::FREE_PLAN.to_owned());
    let plan_error = field_error("plan");
    view! {
        <TopBar/>
        <main class="mx-auto max-w-xl px-4 py-10">
            <h1 class="text-2xl font-semibold">"Start your store"</h1>
            {back_from_checkout.is_some().then(|| view! {
                <p role="status" class="mt-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="checkout-cancelled">
                    "You left the payment page, so nothing was charged and no store was made. Your details are below: enter your password again to go on."
                </p>
            })}
            {return_problem.map(|error| view! { <div class="mt-3"><ErrorNotice error/></div> })}
            {(!info.payments).then(|| view! {
                <p class="mt-3 rounded-md border border-sky-200 bg-sky-50 p-3 text-sm text-sky-900" data-testid="free-only">
                    "Payments are not set up on this server, so every new store starts at once on the Free plan."
                </p>
            })}
            <ActionForm action=sign_up attr:class="mt-6 space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm" attr:novalidate=true>
                <FormAlert failure/>
                <FormKey key=form_key/>
                <Field label="Email" name="email" kind="email" max_chars=field_limits::EMAIL required=true autocomplete="email" error=field_error("email") value=email/>
                <Field label="Password" name="password" kind="password" max_chars=field_limits::PASSWORD required=true autocomplete="new-password"
                    error=field_error("password") value="" hint=info.password_rules.clone()/>
                <Field label="Store name" name="store_name" max_chars=field_limits::STORE_NAME required=true autocomplete="organization" error=field_error("store_name") value=store_name/>
                <fieldset aria-describedby=move || plan_error.get().map(|_| "field-plan-error")>
                    <legend class="text-sm font-medium">"Plan"</legend>
                    <div class="mt-2 grid gap-2 sm:grid-cols-3">
                        {info.plans.into_iter().map(|plan| {
                            let checked = plan.id == chosen;
                            let id = format!("plan-{}", plan.id);
                            let label_for = id.clone();
                            view! {
                                <label for=label_for class="flex cursor-pointer flex-col rounded-md border border-slate-300 p-3 text-sm has-[:checked]:border-indigo-600 has-[:checked]:ring-2 has-[:checked]:ring-indigo-600">
                                    <span class="flex items-center gap-2">
                                        <input id=id type="radio" name="plan" value=plan.id.clone() checked=checked class="h-4 w-4"/>
                                        <span class="font-medium">{plan.name.clone()}</span>
                                    </span>
                                    <span class="mt-1 text-slate-600">{price(&plan)}</span>
                                </label>
                            }
                        }).collect_view()}
                    </div>
                    {move || plan_error.get().map(|message| view! { <p id="field-plan-error" class="mt-1 text-sm text-red-700">{message}</p> })}
                </fieldset>
                <SubmitButton label="Create my store" pending=sign_up.pending()/>
            </ActionForm>
            <p class="mt-4 text-sm text-slate-600">"Already have an account? " <a href="/login" class="text-indigo-700 underline">"Sign in"</a></p>
        </main>
    }
}

/// `$29.00 a month` or `Free`.
pub fn price(plan: &PlanInfo) -> String {
    if plan.price_cents == 0 {
        "Free".to_owned()
    } else {
        format!("{} a month", format::money(plan.price_cents, &plan.currency))
    }
}

/// `Up to 25 products · 2 people` or `Unlimited products and people`.
pub fn limits(plan: &PlanInfo) -> String {
    match (plan.product_limit, plan.member_limit) {
        (None, None) => "Unlimited products and people".to_owned(),
        (products, members) => {
            let products = products.map_or("Unlimited products".to_owned(), |n| {
                format!("Up to {} products", format::count(n.into()))
            });
            let members = members.map_or("unlimited people".to_owned(), |n| format!("{n} people"));
            format!("{products} · {members}")
        }
    }
}

/// `/signup/welcome`: where checkout sends a new customer after paying. The store opens when the
/// payment provider confirms the payment (its webhook); until then the page looks again every
/// few seconds (a refresh, so it works without JavaScript), then signs the owner in.
#[component]
pub fn SignupWelcomePage() -> impl IntoView {
    let progress = load(|| (), |_| signup_progress());
    view! {
        <Title text="Setting up your store"/>
        <TopBar/>
        <main class="mx-auto max-w-xl px-4 py-10">
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match progress.await {
                        Ok(SignupState::Waiting { store_name }) => view! {
                            <Meta http_equiv="refresh" content="2"/>
                            <h1 class="text-2xl font-semibold">"Setting up your store"</h1>
                            <p class="mt-4 animate-pulse text-slate-700" role="status" aria-live="polite" data-testid="setting-up">
                                {format!("Thank you. {store_name} opens as soon as the payment is confirmed, usually within seconds.")}
                            </p>
                            <p class="mt-4 text-sm text-slate-600">"This page looks again by itself. "
                                <a href="/signup/welcome" class="text-indigo-700 underline">"Look now"</a></p>
                        }.into_any(),
                        Ok(SignupState::Ready) => view! {
                            <h1 class="text-2xl font-semibold">"Your store is ready"</h1>
                            <p class="mt-4"><a href="/?welcome=ready" class="text-indigo-700 underline">"Go to your store"</a></p>
                        }.into_any(),
                        Ok(SignupState::Nothing) => view! {
                            <h1 class="text-2xl font-semibold">"Nothing is waiting here"</h1>
                            <p class="mt-4 text-slate-700">"No signup is waiting in this browser. If you paid for a store, sign in with the email you signed up with."</p>
                            <p class="mt-4"><a href="/login" class="text-indigo-700 underline">"Sign in"</a></p>
                        }.into_any(),
                        Err(error) => {
                            answer_with_status(&error);
                            view! {
                            <h1 class="text-2xl font-semibold">"Setting up your store"</h1>
                            <div class="mt-4"><ErrorNotice error/></div>
                            <p class="mt-4"><a href="/signup/welcome" class="text-indigo-700 underline">"Try again"</a></p>
                        }.into_any()
                        }
                    }
                })}
            </Suspense>
        </main>
    }
}
