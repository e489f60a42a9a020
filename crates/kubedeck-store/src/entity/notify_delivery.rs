//! `notify_delivery`: the outbox and the delivery log in one; each row is one message to one channel.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notify_delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel_id: i64,
    /// alert (a notice from the alert engine), digest (notices merged when the rate limit was reached) or test.
    pub purpose: String,
    #[sea_orm(column_type = "Text")]
    pub group_key: String,
    pub cluster_id: Option<i64>,
    /// The notice as JSON; a digest holds the notices it merged (a JSON array).
    #[sea_orm(column_type = "Text")]
    pub notice: String,
    /// queued, sending, sent, failed, digested.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub last_attempt_at: Option<DateTimeUtc>,
    /// Held back because the channel's rate limit was reached: it goes out in the next digest.
    pub throttled: bool,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<DateTimeUtc>,
    /// Why the last attempt failed (URLs without their query strings; never a secret).
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub http_status: Option<i32>,
    pub sent_at: Option<DateTimeUtc>,
    /// For a digested row: the digest delivery that carried it.
    pub digest_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
