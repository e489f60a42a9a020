//! Notification channels and their deliveries (issue 16): the channel table with its sealed configuration, and
//! the delivery table, which is both the outbox the delivery loop works through and the log an operator reads.

use crate::entity::{notify_channel, notify_delivery, notify_delivery_alert};
use crate::{PageRequest, Paged, Store};
use chrono::{DateTime, Utc};
use kubedeck_core::credential::{CredentialError, KeyRing};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};

pub use crate::entity::notify_channel::Model as Channel;
pub use crate::entity::notify_delivery::Model as Delivery;

/// Delivery states.
pub mod status {
    /// Waiting for the delivery loop (first attempt, a retry after backoff, or held back by the rate limit).
    pub const QUEUED: &str = "queued";
    /// Claimed by a replica that is sending it now.
    pub const SENDING: &str = "sending";
    /// The receiver accepted it.
    pub const SENT: &str = "sent";
    /// Every attempt failed.
    pub const FAILED: &str = "failed";
    /// Merged into a digest (`digest_id`) because the channel's rate limit was reached.
    pub const DIGESTED: &str = "digested";
}

/// Why a delivery exists.
pub mod purpose {
    /// A notice from the alert engine.
    pub const ALERT: &str = "alert";
    /// Notices merged while the channel's rate limit was reached.
    pub const DIGEST: &str = "digest";
    /// The "send test" button.
    pub const TEST: &str = "test";
}

fn row_binding(id: i64) -> String {
    format!("notify_channel:{id}")
}

/// A channel as created or edited (the configuration in plaintext JSON; sealed before it touches the database).
#[derive(Debug, Clone)]
pub struct ChannelFields {
    /// Unique name.
    pub name: String,
    /// webhook, email, dingtalk, wecom, feishu, slack.
    pub kind: String,
    /// zh-CN or en.
    pub language: String,
    /// Whether notices are queued for it.
    pub enabled: bool,
    /// Only these clusters (empty: every cluster).
    pub cluster_ids: Vec<i64>,
    /// info, warning, critical.
    pub min_severity: String,
    /// Messages a minute (`None`: no limit).
    pub rate_per_minute: Option<i32>,
    /// The configuration, JSON (secrets included).
    pub config_json: String,
    /// What may be shown of it, JSON.
    pub summary_json: String,
}

/// A delivery to queue.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// The channel.
    pub channel_id: i64,
    /// [`purpose`].
    pub purpose: &'static str,
    /// The alert group.
    pub group_key: String,
    /// The cluster of the alerts.
    pub cluster_id: Option<i64>,
    /// The notice as JSON.
    pub notice_json: String,
    /// The alerts it carries.
    pub alert_ids: Vec<i64>,
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub enum AttemptOutcome {
    /// Accepted by the receiver.
    Sent {
        /// The HTTP status (None for email).
        http_status: Option<i32>,
    },
    /// Failed; retried at `retry_at`, or given up when `None`.
    Failed {
        /// The HTTP status, when there was a response.
        http_status: Option<i32>,
        /// Why (no secrets).
        error: String,
        /// When to try again; `None`: no more attempts.
        retry_at: Option<DateTime<Utc>>,
    },
}

impl Store {
    /// Stores a channel, sealing its configuration bound to the new row's id.
    pub async fn insert_notify_channel(
        &self,
        f: &ChannelFields,
        created_by: &str,
        ring: &KeyRing,
    ) -> Result<Channel, sea_orm::DbErr> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let row = notify_channel::ActiveModel {
            name: Set(f.name.clone()),
            kind: Set(f.kind.clone()),
            language: Set(f.language.clone()),
            enabled: Set(f.enabled),
            cluster_ids: Set(serde_json::to_string(&f.cluster_ids).expect("ids")),
            min_severity: Set(f.min_severity.clone()),
            rate_per_minute: Set(f.rate_per_minute),
            config: Set(String::new()),
            config_key_id: Set(String::new()),
            summary: Set(f.summary_json.clone()),
            created_by: Set(created_by.to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut am: notify_channel::ActiveModel = row.clone().into();
        am.config = Set(ring.seal(f.config_json.as_bytes(), &row_binding(row.id)));
        am.config_key_id = Set(ring.active_key_id().to_owned());
        let row = am.update(&txn).await?;
        txn.commit().await?;
        Ok(row)
    }

    /// Replaces a channel's fields and configuration. `None` when it does not exist.
    pub async fn update_notify_channel(
        &self,
        id: i64,
        f: &ChannelFields,
        ring: &KeyRing,
    ) -> Result<Option<Channel>, sea_orm::DbErr> {
        let Some(row) = notify_channel::Entity::find_by_id(id)
            .one(self.conn())
            .await?
        else {
            return Ok(None);
        };
        let mut am: notify_channel::ActiveModel = row.into();
        am.name = Set(f.name.clone());
        am.kind = Set(f.kind.clone());
        am.language = Set(f.language.clone());
        am.enabled = Set(f.enabled);
        am.cluster_ids = Set(serde_json::to_string(&f.cluster_ids).expect("ids"));
        am.min_severity = Set(f.min_severity.clone());
        am.rate_per_minute = Set(f.rate_per_minute);
        am.config = Set(ring.seal(f.config_json.as_bytes(), &row_binding(id)));
        am.config_key_id = Set(ring.active_key_id().to_owned());
        am.summary = Set(f.summary_json.clone());
        am.updated_at = Set(Utc::now());
        Ok(Some(am.update(self.conn()).await?))
    }

    /// Deletes a channel and its delivery log. Returns whether it existed.
    pub async fn delete_notify_channel(&self, id: i64) -> Result<bool, sea_orm::DbErr> {
        let txn = self.begin_write().await?;
        let ids: Vec<i64> = notify_delivery::Entity::find()
            .select_only()
            .column(notify_delivery::Column::Id)
            .filter(notify_delivery::Column::ChannelId.eq(id))
            .into_tuple()
            .all(&txn)
            .await?;
        for chunk in ids.chunks(500) {
            notify_delivery_alert::Entity::delete_many()
                .filter(notify_delivery_alert::Column::DeliveryId.is_in(chunk.to_vec()))
                .exec(&txn)
                .await?;
        }
        notify_delivery::Entity::delete_many()
            .filter(notify_delivery::Column::ChannelId.eq(id))
            .exec(&txn)
            .await?;
        let gone = notify_channel::Entity::delete_by_id(id)
            .exec(&txn)
            .await?
            .rows_affected
            > 0;
        txn.commit().await?;
        Ok(gone)
    }

    /// One channel.
    pub async fn find_notify_channel(&self, id: i64) -> Result<Option<Channel>, sea_orm::DbErr> {
        notify_channel::Entity::find_by_id(id)
            .one(self.conn())
            .await
    }

    /// One channel by name.
    pub async fn find_notify_channel_by_name(
        &self,
        name: &str,
    ) -> Result<Option<Channel>, sea_orm::DbErr> {
        notify_channel::Entity::find()
            .filter(notify_channel::Column::Name.eq(name))
            .one(self.conn())
            .await
    }

    /// Every channel, by name.
    pub async fn list_notify_channels(&self) -> Result<Vec<Channel>, sea_orm::DbErr> {
        notify_channel::Entity::find()
            .order_by_asc(notify_channel::Column::Name)
            .all(self.conn())
            .await
    }

    /// The enabled channels (the ones notices are queued for).
    pub async fn enabled_notify_channels(&self) -> Result<Vec<Channel>, sea_orm::DbErr> {
        notify_channel::Entity::find()
            .filter(notify_channel::Column::Enabled.eq(true))
            .order_by_asc(notify_channel::Column::Id)
            .all(self.conn())
            .await
    }

    /// Opens a channel's configuration (JSON).
    pub fn open_notify_config(
        &self,
        channel: &Channel,
        ring: &KeyRing,
    ) -> Result<String, CredentialError> {
        let bytes = ring.open(&channel.config, &row_binding(channel.id))?;
        String::from_utf8(bytes).map_err(|_| CredentialError::Malformed)
    }

    /// Re-seals every channel configuration with the ring's active key (key rotation). Returns how many rows.
    pub async fn reseal_notify_configs(
        &self,
        ring: &KeyRing,
    ) -> Result<Result<u64, (i64, CredentialError)>, sea_orm::DbErr> {
        let mut count = 0;
        for row in self.list_notify_channels().await? {
            if row.config_key_id == ring.active_key_id() {
                continue;
            }
            let plain = match ring.open(&row.config, &row_binding(row.id)) {
                Ok(p) => p,
                Err(e) => return Ok(Err((row.id, e))),
            };
            let res = notify_channel::Entity::update_many()
                .col_expr(
                    notify_channel::Column::Config,
                    Expr::value(ring.seal(&plain, &row_binding(row.id))),
                )
                .col_expr(
                    notify_channel::Column::ConfigKeyId,
                    Expr::value(ring.active_key_id().to_owned()),
                )
                .filter(notify_channel::Column::Id.eq(row.id))
                .filter(notify_channel::Column::Config.eq(row.config.clone()))
                .exec(self.conn())
                .await?;
            count += res.rows_affected;
        }
        Ok(Ok(count))
    }

    /// Key ids still in use by channel configurations (a key rotation must not prune them).
    pub async fn notify_config_key_ids_in_use(&self) -> Result<Vec<String>, sea_orm::DbErr> {
        let mut ids: Vec<String> = self
            .list_notify_channels()
            .await?
            .into_iter()
            .map(|c| c.config_key_id)
            .collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// Queues deliveries (one transaction); returns their ids.
    pub async fn queue_deliveries(
        &self,
        deliveries: &[NewDelivery],
    ) -> Result<Vec<i64>, sea_orm::DbErr> {
        if deliveries.is_empty() {
            return Ok(Vec::new());
        }
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let mut ids = Vec::with_capacity(deliveries.len());
        for d in deliveries {
            let id = insert_delivery(&txn, d, status::QUEUED, now).await?;
            ids.push(id);
        }
        txn.commit().await?;
        Ok(ids)
    }

    /// Records a delivery that is being sent right now by this replica ("send test", or a digest): it starts in
    /// `sending`, claimed by `replica` until `claimed_until`.
    pub async fn start_delivery(
        &self,
        d: &NewDelivery,
        replica: &str,
        claimed_until: DateTime<Utc>,
    ) -> Result<i64, sea_orm::DbErr> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let id = insert_delivery(&txn, d, status::SENDING, now).await?;
        notify_delivery::Entity::update_many()
            .col_expr(
                notify_delivery::Column::ClaimedBy,
                Expr::value(replica.to_owned()),
            )
            .col_expr(
                notify_delivery::Column::ClaimedUntil,
                Expr::value(claimed_until),
            )
            .filter(notify_delivery::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Claims up to `limit` due deliveries for `replica` until `claimed_until`: queued ones whose time has come,
    /// and ones left `sending` by a replica whose claim lapsed. Each row is taken with a guarded UPDATE, so two
    /// replicas never send the same row. Oldest first.
    pub async fn claim_due_deliveries(
        &self,
        replica: &str,
        now: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Delivery>, sea_orm::DbErr> {
        let candidates = notify_delivery::Entity::find()
            .filter(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(notify_delivery::Column::Status.eq(status::QUEUED))
                            .add(notify_delivery::Column::NextAttemptAt.lte(now)),
                    )
                    .add(
                        Condition::all()
                            .add(notify_delivery::Column::Status.eq(status::SENDING))
                            .add(notify_delivery::Column::ClaimedUntil.lt(now)),
                    ),
            )
            .order_by_asc(notify_delivery::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await?;
        let mut claimed = Vec::with_capacity(candidates.len());
        for row in candidates {
            let mut guard = notify_delivery::Entity::update_many()
                .col_expr(
                    notify_delivery::Column::Status,
                    Expr::value(status::SENDING),
                )
                .col_expr(
                    notify_delivery::Column::ClaimedBy,
                    Expr::value(replica.to_owned()),
                )
                .col_expr(
                    notify_delivery::Column::ClaimedUntil,
                    Expr::value(claimed_until),
                )
                .filter(notify_delivery::Column::Id.eq(row.id))
                .filter(notify_delivery::Column::Status.eq(row.status.clone()));
            if let Some(until) = row.claimed_until {
                guard = guard.filter(notify_delivery::Column::ClaimedUntil.eq(until));
            }
            if guard.exec(self.conn()).await?.rows_affected == 1 {
                claimed.push(Delivery {
                    status: status::SENDING.into(),
                    claimed_by: Some(replica.to_owned()),
                    claimed_until: Some(claimed_until),
                    ..row
                });
            }
        }
        Ok(claimed)
    }

    /// Gives a claimed delivery back to the queue without an attempt, held back by the rate limit until `until`.
    pub async fn hold_back_delivery(
        &self,
        id: i64,
        until: DateTime<Utc>,
    ) -> Result<(), sea_orm::DbErr> {
        notify_delivery::Entity::update_many()
            .col_expr(notify_delivery::Column::Status, Expr::value(status::QUEUED))
            .col_expr(notify_delivery::Column::Throttled, Expr::value(true))
            .col_expr(notify_delivery::Column::NextAttemptAt, Expr::value(until))
            .col_expr(
                notify_delivery::Column::ClaimedBy,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                notify_delivery::Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(notify_delivery::Column::Id.eq(id))
            .filter(notify_delivery::Column::Status.eq(status::SENDING))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    /// Marks claimed deliveries as merged into digest `digest_id`.
    pub async fn mark_digested(&self, ids: &[i64], digest_id: i64) -> Result<(), sea_orm::DbErr> {
        for chunk in ids.chunks(500) {
            notify_delivery::Entity::update_many()
                .col_expr(
                    notify_delivery::Column::Status,
                    Expr::value(status::DIGESTED),
                )
                .col_expr(notify_delivery::Column::DigestId, Expr::value(digest_id))
                .col_expr(
                    notify_delivery::Column::ClaimedBy,
                    Expr::value(Option::<String>::None),
                )
                .col_expr(
                    notify_delivery::Column::ClaimedUntil,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .filter(notify_delivery::Column::Id.is_in(chunk.to_vec()))
                .exec(self.conn())
                .await?;
        }
        Ok(())
    }

    /// Records one attempt at a delivery.
    pub async fn record_attempt(
        &self,
        id: i64,
        at: DateTime<Utc>,
        outcome: &AttemptOutcome,
    ) -> Result<(), sea_orm::DbErr> {
        let mut q = notify_delivery::Entity::update_many()
            .col_expr(
                notify_delivery::Column::Attempts,
                Expr::col(notify_delivery::Column::Attempts).add(1),
            )
            .col_expr(notify_delivery::Column::LastAttemptAt, Expr::value(at))
            .col_expr(
                notify_delivery::Column::ClaimedBy,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                notify_delivery::Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        q = match outcome {
            AttemptOutcome::Sent { http_status } => q
                .col_expr(notify_delivery::Column::Status, Expr::value(status::SENT))
                .col_expr(
                    notify_delivery::Column::HttpStatus,
                    Expr::value(*http_status),
                )
                .col_expr(notify_delivery::Column::SentAt, Expr::value(at)),
            AttemptOutcome::Failed {
                http_status,
                error,
                retry_at,
            } => {
                let q = q
                    .col_expr(
                        notify_delivery::Column::HttpStatus,
                        Expr::value(*http_status),
                    )
                    .col_expr(
                        notify_delivery::Column::LastError,
                        Expr::value(error.clone()),
                    );
                match retry_at {
                    Some(when) => q
                        .col_expr(notify_delivery::Column::Status, Expr::value(status::QUEUED))
                        .col_expr(notify_delivery::Column::NextAttemptAt, Expr::value(*when)),
                    None => {
                        q.col_expr(notify_delivery::Column::Status, Expr::value(status::FAILED))
                    }
                }
            }
        };
        q.filter(notify_delivery::Column::Id.eq(id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    /// Messages a channel was sent since `since` (attempts, failed ones included: the receiver counted them).
    pub async fn channel_attempts_since(
        &self,
        channel_id: i64,
        since: DateTime<Utc>,
    ) -> Result<u64, sea_orm::DbErr> {
        notify_delivery::Entity::find()
            .filter(notify_delivery::Column::ChannelId.eq(channel_id))
            .filter(notify_delivery::Column::LastAttemptAt.gte(since))
            .count(self.conn())
            .await
    }

    /// When the channel's oldest attempt since `since` was made: the window frees its first slot one window after.
    pub async fn channel_first_attempt_since(
        &self,
        channel_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
        Ok(notify_delivery::Entity::find()
            .filter(notify_delivery::Column::ChannelId.eq(channel_id))
            .filter(notify_delivery::Column::LastAttemptAt.gte(since))
            .order_by_asc(notify_delivery::Column::LastAttemptAt)
            .one(self.conn())
            .await?
            .and_then(|d| d.last_attempt_at))
    }

    /// Deletes finished deliveries (sent, failed, digested) queued before `before`, at most `limit` of them;
    /// returns how many. Queued ones are kept whatever their age: they are still to be sent.
    pub async fn prune_deliveries(
        &self,
        before: DateTime<Utc>,
        limit: u64,
    ) -> Result<u64, sea_orm::DbErr> {
        let ids: Vec<i64> = notify_delivery::Entity::find()
            .select_only()
            .column(notify_delivery::Column::Id)
            .filter(notify_delivery::Column::CreatedAt.lt(before))
            .filter(notify_delivery::Column::Status.is_in([
                status::SENT,
                status::FAILED,
                status::DIGESTED,
            ]))
            .order_by_asc(notify_delivery::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(self.conn())
            .await?;
        if ids.is_empty() {
            return Ok(0);
        }
        // a digest goes only with the rows it carried (they point at it), so it is never left dangling
        let txn = self.begin_write().await?;
        let mut removed = 0;
        for chunk in ids.chunks(500) {
            notify_delivery_alert::Entity::delete_many()
                .filter(notify_delivery_alert::Column::DeliveryId.is_in(chunk.to_vec()))
                .exec(&txn)
                .await?;
            removed += notify_delivery::Entity::delete_many()
                .filter(notify_delivery::Column::Id.is_in(chunk.to_vec()))
                .exec(&txn)
                .await?
                .rows_affected;
        }
        txn.commit().await?;
        Ok(removed)
    }

    /// One delivery.
    pub async fn find_delivery(&self, id: i64) -> Result<Option<Delivery>, sea_orm::DbErr> {
        notify_delivery::Entity::find_by_id(id)
            .one(self.conn())
            .await
    }

    /// A channel's delivery log, newest first.
    pub async fn list_channel_deliveries(
        &self,
        channel_id: i64,
        page: PageRequest,
    ) -> Result<Paged<Delivery>, sea_orm::DbErr> {
        let q = notify_delivery::Entity::find()
            .filter(notify_delivery::Column::ChannelId.eq(channel_id))
            .order_by_desc(notify_delivery::Column::Id);
        let total = q.clone().count(self.conn()).await?;
        let items = q
            .offset((Ord::max(page.page, 1) - 1) * page.page_size)
            .limit(page.page_size)
            .all(self.conn())
            .await?;
        Ok(Paged { items, total })
    }

    /// The deliveries that carried alert `alert_id` of cluster `cluster_id` (digests included), newest first.
    pub async fn list_alert_deliveries(
        &self,
        cluster_id: i64,
        alert_id: i64,
    ) -> Result<Vec<Delivery>, sea_orm::DbErr> {
        let ids: Vec<i64> = notify_delivery_alert::Entity::find()
            .select_only()
            .column(notify_delivery_alert::Column::DeliveryId)
            .filter(notify_delivery_alert::Column::AlertId.eq(alert_id))
            .into_tuple()
            .all(self.conn())
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            out.extend(
                notify_delivery::Entity::find()
                    .filter(notify_delivery::Column::Id.is_in(chunk.to_vec()))
                    .filter(notify_delivery::Column::ClusterId.eq(cluster_id))
                    .all(self.conn())
                    .await?,
            );
        }
        // the digests its rows were merged into carried it too
        let digests: Vec<i64> = out.iter().filter_map(|d| d.digest_id).collect();
        for chunk in digests.chunks(500) {
            out.extend(
                notify_delivery::Entity::find()
                    .filter(notify_delivery::Column::Id.is_in(chunk.to_vec()))
                    .all(self.conn())
                    .await?,
            );
        }
        out.sort_by_key(|d| std::cmp::Reverse(d.id));
        out.dedup_by_key(|d| d.id);
        Ok(out)
    }
}

async fn insert_delivery<C: sea_orm::ConnectionTrait>(
    db: &C,
    d: &NewDelivery,
    state: &str,
    now: DateTime<Utc>,
) -> Result<i64, sea_orm::DbErr> {
    let row = notify_delivery::ActiveModel {
        channel_id: Set(d.channel_id),
        purpose: Set(d.purpose.to_owned()),
        group_key: Set(d.group_key.clone()),
        cluster_id: Set(d.cluster_id),
        notice: Set(d.notice_json.clone()),
        status: Set(state.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_attempt_at: Set(None),
        throttled: Set(false),
        claimed_by: Set(None),
        claimed_until: Set(None),
        last_error: Set(None),
        http_status: Set(None),
        sent_at: Set(None),
        digest_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let mut alert_ids = d.alert_ids.clone();
    alert_ids.sort_unstable();
    alert_ids.dedup();
    if !alert_ids.is_empty() {
        for chunk in alert_ids.chunks(500) {
            notify_delivery_alert::Entity::insert_many(chunk.iter().map(|a| {
                notify_delivery_alert::ActiveModel {
                    delivery_id: Set(row.id),
                    alert_id: Set(*a),
                }
            }))
            .exec_without_returning(db)
            .await?;
        }
    }
    Ok(row.id)
}
