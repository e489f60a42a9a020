//! Pods against the testbed: lists agree with kubectl, detail reads the owner chain, delete, and logs behave
//! like `kubectl logs` with the same flags.

use crate::apiserver::SecondApiserver;
use crate::helpers::*;
use kubedeck_testbed::{Namespace, Testbed, unique_name};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// The all-namespaces list for label selector `sel`, once it names the pods in `want` (kubectl's answer).
async fn selection_matching(
    app: &TestApp,
    token: &str,
    base: &str,
    sel: &str,
    want: &[String],
) -> Value {
    eventually(
        "the pod list to match kubectl",
        Duration::from_secs(30),
        || async {
            let l = app
                .get(
                    &format!("{base}/pods?page_size=500&label_selector={}", enc(sel)),
                    token,
                )
                .await;
            (l.status == StatusCode::OK && names(&l.body) == want).then_some(l.body)
        },
    )
    .await
}

fn names(v: &Value) -> Vec<String> {
    let mut n: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}/{}",
                p["metadata"]["namespace"]
                    .as_str()
                    .or(p["namespace"].as_str())
                    .unwrap(),
                p["metadata"]["name"]
                    .as_str()
                    .or(p["name"].as_str())
                    .unwrap()
            )
        })
        .collect();
    n.sort();
    n
}

async fn pod_lists_agree_with_kubectl_and_logs_behave_like_kubectl_logs() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "pods");
    let n = ns.name();
    apply(
        &tb,
        &format!(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {{name: shop, namespace: {n}}}
spec:
  replicas: 3
  selector: {{matchLabels: {{app: shop}}}}
  template:
    metadata: {{labels: {{app: shop, tier: front, run: {n}}}}}
    spec:
      containers: [{{name: web, image: nginx}}, {{name: sidecar, image: envoy}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: single, namespace: {n}, labels: {{app: single}}}}
spec:
  containers: [{{name: only, image: busybox}}]
"#
        ),
    );
    kubedeck_testbed::wait_until("pods to run", Duration::from_secs(90), || {
        let v = tb.kubectl_json(&["-n", n, "get", "pods", "-o", "json"]);
        let items = v["items"].as_array().unwrap();
        (items.len() == 4 && items.iter().all(|p| p["status"]["phase"] == "Running")).then_some(())
    });
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = app
        .post(
            "/api/v1/k8s/cluster",
            &admin,
            json!({"name": unique_name("pods"), "credential": tb.admin_kubeconfig()}),
        )
        .await;
    let id = r.body["cluster"]["id"].as_i64().unwrap();
    let base = format!("/api/v1/k8s/cluster/{id}");

    // `kubectl get pods -A -l app=shop,tier in (front)` and the namespaced list agree with the API (`run`: this
    // test's pods only; the same test runs on other backends at the same time).
    let sel = &format!("app=shop,run={n},tier in (front)");
    let want = names(&tb.kubectl_json(&["get", "pods", "-A", "-l", sel, "-o", "json"]));
    let got = selection_matching(&app, &admin, &base, sel, &want).await;
    assert_eq!(got["total"], 3);
    assert_eq!(got["items"][0]["owner_type"], "ReplicaSet");
    assert_eq!(got["items"][0]["ready"], "2/2");
    let in_ns = app
        .get(&format!("{base}/namespaces/{n}/pods?sort=-name"), &admin)
        .await
        .body;
    assert_eq!(
        names(&in_ns),
        names(&tb.kubectl_json(&["-n", n, "get", "pods", "-o", "json"]))
    );
    assert_eq!(
        in_ns["items"][0]["name"], "single",
        "sorted by name, descending"
    );
    // Relabelling moves a pod between selections as soon as the watch sees it (the store's label index).
    let moved = got["items"][0]["name"].as_str().unwrap().to_owned();
    tb.kubectl_ok(&["-n", n, "label", "pod", &moved, "tier=back", "--overwrite"]);
    for (sel, has_moved) in [
        (format!("app=shop,run={n},tier in (front)"), false),
        (format!("app=shop,run={n},tier=back"), true),
    ] {
        let sel = sel.as_str();
        let want = names(&tb.kubectl_json(&["get", "pods", "-A", "-l", sel, "-o", "json"]));
        assert_eq!(
            want.iter().any(|w| w.ends_with(&format!("/{moved}"))),
            has_moved,
            "kubectl {sel}: {want:?}"
        );
        selection_matching(&app, &admin, &base, sel, &want).await;
    }
    let node = got["items"][0]["node_name"].as_str().unwrap().to_owned();
    let on_node = app
        .get(
            &format!("{base}/pods?page_size=500&node={node}&namespace={n}"),
            &admin,
        )
        .await
        .body;
    assert_eq!(
        names(&on_node),
        names(&tb.kubectl_json(&[
            "-n",
            n,
            "get",
            "pods",
            "-o",
            "json",
            "--field-selector",
            &format!("spec.nodeName={node}")
        ]))
    );
    let paged = app
        .get(
            &format!("{base}/namespaces/{n}/pods?page=2&page_size=3&sort=name"),
            &admin,
        )
        .await
        .body;
    assert_eq!(
        (
            paged["total"].as_u64(),
            paged["items"].as_array().unwrap().len()
        ),
        (Some(4), 1)
    );
    let bad = app
        .get(
            &format!("{base}/pods?label_selector={}", enc("app in (x")),
            &admin,
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("label_selector"))
    );
    let bad_key = app
        .get(
            &format!("{base}/pods?label_selector={}", enc("Bad Key=1")),
            &admin,
        )
        .await;
    assert_eq!(bad_key.body["code"], "invalid_selector");
    assert_eq!(
        bad_key.body["params"]["rule"], "invalid_key",
        "{}",
        bad_key.body
    );
    assert_eq!(
        bad_key.body["params"]["token"], "Bad Key",
        "{}",
        bad_key.body
    );
    assert_eq!(
        bad_key.body["params"]["part"], "Bad Key=1",
        "{}",
        bad_key.body
    );

    // Detail: live object with the owner chain Pod → ReplicaSet → Deployment.
    let shop = got["items"][0]["name"].as_str().unwrap().to_owned();
    let detail = app
        .get(&format!("{base}/namespaces/{n}/pods/{shop}"), &admin)
        .await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    let chain: Vec<&str> = detail.body["owner_chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(chain, vec!["ReplicaSet", "Deployment"]);
    assert_eq!(detail.body["qos_class"], "BestEffort");
    assert!(
        detail.body["object"]["metadata"]
            .get("managedFields")
            .is_none()
    );

    // Logs, as `kubectl logs --tail=3 -c web` would give them.
    let url = format!(
        "{}{base}/namespaces/{n}/pods/{shop}/logs?container=web&tailLines=3",
        app.base
    );
    // A fresh container may not have written three lines yet.
    kubedeck_testbed::wait_until("three log lines", Duration::from_secs(30), || {
        (tb.kubectl_ok(&["-n", n, "logs", &shop, "-c", "web"])
            .lines()
            .count()
            >= 4)
            .then_some(())
    });
    let logs = app.http.get(&url).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(logs.status(), StatusCode::OK);
    let text = logs.text().await.unwrap();
    let kubectl = tb.kubectl_ok(&["-n", n, "logs", &shop, "-c", "web", "--tail=3"]);
    assert_eq!(text.lines().count(), 3, "{text}");
    assert_eq!(kubectl.lines().count(), 3);
    // Same content as kubectl's: the container keeps writing, so kubectl's whole log (read afterwards) must
    // hold our three lines, byte for byte and in a row.
    let whole = tb.kubectl_ok(&["-n", n, "logs", &shop, "-c", "web"]);
    let ours: Vec<&str> = text.lines().collect();
    let theirs: Vec<&str> = whole.lines().collect();
    assert!(
        theirs.windows(3).any(|w| w == ours.as_slice()),
        "our tail {ours:?} is not three consecutive lines of kubectl's log:\n{whole}"
    );
    assert!(
        text.lines()
            .all(|l| l.contains(&format!("pod={shop}")) && l.contains("container=web")),
        "{text}"
    );
    let stamped = app.http.get(format!("{}{base}/namespaces/{n}/pods/{shop}/containers/sidecar/logs?tailLines=1&timestamps=true&download=true", app.base)).bearer_auth(&admin).send().await.unwrap();
    assert!(
        stamped.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("{shop}-sidecar-"))
    );
    let line = stamped.text().await.unwrap();
    assert!(
        line.split_whitespace()
            .next()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .is_ok(),
        "timestamps prefix each line: {line}"
    );

    // Bad log requests are clear 400s, like kubectl's errors.
    let two = app
        .get(&format!("{base}/namespaces/{n}/pods/{shop}/logs"), &admin)
        .await;
    assert_eq!(two.status, StatusCode::BAD_REQUEST);
    assert_eq!(two.body["field"], "container");
    assert!(
        two.body["message"].as_str().unwrap().contains("web")
            && two.body["message"].as_str().unwrap().contains("sidecar")
    );
    let prev = app
        .get(
            &format!("{base}/namespaces/{n}/pods/single/logs?previous=true"),
            &admin,
        )
        .await;
    assert_eq!(
        (prev.status, prev.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("previous")),
        "{}",
        prev.body
    );
    let neg = app
        .get(
            &format!("{base}/namespaces/{n}/pods/single/logs?tailLines=-1"),
            &admin,
        )
        .await;
    assert_eq!(neg.body["field"], "tailLines");
    let missing = app
        .get(
            &format!("{base}/namespaces/{n}/pods/single/containers/nope/logs"),
            &admin,
        )
        .await;
    assert_eq!(missing.body["field"], "container");
    assert_eq!(
        app.get(&format!("{base}/namespaces/{n}/pods/ghost/logs"), &admin)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A crash shows in the list (restarts, status) and gives `--previous` logs.
    let (code, body) = tb.sim(
        "POST",
        &format!("/pods/{n}/single/crash"),
        Some(&json!({"exitCode": 3})),
    );
    assert!(code < 300, "{body}");
    let crashed = eventually(
        "the restart to be seen",
        Duration::from_secs(60),
        || async {
            let l = app
                .get(&format!("{base}/namespaces/{n}/pods?name=single"), &admin)
                .await
                .body;
            (l["items"][0]["restarts"].as_i64() >= Some(1)).then_some(l)
        },
    )
    .await;
    assert_eq!(crashed["items"][0]["restarts"], 1);
    let prev = app
        .http
        .get(format!(
            "{}{base}/namespaces/{n}/pods/single/logs?previous=true",
            app.base
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(prev.status(), StatusCode::OK);
    let prev_text = prev.text().await.unwrap();
    assert!(
        prev_text.contains("restart=0") && prev_text.contains("exiting with code 3"),
        "{prev_text}"
    );

    // Delete: the pod goes; its Deployment replaces it.
    let del = app
        .request(
            "DELETE",
            &format!("{base}/namespaces/{n}/pods/{shop}?grace_period_seconds=0"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::ACCEPTED, "{}", del.body);
    kubedeck_testbed::wait_until("the deleted pod to go", Duration::from_secs(60), || {
        (!tb.kubectl(&["-n", n, "get", "pod", &shop]).status.success()).then_some(())
    });
    assert_eq!(
        app.request(
            "DELETE",
            &format!("{base}/namespaces/{n}/pods/{shop}"),
            Some(&admin),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        app.audit()
            .await
            .iter()
            .any(|a| a.action == "pod.delete" && a.namespace.as_deref() == Some(n))
    );
    app.stop().await;
}
on_every_backend!(pod_lists_agree_with_kubectl_and_logs_behave_like_kubectl_logs);

async fn search_finds_pods_across_clusters_and_merged_logs_interleave_a_workload() {
    use kubedeck_core::rbac::{Binding, Role};
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "merge");
    let n = ns.name();
    let marker = unique_name("needle");
    apply(
        &tb,
        &format!(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {marker}, namespace: {n}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: {marker}}}}}
  template:
    metadata: {{labels: {{app: {marker}}}}}
    spec:
      containers: [{{name: main, image: nginx}}, {{name: helper, image: envoy}}]
"#
        ),
    );
    kubedeck_testbed::wait_until("pods to run", Duration::from_secs(90), || {
        let v = tb.kubectl_json(&["-n", n, "get", "pods", "-o", "json"]);
        let items = v["items"].as_array().unwrap();
        (items.len() == 2 && items.iter().all(|p| p["status"]["phase"] == "Running")).then_some(())
    });
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let a = app
        .post(
            "/api/v1/k8s/cluster",
            &admin,
            json!({"name": unique_name("a"), "credential": tb.admin_kubeconfig()}),
        )
        .await
        .body["cluster"]["id"]
        .as_i64()
        .unwrap();

    let by_name = eventually(
        "the search to find the pods",
        Duration::from_secs(30),
        || async {
            let r = app
                .get(&format!("/api/v1/k8s/pods?q={marker}"), &admin)
                .await
                .body;
            (r["total"] == 2).then_some(r)
        },
    )
    .await;
    assert_eq!(by_name["items"][0]["cluster_id"], a);
    assert_eq!(by_name["items"][0]["namespace"], n);
    let by_label = app
        .get(
            &format!("/api/v1/k8s/pods?q={}", enc(&format!("app={marker}"))),
            &admin,
        )
        .await
        .body;
    assert_eq!(by_label["total"], 2);
    // A user bound to another namespace finds nothing there.
    let other = app
        .user_token(
            "elsewhere",
            &[Binding {
                role: Role::Viewer,
                cluster_id: Some(a),
                namespace: Some("kube-system".into()),
            }],
        )
        .await;
    assert_eq!(
        app.get(&format!("/api/v1/k8s/pods?q={marker}"), &other)
            .await
            .body["total"],
        0
    );
    assert_eq!(
        app.get("/api/v1/k8s/pods?q=", &admin).await.body["field"],
        "q"
    );

    // Every container of both pods must have written three lines before the merged view is compared.
    eventually(
        "three log lines in every container",
        Duration::from_secs(60),
        || async {
            let pods = tb.kubectl_ok(&[
                "-n",
                n,
                "get",
                "pods",
                "-o",
                "jsonpath={.items[*].metadata.name}",
            ]);
            let ready = pods.split_whitespace().all(|pod| {
                ["main", "helper"].iter().all(|c| {
                    tb.kubectl_ok(&["-n", n, "logs", pod, "-c", c])
                        .lines()
                        .count()
                        >= 3
                })
            });
            ready.then_some(())
        },
    )
    .await;
    let merged = app
        .get(
            &format!(
                "/api/v1/k8s/cluster/{a}/namespaces/{n}/logs?labelSelector={}&tailLines=3",
                enc(&format!("app={marker}"))
            ),
            &admin,
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.body);
    let lines = merged.body["lines"].as_array().unwrap();
    assert_eq!(
        lines.len(),
        2 * 2 * 3,
        "3 lines from each of 2 containers of 2 pods"
    );
    let sources: std::collections::BTreeSet<(String, String)> = lines
        .iter()
        .map(|l| {
            (
                l["pod"].as_str().unwrap().to_owned(),
                l["container"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(sources.len(), 4);
    let times: Vec<chrono::DateTime<chrono::Utc>> = lines
        .iter()
        .map(|l| l["ts"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "lines are in time order"
    );
    assert!(lines.iter().all(|l| {
        l["line"]
            .as_str()
            .unwrap()
            .contains(&format!("container={}", l["container"].as_str().unwrap()))
    }));
    assert_eq!(
        merged.body["failures"],
        serde_json::json!([]),
        "{}",
        merged.body
    );
    // A pod bound to a node that does not exist has no kubelet to read from: the view still shows the others and
    // says which container failed, with a code and params the console words in the user's language.
    apply(
        &tb,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: never-started, namespace: {n}, labels: {{app: {marker}}}}}\nspec:\n  nodeName: kubedeck-no-such-node\n  containers: [{{name: main, image: busybox}}]\n"
        ),
    );
    let with_failure = app
        .get(
            &format!(
                "/api/v1/k8s/cluster/{a}/namespaces/{n}/logs?labelSelector={}&tailLines=3",
                enc(&format!("app={marker}"))
            ),
            &admin,
        )
        .await;
    assert_eq!(with_failure.status, StatusCode::OK, "{}", with_failure.body);
    assert_eq!(
        with_failure.body["lines"].as_array().unwrap().len(),
        2 * 2 * 3,
        "{}",
        with_failure.body
    );
    let failures = with_failure.body["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{}", with_failure.body);
    assert_eq!(failures[0]["pod"], "never-started");
    assert_eq!(failures[0]["container"], "main");
    assert!(
        failures[0]["code"]
            .as_str()
            .is_some_and(|c| c.starts_with("cluster_") || c == "object_not_found"),
        "{}",
        failures[0]
    );
    assert!(!failures[0]["message"].as_str().unwrap().is_empty());
    let bad = app
        .get(
            &format!("/api/v1/k8s/cluster/{a}/namespaces/{n}/logs?labelSelector="),
            &admin,
        )
        .await;
    assert_eq!(bad.body["field"], "labelSelector");
    app.stop().await;
}
on_every_backend!(search_finds_pods_across_clusters_and_merged_logs_interleave_a_workload);

async fn a_replica_that_does_not_sync_the_cluster_answers_from_the_kubepod_snapshot() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "replica");
    let n = ns.name();
    apply(
        &tb,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: seen-everywhere, namespace: {n}, labels: {{app: seen}}}}\nspec:\n  containers: [{{name: c, image: busybox}}]\n"
        ),
    );
    let a = spawn_app().await;
    let admin = a.admin_token().await;
    let r = a
        .post(
            "/api/v1/k8s/cluster",
            &admin,
            json!({"name": unique_name("repl"), "credential": tb.admin_kubeconfig()}),
        )
        .await;
    let id = r.body["cluster"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/k8s/cluster/{id}/namespaces/{n}/pods");
    eventually(
        "replica A to list the pod live",
        Duration::from_secs(30),
        || async {
            let l = a.get(&path, &admin).await.body;
            (l["source"] == "live" && l["total"] == 1).then_some(())
        },
    )
    .await;
    let b = a.replica().await;
    // B never gets the cluster's lease while A holds it, so it answers from what A wrote.
    let l = eventually(
        "replica B to answer from the snapshot",
        Duration::from_secs(30),
        || async {
            let l = b.get(&path, &admin).await.body;
            (l["source"] == "snapshot" && l["total"] == 1).then_some(l)
        },
    )
    .await;
    assert_eq!(l["items"][0]["name"], "seen-everywhere");
    assert!(l["last_sync_at"].is_string());
    assert!(
        b.state.hub.get(id).is_none(),
        "B runs no watchers for A's cluster"
    );
    // A change the lease holder's watcher sees reaches the snapshot B answers from.
    tb.kubectl_ok(&["-n", n, "label", "pod", "seen-everywhere", "changed=yes"]);
    let relabelled = eventually(
        "the change to reach the snapshot",
        Duration::from_secs(30),
        || async {
            let l = b
                .get(&format!("{path}?label_selector=changed%3Dyes"), &admin)
                .await
                .body;
            (l["total"] == 1).then_some(l)
        },
    )
    .await;
    assert_eq!(relabelled["source"], "snapshot");
    b.stop().await;
    a.stop().await;
}
on_every_backend!(a_replica_that_does_not_sync_the_cluster_answers_from_the_kubepod_snapshot);

/// Creates a bare pod in the private cluster (no controllers there: no service-account token to mount).
fn private_pod(server: &SecondApiserver, name: &str) {
    server.kubectl_ok(&[
        "run",
        name,
        "--image=busybox",
        "--restart=Never",
        "--overrides={\"spec\":{\"automountServiceAccountToken\":false}}",
    ]);
}

async fn an_explicit_pod_sync_counts_exactly_what_kubectl_changed() {
    let tb = Testbed::from_env();
    // A cluster of its own, so no other test's pods move the counts.
    let server = SecondApiserver::private(&tb);
    server.kubectl_ok(&["create", "serviceaccount", "default"]);
    for name in ["keep", "relabel", "remove"] {
        private_pod(&server, name);
    }
    // No background loop: after the check the import starts, the explicit syncs below are the only writers of
    // the snapshot, so their counts are exact.
    let app = spawn_app_with(AppOptions {
        sync_loop: false,
        ..Default::default()
    })
    .await;
    let admin = app.admin_token().await;
    let id = import_kubeconfig(&app, &admin, "exact", server.admin_kubeconfig()).await;
    let sync = || async {
        let r = app
            .request(
                "POST",
                &format!("/api/v1/k8s/cluster/{id}/pods/sync"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body
    };
    eventually(
        "the import's own check to finish",
        Duration::from_secs(60),
        || async {
            let s = app
                .get(&format!("/api/v1/k8s/cluster/{id}/status"), &admin)
                .await
                .body;
            // "imported" until the check records its outcome
            (s["reason_code"] == "in_sync").then_some(())
        },
    )
    .await;
    // The first sync brings the snapshot to the cluster, whatever the import's check had written.
    let first = sync().await;
    assert_eq!(first["total"], 3, "{first}");
    let again = sync().await;
    assert_eq!(
        again,
        json!({"added": 0, "removed": 0, "changed": 0, "total": 3}),
        "nothing changed in between"
    );

    server.kubectl_ok(&["label", "pod", "relabel", "changed=yes"]);
    private_pod(&server, "added");
    server.kubectl_ok(&["delete", "pod", "remove", "--wait=true"]);
    let diff = sync().await;
    assert_eq!(
        diff,
        json!({"added": 1, "removed": 1, "changed": 1, "total": 3}),
        "one pod added, one removed, one relabelled"
    );
    // The snapshot holds exactly the cluster's pods now.
    let mut names: Vec<String> = app
        .state
        .store
        .pod_snapshot(id, None)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.name)
        .collect();
    names.sort();
    assert_eq!(names, ["added", "keep", "relabel"]);
    app.stop().await;
}
on_every_backend!(an_explicit_pod_sync_counts_exactly_what_kubectl_changed);
