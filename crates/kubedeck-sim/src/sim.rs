//! The simulator's shared state and its top-level loops: fleet registration and the pod watch.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering},
    },
    time::Instant,
};

use anyhow::Context as _;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::{
    Api, Client, Config, ResourceExt,
    config::{KubeConfigOptions, Kubeconfig},
    runtime::watcher::{self, Event},
};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::{
    TlsAcceptor,
    rustls::{
        self,
        pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    },
};
use tracing::{info, warn};

use crate::{
    Options, control,
    logs::{Micros, Schedule},
    node::{NodeSpec, Role, SimNode},
    pod::{self, PodCommand, PodRuntime},
};

/// `namespace/name` of a pod.
pub type PodKey = (String, String);

/// A pod this simulator runs: its runtime (shared with the kubelet endpoints) and its task's inbox.
pub struct PodEntry {
    pub runtime: Arc<Mutex<PodRuntime>>,
    pub tx: mpsc::UnboundedSender<PodCommand>,
}

/// Everything the simulator's tasks share.
pub struct Sim {
    pub client: Client,
    pub opts: Options,
    pub nodes: RwLock<BTreeMap<String, Arc<SimNode>>>,
    pub pods: RwLock<HashMap<PodKey, PodEntry>>,
    /// When every container writes its log lines (rate tunable at run time).
    pub schedule: RwLock<Schedule>,
    /// Caps concurrent API requests so a big fleet does not stampede the apiserver.
    pub api_slots: Semaphore,
    pub tls: TlsAcceptor,
    next_index: AtomicU32,
    /// True once the initial fleet is registered.
    pub registered: AtomicBool,
    pub started: Instant,
    /// Exec sessions open now, by id (control API: `GET /exec-sessions`).
    pub exec_sessions: Mutex<BTreeMap<u64, crate::exec::ExecSession>>,
    pub next_exec: AtomicU64,
}

/// Microseconds since the Unix epoch, now.
pub fn now_micros() -> Micros {
    chrono::Utc::now().timestamp_micros()
}

fn tls_acceptor(opts: &Options) -> anyhow::Result<TlsAcceptor> {
    let certs = CertificateDer::pem_file_iter(&opts.kubelet_cert)
        .with_context(|| format!("reading {}", opts.kubelet_cert.display()))?
        .collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(&opts.kubelet_key)
        .with_context(|| format!("reading {}", opts.kubelet_key.display()))?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

impl Sim {
    /// Adds a node to the fleet: starts its kubelet endpoint and its heartbeat task.
    pub async fn add_node(self: &Arc<Self>, spec: NodeSpec) -> anyhow::Result<Arc<SimNode>> {
        let index = self.next_index.fetch_add(1, Ordering::Relaxed);
        let name = match spec.name.clone() {
            Some(n) => n,
            None => {
                let n = self
                    .nodes
                    .read()
                    .unwrap()
                    .values()
                    .filter(|n| n.role == spec.role)
                    .count()
                    + 1;
                let mut candidate = format!("{}-{n}", spec.role.prefix());
                let mut k = n;
                while self.nodes.read().unwrap().contains_key(&candidate) {
                    k += 1;
                    candidate = format!("{}-{k}", spec.role.prefix());
                }
                candidate
            }
        };
        if self.nodes.read().unwrap().contains_key(&name) {
            anyhow::bail!("node {name} already exists in this simulator");
        }
        let node = SimNode::start(self.clone(), name.clone(), index, spec).await?;
        self.nodes.write().unwrap().insert(name, node.clone());
        node.clone().spawn_heartbeat(self.clone());
        Ok(node)
    }

    /// Removes a node: stops its endpoint and heartbeats and deletes the Node and Lease objects.
    pub async fn remove_node(self: &Arc<Self>, name: &str) -> anyhow::Result<bool> {
        let Some(node) = self.nodes.write().unwrap().remove(name) else {
            return Ok(false);
        };
        node.stop();
        node.delete_objects(self).await?;
        Ok(true)
    }

    pub fn node(&self, name: &str) -> Option<Arc<SimNode>> {
        self.nodes.read().unwrap().get(name).cloned()
    }

    /// Pods this simulator runs on `node`.
    pub fn pods_on(&self, node: &str) -> Vec<Arc<Mutex<PodRuntime>>> {
        self.pods
            .read()
            .unwrap()
            .values()
            .filter(|e| e.runtime.lock().unwrap().node == node)
            .map(|e| e.runtime.clone())
            .collect()
    }

    pub fn pod(&self, ns: &str, name: &str) -> Option<Arc<Mutex<PodRuntime>>> {
        self.pods
            .read()
            .unwrap()
            .get(&(ns.to_string(), name.to_string()))
            .map(|e| e.runtime.clone())
    }

    /// Hands a pod event to the pod's task, starting one for pods newly bound to our nodes.
    fn dispatch(self: &Arc<Self>, p: Pod) {
        let Some(node_name) = p.spec.as_ref().and_then(|s| s.node_name.clone()) else {
            return;
        };
        let key = (p.namespace().unwrap_or_default(), p.name_any());
        let mut pods = self.pods.write().unwrap();
        if let Some(entry) = pods.get(&key) {
            let same_uid = entry.runtime.lock().unwrap().uid == p.uid().unwrap_or_default();
            if same_uid
                && entry
                    .tx
                    .send(PodCommand::Update(Box::new(p.clone())))
                    .is_ok()
            {
                return;
            }
            // A new pod with the same name (StatefulSet) or a finished task: start afresh.
            let _ = entry.tx.send(PodCommand::Forget);
            pods.remove(&key);
        }
        let Some(node) = self.node(&node_name) else {
            return;
        };
        let (runtime, tx) = pod::spawn(self.clone(), node, p);
        pods.insert(key, PodEntry { runtime, tx });
    }

    fn forget(&self, key: &PodKey) {
        if let Some(entry) = self.pods.write().unwrap().remove(key) {
            let _ = entry.tx.send(PodCommand::Forget);
        }
    }

    /// Called by a pod task when its pod is gone for good.
    pub fn pod_finished(&self, key: &PodKey, uid: &str) {
        let mut pods = self.pods.write().unwrap();
        if pods
            .get(key)
            .is_some_and(|e| e.runtime.lock().unwrap().uid == uid)
        {
            pods.remove(key);
        }
    }

    /// Watches every scheduled pod and feeds the ones on our nodes to their tasks.
    async fn watch_pods(self: Arc<Self>) {
        let api: Api<Pod> = Api::all(self.client.clone());
        let cfg = watcher::Config::default().fields("spec.nodeName!=");
        let mut seen: HashSet<PodKey> = HashSet::new();
        let mut stream = watcher::watcher(api, cfg).boxed();
        loop {
            match stream.try_next().await {
                Ok(Some(Event::Apply(p) | Event::InitApply(p))) => {
                    seen.insert((p.namespace().unwrap_or_default(), p.name_any()));
                    self.dispatch(p);
                }
                Ok(Some(Event::Delete(p))) => {
                    self.forget(&(p.namespace().unwrap_or_default(), p.name_any()))
                }
                Ok(Some(Event::Init)) => seen.clear(),
                Ok(Some(Event::InitDone)) => {
                    let stale: Vec<PodKey> = self
                        .pods
                        .read()
                        .unwrap()
                        .keys()
                        .filter(|k| !seen.contains(*k))
                        .cloned()
                        .collect();
                    for k in stale {
                        self.forget(&k);
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    warn!("pod watch: {e}; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    }
}

/// Runs the simulator until SIGINT/SIGTERM.
pub async fn run(opts: Options) -> anyhow::Result<()> {
    let kubeconfig = Kubeconfig::read_from(&opts.kubeconfig)
        .with_context(|| format!("reading kubeconfig {}", opts.kubeconfig.display()))?;
    let mut config =
        Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    config.read_timeout = Some(std::time::Duration::from_secs(60));
    let client = Client::try_from(config)?;
    let sim = Arc::new(Sim {
        client,
        schedule: RwLock::new(Schedule::constant(opts.log_lines_per_second)),
        api_slots: Semaphore::new(opts.api_concurrency.max(1)),
        tls: tls_acceptor(&opts)?,
        nodes: RwLock::new(BTreeMap::new()),
        pods: RwLock::new(HashMap::new()),
        next_index: AtomicU32::new(0),
        registered: AtomicBool::new(false),
        started: Instant::now(),
        exec_sessions: Mutex::new(BTreeMap::new()),
        next_exec: AtomicU64::new(0),
        opts,
    });

    let control_url = control::serve(sim.clone()).await?;
    info!("control API on {control_url}");
    if let Some(file) = &sim.opts.control_url_file {
        std::fs::write(file, format!("{control_url}\n"))
            .with_context(|| format!("writing {}", file.display()))?;
    }

    if let Some(addr) = &sim.opts.metrics_addr {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding the metrics API on {addr}"))?;
        info!("metrics API (metrics.k8s.io/v1beta1) on https://{}", listener.local_addr()?);
        crate::metrics_api::serve(sim.clone(), listener);
    }

    tokio::spawn(sim.clone().watch_pods());

    let fleet = (0..sim.opts.masters)
        .map(|_| Role::Master)
        .chain((0..sim.opts.workers).map(|_| Role::Worker))
        .collect::<Vec<_>>();
    let total = fleet.len();
    let t0 = Instant::now();
    for role in fleet {
        sim.add_node(NodeSpec::new(role)).await?;
    }
    // Heartbeat tasks register their nodes concurrently; wait until all have.
    loop {
        let done = sim
            .nodes
            .read()
            .unwrap()
            .values()
            .filter(|n| n.is_registered())
            .count();
        if done >= total {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    sim.registered.store(true, Ordering::SeqCst);
    info!(
        "registered {total} nodes in {:.1}s",
        t0.elapsed().as_secs_f64()
    );

    shutdown_signal().await;
    info!("shutting down");
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("installing SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
