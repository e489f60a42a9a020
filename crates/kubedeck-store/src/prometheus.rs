//! A cluster's Prometheus (issue 16, application metrics): the link (URL and how to sign in, the password or
//! token sealed with the key ring like a kubeconfig) and the PromQL operators saved for the cluster's pages.

use crate::Store;
use crate::entity::{prometheus_link, prometheus_saved_query};
use chrono::{DateTime, Utc};
use kubedeck_core::credential::{CredentialError, KeyRing};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};

pub use crate::entity::prometheus_link::Model as PrometheusLink;
pub use crate::entity::prometheus_saved_query::Model as SavedQuery;

fn row_binding(cluster_id: i64) -> String {
    format!("prometheus_link:{cluster_id}")
}

/// How Kubedeck signs in to a Prometheus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrometheusAuth {
    /// No credentials.
    None,
    /// HTTP basic auth.
    Basic {
        /// The user.
        username: String,
        /// The password (plaintext here; sealed before it is stored).
        password: String,
    },
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The token (plaintext here; sealed before it is stored).
        token: String,
    },
}

impl PrometheusAuth {
    /// The name stored in `auth`.
    pub fn kind(&self) -> &'static str {
        match self {
            PrometheusAuth::None => "none",
            PrometheusAuth::Basic { .. } => "basic",
            PrometheusAuth::Bearer { .. } => "bearer",
        }
    }
}

/// A link as set by an admin.
#[derive(Debug, Clone)]
pub struct LinkFields {
    /// Base URL, http or https.
    pub url: String,
    /// Credentials.
    pub auth: PrometheusAuth,
    /// Skip verifying Prometheus's TLS certificate.
    pub insecure_skip_tls_verify: bool,
    /// PEM of the CAs that sign Prometheus's certificate (None: the machine's trust store).
    pub ca_pem: Option<String>,
    /// Seconds a call may take.
    pub timeout_secs: i32,
    /// What the check reported (`None` when saved unchecked).
    pub version: Option<String>,
}

/// A saved query's fields.
#[derive(Debug, Clone)]
pub struct SavedQueryFields {
    /// With `workload`: its namespace.
    pub namespace: Option<String>,
    /// `deployments/web`, or `None` for the cluster.
    pub workload: Option<String>,
    /// Its title on the chart.
    pub name: String,
    /// PromQL.
    pub query: String,
    /// The axis' unit.
    pub unit: String,
}

impl Store {
    /// Links a cluster to its Prometheus, replacing any link it had. The secret is sealed bound to the cluster.
    pub async fn put_prometheus_link(
        &self,
        cluster_id: i64,
        f: &LinkFields,
        updated_by: &str,
        ring: &KeyRing,
    ) -> Result<PrometheusLink, sea_orm::DbErr> {
        let (username, secret) = match &f.auth {
            PrometheusAuth::None => (None, String::new()),
            PrometheusAuth::Basic { username, password } => (
                Some(username.clone()),
                ring.seal(password.as_bytes(), &row_binding(cluster_id)),
            ),
            PrometheusAuth::Bearer { token } => {
                (None, ring.seal(token.as_bytes(), &row_binding(cluster_id)))
            }
        };
        let now = Utc::now();
        let am = prometheus_link::ActiveModel {
            cluster_id: Set(cluster_id),
            url: Set(f.url.clone()),
            auth: Set(f.auth.kind().to_owned()),
            username: Set(username),
            secret: Set(secret),
            secret_key_id: Set(ring.active_key_id().to_owned()),
            insecure_skip_tls_verify: Set(f.insecure_skip_tls_verify),
            ca_pem: Set(f.ca_pem.clone()),
            timeout_secs: Set(f.timeout_secs),
            version: Set(f.version.clone()),
            checked_at: Set(f.version.as_ref().map(|_| now)),
            updated_by: Set(updated_by.to_owned()),
            updated_at: Set(now),
        };
        let txn = self.begin_write().await?;
        let exists = prometheus_link::Entity::find_by_id(cluster_id)
            .one(&txn)
            .await?
            .is_some();
        let row = if exists {
            am.update(&txn).await?
        } else {
            am.insert(&txn).await?
        };
        txn.commit().await?;
        Ok(row)
    }

    /// The cluster's link, if any.
    pub async fn find_prometheus_link(
        &self,
        cluster_id: i64,
    ) -> Result<Option<PrometheusLink>, sea_orm::DbErr> {
        prometheus_link::Entity::find_by_id(cluster_id)
            .one(self.conn())
            .await
    }

    /// Records what a later check found (the version), leaving the rest as it is.
    pub async fn record_prometheus_check(
        &self,
        cluster_id: i64,
        version: &str,
        at: DateTime<Utc>,
    ) -> Result<(), sea_orm::DbErr> {
        prometheus_link::Entity::update_many()
            .col_expr(
                prometheus_link::Column::Version,
                Expr::value(version.to_owned()),
            )
            .col_expr(prometheus_link::Column::CheckedAt, Expr::value(at))
            .filter(prometheus_link::Column::ClusterId.eq(cluster_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    /// Unlinks; returns whether there was a link.
    pub async fn delete_prometheus_link(&self, cluster_id: i64) -> Result<bool, sea_orm::DbErr> {
        Ok(prometheus_link::Entity::delete_by_id(cluster_id)
            .exec(self.conn())
            .await?
            .rows_affected
            > 0)
    }

    /// Opens a link's credentials.
    pub fn open_prometheus_auth(
        &self,
        link: &PrometheusLink,
        ring: &KeyRing,
    ) -> Result<PrometheusAuth, CredentialError> {
        let open = || -> Result<String, CredentialError> {
            let bytes = ring.open(&link.secret, &row_binding(link.cluster_id))?;
            String::from_utf8(bytes).map_err(|_| CredentialError::Malformed)
        };
        Ok(match link.auth.as_str() {
            "basic" => PrometheusAuth::Basic {
                username: link.username.clone().unwrap_or_default(),
                password: open()?,
            },
            "bearer" => PrometheusAuth::Bearer { token: open()? },
            _ => PrometheusAuth::None,
        })
    }

    /// Re-seals every link's secret with the ring's active key (key rotation). Returns how many rows.
    pub async fn reseal_prometheus_links(
        &self,
        ring: &KeyRing,
    ) -> Result<Result<u64, (i64, CredentialError)>, sea_orm::DbErr> {
        let mut count = 0;
        let rows = prometheus_link::Entity::find().all(self.conn()).await?;
        for row in rows {
            if row.secret.is_empty() || row.secret_key_id == ring.active_key_id() {
                continue;
            }
            let plain = match ring.open(&row.secret, &row_binding(row.cluster_id)) {
                Ok(p) => p,
                Err(e) => return Ok(Err((row.cluster_id, e))),
            };
            let res = prometheus_link::Entity::update_many()
                .col_expr(
                    prometheus_link::Column::Secret,
                    Expr::value(ring.seal(&plain, &row_binding(row.cluster_id))),
                )
                .col_expr(
                    prometheus_link::Column::SecretKeyId,
                    Expr::value(ring.active_key_id().to_owned()),
                )
                .filter(prometheus_link::Column::ClusterId.eq(row.cluster_id))
                .filter(prometheus_link::Column::Secret.eq(row.secret.clone()))
                .exec(self.conn())
                .await?;
            count += res.rows_affected;
        }
        Ok(Ok(count))
    }

    /// Key ids still sealing link secrets (a key rotation must not prune them).
    pub async fn prometheus_key_ids_in_use(&self) -> Result<Vec<String>, sea_orm::DbErr> {
        let mut ids: Vec<String> = prometheus_link::Entity::find()
            .filter(prometheus_link::Column::Secret.ne(""))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|l| l.secret_key_id)
            .collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// Saves a query.
    pub async fn insert_saved_query(
        &self,
        cluster_id: i64,
        f: &SavedQueryFields,
        created_by: &str,
    ) -> Result<SavedQuery, sea_orm::DbErr> {
        let now = Utc::now();
        prometheus_saved_query::ActiveModel {
            cluster_id: Set(cluster_id),
            namespace: Set(f.namespace.clone()),
            workload: Set(f.workload.clone()),
            name: Set(f.name.clone()),
            query: Set(f.query.clone()),
            unit: Set(f.unit.clone()),
            created_by: Set(created_by.to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(self.conn())
        .await
    }

    /// Changes a saved query of the cluster; `None` when it has no such query.
    pub async fn update_saved_query(
        &self,
        cluster_id: i64,
        id: i64,
        f: &SavedQueryFields,
    ) -> Result<Option<SavedQuery>, sea_orm::DbErr> {
        let Some(row) = self.find_saved_query(cluster_id, id).await? else {
            return Ok(None);
        };
        let mut am: prometheus_saved_query::ActiveModel = row.into();
        am.namespace = Set(f.namespace.clone());
        am.workload = Set(f.workload.clone());
        am.name = Set(f.name.clone());
        am.query = Set(f.query.clone());
        am.unit = Set(f.unit.clone());
        am.updated_at = Set(Utc::now());
        Ok(Some(am.update(self.conn()).await?))
    }

    /// One saved query of the cluster.
    pub async fn find_saved_query(
        &self,
        cluster_id: i64,
        id: i64,
    ) -> Result<Option<SavedQuery>, sea_orm::DbErr> {
        prometheus_saved_query::Entity::find_by_id(id)
            .filter(prometheus_saved_query::Column::ClusterId.eq(cluster_id))
            .one(self.conn())
            .await
    }

    /// Deletes a saved query of the cluster; returns whether it existed.
    pub async fn delete_saved_query(
        &self,
        cluster_id: i64,
        id: i64,
    ) -> Result<bool, sea_orm::DbErr> {
        Ok(prometheus_saved_query::Entity::delete_many()
            .filter(prometheus_saved_query::Column::Id.eq(id))
            .filter(prometheus_saved_query::Column::ClusterId.eq(cluster_id))
            .exec(self.conn())
            .await?
            .rows_affected
            > 0)
    }

    /// The cluster's saved queries, oldest first: every one, or those of one workload (`namespace`,
    /// `deployments/web`) together with the cluster-wide ones when `with_cluster_wide`.
    pub async fn list_saved_queries(
        &self,
        cluster_id: i64,
        workload: Option<(&str, &str)>,
        with_cluster_wide: bool,
    ) -> Result<Vec<SavedQuery>, sea_orm::DbErr> {
        let mut q = prometheus_saved_query::Entity::find()
            .filter(prometheus_saved_query::Column::ClusterId.eq(cluster_id));
        if let Some((ns, w)) = workload {
            let mine = Condition::all()
                .add(prometheus_saved_query::Column::Namespace.eq(ns))
                .add(prometheus_saved_query::Column::Workload.eq(w));
            let mut any = Condition::any().add(mine);
            if with_cluster_wide {
                any = any.add(prometheus_saved_query::Column::Workload.is_null());
            }
            q = q.filter(any);
        }
        q.order_by_asc(prometheus_saved_query::Column::Id)
            .all(self.conn())
            .await
    }
}
