//! Refresh tokens: only their SHA-256 is stored, so a database leak does not leak sessions.

use crate::Store;
use crate::entity::refresh_token;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, sea_query::Expr};

impl Store {
    /// Stores a new refresh token (by hash) for `user_id`.
    pub async fn insert_refresh_token(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), sea_orm::DbErr> {
        refresh_token::ActiveModel {
            user_id: Set(user_id),
            token_hash: Set(token_hash.to_owned()),
            created_at: Set(Utc::now()),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
            ..Default::default()
        }
        .insert(self.conn())
        .await?;
        Ok(())
    }

    /// Revokes the token with this hash if it is live, and returns its user. Exactly one caller wins a race:
    /// the conditional update is the check, so a stolen token replayed after rotation finds nothing.
    pub async fn consume_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<i64>, sea_orm::DbErr> {
        let now = Utc::now();
        let Some(row) = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(token_hash))
            .one(self.conn())
            .await?
        else {
            return Ok(None);
        };
        if row.revoked_at.is_some() || row.expires_at <= now {
            return Ok(None);
        }
        let res = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
            .filter(refresh_token::Column::Id.eq(row.id))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(self.conn())
            .await?;
        Ok((res.rows_affected == 1).then_some(row.user_id))
    }

    /// Revokes one token (logout). Returns whether a live token was revoked.
    pub async fn revoke_refresh_token(&self, token_hash: &str) -> Result<bool, sea_orm::DbErr> {
        let res = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(refresh_token::Column::TokenHash.eq(token_hash))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(self.conn())
            .await?;
        Ok(res.rows_affected > 0)
    }

    /// Revokes every live token of a user (password change, disable, delete).
    pub async fn revoke_user_tokens(&self, user_id: i64) -> Result<u64, sea_orm::DbErr> {
        let res = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(refresh_token::Column::UserId.eq(user_id))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(self.conn())
            .await?;
        Ok(res.rows_affected)
    }

    /// Removes tokens that expired or were revoked before `before` (retention).
    pub async fn purge_refresh_tokens(&self, before: DateTime<Utc>) -> Result<u64, sea_orm::DbErr> {
        let res = refresh_token::Entity::delete_many()
            .filter(refresh_token::Column::ExpiresAt.lt(before))
            .exec(self.conn())
            .await?;
        Ok(res.rows_affected)
    }
}
