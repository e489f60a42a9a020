//! The generic resource API against the testbed, checked with kubectl: every known kind lists with kubectl's
//! columns, objects are created, replaced, dry-run and deleted as kubectl sees them, bad manifests are refused
//! with nothing changed, multi-document applies report per document, CRDs become kinds, roles are enforced and
//! a Secret's values stay out of every list, page, snapshot, log and audit row unless revealed.
//!
//! The engine barely touches the database, so most of these run on one backend (`on_one_backend!`); the
//! Secret test, which reads the `kube_object` snapshot and the audit log, runs on every backend.

use crate::helpers::*;
use base64::Engine;
use kubedeck_core::rbac::{Binding, Role};
use kubedeck_testbed::{Namespace, Testbed, unique_name};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

// ---- requests with any body ----

/// A response as text and, when it is JSON, parsed.
struct Raw {
    status: StatusCode,
    text: String,
    body: Value,
    content_type: String,
}

/// `method path` with `body` sent as `content_type` (YAML or JSON text).
async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<(&str, String)>,
) -> Raw {
    let mut req = app
        .http
        .request(method.parse().unwrap(), format!("{}{}", app.base, path))
        .bearer_auth(token);
    if let Some((ct, b)) = body {
        req = req.header("content-type", ct).body(b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = resp.text().await.unwrap();
    Raw {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
        content_type,
    }
}

async fn get(app: &TestApp, path: &str, token: &str) -> Raw {
    send(app, "GET", path, token, None).await
}

async fn post_yaml(app: &TestApp, path: &str, token: &str, yaml: &str) -> Raw {
    send(
        app,
        "POST",
        path,
        token,
        Some(("application/yaml", yaml.to_owned())),
    )
    .await
}

async fn put_json(app: &TestApp, path: &str, token: &str, obj: &Value) -> Raw {
    send(
        app,
        "PUT",
        path,
        token,
        Some(("application/json", obj.to_string())),
    )
    .await
}

async fn delete(app: &TestApp, path: &str, token: &str) -> Raw {
    send(app, "DELETE", path, token, None).await
}

/// Asserts the status and the error code of a refusal.
#[track_caller]
fn refused(r: &Raw, status: StatusCode, code: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.text);
    assert_eq!(r.body["code"], code, "{what}: {}", r.text);
    assert!(
        r.body["request_id"].is_string() && r.body["message"].is_string(),
        "{what}: the usual error body: {}",
        r.text
    );
}

/// The testbed, a fresh app with an admin token and the testbed imported: `(tb, app, admin, base path)`.
async fn setup() -> (Testbed, TestApp, String, String) {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    (tb, app, admin, format!("/api/v1/k8s/cluster/{id}"))
}

// ---- kubectl's view ----

/// `kubectl get ...` (table output) as one map of header → cell per row, cut at the header's column starts
/// (kubectl aligns columns with at least two spaces between them; headers like `LAST SCHEDULE` hold one).
fn kubectl_table(tb: &Testbed, args: &[&str]) -> Vec<BTreeMap<String, String>> {
    let out = tb.kubectl_ok(args);
    let mut lines = out.lines();
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let b = header.as_bytes();
    let mut starts = vec![0];
    for i in 2..b.len() {
        if b[i] != b' ' && b[i - 1] == b' ' && b[i - 2] == b' ' {
            starts.push(i);
        }
    }
    let cut = |line: &str, j: usize| -> String {
        let s = starts[j].min(line.len());
        let e = starts
            .get(j + 1)
            .copied()
            .unwrap_or(line.len())
            .min(line.len())
            .max(s);
        line[s..e].trim().to_owned()
    };
    let names: Vec<String> = (0..starts.len()).map(|j| cut(header, j)).collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            names
                .iter()
                .enumerate()
                .map(|(j, n)| (n.clone(), cut(l, j)))
                .collect()
        })
        .collect()
}

/// kubectl's `-o wide` row of one object (`ns` None: cluster-scoped).
fn kubectl_row(
    tb: &Testbed,
    resource: &str,
    ns: Option<&str>,
    name: &str,
) -> BTreeMap<String, String> {
    let mut args = Vec::new();
    if let Some(ns) = ns {
        args.extend(["-n", ns]);
    }
    args.extend(["get", resource, name, "-o", "wide"]);
    let rows = kubectl_table(tb, &args);
    assert_eq!(rows.len(), 1, "kubectl {}: {rows:?}", args.join(" "));
    rows.into_iter().next().unwrap()
}

/// The kubectl field at `jsonpath` of one object.
fn kubectl_field(
    tb: &Testbed,
    resource: &str,
    ns: Option<&str>,
    name: &str,
    jsonpath: &str,
) -> String {
    let mut args = Vec::new();
    if let Some(ns) = ns {
        args.extend(["-n", ns]);
    }
    let jp = format!("jsonpath={jsonpath}");
    args.extend(["get", resource, name, "-o", &jp]);
    tb.kubectl_ok(&args)
}

/// Whether kubectl finds the object.
fn kubectl_has(tb: &Testbed, resource: &str, ns: &str, name: &str) -> bool {
    let out = tb.kubectl(&[
        "-n",
        ns,
        "get",
        resource,
        name,
        "--ignore-not-found",
        "-o",
        "name",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    !out.stdout.is_empty()
}

/// `kind/name@version` of every ConfigMap, Secret, Deployment and Service in `ns`, the version being the
/// `generation` of kinds with a spec (their controllers update the status meanwhile) and the resourceVersion of
/// the others: what "nothing changed" compares.
fn kubectl_state(tb: &Testbed, ns: &str) -> Vec<String> {
    let v = tb.kubectl_json(&["-n", ns, "get", "configmaps,secrets,deployments,services"]);
    let mut out: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let m = &o["metadata"];
            let version = match m["generation"].as_i64() {
                Some(g) => format!("generation {g}"),
                None => m["resourceVersion"].as_str().unwrap().to_owned(),
            };
            format!(
                "{}/{}@{version}",
                o["kind"].as_str().unwrap(),
                m["name"].as_str().unwrap()
            )
        })
        .collect();
    out.sort();
    out
}

/// An API cell as kubectl prints it: `<none>` (or nothing) for no value.
fn same_cell(api: &Value, kubectl: &str) -> bool {
    match api.as_str() {
        Some(s) => s == kubectl,
        None => kubectl == "<none>" || kubectl.is_empty(),
    }
}

/// What an API cell reads like on this cluster's kubectl: an HPA's TARGETS name each metric (`cpu: <unknown>/50%`,
/// as API servers since v1.27 print them); a v1.20 API server prints the values only (`<unknown>/50%`).
fn as_v1_20_prints(plural: &str, header: &str, api: &Value) -> Value {
    match (plural, header, api.as_str()) {
        ("horizontalpodautoscalers", "TARGETS", Some(t)) => Value::String(
            t.split(", ")
                .map(|m| m.split_once(": ").map_or(m, |(_, v)| v))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => api.clone(),
    }
}

/// The row named `name` (in `ns`) of a list answer.
fn row_in<'a>(list: &'a Value, ns: Option<&str>, name: &str) -> Option<&'a Value> {
    list["items"]
        .as_array()?
        .iter()
        .find(|r| r["name"] == name && r["namespace"].as_str() == ns)
}

/// The cell of column `key` in `row` of `list`.
fn cell<'a>(list: &Value, row: &'a Value, key: &str) -> &'a Value {
    let i = list["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["key"] == key)
        .unwrap_or_else(|| panic!("no column {key} in {}", list["columns"]));
    &row["cells"][i]
}

// ---- 1. every kind lists like kubectl ----

/// One object of a kind, created with kubectl: `{ns}` and `{s}` (a unique suffix) are filled in.
struct Case {
    plural: &'static str,
    /// The kubectl resource name (`cronjobs.batch`).
    kubectl: &'static str,
    name: &'static str,
    namespaced: bool,
    manifest: &'static str,
}

/// API columns whose value depends on the clock (kubectl's DURATION of a running job counts up).
const CLOCK_COLUMNS: &[&str] = &["DURATION", "LAST SCHEDULE"];

const CASES: &[Case] = &[
    Case {
        plural: "deployments",
        kubectl: "deployments.apps",
        name: "web",
        namespaced: true,
        manifest: r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: "{ns}"}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.19"}]}
"#,
    },
    Case {
        plural: "replicasets",
        kubectl: "replicasets.apps",
        name: "rs",
        namespaced: true,
        manifest: r#"
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs, namespace: "{ns}"}
spec:
  replicas: 1
  selector: {matchLabels: {app: rs}}
  template:
    metadata: {labels: {app: rs}}
    spec: {containers: [{name: c, image: busybox}]}
"#,
    },
    Case {
        plural: "statefulsets",
        kubectl: "statefulsets.apps",
        name: "db",
        namespaced: true,
        manifest: r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: "{ns}"}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: "postgres:13"}]}
"#,
    },
    Case {
        plural: "daemonsets",
        kubectl: "daemonsets.apps",
        name: "agent",
        namespaced: true,
        manifest: r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: "{ns}"}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {nodeSelector: {kubernetes.io/os: linux}, containers: [{name: agent, image: fluentd}]}
"#,
    },
    Case {
        plural: "jobs",
        kubectl: "jobs.batch",
        name: "once",
        namespaced: true,
        manifest: r#"
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: "{ns}"}
spec:
  template:
    spec: {restartPolicy: Never, containers: [{name: once, image: busybox}]}
"#,
    },
    Case {
        plural: "cronjobs",
        kubectl: "cronjobs.batch",
        name: "nightly",
        namespaced: true,
        manifest: r#"
apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: nightly, namespace: "{ns}"}
spec:
  schedule: "0 3 1 1 *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: OnFailure, containers: [{name: nightly, image: busybox}]}
"#,
    },
    Case {
        plural: "services",
        kubectl: "services",
        name: "web",
        namespaced: true,
        manifest: r#"
apiVersion: v1
kind: Service
metadata: {name: web, namespace: "{ns}"}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
"#,
    },
    Case {
        plural: "endpoints",
        kubectl: "endpoints",
        name: "manual",
        namespaced: true,
        manifest: r#"
apiVersion: v1
kind: Endpoints
metadata: {name: manual, namespace: "{ns}"}
subsets: [{addresses: [{ip: 10.9.8.7}, {ip: 10.9.8.6}], ports: [{port: 5432}]}]
"#,
    },
    Case {
        plural: "ingresses",
        kubectl: "ingresses.networking.k8s.io",
        name: "web",
        namespaced: true,
        manifest: r#"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: "{ns}"}
spec:
  rules:
  - host: web.example.com
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
"#,
    },
    Case {
        plural: "ingressclasses",
        kubectl: "ingressclasses.networking.k8s.io",
        name: "kd-ic-{s}",
        namespaced: false,
        manifest: r#"
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: "kd-ic-{s}"}
spec: {controller: "example.com/ingress-{s}"}
"#,
    },
    Case {
        plural: "networkpolicies",
        kubectl: "networkpolicies.networking.k8s.io",
        name: "deny",
        namespaced: true,
        manifest: r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: "{ns}"}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
"#,
    },
    Case {
        plural: "configmaps",
        kubectl: "configmaps",
        name: "settings",
        namespaced: true,
        manifest: r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: "{ns}"}
data: {a: "1", b: "2"}
binaryData: {c: AAEC}
"#,
    },
    Case {
        plural: "secrets",
        kubectl: "secrets",
        name: "creds",
        namespaced: true,
        manifest: r#"
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: "{ns}"}
type: example.com/custom
stringData: {user: admin, password: hunter2}
"#,
    },
    Case {
        plural: "horizontalpodautoscalers",
        kubectl: "horizontalpodautoscalers.autoscaling",
        name: "web",
        namespaced: true,
        manifest: r#"
apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: "{ns}"}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 4
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
"#,
    },
    Case {
        plural: "poddisruptionbudgets",
        kubectl: "poddisruptionbudgets.policy",
        name: "web",
        namespaced: true,
        manifest: r#"
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: web, namespace: "{ns}"}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
"#,
    },
    Case {
        plural: "resourcequotas",
        kubectl: "resourcequotas",
        name: "quota",
        namespaced: true,
        manifest: r#"
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota, namespace: "{ns}"}
spec: {hard: {pods: "40", configmaps: "30"}}
"#,
    },
    Case {
        plural: "limitranges",
        kubectl: "limitranges",
        name: "limits",
        namespaced: true,
        manifest: r#"
apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: "{ns}"}
spec: {limits: [{type: Container, default: {cpu: 200m}}]}
"#,
    },
    Case {
        plural: "persistentvolumeclaims",
        kubectl: "persistentvolumeclaims",
        name: "data",
        namespaced: true,
        manifest: r#"
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: "{ns}"}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: "kd-sc-{s}"
  resources: {requests: {storage: 1Gi}}
"#,
    },
    Case {
        plural: "persistentvolumes",
        kubectl: "persistentvolumes",
        name: "kd-pv-{s}",
        namespaced: false,
        manifest: r#"
apiVersion: v1
kind: PersistentVolume
metadata: {name: "kd-pv-{s}"}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: "kd-sc-{s}"
  hostPath: {path: "/tmp/kd-pv-{s}"}
  claimRef: {namespace: "{ns}", name: data}
"#,
    },
    Case {
        plural: "storageclasses",
        kubectl: "storageclasses.storage.k8s.io",
        name: "kd-sc-{s}",
        namespaced: false,
        manifest: r#"
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: "kd-sc-{s}"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
"#,
    },
    Case {
        plural: "serviceaccounts",
        kubectl: "serviceaccounts",
        name: "robot",
        namespaced: true,
        manifest: r#"
apiVersion: v1
kind: ServiceAccount
metadata: {name: robot, namespace: "{ns}"}
"#,
    },
    Case {
        plural: "roles",
        kubectl: "roles.rbac.authorization.k8s.io",
        name: "reader",
        namespaced: true,
        manifest: r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: "{ns}"}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
"#,
    },
    Case {
        plural: "rolebindings",
        kubectl: "rolebindings.rbac.authorization.k8s.io",
        name: "reader",
        namespaced: true,
        manifest: r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: "{ns}"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: robot, namespace: "{ns}"}, {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
"#,
    },
    Case {
        plural: "clusterroles",
        kubectl: "clusterroles.rbac.authorization.k8s.io",
        name: "kd-cr-{s}",
        namespaced: false,
        manifest: r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "kd-cr-{s}"}
rules: [{apiGroups: [""], resources: [namespaces], verbs: [get]}]
"#,
    },
    Case {
        plural: "clusterrolebindings",
        kubectl: "clusterrolebindings.rbac.authorization.k8s.io",
        name: "kd-crb-{s}",
        namespaced: false,
        manifest: r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "kd-crb-{s}"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "kd-cr-{s}"}
subjects: [{kind: Group, name: "kd-team-{s}", apiGroup: rbac.authorization.k8s.io}]
"#,
    },
    Case {
        plural: "namespaces",
        kubectl: "namespaces",
        name: "{ns}",
        namespaced: false,
        // the test's own namespace, created by Namespace::create_in
        manifest: "",
    },
    Case {
        plural: "customresourcedefinitions",
        kubectl: "customresourcedefinitions.apiextensions.k8s.io",
        name: "gadgets.kd-{s}.example.com",
        namespaced: false,
        manifest: r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: "gadgets.kd-{s}.example.com"}
spec:
  group: "kd-{s}.example.com"
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
"#,
    },
];

/// Deletes cluster-scoped objects on drop (best effort, without waiting).
struct ClusterScoped<'a>(&'a Testbed, Vec<(String, String)>);

impl Drop for ClusterScoped<'_> {
    fn drop(&mut self) {
        for (resource, name) in &self.1 {
            let _ = self.0.kubectl(&[
                "delete",
                resource,
                name,
                "--wait=false",
                "--ignore-not-found",
            ]);
        }
    }
}

async fn every_kind_lists_with_kubectls_columns_and_its_detail_is_the_object_kubectl_sees() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "kinds");
    let n = ns.name().to_owned();
    let s = unique_name("kd").trim_start_matches("kd-").to_owned();
    let fill = |t: &str| t.replace("{ns}", &n).replace("{s}", &s);

    // The table covers every kind Kubedeck knows but pods and nodes (their own routes and tests).
    let mut covered: Vec<&str> = CASES.iter().map(|c| c.plural).collect();
    covered.sort_unstable();
    let mut known: Vec<&str> = kubedeck_kube::resource::kinds::KINDS
        .iter()
        .map(|k| k.plural)
        .filter(|p| *p != "pods" && *p != "nodes")
        .collect();
    known.sort_unstable();
    assert_eq!(covered, known, "one case per kind of kinds.rs");

    let _cleanup = ClusterScoped(
        &tb,
        CASES
            .iter()
            .filter(|c| !c.namespaced && c.plural != "namespaces")
            .map(|c| (c.kubectl.to_owned(), fill(c.name)))
            .collect(),
    );
    let manifests: Vec<String> = CASES
        .iter()
        .filter(|c| !c.manifest.is_empty())
        .map(|c| fill(c.manifest))
        .collect();
    apply(&tb, &manifests.join("\n---\n"));

    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}");

    // `kinds`: every kind is served here, at the version a v1.20 cluster serves.
    let kinds = get(&app, &format!("{base}/kinds"), &admin).await;
    assert_eq!(kinds.status, StatusCode::OK, "{}", kinds.text);
    assert_eq!(kinds.body["server_version"], "v1.20.2");
    let kind = |name: &str| -> Value {
        kinds.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing from kinds: {}", kinds.text))
            .clone()
    };
    for (name, group, version) in [
        ("cronjobs", "batch", "v1beta1"),
        ("horizontalpodautoscalers", "autoscaling", "v2beta2"),
        ("poddisruptionbudgets", "policy", "v1beta1"),
        ("ingresses", "networking.k8s.io", "v1"),
        ("deployments", "apps", "v1"),
        ("configmaps", "", "v1"),
        ("customresourcedefinitions", "apiextensions.k8s.io", "v1"),
    ] {
        let k = kind(name);
        assert_eq!(k["group"], group, "{k}");
        assert_eq!(
            k["version"], version,
            "{name} at the version this cluster serves: {k}"
        );
    }
    for c in CASES {
        let k = kind(c.plural);
        assert!(
            k["version"].is_string(),
            "{} served on v1.20: {k}",
            c.plural
        );
        assert_eq!(k["namespaced"], c.namespaced, "{k}");
    }

    for c in CASES {
        let name = fill(c.name);
        let ns_opt = c.namespaced.then_some(n.as_str());
        let list_path = if c.namespaced {
            format!("{base}/{}?namespace={n}&name={name}", c.plural)
        } else {
            format!("{base}/{}?name={name}", c.plural)
        };
        // kubectl and the API agree on every column both print (the ones that follow the clock aside), once the
        // controllers settled (READY of a Deployment, SECRETS of a ServiceAccount, a quota's usage).
        let mut last = (BTreeMap::new(), Value::Null);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let compared = loop {
            let krow = kubectl_row(&tb, c.kubectl, ns_opt, &name);
            let list = get(&app, &list_path, &admin).await;
            assert_eq!(list.status, StatusCode::OK, "{list_path}: {}", list.text);
            if let Some(row) = row_in(&list.body, ns_opt, &name) {
                let mut compared = Vec::new();
                let mut agree = true;
                for (i, col) in list.body["columns"].as_array().unwrap().iter().enumerate() {
                    let header = col["header"].as_str().unwrap();
                    if CLOCK_COLUMNS.contains(&header) {
                        continue;
                    }
                    if let Some(k) = krow.get(header) {
                        compared.push(header.to_owned());
                        agree &= same_cell(&as_v1_20_prints(c.plural, header, &row["cells"][i]), k);
                    }
                }
                if agree {
                    break compared;
                }
                last = (krow, row.clone());
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{}: the API's row never agreed with kubectl's:\nkubectl {:?}\nAPI     {}",
                c.plural,
                last.0,
                last.1
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        eprintln!("{}: {compared:?} agree with kubectl", c.plural);
        // At least kubectl's first column after NAME (after AGE for a quota) was compared.
        let krow = kubectl_row(&tb, c.kubectl, ns_opt, &name);
        if let Some(first) = krow
            .keys()
            .find(|h| !["NAME", "AGE", "CREATED AT"].contains(&h.as_str()))
        {
            assert!(
                compared.contains(first),
                "{}: kubectl's {first} was not compared (compared {compared:?}; kubectl {krow:?})",
                c.plural
            );
        }
        // The list's answer names the served version.
        let list = get(&app, &list_path, &admin).await;
        let k = kind(c.plural);
        let want_api_version = match k["group"].as_str().unwrap() {
            "" => k["version"].as_str().unwrap().to_owned(),
            g => format!("{g}/{}", k["version"].as_str().unwrap()),
        };
        assert_eq!(
            list.body["api_version"],
            want_api_version.as_str(),
            "{}",
            c.plural
        );
        assert_eq!(list.body["namespaced"], c.namespaced);
        assert_eq!(list.body["source"], "live");
        // The detail is the object kubectl sees.
        let detail_path = match (c.plural, c.namespaced) {
            ("namespaces", _) => format!("{base}/namespaces/{name}"),
            (_, true) => format!("{base}/namespaces/{n}/{}/{name}", c.plural),
            (_, false) => format!("{base}/{}/{name}", c.plural),
        };
        let detail = get(&app, &detail_path, &admin).await;
        assert_eq!(
            detail.status,
            StatusCode::OK,
            "{detail_path}: {}",
            detail.text
        );
        let uid = kubectl_field(&tb, c.kubectl, ns_opt, &name, "{.metadata.uid}");
        assert_eq!(
            detail.body["object"]["metadata"]["uid"],
            uid.as_str(),
            "{}",
            c.plural
        );
        assert_eq!(detail.body["api_version"], want_api_version.as_str());
        assert_eq!(detail.body["row"]["name"], name.as_str());
        assert!(
            detail.body["object"]["metadata"]["managedFields"].is_null(),
            "{}: managedFields are left out",
            c.plural
        );
        // The YAML is the same object.
        let yaml = get(&app, &format!("{detail_path}/yaml"), &admin).await;
        assert_eq!(yaml.status, StatusCode::OK, "{}", yaml.text);
        assert!(
            yaml.content_type.starts_with("application/yaml"),
            "{}",
            yaml.content_type
        );
        assert!(yaml.text.contains(&format!("uid: {uid}")), "{}", yaml.text);
    }

    // Columns kubectl does not print: a CRD's group and kind, a Secret's key names (never a value).
    let crd = get(
        &app,
        &format!("{base}/customresourcedefinitions?name=gadgets.kd-{s}.example.com"),
        &admin,
    )
    .await
    .body;
    let row = row_in(&crd, None, &format!("gadgets.kd-{s}.example.com")).unwrap();
    assert_eq!(
        cell(&crd, row, "group"),
        &json!(format!("kd-{s}.example.com"))
    );
    assert_eq!(cell(&crd, row, "kind"), "Gadget");
    let secrets = get(
        &app,
        &format!("{base}/namespaces/{n}/secrets?name=creds"),
        &admin,
    )
    .await
    .body;
    let row = row_in(&secrets, Some(&n), "creds").unwrap();
    assert_eq!(cell(&secrets, row, "keys"), "password,user");
    assert!(!secrets.to_string().contains("hunter2"), "{secrets}");
    app.stop().await;
}
on_one_backend!(every_kind_lists_with_kubectls_columns_and_its_detail_is_the_object_kubectl_sees);

// ---- 2. create, replace, dry run and delete, as kubectl sees them ----

async fn create_replace_dry_run_and_delete_are_what_kubectl_sees() {
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "crud");
    let n = ns.name();

    // Create from YAML (the namespace from the route).
    let r = post_yaml(
        &app,
        &format!("{base}/namespaces/{n}/configmaps"),
        &admin,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  mode: blue\n  size: small\n",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["dry_run"], false);
    assert_eq!(r.body["results"][0]["outcome"], "created", "{}", r.text);
    assert_eq!(r.body["results"][0]["namespace"], n);
    assert_eq!(r.body["results"][0]["name"], "app-config");
    assert_eq!(
        kubectl_field(&tb, "configmap", Some(n), "app-config", "{.data.mode}"),
        "blue"
    );
    let r = post_yaml(
        &app,
        &format!("{base}/namespaces/{n}/deployments"),
        &admin,
        &format!(
            r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {n}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec: {{containers: [{{name: web, image: "nginx:1.19"}}]}}
"#
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["results"][0]["kind"], "Deployment");
    assert_eq!(
        kubectl_field(&tb, "deployment", Some(n), "web", "{.spec.replicas}"),
        "2"
    );
    // Created again: 409 already_exists.
    let again = post_yaml(
        &app,
        &format!("{base}/namespaces/{n}/configmaps"),
        &admin,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config}\ndata: {mode: red}\n",
    )
    .await;
    refused(
        &again,
        StatusCode::CONFLICT,
        "already_exists",
        "created twice",
    );
    assert_eq!(
        kubectl_field(&tb, "configmap", Some(n), "app-config", "{.data.mode}"),
        "blue"
    );
    // A dry-run create changes nothing.
    let r = post_yaml(
        &app,
        &format!("{base}/namespaces/{n}/configmaps?dry_run=true"),
        &admin,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: not-yet}\ndata: {a: b}\n",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["dry_run"], true);
    assert_eq!(r.body["results"][0]["outcome"], "created");
    assert!(
        r.body["results"][0]["diff"]
            .as_str()
            .unwrap()
            .contains("+  a: b"),
        "{}",
        r.text
    );
    assert!(!kubectl_has(&tb, "configmap", n, "not-yet"));

    // Replace with the version read: kubectl sees the change.
    let path = format!("{base}/namespaces/{n}/configmaps/app-config");
    let read = get(&app, &path, &admin).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    let first = read.body["object"].clone();
    let mut green = first.clone();
    green["data"]["mode"] = json!("green");
    let r = put_json(&app, &path, &admin, &green).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["results"][0]["outcome"], "configured", "{}", r.text);
    assert_eq!(
        kubectl_field(&tb, "configmap", Some(n), "app-config", "{.data.mode}"),
        "green"
    );

    // Replace with the stale version: 409 resource_conflict naming kubectl's current version; nothing changes.
    let mut red = first.clone();
    red["data"]["mode"] = json!("red");
    let r = put_json(&app, &path, &admin, &red).await;
    refused(
        &r,
        StatusCode::CONFLICT,
        "resource_conflict",
        "a stale resourceVersion",
    );
    let current = kubectl_field(
        &tb,
        "configmap",
        Some(n),
        "app-config",
        "{.metadata.resourceVersion}",
    );
    assert_eq!(
        r.body["params"]["current_version"],
        current.as_str(),
        "{}",
        r.text
    );
    assert_ne!(
        current,
        first["metadata"]["resourceVersion"].as_str().unwrap()
    );
    assert_eq!(
        kubectl_field(&tb, "configmap", Some(n), "app-config", "{.data.mode}"),
        "green"
    );
    // Without a resourceVersion: refused before the cluster is asked.
    let mut bare = red.clone();
    bare["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    let r = put_json(&app, &path, &admin, &bare).await;
    assert!(r.status.is_client_error(), "{}", r.text);
    assert_eq!(r.body["field"], "metadata.resourceVersion", "{}", r.text);

    // A dry run of a change: the diff shows it, kubectl sees nothing change.
    let latest = get(&app, &path, &admin).await.body["object"].clone();
    let mut yellow = latest.clone();
    yellow["data"]["mode"] = json!("yellow");
    let r = put_json(&app, &format!("{path}?dry_run=true"), &admin, &yellow).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["dry_run"], true);
    let res = &r.body["results"][0];
    assert_eq!(res["outcome"], "configured", "{}", r.text);
    assert_eq!(res["object"]["data"]["mode"], "yellow", "{}", r.text);
    let diff = res["diff"].as_str().unwrap();
    assert!(diff.lines().any(|l| l == "-  mode: green"), "{diff}");
    assert!(diff.lines().any(|l| l == "+  mode: yellow"), "{diff}");
    assert!(
        !diff
            .lines()
            .any(|l| l.starts_with(['-', '+']) && l.contains("size")),
        "only the change: {diff}"
    );
    assert_eq!(
        kubectl_field(&tb, "configmap", Some(n), "app-config", "{.data.mode}"),
        "green"
    );
    assert_eq!(
        kubectl_field(
            &tb,
            "configmap",
            Some(n),
            "app-config",
            "{.metadata.resourceVersion}"
        ),
        current,
        "a dry run writes nothing"
    );
    // The same object sent back is `unchanged`.
    let r = put_json(&app, &format!("{path}?dry_run=true"), &admin, &latest).await;
    assert_eq!(r.body["results"][0]["outcome"], "unchanged", "{}", r.text);

    // Scaling the Deployment by replace.
    let dpath = format!("{base}/namespaces/{n}/deployments/web");
    let mut dep = get(&app, &dpath, &admin).await.body["object"].clone();
    dep["spec"]["replicas"] = json!(3);
    let r = put_json(&app, &dpath, &admin, &dep).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        kubectl_field(&tb, "deployment", Some(n), "web", "{.spec.replicas}"),
        "3"
    );

    // Delete: 202, and kubectl no longer finds them.
    let r = delete(&app, &path, &admin).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert_eq!(r.body["name"], "app-config");
    let r = delete(&app, &format!("{dpath}?propagation=Foreground"), &admin).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    kubedeck_testbed::wait_until("kubectl to lose both", Duration::from_secs(60), || {
        (!kubectl_has(&tb, "configmap", n, "app-config")
            && !kubectl_has(&tb, "deployment", n, "web"))
        .then_some(())
    });
    // Deleting what is gone: 404.
    let r = delete(&app, &path, &admin).await;
    refused(
        &r,
        StatusCode::NOT_FOUND,
        "object_not_found",
        "deleted twice",
    );
    let bad = delete(&app, &format!("{dpath}?propagation=Sideways"), &admin).await;
    assert!(bad.status.is_client_error(), "{}", bad.text);
    app.stop().await;
}
on_one_backend!(create_replace_dry_run_and_delete_are_what_kubectl_sees);

// ---- 3. bad input ----

async fn bad_manifests_are_refused_with_a_clear_error_and_nothing_changes() {
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "badinput");
    let n = ns.name();
    apply(
        &tb,
        &format!(
            r#"apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {n}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec: {{containers: [{{name: web, image: "nginx:1.19"}}]}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: keep, namespace: {n}}}
data: {{a: "1"}}
"#
        ),
    );
    let before = kubectl_state(&tb, n);
    let cms = format!("{base}/namespaces/{n}/configmaps");
    let deps = format!("{base}/namespaces/{n}/deployments");

    // Not YAML.
    let r = post_yaml(
        &app,
        &cms,
        &admin,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed\n",
    )
    .await;
    refused(
        &r,
        StatusCode::BAD_REQUEST,
        "manifest_invalid",
        "invalid YAML",
    );
    assert_eq!(r.body["params"]["rule"], "yaml", "{}", r.text);
    // Not JSON either.
    let r = send(
        &app,
        "POST",
        &cms,
        &admin,
        Some(("application/json", "{\"kind\": ".into())),
    )
    .await;
    refused(
        &r,
        StatusCode::BAD_REQUEST,
        "manifest_invalid",
        "invalid JSON",
    );

    // A Deployment's selector is immutable: the cluster's 422 with its field path.
    let dpath = format!("{deps}/web");
    let mut dep = get(&app, &dpath, &admin).await.body["object"].clone();
    dep["spec"]["selector"]["matchLabels"] = json!({"app": "other"});
    dep["spec"]["template"]["metadata"]["labels"] = json!({"app": "other"});
    let r = put_json(&app, &dpath, &admin, &dep).await;
    refused(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "object_invalid",
        "a selector change",
    );
    let causes = r.body["params"]["causes"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.text));
    assert!(
        causes.iter().any(|c| c["field"]
            .as_str()
            .unwrap_or_default()
            .contains("spec.selector")),
        "a cause names spec.selector: {}",
        r.text
    );
    assert_eq!(
        kubectl_field(
            &tb,
            "deployment",
            Some(n),
            "web",
            "{.spec.selector.matchLabels.app}"
        ),
        "web"
    );

    // A field the cluster does not know (a v1.20 API server would drop it silently): 422 naming its path.
    let r = post_yaml(
        &app,
        &deps,
        &admin,
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: typo}
spec:
  replicas: 1
  selector: {matchLabels: {app: typo}}
  template:
    metadata: {labels: {app: typo}}
    spec: {containers: [{name: web, image: "nginx:1.19", imagePullPolice: Always}]}
"#,
    )
    .await;
    refused(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "object_invalid",
        "an unknown field",
    );
    let path = "spec.template.spec.containers[0].imagePullPolice";
    assert_eq!(r.body["field"], path, "{}", r.text);
    assert!(
        r.body["params"]["causes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == path),
        "{}",
        r.text
    );
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("imagePullPolice"),
        "{}",
        r.text
    );

    // A version this cluster does not serve.
    for (route, doc) in [
        (
            format!("{base}/namespaces/{n}/cronjobs"),
            "apiVersion: batch/v2\nkind: CronJob\nmetadata: {name: later}\nspec: {schedule: '* * * * *', jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}}\n",
        ),
        (
            deps.clone(),
            "apiVersion: apps/v1beta1\nkind: Deployment\nmetadata: {name: old}\nspec: {template: {metadata: {labels: {app: old}}, spec: {containers: [{name: c, image: busybox}]}}}\n",
        ),
    ] {
        let r = post_yaml(&app, &route, &admin, doc).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{doc}: {}", r.text);
        assert!(
            ["kind_not_served", "kind_unknown"]
                .contains(&r.body["code"].as_str().unwrap_or_default()),
            "{doc}: {}",
            r.text
        );
        assert_eq!(r.body["field"], "apiVersion", "{}", r.text);
    }

    // A document larger than a cluster stores: 413.
    let big = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: huge}}\ndata:\n  blob: \"{}\"\n",
        "x".repeat(2 * 1024 * 1024)
    );
    let r = post_yaml(&app, &cms, &admin, &big).await;
    refused(
        &r,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        "a 2 MB document",
    );

    // Another kind than the route's, another namespace than the route's.
    let r = post_yaml(
        &app,
        &format!("{base}/namespaces/{n}/secrets"),
        &admin,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: sneaky}\ndata: {a: b}\n",
    )
    .await;
    refused(
        &r,
        StatusCode::BAD_REQUEST,
        "manifest_invalid",
        "a ConfigMap posted as a Secret",
    );
    assert_eq!(r.body["params"]["rule"], "kind_mismatch", "{}", r.text);
    let r = post_yaml(
        &app,
        &cms,
        &admin,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: elsewhere, namespace: kube-system}\ndata: {a: b}\n",
    )
    .await;
    refused(
        &r,
        StatusCode::BAD_REQUEST,
        "manifest_invalid",
        "another namespace",
    );
    assert_eq!(r.body["params"]["rule"], "namespace_mismatch", "{}", r.text);
    assert!(!kubectl_has(&tb, "configmap", "kube-system", "elsewhere"));
    // A replace naming another object than the path's.
    let mut keep = get(&app, &format!("{cms}/keep"), &admin).await.body["object"].clone();
    keep["metadata"]["name"] = json!("other");
    let r = put_json(&app, &format!("{cms}/keep"), &admin, &keep).await;
    refused(
        &r,
        StatusCode::BAD_REQUEST,
        "manifest_invalid",
        "a name mismatch",
    );
    // No document at all.
    let r = post_yaml(&app, &cms, &admin, "---\n").await;
    refused(
        &r,
        StatusCode::BAD_REQUEST,
        "manifest_invalid",
        "an empty manifest",
    );

    assert_eq!(
        kubectl_state(&tb, n),
        before,
        "nothing changed in the cluster"
    );
    app.stop().await;
}
on_one_backend!(bad_manifests_are_refused_with_a_clear_error_and_nothing_changes);

// ---- 4. multi-document apply ----

async fn a_multi_document_apply_reports_each_document_and_keeps_the_good_ones() {
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "apply");
    let n = ns.name();
    let manifest = format!(
        r#"apiVersion: v1
kind: ConfigMap
metadata: {{name: first, namespace: {n}}}
data: {{a: "1"}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: second, namespace: {n}}}
data: {{"not a key!": "x"}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: third, namespace: {n}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: third}}}}
  template:
    metadata: {{labels: {{app: third}}}}
    spec: {{containers: [{{name: c, image: busybox}}]}}
"#
    );
    // A dry run first: the same report, nothing created.
    let dry = post_yaml(
        &app,
        &format!("{base}/apply?dry_run=true"),
        &admin,
        &manifest,
    )
    .await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.text);
    assert_eq!(dry.body["dry_run"], true);
    let outcomes = |r: &Raw| -> Vec<String> {
        r.body["results"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", r.text))
            .iter()
            .map(|x| x["outcome"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        outcomes(&dry),
        ["created", "failed", "created"],
        "{}",
        dry.text
    );
    assert!(
        !kubectl_has(&tb, "configmap", n, "first") && !kubectl_has(&tb, "deployment", n, "third")
    );

    let r = post_yaml(&app, &format!("{base}/apply"), &admin, &manifest).await;
    assert_eq!(r.status, StatusCode::OK, "not all created: {}", r.text);
    assert_eq!(outcomes(&r), ["created", "failed", "created"], "{}", r.text);
    let results = r.body["results"].as_array().unwrap();
    for (i, (kind, name)) in [
        ("ConfigMap", "first"),
        ("ConfigMap", "second"),
        ("Deployment", "third"),
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(results[i]["index"], i);
        assert_eq!(results[i]["kind"], kind);
        assert_eq!(results[i]["name"], name);
        assert_eq!(results[i]["namespace"], n);
    }
    let err = &results[1]["error"];
    assert_eq!(err["code"], "object_invalid", "{err}");
    assert!(
        err["message"].is_string() && err["request_id"].is_string(),
        "the usual error body: {err}"
    );
    assert!(
        err["params"]["causes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"]
                .as_str()
                .unwrap_or_default()
                .contains("not a key!")),
        "{err}"
    );
    assert!(results[0]["error"].is_null() && results[2]["error"].is_null());
    assert!(kubectl_has(&tb, "configmap", n, "first"));
    assert!(!kubectl_has(&tb, "configmap", n, "second"));
    assert!(kubectl_has(&tb, "deployment", n, "third"));
    // Applied again: unchanged; changed: configured, as kubectl sees.
    let again = post_yaml(
        &app,
        &format!("{base}/apply"),
        &admin,
        &format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: first, namespace: {n}}}\ndata: {{a: \"1\"}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: fourth, namespace: {n}}}\ndata: {{b: \"2\"}}\n"),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(outcomes(&again), ["unchanged", "created"], "{}", again.text);
    let changed = post_yaml(
        &app,
        &format!("{base}/apply"),
        &admin,
        &format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: first, namespace: {n}}}\ndata: {{a: \"2\"}}\n"),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(outcomes(&changed), ["configured"], "{}", changed.text);
    assert_eq!(
        kubectl_field(&tb, "configmap", Some(n), "first", "{.data.a}"),
        "2"
    );
    // A field another manager owns: 409 apply_conflict, unless forced.
    tb.kubectl_ok(&[
        "-n",
        n,
        "patch",
        "configmap",
        "first",
        "--type=merge",
        "-p",
        r#"{"data":{"a":"3"}}"#,
    ]);
    let doc = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: first, namespace: {n}}}\ndata: {{a: \"4\"}}\n"
    );
    let r = post_yaml(&app, &format!("{base}/apply"), &admin, &doc).await;
    refused(
        &r,
        StatusCode::CONFLICT,
        "apply_conflict",
        "a field kubectl owns",
    );
    assert_eq!(
        kubectl_field(&tb, "configmap", Some(n), "first", "{.data.a}"),
        "3"
    );
    let r = post_yaml(&app, &format!("{base}/apply?force=true"), &admin, &doc).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        kubectl_field(&tb, "configmap", Some(n), "first", "{.data.a}"),
        "4"
    );
    app.stop().await;
}
on_one_backend!(a_multi_document_apply_reports_each_document_and_keeps_the_good_ones);

// ---- 5. custom resources ----

async fn a_new_crd_becomes_a_kind_with_its_printer_columns() {
    let (tb, app, admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "crd");
    let n = ns.name();
    let group = format!("{}.example.com", unique_name("kd"));
    let crd = format!("gizmos.{group}");
    let _cleanup = ClusterScoped(&tb, vec![("customresourcedefinitions".into(), crd.clone())]);
    // The kinds before the CRD: it is not there.
    let kinds = get(&app, &format!("{base}/kinds"), &admin).await;
    assert_eq!(kinds.status, StatusCode::OK, "{}", kinds.text);
    assert!(!kinds.text.contains(&crd));
    apply(
        &tb,
        &format!(
            r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: "{crd}"}}
spec:
  group: "{group}"
  scope: Namespaced
  names: {{plural: gizmos, singular: gizmo, kind: Gizmo}}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {{type: string}}
              replicas: {{type: integer}}
    additionalPrinterColumns:
    - {{name: Size, type: string, jsonPath: .spec.size}}
    - {{name: Replicas, type: integer, jsonPath: .spec.replicas}}
    - {{name: Age, type: date, jsonPath: .metadata.creationTimestamp}}
"#
        ),
    );
    let started = tokio::time::Instant::now();
    let kind = eventually(
        "the CRD's kind in kinds",
        Duration::from_secs(30),
        || async {
            let k = get(&app, &format!("{base}/kinds"), &admin).await.body;
            k["items"]
                .as_array()?
                .iter()
                .find(|k| k["name"] == crd.as_str())
                .cloned()
        },
    )
    .await;
    eprintln!("the CRD became a kind after {:?}", started.elapsed());
    assert_eq!(kind["kind"], "Gizmo");
    assert_eq!(kind["group"], group.as_str());
    assert_eq!(kind["version"], "v1");
    assert_eq!(kind["namespaced"], true);
    assert_eq!(kind["category"], "custom_resources");
    let headers: Vec<&str> = kind["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["header"].as_str().unwrap())
        .collect();
    assert_eq!(headers, ["SIZE", "REPLICAS"], "{kind}");

    // Its list answers with the printer columns (kubectl's headers) and the served version.
    let list_path = format!("{base}/{crd}?namespace={n}");
    let list = eventually(
        "the custom kind's list",
        Duration::from_secs(30),
        || async {
            let l = get(&app, &list_path, &admin).await;
            (l.status == StatusCode::OK).then_some(l.body)
        },
    )
    .await;
    assert_eq!(list["kind"], "Gizmo");
    assert_eq!(list["api_version"], format!("{group}/v1"));
    assert_eq!(list["total"], 0, "{list}");
    let keys: Vec<&str> = list["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["size", "replicas"], "{list}");
    assert_eq!(
        list["columns"][1]["type"], "number",
        "an integer column sorts as a number"
    );
    let l = get(
        &app,
        &format!("{base}/namespaces/{n}/{crd}?size=large&sort=-replicas"),
        &admin,
    )
    .await;
    assert_eq!(
        l.status,
        StatusCode::OK,
        "filter and sort by printer columns: {}",
        l.text
    );
    // A custom resource: listed within seconds with its printer columns' values, as kubectl prints them.
    apply(
        &tb,
        &format!("apiVersion: {group}/v1\nkind: Gizmo\nmetadata: {{name: g1, namespace: {n}}}\nspec: {{size: large, replicas: 3}}\n"),
    );
    let listed = eventually(
        "the custom resource in its list",
        Duration::from_secs(30),
        || async {
            let l = get(&app, &format!("{base}/namespaces/{n}/{crd}?size=large&sort=-replicas"), &admin).await.body;
            (l["total"] == 1).then_some(l)
        },
    )
    .await;
    assert_eq!(listed["items"][0]["name"], "g1", "{listed}");
    assert_eq!(listed["items"][0]["cells"], serde_json::json!(["large", "3"]), "{listed}");
    let printed = tb.kubectl_ok(&["get", &crd, "-n", n, "--no-headers"]);
    let words: Vec<&str> = printed.split_whitespace().collect();
    assert_eq!(&words[..3], ["g1", "large", "3"], "kubectl: {printed}");
    // kubectl prints the same columns (for no objects it prints no header: the CRD's own columns then).
    let printer = tb.kubectl_json(&["get", "customresourcedefinition", &crd]);
    let names: Vec<&str> = printer["spec"]["versions"][0]["additionalPrinterColumns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Size", "Replicas", "Age"]);
    // The CRD's own row and detail.
    let crds = get(
        &app,
        &format!("{base}/customresourcedefinitions?name={crd}"),
        &admin,
    )
    .await
    .body;
    let row = row_in(&crds, None, &crd).unwrap_or_else(|| panic!("{crds}"));
    assert_eq!(cell(&crds, row, "kind"), "Gizmo");
    assert_eq!(cell(&crds, row, "scope"), "Namespaced");
    assert_eq!(cell(&crds, row, "versions"), "v1");

    // A printer column added to the CRD reaches the kind's columns within seconds (no relist asked for).
    tb.kubectl_ok(&[
        "patch", "customresourcedefinition", &crd, "--type=json", "-p",
        r#"[{"op": "add", "path": "/spec/versions/0/additionalPrinterColumns/-", "value": {"name": "Owner", "type": "string", "jsonPath": ".spec.owner"}}]"#,
    ]);
    eventually("the new printer column in kinds", Duration::from_secs(30), || async {
        let k = get(&app, &format!("{base}/kinds"), &admin).await.body;
        let kind = k["items"].as_array()?.iter().find(|k| k["name"] == crd.as_str())?.clone();
        let headers: Vec<String> = kind["columns"].as_array()?.iter().filter_map(|c| c["header"].as_str().map(str::to_owned)).collect();
        (headers == ["SIZE", "REPLICAS", "OWNER"]).then_some(())
    })
    .await;

    // A CRD of the same group whose only version is not served is no kind (although its group serves v1);
    // once served, it becomes one within seconds (the engine looks again although no CRD came or went).
    let later = format!("doodads.{group}");
    let _cleanup_later = ClusterScoped(
        &tb,
        vec![("customresourcedefinitions".into(), later.clone())],
    );
    let doodads = |served: bool| {
        format!(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {{name: \"{later}\"}}\nspec:\n  group: \"{group}\"\n  scope: Cluster\n  names: {{plural: doodads, singular: doodad, kind: Doodad}}\n  versions:\n  - name: v1\n    served: {served}\n    storage: true\n    schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}\n    additionalPrinterColumns: [{{name: Colour, type: string, jsonPath: .spec.colour}}]\n"
        )
    };
    apply(&tb, &doodads(false));
    // the engine saw it (its row in the CRD list), unserved
    eventually(
        "the unserved CRD's row",
        Duration::from_secs(30),
        || async {
            let l = get(
                &app,
                &format!("{base}/customresourcedefinitions?name={later}"),
                &admin,
            )
            .await
            .body;
            row_in(&l, None, &later).map(|_| ())
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let r = get(&app, &format!("{base}/{later}"), &admin).await;
    refused(
        &r,
        StatusCode::NOT_FOUND,
        "kind_unknown",
        "a CRD serving no version",
    );
    apply(&tb, &doodads(true));
    let started = tokio::time::Instant::now();
    let list = eventually(
        "the CRD's kind once served",
        Duration::from_secs(20),
        || async {
            let l = get(&app, &format!("{base}/{later}"), &admin).await;
            (l.status == StatusCode::OK).then_some(l.body)
        },
    )
    .await;
    eprintln!("the served CRD became a kind after {:?}", started.elapsed());
    assert_eq!(list["namespaced"], false);
    assert_eq!(list["columns"][0]["header"], "COLOUR", "{list}");

    // The CRD removed: the kind goes.
    tb.kubectl_ok(&["delete", "customresourcedefinition", &crd, "--wait=true"]);
    eventually("the CRD's kind to go", Duration::from_secs(30), || async {
        let l = get(&app, &list_path, &admin).await;
        (l.status == StatusCode::NOT_FOUND)
            .then(|| assert_eq!(l.body["code"], "kind_unknown", "{}", l.text))
    })
    .await;
    app.stop().await;
}
on_one_backend!(a_new_crd_becomes_a_kind_with_its_printer_columns);

// ---- 6. roles ----

async fn a_viewer_only_reads_and_an_operator_cannot_write_platform_kinds() {
    let (tb, app, _admin, base) = setup().await;
    let ns = Namespace::create_in(&tb, "roles");
    let n = ns.name();
    apply(
        &tb,
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: shared, namespace: {n}}}\ndata: {{a: \"1\"}}\n"
        ),
    );
    let before = kubectl_state(&tb, n);
    let viewer = app
        .user_token("res-viewer", &[Binding::global(Role::Viewer)])
        .await;
    let operator = app
        .user_token("res-operator", &[Binding::global(Role::Operator)])
        .await;
    let cms = format!("{base}/namespaces/{n}/configmaps");
    let path = format!("{cms}/shared");

    // Reads.
    let list = get(&app, &format!("{base}/configmaps?namespace={n}"), &viewer).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert!(
        row_in(&list.body, Some(n), "shared").is_some(),
        "{}",
        list.text
    );
    let detail = get(&app, &path, &viewer).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    assert_eq!(
        get(&app, &format!("{path}/yaml"), &viewer).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&app, &format!("{path}/events"), &viewer).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&app, &format!("{base}/kinds"), &viewer).await.status,
        StatusCode::OK
    );

    // Every write: 403.
    let mut changed = detail.body["object"].clone();
    changed["data"]["a"] = json!("2");
    let new_cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: viewer-made}\ndata: {a: b}\n";
    let forbidden = |r: &Raw, what: &str| {
        refused(r, StatusCode::FORBIDDEN, "forbidden", what);
        assert!(r.body["results"].is_null(), "{what}: {}", r.text);
    };
    forbidden(&post_yaml(&app, &cms, &viewer, new_cm).await, "viewer POST");
    forbidden(
        &post_yaml(&app, &format!("{cms}?dry_run=true"), &viewer, new_cm).await,
        "viewer dry-run POST",
    );
    forbidden(
        &put_json(&app, &path, &viewer, &changed).await,
        "viewer PUT",
    );
    forbidden(&delete(&app, &path, &viewer).await, "viewer DELETE");
    forbidden(
        &post_yaml(
            &app,
            &format!("{base}/apply"),
            &viewer,
            &format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: shared, namespace: {n}}}\ndata: {{a: \"3\"}}\n"),
        )
        .await,
        "viewer apply",
    );
    assert_eq!(kubectl_state(&tb, n), before, "the viewer changed nothing");

    // An operator: application kinds yes, platform kinds no.
    let platform_ns = unique_name("kd-op-ns");
    let platform_cr = unique_name("kd-op-cr");
    let _cleanup = ClusterScoped(
        &tb,
        vec![
            ("namespace".into(), platform_ns.clone()),
            ("clusterrole".into(), platform_cr.clone()),
        ],
    );
    let ns_doc = format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {platform_ns}}}\n");
    let cr_doc = format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: {platform_cr}}}\nrules: [{{apiGroups: [\"\"], resources: [pods], verbs: [get]}}]\n"
    );
    let role_doc = format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: op-role, namespace: {n}}}\nrules: [{{apiGroups: [\"\"], resources: [pods], verbs: [get]}}]\n"
    );
    forbidden(
        &post_yaml(&app, &format!("{base}/namespaces"), &operator, &ns_doc).await,
        "operator creates a Namespace",
    );
    forbidden(
        &post_yaml(&app, &format!("{base}/clusterroles"), &operator, &cr_doc).await,
        "operator creates a ClusterRole",
    );
    forbidden(
        &post_yaml(&app, &format!("{base}/apply"), &operator, &cr_doc).await,
        "operator applies a ClusterRole",
    );
    forbidden(
        &post_yaml(
            &app,
            &format!("{base}/namespaces/{n}/roles"),
            &operator,
            &role_doc,
        )
        .await,
        "operator creates a Role",
    );
    forbidden(
        &delete(&app, &format!("{base}/namespaces/{n}"), &operator).await,
        "operator deletes a Namespace",
    );
    assert!(
        tb.kubectl_ok(&["get", "namespace", &platform_ns, "--ignore-not-found"])
            .is_empty()
    );
    assert!(
        tb.kubectl_ok(&["get", "clusterrole", &platform_cr, "--ignore-not-found"])
            .is_empty()
    );
    assert!(!kubectl_has(&tb, "role", n, "op-role"));
    assert!(
        tb.kubectl_ok(&["get", "namespace", n, "-o", "name"])
            .contains(n)
    );
    let r = post_yaml(
        &app,
        &cms,
        &operator,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: operator-made}\ndata: {a: b}\n",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(kubectl_has(&tb, "configmap", n, "operator-made"));
    let r = put_json(&app, &path, &operator, &changed).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        kubectl_field(&tb, "configmap", Some(n), "shared", "{.data.a}"),
        "2"
    );
    // A cluster admin writes platform kinds.
    let cadmin = app
        .user_token("res-cadmin", &[Binding::global(Role::ClusterAdmin)])
        .await;
    let r = post_yaml(&app, &format!("{base}/clusterroles"), &cadmin, &cr_doc).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(
        !tb.kubectl_ok(&["get", "clusterrole", &platform_cr, "--ignore-not-found"])
            .is_empty()
    );
    // Refusals are audited as denied.
    let audit = app.audit().await;
    assert!(
        audit
            .iter()
            .any(|a| a.username == "res-viewer" && a.outcome == "denied" && a.status_code == 403),
        "{audit:?}"
    );
    app.stop().await;
}
on_one_backend!(a_viewer_only_reads_and_an_operator_cannot_write_platform_kinds);

// ---- 7. Secrets ----

/// Everything the app logs (DEBUG and above, spans' fields included), captured for the whole test process.
pub(crate) fn captured_logs() -> Arc<Mutex<String>> {
    static LOGS: OnceLock<Arc<Mutex<String>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(String::new()));
        let _ = tracing::subscriber::set_global_default(Capture {
            buf: buf.clone(),
            next: Default::default(),
        });
        buf
    })
    .clone()
}

struct Capture {
    buf: Arc<Mutex<String>>,
    next: std::sync::atomic::AtomicU64,
}

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, m: &tracing::Metadata<'_>) -> bool {
        *m.level() <= tracing::Level::DEBUG
    }
    fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut line = format!("span {}:", attrs.metadata().name());
        attrs.record(&mut Fields(&mut line));
        line.push('\n');
        self.buf.lock().unwrap().push_str(&line);
        tracing::span::Id::from_u64(
            1 + self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        )
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut line = String::from("span record:");
        values.record(&mut Fields(&mut line));
        line.push('\n');
        self.buf.lock().unwrap().push_str(&line);
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, e: &tracing::Event<'_>) {
        let mut line = format!("{} {}:", e.metadata().level(), e.metadata().target());
        e.record(&mut Fields(&mut line));
        line.push('\n');
        self.buf.lock().unwrap().push_str(&line);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

async fn a_secrets_values_stay_hidden_unless_a_cluster_admin_reveals_them() {
    let logs = captured_logs();
    let (tb, app, admin, base) = setup().await;
    let id: i64 = base.rsplit('/').next().unwrap().parse().unwrap();
    let ns = Namespace::create_in(&tb, "secrets");
    let n = ns.name();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    // kubectl apply keeps the manifest, stringData in clear, in the last-applied annotation.
    let value = unique_name("s3cr3t-value");
    apply(
        &tb,
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: db, namespace: {n}}}\ntype: Opaque\nstringData: {{password: {value}, user: app}}\n"
        ),
    );
    let secrets = format!("{base}/namespaces/{n}/secrets");
    let operator = app
        .user_token("sec-operator", &[Binding::global(Role::Operator)])
        .await;
    let cadmin = app
        .user_token("sec-cadmin", &[Binding::global(Role::ClusterAdmin)])
        .await;
    let mut planted = vec![value.clone()];
    let leaks = |text: &str, planted: &[String]| -> Option<String> {
        planted
            .iter()
            .flat_map(|v| [v.clone(), b64(v)])
            .find(|p| text.contains(p.as_str()))
    };

    // The list row: key names, never values.
    let list = eventually(
        "the Secret in its list",
        Duration::from_secs(30),
        || async {
            let l = get(
                &app,
                &format!("{base}/secrets?namespace={n}&name=db"),
                &admin,
            )
            .await;
            (row_in(&l.body, Some(n), "db").is_some()).then_some(l)
        },
    )
    .await;
    let row = row_in(&list.body, Some(n), "db").unwrap();
    assert_eq!(cell(&list.body, row, "keys"), "password,user");
    assert_eq!(cell(&list.body, row, "data"), "2");
    assert_eq!(leaks(&list.text, &planted), None, "list: {}", list.text);

    // The detail and the YAML, even for an admin, unless revealed.
    for token in [&admin, &operator, &cadmin] {
        let d = get(&app, &format!("{secrets}/db"), token).await;
        assert_eq!(d.status, StatusCode::OK, "{}", d.text);
        assert_eq!(d.body["redacted"], true);
        assert_eq!(
            d.body["object"]["data"]["password"],
            format!("<hidden: {} bytes>", value.len())
        );
        assert_eq!(leaks(&d.text, &planted), None, "detail: {}", d.text);
        let y = get(&app, &format!("{secrets}/db/yaml"), token).await;
        assert_eq!(y.status, StatusCode::OK, "{}", y.text);
        assert!(
            y.text.contains(&format!("<hidden: {} bytes>", value.len())),
            "{}",
            y.text
        );
        assert_eq!(leaks(&y.text, &planted), None, "YAML: {}", y.text);
    }
    // Revealing takes secret.read: an operator is refused.
    for p in [
        format!("{secrets}/db?reveal=true"),
        format!("{secrets}/db/yaml?reveal=true"),
    ] {
        let r = get(&app, &p, &operator).await;
        refused(
            &r,
            StatusCode::FORBIDDEN,
            "forbidden",
            "an operator reveals",
        );
        assert_eq!(leaks(&r.text, &planted), None, "{}", r.text);
    }
    // A cluster admin sees the value, and the reveal is audited without it.
    let r = get(&app, &format!("{secrets}/db?reveal=true"), &cadmin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["redacted"], false);
    assert_eq!(r.body["object"]["data"]["password"], b64(&value));
    assert!(
        leaks(&r.text, &planted).is_some(),
        "the leak check finds a value where there is one"
    );
    let y = get(&app, &format!("{secrets}/db/yaml?reveal=true"), &cadmin).await;
    assert!(y.text.contains(&b64(&value)), "{}", y.text);
    let audit = app.audit().await;
    let reveal = audit
        .iter()
        .find(|a| a.action == "secret.reveal" && a.username == "sec-cadmin")
        .unwrap_or_else(|| panic!("no secret.reveal row: {audit:?}"));
    assert_eq!(reveal.resource.as_deref(), Some("secrets/db"));
    assert_eq!(reveal.namespace.as_deref(), Some(n));
    assert_eq!(reveal.cluster_id, Some(id));
    assert!(
        reveal.detail.contains("password"),
        "the keys shown: {}",
        reveal.detail
    );

    // Writes of Secrets: created through the API, edited from the revealed object, dry-run: the answers and
    // their diffs hide the values (old and new).
    let created_value = unique_name("s3cr3t-created");
    let edited_value = unique_name("s3cr3t-edited");
    planted.extend([created_value.clone(), edited_value.clone()]);
    let r = post_yaml(
        &app,
        &format!("{secrets}?dry_run=true"),
        &cadmin,
        &format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: api-made}}\nstringData: {{token: {created_value}}}\n"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(leaks(&r.text, &planted), None, "dry-run create: {}", r.text);
    let r = post_yaml(
        &app,
        &secrets,
        &cadmin,
        &format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: api-made}}\nstringData: {{token: {created_value}}}\n"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(leaks(&r.text, &planted), None, "create: {}", r.text);
    assert_eq!(
        kubectl_field(&tb, "secret", Some(n), "api-made", "{.data.token}"),
        b64(&created_value)
    );
    let mut edited = get(&app, &format!("{secrets}/db?reveal=true"), &cadmin)
        .await
        .body["object"]
        .clone();
    edited["data"]["password"] = json!(b64(&edited_value));
    let r = put_json(
        &app,
        &format!("{secrets}/db?dry_run=true"),
        &cadmin,
        &edited,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["results"][0]["outcome"], "configured", "{}", r.text);
    assert_eq!(
        leaks(&r.text, &planted),
        None,
        "dry-run replace: {}",
        r.text
    );
    let r = put_json(&app, &format!("{secrets}/db"), &cadmin, &edited).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(leaks(&r.text, &planted), None, "replace: {}", r.text);
    assert_eq!(
        kubectl_field(&tb, "secret", Some(n), "db", "{.data.password}"),
        b64(&edited_value)
    );
    // The redacted object sent back is refused by the cluster, not stored over the values.
    let redacted = get(&app, &format!("{secrets}/db"), &cadmin).await.body["object"].clone();
    let r = put_json(&app, &format!("{secrets}/db"), &cadmin, &redacted).await;
    assert!(r.status.is_client_error(), "{}", r.text);
    assert_eq!(
        kubectl_field(&tb, "secret", Some(n), "db", "{.data.password}"),
        b64(&edited_value)
    );
    // A refused write whose error quotes the request (the cluster's decode errors show the bytes around the
    // fault): the caller sent the value, but it reaches neither the audit log nor the server's log (checked below).
    let echoed = unique_name("s3cr3t-echoed");
    planted.push(echoed.clone());
    let mut bad = get(&app, &format!("{secrets}/db?reveal=true"), &cadmin)
        .await
        .body["object"]
        .clone();
    bad["data"] = json!({"aaa": b64(&echoed), "bad": "!!not base64!!"});
    let r = put_json(&app, &format!("{secrets}/db"), &cadmin, &bad).await;
    assert!(r.status.is_client_error(), "{}", r.text);
    eprintln!("a refused Secret write answers: {}", r.text);
    assert_eq!(
        kubectl_field(&tb, "secret", Some(n), "db", "{.data.password}"),
        b64(&edited_value)
    );

    // The kube_object snapshot holds the row (keys only).
    let snap = eventually(
        "the Secret in the kube_object snapshot",
        Duration::from_secs(30),
        || async {
            let rows = app
                .state
                .store
                .object_snapshot(id, "secrets", Some(&[n.to_owned()]))
                .await
                .unwrap();
            let db = rows.iter().find(|r| r.name == "db")?;
            let made = rows.iter().find(|r| r.name == "api-made")?;
            db.row
                .contains("password")
                .then(|| format!("{}\n{}", db.row, made.row))
        },
    )
    .await;
    assert_eq!(leaks(&snap, &planted), None, "kube_object: {snap}");

    // The audit log: the writes are there, the values are not.
    let audit = app.audit().await;
    assert!(
        audit
            .iter()
            .any(|a| a.action.starts_with("secrets.") && a.username == "sec-cadmin"),
        "{audit:?}"
    );
    for a in &audit {
        let text = format!("{a:?}");
        assert_eq!(leaks(&text, &planted), None, "audit row: {text}");
    }
    // The server's log (every event and span of this process, DEBUG and above).
    let text = logs.lock().unwrap().clone();
    assert!(
        text.contains("request"),
        "the log capture saw the requests: {} bytes",
        text.len()
    );
    assert_eq!(leaks(&text, &planted), None, "server log");
    app.stop().await;
}
on_every_backend!(a_secrets_values_stay_hidden_unless_a_cluster_admin_reveals_them);

// ---- 8. wrong kinds and paths ----

async fn unknown_kinds_and_wrong_scopes_are_404() {
    let (tb, app, admin, base) = setup().await;
    let r = get(&app, &format!("{base}/widgets"), &admin).await;
    refused(&r, StatusCode::NOT_FOUND, "kind_unknown", "widgets");
    assert_eq!(r.body["params"]["kind"], "widgets");
    let r = get(
        &app,
        &format!("{base}/namespaces/default/widgets/w"),
        &admin,
    )
    .await;
    refused(&r, StatusCode::NOT_FOUND, "kind_unknown", "a widget");
    let r = post_yaml(
        &app,
        &format!("{base}/namespaces/default/widgets"),
        &admin,
        "apiVersion: v1\nkind: Widget\nmetadata: {name: w}\n",
    )
    .await;
    refused(
        &r,
        StatusCode::NOT_FOUND,
        "kind_unknown",
        "creating a widget",
    );
    // A namespaced kind by the cluster-scoped path, and a cluster-scoped kind in a namespace.
    let r = get(&app, &format!("{base}/configmaps/kube-root-ca.crt"), &admin).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert!(
        r.body["code"].is_string() && r.body["message"].as_str().unwrap().contains("namespaces"),
        "{}",
        r.text
    );
    let r = get(
        &app,
        &format!("{base}/namespaces/default/clusterroles"),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = get(
        &app,
        &format!("{base}/namespaces/default/storageclasses/x"),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    // The same object by the right path; a missing one is object_not_found.
    assert_eq!(
        get(
            &app,
            &format!("{base}/namespaces/default/configmaps/kube-root-ca.crt"),
            &admin
        )
        .await
        .status,
        StatusCode::OK
    );
    let r = get(
        &app,
        &format!(
            "{base}/namespaces/default/configmaps/{}",
            unique_name("nothing")
        ),
        &admin,
    )
    .await;
    refused(
        &r,
        StatusCode::NOT_FOUND,
        "object_not_found",
        "a missing object",
    );
    // A namespace filter on a cluster-scoped kind, an unknown filter, a bad sort: 400.
    let r = get(
        &app,
        &format!("{base}/clusterroles?namespace=default"),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = get(&app, &format!("{base}/configmaps?colour=blue"), &admin).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.body["field"], "colour", "{}", r.text);
    let r = get(&app, &format!("{base}/services?sort=-nonsense"), &admin).await;
    assert!(r.status.is_client_error(), "{}", r.text);
    // Kinds by plural.group, as kubectl names them; a known kind under another group is unknown.
    assert_eq!(
        get(
            &app,
            &format!("{base}/deployments.apps?namespace=default"),
            &admin
        )
        .await
        .status,
        StatusCode::OK
    );
    let r = get(&app, &format!("{base}/deployments.batch"), &admin).await;
    refused(
        &r,
        StatusCode::NOT_FOUND,
        "kind_unknown",
        "deployments.batch",
    );
    // Filters and paging on a real list: the kube-system ServiceAccounts, as kubectl counts them.
    let want = tb.kubectl_json(&["-n", "kube-system", "get", "serviceaccounts"])["items"]
        .as_array()
        .unwrap()
        .len();
    let l = get(
        &app,
        &format!("{base}/serviceaccounts?namespace=kube-system&page_size=2&sort=-name"),
        &admin,
    )
    .await;
    assert_eq!(l.status, StatusCode::OK, "{}", l.text);
    assert_eq!(l.body["total"], want, "{}", l.text);
    assert_eq!(l.body["items"].as_array().unwrap().len(), 2.min(want));
    let names: Vec<&str> = l.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted, "sorted by name, descending");
    app.stop().await;
}
on_one_backend!(unknown_kinds_and_wrong_scopes_are_404);

/// A replica without the cluster's lease runs no watchers: its lists of any kind come from the `kube_object`
/// snapshot the lease holder writes, change when the cluster does, and an empty kind is not stale.
async fn a_replica_that_does_not_sync_the_cluster_lists_every_kind_from_the_snapshot() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "objrepl");
    let n = ns.name();
    apply(
        &tb,
        &format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: seen-everywhere, namespace: {n}, labels: {{app: seen}}}}\ndata: {{a: \"1\"}}\n"),
    );
    let a = spawn_app().await;
    let admin = a.admin_token().await;
    let id = import_testbed(&a, &admin, &tb).await;
    // (every namespace also holds the cluster's kube-root-ca.crt ConfigMap: the label picks ours)
    let path = format!("/api/v1/k8s/cluster/{id}/namespaces/{n}/configmaps?label_selector=app%3Dseen");
    eventually("replica A to list the ConfigMap live", Duration::from_secs(30), || async {
        let l = a.get(&path, &admin).await.body;
        (l["source"] == "live" && l["total"] == 1).then_some(())
    })
    .await;
    let b = a.replica().await;
    let l = eventually("replica B to answer from the snapshot", Duration::from_secs(30), || async {
        let l = b.get(&path, &admin).await.body;
        (l["source"] == "snapshot" && l["total"] == 1).then_some(l)
    })
    .await;
    assert!(b.state.hub.get(id).is_none(), "B runs no watchers for A's cluster");
    assert_eq!(l["items"][0]["name"], "seen-everywhere");
    assert_eq!(l["items"][0]["cells"], json!(["1"]), "DATA: {l}");
    assert_eq!(l["stale"], false, "{l}");
    // a change the lease holder's watcher sees reaches the snapshot B answers from
    tb.kubectl_ok(&["-n", n, "label", "configmap", "seen-everywhere", "changed=yes"]);
    eventually("the change to reach the snapshot", Duration::from_secs(30), || async {
        let l = b.get(&format!("{path},changed%3Dyes"), &admin).await.body;
        (l["source"] == "snapshot" && l["total"] == 1).then_some(())
    })
    .await;
    // a kind watched continuously with nothing in this namespace: no rows to date it, and still not stale
    let empty = b.get(&format!("/api/v1/k8s/cluster/{id}/namespaces/{n}/deployments"), &admin).await.body;
    assert_eq!(empty["source"], "snapshot", "{empty}");
    assert_eq!(empty["total"], 0, "{empty}");
    assert_eq!(empty["stale"], false, "{empty}");
    // a kind watched only on first use, never used on the lease holder: nothing is known, and the list says so
    let unknown = b.get(&format!("/api/v1/k8s/cluster/{id}/namespaces/{n}/resourcequotas"), &admin).await.body;
    assert_eq!(unknown["total"], 0, "{unknown}");
    assert_eq!(unknown["stale"], true, "{unknown}");
    b.stop().await;
    a.stop().await;
}
on_one_backend!(a_replica_that_does_not_sync_the_cluster_lists_every_kind_from_the_snapshot);
