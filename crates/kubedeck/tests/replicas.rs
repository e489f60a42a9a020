//! Two `kubedeck serve` replicas on one server database (PostgreSQL, and MariaDB), as in production (issue 17), and
//! one of them killed with SIGKILL while it runs a drain: the other marks the drain `interrupted` once the dead
//! replica's lease has lapsed (nothing stays "running" forever), and resuming it there finishes the drain, which
//! kubectl confirms.

mod common;

use common::{Server, ServerDb, call, temp_dir};
use kubedeck_testbed::{Namespace, SimNode, Testbed, tolerate, unique_name};
use serde_json::json;
use std::time::{Duration, Instant};

const PASSWORD: &str = "replicas-admin-password";

/// Calls `check` every half second until it gives a value, for at most `within`.
async fn eventually<T>(what: &str, within: Duration, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {within:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test]
async fn a_drain_whose_replica_is_killed_is_interrupted_and_resumed_on_the_other_replica() {
    let tb = Testbed::from_env();
    // several replicas need a server database: each the run selects
    let selected = std::env::var("KUBEDECK_TEST_BACKENDS").unwrap_or_else(|_| "postgres,mysql".into());
    let backends: Vec<&str> = ["postgres", "mysql"].into_iter().filter(|b| selected.contains(b)).collect();
    assert!(!backends.is_empty(), "several replicas need a server database: select postgres or mysql in KUBEDECK_TEST_BACKENDS");
    for backend in backends {
        kill_during_a_drain(&tb, backend).await;
    }
}

async fn kill_during_a_drain(tb: &Testbed, backend: &str) {
    let ns = Namespace::create_in(tb, "kill-drain");
    let node = SimNode::add(tb, "kill-drain");
    // a pod that a PodDisruptionBudget keeps from being evicted: the drain stays running, retrying it
    let manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: guarded, namespace: {ns}, labels: {{app: guarded}}}}\n\
         spec:\n  nodeName: {node}\n  {tolerations}\n  containers: [{{name: app, image: busybox}}]\n---\n\
         apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {{name: guarded, namespace: {ns}}}\n\
         spec: {{minAvailable: 1, selector: {{matchLabels: {{app: guarded}}}}}}\n",
        ns = ns.name(),
        node = node.name,
        tolerations = tolerate(&node.name),
    );
    let file = temp_dir("kd-replicas-manifest").join("guarded.yaml");
    std::fs::write(&file, manifest).unwrap();
    tb.kubectl_ok(&["apply", "-f", file.to_str().unwrap()]);
    tb.kubectl_ok(&["-n", ns.name(), "wait", "--for=condition=Ready", "pod/guarded", "--timeout=60s"]);

    let db = ServerDb::create(backend).await;
    let data_a = temp_dir("kd-replica-a");
    let data_b = temp_dir("kd-replica-b");
    let a = Server::start(&data_a, &[("KUBEDECK_DATABASE_URL", &db.url), ("KUBEDECK_ADMIN_PASSWORD", PASSWORD)]);
    // b signs tokens and opens kubeconfigs with a's keys, as replicas sharing Secrets do
    let (jwt, keys) = (data_a.join("jwt.secret"), data_a.join("keys/credential"));
    let b = Server::start(
        &data_b,
        &[
            ("KUBEDECK_DATABASE_URL", &db.url),
            ("KUBEDECK_JWT_SECRET_FILE", jwt.to_str().unwrap()),
            ("KUBEDECK_CREDENTIAL_KEY_DIR", keys.to_str().unwrap()),
        ],
    );
    let (status, login) =
        call(&a.base, "POST", "/api/v1/auth/login", None, Some(json!({"username": "admin", "password": PASSWORD}))).await;
    assert_eq!(status, 200, "{login}");
    let token = login["access_token"].as_str().unwrap().to_owned();
    let t = Some(token.as_str());
    let (status, imported) = call(
        &a.base,
        "POST",
        "/api/v1/k8s/cluster",
        t,
        Some(json!({"name": unique_name("replicas"), "credential": tb.admin_kubeconfig()})),
    )
    .await;
    assert_eq!(status, 201, "{imported}");
    let id = imported["cluster"]["id"].as_i64().unwrap();

    // the drain runs on a, held up by the budget; b sees its progress in the database
    let (status, started) = call(
        &a.base,
        "POST",
        &format!("/api/v1/k8s/cluster/{id}/nodes/{}/drain", node.name),
        t,
        Some(json!({"force": true, "ignore_daemonsets": true})),
    )
    .await;
    assert_eq!(status, 202, "{started}");
    let tid = started["task_id"].as_i64().unwrap();
    let task_path = format!("/api/v1/tasks/{tid}");
    eventually("the drain on a to be held up by the PodDisruptionBudget", Duration::from_secs(60), async || {
        let (_, task) = call(&b.base, "GET", &task_path, t, None).await;
        (task["status"] == "running" && task["progress"]["pods"][0]["state"] == "blocked_by_pdb").then_some(())
    })
    .await;

    // a dies without a word
    let mut a = a;
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let interrupted = eventually(&format!("{backend}: b to mark the dead replica's drain interrupted"), Duration::from_secs(90), async || {
        let (_, task) = call(&b.base, "GET", &task_path, t, None).await;
        (task["status"] == "interrupted").then_some(task)
    })
    .await;
    assert!(interrupted["error"].as_str().is_some_and(|e| e.contains("stopped")), "{interrupted}");
    assert_eq!(interrupted["progress"]["options"]["force"], true, "the options are kept: {interrupted}");
    // the node stays cordoned, as after an interrupted kubectl drain
    assert_eq!(tb.kubectl_ok(&["get", "node", &node.name, "-o", "jsonpath={.spec.unschedulable}"]), "true");

    // the budget is lifted; resuming on b goes on with the same options and finishes the drain
    tb.kubectl_ok(&["-n", ns.name(), "delete", "pdb", "guarded"]);
    let (status, resumed) = call(&b.base, "POST", &format!("{task_path}/resume"), t, None).await;
    assert_eq!(status, 202, "{resumed}");
    let new_tid = resumed["task_id"].as_i64().unwrap();
    assert_ne!(new_tid, tid);
    let done = eventually(&format!("{backend}: the resumed drain to end"), Duration::from_secs(90), async || {
        let (_, task) = call(&b.base, "GET", &format!("/api/v1/tasks/{new_tid}"), t, None).await;
        (task["finished_at"].is_string()).then_some(task)
    })
    .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["progress"]["resumed_from"], tid, "{done}");
    let out = tb.kubectl(&["-n", ns.name(), "get", "pod", "guarded", "-o", "name"]);
    assert!(!out.status.success(), "kubectl still sees the pod: {}", String::from_utf8_lossy(&out.stdout));

    // only a task that stopped part-way resumes
    let (status, refused) = call(&b.base, "POST", &format!("/api/v1/tasks/{new_tid}/resume"), t, None).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("task_not_resumable")), "{refused}");
    assert_eq!(refused["params"]["status"], "succeeded", "{refused}");

    let (stopped, _) = b.stop();
    assert!(stopped, "b stops cleanly");
    db.drop_db().await;
    for d in [data_a, data_b, file.parent().unwrap().to_owned()] {
        let _ = std::fs::remove_dir_all(d);
    }
    drop(node);
}
