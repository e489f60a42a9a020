//! Application backups (issue 18, spec 7.1 应用数据备份: 配置备份, 应用状态快照): the objects of chosen namespaces (or
//! those a label selector picks in them) read from the cluster, cleaned into manifests that apply anywhere, and
//! restored into the same or another cluster, under the same or other namespace names.
//!
//! - **What is kept.** The kinds an application is made of ([`KINDS`], in the order a restore creates them:
//!   what others refer to first). Objects a controller owns (a Deployment's ReplicaSets and their pods, a Job's
//!   pods) are left out: their owner makes them again. So are what the cluster makes by itself in every namespace
//!   (the `default` ServiceAccount, its token Secrets, `kube-root-ca.crt`) and Endpoints (a Service's controller
//!   writes them). The report lists what was left out and why.
//! - **Cleaning**, as `kubectl get -o yaml` minus what the cluster owns: status, uid, resourceVersion, generation,
//!   creationTimestamp, managedFields, selfLink, ownerReferences; a Service's cluster IPs and node ports (the
//!   target cluster assigns its own: a restore beside the original would collide); a claim's bound volume and
//!   binding annotations (it binds or provisions anew); a Job's generated selector and labels; a bare pod's node.
//! - **Secrets** are kept whole (values included), apart from the manifests, and sealed with the credential keys.
//! - **Volume data** is not copied: the report says so, and whether the cluster serves CSI VolumeSnapshots.
//! - **Restore**: namespaces first (made when missing, with the backup's labels), then each object in [`KINDS`]
//!   order, as `kubectl create`, or for one that exists, skipped or replaced (server-side apply with Kubedeck's
//!   field manager, taking the fields over). A dry run asks the cluster the same (its server-side dry run) and
//!   reports what would happen; nothing changes.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub mod schedule;
pub mod take;

/// The kinds a backup reads, by their URL names, in the order a restore creates them.
pub const KINDS: &[&str] = &[
    "serviceaccounts",
    "secrets",
    "configmaps",
    "limitranges",
    "resourcequotas",
    "roles",
    "rolebindings",
    "persistentvolumeclaims",
    "services",
    "networkpolicies",
    "ingresses",
    "poddisruptionbudgets",
    "deployments",
    "statefulsets",
    "daemonsets",
    "replicasets",
    "cronjobs",
    "jobs",
    "horizontalpodautoscalers",
    "pods",
];

/// A namespace's name (an RFC 1123 label: 1 to 63 lowercase letters, digits and `-`, alphanumeric at both ends).
pub fn is_namespace_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Why an object is not in a backup.
pub fn left_out(kind: &str, obj: &Value) -> Option<&'static str> {
    let meta = &obj["metadata"];
    let owned = meta["ownerReferences"]
        .as_array()
        .is_some_and(|o| o.iter().any(|r| r["controller"] == true));
    if owned {
        return Some("owned by a controller, which makes it again");
    }
    let name = meta["name"].as_str().unwrap_or_default();
    match kind {
        "serviceaccounts" if name == "default" => Some("made by the cluster in every namespace"),
        "secrets" if obj["type"] == "kubernetes.io/service-account-token" => {
            Some("a ServiceAccount token, made by the cluster")
        }
        "configmaps" if name == "kube-root-ca.crt" => Some("made by the cluster in every namespace"),
        _ => None,
    }
}

fn remove(v: &mut Value, path: &[&str]) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut cur = v;
    for p in parents {
        match cur.get_mut(*p) {
            Some(next) => cur = next,
            None => return,
        }
    }
    if let Some(m) = cur.as_object_mut() {
        m.remove(*last);
    }
}

fn drop_empty(v: &mut Value, path: &[&str]) {
    let empty = {
        let mut cur = &*v;
        for p in path {
            cur = &cur[*p];
        }
        cur.as_object().is_some_and(Map::is_empty)
    };
    if empty {
        remove(v, path);
    }
}

/// Annotations the cluster or kubectl write, meaningless (or harmful) on a restored object.
const NOISE_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    "pv.kubernetes.io/bind-completed",
    "pv.kubernetes.io/bound-by-controller",
    "volume.beta.kubernetes.io/storage-provisioner",
    "volume.kubernetes.io/storage-provisioner",
    "volume.kubernetes.io/selected-node",
    "control-plane.alpha.kubernetes.io/leader",
];

/// A manifest that applies anywhere: what the cluster owns taken out (see the module's notes).
pub fn clean(kind: &str, mut obj: Value) -> Value {
    for f in ["status"] {
        remove(&mut obj, &[f]);
    }
    for f in [
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "managedFields",
        "selfLink",
        "ownerReferences",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "finalizers",
    ] {
        remove(&mut obj, &["metadata", f]);
    }
    if let Some(a) = obj["metadata"]["annotations"].as_object_mut() {
        a.retain(|k, _| !NOISE_ANNOTATIONS.contains(&k.as_str()));
    }
    drop_empty(&mut obj, &["metadata", "annotations"]);
    match kind {
        "services" => {
            for f in ["clusterIP", "clusterIPs", "healthCheckNodePort"] {
                remove(&mut obj, &["spec", f]);
            }
            if let Some(ports) = obj["spec"]["ports"].as_array_mut() {
                for p in ports {
                    remove(p, &["nodePort"]);
                }
            }
        }
        "persistentvolumeclaims" => {
            remove(&mut obj, &["spec", "volumeName"]);
        }
        "jobs" => {
            // the Job controller generates the selector and these labels; a Job created with them is refused
            remove(&mut obj, &["spec", "selector"]);
            for l in ["controller-uid", "job-name", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name"] {
                remove(&mut obj, &["spec", "template", "metadata", "labels", l]);
            }
        }
        "pods" => {
            remove(&mut obj, &["spec", "nodeName"]);
        }
        "serviceaccounts" => {
            // token Secrets are made again for the restored account
            remove(&mut obj, &["secrets"]);
        }
        _ => {}
    }
    obj
}

/// The same manifest under another namespace: its own, and the namespaces a RoleBinding's subjects name, mapped.
pub fn map_namespace(mut obj: Value, mapping: &BTreeMap<String, String>) -> Value {
    let to = |ns: &str| mapping.get(ns).cloned().unwrap_or_else(|| ns.to_owned());
    if let Some(ns) = obj["metadata"]["namespace"].as_str() {
        obj["metadata"]["namespace"] = Value::String(to(ns));
    }
    if obj["kind"] == "RoleBinding"
        && let Some(subjects) = obj["subjects"].as_array_mut()
    {
        for s in subjects {
            if let Some(ns) = s["namespace"].as_str() {
                s["namespace"] = Value::String(to(ns));
            }
        }
    }
    obj
}

/// Where a kind's objects go in a restore (its place in [`KINDS`]; unknown kinds last).
pub fn restore_rank(kind_url_name: &str) -> usize {
    KINDS
        .iter()
        .position(|k| *k == kind_url_name)
        .unwrap_or(KINDS.len())
}

/// The URL name of a manifest's kind (`Deployment` → `deployments`), from the resource engine's registry.
pub fn url_name(kind: &str) -> Option<&'static str> {
    kubedeck_kube::resource::kinds::KINDS
        .iter()
        .find(|k| k.kind == kind)
        .map(|k| k.plural)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_service_loses_what_the_cluster_assigned_and_keeps_what_the_user_wrote() {
        let live = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "shop", "uid": "u", "resourceVersion": "9", "creationTimestamp": "t",
                "managedFields": [{}], "labels": {"app": "web"},
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "a"}},
            "spec": {"type": "NodePort", "clusterIP": "10.0.0.9", "clusterIPs": ["10.0.0.9"], "selector": {"app": "web"},
                "ports": [{"port": 80, "targetPort": 8080, "nodePort": 30080}]},
            "status": {"loadBalancer": {}}});
        let c = clean("services", live);
        assert_eq!(c, json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}, "annotations": {"team": "a"}},
            "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}));
    }

    #[test]
    fn a_claim_binds_anew_and_a_job_gets_a_new_selector() {
        let pvc = clean("persistentvolumeclaims", json!({"kind": "PersistentVolumeClaim", "metadata": {"name": "data",
            "annotations": {"pv.kubernetes.io/bind-completed": "yes"}, "finalizers": ["kubernetes.io/pvc-protection"]},
            "spec": {"volumeName": "pv-1", "resources": {"requests": {"storage": "1Gi"}}}}));
        assert_eq!(pvc, json!({"kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
            "spec": {"resources": {"requests": {"storage": "1Gi"}}}}));
        let job = clean("jobs", json!({"kind": "Job", "metadata": {"name": "j"}, "spec": {"selector": {"matchLabels": {"controller-uid": "x"}},
            "template": {"metadata": {"labels": {"controller-uid": "x", "job-name": "j", "app": "a"}}}}}));
        assert_eq!(job["spec"], json!({"template": {"metadata": {"labels": {"app": "a"}}}}));
    }

    #[test]
    fn what_controllers_or_the_cluster_make_is_left_out() {
        let owned = json!({"metadata": {"name": "web-1", "ownerReferences": [{"kind": "ReplicaSet", "controller": true}]}});
        assert!(left_out("pods", &owned).is_some());
        assert!(left_out("serviceaccounts", &json!({"metadata": {"name": "default"}})).is_some());
        assert!(left_out("serviceaccounts", &json!({"metadata": {"name": "builder"}})).is_none());
        assert!(left_out("secrets", &json!({"metadata": {"name": "t"}, "type": "kubernetes.io/service-account-token"})).is_some());
        assert!(left_out("configmaps", &json!({"metadata": {"name": "kube-root-ca.crt"}})).is_some());
        assert!(left_out("pods", &json!({"metadata": {"name": "bare"}})).is_none());
    }

    #[test]
    fn a_mapping_moves_the_object_and_its_bindings_subjects() {
        let m: BTreeMap<String, String> = [("shop".to_string(), "shop-copy".to_string())].into();
        let rb = map_namespace(json!({"kind": "RoleBinding", "metadata": {"name": "r", "namespace": "shop"},
            "subjects": [{"kind": "ServiceAccount", "name": "b", "namespace": "shop"}, {"kind": "ServiceAccount", "name": "c", "namespace": "other"}]}), &m);
        assert_eq!(rb["metadata"]["namespace"], "shop-copy");
        assert_eq!(rb["subjects"][0]["namespace"], "shop-copy");
        assert_eq!(rb["subjects"][1]["namespace"], "other");
        assert!(restore_rank("secrets") < restore_rank("deployments"));
        assert!(restore_rank("persistentvolumeclaims") < restore_rank("statefulsets"));
        assert_eq!(url_name("Deployment"), Some("deployments"));
    }
}
