//! The `kube_object` snapshot: one table for every kind other than pods and nodes, a row per object holding the
//! resource engine's compact row as JSON. Written per (cluster, kind) from the kind's synced store (only rows that
//! changed), read by replicas that do not sync the cluster and while it cannot be reached.

use crate::Store;
use crate::entity::kube_object;
use crate::snapshot::{self, SnapshotCounts, SnapshotTable};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

/// One object as the snapshot stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSnapshot {
    /// Namespace (empty for cluster-scoped kinds).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// The engine's row (JSON).
    pub row: String,
}

/// One object as the snapshot reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSnapshotRow {
    /// Namespace (empty for cluster-scoped kinds).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// The engine's row (JSON).
    pub row: String,
    /// When the row was last written (an unchanged object keeps the time of its last change).
    pub last_sync_at: DateTime<Utc>,
}

/// The longest namespace and name the table holds: a namespace is a DNS label; most names are DNS subdomains,
/// but a few kinds (RBAC's) take any path segment, of any length.
const MAX_NAMESPACE: usize = 63;
const MAX_NAME: usize = 253;

/// One kind's rows of a cluster.
struct ClusterKind<'a> {
    cluster_id: i64,
    kind: &'a str,
}

impl ClusterKind<'_> {
    /// Whether the table can hold `o`; a longer key is left out (with a warning) rather than failing the write
    /// of the whole kind, every time.
    fn fits(&self, o: &ObjectSnapshot) -> bool {
        let fits =
            o.namespace.chars().count() <= MAX_NAMESPACE && o.name.chars().count() <= MAX_NAME;
        if !fits {
            tracing::warn!(
                cluster_id = self.cluster_id,
                kind = self.kind,
                namespace = %o.namespace,
                name_chars = o.name.chars().count(),
                "an object's name is too long for the snapshot table: left out of it"
            );
        }
        fits
    }
}

impl SnapshotTable for ClusterKind<'_> {
    type Entity = kube_object::Entity;
    type ActiveModel = kube_object::ActiveModel;
    type Item = ObjectSnapshot;
    /// The stored digest.
    type Stored = i64;
    const ID: kube_object::Column = kube_object::Column::Id;
    const NAMESPACE: kube_object::Column = kube_object::Column::Namespace;
    const NAME: kube_object::Column = kube_object::Column::Name;
    const COMPARED: kube_object::Column = kube_object::Column::Digest;

    fn scope(&self) -> Condition {
        Condition::all()
            .add(kube_object::Column::ClusterId.eq(self.cluster_id))
            .add(kube_object::Column::Kind.eq(self.kind))
    }

    fn key(o: &ObjectSnapshot) -> (&str, &str) {
        (&o.namespace, &o.name)
    }

    fn digest(o: &ObjectSnapshot) -> u64 {
        snapshot::digest(&o.row)
    }

    fn stored_digest(digest: i64) -> u64 {
        digest as u64
    }

    fn fill(am: &mut kube_object::ActiveModel, o: &ObjectSnapshot, now: DateTime<Utc>) {
        am.row = Set(o.row.clone());
        am.digest = Set(Self::digest(o) as i64);
        am.last_sync_at = Set(now);
    }

    fn new_row(&self, o: &ObjectSnapshot, now: DateTime<Utc>) -> kube_object::ActiveModel {
        let mut am = kube_object::ActiveModel {
            cluster_id: Set(self.cluster_id),
            kind: Set(self.kind.to_owned()),
            namespace: Set(o.namespace.clone()),
            name: Set(o.name.clone()),
            ..Default::default()
        };
        Self::fill(&mut am, o, now);
        am
    }
}

impl Store {
    /// A kind's snapshot rows in a cluster, optionally of some namespaces only (in no particular order).
    pub async fn object_snapshot(
        &self,
        cluster_id: i64,
        kind: &str,
        namespaces: Option<&[String]>,
    ) -> Result<Vec<ObjectSnapshotRow>, sea_orm::DbErr> {
        let table = ClusterKind { cluster_id, kind };
        let mut q = kube_object::Entity::find()
            .select_only()
            .column(kube_object::Column::Namespace)
            .column(kube_object::Column::Name)
            .column(kube_object::Column::Row)
            .column(kube_object::Column::LastSyncAt)
            .filter(table.scope());
        if let Some(ns) = namespaces {
            q = q.filter(kube_object::Column::Namespace.is_in(ns.iter().cloned()));
        }
        let rows = crate::lagging_read!(self, |db| q
            .clone()
            .into_tuple::<(String, String, String, DateTime<Utc>)>()
            .all(db)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|(namespace, name, row, last_sync_at)| ObjectSnapshotRow {
                namespace,
                name,
                row,
                last_sync_at,
            })
            .collect())
    }

    /// Brings a kind's snapshot in a cluster to `rows` (every object of the kind, after a (re)list), writing
    /// only what differs; other kinds' rows are not touched. Rows are compared by the stored digest of their
    /// JSON (see [`snapshot::replace`]: batched, committed part by part).
    pub async fn replace_object_snapshot(
        &self,
        cluster_id: i64,
        kind: &str,
        rows: Vec<ObjectSnapshot>,
    ) -> Result<SnapshotCounts, sea_orm::DbErr> {
        let table = ClusterKind { cluster_id, kind };
        let rows: Vec<_> = rows.into_iter().filter(|o| table.fits(o)).collect();
        snapshot::replace(self, &table, rows).await
    }

    /// Writes a kind's objects that changed since the last write (`changed`: their row now; `gone`: deleted, as
    /// `(namespace, name)`), leaving every other row alone.
    pub async fn update_object_snapshot(
        &self,
        cluster_id: i64,
        kind: &str,
        changed: Vec<ObjectSnapshot>,
        gone: Vec<(String, String)>,
    ) -> Result<SnapshotCounts, sea_orm::DbErr> {
        let table = ClusterKind { cluster_id, kind };
        let changed: Vec<_> = changed.into_iter().filter(|o| table.fits(o)).collect();
        snapshot::update(self, &table, &changed, &gone).await
    }

    /// Removes a kind's snapshot in a cluster (the cluster stopped serving it). A deleted cluster's rows go
    /// with it (foreign key).
    pub async fn delete_object_snapshot(
        &self,
        cluster_id: i64,
        kind: &str,
    ) -> Result<(), sea_orm::DbErr> {
        snapshot::delete(self, &ClusterKind { cluster_id, kind }).await
    }

    /// The kinds with rows in a cluster's snapshot, sorted.
    pub async fn object_snapshot_kinds(
        &self,
        cluster_id: i64,
    ) -> Result<Vec<String>, sea_orm::DbErr> {
        kube_object::Entity::find()
            .select_only()
            .column(kube_object::Column::Kind)
            .distinct()
            .filter(kube_object::Column::ClusterId.eq(cluster_id))
            .order_by_asc(kube_object::Column::Kind)
            .into_tuple()
            .all(self.conn())
            .await
    }
}
