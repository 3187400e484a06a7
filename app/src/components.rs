//! Pieces shared by the pages.

use crate::loading::{load, PageData};
use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::error::AppError;

/// The store's pages, in the top bar.
const STORE_LINKS: [(&str, &str); 8] = [
    ("/", "Overview"),
    ("/orders", "Orders"),
    ("/products", "Products"),
    ("/customers", "Customers"),
    ("/team", "Team"),
    ("/billing", "Billing"),
    ("/settings", "Settings"),
    ("/audit", "Audit log"),
];

/// The top bar: the product's name, and the store's name with a sign-out button when signed in.
#[component]
pub fn TopBar(#[prop(optional, into)] store_name: Option<String>) -> impl IntoView {
    view! {
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-2 px-4 py-3">
                <a href="/" class="text-lg font-semibold text-indigo-700">"Storefront"</a>
                {store_name.is_some().then(|| view! {
                    <nav aria-label="Store" class="order-last flex w-full gap-4 overflow-x-auto text-sm sm:order-none sm:w-auto">
                        {STORE_LINKS.into_iter().map(|(href, label)| view! {
                            <a href=href class="whitespace-nowrap py-1 text-slate-700 hover:text-indigo-700">{label}</a>
                        }).collect_view()}
                    </nav>
                })}
                {store_name.map(|name| view! {
                    <div class="flex items-center gap-3">
                        <span class="text-sm font-medium text-slate-700" data-testid="store-name">{name}</span>
                        <a href="/auth/choose-store" class="text-sm text-indigo-700 underline-offset-2 hover:underline">"Your stores"</a>
                        <form method="post" action="/logout">
                            <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-indigo-500">
                                "Sign out"
                            </button>
                        </form>
                    </div>
                })}
            </div>
        </header>
    }
}

/// On every page while staff are in a support session: whose store, why, until when, and the
/// way out. Rendered once above the routes, read again on every navigation.
#[component]
pub fn SupportBanner() -> impl IntoView {
    use crate::admin::{get_support_notice, EndSupportSession};

    let location = leptos_router::hooks::use_location();
    let notice = load(move || location.pathname.get(), |_| get_support_notice());
    let end = ServerAction::<EndSupportSession>::new();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let notice = notice.await.ok().flatten();
                notice.map(|notice| view! {
                    <div role="status" data-testid="support-banner" class="border-b border-violet-300 bg-violet-100 px-4 py-2 text-sm text-violet-950">
                        <div class="mx-auto flex max-w-5xl flex-wrap items-center gap-x-3 gap-y-1">
                            <span class="font-semibold">{format!("Support session in {}", notice.store_name)}</span>
                            <span>{format!("Read-only, ends at {}. Reason: {}", notice.ends_at, notice.reason)}</span>
                            <ActionForm action=end attr:class="inline">
                                <button type="submit" class="font-medium underline focus:outline-none focus:ring-2 focus:ring-violet-600">
                                    "End the support session"
                                </button>
                            </ActionForm>
                        </div>
                    </div>
                })
            })}
        </Suspense>
    }
}

/// On every page of a store that is not fully open: why, and the way to put it right. Rendered
/// once above the routes (its data is not part of any page's), and read again on every navigation.
#[component]
pub fn BillingBanner() -> impl IntoView {
    use crate::billing::{get_store_notice, OpenBillingPortal, StoreAccess};

    let location = leptos_router::hooks::use_location();
    let notice = load(move || location.pathname.get(), |_| get_store_notice());
    let portal = ServerAction::<OpenBillingPortal>::new();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let notice = notice.await.ok().flatten().filter(|n| n.access != StoreAccess::Full);
                view! {
                    <div data-testid="billing-banner-slot">
                        {notice.map(|notice| view! { <BannerText notice portal/> })}
                    </div>
                }
            })}
        </Suspense>
    }
}

#[component]
fn BannerText(
    notice: crate::billing::StoreNotice,
    portal: ServerAction<crate::billing::OpenBillingPortal>,
) -> impl IntoView {
    use crate::billing::StoreAccess;
    let message = match notice.access {
        StoreAccess::Full => "",
        StoreAccess::ReadOnly => "A payment is overdue, so this store is read-only until it is paid.",
        StoreAccess::Suspended => {
            "This store is closed until its subscription is in order. Its data is kept."
        }
        StoreAccess::SuspendedByPlatform => {
            "This store is suspended by the platform's staff. Its data is kept; contact support to have it reopened."
        }
        StoreAccess::AwaitingPayment => "This store opens once its first payment is confirmed.",
    };
    let action = if notice.access == StoreAccess::SuspendedByPlatform {
        ().into_any()
    } else if !notice.can_manage_billing {
        view! { <span class="ml-1">"An owner or admin can put it right."</span> }.into_any()
    } else if notice.access == StoreAccess::ReadOnly {
        view! {
            <ActionForm action=portal attr:class="ml-2 inline">
                <button type="submit" class="font-medium underline focus:outline-none focus:ring-2 focus:ring-amber-600">
                    "Update the payment method"
                </button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! { <a href="/billing" class="ml-2 font-medium underline">"Go to Billing"</a> }.into_any()
    };
    view! {
        <div role="alert" class="border-b border-amber-300 bg-amber-50" data-testid="billing-banner">
            // A div, not a p: the portal's form may not sit inside a paragraph.
            <div class="mx-auto flex max-w-5xl flex-wrap items-center px-4 py-2 text-sm text-amber-900">
                <span>{message}</span>
                {action}
            </div>
        </div>
    }
}

/// A failure shown in place of the content it stopped.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    view! {
        <div role="alert" class="rounded-md border border-red-200 bg-red-50 p-4 text-red-800">
            {error.to_string()}
        </div>
    }
}

/// Shown while a page's data loads.
#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <p class="animate-pulse text-slate-500" role="status" aria-live="polite">"Loading…"</p>
    }
}

/// An order's status as a coloured label.
#[component]
pub fn StatusBadge(status: String) -> impl IntoView {
    let colours = match status.as_str() {
        "paid" | "delivered" => "bg-emerald-50 text-emerald-800 ring-emerald-200",
        "shipped" => "bg-sky-50 text-sky-800 ring-sky-200",
        "cancelled" | "refunded" => "bg-slate-100 text-slate-700 ring-slate-300",
        _ => "bg-amber-50 text-amber-800 ring-amber-200",
    };
    let mut label = status.clone();
    if let Some(first) = label.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    view! {
        <span class=format!("inline-block rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {colours}")>
            {label}
        </span>
    }
}

/// A column of a [`DataTable`]: text reads from the start, numbers line up at the end.
#[derive(Clone, Copy, Debug)]
pub enum Column {
    Text(&'static str),
    Number(&'static str),
}

/// A list's table: a caption for screen readers, the column headers, and the rows as children;
/// on a narrow screen it scrolls sideways instead of squeezing.
#[component]
pub fn DataTable(
    caption: &'static str,
    columns: &'static [Column],
    #[prop(optional)] testid: Option<&'static str>,
    /// The space above it.
    #[prop(default = "mt-6")]
    spacing: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        // A region that may scroll sideways on a phone: focusable, so that keys can scroll it.
        <div
            role="region"
            aria-label=caption
            tabindex="0"
            class=format!("{spacing} overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500")
        >
            <table class="min-w-full text-sm" data-testid=testid>
                <caption class="sr-only">{caption}</caption>
                <thead class="bg-slate-50 text-left text-slate-600">
                    <tr>
                        {columns.iter().map(|column| match *column {
                            Column::Text(label) => view! { <th scope="col" class="px-4 py-2 font-medium">{label}</th> },
                            Column::Number(label) => view! { <th scope="col" class="px-4 py-2 text-right font-medium">{label}</th> },
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">{children()}</tbody>
            </table>
        </div>
    }
}

/// A list's sort choice, for its search form: `sorts` as `(value, label)`, `current` as the
/// query string has it (empty for `default`).
#[component]
pub fn SortSelect(
    sorts: &'static [(&'static str, &'static str)],
    current: String,
    default: &'static str,
) -> impl IntoView {
    let current = if current.is_empty() { default.to_owned() } else { current };
    view! {
        <div>
            <label for="sort" class="block text-sm font-medium">"Sort"</label>
            <select id="sort" name="sort" class="mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5">
                {sorts.iter().map(|(value, label)| {
                    view! { <option value=*value selected=current == *value>{*label}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// A store page made from one server function's answer: its title, the loading frame while the
/// answer comes, then `show` with the data, or the problem page (sign in, not found, the error
/// with a way back) when there is none.
#[component]
pub fn StorePage<T, S, V>(title: &'static str, data: PageData<Result<T, AppError>>, show: S) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    S: Fn(T) -> V + Copy + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <leptos_meta::Title text=title/>
        <Suspense fallback=LoadingPage>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => show(data).into_any(),
                    Err(error) => problem_page(error, title),
                }
            })}
        </Suspense>
    }
}

/// A page's outer frame while its data loads.
#[component]
pub fn LoadingPage() -> impl IntoView {
    view! { <TopBar/><main class="mx-auto max-w-5xl px-4 py-8"><Loading/></main> }
}

/// What a store page shows when its data did not load: the sign-in prompt, not found, or
/// the error with a way back.
pub fn problem_page(error: AppError, title: &'static str) -> AnyView {
    use crate::pages::{not_found::NotFound, sign_in_required::SignInRequired};
    answer_with_status(&error);
    match error {
        AppError::SignedOut => view! { <SignInRequired/> }.into_any(),
        AppError::NotFound => view! { <NotFound/> }.into_any(),
        error => {
            // A closed store opens only its billing page: the way back leads there.
            let (href, way_back) = match error {
                AppError::Suspended | AppError::SuspendedByPlatform => ("/billing", "Go to Billing"),
                AppError::SupportSessionEnded => ("/admin/stores", "Back to the admin panel"),
                _ => ("/", "Back to the overview"),
            };
            view! {
                <TopBar/>
                <main class="mx-auto max-w-5xl px-4 py-8">
                    <h1 class="text-2xl font-semibold">{title}</h1>
                    <div class="mt-4"><ErrorNotice error/></div>
                    <a class="mt-4 inline-block text-indigo-700 underline" href=href>{way_back}</a>
                </main>
            }
            .into_any()
        }
    }
}

/// On the server, the page's HTTP status is the error's (401, 403, 404, 503…), so a page that
/// failed is never counted as a success by monitors and caches.
pub fn answer_with_status(error: &AppError) {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        let (status, retry_after) = error.http_status();
        response.set_status(status);
        if let Some(retry_after) = retry_after {
            response.insert_header(axum::http::header::RETRY_AFTER, retry_after);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = error;
}

/// A labelled form field with its hint and its problem, tied to the input for screen readers.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    /// What the field shows first: what was typed before a refusal, or the stored value.
    #[prop(into)]
    value: String,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = "text")] kind: &'static str,
    /// The most it may hold (a `field_limits` constant, as the domain enforces): the browser
    /// stops there, and a text field says so in its hint.
    max_chars: usize,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    // Text a person writes (a name, an address) says how long it may be; a number, an email
    // or a password is stopped at its limit without a word.
    let hint = match (kind, inputmode, hint) {
        ("text", None, Some(hint)) => Some(format!("{hint} {}", field_limits::hint(max_chars))),
        ("text", None, None) => Some(field_limits::hint(max_chars)),
        (_, _, hint) => hint,
    };
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let has_hint = hint.is_some();
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium text-slate-800">{label}</label>
            {hint.map(|hint| view! { <p id=hint_id.clone() class="mt-0.5 text-xs text-slate-500">{hint}</p> })}
            <input id=id name=name type=kind value=value required=required autocomplete=autocomplete inputmode=inputmode
                maxlength=max_chars
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described_by
                class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500 aria-[invalid=true]:border-red-500"/>
            {move || error.get().map(|message| view! {
                <p id=error_id.clone() class="mt-1 text-sm text-red-700">{message}</p>
            })}
        </div>
    }
}

/// A form's refusal, read from its server action: the error, each field's problem, and what was
/// typed. Without JavaScript a refused form comes back through the URL (the action starts with
/// that error), so what was typed is read once, when the form renders.
#[derive(Clone, Copy)]
pub struct FormFailure {
    failure: Signal<Option<AppError>>,
    typed: StoredValue<Option<crate::error::FormProblems>>,
}

impl FormFailure {
    pub fn of<S>(action: ServerAction<S>) -> FormFailure
    where
        S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
        S::Output: Clone + Send + Sync + 'static,
    {
        let failure = Signal::derive(move || action.value().get().and_then(Result::err));
        let typed = failure.get_untracked().and_then(|e| e.form_problems());
        FormFailure { failure, typed: StoredValue::new(typed) }
    }

    /// The last refusal, for [`FormAlert`].
    pub fn error(self) -> Signal<Option<AppError>> {
        self.failure
    }

    /// The problem with `field`, for [`Field`].
    pub fn field(self, field: &'static str) -> Signal<Option<String>> {
        let failure = self.failure;
        Signal::derive(move || failure.get().and_then(|e| e.form_problems()).and_then(|p| p.field(field)))
    }

    /// What was typed into `field` before a refusal, if the form came back with one.
    pub fn typed(self, field: &str) -> Option<String> {
        self.typed.with_value(|typed| typed.as_ref().and_then(|p| p.value(field)))
    }
}

/// Counts `action`'s successes, for a page whose data loads again after a change went through.
/// Not after a refusal or a lost connection: the form stays as it is, with what was typed and its
/// idempotency key, so sending it again cannot create the same thing twice.
pub fn successes<S>(action: ServerAction<S>) -> Memo<usize>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    // The action counts every answer (`version`); a failed one keeps the last success's count.
    Memo::new(move |last: Option<&usize>| {
        let answers = action.version().get();
        match action.value().with(|answer| matches!(answer, Some(Ok(_)))) {
            true => answers,
            false => last.copied().unwrap_or(answers),
        }
    })
}

/// Why a form was refused, announced to screen readers.
#[component]
pub fn FormAlert(#[prop(into)] failure: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        failure.get().map(|error| {
            view! {
                <p role="alert" class=crate::submission::ALERT_CLASS data-form-alert="" data-testid="form-alert">
                    {error.to_string()}
                </p>
            }
        })
    }
}

/// A short confirmation after a change, announced politely.
#[component]
pub fn Notice(#[prop(into)] message: String) -> impl IntoView {
    view! {
        <p role="status" class="rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900" data-testid="notice">
            {message}
        </p>
    }
}

/// The main button of a form; it is disabled while the form is being sent.
#[component]
pub fn SubmitButton(label: &'static str, #[prop(into)] pending: Signal<bool>) -> impl IntoView {
    view! {
        <button type="submit" disabled=move || pending.get() aria-busy=move || pending.get().then_some("true") data-pending-label="Saving…"
            class="rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 focus:outline-none focus:ring-2 focus:ring-indigo-500 focus:ring-offset-2 disabled:opacity-60">
            {move || if pending.get() { "Saving…" } else { label }}
        </button>
    }
}

/// "Page 2 of 5 · 120 products" with previous and next links.
#[component]
pub fn Pager(
    paging: crate::paging::PagingView,
    /// What the list holds, as `(one, many)`: `("product", "products")`.
    noun: (&'static str, &'static str),
    href: impl Fn(i64) -> String,
) -> impl IntoView {
    let noun = if paging.matching == 1 { noun.0 } else { noun.1 };
    let (page, pages) = (paging.page, paging.pages);
    let previous = (page > 1).then(|| href(page - 1));
    let next = (page < pages).then(|| href(page + 1));
    let link = "rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-100 focus:outline-none focus:ring-2 focus:ring-indigo-500";
    view! {
        <nav aria-label="Pages" class="mt-4 flex flex-wrap items-center justify-between gap-2 text-sm">
            <p class="text-slate-600" data-testid="pager">
                {format!("Page {page} of {pages} · {} {noun}", crate::format::count(paging.matching))}
            </p>
            <div class="flex gap-2">
                {previous.map(|href| view! { <a href=href rel="prev" class=link>"Previous"</a> })}
                {next.map(|href| view! { <a href=href rel="next" class=link>"Next"</a> })}
            </div>
        </nav>
    }
}

/// An empty list's message, with what to do next.
#[component]
pub fn EmptyState(
    #[prop(into)] message: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="mt-6 rounded-lg border border-dashed border-slate-300 p-8 text-center text-slate-600" data-testid="empty">
            <p>{message}</p>
            {children.map(|children| view! { <div class="mt-4">{children()}</div> })}
        </div>
    }
}
