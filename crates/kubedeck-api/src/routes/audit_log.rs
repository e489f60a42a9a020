//! `/api/v1/audit`: the audit log, for platform admins.

use crate::auth::{Authorized, perm};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Pagination};
use crate::routes::Page;
use crate::state::AppState;
use axum::extract::State;
use chrono::{DateTime, Utc};
use kubedeck_store::audit::{AuditFilter, AuditRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

const OUTCOMES: [&str; 3] = ["success", "denied", "failure"];

/// One audit record.
#[derive(Serialize, ToSchema)]
pub struct AuditView {
    /// Id.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Acting user id (none for failed logins).
    pub user_id: Option<i64>,
    /// Acting (or attempted) login name.
    pub username: String,
    /// Client address.
    pub source_ip: String,
    /// Action, e.g. `cluster.import`.
    pub action: String,
    /// HTTP method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// Cluster acted on.
    pub cluster_id: Option<i64>,
    /// Namespace acted on.
    pub namespace: Option<String>,
    /// Object acted on.
    pub resource: Option<String>,
    /// success, denied or failure.
    pub outcome: String,
    /// HTTP status returned.
    pub status_code: i32,
    /// Redacted request summary (JSON text).
    pub detail: String,
    /// Request id.
    pub request_id: String,
}

impl From<AuditRecord> for AuditView {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: r.id,
            at: r.at,
            user_id: r.user_id,
            username: r.username,
            source_ip: r.source_ip,
            action: r.action,
            method: r.method,
            path: r.path,
            cluster_id: r.cluster_id,
            namespace: r.namespace,
            resource: r.resource,
            outcome: r.outcome,
            status_code: r.status_code,
            detail: r.detail,
            request_id: r.request_id,
        }
    }
}

/// Filters for the audit log.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Exact login name.
    pub username: Option<String>,
    /// Action prefix.
    pub action: Option<String>,
    /// success, denied or failure.
    pub outcome: Option<String>,
    /// Cluster id.
    pub cluster_id: Option<i64>,
    /// RFC 3339 start (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// RFC 3339 end (exclusive).
    pub to: Option<DateTime<Utc>>,
    /// 1-based page.
    pub page: Option<u64>,
    /// Page size (max 500).
    pub page_size: Option<u64>,
}

/// List audit records, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), responses((status = 200, body = Page<AuditView>)),
    extensions(("x-permission" = json!("audit.read"))))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Authorized<perm::AuditRead>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<axum::Json<Page<AuditView>>> {
    let page = Pagination {
        page: q.page,
        page_size: q.page_size,
    }
    .request()?;
    if let Some(o) = &q.outcome
        && !OUTCOMES.contains(&o.as_str())
    {
        return Err(ApiError::not_one_of("outcome", &OUTCOMES, o));
    }
    let filter = AuditFilter {
        username: q.username,
        action: q.action,
        outcome: q.outcome,
        cluster_id: q.cluster_id,
        from: q.from,
        to: q.to,
    };
    let rows = state.store.list_audit(&filter, page).await?;
    Ok(axum::Json(Page::new(
        rows.items.into_iter().map(Into::into).collect(),
        rows.total,
        page,
    )))
}
