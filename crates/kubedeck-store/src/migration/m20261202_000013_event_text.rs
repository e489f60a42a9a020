//! Events: an index for searching the archive's messages by any part of their text.
//!
//! A search by message text is a case-insensitive substring match (`Back-off`, `insufficient cpu`, a fragment of a
//! pod name). Without an index it reads every archived event of the cluster: 1.3–2.2 s over a million rows. Both
//! indexes below are trigram indexes, which answer exactly that question (any substring of three or more
//! characters), so the search means the same with and without them:
//! - SQLite: an FTS5 table with the `trigram` tokenizer over `kube_event.message` (external content: the text is
//!   not stored twice), kept up to date by triggers. A repeat of an event rewrites its row with the same message;
//!   the update trigger fires only when the message changed, so repeats cost nothing more.
//! - PostgreSQL: a GIN index with `pg_trgm`'s operator class on `lower(message)`, the expression the search
//!   compares. `pg_trgm` ships with PostgreSQL (contrib) and is a trusted extension (PostgreSQL ≥ 13): a database
//!   owner may create it. Where it cannot be created (an older server, a managed service without it), the index is
//!   left out with a warning and the search scans as before: the archive must not become unusable for want of an
//!   index.
//! - MariaDB/MySQL: none. InnoDB's FULLTEXT index matches words and word prefixes, not substrings (MariaDB has no
//!   n-gram parser), so it would change what a search finds; there the search stays a scan (README says so).

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE kube_event_text USING fts5(message, content='kube_event', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER kube_event_text_insert AFTER INSERT ON kube_event BEGIN \
       INSERT INTO kube_event_text(rowid, message) VALUES (new.id, new.message); END",
    "CREATE TRIGGER kube_event_text_delete AFTER DELETE ON kube_event BEGIN \
       INSERT INTO kube_event_text(kube_event_text, rowid, message) VALUES ('delete', old.id, old.message); END",
    "CREATE TRIGGER kube_event_text_update AFTER UPDATE OF message ON kube_event \
       WHEN old.message IS NOT new.message BEGIN \
       INSERT INTO kube_event_text(kube_event_text, rowid, message) VALUES ('delete', old.id, old.message); \
       INSERT INTO kube_event_text(rowid, message) VALUES (new.id, new.message); END",
    // events archived before this migration
    "INSERT INTO kube_event_text(kube_event_text) VALUES ('rebuild')",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS kube_event_text_insert",
    "DROP TRIGGER IF EXISTS kube_event_text_delete",
    "DROP TRIGGER IF EXISTS kube_event_text_update",
    "DROP TABLE IF EXISTS kube_event_text",
];

// A DO block's EXCEPTION clause is a subtransaction: a refused CREATE EXTENSION does not abort the migration's
// transaction.
const POSTGRES_UP: &str = "DO $$ BEGIN \
    CREATE EXTENSION IF NOT EXISTS pg_trgm; \
    CREATE INDEX IF NOT EXISTS idx_kube_event_message_trgm ON kube_event USING gin (lower(message) gin_trgm_ops); \
  EXCEPTION WHEN OTHERS THEN \
    RAISE WARNING 'kube_event: no trigram index for message search, searches by text will scan (%)', SQLERRM; \
  END $$";

const POSTGRES_DOWN: &str = "DROP INDEX IF EXISTS idx_kube_event_message_trgm";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            DbBackend::Sqlite => {
                for sql in SQLITE_UP {
                    db.execute_unprepared(sql).await?;
                }
            }
            DbBackend::Postgres => {
                db.execute_unprepared(POSTGRES_UP).await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            DbBackend::Sqlite => {
                for sql in SQLITE_DOWN {
                    db.execute_unprepared(sql).await?;
                }
            }
            DbBackend::Postgres => {
                db.execute_unprepared(POSTGRES_DOWN).await?;
            }
            _ => {}
        }
        Ok(())
    }
}
