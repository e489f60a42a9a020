//! Accounts and their role bindings.

use crate::entity::{role_binding, user};
use crate::{PageRequest, Paged, Store};
use chrono::Utc;
use kubedeck_core::rbac::{Binding, Bindings};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    Set,
};

pub use crate::entity::user::Model as User;

/// Fields of a new account.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Login name, unique.
    pub username: &'a str,
    /// Name shown in the console.
    pub display_name: &'a str,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Whether the first login must change the password.
    pub must_change_password: bool,
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    /// New display name.
    pub display_name: Option<String>,
    /// Disable or enable.
    pub disabled: Option<bool>,
    /// New password hash and whether it must be changed at next login.
    pub password: Option<(String, bool)>,
}

impl Store {
    /// How many accounts exist (first start creates the admin when zero).
    pub async fn count_users(&self) -> Result<u64, sea_orm::DbErr> {
        user::Entity::find().count(self.conn()).await
    }

    /// The account with this login name.
    pub async fn find_user_by_name(&self, username: &str) -> Result<Option<User>, sea_orm::DbErr> {
        user::Entity::find()
            .filter(user::Column::Username.eq(username))
            .one(self.conn())
            .await
    }

    /// The account with this id.
    pub async fn find_user(&self, id: i64) -> Result<Option<User>, sea_orm::DbErr> {
        user::Entity::find_by_id(id).one(self.conn()).await
    }

    /// Creates an account with its bindings in one transaction.
    pub async fn create_user(
        &self,
        new: NewUser<'_>,
        bindings: &[Binding],
    ) -> Result<User, sea_orm::DbErr> {
        let txn = self.begin_write().await?;
        let now = Utc::now();
        let created = user::ActiveModel {
            username: Set(new.username.to_owned()),
            display_name: Set(new.display_name.to_owned()),
            password_hash: Set(new.password_hash),
            disabled: Set(false),
            must_change_password: Set(new.must_change_password),
            session_generation: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        insert_bindings(&txn, created.id, bindings).await?;
        txn.commit().await?;
        Ok(created)
    }

    /// Applies `changes`; returns the updated account, or `None` if it does not exist. A new password or
    /// disabling the account bumps `session_generation`, which voids every access token issued before.
    pub async fn update_user(
        &self,
        id: i64,
        changes: UserChanges,
    ) -> Result<Option<User>, sea_orm::DbErr> {
        let Some(existing) = self.find_user(id).await? else {
            return Ok(None);
        };
        let ends_sessions = changes.password.is_some() || changes.disabled == Some(true);
        let generation = existing.session_generation;
        let mut am: user::ActiveModel = existing.into();
        if ends_sessions {
            am.session_generation = Set(generation + 1);
        }
        if let Some(name) = changes.display_name {
            am.display_name = Set(name);
        }
        if let Some(disabled) = changes.disabled {
            am.disabled = Set(disabled);
        }
        if let Some((hash, must_change)) = changes.password {
            am.password_hash = Set(hash);
            am.must_change_password = Set(must_change);
        }
        am.updated_at = Set(Utc::now());
        Ok(Some(am.update(self.conn()).await?))
    }

    /// Deletes an account, its bindings and its sessions. Returns whether it existed.
    pub async fn delete_user(&self, id: i64) -> Result<bool, sea_orm::DbErr> {
        let txn = self.begin_write().await?;
        role_binding::Entity::delete_many()
            .filter(role_binding::Column::UserId.eq(id))
            .exec(&txn)
            .await?;
        crate::entity::refresh_token::Entity::delete_many()
            .filter(crate::entity::refresh_token::Column::UserId.eq(id))
            .exec(&txn)
            .await?;
        let res = user::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(res.rows_affected > 0)
    }

    /// Accounts ordered by name, optionally filtered by a substring of the name.
    pub async fn list_users(
        &self,
        q: Option<&str>,
        page: PageRequest,
    ) -> Result<Paged<User>, sea_orm::DbErr> {
        let mut query = user::Entity::find().order_by_asc(user::Column::Username);
        if let Some(q) = q.filter(|q| !q.is_empty()) {
            query = query.filter(
                Condition::any()
                    .add(user::Column::Username.contains(q))
                    .add(user::Column::DisplayName.contains(q)),
            );
        }
        let pages = query.paginate(self.conn(), page.page_size);
        let total = pages.num_items().await?;
        let items = pages.fetch_page(page.page.saturating_sub(1)).await?;
        Ok(Paged { items, total })
    }

    /// The bindings of one account.
    pub async fn bindings_of(&self, user_id: i64) -> Result<Bindings, sea_orm::DbErr> {
        let rows = role_binding::Entity::find()
            .filter(role_binding::Column::UserId.eq(user_id))
            .order_by_asc(role_binding::Column::Id)
            .all(self.conn())
            .await?;
        Ok(Bindings(rows.into_iter().filter_map(to_binding).collect()))
    }

    /// Replaces every binding of an account at once.
    pub async fn replace_bindings(
        &self,
        user_id: i64,
        bindings: &[Binding],
    ) -> Result<(), sea_orm::DbErr> {
        let txn = self.begin_write().await?;
        role_binding::Entity::delete_many()
            .filter(role_binding::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        insert_bindings(&txn, user_id, bindings).await?;
        txn.commit().await
    }

    /// How many enabled accounts hold a global platform-admin binding (the last one must not be removed).
    pub async fn count_active_platform_admins(&self) -> Result<u64, sea_orm::DbErr> {
        let admin_ids: Vec<i64> = role_binding::Entity::find()
            .filter(role_binding::Column::Role.eq("platform-admin"))
            .filter(role_binding::Column::ClusterId.is_null())
            .all(self.conn())
            .await?
            .into_iter()
            .map(|b| b.user_id)
            .collect();
        if admin_ids.is_empty() {
            return Ok(0);
        }
        user::Entity::find()
            .filter(user::Column::Id.is_in(admin_ids))
            .filter(user::Column::Disabled.eq(false))
            .count(self.conn())
            .await
    }
}

fn to_binding(row: role_binding::Model) -> Option<Binding> {
    Some(Binding {
        role: row.role.parse().ok()?,
        cluster_id: row.cluster_id,
        namespace: row.namespace,
    })
}

async fn insert_bindings(
    txn: &sea_orm::DatabaseTransaction,
    user_id: i64,
    bindings: &[Binding],
) -> Result<(), sea_orm::DbErr> {
    let now = Utc::now();
    for b in bindings {
        role_binding::ActiveModel {
            user_id: Set(user_id),
            role: Set(b.role.as_str().to_owned()),
            cluster_id: Set(b.cluster_id),
            namespace: Set(b.namespace.clone()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}
