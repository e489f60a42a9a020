//! Application backup schedules (issue 18): a cluster's cron schedules of backups, unique by name per cluster.
//! One replica runs them: a due run is claimed by moving `last_scheduled_at` from the value read to the run's
//! time, which only one replica's update can do.

use crate::Store;
use crate::entity::app_backup_schedule;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, sea_query::Expr,
};

pub use crate::entity::app_backup_schedule::Model as AppBackupSchedule;

/// What a schedule says (create and replace).
#[derive(Debug, Clone)]
pub struct ScheduleFields {
    pub name: String,
    pub namespaces: Vec<String>,
    pub label_selector: Option<String>,
    pub schedule: String,
    pub keep_count: Option<i32>,
    pub keep_days: Option<i32>,
    pub enabled: bool,
}

impl Store {
    /// Records a schedule; `Ok(None)` when the cluster has one of that name.
    pub async fn create_app_backup_schedule(
        &self,
        cluster_id: i64,
        f: &ScheduleFields,
        who: &str,
    ) -> Result<Option<AppBackupSchedule>, sea_orm::DbErr> {
        if self.find_app_backup_schedule_by_name(cluster_id, &f.name).await?.is_some() {
            return Ok(None);
        }
        let now = Utc::now();
        let row = app_backup_schedule::ActiveModel {
            cluster_id: Set(cluster_id),
            name: Set(f.name.clone()),
            namespaces: Set(serde_json::to_string(&f.namespaces).unwrap_or_else(|_| "[]".into())),
            label_selector: Set(f.label_selector.clone()),
            schedule: Set(f.schedule.clone()),
            keep_count: Set(f.keep_count),
            keep_days: Set(f.keep_days),
            enabled: Set(f.enabled),
            last_scheduled_at: Set(None),
            created_by: Set(who.to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        match row.insert(self.conn()).await {
            Ok(r) => Ok(Some(r)),
            // two creators raced past the look-up: the unique index decides
            Err(e) if self.find_app_backup_schedule_by_name(cluster_id, &f.name).await?.is_some() => {
                tracing::debug!("schedule name taken meanwhile: {e}");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    async fn find_app_backup_schedule_by_name(
        &self,
        cluster_id: i64,
        name: &str,
    ) -> Result<Option<AppBackupSchedule>, sea_orm::DbErr> {
        app_backup_schedule::Entity::find()
            .filter(app_backup_schedule::Column::ClusterId.eq(cluster_id))
            .filter(app_backup_schedule::Column::Name.eq(name))
            .one(self.conn())
            .await
    }

    /// Replaces a schedule's fields; `Ok(None)` when it does not exist, `Err` on a name another schedule has
    /// (reported by the caller, who checks first).
    pub async fn update_app_backup_schedule(
        &self,
        cluster_id: i64,
        id: i64,
        f: &ScheduleFields,
    ) -> Result<Option<AppBackupSchedule>, sea_orm::DbErr> {
        let Some(old) = self.find_app_backup_schedule(cluster_id, id).await? else {
            return Ok(None);
        };
        let mut row: app_backup_schedule::ActiveModel = old.into();
        row.name = Set(f.name.clone());
        row.namespaces = Set(serde_json::to_string(&f.namespaces).unwrap_or_else(|_| "[]".into()));
        row.label_selector = Set(f.label_selector.clone());
        row.schedule = Set(f.schedule.clone());
        row.keep_count = Set(f.keep_count);
        row.keep_days = Set(f.keep_days);
        row.enabled = Set(f.enabled);
        row.updated_at = Set(Utc::now());
        row.update(self.conn()).await.map(Some)
    }

    /// Whether another schedule of the cluster has this name.
    pub async fn app_backup_schedule_name_taken(
        &self,
        cluster_id: i64,
        name: &str,
        except: Option<i64>,
    ) -> Result<bool, sea_orm::DbErr> {
        Ok(self
            .find_app_backup_schedule_by_name(cluster_id, name)
            .await?
            .is_some_and(|s| Some(s.id) != except))
    }

    pub async fn find_app_backup_schedule(
        &self,
        cluster_id: i64,
        id: i64,
    ) -> Result<Option<AppBackupSchedule>, sea_orm::DbErr> {
        app_backup_schedule::Entity::find_by_id(id)
            .filter(app_backup_schedule::Column::ClusterId.eq(cluster_id))
            .one(self.conn())
            .await
    }

    /// A cluster's schedules by name.
    pub async fn list_app_backup_schedules(
        &self,
        cluster_id: i64,
    ) -> Result<Vec<AppBackupSchedule>, sea_orm::DbErr> {
        app_backup_schedule::Entity::find()
            .filter(app_backup_schedule::Column::ClusterId.eq(cluster_id))
            .order_by_asc(app_backup_schedule::Column::Name)
            .all(self.conn())
            .await
    }

    /// Deletes a schedule (its backups stay, no longer counted by any retention); whether there was one.
    pub async fn delete_app_backup_schedule(&self, cluster_id: i64, id: i64) -> Result<bool, sea_orm::DbErr> {
        let r = app_backup_schedule::Entity::delete_many()
            .filter(app_backup_schedule::Column::Id.eq(id))
            .filter(app_backup_schedule::Column::ClusterId.eq(cluster_id))
            .exec(self.conn())
            .await?;
        Ok(r.rows_affected > 0)
    }

    /// Every enabled schedule of every cluster.
    pub async fn enabled_app_backup_schedules(&self) -> Result<Vec<AppBackupSchedule>, sea_orm::DbErr> {
        app_backup_schedule::Entity::find()
            .filter(app_backup_schedule::Column::Enabled.eq(true))
            .order_by_asc(app_backup_schedule::Column::Id)
            .all(self.conn())
            .await
    }

    /// Records that the run due at `at` was started, unless another replica recorded it first (then false).
    pub async fn claim_app_backup_run(
        &self,
        id: i64,
        previous: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<bool, sea_orm::DbErr> {
        let mut q = app_backup_schedule::Entity::update_many()
            .col_expr(app_backup_schedule::Column::LastScheduledAt, Expr::value(at))
            .filter(app_backup_schedule::Column::Id.eq(id));
        q = match previous {
            Some(p) => q.filter(app_backup_schedule::Column::LastScheduledAt.eq(p)),
            None => q.filter(app_backup_schedule::Column::LastScheduledAt.is_null()),
        };
        Ok(q.exec(self.conn()).await?.rows_affected == 1)
    }
}
