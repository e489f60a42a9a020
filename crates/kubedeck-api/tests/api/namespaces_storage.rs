//! Namespaces, quotas and storage (issue 15) against the testbed, checked with kubectl: a namespace created from
//! the form has its labels, quota and limit range, and one whose quota the cluster refuses is deleted again; the
//! delete confirmation's contents equal what kubectl lists in the namespace; a namespace held by a finalizer is
//! explained; quota usage equals `kubectl describe quota`; a claim bound to a PV created with kubectl shows both
//! sides and the pod that mounts it; expansion is refused (naming the class) unless the class allows it; "set as
//! default" leaves exactly one default class.

use crate::helpers::*;
use kubedeck_testbed::{Namespace, Testbed, unique_name, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

on_one_backend!(a_namespace_from_the_form_and_what_it_holds, a_terminating_namespace_is_explained, quota_usage_equals_kubectl_describe, claims_volumes_classes_and_expansion);

const WAIT: Duration = Duration::from_secs(90);

async fn setup() -> (Testbed, TestApp, String, String) {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    (tb, app, admin, format!("/api/v1/k8s/cluster/{id}"))
}

#[track_caller]
fn refused(r: &Resp, status: StatusCode, code: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    assert_eq!(r.body["code"], code, "{what}: {}", r.body);
}

/// How many objects of each resource kubectl lists in `ns` (only the resources named).
fn kubectl_counts(tb: &Testbed, ns: &str, resources: &[&str]) -> BTreeMap<String, usize> {
    resources
        .iter()
        .map(|r| (r.to_string(), tb.kubectl_json(&["-n", ns, "get", r])["items"].as_array().map_or(0, Vec::len)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// The contents' counts for the same resources.
fn api_counts(body: &Value, resources: &[&str]) -> BTreeMap<String, usize> {
    body["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| resources.contains(&k["resource"].as_str().unwrap()))
        .map(|k| (k["resource"].as_str().unwrap().to_owned(), k["count"].as_u64().unwrap() as usize))
        .collect()
}

async fn a_namespace_from_the_form_and_what_it_holds() {
    let (tb, app, admin, base) = setup().await;
    let name = unique_name("ns-form");
    let form = json!({
        "labels": {"team": "shop", "env": "test"},
        "quota": {"hard": {"pods": "5", "requests.cpu": "2", "requests.memory": "1Gi"}},
        "limit_range": {"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "256Mi"}, "default_request": {"cpu": "100m"}}]}
    });

    // a dry run creates nothing
    let r = app.post(&format!("{base}/namespaces/{name}/create?dry_run=true"), &admin, form.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["dry_run"], true);
    assert!(!tb.kubectl(&["get", "namespace", &name]).status.success(), "a dry run created the namespace");

    // a quantity the cluster would refuse: 400 naming the field, nothing created
    let mut bad = form.clone();
    bad["quota"]["hard"]["requests.memory"] = json!("lots");
    let r = app.post(&format!("{base}/namespaces/{name}/create"), &admin, bad).await;
    refused(&r, StatusCode::BAD_REQUEST, "invalid_body", "a bad quantity");
    assert_eq!(r.body["field"], "quota.hard.requests.memory", "{}", r.body);
    assert!(!tb.kubectl(&["get", "namespace", &name]).status.success());

    let r = app.post(&format!("{base}/namespaces/{name}/create"), &admin, form).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let created: Vec<String> = r.body["created"].as_array().unwrap().iter().map(|o| format!("{} {}", o["kind"].as_str().unwrap(), o["name"].as_str().unwrap())).collect();
    assert_eq!(created, ["Namespace ".to_owned() + &name, "ResourceQuota default-quota".into(), "LimitRange default-limits".into()]);
    // kubectl sees the labels, the quota's limits and the limit range's defaults
    let ns = tb.kubectl_json(&["get", "namespace", &name]);
    assert_eq!((ns["metadata"]["labels"]["team"].as_str(), ns["metadata"]["labels"]["env"].as_str()), (Some("shop"), Some("test")));
    let quota = tb.kubectl_json(&["-n", &name, "get", "resourcequota", "default-quota"]);
    assert_eq!(quota["spec"]["hard"], json!({"pods": "5", "requests.cpu": "2", "requests.memory": "1Gi"}));
    let lr = tb.kubectl_json(&["-n", &name, "get", "limitrange", "default-limits"]);
    assert_eq!(lr["spec"]["limits"][0]["default"], json!({"cpu": "500m", "memory": "256Mi"}));
    assert_eq!(lr["spec"]["limits"][0]["defaultRequest"]["cpu"], "100m");

    // fill it: ConfigMaps, a Secret, a Service, a pod (which the limit range gives its defaults)
    apply(&tb, &format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: one, namespace: {name}}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: two, namespace: {name}}}\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: pw, namespace: {name}}}\nstringData: {{p: x}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: {name}}}\nspec: {{selector: {{app: web}}, ports: [{{port: 80}}]}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: web-0, namespace: {name}, labels: {{app: web}}}}\nspec: {{containers: [{{name: web, image: \"nginx:1.19\"}}]}}\n"
    ));
    let resources = ["configmaps", "secrets", "services", "endpoints", "serviceaccounts", "resourcequotas", "limitranges", "pods"];
    // the delete confirmation's contents: the counts per kind kubectl lists (once the watches have caught up)
    let body = eventually("the namespace's contents to equal kubectl's", WAIT, || async {
        let r = app.get(&format!("{base}/namespaces/{name}/contents"), &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let want = kubectl_counts(&tb, &name, &resources);
        (api_counts(&r.body, &resources) == want && want.get("configmaps") >= Some(&2) && want.contains_key("pods")).then_some(r.body)
    })
    .await;
    assert_eq!(body["termination"]["phase"], "Active", "{body}");
    assert_eq!(body["not_counted"], json!([]), "{body}");
    let cms = body["kinds"].as_array().unwrap().iter().find(|k| k["resource"] == "configmaps").unwrap();
    for cm in ["one", "two"] {
        assert!(cms["names"].as_array().unwrap().contains(&json!(cm)), "{cms}");
    }
    let total: u64 = body["kinds"].as_array().unwrap().iter().map(|k| k["count"].as_u64().unwrap()).sum();
    assert_eq!(body["total"].as_u64(), Some(total));

    // a quota the cluster refuses after the namespace exists: the namespace is deleted again, and the error says so
    let other = unique_name("ns-undo");
    let r = app.post(&format!("{base}/namespaces/{other}/create"), &admin, json!({"quota": {"hard": {"bogus": "1"}}})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["params"]["created"], json!([format!("Namespace {other}")]), "{}", r.body);
    assert_eq!((r.body["params"]["removed"].as_bool(), r.body["params"]["failed"].as_str()), (Some(true), Some("ResourceQuota default-quota")), "{}", r.body);
    let gone = tb.kubectl(&["get", "namespace", &other, "-o", "jsonpath={.status.phase}"]);
    assert!(!gone.status.success() || String::from_utf8_lossy(&gone.stdout) == "Terminating", "the namespace was left: {gone:?}");

    // an unknown field in the form: refused
    let r = app.post(&format!("{base}/namespaces/{}/create", unique_name("ns-x")), &admin, json!({"quotas": {}})).await;
    assert!(r.status.is_client_error(), "{} {}", r.status, r.body);

    // a viewer may read the contents but not create
    let viewer = app.user_token("ns-viewer", &[kubedeck_core::rbac::Binding::global(kubedeck_core::rbac::Role::Viewer)]).await;
    assert_eq!(app.get(&format!("{base}/namespaces/{name}/contents"), &viewer).await.status, StatusCode::OK);
    let r = app.post(&format!("{base}/namespaces/{}/create", unique_name("ns-v")), &viewer, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    tb.kubectl_ok(&["delete", "namespace", &name, "--wait=false"]);
}

async fn a_terminating_namespace_is_explained() {
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "ns-stuck");
    let n = ns.name().to_owned();
    // a ConfigMap held by a finalizer nobody removes keeps the namespace Terminating
    apply(&tb, &format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: held, namespace: {n}, finalizers: [example.com/hold]}}\n"));
    tb.kubectl_ok(&["delete", "namespace", &n, "--wait=false"]);
    let body = eventually("the namespace controller to say what remains", WAIT, || async {
        let r = app.get(&format!("{base}/namespaces/{n}/contents"), &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let conds = r.body["termination"]["conditions"].as_array().cloned().unwrap_or_default();
        conds.iter().any(|c| c["type"] == "NamespaceFinalizersRemaining" && c["status"] == "True").then_some(r.body)
    })
    .await;
    let kubectl = tb.kubectl_json(&["get", "namespace", &n]);
    assert_eq!(body["termination"]["phase"], "Terminating");
    assert_eq!(body["termination"]["deletion_requested_at"], kubectl["metadata"]["deletionTimestamp"]);
    assert_eq!(body["termination"]["finalizers"], kubectl["spec"]["finalizers"], "{body}");
    let held = body["termination"]["conditions"].as_array().unwrap().iter().find(|c| c["type"] == "NamespaceFinalizersRemaining").unwrap();
    assert!(held["message"].as_str().unwrap().contains("example.com/hold"), "{held}");
    let kubectl_held = kubectl["status"]["conditions"].as_array().unwrap().iter().find(|c| c["type"] == "NamespaceFinalizersRemaining").unwrap();
    assert_eq!(held["message"], kubectl_held["message"]);
    // the remaining object is listed
    let cms = body["kinds"].as_array().unwrap().iter().find(|k| k["resource"] == "configmaps").cloned();
    assert!(cms.is_some_and(|k| k["names"].as_array().unwrap().contains(&json!("held"))), "{body}");
    // let it go
    tb.kubectl_ok(&["-n", &n, "patch", "configmap", "held", "--type=merge", "-p", r#"{"metadata":{"finalizers":null}}"#]);
    wait_until("the namespace to go", WAIT, || (!tb.kubectl(&["get", "namespace", &n]).status.success()).then_some(()));
}

/// `kubectl describe quota`'s Resource / Used / Hard lines.
fn describe_quota(tb: &Testbed, ns: &str, name: &str) -> Vec<(String, String, String)> {
    let out = tb.kubectl_ok(&["-n", ns, "describe", "quota", name]);
    out.lines()
        .skip_while(|l| !l.starts_with("--------"))
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3).then(|| (f[0].to_owned(), f[1].to_owned(), f[2].to_owned()))
        })
        .collect()
}

async fn quota_usage_equals_kubectl_describe() {
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "ns-quota");
    let n = ns.name();
    apply(&tb, &format!(
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {{name: q, namespace: {n}}}\nspec: {{hard: {{pods: \"4\", requests.cpu: \"2\", requests.memory: 1Gi, configmaps: \"10\"}}}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: a, namespace: {n}}}\nspec: {{containers: [{{name: c, image: busybox, resources: {{requests: {{cpu: 500m, memory: 256Mi}}}}}}]}}\n"
    ));
    let url = format!("{base}/namespaces/{n}/resourcequotas/q/usage");
    let body = eventually("the quota controller to count the pod", WAIT, || async {
        let r = app.get(&url, &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let pods = r.body["lines"].as_array().unwrap().iter().find(|l| l["resource"] == "pods").cloned();
        (pods.is_some_and(|p| p["used"] == "1")).then_some(r.body)
    })
    .await;
    let lines: Vec<(String, String, String)> = body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["resource"].as_str().unwrap().to_owned(), l["used"].as_str().unwrap().to_owned(), l["hard"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(lines, describe_quota(&tb, n, "q"));
    let frac = |r: &str| body["lines"].as_array().unwrap().iter().find(|l| l["resource"] == r).unwrap()["fraction"].as_f64().unwrap();
    assert_eq!((frac("pods"), frac("requests.cpu"), frac("requests.memory")), (0.25, 0.25, 0.25), "{body}");

    // the verb on another kind: 404 naming the kind it applies to
    apply(&tb, &format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, namespace: {n}}}\n"));
    let r = app.get(&format!("{base}/namespaces/{n}/configmaps/c/usage"), &admin).await;
    refused(&r, StatusCode::NOT_FOUND, "verb_not_supported", "usage of a ConfigMap");
    assert_eq!(r.body["params"]["kinds"], "resourcequotas");
}

fn pv_yaml(name: &str, class: &str, size: &str) -> String {
    format!("apiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: {name}}}\nspec: {{capacity: {{storage: {size}}}, accessModes: [ReadWriteOnce], persistentVolumeReclaimPolicy: Retain, storageClassName: {class}, hostPath: {{path: /tmp/{name}}}}}\n")
}

fn pvc_yaml(ns: &str, name: &str, class: &str, size: &str, volume: &str) -> String {
    format!("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{accessModes: [ReadWriteOnce], storageClassName: {class}, volumeName: {volume}, resources: {{requests: {{storage: {size}}}}}}}\n")
}

fn wait_bound(tb: &Testbed, ns: &str, claim: &str) {
    wait_until(&format!("claim {claim} bound"), WAIT, || (tb.kubectl_json(&["-n", ns, "get", "pvc", claim])["status"]["phase"] == "Bound").then_some(()));
}

async fn claims_volumes_classes_and_expansion() {
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "ns-claims");
    let n = ns.name();
    let (fixed, grows) = (unique_name("fixed"), unique_name("grows"));
    let (pv1, pv2) = (unique_name("pv"), unique_name("pv"));
    // cluster-wide objects go even when an assertion fails: a default class left behind would give other tests'
    // claims without a class a class
    let _cleanup = Cleanup { tb: tb.clone(), objects: vec![format!("storageclass/{fixed}"), format!("storageclass/{grows}"), format!("pv/{pv1}"), format!("pv/{pv2}")] };
    apply(&tb, &format!(
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {fixed}}}\nprovisioner: kubernetes.io/no-provisioner\n---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {grows}}}\nprovisioner: kubernetes.io/no-provisioner\nallowVolumeExpansion: true\n"
    ));
    // PV + PVC created with kubectl: the real controller binds them
    apply(&tb, &format!("{}---\n{}---\n{}---\n{}", pv_yaml(&pv1, &fixed, "1Gi"), pv_yaml(&pv2, &grows, "1Gi"), pvc_yaml(n, "data", &fixed, "1Gi", &pv1), pvc_yaml(n, "logs", &grows, "1Gi", &pv2)));
    apply(&tb, &format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: db-0, namespace: {n}}}\nspec: {{containers: [{{name: db, image: \"postgres:13\"}}], volumes: [{{name: pgdata, persistentVolumeClaim: {{claimName: data}}}}, {{name: logs, persistentVolumeClaim: {{claimName: logs, readOnly: true}}}}]}}\n"
    ));
    wait_bound(&tb, n, "data");
    wait_bound(&tb, n, "logs");

    // the claim's side and the volume's side
    let r = app.get(&format!("{base}/namespaces/{n}/persistentvolumeclaims/data/volume"), &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let pvc = tb.kubectl_json(&["-n", n, "get", "pvc", "data"]);
    let pv = tb.kubectl_json(&["get", "pv", &pv1]);
    assert_eq!(r.body["phase"], "Bound");
    assert_eq!((r.body["requested"].as_str(), r.body["capacity"].as_str()), (Some("1Gi"), pvc["status"]["capacity"]["storage"].as_str()));
    assert_eq!(r.body["volume"]["name"], pv1.as_str());
    assert_eq!(r.body["volume"]["status"], pv["status"]["phase"]);
    assert_eq!(r.body["volume"]["claim"], format!("{n}/data"));
    assert_eq!(r.body["volume"]["source"], format!("hostPath /tmp/{pv1}"));
    assert_eq!(r.body["volume"]["reclaim_policy"], "Retain");
    assert_eq!((r.body["class"]["name"].as_str(), r.body["class"]["allow_expansion"].as_bool()), (Some(fixed.as_str()), Some(false)));
    assert_eq!(r.body["mounted_by"], json!([{"name": "db-0", "node": r.body["mounted_by"][0]["node"], "phase": r.body["mounted_by"][0]["phase"], "volume": "pgdata", "read_only": false}]));
    // the PV list row shows the claim, as kubectl does
    let cells = eventually("the PV row bound", WAIT, || async {
        let r = app.get(&format!("{base}/persistentvolumes?name={pv1}"), &admin).await;
        let row = r.body["items"].as_array().and_then(|i| i.first()).cloned()?;
        (row["status"] == "Bound").then(|| cells_by_key(&r.body, &row))
    })
    .await;
    let cell = |key: &str| cells.get(key).cloned();
    assert_eq!(cell("claim").as_deref(), Some(format!("{n}/data").as_str()), "{cells:?}");
    assert_eq!(cell("source").as_deref(), Some(format!("hostPath /tmp/{pv1}").as_str()), "{cells:?}");

    // usage (spec 存储使用监控): the collector keeps the volume stats the (simulated) kubelet reports for the
    // mounted claim; they are the figures kubectl reads from the node's summary
    let node = eventually("db-0 running", WAIT, || async {
        let p = tb.kubectl_json(&["-n", n, "get", "pod", "db-0"]);
        (p["status"]["phase"] == "Running").then(|| p["spec"]["nodeName"].as_str().unwrap().to_owned())
    })
    .await;
    let usage = eventually("the claim's usage from the kubelet's volume stats", WAIT, || async {
        let r = app.get(&format!("{base}/namespaces/{n}/persistentvolumeclaims/data/volume"), &admin).await;
        r.body["usage"].is_object().then(|| r.body["usage"].clone())
    })
    .await;
    let summary: Value = serde_json::from_str(&tb.kubectl_ok(&["get", "--raw", &format!("/api/v1/nodes/{node}/proxy/stats/summary")])).unwrap();
    let stats = summary["pods"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["volume"].as_array().cloned().unwrap_or_default())
        .find(|v| v["pvcRef"] == json!({"name": "data", "namespace": n}))
        .unwrap_or_else(|| panic!("no volume stats of the claim in {summary}"));
    assert_eq!(usage["capacity_bytes"], stats["capacityBytes"], "{usage} {stats}");
    assert_eq!(usage["capacity_bytes"].as_i64(), Some(1 << 30), "the claim's bound capacity: {usage}");
    assert_eq!((&usage["inodes"], usage["stale"].as_bool()), (&stats["inodes"], Some(false)), "{usage} {stats}");
    let (used, now) = (usage["used_bytes"].as_f64().unwrap(), stats["usedBytes"].as_f64().unwrap());
    assert!(used > 0.0 && (used - now).abs() < 0.05 * (1u64 << 30) as f64, "used {used}, the kubelet now {now}");
    let h = app.get(&format!("{base}/namespaces/{n}/persistentvolumeclaims/data/volume/history?hours=1"), &admin).await;
    assert_eq!(h.status, StatusCode::OK, "{}", h.body);
    assert!(h.body["points"].as_array().is_some_and(|p| !p.is_empty() && p.iter().all(|p| p["capacity_bytes"] == usage["capacity_bytes"])), "{}", h.body);
    refused(&app.get(&format!("{base}/namespaces/{n}/persistentvolumeclaims/data/volume/history?hours=0"), &admin).await, StatusCode::BAD_REQUEST, "out_of_range", "hours=0");

    // expansion: refused for the class without allowVolumeExpansion, naming it; nothing changed
    let (app_ref, admin_ref) = (&app, admin.as_str());
    let size = |claim: &str, s: &str| {
        let path = format!("{base}/namespaces/{n}/persistentvolumeclaims/{claim}/size");
        let body = json!({"storage": s});
        async move { app_ref.request("PUT", &path, Some(admin_ref), Some(body)).await }
    };
    let r = size("data", "2Gi").await;
    refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "expansion_not_allowed", "growing a claim of a fixed class");
    assert_eq!(r.body["params"]["class"], fixed.as_str());
    assert!(r.body["message"].as_str().unwrap().contains(&fixed), "{}", r.body);
    assert_eq!(tb.kubectl_json(&["-n", n, "get", "pvc", "data"])["spec"]["resources"]["requests"]["storage"], "1Gi");
    // allowed for the other class: kubectl sees the new request
    let r = size("logs", "2Gi").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.body["previous"].as_str(), r.body["requested"].as_str()), (Some("1Gi"), Some("2Gi")));
    assert_eq!(tb.kubectl_json(&["-n", n, "get", "pvc", "logs"])["spec"]["resources"]["requests"]["storage"], "2Gi");
    refused(&size("logs", "1Gi").await, StatusCode::UNPROCESSABLE_ENTITY, "size_not_larger", "shrinking");
    refused(&size("logs", "huge").await, StatusCode::BAD_REQUEST, "invalid_body", "not a quantity");

    // set as default: exactly one default class, kubectl agrees
    let set = |class: &str| {
        let path = format!("{base}/storageclasses/{class}/default");
        async move { app_ref.post(&path, admin_ref, json!({})).await }
    };
    let r = set(&grows).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let defaults = || -> Vec<String> {
        tb.kubectl_json(&["get", "storageclass"])["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true")
            .map(|c| c["metadata"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(defaults(), vec![grows.clone()]);
    let r = set(&fixed).await;
    assert_eq!(r.body["unmarked"], json!([grows]), "{}", r.body);
    assert_eq!(defaults(), vec![fixed.clone()]);
    // a viewer may not; the verb on another kind is refused
    let viewer = app.user_token("sc-viewer", &[kubedeck_core::rbac::Binding::global(kubedeck_core::rbac::Role::Viewer)]).await;
    assert_eq!(app.post(&format!("{base}/storageclasses/{grows}/default"), &viewer, json!({})).await.status, StatusCode::FORBIDDEN);
    refused(&app.post(&format!("{base}/persistentvolumes/{pv1}/default"), &admin, json!({})).await, StatusCode::NOT_FOUND, "verb_not_supported", "default of a PV");

    drop(ns);
}

/// Deletes cluster-scoped objects when dropped (after the namespace, whose claims release the volumes).
struct Cleanup {
    tb: Testbed,
    objects: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let mut args = vec!["delete", "--wait=false", "--ignore-not-found"];
        args.extend(self.objects.iter().map(String::as_str));
        let _ = self.tb.kubectl(&args);
    }
}

/// A list row's cells by column key (a row carries its cells in the order of the list's columns).
fn cells_by_key(list: &Value, row: &Value) -> BTreeMap<String, String> {
    let keys = list["columns"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap().to_owned());
    keys.zip(row["cells"].as_array().unwrap()).filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned()))).collect()
}
