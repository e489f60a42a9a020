//! The alert engine (issue 16, Alerts) against the testbed: a pod whose container crashes over and over (the
//! simulator's `sim.kubedeck.io/crash-after-seconds`) fires KubePodCrashLooping after its (short) `for`, pending
//! first; its group is notified once (the alert rows' notified state) while a silenced pod's alert stays visible
//! with `silenced_by` and is never notified; a viewer cannot acknowledge, an operator's acknowledgement and
//! manual resolve record who and why (and the resolved alert does not come back while its pod still crash
//! loops); a restart on the same database neither opens a second alert nor notifies again; deleting the pod
//! resolves the alert and its resolution is notified once. Alertmanager's webhook: a wrong token is 401, the right
//! one opens an alert with source prometheus and a resolved one closes it; the token is shown once, never stored
//! or audited in clear.

use crate::apiserver::SecondApiserver;
use crate::helpers::*;
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_testbed::{Namespace, Testbed, unique_name};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_every_backend!(a_crash_looping_pod_fires_notifies_once_and_resolves);
on_every_backend!(alertmanager_webhooks_open_and_resolve_alerts);
on_every_backend!(rules_can_be_changed_and_added);
on_every_backend!(a_cluster_that_cannot_be_reached_fires_cluster_unreachable_until_it_is_back);
on_every_backend!(the_client_certificate_rule_reads_the_imported_credential);
on_every_backend!(a_rule_grouped_by_namespace_sends_a_notice_per_namespace);

const WAIT: Duration = Duration::from_secs(90);

/// Evaluation every second and notification timing of about a second, as the brief's tests use.
pub(crate) fn fast() -> AppOptions {
    let mut o = AppOptions::default();
    o.settings.notify.poll_interval = Duration::from_millis(200);
    o.settings.alerting.eval_interval = Duration::from_secs(1);
    o.settings.alerting.timing.group_wait = Duration::from_secs(1);
    o.settings.alerting.timing.group_interval = Duration::from_secs(1);
    o.settings.alerting.timing.repeat_interval = Duration::from_secs(3600);
    o
}

/// A webhook receiver on 127.0.0.1 that keeps every body posted to it (what an Alertmanager receiver gets).
pub(crate) async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
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

/// The (notice status, alert status) pairs of the received notices that name `pod`.
fn received_for(got: &Mutex<Vec<Value>>, pod: &str) -> Vec<(String, String)> {
    let got = got.lock().unwrap();
    let mut out = Vec::new();
    for body in got.iter() {
        for a in body["alerts"].as_array().into_iter().flatten() {
            if a["labels"]["pod"] == pod {
                out.push((
                    body["status"].as_str().unwrap_or("").to_owned(),
                    a["status"].as_str().unwrap_or("").to_owned(),
                ));
            }
        }
    }
    out
}

/// The alerts of one pod (any state).
async fn alerts_of(app: &TestApp, token: &str, base: &str, ns: &str, pod: &str) -> Vec<Value> {
    let r = app
        .get(
            &format!("{base}/alerts?rule=KubePodCrashLooping&namespace={ns}&page_size=100"),
            token,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["labels"]["pod"] == pod)
        .cloned()
        .collect()
}

/// The one alert of a pod once `ok` holds for it.
async fn wait_alert(
    app: &TestApp,
    token: &str,
    base: &str,
    ns: &str,
    pod: &str,
    what: &str,
    ok: impl Fn(&Value) -> bool,
) -> Value {
    eventually(what, WAIT, || async {
        let a = alerts_of(app, token, base, ns, pod).await;
        a.into_iter().find(|a| ok(a))
    })
    .await
}

fn crash_looping_pod(ns: &str, name: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {ns}
  annotations: {{sim.kubedeck.io/crash-after-seconds: "1"}}
spec:
  containers: [{{name: app, image: busybox}}]
"#
    )
}

async fn a_crash_looping_pod_fires_notifies_once_and_resolves() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "alerts");
    let n = ns.name().to_owned();
    let app = spawn_app_with(fast()).await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}");

    // only this test's namespace, a 2 s `for`, notices about a second apart
    let r = app
        .request(
            "PUT",
            &format!("{base}/alert-rules/KubePodCrashLooping"),
            Some(&admin),
            Some(json!({"for_secs": 2, "namespaces": [n], "group_wait_secs": 1, "group_interval_secs": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["for_secs"].as_i64(), r.body["changed"].as_bool()),
        (Some(2), Some(true))
    );

    // a webhook channel (Alertmanager's payload) for this cluster: what the notices become
    let (hook, got) = receiver().await;
    let r = app
        .post(
            "/api/v1/notify/channels",
            &admin,
            json!({"name": "am", "kind": "webhook", "cluster_ids": [id], "config": {"url": hook}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // a regular expression that does not compile is refused, naming the matcher
    let r = app
        .post(
            &format!("{base}/silences"),
            &admin,
            json!({"matchers": [{"name": "pod", "value": "mu(", "is_regex": true}], "duration_secs": 60}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str(), r.body["code"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("matchers[0].value"),
            Some("invalid_selector")
        ),
        "{}",
        r.body
    );
    // a silence made before the pods start, by a regular expression (Alertmanager's =~, anchored): the pod `muted`
    // is not notified; `looper` is, though "loop" is a part of its name
    let s = app
        .post(
            &format!("{base}/silences"),
            &admin,
            json!({"matchers": [{"name": "pod", "value": "mu.+d|loop", "is_regex": true}, {"name": "namespace", "value": n}], "duration_secs": 3600, "comment": "known"}),
        )
        .await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.body);
    let sid = s.body["id"].as_i64().unwrap();
    assert_eq!(s.body["status"], "active");

    apply(
        &tb,
        &(crash_looping_pod(&n, "looper") + "---" + &crash_looping_pod(&n, "muted")),
    );

    // pending for its `for`, then firing
    let fired = wait_alert(
        &app,
        &admin,
        &base,
        &n,
        "looper",
        "KubePodCrashLooping to fire for looper",
        |a| a["state"] == "firing",
    )
    .await;
    let active: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(fired["active_at"].clone()).unwrap();
    let starts: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(fired["starts_at"].clone()).unwrap();
    assert!(
        (starts - active).num_seconds() >= 2,
        "fired only after its for: {fired}"
    );
    assert_eq!(fired["severity"], "warning");
    assert_eq!(fired["source"], "kubedeck");
    assert_eq!(fired["labels"]["alertname"], "KubePodCrashLooping");
    assert_eq!(fired["fingerprint"].as_str().unwrap().len(), 64);
    let aid = fired["id"].as_i64().unwrap();

    // its group is notified; the silenced alert is visible, firing, and never notified
    let notified = wait_alert(&app, &admin, &base, &n, "looper", "looper's notice", |a| {
        a["notified_state"] == "firing"
    })
    .await;
    let first_notice = notified["last_notified_at"].clone();
    let muted = wait_alert(&app, &admin, &base, &n, "muted", "muted to fire", |a| {
        a["state"] == "firing"
    })
    .await;
    assert_eq!(muted["silenced_by"].as_i64(), Some(sid), "{muted}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let muted = alerts_of(&app, &admin, &base, &n, "muted").await;
    assert_eq!(
        (muted.len(), muted[0]["notified_state"].as_str()),
        (1, Some("none")),
        "{muted:?}"
    );
    let muted_id = muted[0]["id"].as_i64().unwrap();
    // the receiver got looper's firing notice, once, and nothing about muted
    eventually("the webhook to receive looper's notice", WAIT, || async {
        (!received_for(&got, "looper").is_empty()).then_some(())
    })
    .await;
    assert_eq!(
        received_for(&got, "looper"),
        vec![("firing".to_string(), "firing".to_string())]
    );
    assert!(
        received_for(&got, "muted").is_empty(),
        "a silenced alert is not notified"
    );

    // the global list and its badge count see them
    let all = app
        .get("/api/v1/alerts?state=firing&page_size=500", &admin)
        .await;
    assert!(
        all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == aid),
        "{}",
        all.body
    );

    // a viewer cannot acknowledge; an operator can, and is recorded
    let viewer = app
        .user_token(&unique_name("viewer"), &[Binding::global(Role::Viewer)])
        .await;
    let r = app
        .post(&format!("{base}/alerts/{aid}/ack"), &viewer, json!({}))
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "{}",
        r.body
    );
    let op_name = unique_name("operator");
    let operator = app
        .user_token(&op_name, &[Binding::global(Role::Operator)])
        .await;
    let r = app
        .post(&format!("{base}/alerts/{aid}/ack"), &operator, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["acknowledged_by"], op_name.as_str());
    assert!(r.body["acknowledged_at"].is_string());

    // a manual resolve records who and why, and the alert does not come back while the pod still crash loops
    let r = app
        .post(
            &format!("{base}/alerts/{muted_id}/resolve"),
            &operator,
            json!({"reason": ""}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("reason")),
        "{}",
        r.body
    );
    let r = app
        .post(
            &format!("{base}/alerts/{muted_id}/resolve"),
            &operator,
            json!({"reason": "known flaky test pod"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["state"].as_str(), r.body["resolved_by"].as_str()),
        (Some("resolved"), Some(op_name.as_str()))
    );
    assert_eq!(r.body["resolved_why"], "known flaky test pod");
    assert_eq!(r.body["held_until_clear"], true);
    let again = app
        .post(
            &format!("{base}/alerts/{muted_id}/resolve"),
            &operator,
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(
        (again.status, again.body["code"].as_str()),
        (StatusCode::CONFLICT, Some("alert_resolved"))
    );

    // a restart on the same database: the same alerts, nothing notified again
    let app = app.restart().await;
    let admin = app.admin_token().await;
    eventually(
        "the restarted app to evaluate the cluster",
        WAIT,
        || async {
            let a = alerts_of(&app, &admin, &base, &n, "looper").await;
            let fresh = a
                .first()
                .and_then(|a| a["last_evaluated_at"].as_str().map(str::to_owned));
            (fresh.as_deref() > fired["last_evaluated_at"].as_str()
                && app.state.hub.get(id).is_some())
            .then_some(())
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let looper = alerts_of(&app, &admin, &base, &n, "looper").await;
    assert_eq!(looper.len(), 1, "one alert after the restart: {looper:?}");
    assert_eq!(
        (looper[0]["id"].as_i64(), looper[0]["state"].as_str()),
        (Some(aid), Some("firing"))
    );
    assert_eq!(
        looper[0]["last_notified_at"], first_notice,
        "not notified again after the restart"
    );
    let muted = alerts_of(&app, &admin, &base, &n, "muted").await;
    assert_eq!(
        muted.len(),
        1,
        "the resolved-by-hand alert did not come back: {muted:?}"
    );
    assert_eq!(
        received_for(&got, "looper").len(),
        1,
        "the receiver got no second notice after the restart"
    );

    // the pod is fixed (deleted): resolved, and the resolution notified once
    tb.kubectl_ok(&[
        "-n",
        &n,
        "delete",
        "pod",
        "looper",
        "--grace-period=0",
        "--force",
    ]);
    let resolved = wait_alert(
        &app,
        &admin,
        &base,
        &n,
        "looper",
        "looper's alert to resolve",
        |a| a["state"] == "resolved",
    )
    .await;
    assert!(resolved["ends_at"].is_string(), "{resolved}");
    let sent = wait_alert(
        &app,
        &admin,
        &base,
        &n,
        "looper",
        "looper's resolution notice",
        |a| a["notified_state"] == "resolved",
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = alerts_of(&app, &admin, &base, &n, "looper").await;
    assert_eq!(after.len(), 1);
    assert_eq!(
        after[0]["last_notified_at"], sent["last_notified_at"],
        "the resolution is sent once"
    );
    eventually("the webhook to receive the resolution", WAIT, || async {
        (received_for(&got, "looper").len() == 2).then_some(())
    })
    .await;
    assert_eq!(
        received_for(&got, "looper")[1],
        ("resolved".to_string(), "resolved".to_string())
    );
    assert!(received_for(&got, "muted").is_empty());

    // silences are listed and can be expired
    let r = app
        .request(
            "DELETE",
            &format!("{base}/silences/{sid}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("expired")),
        "{}",
        r.body
    );
    app.stop().await;
}

fn webhook(status: &str, ends_at: &str) -> Value {
    json!({
        "version": "4", "groupKey": "{}:{alertname=\"HighErrorRate\"}", "truncatedAlerts": 0, "status": status,
        "receiver": "kubedeck", "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {"alertname": "HighErrorRate", "severity": "critical"}, "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": [{
            "status": status,
            "labels": {"alertname": "HighErrorRate", "severity": "critical", "namespace": "shop", "service": "web"},
            "annotations": {"summary": "5% of requests fail"},
            "startsAt": "2026-11-30T10:00:00Z", "endsAt": ends_at,
            "generatorURL": "http://prometheus:9090/graph", "fingerprint": "c6e5d3a1b2f40718"
        }]
    })
}

async fn alertmanager_webhooks_open_and_resolve_alerts() {
    let tb = Testbed::from_env();
    let app = spawn_app_with(fast()).await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}");

    let operator = app
        .user_token(&unique_name("operator"), &[Binding::global(Role::Operator)])
        .await;
    let r = app
        .post(
            &format!("{base}/alert-ingest-tokens"),
            &operator,
            json!({"name": "prod alertmanager"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "only alert.admin makes ingest tokens: {}",
        r.body
    );
    let r = app
        .post(
            &format!("{base}/alert-ingest-tokens"),
            &admin,
            json!({"name": "prod alertmanager"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.body["token"].as_str().unwrap().to_owned();
    assert_eq!(r.body["path"], format!("/api/v1/alerts/ingest/{token}"));
    let listed = app
        .get(&format!("{base}/alert-ingest-tokens"), &admin)
        .await;
    assert!(
        !listed.body.to_string().contains(&token),
        "the token is shown once: {}",
        listed.body
    );

    let wrong = app
        .request(
            "POST",
            "/api/v1/alerts/ingest/kdi_not-a-token",
            None,
            Some(webhook("firing", "0001-01-01T00:00:00Z")),
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("token_invalid"))
    );

    let r = app
        .request(
            "POST",
            &format!("/api/v1/alerts/ingest/{token}"),
            None,
            Some(webhook("firing", "0001-01-01T00:00:00Z")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["received"].as_u64(), r.body["opened"].as_u64()),
        (Some(1), Some(1))
    );
    // the same firing alert again (Alertmanager repeats): still one alert
    let r = app
        .request(
            "POST",
            &format!("/api/v1/alerts/ingest/{token}"),
            None,
            Some(webhook("firing", "0001-01-01T00:00:00Z")),
        )
        .await;
    assert_eq!(r.body["opened"].as_u64(), Some(0), "{}", r.body);
    let list = app
        .get(&format!("{base}/alerts?rule=HighErrorRate"), &admin)
        .await;
    assert_eq!(list.body["total"], 1, "{}", list.body);
    let a = &list.body["items"][0];
    assert_eq!(
        (
            a["source"].as_str(),
            a["state"].as_str(),
            a["severity"].as_str()
        ),
        (Some("prometheus"), Some("firing"), Some("critical"))
    );
    assert_eq!(a["namespace"], "shop");
    assert_eq!(a["annotations"]["summary"], "5% of requests fail");

    let r = app
        .request(
            "POST",
            &format!("/api/v1/alerts/ingest/{token}"),
            None,
            Some(webhook("resolved", "2026-11-30T10:05:00Z")),
        )
        .await;
    assert_eq!(r.body["resolved"].as_u64(), Some(1), "{}", r.body);
    let list = app
        .get(&format!("{base}/alerts?rule=HighErrorRate"), &admin)
        .await;
    assert_eq!(
        (
            list.body["items"][0]["state"].as_str(),
            list.body["items"][0]["ends_at"].as_str()
        ),
        (Some("resolved"), Some("2026-11-30T10:05:00Z"))
    );

    // the token is in no audit record; a deleted token is refused
    let audit = app.audit().await;
    assert!(
        audit.iter().any(|r| r.action == "alert.ingest"),
        "ingest is audited"
    );
    assert!(
        audit.iter().all(|r| !format!("{r:?}").contains(&token)),
        "the token is never audited in clear"
    );
    let kid = listed.body[0]["id"].as_i64().unwrap();
    let r = app
        .request(
            "DELETE",
            &format!("{base}/alert-ingest-tokens/{kid}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .request(
            "POST",
            &format!("/api/v1/alerts/ingest/{token}"),
            None,
            Some(webhook("firing", "0001-01-01T00:00:00Z")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn rules_can_be_changed_and_added() {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}");

    let rules = app.get(&format!("{base}/alert-rules"), &admin).await;
    assert_eq!(rules.status, StatusCode::OK);
    let names: Vec<&str> = rules
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    for n in [
        "KubePodCrashLooping",
        "KubeNodeNotReady",
        "KubePersistentVolumeFillingUp",
        "ClusterUnreachable",
        "NodeCpuHigh",
    ] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    let crash = rules
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "KubePodCrashLooping")
        .unwrap();
    assert_eq!(
        (
            crash["for_secs"].as_i64(),
            crash["severity"].as_str(),
            crash["enabled"].as_bool()
        ),
        (Some(900), Some("warning"), Some(true))
    );

    let r = app
        .request(
            "PUT",
            &format!("{base}/alert-rules/NodeCpuHigh"),
            Some(&admin),
            Some(json!({"enabled": false, "threshold": 75.0})),
        )
        .await;
    assert_eq!(
        (
            r.status,
            r.body["enabled"].as_bool(),
            r.body["threshold"].as_f64()
        ),
        (StatusCode::OK, Some(false), Some(75.0)),
        "{}",
        r.body
    );
    let r = app
        .request(
            "PUT",
            &format!("{base}/alert-rules/NodeCpuHigh"),
            Some(&admin),
            Some(json!({"severity": "fatal"})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("severity")),
        "{}",
        r.body
    );
    let r = app
        .request(
            "PUT",
            &format!("{base}/alert-rules/NoSuchRule"),
            Some(&admin),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("alert_rule_not_found"))
    );

    let r = app.post(&format!("{base}/alert-rules"), &admin, json!({"name": "PodRestartsHigh", "metric": "pod_restarts", "operator": ">", "threshold": 5, "for_secs": 60})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        (r.body["custom"].as_bool(), r.body["severity"].as_str()),
        (Some(true), Some("warning"))
    );
    let r = app.post(&format!("{base}/alert-rules"), &admin, json!({"name": "PodRestartsHigh", "metric": "pod_restarts", "operator": ">", "threshold": 5})).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::CONFLICT, Some("alert_rule_exists"))
    );
    let r = app
        .post(
            &format!("{base}/alert-rules"),
            &admin,
            json!({"name": "Bad", "metric": "pod_mood", "operator": ">", "threshold": 5}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("metric")),
        "{}",
        r.body
    );

    // an operator may not change rules; DELETE restores a built-in rule's defaults and removes a custom one
    let operator = app
        .user_token(&unique_name("operator"), &[Binding::global(Role::Operator)])
        .await;
    let r = app
        .request(
            "PUT",
            &format!("{base}/alert-rules/NodeCpuHigh"),
            Some(&operator),
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .request(
            "DELETE",
            &format!("{base}/alert-rules/NodeCpuHigh"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .get(&format!("{base}/alert-rules/NodeCpuHigh"), &admin)
        .await;
    assert_eq!(
        (
            r.body["enabled"].as_bool(),
            r.body["threshold"].as_f64(),
            r.body["changed"].as_bool()
        ),
        (Some(true), Some(90.0), Some(false))
    );
    let r = app
        .request(
            "DELETE",
            &format!("{base}/alert-rules/PodRestartsHigh"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .get(&format!("{base}/alert-rules/PodRestartsHigh"), &admin)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    app.stop().await;
}

/// Kubedeck's own rule on the cluster itself: an API server that stops answering fires ClusterUnreachable
/// (critical) once the sync loop records the failed check, and it resolves when the API server is back.
async fn a_cluster_that_cannot_be_reached_fires_cluster_unreachable_until_it_is_back() {
    let tb = Testbed::from_env();
    let mut apiserver = SecondApiserver::start(&tb);
    let app = spawn_app_with(fast()).await;
    let admin = app.admin_token().await;
    let id = import_kubeconfig(
        &app,
        &admin,
        "unreachable",
        &apiserver.admin_kubeconfig().to_owned(),
    )
    .await;
    let base = format!("/api/v1/k8s/cluster/{id}");
    let r = app
        .request(
            "PUT",
            &format!("{base}/alert-rules/ClusterUnreachable"),
            Some(&admin),
            Some(json!({"for_secs": 0})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rule = |state: &'static str| {
        let app = &app;
        let admin = &admin;
        let base = &base;
        async move {
            let l = app
                .get(
                    &format!("{base}/alerts?rule=ClusterUnreachable&state={state}"),
                    admin,
                )
                .await
                .body;
            l["items"].as_array().and_then(|a| a.first().cloned())
        }
    };
    // evaluated while it answers: nothing
    eventually("a first evaluation", WAIT, || async {
        let rules = app.get(&format!("{base}/alerts?page_size=1"), &admin).await;
        (rules.status == StatusCode::OK && app.state.hub.get(id).is_some()).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        rule("firing").await.is_none(),
        "nothing fires while the cluster answers"
    );

    apiserver.stop();
    let fired = eventually("ClusterUnreachable to fire", WAIT, || rule("firing")).await;
    assert_eq!(fired["severity"], "critical");
    assert!(
        fired["labels"]["cluster"]
            .as_str()
            .unwrap()
            .starts_with("unreachable"),
        "{fired}"
    );
    assert_eq!(
        fired["namespace"],
        Value::Null,
        "a cluster-wide alert: {fired}"
    );

    apiserver.spawn();
    let resolved = eventually(
        "ClusterUnreachable to resolve",
        Duration::from_secs(120),
        || rule("resolved"),
    )
    .await;
    assert_eq!(resolved["id"], fired["id"]);
    assert!(resolved["ends_at"].is_string());
    app.stop().await;
}

/// KubeClientCertificateExpiration reads the imported kubeconfig's client certificate: with a threshold beyond its
/// end it fires with the days left as its value (what kubectl's certificate says), and with a tiny one it resolves.
async fn the_client_certificate_rule_reads_the_imported_credential() {
    let tb = Testbed::from_env();
    let app = spawn_app_with(fast()).await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}");
    let rule = format!("{base}/alert-rules/KubeClientCertificateExpiration");
    let r = app
        .request(
            "PUT",
            &rule,
            Some(&admin),
            Some(json!({"threshold": 36500})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fired = eventually("the certificate rule to fire", WAIT, || async {
        let l = app
            .get(
                &format!("{base}/alerts?rule=KubeClientCertificateExpiration&state=firing"),
                &admin,
            )
            .await
            .body;
        l["items"].as_array().and_then(|a| a.first().cloned())
    })
    .await;
    // the testbed's admin certificate: its end, as openssl reads it
    let pem = tb.admin_kubeconfig();
    let data = pem
        .lines()
        .find_map(|l| l.trim().strip_prefix("client-certificate-data:"))
        .expect("an inline client certificate")
        .trim()
        .to_owned();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "echo {data} | base64 -d | openssl x509 -noout -enddate -dateopt iso_8601"
        ))
        .output()
        .unwrap();
    let end = String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_start_matches("notAfter=")
        .to_owned();
    let end =
        chrono::DateTime::parse_from_rfc3339(&end.replace(' ', "T")).expect("openssl's end date");
    let days =
        (end.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds() as f64 / 86_400.0;
    let value = fired["value"].as_f64().unwrap();
    assert!(
        (value - days).abs() < 0.1,
        "days left {value} vs openssl's {days}: {fired}"
    );
    assert_eq!(fired["namespace"], Value::Null);

    let r = app
        .request(
            "PUT",
            &rule,
            Some(&admin),
            Some(json!({"threshold": 0.001})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    eventually("the certificate alert to resolve", WAIT, || async {
        let a = app
            .get(&format!("{base}/alerts/{}", fired["id"]), &admin)
            .await
            .body;
        (a["state"] == "resolved").then_some(())
    })
    .await;
    app.stop().await;
}

/// Alertmanager's `group_by` on a rule: crash-looping pods in two namespaces, grouped by namespace, arrive as two
/// notices (one per namespace, its `groupLabels` naming it, each with only its namespace's alerts); label names
/// are checked; set back to none, the one group per rule and cluster returns.
async fn a_rule_grouped_by_namespace_sends_a_notice_per_namespace() {
    let tb = Testbed::from_env();
    let (one, two) = (
        Namespace::create_in(&tb, "group-a"),
        Namespace::create_in(&tb, "group-b"),
    );
    let (a, b) = (one.name().to_owned(), two.name().to_owned());
    let app = spawn_app_with(fast()).await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}");
    let rule = format!("{base}/alert-rules/KubePodCrashLooping");

    // label names are checked, naming the entry; nothing is saved
    for (bad, field) in [
        (json!(["namespace", "9pod"]), "group_by[1]"),
        (json!(["namespace", "namespace"]), "group_by[1]"),
        (json!(["alertname"]), "group_by[0]"),
    ] {
        let r = app
            .request("PUT", &rule, Some(&admin), Some(json!({ "group_by": bad })))
            .await;
        assert_eq!(
            (r.status, r.body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{bad}: {}",
            r.body
        );
    }
    let r = app.get(&rule, &admin).await;
    assert_eq!(r.body["group_by"], json!([]), "{}", r.body);

    let r = app
        .request(
            "PUT",
            &rule,
            Some(&admin),
            Some(json!({"for_secs": 0, "namespaces": [a, b], "group_by": ["namespace"],
                        "group_wait_secs": 2, "group_interval_secs": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["group_by"], json!(["namespace"]));
    let (hook, got) = receiver().await;
    let r = app
        .post(
            "/api/v1/notify/channels",
            &admin,
            json!({"name": "by-ns", "kind": "webhook", "cluster_ids": [id], "config": {"url": hook}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    apply(
        &tb,
        &(crash_looping_pod(&a, "one")
            + "---"
            + &crash_looping_pod(&a, "two")
            + "---"
            + &crash_looping_pod(&b, "three")),
    );
    // the firing notices of this test's rule, by the namespace their group names
    let notices = || -> std::collections::BTreeMap<String, Vec<String>> {
        let mut by = std::collections::BTreeMap::<String, Vec<String>>::new();
        for body in got.lock().unwrap().iter() {
            if body["status"] != "firing" || body["groupLabels"]["alertname"] != "KubePodCrashLooping" {
                continue;
            }
            let ns = body["groupLabels"]["namespace"].as_str().unwrap_or("(none)").to_owned();
            let pods = by.entry(ns).or_default();
            for alert in body["alerts"].as_array().unwrap() {
                pods.push(alert["labels"]["pod"].as_str().unwrap().to_owned());
            }
            pods.sort();
            pods.dedup();
        }
        by
    };
    let seen = eventually(
        "a notice for each namespace with all its pods",
        WAIT,
        || async {
            let by = notices();
            (by.get(&a).map(Vec::len) == Some(2) && by.get(&b).map(Vec::len) == Some(1)).then_some(by)
        },
    )
    .await;
    assert_eq!(seen.len(), 2, "no notice outside the two groups: {seen:?}");
    assert_eq!(seen[&a], ["one", "two"]);
    assert_eq!(seen[&b], ["three"]);
    for body in got.lock().unwrap().iter() {
        let ns = body["groupLabels"]["namespace"].as_str().unwrap_or_default();
        for alert in body["alerts"].as_array().unwrap() {
            assert_eq!(alert["labels"]["namespace"], ns, "a notice holds only its group's alerts: {body}");
        }
        assert_eq!(body["groupLabels"]["cluster"], body["commonLabels"]["cluster"]);
    }
    let keys: std::collections::BTreeSet<String> = got
        .lock()
        .unwrap()
        .iter()
        .map(|b| b["groupKey"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 2, "{keys:?}");

    // back to one group: stored as none, the alerts' group is the rule's again
    let r = app
        .request("PUT", &rule, Some(&admin), Some(json!({"group_by": []})))
        .await;
    assert_eq!(
        (r.status, r.body["group_by"].clone()),
        (StatusCode::OK, json!([])),
        "{}",
        r.body
    );
    eventually("the open alerts back in one group", WAIT, || async {
        let r = app
            .get(&format!("{base}/alerts?rule=KubePodCrashLooping&page_size=100"), &admin)
            .await;
        let keys: std::collections::BTreeSet<String> = r.body["items"]
            .as_array()?
            .iter()
            .filter(|x| x["state"] == "firing")
            .filter_map(|x| x["group_key"].as_str().map(str::to_owned))
            .collect();
        (keys.len() == 1 && keys.contains(&format!("{id}:KubePodCrashLooping"))).then_some(())
    })
    .await;
    app.stop().await;
}
