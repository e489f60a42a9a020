//! Two replicas behind Debian's nginx with the shipped configuration (`deploy/nginx/kubedeck.conf`): what goes
//! through a proxy in production — logins, lists, a followed log (WebSocket), live changes and task progress
//! (server-sent events) — works through it, and keeps working when one replica stops (issue 17).

use crate::helpers::*;
use crate::log_stream::ws_request;
use crate::nodes::SimNode;
use futures::StreamExt;
use kubedeck_testbed::{Namespace, Testbed};
use reqwest::StatusCode;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

const NGINX: &str = "/usr/sbin/nginx";

/// nginx in the foreground with the shipped configuration, its upstream servers replaced by `replicas`; stopped
/// on drop.
struct Nginx {
    child: Child,
    dir: PathBuf,
    base: String,
}

impl Nginx {
    fn start(replicas: &[&str]) -> Nginx {
        assert!(
            Path::new(NGINX).exists(),
            "{NGINX} is missing: scripts/test.sh installs Debian's nginx (apt-get install nginx-light)"
        );
        let shipped = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../deploy/nginx/kubedeck.conf"
        ))
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // the shipped file with this test's addresses: its example upstream lines and its `listen 80`
        let upstream: String = replicas
            .iter()
            .map(|r| {
                format!(
                    "    server {} max_fails=1 fail_timeout=10s;\n",
                    r.trim_start_matches("http://")
                )
            })
            .collect();
        let mut conf = String::new();
        let mut servers_done = false;
        for line in shipped.lines() {
            let t = line.trim_start();
            if t.starts_with("server 10.0.0.") {
                if !servers_done {
                    conf.push_str(&upstream);
                    servers_done = true;
                }
            } else if t == "listen 80;" {
                conf.push_str(&format!("    listen 127.0.0.1:{port};\n"));
            } else {
                conf.push_str(line);
                conf.push('\n');
            }
        }
        assert!(
            servers_done && conf.contains(&format!("listen 127.0.0.1:{port}")),
            "the shipped file changed shape"
        );
        let dir = std::env::temp_dir().join(kubedeck_testbed::unique_name("nginx"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("kubedeck.conf"), conf).unwrap();
        let d = dir.display();
        std::fs::write(
            dir.join("nginx.conf"),
            format!(
                "daemon off;\nuser root;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
                 events {{ worker_connections 512; }}\n\
                 http {{\n  log_format upstream '$upstream_addr|$uri|$status';\n  access_log {d}/access.log upstream;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
                 fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
                 include {d}/kubedeck.conf;\n}}\n"
            ),
        )
        .unwrap();
        let child = Command::new(NGINX)
            .args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start nginx");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not listen: {}",
                std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Nginx { child, dir, base }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // TERM, not KILL: the master then stops its worker, which a killed master would leave behind
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// For each request nginx logged for `paths` (empty: any path), the replicas it tried in order (`http://addr`), from its access log
/// (`upstream addresses|path|status` per line; a retried request lists every replica it tried).
fn upstreams_of(nginx: &Nginx, paths: &[&str]) -> Vec<Vec<String>> {
    std::fs::read_to_string(nginx.dir.join("access.log"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split('|');
            let (up, p) = (f.next()?, f.next()?);
            (paths.is_empty() || paths.contains(&p))
                .then(|| up.split(", ").map(|u| format!("http://{u}")).collect())
        })
        .collect()
}

async fn two_replicas_behind_nginx_serve_everything_and_survive_one_stopping() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "proxied");
    let n = ns.name().to_owned();
    apply(
        &tb,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: chatty, namespace: {n}}}\nspec:\n  containers: [{{name: app, image: busybox}}]\n"
        ),
    );
    let node = SimNode::add(&tb, "proxied");
    let a = spawn_app().await;
    let b = a.replica().await;
    let nginx = Nginx::start(&[&a.base, &b.base]);
    let front = a.via(&nginx.base);

    // logins and lists through the proxy, spread over both replicas
    for _ in 0..6 {
        let r = front.login("admin", ADMIN_PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let logins = upstreams_of(&nginx, &["/api/v1/auth/login"]);
    let (on_a, on_b) = (
        logins.iter().filter(|u| u.last() == Some(&a.base)).count(),
        logins.iter().filter(|u| u.last() == Some(&b.base)).count(),
    );
    assert!(
        on_a >= 1 && on_b >= 1,
        "round robin: {on_a} logins on one replica, {on_b} on the other ({logins:?})"
    );
    let admin = front.admin_token().await;
    let id = import_testbed(&front, &admin, &tb).await;
    let pods = format!("/api/v1/k8s/cluster/{id}/namespaces/{n}/pods");
    eventually(
        "the pod listed through the proxy",
        Duration::from_secs(60),
        || async {
            let r = front.get(&pods, &admin).await;
            (r.status == StatusCode::OK && r.body["total"] == 1).then_some(())
        },
    )
    .await;
    kubedeck_testbed::wait_until("the pod to run", Duration::from_secs(60), || {
        (tb.kubectl_ok(&[
            "-n",
            &n,
            "get",
            "pod",
            "chatty",
            "-o",
            "jsonpath={.status.phase}",
        ]) == "Running")
            .then_some(())
    });

    // a followed log: the WebSocket upgrade passes, lines keep coming (the browser's Origin is the proxy's)
    let path = format!("/ws/k8s/cluster/{id}/namespaces/{n}/pods/chatty/logs?tailLines=1");
    let (mut ws, _) =
        tokio_tungstenite::connect_async(ws_request(&front, &path, &admin, Some(&front.base)))
            .await
            .expect("the log WebSocket through nginx");
    let mut lines = 0;
    while lines < 3 {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a log line through nginx within 10 s")
            .expect("open")
            .expect("a frame");
        if let Message::Text(t) = msg {
            assert!(t.contains("pod=chatty"), "{t}");
            lines += 1;
        }
    }
    drop(ws);

    // live changes (server-sent events): a ConfigMap created with kubectl is announced through the proxy at once,
    // not when a buffer fills
    let mut body = events(
        &front,
        &format!("/api/v1/k8s/cluster/{id}/changes?kinds=configmaps"),
        &admin,
    )
    .await;
    let mut buf = String::new();
    next_event(&mut body, &mut buf, "status", Duration::from_secs(10))
        .await
        .expect("the stream's first status through nginx");
    tb.kubectl_ok(&[
        "-n",
        &n,
        "create",
        "configmap",
        "announced",
        "--from-literal=a=b",
    ]);
    let change = next_event(&mut body, &mut buf, "change", Duration::from_secs(10))
        .await
        .expect("the change notice through nginx within 10 s");
    assert!(change.contains("configmaps"), "{change}");
    drop(body);

    // task progress (server-sent events): a drain of this test's empty node, followed to its end
    let started = front
        .post(
            &format!("/api/v1/k8s/cluster/{id}/nodes/{}/drain", node.name),
            &admin,
            json!({"ignore_daemonsets": true}),
        )
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    let task = started.body["task_id"].as_i64().unwrap();
    let mut body = events(&front, &format!("/api/v1/tasks/{task}/events"), &admin).await;
    let mut buf = String::new();
    let mut last = String::new();
    while let Some(ev) = next_event(&mut body, &mut buf, "task", Duration::from_secs(60)).await {
        last = ev;
    }
    let last: serde_json::Value = serde_json::from_str(&last).expect("the task's last event");
    assert_eq!(last["status"], "succeeded", "{last}");

    // one replica stops: every request still answers, from the other one
    let watched = [pods.as_str(), "/api/v1/auth/login"];
    let before = upstreams_of(&nginx, &watched).len();
    let (a_base, b_base) = (a.base.clone(), b.base.clone());
    b.stop().await;
    for i in 0..8 {
        let r = front.get(&pods, &admin).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "request {i} after a replica stopped: {}",
            r.body
        );
        let r = front.login("admin", ADMIN_PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "login {i} after a replica stopped: {}",
            r.body
        );
    }
    // ... and that is because nginx moved on: the stopped replica refused, the request was retried on the other
    // (nginx logs a request once it has answered it: the last line may come a moment after the answer)
    let after = eventually(
        "nginx to log the 16 requests",
        Duration::from_secs(5),
        || async {
            let all = upstreams_of(&nginx, &watched);
            (all.len() >= before + 16).then(|| all[before..].to_vec())
        },
    )
    .await;
    assert_eq!(after.len(), 16, "{after:?}");
    assert!(
        after.iter().all(|tried| tried.last() == Some(&a_base)),
        "answered by the live replica: {after:?}"
    );
    assert!(
        after.iter().any(|tried| tried.first() == Some(&b_base)),
        "the stopped replica was tried and skipped: {after:?}"
    );
    drop(nginx);
}

on_one_backend!(two_replicas_behind_nginx_serve_everything_and_survive_one_stopping);
