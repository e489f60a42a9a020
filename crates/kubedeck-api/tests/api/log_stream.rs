//! The WebSocket log stream against the testbed: `kubectl logs -f` in a browser.

use crate::helpers::*;
use futures::StreamExt;
use kubedeck_testbed::{Namespace, Testbed, unique_name};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

fn ws_request(app: &TestApp, path: &str, token: &str, origin: Option<&str>) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let url = format!("{}{}", app.base.replace("http://", "ws://"), path);
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", format!("kubedeck, bearer.{token}").parse().unwrap());
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    req
}

fn refused_status(e: WsError) -> u16 {
    match e {
        WsError::Http(resp) => resp.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

/// In-flight `pods/log` requests the API server is serving (its own gauge).
fn apiserver_log_streams(tb: &Testbed) -> u64 {
    let metrics = tb.kubectl_ok(&["get", "--raw", "/metrics"]);
    metrics
        .lines()
        .filter(|l| l.starts_with("apiserver_longrunning_gauge") && l.contains("subresource=\"log\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

#[tokio::test]
async fn the_log_stream_follows_new_lines_and_stops_upstream_when_the_browser_leaves() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "follow");
    let n = ns.name();
    let path = std::env::temp_dir().join(format!("{}.yaml", unique_name("pod")));
    std::fs::write(&path, format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: chatty, namespace: {n}}}\nspec:\n  containers: [{{name: app, image: busybox}}]\n")).unwrap();
    tb.kubectl_ok(&["apply", "-f", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(path);
    kubedeck_testbed::wait_until("the pod to run", Duration::from_secs(60), || {
        (tb.kubectl_ok(&["-n", n, "get", "pod", "chatty", "-o", "jsonpath={.status.phase}"]) == "Running").then_some(())
    });
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = app.post("/api/v1/k8s/cluster", &admin, json!({"name": unique_name("ws"), "credential": tb.admin_kubeconfig()})).await;
    let id = r.body["cluster"]["id"].as_i64().unwrap();
    let path = format!("/ws/k8s/cluster/{id}/namespaces/{n}/pods/chatty/logs?tailLines=1");

    let before = apiserver_log_streams(&tb);
    let started = Instant::now();
    let (mut ws, resp) = tokio_tungstenite::connect_async(ws_request(&app, &path, &admin, Some(&app.base))).await.expect("connect");
    assert_eq!(resp.headers()["sec-websocket-protocol"], "kubedeck");
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("a line within 10 s").unwrap().unwrap();
        if let Message::Text(t) = msg {
            seen.push((started.elapsed(), t.to_string()));
        }
    }
    assert!(seen.iter().all(|(_, l)| l.contains("pod=chatty") && l.contains("container=app")), "{seen:?}");
    // Lines keep coming as the container writes them: the 2nd and 3rd arrive close together.
    let gap = seen[2].0 - seen[1].0;
    assert!(gap < Duration::from_secs(3), "new lines took {gap:?}");
    let line_no = |l: &str| l.split("line=").nth(1).and_then(|s| s.split(' ').next()).and_then(|s| s.parse::<u64>().ok()).unwrap();
    assert!(line_no(&seen[2].1) > line_no(&seen[0].1), "{seen:?}");
    let during = apiserver_log_streams(&tb);
    assert!(during > before, "the API server serves the follow ({before} -> {during})");

    // Closing the socket ends the upstream request.
    ws.close(None).await.unwrap();
    drop(ws);
    // (async wait: the server under test runs on this test's runtime)
    eventually("the upstream log request to end", Duration::from_secs(15), || async { (apiserver_log_streams(&tb) < during).then_some(()) }).await;

    // Refusals happen before the upgrade, as HTTP errors.
    let bad_token = tokio_tungstenite::connect_async(ws_request(&app, &path, "not-a-token", None)).await.unwrap_err();
    assert_eq!(refused_status(bad_token), 401);
    let foreign = tokio_tungstenite::connect_async(ws_request(&app, &path, &admin, Some("https://evil.example"))).await.unwrap_err();
    assert_eq!(refused_status(foreign), 403);
    let nobody = app.user_token("nobody-ws", &[]).await;
    let forbidden = tokio_tungstenite::connect_async(ws_request(&app, &path, &nobody, None)).await.unwrap_err();
    assert_eq!(refused_status(forbidden), 403);
    let wrong = format!("/ws/k8s/cluster/{id}/namespaces/{n}/pods/chatty/logs?container=nope");
    let missing = tokio_tungstenite::connect_async(ws_request(&app, &wrong, &admin, None)).await.unwrap_err();
    assert_eq!(refused_status(missing), 400);

    // When the pod goes, the stream closes with the reason.
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(&app, &path, &admin, None)).await.unwrap();
    tb.kubectl_ok(&["-n", n, "delete", "pod", "chatty", "--grace-period=0", "--force"]);
    let close = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(Ok(msg)) = ws.next().await {
            if let Message::Close(frame) = msg {
                return frame;
            }
        }
        None
    })
    .await
    .expect("the stream to close after the pod was deleted");
    if let Some(frame) = close {
        assert!(frame.reason.contains("chatty"), "close reason: {}", frame.reason);
    }
    app.stop().await;
}
