//! The alert engine's evaluation cost (issue 16, Figures): one full evaluation of a cluster's rules at N pods, as
//! the loop does it each `--alert-eval-interval-secs` on the lease holder, without the database round trips:
//! the pods' facts read from a store of the projected pods (`PodLite`, the hub's shape), crash-loop sightings,
//! every built-in rule, the lifecycle step against the open alerts and the notice schedule.
//!
//! ```text
//! cargo run --release -p kubedeck-api --example alert_eval_bench -- [PODS=150000] [RUNS=9]
//! ```
//!
//! Pods: 50 a namespace, 1 % in CrashLoopBackOff, 0.5 % Pending, the rest Running and ready; 3 % of namespaces'
//! Deployments short of replicas; 50 nodes. The first pass opens the alerts (kept as the tracked rows, as after
//! their insert); the timed passes are the steady state (every alert already open). The time is the thread's CPU
//! time (`CLOCK_THREAD_CPUTIME_ID`, read from /proc), median of RUNS.

use chrono::Utc;
use kubedeck_api::alerting::rules::{self, CrashSeen, Facts, NodeFacts, ReplicaFacts};
use kubedeck_api::alerting::{dispatch, evaluate_with_pods, lifecycle};
use kubedeck_kube::intern::Sym;
use kubedeck_kube::pods::PodLite;
use kubedeck_store::alerts::Alert;
use kubedeck_store::entity::alert;
use sea_orm::ActiveValue;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

fn pod(ns: &str, name: &str, i: usize) -> k8s_openapi::api::core::v1::Pod {
    let (phase, state) = if i % 100 == 7 {
        (
            "Running",
            json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}}),
        )
    } else if i % 200 == 13 {
        (
            "Pending",
            json!({"waiting": {"reason": "ContainerCreating"}}),
        )
    } else {
        (
            "Running",
            json!({"running": {"startedAt": "2026-11-30T10:00:00Z"}}),
        )
    };
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": ns, "labels": {"app": format!("app-{}", i % 50), "tier": "web"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("rs-{}", i % 50), "uid": "u", "controller": true}]},
        "spec": {"nodeName": format!("worker-{}", i % 50), "containers": [{"name": "app", "image": "busybox"}]},
        "status": {"phase": phase, "containerStatuses": [{"name": "app", "image": "busybox", "imageID": "", "ready": phase == "Running" && state.get("running").is_some(),
            "restartCount": if i % 100 == 7 { 5 } else { 0 }, "state": state}]}
    }))
    .expect("a pod")
}

/// The row an insert makes (with an id), as the loop reads it back.
fn row(am: &alert::ActiveModel, id: i64) -> Alert {
    let v = |x: &ActiveValue<String>| x.clone().unwrap();
    Alert {
        id,
        cluster_id: am.cluster_id.clone().unwrap(),
        rule: v(&am.rule),
        severity: v(&am.severity),
        fingerprint: v(&am.fingerprint),
        group_key: v(&am.group_key),
        namespace: v(&am.namespace),
        labels: v(&am.labels),
        annotations: v(&am.annotations),
        state: v(&am.state),
        source: v(&am.source),
        value: am.value.clone().unwrap(),
        active_at: am.active_at.clone().unwrap(),
        starts_at: am.starts_at.clone().unwrap(),
        ends_at: None,
        last_evaluated_at: am.last_evaluated_at.clone().unwrap(),
        acknowledged_by: None,
        acknowledged_at: None,
        resolved_by: None,
        resolved_why: None,
        held_until_clear: false,
        silenced_by: None,
        notified_state: "firing".into(),
        last_notified_at: Some(Utc::now()),
    }
}

/// This thread's CPU time.
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    Duration::from_nanos(
        stat.split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
    )
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(150_000);
    let runs = args.get(1).copied().unwrap_or(9);
    let namespaces = n.div_ceil(50);
    let mut pods: HashMap<(Sym, Sym), Arc<PodLite>> = HashMap::with_capacity(n);
    for i in 0..n {
        let ns = format!("ns-{}", i / 50);
        let p = kubedeck_kube::pods::project(&pod(&ns, &format!("pod-{i}"), i));
        pods.insert(p.store_key(), Arc::new(p));
    }
    let base = || Facts {
        nodes: Some(
            (0..50)
                .map(|i| NodeFacts {
                    name: format!("worker-{i}"),
                    ready: Some("True".into()),
                    unreachable: false,
                })
                .collect(),
        ),
        replicas: Some(
            (0..namespaces)
                .map(|i| ReplicaFacts {
                    kind: "Deployment",
                    namespace: format!("ns-{i}"),
                    name: "web".into(),
                    desired: 3,
                    available: if i % 33 == 0 { 2 } else { 3 },
                    updated: 3,
                })
                .collect(),
        ),
        failed_jobs: Some(Vec::new()),
        hpas: Some(Vec::new()),
        quotas: Some(Vec::new()),
        volumes: Some(Vec::new()),
        node_usage: Some(Vec::new()),
        ..Default::default()
    };
    let all = rules::effective_rules(&[]);
    let mut seen = CrashSeen::default();
    let timing = |_: &str| dispatch::Timing::default();

    // the first pass opens the alerts; they are the tracked rows from then on
    let now = Utc::now();
    let first = evaluate_with_pods(&pods, &all, base(), &mut seen, now);
    let opened = lifecycle::step(
        1,
        "bench",
        &[],
        &first.findings,
        &all,
        &first.skipped,
        &[],
        now,
    );
    let tracked: Vec<Alert> = opened
        .insert
        .iter()
        .enumerate()
        .map(|(i, am)| row(am, i as i64 + 1))
        .collect();

    let mut times = Vec::new();
    let mut last = (0, 0, 0);
    for _ in 0..runs {
        let now = Utc::now();
        let t0 = cpu();
        let e = evaluate_with_pods(&pods, &all, base(), &mut seen, now);
        let changes = lifecycle::step(
            1,
            "bench",
            &tracked,
            &e.findings,
            &all,
            &e.skipped,
            &[],
            now,
        );
        let sends = dispatch::due(1, "bench", &tracked, &timing, &|_| Vec::new(), now);
        times.push(cpu() - t0);
        last = (
            e.findings.len(),
            changes.insert.len() + changes.update.len() + changes.delete.len(),
            sends.len(),
        );
    }
    times.sort();
    println!(
        "pods {n}, namespaces {namespaces}, open alerts {}, findings {}, changes {}, notices due {}",
        tracked.len(),
        last.0,
        last.1,
        last.2
    );
    println!(
        "one full evaluation, CPU: median {:.1} ms, min {:.1} ms, max {:.1} ms ({runs} runs)",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}
