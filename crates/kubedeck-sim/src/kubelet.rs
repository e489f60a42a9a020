//! The kubelet HTTPS endpoints of one simulated node, as the apiserver proxies to them:
//! `/containerLogs/{ns}/{pod}/{container}`, `/exec/{ns}/{pod}/{container}` (see [`crate::exec`]),
//! `/stats/summary`, `/pods` and `/healthz`.

use std::{collections::HashMap, convert::Infallible, sync::Arc, time::Duration};

use axum::{
    Json, Router,
    body::{Body, Bytes},
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto,
    service::TowerToHyperService,
};
use serde_json::json;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use crate::{
    logs::{self, Instance, Micros, Schedule},
    node::SimNode,
    pod::ContainerState,
    sim::{Sim, now_micros},
    stats,
};

#[derive(Clone)]
struct Ctx {
    sim: Arc<Sim>,
    node: Arc<SimNode>,
}

/// Serves the node's endpoints on `listener` until `cancel` fires.
pub fn serve(sim: Arc<Sim>, node: Arc<SimNode>, listener: TcpListener, cancel: CancellationToken) {
    let tls = sim.tls.clone();
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/containerLogs/{ns}/{pod}/{container}", get(container_logs))
        .route("/exec/{ns}/{pod}/{container}", get(exec))
        .route("/stats/summary", get(stats_summary))
        .route("/pods", get(pods))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not supported by kubedeck-sim\n") })
        .with_state(Ctx { sim, node });
    tokio::spawn(async move {
        loop {
            let (tcp, _) = tokio::select! {
                _ = cancel.cancelled() => return,
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        debug!("kubelet accept: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            let tls = tls.clone();
            let svc = TowerToHyperService::new(router.clone());
            let cancel = cancel.clone();
            tokio::spawn(async move {
                let Ok(stream) = tls.accept(tcp).await else {
                    return;
                };
                let conn = auto::Builder::new(TokioExecutor::new());
                tokio::select! {
                    // With upgrades: exec switches the connection to a WebSocket.
                    _ = conn.serve_connection_with_upgrades(TokioIo::new(stream), svc) => {}
                    _ = cancel.cancelled() => {}
                }
            });
        }
    });
}

fn bad_request(msg: String) -> Response {
    (StatusCode::BAD_REQUEST, msg).into_response()
}

fn flag(params: &HashMap<String, String>, k: &str) -> bool {
    params.get(k).is_some_and(|v| v == "true" || v == "1")
}

/// Which run of the container a request reads, following kubelet's rules.
fn pick_instance(
    c: &crate::pod::ContainerRuntime,
    pod: &str,
    previous: bool,
) -> Result<Instance, String> {
    let name = &c.name;
    if previous {
        return c.last.as_ref().map(|(i, _, _)| i.clone()).ok_or_else(|| {
            format!("previous terminated container \"{name}\" in pod \"{pod}\" not found")
        });
    }
    match (&c.state, &c.last) {
        (ContainerState::Running { inst }, _) | (ContainerState::Terminated { inst, .. }, _) => {
            Ok(inst.clone())
        }
        (ContainerState::Waiting { .. }, Some((inst, _, _))) => Ok(inst.clone()),
        (ContainerState::Waiting { reason, .. }, None) => Err(format!(
            "container \"{name}\" in pod \"{pod}\" is waiting to start: {reason}"
        )),
    }
}

/// How a run ended, or `None` while it is still the running one. A pod that is gone ends it now.
fn finish_of(sim: &Sim, ns: &str, pod: &str, inst: &Instance) -> Option<(Micros, i32)> {
    let Some(rt) = sim.pod(ns, pod) else {
        return Some((now_micros(), 0));
    };
    let r = rt.lock().unwrap();
    let Some(c) = r.containers.iter().find(|c| c.name == inst.container) else {
        return Some((now_micros(), 0));
    };
    let same = |i: &Instance| i.restart == inst.restart && i.started == inst.started;
    match (&c.state, &c.last) {
        (ContainerState::Running { inst: i }, _) if same(i) => None,
        (ContainerState::Terminated { inst: i, .. }, _) if same(i) => i.finished,
        (_, Some((i, _, _))) if same(i) => i.finished,
        _ => Some((now_micros(), 0)),
    }
}

/// The state of one streaming log response.
/// Counts a log request as open for as long as its response body lives.
struct OpenLogStream(Arc<std::sync::Mutex<crate::pod::PodRuntime>>);

impl Drop for OpenLogStream {
    fn drop(&mut self) {
        let mut r = self.0.lock().unwrap();
        r.log_streams_open = r.log_streams_open.saturating_sub(1);
    }
}

struct LogStream {
    /// The pod's log rotations when the request arrived: a later one ends a follow.
    rotations: u64,
    _open: OpenLogStream,
    sim: Arc<Sim>,
    ns: String,
    inst: Instance,
    own_schedule: Option<Schedule>,
    base: u64,
    next: u64,
    /// Non-follow requests stop at the lines written when they arrived.
    stop_at: Option<u64>,
    crash_allowed: bool,
    since: Option<Micros>,
    timestamps: bool,
    follow: bool,
    bytes_left: Option<u64>,
    done: bool,
}

impl LogStream {
    fn schedule(&self) -> Schedule {
        self.own_schedule
            .clone()
            .unwrap_or_else(|| self.sim.schedule.read().unwrap().clone())
    }

    fn limit(&mut self, mut chunk: String) -> String {
        if let Some(left) = self.bytes_left.as_mut() {
            if chunk.len() as u64 >= *left {
                let mut cut = *left as usize;
                while !chunk.is_char_boundary(cut) {
                    cut -= 1;
                }
                chunk.truncate(cut);
                self.done = true;
            }
            *left -= chunk.len() as u64;
        }
        chunk
    }

    /// The next chunk of log text, waiting for new lines when following.
    async fn next_chunk(&mut self) -> Option<String> {
        loop {
            if self.done {
                return None;
            }
            let now = now_micros();
            if self.inst.finished.is_none() && self.follow {
                self.inst.finished = finish_of(&self.sim, &self.ns, &self.inst.pod, &self.inst);
            }
            let schedule = self.schedule();
            let until = self.inst.finished.map_or(now, |(t, _)| t.min(now));
            let mut end = schedule.ticks_before(until).max(self.base);
            if let Some(stop) = self.stop_at {
                end = end.min(stop);
            }
            if self.next < end {
                let to = end.min(self.next + 2_000);
                let text = logs::render_range(
                    &schedule,
                    &self.inst,
                    self.base,
                    self.next,
                    to,
                    self.timestamps,
                );
                self.next = to;
                return Some(self.limit(text));
            }
            if let Some((at, code)) = self.inst.finished
                && at <= now
            {
                self.done = true;
                if code != 0
                    && self.crash_allowed
                    && at <= now
                    && self.since.is_none_or(|s| at >= s)
                {
                    let n = end - self.base + 1;
                    let mut text = String::new();
                    logs::push_line(
                        &mut text,
                        at,
                        &logs::render_crash_line(&self.inst, n, at, code),
                        self.timestamps,
                    );
                    return Some(self.limit(text));
                }
                return None;
            }
            if !self.follow {
                return None;
            }
            if self._open.0.lock().unwrap().log_rotations != self.rotations {
                return None;
            }
            let next_tick = schedule.tick_time(end);
            let wait = if next_tick > now {
                (next_tick - now).min(1_000_000)
            } else {
                1_000_000
            };
            tokio::time::sleep(Duration::from_micros(wait as u64)).await;
        }
    }
}

async fn container_logs(
    State(ctx): State<Ctx>,
    Path((ns, pod, container)): Path<(String, String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(rt) = ctx.sim.pod(&ns, &pod) else {
        return (
            StatusCode::NOT_FOUND,
            format!(
                "pod \"{pod}\" in namespace \"{ns}\" not found on node {}",
                ctx.node.name
            ),
        )
            .into_response();
    };
    let (inst, own_schedule) = {
        let mut r = rt.lock().unwrap();
        r.log_requests += 1;
        if r.node != ctx.node.name {
            return (
                StatusCode::NOT_FOUND,
                format!("pod \"{pod}\" is not on node {}", ctx.node.name),
            )
                .into_response();
        }
        let Some(c) = r.containers.iter().find(|c| c.name == container) else {
            return bad_request(format!(
                "container \"{container}\" not found in pod \"{pod}\""
            ));
        };
        match pick_instance(c, &pod, flag(&params, "previous")) {
            Ok(i) => (i, r.log_schedule.clone()),
            Err(e) => return bad_request(e),
        }
    };
    let now = now_micros();
    let num = |k: &str| params.get(k).and_then(|v| v.parse::<i64>().ok());
    let since = match (num("sinceSeconds"), params.get("sinceTime")) {
        // Saturating: a sinceSeconds past ~292,000 years overflowed and the panic dropped the connection.
        (Some(s), _) => Some(now.saturating_sub(s.max(0).saturating_mul(1_000_000))),
        (None, Some(t)) => match chrono::DateTime::parse_from_rfc3339(t) {
            Ok(t) => Some(t.timestamp_micros()),
            Err(_) => return bad_request(format!("sinceTime {t:?} is not an RFC 3339 time")),
        },
        _ => None,
    };
    let follow = flag(&params, "follow");
    let query = logs::Query {
        tail_lines: num("tailLines").filter(|n| *n >= 0).map(|n| n as u64),
        since,
        timestamps: flag(&params, "timestamps"),
        limit_bytes: num("limitBytes").filter(|n| *n > 0).map(|n| n as u64),
        follow,
    };
    let schedule = own_schedule
        .clone()
        .unwrap_or_else(|| ctx.sim.schedule.read().unwrap().clone());
    let w = logs::window(&schedule, &inst, &query, now);
    let finished = inst.finished.is_some();
    let rotations = {
        let mut r = rt.lock().unwrap();
        r.log_streams_open += 1;
        r.log_rotations
    };
    let stream = LogStream {
        rotations,
        _open: OpenLogStream(rt.clone()),
        sim: ctx.sim.clone(),
        ns,
        own_schedule,
        base: w.base,
        next: w.first,
        stop_at: (!follow).then_some(w.end),
        crash_allowed: if finished {
            w.crash.is_some()
        } else {
            query.tail_lines != Some(0) || follow
        },
        since,
        timestamps: query.timestamps,
        follow,
        bytes_left: query.limit_bytes,
        done: false,
        inst,
    };
    let body = futures::stream::unfold(stream, |mut s| async move {
        s.next_chunk()
            .await
            .map(|chunk| (Ok::<_, Infallible>(Bytes::from(chunk)), s))
    });
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        Body::from_stream(body),
    )
        .into_response()
}

async fn exec(
    State(ctx): State<Ctx>,
    Path(target): Path<(String, String, String)>,
    Query(params): Query<Vec<(String, String)>>,
    ws: Result<
        axum::extract::ws::WebSocketUpgrade,
        axum::extract::ws::rejection::WebSocketUpgradeRejection,
    >,
) -> Response {
    crate::exec::exec(ctx.sim, ctx.node.name.clone(), target, params, ws)
}

async fn stats_summary(State(ctx): State<Ctx>) -> Response {
    let pods = ctx.sim.pods_on(&ctx.node.name);
    let claims = claim_capacities(&ctx.sim, &pods).await;
    let guards: Vec<_> = pods.iter().map(|p| p.lock().unwrap()).collect();
    let refs: Vec<&crate::pod::PodRuntime> = guards.iter().map(|g| &**g).collect();
    let rate = ctx.sim.schedule.read().unwrap().current_rate();
    let mut counters = ctx.node.counters.lock().unwrap();
    Json(stats::summary(
        &ctx.node,
        &refs,
        &mut counters,
        now_micros(),
        rate,
        &claims,
    ))
    .into_response()
}

/// The bound capacity of the claims the node's pods mount, read from the API server (one list per namespace
/// that has such pods), as the kubelet learns a volume's size from its filesystem.
async fn claim_capacities(
    sim: &crate::sim::Sim,
    pods: &[std::sync::Arc<std::sync::Mutex<crate::pod::PodRuntime>>],
) -> stats::ClaimCapacities {
    use k8s_openapi::api::core::v1::PersistentVolumeClaim;
    let namespaces: std::collections::BTreeSet<String> = pods
        .iter()
        .filter_map(|p| {
            let p = p.lock().unwrap();
            (!p.claims.is_empty()).then(|| p.namespace.clone())
        })
        .collect();
    let mut out = stats::ClaimCapacities::new();
    for ns in namespaces {
        let api: kube::Api<PersistentVolumeClaim> = kube::Api::namespaced(sim.client.clone(), &ns);
        let Ok(list) = api.list(&Default::default()).await else {
            continue;
        };
        for c in list.items {
            let capacity = c
                .status
                .and_then(|s| s.capacity)
                .and_then(|m| m.get("storage").and_then(|q| crate::quantity::parse(&q.0)));
            if let (Some(name), Some(capacity)) = (c.metadata.name, capacity) {
                out.insert((ns.clone(), name), capacity);
            }
        }
    }
    out
}

async fn pods(State(ctx): State<Ctx>) -> Response {
    let items: Vec<_> = ctx
        .sim
        .pods_on(&ctx.node.name)
        .iter()
        .map(|p| {
            let r = p.lock().unwrap();
            json!({"metadata": {"name": r.name, "namespace": r.namespace, "uid": r.uid}, "spec": {"nodeName": r.node}})
        })
        .collect();
    Json(json!({"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": items}))
        .into_response()
}
