//! Pod and workload metrics history against the real testbed: a pod's CPU and network rates set through the
//! simulator's control API show in its history and its containers', a simulated crash shows as a restart (as
//! kubectl counts it), a Deployment's history sums its pods; a deleted pod's history stays readable and says it
//! is stale; bad parameters and unknown names are clear 4xx; a week of samples stays within the row budget.

use crate::helpers::*;
use chrono::{DateTime, Utc};
use kubedeck_api::pod_history::PodHistorySettings;
use kubedeck_store::pod_metrics::{PodSample, RAW};
use kubedeck_testbed::{Namespace, Testbed, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// Generous: two noisy cores run the control plane, the simulator and parallel tests.
const DEADLINE: Duration = Duration::from_secs(150);

fn q(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Pods sampled every 2 s (with the collector), so history fills within a test's patience.
fn fast() -> AppOptions {
    let mut o = AppOptions::default();
    o.settings.node_metrics.pods.interval = Duration::from_secs(2);
    o
}

/// Running pods of the namespace with label `app=<app>`, once there are `n`.
fn running_pods(tb: &Testbed, ns: &str, app: &str, n: usize) -> Vec<String> {
    wait_until(&format!("{n} running pods of {app}"), DEADLINE, || {
        let pods = tb.kubectl_json(&[
            "-n",
            ns,
            "get",
            "pods",
            "-l",
            &format!("app={app}"),
            "--field-selector=status.phase=Running",
        ]);
        let names: Vec<String> = pods["items"]
            .as_array()?
            .iter()
            .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
            .map(|p| p["metadata"]["name"].as_str().unwrap().to_owned())
            .collect();
        (names.len() == n).then_some(names)
    })
}

fn last(v: &Value) -> Option<&Value> {
    v["items"].as_array()?.last()
}

fn close(got: f64, want: f64, tolerance: f64) -> bool {
    (got - want).abs() <= tolerance
}

async fn pod_history_follows_the_simulated_cpu_network_and_restarts() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "podm");
    let n = ns.name();
    apply(
        &tb,
        &format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: {n}}}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers:\n      - {{name: app, image: nginx:1.19, resources: {{requests: {{cpu: 100m, memory: 64Mi}}}}}}\n      - {{name: sidecar, image: busybox:1.32, resources: {{requests: {{cpu: 50m, memory: 32Mi}}}}}}\n"
        ),
    );
    let pods = running_pods(&tb, n, "web", 2);
    for (i, p) in pods.iter().enumerate() {
        let (s, b) = tb.sim(
            "PUT",
            &format!("/pods/{n}/{p}/cpu"),
            Some(&json!({"millicores": 300})),
        );
        assert_eq!(s, 200, "{b}");
        let rx = 40_000 + 10_000 * i as u64;
        let (s, b) = tb.sim(
            "PUT",
            &format!("/pods/{n}/{p}/network"),
            Some(&json!({"rxBytesPerSecond": rx, "txBytesPerSecond": rx / 4})),
        );
        assert_eq!(s, 200, "{b}");
    }
    let app = spawn_app_with(fast()).await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;

    // The pod's history: 2 containers at 300m each, and the network rates set.
    let p0 = &pods[0];
    let url = format!("/api/v1/k8s/cluster/{id}/namespaces/{n}/pods/{p0}/metrics/history");
    let h = eventually(
        "the pod's history to show the set CPU and rates",
        DEADLINE,
        || async {
            let r = app.get(&url, &admin).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let l = last(&r.body)?;
            let ok = close(l["cpu_cores"].as_f64()?, 0.6, 0.002)
                && l["network_in"].as_i64() == Some(40_000)
                && l["network_out"].as_i64() == Some(10_000)
                && r.body["stale"] == false;
            if !ok {
                eprintln!("last point: {l}");
            }
            ok.then_some(r.body)
        },
    )
    .await;
    assert_eq!(
        h["step"],
        Value::Null,
        "an hour of samples is returned as stored"
    );
    let containers: Vec<&str> = h["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(containers, ["app", "sidecar"]);
    for c in h["containers"].as_array().unwrap() {
        let l = last(c).unwrap();
        assert!(close(l["cpu_cores"].as_f64().unwrap(), 0.3, 0.001), "{c}");
        assert!(l["memory_bytes"].as_i64().unwrap() > 0, "{c}");
    }
    // The pod's memory is its containers' sum at the same time.
    let t = last(&h).unwrap()["timestamp"].clone();
    let at_t = |c: &Value| {
        c["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["timestamp"] == t)
            .unwrap()["memory_bytes"]
            .as_i64()
            .unwrap()
    };
    let sum: i64 = h["containers"].as_array().unwrap().iter().map(at_t).sum();
    assert_eq!(last(&h).unwrap()["memory_bytes"].as_i64().unwrap(), sum);

    // The Deployment's history sums both pods.
    let wurl = format!("/api/v1/k8s/cluster/{id}/namespaces/{n}/deployments/web/metrics/history");
    let w = eventually(
        "the Deployment's history to sum both pods",
        DEADLINE,
        || async {
            let r = app.get(&wurl, &admin).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let l = last(&r.body)?;
            let ok = l["pods"] == 2
                && close(l["cpu_cores"].as_f64()?, 1.2, 0.004)
                && l["network_in"].as_i64() == Some(90_000);
            ok.then_some(r.body)
        },
    )
    .await;
    assert_eq!(w["kind"], "Deployment");
    assert_eq!(w["pods_counted"], 2);

    // A simulated crash: the restart shows in the pod's history as kubectl counts it.
    let (s, b) = tb.sim(
        "POST",
        &format!("/pods/{n}/{p0}/crash"),
        Some(&json!({"container": "app"})),
    );
    assert_eq!(s, 202, "{b}");
    let kubectl_restarts = wait_until("kubectl to count the restart", DEADLINE, || {
        let pod = tb.kubectl_json(&["-n", n, "get", "pod", p0]);
        let r: i64 = pod["status"]["containerStatuses"]
            .as_array()?
            .iter()
            .map(|c| c["restartCount"].as_i64().unwrap_or(0))
            .sum();
        (r >= 1).then_some(r)
    });
    eventually("the restart in the pod's history", DEADLINE, || async {
        let r = app.get(&url, &admin).await;
        (last(&r.body)?["restarts"].as_i64()? == kubectl_restarts).then_some(())
    })
    .await;
    eventually(
        "the restart in the Deployment's history",
        DEADLINE,
        || async {
            let r = app.get(&wurl, &admin).await;
            (last(&r.body)?["restarts"].as_i64()? == kubectl_restarts).then_some(())
        },
    )
    .await;
    app.stop().await;
}
on_every_backend!(pod_history_follows_the_simulated_cpu_network_and_restarts);

async fn a_deleted_pods_history_stays_and_says_it_is_stale_and_bad_queries_are_4xx() {
    let tb = Testbed::from_env();
    let ns = Namespace::create_in(&tb, "podm");
    let n = ns.name();
    apply(
        &tb,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: solo, namespace: {n}, labels: {{app: solo}}}}\nspec:\n  terminationGracePeriodSeconds: 0\n  containers: [{{name: app, image: nginx:1.19, resources: {{requests: {{cpu: 100m}}}}}}]\n"
        ),
    );
    running_pods(&tb, n, "solo", 1);
    let app = spawn_app_with(fast()).await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let url = format!("/api/v1/k8s/cluster/{id}/namespaces/{n}/pods/solo/metrics/history");
    eventually("samples of the pod", DEADLINE, || async {
        let r = app.get(&url, &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        (r.body["stale"] == false && !r.body["items"].as_array()?.is_empty()).then_some(())
    })
    .await;
    let r = app.get(&url, &admin).await;
    assert_eq!(
        r.body["containers"],
        json!([]),
        "a lone container's figures are the pod's"
    );

    tb.kubectl_ok(&["-n", n, "delete", "pod", "solo", "--wait=true"]);
    let gone = eventually(
        "the deleted pod's history to be stale",
        DEADLINE,
        || async {
            let r = app.get(&url, &admin).await;
            assert_eq!(
                r.status,
                StatusCode::OK,
                "a deleted pod's history stays readable: {}",
                r.body
            );
            (r.body["stale"] == true).then_some(r.body)
        },
    )
    .await;
    let items = gone["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{gone}");
    assert_eq!(gone["last_timestamp"], items.last().unwrap()["timestamp"]);

    // Errors, as node metrics history answers them.
    let base = format!("/api/v1/k8s/cluster/{id}/namespaces/{n}");
    let r = app
        .get(&format!("{base}/pods/never-was/metrics/history"), &admin)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(r.body["code"], "pod_not_found");
    let r = app.get(&format!("{url}?step=0"), &admin).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.body["field"], "step");
    let now = Utc::now();
    let r = app
        .get(
            &format!(
                "{url}?from={}&to={}",
                q(now),
                q(now - chrono::Duration::hours(1))
            ),
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.body["field"], "from");
    let r = app
        .get(
            &format!("{base}/deployments/never-was/metrics/history"),
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(r.body["code"], "object_not_found");
    let r = app
        .get(
            &format!("{base}/configmaps/kube-root-ca.crt/metrics/history"),
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(r.body["code"], "verb_not_supported");
    let r = app
        .get(
            &format!("/api/v1/k8s/cluster/999999/namespaces/{n}/pods/solo/metrics/history"),
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    app.stop().await;
}
on_every_backend!(a_deleted_pods_history_stays_and_says_it_is_stale_and_bad_queries_are_4xx);

async fn a_week_of_pod_samples_stays_within_the_row_budget() {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let settings = PodHistorySettings::default();
    let store = &app.state.store;
    // Seven days of one-minute samples of a pod with two containers (three series), as the collector writes them.
    // The pod stopped five minutes ago.
    let now = Utc::now();
    let start = now - chrono::Duration::days(7);
    let stopped = now - chrono::Duration::minutes(5);
    let mut rows = Vec::new();
    let mut t = start;
    while t <= stopped {
        for (container, cpu) in [("", 0.5), ("app", 0.3), ("sidecar", 0.2)] {
            rows.push(PodSample {
                cluster_id: id,
                namespace: "budget".into(),
                pod_name: "web-0".into(),
                container: container.into(),
                workload: "StatefulSet/web".into(),
                cpu_cores: cpu,
                memory_bytes: 1 << 20,
                network_in: container.is_empty().then_some(1000),
                network_out: container.is_empty().then_some(500),
                restarts: 0,
                resolution: RAW.into(),
                timestamp: t,
            });
        }
        t += chrono::Duration::seconds(60);
    }
    let written = rows.len() as u64;
    store.insert_pod_samples(&rows).await.unwrap();
    let report = store
        .apply_pod_metrics_retention(settings.policy(), now)
        .await
        .unwrap();
    let kept = store.count_pod_rows(id, "budget", "web-0").await.unwrap();
    let budget = 3 * settings.rows_per_series();
    assert!(
        kept <= budget,
        "{kept} rows kept of {written}, budget {budget} ({report:?})"
    );
    assert!(
        kept >= 3 * (7 * 24 - 1),
        "the week is still there, as hourly averages: {kept}"
    );

    // The week reads back as hourly averages and the last hour's samples, with their figures.
    let url = format!(
        "/api/v1/k8s/cluster/{id}/namespaces/budget/pods/web-0/metrics/history?from={}&to={}",
        q(start),
        q(now)
    );
    let r = app.get(&url, &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let items = r.body["items"].as_array().unwrap();
    assert!(
        items.len() as u64 <= settings.rows_per_series(),
        "{}",
        items.len()
    );
    assert_eq!(items[0]["resolution"], "1h");
    assert_eq!(items.last().unwrap()["resolution"], "raw");
    assert!(
        items
            .iter()
            .all(|i| close(i["cpu_cores"].as_f64().unwrap(), 0.5, 1e-9))
    );
    assert!(items.iter().all(|i| i["network_in"] == 1000));
    assert_eq!(
        r.body["stale"], true,
        "synthetic samples of a pod that does not run now"
    );
    // The StatefulSet's history reads the same rows (it no longer exists: its history does).
    let r = app
        .get(
            &format!("/api/v1/k8s/cluster/{id}/namespaces/budget/statefulsets/web/metrics/history?from={}&to={}", q(start), q(now)),
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["pods_counted"], 1);
    assert_eq!(r.body["items"].as_array().unwrap().len(), items.len());
    app.stop().await;
}
on_every_backend!(a_week_of_pod_samples_stays_within_the_row_budget);

/// The database folds pod samples (one `INSERT ... SELECT ... GROUP BY` a bucket, so 150,000 pods' hour is not read
/// into memory); its averages are the ones `average_by_bucket` computes in Rust from the same samples: CPU and
/// memory averaged, network over the known rates only (a bucket with none stays unknown), restarts the highest.
async fn the_database_folds_pod_samples_to_the_averages_rust_computes() {
    let tb = Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let store = &app.state.store;
    let settings = PodHistorySettings::default();
    let now = Utc::now();
    let hour = chrono::Duration::hours(1);
    // three hours of samples, 90 s apart, for two pods (one with two containers); values that vary
    let start = kubedeck_store::metric_history::bucket_start(now - hour * 4, hour);
    let mut raw = Vec::new();
    let mut t = start;
    let mut i: i64 = 0;
    while t < start + hour * 3 {
        for (pod, container) in [("a-0", ""), ("a-0", "app"), ("a-0", "sidecar"), ("b-0", "")] {
            i += 1;
            raw.push(PodSample {
                cluster_id: id,
                namespace: "fold".into(),
                pod_name: pod.into(),
                container: container.into(),
                workload: format!("StatefulSet/{}", &pod[..1]),
                cpu_cores: (i % 7) as f64 * 0.125 + 0.01,
                memory_bytes: 1_000_000 + (i * 7919) % 100_003,
                // the first hour of b-0 has no known rate; others miss one in three
                network_in: (container.is_empty() && !(pod == "b-0" && t < start + hour) && i % 3 != 0)
                    .then_some(1000 + i * 13),
                network_out: (container.is_empty() && i % 2 == 0).then_some(500 + i),
                restarts: (i / 40) as i32,
                resolution: RAW.into(),
                timestamp: t,
            });
        }
        t += chrono::Duration::seconds(90);
    }
    store.insert_pod_samples(&raw).await.unwrap();
    // (the collector's own retention pass may fold them first: the same code, so only what is stored is compared)
    store
        .apply_pod_metrics_retention(settings.policy(), now)
        .await
        .unwrap();
    let want = kubedeck_store::pod_metrics::average_by_bucket(
        &raw,
        hour,
        &kubedeck_store::metric_history::resolution_label(hour),
    );
    for pod in ["a-0", "b-0"] {
        let got = store
            .pod_samples(id, "fold", pod, start, now)
            .await
            .unwrap();
        let want: Vec<&PodSample> = want.iter().filter(|w| w.pod_name == pod).collect();
        assert_eq!(got.len(), want.len(), "{pod}: {got:?}");
        for w in want {
            let g = got
                .iter()
                .find(|g| g.container == w.container && g.timestamp == w.timestamp)
                .unwrap_or_else(|| panic!("no average for {w:?} in {got:?}"));
            assert_eq!(
                (&g.resolution, &g.workload, g.restarts, g.network_in.is_some(), g.network_out.is_some()),
                (&w.resolution, &w.workload, w.restarts, w.network_in.is_some(), w.network_out.is_some()),
                "{pod}/{}: {g:?} vs {w:?}",
                w.container
            );
            assert!(close(g.cpu_cores, w.cpu_cores, 1e-9), "{g:?} vs {w:?}");
            // rounding of the mean may differ by one at .5 (SQLite's AVG is a double)
            assert!((g.memory_bytes - w.memory_bytes).abs() <= 1, "{g:?} vs {w:?}");
            for (a, b) in [(g.network_in, w.network_in), (g.network_out, w.network_out)] {
                assert!(a.zip(b).is_none_or(|(a, b)| (a - b).abs() <= 1), "{g:?} vs {w:?}");
            }
        }
    }
    app.stop().await;
}
on_every_backend!(the_database_folds_pod_samples_to_the_averages_rust_computes);
