//! Upgrade readiness (issue 18) against the testbed's v1.20 API server: objects applied with kubectl through API
//! versions that later releases remove (extensions/v1beta1 Ingress, batch/v1beta1 CronJob, policy/v1beta1
//! PodDisruptionBudget, autoscaling/v2beta2 HorizontalPodAutoscaler) are named for the targets that remove them and
//! not for earlier ones; an object written through the current version is not; the simulated kubelets (v1.20) are
//! too old for a control plane three minor versions ahead.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;

const MANIFESTS: &str = "\
apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: nightly}
spec: {schedule: '0 3 * * *', jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}}
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: legacy}
spec: {backend: {serviceName: web, servicePort: 80}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: modern}
spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: guard}
spec: {minAvailable: 1, selector: {matchLabels: {app: guarded}}}
---
apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: scale}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 3
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
";

/// The finding for `api_version` `kind`, if the report has one.
fn finding<'a>(report: &'a Value, api_version: &str, kind: &str) -> Option<&'a Value> {
    report["removed_apis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["api_version"] == api_version && f["kind"] == kind)
}

/// The names of `ns`'s objects the finding says are written through the removed version.
fn written(f: &Value, ns: &str) -> Vec<String> {
    let mut names: Vec<String> = f["written_with_it"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["namespace"] == ns)
        .map(|w| w["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names.dedup();
    names
}

async fn removed_api_versions_and_old_kubelets_are_named_for_the_targets_they_concern() {
    let tb = kubedeck_testbed::Testbed::from_env();
    let ns = kubedeck_testbed::Namespace::create_in(&tb, "upgrade");
    let file = std::env::temp_dir().join(format!("{}.yaml", ns.name()));
    std::fs::write(&file, MANIFESTS).unwrap();
    tb.kubectl_ok(&["-n", ns.name(), "apply", "-f", file.to_str().unwrap()]);
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let viewer = app
        .user_token("upgrade-viewer", &[kubedeck_core::rbac::Binding::global(kubedeck_core::rbac::Role::Viewer)])
        .await;

    let r = app.get(&format!("/api/v1/k8s/cluster/{id}/upgrade/readiness?target=1.25"), &viewer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let report = r.body;
    assert_eq!(report["cluster_version"].as_str().map(|v| v.starts_with("v1.20")), Some(true), "{report}");
    assert_eq!(report["target"], "1.25");
    assert_eq!(report["path"], serde_json::json!(["1.21", "1.22", "1.23", "1.24", "1.25"]));
    // each object applied through a removed version is named, by its manifest; the one applied through
    // networking.k8s.io/v1 is not
    let ingress = finding(&report, "extensions/v1beta1", "Ingress").expect("extensions/v1beta1 Ingress");
    assert_eq!((ingress["removed_in"].as_str(), ingress["replacement"].as_str()), (Some("1.22"), Some("networking.k8s.io/v1")));
    assert_eq!(ingress["verdict"], "blocker");
    assert_eq!(written(ingress, ns.name()), vec!["legacy"], "{ingress}");
    assert!(
        ingress["written_with_it"].as_array().unwrap().iter().any(|w| w["name"] == "legacy" && w["by"] == "last-applied"),
        "{ingress}"
    );
    let cron = finding(&report, "batch/v1beta1", "CronJob").expect("batch/v1beta1 CronJob");
    assert_eq!(written(cron, ns.name()), vec!["nightly"], "{cron}");
    assert_eq!(cron["replacement"], "batch/v1");
    let pdb = finding(&report, "policy/v1beta1", "PodDisruptionBudget").expect("policy/v1beta1 PodDisruptionBudget");
    assert_eq!(written(pdb, ns.name()), vec!["guard"], "{pdb}");
    // the objects counted are the cluster's: at least the ones kubectl lists
    let cronjobs = tb.kubectl_json(&["get", "cronjobs", "-A"]);
    assert!(cron["objects"].as_u64().unwrap() as usize >= cronjobs["items"].as_array().unwrap().len(), "{cron}");
    // the API server saw kubectl ask for the deprecated Ingress version (and Kubedeck lists through
    // networking.k8s.io/v1, so that is not its own doing)
    assert_eq!(report["deprecated_requests_readable"], true, "the testbed's admin may read /metrics");
    assert_eq!(ingress["requested_since_start"], true, "{ingress}");
    // autoscaling/v2beta2 goes only in 1.26
    assert!(finding(&report, "autoscaling/v2beta2", "HorizontalPodAutoscaler").is_none(), "{report}");
    // the simulated kubelets are v1.20: the skew policy allows two minor versions, so 1.23 is too far for them
    let nodes = report["nodes"].as_array().unwrap();
    let kubectl_nodes = tb.kubectl_json(&["get", "nodes"]);
    assert_eq!(nodes.len(), kubectl_nodes["items"].as_array().unwrap().len());
    for n in nodes {
        if n["kubelet_version"].as_str().unwrap().starts_with("v1.20") {
            assert_eq!(n["too_old_at"], "1.23", "{n}");
        }
    }
    assert_eq!(report["ready"], false);
    assert!(report["blockers"].as_u64().unwrap() >= 3 + nodes.len() as u64, "{report}");

    // one minor version ahead: nothing is removed, the kubelets are within the skew
    let r = app.get(&format!("/api/v1/k8s/cluster/{id}/upgrade/readiness?target=v1.21.14"), &viewer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["path"], serde_json::json!(["1.21"]));
    assert!(finding(&r.body, "extensions/v1beta1", "Ingress").is_none(), "{}", r.body);
    assert!(r.body["nodes"].as_array().unwrap().iter().all(|n| n["too_old_at"].is_null()), "{}", r.body);
    // 1.26 adds autoscaling/v2beta2
    let r = app.get(&format!("/api/v1/k8s/cluster/{id}/upgrade/readiness?target=1.26"), &admin).await;
    let hpa = finding(&r.body, "autoscaling/v2beta2", "HorizontalPodAutoscaler").expect("autoscaling/v2beta2 in 1.26");
    assert_eq!(written(hpa, ns.name()), vec!["scale"], "{hpa}");

    // a target that is not a version, or not newer, is a clear 400
    let r = app.get(&format!("/api/v1/k8s/cluster/{id}/upgrade/readiness?target=latest"), &admin).await;
    assert_eq!((r.status, r.body["code"].as_str(), r.body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_query"), Some("target")), "{}", r.body);
    let r = app.get(&format!("/api/v1/k8s/cluster/{id}/upgrade/readiness?target=1.20"), &admin).await;
    assert_eq!((r.status, r.body["code"].as_str(), r.body["params"]["min"].as_str()), (StatusCode::BAD_REQUEST, Some("out_of_range"), Some("1.21")), "{}", r.body);
    let _ = std::fs::remove_file(&file);
    app.stop().await;
}

on_one_backend!(removed_api_versions_and_old_kubelets_are_named_for_the_targets_they_concern);
