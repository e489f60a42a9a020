//! `/api/v1/tasks/{tid}`: long-running work (drains, syncs) with progress and cancellation.

use crate::audit::AuditSlot;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::{ApiPath, ApiQuery, Pagination};
use crate::routes::Page;
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use chrono::{DateTime, Utc};
use kubedeck_core::rbac::{Permission, Scope};
use kubedeck_store::tasks::{Task, TaskFilter, TaskRow, state as task_state};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A task as the API shows it: its history row and its progress.
#[derive(Serialize, ToSchema)]
pub struct TaskView {
    /// The task.
    #[serde(flatten)]
    pub task: TaskListItem,
    /// Progress document, shaped by the kind.
    pub progress: serde_json::Value,
}

impl From<Task> for TaskView {
    fn from(mut t: Task) -> Self {
        let progress = serde_json::from_str(&std::mem::take(&mut t.progress))
            .unwrap_or(serde_json::Value::Null);
        Self {
            task: TaskRow::from(t).into(),
            progress,
        }
    }
}

/// A task in the history: everything but the progress document (open the task for it).
#[derive(Serialize, ToSchema)]
pub struct TaskListItem {
    /// Id.
    pub id: i64,
    /// e.g. `node.drain`.
    pub kind: String,
    /// Cluster it acts on.
    pub cluster_id: Option<i64>,
    /// Object it acts on.
    pub target: String,
    /// pending, running, succeeded, failed, cancelled, interrupted.
    pub status: String,
    /// Why it failed or was interrupted.
    pub error: Option<String>,
    /// Who started it.
    pub created_by: String,
    /// A cancel was asked for.
    pub cancel_requested: bool,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Finished at.
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<TaskRow> for TaskListItem {
    fn from(t: TaskRow) -> Self {
        Self {
            id: t.id,
            kind: t.kind,
            cluster_id: t.cluster_id,
            target: t.target,
            status: t.status,
            error: t.error,
            created_by: t.created_by,
            cancel_requested: t.cancel_requested,
            created_at: t.created_at,
            finished_at: t.finished_at,
        }
    }
}

const STATES: [&str; 6] = [
    task_state::PENDING,
    task_state::RUNNING,
    task_state::SUCCEEDED,
    task_state::FAILED,
    task_state::CANCELLED,
    task_state::INTERRUPTED,
];

/// Filters of the task history.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// Tasks of one cluster.
    pub cluster_id: Option<i64>,
    /// pending, running, succeeded, failed, cancelled or interrupted.
    pub status: Option<String>,
    /// Kind, or its start (`node.` for every node task).
    pub kind: Option<String>,
    /// 1-based page.
    pub page: Option<u64>,
    /// Page size (max 500).
    pub page_size: Option<u64>,
}

/// The task history, newest first: the tasks of the clusters the caller may read tasks of (tasks of no
/// cluster only with a global grant).
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", params(TaskQuery),
    responses((status = 200, body = Page<TaskListItem>)), extensions(("x-permission" = json!("task.read"))))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<TaskQuery>,
) -> ApiResult<axum::Json<Page<TaskListItem>>> {
    if !user.bindings.allows_somewhere(Permission::TaskRead) {
        user.require(Permission::TaskRead, Scope::GLOBAL)?;
    }
    let page = Pagination {
        page: q.page,
        page_size: q.page_size,
    }
    .request()?;
    if let Some(s) = &q.status
        && !STATES.contains(&s.as_str())
    {
        return Err(ApiError::not_one_of("status", &STATES, s));
    }
    let filter = TaskFilter {
        visible_clusters: user.clusters_with(Permission::TaskRead),
        cluster_id: q.cluster_id,
        status: q.status,
        kind: q.kind.filter(|k| !k.is_empty()),
    };
    let rows = state.store.list_tasks(&filter, page).await?;
    Ok(axum::Json(Page::new(
        rows.items.into_iter().map(Into::into).collect(),
        rows.total,
        page,
    )))
}

async fn visible_task(state: &AppState, user: &AuthUser, tid: i64) -> ApiResult<Task> {
    // Without task.read anywhere, say so before revealing whether the task exists.
    if !user.bindings.allows_somewhere(Permission::TaskRead) {
        user.require(Permission::TaskRead, Scope::GLOBAL)?;
    }
    let t = state.store.find_task(tid).await?.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::TaskNotFound,
            format!("task {tid} does not exist"),
        )
        .param("task", tid)
    })?;
    let scope = t.cluster_id.map(Scope::cluster).unwrap_or(Scope::GLOBAL);
    user.require(Permission::TaskRead, scope)?;
    Ok(t)
}

/// One task with its progress.
#[utoipa::path(get, path = "/api/v1/tasks/{tid}", tag = "tasks", params(("tid" = i64, Path)),
    responses((status = 200, body = TaskView), (status = 404)), extensions(("x-permission" = json!("task.read"))))]
pub async fn get(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(tid): ApiPath<i64>,
) -> ApiResult<axum::Json<TaskView>> {
    Ok(axum::Json(visible_task(&state, &user, tid).await?.into()))
}

/// Ask a running task to stop; it finishes its current step and ends as `cancelled`.
#[utoipa::path(post, path = "/api/v1/tasks/{tid}/cancel", tag = "tasks", params(("tid" = i64, Path)),
    responses((status = 200, body = TaskView), (status = 404), (status = 409, description = "task already finished")),
    extensions(("x-permission" = json!("task.read"))))]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    user: AuthUser,
    ApiPath(tid): ApiPath<i64>,
) -> ApiResult<axum::Json<TaskView>> {
    audit.action("task.cancel");
    let t = visible_task(&state, &user, tid).await?;
    audit.target(t.cluster_id, None, Some(format!("tasks/{tid}")));
    // Cancelling needs the write permission of what the task does.
    let needed = if t.kind.starts_with("node.") {
        Permission::NodeWrite
    } else {
        Permission::ClusterWrite
    };
    user.require(
        needed,
        t.cluster_id.map(Scope::cluster).unwrap_or(Scope::GLOBAL),
    )?;
    if !state.store.request_task_cancel(tid).await? {
        return Err(ApiError::conflict(
            ErrorCode::TaskFinished,
            format!("task {tid} already finished ({})", t.status),
        )
        .param("task", tid)
        .param("status", &t.status));
    }
    Ok(axum::Json(visible_task(&state, &user, tid).await?.into()))
}

/// Goes on with a task that stopped part-way: one whose replica died (`interrupted`) or that failed. A drain
/// plans again with the options it was started with and runs as a new task naming the old one (`resumed_from`
/// in its progress): the pods it already evicted are gone, so it evicts the rest, as running `kubectl drain`
/// again does. The caller needs the permission the task's work needs (`node.write` for a drain).
#[utoipa::path(post, path = "/api/v1/tasks/{tid}/resume", tag = "tasks", params(("tid" = i64, Path)),
    responses((status = 202, body = crate::drain::DrainStarted), (status = 404),
        (status = 409, description = "task_not_resumable: the task is pending, running, succeeded or cancelled, or of a kind that does not resume"),
        (status = 422, description = "drain_blocked: the node's pods no longer allow the drain (nothing changed)")),
    extensions(("x-permission" = json!("task.read"))))]
pub async fn resume(
    State(state): State<AppState>,
    Extension(audit): Extension<AuditSlot>,
    user: AuthUser,
    ApiPath(tid): ApiPath<i64>,
) -> ApiResult<(axum::http::StatusCode, axum::Json<crate::drain::DrainStarted>)> {
    audit.action("task.resume");
    let t = visible_task(&state, &user, tid).await?;
    audit.target(t.cluster_id, None, Some(format!("tasks/{tid}")));
    let not_resumable = |why: String| {
        ApiError::conflict(ErrorCode::TaskNotResumable, why)
            .param("task", tid)
            .param("status", &t.status)
            .param("kind", &t.kind)
    };
    let (Some(cluster_id), "node.drain") = (t.cluster_id, t.kind.as_str()) else {
        return Err(not_resumable(format!("task {tid} ({}) does not resume", t.kind)));
    };
    user.require(Permission::NodeWrite, Scope::cluster(cluster_id))?;
    if t.status != task_state::INTERRUPTED && t.status != task_state::FAILED {
        return Err(not_resumable(format!(
            "task {tid} is {}: only an interrupted or failed task resumes",
            t.status
        )));
    }
    // the options the drain was started with (a drain recorded before they were kept: kubectl's defaults)
    let progress: serde_json::Value = serde_json::from_str(&t.progress).unwrap_or_default();
    let opts: kubedeck_kube::drain::DrainOptions =
        serde_json::from_value(progress["options"].clone()).unwrap_or_default();
    audit.detail(serde_json::json!({"resumed_from": tid, "options": opts}));
    crate::drain::start(&state, cluster_id, &t.target, opts, &user.username, Some(tid)).await
}

/// Live progress: a Server-Sent Events stream of the task, one `task` event each time it changes, ending
/// when the task ends. Works on any replica (it follows the database).
#[utoipa::path(get, path = "/api/v1/tasks/{tid}/events", tag = "tasks", params(("tid" = i64, Path)),
    responses((status = 200, content_type = "text/event-stream"), (status = 404)), extensions(("x-permission" = json!("task.read"))))]
pub async fn events(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(tid): ApiPath<i64>,
) -> ApiResult<
    axum::response::sse::Sse<
        impl futures::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
    >,
> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let first = visible_task(&state, &user, tid).await?;
    let stream = futures::stream::unfold(
        (state, Some(first), String::new(), false),
        move |(state, pending, last, done)| async move {
            if done {
                return None;
            }
            let mut task = pending;
            loop {
                let t = match task.take() {
                    Some(t) => t,
                    None => {
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                        match state.store.find_task(tid).await {
                            Ok(Some(t)) => t,
                            _ => return None,
                        }
                    }
                };
                let finished = t.finished_at.is_some();
                let view = serde_json::to_string(&TaskView::from(t)).unwrap_or_default();
                if view != last || finished {
                    let ev = Event::default().event("task").data(view.clone());
                    return Some((Ok(ev), (state, None, view, finished)));
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15))))
}
