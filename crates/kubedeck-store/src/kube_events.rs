//! The event archive (the spec's KubeEvent): every event of a cluster as the lease holder's watcher saw it last,
//! kept beyond the apiserver's `--event-ttl` (1 h by default) for the archive's retention (14 days by default).
//!
//! Rows are upserted by (cluster, uid): a repeat of an event (count, last timestamp, series) updates its row, and
//! a relist or a restart of Kubedeck writes the same rows again instead of adding any. An event deleted from the
//! cluster (by the TTL or by hand) keeps its row until retention prunes it, in batches.

use crate::entity::kube_event;
use crate::{PageRequest, Paged, Store};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sea_orm::sea_query::{Expr, Func, LikeExpr, OnConflict, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// An archived event as the repository returns it.
pub type ArchivedEvent = kube_event::Model;

/// Rows written per statement (17 values a row: under every backend's bind-parameter limit).
const UPSERT_CHUNK: usize = 200;
/// Rows written per transaction (each begins with the fence check on a fenced store).
const UPSERT_TXN: usize = 1000;
/// Matches a search counts at most: `total` stops there.
pub const COUNT_CAP: u64 = 10_000;
/// The longest message kept, in characters (MySQL's TEXT holds 65,535 bytes; events.k8s.io caps a note at 1 kB).
const MAX_MESSAGE: usize = 8000;

/// One event as the archive stores it (see the `kube_event` entity for the columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub cluster_id: i64,
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub involved_kind: String,
    pub involved_name: String,
    pub involved_namespace: String,
    pub reason: String,
    pub event_type: String,
    pub message: String,
    pub source_component: String,
    pub source_host: String,
    pub reporting_component: String,
    pub count: i32,
    pub series_count: Option<i32>,
    pub first_timestamp: DateTime<Utc>,
    pub last_timestamp: DateTime<Utc>,
}

/// `s` cut to at most `max` characters (column widths; Kubernetes does not bound every field).
fn fit(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => s[..at].to_owned(),
        None => s.to_owned(),
    }
}

/// Whole seconds: every backend stores them alike (MySQL's TIMESTAMP has none below).
fn secs(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::seconds(1)).unwrap_or(t)
}

impl EventRecord {
    fn active(&self, now: DateTime<Utc>) -> kube_event::ActiveModel {
        kube_event::ActiveModel {
            cluster_id: Set(self.cluster_id),
            uid: Set(fit(&self.uid, 64)),
            namespace: Set(fit(&self.namespace, 63)),
            name: Set(fit(&self.name, 253)),
            involved_kind: Set(fit(&self.involved_kind, 100)),
            involved_name: Set(fit(&self.involved_name, 253)),
            involved_namespace: Set(fit(&self.involved_namespace, 63)),
            reason: Set(fit(&self.reason, 128)),
            event_type: Set(fit(&self.event_type, 32)),
            message: Set(fit(&self.message, MAX_MESSAGE)),
            source_component: Set(fit(&self.source_component, 253)),
            source_host: Set(fit(&self.source_host, 253)),
            reporting_component: Set(fit(&self.reporting_component, 253)),
            count: Set(self.count.max(1)),
            series_count: Set(self.series_count),
            first_timestamp: Set(secs(self.first_timestamp)),
            last_timestamp: Set(secs(self.last_timestamp)),
            archived_at: Set(secs(now)),
            ..Default::default()
        }
    }
}

/// What a search asks for; every field given must match (text: a case-insensitive substring of the message).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// The namespaces the Event objects are in (any of them).
    pub namespaces: Option<Vec<String>>,
    /// The involved object's kind (`Pod`), name and namespace.
    pub involved_kind: Option<String>,
    pub involved_name: Option<String>,
    pub involved_namespace: Option<String>,
    pub reason: Option<String>,
    /// Normal or Warning.
    pub event_type: Option<String>,
    /// A substring of the message, any case.
    pub text: Option<String>,
    /// Last seen at or after.
    pub from: Option<DateTime<Utc>>,
    /// Last seen at or before.
    pub to: Option<DateTime<Utc>>,
}

impl EventFilter {
    /// `trigram`: look the text up in SQLite's trigram table (see [`Store::text_is_rare`]).
    fn condition(&self, cluster_id: i64, trigram: bool) -> Condition {
        use kube_event::Column as C;
        let mut c = Condition::all().add(C::ClusterId.eq(cluster_id));
        if let Some(ns) = &self.namespaces {
            c = c.add(C::Namespace.is_in(ns.iter().map(String::as_str)));
        }
        let exact = [
            (C::InvolvedKind, &self.involved_kind),
            (C::InvolvedName, &self.involved_name),
            (C::InvolvedNamespace, &self.involved_namespace),
            (C::Reason, &self.reason),
            (C::EventType, &self.event_type),
        ];
        for (col, v) in exact {
            if let Some(v) = v {
                c = c.add(col.eq(v.as_str()));
            }
        }
        if let Some(text) = self.text.as_deref().filter(|t| !t.is_empty()) {
            c = c.add(text_condition(text, trigram));
        }
        if let Some(from) = self.from {
            c = c.add(C::LastTimestamp.gte(secs(from)));
        }
        if let Some(to) = self.to {
            c = c.add(C::LastTimestamp.lte(to));
        }
        c
    }
}

/// The shortest text SQLite's trigram index answers; a shorter one is matched by a scan.
const TRIGRAM: usize = 3;
/// Messages a text may be found in for SQLite's trigram table to answer the search. A text in more (`Back-off`,
/// `Started container`) is found faster by walking the archive newest first with `LIKE`: the page and the capped
/// count stop after a few thousand rows, while the index would hand over every matching row id first (0.8 s at
/// 200,000 events for a text in all of them, debug build).
pub const TRIGRAM_MAX_MATCHES: u64 = 5_000;

/// The text as an FTS5 phrase: a double quote inside is doubled.
fn phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// A case-insensitive substring of the message. With `trigram` (SQLite, three or more characters, a rare text), it
/// is looked up in the trigram index (`kube_event_text`, migration 000013): a phrase of trigrams matches exactly the
/// messages holding that substring. Otherwise `LIKE`, which on PostgreSQL its trigram index (on `lower(message)`)
/// serves.
fn text_condition(text: &str, trigram: bool) -> SimpleExpr {
    use kube_event::Column as C;
    use sea_orm::sea_query::ExprTrait;
    if trigram {
        return Expr::cust_with_values(
            "\"kube_event\".\"id\" IN (SELECT rowid FROM kube_event_text WHERE kube_event_text MATCH ?)",
            [phrase(text)],
        );
    }
    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|ch| match ch {
            '%' | '_' | '\\' => vec!['\\', ch],
            ch => vec![ch],
        })
        .collect();
    Expr::expr(Func::lower(Expr::col(C::Message)))
        .like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

/// Warning events of one hour (by when each was last seen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourCount {
    /// The hour's start.
    pub hour: DateTime<Utc>,
    /// Warning events last seen in it.
    pub events: u64,
    /// Their occurrences (the sum of their counts).
    pub occurrences: u64,
}

impl Store {
    /// Writes events, each replacing its earlier row of the same (cluster, uid) if any. On a fenced store (the
    /// lease holder's) each transaction first checks the lease. `events` should hold each uid once. Returns the
    /// rows written.
    pub async fn upsert_events(&self, events: &[EventRecord]) -> Result<usize, sea_orm::DbErr> {
        use kube_event::Column as C;
        let now = Utc::now();
        let update = OnConflict::columns([C::ClusterId, C::Uid])
            .update_columns([
                C::Namespace,
                C::Name,
                C::InvolvedKind,
                C::InvolvedName,
                C::InvolvedNamespace,
                C::Reason,
                C::EventType,
                C::Message,
                C::SourceComponent,
                C::SourceHost,
                C::ReportingComponent,
                C::Count,
                C::SeriesCount,
                C::FirstTimestamp,
                C::LastTimestamp,
                C::ArchivedAt,
            ])
            .to_owned();
        for part in events.chunks(UPSERT_TXN) {
            let txn = self.begin_write().await?;
            for chunk in part.chunks(UPSERT_CHUNK) {
                kube_event::Entity::insert_many(chunk.iter().map(|e| e.active(now)))
                    .on_conflict(update.clone())
                    .exec_without_returning(&txn)
                    .await?;
            }
            txn.commit().await?;
        }
        Ok(events.len())
    }

    /// One page of a cluster's archived events matching `filter`, newest (last seen) first, and how many match,
    /// counted up to [`COUNT_CAP`] (`total` is then `COUNT_CAP`: at least that many match). An exact count of a
    /// broad search over a million events costs more than the page itself.
    pub async fn search_events(
        &self,
        cluster_id: i64,
        filter: &EventFilter,
        page: PageRequest,
    ) -> Result<Paged<ArchivedEvent>, sea_orm::DbErr> {
        let trigram = match filter.text.as_deref() {
            Some(text) => self.text_is_rare(text).await?,
            None => false,
        };
        let cond = filter.condition(cluster_id, trigram);
        // COUNT(*) over a subquery that stops at the cap
        let counted = kube_event::Entity::find()
            .select_only()
            .column(kube_event::Column::Id)
            .filter(cond.clone())
            .limit(COUNT_CAP);
        let paged = kube_event::Entity::find()
            .filter(cond)
            .order_by_desc(kube_event::Column::LastTimestamp)
            .order_by_desc(kube_event::Column::Id)
            .offset(page.page.saturating_sub(1) * page.page_size)
            .limit(page.page_size);
        // both from the same database, so that the count and the page agree
        crate::lagging_read!(self, |db| match counted.clone().count(db).await {
            Ok(total) => paged
                .clone()
                .all(db)
                .await
                .map(|items| Paged { items, total }),
            Err(e) => Err(e),
        })
    }

    /// Whether SQLite's trigram table should answer a search for `text`: it is three characters or more and in at
    /// most [`TRIGRAM_MAX_MATCHES`] messages (of any cluster). Counting stops there, so the probe costs at most
    /// that many index entries.
    async fn text_is_rare(&self, text: &str) -> Result<bool, sea_orm::DbErr> {
        use sea_orm::{ConnectionTrait, Statement};
        if self.backend() != DbBackend::Sqlite || text.chars().count() < TRIGRAM {
            return Ok(false);
        }
        let probe = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT count(*) AS n FROM (SELECT 1 FROM kube_event_text WHERE kube_event_text MATCH ? LIMIT ?)",
            [phrase(text).into(), (TRIGRAM_MAX_MATCHES + 1).into()],
        );
        let row = crate::lagging_read!(self, |db| db.query_one_raw(probe.clone()).await)?;
        let n: i64 = match row {
            Some(r) => r.try_get("", "n")?,
            None => 0,
        };
        Ok(n as u64 <= TRIGRAM_MAX_MATCHES)
    }

    /// Warning events of a cluster per hour with `from <= last seen <= to` (hours without any are left out),
    /// oldest first; `namespaces`: of those namespaces only.
    pub async fn warning_timeline(
        &self,
        cluster_id: i64,
        namespaces: Option<&[String]>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<HourCount>, sea_orm::DbErr> {
        use kube_event::Column as C;
        let mut q = kube_event::Entity::find();
        if let Some(ns) = namespaces {
            q = q.filter(C::Namespace.is_in(ns.iter().map(String::as_str)));
        }
        let q = q
            .select_only()
            .column(C::LastTimestamp)
            .column(C::Count)
            .filter(C::ClusterId.eq(cluster_id))
            .filter(C::EventType.eq("Warning"))
            .filter(C::LastTimestamp.gte(secs(from)))
            .filter(C::LastTimestamp.lte(to));
        let rows: Vec<(DateTime<Utc>, i32)> =
            crate::lagging_read!(self, |db| q.clone().into_tuple().all(db).await)?;
        let mut hours: std::collections::BTreeMap<DateTime<Utc>, HourCount> = Default::default();
        for (at, count) in rows {
            let hour = at.duration_trunc(TimeDelta::hours(1)).unwrap_or(at);
            let h = hours.entry(hour).or_insert(HourCount {
                hour,
                events: 0,
                occurrences: 0,
            });
            h.events += 1;
            h.occurrences += count.max(1) as u64;
        }
        Ok(hours.into_values().collect())
    }

    /// Deletes archived events last seen before `before`, `batch` rows per statement (a long retention backlog
    /// never holds the table in one huge delete). Returns how many went.
    pub async fn prune_events(
        &self,
        before: DateTime<Utc>,
        batch: u64,
    ) -> Result<u64, sea_orm::DbErr> {
        use kube_event::Column as C;
        let mut deleted = 0;
        loop {
            // ids first: MySQL and MariaDB take no LIMIT in an IN subquery
            let ids: Vec<i64> = kube_event::Entity::find()
                .select_only()
                .column(C::Id)
                .filter(C::LastTimestamp.lt(before))
                .order_by_asc(C::LastTimestamp)
                .limit(batch.max(1))
                .into_tuple()
                .all(self.conn())
                .await?;
            if ids.is_empty() {
                return Ok(deleted);
            }
            let n = ids.len() as u64;
            let gone = kube_event::Entity::delete_many()
                .filter(C::Id.is_in(ids))
                .exec(self.conn())
                .await?;
            deleted += gone.rows_affected;
            if n < batch.max(1) {
                return Ok(deleted);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_fields_are_cut_on_a_character_boundary() {
        assert_eq!(fit("héllo", 2), "hé");
        assert_eq!(fit("abc", 5), "abc");
    }
}
