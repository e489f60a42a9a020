//! The WebSocket log stream against the testbed: `kubectl logs -f` in a browser.

use crate::helpers::*;
use futures::{SinkExt, StreamExt};
use kubedeck_testbed::{Namespace, Testbed};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

pub(crate) fn ws_request(
    app: &TestApp,
    path: &str,
    token: &str,
    origin: Option<&str>,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let url = format!("{}{}", app.base.replace("http://", "ws://"), path);
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        format!("kubedeck, bearer.{token}").parse().unwrap(),
    );
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    req
}

pub(crate) fn refused_status(e: WsError) -> u16 {
    match e {
        WsError::Http(resp) => resp.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

/// Log requests the kubelet (the simulator) is serving for one pod right now: unlike the API server's own
/// gauge, no other test's streams move it.
fn open_log_streams(tb: &Testbed, ns: &str, pod: &str) -> u64 {
    let (_, pods) = tb.sim("GET", "/pods", None);
    pods.as_array()
        .unwrap()
        .iter()
        .find(|p| p["namespace"] == ns && p["name"] == pod)
        .map_or(0, |p| p["logStreamsOpen"].as_u64().unwrap())
}

/// Applies a one-container pod (`app`, busybox) and waits until it runs. Blocking: call it before the app under
/// test is spawned on this test's runtime.
fn run_pod(tb: &Testbed, ns: &str, name: &str, annotations: &str, restart_policy: &str) {
    apply(
        tb,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}, annotations: {annotations}}}\nspec:\n  restartPolicy: {restart_policy}\n  containers: [{{name: app, image: busybox}}]\n"
        ),
    );
    kubedeck_testbed::wait_until("the pod to run", Duration::from_secs(60), || {
        (tb.kubectl_ok(&[
            "-n",
            ns,
            "get",
            "pod",
            name,
            "-o",
            "jsonpath={.status.phase}",
        ]) == "Running")
            .then_some(())
    });
}

/// The simulated container's own line number (`line=N` in the text).
fn line_number(l: &str) -> u64 {
    l.split("line=")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no line number in {l:?}"))
}

async fn the_log_stream_follows_new_lines_and_stops_upstream_when_the_browser_leaves() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "follow");
    let n = ns.name();
    run_pod(&tb, n, "chatty", "{}", "Always");
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let path = format!("/ws/k8s/cluster/{id}/namespaces/{n}/pods/chatty/logs?tailLines=1");

    let before = open_log_streams(&tb, n, "chatty");
    let started = Instant::now();
    let (mut ws, resp) =
        tokio_tungstenite::connect_async(ws_request(&app, &path, &admin, Some(&app.base)))
            .await
            .expect("connect");
    assert_eq!(resp.headers()["sec-websocket-protocol"], "kubedeck");
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a line within 10 s")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            seen.push((started.elapsed(), t.to_string()));
        }
    }
    assert!(
        seen.iter()
            .all(|(_, l)| l.contains("pod=chatty") && l.contains("container=app")),
        "{seen:?}"
    );
    // Lines keep coming as the container writes them: the 2nd and 3rd arrive close together.
    let gap = seen[2].0 - seen[1].0;
    assert!(gap < Duration::from_secs(3), "new lines took {gap:?}");
    assert!(
        line_number(&seen[2].1) > line_number(&seen[0].1),
        "{seen:?}"
    );
    let during = open_log_streams(&tb, n, "chatty");
    assert!(
        during > before,
        "the kubelet serves the follow ({before} -> {during})"
    );

    // Closing the socket ends the upstream request.
    ws.close(None).await.unwrap();
    drop(ws);
    // (async wait: the server under test runs on this test's runtime)
    eventually(
        "the upstream log request to end",
        Duration::from_secs(15),
        || async { (open_log_streams(&tb, n, "chatty") < during).then_some(()) },
    )
    .await;

    // Refusals happen before the upgrade, as HTTP errors.
    let bad_token = tokio_tungstenite::connect_async(ws_request(&app, &path, "not-a-token", None))
        .await
        .unwrap_err();
    assert_eq!(refused_status(bad_token), 401);
    let foreign = tokio_tungstenite::connect_async(ws_request(
        &app,
        &path,
        &admin,
        Some("https://evil.example"),
    ))
    .await
    .unwrap_err();
    assert_eq!(refused_status(foreign), 403);
    let nobody = app.user_token("nobody-ws", &[]).await;
    let forbidden = tokio_tungstenite::connect_async(ws_request(&app, &path, &nobody, None))
        .await
        .unwrap_err();
    assert_eq!(refused_status(forbidden), 403);
    let wrong = format!("/ws/k8s/cluster/{id}/namespaces/{n}/pods/chatty/logs?container=nope");
    let missing = tokio_tungstenite::connect_async(ws_request(&app, &wrong, &admin, None))
        .await
        .unwrap_err();
    assert_eq!(refused_status(missing), 400);

    // When the pod goes, the stream closes with the reason.
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(&app, &path, &admin, None))
        .await
        .unwrap();
    tb.kubectl_ok(&[
        "-n",
        n,
        "delete",
        "pod",
        "chatty",
        "--grace-period=0",
        "--force",
    ]);
    // Lines may still arrive first; then a close frame must say why (a socket that just ends fails).
    let frame = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(frame))) => {
                    return frame.expect("a close frame with a code and a reason");
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("the socket failed instead of closing with a reason: {e}"),
                None => panic!("the socket ended without a close frame"),
            }
        }
    })
    .await
    .expect("the stream to close after the pod was deleted");
    assert_eq!(
        u16::from(frame.code),
        1000,
        "a deleted pod ends the stream normally: {frame:?}"
    );
    assert!(
        frame.reason.starts_with("pod_gone chatty"),
        "close reason: {}",
        frame.reason
    );
    app.stop().await;
}
on_every_backend!(the_log_stream_follows_new_lines_and_stops_upstream_when_the_browser_leaves);

/// Waits for the next frame, at most `within`: `None` when nothing came (the socket is still open).
async fn next_frame(ws: &mut WsStream, within: Duration) -> Option<Result<Message, WsError>> {
    tokio::time::timeout(within, ws.next())
        .await
        .ok()
        .map(|m| m.expect("the socket ended without a close frame"))
}

type WsStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A browser tab left on a quiet container: nothing but keep-alive pings for over two minutes (longer than many
/// proxies' and load balancers' idle timeouts, and four ping periods), and the stream must still be open both
/// ways and still deliver the line the container writes afterwards. Any layer that gives up on an idle
/// connection (kubedeck, its Kubernetes client's read timeout, the API server's proxy to the kubelet) fails it.
async fn an_idle_log_stream_stays_open_with_pings_and_still_delivers_the_next_line() {
    use kubedeck_api::routes::log_stream::PING_EVERY;
    const IDLE: Duration = Duration::from_secs(125);
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "idle");
    let n = ns.name();
    // Silent through its own annotation: the global rate (PUT /logs/rate) is shared with every test running in
    // parallel. `Never`, so the crash below ends the run instead of restarting it.
    run_pod(
        &tb,
        n,
        "quiet",
        r#"{sim.kubedeck.io/log-lines-per-second: "0"}"#,
        "Never",
    );
    // A line every 61 s: each gap is longer than REOPEN_AFTER_SILENCE, so Kubedeck reopens the upstream request
    // between two lines, and the reopened request starts at the last line's second, so it repeats that line.
    run_pod(
        &tb,
        n,
        "slow",
        r#"{sim.kubedeck.io/log-lines-per-second: "0.016393"}"#,
        "Always",
    );
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let path = format!("/ws/k8s/cluster/{id}/namespaces/{n}/pods/quiet/logs");
    let slow_path = format!("/ws/k8s/cluster/{id}/namespaces/{n}/pods/slow/logs?tailLines=0");
    let (mut slow, _) =
        tokio_tungstenite::connect_async(ws_request(&app, &slow_path, &admin, None))
            .await
            .expect("connect");
    let log_requests = |pod: &str| {
        let (_, pods) = tb.sim("GET", "/pods", None);
        pods.as_array()
            .unwrap()
            .iter()
            .find(|p| p["namespace"] == n && p["name"] == pod)
            .map_or(0, |p| p["logRequests"].as_u64().unwrap())
    };
    let slow_requests_before = log_requests("slow");

    // The upgrade must not wait for a first line that will not come.
    let (mut ws, _) = tokio::time::timeout(
        Duration::from_secs(30),
        tokio_tungstenite::connect_async(ws_request(&app, &path, &admin, None)),
    )
    .await
    .expect("the upgrade of a stream on a silent container to answer within 30 s")
    .expect("connect");
    let opened = Instant::now();
    let mut pings = Vec::new();
    while let Some(left) = IDLE.checked_sub(opened.elapsed()) {
        match next_frame(&mut ws, left).await {
            None => break,
            Some(Ok(Message::Ping(_))) => pings.push(opened.elapsed()),
            Some(Ok(Message::Text(t))) => panic!("the quiet container wrote {t:?}"),
            other => panic!(
                "the idle stream ended after {:?}: {other:?}",
                opened.elapsed()
            ),
        }
    }
    // A ping every PING_EVERY, none missed: at 30 s that is 4 in 125 s, each within a period (plus slack for a busy
    // machine) of the one before.
    let expected = (IDLE.as_secs() / PING_EVERY.as_secs()) as usize;
    assert!(
        pings.len() >= expected,
        "{} pings in {IDLE:?} (every {PING_EVERY:?} expected): {pings:?}",
        pings.len()
    );
    let mut last = Duration::ZERO;
    for p in &pings {
        assert!(
            *p - last <= PING_EVERY + Duration::from_secs(10),
            "a keep-alive ping came late: {pings:?}"
        );
        last = *p;
    }

    // The slow container's two lines (or three) came through once each, in order, across the reopened requests.
    assert!(
        log_requests("slow") > slow_requests_before,
        "no reopened request reached the kubelet"
    );
    let mut slow_lines = Vec::new();
    while let Some(frame) = next_frame(&mut slow, Duration::from_millis(500)).await {
        if let Ok(Message::Text(t)) = frame {
            slow_lines.push(t.to_string());
        }
    }
    let numbers: Vec<u64> = slow_lines.iter().map(|l| line_number(l)).collect();
    assert!(
        numbers.len() >= 2,
        "a line every 61 s for over 125 s: {slow_lines:?}"
    );
    assert!(
        numbers.windows(2).all(|w| w[1] == w[0] + 1),
        "lines lost or repeated across the reopen: {slow_lines:?}"
    );

    // Still open in both directions: the server answers our ping.
    ws.send(Message::Ping(b"still there?".to_vec().into()))
        .await
        .expect("sending on the idle socket");
    loop {
        match next_frame(&mut ws, Duration::from_secs(15)).await {
            Some(Ok(Message::Pong(p))) if p.as_ref() == b"still there?" => break,
            Some(Ok(Message::Ping(_))) => {}
            other => panic!("no pong after {:?} idle: {other:?}", opened.elapsed()),
        }
    }

    // A line written after the idle stretch still arrives: the simulated kubelet ends the run with a FATAL line.
    let (status, body) = tb.sim(
        "POST",
        &format!("/pods/{n}/quiet/crash"),
        Some(&json!({"exitCode": 3})),
    );
    assert_eq!(status, 202, "{body}");
    let line = loop {
        match next_frame(&mut ws, Duration::from_secs(30)).await {
            Some(Ok(Message::Text(t))) => break t.to_string(),
            Some(Ok(Message::Ping(_))) => {}
            other => panic!("no line after the crash: {other:?}"),
        }
    };
    assert!(
        line.contains("FATAL")
            && line.contains("pod=quiet")
            && line.contains("exiting with code 3"),
        "{line}"
    );
    // ... and then the close frame saying why the stream ended.
    match next_frame(&mut ws, Duration::from_secs(30)).await {
        Some(Ok(Message::Close(Some(frame)))) => assert!(
            frame.reason.starts_with("container_stopped "),
            "close reason: {}",
            frame.reason
        ),
        other => panic!("expected a close frame after the container stopped, got {other:?}"),
    }
    app.stop().await;
}
on_every_backend!(an_idle_log_stream_stays_open_with_pings_and_still_delivers_the_next_line);

/// `kubectl logs -f --tail=N` on a busy container prints all N lines: a backlog far larger than the server's
/// buffer arrives whole and in order, followed by the live lines, when the client reads as fast as it can.
async fn a_large_tail_arrives_whole_before_the_live_lines() {
    const TAIL: usize = 6000;
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "burst");
    let n = ns.name();
    run_pod(
        &tb,
        n,
        "busy",
        r#"{sim.kubedeck.io/log-lines-per-second: "1000"}"#,
        "Always",
    );
    // The tail needs TAIL lines written: at 1000 lines/s, a few seconds.
    kubedeck_testbed::wait_until(
        "the container to write the tail",
        Duration::from_secs(60),
        || {
            let out = tb.kubectl_ok(&["-n", n, "logs", "busy", "--tail=1"]);
            (line_number(&out) > TAIL as u64 + 500).then_some(())
        },
    );
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let path = format!("/ws/k8s/cluster/{id}/namespaces/{n}/pods/busy/logs?tailLines={TAIL}");
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(&app, &path, &admin, None))
        .await
        .expect("connect");
    let mut lines = Vec::with_capacity(TAIL + 1000);
    while lines.len() < TAIL + 1000 {
        match next_frame(&mut ws, Duration::from_secs(30)).await {
            Some(Ok(Message::Text(t))) => {
                assert!(
                    !t.starts_with("[kubedeck]"),
                    "the server dropped lines: {t}"
                );
                lines.push(line_number(&t));
            }
            Some(Ok(_)) => {}
            other => panic!("the stream ended after {} lines: {other:?}", lines.len()),
        }
    }
    let gaps: Vec<_> = lines
        .windows(2)
        .filter(|w| w[1] != w[0] + 1)
        .take(5)
        .collect();
    assert!(
        gaps.is_empty(),
        "{} lines, not consecutive at {gaps:?}",
        lines.len()
    );
    app.stop().await;
}
on_every_backend!(a_large_tail_arrives_whole_before_the_live_lines);

/// Log requests the kubelet (the simulator) has served for one pod.
fn log_requests(tb: &Testbed, ns: &str, pod: &str) -> u64 {
    let (_, pods) = tb.sim("GET", "/pods", None);
    pods.as_array()
        .unwrap()
        .iter()
        .find(|p| p["namespace"] == ns && p["name"] == pod)
        .map_or(0, |p| p["logRequests"].as_u64().unwrap())
}

async fn a_log_rotation_while_the_container_runs_does_not_end_the_stream() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "rotate");
    let n = ns.name();
    run_pod(&tb, n, "rotating", "{}", "Always");
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let path = format!("/ws/k8s/cluster/{id}/namespaces/{n}/pods/rotating/logs?tailLines=1");
    let (mut ws, _) =
        tokio_tungstenite::connect_async(ws_request(&app, &path, &admin, Some(&app.base)))
            .await
            .expect("connect");
    let mut numbers = Vec::new();
    async fn lines(ws: &mut WsStream, want: usize, into: &mut Vec<u64>) {
        let mut got = 0;
        while got < want {
            match tokio::time::timeout(Duration::from_secs(15), ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) if !t.starts_with("[kubedeck]") => {
                    into.push(line_number(&t));
                    got += 1;
                }
                Ok(Some(Ok(Message::Close(frame)))) => {
                    panic!("the stream closed while the container runs: {frame:?}")
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(e))) => panic!("the socket failed: {e}"),
                Ok(None) => panic!("the socket ended"),
                Err(_) => panic!("no line within 15 s (after {} lines)", into.len()),
            }
        }
    }
    lines(&mut ws, 2, &mut numbers).await;
    let requests = log_requests(&tb, n, "rotating");
    // The runtime rotates the log file: the kubelet ends the follow, the container keeps running.
    let (code, body) = tb.sim("POST", &format!("/pods/{n}/rotating/rotate-logs"), None);
    assert!(code < 300, "sim refused: {body}");
    lines(&mut ws, 4, &mut numbers).await;
    assert!(
        log_requests(&tb, n, "rotating") > requests,
        "the stream was reopened upstream after the rotation"
    );
    // Nothing lost and nothing repeated: the simulated container numbers its lines.
    assert!(
        numbers.windows(2).all(|w| w[1] == w[0] + 1),
        "line numbers across the rotation: {numbers:?}"
    );
    ws.close(None).await.unwrap();
    app.stop().await;
}
on_every_backend!(a_log_rotation_while_the_container_runs_does_not_end_the_stream);
