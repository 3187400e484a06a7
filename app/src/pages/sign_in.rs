//! `/auth/login`: the sign-in page. Its form posts to the server's `/auth/login` handler, a
//! plain HTML form so that it works before (or without) JavaScript.

use crate::loading::load;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::TopBar;
use crate::sign_in_failure::SignInFailure;
use crate::site::get_site_info;

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let error =
        move || query.with(|q| q.get("error").map(|code| SignInFailure::explain(&code, q.get("wait"))));
    let info = load(|| (), |_| get_site_info());

    view! {
        <Title text="Sign in"/>
        <TopBar/>
        <main class="mx-auto max-w-md px-4 py-12">
            <h1 class="text-2xl font-semibold">"Sign in"</h1>
            {move || error().map(|message| view! {
                <p id="sign-in-error" role="alert" class="mt-4 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
                    {message}
                </p>
            })}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let local = info.await.map(|info| info.local_sign_in).unwrap_or(true);
                    let challenge = query.with_untracked(|q| q.get("login_challenge")).filter(|c| !c.is_empty());
                    match (local, challenge) {
                        (true, _) => view! {
                            <p class="mt-4 rounded-md border border-sky-200 bg-sky-50 p-3 text-sm text-sky-900" data-testid="local-sign-in">
                                "Local sign-in: no identity provider is configured, so this server checks passwords itself."
                            </p>
                            <SignInForm challenge=None/>
                        }.into_any(),
                        (false, Some(challenge)) => view! { <SignInForm challenge=Some(challenge)/> }.into_any(),
                        // With an identity provider, passwords are checked only within a sign-in
                        // it started.
                        (false, None) => view! {
                            <a href="/login" class="mt-6 inline-block rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 focus:outline-none focus:ring-2 focus:ring-indigo-500 focus:ring-offset-2">
                                "Start signing in"
                            </a>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// The email and password form; `challenge` is Hydra's login challenge, if Hydra sent the
/// browser here (then the person may also cancel, which Hydra reports to the client).
#[component]
fn SignInForm(challenge: Option<String>) -> impl IntoView {
    let query = use_query_map();
    let email = move || query.with(|q| q.get("email")).unwrap_or_default();
    let has_error = move || query.with(|q| q.get("error").is_some());
    let hidden = challenge.clone().map(|c| view! { <input type="hidden" name="login_challenge" value=c/> });
    let cancel = challenge.map(|c| view! {
        <form method="post" action="/auth/login/cancel" class="mt-3">
            <input type="hidden" name="login_challenge" value=c/>
            <button type="submit" class="w-full rounded-md px-4 py-2 text-sm text-slate-600 hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-indigo-500">
                "Cancel"
            </button>
        </form>
    });
    view! {
        <form method="post" action="/auth/login" class="mt-6 space-y-4" aria-describedby=move || has_error().then_some("sign-in-error")>
            {hidden}
            <div>
                <label for="email" class="block text-sm font-medium">"Email"</label>
                <input id="email" name="email" type="email" maxlength=field_limits::EMAIL autocomplete="username" required value=email
                    class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500"/>
            </div>
            <div>
                <label for="password" class="block text-sm font-medium">"Password"</label>
                <input id="password" name="password" type="password" maxlength=field_limits::PASSWORD autocomplete="current-password" required
                    class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500"/>
            </div>
            <button type="submit" class="w-full rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 focus:outline-none focus:ring-2 focus:ring-indigo-500 focus:ring-offset-2">
                "Sign in"
            </button>
        </form>
        {cancel}
    }
}
