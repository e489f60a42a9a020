//! Upgrade readiness (issue 18, spec 7.2 集群升级): `GET .../{id}/upgrade/readiness?target=1.25` says what stands
//! between the cluster and a target version: the API versions removed on the way that something still writes
//! (named objects and the writer), and nodes whose kubelets would be too old for the control plane at some step.
//! Everything is read live from the cluster ([`kubedeck_kube::upgrade`]).

use crate::auth::{Authorized, perm};
use crate::connection::{self, client_for, from_cluster};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::extract::{Path, State};
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ListParams};
use kubedeck_kube::error::within;
use kubedeck_kube::upgrade::{self, Minor, RemovedApiFinding};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

const CALL: Duration = Duration::from_secs(20);

/// The version to check the cluster against.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReadinessQuery {
    /// The Kubernetes version to upgrade to (`1.25` or `v1.25.3`; only the minor version counts).
    pub target: String,
}

/// A node and whether its kubelet keeps up with the control plane on the way.
#[derive(Serialize, ToSchema)]
pub struct NodeSkew {
    pub name: String,
    pub kubelet_version: String,
    /// The first version on the way at which this kubelet is older than the skew policy allows: the node must be
    /// upgraded before the control plane goes there. None: it may wait until the control plane is done.
    pub too_old_at: Option<String>,
}

/// What stands between a cluster and a target version.
#[derive(Serialize, ToSchema)]
pub struct UpgradeReadiness {
    /// The API server's version now.
    pub cluster_version: String,
    /// The target, as a minor version (`1.25`).
    pub target: String,
    /// The minor versions the upgrade passes through, one at a time (Kubernetes skips none), control plane first.
    pub path: Vec<String>,
    /// The API versions removed on the way that the cluster serves today.
    pub removed_apis: Vec<RemovedApiFinding>,
    /// Whether the API server's count of deprecated API requests could be read (its `/metrics`).
    pub deprecated_requests_readable: bool,
    pub nodes: Vec<NodeSkew>,
    /// Removed API versions something still writes, plus nodes too old on the way.
    pub blockers: usize,
    /// No blocker.
    pub ready: bool,
}

/// Upgrade readiness of a cluster for a target Kubernetes version.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/upgrade/readiness", tag = "clusters",
    params(("id" = i64, Path), ReadinessQuery),
    responses((status = 200, body = UpgradeReadiness),
        (status = 400, description = "target is not a version, or not newer than the cluster's"),
        (status = 404, description = "unknown cluster"), (status = 503, description = "cluster unreachable")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn readiness(
    _auth: Authorized<perm::ResourceRead>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<ReadinessQuery>,
) -> ApiResult<axum::Json<UpgradeReadiness>> {
    let target = upgrade::parse_minor(&q.target).ok_or_else(|| {
        ApiError::invalid(
            "target",
            ErrorCode::InvalidQuery,
            format!(
                "target must be a Kubernetes version such as 1.25, not '{}'",
                q.target
            ),
        )
        .param("value", q.target.clone())
    })?;
    let cluster = connection::cluster(&state, id).await?;
    let client = client_for(&state, &cluster).await?;
    let version = within(CALL, client.apiserver_version())
        .await
        .map_err(from_cluster)?;
    let current: Minor = upgrade::parse_minor(&version.git_version).ok_or_else(|| {
        ApiError::internal(format!(
            "the cluster's version '{}' is not a version",
            version.git_version
        ))
    })?;
    if target <= current {
        return Err(ApiError::invalid(
            "target",
            ErrorCode::OutOfRange,
            format!(
                "target must be newer than the cluster's {}: at least {}",
                upgrade::show(current),
                upgrade::show((current.0, current.1 + 1))
            ),
        )
        .param("min", upgrade::show((current.0, current.1 + 1))));
    }
    let path = upgrade::path(current, target);
    // the API server's /metrics is read once, before the lists below
    let requested = upgrade::requested_deprecated(&client).await;
    let deprecated_requests_readable = requested.is_some();
    let removed = upgrade::removed_apis(&client, current, target, &requested.unwrap_or_default())
        .await
        .map_err(from_cluster)?;
    let nodes = within(
        CALL,
        Api::<Node>::all(client.clone()).list(&ListParams::default()),
    )
    .await
    .map_err(from_cluster)?;
    let nodes: Vec<NodeSkew> = nodes
        .items
        .into_iter()
        .map(|n| {
            let kubelet = n
                .status
                .and_then(|s| s.node_info)
                .map(|i| i.kubelet_version)
                .unwrap_or_default();
            let too_old_at =
                upgrade::parse_minor(&kubelet).and_then(|k| upgrade::kubelet_too_old_at(&path, k));
            NodeSkew {
                name: n.metadata.name.unwrap_or_default(),
                kubelet_version: kubelet,
                too_old_at: too_old_at.map(upgrade::show),
            }
        })
        .collect();
    let blockers = removed.iter().filter(|r| r.verdict == "blocker").count()
        + nodes.iter().filter(|n| n.too_old_at.is_some()).count();
    Ok(axum::Json(UpgradeReadiness {
        cluster_version: version.git_version,
        target: upgrade::show(target),
        path: path.into_iter().map(upgrade::show).collect(),
        removed_apis: removed,
        deprecated_requests_readable,
        nodes,
        blockers,
        ready: blockers == 0,
    }))
}
