//! Maintenance (issue 18): a cluster's maintenance windows, the application windows of its namespaces and
//! workloads, and its policy for changes outside them.
//!
//! A window's state moves only by guarded UPDATEs (`... WHERE state = 'scheduled'`): when several replicas run
//! the maintenance loop, exactly one sees its UPDATE take, and only that one announces the start or the end.

use crate::Store;
use crate::entity::{app_maintenance_window, cluster_maintenance, maintenance_policy};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
};

pub use crate::entity::app_maintenance_window::Model as AppWindow;
pub use crate::entity::cluster_maintenance::Model as ClusterMaintenance;
pub use crate::entity::maintenance_policy::Model as MaintenancePolicy;

/// A cluster maintenance window's states.
pub mod state {
    /// Created, its start not reached (or not yet announced).
    pub const SCHEDULED: &str = "scheduled";
    /// Started and announced.
    pub const ACTIVE: &str = "active";
    /// Ended (on time or early) and announced.
    pub const ENDED: &str = "ended";
    /// Called off before it started.
    pub const CANCELLED: &str = "cancelled";
}

/// A new cluster maintenance window.
#[derive(Debug, Clone)]
pub struct NewMaintenance {
    pub cluster_id: i64,
    pub reason: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: String,
}

/// A new application window.
#[derive(Debug, Clone)]
pub struct NewAppWindow {
    pub cluster_id: i64,
    pub namespace: String,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub schedule: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub duration_secs: i64,
    pub reason: String,
    pub created_by: String,
}

/// What ending a window did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// It was active: it is ended now (announce it).
    Ended(ClusterMaintenance),
    /// It had not started: it is cancelled.
    Cancelled(ClusterMaintenance),
    /// It was over already (ended or cancelled): nothing changed.
    AlreadyOver(ClusterMaintenance),
}

impl Store {
    // ---- cluster maintenance -----------------------------------------------------------------------------

    /// A cluster's maintenance windows, the latest start first.
    pub async fn maintenance_windows(
        &self,
        cluster_id: i64,
    ) -> Result<Vec<ClusterMaintenance>, sea_orm::DbErr> {
        cluster_maintenance::Entity::find()
            .filter(cluster_maintenance::Column::ClusterId.eq(cluster_id))
            .order_by_desc(cluster_maintenance::Column::StartsAt)
            .order_by_desc(cluster_maintenance::Column::Id)
            .all(self.conn())
            .await
    }

    /// One of a cluster's maintenance windows.
    pub async fn find_maintenance(
        &self,
        cluster_id: i64,
        id: i64,
    ) -> Result<Option<ClusterMaintenance>, sea_orm::DbErr> {
        cluster_maintenance::Entity::find_by_id(id)
            .filter(cluster_maintenance::Column::ClusterId.eq(cluster_id))
            .one(self.conn())
            .await
    }

    /// The window in force on a cluster at `now`: not ended or cancelled, started, not past its end. Read by
    /// time rather than by state, so writes are refused from the first second even before the loop announced it.
    pub async fn maintenance_in_force(
        &self,
        cluster_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<ClusterMaintenance>, sea_orm::DbErr> {
        cluster_maintenance::Entity::find()
            .filter(cluster_maintenance::Column::ClusterId.eq(cluster_id))
            .filter(cluster_maintenance::Column::State.is_in([state::SCHEDULED, state::ACTIVE]))
            .filter(cluster_maintenance::Column::StartsAt.lte(now))
            .filter(cluster_maintenance::Column::EndsAt.gt(now))
            .order_by_asc(cluster_maintenance::Column::StartsAt)
            .one(self.conn())
            .await
    }

    /// Every cluster with a window in force at `now` and that window's end (for each replica's cache).
    pub async fn clusters_in_maintenance(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ClusterMaintenance>, sea_orm::DbErr> {
        cluster_maintenance::Entity::find()
            .filter(cluster_maintenance::Column::State.is_in([state::SCHEDULED, state::ACTIVE]))
            .filter(cluster_maintenance::Column::StartsAt.lte(now))
            .filter(cluster_maintenance::Column::EndsAt.gt(now))
            .all(self.conn())
            .await
    }

    /// Scheduled or active windows of a cluster that overlap `[starts_at, ends_at)`, other than `except`.
    pub async fn overlapping_maintenance(
        &self,
        cluster_id: i64,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        except: Option<i64>,
    ) -> Result<Option<ClusterMaintenance>, sea_orm::DbErr> {
        let mut q = cluster_maintenance::Entity::find()
            .filter(cluster_maintenance::Column::ClusterId.eq(cluster_id))
            .filter(cluster_maintenance::Column::State.is_in([state::SCHEDULED, state::ACTIVE]))
            .filter(cluster_maintenance::Column::StartsAt.lt(ends_at))
            .filter(cluster_maintenance::Column::EndsAt.gt(starts_at));
        if let Some(id) = except {
            q = q.filter(cluster_maintenance::Column::Id.ne(id));
        }
        q.one(self.conn()).await
    }

    /// Records a new window (scheduled; the loop, or the caller for "start now", starts it).
    pub async fn create_maintenance(
        &self,
        new: NewMaintenance,
    ) -> Result<ClusterMaintenance, sea_orm::DbErr> {
        cluster_maintenance::ActiveModel {
            cluster_id: Set(new.cluster_id),
            reason: Set(new.reason),
            starts_at: Set(new.starts_at),
            ends_at: Set(new.ends_at),
            state: Set(state::SCHEDULED.into()),
            created_by: Set(new.created_by),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(self.conn())
        .await
    }

    /// Changes a window that is not over: reason and end always, the start only while it is scheduled.
    /// `None` when it is over (or gone) by the time of the UPDATE.
    pub async fn update_maintenance(
        &self,
        cluster_id: i64,
        id: i64,
        reason: &str,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    ) -> Result<Option<ClusterMaintenance>, sea_orm::DbErr> {
        let scheduled = cluster_maintenance::Entity::update_many()
            .col_expr(cluster_maintenance::Column::Reason, Expr::value(reason))
            .col_expr(
                cluster_maintenance::Column::StartsAt,
                Expr::value(starts_at),
            )
            .col_expr(cluster_maintenance::Column::EndsAt, Expr::value(ends_at))
            .filter(cluster_maintenance::Column::Id.eq(id))
            .filter(cluster_maintenance::Column::ClusterId.eq(cluster_id))
            .filter(cluster_maintenance::Column::State.eq(state::SCHEDULED))
            .exec(self.conn())
            .await?;
        if scheduled.rows_affected == 0 {
            let active = cluster_maintenance::Entity::update_many()
                .col_expr(cluster_maintenance::Column::Reason, Expr::value(reason))
                .col_expr(cluster_maintenance::Column::EndsAt, Expr::value(ends_at))
                .filter(cluster_maintenance::Column::Id.eq(id))
                .filter(cluster_maintenance::Column::ClusterId.eq(cluster_id))
                .filter(cluster_maintenance::Column::State.eq(state::ACTIVE))
                .exec(self.conn())
                .await?;
            if active.rows_affected == 0 {
                return Ok(None);
            }
        }
        self.find_maintenance(cluster_id, id).await
    }

    /// Moves a scheduled window whose start has come to active. `true` for the one caller whose UPDATE took:
    /// that caller announces it.
    pub async fn claim_maintenance_start(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, sea_orm::DbErr> {
        let r = cluster_maintenance::Entity::update_many()
            .col_expr(
                cluster_maintenance::Column::State,
                Expr::value(state::ACTIVE),
            )
            .col_expr(cluster_maintenance::Column::StartedAt, Expr::value(now))
            .filter(cluster_maintenance::Column::Id.eq(id))
            .filter(cluster_maintenance::Column::State.eq(state::SCHEDULED))
            .filter(cluster_maintenance::Column::StartsAt.lte(now))
            .exec(self.conn())
            .await?;
        Ok(r.rows_affected == 1)
    }

    /// Moves an active window whose end has come to ended. `true` for the one caller whose UPDATE took.
    pub async fn claim_maintenance_end(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, sea_orm::DbErr> {
        let r = cluster_maintenance::Entity::update_many()
            .col_expr(
                cluster_maintenance::Column::State,
                Expr::value(state::ENDED),
            )
            .col_expr(cluster_maintenance::Column::EndedAt, Expr::value(now))
            .filter(cluster_maintenance::Column::Id.eq(id))
            .filter(cluster_maintenance::Column::State.eq(state::ACTIVE))
            .filter(cluster_maintenance::Column::EndsAt.lte(now))
            .exec(self.conn())
            .await?;
        Ok(r.rows_affected == 1)
    }

    /// Windows whose start or end has come and that have not been moved yet: scheduled ones started, active
    /// ones ended, across every cluster.
    pub async fn maintenance_due(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ClusterMaintenance>, sea_orm::DbErr> {
        cluster_maintenance::Entity::find()
            .filter(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(cluster_maintenance::Column::State.eq(state::SCHEDULED))
                            .add(cluster_maintenance::Column::StartsAt.lte(now)),
                    )
                    .add(
                        Condition::all()
                            .add(cluster_maintenance::Column::State.eq(state::ACTIVE))
                            .add(cluster_maintenance::Column::EndsAt.lte(now)),
                    ),
            )
            .order_by_asc(cluster_maintenance::Column::StartsAt)
            .all(self.conn())
            .await
    }

    /// Ends a window now (active: ended; scheduled: cancelled), by `by`. Guarded like the loop's moves, so a
    /// window ended by a person and by the loop at once is announced once.
    pub async fn end_maintenance(
        &self,
        cluster_id: i64,
        id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Ended>, sea_orm::DbErr> {
        let ended = cluster_maintenance::Entity::update_many()
            .col_expr(
                cluster_maintenance::Column::State,
                Expr::value(state::ENDED),
            )
            .col_expr(cluster_maintenance::Column::EndsAt, Expr::value(now))
            .col_expr(cluster_maintenance::Column::EndedAt, Expr::value(now))
            .col_expr(cluster_maintenance::Column::EndedBy, Expr::value(by))
            .filter(cluster_maintenance::Column::Id.eq(id))
            .filter(cluster_maintenance::Column::ClusterId.eq(cluster_id))
            .filter(cluster_maintenance::Column::State.eq(state::ACTIVE))
            .exec(self.conn())
            .await?;
        let outcome = if ended.rows_affected == 1 {
            Ended::Ended
        } else {
            let cancelled = cluster_maintenance::Entity::update_many()
                .col_expr(
                    cluster_maintenance::Column::State,
                    Expr::value(state::CANCELLED),
                )
                .col_expr(cluster_maintenance::Column::EndedAt, Expr::value(now))
                .col_expr(cluster_maintenance::Column::EndedBy, Expr::value(by))
                .filter(cluster_maintenance::Column::Id.eq(id))
                .filter(cluster_maintenance::Column::ClusterId.eq(cluster_id))
                .filter(cluster_maintenance::Column::State.eq(state::SCHEDULED))
                .exec(self.conn())
                .await?;
            if cancelled.rows_affected == 1 {
                Ended::Cancelled
            } else {
                Ended::AlreadyOver
            }
        };
        Ok(self.find_maintenance(cluster_id, id).await?.map(outcome))
    }

    /// Records the silence made for a window.
    pub async fn set_maintenance_silence(
        &self,
        id: i64,
        silence_id: i64,
    ) -> Result<(), sea_orm::DbErr> {
        cluster_maintenance::Entity::update_many()
            .col_expr(
                cluster_maintenance::Column::SilenceId,
                Expr::value(silence_id),
            )
            .filter(cluster_maintenance::Column::Id.eq(id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    // ---- application windows -----------------------------------------------------------------------------

    /// A cluster's application windows, by namespace, kind and name.
    pub async fn app_windows(&self, cluster_id: i64) -> Result<Vec<AppWindow>, sea_orm::DbErr> {
        app_maintenance_window::Entity::find()
            .filter(app_maintenance_window::Column::ClusterId.eq(cluster_id))
            .order_by_asc(app_maintenance_window::Column::Namespace)
            .order_by_asc(app_maintenance_window::Column::Kind)
            .order_by_asc(app_maintenance_window::Column::Name)
            .order_by_asc(app_maintenance_window::Column::Id)
            .all(self.conn())
            .await
    }

    /// Every cluster's application windows (for the loop).
    pub async fn all_app_windows(&self) -> Result<Vec<AppWindow>, sea_orm::DbErr> {
        app_maintenance_window::Entity::find()
            .all(self.conn())
            .await
    }

    /// Records an application window.
    pub async fn create_app_window(&self, new: NewAppWindow) -> Result<AppWindow, sea_orm::DbErr> {
        app_maintenance_window::ActiveModel {
            cluster_id: Set(new.cluster_id),
            namespace: Set(new.namespace),
            kind: Set(new.kind),
            name: Set(new.name),
            schedule: Set(new.schedule),
            starts_at: Set(new.starts_at),
            duration_secs: Set(new.duration_secs),
            reason: Set(new.reason),
            created_by: Set(new.created_by),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(self.conn())
        .await
    }

    /// Deletes an application window; the deleted row, `None` when the cluster has no such window.
    pub async fn delete_app_window(
        &self,
        cluster_id: i64,
        id: i64,
    ) -> Result<Option<AppWindow>, sea_orm::DbErr> {
        let Some(w) = app_maintenance_window::Entity::find_by_id(id)
            .filter(app_maintenance_window::Column::ClusterId.eq(cluster_id))
            .one(self.conn())
            .await?
        else {
            return Ok(None);
        };
        app_maintenance_window::Entity::delete_by_id(id)
            .exec(self.conn())
            .await?;
        Ok(Some(w))
    }

    /// Takes the occurrence starting at `start` of window `id` for silencing. `true` for the one caller whose
    /// UPDATE took (the occurrence was not taken before).
    pub async fn claim_app_occurrence(
        &self,
        id: i64,
        start: DateTime<Utc>,
    ) -> Result<bool, sea_orm::DbErr> {
        let r = app_maintenance_window::Entity::update_many()
            .col_expr(
                app_maintenance_window::Column::CurrentStart,
                Expr::value(start),
            )
            .filter(app_maintenance_window::Column::Id.eq(id))
            .filter(
                Condition::any()
                    .add(app_maintenance_window::Column::CurrentStart.is_null())
                    .add(app_maintenance_window::Column::CurrentStart.lt(start)),
            )
            .exec(self.conn())
            .await?;
        Ok(r.rows_affected == 1)
    }

    /// Records the silence made for a window's current occurrence.
    pub async fn set_app_window_silence(
        &self,
        id: i64,
        silence_id: i64,
    ) -> Result<(), sea_orm::DbErr> {
        app_maintenance_window::Entity::update_many()
            .col_expr(
                app_maintenance_window::Column::SilenceId,
                Expr::value(silence_id),
            )
            .filter(app_maintenance_window::Column::Id.eq(id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    // ---- policy --------------------------------------------------------------------------------------------

    /// A cluster's maintenance policy (`None`: never set, changes are taken at any time).
    pub async fn maintenance_policy(
        &self,
        cluster_id: i64,
    ) -> Result<Option<MaintenancePolicy>, sea_orm::DbErr> {
        maintenance_policy::Entity::find_by_id(cluster_id)
            .one(self.conn())
            .await
    }

    /// Sets a cluster's maintenance policy.
    pub async fn set_maintenance_policy(
        &self,
        cluster_id: i64,
        deploy_only_in_windows: bool,
        by: &str,
    ) -> Result<MaintenancePolicy, sea_orm::DbErr> {
        let now = Utc::now();
        let am = maintenance_policy::ActiveModel {
            cluster_id: Set(cluster_id),
            deploy_only_in_windows: Set(deploy_only_in_windows),
            updated_by: Set(by.to_owned()),
            updated_at: Set(now),
        };
        if self.maintenance_policy(cluster_id).await?.is_some() {
            am.update(self.conn()).await
        } else {
            am.insert(self.conn()).await
        }
    }
}
