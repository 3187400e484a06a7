//! `/auth/choose-store`: which store to work in, for people in several (at sign-in, or to
//! switch later). Each store is a submit button of one plain form: it works without JavaScript.

use crate::loading::load;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{answer_with_status, ErrorNotice, Loading, TopBar};
use crate::error::AppError;
use crate::sign_in_failure::SignInFailure;
use crate::stores::get_my_stores;

#[component]
pub fn ChooseStorePage() -> impl IntoView {
    let query = use_query_map();
    let error = move || query.with(|q| q.get("error")).map(|code| SignInFailure::explain(&code, None));
    let stores = load(|| (), |_| get_my_stores());

    view! {
        <Title text="Choose a store"/>
        <TopBar/>
        <main class="mx-auto max-w-md px-4 py-12">
            <h1 class="text-2xl font-semibold" id="choose-heading">"Choose a store"</h1>
            {move || error().map(|message| view! {
                <p role="alert" class="mt-4 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">{message}</p>
            })}
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match stores.await {
                        Ok(my) if my.stores.is_empty() => view! {
                            <p class="mt-6 text-slate-600">"Your account does not belong to any store yet."</p>
                        }.into_any(),
                        Ok(my) => view! {
                            <form method="post" action="/auth/choose-store" class="mt-6" aria-labelledby="choose-heading">
                                <ul class="space-y-3">
                                    {my.stores.into_iter().map(|store| {
                                        let current = my.current == Some(store.tenant_id);
                                        view! {
                                            <li>
                                                <button type="submit" name="tenant_id" value=store.tenant_id.to_string()
                                                    aria-current=current.then_some("true")
                                                    class="flex w-full items-center justify-between rounded-lg border border-slate-200 bg-white px-4 py-3 text-left shadow-sm hover:border-indigo-400 focus:outline-none focus:ring-2 focus:ring-indigo-500">
                                                    <span class="font-medium">{store.name}</span>
                                                    <span class="text-sm text-slate-500">
                                                        {store.role}{current.then_some(" · current")}
                                                    </span>
                                                </button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            </form>
                        }.into_any(),
                        Err(AppError::SignedOut) => view! {
                            <p class="mt-6 text-slate-600">"Please " <a class="text-indigo-700 underline" href="/login">"sign in"</a> " first."</p>
                        }.into_any(),
                        Err(error) => {
                            answer_with_status(&error);
                            view! { <div class="mt-6"><ErrorNotice error/></div> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </main>
    }
}
