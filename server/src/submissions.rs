//! Forms the browser's script sends (see `app::submission`): their redirect is handed to the
//! script as `204 No Content` with the target in a header, because `fetch` would follow it
//! itself and render the next page only for the script to throw it away. Everything else about
//! the answer (its cookies above all: a sign-in's new session) is kept.

use app::submission::{LOCATION_HEADER, REQUEST_HEADER};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderName, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

pub async fn hand_redirects_to_the_script(request: Request, next: Next) -> Response {
    let from_script = request.headers().contains_key(REQUEST_HEADER);
    let response = next.run(request).await;
    if !from_script
        || !response.status().is_redirection()
        || !response.headers().contains_key(header::LOCATION)
    {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let target = parts.headers.remove(header::LOCATION).expect("checked above");
    parts.status = StatusCode::NO_CONTENT;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.insert(HeaderName::from_static(LOCATION_HEADER), target);
    Response::from_parts(parts, Body::empty())
}
