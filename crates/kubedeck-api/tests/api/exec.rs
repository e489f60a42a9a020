//! The web terminal against the testbed: `kubectl exec` in a browser, through the real apiserver to the
//! simulator's kubelet shell.

use crate::helpers::*;
use crate::log_stream::{refused_status, ws_request};
use futures::{SinkExt, StreamExt};
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_testbed::{Namespace, Testbed};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// Applies a one-container pod with an env var and waits until it runs (blocking: before the app spawns).
fn run_pod(tb: &Testbed, ns: &str, name: &str) {
    apply(
        tb,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  containers: [{{name: app, image: busybox, env: [{{name: GREETING, value: hello from {name}}}]}}]\n"
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

/// Exec sessions the simulator's kubelet holds open for one pod.
/// The audit log's terminal sessions.
async fn exec_rows(app: &TestApp) -> Vec<kubedeck_store::audit::AuditRecord> {
    app.audit()
        .await
        .into_iter()
        .filter(|r| r.action == "pod.exec")
        .collect()
}

fn open_exec_sessions(tb: &Testbed, ns: &str, pod: &str) -> usize {
    let (_, sessions) = tb.sim("GET", "/exec-sessions", None);
    sessions
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["namespace"] == ns && s["pod"] == pod)
        .count()
}

/// What a finished session sent: stdout, stderr, the end message and the close frame.
#[derive(Debug, Default)]
struct Transcript {
    stdout: String,
    stderr: String,
    end: Value,
    close: Option<(u16, String)>,
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn read_to_end(ws: &mut Ws) -> Transcript {
    let mut t = Transcript::default();
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(msg) = ws.next().await {
            match msg.expect("a frame") {
                Message::Binary(b) => {
                    let text = String::from_utf8_lossy(&b[1..]).into_owned();
                    match b[0] {
                        1 => t.stdout.push_str(&text),
                        2 => t.stderr.push_str(&text),
                        other => panic!("unexpected stream {other}"),
                    }
                }
                Message::Text(s) => t.end = serde_json::from_str(&s).unwrap(),
                Message::Close(f) => {
                    t.close = f.map(|f| (u16::from(f.code), f.reason.to_string()));
                    break;
                }
                _ => {}
            }
        }
    })
    .await
    .expect("the session to end within 30 s");
    t
}

fn exec_path(id: i64, ns: &str, pod: &str, command: &[&str], tty: bool) -> String {
    let cmd: String = command
        .iter()
        .map(|c| format!("&command={}", enc(c)))
        .collect();
    format!("/ws/k8s/cluster/{id}/namespaces/{ns}/pods/{pod}/exec?container=app&tty={tty}{cmd}")
}

async fn a_command_runs_with_its_output_and_exit_code_and_each_session_is_audited() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "exec");
    let n = ns.name();
    run_pod(&tb, n, "shell");
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;

    // A command's output on its streams and its exit code.
    let script = "echo \"$GREETING\"; cat /etc/hostname; echo oops >&2; exit 3";
    let path = exec_path(id, n, "shell", &["sh", "-c", script], false);
    let (mut ws, resp) =
        tokio_tungstenite::connect_async(ws_request(&app, &path, &admin, Some(&app.base)))
            .await
            .expect("connect");
    assert_eq!(resp.headers()["sec-websocket-protocol"], "kubedeck");
    let t = read_to_end(&mut ws).await;
    assert_eq!(t.stdout, "hello from shell\nshell\n", "{t:?}");
    assert_eq!(t.stderr, "oops\n", "{t:?}");
    assert_eq!(t.end, json!({"type": "exit", "code": 3}));
    assert_eq!(t.close, Some((1000, "exited 3".into())));

    // Success, and the container's env from the pod spec.
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(
        &app,
        &exec_path(id, n, "shell", &["env"], false),
        &admin,
        None,
    ))
    .await
    .unwrap();
    let t = read_to_end(&mut ws).await;
    assert!(t.stdout.contains("GREETING=hello from shell\n"), "{t:?}");
    assert_eq!(t.end, json!({"type": "exit", "code": 0}));

    // An unknown command: 127 and the shell's complaint on stderr.
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(
        &app,
        &exec_path(id, n, "shell", &["frobnicate", "--now"], false),
        &admin,
        None,
    ))
    .await
    .unwrap();
    let t = read_to_end(&mut ws).await;
    assert_eq!(t.stderr, "sh: frobnicate: not found\n");
    assert_eq!(t.end, json!({"type": "exit", "code": 127}));

    // One audit row per session: who, pod, container, command, start, end, exit code; no output. (Each row is
    // written as its session starts and completed once the server has sent the exit: wait for the three ends.)
    let rows = eventually(
        "three completed exec audit rows",
        Duration::from_secs(10),
        || async {
            let rows = exec_rows(&app).await;
            (rows.len() == 3 && rows.iter().all(|r| !r.detail.contains("\"ended_by\":null")))
                .then_some(rows)
        },
    )
    .await;
    let failed = rows
        .iter()
        .find(|r| r.detail.contains("exit 3"))
        .expect("the sh -c session's row");
    assert_eq!(failed.username, "admin");
    assert_eq!(failed.cluster_id, Some(id));
    assert_eq!(failed.namespace.as_deref(), Some(n));
    assert_eq!(failed.resource.as_deref(), Some("pods/shell"));
    let d: Value = serde_json::from_str(&failed.detail).unwrap();
    assert_eq!(d["container"], "app");
    assert_eq!(d["command"], json!(["sh", "-c", script]));
    assert_eq!(d["exit_code"], 3);
    assert_eq!(d["ended_by"], "exit");
    assert!(
        d["started_at"].as_str().unwrap() <= d["ended_at"].as_str().unwrap(),
        "{d}"
    );
    assert!(
        rows.iter().all(|r| !r.detail.contains("hello from shell")),
        "no output in the audit"
    );
    app.stop().await;
}
on_one_backend!(a_command_runs_with_its_output_and_exit_code_and_each_session_is_audited);

async fn a_viewer_is_refused_before_the_upgrade_and_a_closed_terminal_ends_the_upstream_exec() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "exec-tty");
    let n = ns.name();
    run_pod(&tb, n, "term");
    apply(
        &tb,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: stuck, namespace: {n}, annotations: {{sim.kubedeck.io/waiting-reason: ImagePullBackOff}}}}\nspec:\n  containers: [{{name: app, image: busybox}}]\n"
        ),
    );
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let path = format!("/ws/k8s/cluster/{id}/namespaces/{n}/pods/term/exec");

    // A viewer: 403 with the JSON error, before any upgrade and before anything opens upstream.
    let viewer = app
        .user_token(
            "viewer-exec",
            &[Binding {
                role: Role::Viewer,
                cluster_id: Some(id),
                namespace: None,
            }],
        )
        .await;
    let refused = tokio_tungstenite::connect_async(ws_request(&app, &path, &viewer, None))
        .await
        .unwrap_err();
    let WsError::Http(resp) = refused else {
        panic!("expected an HTTP refusal")
    };
    assert_eq!(resp.status().as_u16(), 403);
    let body: Value = serde_json::from_slice(resp.body().as_deref().unwrap_or_default()).unwrap();
    assert_eq!(body["code"], "forbidden", "{body}");
    assert_eq!(body["params"]["permission"], "pod.exec", "{body}");
    assert_eq!(open_exec_sessions(&tb, n, "term"), 0);
    // The same viewer still reads the pod's logs (its permission is only not exec).
    let logs = app
        .get(
            &format!("/api/v1/k8s/cluster/{id}/namespaces/{n}/pods/term/logs?tailLines=1"),
            &viewer,
        )
        .await;
    assert_eq!(logs.status, StatusCode::OK);
    // A plain GET, another site, a container that does not run: refused before the upgrade too.
    let plain = app.get(&path, &admin).await;
    assert_eq!(plain.status, StatusCode::BAD_REQUEST);
    assert_eq!(plain.body["code"], "websocket_required");
    let foreign = tokio_tungstenite::connect_async(ws_request(
        &app,
        &path,
        &admin,
        Some("https://evil.example"),
    ))
    .await
    .unwrap_err();
    assert_eq!(refused_status(foreign), 403);
    let stuck = eventually(
        "the stuck pod's waiting status",
        Duration::from_secs(60),
        || async {
            let r = tokio_tungstenite::connect_async(ws_request(
                &app,
                &format!("/ws/k8s/cluster/{id}/namespaces/{n}/pods/stuck/exec"),
                &admin,
                None,
            ))
            .await;
            match r {
                Err(WsError::Http(resp)) if resp.status().as_u16() == 409 => Some(resp),
                _ => None,
            }
        },
    )
    .await;
    let body: Value = serde_json::from_slice(stuck.body().as_deref().unwrap_or_default()).unwrap();
    assert_eq!(body["code"], "container_not_running", "{body}");
    assert_eq!(body["params"]["container"], "app", "{body}");

    // An interactive shell: prompt, resize, a command typed, its output.
    let (mut ws, _) =
        tokio_tungstenite::connect_async(ws_request(&app, &path, &admin, Some(&app.base)))
            .await
            .unwrap();
    ws.send(Message::Text(
        r#"{"type":"resize","cols":100,"rows":30}"#.into(),
    ))
    .await
    .unwrap();
    // (kube-rs sends the resize and stdin on one socket from two channels, in either order, as a kubelet may
    // see them from kubectl: the command is typed again until the shell has the size, at most for 20 s)
    let mut screen = String::new();
    tokio::time::timeout(Duration::from_secs(20), async {
        for typed in 1.. {
            ws.send(Message::Binary(
                b"stty size; echo $GREETING\r".to_vec().into(),
            ))
            .await
            .unwrap();
            let greeted = screen.matches("hello from term\r\n").count() + 1;
            while screen.matches("hello from term\r\n").count() < greeted {
                if let Some(Ok(Message::Binary(b))) = ws.next().await {
                    assert_eq!(b[0], 1, "a terminal has one output stream");
                    screen.push_str(&String::from_utf8_lossy(&b[1..]));
                }
            }
            if screen.contains("30 100\r\n") {
                break;
            }
            assert!(typed < 50, "{screen:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!("the command's output with the size set by the resize; the screen shows {screen:?}")
    });
    assert!(screen.starts_with("/ # "), "{screen:?}");
    assert_eq!(open_exec_sessions(&tb, n, "term"), 1);

    // The session is in the audit log while it runs (a server that died now would leave this row): who, the
    // pod, the container and the start, not yet how it ended.
    let open_rows = exec_rows(&app).await;
    assert_eq!(open_rows.len(), 1, "one row while the terminal is open");
    assert_eq!(open_rows[0].username, "admin");
    assert_eq!(open_rows[0].resource.as_deref(), Some("pods/term"));
    let d: Value = serde_json::from_str(&open_rows[0].detail).unwrap();
    assert_eq!(d["container"], "app", "{d}");
    assert!(d["started_at"].is_string(), "{d}");
    assert_eq!(d["ended_at"], Value::Null, "{d}");
    assert_eq!(d["ended_by"], Value::Null, "{d}");

    // Closing the browser's socket ends the upstream exec.
    ws.close(None).await.unwrap();
    drop(ws);
    eventually(
        "the upstream exec session to end",
        Duration::from_secs(15),
        || async { (open_exec_sessions(&tb, n, "term") == 0).then_some(()) },
    )
    .await;
    // The same row, completed: its end and who ended it (no second row).
    let row = eventually(
        "the terminal's audit row completed",
        Duration::from_secs(10),
        || async {
            app.audit()
                .await
                .into_iter()
                .find(|r| r.action == "pod.exec" && r.detail.contains("\"ended_by\":\"browser\""))
        },
    )
    .await;
    assert_eq!(
        row.id, open_rows[0].id,
        "the row written at the start is completed"
    );
    assert_eq!(exec_rows(&app).await.len(), 1);
    let d: Value = serde_json::from_str(&row.detail).unwrap();
    assert_eq!(d["ended_by"], "browser", "{d}");
    assert_eq!(
        d["started_at"],
        serde_json::from_str::<Value>(&open_rows[0].detail).unwrap()["started_at"],
        "{d}"
    );
    assert!(d["ended_at"].is_string(), "{d}");
    assert_eq!(d["exit_code"], Value::Null, "{d}");
    assert_eq!(d["command"], json!(["/bin/sh"]), "{d}");
    assert_eq!(d["tty"], true, "{d}");
    app.stop().await;
}
on_one_backend!(
    a_viewer_is_refused_before_the_upgrade_and_a_closed_terminal_ends_the_upstream_exec
);
