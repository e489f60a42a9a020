//! A simulated node: its Node object, Lease heartbeats, health and kubelet endpoint.

use std::{
    collections::BTreeMap,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU32, Ordering},
    },
    time::Duration,
};

use k8s_openapi::api::{coordination::v1::Lease, core::v1::Node};
use kube::{
    Api,
    api::{DeleteParams, Patch, PatchParams, PostParams},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::{net::TcpListener, sync::Notify};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::{
    kubelet,
    logs::format_secs,
    sim::{Sim, now_micros},
    stats::NodeCounters,
};

/// What a node is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[serde(alias = "control-plane")]
    Master,
    Worker,
}

impl Role {
    pub fn prefix(self) -> &'static str {
        match self {
            Role::Master => "master",
            Role::Worker => "worker",
        }
    }
}

/// A taint to put on a node at registration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaintSpec {
    pub key: String,
    #[serde(default)]
    pub value: String,
    pub effect: String,
}

/// How to create a node (also the control API's request body).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSpec {
    #[serde(default)]
    pub name: Option<String>,
    pub role: Role,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub taints: Vec<TaintSpec>,
}

impl NodeSpec {
    pub fn new(role: Role) -> Self {
        NodeSpec {
            name: None,
            role,
            labels: BTreeMap::new(),
            taints: Vec::new(),
        }
    }
}

/// What the node reports about itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Health {
    /// Heartbeats flow and Ready=True.
    Ready,
    /// Heartbeats flow but the kubelet reports Ready=False.
    NotReady { reason: String, message: String },
    /// No heartbeats at all: the node lifecycle controller marks it Unknown after its grace period.
    Unreachable,
}

/// Resources of a simulated node.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Capacity {
    pub cpu_cores: u32,
    pub memory_bytes: u64,
    pub pods: u32,
    pub ephemeral_storage_bytes: u64,
}

const GI: u64 = 1024 * 1024 * 1024;
pub const KUBELET_VERSION: &str = "v1.20.2";

pub struct SimNode {
    pub name: String,
    pub role: Role,
    pub index: u32,
    pub ip: Ipv4Addr,
    pub port: u16,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<TaintSpec>,
    pub capacity: Capacity,
    pub boot_micros: i64,
    pub health: Mutex<Health>,
    health_changed: Notify,
    registered: AtomicBool,
    next_pod_ip: AtomicU32,
    cancel: CancellationToken,
    /// Cumulative usage counters reported by `/stats/summary`.
    pub counters: Mutex<NodeCounters>,
}

/// Node `index` gets InternalIP 127.1.x.y (all of 127/8 is loopback on Linux), so nodes look distinct.
fn node_ip(index: u32) -> Ipv4Addr {
    Ipv4Addr::new(
        127,
        1 + (index / 62_500) as u8,
        ((index / 250) % 250) as u8,
        (index % 250 + 1) as u8,
    )
}

impl SimNode {
    /// Binds the node's kubelet endpoint; registration happens in the heartbeat task.
    pub async fn start(
        sim: Arc<Sim>,
        name: String,
        index: u32,
        spec: NodeSpec,
    ) -> anyhow::Result<Arc<SimNode>> {
        let mut ip = node_ip(index);
        let listener = match TcpListener::bind(SocketAddr::new(IpAddr::V4(ip), 0)).await {
            Ok(l) => l,
            Err(_) => {
                ip = Ipv4Addr::LOCALHOST;
                TcpListener::bind(SocketAddr::new(IpAddr::V4(ip), 0)).await?
            }
        };
        let port = listener.local_addr()?.port();
        let capacity = match spec.role {
            Role::Master => Capacity {
                cpu_cores: 4,
                memory_bytes: 16 * GI,
                pods: 110,
                ephemeral_storage_bytes: 100 * GI,
            },
            Role::Worker => Capacity {
                cpu_cores: 8,
                memory_bytes: 32 * GI,
                pods: 110,
                ephemeral_storage_bytes: 200 * GI,
            },
        };
        let node = Arc::new(SimNode {
            name,
            role: spec.role,
            index,
            ip,
            port,
            labels: spec.labels,
            taints: spec.taints,
            capacity,
            boot_micros: now_micros(),
            health: Mutex::new(Health::Ready),
            health_changed: Notify::new(),
            registered: AtomicBool::new(false),
            next_pod_ip: AtomicU32::new(0),
            cancel: CancellationToken::new(),
            counters: Mutex::new(NodeCounters::default()),
        });
        kubelet::serve(sim, node.clone(), listener, node.cancel.clone());
        Ok(node)
    }

    pub fn is_registered(&self) -> bool {
        self.registered.load(Ordering::Relaxed)
    }

    pub fn stop(&self) {
        self.cancel.cancel();
    }

    pub fn set_health(&self, h: Health) {
        *self.health.lock().unwrap() = h;
        self.health_changed.notify_one();
    }

    /// The next pod IP from this node's /24 (10.128.0.0/9 split by node index).
    pub fn allocate_pod_ip(&self) -> String {
        let n = self.next_pod_ip.fetch_add(1, Ordering::Relaxed) % 253 + 2;
        format!(
            "10.{}.{}.{n}",
            128 + (self.index / 256) % 128,
            self.index % 256
        )
    }

    pub fn pod_cidr(&self) -> String {
        format!(
            "10.{}.{}.0/24",
            128 + (self.index / 256) % 128,
            self.index % 256
        )
    }

    /// Allocatable = capacity minus the reservations a kubelet would make.
    fn allocatable(&self) -> Value {
        let c = self.capacity;
        json!({
            "cpu": format!("{}m", c.cpu_cores * 1000 - 100),
            "memory": format!("{}Ki", (c.memory_bytes - GI / 2) / 1024),
            "pods": c.pods.to_string(),
            "ephemeral-storage": format!("{}", c.ephemeral_storage_bytes * 9 / 10),
        })
    }

    fn capacity_json(&self) -> Value {
        let c = self.capacity;
        json!({
            "cpu": c.cpu_cores.to_string(),
            "memory": format!("{}Ki", c.memory_bytes / 1024),
            "pods": c.pods.to_string(),
            "ephemeral-storage": format!("{}Ki", c.ephemeral_storage_bytes / 1024),
        })
    }

    fn all_labels(&self) -> BTreeMap<String, String> {
        let zone = ["a", "b", "c"][(self.index % 3) as usize];
        let mut l = BTreeMap::from([
            ("kubernetes.io/hostname".to_string(), self.name.clone()),
            ("kubernetes.io/os".to_string(), "linux".to_string()),
            ("kubernetes.io/arch".to_string(), "amd64".to_string()),
            ("beta.kubernetes.io/os".to_string(), "linux".to_string()),
            ("beta.kubernetes.io/arch".to_string(), "amd64".to_string()),
            (
                "topology.kubernetes.io/region".to_string(),
                "sim-region-1".to_string(),
            ),
            (
                "topology.kubernetes.io/zone".to_string(),
                format!("sim-region-1{zone}"),
            ),
            (
                "node.kubernetes.io/instance-type".to_string(),
                format!(
                    "sim.{}",
                    if self.role == Role::Master {
                        "xlarge"
                    } else {
                        "2xlarge"
                    }
                ),
            ),
            ("sim.kubedeck.io/simulated".to_string(), "true".to_string()),
        ]);
        match self.role {
            Role::Master => {
                l.insert("node-role.kubernetes.io/master".into(), String::new());
                l.insert(
                    "node-role.kubernetes.io/control-plane".into(),
                    String::new(),
                );
            }
            Role::Worker => {
                l.insert("node-role.kubernetes.io/worker".into(), String::new());
            }
        }
        l.extend(self.labels.clone());
        l
    }

    /// The `status` the kubelet reports (conditions stamped `now`).
    fn status(&self, transition: &str) -> Value {
        let now = format_secs(now_micros());
        let (ready, reason, message) = match &*self.health.lock().unwrap() {
            Health::Ready | Health::Unreachable => (
                "True".to_string(),
                "KubeletReady".to_string(),
                "kubelet is posting ready status".to_string(),
            ),
            Health::NotReady { reason, message } => {
                ("False".to_string(), reason.clone(), message.clone())
            }
        };
        let cond = |t: &str, status: &str, reason: &str, message: &str| {
            json!({"type": t, "status": status, "reason": reason, "message": message,
                   "lastHeartbeatTime": now, "lastTransitionTime": transition})
        };
        json!({
            "capacity": self.capacity_json(),
            "allocatable": self.allocatable(),
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", &ready, &reason, &message),
            ],
            "addresses": [
                {"type": "InternalIP", "address": self.ip.to_string()},
                {"type": "Hostname", "address": self.name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": self.port}},
            "nodeInfo": {
                "machineID": format!("{:032x}", self.index as u128 * 0x9e37_79b9_7f4a_7c15 + 1),
                "systemUUID": format!("5e1d0000-0000-4000-8000-{:012x}", self.index),
                "bootID": format!("b0070000-0000-4000-8000-{:012x}", self.boot_micros as u64 & 0xffff_ffff_ffff),
                "kernelVersion": "5.10.0-sim-amd64",
                "osImage": "Kubedeck Simulated Linux 1.0",
                "containerRuntimeVersion": "containerd://1.4.3",
                "kubeletVersion": KUBELET_VERSION,
                "kubeProxyVersion": KUBELET_VERSION,
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
            "images": [
                {"names": ["docker.io/library/nginx@sha256:8f335768880da6baf72b70c701002b45f4932acae8d574dedfddaf967fc3ac90", "docker.io/library/nginx:1.19"], "sizeBytes": 53_614_374},
                {"names": ["k8s.gcr.io/pause:3.2"], "sizeBytes": 299_513},
            ],
        })
    }

    fn node_object(&self) -> Value {
        let mut taints: Vec<Value> = self
            .taints
            .iter()
            .map(|t| json!({"key": t.key, "value": t.value, "effect": t.effect}))
            .collect();
        if self.role == Role::Master {
            taints.push(json!({"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"}));
        }
        json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": self.name,
                "labels": self.all_labels(),
                "annotations": {
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                    "sim.kubedeck.io/kubelet-endpoint": format!("{}:{}", self.ip, self.port),
                },
            },
            "spec": {
                "podCIDR": self.pod_cidr(),
                "podCIDRs": [self.pod_cidr()],
                "providerID": format!("kubedeck-sim://{}", self.name),
                "taints": taints,
            },
            "status": self.status(&format_secs(now_micros())),
        })
    }

    /// Creates the Node (or takes over an existing one) and reports status.
    async fn register(&self, sim: &Sim) -> kube::Result<()> {
        let api: Api<Node> = Api::all(sim.client.clone());
        let node: Node =
            serde_json::from_value(self.node_object()).expect("node object is well-formed");
        let _slot = sim
            .api_slots
            .acquire()
            .await
            .expect("semaphore never closes");
        match api.create(&PostParams::default(), &node).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(e)) if e.code == 409 => {
                let obj = self.node_object();
                let patch = json!({"metadata": {"labels": obj["metadata"]["labels"], "annotations": obj["metadata"]["annotations"]},
                                   "spec": {"providerID": obj["spec"]["providerID"]}});
                api.patch(&self.name, &PatchParams::default(), &Patch::Merge(&patch))
                    .await?;
                api.patch_status(
                    &self.name,
                    &PatchParams::default(),
                    &Patch::Strategic(json!({"status": obj["status"]})),
                )
                .await?;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    async fn renew_lease(&self, sim: &Sim) -> kube::Result<()> {
        let api: Api<Lease> = Api::namespaced(sim.client.clone(), "kube-node-lease");
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let spec =
            json!({"holderIdentity": self.name, "leaseDurationSeconds": 40, "renewTime": now});
        let _slot = sim
            .api_slots
            .acquire()
            .await
            .expect("semaphore never closes");
        match api
            .patch(
                &self.name,
                &PatchParams::default(),
                &Patch::Merge(json!({"spec": spec})),
            )
            .await
        {
            Err(kube::Error::Api(e)) if e.code == 404 => {
                let nodes: Api<Node> = Api::all(sim.client.clone());
                let uid = nodes
                    .get(&self.name)
                    .await?
                    .metadata
                    .uid
                    .unwrap_or_default();
                let lease: Lease = serde_json::from_value(json!({
                    "metadata": {"name": self.name, "namespace": "kube-node-lease",
                        "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": self.name, "uid": uid}]},
                    "spec": spec,
                }))
                .expect("lease object is well-formed");
                api.create(&PostParams::default(), &lease).await.map(|_| ())
            }
            other => other.map(|_| ()),
        }
    }

    async fn report_status(&self, sim: &Sim, transition: &str) -> kube::Result<()> {
        let api: Api<Node> = Api::all(sim.client.clone());
        let _slot = sim
            .api_slots
            .acquire()
            .await
            .expect("semaphore never closes");
        api.patch_status(
            &self.name,
            &PatchParams::default(),
            &Patch::Strategic(json!({"status": self.status(transition)})),
        )
        .await
        .map(|_| ())
    }

    /// Deletes the Node and its Lease (used when the control API removes a node).
    pub async fn delete_objects(&self, sim: &Sim) -> kube::Result<()> {
        let nodes: Api<Node> = Api::all(sim.client.clone());
        let leases: Api<Lease> = Api::namespaced(sim.client.clone(), "kube-node-lease");
        for r in [
            nodes
                .delete(&self.name, &DeleteParams::default())
                .await
                .map(|_| ()),
            leases
                .delete(&self.name, &DeleteParams::default())
                .await
                .map(|_| ()),
        ] {
            match r {
                Err(kube::Error::Api(e)) if e.code == 404 => {}
                other => other?,
            }
        }
        Ok(())
    }

    /// Registers the node, then renews its Lease and reports status until stopped.
    pub fn spawn_heartbeat(self: Arc<Self>, sim: Arc<Sim>) {
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(200);
            loop {
                if self.cancel.is_cancelled() {
                    return;
                }
                match self.register(&sim).await {
                    Ok(()) => break,
                    Err(e) => {
                        warn!(node = %self.name, "registering: {e}; retrying");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                    }
                }
            }
            if let Err(e) = self.renew_lease(&sim).await {
                warn!(node = %self.name, "first lease: {e}");
            }
            self.registered.store(true, Ordering::Relaxed);
            debug!(node = %self.name, "registered");

            // Spread heartbeats of a big fleet over the interval.
            let lease_every = sim.opts.lease_interval();
            let jitter = lease_every.mul_f64(rand::random::<f64>());
            let mut next_lease = tokio::time::Instant::now() + jitter;
            let mut next_status = tokio::time::Instant::now()
                + sim
                    .opts
                    .status_interval()
                    .mul_f64(0.5 + rand::random::<f64>() / 2.0);
            let mut reported = self.health.lock().unwrap().clone();
            let mut transition = format_secs(now_micros());
            loop {
                tokio::select! {
                    _ = self.cancel.cancelled() => return,
                    _ = self.health_changed.notified() => {}
                    _ = tokio::time::sleep_until(next_lease.min(next_status)) => {}
                }
                let health = self.health.lock().unwrap().clone();
                if health == Health::Unreachable {
                    reported = health;
                    next_lease = tokio::time::Instant::now() + lease_every;
                    continue;
                }
                let now = tokio::time::Instant::now();
                let recovering = reported == Health::Unreachable;
                let ready_changed = matches!(reported, Health::NotReady { .. })
                    != matches!(health, Health::NotReady { .. });
                if ready_changed {
                    transition = format_secs(now_micros());
                }
                if health != reported || now >= next_status {
                    match self.report_status(&sim, &transition).await {
                        Ok(()) => {
                            reported = health.clone();
                            next_status = now + sim.opts.status_interval();
                        }
                        Err(e) => warn!(node = %self.name, "status: {e}"),
                    }
                }
                if now >= next_lease || recovering {
                    if let Err(e) = self.renew_lease(&sim).await {
                        warn!(node = %self.name, "lease: {e}");
                    }
                    next_lease = now + lease_every;
                }
            }
        });
    }
}
