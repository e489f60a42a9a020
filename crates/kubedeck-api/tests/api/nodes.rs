//! Nodes against the testbed: inventory agrees with kubectl; cordon, drain, labels, taints and delete behave
//! as kubectl's commands would with the same options.

use crate::helpers::*;
use kubedeck_testbed::{Namespace, Testbed, unique_name};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

async fn imported(app: &TestApp, tb: &Testbed, admin: &str) -> i64 {
    let r = app
        .post(
            "/api/v1/k8s/cluster",
            admin,
            json!({"name": unique_name("nodes"), "credential": tb.admin_kubeconfig()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["cluster"]["id"].as_i64().unwrap();
    eventually(
        "the node store to sync",
        Duration::from_secs(30),
        || async {
            let l = app
                .get(
                    &format!("/api/v1/k8s/cluster/{id}/nodes?page_size=500"),
                    admin,
                )
                .await;
            (l.status == StatusCode::OK && l.body["source"] == "live").then_some(())
        },
    )
    .await;
    id
}

pub(crate) use kubedeck_testbed::{SimNode, own_taint, tolerate};

fn pods_on(tb: &Testbed, ns: &str, node: &str) -> Vec<Value> {
    let v = tb.kubectl_json(&[
        "-n",
        ns,
        "get",
        "pods",
        "-o",
        "json",
        "--field-selector",
        &format!("spec.nodeName={node}"),
    ]);
    v["items"].as_array().unwrap().clone()
}

async fn inventory_agrees_with_kubectl_and_filters_like_it() {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = imported(&app, &tb, &admin).await;
    // A node without a role label: kubectl's ROLES column says <none>, and so must the API.
    let bare = SimNode::add(&tb, "bare");
    tb.kubectl_ok(&[
        "label",
        "node",
        &bare.name,
        "node-role.kubernetes.io/worker-",
    ]);
    // kubectl's ROLES column, node by node.
    let kubectl_roles: std::collections::HashMap<String, String> = tb
        .kubectl_ok(&["get", "nodes", "--no-headers"])
        .lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.len() >= 3).then(|| (cols[0].to_owned(), cols[2].to_owned()))
        })
        .collect();
    assert_eq!(
        kubectl_roles.get(&bare.name).map(String::as_str),
        Some("<none>")
    );
    let kubectl = tb.kubectl_json(&["get", "nodes", "-o", "json"]);
    let items = kubectl["items"].as_array().unwrap();
    let node_names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["metadata"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = node_names(&kubectl);
    // Other tests add and remove their own simulated nodes meanwhile: every node kubectl shows both before and
    // after the list was read must be in it.
    let (list, stable) = eventually(
        "the list to hold every node kubectl shows",
        Duration::from_secs(30),
        || async {
            let l = app
                .get(
                    &format!("/api/v1/k8s/cluster/{id}/nodes?page_size=500"),
                    &admin,
                )
                .await
                .body;
            let after = node_names(&tb.kubectl_json(&["get", "nodes", "-o", "json"]));
            let stable: Vec<String> = before
                .iter()
                .filter(|n| after.contains(n))
                .cloned()
                .collect();
            let listed: Vec<&str> = l["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|n| n["name"].as_str())
                .collect();
            stable
                .iter()
                .all(|n| listed.contains(&n.as_str()))
                .then_some((l, stable))
        },
    )
    .await;
    assert!(
        stable.len() >= 8,
        "the testbed's 3 masters and 5 workers: {stable:?}"
    );
    let mut checked_bare = false;
    for k in items {
        let name = k["metadata"]["name"].as_str().unwrap();
        if !stable.iter().any(|s| s == name) {
            continue; // another test's node, added or removed while this one read the list
        }
        // Another test's own node (the same test on another database included) changes under that test's hands
        // (its labels, taints, cordon) between kubectl's read and the API's: only this test's node and the
        // testbed's fleet hold still.
        if k["metadata"]["labels"].get("kubedeck.test/node").is_some() && name != bare.name {
            continue;
        }
        let n = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["name"] == name)
            .unwrap_or_else(|| panic!("node {name} is missing from the API's list"));
        let ready = k["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == "Ready")
            .unwrap();
        let want_status = match ready["status"].as_str().unwrap() {
            "True" => "Ready",
            "False" => "NotReady",
            _ => "Unknown",
        };
        assert_eq!(n["status"], want_status, "{name}");
        let ip = k["status"]["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["type"] == "InternalIP")
            .unwrap()["address"]
            .clone();
        assert_eq!(n["internal_ip"], ip, "{name}");
        assert_eq!(
            n["kubelet_version"], k["status"]["nodeInfo"]["kubeletVersion"],
            "{name}"
        );
        assert_eq!(n["os_image"], k["status"]["nodeInfo"]["osImage"], "{name}");
        assert_eq!(
            n["kernel_version"], k["status"]["nodeInfo"]["kernelVersion"],
            "{name}"
        );
        assert_eq!(
            n["container_runtime"], k["status"]["nodeInfo"]["containerRuntimeVersion"],
            "{name}"
        );
        assert_eq!(
            n["allocatable"]["cpu"], k["status"]["allocatable"]["cpu"],
            "{name}"
        );
        assert_eq!(
            n["capacity"]["memory"], k["status"]["capacity"]["memory"],
            "{name}"
        );
        assert_eq!(n["labels"], k["metadata"]["labels"], "{name}");
        assert_eq!(
            n["schedulable"],
            !k["spec"]["unschedulable"].as_bool().unwrap_or(false),
            "{name}"
        );
        let is_master = k["metadata"]["labels"]
            .get("node-role.kubernetes.io/master")
            .is_some()
            || k["metadata"]["labels"]
                .get("node-role.kubernetes.io/control-plane")
                .is_some();
        // `role` is the class the counts use (master, or worker for every other node, labelled or not);
        // `roles` is what the cluster says, as kubectl's ROLES column.
        assert_eq!(
            n["role"],
            if is_master { "master" } else { "worker" },
            "{name}"
        );
        let roles: Vec<&str> = n["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        let shown = if roles.is_empty() {
            "<none>".to_owned()
        } else {
            roles.join(",")
        };
        // (another test's node may change its labels meanwhile: only ours and the testbed's are compared)
        let others =
            k["metadata"]["labels"].get("kubedeck.test/node").is_some() && name != bare.name;
        if let Some(want) = kubectl_roles.get(name).filter(|_| !others) {
            assert_eq!(&shown, want, "{name}: roles as kubectl's ROLES column");
        }
        if name == bare.name {
            assert!(roles.is_empty(), "{name} has no role label: {roles:?}");
            checked_bare = true;
        }
    }
    assert!(checked_bare, "the node without a role label was compared");
    // Filters: role and a label selector, like `kubectl get nodes -l`.
    let masters = app
        .get(
            &format!("/api/v1/k8s/cluster/{id}/nodes?role=master"),
            &admin,
        )
        .await
        .body;
    let kubectl_masters = tb.kubectl_json(&[
        "get",
        "nodes",
        "-l",
        "node-role.kubernetes.io/master",
        "-o",
        "json",
    ]);
    assert_eq!(
        masters["total"].as_u64(),
        Some(kubectl_masters["items"].as_array().unwrap().len() as u64)
    );
    let sel = "node-role.kubernetes.io/master,kubernetes.io/os=linux";
    let by_label = app
        .get(
            &format!("/api/v1/k8s/cluster/{id}/nodes?label_selector={}", enc(sel)),
            &admin,
        )
        .await
        .body;
    let kubectl_sel = tb.kubectl_json(&["get", "nodes", "-l", sel, "-o", "json"]);
    assert_eq!(
        by_label["total"].as_u64(),
        Some(kubectl_sel["items"].as_array().unwrap().len() as u64),
        "{by_label}"
    );
    let sorted = app
        .get(
            &format!("/api/v1/k8s/cluster/{id}/nodes?sort=-name&page_size=2"),
            &admin,
        )
        .await
        .body;
    let names: Vec<&str> = sorted["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert!(names[0] > names[1], "{names:?}");
    // Bad input.
    let bad = app
        .get(
            &format!(
                "/api/v1/k8s/cluster/{id}/nodes?label_selector={}",
                enc("app in (a")
            ),
            &admin,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["field"], "label_selector");
    assert_eq!(bad.body["code"], "invalid_selector");
    assert_eq!(
        bad.body["params"]["rule"], "unbalanced_open",
        "{}",
        bad.body
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/k8s/cluster/{id}/nodes?sort=bogus"),
            &admin
        )
        .await
        .body["field"],
        "sort"
    );
    assert_eq!(
        app.get("/api/v1/k8s/cluster/999999/nodes", &admin)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/k8s/cluster/{id}/nodes/no-such-node"),
            &admin
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // The list carries each reporting node's current usage once the collector has sampled it.
    eventually(
        "current usage in the node list",
        Duration::from_secs(60),
        || async {
            let l = app
                .get(
                    &format!("/api/v1/k8s/cluster/{id}/nodes?status=Ready&page_size=500"),
                    &admin,
                )
                .await
                .body;
            l["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["metrics"]["cpu_usage"].is_number())
                .then_some(())
        },
    )
    .await;
    // The snapshot table is written by the sync.
    let diff = app
        .request(
            "POST",
            &format!("/api/v1/k8s/cluster/{id}/nodes/sync"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(diff.status, StatusCode::OK, "{}", diff.body);
    // Every node that stayed throughout is in the snapshot, and the snapshot is what the sync reported.
    let snapshot: Vec<String> = app
        .state
        .store
        .node_snapshot(id)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.name)
        .collect();
    assert_eq!(diff.body["total"].as_u64(), Some(snapshot.len() as u64));
    // (other tests, this one run on other backends among them, remove their nodes meanwhile)
    let still = node_names(&tb.kubectl_json(&["get", "nodes", "-o", "json"]));
    for name in stable.iter().filter(|n| still.contains(n)) {
        assert!(
            snapshot.contains(name),
            "node {name} is missing from the snapshot"
        );
    }
    app.stop().await;
}
on_every_backend!(inventory_agrees_with_kubectl_and_filters_like_it);

async fn cordon_uncordon_labels_and_taints_are_seen_by_kubectl_and_the_scheduler() {
    let tb = Testbed::from_env();
    let node = SimNode::add(&tb, "edit");
    let ns = Namespace::create_in(&tb, "taints");
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = imported(&app, &tb, &admin).await;
    let base = format!("/api/v1/k8s/cluster/{id}/nodes/{}", node.name);
    let unschedulable = || {
        String::from_utf8_lossy(
            &tb.kubectl(&[
                "get",
                "node",
                &node.name,
                "-o",
                "jsonpath={.spec.unschedulable}",
            ])
            .stdout,
        )
        .to_string()
    };

    let r = app
        .request("POST", &format!("{base}/cordon"), Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["schedulable"], false);
    assert_eq!(
        unschedulable(),
        "true",
        "kubectl get node shows SchedulingDisabled"
    );
    let r = app
        .request("POST", &format!("{base}/uncordon"), Some(&admin), None)
        .await;
    assert_eq!(r.body["schedulable"], true);
    assert_eq!(unschedulable(), "");

    // Labels: add one, kubectl sees it; bad keys, protected keys and stale versions are refused.
    let r = app
        .request(
            "PUT",
            &format!("{base}/labels"),
            Some(&admin),
            Some(json!({"labels": {"team": "payments"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rv = r.body["resource_version"].as_str().unwrap().to_owned();
    assert_eq!(
        tb.kubectl_ok(&[
            "get",
            "node",
            &node.name,
            "-o",
            "jsonpath={.metadata.labels.team}"
        ]),
        "payments"
    );
    let bad = app
        .request(
            "PUT",
            &format!("{base}/labels"),
            Some(&admin),
            Some(json!({"labels": {"-bad key": "x"}})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["field"], "labels.-bad key");
    let protected = app
        .request(
            "PUT",
            &format!("{base}/labels"),
            Some(&admin),
            Some(json!({"remove": ["kubernetes.io/hostname"]})),
        )
        .await;
    assert_eq!(
        protected.status,
        StatusCode::BAD_REQUEST,
        "{}",
        protected.body
    );
    assert!(
        protected.body["message"]
            .as_str()
            .unwrap()
            .contains("force")
    );
    tb.kubectl_ok(&["label", "node", &node.name, "concurrent=change"]);
    let stale = app
        .request(
            "PUT",
            &format!("{base}/labels"),
            Some(&admin),
            Some(json!({"labels": {"team": "search"}, "resource_version": rv})),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(
        tb.kubectl_ok(&[
            "get",
            "node",
            &node.name,
            "-o",
            "jsonpath={.metadata.labels.team}"
        ]),
        "payments",
        "the stale write changed nothing"
    );
    let removed = app
        .request(
            "PUT",
            &format!("{base}/labels"),
            Some(&admin),
            Some(json!({"remove": ["team", "concurrent"]})),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK);
    assert!(removed.body["labels"].get("team").is_none());

    // Taints: an unknown effect is refused; a NoSchedule taint keeps a new pod away (it stays Pending).
    let bad = app
        .request(
            "PUT",
            &format!("{base}/taints"),
            Some(&admin),
            Some(json!({"taints": [{"key": "x", "effect": "NoWay"}]})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["field"], "taints[0].effect");
    let r = app
        .request(
            "PUT",
            &format!("{base}/taints"),
            Some(&admin),
            Some(json!({"taints": [own_taint(&node.name), {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        tb.kubectl_ok(&[
            "get",
            "node",
            &node.name,
            "-o",
            "jsonpath={.spec.taints[*].key}"
        ]),
        "kubedeck.test/node dedicated"
    );
    let pod = unique_name("pinned");
    apply(
        &tb,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {pod}, namespace: {}}}\nspec:\n  nodeSelector: {{kubedeck.test/node: {}}}\n  {}\n  containers: [{{name: c, image: nginx}}]\n",
            ns.name(),
            node.name,
            tolerate(&node.name)
        ),
    );
    kubedeck_testbed::wait_until(
        "the scheduler to refuse the tainted node",
        Duration::from_secs(30),
        || {
            let v = tb.kubectl_json(&["-n", ns.name(), "get", "pod", &pod, "-o", "json"]);
            let unschedulable = v["status"]["conditions"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| c["reason"] == "Unschedulable"));
            (unschedulable && v["spec"]["nodeName"].is_null()).then_some(())
        },
    );
    let r = app
        .request(
            "PUT",
            &format!("{base}/taints"),
            Some(&admin),
            Some(json!({"remove": [{"key": "dedicated"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    kubedeck_testbed::wait_until(
        "the pod to schedule once the taint is gone",
        Duration::from_secs(60),
        || {
            let v = tb.kubectl_json(&["-n", ns.name(), "get", "pod", &pod, "-o", "json"]);
            (v["spec"]["nodeName"] == node.name.as_str()).then_some(())
        },
    );
    // The audit log names each operation and the node.
    let audit = app.audit().await;
    for action in ["node.cordon", "node.uncordon", "node.labels", "node.taints"] {
        assert!(
            audit.iter().any(|a| a.action == action
                && a.resource.as_deref() == Some(&format!("nodes/{}", node.name))),
            "{action} not audited"
        );
    }
    app.stop().await;
}
on_every_backend!(cordon_uncordon_labels_and_taints_are_seen_by_kubectl_and_the_scheduler);

async fn drain_behaves_like_kubectl_drain() {
    let tb = Testbed::from_env();
    let node = SimNode::add(&tb, "drain");
    let ns = Namespace::create_in(&tb, "drain");
    let n = ns.name();
    let target = node.name.clone();
    // Deployment pods prefer the new node; a PDB protects one of them; a bare pod and a DaemonSet pod sit on it.
    let affinity = format!(
        "affinity: {{nodeAffinity: {{preferredDuringSchedulingIgnoredDuringExecution: [{{weight: 100, preference: {{matchExpressions: [{{key: kubedeck.test/node, operator: In, values: [{target}]}}]}}}}]}}}}\n      {}",
        tolerate(&target)
    );
    let toleration = tolerate(&target);
    apply(
        &tb,
        &format!(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {n}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      {affinity}
      containers: [{{name: c, image: nginx}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: guarded, namespace: {n}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: guarded}}}}
  template:
    metadata: {{labels: {{app: guarded}}}}
    spec:
      {affinity}
      containers: [{{name: c, image: nginx}}]
---
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {{name: guarded, namespace: {n}}}
spec:
  minAvailable: 1
  selector: {{matchLabels: {{app: guarded}}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: agent, namespace: {n}}}
spec:
  selector: {{matchLabels: {{app: agent}}}}
  template:
    metadata: {{labels: {{app: agent}}}}
    spec:
      nodeSelector: {{kubedeck.test/node: {target}}}
      {toleration}
      containers: [{{name: c, image: agent}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: bare, namespace: {n}}}
spec:
  nodeName: {target}
  containers: [{{name: c, image: busybox}}]
"#
        ),
    );
    kubedeck_testbed::wait_until(
        "the workloads to run on the node",
        Duration::from_secs(90),
        || {
            let pods = pods_on(&tb, n, &target);
            let running = |prefix: &str| {
                pods.iter().any(|p| {
                    p["metadata"]["name"].as_str().unwrap().starts_with(prefix)
                        && p["status"]["phase"] == "Running"
                })
            };
            (running("web-") && running("guarded-") && running("agent-") && running("bare"))
                .then_some(())
        },
    );
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = imported(&app, &tb, &admin).await;
    let drain = format!("/api/v1/k8s/cluster/{id}/nodes/{target}/drain");

    // `kubectl drain NODE` without flags refuses because of the DaemonSet pod and the bare pod: nothing changes.
    let refused = app.post(&drain, &admin, json!({})).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(refused.body["code"], "drain_blocked");
    let msg = refused.body["message"].as_str().unwrap();
    assert!(
        msg.contains("agent-") && msg.contains("DaemonSet") && msg.contains("bare"),
        "{msg}"
    );
    assert_eq!(
        tb.kubectl_ok(&[
            "get",
            "node",
            &target,
            "-o",
            "jsonpath={.spec.unschedulable}"
        ]),
        "",
        "a refused drain cordoned the node"
    );

    // `--dry-run --ignore-daemonsets --force`: the plan, still nothing changed.
    let opts = json!({"ignore_daemonsets": true, "force": true, "dry_run": true});
    let dry = app.post(&drain, &admin, opts).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
    // The version comes from the cluster's discovery, as kubectl's own answer shows; not from the fallback
    // the server would use if discovery failed (which would say so).
    let discovered: Value =
        serde_json::from_str(&tb.kubectl_ok(&["get", "--raw", "/api/v1"])).unwrap();
    let eviction = discovered["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "pods/eviction")
        .expect("the testbed lists pods/eviction");
    assert_eq!(
        dry.body["eviction_api"],
        format!(
            "{}/{}",
            eviction["group"].as_str().unwrap(),
            eviction["version"].as_str().unwrap()
        ),
        "{}",
        dry.body
    );
    assert_eq!(
        dry.body["eviction_api"], "policy/v1beta1",
        "a v1.20 cluster evicts through policy/v1beta1"
    );
    assert_eq!(
        dry.body["eviction_api_source"], "discovery",
        "discovery answered: {}",
        dry.body
    );
    assert!(dry.body.get("discovery_error").is_none(), "{}", dry.body);
    let verdict = |name: &str| {
        dry.body["plan"]["pods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"].as_str().unwrap().starts_with(name))
            .unwrap()["verdict"]
            .clone()
    };
    assert_eq!(verdict("agent-"), "skip");
    assert_eq!(verdict("bare"), "evict");
    assert_eq!(verdict("web-"), "evict");
    assert_eq!(
        tb.kubectl_ok(&[
            "get",
            "node",
            &target,
            "-o",
            "jsonpath={.spec.unschedulable}"
        ]),
        ""
    );

    // `kubectl drain --ignore-daemonsets --force --timeout=20s`: the PDB keeps `guarded` until the timeout.
    let started = app
        .post(
            &drain,
            &admin,
            json!({"ignore_daemonsets": true, "force": true, "timeout_seconds": 20}),
        )
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    let task = started.body["task_id"].as_i64().unwrap();
    let done = eventually(
        "the first drain to end",
        Duration::from_secs(60),
        || async {
            let t = app.get(&format!("/api/v1/tasks/{task}"), &admin).await.body;
            t["finished_at"].is_string().then_some(t)
        },
    )
    .await;
    assert_eq!(done["status"], "failed", "{done}");
    assert!(
        done["error"].as_str().unwrap().contains("guarded-"),
        "{done}"
    );
    let state_of = |t: &Value, prefix: &str| {
        t["progress"]["pods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"].as_str().unwrap().starts_with(prefix))
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state_of(&done, "guarded-"), "blocked_by_pdb", "{done}");
    assert_eq!(state_of(&done, "bare"), "deleted");
    assert_eq!(state_of(&done, "web-"), "deleted");
    assert_eq!(
        tb.kubectl_ok(&[
            "get",
            "node",
            &target,
            "-o",
            "jsonpath={.spec.unschedulable}"
        ]),
        "true",
        "the node stays cordoned"
    );
    assert!(
        !tb.kubectl(&["-n", n, "get", "pod", "bare"])
            .status
            .success(),
        "the bare pod is gone for good"
    );
    // The Deployment's pods run elsewhere now.
    kubedeck_testbed::wait_until(
        "web pods to run on other nodes",
        Duration::from_secs(90),
        || {
            let v = tb.kubectl_json(&["-n", n, "get", "pods", "-l", "app=web", "-o", "json"]);
            let items = v["items"].as_array().unwrap();
            let ok = items
                .iter()
                .filter(|p| {
                    p["status"]["phase"] == "Running"
                        && p["spec"]["nodeName"] != target.as_str()
                        && p["metadata"]["deletionTimestamp"].is_null()
                })
                .count();
            (ok == 2).then_some(())
        },
    );

    // A drain stuck on the PDB can be cancelled (like ^C on kubectl drain): it ends as cancelled, cordon kept.
    let stuck = app
        .post(
            &drain,
            &admin,
            json!({"ignore_daemonsets": true, "force": true, "timeout_seconds": 300}),
        )
        .await;
    let stuck_id = stuck.body["task_id"].as_i64().unwrap();
    eventually(
        "the drain to wait on the PDB",
        Duration::from_secs(30),
        || async {
            let t = app
                .get(&format!("/api/v1/tasks/{stuck_id}"), &admin)
                .await
                .body;
            (state_of(&t, "guarded-") == "blocked_by_pdb").then_some(())
        },
    )
    .await;
    let cancel = app
        .request(
            "POST",
            &format!("/api/v1/tasks/{stuck_id}/cancel"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.body);
    let cancelled = eventually("the drain to stop", Duration::from_secs(30), || async {
        let t = app
            .get(&format!("/api/v1/tasks/{stuck_id}"), &admin)
            .await
            .body;
        t["finished_at"].is_string().then_some(t)
    })
    .await;
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    assert_eq!(
        app.request(
            "POST",
            &format!("/api/v1/tasks/{stuck_id}/cancel"),
            Some(&admin),
            None
        )
        .await
        .status,
        StatusCode::CONFLICT
    );

    // Without the PDB the same drain finishes; the DaemonSet pod stays (ignored), as kubectl leaves it.
    tb.kubectl_ok(&["-n", n, "delete", "pdb", "guarded"]);
    let again = app
        .post(
            &drain,
            &admin,
            json!({"ignore_daemonsets": true, "force": true, "timeout_seconds": 60}),
        )
        .await;
    let task = again.body["task_id"].as_i64().unwrap();
    // The live stream carries the task as it changes (Server-Sent Events).
    let mut stream = app
        .http
        .get(format!("{}/api/v1/tasks/{task}/events", app.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let first = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let first = String::from_utf8_lossy(&first).to_string();
    assert!(
        first.contains("event: task") && first.contains("node.drain"),
        "{first}"
    );
    drop(stream);
    let done = eventually(
        "the second drain to end",
        Duration::from_secs(90),
        || async {
            let t = app.get(&format!("/api/v1/tasks/{task}"), &admin).await.body;
            t["finished_at"].is_string().then_some(t)
        },
    )
    .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    let left = pods_on(&tb, n, &target);
    assert!(
        left.iter().all(|p| p["metadata"]["name"]
            .as_str()
            .unwrap()
            .starts_with("agent-")),
        "{left:?}"
    );
    assert!(!left.is_empty(), "the DaemonSet pod was left alone");

    // The node's pod list shows what is left on it, as kubectl does.
    let detail = app
        .get(&format!("/api/v1/k8s/cluster/{id}/nodes/{target}"), &admin)
        .await
        .body;
    let left_list = app
        .get(
            &format!("/api/v1/k8s/cluster/{id}/pods?node={target}&namespace={n}&page_size=500"),
            &admin,
        )
        .await
        .body;
    let on_node: Vec<&str> = left_list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["namespace"] == n)
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        !on_node.is_empty() && on_node.iter().all(|p| p.starts_with("agent-")),
        "{on_node:?}"
    );
    assert_eq!(detail["node"]["schedulable"], false);

    // Draining a node that does not exist is a clear 404.
    let missing = app
        .post(
            &format!(
                "/api/v1/k8s/cluster/{id}/nodes/nope-{}/drain",
                unique_name("x")
            ),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    app.stop().await;
}
on_every_backend!(drain_behaves_like_kubectl_drain);

async fn deleting_a_node_with_workload_pods_needs_force() {
    let tb = Testbed::from_env();
    let node = SimNode::add(&tb, "delete");
    let ns = Namespace::create_in(&tb, "delnode");
    apply(
        &tb,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: lonely, namespace: {}}}\nspec:\n  nodeName: {}\n  containers: [{{name: c, image: busybox}}]\n",
            ns.name(),
            node.name
        ),
    );
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = imported(&app, &tb, &admin).await;
    let path = format!("/api/v1/k8s/cluster/{id}/nodes/{}", node.name);
    let refused = app.request("DELETE", &path, Some(&admin), None).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body["message"].as_str().unwrap().contains("lonely"));
    assert!(
        tb.kubectl(&["get", "node", &node.name]).status.success(),
        "the refused delete removed the node"
    );
    let forced = app
        .request("DELETE", &format!("{path}?force=true"), Some(&admin), None)
        .await;
    assert_eq!(forced.status, StatusCode::OK, "{}", forced.body);
    assert_eq!(forced.body["pods_left"][0], format!("{}/lonely", ns.name()));
    assert!(
        !tb.kubectl(&["get", "node", &node.name]).status.success(),
        "kubectl still sees the node"
    );
    app.stop().await;
}
on_every_backend!(deleting_a_node_with_workload_pods_needs_force);

/// Plays the kubelet's node status heartbeat on `node` about every 300 ms until dropped (a status-only write,
/// as the kubelet's: the node's resourceVersion changes, its labels and taints do not); counts its writes.
struct Heartbeats {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    beats: std::sync::Arc<std::sync::atomic::AtomicU32>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Heartbeats {
    fn start(node: &str) -> Self {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let beats = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let (s, b, node) = (stop.clone(), beats.clone(), node.to_owned());
        let thread = std::thread::spawn(move || {
            let tb = Testbed::from_env();
            while !s.load(Ordering::Relaxed) {
                let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                let patch = json!({"status": {"conditions": [{"type": "Ready", "lastHeartbeatTime": now}]}});
                let out = tb.kubectl(&[
                    "patch",
                    "node",
                    &node,
                    "--subresource=status",
                    "-p",
                    &patch.to_string(),
                ]);
                if out.status.success() {
                    b.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(300));
            }
        });
        Heartbeats {
            stop,
            beats,
            thread: Some(thread),
        }
    }

    fn count(&self) -> u32 {
        self.beats.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Drop for Heartbeats {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn label_and_taint_saves_survive_heartbeats_and_name_a_concurrent_change() {
    let tb = Testbed::from_env();
    let node = SimNode::add(&tb, "beats");
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = imported(&app, &tb, &admin).await;
    let base = format!("/api/v1/k8s/cluster/{id}/nodes/{}", node.name);
    let rv_now = || {
        tb.kubectl_ok(&[
            "get",
            "node",
            &node.name,
            "-o",
            "jsonpath={.metadata.resourceVersion}",
        ])
    };

    // What the console shows: the node as the server lists it; saves are based on that view while the
    // kubelet's heartbeats keep changing the node's resourceVersion underneath.
    let view = eventually("the node in the list", Duration::from_secs(30), || async {
        let r = app.get(&base, &admin).await;
        (r.status == StatusCode::OK).then_some(r.body["node"].clone())
    })
    .await;
    let mut labels: Value = view["labels"].clone();
    let mut taints: Value = view["taints"].clone();
    let mut view_rv = view["resource_version"].as_str().unwrap().to_owned();
    let beats = Heartbeats::start(&node.name);
    let (mut saves, mut outdated) = (0, 0);
    let started = std::time::Instant::now();
    // 20 s, and longer on a loaded machine (heartbeats and saves slow down alike) until the race has happened
    // often enough to count, at most 90 s
    while (started.elapsed() < Duration::from_secs(20) || beats.count() < 10 || outdated < 5)
        && started.elapsed() < Duration::from_secs(90)
    {
        tokio::time::sleep(Duration::from_millis(400)).await;
        if rv_now().trim() != view_rv {
            outdated += 1;
        }
        let r = if saves % 2 == 0 {
            let mut next = labels.clone();
            next["kubedeck.test/saved"] = json!(format!("n{saves}"));
            app.request(
                "PUT",
                &format!("{base}/labels"),
                Some(&admin),
                Some(json!({"mode": "replace", "labels": next, "expected": labels})),
            )
            .await
        } else {
            let mut next: Vec<Value> = taints
                .as_array()
                .unwrap()
                .iter()
                .filter(|t| t["key"] != "kubedeck.test/saved")
                .cloned()
                .collect();
            next.push(json!({"key": "kubedeck.test/saved", "value": format!("n{saves}"), "effect": "PreferNoSchedule"}));
            app.request(
                "PUT",
                &format!("{base}/taints"),
                Some(&admin),
                Some(json!({"mode": "replace", "taints": next, "expected": taints})),
            )
            .await
        };
        assert_eq!(
            r.status,
            StatusCode::OK,
            "save {saves} (view {view_rv}, node now {}) failed: {}",
            rv_now(),
            r.body
        );
        labels = r.body["labels"].clone();
        taints = r.body["taints"].clone();
        view_rv = r.body["resource_version"].as_str().unwrap().to_owned();
        saves += 1;
    }
    // A save with no change succeeds too, on a view the heartbeats outdated.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let same = app
        .request(
            "PUT",
            &format!("{base}/labels"),
            Some(&admin),
            Some(json!({"mode": "replace", "labels": labels, "expected": labels})),
        )
        .await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    let beat = beats.count();
    drop(beats);
    // The race must really have happened: saves made on a view the heartbeats had already outdated (each one
    // succeeded above). How many of them is up to the machine's load (CI once saw 15 of 39), not the product.
    assert!(
        beat >= 10 && outdated >= 5,
        "the saves raced heartbeats: {beat} heartbeats, {outdated} of {saves} saves on an outdated resourceVersion"
    );
    let last = format!("n{}", (saves - 1) / 2 * 2);
    assert_eq!(
        tb.kubectl_ok(&[
            "get",
            "node",
            &node.name,
            "-o",
            "jsonpath={.metadata.labels.kubedeck\\.test/saved}"
        ]),
        last,
        "kubectl sees the last label save"
    );

    // A concurrent change to the labels still fails a save based on the old view: 409 naming it.
    tb.kubectl_ok(&["label", "node", &node.name, "kubedeck.test/other=change"]);
    let mut next = labels.clone();
    next["team"] = json!("payments");
    let stale = app
        .request(
            "PUT",
            &format!("{base}/labels"),
            Some(&admin),
            Some(json!({"mode": "replace", "labels": next, "expected": labels})),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(stale.body["code"], "labels_changed", "{}", stale.body);
    assert_eq!(stale.body["current"]["kubedeck.test/other"], "change");
    assert!(
        stale.body["message"]
            .as_str()
            .unwrap()
            .contains("kubedeck.test/other=change"),
        "{}",
        stale.body
    );
    assert_eq!(
        tb.kubectl_ok(&[
            "get",
            "node",
            &node.name,
            "-o",
            "jsonpath={.metadata.labels.team}"
        ]),
        "",
        "the refused save changed nothing"
    );
    // A patch of another key is not about the concurrent change: it applies and keeps it.
    let patched = app
        .request(
            "PUT",
            &format!("{base}/labels"),
            Some(&admin),
            Some(json!({"labels": {"team": "payments"}, "expected": labels})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(patched.body["labels"]["kubedeck.test/other"], "change");
    assert_eq!(patched.body["labels"]["team"], "payments");

    // The same for taints.
    tb.kubectl_ok(&[
        "taint",
        "node",
        &node.name,
        "kubedeck.test/other=change:PreferNoSchedule",
    ]);
    let stale = app
        .request(
            "PUT",
            &format!("{base}/taints"),
            Some(&admin),
            Some(json!({"mode": "replace", "taints": taints, "expected": taints})),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(stale.body["code"], "taints_changed", "{}", stale.body);
    assert!(
        stale.body["current"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["key"] == "kubedeck.test/other"),
        "{}",
        stale.body
    );
    assert!(
        stale.body["message"]
            .as_str()
            .unwrap()
            .contains("kubedeck.test/other=change:PreferNoSchedule"),
        "{}",
        stale.body
    );
    assert!(
        tb.kubectl_ok(&[
            "get",
            "node",
            &node.name,
            "-o",
            "jsonpath={.spec.taints[*].key}"
        ])
        .contains("kubedeck.test/other"),
        "the refused save removed nothing"
    );
    app.stop().await;
}
on_every_backend!(label_and_taint_saves_survive_heartbeats_and_name_a_concurrent_change);

/// `kubectl create -f` of a `List` of `items` (one file, so hundreds of pods cost one kubectl run).
fn create_list(tb: &Testbed, items: Vec<Value>) {
    let path = std::env::temp_dir().join(format!("{}.json", unique_name("list")));
    std::fs::write(
        &path,
        json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string(),
    )
    .unwrap();
    let out = tb.kubectl(&["create", "-f", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "kubectl create: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// kubectl's own count of the pods on `node` (all namespaces), per phase, their `namespace/name`s and how many
/// of them a DaemonSet runs (the testbed's own DaemonSets put a pod on every node, this test's too).
fn kubectl_pods_on(
    tb: &Testbed,
    node: &str,
) -> (std::collections::BTreeMap<String, u64>, Vec<String>, u64) {
    let v = tb.kubectl_json(&[
        "get",
        "pods",
        "-A",
        "-o",
        "json",
        "--field-selector",
        &format!("spec.nodeName={node}"),
    ]);
    let mut phases = std::collections::BTreeMap::new();
    let mut names = Vec::new();
    let mut daemons = 0;
    for p in v["items"].as_array().unwrap() {
        if p["metadata"]["ownerReferences"][0]["kind"] == "DaemonSet" {
            daemons += 1;
        }
        *phases
            .entry(
                p["status"]["phase"]
                    .as_str()
                    .unwrap_or("Pending")
                    .to_owned(),
            )
            .or_default() += 1;
        names.push(format!(
            "{}/{}",
            p["metadata"]["namespace"].as_str().unwrap(),
            p["metadata"]["name"].as_str().unwrap()
        ));
    }
    names.sort();
    (phases, names, daemons)
}

async fn a_node_with_many_pods_counts_them_pages_them_and_summarises_its_drain() {
    const BARE: usize = 240;
    let tb = Testbed::from_env();
    let node = SimNode::add(&tb, "crowd");
    let ns = Namespace::create_in(&tb, "crowd");
    let (n, target) = (ns.name(), node.name.as_str());
    let toleration = json!([{"key": "kubedeck.test/node", "operator": "Equal", "value": target, "effect": "NoSchedule"}]);
    // A DaemonSet pod (refused without --ignore-daemonsets) and three emptyDir pods of a Deployment (refused
    // without --delete-emptydir-data) first, while the scheduler still finds room (110 pods a node); then bare
    // pods bound to the node directly (refused without --force), past what the scheduler would place.
    let template = |app: &str, volumes: Value| {
        json!({"metadata": {"labels": {"app": app}},
            "spec": {"nodeSelector": {"kubedeck.test/node": target}, "tolerations": toleration, "volumes": volumes,
                     "containers": [{"name": "c", "image": app}]}})
    };
    create_list(
        &tb,
        vec![
            json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": n},
                "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": template("agent", json!([]))}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "cache", "namespace": n},
                "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "cache"}},
                         "template": template("cache", json!([{"name": "scratch", "emptyDir": {}}]))}}),
        ],
    );
    let running = |want: usize| {
        // `want` pods of this test's namespace, and every pod on the node (the testbed's DaemonSets too) Running
        let (phases, names, _) = kubectl_pods_on(&tb, target);
        let mine = names
            .iter()
            .filter(|p| p.starts_with(&format!("{n}/")))
            .count();
        (mine == want && phases.get("Running") == Some(&(names.len() as u64))).then_some(())
    };
    kubedeck_testbed::wait_until(
        "the DaemonSet and Deployment pods to run",
        Duration::from_secs(120),
        || running(4),
    );
    create_list(
        &tb,
        (0..BARE)
            .map(|i| {
                json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": format!("bare-{i:03}"), "namespace": n, "labels": {"app": "crowd"}},
                    "spec": {"nodeName": target, "tolerations": toleration, "containers": [{"name": "c", "image": "busybox"}]}})
            })
            .collect(),
    );
    let mine = BARE + 4;
    kubedeck_testbed::wait_until(
        "every pod to run on the node",
        Duration::from_secs(180),
        || running(mine),
    );
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = imported(&app, &tb, &admin).await;

    // The detail carries counts, not the pods: the same counts as kubectl's, per phase.
    let (phases, names, daemons) = kubectl_pods_on(&tb, target);
    let expected = names.len();
    assert!(
        expected >= mine && daemons >= 1,
        "{expected} pods, {daemons} of DaemonSets"
    );
    let detail = eventually(
        "the detail to count every pod",
        Duration::from_secs(60),
        || async {
            let d = app
                .get(&format!("/api/v1/k8s/cluster/{id}/nodes/{target}"), &admin)
                .await;
            assert_eq!(d.status, StatusCode::OK, "{}", d.body);
            (d.body["pod_counts"]["total"] == names.len()).then_some(d.body)
        },
    )
    .await;
    assert!(detail.get("pods").is_none(), "the detail still lists pods");
    assert!(
        detail.to_string().len() < 20_000,
        "{} bytes of detail for {} pods",
        detail.to_string().len(),
        names.len()
    );
    for (phase, key) in [
        ("Running", "running"),
        ("Pending", "pending"),
        ("Succeeded", "succeeded"),
        ("Failed", "failed"),
    ] {
        assert_eq!(
            detail["pod_counts"][key].as_u64().unwrap(),
            phases.get(phase).copied().unwrap_or(0),
            "{phase}: {}",
            detail["pod_counts"]
        );
    }
    assert_eq!(detail["pod_counts"]["active"], detail["node"]["pod_count"]);
    assert_eq!(detail["source"], "live");
    assert_eq!(detail["stale"], false);

    // The node's pods come a page at a time from the pod list, as kubectl lists them.
    let page = |p: u32| {
        let app = &app;
        let admin = &admin;
        async move {
            let r = app
                .get(
                    &format!("/api/v1/k8s/cluster/{id}/pods?node={target}&page={p}&page_size=100&sort=name"),
                    admin,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.body
        }
    };
    let (p1, p2, p3) = (page(1).await, page(2).await, page(3).await);
    assert_eq!(p1["total"], names.len(), "{}", p1["total"]);
    let rows = |b: &Value| -> Vec<String> {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                assert_eq!(p["node_name"], target);
                format!(
                    "{}/{}",
                    p["namespace"].as_str().unwrap(),
                    p["name"].as_str().unwrap()
                )
            })
            .collect()
    };
    let (r1, r2, r3) = (rows(&p1), rows(&p2), rows(&p3));
    assert_eq!(
        (r1.len(), r2.len(), r3.len()),
        (100, 100, names.len() - 200)
    );
    assert!(r1.iter().all(|r| !r2.contains(r)), "page 2 repeats page 1");
    let mut all: Vec<String> = [r1, r2, r3].concat();
    all.sort();
    assert_eq!(
        all, names,
        "the pages together are kubectl's pods on the node"
    );

    // A drain without options is refused: counts per reason and a short message, whatever the number of pods.
    let drain = format!("/api/v1/k8s/cluster/{id}/nodes/{target}/drain");
    let refused = app.post(&drain, &admin, json!({"dry_run": true})).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(refused.body["code"], "drain_blocked");
    let msg = refused.body["message"].as_str().unwrap();
    assert!(msg.len() < 800, "{} characters: {msg}", msg.len());
    assert!(
        msg.contains(&format!("{} pod(s) block it", expected)),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("… and {} more", expected - 5)),
        "{msg}"
    );
    let by_reason =
        json!({"unmanaged_blocks": BARE, "daemonset_blocks": daemons, "local_storage_blocks": 3});
    assert_eq!(refused.body["params"]["node"], target);
    assert_eq!(refused.body["params"]["refused"], expected);
    assert_eq!(refused.body["params"]["by_reason"], by_reason);
    let plan = &refused.body["plan"];
    assert_eq!(plan["summary"]["refuse"], expected);
    assert_eq!(plan["summary"]["total"], expected);
    assert_eq!(plan["summary"]["by_reason"], by_reason);
    assert_eq!(plan["pods"].as_array().unwrap().len(), expected);
    let code_of = |plan: &Value, prefix: &str| {
        plan["pods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"].as_str().unwrap().starts_with(prefix))
            .unwrap()["reason_code"]
            .clone()
    };
    assert_eq!(code_of(plan, "agent-"), "daemonset_blocks");
    assert_eq!(code_of(plan, "cache-"), "local_storage_blocks");
    assert_eq!(code_of(plan, "bare-"), "unmanaged_blocks");

    // With kubectl's flags the dry run passes: what is evicted and why, counted.
    let dry = app
        .post(
            &drain,
            &admin,
            json!({"dry_run": true, "ignore_daemonsets": true, "delete_emptydir_data": true, "force": true}),
        )
        .await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
    let s = &dry.body["plan"]["summary"];
    assert_eq!(
        (
            s["evict"].as_u64(),
            s["skip"].as_u64(),
            s["refuse"].as_u64()
        ),
        (Some(expected as u64 - daemons), Some(daemons), Some(0)),
        "{s}"
    );
    assert_eq!(
        s["by_reason"],
        json!({"not_recreated": BARE, "daemonset_ignored": daemons, "emptydir_data_lost": 3})
    );
    assert_eq!(code_of(&dry.body["plan"], "agent-"), "daemonset_ignored");
    assert_eq!(
        tb.kubectl_ok(&[
            "get",
            "node",
            target,
            "-o",
            "jsonpath={.spec.unschedulable}"
        ]),
        "",
        "a dry run cordoned the node"
    );
    app.stop().await;
}
on_every_backend!(a_node_with_many_pods_counts_them_pages_them_and_summarises_its_drain);

/// What `kubectl describe node` says the node's non-terminated pods commit: how many there are, and their CPU
/// (millicores) and memory (bytes) requests ("Allocated resources").
fn described_load(tb: &Testbed, node: &str) -> (i64, i64, i64) {
    let text = tb.kubectl_ok(&["describe", "node", node]);
    let pods = text
        .lines()
        .find_map(|l| l.strip_prefix("Non-terminated Pods:"))
        .and_then(|rest| rest.trim().strip_prefix('('))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no pod count in kubectl describe:\n{text}"));
    let allocated = text
        .split("Allocated resources:")
        .nth(1)
        .unwrap_or_else(|| panic!("no allocated resources in kubectl describe:\n{text}"));
    let request = |resource: &str| {
        allocated
            .lines()
            .find_map(|l| {
                let mut cols = l.split_whitespace();
                (cols.next() == Some(resource)).then(|| cols.next().unwrap_or_default().to_owned())
            })
            .unwrap_or_else(|| panic!("no {resource} requests in kubectl describe:\n{allocated}"))
    };
    let cpu = kubedeck_kube::quantity::cpu_millis(&request("cpu")).expect("a CPU quantity");
    let memory = kubedeck_kube::quantity::bytes(&request("memory")).expect("a memory quantity");
    (pods, cpu, memory)
}

/// The node list keeps each node's active pods and their requests as pods come, finish and go (the pod store
/// sums them per node as they change), agreeing with `kubectl describe node`; and a write's answer (cordon)
/// carries the same load, not an empty one.
async fn the_node_list_sums_each_nodes_active_pods_as_kubectl_describe_does() {
    let tb = Testbed::from_env();
    let node = SimNode::add(&tb, "load");
    let ns = Namespace::create_in(&tb, "load");
    let n = ns.name();
    let nn = node.name.as_str();
    let pod = |name: &str, cpu: &str, memory: &str, annotations: Value| {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": n, "annotations": annotations},
            "spec": {"nodeName": nn, "tolerations": [{"operator": "Exists"}], "restartPolicy": "Never",
                     "containers": [{"name": "c", "image": "busybox",
                                     "resources": {"requests": {"cpu": cpu, "memory": memory}}}]}})
    };
    create_list(
        &tb,
        vec![
            pod("small", "100m", "64Mi", json!({})),
            pod("large", "1500m", "1Gi", json!({})),
            // finishes after 2 s: a Succeeded pod holds nothing on its node
            pod("job", "700m", "512Mi", json!({"sim.kubedeck.io/complete-after-seconds": "2"})),
        ],
    );
    kubedeck_testbed::wait_until("the job's pod to succeed", Duration::from_secs(90), || {
        let phase = tb.kubectl_ok(&["-n", n, "get", "pod", "job", "-o", "jsonpath={.status.phase}"]);
        (phase == "Succeeded").then_some(())
    });
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = imported(&app, &tb, &admin).await;
    let listed = || {
        let (app, admin, name) = (&app, &admin, nn);
        async move {
            let l = app.get(&format!("/api/v1/k8s/cluster/{id}/nodes?page_size=500"), admin).await;
            assert_eq!(l.status, StatusCode::OK, "{}", l.body);
            let row = l.body["items"].as_array().unwrap().iter().find(|r| r["name"] == *name).cloned();
            let row = row.unwrap_or_else(|| panic!("{name} is not listed: {}", l.body));
            (
                row["pod_count"].as_i64().unwrap(),
                row["committed"]["cpu_requests_millis"].as_i64().unwrap(),
                row["committed"]["memory_requests_bytes"].as_i64().unwrap(),
            )
        }
    };
    // Both sides are read until they agree (the list follows the cluster within seconds).
    let agreed = |what: &'static str| {
        let (tb, listed) = (&tb, &listed);
        async move {
            let mut last = None;
            let found = tokio::time::timeout(Duration::from_secs(30), async {
                loop {
                    let (kd, kc) = (listed().await, described_load(tb, nn));
                    if kd == kc {
                        return kd;
                    }
                    last = Some((kd, kc));
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            })
            .await;
            found.unwrap_or_else(|_| panic!("{what}: the list and kubectl describe disagree (list, kubectl): {last:?}"))
        }
    };
    let (pods, cpu, memory) = agreed("after the import").await;
    assert!(pods >= 2 && cpu >= 1600 && memory >= (1 << 30) + (64 << 20), "{pods} pods, {cpu}m, {memory} bytes");
    assert!(cpu < 2300, "the succeeded pod's 700m is counted: {cpu}m");

    // A pod that goes, and one that comes.
    tb.kubectl_ok(&["-n", n, "delete", "pod", "large", "--grace-period=0", "--force", "--wait=false"]);
    create_list(&tb, vec![pod("medium", "300m", "128Mi", json!({}))]);
    let after = agreed("after a pod went and another came").await;
    assert_eq!(after, (pods, cpu - 1200, memory - (1 << 30) + (128 << 20)), "the list's load did not follow");

    // A cordon answers the node with its load.
    let r = app
        .request("POST", &format!("/api/v1/k8s/cluster/{id}/nodes/{nn}/cordon"), Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["pod_count"].as_i64(), r.body["committed"]["cpu_requests_millis"].as_i64()),
        (Some(after.0), Some(after.1)),
        "the cordon's answer: {}",
        r.body
    );
}
on_one_backend!(the_node_list_sums_each_nodes_active_pods_as_kubectl_describe_does);
