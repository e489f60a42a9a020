//! `notify_channel`: where alert notices are sent (webhook, email, DingTalk, WeCom, Feishu, Slack).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notify_channel")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    /// webhook, email, dingtalk, wecom, feishu, slack.
    pub kind: String,
    /// zh-CN or en: the language of its messages.
    pub language: String,
    pub enabled: bool,
    /// JSON array of cluster ids; empty: every cluster.
    #[sea_orm(column_type = "Text")]
    pub cluster_ids: String,
    /// info, warning or critical: notices below it are not sent here.
    pub min_severity: String,
    /// Messages a minute; `None`: no limit.
    pub rate_per_minute: Option<i32>,
    /// The configuration (URL, secrets, SMTP account) as JSON, sealed with the key ring (`v1:<key id>:<base64>`),
    /// bound to `notify_channel:<id>`; never plaintext.
    #[sea_orm(column_type = "Text")]
    pub config: String,
    pub config_key_id: String,
    /// JSON: what may be shown of the configuration (URL host, which secrets are set, SMTP host, recipients).
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
