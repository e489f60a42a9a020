//! `notify_delivery_alert`: which alerts a delivery carried (an alert's delivery log reads it).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notify_delivery_alert")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub delivery_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub alert_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
