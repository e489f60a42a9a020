//! `WebSocket /ws/k8s/cluster/{id}/namespaces/{ns}/pods/{name}/logs`: follow a container's log live.
//!
//! Authentication without the token in the URL: browsers cannot set `Authorization` on a WebSocket, so the
//! access token travels as a subprotocol (`Sec-WebSocket-Protocol: kubedeck, bearer.<token>`); the server
//! answers with `kubedeck`. The `Origin`, when sent, must be this server's. Permission and the log options are
//! checked before the upgrade, so mistakes are plain HTTP 4xx. After that: one text frame per line, pings every
//! 30 s, a close frame saying why the stream ended, and the upstream request dropped as soon as the browser
//! leaves.
//!
//! Like `kubectl logs -f`, a browser that reads slowly slows the stream down instead of losing lines (a burst
//! such as `tailLines=20000` arrives whole). Only a browser that takes nothing for [`STALL_GRACE`] loses
//! lines, with a notice, so a frozen tab cannot hold server memory beyond [`BUFFERED_LINES`].
//!
//! A quiet container's stream stays open: every upstream request asks for timestamps, and a request silent for
//! [`REOPEN_AFTER_SILENCE`] (or one that breaks) is reopened from the last line delivered, skipping what was
//! already sent, before the Kubernetes client's own read timeout would end it.

use crate::auth::{Authorized, perm};
use crate::connection::{client_for, cluster, from_cluster};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::routes::pods::{LogQuery, check_log_request, log_params};
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use futures::{AsyncBufRead, AsyncBufReadExt, SinkExt, StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use kubedeck_kube::error::{ClusterError, within};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Lines held for one browser; when they are all waiting, the reader waits too.
pub const BUFFERED_LINES: usize = 2000;
/// How long the reader waits for a browser that takes no line before it drops lines (with a notice) instead.
pub const STALL_GRACE: Duration = Duration::from_secs(5);
/// Frames written before one flush, so a burst does not cost a write per line.
const LINES_PER_FLUSH: usize = 256;
/// A follow request silent this long is reopened from its last line. The Kubernetes client gives up on a
/// response silent for 330 s (`kubeconfig.rs`); reopening well before keeps a quiet container's stream open and
/// notices a dead connection within a minute.
pub const REOPEN_AFTER_SILENCE: Duration = Duration::from_secs(60);
/// Reopens in a row, after a broken upstream and without a line in between, before the stream gives up.
const REOPENS_WITHOUT_PROGRESS: u32 = 3;
pub use crate::routes::websocket::{PING_EVERY, SUBPROTOCOL};
use crate::routes::websocket::{Upgrade, check_origin, upgrade};

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
    ws: Upgrade,
) -> ApiResult<Response> {
    check_origin(&headers)?;
    let c = cluster(&state, id).await?;
    let client = client_for(&state, &c).await?;
    let api: Api<Pod> = Api::namespaced(client, &ns);
    let pod = within(Duration::from_secs(10), api.get_opt(&name))
        .await
        .map_err(from_cluster)?
        .ok_or_else(|| ApiError::pod_not_found(id, &ns, &name))?;
    let container = check_log_request(&pod, &q)?;
    let follow = Follow::new(api, name, container, &q);
    // Open the upstream before upgrading, so a refusal is still an HTTP error.
    let upstream = follow
        .request(&follow.first)
        .await
        .map_err(|e| from_cluster(e.into()))?;
    // A plain GET (no upgrade headers) gets our JSON error, not axum's plain-text rejection.
    let ws = upgrade(ws)?;
    Ok(ws.on_upgrade(move |socket| stream_lines(socket, follow, upstream)))
}

type Upstream = futures::io::Lines<Pin<Box<dyn AsyncBufRead + Send>>>;

/// Why the upstream side of a stream ended.
enum Ended {
    /// The kubelet ended the log: the container stopped or the pod went away.
    Finished,
    /// `limitBytes` were delivered.
    LimitReached,
    /// The upstream broke and could not be reopened.
    Broken(String),
    /// The browser is gone; nothing to tell it.
    BrowserGone,
}

/// One container's log followed across upstream requests.
struct Follow {
    api: Api<Pod>,
    pod: String,
    container: String,
    /// The first request's options (always with timestamps: they are how a reopened request finds its place).
    first: LogParams,
    place: Place,
    opened_at: Instant,
    /// While set, a full buffer drops lines at once (the browser already stalled for the grace period).
    dropping: bool,
}

/// Where the browser is in the log: what it has been given, and what it still may get.
#[derive(Debug, Default)]
struct Place {
    /// Whether the browser asked for the timestamps.
    show_timestamps: bool,
    /// What is left of `limitBytes` (counting a newline per line, as the kubelet does).
    bytes_left: Option<u64>,
    /// Timestamp of the last line delivered, and how many delivered lines carried exactly it.
    last: Option<(DateTime<Utc>, usize)>,
    /// After a reopen: lines before `last`, and as many at it as were delivered, are repeats.
    resuming: Option<(DateTime<Utc>, usize)>,
}

impl Follow {
    fn new(api: Api<Pod>, pod: String, container: String, q: &LogQuery) -> Self {
        // limitBytes counts what the browser gets, so it is applied here rather than to the timestamped upstream.
        let first = LogParams {
            follow: true,
            timestamps: true,
            limit_bytes: None,
            ..log_params(q, &container)
        };
        let place = Place {
            show_timestamps: q.timestamps,
            bytes_left: q.limit_bytes.map(|b| b.max(0) as u64),
            ..Place::default()
        };
        Follow {
            api,
            pod,
            container,
            first,
            place,
            opened_at: Instant::now(),
            dropping: false,
        }
    }

    /// Sends one upstream request.
    async fn request(&self, lp: &LogParams) -> Result<Upstream, kube::Error> {
        let upstream = self.api.log_stream(&self.pod, lp).await?;
        let boxed: Pin<Box<dyn AsyncBufRead + Send>> = Box::pin(upstream);
        Ok(boxed.lines())
    }

    /// Whether the followed container is running now (its log may go on after the kubelet ended a request).
    async fn container_running(&self) -> bool {
        let Ok(Some(pod)) = within(Duration::from_secs(10), self.api.get_opt(&self.pod)).await
        else {
            return false;
        };
        pod.status
            .iter()
            .flat_map(|s| {
                s.container_statuses
                    .iter()
                    .flatten()
                    .chain(s.init_container_statuses.iter().flatten())
            })
            .any(|c| {
                c.name == self.container && c.state.as_ref().is_some_and(|st| st.running.is_some())
            })
    }

    /// Opens a new upstream request that continues after the last delivered line.
    async fn reopen(&mut self) -> Result<Upstream, ClusterError> {
        self.place.resuming = self.place.last;
        let lp = resume_params(
            &self.first,
            self.place.last.map(|(t, _)| t),
            self.opened_at.elapsed(),
        );
        within(Duration::from_secs(30), self.request(&lp)).await
    }

    /// Hands a line to the writer: waits while the browser is slow, drops once it has stalled for the grace
    /// period. `false` when the browser is gone.
    async fn hand_over(
        &mut self,
        tx: &mpsc::Sender<String>,
        dropped: &AtomicU64,
        line: String,
    ) -> bool {
        match tx.try_send(line) {
            Ok(()) => {
                self.dropping = false;
                true
            }
            Err(mpsc::error::TrySendError::Full(line)) if !self.dropping => {
                match tokio::time::timeout(STALL_GRACE, tx.send(line)).await {
                    Ok(sent) => sent.is_ok(),
                    Err(_) => {
                        self.dropping = true;
                        dropped.fetch_add(1, Ordering::Relaxed);
                        true
                    }
                }
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                dropped.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Reads the upstream until it ends, reopening it after silence or a break.
    async fn read(
        mut self,
        mut upstream: Upstream,
        tx: mpsc::Sender<String>,
        dropped: Arc<AtomicU64>,
    ) -> Ended {
        let mut broken_reopens = 0;
        let mut ended_while_running = 0;
        loop {
            let next = tokio::time::timeout(REOPEN_AFTER_SILENCE, upstream.try_next()).await;
            let reason = match next {
                Ok(Ok(Some(line))) => {
                    let Some(line) = self.place.accept(line) else {
                        continue;
                    };
                    broken_reopens = 0;
                    ended_while_running = 0;
                    let (line, limit_reached) = self.place.within_limit(line);
                    if !self.hand_over(&tx, &dropped, line).await {
                        return Ended::BrowserGone;
                    }
                    if limit_reached {
                        return Ended::LimitReached;
                    }
                    continue;
                }
                Ok(Ok(None)) => {
                    // The kubelet also ends a follow when the runtime rotates the log file: while the container
                    // still runs, its log goes on, so read on from the last line's timestamp.
                    if !self.container_running().await {
                        return Ended::Finished;
                    }
                    ended_while_running += 1;
                    if ended_while_running > 1 {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    "the log ended while the container runs".to_owned()
                }
                Ok(Err(e)) => {
                    broken_reopens += 1;
                    if broken_reopens > REOPENS_WITHOUT_PROGRESS {
                        return Ended::Broken(e.to_string());
                    }
                    e.to_string()
                }
                Err(_) => "silence".to_owned(),
            };
            tracing::debug!(pod = %self.pod, container = %self.container, %reason, "reopening the log stream");
            drop(upstream);
            upstream = match self.reopen().await {
                Ok(u) => u,
                Err(e) => return Ended::Broken(e.to_string()),
            };
        }
    }
}

impl Place {
    /// What to deliver for an upstream line: `None` for a repeat after a reopen.
    fn accept(&mut self, line: String) -> Option<String> {
        let Some((at, text_from)) = split_timestamp(&line) else {
            return Some(line);
        };
        if let Some((seen_at, seen_count)) = &mut self.resuming {
            if at < *seen_at || (at == *seen_at && *seen_count > 0) {
                if at == *seen_at {
                    *seen_count -= 1;
                }
                return None;
            }
            self.resuming = None;
        }
        match &mut self.last {
            Some((t, n)) if *t == at => *n += 1,
            last => *last = Some((at, 1)),
        }
        Some(if self.show_timestamps {
            line
        } else {
            line[text_from..].to_owned()
        })
    }

    /// Applies `limitBytes`: the part of the line still allowed, and whether the limit is now reached.
    fn within_limit(&mut self, mut line: String) -> (String, bool) {
        let Some(left) = self.bytes_left.as_mut() else {
            return (line, false);
        };
        let cost = line.len() as u64 + 1;
        if cost < *left {
            *left -= cost;
            return (line, false);
        }
        let mut keep = (*left as usize).min(line.len());
        while !line.is_char_boundary(keep) {
            keep -= 1;
        }
        line.truncate(keep);
        *left = 0;
        (line, true)
    }
}

/// The options of a request that continues a follow: from the last delivered line's second (`sinceTime` has
/// second precision; the repeats are skipped by [`Place::accept`]), or, before any line, from when the stream
/// opened. Never `tailLines` again.
fn resume_params(
    first: &LogParams,
    last: Option<DateTime<Utc>>,
    since_open: Duration,
) -> LogParams {
    let (since_time, since_seconds) = match last {
        Some(t) => (
            k8s_openapi::jiff::Timestamp::from_second(t.timestamp()).ok(),
            None,
        ),
        // Everything written since the opening came through the first request, or the stream would not be
        // silent; rounding down keeps out lines from before the opening that `tailLines` or `since*` excluded.
        None => (None, Some((since_open.as_secs() as i64).max(1))),
    };
    LogParams {
        tail_lines: None,
        since_time,
        since_seconds,
        ..first.clone()
    }
}

/// Splits kubelet's `timestamps=true` prefix off a line: its time and where the text starts.
fn split_timestamp(line: &str) -> Option<(DateTime<Utc>, usize)> {
    let (stamp, _) = line.split_once(' ')?;
    let at = DateTime::parse_from_rfc3339(stamp)
        .ok()?
        .with_timezone(&Utc);
    Some((at, stamp.len() + 1))
}

async fn stream_lines(socket: WebSocket, follow: Follow, upstream: Upstream) {
    let (mut tx, mut rx) = socket.split();
    let (lines_tx, mut lines_rx) = mpsc::channel::<String>(BUFFERED_LINES);
    let dropped = Arc::new(AtomicU64::new(0));
    let (api, pod, container) = (
        follow.api.clone(),
        follow.pod.clone(),
        follow.container.clone(),
    );
    // The reader owns the upstream response; aborting it closes the request to the kubelet at once.
    let mut reader = tokio::spawn(follow.read(upstream, lines_tx, dropped.clone()));
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let ended = loop {
        tokio::select! {
            line = lines_rx.recv() => match line {
                Some(line) => {
                    if !send_lines(&mut tx, &mut lines_rx, &dropped, line).await { break None; }
                }
                None => break Some((&mut reader).await.unwrap_or(Ended::BrowserGone)),
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
    if let Some(frame) = match ended {
        Some(ended) => close_frame(ended, &api, &pod, &container).await,
        None => None,
    } {
        let _ = tx.send(Message::Close(Some(frame))).await;
    }
}

/// Sends a line and whatever else is already waiting (up to [`LINES_PER_FLUSH`]) with one flush, after a notice
/// of lines dropped for a stalled browser. `false` when the browser is gone.
async fn send_lines(
    tx: &mut futures::stream::SplitSink<WebSocket, Message>,
    lines: &mut mpsc::Receiver<String>,
    dropped: &AtomicU64,
    first: String,
) -> bool {
    let lost = dropped.swap(0, Ordering::Relaxed);
    if lost > 0 {
        let notice = format!("[kubedeck] {lost} lines dropped: the browser did not keep up");
        if tx.feed(Message::Text(notice.into())).await.is_err() {
            return false;
        }
    }
    let mut next = Some(first);
    let mut sent = 0;
    while let Some(line) = next {
        if tx.feed(Message::Text(line.into())).await.is_err() {
            return false;
        }
        sent += 1;
        next = if sent < LINES_PER_FLUSH {
            lines.try_recv().ok()
        } else {
            None
        };
    }
    tx.flush().await.is_ok()
}

/// The close frame that tells the browser why its stream ended. The reason starts with a stable code and, for
/// the pod or container, its name (`pod_gone web-5f9: ...`), so the console words it in the user's language
/// without reading the English that follows (kept for other clients and logs).
async fn close_frame(
    ended: Ended,
    api: &Api<Pod>,
    pod: &str,
    container: &str,
) -> Option<CloseFrame> {
    let (code, reason) = match ended {
        Ended::BrowserGone => return None,
        Ended::LimitReached => (1000, "limit_reached: limitBytes reached".to_owned()),
        Ended::Broken(e) => (
            1011,
            format!("upstream_broken: the log stream from the cluster broke: {e}"),
        ),
        Ended::Finished => {
            let gone = !matches!(
                within(Duration::from_secs(10), api.get_opt(pod)).await,
                Ok(Some(_))
            );
            let reason = if gone {
                format!("pod_gone {pod}: pod {pod} is gone")
            } else {
                format!(
                    "container_stopped {container}: container {container} stopped; its log ended"
                )
            };
            (1000, reason)
        }
    };
    // A close reason is at most 123 bytes.
    let mut reason = reason;
    while reason.len() > 123 {
        reason.pop();
    }
    Some(CloseFrame {
        code,
        reason: reason.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_kubelet_timestamp_is_split_off_and_shown_only_when_asked() {
        let line = "2026-11-26T05:00:01.000000002Z GET /items 200";
        assert_eq!(
            split_timestamp(line),
            Some((at("2026-11-26T05:00:01.000000002Z"), 31))
        );
        assert_eq!(split_timestamp("no stamp here"), None);
        let mut hidden = Place::default();
        assert_eq!(
            hidden.accept(line.to_owned()).as_deref(),
            Some("GET /items 200")
        );
        let mut shown = Place {
            show_timestamps: true,
            ..Place::default()
        };
        assert_eq!(shown.accept(line.to_owned()).as_deref(), Some(line));
        // A line without the prefix (not from a kubelet) passes as it is.
        assert_eq!(hidden.accept("plain".to_owned()).as_deref(), Some("plain"));
    }

    #[test]
    fn a_reopened_stream_skips_exactly_what_was_delivered() {
        let mut p = Place::default();
        // Two lines share a timestamp (one write split into lines); the first of them was delivered before the
        // upstream broke, the second was not.
        for l in [
            "2026-11-26T05:00:00.5Z a",
            "2026-11-26T05:00:01.25Z b",
            "2026-11-26T05:00:01.25Z c",
        ] {
            assert!(p.accept(l.to_owned()).is_some());
        }
        p.resuming = p.last;
        // The reopened request starts at the second (sinceTime has second precision), so it repeats a, b and c.
        let again = [
            "2026-11-26T05:00:01.1Z a2",
            "2026-11-26T05:00:01.25Z b",
            "2026-11-26T05:00:01.25Z c",
            "2026-11-26T05:00:01.25Z d",
        ];
        let got: Vec<_> = again
            .iter()
            .filter_map(|l| p.accept((*l).to_owned()))
            .collect();
        assert_eq!(got, ["d"], "only the line after the delivered ones");
        assert!(p.resuming.is_none());
        assert_eq!(p.last, Some((at("2026-11-26T05:00:01.25Z"), 3)));
        // Out of resuming, identical and even older timestamps are ordinary lines (a node clock may step back).
        assert_eq!(
            p.accept("2026-11-26T05:00:00Z e".to_owned()).as_deref(),
            Some("e")
        );
    }

    #[test]
    fn resuming_asks_from_the_last_lines_second_or_from_the_opening_and_never_tails_again() {
        let first = LogParams {
            tail_lines: Some(10),
            follow: true,
            timestamps: true,
            since_seconds: Some(600),
            ..Default::default()
        };
        let lp = resume_params(
            &first,
            Some(at("2026-11-26T05:00:01.75Z")),
            Duration::from_secs(90),
        );
        assert_eq!(lp.tail_lines, None);
        assert_eq!(lp.since_seconds, None);
        assert_eq!(
            lp.since_time.map(|t| t.as_second()),
            Some(at("2026-11-26T05:00:01Z").timestamp())
        );
        assert!(lp.follow && lp.timestamps);
        let before_any_line = resume_params(&first, None, Duration::from_millis(90_400));
        assert_eq!(
            (
                before_any_line.since_seconds,
                before_any_line.since_time,
                before_any_line.tail_lines
            ),
            (Some(90), None, None)
        );
    }

    #[test]
    fn limit_bytes_counts_what_the_browser_gets_and_cuts_at_a_character() {
        let mut p = Place {
            bytes_left: Some(12),
            ..Place::default()
        };
        assert_eq!(
            p.within_limit("hello".to_owned()),
            ("hello".to_owned(), false)
        ); // 6 with its newline
        assert_eq!(
            p.within_limit("wörld!".to_owned()),
            ("wörld".to_owned(), true)
        ); // 6 left: 'ö' is two bytes
        assert_eq!(p.bytes_left, Some(0));
        let mut unlimited = Place::default();
        assert!(!unlimited.within_limit("x".repeat(10_000)).1);
    }
}
