//! Running the pods bound to simulated nodes: container lifecycle, restarts and status reports.
//!
//! Each pod has one task that owns its [`PodRuntime`] (shared, under a mutex, with the kubelet
//! endpoints that read logs and stats from it). The task wakes on pod updates, control commands and
//! its own timers (start, crash, back-off, termination), advances the runtime and patches the
//! pod's status only when it changed.
//!
//! Pod annotations understood (values are read live, so `kubectl annotate` works):
//! - `sim.kubedeck.io/crash-after-seconds: "N"`: every run of every container exits after N s
//!   (exit code `sim.kubedeck.io/exit-code`, default 1), then restarts per restartPolicy with
//!   CrashLoopBackOff back-off.
//! - `sim.kubedeck.io/complete-after-seconds: "N"`: containers exit 0 after N s (Jobs complete).
//! - `sim.kubedeck.io/waiting-reason: "ImagePullBackOff"`: containers never start (pod Pending).
//!
//! Images are "pulled" by name: an image whose repository starts with `invalid.example/` or whose tag is
//! `does-not-exist` never starts, like a kubelet that cannot pull it: the container waits with reason
//! `ErrImagePull` for 5 s after each pull attempt and `ImagePullBackOff` in between, attempts back off 10 s,
//! 20 s, 40 s ... up to 300 s, and the pod stays Pending (its other containers wait in `ContainerCreating`).
//!
//! - `sim.kubedeck.io/unready: "true"`: containers run but are not Ready (failing readiness probe).
//! - `sim.kubedeck.io/log-lines-per-second: "N"`: this pod's own log rate (fixed for its lifetime).

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use k8s_openapi::api::core::v1::{Container, Pod};
use kube::{
    Api, ResourceExt,
    api::{DeleteParams, Patch, PatchParams, Preconditions},
};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tracing::{debug, warn};

use crate::{
    logs::{Instance, Micros, Schedule, format_secs},
    node::SimNode,
    quantity,
    sim::{Sim, now_micros},
};

const SECOND: Micros = 1_000_000;
/// How long a container shows `ErrImagePull` after a failed pull attempt before `ImagePullBackOff`.
const ERR_IMAGE_PULL_FOR: Micros = 5 * SECOND;

/// Whether pulling `image` fails: its repository starts with `invalid.example/` or its tag is `does-not-exist`.
pub fn image_pull_fails(image: &str) -> bool {
    let name = image.split('@').next().unwrap_or(image);
    let (repo, tag) = match name.rfind(':') {
        Some(i) if !name[i..].contains('/') => (&name[..i], Some(&name[i + 1..])),
        _ => (name, None),
    };
    repo.starts_with("invalid.example/") || tag == Some("does-not-exist")
}

/// The image-pull waiting reason `elapsed` after the first attempt, and when it next changes. Attempts at
/// 0, 10, 30, 70 ... s (back-off doubling from 10 s, capped at 300 s).
fn image_pull_state(elapsed: Micros) -> (&'static str, Micros) {
    let mut attempt = 0;
    let mut backoff = 10 * SECOND;
    loop {
        let next = attempt + backoff;
        if elapsed < next {
            return if elapsed < attempt + ERR_IMAGE_PULL_FOR {
                ("ErrImagePull", attempt + ERR_IMAGE_PULL_FOR)
            } else {
                ("ImagePullBackOff", next)
            };
        }
        attempt = next;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}
const MAX_BACKOFF: Micros = 300 * SECOND;
pub const ANNOTATION_PREFIX: &str = "sim.kubedeck.io/";

/// Messages to a pod's task.
pub enum PodCommand {
    /// The pod object changed (watch event).
    Update(Box<Pod>),
    /// Make a container exit now (control API).
    Crash {
        container: Option<String>,
        exit_code: i32,
    },
    /// The pod is gone (deleted or rebound): stop the task.
    Forget,
}

/// Where a container is in its lifecycle.
#[derive(Debug, Clone, PartialEq)]
pub enum ContainerState {
    Waiting {
        reason: String,
        message: String,
        until: Option<Micros>,
    },
    Running {
        inst: Instance,
    },
    Terminated {
        inst: Instance,
        exit_code: i32,
        reason: String,
    },
}

/// One container of a simulated pod.
#[derive(Debug, Clone)]
pub struct ContainerRuntime {
    pub name: String,
    pub image: String,
    pub restart_count: u32,
    pub state: ContainerState,
    /// The previous run (what `kubectl logs --previous` shows).
    pub last: Option<(Instance, i32, String)>,
    /// Requests/limits in cores and bytes (defaults when unset), for stats.
    pub cpu_request: f64,
    pub cpu_limit: Option<f64>,
    pub memory_request: f64,
    pub memory_limit: Option<f64>,
    /// The container's `env` with literal values, in spec order (what `env` shows in an exec session;
    /// `valueFrom` entries are left out).
    pub env: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Pending,
    Running,
    Succeeded,
    Failed,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Phase::Pending => "Pending",
            Phase::Running => "Running",
            Phase::Succeeded => "Succeeded",
            Phase::Failed => "Failed",
        }
    }
}

/// Behaviour requested through `sim.kubedeck.io/*` annotations.
#[derive(Debug, Clone, Default, PartialEq)]
struct Behaviour {
    crash_after: Option<Micros>,
    complete_after: Option<Micros>,
    exit_code: i32,
    waiting_reason: Option<String>,
    unready: bool,
}

impl Behaviour {
    fn from_annotations(a: &BTreeMap<String, String>) -> Self {
        let get = |k: &str| {
            a.get(&format!("{ANNOTATION_PREFIX}{k}"))
                .map(|v| v.trim().to_string())
        };
        let secs = |k: &str| {
            get(k)
                .and_then(|v| v.parse::<f64>().ok())
                .map(|s| (s.max(0.0) * SECOND as f64) as Micros)
        };
        Behaviour {
            crash_after: secs("crash-after-seconds"),
            complete_after: secs("complete-after-seconds"),
            exit_code: get("exit-code").and_then(|v| v.parse().ok()).unwrap_or(1),
            waiting_reason: get("waiting-reason").filter(|v| !v.is_empty()),
            unready: get("unready").is_some_and(|v| v == "true"),
        }
    }
}

/// The simulated state of one pod.
#[derive(Debug)]
pub struct PodRuntime {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub node: String,
    pub phase: Phase,
    pub start_time: Micros,
    pub pod_ip: Option<String>,
    pub host_ip: String,
    pub containers: Vec<ContainerRuntime>,
    pub init_containers: Vec<String>,
    /// This pod's own log schedule, when annotated.
    pub log_schedule: Option<Schedule>,
    /// Log requests the kubelet has served for this pod (tests see a client reconnect through it).
    pub log_requests: u64,
    /// Log requests the kubelet is serving for this pod right now (a follow that the client left ends here).
    pub log_streams_open: u64,
    /// Log rotations requested through the control API: a follow opened before one ends cleanly, as the
    /// kubelet ends `kubectl logs -f` when the runtime rotates the log file, while the container keeps running.
    pub log_rotations: u64,
    /// The pod's labels (for the metrics API's label selectors).
    pub labels: BTreeMap<String, String>,
    /// CPU usage per container set through the control API (cores), replacing the simulated wave.
    pub cpu_override: Option<f64>,
    /// Network rates set through the control API, replacing the simulated ones from a moment on.
    pub network_override: Option<crate::stats::NetworkOverride>,
    /// The claims its volumes mount: (volume name, PersistentVolumeClaim name), for the kubelet's volume stats.
    pub claims: Vec<(String, String)>,
    restart_policy: String,
    host_network: bool,
    behaviour: Behaviour,
    start_at: Micros,
    terminate_at: Option<Micros>,
    ready_since: (bool, Micros),
    initialized_at: Option<Micros>,
    /// Adopted in a terminal phase from an earlier run: leave its status alone.
    frozen: bool,
}

fn secs_floor(t: Micros) -> Micros {
    t - t.rem_euclid(SECOND)
}

fn resources(c: &Container) -> (f64, Option<f64>, f64, Option<f64>) {
    let r = c.resources.as_ref();
    let get =
        |m: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
         k: &str| { m.and_then(|m| m.get(k)).and_then(|q| quantity::parse(&q.0)) };
    let cpu_limit = get(r.and_then(|r| r.limits.as_ref()), "cpu");
    let mem_limit = get(r.and_then(|r| r.limits.as_ref()), "memory");
    let cpu_req = get(r.and_then(|r| r.requests.as_ref()), "cpu")
        .or(cpu_limit)
        .unwrap_or(0.05);
    let mem_req = get(r.and_then(|r| r.requests.as_ref()), "memory")
        .or(mem_limit)
        .unwrap_or(64.0 * 1024.0 * 1024.0);
    (cpu_req, cpu_limit, mem_req, mem_limit)
}

impl PodRuntime {
    fn new(sim: &Sim, node: &SimNode, pod: &Pod, now: Micros) -> Self {
        let spec = pod.spec.clone().unwrap_or_default();
        let status = pod.status.clone().unwrap_or_default();
        let name = pod.name_any();
        let statuses = status.container_statuses.clone().unwrap_or_default();
        let phase_in = status.phase.clone().unwrap_or_default();
        let adopt = phase_in == "Running" && !statuses.is_empty();
        let containers = spec
            .containers
            .iter()
            .map(|c| {
                let (cpu_request, cpu_limit, memory_request, memory_limit) = resources(c);
                let mut rt = ContainerRuntime {
                    name: c.name.clone(),
                    image: c.image.clone().unwrap_or_default(),
                    restart_count: 0,
                    state: ContainerState::Waiting {
                        reason: "ContainerCreating".into(),
                        message: String::new(),
                        until: None,
                    },
                    last: None,
                    cpu_request,
                    cpu_limit,
                    memory_request,
                    memory_limit,
                    env: c
                        .env
                        .iter()
                        .flatten()
                        .filter(|e| e.value_from.is_none())
                        .map(|e| (e.name.clone(), e.value.clone().unwrap_or_default()))
                        .collect(),
                };
                // Take over a pod an earlier simulator run had started.
                if adopt && let Some(cs) = statuses.iter().find(|s| s.name == c.name) {
                    rt.restart_count = cs.restart_count as u32;
                    if let Some(started) = cs
                        .state
                        .as_ref()
                        .and_then(|s| s.running.as_ref())
                        .and_then(|r| r.started_at.as_ref())
                    {
                        rt.state = ContainerState::Running {
                            inst: Instance {
                                pod: name.clone(),
                                container: c.name.clone(),
                                restart: rt.restart_count,
                                started: started.0.as_microsecond(),
                                finished: None,
                            },
                        };
                    }
                }
                rt
            })
            .collect::<Vec<_>>();
        let annotations = pod.annotations();
        let log_schedule = annotations
            .get(&format!("{ANNOTATION_PREFIX}log-lines-per-second"))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map(Schedule::constant);
        let jitter = rand::random::<f64>() * 0.5 + 0.75;
        let start_time = status
            .start_time
            .as_ref()
            .map(|t| t.0.as_microsecond())
            .unwrap_or_else(|| secs_floor(now));
        let host_network = spec.host_network.unwrap_or(false);
        let mut rt = PodRuntime {
            namespace: pod.namespace().unwrap_or_default(),
            uid: pod.uid().unwrap_or_default(),
            node: node.name.clone(),
            phase: Phase::Pending,
            start_time,
            pod_ip: None,
            host_ip: node.ip.to_string(),
            containers,
            init_containers: spec
                .init_containers
                .unwrap_or_default()
                .into_iter()
                .map(|c| c.name)
                .collect(),
            log_schedule,
            restart_policy: spec.restart_policy.unwrap_or_else(|| "Always".into()),
            host_network,
            behaviour: Behaviour::from_annotations(annotations),
            start_at: now + (sim.opts.pod_start().as_micros() as f64 * jitter) as Micros,
            terminate_at: None,
            ready_since: (false, secs_floor(now)),
            initialized_at: None,
            frozen: false,
            log_requests: 0,
            log_streams_open: 0,
            log_rotations: 0,
            labels: pod.labels().clone(),
            cpu_override: None,
            network_override: None,
            claims: spec
                .volumes
                .iter()
                .flatten()
                .filter_map(|v| Some((v.name.clone(), v.persistent_volume_claim.as_ref()?.claim_name.clone())))
                .collect(),
            name,
        };
        if adopt
            && rt
                .containers
                .iter()
                .all(|c| matches!(c.state, ContainerState::Running { .. }))
        {
            rt.phase = Phase::Running;
            rt.pod_ip = status.pod_ip.clone();
            rt.initialized_at = Some(start_time);
        } else if phase_in == "Succeeded" || phase_in == "Failed" {
            rt.phase = if phase_in == "Succeeded" {
                Phase::Succeeded
            } else {
                Phase::Failed
            };
            rt.frozen = true;
        }
        rt.ready_since.0 = rt.computed_ready();
        rt
    }

    /// Takes in a newer version of the pod object (annotations, deletion).
    fn observe(&mut self, sim: &Sim, pod: &Pod, now: Micros) {
        self.behaviour = Behaviour::from_annotations(pod.annotations());
        self.labels = pod.labels().clone();
        if self.terminate_at.is_none() && pod.metadata.deletion_timestamp.is_some() {
            let grace = pod
                .metadata
                .deletion_grace_period_seconds
                .unwrap_or(30)
                .max(0) as f64;
            let wait = grace.min(sim.opts.termination().as_secs_f64());
            // A pod that never ran, or already finished, has nothing to stop.
            let wait = if matches!(self.phase, Phase::Running) {
                wait
            } else {
                0.0
            };
            self.terminate_at = Some(now + (wait * SECOND as f64) as Micros);
        }
    }

    fn computed_ready(&self) -> bool {
        self.phase == Phase::Running
            && !self.behaviour.unready
            && self
                .containers
                .iter()
                .all(|c| matches!(c.state, ContainerState::Running { .. }))
    }

    fn instance(&self, c: &ContainerRuntime, started: Micros) -> Instance {
        Instance {
            pod: self.name.clone(),
            container: c.name.clone(),
            restart: c.restart_count,
            started,
            finished: None,
        }
    }

    /// A container's run ends at `at` with `code`; it restarts (after back-off) if the policy says so.
    fn exit(&mut self, i: usize, code: i32, at: Micros, base_backoff: Micros) {
        let restart = match self.restart_policy.as_str() {
            "Never" => false,
            "OnFailure" => code != 0,
            _ => true,
        };
        let pod_ref = format!("{}_{}({})", self.name, self.namespace, self.uid);
        let c = &mut self.containers[i];
        let ContainerState::Running { inst } = &c.state else {
            return;
        };
        let mut inst = inst.clone();
        inst.finished = Some((at, code));
        let reason = if code == 0 { "Completed" } else { "Error" }.to_string();
        if restart {
            c.restart_count += 1;
            let backoff =
                (base_backoff.saturating_mul(1 << (c.restart_count - 1).min(8))).min(MAX_BACKOFF);
            c.state = ContainerState::Waiting {
                reason: "CrashLoopBackOff".into(),
                message: format!(
                    "back-off {}s restarting failed container={} pod={pod_ref}",
                    backoff / SECOND,
                    c.name
                ),
                until: Some(at + backoff),
            };
            c.last = Some((inst, code, reason));
        } else {
            c.state = ContainerState::Terminated {
                inst,
                exit_code: code,
                reason,
            };
        }
    }

    /// A control-API crash: the named (or first running) container exits now.
    fn crash(
        &mut self,
        container: Option<&str>,
        code: i32,
        now: Micros,
        base_backoff: Micros,
    ) -> bool {
        let idx = self.containers.iter().position(|c| {
            container.is_none_or(|n| n == c.name)
                && matches!(c.state, ContainerState::Running { .. })
        });
        match idx {
            Some(i) => {
                self.exit(i, code, now, base_backoff);
                true
            }
            None => false,
        }
    }

    /// Applies every transition due by `now`. Returns true when the pod should be deleted.
    fn advance(&mut self, node: &SimNode, now: Micros, base_backoff: Micros) -> bool {
        if let Some(t) = self.terminate_at
            && now >= t
        {
            return true;
        }
        if self.frozen {
            return false;
        }
        if self.phase == Phase::Pending {
            if let Some(reason) = self.behaviour.waiting_reason.clone() {
                for c in &mut self.containers {
                    let message = match reason.as_str() {
                        "ImagePullBackOff" | "ErrImagePull" => {
                            format!("Back-off pulling image \"{}\"", c.image)
                        }
                        _ => "simulated".to_string(),
                    };
                    c.state = ContainerState::Waiting {
                        reason: reason.clone(),
                        message,
                        until: None,
                    };
                }
                self.initialized_at.get_or_insert(secs_floor(now));
            } else if now >= self.start_at && self.containers.iter().any(|c| image_pull_fails(&c.image)) {
                let (reason, _) = image_pull_state(now - self.start_at);
                for c in &mut self.containers {
                    let (reason, message) = if !image_pull_fails(&c.image) {
                        ("ContainerCreating", String::new())
                    } else if reason == "ErrImagePull" {
                        (
                            reason,
                            format!(
                                "rpc error: code = NotFound desc = failed to pull and unpack image \"{}\": not found",
                                c.image
                            ),
                        )
                    } else {
                        (reason, format!("Back-off pulling image \"{}\"", c.image))
                    };
                    c.state = ContainerState::Waiting {
                        reason: reason.into(),
                        message,
                        until: None,
                    };
                }
                self.initialized_at.get_or_insert(secs_floor(now));
            } else if now >= self.start_at {
                let started = secs_floor(now);
                self.pod_ip = Some(if self.host_network {
                    self.host_ip.clone()
                } else {
                    node.allocate_pod_ip()
                });
                for i in 0..self.containers.len() {
                    let inst = self.instance(&self.containers[i], started);
                    self.containers[i].state = ContainerState::Running { inst };
                }
                self.initialized_at = Some(started);
                self.phase = Phase::Running;
            }
        }
        if self.phase == Phase::Running {
            for i in 0..self.containers.len() {
                match &self.containers[i].state {
                    ContainerState::Running { inst } => {
                        let b = &self.behaviour;
                        let due = [
                            b.crash_after.map(|d| (inst.started + d, b.exit_code)),
                            b.complete_after.map(|d| (inst.started + d, 0)),
                        ]
                        .into_iter()
                        .flatten()
                        .min_by_key(|(t, _)| *t);
                        if let Some((at, code)) = due
                            && now >= at
                        {
                            self.exit(i, code, at, base_backoff);
                        }
                    }
                    ContainerState::Waiting {
                        until: Some(until), ..
                    } if now >= *until => {
                        let inst = self.instance(&self.containers[i], secs_floor(now));
                        self.containers[i].state = ContainerState::Running { inst };
                    }
                    _ => {}
                }
            }
            if self
                .containers
                .iter()
                .all(|c| matches!(c.state, ContainerState::Terminated { .. }))
            {
                let ok = self
                    .containers
                    .iter()
                    .all(|c| matches!(c.state, ContainerState::Terminated { exit_code: 0, .. }));
                self.phase = if ok { Phase::Succeeded } else { Phase::Failed };
            }
        }
        let ready = self.computed_ready();
        if ready != self.ready_since.0 {
            self.ready_since = (ready, secs_floor(now));
        }
        false
    }

    /// When the next transition is due, if any.
    fn next_deadline(&self) -> Option<Micros> {
        let mut next = self.terminate_at;
        let mut consider = |t: Micros| next = Some(next.map_or(t, |n: Micros| n.min(t)));
        if self.frozen {
            return next;
        }
        if self.phase == Phase::Pending && self.behaviour.waiting_reason.is_none() {
            let now = now_micros();
            if now >= self.start_at && self.containers.iter().any(|c| image_pull_fails(&c.image)) {
                // Pulls keep failing: the next change of waiting reason.
                consider(self.start_at + image_pull_state(now - self.start_at).1);
            } else {
                consider(self.start_at);
            }
        }
        for c in &self.containers {
            match &c.state {
                ContainerState::Running { inst } => {
                    if let Some(d) = self.behaviour.crash_after {
                        consider(inst.started + d);
                    }
                    if let Some(d) = self.behaviour.complete_after {
                        consider(inst.started + d);
                    }
                }
                ContainerState::Waiting { until: Some(u), .. } => consider(*u),
                _ => {}
            }
        }
        next
    }

    fn container_id(&self, c: &str, restart: u32) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self
            .uid
            .bytes()
            .chain(c.bytes())
            .chain(restart.to_le_bytes())
        {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        format!(
            "containerd://{h:016x}{:016x}{:016x}{:016x}",
            h.rotate_left(13),
            h.rotate_left(29),
            h.rotate_left(47)
        )
    }

    fn terminated_json(&self, inst: &Instance, code: i32, reason: &str) -> Value {
        let (finished, _) = inst.finished.unwrap_or((inst.started, code));
        json!({"exitCode": code, "reason": reason, "startedAt": format_secs(inst.started),
               "finishedAt": format_secs(finished), "containerID": self.container_id(&inst.container, inst.restart)})
    }

    /// The pod `status` a kubelet would report for this runtime.
    fn status_json(&self) -> Value {
        let container_statuses: Vec<Value> = self
            .containers
            .iter()
            .map(|c| {
                let image_id = format!("{}@sha256:{:064x}", c.image.split(':').next().unwrap_or(""), c.image.len() as u128 * 0x1f3d_5b79);
                let mut s = json!({
                    "name": c.name, "image": c.image, "imageID": image_id,
                    "restartCount": c.restart_count, "ready": false, "started": false,
                    "lastState": c.last.as_ref().map_or(json!({}), |(inst, code, reason)| json!({"terminated": self.terminated_json(inst, *code, reason)})),
                });
                match &c.state {
                    ContainerState::Waiting { reason, message, .. } => {
                        s["state"] = json!({"waiting": {"reason": reason, "message": message}});
                    }
                    ContainerState::Running { inst } => {
                        s["state"] = json!({"running": {"startedAt": format_secs(inst.started)}});
                        s["ready"] = json!(!self.behaviour.unready);
                        s["started"] = json!(true);
                        s["containerID"] = json!(self.container_id(&c.name, inst.restart));
                    }
                    ContainerState::Terminated { inst, exit_code, reason } => {
                        s["state"] = json!({"terminated": self.terminated_json(inst, *exit_code, reason)});
                        s["containerID"] = json!(self.container_id(&c.name, inst.restart));
                    }
                }
                s
            })
            .collect();
        let init_statuses: Vec<Value> = self
            .init_containers
            .iter()
            .map(|n| {
                let done = self.initialized_at.is_some();
                let state = match self.initialized_at {
                    Some(t) => json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": format_secs(t), "finishedAt": format_secs(t)}}),
                    None => json!({"waiting": {"reason": "PodInitializing"}}),
                };
                json!({"name": n, "image": "busybox:1.32", "imageID": "", "restartCount": 0, "ready": done, "state": state, "lastState": {}})
            })
            .collect();
        let (ready, since) = self.ready_since;
        let unready: Vec<&str> = self
            .containers
            .iter()
            .filter(|c| {
                !matches!(c.state, ContainerState::Running { .. }) || self.behaviour.unready
            })
            .map(|c| c.name.as_str())
            .collect();
        let cond = |t: &str, ok: bool, at: Micros| {
            let mut c = json!({"type": t, "status": if ok { "True" } else { "False" }, "lastProbeTime": null, "lastTransitionTime": format_secs(at)});
            if !ok {
                let reason = if matches!(self.phase, Phase::Succeeded | Phase::Failed) {
                    "PodCompleted"
                } else {
                    "ContainersNotReady"
                };
                c["reason"] = json!(reason);
                c["message"] = json!(format!(
                    "containers with unready status: [{}]",
                    unready.join(" ")
                ));
            }
            c
        };
        let mut status = json!({
            "phase": self.phase.as_str(),
            "hostIP": self.host_ip,
            "startTime": format_secs(self.start_time),
            "conditions": [
                cond("Initialized", self.initialized_at.is_some(), self.initialized_at.unwrap_or(self.start_time)),
                cond("Ready", ready, since),
                cond("ContainersReady", ready, since),
            ],
            "containerStatuses": container_statuses,
        });
        if !init_statuses.is_empty() {
            status["initContainerStatuses"] = json!(init_statuses);
        }
        if let Some(ip) = &self.pod_ip {
            status["podIP"] = json!(ip);
            status["podIPs"] = json!([{"ip": ip}]);
        }
        if self.initialized_at.is_none() {
            status["conditions"][0]["reason"] = json!("ContainersNotInitialized");
        }
        status
    }
}

/// Starts the task that runs `pod` on `node`.
pub fn spawn(
    sim: Arc<Sim>,
    node: Arc<SimNode>,
    pod: Pod,
) -> (Arc<Mutex<PodRuntime>>, mpsc::UnboundedSender<PodCommand>) {
    let now = now_micros();
    let mut rt = PodRuntime::new(&sim, &node, &pod, now);
    rt.observe(&sim, &pod, now);
    let rt = Arc::new(Mutex::new(rt));
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(run(sim, node, rt.clone(), rx));
    (rt, tx)
}

async fn run(
    sim: Arc<Sim>,
    node: Arc<SimNode>,
    rt: Arc<Mutex<PodRuntime>>,
    mut rx: mpsc::UnboundedReceiver<PodCommand>,
) {
    let (ns, name, uid) = {
        let r = rt.lock().unwrap();
        (r.namespace.clone(), r.name.clone(), r.uid.clone())
    };
    let key = (ns.clone(), name.clone());
    let api: Api<Pod> = Api::namespaced(sim.client.clone(), &ns);
    let backoff = sim.opts.crash_backoff().as_micros() as Micros;
    let mut last_patch: Option<Value> = None;
    let mut retry_at: Option<Micros> = None;
    loop {
        let now = now_micros();
        let (delete, status, frozen) = {
            let mut r = rt.lock().unwrap();
            let delete = r.advance(&node, now, backoff);
            (delete, r.status_json(), r.frozen)
        };
        if delete {
            let dp = DeleteParams {
                grace_period_seconds: Some(0),
                preconditions: Some(Preconditions {
                    uid: Some(uid.clone()),
                    resource_version: None,
                }),
                ..DeleteParams::default()
            };
            let result = {
                let _slot = sim
                    .api_slots
                    .acquire()
                    .await
                    .expect("semaphore never closes");
                api.delete(&name, &dp).await
            };
            match result {
                Ok(_) => {}
                Err(kube::Error::Api(e)) if e.code == 404 || e.code == 409 => {}
                Err(e) => {
                    warn!(pod = %format!("{ns}/{name}"), "deleting: {e}; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
            debug!(pod = %format!("{ns}/{name}"), "terminated");
            sim.pod_finished(&key, &uid);
            return;
        }
        if !frozen && last_patch.as_ref() != Some(&status) {
            let result = {
                let _slot = sim
                    .api_slots
                    .acquire()
                    .await
                    .expect("semaphore never closes");
                api.patch_status(
                    &name,
                    &PatchParams::default(),
                    &Patch::Strategic(json!({"status": status})),
                )
                .await
            };
            match result {
                Ok(_) => {
                    last_patch = Some(status);
                    retry_at = None;
                }
                Err(kube::Error::Api(e)) if e.code == 404 => {
                    sim.pod_finished(&key, &uid);
                    return;
                }
                Err(e) => {
                    warn!(pod = %format!("{ns}/{name}"), "status: {e}; retrying");
                    retry_at = Some(now + SECOND);
                }
            }
        }
        let deadline = [rt.lock().unwrap().next_deadline(), retry_at]
            .into_iter()
            .flatten()
            .min();
        let sleep = match deadline {
            Some(t) => Duration::from_micros((t - now_micros()).max(0) as u64),
            None => Duration::from_secs(3600),
        };
        tokio::select! {
            cmd = rx.recv() => match cmd {
                None | Some(PodCommand::Forget) => return,
                Some(PodCommand::Update(p)) => {
                    if p.uid().as_deref() == Some(uid.as_str()) {
                        rt.lock().unwrap().observe(&sim, &p, now_micros());
                    }
                }
                Some(PodCommand::Crash { container, exit_code }) => {
                    rt.lock().unwrap().crash(container.as_deref(), exit_code, now_micros(), backoff);
                }
            },
            _ = tokio::time::sleep(sleep) => {}
        }
    }
}

/// Asks a pod's task to crash a container; false if the pod is not ours or has no running container.
pub fn request_crash(
    sim: &Sim,
    ns: &str,
    name: &str,
    container: Option<String>,
    exit_code: i32,
) -> Result<(), String> {
    let pods = sim.pods.read().unwrap();
    let Some(entry) = pods.get(&(ns.to_string(), name.to_string())) else {
        return Err(format!(
            "pod {ns}/{name} is not running on a simulated node"
        ));
    };
    {
        let r = entry.runtime.lock().unwrap();
        let running = r.containers.iter().any(|c| {
            container.as_deref().is_none_or(|n| n == c.name)
                && matches!(c.state, ContainerState::Running { .. })
        });
        if !running {
            return Err(match &container {
                Some(c) => format!("container {c} of pod {ns}/{name} is not running"),
                None => format!("pod {ns}/{name} has no running container"),
            });
        }
    }
    entry
        .tx
        .send(PodCommand::Crash {
            container,
            exit_code,
        })
        .map_err(|_| format!("pod {ns}/{name} is shutting down"))
}

#[cfg(test)]
mod image_pull_tests {
    use super::*;

    #[test]
    fn images_fail_to_pull_by_name() {
        assert!(image_pull_fails("invalid.example/team/app:1.0"));
        assert!(image_pull_fails("registry.example.com/app:does-not-exist"));
        assert!(image_pull_fails("localhost:5000/app:does-not-exist"));
        assert!(!image_pull_fails("localhost:5000/app"));
        assert!(!image_pull_fails("nginx:1.19"));
        assert!(!image_pull_fails("example.com/invalid.example/app"));
    }

    #[test]
    fn err_image_pull_then_back_off_between_attempts() {
        assert_eq!(image_pull_state(0), ("ErrImagePull", 5 * SECOND));
        assert_eq!(image_pull_state(6 * SECOND), ("ImagePullBackOff", 10 * SECOND));
        assert_eq!(image_pull_state(11 * SECOND), ("ErrImagePull", 15 * SECOND));
        assert_eq!(image_pull_state(20 * SECOND), ("ImagePullBackOff", 30 * SECOND));
        assert_eq!(image_pull_state(31 * SECOND), ("ErrImagePull", 35 * SECOND));
    }
}
