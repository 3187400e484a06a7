//! The address a request comes from, for per-client rate limits.

use std::net::SocketAddr;

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;

/// The client's address: the TCP peer, or, behind a proxy (`CLIENT_IP_HEADER`), the last
/// address that header lists (the one the nearest proxy saw).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let forwarded = state.client_ip_header.as_ref().and_then(|name| {
            let value = parts.headers.get(name)?.to_str().ok()?;
            let last = value.rsplit(',').next()?.trim();
            (!last.is_empty()).then(|| last.to_owned())
        });
        if let Some(address) = forwarded {
            return Ok(ClientAddress(address));
        }
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| ClientAddress(peer.ip().to_string()))
            .ok_or((StatusCode::INTERNAL_SERVER_ERROR, "the client address is unknown"))
    }
}
