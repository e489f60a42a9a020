//! Cluster metrics and "top" against the real testbed: the collector's cluster samples count what kubectl sees and
//! are the sums of the same pass's node samples; history returns the samples, averages them per step and is
//! downsampled by the retention the node metrics use; top pods and nodes equal `kubectl top` (the simulator's
//! metrics API and its kubelet summaries come from the same figures), from the collector's pass and, on a replica
//! that does not collect the cluster, from the metrics API.

use crate::helpers::*;
use chrono::{DateTime, Utc};
use kubedeck_testbed::{Namespace, Testbed};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Generous: two noisy cores run the control plane, the simulator and parallel tests.
const DEADLINE: Duration = Duration::from_secs(150);

fn ts(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

fn q(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn kubectl_json(tb: &Testbed, args: &[&str]) -> Value {
    let (tb, args): (Testbed, Vec<String>) =
        (tb.clone(), args.iter().map(|a| a.to_string()).collect());
    tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        tb.kubectl_json(&a)
    })
    .await
    .unwrap()
}

async fn kubectl_out(tb: &Testbed, args: &[&str]) -> String {
    let (tb, args): (Testbed, Vec<String>) =
        (tb.clone(), args.iter().map(|a| a.to_string()).collect());
    tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = tb.kubectl(&a);
        String::from_utf8_lossy(&out.stdout).into_owned()
    })
    .await
    .unwrap()
}

/// How many objects of a kind kubectl lists in every namespace.
async fn kubectl_count(tb: &Testbed, kind: &str) -> i64 {
    let v = kubectl_json(tb, &["get", kind, "--all-namespaces"]).await;
    v["items"].as_array().map_or(0, |i| i.len() as i64)
}

/// A Deployment of `replicas` pods and a Service in a namespace of their own; waits until the pods run.
async fn workload(tb: &Testbed, replicas: u32) -> (Namespace, Vec<String>) {
    let tb2 = tb.clone();
    let ns = tokio::task::spawn_blocking(move || Namespace::create_in(&tb2, "cmetrics"))
        .await
        .unwrap();
    let n = ns.name().to_owned();
    let manifest = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: {n}}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers: [{{name: app, image: nginx:1.19, resources: {{requests: {{cpu: 100m, memory: 64Mi}}}}}}]\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: {n}}}\nspec:\n  selector: {{app: web}}\n  ports: [{{port: 80}}]\n"
    );
    let tb2 = tb.clone();
    let pods = tokio::task::spawn_blocking(move || {
        let path = std::env::temp_dir().join(format!("{n}.yaml"));
        std::fs::write(&path, manifest).unwrap();
        tb2.kubectl_ok(&["apply", "-f", path.to_str().unwrap()]);
        let _ = std::fs::remove_file(&path);
        kubedeck_testbed::wait_until("the pods to run", DEADLINE, || {
            let pods = tb2.kubectl_json(&[
                "-n",
                &n,
                "get",
                "pods",
                "-l",
                "app=web",
                "--field-selector=status.phase=Running",
            ]);
            let names: Vec<String> = pods["items"]
                .as_array()?
                .iter()
                .map(|p| p["metadata"]["name"].as_str().unwrap().to_owned())
                .collect();
            (names.len() == replicas as usize).then_some(names)
        })
    })
    .await
    .unwrap();
    (ns, pods)
}

/// Allocatable CPU (cores) and memory (bytes) of every node, from kubectl.
async fn allocatable(tb: &Testbed) -> BTreeMap<String, (f64, f64)> {
    let nodes = kubectl_json(tb, &["get", "nodes"]).await;
    nodes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let a = &n["status"]["allocatable"];
            let cpu = kubedeck_kube::quantity::value(a["cpu"].as_str().unwrap()).unwrap();
            let mem = kubedeck_kube::quantity::value(a["memory"].as_str().unwrap()).unwrap();
            (
                n["metadata"]["name"].as_str().unwrap().to_owned(),
                (cpu, mem),
            )
        })
        .collect()
}

async fn cluster_metrics_count_what_kubectl_sees_and_are_the_sums_of_the_nodes() {
    let tb = Testbed::from_env();
    let (_ns, _pods) = workload(&tb, 2).await;
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}/metrics");
    let started = Utc::now();

    // The counts are what kubectl sees (other tests create and delete objects meanwhile: a sample and kubectl's
    // answers taken around it must agree at some point).
    let latest = eventually("the counts to equal kubectl's", DEADLINE, || async {
        let r = app.get(&base, &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        if r.body["stale"] != false {
            return None;
        }
        let d = &r.body["data"];
        let seen = [
            kubectl_count(&tb, "nodes").await,
            kubectl_count(&tb, "pods").await,
            kubectl_count(&tb, "services").await,
            kubectl_count(&tb, "deployments").await,
        ];
        let ours = [
            "node_count",
            "pod_count",
            "service_count",
            "deployment_count",
        ]
        .map(|k| d[k].as_i64().unwrap());
        if ours != seen {
            // shown with the failure: nodes, pods, services, deployments
            eprintln!("counts differ: ours {ours:?}, kubectl {seen:?}");
        }
        (ours == seen).then_some(r.body)
    })
    .await;
    assert_eq!(latest["cluster_id"], id);
    assert_eq!(latest["interval_seconds"], 2);
    let data = &latest["data"];
    assert_eq!(ts(&latest["collected_at"]), ts(&data["timestamp"]));
    assert!(
        data["pod_count"].as_i64().unwrap() >= 2 && data["service_count"].as_i64().unwrap() >= 1
    );
    assert!(data["deployment_count"].as_i64().unwrap() >= 1);

    // CPU and memory are the sums of the nodes' samples of the same pass, over their allocatable resources. The
    // nodes are those kubectl lists after the pass: another test's node deleted in between leaves a pass that
    // cannot be summed again here, so a later pass is taken until every node of one is still there.
    let (sample, cpu, cpu_alloc, mem, mem_alloc, reporting) = eventually("a pass whose nodes can all be read back", DEADLINE, || async {
        let r = app.get(&base, &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let data = r.body["data"].clone();
        let alloc = allocatable(&tb).await;
        let t = ts(&data["timestamp"]);
        let (mut cpu, mut cpu_alloc, mut mem, mut mem_alloc, mut reporting) = (0.0, 0.0, 0.0, 0.0, 0);
        for (node, (c, m)) in &alloc {
            let r = app
                .get(
                    &format!(
                        "/api/v1/k8s/cluster/{id}/nodes/{node}/metrics/history?from={}&to={}",
                        q(t - chrono::Duration::seconds(1)),
                        q(t)
                    ),
                    &admin,
                )
                .await;
            if r.status == StatusCode::NOT_FOUND {
                continue; // a node another test added after our watcher's list
            }
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let items: Vec<&Value> = r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| ts(&i["timestamp"]) == t)
                .collect();
            assert!(items.len() <= 1, "one sample per node and pass: {items:?}");
            if let Some(s) = items.first() {
                reporting += 1;
                cpu += s["cpu_usage"].as_f64().unwrap() / 100.0 * c;
                mem += s["memory_usage"].as_f64().unwrap() / 100.0 * m;
                cpu_alloc += c;
                mem_alloc += m;
            }
        }
        (data["reporting_nodes"] == reporting).then_some((data, cpu, cpu_alloc, mem, mem_alloc, reporting))
    })
    .await;
    let data = &sample;
    let t = ts(&data["timestamp"]);
    assert!(reporting >= 3, "the testbed's nodes reported: {reporting}");
    let close = |a: f64, b: f64, what: &str| {
        assert!(
            (a - b).abs() <= b.abs() * 1e-6 + 1.0,
            "{what}: cluster {a}, sum of the nodes {b}"
        )
    };
    close(
        data["cpu_used_cores"].as_f64().unwrap() * 1e9,
        cpu * 1e9,
        "CPU nanocores",
    );
    close(
        data["cpu_allocatable_cores"].as_f64().unwrap(),
        cpu_alloc,
        "allocatable CPU",
    );
    close(
        data["memory_used_bytes"].as_f64().unwrap(),
        mem,
        "memory bytes",
    );
    close(
        data["memory_allocatable_bytes"].as_f64().unwrap(),
        mem_alloc,
        "allocatable memory",
    );
    close(
        data["cpu_usage"].as_f64().unwrap(),
        cpu / cpu_alloc * 100.0,
        "CPU %",
    );
    close(
        data["memory_usage"].as_f64().unwrap(),
        mem / mem_alloc * 100.0,
        "memory %",
    );
    let storage = data["storage_usage"].as_f64().unwrap();
    assert!(storage > 0.0 && storage < 100.0, "storage {storage}%");
    assert!(
        data["storage_used_bytes"].as_i64().unwrap()
            < data["storage_capacity_bytes"].as_i64().unwrap()
    );

    // History returns the collected samples, oldest first; a step averages them.
    let history = eventually("ten samples in history", DEADLINE, || async {
        let r = app
            .get(
                &format!(
                    "{base}/history?from={}",
                    q(started - chrono::Duration::minutes(1))
                ),
                &admin,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let items = r.body["items"].as_array().unwrap().clone();
        (items.len() >= 10).then_some(items)
    })
    .await;
    assert!(
        history.iter().all(|i| i["resolution"] == "raw"),
        "recent history is raw samples"
    );
    for w in history.windows(2) {
        assert!(
            ts(&w[0]["timestamp"]) < ts(&w[1]["timestamp"]),
            "oldest first, one sample per pass"
        );
    }
    assert!(
        history.iter().any(|i| ts(&i["timestamp"]) == t),
        "history holds the latest sample"
    );
    let (from, to) = (
        ts(&history[0]["timestamp"]),
        ts(&history.last().unwrap()["timestamp"]),
    );
    let stepped = app
        .get(
            &format!("{base}/history?from={}&to={}&step=10", q(from), q(to)),
            &admin,
        )
        .await;
    assert_eq!(stepped.status, StatusCode::OK, "{}", stepped.body);
    assert_eq!(stepped.body["step"], 10);
    let points = stepped.body["items"].as_array().unwrap();
    assert!(
        !points.is_empty() && points.len() < history.len(),
        "{} points from {} samples",
        points.len(),
        history.len()
    );
    for p in points {
        let start = ts(&p["timestamp"]);
        assert_eq!(start.timestamp() % 10, 0, "steps are aligned");
        let inside: Vec<&Value> = history
            .iter()
            .filter(|r| {
                (start..start + chrono::Duration::seconds(10)).contains(&ts(&r["timestamp"]))
            })
            .collect();
        let mean = |k: &str| {
            inside.iter().map(|r| r[k].as_f64().unwrap()).sum::<f64>() / inside.len() as f64
        };
        assert!(
            (p["cpu_used_cores"].as_f64().unwrap() - mean("cpu_used_cores")).abs() < 1e-9,
            "step at {start}"
        );
        assert_eq!(
            p["pod_count"].as_f64().unwrap(),
            mean("pod_count").round(),
            "step at {start}"
        );
        assert_eq!(p["resolution"], "step");
    }

    // Bad parameters are 400 naming the field; an unknown cluster is 404.
    let now = Utc::now();
    for (query, field) in [
        ("from=yesterday".to_owned(), "from"),
        ("to=2026-13-45T00:00:00Z".to_owned(), "to"),
        (
            format!("from={}&to={}", q(now), q(now - chrono::Duration::hours(1))),
            "from",
        ),
        ("step=0".to_owned(), "step"),
        ("step=often".to_owned(), "step"),
        (
            format!("from={}&step=1", q(now - chrono::Duration::days(30))),
            "step",
        ),
    ] {
        let r = app.get(&format!("{base}/history?{query}"), &admin).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.body);
        assert_eq!(r.body["field"], field, "{query}: {}", r.body);
    }
    for path in [
        "/api/v1/k8s/cluster/999999/metrics",
        "/api/v1/k8s/cluster/999999/metrics/history",
    ] {
        let r = app.get(path, &admin).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        assert_eq!(r.body["code"], "cluster_not_found");
    }
    app.stop().await;
}
on_every_backend!(cluster_metrics_count_what_kubectl_sees_and_are_the_sums_of_the_nodes);

async fn cluster_history_is_downsampled_by_the_metrics_retention() {
    let tb = Testbed::from_env();
    let mut opts = AppOptions::default();
    opts.settings.node_metrics.raw_retention = Duration::from_secs(8);
    opts.settings.node_metrics.bucket = Duration::from_secs(4);
    opts.settings.node_metrics.downsampled_retention = Duration::from_secs(600);
    let app = spawn_app_with(opts).await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let base = format!("/api/v1/k8s/cluster/{id}/metrics/history");
    let bucket = chrono::Duration::seconds(4);

    // Every raw sample seen; the first complete bucket after the first sample is followed until it is folded.
    let mut raw: BTreeMap<DateTime<Utc>, Value> = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let (start, avg) = loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for a bucket's raw samples to be replaced by their average; raw seen: {:?}",
            raw.keys().collect::<Vec<_>>()
        );
        let from = q(Utc::now() - chrono::Duration::minutes(10));
        let r = app.get(&format!("{base}?from={from}"), &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let items = r.body["items"].as_array().unwrap().clone();
        for i in items.iter().filter(|i| i["resolution"] == "raw") {
            raw.insert(ts(&i["timestamp"]), i.clone());
        }
        if let Some(first) = raw.keys().next() {
            let start = kubedeck_store::node_metrics::bucket_start(*first, bucket) + bucket;
            if let Some(avg) = items
                .iter()
                .find(|i| i["resolution"] == "4s" && ts(&i["timestamp"]) == start)
            {
                assert!(
                    !items.iter().any(|i| i["resolution"] == "raw"
                        && (start..start + bucket).contains(&ts(&i["timestamp"]))),
                    "raw samples and their average are never both kept: {items:?}"
                );
                break (start, avg.clone());
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let folded: Vec<&Value> = raw.range(start..start + bucket).map(|(_, v)| v).collect();
    assert!(
        !folded.is_empty(),
        "the bucket's raw samples were seen before they were folded"
    );
    for k in [
        "cpu_used_cores",
        "memory_used_bytes",
        "pod_count",
        "service_count",
    ] {
        let mean = folded.iter().map(|v| v[k].as_f64().unwrap()).sum::<f64>() / folded.len() as f64;
        let got = avg[k].as_f64().unwrap();
        assert!(
            (got - mean).abs() <= 0.5 + mean.abs() * 1e-9,
            "{k}: average {got}, mean of the raw samples {mean}"
        );
    }
    app.stop().await;
}
on_every_backend!(cluster_history_is_downsampled_by_the_metrics_retention);

/// Hands the cluster's lease to a replica that does not exist, for ten minutes: this one stops collecting it.
async fn give_lease_away(app: &TestApp, id: i64) {
    use kubedeck_store::entity::lease;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let name = format!("sync:cluster:{id}");
    eventually("the import's lease", DEADLINE, || async {
        app.state
            .store
            .lease_holder(&name)
            .await
            .unwrap()
            .map(|_| ())
    })
    .await;
    lease::Entity::update_many()
        .col_expr(lease::Column::Holder, Expr::value("replica-elsewhere"))
        .col_expr(
            lease::Column::ExpiresAt,
            Expr::value(Utc::now() + chrono::Duration::minutes(10)),
        )
        .filter(lease::Column::Name.eq(name.as_str()))
        .exec(app.state.store.conn())
        .await
        .unwrap();
}

/// `kubectl top pod -n ns` as name → (millicores, MiB).
async fn kubectl_top_pods(tb: &Testbed, ns: &str) -> BTreeMap<String, (u64, u64)> {
    let out = kubectl_out(tb, &["top", "pod", "-n", ns, "--no-headers"]).await;
    out.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((
                f.first()?.to_string(),
                (
                    f.get(1)?.strip_suffix('m')?.parse().ok()?,
                    f.get(2)?.strip_suffix("Mi")?.parse().ok()?,
                ),
            ))
        })
        .collect()
}

/// `kubectl top node` as name → (millicores, MiB).
async fn kubectl_top_nodes(tb: &Testbed) -> BTreeMap<String, (u64, u64)> {
    let out = kubectl_out(tb, &["top", "node", "--no-headers"]).await;
    out.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((
                f.first()?.to_string(),
                (
                    f.get(1)?.strip_suffix('m')?.parse().ok()?,
                    f.get(3)?.strip_suffix("Mi")?.parse().ok()?,
                ),
            ))
        })
        .collect()
}

/// Memory figures move a little between two readings (the simulated working set is a slow wave).
fn memory_close(ours: u64, theirs: u64) -> bool {
    ours.abs_diff(theirs) <= 1 + theirs * 3 / 100
}

/// Checks `.../top/pods?namespace=ns` against `kubectl top pod` until they agree; returns our answer.
async fn top_pods_equal_kubectl(
    app: &TestApp,
    token: &str,
    tb: &Testbed,
    id: i64,
    ns: &str,
    want_cpu: &BTreeMap<String, u64>,
    source: &str,
) -> Value {
    eventually("top pods to equal kubectl top pod", DEADLINE, || async {
        let r = app
            .get(
                &format!("/api/v1/k8s/cluster/{id}/top/pods?namespace={ns}"),
                token,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let theirs = kubectl_top_pods(tb, ns).await;
        let ours: BTreeMap<String, (u64, u64)> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                assert_eq!(p["namespace"], ns);
                (
                    p["name"].as_str().unwrap().to_owned(),
                    (
                        p["cpu_millicores"].as_u64().unwrap(),
                        p["memory_mib"].as_u64().unwrap(),
                    ),
                )
            })
            .collect();
        let same = r.body["source"] == source
            && ours.keys().eq(theirs.keys())
            && ours.keys().eq(want_cpu.keys())
            && ours.iter().all(|(n, (c, m))| {
                *c == want_cpu[n] && theirs[n].0 == *c && memory_close(*m, theirs[n].1)
            });
        same.then_some(r.body)
    })
    .await
}

async fn top_pods_and_nodes_equal_kubectl_top() {
    let tb = Testbed::from_env();
    let (ns, pods) = workload(&tb, 3).await;
    let n = ns.name().to_owned();
    // Each pod at its own CPU, so the order and the figures are exact.
    let want: BTreeMap<String, u64> = pods.iter().cloned().zip([250u64, 120, 40]).collect();
    for (pod, m) in &want {
        let (status, body) = tb.sim(
            "PUT",
            &format!("/pods/{n}/{pod}/cpu"),
            Some(&json!({"millicores": m})),
        );
        assert_eq!(status, 200, "{body}");
    }
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;

    let top = top_pods_equal_kubectl(&app, &admin, &tb, id, &n, &want, "collector").await;
    assert_eq!(top["total"], 3);
    assert!(top["collected_at"].is_string());
    let cpus: Vec<u64> = top["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["cpu_millicores"].as_u64().unwrap())
        .collect();
    assert_eq!(cpus, [250, 120, 40], "highest CPU first");
    for p in top["items"].as_array().unwrap() {
        let containers = p["containers"].as_array().unwrap();
        assert_eq!(containers.len(), 1);
        assert_eq!(containers[0]["name"], "app");
        assert_eq!(containers[0]["cpu_millicores"], p["cpu_millicores"]);
        assert!(p["node"].as_str().is_some_and(|s| !s.is_empty()));
    }
    let by_memory = app
        .get(
            &format!("/api/v1/k8s/cluster/{id}/top/pods?namespace={n}&sort=memory&limit=2"),
            &admin,
        )
        .await;
    assert_eq!(by_memory.status, StatusCode::OK, "{}", by_memory.body);
    assert_eq!(by_memory.body["total"], 3);
    let mems: Vec<u64> = by_memory.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["memory_bytes"].as_u64().unwrap())
        .collect();
    assert_eq!(mems.len(), 2, "limit");
    assert!(mems[0] >= mems[1], "highest memory first: {mems:?}");

    // One pod's figures (its page asks by name).
    let (one, one_cpu) = want.iter().next().unwrap();
    let r = app
        .get(
            &format!("/api/v1/k8s/cluster/{id}/top/pods?namespace={n}&name={one}"),
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(r.body["items"][0]["name"], one.as_str());
    assert_eq!(r.body["items"][0]["cpu_millicores"], *one_cpu);

    // Nodes: CPU and memory as kubectl top node prints them (the node's own share moves between readings).
    eventually("top nodes to equal kubectl top node", DEADLINE, || async {
        let r = app
            .get(&format!("/api/v1/k8s/cluster/{id}/top/nodes"), &admin)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let theirs = kubectl_top_nodes(&tb).await;
        let items = r.body["items"].as_array().unwrap();
        let ours: BTreeMap<String, (u64, u64)> = items
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().to_owned(),
                    (
                        p["cpu_millicores"].as_u64().unwrap(),
                        p["memory_mib"].as_u64().unwrap(),
                    ),
                )
            })
            .collect();
        let cpus: Vec<u64> = items
            .iter()
            .map(|p| p["cpu_millicores"].as_u64().unwrap())
            .collect();
        assert!(
            cpus.windows(2).all(|w| w[0] >= w[1]),
            "highest CPU first: {cpus:?}"
        );
        let common: BTreeSet<&String> = ours.keys().filter(|k| theirs.contains_key(*k)).collect();
        let agree = common.len() >= 3
            && common.iter().all(|k| {
                let ((c, m), (tc, tm)) = (ours[*k], theirs[*k]);
                c.abs_diff(tc) <= 25 + tc / 20 && memory_close(m, tm)
            });
        agree.then_some(())
    })
    .await;

    // Bad parameters are 400 naming the field.
    for (query, field) in [
        ("sort=disk", "sort"),
        ("limit=0", "limit"),
        ("limit=5000", "limit"),
    ] {
        let r = app
            .get(
                &format!("/api/v1/k8s/cluster/{id}/top/pods?{query}"),
                &admin,
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.body);
        assert_eq!(r.body["field"], field, "{query}: {}", r.body);
    }

    // A replica that does not collect the cluster (its lease is another replica's) reads the metrics API: the
    // same figures.
    let opts = AppOptions {
        sync_loop: false,
        ..Default::default()
    };
    let other = spawn_app_with(opts).await;
    let other_admin = other.admin_token().await;
    let other_id = import_testbed(&other, &other_admin, &tb).await;
    give_lease_away(&other, other_id).await;
    top_pods_equal_kubectl(
        &other,
        &other_admin,
        &tb,
        other_id,
        &n,
        &want,
        "metrics_api",
    )
    .await;
    let nodes = other
        .get(
            &format!("/api/v1/k8s/cluster/{other_id}/top/nodes"),
            &other_admin,
        )
        .await;
    assert_eq!(nodes.status, StatusCode::OK, "{}", nodes.body);
    assert!(
        nodes.body["items"].as_array().unwrap().len() >= 3,
        "{}",
        nodes.body
    );
    other.stop().await;
    app.stop().await;
}
on_every_backend!(top_pods_and_nodes_equal_kubectl_top);
