//! The `kube_pod` snapshot: written from a cluster's synced pod store (only rows that changed), read by
//! replicas that do not sync the cluster and while it cannot be reached.

use crate::Store;
use crate::entity::kube_pod;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait};
use std::collections::HashMap;

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

impl Store {
    /// The snapshot rows of a cluster, optionally of some namespaces only.
    pub async fn pod_snapshot(&self, cluster_id: i64, namespaces: Option<&[String]>) -> Result<Vec<PodRow>, sea_orm::DbErr> {
        let mut q = kube_pod::Entity::find().filter(kube_pod::Column::ClusterId.eq(cluster_id));
        if let Some(ns) = namespaces {
            q = q.filter(kube_pod::Column::Namespace.is_in(ns.iter().cloned()));
        }
        q.all(self.conn()).await
    }

    /// Brings the snapshot of a cluster to `pods`, writing only what differs. Returns what changed.
    pub async fn replace_pod_snapshot(&self, cluster_id: i64, pods: Vec<PodSnapshot>) -> Result<PodSnapshotDiff, sea_orm::DbErr> {
        let now = Utc::now();
        let txn = self.conn().begin().await?;
        let existing: HashMap<(String, String), (i64, String)> = kube_pod::Entity::find()
            .select_only()
            .column(kube_pod::Column::Id)
            .column(kube_pod::Column::Namespace)
            .column(kube_pod::Column::Name)
            .column(kube_pod::Column::Summary)
            .filter(kube_pod::Column::ClusterId.eq(cluster_id))
            .into_tuple::<(i64, String, String, String)>()
            .all(&txn)
            .await?
            .into_iter()
            .map(|(id, ns, name, summary)| ((ns, name), (id, summary)))
            .collect();
        let mut diff = PodSnapshotDiff { total: pods.len(), ..Default::default() };
        let mut seen = std::collections::HashSet::with_capacity(pods.len());
        for p in pods {
            let key = (p.namespace.clone(), p.name.clone());
            match existing.get(&key) {
                Some((_, summary)) if *summary == p.summary => {}
                Some((id, _)) => {
                    let mut am = kube_pod::ActiveModel { id: Set(*id), ..Default::default() };
                    fill(&mut am, &p, now);
                    am.update(&txn).await?;
                    diff.changed += 1;
                }
                None => {
                    let mut am = kube_pod::ActiveModel {
                        cluster_id: Set(cluster_id),
                        namespace: Set(p.namespace.clone()),
                        name: Set(p.name.clone()),
                        created_at: Set(now),
                        ..Default::default()
                    };
                    fill(&mut am, &p, now);
                    am.insert(&txn).await?;
                    diff.added += 1;
                }
            }
            seen.insert(key);
        }
        let gone: Vec<i64> = existing.iter().filter(|(k, _)| !seen.contains(*k)).map(|(_, (id, _))| *id).collect();
        diff.removed = gone.len();
        for chunk in gone.chunks(500) {
            kube_pod::Entity::delete_many().filter(kube_pod::Column::Id.is_in(chunk.to_vec())).exec(&txn).await?;
        }
        txn.commit().await?;
        Ok(diff)
    }

    /// Removes a cluster's pod snapshot (the cluster was deleted).
    pub async fn delete_pod_snapshot(&self, cluster_id: i64) -> Result<(), sea_orm::DbErr> {
        kube_pod::Entity::delete_many().filter(kube_pod::Column::ClusterId.eq(cluster_id)).exec(self.conn()).await?;
        Ok(())
    }
}
