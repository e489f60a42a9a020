//! Failed-login counters in the database, so every replica locks out the same attacker.

use crate::Store;
use crate::entity::login_failure;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

/// How many failures within a window lock a key, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    /// Failures within `window` that trigger a lock.
    pub max_failures: i32,
    /// The counting window.
    pub window: Duration,
    /// How long a lock lasts.
    pub lockout: Duration,
}

impl Store {
    /// The latest lock still in force among `keys`, if any.
    pub async fn login_locked_until(
        &self,
        keys: &[String],
    ) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
        let now = Utc::now();
        let rows = login_failure::Entity::find()
            .filter(login_failure::Column::Key.is_in(keys.iter().cloned()))
            .all(self.conn())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| r.locked_until)
            .filter(|t| *t > now)
            .max())
    }

    /// Counts one failure for `key`; returns the lock's end when this failure triggered (or extends) a lock.
    pub async fn record_login_failure(
        &self,
        key: &str,
        policy: LockoutPolicy,
    ) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let existing = login_failure::Entity::find_by_id(key.to_owned())
            .one(&txn)
            .await?;
        let (failures, window_start) = match &existing {
            Some(row) if row.window_start + policy.window > now => {
                (row.failures + 1, row.window_start)
            }
            _ => (1, now),
        };
        let locked_until = (failures >= policy.max_failures).then(|| now + policy.lockout);
        let am = login_failure::ActiveModel {
            key: Set(key.to_owned()),
            failures: Set(failures),
            window_start: Set(window_start),
            locked_until: Set(locked_until.or(existing.as_ref().and_then(|r| r.locked_until))),
        };
        if existing.is_some() {
            am.update(&txn).await?;
        } else {
            am.insert(&txn).await?;
        }
        txn.commit().await?;
        Ok(locked_until)
    }

    /// Forgets the failures of `key` (after a successful login).
    pub async fn clear_login_failures(&self, key: &str) -> Result<(), sea_orm::DbErr> {
        login_failure::Entity::delete_many()
            .filter(login_failure::Column::Key.eq(key))
            .exec(self.conn())
            .await?;
        Ok(())
    }
}
