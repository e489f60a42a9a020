//! Maintenance mode (issue 18) against the testbed and a webhook receiver on 127.0.0.1: changes refused while a
//! cluster is in maintenance (kubectl shows nothing changed) and taken again after, a bypass role still writing,
//! reads going on; the cluster's alerts silenced; the start and end announced once each with two replicas; a
//! scheduled window starting and ending on time; application windows silencing their namespace and the policy
//! refusing changes outside them.

use crate::helpers::*;
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_testbed::{Namespace, Testbed};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(90);

/// Evaluation every second and notices after about a second (as the alert tests run).
fn fast() -> AppOptions {
    let mut o = AppOptions::default();
    o.settings.notify.poll_interval = Duration::from_millis(100);
    o.settings.alerting.eval_interval = Duration::from_secs(1);
    o.settings.alerting.timing.group_wait = Duration::from_secs(1);
    o.settings.alerting.timing.group_interval = Duration::from_secs(1);
    o.settings.alerting.timing.repeat_interval = Duration::from_secs(3600);
    o
}

/// A webhook receiver on 127.0.0.1 that keeps every body posted to it.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let keep = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push(v);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

async fn webhook_channel(app: &TestApp, token: &str, url: &str, language: &str) {
    let r = app
        .post(
            "/api/v1/notify/channels",
            token,
            json!({"name": format!("hook-{language}"), "kind": "webhook", "language": language,
                   "config": {"url": url}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

/// The bodies received whose one alert is named `alertname`.
fn received(got: &Mutex<Vec<Value>>, alertname: &str) -> Vec<Value> {
    got.lock()
        .unwrap()
        .iter()
        .filter(|b| b["alerts"][0]["labels"]["alertname"] == alertname)
        .cloned()
        .collect()
}

fn configmap(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}})
}

fn exists(tb: &Testbed, ns: &str, name: &str) -> bool {
    tb.kubectl(&["get", "configmap", "-n", ns, name]).status.success()
}

async fn start_maintenance(app: &TestApp, token: &str, id: i64, body: Value) -> Value {
    let r = app
        .post(&format!("/api/v1/k8s/cluster/{id}/maintenance"), token, body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

/// While a cluster is in maintenance an operator's changes are refused with 409 cluster_in_maintenance and
/// nothing reaches the cluster; reads go on; a cluster-admin (maintenance.bypass) still changes it; after the end
/// the operator's change goes through.
async fn writes_are_refused_during_maintenance_and_allowed_after() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "maint");
    let n = ns.name();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let operator = app
        .user_token("op", &[Binding { role: Role::Operator, cluster_id: Some(id), namespace: None }])
        .await;
    let bypass = app
        .user_token("ca", &[Binding { role: Role::ClusterAdmin, cluster_id: Some(id), namespace: None }])
        .await;
    let base = format!("/api/v1/k8s/cluster/{id}");
    let cms = format!("{base}/namespaces/{n}/configmaps");

    // an operator may not start maintenance; an admin does, now, for ten minutes
    let r = app
        .post(&format!("{base}/maintenance"), &operator, json!({"reason": "x", "duration_secs": 600}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let w = start_maintenance(&app, &admin, id, json!({"reason": "etcd defrag", "duration_secs": 600})).await;
    assert_eq!((w["state"].as_str(), w["in_force"].as_bool()), (Some("active"), Some(true)), "{w}");

    let r = app.post(&cms, &operator, configmap("refused")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.body["code"], "cluster_in_maintenance", "{}", r.body);
    assert_eq!(r.body["params"]["reason"], "etcd defrag", "{}", r.body);
    assert_eq!(r.body["params"]["ends_at"], w["ends_at"], "{}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("etcd defrag"), "{}", r.body);
    let node = tb.kubectl_ok(&["get", "nodes", "-o", "jsonpath={.items[0].metadata.name}"]);
    let r = app
        .request("POST", &format!("{base}/nodes/{node}/cordon"), Some(&operator), None)
        .await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::CONFLICT, Some("cluster_in_maintenance")), "{}", r.body);
    let r = app
        .request("POST", &format!("{base}/apply"), Some(&operator), Some(json!({"yaml": "x"})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // a terminal in a container can change anything: refused before anything opens, though it is a GET
    let r = app
        .get(&format!("/ws/k8s/cluster/{id}/namespaces/{n}/pods/any/exec?command=sh"), &operator)
        .await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::CONFLICT, Some("cluster_in_maintenance")), "{}", r.body);
    // kubectl: nothing changed
    assert!(!exists(&tb, n, "refused"), "a refused create reached the cluster");
    assert_ne!(
        tb.kubectl_ok(&["get", "node", &node, "-o", "jsonpath={.spec.unschedulable}"]),
        "true",
        "a refused cordon reached the cluster"
    );
    // reads go on, and re-reading is no change
    let r = app.get(&format!("{base}/namespaces/{n}/configmaps"), &operator).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.get(&format!("{base}/maintenance"), &operator).await;
    assert_eq!(r.body["current"]["id"], w["id"], "{}", r.body);
    let r = app.request("POST", &format!("{base}/configmaps/sync"), Some(&operator), None).await;
    assert_ne!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // a bypass role writes
    let r = app.post(&cms, &bypass, configmap("by-bypass")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(exists(&tb, n, "by-bypass"));
    // the refusal is in the audit log with who asked
    let audit = app.audit().await;
    assert!(
        audit.iter().any(|a| a.username == "op" && a.status_code == 409 && a.path == cms),
        "the refused change is audited"
    );

    // ended early: the operator's change goes through
    let r = app
        .request("POST", &format!("{base}/maintenance/{}/end", w["id"]), Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.body["state"].as_str(), r.body["ended_by"].as_str()), (Some("ended"), Some("admin")));
    let r = app.post(&cms, &operator, configmap("after")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(exists(&tb, n, "after"));
    let r = app.get(&format!("{base}/maintenance"), &operator).await;
    assert_eq!(r.body["current"], Value::Null, "{}", r.body);
    assert_eq!(r.body["windows"][0]["state"], "ended", "{}", r.body);
    app.stop().await;
}

/// A window scheduled a few seconds ahead starts and ends on time on two replicas; its start and end reach the
/// webhook once each, written in the channel's language; while it is on, the other replica refuses changes too.
async fn a_scheduled_window_starts_and_ends_on_time_and_is_announced_once_by_two_replicas() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "maint-sched");
    let n = ns.name();
    let app = spawn_app_with(fast()).await;
    let other = app.replica().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let operator = app
        .user_token("op", &[Binding { role: Role::Operator, cluster_id: Some(id), namespace: None }])
        .await;
    let (url, got) = receiver().await;
    webhook_channel(&app, &admin, &url, "zh-CN").await;
    let base = format!("/api/v1/k8s/cluster/{id}");

    let starts = chrono::Utc::now() + chrono::Duration::seconds(4);
    let ends = starts + chrono::Duration::seconds(6);
    let w = start_maintenance(&app, &admin, id, json!({"reason": "内核升级", "starts_at": starts, "ends_at": ends})).await;
    assert_eq!(w["state"], "scheduled", "{w}");
    let wid = w["id"].as_i64().unwrap();
    // before its start, changes go through
    let r = other.post(&format!("{base}/namespaces/{n}/configmaps"), &operator, configmap("before")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let started = eventually("the window to start", WAIT, || async {
        let r = app.get(&format!("{base}/maintenance"), &admin).await;
        (r.body["current"]["state"] == "active").then(|| r.body["current"].clone())
    })
    .await;
    let at = |v: &Value, k: &str| chrono::DateTime::parse_from_rfc3339(v[k].as_str().unwrap()).unwrap();
    let late = (at(&started, "started_at") - at(&started, "starts_at")).num_milliseconds();
    assert!((0..=2500).contains(&late), "started {late} ms after its start");
    let r = other.post(&format!("{base}/namespaces/{n}/configmaps"), &operator, configmap("during")).await;
    assert_eq!(r.body["code"], "cluster_in_maintenance", "{}", r.body);
    assert!(!exists(&tb, n, "during"));

    let ended = eventually("the window to end", WAIT, || async {
        let r = app.get(&format!("{base}/maintenance"), &admin).await;
        let w = r.body["windows"].as_array()?.iter().find(|w| w["id"] == wid)?.clone();
        (w["state"] == "ended").then_some(w)
    })
    .await;
    let late = (at(&ended, "ended_at") - at(&ended, "ends_at")).num_milliseconds();
    assert!((0..=2500).contains(&late), "ended {late} ms after its end");
    let r = other.post(&format!("{base}/namespaces/{n}/configmaps"), &operator, configmap("after")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // the announcements: one start, one end, though both replicas run the loop
    eventually("the start and end announcements", WAIT, || async {
        (received(&got, "KubedeckMaintenance").len() >= 2).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let notes = received(&got, "KubedeckMaintenance");
    let statuses: Vec<&str> = notes.iter().map(|b| b["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["firing", "resolved"], "one start and one end: {notes:#?}");
    let summary = notes[0]["alerts"][0]["annotations"]["summary"].as_str().unwrap();
    assert!(summary.contains("进入维护模式") && summary.contains("内核升级"), "{summary}");
    let summary = notes[1]["alerts"][0]["annotations"]["summary"].as_str().unwrap();
    assert!(summary.contains("维护已结束"), "{summary}");
    other.stop().await;
    app.stop().await;
}

/// A firing alert of a cluster in maintenance is listed, silenced by the window's silence, and not notified;
/// after the end it is.
async fn alerts_of_a_cluster_in_maintenance_are_silenced() {
    let tb = Testbed::from_env();
    let app = spawn_app_with(fast()).await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let (url, got) = receiver().await;
    webhook_channel(&app, &admin, &url, "en").await;
    let base = format!("/api/v1/k8s/cluster/{id}");
    let w = start_maintenance(&app, &admin, id, json!({"reason": "node replacement", "duration_secs": 600})).await;
    let silence = w["silence_id"].as_i64().expect("a silence for the window");
    let r = app.get(&format!("{base}/silences"), &admin).await;
    let s = r.body.as_array().unwrap().iter().find(|s| s["id"] == silence).unwrap().clone();
    assert_eq!(s["status"], "active", "{s}");
    assert_eq!(s["ends_at"], w["ends_at"], "{s}");

    // the client certificate rule fires with a threshold beyond the certificate's end
    let r = app
        .request("PUT", &format!("{base}/alert-rules/KubeClientCertificateExpiration"), Some(&admin),
            Some(json!({"threshold": 36500})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fired = eventually("the certificate alert to fire", WAIT, || async {
        let l = app
            .get(&format!("{base}/alerts?rule=KubeClientCertificateExpiration&state=firing"), &admin)
            .await
            .body;
        l["items"].as_array().and_then(|a| a.first().cloned())
    })
    .await;
    assert_eq!(fired["silenced_by"], silence, "{fired}");
    // group_wait is a second: a notice would have gone by now
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(received(&got, "KubeClientCertificateExpiration").is_empty(), "a silenced alert was notified");
    assert_eq!(received(&got, "KubedeckMaintenance").len(), 1, "the start was announced");

    let r = app
        .request("POST", &format!("{base}/maintenance/{}/end", w["id"]), Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    eventually("the alert to be notified after the maintenance", WAIT, || async {
        (!received(&got, "KubeClientCertificateExpiration").is_empty()).then_some(())
    })
    .await;
    let a = app.get(&format!("{base}/alerts/{}", fired["id"]), &admin).await.body;
    assert_eq!(a["silenced_by"], Value::Null, "{a}");
    app.stop().await;
}

/// An open application window silences its namespace's alerts; under "deploy only inside windows" a change to a
/// namespace whose window is closed is refused (409 outside_maintenance_window, naming the next opening), one to a
/// namespace whose window is open, or that has none, goes through. Schedules are checked and their next starts
/// listed.
async fn application_windows_silence_their_namespace_and_the_policy_refuses_changes_outside_them() {
    let tb = Testbed::from_env();
    let open_ns = Namespace::create_in(&tb, "win-open");
    let closed_ns = Namespace::create_in(&tb, "win-closed");
    let free_ns = Namespace::create_in(&tb, "win-free");
    let app = spawn_app_with(fast()).await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let operator = app
        .user_token("op", &[Binding { role: Role::Operator, cluster_id: Some(id), namespace: None }])
        .await;
    let (url, got) = receiver().await;
    webhook_channel(&app, &admin, &url, "en").await;
    let base = format!("/api/v1/k8s/cluster/{id}");
    let windows = format!("{base}/maintenance/windows");

    // schedules are checked
    let r = app
        .post(&windows, &admin, json!({"namespace": open_ns.name(), "schedule": "0 0 2 * * *", "duration_secs": 600}))
        .await;
    assert_eq!((r.status, r.body["code"].as_str(), r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_cron"), Some("schedule")), "{}", r.body);
    let r = app
        .post(&windows, &admin, json!({"namespace": free_ns.name(), "kind": "deployments", "name": "web",
            "schedule": "*/5 * * * *", "duration_secs": 60}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let next: Vec<chrono::DateTime<chrono::Utc>> =
        serde_json::from_value(r.body["next_starts"].clone()).unwrap();
    assert_eq!(next.len(), 5, "{}", r.body);
    assert!(next.windows(2).all(|p| (p[1] - p[0]).num_seconds() == 300), "{next:?}");
    // an open one-off window and a closed one opening in an hour
    let now = chrono::Utc::now();
    let r = app
        .post(&windows, &admin, json!({"namespace": open_ns.name(), "starts_at": now - chrono::Duration::seconds(5),
            "duration_secs": 600, "reason": "release"}))
        .await;
    assert_eq!((r.status, r.body["open"].as_bool()), (StatusCode::CREATED, Some(true)), "{}", r.body);
    let opens = now + chrono::Duration::hours(1);
    let r = app
        .post(&windows, &admin, json!({"namespace": closed_ns.name(), "starts_at": opens, "duration_secs": 600}))
        .await;
    assert_eq!((r.status, r.body["open"].as_bool()), (StatusCode::CREATED, Some(false)), "{}", r.body);

    // a quota alert in the open window's namespace fires silenced by the window's silence; no notice
    tb.kubectl_ok(&["create", "configmap", "seed", "-n", open_ns.name(), "--from-literal=k=v"]);
    tb.kubectl_ok(&["create", "quota", "cm-count", "-n", open_ns.name(), "--hard=configmaps=10"]);
    let r = app
        .request("PUT", &format!("{base}/alert-rules/KubeQuotaAlmostFull"), Some(&admin),
            Some(json!({"threshold": 1, "for_secs": 0})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fired = eventually("the quota alert to fire", WAIT, || async {
        let l = app
            .get(&format!("{base}/alerts?rule=KubeQuotaAlmostFull&state=firing&namespace={}", open_ns.name()), &admin)
            .await
            .body;
        l["items"].as_array().and_then(|a| a.first().cloned())
    })
    .await;
    let silences = app.get(&format!("{base}/silences"), &admin).await.body;
    let silence = silences
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["matchers"][0]["value"] == open_ns.name())
        .expect("a silence for the open window")
        .clone();
    assert_eq!(fired["silenced_by"], silence["id"], "{fired}");
    tokio::time::sleep(Duration::from_secs(4)).await;
    // the testbed is shared: quotas of other tests' namespaces may fire (unsilenced) on this cluster too
    let here: Vec<Value> = got
        .lock()
        .unwrap()
        .iter()
        .flat_map(|b| b["alerts"].as_array().cloned().unwrap_or_default())
        .filter(|a| {
            a["labels"]["alertname"] == "KubeQuotaAlmostFull"
                && a["labels"]["namespace"] == open_ns.name()
        })
        .collect();
    assert!(here.is_empty(), "a silenced alert was notified: {here:?}");

    // the policy: without it, changes anywhere; with it, only inside windows
    let cm = |ns: &str| format!("{base}/namespaces/{ns}/configmaps");
    let r = app.post(&cm(closed_ns.name()), &operator, configmap("no-policy")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .request("PUT", &format!("{base}/maintenance/policy"), Some(&operator), Some(json!({"deploy_only_in_windows": true})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app
        .request("PUT", &format!("{base}/maintenance/policy"), Some(&admin), Some(json!({"deploy_only_in_windows": true})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.post(&cm(closed_ns.name()), &operator, configmap("outside")).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::CONFLICT, Some("outside_maintenance_window")), "{}", r.body);
    let next = chrono::DateTime::parse_from_rfc3339(r.body["params"]["next"].as_str().unwrap()).unwrap();
    assert_eq!(next.timestamp(), opens.timestamp(), "{}", r.body);
    assert!(!exists(&tb, closed_ns.name(), "outside"));
    let r = app.post(&cm(open_ns.name()), &operator, configmap("inside")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app.post(&cm(free_ns.name()), &operator, configmap("no-window")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // `POST .../apply` names no namespace in its path: each document is held to its own namespace's windows
    let in_ns = |ns: &str, name: &str| {
        let mut c = configmap(name);
        c["metadata"]["namespace"] = json!(ns);
        c
    };
    let r = app
        .post(
            &format!("{base}/apply"),
            &operator,
            json!({"apiVersion": "v1", "kind": "List",
                   "items": [in_ns(closed_ns.name(), "applied-outside"), in_ns(open_ns.name(), "applied-inside")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let outcomes: Vec<(&str, Option<&str>)> = r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["outcome"].as_str().unwrap(), d["error"]["code"].as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [("failed", Some("outside_maintenance_window")), ("created", None)],
        "{}",
        r.body
    );
    assert!(!exists(&tb, closed_ns.name(), "applied-outside"));
    assert!(exists(&tb, open_ns.name(), "applied-inside"));
    // a cluster-admin (maintenance.bypass) deploys outside windows
    let r = app.post(&cm(closed_ns.name()), &admin, configmap("bypass")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(exists(&tb, closed_ns.name(), "bypass"));
    app.stop().await;
}

on_every_backend!(writes_are_refused_during_maintenance_and_allowed_after);
on_every_backend!(a_scheduled_window_starts_and_ends_on_time_and_is_announced_once_by_two_replicas);
on_every_backend!(alerts_of_a_cluster_in_maintenance_are_silenced);
on_every_backend!(application_windows_silence_their_namespace_and_the_policy_refuses_changes_outside_them);
