//! How the browser sends a form that posts to a server function.
//!
//! Pages are rendered on the server only (islands: the browser holds no copy of them), so a
//! form's answer is the one a browser without JavaScript gets: a redirect, to the next page or
//! back to the form with the refusal and what was typed in the URL. The browser's script
//! (`frontend`) sends such forms itself, so that a lost connection leaves the page and what was
//! typed in place with a message, and the button says the form is on its way. The server hands
//! it the redirect's target instead of the redirect (`server::submissions`): a redirect would be
//! followed by `fetch` itself, and the next page fetched once to be thrown away.
//!
//! These names are shared by both sides.

/// Sent by the script with every form it posts.
pub const REQUEST_HEADER: &str = "storefront-submission";

/// Where the browser goes next (the redirect's `Location`), in a `204 No Content` answer to a
/// form the script sent.
pub const LOCATION_HEADER: &str = "storefront-location";

/// The path under which server functions answer (`#[server]`'s default prefix): the forms the
/// script sends. Other forms (sign-in, sign-out, the CSV upload) are sent by the browser.
pub const SERVER_FN_PREFIX: &str = "/api/";

/// Marks the element of a form where its refusal is shown ([`crate::components::FormAlert`]).
pub const ALERT_ATTRIBUTE: &str = "data-form-alert";

/// The label a submit button shows while its form is on its way.
pub const PENDING_LABEL_ATTRIBUTE: &str = "data-pending-label";

/// How a form's refusal looks, also when the script shows one the server could not send.
pub const ALERT_CLASS: &str = "rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800";
