//! Forms that post to a server function, sent by script (see `app::submission` for why and for
//! the names both sides share).
//!
//! One listener on the window serves every such form on the page: the form is posted as the
//! browser would post it (the same fields, URL-encoded, `Accept: text/html`), its buttons are
//! disabled meanwhile, and then the browser goes where the server's answer says. When the answer
//! never comes, or is not one a form gets, the page stays as it is, with what was typed and a
//! message in the form's alert.

use app::error::AppError;
use app::submission::{
    ALERT_ATTRIBUTE, ALERT_CLASS, LOCATION_HEADER, PENDING_LABEL_ATTRIBUTE, REQUEST_HEADER, SERVER_FN_PREFIX,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Element, FormData, HtmlElement, HtmlFormElement, PageTransitionEvent, RequestInit, Response, SubmitEvent,
    Url, UrlSearchParams,
};

/// What the answer to a form says the browser should do.
enum Answer {
    /// Go to this address: the next page, or the form again with its refusal.
    GoTo(String),
    /// Stay, and show this: the form is as it was, so it may be sent again.
    Refused(String),
}

/// A refusal that was not the server function's (a proxy, a limit on the request's size) is
/// shown as it came when it is this short, plain text.
const MAX_PLAIN_REFUSAL: usize = 300;

/// The button's own label, kept while it shows its pending one.
const LABEL_ATTRIBUTE: &str = "data-label";

pub fn send_forms_by_script() {
    let window = leptos::prelude::window();
    let on_submit = Closure::<dyn Fn(SubmitEvent)>::new(on_submit);
    let _ = window.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
    on_submit.forget();
    // Coming back to a page kept whole by the browser (back after a submission), its forms
    // are sent already: ready them again.
    let on_show = Closure::<dyn Fn(PageTransitionEvent)>::new(|event: PageTransitionEvent| {
        if event.persisted() {
            if let Ok(forms) = leptos::prelude::document().query_selector_all("form[aria-busy]") {
                for form in (0..forms.length()).filter_map(|i| forms.item(i)) {
                    if let Ok(form) = form.dyn_into::<HtmlFormElement>() {
                        set_busy(&form, false);
                    }
                }
            }
        }
    });
    let _ = window.add_event_listener_with_callback("pageshow", on_show.as_ref().unchecked_ref());
    on_show.forget();
}

fn on_submit(event: SubmitEvent) {
    if event.default_prevented() {
        return;
    }
    let Some(form) = event.target().and_then(|target| target.dyn_into::<HtmlFormElement>().ok()) else {
        return;
    };
    let Some(action) = server_function_address(&form) else {
        return;
    };
    event.prevent_default();
    // Sent already and not answered yet: once is enough.
    if form.has_attribute("aria-busy") {
        return;
    }
    let Some(body) = fields(&form, event.submitter()) else {
        return;
    };
    set_busy(&form, true);
    leptos::task::spawn_local(async move {
        match send(&action, &body).await {
            Answer::GoTo(address) => {
                if leptos::prelude::window().location().assign(&address).is_err() {
                    set_busy(&form, false);
                }
            }
            Answer::Refused(message) => {
                show_refusal(&form, &message);
                set_busy(&form, false);
            }
        }
    });
}

/// The address a form posts to, when it is a server function of this site.
fn server_function_address(form: &HtmlFormElement) -> Option<String> {
    if !form.method().eq_ignore_ascii_case("post") {
        return None;
    }
    let action = Url::new(&form.action()).ok()?;
    let here = leptos::prelude::window().location().origin().ok()?;
    (action.origin() == here && action.pathname().starts_with(SERVER_FN_PREFIX)).then(|| action.href())
}

/// The form's fields as the browser would send them, the button that sent it included.
fn fields(form: &HtmlFormElement, submitter: Option<HtmlElement>) -> Option<UrlSearchParams> {
    let data = FormData::new_with_form(form).ok()?;
    if let Some(button) = submitter {
        let name = button.get_attribute("name").unwrap_or_default();
        if !name.is_empty() {
            data.append_with_str(&name, &button.get_attribute("value").unwrap_or_default()).ok()?;
        }
    }
    UrlSearchParams::new_with_str_sequence_sequence(&data).ok()
}

async fn send(action: &str, body: &UrlSearchParams) -> Answer {
    let transport = || Answer::Refused(AppError::Transport(String::new()).to_string());
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(body);
    let headers = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&headers, &"accept".into(), &"text/html".into());
    let _ = js_sys::Reflect::set(&headers, &REQUEST_HEADER.into(), &"1".into());
    init.set_headers(&headers);
    let Ok(response) = JsFuture::from(leptos::prelude::window().fetch_with_str_and_init(action, &init)).await
    else {
        return transport();
    };
    let Ok(response) = response.dyn_into::<Response>() else {
        return transport();
    };
    if let Ok(Some(address)) = response.headers().get(LOCATION_HEADER) {
        return Answer::GoTo(address);
    }
    Answer::Refused(refusal_of(&response).await.unwrap_or_else(|| AppError::Internal.to_string()))
}

/// What an answer that is not a form's says, when it says it in a few words of plain text.
async fn refusal_of(response: &Response) -> Option<String> {
    let plain = response.headers().get("content-type").ok()??.starts_with("text/plain");
    if !plain {
        return None;
    }
    let text = JsFuture::from(response.text().ok()?).await.ok()?.as_string()?;
    let text = text.trim();
    (!text.is_empty() && text.chars().count() <= MAX_PLAIN_REFUSAL).then(|| text.to_owned())
}

/// The form's alert says `message` (announced: it is an alert), made where the form has none.
fn show_refusal(form: &HtmlFormElement, message: &str) {
    let alert = match form.query_selector(&format!("[{ALERT_ATTRIBUTE}]")) {
        Ok(Some(alert)) => alert,
        _ => {
            let Ok(alert) = leptos::prelude::document().create_element("p") else {
                return;
            };
            let _ = alert.set_attribute("role", "alert");
            let _ = alert.set_attribute("class", ALERT_CLASS);
            let _ = alert.set_attribute(ALERT_ATTRIBUTE, "");
            let _ = alert.set_attribute("data-testid", "form-alert");
            let _ = form.prepend_with_node_1(&alert);
            alert
        }
    };
    alert.set_text_content(Some(message));
}

/// Marks the form as on its way (or no longer): its buttons are disabled meanwhile, and show
/// their pending label where they have one.
fn set_busy(form: &HtmlFormElement, busy: bool) {
    if busy {
        let _ = form.set_attribute("aria-busy", "true");
    } else {
        let _ = form.remove_attribute("aria-busy");
    }
    let Ok(buttons) = form.query_selector_all("button[type=submit], button:not([type]), input[type=submit]")
    else {
        return;
    };
    for button in (0..buttons.length()).filter_map(|i| buttons.item(i)) {
        let Ok(button) = button.dyn_into::<Element>() else { continue };
        if busy {
            let _ = button.set_attribute("disabled", "");
            if let Some(pending) = button.get_attribute(PENDING_LABEL_ATTRIBUTE) {
                let _ = button.set_attribute(LABEL_ATTRIBUTE, &button.text_content().unwrap_or_default());
                button.set_text_content(Some(&pending));
            }
        } else {
            let _ = button.remove_attribute("disabled");
            if let Some(label) = button.get_attribute(LABEL_ATTRIBUTE) {
                button.set_text_content(Some(&label));
                let _ = button.remove_attribute(LABEL_ATTRIBUTE);
            }
        }
    }
}
