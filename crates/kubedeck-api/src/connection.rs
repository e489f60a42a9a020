//! Reaching a cluster from a request: this replica's live handle, or a one-off client when another replica
//! syncs the cluster; the kinds it serves (its catalog); and the one mapping from cluster errors to API errors.

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;
use axum::http::StatusCode;
use kubedeck_kube::error::ClusterError;
use kubedeck_kube::kubeconfig;
use kubedeck_kube::resource::discovery::Catalog;
use kubedeck_store::clusters::Cluster;

/// The cluster row, or 404.
pub async fn cluster(state: &AppState, id: i64) -> ApiResult<Cluster> {
    state
        .store
        .find_cluster(id)
        .await?
        .ok_or_else(|| ApiError::cluster_not_found(id))
}

/// A client for the cluster.
pub async fn client_for(state: &AppState, cluster: &Cluster) -> ApiResult<kube::Client> {
    if let Some(h) = state.hub.get(cluster.id) {
        return Ok(h.client.clone());
    }
    let text = state.open_credential(cluster).map_err(ApiError::internal)?;
    let safe = kubeconfig::parse(&text, Some(&cluster.context_name))
        .map_err(|p| ApiError::internal(format!("stored kubeconfig: {p}")))?;
    safe.client().await.map_err(from_cluster)
}

/// Kubernetes refusals pass through with their status and reason; an unreachable cluster is 503.
pub fn from_cluster(e: ClusterError) -> ApiError {
    match e {
        ClusterError::Api {
            code,
            reason,
            message,
        } => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY);
            let error_code = match code {
                403 => ErrorCode::ClusterForbidden,
                404 => ErrorCode::ObjectNotFound,
                409 => ErrorCode::ObjectConflict,
                422 => ErrorCode::ClusterInvalid,
                429 => ErrorCode::ClusterThrottled,
                _ => ErrorCode::ClusterError,
            };
            let status = if status.is_server_error() {
                StatusCode::BAD_GATEWAY
            } else {
                status
            };
            // An answer without a message still says what it was (HTTP status and reason), never "answered: ".
            let detail = if message.trim().is_empty() {
                format!("HTTP {code} {reason}").trim().to_owned()
            } else {
                message
            };
            ApiError::new(status, error_code, format!("the cluster answered: {detail}"))
                .param("status", code)
                .param("detail", detail)
                .with_extra("reason", serde_json::json!(reason))
        }
        ClusterError::CredentialRejected(m) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            ErrorCode::CredentialRejected,
            format!(
                "the cluster rejected Kubedeck's stored credential (expired or revoked?); replace it: {m}"
            ),
        )
        .param("detail", m),
        ClusterError::Unreachable(m) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ClusterUnreachable,
            format!("the cluster cannot be reached: {m}"),
        )
        .param("detail", m),
        ClusterError::Timeout(d) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ClusterTimeout,
            format!("the cluster did not answer within {} s", d.as_secs()),
        )
        .param("seconds", d.as_secs()),
        ClusterError::Other(m) => {
            ApiError::new(StatusCode::BAD_GATEWAY, ErrorCode::ClusterError, m.clone())
                .param("detail", m)
        }
    }
}

/// Catalogs of clusters this replica has no handle for (another replica syncs them), kept a minute.
#[derive(Default)]
pub struct CatalogCache(std::sync::Mutex<std::collections::HashMap<i64, (std::time::Instant, std::sync::Arc<Catalog>)>>);

impl CatalogCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(60);

    fn get(&self, id: i64) -> Option<std::sync::Arc<Catalog>> {
        let cache = self.0.lock().expect("catalog cache");
        cache.get(&id).filter(|(at, _)| at.elapsed() < Self::TTL).map(|(_, c)| c.clone())
    }

    fn put(&self, id: i64, c: std::sync::Arc<Catalog>) {
        self.0.lock().expect("catalog cache").insert(id, (std::time::Instant::now(), c));
    }

    /// Forgets a cluster's catalog (`POST .../{kind}/sync`: a CRD may have come or gone).
    pub fn forget(&self, id: i64) {
        self.0.lock().expect("catalog cache").remove(&id);
    }
}

/// The kinds a cluster serves: from its handle, or discovered with a one-off client (cached a minute).
pub async fn catalog(state: &AppState, c: &Cluster) -> ApiResult<std::sync::Arc<Catalog>> {
    let failed = |e: kube::Error| from_cluster(e.into());
    if let Some(h) = state.hub.get(c.id) {
        return h.resources.catalog().await.map_err(failed);
    }
    if let Some(cat) = state.catalogs.get(c.id) {
        return Ok(cat);
    }
    let client = client_for(state, c).await?;
    let cat = std::sync::Arc::new(kubedeck_kube::resource::discovery::discover(&client).await.map_err(failed)?);
    state.catalogs.put(c.id, cat.clone());
    Ok(cat)
}
