//! `WebSocket /ws/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/logs`: follow a container's log live.
//!
//! Authentication without the token in the URL: browsers cannot set `Authorization` on a WebSocket, so the
//! access token travels as a subprotocol (`Sec-WebSocket-Protocol: kubedeck, bearer.<token>`); the server
//! answers with `kubedeck`. The `Origin`, when sent, must be this server's. Permission and the log options are
//! checked before the upgrade, so mistakes are plain HTTP 4xx. After that: one text frame per line, pings every
//! 30 s, a bounded buffer (a slow browser loses lines, with a notice, instead of growing server memory), a
//! close frame saying why the stream ended, and the upstream request dropped as soon as the browser leaves.

use crate::auth::{Authorized, perm};
use crate::connection::{client_for, cluster, from_cluster};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::routes::pods::{LogQuery, check_log_request};
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use futures::{AsyncBufReadExt, SinkExt, StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use kubedeck_kube::error::within;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// Lines held for one browser before new ones are dropped.
pub const BUFFERED_LINES: usize = 2000;
/// Keep-alive ping interval.
pub const PING_EVERY: Duration = Duration::from_secs(30);
/// The subprotocol the server speaks.
pub const SUBPROTOCOL: &str = "kubedeck";

/// Refuses cross-site WebSocket requests: when a browser sends `Origin`, its host must be this server's.
fn check_origin(headers: &HeaderMap) -> ApiResult<()> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return Ok(()) };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split("://").nth(1).unwrap_or_default().trim_end_matches('/');
    if !host.is_empty() && origin_host.eq_ignore_ascii_case(host) {
        return Ok(());
    }
    Err(ApiError::new(StatusCode::FORBIDDEN, "origin_forbidden", format!("WebSocket origin '{origin}' is not this server ({host})")))
}

/// Follow a container's log (WebSocket; same options as the REST logs endpoint).
#[utoipa::path(get, path = "/ws/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/logs", tag = "pods",
    params(("id" = i64, Path), ("ns" = String, Path), ("name" = String, Path), LogQuery),
    responses((status = 101, description = "switching to the WebSocket log stream"), (status = 400), (status = 403), (status = 404)),
    extensions(("x-permission" = json!("pod.logs"))))]
pub async fn follow(
    State(state): State<AppState>,
    _auth: Authorized<perm::PodLogs>,
    Path((id, ns, name)): Path<(i64, String, String)>,
    ApiQuery(q): ApiQuery<LogQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> ApiResult<Response> {
    check_origin(&headers)?;
    let c = cluster(&state, id).await?;
    let client = client_for(&state, &c).await?;
    let api: Api<Pod> = Api::namespaced(client, &ns);
    let pod = within(Duration::from_secs(10), api.get_opt(&name))
        .await
        .map_err(from_cluster)?
        .ok_or_else(|| ApiError::not_found(format!("pod '{name}' does not exist in namespace '{ns}' of cluster {id}")))?;
    let container = check_log_request(&pod, &q)?;
    let lp = LogParams {
        container: Some(container.clone()),
        follow: true,
        limit_bytes: q.limit_bytes,
        previous: q.previous,
        since_seconds: q.since_seconds,
        since_time: q.since_time.map(|t| k8s_openapi::jiff::Timestamp::from_second(t.timestamp()).unwrap_or_default()),
        tail_lines: q.tail_lines,
        timestamps: q.timestamps,
        pretty: false,
    };
    // Open the upstream before upgrading, so a refusal is still an HTTP error.
    let upstream = api.log_stream(&name, &lp).await.map_err(|e| from_cluster(e.into()))?;
    let ws = ws.protocols([SUBPROTOCOL]);
    Ok(ws.on_upgrade(move |socket| stream_lines(socket, upstream, api, name, container)))
}

async fn stream_lines(
    socket: WebSocket,
    upstream: impl futures::AsyncBufRead + Send + Unpin + 'static,
    api: Api<Pod>,
    pod: String,
    container: String,
) {
    let (mut tx, mut rx) = socket.split();
    let (lines_tx, mut lines_rx) = mpsc::channel::<String>(BUFFERED_LINES);
    let dropped = Arc::new(AtomicU64::new(0));
    let reader_dropped = dropped.clone();
    // The reader owns the upstream response; aborting it closes the request to the kubelet at once.
    let reader = tokio::spawn(async move {
        let mut lines = upstream.lines();
        loop {
            match lines.try_next().await {
                Ok(Some(line)) => {
                    if let Err(mpsc::error::TrySendError::Full(_)) = lines_tx.try_send(line) {
                        reader_dropped.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Ok(None) => return Ok(()),
                Err(e) => return Err(e.to_string()),
            }
        }
    });
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let close = loop {
        tokio::select! {
            line = lines_rx.recv() => match line {
                Some(line) => {
                    let lost = dropped.swap(0, Ordering::Relaxed);
                    if lost > 0 {
                        let notice = format!("[kubedeck] {lost} lines dropped: the browser did not keep up");
                        if tx.send(Message::Text(notice.into())).await.is_err() { break None; }
                    }
                    if tx.send(Message::Text(line.into())).await.is_err() { break None; }
                }
                None => {
                    // Upstream ended: say why.
                    let gone = !matches!(api.get_opt(&pod).await, Ok(Some(_)));
                    let reason = if gone {
                        format!("pod {pod} is gone")
                    } else {
                        format!("container {container} stopped; its log ended")
                    };
                    break Some(CloseFrame { code: 1000, reason: reason.into() });
                }
            },
            msg = rx.next() => match msg {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break None,
                _ => {}
            },
            _ = ping.tick() => {
                if tx.send(Message::Ping(Vec::new().into())).await.is_err() { break None; }
            }
        }
    };
    reader.abort();
    if let Some(frame) = close {
        let _ = tx.send(Message::Close(Some(frame))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_origin_browsers_may_connect() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "kubedeck.example:8080".parse().unwrap());
        assert!(check_origin(&h).is_ok(), "non-browser clients send no Origin");
        h.insert(header::ORIGIN, "https://kubedeck.example:8080".parse().unwrap());
        assert!(check_origin(&h).is_ok());
        h.insert(header::ORIGIN, "https://evil.example".parse().unwrap());
        assert_eq!(check_origin(&h).unwrap_err().code, "origin_forbidden");
    }
}
