//! Namespace, Node, CustomResourceDefinition.

use super::{View, arr, condition, has_condition, list, plain, terminating, text, with_status};
use crate::resource::row::{Column, ColumnType::*, Health, Projection};
use serde_json::Value;

/// STATUS (the phase). Health: Active Ok, Terminating Warning.
pub(super) static NAMESPACES: View = View {
    columns: &[Column::new("status", "STATUS", Text, false)],
    project: namespace,
};

/// STATUS (`Ready`/`NotReady`/`Unknown`, `,SchedulingDisabled` when cordoned), ROLES (from the
/// `node-role.kubernetes.io/<role>` and `kubernetes.io/role` labels), VERSION (+ wide INTERNAL-IP,
/// EXTERNAL-IP, OS-IMAGE, KERNEL-VERSION, CONTAINER-RUNTIME). Health: Ready Ok, Ready but cordoned Warning,
/// NotReady (Ready False or Unknown) Error, no Ready condition yet Warning.
pub(super) static NODES: View = View {
    columns: &[
        Column::new("status", "STATUS", Text, false),
        Column::new("roles", "ROLES", Text, false),
        Column::new("version", "VERSION", Text, false),
        Column::new("internal_ip", "INTERNAL-IP", Text, true),
        Column::new("external_ip", "EXTERNAL-IP", Text, true),
        Column::new("os_image", "OS-IMAGE", Text, true),
        Column::new("kernel_version", "KERNEL-VERSION", Text, true),
        Column::new("container_runtime", "CONTAINER-RUNTIME", Text, true),
    ],
    project: node,
};

/// GROUP, KIND, SCOPE, VERSIONS (the served ones, in the CRD's order) and, wide, PRINTER COLUMNS (per served
/// version, the columns its custom resources list with: the engine also reads it to notice a changed CRD);
/// apiextensions v1 and v1beta1. kubectl shows only CREATED AT; these are for the operator. Health: Established Ok; names not accepted (they clash
/// with another CRD's) Error; Terminating Warning; otherwise (not yet established) Progressing. No status
/// before the API server first wrote conditions.
pub(super) static CRDS: View = View {
    columns: &[
        Column::new("group", "GROUP", Text, false),
        Column::new("kind", "KIND", Text, false),
        Column::new("scope", "SCOPE", Text, false),
        Column::new("versions", "VERSIONS", Text, false),
        Column::new("printer_columns", "PRINTER COLUMNS", Text, true),
    ],
    project: crd,
};

fn namespace(ns: &Value) -> Projection {
    let phase = text(&ns["status"]["phase"]);
    let cells = vec![phase.clone()];
    match phase {
        Some(p) => {
            let health = match p.as_str() {
                "Active" => Health::Ok,
                "Terminating" => Health::Warning,
                _ => Health::Neutral,
            };
            with_status(cells, p, health)
        }
        None => plain(cells),
    }
}

fn node(n: &Value) -> Projection {
    let ready = condition(n, "Ready");
    let cordoned = n["spec"]["unschedulable"] == true;
    let mut status = match ready {
        Some("True") => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }
    .to_owned();
    if cordoned {
        status.push_str(",SchedulingDisabled");
    }
    let health = match (ready, cordoned) {
        (Some("True"), false) => Health::Ok,
        (Some("True"), true) | (None, _) => Health::Warning,
        (Some(_), _) => Health::Error,
    };
    let node_labels = n["metadata"]["labels"].as_object();
    let mut roles: Vec<&str> = node_labels
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| match k.strip_prefix("node-role.kubernetes.io/") {
            Some(role) => Some(role),
            None if k == "kubernetes.io/role" => v.as_str(),
            None => None,
        })
        .filter(|r| !r.is_empty())
        .collect();
    roles.sort_unstable();
    roles.dedup();
    let info = &n["status"]["nodeInfo"];
    let address = |ty: &str| {
        arr(&n["status"]["addresses"])
            .iter()
            .find(|a| a["type"] == ty)
            .and_then(|a| text(&a["address"]))
    };
    let cells = vec![
        Some(status.clone()),
        list(&roles, ","),
        text(&info["kubeletVersion"]),
        address("InternalIP"),
        address("ExternalIP"),
        text(&info["osImage"]),
        text(&info["kernelVersion"]),
        text(&info["containerRuntimeVersion"]),
    ];
    with_status(cells, status, health)
}

fn crd(c: &Value) -> Projection {
    let spec = &c["spec"];
    let mut versions: Vec<&str> = arr(&spec["versions"])
        .iter()
        .filter(|v| v["served"] == true)
        .filter_map(|v| v["name"].as_str())
        .collect();
    if versions.is_empty() {
        // apiextensions v1beta1 may name a single version only
        versions.extend(spec["version"].as_str());
    }
    // `v1: Size,Replicas; v1beta1: Size` (v1beta1 CRDs may keep one list for every version, at the top)
    let printer: Vec<String> = versions
        .iter()
        .filter_map(|v| {
            let own = arr(&spec["versions"]).iter().find(|x| x["name"] == *v).map(|x| &x["additionalPrinterColumns"]);
            let cols = own.filter(|c| c.is_array()).unwrap_or(&spec["additionalPrinterColumns"]);
            let names: Vec<&str> = arr(cols).iter().filter_map(|c| c["name"].as_str()).collect();
            (!names.is_empty()).then(|| format!("{v}: {}", names.join(",")))
        })
        .collect();
    let cells = vec![
        text(&spec["group"]),
        text(&spec["names"]["kind"]),
        text(&spec["scope"]),
        list(&versions, ","),
        list(&printer, "; "),
    ];
    let (status, health) = if terminating(c) {
        ("Terminating", Health::Warning)
    } else if arr(&c["status"]["conditions"]).is_empty() {
        return plain(cells);
    } else if has_condition(c, "Established") {
        ("Established", Health::Ok)
    } else if condition(c, "NamesAccepted") == Some("False") {
        ("Names not accepted", Health::Error)
    } else {
        ("Establishing", Health::Progressing)
    };
    with_status(cells, status, health)
}

#[cfg(test)]
mod tests {
    use super::super::testing::see;
    use crate::resource::row::Health;
    use serde_json::json;

    #[test]
    fn namespaces_show_their_phase() {
        let s = see(
            "namespaces",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"},
                   "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
        );
        assert_eq!(s.cell("status"), Some("Active"));
        assert_eq!((s.status(), s.p.health), (Some("Active"), Health::Ok));
        let s = see(
            "namespaces",
            json!({"metadata": {"name": "old", "deletionTimestamp": "2024-05-01T10:00:00Z"}, "status": {"phase": "Terminating"}}),
        );
        assert_eq!(
            (s.status(), s.p.health),
            (Some("Terminating"), Health::Warning)
        );
    }

    #[test]
    fn nodes_read_as_kubectl_shows_them() {
        let node = json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "cp-1", "labels": {
                "kubernetes.io/hostname": "cp-1",
                "node-role.kubernetes.io/control-plane": "",
                "node-role.kubernetes.io/master": "",
                "kubernetes.io/role": "infra"}},
            "spec": {"podCIDR": "10.244.0.0/24"},
            "status": {
                "conditions": [
                    {"type": "MemoryPressure", "status": "False"},
                    {"type": "Ready", "status": "True", "reason": "KubeletReady"}
                ],
                "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}, {"type": "Hostname", "address": "cp-1"}],
                "nodeInfo": {"kubeletVersion": "v1.20.2", "osImage": "Ubuntu 20.04.1 LTS",
                             "kernelVersion": "5.4.0-66-generic", "containerRuntimeVersion": "containerd://1.4.3"}
            }
        });
        let s = see("nodes", node.clone());
        assert_eq!(s.cell("status"), Some("Ready"));
        assert_eq!(s.cell("roles"), Some("control-plane,infra,master"));
        assert_eq!(s.cell("version"), Some("v1.20.2"));
        assert_eq!(s.cell("internal_ip"), Some("172.18.0.2"));
        assert_eq!(s.cell("external_ip"), None);
        assert_eq!(s.cell("os_image"), Some("Ubuntu 20.04.1 LTS"));
        assert_eq!(s.cell("kernel_version"), Some("5.4.0-66-generic"));
        assert_eq!(s.cell("container_runtime"), Some("containerd://1.4.3"));
        assert_eq!((s.status(), s.p.health), (Some("Ready"), Health::Ok));

        let mut cordoned = node.clone();
        cordoned["spec"]["unschedulable"] = json!(true);
        let s = see("nodes", cordoned);
        assert_eq!(
            (s.status(), s.p.health),
            (Some("Ready,SchedulingDisabled"), Health::Warning)
        );

        for ready in ["False", "Unknown"] {
            let mut down = node.clone();
            down["status"]["conditions"][1]["status"] = json!(ready);
            let s = see("nodes", down);
            assert_eq!(
                (s.cell("status"), s.p.health),
                (Some("NotReady"), Health::Error)
            );
        }

        let s = see(
            "nodes",
            json!({"metadata": {"name": "new", "labels": {"kubernetes.io/os": "linux"}}}),
        );
        assert_eq!(
            (s.cell("status"), s.cell("roles"), s.p.health),
            (Some("Unknown"), None, Health::Warning)
        );
    }

    #[test]
    fn crds_show_group_kind_scope_and_served_versions() {
        let v1 = json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "certificates.cert-manager.io"},
            "spec": {"group": "cert-manager.io", "scope": "Namespaced",
                     "names": {"kind": "Certificate", "plural": "certificates", "singular": "certificate"},
                     "versions": [{"name": "v1", "served": true, "storage": true},
                                  {"name": "v1beta1", "served": true, "storage": false},
                                  {"name": "v1alpha2", "served": false, "storage": false}]},
            "status": {"conditions": [{"type": "NamesAccepted", "status": "True"}, {"type": "Established", "status": "True"}]}
        });
        let s = see("customresourcedefinitions", v1.clone());
        assert_eq!(s.cell("group"), Some("cert-manager.io"));
        assert_eq!(s.cell("kind"), Some("Certificate"));
        assert_eq!(s.cell("scope"), Some("Namespaced"));
        assert_eq!(s.cell("versions"), Some("v1,v1beta1"));
        assert_eq!(s.cell("printer_columns"), None, "no version has printer columns");
        let mut with_columns = v1.clone();
        with_columns["spec"]["versions"][0]["additionalPrinterColumns"] =
            json!([{"name": "Ready", "type": "string", "jsonPath": ".status.conditions[0].status"}, {"name": "Secret", "type": "string", "jsonPath": ".spec.secretName"}]);
        assert_eq!(see("customresourcedefinitions", with_columns).cell("printer_columns"), Some("v1: Ready,Secret"));
        assert_eq!((s.status(), s.p.health), (Some("Established"), Health::Ok));

        let v1beta1 = json!({
            "apiVersion": "apiextensions.k8s.io/v1beta1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "version": "v1alpha1", "scope": "Cluster",
                     "names": {"kind": "Widget", "plural": "widgets"}},
            "status": {"conditions": [{"type": "NamesAccepted", "status": "False", "reason": "PluralConflict"},
                                      {"type": "Established", "status": "False"}]}
        });
        let s = see("customresourcedefinitions", v1beta1);
        assert_eq!(
            (s.cell("scope"), s.cell("versions")),
            (Some("Cluster"), Some("v1alpha1"))
        );
        assert_eq!(
            (s.status(), s.p.health),
            (Some("Names not accepted"), Health::Error)
        );

        let mut deleting = v1;
        deleting["metadata"]["deletionTimestamp"] = json!("2024-05-01T10:00:00Z");
        assert_eq!(
            see("customresourcedefinitions", deleting).p.health,
            Health::Warning
        );
    }
}
