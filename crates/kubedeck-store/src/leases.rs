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

    /// Holders whose lease named `name` is live.
    pub async fn lease_holder(&self, name: &str) -> Result<Option<String>, sea_orm::DbErr> {
        let row = lease::Entity::find_by_id(name.to_owned())
            .one(self.conn())
            .await?;
        Ok(row.filter(|r| r.expires_at > Utc::now()).map(|r| r.holder))
    }
}
