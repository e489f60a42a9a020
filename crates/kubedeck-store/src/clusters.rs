//! The `k8s_cluster` table: imported clusters, their sealed credentials and their last known health.

use crate::entity::k8s_cluster;
use crate::{PageRequest, Paged, Store};
use chrono::Utc;
pub use kubedeck_core::cluster::NodeCounts;
use kubedeck_core::credential::{CredentialError, KeyRing};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

pub use crate::entity::k8s_cluster::Model as Cluster;

/// Status codes from the spec's data model.
pub mod status {
    /// 创建中: being created or first contact pending.
    pub const CREATING: i32 = 1;
    /// 运行中: reachable and in sync.
    pub const RUNNING: i32 = 2;
    /// 停止: sync stopped on purpose.
    pub const STOPPED: i32 = 3;
    /// 异常: unreachable, credential refused, or other repeated failure.
    pub const ERROR: i32 = 4;
}

/// Cluster types from the spec's data model.
pub mod cluster_type {
    /// 自建: provisioned by Kubedeck (reserved).
    pub const SELF_BUILT: i32 = 1;
    /// 导入: imported from a kubeconfig.
    pub const IMPORTED: i32 = 2;
}

/// What the preflight learned about a credential, stored with it.
#[derive(Debug, Clone, Default)]
pub struct ClusterFacts {
    /// The kubeconfig (plaintext; sealed before it touches the database).
    pub kubeconfig: String,
    /// The context used.
    pub context_name: String,
    /// The API server URL.
    pub server_url: String,
    /// SHA-256 of server + user identity.
    pub identity_hash: String,
    /// Git version of the API server.
    pub version: String,
    /// Platform of the API server.
    pub platform: String,
    /// Permission report (JSON).
    pub capabilities: String,
    /// Node counts at preflight.
    pub counts: NodeCounts,
    /// How long the API server took to answer the preflight's version request: the status shows a latency from
    /// the moment of import instead of a blank until the first sync.
    pub api_latency_ms: Option<i32>,
}

/// Filters and order for the cluster list.
#[derive(Debug, Clone, Default)]
pub struct ClusterFilter {
    /// Substring of the name.
    pub name: Option<String>,
    /// Status code.
    pub status: Option<i32>,
    /// Cluster type code.
    pub cluster_type: Option<i32>,
    /// Only these ids (the clusters a user may see); `None` means all.
    pub only_ids: Option<Vec<i64>>,
    /// `name`, `created_at`, `status`, `node_count`, `last_sync_at`; `-` prefix for descending.
    pub sort: Option<String>,
}

/// The columns the list can be sorted by.
pub const SORTABLE: &[&str] = &[
    "name",
    "created_at",
    "status",
    "node_count",
    "last_sync_at",
    "id",
];

fn row_binding(id: i64) -> String {
    format!("cluster:{id}")
}

impl Store {
    /// Stores an imported cluster, sealing its kubeconfig bound to the new row's id.
    pub async fn insert_cluster(
        &self,
        name: &str,
        description: &str,
        facts: &ClusterFacts,
        ring: &KeyRing,
    ) -> Result<Cluster, sea_orm::DbErr> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let row = k8s_cluster::ActiveModel {
            name: Set(name.to_owned()),
            version: Set(facts.version.clone()),
            status: Set(status::RUNNING),
            credential: Set(String::new()),
            credential_key_id: Set(String::new()),
            description: Set(description.to_owned()),
            cluster_type: Set(cluster_type::IMPORTED),
            node_count: Set(facts.counts.node_count),
            ready_nodes: Set(facts.counts.ready_nodes),
            master_nodes: Set(facts.counts.master_nodes),
            worker_nodes: Set(facts.counts.worker_nodes),
            last_sync_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            server_url: Set(facts.server_url.clone()),
            context_name: Set(facts.context_name.clone()),
            identity_hash: Set(facts.identity_hash.clone()),
            platform: Set(facts.platform.clone()),
            status_reason: Set("imported".into()),
            last_error: Set(String::new()),
            last_healthy_at: Set(Some(now)),
            api_latency_ms: Set(facts.api_latency_ms),
            consecutive_failures: Set(0),
            capabilities: Set(facts.capabilities.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut am: k8s_cluster::ActiveModel = row.clone().into();
        am.credential = Set(ring.seal(facts.kubeconfig.as_bytes(), &row_binding(row.id)));
        am.credential_key_id = Set(ring.active_key_id().to_owned());
        let row = am.update(&txn).await?;
        txn.commit().await?;
        Ok(row)
    }

    /// One cluster.
    pub async fn find_cluster(&self, id: i64) -> Result<Option<Cluster>, sea_orm::DbErr> {
        k8s_cluster::Entity::find_by_id(id).one(self.conn()).await
    }

    /// A cluster by exact name.
    pub async fn find_cluster_by_name(
        &self,
        name: &str,
    ) -> Result<Option<Cluster>, sea_orm::DbErr> {
        k8s_cluster::Entity::find()
            .filter(k8s_cluster::Column::Name.eq(name))
            .one(self.conn())
            .await
    }

    /// A cluster imported with the same server and user identity.
    pub async fn find_cluster_by_identity(
        &self,
        identity_hash: &str,
    ) -> Result<Option<Cluster>, sea_orm::DbErr> {
        k8s_cluster::Entity::find()
            .filter(k8s_cluster::Column::IdentityHash.eq(identity_hash))
            .one(self.conn())
            .await
    }

    /// Every cluster (for the background sync).
    pub async fn all_clusters(&self) -> Result<Vec<Cluster>, sea_orm::DbErr> {
        k8s_cluster::Entity::find()
            .order_by_asc(k8s_cluster::Column::Id)
            .all(self.conn())
            .await
    }

    /// The cluster list.
    pub async fn list_clusters(
        &self,
        f: &ClusterFilter,
        page: PageRequest,
    ) -> Result<Paged<Cluster>, sea_orm::DbErr> {
        let mut q = k8s_cluster::Entity::find();
        if let Some(name) = f.name.as_deref().filter(|n| !n.is_empty()) {
            q = q.filter(k8s_cluster::Column::Name.contains(name));
        }
        if let Some(s) = f.status {
            q = q.filter(k8s_cluster::Column::Status.eq(s));
        }
        if let Some(t) = f.cluster_type {
            q = q.filter(k8s_cluster::Column::ClusterType.eq(t));
        }
        if let Some(ids) = &f.only_ids {
            q = q.filter(k8s_cluster::Column::Id.is_in(ids.clone()));
        }
        let sort = f.sort.as_deref().unwrap_or("name");
        let (desc, key) = match sort.strip_prefix('-') {
            Some(k) => (true, k),
            None => (false, sort),
        };
        let col = match key {
            "created_at" => k8s_cluster::Column::CreatedAt,
            "status" => k8s_cluster::Column::Status,
            "node_count" => k8s_cluster::Column::NodeCount,
            "last_sync_at" => k8s_cluster::Column::LastSyncAt,
            "id" => k8s_cluster::Column::Id,
            _ => k8s_cluster::Column::Name,
        };
        q = if desc {
            q.order_by_desc(col)
        } else {
            q.order_by_asc(col)
        };
        q = q.order_by_asc(k8s_cluster::Column::Id);
        let pages = q.paginate(self.conn(), page.page_size);
        let total = pages.num_items().await?;
        let items = pages.fetch_page(page.page.saturating_sub(1)).await?;
        Ok(Paged { items, total })
    }

    /// Renames or re-describes a cluster.
    pub async fn update_cluster_info(
        &self,
        id: i64,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Result<Option<Cluster>, sea_orm::DbErr> {
        let Some(row) = self.find_cluster(id).await? else {
            return Ok(None);
        };
        let mut am: k8s_cluster::ActiveModel = row.into();
        if let Some(n) = name {
            am.name = Set(n.to_owned());
        }
        if let Some(d) = description {
            am.description = Set(d.to_owned());
        }
        am.updated_at = Set(Utc::now());
        Ok(Some(am.update(self.conn()).await?))
    }

    /// Replaces the credential after a successful preflight.
    pub async fn replace_cluster_credential(
        &self,
        id: i64,
        facts: &ClusterFacts,
        ring: &KeyRing,
    ) -> Result<Option<Cluster>, sea_orm::DbErr> {
        let Some(row) = self.find_cluster(id).await? else {
            return Ok(None);
        };
        let now = Utc::now();
        let mut am: k8s_cluster::ActiveModel = row.into();
        am.credential = Set(ring.seal(facts.kubeconfig.as_bytes(), &row_binding(id)));
        am.credential_key_id = Set(ring.active_key_id().to_owned());
        am.server_url = Set(facts.server_url.clone());
        am.context_name = Set(facts.context_name.clone());
        am.identity_hash = Set(facts.identity_hash.clone());
        am.version = Set(facts.version.clone());
        am.platform = Set(facts.platform.clone());
        am.capabilities = Set(facts.capabilities.clone());
        am.status = Set(status::RUNNING);
        am.status_reason = Set("credential replaced".into());
        am.last_error = Set(String::new());
        am.consecutive_failures = Set(0);
        am.updated_at = Set(now);
        Ok(Some(am.update(self.conn()).await?))
    }

    /// Opens a cluster's kubeconfig.
    pub fn open_cluster_credential(
        &self,
        cluster: &Cluster,
        ring: &KeyRing,
    ) -> Result<String, CredentialError> {
        let bytes = ring.open(&cluster.credential, &row_binding(cluster.id))?;
        String::from_utf8(bytes).map_err(|_| CredentialError::Malformed)
    }

    /// Records a successful sync: version, counts, latency.
    pub async fn record_cluster_sync(
        &self,
        id: i64,
        version: &str,
        platform: &str,
        counts: NodeCounts,
        latency_ms: i32,
    ) -> Result<Option<Cluster>, sea_orm::DbErr> {
        let Some(row) = self.find_cluster(id).await? else {
            return Ok(None);
        };
        let now = Utc::now();
        let mut am: k8s_cluster::ActiveModel = row.into();
        am.version = Set(version.to_owned());
        am.platform = Set(platform.to_owned());
        am.node_count = Set(counts.node_count);
        am.ready_nodes = Set(counts.ready_nodes);
        am.master_nodes = Set(counts.master_nodes);
        am.worker_nodes = Set(counts.worker_nodes);
        am.last_sync_at = Set(Some(now));
        am.last_healthy_at = Set(Some(now));
        am.api_latency_ms = Set(Some(latency_ms));
        am.status = Set(status::RUNNING);
        am.status_reason = Set("in sync".into());
        am.last_error = Set(String::new());
        am.consecutive_failures = Set(0);
        Ok(Some(am.update(self.conn()).await?))
    }

    /// Updates only the node counts (from the node watch), leaving health alone.
    pub async fn record_cluster_node_counts(
        &self,
        id: i64,
        counts: NodeCounts,
    ) -> Result<(), sea_orm::DbErr> {
        let Some(row) = self.find_cluster(id).await? else {
            return Ok(());
        };
        let mut am: k8s_cluster::ActiveModel = row.into();
        am.node_count = Set(counts.node_count);
        am.ready_nodes = Set(counts.ready_nodes);
        am.master_nodes = Set(counts.master_nodes);
        am.worker_nodes = Set(counts.worker_nodes);
        am.last_sync_at = Set(Some(Utc::now()));
        am.update(self.conn()).await?;
        Ok(())
    }

    /// Records a failed health check. After `error_after` consecutive failures the cluster turns to error.
    pub async fn record_cluster_failure(
        &self,
        id: i64,
        reason: &str,
        error: &str,
        error_after: i32,
    ) -> Result<Option<Cluster>, sea_orm::DbErr> {
        let Some(row) = self.find_cluster(id).await? else {
            return Ok(None);
        };
        let failures = row.consecutive_failures + 1;
        let mut am: k8s_cluster::ActiveModel = row.into();
        am.consecutive_failures = Set(failures);
        am.last_error = Set(error.chars().take(2000).collect());
        if failures >= error_after {
            am.status = Set(status::ERROR);
            am.status_reason = Set(reason.to_owned());
        }
        Ok(Some(am.update(self.conn()).await?))
    }

    /// Deletes a cluster row. Returns whether it existed.
    pub async fn delete_cluster(&self, id: i64) -> Result<bool, sea_orm::DbErr> {
        Ok(k8s_cluster::Entity::delete_by_id(id)
            .exec(self.conn())
            .await?
            .rows_affected
            > 0)
    }

    /// Re-seals every credential with the ring's active key. Returns how many rows were re-sealed.
    /// Each row is updated only if its credential is unchanged since it was read, so a concurrent edit wins.
    pub async fn reseal_cluster_credentials(
        &self,
        ring: &KeyRing,
    ) -> Result<Result<u64, (i64, CredentialError)>, sea_orm::DbErr> {
        let mut count = 0;
        for row in self.all_clusters().await? {
            if row.credential_key_id == ring.active_key_id() {
                continue;
            }
            let plain = match ring.open(&row.credential, &row_binding(row.id)) {
                Ok(p) => p,
                Err(e) => return Ok(Err((row.id, e))),
            };
            let sealed = ring.seal(&plain, &row_binding(row.id));
            let res = k8s_cluster::Entity::update_many()
                .col_expr(
                    k8s_cluster::Column::Credential,
                    sea_orm::sea_query::Expr::value(sealed),
                )
                .col_expr(
                    k8s_cluster::Column::CredentialKeyId,
                    sea_orm::sea_query::Expr::value(ring.active_key_id().to_owned()),
                )
                .filter(k8s_cluster::Column::Id.eq(row.id))
                .filter(k8s_cluster::Column::Credential.eq(row.credential.clone()))
                .exec(self.conn())
                .await?;
            count += res.rows_affected;
        }
        Ok(Ok(count))
    }

    /// Key ids still in use by stored credentials.
    pub async fn credential_key_ids_in_use(&self) -> Result<Vec<String>, sea_orm::DbErr> {
        let mut ids: Vec<String> = self
            .all_clusters()
            .await?
            .into_iter()
            .map(|c| c.credential_key_id)
            .collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }
}
