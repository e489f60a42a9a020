//! A linked Prometheus's own certificate authority (issue 16): the PEM of the CA(s) that sign its TLS
//! certificate, trusted for that link only, so a Prometheus behind a private CA is verified rather than reached
//! with verification skipped. NULL: the machine's trust store.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("prometheus_link"))
                .add_column(text_null(Alias::new("ca_pem")))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Alias::new("prometheus_link"))
                .drop_column(Alias::new("ca_pem"))
                .to_owned(),
        )
        .await
    }
}
