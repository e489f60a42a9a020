//! Alerts (issue 16): the alert rows the evaluation loop and Alertmanager's webhook write, rule settings,
//! silences and ingest tokens.
//!
//! The evaluation loop writes through the cluster's fenced store (only the lease holder evaluates a cluster);
//! people (ack, resolve, silences, rules) and the ingest webhook write through the plain one.

use crate::entity::{alert, alert_ingest_token, alert_rule_setting, alert_silence};
use crate::{PageRequest, Paged, Store};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

pub use crate::entity::alert::Model as Alert;
pub use crate::entity::alert_ingest_token::Model as IngestToken;
pub use crate::entity::alert_rule_setting::Model as RuleSetting;
pub use crate::entity::alert_silence::Model as Silence;

/// Alert states.
pub mod state {
    /// The condition holds, its `for` has not passed yet.
    pub const PENDING: &str = "pending";
    /// The condition has held for its `for`.
    pub const FIRING: &str = "firing";
    /// The condition cleared, or someone resolved it.
    pub const RESOLVED: &str = "resolved";
}

/// Where an alert comes from.
pub mod source {
    /// Kubedeck's own rules.
    pub const KUBEDECK: &str = "kubedeck";
    /// An Alertmanager's webhook.
    pub const PROMETHEUS: &str = "prometheus";
}

/// What was last notified for an alert.
pub mod notified {
    /// Nothing yet.
    pub const NONE: &str = "none";
    /// That it fires.
    pub const FIRING: &str = "firing";
    /// That it was resolved.
    pub const RESOLVED: &str = "resolved";
}

/// Which alerts a list shows.
#[derive(Debug, Default, Clone)]
pub struct AlertFilter {
    /// Only these clusters (`None`: every cluster).
    pub clusters: Option<Vec<i64>>,
    pub state: Option<String>,
    pub severity: Option<String>,
    pub rule: Option<String>,
    /// Only these namespaces (`None`: any, cluster-scoped alerts included).
    pub namespaces: Option<Vec<String>>,
}

/// What one evaluation pass changes, written in one fenced transaction.
#[derive(Debug, Default)]
pub struct AlertChanges {
    /// New alerts (pending or firing).
    pub insert: Vec<alert::ActiveModel>,
    /// Alerts whose state or fields changed (whole rows).
    pub update: Vec<Alert>,
    /// Pending alerts whose condition cleared before their `for`: forgotten, as Prometheus does.
    pub delete: Vec<i64>,
}

impl AlertChanges {
    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.insert.is_empty() && self.update.is_empty() && self.delete.is_empty()
    }
}

/// An alert Alertmanager sent in.
#[derive(Debug, Clone)]
pub struct IngestedAlert {
    pub rule: String,
    pub severity: String,
    pub fingerprint: String,
    pub group_key: String,
    pub namespace: String,
    pub labels: String,
    pub annotations: String,
    pub starts_at: DateTime<Utc>,
    /// Set when Alertmanager says it is resolved.
    pub ends_at: Option<DateTime<Utc>>,
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

impl Store {
    // ---- the evaluation loop ---------------------------------------------------------------------------

    /// A cluster's alerts of Kubedeck's rules that the loop still tracks: pending and firing ones, ones resolved
    /// by hand while their condition held, and resolved ones whose resolution is still to be notified.
    pub async fn tracked_alerts(&self, cluster_id: i64) -> Result<Vec<Alert>, sea_orm::DbErr> {
        alert::Entity::find()
            .filter(alert::Column::ClusterId.eq(cluster_id))
            .filter(alert::Column::Source.eq(source::KUBEDECK))
            .filter(
                Condition::any()
                    .add(alert::Column::State.ne(state::RESOLVED))
                    .add(alert::Column::HeldUntilClear.eq(true))
                    .add(alert::Column::NotifiedState.eq(notified::FIRING)),
            )
            .order_by_asc(alert::Column::Id)
            .all(self.conn())
            .await
    }

    /// Writes one pass's changes and marks the cluster's open alerts evaluated at `at`, in one transaction
    /// (fenced when called on the lease holder's fenced store).
    pub async fn apply_alert_changes(
        &self,
        cluster_id: i64,
        changes: AlertChanges,
        at: DateTime<Utc>,
    ) -> Result<(), sea_orm::DbErr> {
        let txn = self.begin_write().await?;
        if !changes.delete.is_empty() {
            alert::Entity::delete_many()
                .filter(alert::Column::Id.is_in(changes.delete))
                .exec(&txn)
                .await?;
        }
        for m in changes.update {
            let am: alert::ActiveModel = m.into_active_model().reset_all();
            am.update(&txn).await?;
        }
        for am in changes.insert {
            am.insert(&txn).await?;
        }
        alert::Entity::update_many()
            .col_expr(alert::Column::LastEvaluatedAt, Expr::value(at))
            .filter(alert::Column::ClusterId.eq(cluster_id))
            .filter(alert::Column::Source.eq(source::KUBEDECK))
            .filter(alert::Column::State.ne(state::RESOLVED))
            .exec(&txn)
            .await?;
        txn.commit().await
    }

    /// Records that a notice was queued for these alerts: `firing` ones as notified firing, `resolved` ones as
    /// notified resolved (fenced like [`Self::apply_alert_changes`]).
    pub async fn mark_alerts_notified(
        &self,
        firing: &[i64],
        resolved: &[i64],
        at: DateTime<Utc>,
    ) -> Result<(), sea_orm::DbErr> {
        let txn = self.begin_write().await?;
        for (ids, what) in [(firing, notified::FIRING), (resolved, notified::RESOLVED)] {
            if ids.is_empty() {
                continue;
            }
            alert::Entity::update_many()
                .col_expr(alert::Column::NotifiedState, Expr::value(what))
                .col_expr(alert::Column::LastNotifiedAt, Expr::value(at))
                .filter(alert::Column::Id.is_in(ids.iter().copied()))
                .exec(&txn)
                .await?;
        }
        txn.commit().await
    }

    /// The newest volume sample of each claim of a cluster taken at or after `since`
    /// (KubePersistentVolumeFillingUp's input).
    pub async fn newest_volume_samples_since(
        &self,
        cluster_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<crate::volume_metrics::VolumeSample>, sea_orm::DbErr> {
        use crate::entity::volume_metric;
        let rows = volume_metric::Entity::find()
            .filter(volume_metric::Column::ClusterId.eq(cluster_id))
            .filter(volume_metric::Column::Timestamp.gte(since))
            .order_by_asc(volume_metric::Column::Timestamp)
            .all(self.conn())
            .await?;
        let mut newest = std::collections::BTreeMap::new();
        for r in rows {
            newest.insert((r.namespace.clone(), r.claim.clone()), r.into());
        }
        Ok(newest.into_values().collect())
    }

    // ---- people ----------------------------------------------------------------------------------------

    /// Alerts newest first.
    pub async fn list_alerts(
        &self,
        f: &AlertFilter,
        page: PageRequest,
    ) -> Result<Paged<Alert>, sea_orm::DbErr> {
        let mut q = alert::Entity::find()
            .order_by_desc(alert::Column::ActiveAt)
            .order_by_desc(alert::Column::Id);
        if let Some(ids) = &f.clusters {
            q = q.filter(alert::Column::ClusterId.is_in(ids.iter().copied()));
        }
        if let Some(s) = &f.state {
            q = q.filter(alert::Column::State.eq(s.as_str()));
        }
        if let Some(s) = &f.severity {
            q = q.filter(alert::Column::Severity.eq(s.as_str()));
        }
        if let Some(r) = &f.rule {
            q = q.filter(alert::Column::Rule.eq(r.as_str()));
        }
        if let Some(ns) = &f.namespaces {
            q = q.filter(alert::Column::Namespace.is_in(ns.iter().map(String::as_str)));
        }
        let pages = q.paginate(self.conn(), page.page_size);
        let total = pages.num_items().await?;
        let items = pages.fetch_page(page.page.saturating_sub(1)).await?;
        Ok(Paged { items, total })
    }

    /// One alert of a cluster.
    pub async fn find_alert(
        &self,
        cluster_id: i64,
        id: i64,
    ) -> Result<Option<Alert>, sea_orm::DbErr> {
        alert::Entity::find_by_id(id)
            .filter(alert::Column::ClusterId.eq(cluster_id))
            .one(self.conn())
            .await
    }

    /// Records who acknowledged an alert (the first acknowledgement stays).
    pub async fn acknowledge_alert(&self, a: &Alert, by: &str) -> Result<Alert, sea_orm::DbErr> {
        if a.acknowledged_by.is_some() {
            return Ok(a.clone());
        }
        let mut am = a.clone().into_active_model();
        am.acknowledged_by = Set(Some(by.to_owned()));
        am.acknowledged_at = Set(Some(now()));
        am.update(self.conn()).await
    }

    /// Resolves an alert by hand, with who and why. `hold`: the condition may still hold, so the loop opens no
    /// new alert for its fingerprint until the condition has cleared once.
    pub async fn resolve_alert(
        &self,
        a: &Alert,
        by: &str,
        why: &str,
        hold: bool,
    ) -> Result<Alert, sea_orm::DbErr> {
        let mut am = a.clone().into_active_model();
        am.state = Set(state::RESOLVED.to_owned());
        am.ends_at = Set(Some(now()));
        am.resolved_by = Set(Some(by.to_owned()));
        am.resolved_why = Set(Some(why.to_owned()));
        am.held_until_clear = Set(hold);
        am.update(self.conn()).await
    }

    // ---- rule settings ---------------------------------------------------------------------------------

    /// A cluster's rule settings (changes to built-in rules and its own rules), by name.
    pub async fn rule_settings(&self, cluster_id: i64) -> Result<Vec<RuleSetting>, sea_orm::DbErr> {
        alert_rule_setting::Entity::find()
            .filter(alert_rule_setting::Column::ClusterId.eq(cluster_id))
            .order_by_asc(alert_rule_setting::Column::Name)
            .all(self.conn())
            .await
    }

    /// Saves a rule setting (by cluster and name): inserts or replaces it.
    pub async fn save_rule_setting(&self, s: RuleSetting) -> Result<RuleSetting, sea_orm::DbErr> {
        let txn = self.begin_write().await?;
        let existing = alert_rule_setting::Entity::find()
            .filter(alert_rule_setting::Column::ClusterId.eq(s.cluster_id))
            .filter(alert_rule_setting::Column::Name.eq(s.name.as_str()))
            .one(&txn)
            .await?;
        let saved = match existing {
            Some(e) => {
                let mut am = RuleSetting { id: e.id, ..s }
                    .into_active_model()
                    .reset_all();
                am.id = sea_orm::ActiveValue::Unchanged(e.id);
                am.update(&txn).await?
            }
            None => {
                let mut am = s.into_active_model();
                am.id = sea_orm::ActiveValue::NotSet;
                am.insert(&txn).await?
            }
        };
        txn.commit().await?;
        Ok(saved)
    }

    /// Deletes a rule setting; whether there was one.
    pub async fn delete_rule_setting(
        &self,
        cluster_id: i64,
        name: &str,
    ) -> Result<bool, sea_orm::DbErr> {
        let r = alert_rule_setting::Entity::delete_many()
            .filter(alert_rule_setting::Column::ClusterId.eq(cluster_id))
            .filter(alert_rule_setting::Column::Name.eq(name))
            .exec(self.conn())
            .await?;
        Ok(r.rows_affected > 0)
    }

    // ---- silences --------------------------------------------------------------------------------------

    /// A cluster's silences, newest first; `active_at`: only those in force then.
    pub async fn silences(
        &self,
        cluster_id: i64,
        active_at: Option<DateTime<Utc>>,
    ) -> Result<Vec<Silence>, sea_orm::DbErr> {
        let mut q = alert_silence::Entity::find()
            .filter(alert_silence::Column::ClusterId.eq(cluster_id))
            .order_by_desc(alert_silence::Column::Id);
        if let Some(t) = active_at {
            q = q
                .filter(alert_silence::Column::StartsAt.lte(t))
                .filter(alert_silence::Column::EndsAt.gt(t));
        }
        q.all(self.conn()).await
    }

    /// Creates a silence.
    pub async fn create_silence(
        &self,
        cluster_id: i64,
        matchers: &str,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        created_by: &str,
        comment: &str,
    ) -> Result<Silence, sea_orm::DbErr> {
        alert_silence::ActiveModel {
            cluster_id: Set(cluster_id),
            matchers: Set(matchers.to_owned()),
            starts_at: Set(starts_at),
            ends_at: Set(ends_at),
            created_by: Set(created_by.to_owned()),
            comment: Set(comment.to_owned()),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(self.conn())
        .await
    }

    /// Ends a silence now (it stays listed as expired). `None` when the cluster has no such silence.
    pub async fn expire_silence(
        &self,
        cluster_id: i64,
        id: i64,
    ) -> Result<Option<Silence>, sea_orm::DbErr> {
        let Some(s) = alert_silence::Entity::find_by_id(id)
            .filter(alert_silence::Column::ClusterId.eq(cluster_id))
            .one(self.conn())
            .await?
        else {
            return Ok(None);
        };
        let t = now();
        if s.ends_at <= t {
            return Ok(Some(s));
        }
        let mut am = s.into_active_model();
        am.ends_at = Set(t);
        am.update(self.conn()).await.map(Some)
    }

    // ---- ingest ----------------------------------------------------------------------------------------

    /// Stores a new ingest token's hash.
    pub async fn create_ingest_token(
        &self,
        cluster_id: i64,
        name: &str,
        token_hash: &str,
        created_by: &str,
    ) -> Result<IngestToken, sea_orm::DbErr> {
        alert_ingest_token::ActiveModel {
            cluster_id: Set(cluster_id),
            name: Set(name.to_owned()),
            token_hash: Set(token_hash.to_owned()),
            created_by: Set(created_by.to_owned()),
            created_at: Set(now()),
            last_used_at: Set(None),
            ..Default::default()
        }
        .insert(self.conn())
        .await
    }

    /// A cluster's ingest tokens (their hashes are never shown).
    pub async fn ingest_tokens(&self, cluster_id: i64) -> Result<Vec<IngestToken>, sea_orm::DbErr> {
        alert_ingest_token::Entity::find()
            .filter(alert_ingest_token::Column::ClusterId.eq(cluster_id))
            .order_by_asc(alert_ingest_token::Column::Id)
            .all(self.conn())
            .await
    }

    /// Deletes an ingest token; whether the cluster had it.
    pub async fn delete_ingest_token(
        &self,
        cluster_id: i64,
        id: i64,
    ) -> Result<bool, sea_orm::DbErr> {
        let r = alert_ingest_token::Entity::delete_many()
            .filter(alert_ingest_token::Column::ClusterId.eq(cluster_id))
            .filter(alert_ingest_token::Column::Id.eq(id))
            .exec(self.conn())
            .await?;
        Ok(r.rows_affected > 0)
    }

    /// The token with this hash, marked used now.
    pub async fn use_ingest_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<IngestToken>, sea_orm::DbErr> {
        let Some(t) = alert_ingest_token::Entity::find()
            .filter(alert_ingest_token::Column::TokenHash.eq(token_hash))
            .one(self.conn())
            .await?
        else {
            return Ok(None);
        };
        let mut am = t.into_active_model();
        am.last_used_at = Set(Some(now()));
        am.update(self.conn()).await.map(Some)
    }

    /// Records alerts an Alertmanager sent: a firing one updates the open alert with its fingerprint or opens
    /// one; a resolved one resolves the open one (and is dropped when none is open). Returns (opened, resolved).
    pub async fn ingest_alerts(
        &self,
        cluster_id: i64,
        alerts: &[IngestedAlert],
    ) -> Result<(usize, usize), sea_orm::DbErr> {
        let txn = self.begin_write().await?;
        let (mut opened, mut resolved) = (0, 0);
        let t = now();
        for a in alerts {
            let open = alert::Entity::find()
                .filter(alert::Column::ClusterId.eq(cluster_id))
                .filter(alert::Column::Source.eq(source::PROMETHEUS))
                .filter(alert::Column::Fingerprint.eq(a.fingerprint.as_str()))
                .filter(alert::Column::State.eq(state::FIRING))
                .one(&txn)
                .await?;
            match (open, a.ends_at) {
                (Some(o), Some(end)) => {
                    let mut am = o.into_active_model();
                    am.state = Set(state::RESOLVED.to_owned());
                    am.ends_at = Set(Some(end));
                    am.last_evaluated_at = Set(t);
                    am.update(&txn).await?;
                    resolved += 1;
                }
                (Some(o), None) => {
                    let mut am = o.into_active_model();
                    am.annotations = Set(a.annotations.clone());
                    am.last_evaluated_at = Set(t);
                    am.update(&txn).await?;
                }
                (None, Some(_)) => {}
                (None, None) => {
                    alert::ActiveModel {
                        cluster_id: Set(cluster_id),
                        rule: Set(a.rule.clone()),
                        severity: Set(a.severity.clone()),
                        fingerprint: Set(a.fingerprint.clone()),
                        group_key: Set(a.group_key.clone()),
                        namespace: Set(a.namespace.clone()),
                        labels: Set(a.labels.clone()),
                        annotations: Set(a.annotations.clone()),
                        state: Set(state::FIRING.to_owned()),
                        source: Set(source::PROMETHEUS.to_owned()),
                        value: Set(None),
                        active_at: Set(a.starts_at),
                        starts_at: Set(Some(a.starts_at)),
                        ends_at: Set(None),
                        last_evaluated_at: Set(t),
                        acknowledged_by: Set(None),
                        acknowledged_at: Set(None),
                        resolved_by: Set(None),
                        resolved_why: Set(None),
                        held_until_clear: Set(false),
                        silenced_by: Set(None),
                        notified_state: Set(notified::NONE.to_owned()),
                        last_notified_at: Set(None),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                    opened += 1;
                }
            }
        }
        txn.commit().await?;
        Ok((opened, resolved))
    }
}
