//! The audit log: written for every state-changing request and every login attempt.

use crate::entity::audit_log;
use crate::{PageRequest, Paged, Store};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

pub use crate::entity::audit_log::Model as AuditRecord;

/// A record to write. `detail` must already be redacted.
#[derive(Debug, Clone, Default)]
pub struct NewAuditRecord {
    /// The acting account, when known.
    pub user_id: Option<i64>,
    /// The acting login name (or the name tried, for failed logins).
    pub username: String,
    /// The client address.
    pub source_ip: String,
    /// What was done, e.g. `cluster.import`, `auth.login`.
    pub action: String,
    /// HTTP method.
    pub method: String,
    /// Request path (no query string: it may hold tickets).
    pub path: String,
    /// The cluster acted on.
    pub cluster_id: Option<i64>,
    /// The namespace acted on.
    pub namespace: Option<String>,
    /// The object acted on, e.g. `nodes/worker-1`.
    pub resource: Option<String>,
    /// `success`, `denied` or `failure`.
    pub outcome: String,
    /// The HTTP status returned.
    pub status_code: i32,
    /// Redacted summary of the request.
    pub detail: String,
    /// The request id echoed to the client.
    pub request_id: String,
}

/// Filters for listing the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Exact login name.
    pub username: Option<String>,
    /// Action prefix (`cluster.` matches every cluster action).
    pub action: Option<String>,
    /// `success`, `denied` or `failure`.
    pub outcome: Option<String>,
    /// Cluster id.
    pub cluster_id: Option<i64>,
    /// From this time on (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
}

impl Store {
    /// Writes one audit record.
    pub async fn insert_audit(&self, rec: NewAuditRecord) -> Result<(), sea_orm::DbErr> {
        self.begin_audit(rec).await.map(|_| ())
    }

    /// Writes one audit record of something that lasts (a terminal session) and returns its id: the record is
    /// there from the start, so a crash still leaves it, and [`Store::complete_audit`] fills in how it ended.
    pub async fn begin_audit(&self, rec: NewAuditRecord) -> Result<i64, sea_orm::DbErr> {
        let row = audit_log::ActiveModel {
            at: Set(Utc::now()),
            user_id: Set(rec.user_id),
            username: Set(truncate(rec.username, 64)),
            source_ip: Set(truncate(rec.source_ip, 64)),
            action: Set(truncate(rec.action, 64)),
            method: Set(truncate(rec.method, 10)),
            path: Set(truncate(rec.path, 512)),
            cluster_id: Set(rec.cluster_id),
            namespace: Set(rec.namespace.map(|n| truncate(n, 63))),
            resource: Set(rec.resource.map(|r| truncate(r, 255))),
            outcome: Set(truncate(rec.outcome, 16)),
            status_code: Set(rec.status_code),
            detail: Set(truncate(rec.detail, 4000)),
            request_id: Set(truncate(rec.request_id, 64)),
            ..Default::default()
        }
        .insert(self.conn())
        .await?;
        Ok(row.id)
    }

    /// Completes a record [`Store::begin_audit`] wrote: its outcome and detail once the thing ended.
    pub async fn complete_audit(
        &self,
        id: i64,
        outcome: &str,
        detail: String,
    ) -> Result<(), sea_orm::DbErr> {
        audit_log::ActiveModel {
            id: Set(id),
            outcome: Set(truncate(outcome.to_owned(), 16)),
            detail: Set(truncate(detail, 4000)),
            ..Default::default()
        }
        .update(self.conn())
        .await?;
        Ok(())
    }

    /// Audit records, newest first.
    pub async fn list_audit(
        &self,
        f: &AuditFilter,
        page: PageRequest,
    ) -> Result<Paged<AuditRecord>, sea_orm::DbErr> {
        let mut q = audit_log::Entity::find().order_by_desc(audit_log::Column::Id);
        if let Some(u) = &f.username {
            q = q.filter(audit_log::Column::Username.eq(u.as_str()));
        }
        if let Some(a) = &f.action {
            q = q.filter(audit_log::Column::Action.starts_with(a.as_str()));
        }
        if let Some(o) = &f.outcome {
            q = q.filter(audit_log::Column::Outcome.eq(o.as_str()));
        }
        if let Some(c) = f.cluster_id {
            q = q.filter(audit_log::Column::ClusterId.eq(c));
        }
        if let Some(from) = f.from {
            q = q.filter(audit_log::Column::At.gte(from));
        }
        if let Some(to) = f.to {
            q = q.filter(audit_log::Column::At.lt(to));
        }
        crate::lagging_read!(self, |db| {
            let pages = q.clone().paginate(db, page.page_size);
            match pages.num_items().await {
                Ok(total) => pages
                    .fetch_page(page.page.saturating_sub(1))
                    .await
                    .map(|items| Paged { items, total }),
                Err(e) => Err(e),
            }
        })
    }
}

fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}
