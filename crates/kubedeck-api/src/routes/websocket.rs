//! What every browser WebSocket route shares (the log stream, the web terminal): the subprotocol that
//! carries the access token, the `Origin` check, the upgrade that answers a plain GET with our JSON error,
//! and the keep-alive interval.
//!
//! Browsers cannot set `Authorization` on a WebSocket, so the access token travels as a subprotocol
//! (`Sec-WebSocket-Protocol: kubedeck, bearer.<token>`, read by the auth extractor); the server answers with
//! [`SUBPROTOCOL`]. The `Origin`, when sent, must be this server's. Routes check it, the permission and their
//! parameters before the upgrade, so every refusal is a plain HTTP 4xx with the JSON error body.

use crate::error::{ApiError, ApiResult, ErrorCode};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::http::{HeaderMap, StatusCode, header};
use std::time::Duration;

/// Keep-alive ping interval.
pub const PING_EVERY: Duration = Duration::from_secs(30);
/// The subprotocol the server speaks.
pub const SUBPROTOCOL: &str = "kubedeck";

/// The upgrade, or an axum rejection (kept so a plain GET gets our JSON error).
pub type Upgrade = Result<WebSocketUpgrade, WebSocketUpgradeRejection>;

/// Refuses cross-site WebSocket requests: when a browser sends `Origin`, its host must be this server's.
pub fn check_origin(headers: &HeaderMap) -> ApiResult<()> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin
        .split("://")
        .nth(1)
        .unwrap_or_default()
        .trim_end_matches('/');
    if !host.is_empty() && origin_host.eq_ignore_ascii_case(host) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::OriginForbidden,
        format!("WebSocket origin '{origin}' is not this server ({host})"),
    )
    .param("origin", origin))
}

/// The upgrade answering with [`SUBPROTOCOL`]; a request without upgrade headers is `400 websocket_required`.
pub fn upgrade(ws: Upgrade) -> ApiResult<WebSocketUpgrade> {
    let ws = ws.map_err(|r| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::WebsocketRequired,
            format!("open this route as a WebSocket: {}", r.body_text()),
        )
    })?;
    Ok(ws.protocols([SUBPROTOCOL]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_origin_browsers_may_connect() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "kubedeck.example:8080".parse().unwrap());
        assert!(
            check_origin(&h).is_ok(),
            "non-browser clients send no Origin"
        );
        h.insert(
            header::ORIGIN,
            "https://kubedeck.example:8080".parse().unwrap(),
        );
        assert!(check_origin(&h).is_ok());
        h.insert(header::ORIGIN, "https://evil.example".parse().unwrap());
        assert_eq!(
            check_origin(&h).unwrap_err().code,
            ErrorCode::OriginForbidden
        );
    }
}
