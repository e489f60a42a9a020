//! What the snapshot tables (`kube_pod`, `kube_object`) share: rows keyed by (namespace, name) within a scope (a
//! cluster; a cluster's kind), brought up to date by comparing hashes and writing only the rows that differ.

use crate::Store;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, Condition, DbErr, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect, TryGetable,
};
use std::collections::HashMap;

/// What a snapshot write changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SnapshotCounts {
    /// Rows new since the last write.
    pub added: usize,
    /// Rows gone.
    pub removed: usize,
    /// Rows whose content changed.
    pub changed: usize,
    /// Rows now (in the scope written).
    pub total: usize,
}

/// New rows go to the database this many at a time (15 columns × 500 stays under every backend's limit
/// on bind parameters).
const INSERT_BATCH: usize = 500;
/// A full snapshot write commits after this many written rows. One transaction over 150,000 rows would hold
/// SQLite's single write lock for tens of seconds, longer than the busy timeout of the replicas' lease renewals.
const COMMIT_EVERY: usize = 5_000;

/// A hash of a row's text, to compare rows without comparing (or reading) their text. FNV-1a: the same on every
/// build and platform, so a stored digest stays valid across upgrades (std's hasher may change between releases).
pub(crate) fn digest(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

type Col<T> = <<T as SnapshotTable>::Entity as EntityTrait>::Column;

/// A snapshot table as its writer sees it.
pub(crate) trait SnapshotTable: Sync {
    /// The table.
    type Entity: EntityTrait;
    /// Its rows being written.
    type ActiveModel: ActiveModelTrait<Entity = Self::Entity> + ActiveModelBehavior + Send;
    /// One object as the writer is given it.
    type Item: Sync;
    /// The stored column a row's digest is made from, as read back.
    type Stored: TryGetable + Send;
    /// Primary key column.
    const ID: Col<Self>;
    /// Key column: namespace.
    const NAMESPACE: Col<Self>;
    /// Key column: name.
    const NAME: Col<Self>;
    /// The column read back to compare with an item ([`SnapshotTable::Stored`]).
    const COMPARED: Col<Self>;

    /// The rows this writer owns (a cluster's; a cluster's kind's).
    fn scope(&self) -> Condition;
    /// An item's `(namespace, name)`.
    fn key(item: &Self::Item) -> (&str, &str);
    /// An item's digest, equal to [`SnapshotTable::stored_digest`] of its row once written.
    fn digest(item: &Self::Item) -> u64;
    /// A stored row's digest.
    fn stored_digest(stored: Self::Stored) -> u64;
    /// Sets the columns an item's content decides (on insert and on change).
    fn fill(am: &mut Self::ActiveModel, item: &Self::Item, now: DateTime<Utc>);
    /// A new row: its scope and key columns, then [`SnapshotTable::fill`].
    fn new_row(&self, item: &Self::Item, now: DateTime<Utc>) -> Self::ActiveModel;
}

/// The write of an existing row (by id) to an item's content.
fn changed_row<T: SnapshotTable>(id: i64, item: &T::Item, now: DateTime<Utc>) -> T::ActiveModel {
    let mut am = <T::ActiveModel as ActiveModelTrait>::default();
    am.set(T::ID, id.into());
    T::fill(&mut am, item, now);
    am
}

/// A transaction that commits and starts over every [`COMMIT_EVERY`] written rows.
struct Chunked<'a> {
    store: &'a Store,
    /// Always `Some` between calls (taken only to commit).
    txn: Option<sea_orm::DatabaseTransaction>,
    written: usize,
}

impl<'a> Chunked<'a> {
    async fn begin(store: &'a Store) -> Result<Self, DbErr> {
        Ok(Self {
            store,
            txn: Some(store.begin_write().await?),
            written: 0,
        })
    }

    fn conn(&self) -> &sea_orm::DatabaseTransaction {
        self.txn.as_ref().expect("a chunked transaction is open")
    }

    async fn wrote(&mut self, rows: usize) -> Result<(), DbErr> {
        self.written += rows;
        if self.written >= COMMIT_EVERY {
            // Commit before beginning the next: on SQLite a second write transaction (BEGIN IMMEDIATE) would
            // wait for the lock this one holds, until the busy timeout.
            self.finish_part().await?;
            self.txn = Some(self.store.begin_write().await?);
            self.written = 0;
        }
        Ok(())
    }

    async fn finish_part(&mut self) -> Result<(), DbErr> {
        match self.txn.take() {
            Some(t) => t.commit().await,
            None => Ok(()),
        }
    }
}

/// Brings the rows of `table`'s scope to `items` (every object of the scope), writing only what differs.
/// Stored rows are compared by digest and new ones built one at a time, so a 150,000-pod cluster is not held
/// twice in memory; new rows are inserted in batches, committed every [`COMMIT_EVERY`] rows. An error part-way
/// leaves the rows written so far (each one a true state of its object, newer than the rest); the caller writes
/// everything again next time.
pub(crate) async fn replace<T: SnapshotTable>(
    store: &Store,
    table: &T,
    items: impl IntoIterator<Item = T::Item> + Send,
) -> Result<SnapshotCounts, DbErr>
where
    <T::Entity as EntityTrait>::Model: IntoActiveModel<T::ActiveModel>,
{
    let now = Utc::now();
    let mut existing: HashMap<(String, String), (i64, u64)> = HashMap::new();
    let mut rows = T::Entity::find()
        .select_only()
        .column(T::ID)
        .column(T::NAMESPACE)
        .column(T::NAME)
        .column(T::COMPARED)
        .filter(table.scope())
        .into_tuple::<(i64, String, String, T::Stored)>()
        .stream(store.conn())
        .await?;
    while let Some(row) = rows.next().await {
        let (id, ns, name, stored) = row?;
        existing.insert((ns, name), (id, T::stored_digest(stored)));
    }
    drop(rows);
    let mut txn = Chunked::begin(store).await?;
    let mut counts = SnapshotCounts::default();
    let mut new_rows = Vec::new();
    for item in items {
        counts.total += 1;
        let (ns, name) = T::key(&item);
        // Taking the key out of `existing` leaves exactly the rows of objects that are gone.
        match existing.remove(&(ns.to_owned(), name.to_owned())) {
            Some((_, hash)) if hash == T::digest(&item) => {}
            Some((id, _)) => {
                changed_row::<T>(id, &item, now).update(txn.conn()).await?;
                txn.wrote(1).await?;
                counts.changed += 1;
            }
            None => {
                new_rows.push(table.new_row(&item, now));
                counts.added += 1;
                if new_rows.len() == INSERT_BATCH {
                    T::Entity::insert_many(std::mem::take(&mut new_rows))
                        .exec_without_returning(txn.conn())
                        .await?;
                    txn.wrote(INSERT_BATCH).await?;
                }
            }
        }
    }
    if !new_rows.is_empty() {
        T::Entity::insert_many(new_rows)
            .exec_without_returning(txn.conn())
            .await?;
    }
    let gone: Vec<i64> = existing.values().map(|(id, _)| *id).collect();
    counts.removed = gone.len();
    for chunk in gone.chunks(INSERT_BATCH) {
        T::Entity::delete_many()
            .filter(T::ID.is_in(chunk.iter().copied()))
            .exec(txn.conn())
            .await?;
        txn.wrote(chunk.len()).await?;
    }
    txn.finish_part().await?;
    Ok(counts)
}

/// Writes the objects that changed since the last write (`changed`: their content now; `gone`: deleted, as
/// `(namespace, name)`), leaving every other row of the scope alone; one transaction.
pub(crate) async fn update<T: SnapshotTable>(
    store: &Store,
    table: &T,
    changed: &[T::Item],
    gone: &[(String, String)],
) -> Result<SnapshotCounts, DbErr>
where
    <T::Entity as EntityTrait>::Model: IntoActiveModel<T::ActiveModel> + Sync,
{
    let now = Utc::now();
    let txn = store.begin_write().await?;
    let mut counts = SnapshotCounts::default();
    let by_key =
        |ns: &str, name: &str| table.scope().add(T::NAMESPACE.eq(ns)).add(T::NAME.eq(name));
    for item in changed {
        let (ns, name) = T::key(item);
        let id: Option<i64> = T::Entity::find()
            .select_only()
            .column(T::ID)
            .filter(by_key(ns, name))
            .into_tuple()
            .one(&txn)
            .await?;
        match id {
            Some(id) => {
                changed_row::<T>(id, item, now).update(&txn).await?;
                counts.changed += 1;
            }
            None => {
                T::Entity::insert(table.new_row(item, now))
                    .exec_without_returning(&txn)
                    .await?;
                counts.added += 1;
            }
        }
    }
    for (ns, name) in gone {
        counts.removed += T::Entity::delete_many()
            .filter(by_key(ns, name))
            .exec(&txn)
            .await?
            .rows_affected as usize;
    }
    counts.total = T::Entity::find().filter(table.scope()).count(&txn).await? as usize;
    txn.commit().await?;
    Ok(counts)
}

/// Removes every row of `table`'s scope.
pub(crate) async fn delete<T: SnapshotTable>(store: &Store, table: &T) -> Result<(), DbErr> {
    // in a write transaction, so that a fenced store checks its lease first
    let txn = store.begin_write().await?;
    T::Entity::delete_many()
        .filter(table.scope())
        .exec(&txn)
        .await?;
    txn.commit().await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_digest_is_fnv_1a_and_tells_rows_apart() {
        // FNV-1a's published test vectors: a stored digest must not change with the build.
        assert_eq!(super::digest(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::digest("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(super::digest("foobar"), 0x8594_4171_f739_67e8);
        assert_ne!(
            super::digest(r#"{"status":"Running"}"#),
            super::digest(r#"{"status":"Pending"}"#)
        );
    }
}
