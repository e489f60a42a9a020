//! The certificate dashboard's routes (issue 18, 证书): one cluster's certificates, and every readable cluster's at
//! once. What is read and how is in [`crate::certificates`]; readings are kept five minutes unless `refresh=true`.

use crate::auth::{AuthUser, Authorized, perm};
use crate::certificates::{self, ClusterCertificates, FRESH_FOR, WARN_DAYS};
use crate::connection;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use futures::StreamExt;
use kubedeck_core::rbac::{Permission, Scope};
use serde::Deserialize;
use std::time::Duration;
use utoipa::IntoParams;

/// How many clusters the dashboard reads at once.
const AT_ONCE: usize = 4;

/// How to read the certificates.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CertificateQuery {
    /// Certificates ending within this many days count as `expiring` (default 30; 1 to 3650).
    pub warn_days: Option<f64>,
    /// Read the clusters now instead of answering from a reading up to five minutes old.
    #[serde(default)]
    pub refresh: bool,
}

impl CertificateQuery {
    fn warn_days(&self) -> ApiResult<f64> {
        match self.warn_days {
            None => Ok(WARN_DAYS),
            Some(d) if (1.0..=3650.0).contains(&d) => Ok(d),
            Some(_) => Err(ApiError::out_of_range("warn_days", Some(1), Some(3650))),
        }
    }

    fn max_age(&self) -> Duration {
        if self.refresh { Duration::ZERO } else { FRESH_FOR }
    }
}

/// One cluster's certificates: the API server's serving certificate, the kubeconfig's CA and client
/// certificate, and TLS Secrets with the Ingresses that use them; soonest end first. Never the Secrets' values.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/certificates", tag = "clusters",
    params(("id" = i64, Path), CertificateQuery),
    responses((status = 200, body = ClusterCertificates), (status = 400, description = "`warn_days` out of range"),
        (status = 404, description = "unknown cluster")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn of_cluster(
    _auth: Authorized<perm::ResourceRead>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<CertificateQuery>,
) -> ApiResult<Json<ClusterCertificates>> {
    let warn = q.warn_days()?;
    let c = connection::cluster(&state, id).await?;
    let r = certificates::read(&state, &c, q.max_age()).await;
    Ok(Json(r.as_of(Utc::now(), warn)))
}

/// The certificates of every cluster the caller may read resources of, by cluster name.
#[utoipa::path(get, path = "/api/v1/certificates", tag = "clusters", params(CertificateQuery),
    responses((status = 200, body = Vec<ClusterCertificates>), (status = 400, description = "`warn_days` out of range")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn all(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<CertificateQuery>,
) -> ApiResult<Json<Vec<ClusterCertificates>>> {
    if !user.bindings.allows_somewhere(Permission::ResourceRead) {
        user.require(Permission::ResourceRead, Scope::GLOBAL)?;
    }
    let warn = q.warn_days()?;
    let visible = user.clusters_with(Permission::ResourceRead);
    let clusters: Vec<_> = state
        .store
        .all_clusters()
        .await?
        .into_iter()
        .filter(|c| visible.as_ref().is_none_or(|v| v.contains(&c.id)))
        .collect();
    let max_age = q.max_age();
    let now = Utc::now();
    let mut out: Vec<ClusterCertificates> = futures::stream::iter(clusters)
        .map(|c| {
            let state = state.clone();
            async move { certificates::read(&state, &c, max_age).await.as_of(now, warn) }
        })
        .buffer_unordered(AT_ONCE)
        .collect()
        .await;
    out.sort_by(|a, b| a.cluster_name.cmp(&b.cluster_name));
    Ok(Json(out))
}
