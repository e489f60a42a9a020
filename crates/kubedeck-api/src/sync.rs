//! Cluster sync and health: one loop per replica, one lease per cluster.
//!
//! Every `interval` the replica that holds a cluster's lease checks its health (version call with a deadline),
//! refreshes the spec's counters from the synced node store, and keeps the cluster's watchers running.
//! A failing cluster is retried with growing, jittered delays and only turns to error after
//! [`ERROR_AFTER`] consecutive failures, so one blip is not an outage; it recovers by itself.

use crate::state::AppState;
use kubedeck_kube::error::{ClusterError, within};
use kubedeck_kube::hub::{Changes, HubEvent, Projected};
use kubedeck_kube::intern::Sym;
use kubedeck_kube::kubeconfig;
use kubedeck_kube::pods::PodLite;
use kubedeck_kube::resource::discovery::Catalog;
use kubedeck_kube::resource::row::Row;
use kubedeck_store::Store;
use kubedeck_store::clusters::Cluster;
use kubedeck_store::leases::Fence;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Consecutive failed checks before a cluster shows as error.
pub const ERROR_AFTER: i32 = 3;
/// Deadline of a health check.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a check failed, in the words the status shows.
fn reason(e: &ClusterError) -> &'static str {
    match e {
        ClusterError::CredentialRejected(_) => "credential rejected (expired or revoked)",
        ClusterError::Api { code: 403, .. } => "credential lacks permission",
        ClusterError::Unreachable(_) | ClusterError::Timeout(_) => "unreachable",
        _ => "error",
    }
}

/// Why a cluster's status is what it is, as a stable code (published in the OpenAPI document, so the console's
/// translations are typed over it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClusterReasonCode {
    /// Just imported, not checked yet.
    Imported,
    /// The last check passed.
    InSync,
    /// The kubeconfig was replaced, not checked yet.
    CredentialReplaced,
    /// The cluster rejects the credential (expired or revoked).
    CredentialRejected,
    /// The credential lacks a permission the check needs.
    ClusterForbidden,
    /// The cluster cannot be reached.
    ClusterUnreachable,
    /// Another failure.
    ClusterError,
    /// No reason recorded.
    None,
}

/// The stable code of a stored status reason (the texts above and the store's "imported", "in sync",
/// "credential replaced"), for clients that show it in their own words.
pub fn reason_code(reason: &str) -> ClusterReasonCode {
    match reason {
        "imported" => ClusterReasonCode::Imported,
        "in sync" => ClusterReasonCode::InSync,
        "credential replaced" => ClusterReasonCode::CredentialReplaced,
        "credential rejected (expired or revoked)" => ClusterReasonCode::CredentialRejected,
        "credential lacks permission" => ClusterReasonCode::ClusterForbidden,
        "unreachable" => ClusterReasonCode::ClusterUnreachable,
        "" => ClusterReasonCode::None,
        _ => ClusterReasonCode::ClusterError,
    }
}

/// Identifies the stored credential, so a replaced kubeconfig restarts the cluster's watchers.
fn fingerprint(c: &Cluster) -> String {
    hex::encode(&Sha256::digest(c.credential.as_bytes())[..8])
}

/// How long a cluster's lease lasts without renewal, and how often its holder renews all of its leases (one
/// statement): a replica that dies (SIGKILL, a lost machine) hands its clusters over within about
/// `LEASE_TTL + STANDBY_CHECK`, whatever the sync interval, and a stalled one is fenced out ([`Fence`]).
const LEASE_TTL: chrono::Duration = chrono::Duration::seconds(20);
const RENEW_EVERY: Duration = Duration::from_secs(5);
/// How often a replica asks again for a cluster another replica holds.
const STANDBY_CHECK: Duration = Duration::from_secs(5);
/// How often a replica looks for tasks of replicas that stopped (their replica lease, renewed every second for
/// `LEASE_TTL`, lapsed): such a task is marked `interrupted`, and can be resumed, within `LEASE_TTL` + this.
const ORPHAN_SWEEP_EVERY: Duration = Duration::from_secs(10);

/// The most clusters one replica holds: an even share of them among the live replicas (rounded up, so the
/// shares cover every cluster). A replica at its share takes no more; one above it (another replica joined, or it
/// imported a cluster) gives the excess up for the others to take.
pub fn fair_share(clusters: usize, live_replicas: u64) -> usize {
    clusters.div_ceil(live_replicas.max(1) as usize)
}

/// Which of the clusters held go to other replicas so that `cap` remain: the newest (highest ids) first, so every
/// replica agrees which move and the long-held ones keep their warm watchers.
pub fn excess(held: &[i64], cap: usize) -> Vec<i64> {
    let mut ids = held.to_vec();
    ids.sort_unstable();
    ids.split_off(cap.min(ids.len()))
}

/// Checks one cluster now, outside the loop (import, credential change, "sync now"). Only the replica that holds
/// (or can take) the cluster's lease starts its watchers; any other replica checks with a one-off client.
pub async fn sync_now(state: &AppState, cluster: &Cluster) -> Result<Cluster, ClusterError> {
    let lease = format!("sync:cluster:{}", cluster.id);
    let owner = match state
        .store
        .try_acquire_lease(&lease, &state.replica_id, LEASE_TTL)
        .await
    {
        Ok(Some(token)) => Some(Fence {
            lease,
            holder: state.replica_id.clone(),
            token,
        }),
        _ => None,
    };
    sync_cluster(state, cluster, owner).await
}

/// Checks one cluster now and records the outcome. Returns the updated row. `owner`, the cluster's lease as this
/// replica holds it, starts (or keeps) this replica's watchers for it and fences its snapshot writes; only the
/// lease holder watches.
pub async fn sync_cluster(
    state: &AppState,
    cluster: &Cluster,
    owner: Option<Fence>,
) -> Result<Cluster, ClusterError> {
    if let Some(fence) = &owner {
        crate::event_archive::held(cluster.id, fence);
        crate::alerting::held(cluster.id, fence);
    }
    let outcome = check(state, cluster, owner.is_some()).await;
    let row = match &outcome {
        Ok((version, platform, counts, latency)) => {
            if let Some(fence) = owner {
                snapshot_from_hub(state, cluster.id, fence).await;
            }
            state
                .store
                .record_cluster_sync(cluster.id, version, platform, *counts, *latency)
                .await
        }
        Err(e) => {
            state
                .store
                .record_cluster_failure(cluster.id, reason(e), &e.to_string(), ERROR_AFTER)
                .await
        }
    };
    let row = row.map_err(|e| ClusterError::Other(format!("database: {e}")))?;
    match (outcome, row) {
        (Ok(_), Some(row)) => Ok(row),
        (Err(e), _) => Err(e),
        (Ok(_), None) => Err(ClusterError::Other(
            "the cluster was deleted during the sync".into(),
        )),
    }
}

async fn check(
    state: &AppState,
    cluster: &Cluster,
    watch: bool,
) -> Result<(String, String, kubedeck_core::cluster::NodeCounts, i32), ClusterError> {
    let text = state
        .open_credential(cluster)
        .map_err(|e| ClusterError::Other(format!("stored credential unusable: {e}")))?;
    let safe = kubeconfig::parse(&text, Some(&cluster.context_name))
        .map_err(|p| ClusterError::Other(format!("stored kubeconfig refused: {p}")))?;
    let handle = if watch {
        Some(
            state
                .hub
                .ensure(cluster.id, &safe, &fingerprint(cluster))
                .await?,
        )
    } else {
        None
    };
    let client = match &handle {
        Some(h) => h.client.clone(),
        None => safe.client().await?,
    };
    let started = Instant::now();
    let info = within(CHECK_TIMEOUT, client.apiserver_version()).await?;
    let latency = started.elapsed().as_millis() as i32;
    let counts = match handle.as_ref().and_then(|h| h.node_counts()) {
        Some(c) => c,
        None => {
            let api: kube::Api<k8s_openapi::api::core::v1::Node> = kube::Api::all(client.clone());
            let list = within(CHECK_TIMEOUT, api.list(&Default::default())).await?;
            kubedeck_kube::nodes::count(&list.items)
        }
    };
    Ok((info.git_version, info.platform, counts, latency))
}

/// One snapshot writer per cluster at a time in this process. The background loop and an explicit
/// `pods/sync` or `nodes/sync` would otherwise insert the same new rows at once, which PostgreSQL and MariaDB
/// refuse as duplicate keys. (A writer on another replica is handled by [`lost_race`].)
async fn snapshot_lock(cluster_id: i64) -> tokio::sync::OwnedMutexGuard<()> {
    static LOCKS: std::sync::LazyLock<std::sync::Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>> =
        std::sync::LazyLock::new(Default::default);
    let lock = LOCKS
        .lock()
        .expect("snapshot locks")
        .entry(cluster_id)
        .or_default()
        .clone();
    lock.lock_owned().await
}

/// Whether a snapshot write lost a race to a writer on another replica (a duplicate key). Written again, it
/// reads the rows the other writer inserted and writes only what still differs.
fn lost_race(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Writes the node, pod and object snapshots from this replica's synced stores (those that are synced), as the
/// holder of the cluster's lease: a write made after the lease passed to another replica is refused by the
/// database ([`Store::fenced`]), so a replica that stalled cannot overwrite the new holder's snapshot.
async fn snapshot_from_hub(state: &AppState, cluster_id: i64, fence: Fence) {
    let Some(h) = state.hub.get(cluster_id) else {
        return;
    };
    let store = &state.store.fenced(fence);
    let _writing = snapshot_lock(cluster_id).await;
    if h.nodes_synced() && h.pods.synced() {
        let loads = h.pods.totals(Clone::clone);
        let nodes = h.nodes.state();
        let summaries = kubedeck_kube::nodes::summarize(nodes.iter().map(AsRef::as_ref), &loads, chrono::Utc::now());
        drop(nodes);
        if let Err(e) = node_snapshot(store, cluster_id, &summaries).await {
            tracing::warn!(
                cluster_id,
                "could not write the node snapshot: {}",
                e.message
            );
        }
        write_changes(store, cluster_id, &PodTable, &h.pods).await;
    }
    for kind in h.resources.stores() {
        if kind.rows.synced() {
            write_changes(
                store,
                cluster_id,
                &ObjectTable(&kind.served.name),
                &kind.rows,
            )
            .await;
        }
    }
    forget_unserved_kinds(store, cluster_id, &h.resources).await;
}

/// A hub store's snapshot table, as [`write_changes`] writes it.
trait SnapshotTable: Sync {
    /// What the hub's store holds.
    type Item: Send + Sync;
    /// One item as the table's writer takes it (a row of the table).
    type Record: Clone + Send + Sync;
    /// What a full write reports.
    type Diff;
    /// For logs: `pod`, or the kind's URL name.
    fn name(&self) -> &str;
    /// An item as the writer takes it.
    fn record(&self, item: &Self::Item) -> Self::Record;
    /// Brings the table to `items` (every item of the store), writing only what differs.
    fn replace(
        &self,
        store: &Store,
        cluster_id: i64,
        items: &[Arc<Self::Item>],
    ) -> impl Future<Output = Result<Self::Diff, sea_orm::DbErr>> + Send;
    /// Writes the items that changed (`changed`) or went (`gone`, as `(namespace, name)`).
    fn update(
        &self,
        store: &Store,
        cluster_id: i64,
        changed: Vec<Self::Record>,
        gone: Vec<(String, String)>,
    ) -> impl Future<Output = Result<(), sea_orm::DbErr>> + Send;
}

/// Writes what a store's watcher saw change since the last write: everything after a (re)list (compared row by
/// row: only rows that differ are written), otherwise only the keys it marked. A failed write marks the whole
/// store changed, so the next write compares everything rather than lose the changes taken for this one.
async fn write_changes<T: SnapshotTable, G>(
    store_db: &Store,
    cluster_id: i64,
    table: &T,
    store: &Projected<T::Item, (Sym, Sym), G>,
) {
    let written = match store.take_changes() {
        Changes::None => return,
        Changes::All => {
            // read after taking the changes: a change made in between is written now or marked for next time
            let items: Vec<Arc<T::Item>> = store.read(|m| m.values().cloned().collect());
            replace_snapshot(store_db, cluster_id, table, &items)
                .await
                .map(drop)
        }
        Changes::Keys(keys) => {
            let (changed, gone): (Vec<_>, Vec<_>) = store.read(|m| {
                keys.into_iter()
                    .map(|k| m.get(&k).cloned().ok_or(k))
                    .partition(Result::is_ok)
            });
            let changed: Vec<T::Record> = changed
                .into_iter()
                .flatten()
                .map(|i| table.record(&i))
                .collect();
            let gone: Vec<(String, String)> = gone
                .into_iter()
                .filter_map(Result::err)
                .map(|(ns, name)| (ns.to_string(), name.to_string()))
                .collect();
            once_more_after_lost_race(|| {
                table.update(store_db, cluster_id, changed.clone(), gone.clone())
            })
            .await
            .map_err(crate::error::ApiError::from)
        }
    };
    if let Err(e) = written {
        store.mark_all_changed();
        if e.message.starts_with(kubedeck_store::leases::LEASE_LOST) {
            // not a failure: another replica took the cluster over, and its watchers write from now on
            tracing::info!(
                cluster_id,
                "{} snapshot not written: {}",
                table.name(),
                e.message
            );
            return;
        }
        tracing::warn!(
            cluster_id,
            "could not write the {} snapshot: {}",
            table.name(),
            e.message
        );
    }
}

/// A full write of a table; the caller holds the cluster's snapshot lock.
async fn replace_snapshot<T: SnapshotTable>(
    store: &Store,
    cluster_id: i64,
    table: &T,
    items: &[Arc<T::Item>],
) -> Result<T::Diff, crate::error::ApiError> {
    Ok(once_more_after_lost_race(|| table.replace(store, cluster_id, items)).await?)
}

/// A snapshot write, made once more when it lost a race to a writer on another replica ([`lost_race`]).
async fn once_more_after_lost_race<R, F>(mut write: impl FnMut() -> F) -> Result<R, sea_orm::DbErr>
where
    F: Future<Output = Result<R, sea_orm::DbErr>>,
{
    match write().await {
        Err(e) if lost_race(&e) => write().await,
        done => done,
    }
}

/// `kube_pod`: the hub's pod projections.
struct PodTable;

impl SnapshotTable for PodTable {
    type Item = PodLite;
    type Record = kubedeck_store::kube_pods::PodSnapshot;
    type Diff = kubedeck_store::kube_pods::PodSnapshotDiff;

    fn name(&self) -> &str {
        "pod"
    }

    fn record(&self, p: &PodLite) -> Self::Record {
        snapshot_row(p)
    }

    async fn replace(
        &self,
        store: &Store,
        cluster_id: i64,
        pods: &[Arc<PodLite>],
    ) -> Result<Self::Diff, sea_orm::DbErr> {
        // rows are built as they are written: a 150,000-pod cluster is never held twice (a function, not a
        // closure: a closure's borrow here makes the future not provably Send)
        let rows = pods.iter().map(Arc::as_ref).map(snapshot_row);
        store.replace_pod_snapshot(cluster_id, rows).await
    }

    async fn update(
        &self,
        store: &Store,
        cluster_id: i64,
        changed: Vec<Self::Record>,
        gone: Vec<(String, String)>,
    ) -> Result<(), sea_orm::DbErr> {
        store
            .update_pod_snapshot(cluster_id, changed, gone)
            .await
            .map(drop)
    }
}

/// A pod projection as a `kube_pod` row.
fn snapshot_row(p: &PodLite) -> kubedeck_store::kube_pods::PodSnapshot {
    let text = |s: &Option<kubedeck_kube::intern::Sym>| s.as_deref().unwrap_or_default().to_owned();
    kubedeck_store::kube_pods::PodSnapshot {
        namespace: p.namespace.to_string(),
        name: p.name.to_string(),
        node_name: text(&p.node_name),
        phase: p.phase.to_string(),
        ready: format!("{}/{}", p.ready.0, p.ready.1),
        restarts: p.restarts,
        age: p.created_at,
        ip: p.pod_ip.map(|ip| ip.to_string()).unwrap_or_default(),
        labels: serde_json::to_string(&p.labels).unwrap_or_default(),
        owner_type: text(&p.owner_kind),
        owner_name: text(&p.owner_name),
        status: p.status.to_string(),
        summary: serde_json::to_string(p).unwrap_or_default(),
    }
}

/// `kube_object`, one kind (its URL name): the engine's rows as JSON.
struct ObjectTable<'a>(&'a str);

impl SnapshotTable for ObjectTable<'_> {
    type Item = Row;
    type Record = kubedeck_store::kube_objects::ObjectSnapshot;
    type Diff = kubedeck_store::snapshot::SnapshotCounts;

    fn name(&self) -> &str {
        self.0
    }

    fn record(&self, r: &Row) -> Self::Record {
        kubedeck_store::kube_objects::ObjectSnapshot {
            namespace: r.namespace.to_string(),
            name: r.name.to_string(),
            row: serde_json::to_string(r).unwrap_or_default(),
        }
    }

    async fn replace(
        &self,
        store: &Store,
        cluster_id: i64,
        rows: &[Arc<Row>],
    ) -> Result<Self::Diff, sea_orm::DbErr> {
        let rows = rows.iter().map(|r| self.record(r)).collect();
        store
            .replace_object_snapshot(cluster_id, self.0, rows)
            .await
    }

    async fn update(
        &self,
        store: &Store,
        cluster_id: i64,
        changed: Vec<Self::Record>,
        gone: Vec<(String, String)>,
    ) -> Result<(), sea_orm::DbErr> {
        store
            .update_object_snapshot(cluster_id, self.0, changed, gone)
            .await
            .map(drop)
    }
}

/// Drops the snapshots of kinds the cluster no longer serves (a deleted CRD), once per discovered catalog.
async fn forget_unserved_kinds(
    store: &Store,
    cluster_id: i64,
    resources: &kubedeck_kube::resource::store::Resources,
) {
    type Checked = HashMap<i64, std::sync::Weak<Catalog>>;
    static CHECKED: std::sync::LazyLock<std::sync::Mutex<Checked>> =
        std::sync::LazyLock::new(Default::default);
    let Some(catalog) = resources.cached_catalog() else {
        return;
    };
    let new = Arc::downgrade(&catalog);
    let seen = CHECKED
        .lock()
        .expect("checked catalogs")
        .insert(cluster_id, new.clone());
    if seen.is_some_and(|seen| seen.ptr_eq(&new)) {
        return;
    }
    let unserved = |kinds: Vec<String>| {
        kinds
            .into_iter()
            .filter(|k| !catalog.served.iter().any(|s| &s.name == k))
    };
    let mut failed = None;
    match store.object_snapshot_kinds(cluster_id).await {
        Ok(kinds) => {
            for kind in unserved(kinds) {
                if let Err(e) = store.delete_object_snapshot(cluster_id, &kind).await {
                    failed = Some(e);
                }
            }
        }
        Err(e) => failed = Some(e),
    }
    if let Some(e) = failed {
        // look again next time
        CHECKED
            .lock()
            .expect("checked catalogs")
            .remove(&cluster_id);
        tracing::warn!(
            cluster_id,
            "could not drop the snapshots of unserved kinds: {e}"
        );
    }
}

/// Brings the cluster's `kube_pod` snapshot to `pods`, every pod of the cluster (only rows that changed are
/// written).
pub async fn write_pod_snapshot(
    state: &AppState,
    cluster_id: i64,
    pods: &[Arc<PodLite>],
) -> Result<kubedeck_store::kube_pods::PodSnapshotDiff, crate::error::ApiError> {
    let _writing = snapshot_lock(cluster_id).await;
    replace_snapshot(&state.store, cluster_id, &PodTable, pods).await
}

/// Saves node summaries as the cluster's `kube_node` snapshot (see [`node_snapshot`]).
pub async fn write_node_snapshot(
    state: &AppState,
    cluster_id: i64,
    summaries: &[kubedeck_kube::nodes::NodeSummary],
) -> Result<kubedeck_store::kube_nodes::SnapshotDiff, crate::error::ApiError> {
    let _writing = snapshot_lock(cluster_id).await;
    node_snapshot(&state.store, cluster_id, summaries).await
}

/// Saves node summaries as the cluster's `kube_node` snapshot. Heartbeat times and ages, which change on
/// every kubelet beat, are left out of the stored summary so unchanged nodes are not rewritten. The caller holds
/// the cluster's snapshot lock.
async fn node_snapshot(
    store: &Store,
    cluster_id: i64,
    summaries: &[kubedeck_kube::nodes::NodeSummary],
) -> Result<kubedeck_store::kube_nodes::SnapshotDiff, crate::error::ApiError> {
    let rows = summaries
        .iter()
        .map(|s| {
            let mut stable = s.clone();
            stable.age_seconds = 0;
            stable.resource_version.clear();
            for c in &mut stable.conditions {
                c.last_heartbeat_time = None;
            }
            kubedeck_store::kube_nodes::NodeSnapshot {
                name: s.name.clone(),
                role: s.role.clone(),
                status: s.status.clone(),
                internal_ip: s.internal_ip.clone(),
                external_ip: s.external_ip.clone(),
                kubelet_version: s.kubelet_version.clone(),
                os_image: s.os_image.clone(),
                cpu_capacity: s.capacity.cpu.clone(),
                memory_capacity: s.capacity.memory.clone(),
                cpu_allocatable: s.allocatable.cpu.clone(),
                memory_allocatable: s.allocatable.memory.clone(),
                labels: serde_json::to_string(&s.labels).unwrap_or_default(),
                taints: serde_json::to_string(&s.taints).unwrap_or_default(),
                summary: serde_json::to_string(&stable).unwrap_or_default(),
            }
        })
        .collect();
    Ok(store.replace_node_snapshot(cluster_id, rows).await?)
}

/// Delay before the next check: the interval when healthy, a growing jittered backoff when failing.
pub fn next_delay(interval: Duration, failures: i32) -> Duration {
    if failures <= 0 {
        return interval;
    }
    let base = Duration::from_secs(5)
        .saturating_mul(1 << (failures - 1).min(4) as u32)
        .min(Duration::from_secs(60));
    let jitter = rand::random_range(0.8..1.2);
    base.mul_f64(jitter)
}

/// This replica's share of the clusters now and the clusters it holds (live leases), or `None` when the database
/// cannot say.
async fn balance(state: &AppState, clusters: usize) -> Option<(usize, std::collections::HashSet<i64>)> {
    let live = state.store.count_live_leases("replica:").await.map_err(|e| tracing::warn!("could not count the live replicas: {e}")).ok()?;
    let held = state
        .store
        .held_leases(&state.replica_id, "sync:cluster:")
        .await
        .map_err(|e| tracing::warn!("could not read the cluster leases held: {e}"))
        .ok()?;
    let held = held.iter().filter_map(|n| n.strip_prefix("sync:cluster:")?.parse().ok()).collect();
    Some((fair_share(clusters, live), held))
}

/// Runs until `cancel`: schedules checks, holds leases, persists watcher events.
pub async fn run(
    state: AppState,
    interval: Duration,
    mut events: mpsc::UnboundedReceiver<HubEvent>,
    cancel: CancellationToken,
) {
    let lease_ttl = LEASE_TTL;
    let mut renewed_at = Instant::now();
    let mut swept_at = Instant::now();
    let replica_lease = format!("replica:{}", state.replica_id);
    let mut due: HashMap<i64, Instant> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut checks = tokio::task::JoinSet::new();
    let archive = tokio::spawn(crate::event_archive::run(state.clone(), cancel.clone()));
    let alerting = tokio::spawn(crate::alerting::run(state.clone(), cancel.clone()));
    // every replica sends notifications; a guarded claim gives each delivery to one of them
    let notifications = tokio::spawn(crate::notify::run(state.clone(), cancel.clone()));
    // every replica starts and ends maintenance windows; a guarded UPDATE gives each move to one of them
    tokio::spawn(crate::maintenance::run(state.clone(), cancel.clone()));
    // what this replica's watchers see change, told to the other replicas' live pages (with Redis)
    tokio::spawn(crate::shared::publish_changes(
        state.clone(),
        cancel.clone(),
    ));
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            Some(ev) = events.recv() => match ev {
                HubEvent::NodeCounts { cluster_id, counts } => {
                    if let Err(e) = state.store.record_cluster_node_counts(cluster_id, counts).await {
                        tracing::warn!(cluster_id, "could not save node counts: {e}");
                    }
                }
            },
            Some(done) = checks.join_next(), if !checks.is_empty() => {
                if let Ok((id, failures)) = done {
                    due.insert(id, Instant::now() + next_delay(interval, failures));
                }
            }
            _ = tick.tick() => {
                // the replica lease says this replica is alive: its tasks are interrupted once it lapses
                if let Err(e) = state.store.try_acquire_lease(&replica_lease, &state.replica_id, lease_ttl).await {
                    tracing::warn!("could not renew the replica lease: {e}");
                }
                if swept_at.elapsed() >= ORPHAN_SWEEP_EVERY {
                    swept_at = Instant::now();
                    match state.store.interrupt_orphaned_tasks(&state.replica_id).await {
                        Ok(0) => {}
                        Ok(n) => tracing::warn!(interrupted = n, "tasks of a replica that stopped were marked interrupted (they can be resumed)"),
                        Err(e) => tracing::warn!("could not look for tasks of stopped replicas: {e}"),
                    }
                }
                if renewed_at.elapsed() >= RENEW_EVERY {
                    renewed_at = Instant::now();
                    if let Err(e) = state.store.renew_leases(&state.replica_id, "sync:cluster:", lease_ttl).await {
                        tracing::warn!("could not renew the cluster leases: {e}");
                    }
                }
                let clusters = match state.store.all_clusters().await {
                    Ok(c) => c,
                    Err(e) => { tracing::warn!("could not list clusters: {e}"); continue; }
                };
                let now = Instant::now();
                // the work is spread evenly over the live replicas (each renews `replica:{id}` every second), and
                // moves when one joins or leaves; without those counts this tick takes nothing new
                let (cap, mut held) = match balance(&state, clusters.len()).await {
                    Some(b) => b,
                    None => (0, state.hub.running().into_iter().collect()),
                };
                // a deleted cluster's lease is given back: held, it would count against this replica's share, and
                // a cluster imported next would never be taken
                let gone: Vec<i64> = held.iter().copied().filter(|id| !clusters.iter().any(|c| c.id == *id)).collect();
                for id in gone {
                    held.remove(&id);
                    state.hub.stop(id);
                    due.remove(&id);
                    let _ = state.store.release_lease(&format!("sync:cluster:{id}"), &state.replica_id).await;
                }
                let give_up = if cap > 0 { excess(&held.iter().copied().collect::<Vec<_>>(), cap) } else { Vec::new() };
                for id in give_up {
                    tracing::info!(cluster_id = id, share = cap, "handing a cluster over to a replica with fewer");
                    state.hub.stop(id);
                    held.remove(&id);
                    let _ = state.store.release_lease(&format!("sync:cluster:{id}"), &state.replica_id).await;
                    // not asked for again before another replica had the time to take it
                    due.insert(id, now + 2 * STANDBY_CHECK);
                }
                for id in state.hub.running() {
                    if !clusters.iter().any(|c| c.id == id) {
                        state.hub.stop(id);
                        due.remove(&id);
                    }
                }
                for c in clusters {
                    if due.get(&c.id).is_some_and(|t| *t > now) {
                        continue;
                    }
                    if !held.contains(&c.id) && held.len() >= cap {
                        // this replica has its share: the cluster is another's (or will be)
                        state.hub.stop(c.id);
                        due.insert(c.id, now + interval.min(STANDBY_CHECK));
                        continue;
                    }
                    let lease = format!("sync:cluster:{}", c.id);
                    match state.store.try_acquire_lease(&lease, &state.replica_id, lease_ttl).await {
                        Ok(Some(token)) => {
                            held.insert(c.id);
                            let fence = Fence { lease, holder: state.replica_id.clone(), token };
                            // In flight: not due again until the check reports back.
                            due.insert(c.id, now + Duration::from_secs(3600));
                            let st = state.clone();
                            checks.spawn(async move {
                                let res = sync_cluster(&st, &c, Some(fence)).await;
                                if let Err(e) = &res {
                                    tracing::info!(cluster_id = c.id, "cluster check failed: {e}");
                                }
                                let failures = match st.store.find_cluster(c.id).await { Ok(Some(r)) => r.consecutive_failures, _ => 0 };
                                (c.id, failures)
                            });
                        }
                        Ok(None) => {
                            // Another replica syncs this cluster: ask again soon, to take it over when it dies.
                            state.hub.stop(c.id);
                            due.insert(c.id, now + interval.min(STANDBY_CHECK));
                        }
                        Err(e) => tracing::warn!("lease for cluster {}: {e}", c.id),
                    }
                }
            }
        }
    }
    checks.abort_all();
    let _ = archive.await;
    let _ = alerting.await;
    let _ = notifications.await;
    for id in state.hub.running() {
        let _ = state
            .store
            .release_lease(&format!("sync:cluster:{id}"), &state.replica_id)
            .await;
    }
    let _ = state
        .store
        .release_lease(&replica_lease, &state.replica_id)
        .await;
    state.hub.stop_all();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_are_shared_evenly_and_the_newest_move() {
        assert_eq!(fair_share(100, 2), 50);
        assert_eq!(fair_share(100, 3), 34);
        assert_eq!(fair_share(5, 2), 3);
        assert_eq!(fair_share(3, 0), 3, "no live replica counted yet: this one takes all");
        assert_eq!(fair_share(0, 4), 0);
        assert_eq!(excess(&[9, 2, 7, 4], 2), vec![7, 9]);
        assert_eq!(excess(&[3, 1], 5), Vec::<i64>::new());
    }

    #[test]
    fn every_failure_reason_has_its_own_code() {
        let failures = [
            ClusterError::CredentialRejected("x".into()),
            ClusterError::Api {
                code: 403,
                reason: "Forbidden".into(),
                message: "x".into(),
            },
            ClusterError::Unreachable("x".into()),
        ];
        let codes: Vec<ClusterReasonCode> =
            failures.iter().map(|e| reason_code(reason(e))).collect();
        assert_eq!(
            codes,
            [
                ClusterReasonCode::CredentialRejected,
                ClusterReasonCode::ClusterForbidden,
                ClusterReasonCode::ClusterUnreachable
            ]
        );
    }

    #[test]
    fn healthy_clusters_wait_the_interval_and_failing_ones_back_off() {
        let i = Duration::from_secs(15);
        assert_eq!(next_delay(i, 0), i);
        let first = next_delay(i, 1);
        assert!(first >= Duration::from_secs(4) && first <= Duration::from_secs(6));
        let capped = next_delay(i, 20);
        assert!(capped <= Duration::from_secs(72) && capped >= Duration::from_secs(48));
    }
}
