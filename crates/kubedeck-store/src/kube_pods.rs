//! The `kube_pod` snapshot: written from a cluster's synced pod store (only rows that changed), read by
//! replicas that do not sync the cluster and while it cannot be reached.

use crate::Store;
use crate::entity::kube_pod;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, Set,
};
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

/// New rows go to the database this many at a time (15 columns × 500 stays under every backend's limit
/// on bind parameters).
const INSERT_BATCH: usize = 500;
/// A full snapshot write commits after this many written rows. One transaction over 150,000 rows would hold
/// SQLite's single write lock for tens of seconds, longer than the busy timeout of the replicas' lease renewals.
const COMMIT_EVERY: usize = 5_000;

/// A transaction that commits and starts over every [`COMMIT_EVERY`] written rows.
struct Chunked<'a> {
    store: &'a Store,
    /// Always `Some` between calls (taken only to commit).
    txn: Option<sea_orm::DatabaseTransaction>,
    written: usize,
}

impl<'a> Chunked<'a> {
    async fn begin(store: &'a Store) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            store,
            txn: Some(store.begin_write().await?),
            written: 0,
        })
    }

    fn conn(&self) -> &sea_orm::DatabaseTransaction {
        self.txn.as_ref().expect("a chunked transaction is open")
    }

    async fn wrote(&mut self, rows: usize) -> Result<(), sea_orm::DbErr> {
        self.written += rows;
        if self.written >= COMMIT_EVERY {
            // Commit before beginning the next: on SQLite a second write transaction (BEGIN IMMEDIATE) would
            // wait for the lock this one holds, until the busy timeout.
            self.finish_part().await?;
            self.txn = Some(self.store.begin_write().await?);
            self.written = 0;
        }
        Ok(())
    }

    async fn finish_part(&mut self) -> Result<(), sea_orm::DbErr> {
        match self.txn.take() {
            Some(t) => t.commit().await,
            None => Ok(()),
        }
    }
}

fn digest(summary: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    summary.hash(&mut h);
    h.finish()
}

fn new_row(cluster_id: i64, p: &PodSnapshot, now: DateTime<Utc>) -> kube_pod::ActiveModel {
    let mut am = kube_pod::ActiveModel {
        cluster_id: Set(cluster_id),
        namespace: Set(p.namespace.clone()),
        name: Set(p.name.clone()),
        created_at: Set(now),
        ..Default::default()
    };
    fill(&mut am, p, now);
    am
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
        q.all(self.conn()).await
    }

    /// Brings the snapshot of a cluster to `pods` (every pod of the cluster), writing only what differs.
    /// Returns what changed. Rows are compared by a hash of their summary and built one at a time, so a
    /// 150,000-pod cluster is not held twice in memory; new rows are inserted in batches, committed every
    /// [`COMMIT_EVERY`] rows. An error part-way leaves the rows written so far (each one a true state of its pod,
    /// newer than the rest); the caller writes everything again next time.
    pub async fn replace_pod_snapshot(
        &self,
        cluster_id: i64,
        pods: impl IntoIterator<Item = PodSnapshot> + Send,
    ) -> Result<PodSnapshotDiff, sea_orm::DbErr> {
        let now = Utc::now();
        let mut existing: HashMap<(String, String), (i64, u64)> = HashMap::new();
        let mut rows = kube_pod::Entity::find()
            .select_only()
            .column(kube_pod::Column::Id)
            .column(kube_pod::Column::Namespace)
            .column(kube_pod::Column::Name)
            .column(kube_pod::Column::Summary)
            .filter(kube_pod::Column::ClusterId.eq(cluster_id))
            .into_tuple::<(i64, String, String, String)>()
            .stream(self.conn())
            .await?;
        while let Some(row) = rows.next().await {
            let (id, ns, name, summary) = row?;
            existing.insert((ns, name), (id, digest(&summary)));
        }
        drop(rows);
        let mut txn = Chunked::begin(self).await?;
        let mut diff = PodSnapshotDiff::default();
        let mut new_rows = Vec::new();
        for p in pods {
            diff.total += 1;
            // Taking the key out of `existing` leaves exactly the rows of pods that are gone.
            match existing.remove(&(p.namespace.clone(), p.name.clone())) {
                Some((_, hash)) if hash == digest(&p.summary) => {}
                Some((id, _)) => {
                    let mut am = kube_pod::ActiveModel {
                        id: Set(id),
                        ..Default::default()
                    };
                    fill(&mut am, &p, now);
                    am.update(txn.conn()).await?;
                    txn.wrote(1).await?;
                    diff.changed += 1;
                }
                None => {
                    new_rows.push(new_row(cluster_id, &p, now));
                    diff.added += 1;
                    if new_rows.len() == INSERT_BATCH {
                        kube_pod::Entity::insert_many(std::mem::take(&mut new_rows))
                            .exec_without_returning(txn.conn())
                            .await?;
                        txn.wrote(INSERT_BATCH).await?;
                    }
                }
            }
        }
        if !new_rows.is_empty() {
            kube_pod::Entity::insert_many(new_rows)
                .exec_without_returning(txn.conn())
                .await?;
        }
        let gone: Vec<i64> = existing.values().map(|(id, _)| *id).collect();
        diff.removed = gone.len();
        for chunk in gone.chunks(INSERT_BATCH) {
            kube_pod::Entity::delete_many()
                .filter(kube_pod::Column::Id.is_in(chunk.to_vec()))
                .exec(txn.conn())
                .await?;
            txn.wrote(chunk.len()).await?;
        }
        txn.finish_part().await?;
        Ok(diff)
    }

    /// Writes the pods that changed since the last write (`changed`: their state now; `gone`: deleted,
    /// as `(namespace, name)`), leaving every other row alone.
    pub async fn update_pod_snapshot(
        &self,
        cluster_id: i64,
        changed: Vec<PodSnapshot>,
        gone: Vec<(String, String)>,
    ) -> Result<PodSnapshotDiff, sea_orm::DbErr> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let mut diff = PodSnapshotDiff::default();
        let by_key = |ns: &str, name: &str| {
            Condition::all()
                .add(kube_pod::Column::ClusterId.eq(cluster_id))
                .add(kube_pod::Column::Namespace.eq(ns))
                .add(kube_pod::Column::Name.eq(name))
        };
        for p in &changed {
            let id: Option<i64> = kube_pod::Entity::find()
                .select_only()
                .column(kube_pod::Column::Id)
                .filter(by_key(&p.namespace, &p.name))
                .into_tuple()
                .one(&txn)
                .await?;
            match id {
                Some(id) => {
                    let mut am = kube_pod::ActiveModel {
                        id: Set(id),
                        ..Default::default()
                    };
                    fill(&mut am, p, now);
                    am.update(&txn).await?;
                    diff.changed += 1;
                }
                None => {
                    new_row(cluster_id, p, now).insert(&txn).await?;
                    diff.added += 1;
                }
            }
        }
        for (ns, name) in &gone {
            diff.removed += kube_pod::Entity::delete_many()
                .filter(by_key(ns, name))
                .exec(&txn)
                .await?
                .rows_affected as usize;
        }
        diff.total = kube_pod::Entity::find()
            .filter(kube_pod::Column::ClusterId.eq(cluster_id))
            .count(&txn)
            .await? as usize;
        txn.commit().await?;
        Ok(diff)
    }

    /// Removes a cluster's pod snapshot (the cluster was deleted).
    pub async fn delete_pod_snapshot(&self, cluster_id: i64) -> Result<(), sea_orm::DbErr> {
        kube_pod::Entity::delete_many()
            .filter(kube_pod::Column::ClusterId.eq(cluster_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }
}
