//! What an object names in its own spec: the ConfigMaps, Secrets and claims its pods mount, the target an HPA
//! scales, the Services an Ingress routes to, the role a binding grants, the volume a claim is bound to. Owners,
//! owned objects and selected pods come from the watched stores instead (they are the other direction).

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// An object related to the one shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Related {
    /// How it relates: `owner`, `owns`, `selects`, `uses`.
    pub relation: &'static str,
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Its namespace (null for cluster-scoped kinds).
    pub namespace: Option<String>,
    /// The URL name of its kind, when Kubedeck serves it.
    pub resource: Option<String>,
}

fn uses(kind: &str, name: &str, ns: Option<&str>) -> Related {
    Related {
        relation: "uses",
        kind: kind.to_owned(),
        name: name.to_owned(),
        namespace: ns.map(str::to_owned),
        resource: None,
    }
}

/// The pod spec of a pod, or of a workload's pod template (CronJobs: the job template's).
fn pod_spec<'a>(kind: &str, obj: &'a Value) -> Option<&'a Value> {
    let spec = &obj["spec"];
    let s = match kind {
        "Pod" => spec,
        "CronJob" => &spec["jobTemplate"]["spec"]["template"]["spec"],
        _ => &spec["template"]["spec"],
    };
    s.is_object().then_some(s)
}

/// How a pod (or a workload's pod template) uses a ConfigMap, Secret, claim or ServiceAccount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Use {
    /// A volume (or a projected volume's source).
    Volume,
    /// `envFrom`: every key as an environment variable.
    EnvFrom,
    /// `env[].valueFrom`: one key as an environment variable.
    Env,
    /// `imagePullSecrets`: registry credentials to pull the images.
    ImagePullSecret,
    /// `serviceAccountName`.
    ServiceAccount,
}

/// One thing a pod spec names: (kind, name, how).
pub type PodUse<'a> = (&'static str, &'a str, Use);

/// What the pod spec of `obj` (a Pod or a workload of `kind`) names, in the spec's order, with how; repeats
/// kept (a ConfigMap both mounted and read by env is two uses).
pub fn pod_uses<'a>(kind: &str, obj: &'a Value) -> Vec<PodUse<'a>> {
    let mut out = Vec::new();
    let Some(spec) = pod_spec(kind, obj) else {
        return out;
    };
    for v in spec["volumes"].as_array().into_iter().flatten() {
        if let Some(n) = v["configMap"]["name"].as_str() {
            out.push(("ConfigMap", n, Use::Volume));
        }
        if let Some(n) = v["secret"]["secretName"].as_str() {
            out.push(("Secret", n, Use::Volume));
        }
        if let Some(n) = v["persistentVolumeClaim"]["claimName"].as_str() {
            out.push(("PersistentVolumeClaim", n, Use::Volume));
        }
        for s in v["projected"]["sources"].as_array().into_iter().flatten() {
            if let Some(n) = s["configMap"]["name"].as_str() {
                out.push(("ConfigMap", n, Use::Volume));
            }
            if let Some(n) = s["secret"]["name"].as_str() {
                out.push(("Secret", n, Use::Volume));
            }
        }
    }
    let containers = ["initContainers", "containers"]
        .into_iter()
        .flat_map(|k| spec[k].as_array().into_iter().flatten());
    for c in containers {
        for e in c["envFrom"].as_array().into_iter().flatten() {
            if let Some(n) = e["configMapRef"]["name"].as_str() {
                out.push(("ConfigMap", n, Use::EnvFrom));
            }
            if let Some(n) = e["secretRef"]["name"].as_str() {
                out.push(("Secret", n, Use::EnvFrom));
            }
        }
        for e in c["env"].as_array().into_iter().flatten() {
            if let Some(n) = e["valueFrom"]["configMapKeyRef"]["name"].as_str() {
                out.push(("ConfigMap", n, Use::Env));
            }
            if let Some(n) = e["valueFrom"]["secretKeyRef"]["name"].as_str() {
                out.push(("Secret", n, Use::Env));
            }
        }
    }
    for s in spec["imagePullSecrets"].as_array().into_iter().flatten() {
        if let Some(n) = s["name"].as_str() {
            out.push(("Secret", n, Use::ImagePullSecret));
        }
    }
    if let Some(n) = spec["serviceAccountName"].as_str() {
        out.push(("ServiceAccount", n, Use::ServiceAccount));
    }
    out
}

/// How `obj` (of `kind`) uses the object `target_kind`/`name` of its own namespace: each way once, in order.
pub fn uses_of(kind: &str, obj: &Value, target_kind: &str, name: &str) -> Vec<Use> {
    let mut how: Vec<Use> = pod_uses(kind, obj)
        .into_iter()
        .filter(|(k, n, _)| *k == target_kind && *n == name)
        .map(|(_, _, u)| u)
        .collect();
    how.sort();
    how.dedup();
    how
}

/// The objects `obj` (of `kind`) names in its spec, each once.
pub fn references(kind: &str, obj: &Value) -> Vec<Related> {
    let ns = obj["metadata"]["namespace"].as_str();
    let mut out: Vec<Related> = Vec::new();
    let mut add = |r: Related| {
        if !out.contains(&r) {
            out.push(r);
        }
    };
    for (k, n, _) in pod_uses(kind, obj) {
        add(uses(k, n, ns));
    }
    let spec = &obj["spec"];
    match kind {
        "HorizontalPodAutoscaler" => {
            if let (Some(k), Some(n)) = (
                spec["scaleTargetRef"]["kind"].as_str(),
                spec["scaleTargetRef"]["name"].as_str(),
            ) {
                add(uses(k, n, ns));
            }
        }
        "Ingress" => {
            let mut backends: Vec<&Value> = vec![&spec["defaultBackend"], &spec["backend"]];
            for rule in spec["rules"].as_array().into_iter().flatten() {
                backends.extend(
                    rule["http"]["paths"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|p| &p["backend"]),
                );
            }
            for b in backends {
                // networking.k8s.io/v1: backend.service.name; v1beta1: backend.serviceName
                if let Some(n) = b["service"]["name"].as_str().or(b["serviceName"].as_str()) {
                    add(uses("Service", n, ns));
                }
            }
            for t in spec["tls"].as_array().into_iter().flatten() {
                if let Some(n) = t["secretName"].as_str() {
                    add(uses("Secret", n, ns));
                }
            }
            if let Some(n) = spec["ingressClassName"].as_str() {
                add(uses("IngressClass", n, None));
            }
        }
        "RoleBinding" | "ClusterRoleBinding" => {
            let r = &obj["roleRef"];
            if let (Some(k), Some(n)) = (r["kind"].as_str(), r["name"].as_str()) {
                add(uses(k, n, if k == "Role" { ns } else { None }));
            }
            for s in obj["subjects"].as_array().into_iter().flatten() {
                if s["kind"].as_str() == Some("ServiceAccount")
                    && let Some(n) = s["name"].as_str()
                {
                    add(uses("ServiceAccount", n, s["namespace"].as_str().or(ns)));
                }
            }
        }
        "PersistentVolumeClaim" => {
            if let Some(n) = spec["volumeName"].as_str().filter(|n| !n.is_empty()) {
                add(uses("PersistentVolume", n, None));
            }
            if let Some(n) = spec["storageClassName"].as_str() {
                add(uses("StorageClass", n, None));
            }
        }
        "PersistentVolume" => {
            let c = &spec["claimRef"];
            if let Some(n) = c["name"].as_str() {
                add(uses("PersistentVolumeClaim", n, c["namespace"].as_str()));
            }
            if let Some(n) = spec["storageClassName"].as_str() {
                add(uses("StorageClass", n, None));
            }
        }
        "StatefulSet" => {
            if let Some(n) = spec["serviceName"].as_str().filter(|n| !n.is_empty()) {
                add(uses("Service", n, ns));
            }
        }
        "ServiceAccount" => {
            for s in obj["secrets"].as_array().into_iter().flatten() {
                if let Some(n) = s["name"].as_str() {
                    add(uses("Secret", n, ns));
                }
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_deployment_uses_what_its_pods_mount_and_read() {
        let d = json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"template": {"spec": {
            "serviceAccountName": "web",
            "volumes": [{"name": "c", "configMap": {"name": "web-config"}}, {"name": "d", "persistentVolumeClaim": {"claimName": "data"}}],
            "containers": [{"name": "web", "envFrom": [{"secretRef": {"name": "web-secret"}}],
                            "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "web-config", "key": "x"}}}]}]}}}});
        let names: Vec<(String, String)> = references("Deployment", &d)
            .into_iter()
            .map(|r| (r.kind, r.name))
            .collect();
        assert_eq!(
            names,
            vec![
                ("ConfigMap".into(), "web-config".into()),
                ("PersistentVolumeClaim".into(), "data".into()),
                ("Secret".into(), "web-secret".into()),
                ("ServiceAccount".into(), "web".into()),
            ]
        );
    }

    #[test]
    fn ingresses_of_either_version_route_to_their_services() {
        let v1 = json!({"metadata": {"namespace": "a"}, "spec": {"rules": [{"http": {"paths": [{"backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}});
        let beta = json!({"metadata": {"namespace": "a"}, "spec": {"backend": {"serviceName": "web", "servicePort": 80}}});
        for obj in [v1, beta] {
            let r = references("Ingress", &obj);
            assert_eq!(r.len(), 1);
            assert_eq!(
                (
                    r[0].kind.as_str(),
                    r[0].name.as_str(),
                    r[0].namespace.as_deref()
                ),
                ("Service", "web", Some("a"))
            );
        }
    }

    #[test]
    fn bindings_name_their_role_and_service_accounts() {
        let b = json!({"metadata": {"name": "x", "namespace": "a"}, "roleRef": {"kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "tools"}, {"kind": "User", "name": "jane"}]});
        let r = references("RoleBinding", &b);
        assert_eq!(r[0].kind, "ClusterRole");
        assert_eq!(r[0].namespace, None);
        assert_eq!(
            (r[1].name.as_str(), r[1].namespace.as_deref()),
            ("ci", Some("tools"))
        );
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn a_pod_spec_says_how_it_uses_each_object() {
        let p = json!({"metadata": {"name": "p", "namespace": "a"}, "spec": {
            "imagePullSecrets": [{"name": "registry"}],
            "volumes": [{"name": "v", "projected": {"sources": [{"secret": {"name": "tls"}}, {"configMap": {"name": "app"}}]}}],
            "initContainers": [{"name": "i", "envFrom": [{"configMapRef": {"name": "app"}}]}],
            "containers": [{"name": "c", "env": [{"name": "K", "valueFrom": {"secretKeyRef": {"name": "tls", "key": "k"}}}]}]}});
        assert_eq!(
            uses_of("Pod", &p, "ConfigMap", "app"),
            vec![Use::Volume, Use::EnvFrom]
        );
        assert_eq!(
            uses_of("Pod", &p, "Secret", "tls"),
            vec![Use::Volume, Use::Env]
        );
        assert_eq!(
            uses_of("Pod", &p, "Secret", "registry"),
            vec![Use::ImagePullSecret]
        );
        assert!(uses_of("Pod", &p, "ConfigMap", "tls").is_empty());
        let cron = json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "envFrom": [{"secretRef": {"name": "s"}}]}]}}}}}});
        assert_eq!(uses_of("CronJob", &cron, "Secret", "s"), vec![Use::EnvFrom]);
    }
}
