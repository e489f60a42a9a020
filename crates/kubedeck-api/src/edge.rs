//! What every response carries for the browser and the proxies in front, and how much header a request may send.
//!
//! The console is a single-page application whose only scripts are the bundle's own files: a Content-Security-Policy
//! that allows nothing else turns a successful injection (a pod name, a log line, a label rendered somewhere by
//! mistake) into a blocked script instead of a stolen session. Styles are the exception: Ant Design's CSS-in-JS,
//! CodeMirror and xterm.js insert `<style>` elements at run time, so `style-src` allows inline styles (CSS cannot run
//! script). Framing is refused twice (`frame-ancestors`, and `X-Frame-Options` for older browsers) so that no other
//! site can overlay the console's buttons (clickjacking a drain or a delete).

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use std::net::SocketAddr;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The console's policy: its own scripts, styles, images, fonts and connections (the API, the log and exec
/// WebSockets and the change streams are all same-origin), no plugins, no framing, forms and `<base>` pinned.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";

/// Every response's protections, in the order they are sent.
const PROTECTIONS: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    // URLs carry cluster ids, namespaces and pod names: none of that goes to another site in a Referer
    (header::REFERRER_POLICY, "no-referrer"),
];

/// The most header bytes (names and values) a request may send: nginx's default `large_client_header_buffers` (4 ×
/// 8 KiB) is the bound a request through the recommended proxy meets anyway; a login token is under 1 KiB.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// The most header lines a request may send (hyper's own limit for HTTP/1).
pub const MAX_HEADERS: usize = 100;

/// Refuses a request whose headers are too large or too many (431, before any handler reads them), and adds the
/// browser protections to every response that does not set its own. An answer that reached the browser over HTTPS
/// (this replica serves TLS, or a trusted proxy in front says so) also carries HSTS, so the browser never tries
/// plain HTTP for the console again; one over plain HTTP does not (browsers ignore it there anyway, and sending it
/// on an HTTP-only installation would promise what it cannot keep).
pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let settings = &state.settings;
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let https = settings.serves_tls || crate::audit::forwarded_https(req.headers(), peer, settings);
    let hsts = (https && !settings.hsts_max_age.is_zero()).then(|| settings.hsts_max_age.as_secs());
    let headers = req.headers();
    let bytes: usize = headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    // the largest header is named as the offending field: usually a cookie or token some proxy or plugin grew
    let largest = || {
        headers
            .iter()
            .max_by_key(|(k, v)| k.as_str().len() + v.len())
            .map(|(k, _)| k.as_str())
            .unwrap_or_default()
    };
    let mut resp = if headers.len() > MAX_HEADERS {
        too_large(MAX_HEADERS, headers.len(), "headers", largest())
    } else if bytes > MAX_HEADER_BYTES {
        too_large(MAX_HEADER_BYTES, bytes, "bytes", largest())
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    for (name, value) in PROTECTIONS {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    if let Some(max_age) = hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_str(&format!("max-age={max_age}")).expect("ascii"),
        );
    }
    // server-sent events must reach the browser frame by frame: nginx (and proxies that follow it) buffer a
    // response unless told not to, which would hold list changes and task progress back
    if h.get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"))
    {
        h.insert(
            HeaderName::from_static("x-accel-buffering"),
            HeaderValue::from_static("no"),
        );
    }
    resp
}

fn too_large(limit: usize, actual: usize, unit: &str, largest: &str) -> Response {
    ApiError::new(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        ErrorCode::HeadersTooLarge,
        format!("the request's headers are too large: {actual} {unit}, at most {limit} are taken"),
    )
    .param("limit", limit)
    .param("actual", actual)
    .param("unit", unit)
    .with_field(largest)
    .into_response()
}
