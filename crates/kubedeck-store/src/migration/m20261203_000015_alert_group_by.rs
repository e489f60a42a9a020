//! Alert grouping by labels (issue 16): a rule's `group_by`, the labels beside `alertname` and `cluster` whose
//! values split its alerts into notification groups, as Alertmanager's route `group_by`. A JSON array; NULL (every
//! row before this migration) keeps one group per rule and cluster.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("alert_rule_setting"))
                .add_column(text_null(Alias::new("group_by")))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("alert_rule_setting"))
                .drop_column(Alias::new("group_by"))
                .to_owned(),
        )
        .await
    }
}
