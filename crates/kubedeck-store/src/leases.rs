//! "One replica does this job": leases in the database, usable on all three backends (SQLite included).
//!
//! A holder renews before `expires_at`; when it stops renewing, another replica takes over after expiry and
//! the fencing token grows, so writes guarded by the old token can be told apart.

use crate::Store;
use crate::entity::lease;
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set,
    sea_query::{Expr, ExprTrait},
};

/// A lease as its holder was granted it: the writes it guards carry it (fencing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    /// The lease's name (`sync:cluster:7`).
    pub lease: String,
    /// The holder (this replica's id).
    pub holder: String,
    /// The fencing token [`Store::try_acquire_lease`] returned.
    pub token: i64,
}

/// How a fenced write's error begins when its lease has passed on.
pub const LEASE_LOST: &str = "lease lost";

/// Whether a write was refused because its lease passed to another holder (or was taken again).
pub fn is_lease_lost(e: &sea_orm::DbErr) -> bool {
    matches!(e, sea_orm::DbErr::Custom(m) if m.starts_with(LEASE_LOST))
}

/// Inside a write transaction: goes on only while `fence` holds its lease with its token. The row is read with
/// a shared lock on PostgreSQL and MySQL, so a take-over (an update of that row) waits until this transaction
/// ends; on SQLite the write transaction holds the database's one write lock from its start, with the same effect.
pub(crate) async fn check_fence(
    conn: &impl sea_orm::ConnectionTrait,
    fence: &Fence,
) -> Result<(), sea_orm::DbErr> {
    use sea_orm::QuerySelect;
    let row = lease::Entity::find_by_id(fence.lease.clone())
        .lock_shared()
        .one(conn)
        .await?;
    match row {
        Some(r) if r.holder == fence.holder && r.fencing_token == fence.token => Ok(()),
        Some(r) => Err(sea_orm::DbErr::Custom(format!(
            "{LEASE_LOST}: {} is held by {} with token {}, not by {} with token {}",
            fence.lease, r.holder, r.fencing_token, fence.holder, fence.token
        ))),
        None => Err(sea_orm::DbErr::Custom(format!(
            "{LEASE_LOST}: {} is held by no one",
            fence.lease
        ))),
    }
}

impl Store {
    /// Acquires or renews lease `name` for `holder` for `ttl`. Returns the fencing token when `holder` holds it.
    pub async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<i64>, sea_orm::DbErr> {
        let now = Utc::now();
        let expires = now + ttl;
        // Renewal by the current holder.
        let renewed = lease::Entity::update_many()
            .col_expr(lease::Column::ExpiresAt, Expr::value(expires))
            .filter(lease::Column::Name.eq(name))
            .filter(lease::Column::Holder.eq(holder))
            .exec(self.conn())
            .await?;
        if renewed.rows_affected == 0 {
            // Take-over of an expired lease: the conditional update is the arbiter between racing replicas.
            let taken = lease::Entity::update_many()
                .col_expr(lease::Column::Holder, Expr::value(holder))
                .col_expr(lease::Column::ExpiresAt, Expr::value(expires))
                .col_expr(
                    lease::Column::FencingToken,
                    Expr::col(lease::Column::FencingToken).add(1),
                )
                .filter(lease::Column::Name.eq(name))
                .filter(lease::Column::ExpiresAt.lt(now))
                .exec(self.conn())
                .await?;
            if taken.rows_affected == 0 {
                let exists = lease::Entity::find_by_id(name.to_owned())
                    .one(self.conn())
                    .await?
                    .is_some();
                if exists {
                    return Ok(None);
                }
                let inserted = lease::ActiveModel {
                    name: Set(name.to_owned()),
                    holder: Set(holder.to_owned()),
                    fencing_token: Set(1),
                    expires_at: Set(expires),
                }
                .insert(self.conn())
                .await;
                if inserted.is_err() {
                    // Another replica inserted it first.
                    return Ok(None);
                }
            }
        }
        let row = lease::Entity::find_by_id(name.to_owned())
            .one(self.conn())
            .await?;
        Ok(row.filter(|r| r.holder == holder).map(|r| r.fencing_token))
    }

    /// Renews, for `ttl`, every lease `holder` holds whose name starts with `prefix` and that has not expired yet:
    /// one statement however many clusters a replica holds, so leases can be renewed often and kept short. An
    /// expired one is left alone (another replica may be taking it over; taking it again goes through
    /// [`Store::try_acquire_lease`], which raises its token). Returns how many were renewed.
    pub async fn renew_leases(
        &self,
        holder: &str,
        prefix: &str,
        ttl: Duration,
    ) -> Result<u64, sea_orm::DbErr> {
        let now = Utc::now();
        let renewed = lease::Entity::update_many()
            .col_expr(lease::Column::ExpiresAt, Expr::value(now + ttl))
            .filter(lease::Column::Holder.eq(holder))
            .filter(lease::Column::Name.starts_with(prefix))
            .filter(lease::Column::ExpiresAt.gt(now))
            .exec(self.conn())
            .await?;
        Ok(renewed.rows_affected)
    }

    /// Gives a lease up at once (graceful shutdown), so another replica need not wait for expiry.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), sea_orm::DbErr> {
        lease::Entity::update_many()
            .col_expr(
                lease::Column::ExpiresAt,
                Expr::value(Utc::now() - Duration::seconds(1)),
            )
            .filter(lease::Column::Name.eq(name))
            .filter(lease::Column::Holder.eq(holder))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    /// How many live leases' names start with `prefix` (`replica:`: the replicas alive now).
    pub async fn count_live_leases(&self, prefix: &str) -> Result<u64, sea_orm::DbErr> {
        use sea_orm::PaginatorTrait;
        lease::Entity::find()
            .filter(lease::Column::Name.starts_with(prefix))
            .filter(lease::Column::ExpiresAt.gt(Utc::now()))
            .count(self.conn())
            .await
    }

    /// The names of the live leases `holder` holds whose names start with `prefix`.
    pub async fn held_leases(&self, holder: &str, prefix: &str) -> Result<Vec<String>, sea_orm::DbErr> {
        use sea_orm::QuerySelect;
        lease::Entity::find()
            .select_only()
            .column(lease::Column::Name)
            .filter(lease::Column::Holder.eq(holder))
            .filter(lease::Column::Name.starts_with(prefix))
            .filter(lease::Column::ExpiresAt.gt(Utc::now()))
            .into_tuple()
            .all(self.conn())
            .await
    }

    /// Holders whose lease named `name` is live.
    pub async fn lease_holder(&self, name: &str) -> Result<Option<String>, sea_orm::DbErr> {
        let row = lease::Entity::find_by_id(name.to_owned())
            .one(self.conn())
            .await?;
        Ok(row.filter(|r| r.expires_at > Utc::now()).map(|r| r.holder))
    }
}
