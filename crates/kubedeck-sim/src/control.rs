//! The simulator's control API (plain HTTP on loopback), for tests and demos.
//! Documented in `testbed/README.md`.

use std::{sync::Arc, time::Duration};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::{
    node::{Health, NodeSpec},
    pod::{self, ContainerState},
    sim::{Sim, now_micros},
};

type S = State<Arc<Sim>>;

fn error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({"error": msg.into()}))).into_response()
}

/// An optional JSON body: empty means all defaults.
fn optional_json<T: Default + serde::de::DeserializeOwned>(
    body: &[u8],
) -> Result<T, Box<Response>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            format!("invalid JSON body: {e}"),
        ))
    })
}

/// Binds the control API and returns its base URL.
pub async fn serve(sim: Arc<Sim>) -> anyhow::Result<String> {
    let listener = TcpListener::bind(&sim.opts.control_addr).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/nodes", get(list_nodes).post(add_nodes))
        .route("/nodes/{name}", get(get_node).delete(remove_node))
        .route("/nodes/{name}/ready", post(node_ready))
        .route("/nodes/{name}/not-ready", post(node_not_ready))
        .route("/nodes/{name}/unreachable", post(node_unreachable))
        .route("/pods", get(list_pods))
        .route("/pods/{ns}/{name}/crash", post(crash_pod))
        .route("/pods/{ns}/{name}/rotate-logs", post(rotate_logs))
        .route("/logs/rate", get(get_log_rate).put(set_log_rate))
        .route("/exec-sessions", get(exec_sessions))
        .route("/pods/{ns}/{name}/cpu", axum::routing::put(set_cpu))
        .route("/pods/{ns}/{name}/network", axum::routing::put(set_network))
        .with_state(sim);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("control API stopped: {e}");
        }
    });
    Ok(url)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetCpu {
    /// CPU usage of each of the pod's containers, in millicores; `null` returns to the simulated wave.
    millicores: Option<f64>,
}

/// Sets a pod's CPU usage (each container), as `/stats/summary` and the metrics API report it.
async fn set_cpu(State(sim): S, Path((ns, name)): Path<(String, String)>, body: Bytes) -> Response {
    let req: SetCpu = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid JSON body: {e}")),
    };
    if req.millicores.is_some_and(|m| !m.is_finite() || m < 0.0) {
        return error(StatusCode::BAD_REQUEST, "millicores must be a number >= 0 or null");
    }
    let Some(rt) = sim.pod(&ns, &name) else {
        return error(StatusCode::NOT_FOUND, format!("no simulated pod {ns}/{name}"));
    };
    rt.lock().unwrap().cpu_override = req.millicores.map(|m| m / 1000.0);
    Json(json!({"namespace": ns, "name": name, "millicores": req.millicores})).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetNetwork {
    /// Bytes per second the pod receives; `null` (with `txBytesPerSecond` null) returns to the simulated rate.
    rx_bytes_per_second: Option<f64>,
    /// Bytes per second the pod sends.
    tx_bytes_per_second: Option<f64>,
}

/// Sets a pod's network rates as its `/stats/summary` counters grow from now on (they never go down).
async fn set_network(
    State(sim): S,
    Path((ns, name)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let req: SetNetwork = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid JSON body: {e}")),
    };
    let bad = |v: Option<f64>| v.is_some_and(|v| !v.is_finite() || v < 0.0);
    if bad(req.rx_bytes_per_second) || bad(req.tx_bytes_per_second) {
        return error(
            StatusCode::BAD_REQUEST,
            "rxBytesPerSecond and txBytesPerSecond must be numbers >= 0 or null",
        );
    }
    let Some(rt) = sim.pod(&ns, &name) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("no simulated pod {ns}/{name}"),
        );
    };
    let mut r = rt.lock().unwrap();
    let t = now_micros() as f64 / 1e6;
    let (rx_base, tx_base) = crate::stats::pod_network(&r, t);
    let (rx_now, tx_now) = crate::stats::pod_rates(&r, t);
    r.network_override = match (req.rx_bytes_per_second, req.tx_bytes_per_second) {
        (None, None) => {
            // Back to the seeded rate, continuing from the counters reached (never down).
            let (rx_rate, tx_rate) = {
                let saved = r.network_override.take();
                let rates = crate::stats::pod_rates(&r, t);
                r.network_override = saved;
                rates
            };
            Some(crate::stats::NetworkOverride {
                since: t,
                rx_base,
                tx_base,
                rx_rate,
                tx_rate,
            })
        }
        (rx, tx) => Some(crate::stats::NetworkOverride {
            since: t,
            rx_base,
            tx_base,
            rx_rate: rx.unwrap_or(rx_now),
            tx_rate: tx.unwrap_or(tx_now),
        }),
    };
    Json(json!({"namespace": ns, "name": name, "rxBytesPerSecond": r.network_override.map(|o| o.rx_rate),
                "txBytesPerSecond": r.network_override.map(|o| o.tx_rate)}))
    .into_response()
}

/// The exec sessions open now (a closed client's session is gone from here at once).
async fn exec_sessions(State(sim): S) -> Json<Value> {
    Json(json!(crate::exec::list(&sim)))
}

async fn healthz(State(sim): S) -> Json<Value> {
    let nodes = sim.nodes.read().unwrap().len();
    let pods = sim.pods.read().unwrap().len();
    Json(json!({
        "registered": sim.registered.load(std::sync::atomic::Ordering::SeqCst),
        "nodes": nodes,
        "pods": pods,
        "uptimeSeconds": sim.started.elapsed().as_secs(),
    }))
}

fn node_json(n: &crate::node::SimNode) -> Value {
    json!({
        "name": n.name, "role": n.role, "internalIP": n.ip.to_string(), "kubeletPort": n.port,
        "registered": n.is_registered(), "health": *n.health.lock().unwrap(), "capacity": n.capacity,
    })
}

async fn list_nodes(State(sim): S) -> Json<Value> {
    let nodes: Vec<Value> = sim
        .nodes
        .read()
        .unwrap()
        .values()
        .map(|n| node_json(n))
        .collect();
    Json(json!(nodes))
}

async fn get_node(State(sim): S, Path(name): Path<String>) -> Response {
    match sim.node(&name) {
        Some(n) => Json(node_json(&n)).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            format!("no simulated node named {name}"),
        ),
    }
}

#[derive(Deserialize)]
struct AddNodes {
    #[serde(flatten)]
    spec: NodeSpec,
    /// How many nodes to add (names are generated when more than one).
    #[serde(default = "one")]
    count: usize,
}

fn one() -> usize {
    1
}

/// Adds nodes and answers once they are registered with the apiserver.
async fn add_nodes(State(sim): S, Json(req): Json<AddNodes>) -> Response {
    if req.count == 0 || (req.count > 1 && req.spec.name.is_some()) {
        return error(
            StatusCode::BAD_REQUEST,
            "count must be >= 1, and 1 when a name is given",
        );
    }
    let mut added = Vec::new();
    for _ in 0..req.count {
        match sim.add_node(req.spec.clone()).await {
            Ok(n) => added.push(n),
            Err(e) => return error(StatusCode::CONFLICT, e.to_string()),
        }
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while !added.iter().all(|n| n.is_registered()) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let nodes: Vec<Value> = added.iter().map(|n| node_json(n)).collect();
    (StatusCode::CREATED, Json(json!({"nodes": nodes}))).into_response()
}

async fn remove_node(State(sim): S, Path(name): Path<String>) -> Response {
    match sim.remove_node(&name).await {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => error(
            StatusCode::NOT_FOUND,
            format!("no simulated node named {name}"),
        ),
        Err(e) => error(
            StatusCode::BAD_GATEWAY,
            format!("deleting node {name}: {e}"),
        ),
    }
}

fn set_health(sim: &Sim, name: &str, h: Health) -> Response {
    match sim.node(name) {
        Some(n) => {
            n.set_health(h);
            Json(node_json(&n)).into_response()
        }
        None => error(
            StatusCode::NOT_FOUND,
            format!("no simulated node named {name}"),
        ),
    }
}

async fn node_ready(State(sim): S, Path(name): Path<String>) -> Response {
    set_health(&sim, &name, Health::Ready)
}

#[derive(Deserialize, Default)]
struct NotReady {
    reason: Option<String>,
    message: Option<String>,
}

async fn node_not_ready(State(sim): S, Path(name): Path<String>, body: Bytes) -> Response {
    let req: NotReady = match optional_json(&body) {
        Ok(r) => r,
        Err(e) => return *e,
    };
    set_health(
        &sim,
        &name,
        Health::NotReady {
            reason: req.reason.unwrap_or_else(|| "KubeletNotReady".into()),
            message: req
                .message
                .unwrap_or_else(|| "container runtime is down (simulated by kubedeck-sim)".into()),
        },
    )
}

async fn node_unreachable(State(sim): S, Path(name): Path<String>) -> Response {
    set_health(&sim, &name, Health::Unreachable)
}

async fn list_pods(State(sim): S) -> Json<Value> {
    let entries: Vec<_> = sim
        .pods
        .read()
        .unwrap()
        .values()
        .map(|e| e.runtime.clone())
        .collect();
    let pods: Vec<Value> = entries
        .iter()
        .map(|rt| {
            let r = rt.lock().unwrap();
            let containers: Vec<Value> = r
                .containers
                .iter()
                .map(|c| {
                    let state = match &c.state {
                        ContainerState::Waiting { reason, .. } => format!("waiting:{reason}"),
                        ContainerState::Running { .. } => "running".to_string(),
                        ContainerState::Terminated { reason, .. } => format!("terminated:{reason}"),
                    };
                    json!({"name": c.name, "state": state, "restartCount": c.restart_count})
                })
                .collect();
            json!({"namespace": r.namespace, "name": r.name, "node": r.node, "phase": format!("{:?}", r.phase),
                   "podIP": r.pod_ip, "containers": containers, "logRequests": r.log_requests,
                   "logStreamsOpen": r.log_streams_open})
        })
        .collect();
    Json(json!(pods))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Crash {
    container: Option<String>,
    exit_code: Option<i32>,
}

async fn crash_pod(
    State(sim): S,
    Path((ns, name)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let req: Crash = match optional_json(&body) {
        Ok(r) => r,
        Err(e) => return *e,
    };
    match pod::request_crash(&sim, &ns, &name, req.container, req.exit_code.unwrap_or(1)) {
        Ok(()) => (
            StatusCode::ACCEPTED,
            Json(json!({"crashed": format!("{ns}/{name}")})),
        )
            .into_response(),
        Err(e) => error(StatusCode::NOT_FOUND, e),
    }
}

/// Rotates a pod's logs: every follow open now ends cleanly while its containers keep running (what the
/// kubelet does to `kubectl logs -f` when the runtime rotates the log file).
async fn rotate_logs(State(sim): S, Path((ns, name)): Path<(String, String)>) -> Response {
    match sim.pod(&ns, &name) {
        Some(rt) => {
            let mut r = rt.lock().unwrap();
            r.log_rotations += 1;
            (
                StatusCode::ACCEPTED,
                Json(json!({"rotated": format!("{ns}/{name}"), "logStreamsOpen": r.log_streams_open})),
            )
                .into_response()
        }
        None => error(StatusCode::NOT_FOUND, format!("no pod {ns}/{name}")),
    }
}

async fn get_log_rate(State(sim): S) -> Json<Value> {
    Json(json!({"linesPerSecond": sim.schedule.read().unwrap().current_rate()}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogRate {
    lines_per_second: f64,
}

async fn set_log_rate(State(sim): S, Json(req): Json<LogRate>) -> Response {
    if !(0.0..=1000.0).contains(&req.lines_per_second) {
        return error(
            StatusCode::BAD_REQUEST,
            "linesPerSecond must be between 0 and 1000",
        );
    }
    sim.schedule
        .write()
        .unwrap()
        .set_rate(now_micros(), req.lines_per_second);
    Json(json!({"linesPerSecond": sim.schedule.read().unwrap().current_rate()})).into_response()
}
