//! Volume usage history (the spec's 存储使用监控): one sample per mounted claim per scrape, from the kubelets'
//! volume stats (`pods[].volume[]` with a `pvcRef`). Samples are kept raw (a claim's usage moves slowly and a
//! chart reads at most a day of them) and deleted after the metrics' downsampled retention.

use crate::Store;
use crate::entity::volume_metric;
use crate::node_metrics::whole_seconds;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

/// Rows inserted per statement (keeps every backend under its bind-parameter limit).
const INSERT_CHUNK: usize = 500;

/// One claim's volume usage at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeSample {
    /// Cluster id.
    pub cluster_id: i64,
    /// The claim's namespace.
    pub namespace: String,
    /// The PersistentVolumeClaim.
    pub claim: String,
    /// Bytes used on the volume.
    pub used_bytes: i64,
    /// The volume's capacity in bytes.
    pub capacity_bytes: i64,
    /// Inodes used.
    pub inodes_used: i64,
    /// Inodes in all.
    pub inodes: i64,
    /// When the kubelet measured it (whole seconds).
    pub timestamp: DateTime<Utc>,
}

impl From<volume_metric::Model> for VolumeSample {
    fn from(m: volume_metric::Model) -> Self {
        Self {
            cluster_id: m.cluster_id,
            namespace: m.namespace,
            claim: m.claim,
            used_bytes: m.used_bytes,
            capacity_bytes: m.capacity_bytes,
            inodes_used: m.inodes_used,
            inodes: m.inodes,
            timestamp: m.timestamp,
        }
    }
}

impl VolumeSample {
    fn active(&self) -> volume_metric::ActiveModel {
        volume_metric::ActiveModel {
            cluster_id: Set(self.cluster_id),
            namespace: Set(self.namespace.clone()),
            claim: Set(self.claim.clone()),
            used_bytes: Set(self.used_bytes),
            capacity_bytes: Set(self.capacity_bytes),
            inodes_used: Set(self.inodes_used),
            inodes: Set(self.inodes),
            timestamp: Set(whole_seconds(self.timestamp)),
            ..Default::default()
        }
    }
}

impl Store {
    /// Saves samples.
    pub async fn insert_volume_samples(
        &self,
        samples: &[VolumeSample],
    ) -> Result<(), sea_orm::DbErr> {
        for chunk in samples.chunks(INSERT_CHUNK) {
            volume_metric::Entity::insert_many(chunk.iter().map(VolumeSample::active))
                .exec(self.conn())
                .await?;
        }
        Ok(())
    }

    /// A claim's newest sample.
    pub async fn latest_volume_sample(
        &self,
        cluster_id: i64,
        namespace: &str,
        claim: &str,
    ) -> Result<Option<VolumeSample>, sea_orm::DbErr> {
        Ok(volume_metric::Entity::find()
            .filter(volume_metric::Column::ClusterId.eq(cluster_id))
            .filter(volume_metric::Column::Namespace.eq(namespace))
            .filter(volume_metric::Column::Claim.eq(claim))
            .order_by_desc(volume_metric::Column::Timestamp)
            .order_by_desc(volume_metric::Column::Id)
            .one(self.conn())
            .await?
            .map(Into::into))
    }

    /// A claim's samples with `from <= timestamp <= to`, oldest first, at most `limit`.
    pub async fn volume_samples(
        &self,
        cluster_id: i64,
        namespace: &str,
        claim: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<VolumeSample>, sea_orm::DbErr> {
        Ok(volume_metric::Entity::find()
            .filter(volume_metric::Column::ClusterId.eq(cluster_id))
            .filter(volume_metric::Column::Namespace.eq(namespace))
            .filter(volume_metric::Column::Claim.eq(claim))
            .filter(volume_metric::Column::Timestamp.gte(from))
            .filter(volume_metric::Column::Timestamp.lte(to))
            .order_by_asc(volume_metric::Column::Timestamp)
            .order_by_asc(volume_metric::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Deletes samples older than `before`, and the history of clusters not in `keep` (deleted clusters).
    pub async fn expire_volume_metrics(
        &self,
        before: DateTime<Utc>,
        keep: &[i64],
    ) -> Result<u64, sea_orm::DbErr> {
        let old = volume_metric::Entity::delete_many()
            .filter(volume_metric::Column::Timestamp.lt(before))
            .exec(self.conn())
            .await?;
        let gone = volume_metric::Entity::delete_many()
            .filter(volume_metric::Column::ClusterId.is_not_in(keep.iter().copied()))
            .exec(self.conn())
            .await?;
        Ok(old.rows_affected + gone.rows_affected)
    }
}
