//! The `kube_node` snapshot: the last known state of each node, written by the sync, read when the
//! cluster cannot be reached (lists still answer, flagged stale).

use crate::Store;
use crate::entity::kube_node;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use std::collections::BTreeMap;

pub use crate::entity::kube_node::Model as NodeRow;

/// One node as the sync writes it (the spec's columns plus the full summary as JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSnapshot {
    /// Name.
    pub name: String,
    /// master or worker.
    pub role: String,
    /// Ready, NotReady or Unknown.
    pub status: String,
    /// InternalIP.
    pub internal_ip: String,
    /// ExternalIP.
    pub external_ip: String,
    /// Kubelet version.
    pub kubelet_version: String,
    /// OS image.
    pub os_image: String,
    /// Capacity CPU.
    pub cpu_capacity: String,
    /// Capacity memory.
    pub memory_capacity: String,
    /// Allocatable CPU.
    pub cpu_allocatable: String,
    /// Allocatable memory.
    pub memory_allocatable: String,
    /// Labels (JSON object).
    pub labels: String,
    /// Taints (JSON array).
    pub taints: String,
    /// The full summary (JSON).
    pub summary: String,
}

/// What a snapshot refresh changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SnapshotDiff {
    /// Nodes new since the last snapshot.
    pub added: Vec<String>,
    /// Nodes gone since the last snapshot.
    pub removed: Vec<String>,
    /// Nodes whose state changed.
    pub changed: Vec<String>,
    /// Nodes now.
    pub total: usize,
}

impl Store {
    /// The snapshot of a cluster's nodes, by name.
    pub async fn node_snapshot(&self, cluster_id: i64) -> Result<Vec<NodeRow>, sea_orm::DbErr> {
        let q = kube_node::Entity::find()
            .filter(kube_node::Column::ClusterId.eq(cluster_id))
            .order_by_asc(kube_node::Column::Name);
        crate::lagging_read!(self, |db| q.clone().all(db).await)
    }

    /// Replaces the snapshot with `nodes`, writing only rows that changed. Returns what changed.
    pub async fn replace_node_snapshot(
        &self,
        cluster_id: i64,
        nodes: Vec<NodeSnapshot>,
    ) -> Result<SnapshotDiff, sea_orm::DbErr> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let existing: BTreeMap<String, NodeRow> = kube_node::Entity::find()
            .filter(kube_node::Column::ClusterId.eq(cluster_id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|r| (r.name.clone(), r))
            .collect();
        let mut diff = SnapshotDiff {
            total: nodes.len(),
            ..Default::default()
        };
        let mut seen = std::collections::BTreeSet::new();
        for n in nodes {
            seen.insert(n.name.clone());
            let fill = |am: &mut kube_node::ActiveModel, n: &NodeSnapshot| {
                am.role = Set(n.role.clone());
                am.status = Set(n.status.clone());
                am.internal_ip = Set(n.internal_ip.clone());
                am.external_ip = Set(n.external_ip.clone());
                am.kubelet_version = Set(n.kubelet_version.clone());
                am.os_image = Set(n.os_image.chars().take(255).collect());
                am.cpu_capacity = Set(n.cpu_capacity.clone());
                am.memory_capacity = Set(n.memory_capacity.clone());
                am.cpu_allocatable = Set(n.cpu_allocatable.clone());
                am.memory_allocatable = Set(n.memory_allocatable.clone());
                am.labels = Set(n.labels.clone());
                am.taints = Set(n.taints.clone());
                am.summary = Set(n.summary.clone());
                am.last_sync_at = Set(Some(now));
                am.updated_at = Set(now);
            };
            match existing.get(&n.name) {
                Some(row) if row.summary == n.summary => {}
                Some(row) => {
                    let mut am: kube_node::ActiveModel = row.clone().into();
                    fill(&mut am, &n);
                    am.update(&txn).await?;
                    diff.changed.push(n.name.clone());
                }
                None => {
                    let mut am = kube_node::ActiveModel {
                        cluster_id: Set(cluster_id),
                        name: Set(n.name.clone()),
                        created_at: Set(now),
                        ..Default::default()
                    };
                    fill(&mut am, &n);
                    am.insert(&txn).await?;
                    diff.added.push(n.name.clone());
                }
            }
        }
        let gone: Vec<i64> = existing
            .values()
            .filter(|r| !seen.contains(&r.name))
            .map(|r| r.id)
            .collect();
        diff.removed = existing
            .values()
            .filter(|r| !seen.contains(&r.name))
            .map(|r| r.name.clone())
            .collect();
        if !gone.is_empty() {
            kube_node::Entity::delete_many()
                .filter(kube_node::Column::Id.is_in(gone))
                .exec(&txn)
                .await?;
        }
        // Rows that did not change still were seen now.
        kube_node::Entity::update_many()
            .col_expr(
                kube_node::Column::LastSyncAt,
                sea_orm::sea_query::Expr::value(Some(now)),
            )
            .filter(kube_node::Column::ClusterId.eq(cluster_id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(diff)
    }

    /// Removes a cluster's snapshot (the cluster was deleted).
    pub async fn delete_node_snapshot(&self, cluster_id: i64) -> Result<(), sea_orm::DbErr> {
        kube_node::Entity::delete_many()
            .filter(kube_node::Column::ClusterId.eq(cluster_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }
}
