//! Application backups (issue 18) against the testbed: a namespace with a Deployment, a Service, a ConfigMap, a
//! Secret and a PersistentVolumeClaim is backed up (the Deployment's ReplicaSet and pods, the default
//! ServiceAccount and its token left out and listed why; the Secret sealed in the database), the namespace is
//! deleted with kubectl, a dry run reports what a restore would create and changes nothing, the restore brings back
//! the same objects as kubectl shows them (specs, data and values equal), a second restore skips what exists, a
//! replace restores a changed ConfigMap, and a restore under a namespace mapping makes a copy beside the original.

use crate::helpers::*;
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_testbed::{Namespace, Testbed};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const SECRET_VALUE: &str = "s3cret-backup-value-2026";

fn manifests(ns: &str) -> String {
    format!(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {ns}, labels: {{app: web}}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        env: [{{name: MODE, value: prod}}]
        volumeMounts: [{{name: conf, mountPath: /etc/web}}]
      volumes: [{{name: conf, configMap: {{name: conf}}}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: {ns}}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: 8080}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: conf, namespace: {ns}}}
data: {{mode: prod, size: "3"}}
---
apiVersion: v1
kind: Secret
metadata: {{name: creds, namespace: {ns}}}
stringData: {{password: {SECRET_VALUE}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: data, namespace: {ns}}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {{requests: {{storage: 1Gi}}}}
"#
    )
}

/// What an operator compares after a restore, as kubectl shows it.
fn observed(tb: &Testbed, ns: &str) -> Value {
    let get = |kind: &str, name: &str| tb.kubectl_json(&["-n", ns, "get", kind, name]);
    let deploy = get("deployment", "web");
    let svc = get("service", "web");
    let pvc = get("pvc", "data");
    json!({
        "deployment": {"replicas": deploy["spec"]["replicas"], "selector": deploy["spec"]["selector"],
                       "template": deploy["spec"]["template"], "strategy": deploy["spec"]["strategy"]},
        "service": {"ports": svc["spec"]["ports"].as_array().unwrap().iter().map(|p| json!({"port": p["port"], "targetPort": p["targetPort"], "protocol": p["protocol"]})).collect::<Vec<_>>(),
                    "selector": svc["spec"]["selector"], "type": svc["spec"]["type"]},
        "configmap": get("configmap", "conf")["data"],
        "secret": get("secret", "creds")["data"],
        "pvc": {"accessModes": pvc["spec"]["accessModes"], "resources": pvc["spec"]["resources"]},
    })
}

fn outcomes(report: &Value) -> Vec<(String, String)> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                format!("{}/{}", r["kind"].as_str().unwrap(), r["name"].as_str().unwrap()),
                r["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn namespace_gone(tb: &Testbed, ns: &str) {
    kubedeck_testbed::wait_until(
        &format!("namespace {ns} deleted"),
        Duration::from_secs(180),
        || (!tb.kubectl(&["get", "namespace", ns]).status.success()).then_some(()),
    );
}

async fn a_namespace_backed_up_deleted_and_restored_comes_back_the_same_and_copies_under_a_mapping() {
    let tb = Testbed::from_env();
    let guard = Namespace::create_in(&tb, "backup");
    let ns = guard.name().to_owned();
    let copy = format!("{ns}-copy");
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}/app-backups");
    apply(&tb, &manifests(&ns));
    kubedeck_testbed::wait_until("the Deployment's ReplicaSet", Duration::from_secs(60), || {
        let rs = tb.kubectl_json(&["-n", &ns, "get", "replicasets"]);
        (!rs["items"].as_array().unwrap().is_empty()).then_some(())
    });
    let before = observed(&tb, &ns);

    // who may not, and what is refused before anything is recorded
    let operator = app
        .user_token("bk-operator", &[Binding { role: Role::Operator, cluster_id: Some(id), namespace: None }])
        .await;
    let r = app.post(&base, &operator, json!({"namespaces": [ns]})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    for (body, field) in [
        (json!({"namespaces": []}), "namespaces"),
        (json!({"namespaces": [ns, "Not_A_Name"]}), "namespaces[1]"),
        (json!({"namespaces": [ns], "label_selector": "app in (web"}), "label_selector"),
    ] {
        let r = app.post(&base, &admin, body.clone()).await;
        assert_eq!((r.status, r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{body}: {}", r.body);
    }
    let r = app.post(&base, &admin, json!({"namespaces": ["no-such-namespace-kd"]})).await;
    assert_eq!(
        (r.status, r.body["code"].as_str(), r.body["field"].as_str()),
        (StatusCode::NOT_FOUND, Some("namespace_not_found"), Some("namespaces[0]")),
        "{}",
        r.body
    );
    assert_eq!(app.get(&base, &admin).await.body, json!([]), "a refused backup records nothing");

    // the backup: five objects, what controllers and the cluster make left out and named
    let r = app.post(&base, &admin, json!({"name": "before-migration", "namespaces": [ns]})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let b = r.body.clone();
    let bid = b["id"].as_i64().unwrap();
    assert_eq!((b["status"].as_str(), b["object_count"].as_i64(), b["secret_count"].as_i64()), (Some("succeeded"), Some(5), Some(1)), "{b}");
    assert_eq!(
        b["report"]["kinds"],
        json!({"ConfigMap": 1, "Deployment": 1, "PersistentVolumeClaim": 1, "Secret": 1, "Service": 1}),
        "{b}"
    );
    let left: Vec<(String, String)> = b["report"]["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["kind"].as_str().unwrap().to_owned(), l["name"].as_str().unwrap().to_owned()))
        .collect();
    for kind in ["ReplicaSet", "Pod", "ServiceAccount", "ConfigMap"] {
        assert!(left.iter().any(|(k, _)| k == kind), "{kind} left out: {left:?}");
    }
    assert_eq!((b["report"]["claims"].as_i64(), b["report"]["volume_data_included"].as_bool()), (Some(1), Some(false)), "{b}");
    assert!(b["report"]["volume_note"].as_str().unwrap().contains("not"), "{b}");
    // the detail lists the objects, never a Secret's value; the database holds the Secret sealed
    let d = app.get(&format!("{base}/{bid}"), &admin).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    let names: Vec<String> = d.body["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| format!("{}/{}", o["kind"].as_str().unwrap(), o["name"].as_str().unwrap()))
        .collect();
    assert_eq!(names[0], format!("Namespace/{ns}"), "namespaces first: {names:?}");
    for n in ["Secret/creds", "ConfigMap/conf", "Deployment/web", "Service/web", "PersistentVolumeClaim/data"] {
        assert!(names.contains(&n.to_owned()), "{n} in {names:?}");
    }
    let b64 = base64_of(SECRET_VALUE);
    assert!(!d.body.to_string().contains(&b64) && !d.body.to_string().contains(SECRET_VALUE));
    let row = app.state.store.find_app_backup(id, bid).await.unwrap().unwrap();
    let sealed = row.secrets.clone().unwrap();
    assert!(sealed.starts_with("v1:") && !sealed.contains(&b64), "sealed: {sealed}");
    assert!(!row.manifests.unwrap().contains(&b64), "no Secret among the clear manifests");
    // the download: the manifests, the Secrets still sealed; audited
    let r = app.get(&format!("{base}/{bid}/download"), &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["secrets_sealed"], sealed.as_str());
    assert!(!r.body.to_string().contains(&b64));
    assert!(app.audit().await.iter().any(|a| a.action == "backup.download"));

    // the namespace deleted with kubectl
    tb.kubectl_ok(&["delete", "namespace", &ns, "--wait=false"]);
    namespace_gone(&tb, &ns);

    // a dry run says what it would do, and does nothing
    let restore = format!("{base}/{bid}/restore");
    let r = app.post(&restore, &admin, json!({"dry_run": true})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.body["dry_run"].as_bool(), r.body["created"].as_i64(), r.body["failed"].as_i64()), (Some(true), Some(6), Some(0)), "{}", r.body);
    assert!(!tb.kubectl(&["get", "namespace", &ns]).status.success(), "a dry run created the namespace");
    // bad restore requests
    for (body, field) in [
        (json!({"existing": "merge"}), "existing".to_owned()),
        (json!({"namespace_mapping": {"other": "x"}}), "namespace_mapping.other".to_owned()),
        (json!({"namespace_mapping": {ns.clone(): "Bad_Name"}}), format!("namespace_mapping.{ns}")),
    ] {
        let r = app.post(&restore, &admin, body.clone()).await;
        assert_eq!((r.status, r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field.as_str())), "{body}: {}", r.body);
    }

    // the restore: everything back, as it was
    let r = app.post(&restore, &admin, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.body["created"].as_i64(), r.body["failed"].as_i64()), (Some(6), Some(0)), "{}", r.body);
    assert_eq!(observed(&tb, &ns), before, "restored objects equal the backed-up ones");
    let secret = tb.kubectl_ok(&["-n", &ns, "get", "secret", "creds", "-o", "jsonpath={.data.password}"]);
    assert_eq!(secret, b64);

    // again: everything exists, skipped
    let r = app.post(&restore, &admin, json!({})).await;
    assert!(outcomes(&r.body).iter().all(|(_, o)| o == "skipped"), "{}", r.body);
    // a changed ConfigMap comes back with replace
    tb.kubectl_ok(&["-n", &ns, "patch", "configmap", "conf", "-p", r#"{"data":{"mode":"changed"}}"#]);
    let r = app.post(&restore, &admin, json!({"existing": "replace"})).await;
    assert_eq!((r.status, r.body["failed"].as_i64()), (StatusCode::OK, Some(0)), "{}", r.body);
    assert!(outcomes(&r.body).contains(&("ConfigMap/conf".into(), "replaced".into())), "{}", r.body);
    assert_eq!(tb.kubectl_ok(&["-n", &ns, "get", "configmap", "conf", "-o", "jsonpath={.data.mode}"]), "prod");

    // a copy beside the original, under another namespace
    let r = app
        .post(&restore, &admin, json!({"namespace_mapping": {ns.clone(): copy}}))
        .await;
    assert_eq!((r.status, r.body["created"].as_i64(), r.body["failed"].as_i64()), (StatusCode::OK, Some(6), Some(0)), "{}", r.body);
    assert_eq!(observed(&tb, &copy), before, "the copy equals the original");
    let ips: Vec<String> = [&ns, &copy]
        .iter()
        .map(|n| tb.kubectl_ok(&["-n", n, "get", "service", "web", "-o", "jsonpath={.spec.clusterIP}"]))
        .collect();
    assert_ne!(ips[0], ips[1], "the copy's Service has an address of its own");

    let r = app.request("DELETE", &format!("{base}/{bid}"), Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app.get(&format!("{base}/{bid}"), &admin).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::NOT_FOUND, Some("app_backup_not_found")));
    let _ = tb.kubectl(&["delete", "namespace", &copy, "--wait=false", "--ignore-not-found"]);
    app.stop().await;
}

fn base64_of(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

on_every_backend!(a_namespace_backed_up_deleted_and_restored_comes_back_the_same_and_copies_under_a_mapping);

/// Scheduled backups: a schedule is checked when saved (cron, retention, namespaces that exist, a unique name),
/// the scheduler loop takes a backup at each cron time (every minute here) named after the schedule, retention
/// keeps the schedule's newest `keep_count` and leaves on-demand backups alone, a backup left `running` by a
/// replica that stopped is marked interrupted, and a disabled schedule shows no next run.
async fn scheduled_backups_run_on_time_keep_their_count_and_interrupted_ones_are_marked() {
    let tb = Testbed::from_env();
    let guard = Namespace::create_in(&tb, "sched");
    let ns = guard.name().to_owned();
    tb.kubectl_ok(&["-n", &ns, "create", "configmap", "conf", "--from-literal=mode=prod"]);
    let mut opts = AppOptions::default();
    opts.settings.schedule_tick = Duration::from_secs(1);
    let app = spawn_app_with(opts).await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let backups = format!("/api/v1/k8s/cluster/{id}/app-backups");
    let schedules = format!("/api/v1/k8s/cluster/{id}/app-backup-schedules");

    // refused before anything is stored, naming the field
    for (body, status, field) in [
        (json!({"name": "x", "namespaces": [ns], "schedule": "0 0 3 * * *"}), StatusCode::BAD_REQUEST, "schedule"),
        (json!({"name": "x", "namespaces": [ns], "schedule": "@daily", "keep_count": 0}), StatusCode::BAD_REQUEST, "keep_count"),
        (json!({"name": "", "namespaces": [ns], "schedule": "@daily"}), StatusCode::BAD_REQUEST, "name"),
        (json!({"name": "x", "namespaces": [ns, "no-such-namespace-here"], "schedule": "@daily"}), StatusCode::NOT_FOUND, "namespaces[1]"),
    ] {
        let r = app.post(&schedules, &admin, body.clone()).await;
        assert_eq!((r.status, r.body["field"].as_str()), (status, Some(field)), "{body}: {}", r.body);
    }
    assert_eq!(app.get(&schedules, &admin).await.body, json!([]));

    let r = app
        .post(&schedules, &admin, json!({"name": "minutely", "namespaces": [ns], "schedule": "* * * * *", "keep_count": 1}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sid = r.body["id"].as_i64().unwrap();
    let next: chrono::DateTime<chrono::Utc> = r.body["next_run_at"].as_str().unwrap().parse().unwrap();
    assert!(next > chrono::Utc::now() && next <= chrono::Utc::now() + chrono::Duration::seconds(61), "{}", r.body);
    let r = app.post(&schedules, &admin, json!({"name": "minutely", "namespaces": [ns], "schedule": "@daily"})).await;
    assert_eq!((r.status, r.body["code"].as_str(), r.body["field"].as_str()), (StatusCode::CONFLICT, Some("app_backup_schedule_exists"), Some("name")), "{}", r.body);
    // no retention given: the newest 7
    let r = app.post(&schedules, &admin, json!({"name": "nightly", "namespaces": [ns], "schedule": "0 3 * * *", "enabled": false})).await;
    assert_eq!((r.body["keep_count"].as_i64(), r.body["next_run_at"].is_null()), (Some(7), true), "{}", r.body);

    // a schedule whose namespace is deleted can still be paused (only namespaces it did not have must exist)
    let doomed = format!("{ns}-doomed");
    tb.kubectl_ok(&["create", "namespace", &doomed]);
    let r = app.post(&schedules, &admin, json!({"name": "doomed", "namespaces": [doomed], "schedule": "@daily"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let doomed_id = r.body["id"].as_i64().unwrap();
    tb.kubectl_ok(&["delete", "namespace", &doomed, "--wait=true", "--timeout=120s"]);
    let doomed_path = format!("{schedules}/{doomed_id}");
    let body = json!({"name": "doomed", "namespaces": [doomed], "schedule": "@daily", "enabled": false});
    let r = app.request("PUT", &doomed_path, Some(&admin), Some(body)).await;
    assert_eq!((r.status, r.body["enabled"].as_bool()), (StatusCode::OK, Some(false)), "{}", r.body);
    let body = json!({"name": "doomed", "namespaces": [doomed, "not-there-either"], "schedule": "@daily"});
    let r = app.request("PUT", &doomed_path, Some(&admin), Some(body)).await;
    assert_eq!((r.status, r.body["field"].as_str()), (StatusCode::NOT_FOUND, Some("namespaces[1]")), "{}", r.body);
    let r = app.request("DELETE", &format!("{schedules}/{doomed_id}"), Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    let cancel = tokio_util::sync::CancellationToken::new();
    let scheduler = tokio::spawn(kubedeck_api::app_backup::schedule::run(app.state.clone(), cancel.clone()));
    let scheduled = |list: &Value| -> Vec<Value> {
        list.as_array().unwrap().iter().filter(|b| b["schedule_id"] == sid).cloned().collect()
    };
    let first = eventually("the first scheduled backup", Duration::from_secs(90), || async {
        let l = app.get(&backups, &admin).await.body;
        scheduled(&l).into_iter().find(|b| b["status"] == "succeeded")
    })
    .await;
    assert_eq!(first["requested_by"], "schedule:minutely", "{first}");
    assert!(first["name"].as_str().unwrap().starts_with("minutely-"), "{first}");
    let detail = app.get(&format!("{backups}/{}", first["id"]), &admin).await.body;
    assert!(
        detail["objects"].as_array().unwrap().iter().any(|o| o["kind"] == "ConfigMap" && o["name"] == "conf"),
        "{detail}"
    );
    // an on-demand backup is no schedule's: retention leaves it
    let r = app.post(&backups, &admin, json!({"namespaces": [ns], "name": "by-hand"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let by_hand = r.body["id"].as_i64().unwrap();
    // a backup left running by a replica that stopped (no replica lease): marked interrupted by the loop
    let orphan = app
        .state
        .store
        .start_app_backup(id, "orphan", std::slice::from_ref(&ns), None, "admin", None, "a-replica-that-stopped")
        .await
        .unwrap();
    let interrupted = eventually("the orphan marked interrupted", Duration::from_secs(20), || async {
        let b = app.get(&format!("{backups}/{}", orphan.id), &admin).await.body;
        (b["status"] == "interrupted").then_some(b)
    })
    .await;
    assert!(interrupted["error"].as_str().unwrap().contains("stopped"), "{interrupted}");
    assert!(interrupted["finished_at"].is_string(), "{interrupted}");

    // the next minute's run: keep_count 1 leaves only the newest of the schedule
    let second = eventually("the second scheduled backup, and the first removed", Duration::from_secs(90), || async {
        let l = app.get(&backups, &admin).await.body;
        let mine = scheduled(&l);
        (mine.len() == 1 && mine[0]["id"] != first["id"] && mine[0]["status"] == "succeeded").then(|| mine[0].clone())
    })
    .await;
    assert!(second["started_at"].as_str() > first["started_at"].as_str(), "{second}");
    let l = app.get(&backups, &admin).await.body;
    assert!(l.as_array().unwrap().iter().any(|b| b["id"] == by_hand), "retention removed an on-demand backup: {l}");
    let r = app.get(&schedules, &admin).await;
    let row = r.body.as_array().unwrap().iter().find(|s| s["id"] == sid).cloned().unwrap();
    assert!(row["last_scheduled_at"].is_string(), "{row}");

    // disabled: no next run; deleted: gone, its backup stays
    let r = app
        .request("PUT", &format!("{schedules}/{sid}"), Some(&admin), Some(json!({"name": "minutely", "namespaces": [ns], "schedule": "* * * * *", "keep_count": 1, "enabled": false})))
        .await;
    assert_eq!((r.status, r.body["next_run_at"].is_null()), (StatusCode::OK, true), "{}", r.body);
    let r = app.request("DELETE", &format!("{schedules}/{sid}"), Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.request("DELETE", &format!("{schedules}/{sid}"), Some(&admin), None).await;
    assert_eq!((r.status, r.body["code"].as_str()), (StatusCode::NOT_FOUND, Some("app_backup_schedule_not_found")), "{}", r.body);
    let l = app.get(&backups, &admin).await.body;
    assert!(l.as_array().unwrap().iter().any(|b| b["id"] == second["id"]), "{l}");
    cancel.cancel();
    scheduler.await.unwrap();
    app.stop().await;
}

on_one_backend!(scheduled_backups_run_on_time_keep_their_count_and_interrupted_ones_are_marked);

/// A downloaded archive imported as a backup restores like the original, Secret values included, after the
/// original backup is deleted; a changed archive, a foreign format or Secrets sealed for another row are refused
/// naming the part, and nothing is recorded.
async fn a_downloaded_archive_is_imported_and_restored_and_a_changed_one_is_refused() {
    let tb = Testbed::from_env();
    let guard = Namespace::create_in(&tb, "archive");
    let ns = guard.name().to_owned();
    tb.kubectl_ok(&["-n", &ns, "create", "configmap", "conf", "--from-literal=mode=prod"]);
    tb.kubectl_ok(&["-n", &ns, "create", "secret", "generic", "creds", &format!("--from-literal=password={SECRET_VALUE}")]);
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}/app-backups");
    let r = app.post(&base, &admin, json!({"namespaces": [ns]})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let bid = r.body["id"].as_i64().unwrap();
    let archive = app.get(&format!("{base}/{bid}/download"), &admin).await.body;
    let r = app.request("DELETE", &format!("{base}/{bid}"), Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    // refused, naming the part; nothing recorded
    let mut changed = archive.clone();
    let conf = changed["manifests"].as_array_mut().unwrap().iter_mut().find(|m| m["kind"] == "ConfigMap").unwrap();
    conf["data"]["mode"] = json!("tampered");
    let mut other_row = archive.clone();
    other_row["backup"] = json!(bid + 1);
    let mut foreign = archive.clone();
    foreign["format"] = json!("velero/v1");
    for (body, field) in [(changed, "sha256"), (other_row, "secrets_sealed"), (foreign, "format")] {
        let r = app.post(&format!("{base}/import"), &admin, body).await;
        assert_eq!((r.status, r.body["code"].as_str(), r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("archive_invalid"), Some(field)), "{}", r.body);
    }
    assert_eq!(app.get(&base, &admin).await.body, json!([]));

    // imported: a backup again, the same contents
    let r = app.post(&format!("{base}/import"), &admin, archive.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!((r.body["sha256"].as_str(), r.body["status"].as_str()), (archive["sha256"].as_str(), Some("succeeded")), "{}", r.body);
    assert_eq!((r.body["object_count"].as_i64(), r.body["secret_count"].as_i64()), (Some(2), Some(1)), "{}", r.body);
    let imported = r.body["id"].as_i64().unwrap();
    assert!(app.audit().await.iter().any(|a| a.action == "backup.import"));
    // the cluster loses them; the imported backup brings them back, the Secret's value included
    tb.kubectl_ok(&["-n", &ns, "delete", "configmap", "conf"]);
    tb.kubectl_ok(&["-n", &ns, "delete", "secret", "creds"]);
    let r = app.post(&format!("{base}/{imported}/restore"), &admin, json!({})).await;
    assert_eq!((r.status, r.body["failed"].as_i64()), (StatusCode::OK, Some(0)), "{}", r.body);
    assert_eq!(tb.kubectl_ok(&["-n", &ns, "get", "configmap", "conf", "-o", "jsonpath={.data.mode}"]), "prod");
    assert_eq!(
        tb.kubectl_ok(&["-n", &ns, "get", "secret", "creds", "-o", "jsonpath={.data.password}"]),
        base64_of(SECRET_VALUE)
    );
    app.stop().await;
}

on_one_backend!(a_downloaded_archive_is_imported_and_restored_and_a_changed_one_is_refused);
