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
