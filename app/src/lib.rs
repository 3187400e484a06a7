//! The storefront's pages and server functions. Pages render on the server only (islands: the
//! browser runs `#[island]`s and sends forms, `frontend`). Server functions stay thin: who is
//! asking, which store, then one call into `domain`.

pub mod admin;
pub mod billing;
#[cfg(feature = "ssr")]
pub mod budget;
#[cfg(feature = "ssr")]
pub mod client_address;
pub mod components;
pub mod customers;
pub mod error;
pub mod figures;
pub mod form_key;
pub mod format;
pub mod loading;
#[cfg(feature = "ssr")]
pub mod mail;
pub mod orders;
pub mod pages;
pub mod paging;
#[cfg(feature = "ssr")]
pub mod payments;
pub mod products;
#[cfg(feature = "ssr")]
pub mod session;
pub mod settings;
pub mod sign_in_failure;
pub mod signup;
pub mod site;
#[cfg(feature = "ssr")]
pub mod state;
pub mod stores;
pub mod submission;
pub mod team;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{ParamSegment, SsrMode, StaticSegment};

use crate::pages::admin::{AdminOverviewPage, AdminStorePage, AdminStoresPage};
use crate::pages::billing::BillingPage;
use crate::pages::choose_store::ChooseStorePage;
use crate::pages::customers::{CustomerFormPage, CustomersPage};
use crate::pages::orders::{NewOrderPage, OrderPage, OrdersPage};
use crate::pages::products::{ImportProductsPage, ProductFormPage, ProductsPage};
use crate::pages::settings::{AuditPage, SettingsPage};
use crate::pages::signup::{SignupPage, SignupWelcomePage};
use crate::pages::team::{AcceptInvitationPage, TeamPage};
use crate::pages::{home::HomePage, not_found::NotFound, sign_in::SignInPage};

/// The name of the compiled site files (`/pkg/storefront.js`, `.wasm`, `.css`), before the
/// build adds its content hash (`storefront.<hash>.js`).
pub const SITE_NAME: &str = "storefront";

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // Here, not in <App/>: only the server knows the built site's name.
                <link rel="stylesheet" href=format!("/pkg/{}.css", options.output_name)/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

/// Every page's title, `"{page} · Storefront"`, as it goes into the document head.
///
/// On the server, leptos_meta 0.8.7 writes the title's text into `<title>` as it is, without the
/// escaping it gives the body (`ServerMetaContext`'s head injection), so a product named
/// `</title><script>` would end the element and run. It is escaped here, the one place every
/// title passes through. In the browser the same text becomes `document.title`, which is plain
/// text, so it is left alone there (escaping it would show `&lt;` in the tab).
pub fn document_title(page: String) -> String {
    let title = if page.is_empty() { "Storefront".to_owned() } else { format!("{page} · Storefront") };
    #[cfg(feature = "ssr")]
    let title = html_escape::encode_text(&title).into_owned();
    title
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=document_title/>
        <Router>
            // Pages render completely before they are sent (SsrMode::Async): they work without
            // JavaScript, and with it the browser only sends their forms (`app::submission`).
            <components::SupportBanner/>
            <components::BillingBanner/>
            <Routes fallback=NotFound>
                <Route path=StaticSegment("admin") view=AdminOverviewPage ssr=SsrMode::Async/>
                <Route path=(StaticSegment("admin"), StaticSegment("stores")) view=AdminStoresPage ssr=SsrMode::Async/>
                <Route path=(StaticSegment("admin"), StaticSegment("stores"), ParamSegment("id")) view=AdminStorePage ssr=SsrMode::Async/>
                <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async/>
                <Route path=(StaticSegment("auth"), StaticSegment("login")) view=SignInPage ssr=SsrMode::Async/>
                <Route path=(StaticSegment("auth"), StaticSegment("choose-store")) view=ChooseStorePage ssr=SsrMode::Async/>
                <Route path=StaticSegment("orders") view=OrdersPage ssr=SsrMode::Async/>
                <Route path=(StaticSegment("orders"), StaticSegment("new")) view=NewOrderPage ssr=SsrMode::Async/>
                <Route path=(StaticSegment("orders"), ParamSegment("id")) view=OrderPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("signup") view=SignupPage ssr=SsrMode::Async/>
                <Route path=(StaticSegment("signup"), StaticSegment("welcome")) view=SignupWelcomePage ssr=SsrMode::Async/>
                <Route path=StaticSegment("billing") view=BillingPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("team") view=TeamPage ssr=SsrMode::Async/>
                <Route path=(StaticSegment("invitations"), StaticSegment("accept")) view=AcceptInvitationPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("settings") view=SettingsPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("audit") view=AuditPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("customers") view=CustomersPage ssr=SsrMode::Async/>
                <Route path=(StaticSegment("customers"), StaticSegment("new")) view=CustomerFormPage ssr=SsrMode::Async/>
                <Route path=(StaticSegment("customers"), ParamSegment("id")) view=CustomerFormPage ssr=SsrMode::Async/>
                <Route path=StaticSegment("products") view=ProductsPage ssr=SsrMode::Async/>
                <Route path=(StaticSegment("products"), StaticSegment("new")) view=ProductFormPage ssr=SsrMode::Async/>
                <Route path=(StaticSegment("products"), StaticSegment("import")) view=ImportProductsPage ssr=SsrMode::Async/>
                <Route path=(StaticSegment("products"), ParamSegment("id")) view=ProductFormPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
