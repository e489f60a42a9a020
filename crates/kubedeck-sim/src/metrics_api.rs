//! The resource metrics API (`metrics.k8s.io/v1beta1`, what metrics-server serves), fed by the same usage
//! figures as `/stats/summary` ([`crate::stats`]).
//!
//! Served over HTTPS (the kubelet certificate) on `--metrics-addr`; the testbed registers it with the
//! apiserver's aggregation layer (an APIService `v1beta1.metrics.k8s.io` pointing at an ExternalName Service
//! `localhost:<port>`), so `kubectl top`, the kube-controller-manager's HPA controller and Kubedeck read it as
//! on a real cluster. NodeMetrics and PodMetrics, get and list, `labelSelector` with `=`, `==` and `!=` terms.
//! A pod's CPU can be raised through the control API (`PUT /pods/{ns}/{name}/cpu`) to drive an HPA.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto,
    service::TowerToHyperService,
};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::{
    logs::format_secs,
    pod::PodRuntime,
    sim::{Sim, now_micros},
    stats,
};

const GV: &str = "metrics.k8s.io/v1beta1";

type S = State<Arc<Sim>>;

/// Serves the API on `listener` (TLS with the kubelet certificate).
pub fn serve(sim: Arc<Sim>, listener: TcpListener) {
    let tls = sim.tls.clone();
    let base = "/apis/metrics.k8s.io/v1beta1";
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(base, get(discovery))
        .route(&format!("{base}/nodes"), get(list_nodes))
        .route(&format!("{base}/nodes/{{name}}"), get(get_node))
        .route(&format!("{base}/pods"), get(list_all_pods))
        .route(&format!("{base}/namespaces/{{ns}}/pods"), get(list_pods))
        .route(
            &format!("{base}/namespaces/{{ns}}/pods/{{name}}"),
            get(get_pod),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, "not served by kubedeck-sim\n") })
        .with_state(sim);
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            let tls = tls.clone();
            let svc = TowerToHyperService::new(router.clone());
            tokio::spawn(async move {
                let Ok(stream) = tls.accept(tcp).await else {
                    return;
                };
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
}

fn not_found(kind: &str, name: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!("{kind} \"{name}\" not found"), "reason": "NotFound", "code": 404}),
        ),
    )
        .into_response()
}

async fn discovery() -> Json<Value> {
    Json(json!({
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": GV,
        "resources": [
            {"name": "nodes", "singularName": "", "namespaced": false, "kind": "NodeMetrics", "verbs": ["get", "list"]},
            {"name": "pods", "singularName": "", "namespaced": true, "kind": "PodMetrics", "verbs": ["get", "list"]},
        ]
    }))
}

fn cpu(nano_cores: f64) -> String {
    format!("{}n", nano_cores.max(0.0) as u64)
}

fn memory(bytes: f64) -> String {
    format!("{}Ki", (bytes.max(0.0) / 1024.0) as u64)
}

/// One pod's PodMetrics, or `None` when no container runs.
fn pod_metrics(pod: &PodRuntime, now: i64, rate: f64) -> Option<Value> {
    let usages: Vec<stats::ContainerUsage> = pod
        .containers
        .iter()
        .filter_map(|c| stats::container_usage(pod, c, now, rate))
        .collect();
    if usages.is_empty() {
        return None;
    }
    let containers: Vec<Value> = usages
        .iter()
        .map(|u| json!({"name": u.name, "usage": {"cpu": cpu(u.nano_cores), "memory": memory(u.working_set)}}))
        .collect();
    Some(json!({
        "kind": "PodMetrics", "apiVersion": GV,
        "metadata": {"name": pod.name, "namespace": pod.namespace, "creationTimestamp": format_secs(now), "labels": pod.labels},
        "timestamp": format_secs(now), "window": "30s", "containers": containers,
    }))
}

/// Equality-based label selector terms (`a=b`, `a==b`, `a!=b`, bare `a` for "has the label").
fn matches(selector: Option<&String>, labels: &BTreeMap<String, String>) -> bool {
    let Some(sel) = selector.filter(|s| !s.trim().is_empty()) else {
        return true;
    };
    sel.split(',').all(|term| {
        let term = term.trim();
        if let Some((k, v)) = term.split_once("!=") {
            labels.get(k.trim()).map(String::as_str) != Some(v.trim())
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            labels.get(k.trim()).map(String::as_str) == Some(v.trim())
        } else if let Some(k) = term.strip_prefix('!') {
            !labels.contains_key(k.trim())
        } else {
            labels.contains_key(term)
        }
    })
}

fn pods_json(
    sim: &Sim,
    ns: Option<&str>,
    name: Option<&str>,
    selector: Option<&String>,
) -> Vec<Value> {
    let now = now_micros();
    let rate = sim.schedule.read().unwrap().current_rate();
    let runtimes: Vec<_> = sim
        .pods
        .read()
        .unwrap()
        .values()
        .map(|e| e.runtime.clone())
        .collect();
    let mut out: Vec<Value> = runtimes
        .iter()
        .filter_map(|rt| {
            let r = rt.lock().unwrap();
            if ns.is_some_and(|n| n != r.namespace)
                || name.is_some_and(|n| n != r.name)
                || !matches(selector, &r.labels)
            {
                return None;
            }
            pod_metrics(&r, now, rate)
        })
        .collect();
    out.sort_by(|a, b| {
        (
            a["metadata"]["namespace"].as_str(),
            a["metadata"]["name"].as_str(),
        )
            .cmp(&(
                b["metadata"]["namespace"].as_str(),
                b["metadata"]["name"].as_str(),
            ))
    });
    out
}

fn list(kind: &str, items: Vec<Value>) -> Json<Value> {
    Json(json!({"kind": kind, "apiVersion": GV, "metadata": {}, "items": items}))
}

async fn list_all_pods(State(sim): S, Query(q): Query<BTreeMap<String, String>>) -> Json<Value> {
    list(
        "PodMetricsList",
        pods_json(&sim, None, None, q.get("labelSelector")),
    )
}

async fn list_pods(
    State(sim): S,
    Path(ns): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Json<Value> {
    list(
        "PodMetricsList",
        pods_json(&sim, Some(&ns), None, q.get("labelSelector")),
    )
}

async fn get_pod(State(sim): S, Path((ns, name)): Path<(String, String)>) -> Response {
    match pods_json(&sim, Some(&ns), Some(&name), None).pop() {
        Some(p) => Json(p).into_response(),
        None => not_found("podmetrics", &name),
    }
}

fn node_metrics(sim: &Sim, name: &str) -> Option<Value> {
    let node = sim.node(name)?;
    let pods = sim.pods_on(name);
    let guards: Vec<_> = pods.iter().map(|p| p.lock().unwrap()).collect();
    let refs: Vec<&PodRuntime> = guards.iter().map(|g| &**g).collect();
    let rate = sim.schedule.read().unwrap().current_rate();
    let now = now_micros();
    let summary = {
        let mut counters = node.counters.lock().unwrap();
        stats::summary(&node, &refs, &mut counters, now, rate, &stats::ClaimCapacities::new())
    };
    let n = &summary["node"];
    Some(json!({
        "kind": "NodeMetrics", "apiVersion": GV,
        "metadata": {"name": name, "creationTimestamp": format_secs(now), "labels": node.labels},
        "timestamp": format_secs(now), "window": "30s",
        "usage": {"cpu": cpu(n["cpu"]["usageNanoCores"].as_f64().unwrap_or(0.0)),
                  "memory": memory(n["memory"]["workingSetBytes"].as_f64().unwrap_or(0.0))},
    }))
}

async fn list_nodes(State(sim): S) -> Json<Value> {
    let names: Vec<String> = sim.nodes.read().unwrap().keys().cloned().collect();
    list(
        "NodeMetricsList",
        names.iter().filter_map(|n| node_metrics(&sim, n)).collect(),
    )
}

async fn get_node(State(sim): S, Path(name): Path<String>) -> Response {
    match node_metrics(&sim, &name) {
        Some(n) => Json(n).into_response(),
        None => not_found("nodemetrics", &name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_selectors_match_like_the_apiserver() {
        let labels: BTreeMap<String, String> = [
            ("app".to_owned(), "web".to_owned()),
            ("tier".to_owned(), "fe".to_owned()),
        ]
        .into();
        let m = |s: &str| matches(Some(&s.to_owned()), &labels);
        assert!(m("app=web"));
        assert!(m("app==web,tier=fe"));
        assert!(!m("app=db"));
        assert!(m("app!=db"));
        assert!(m("tier") && !m("!tier"));
        assert!(matches(None, &labels));
    }
}
