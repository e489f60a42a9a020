//! Tasks (the spec's 任务记录): long-running work with progress, cancellation and restart safety.

use crate::entity::task;
use crate::{PageRequest, Paged, Store};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, sea_query::Expr,
};

pub use crate::entity::task::Model as Task;

/// Task states.
pub mod state {
    /// Created, not started.
    pub const PENDING: &str = "pending";
    /// Being worked on by `owner`.
    pub const RUNNING: &str = "running";
    /// Done.
    pub const SUCCEEDED: &str = "succeeded";
    /// Stopped by an error.
    pub const FAILED: &str = "failed";
    /// Stopped on request.
    pub const CANCELLED: &str = "cancelled";
    /// Its replica stopped while it ran: what it did is in `progress`, the rest was not done.
    pub const INTERRUPTED: &str = "interrupted";
}

/// A task in the history list: everything but its progress document (a drain's holds every pod of the node,
/// so a page of them would be megabytes).
#[derive(Debug, Clone, FromQueryResult)]
pub struct TaskRow {
    /// Id.
    pub id: i64,
    /// e.g. `node.drain`.
    pub kind: String,
    /// Cluster it acts on.
    pub cluster_id: Option<i64>,
    /// Object it acts on.
    pub target: String,
    /// State.
    pub status: String,
    /// Why it failed.
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

impl From<Task> for TaskRow {
    fn from(t: Task) -> Self {
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

/// Which tasks a history page shows.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Only these clusters (`None`: every cluster and the tasks of no cluster).
    pub visible_clusters: Option<Vec<i64>>,
    /// One cluster.
    pub cluster_id: Option<i64>,
    /// One state.
    pub status: Option<String>,
    /// Kinds starting with this (`node.` or `node.drain`).
    pub kind: Option<String>,
}

impl Store {
    /// The task history, newest first, without progress documents.
    pub async fn list_tasks(
        &self,
        f: &TaskFilter,
        page: PageRequest,
    ) -> Result<Paged<TaskRow>, sea_orm::DbErr> {
        let mut q = task::Entity::find()
            .select_only()
            .columns([
                task::Column::Id,
                task::Column::Kind,
                task::Column::ClusterId,
                task::Column::Target,
                task::Column::Status,
                task::Column::Error,
                task::Column::CreatedBy,
                task::Column::CancelRequested,
                task::Column::CreatedAt,
                task::Column::FinishedAt,
            ])
            .order_by_desc(task::Column::Id);
        if let Some(ids) = &f.visible_clusters {
            q = q.filter(task::Column::ClusterId.is_in(ids.iter().copied()));
        }
        if let Some(c) = f.cluster_id {
            q = q.filter(task::Column::ClusterId.eq(c));
        }
        if let Some(s) = &f.status {
            q = q.filter(task::Column::Status.eq(s.as_str()));
        }
        if let Some(k) = &f.kind {
            q = q.filter(task::Column::Kind.starts_with(k.as_str()));
        }
        let pages = q
            .into_model::<TaskRow>()
            .paginate(self.conn(), page.page_size);
        let total = pages.num_items().await?;
        let items = pages.fetch_page(page.page.saturating_sub(1)).await?;
        Ok(Paged { items, total })
    }

    /// Creates a running task owned by `owner`.
    pub async fn create_task(
        &self,
        kind: &str,
        cluster_id: Option<i64>,
        target: &str,
        created_by: &str,
        owner: &str,
        progress: &serde_json::Value,
    ) -> Result<Task, sea_orm::DbErr> {
        let now = Utc::now();
        task::ActiveModel {
            kind: Set(kind.to_owned()),
            cluster_id: Set(cluster_id),
            target: Set(target.to_owned()),
            status: Set(state::RUNNING.to_owned()),
            progress: Set(progress.to_string()),
            error: Set(None),
            created_by: Set(created_by.to_owned()),
            owner: Set(Some(owner.to_owned())),
            cancel_requested: Set(false),
            created_at: Set(now),
            started_at: Set(Some(now)),
            finished_at: Set(None),
            ..Default::default()
        }
        .insert(self.conn())
        .await
    }

    /// One task.
    pub async fn find_task(&self, id: i64) -> Result<Option<Task>, sea_orm::DbErr> {
        task::Entity::find_by_id(id).one(self.conn()).await
    }

    /// Saves progress of a running task.
    pub async fn update_task_progress(
        &self,
        id: i64,
        progress: &serde_json::Value,
    ) -> Result<(), sea_orm::DbErr> {
        task::Entity::update_many()
            .col_expr(task::Column::Progress, Expr::value(progress.to_string()))
            .filter(task::Column::Id.eq(id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    /// Ends a task with a final state.
    pub async fn finish_task(
        &self,
        id: i64,
        final_state: &str,
        progress: &serde_json::Value,
        error: Option<String>,
    ) -> Result<(), sea_orm::DbErr> {
        task::Entity::update_many()
            .col_expr(task::Column::Status, Expr::value(final_state))
            .col_expr(task::Column::Progress, Expr::value(progress.to_string()))
            .col_expr(task::Column::Error, Expr::value(error))
            .col_expr(task::Column::FinishedAt, Expr::value(Utc::now()))
            .filter(task::Column::Id.eq(id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    /// Asks a running task to stop. Returns whether the task was running.
    pub async fn request_task_cancel(&self, id: i64) -> Result<bool, sea_orm::DbErr> {
        let res = task::Entity::update_many()
            .col_expr(task::Column::CancelRequested, Expr::value(true))
            .filter(task::Column::Id.eq(id))
            .filter(task::Column::Status.is_in([state::RUNNING, state::PENDING]))
            .exec(self.conn())
            .await?;
        Ok(res.rows_affected > 0)
    }

    /// Marks running tasks of replicas other than `alive_owner` whose replica lease has lapsed as interrupted.
    pub async fn interrupt_orphaned_tasks(&self, alive_owner: &str) -> Result<u64, sea_orm::DbErr> {
        let running = task::Entity::find()
            .filter(task::Column::Status.is_in([state::RUNNING, state::PENDING]))
            .all(self.conn())
            .await?;
        let mut n = 0;
        for t in running {
            let owner = t.owner.clone().unwrap_or_default();
            if owner == alive_owner {
                continue;
            }
            if self
                .lease_holder(&format!("replica:{owner}"))
                .await?
                .is_some()
            {
                continue;
            }
            let res = task::Entity::update_many()
                .col_expr(task::Column::Status, Expr::value(state::INTERRUPTED))
                .col_expr(task::Column::FinishedAt, Expr::value(Utc::now()))
                .col_expr(
                    task::Column::Error,
                    Expr::value(Some("the Kubedeck replica running this task stopped; the remaining steps were not done".to_owned())),
                )
                .filter(task::Column::Id.eq(t.id))
                .filter(task::Column::Status.is_in([state::RUNNING, state::PENDING]))
                .exec(self.conn())
                .await?;
            n += res.rows_affected;
        }
        Ok(n)
    }
}
