//! The `kube_pod` snapshot: written from a cluster's synced pod store (only rows that changed), read by
//! replicas that do not sync the cluster and while it cannot be reached.

use crate::Store;
use crate::entity::kube_pod;
use crate::snapshot::{self, SnapshotCounts, SnapshotTable};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Set};

pub use crate::entity::kube_pod::Model as PodRow;

/// One pod as the snapshot stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSnapshot {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Node.
    pub node_name: String,
    /// Phase.
    pub phase: String,
    /// `x/y`.
    pub ready: String,
    /// Restarts.
    pub restarts: i32,
    /// Creation time.
    pub age: Option<DateTime<Utc>>,
    /// Pod IP.
    pub ip: String,
    /// Labels (JSON).
    pub labels: String,
    /// Controller kind.
    pub owner_type: String,
    /// Controller name.
    pub owner_name: String,
    /// kubectl's STATUS.
    pub status: String,
    /// The projection (JSON).
    pub summary: String,
}

/// What a pod snapshot write changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct PodSnapshotDiff {
    /// Pods new since the last snapshot.
    pub added: usize,
    /// Pods gone.
    pub removed: usize,
    /// Pods whose state changed.
    pub changed: usize,
    /// Pods now.
    pub total: usize,
}

impl From<SnapshotCounts> for PodSnapshotDiff {
    fn from(c: SnapshotCounts) -> Self {
        PodSnapshotDiff {
            added: c.added,
            removed: c.removed,
            changed: c.changed,
            total: c.total,
        }
    }
}

/// A cluster's rows of `kube_pod`.
struct ClusterPods(i64);

impl SnapshotTable for ClusterPods {
    type Entity = kube_pod::Entity;
    type ActiveModel = kube_pod::ActiveModel;
    type Item = PodSnapshot;
    /// The summary, hashed when read (the table keeps no digest).
    type Stored = String;
    const ID: kube_pod::Column = kube_pod::Column::Id;
    const NAMESPACE: kube_pod::Column = kube_pod::Column::Namespace;
    const NAME: kube_pod::Column = kube_pod::Column::Name;
    const COMPARED: kube_pod::Column = kube_pod::Column::Summary;

    fn scope(&self) -> Condition {
        Condition::all().add(kube_pod::Column::ClusterId.eq(self.0))
    }

    fn key(p: &PodSnapshot) -> (&str, &str) {
        (&p.namespace, &p.name)
    }

    fn digest(p: &PodSnapshot) -> u64 {
        snapshot::digest(&p.summary)
    }

    fn stored_digest(summary: String) -> u64 {
        snapshot::digest(&summary)
    }

    fn fill(am: &mut kube_pod::ActiveModel, p: &PodSnapshot, now: DateTime<Utc>) {
        am.node_name = Set(p.node_name.clone());
        am.phase = Set(p.phase.clone());
        am.ready = Set(p.ready.clone());
        am.restarts = Set(p.restarts);
        am.age = Set(p.age);
        am.ip = Set(p.ip.clone());
        am.labels = Set(p.labels.clone());
        am.owner_type = Set(p.owner_type.clone());
        am.owner_name = Set(p.owner_name.clone());
        am.status = Set(p.status.chars().take(64).collect());
        am.summary = Set(p.summary.clone());
        am.last_sync_at = Set(Some(now));
        am.updated_at = Set(now);
    }

    fn new_row(&self, p: &PodSnapshot, now: DateTime<Utc>) -> kube_pod::ActiveModel {
        let mut am = kube_pod::ActiveModel {
            cluster_id: Set(self.0),
            namespace: Set(p.namespace.clone()),
            name: Set(p.name.clone()),
            created_at: Set(now),
            ..Default::default()
        };
        Self::fill(&mut am, p, now);
        am
    }
}

impl Store {
    /// The snapshot rows of a cluster, optionally of some namespaces only.
    pub async fn pod_snapshot(
        &self,
        cluster_id: i64,
        namespaces: Option<&[String]>,
    ) -> Result<Vec<PodRow>, sea_orm::DbErr> {
        let mut q = kube_pod::Entity::find().filter(kube_pod::Column::ClusterId.eq(cluster_id));
        if let Some(ns) = namespaces {
            q = q.filter(kube_pod::Column::Namespace.is_in(ns.iter().cloned()));
        }
        crate::lagging_read!(self, |db| q.clone().all(db).await)
    }

    /// Brings the snapshot of a cluster to `pods` (every pod of the cluster), writing only what differs.
    /// Returns what changed. Rows are compared by a hash of their summary (see [`snapshot::replace`]: batched,
    /// committed part by part, never the whole cluster twice in memory).
    pub async fn replace_pod_snapshot(
        &self,
        cluster_id: i64,
        pods: impl IntoIterator<Item = PodSnapshot> + Send,
    ) -> Result<PodSnapshotDiff, sea_orm::DbErr> {
        Ok(snapshot::replace(self, &ClusterPods(cluster_id), pods)
            .await?
            .into())
    }

    /// Writes the pods that changed since the last write (`changed`: their state now; `gone`: deleted,
    /// as `(namespace, name)`), leaving every other row alone.
    pub async fn update_pod_snapshot(
        &self,
        cluster_id: i64,
        changed: Vec<PodSnapshot>,
        gone: Vec<(String, String)>,
    ) -> Result<PodSnapshotDiff, sea_orm::DbErr> {
        Ok(
            snapshot::update(self, &ClusterPods(cluster_id), &changed, &gone)
                .await?
                .into(),
        )
    }

    /// Removes a cluster's pod snapshot (the cluster was deleted).
    pub async fn delete_pod_snapshot(&self, cluster_id: i64) -> Result<(), sea_orm::DbErr> {
        snapshot::delete(self, &ClusterPods(cluster_id)).await
    }
}
