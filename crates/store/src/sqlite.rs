//! The SQLite backend: one file, zero set-up.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::Result;

/// The store over an SQLite file (created on first start).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: sqlx::SqlitePool,
    /// The long reads of a file database (`sqlite_read.rs`); `None` in memory.
    reader: Option<crate::sqlite_read::Reader>,
}

/// Restores the settings of [`SqliteStore::connect`] that an import's merge changes on its
/// connection (see `sqlite_merge.rs`).
pub(crate) const CONNECTION_SETTINGS: &str = "PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384";

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://path` or `sqlite::memory:`) and
    /// migrates it. WAL mode lets readers run beside the one writer.
    pub async fn connect(url: &str) -> Result<Self> {
        let memory = url.contains(":memory:");
        let options = SqliteConnectOptions::from_str(url)?;
        let reader =
            (!memory).then(|| crate::sqlite_read::Reader::new(options.get_filename().to_owned()));
        let options = options
            .create_if_missing(true)
            .foreign_keys(true)
            // A writer waits this long for another's transaction. Imports hold the write lock
            // only for their final merge (see `staging.rs`), so
            // this outlasts the merge of any file the server accepts.
            .busy_timeout(Duration::from_secs(30))
            .journal_mode(if memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(SqliteSynchronous::Normal)
            // 16 MiB of page cache per connection (bounded, whatever the file size). These
            // settings, restored after an import's merge, are also `CONNECTION_SETTINGS`.
            .pragma("cache_size", "-16384");
        let pool = SqlitePoolOptions::new()
            // An in-memory database lives in one connection.
            .max_connections(if memory { 1 } else { 8 })
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool, reader })
    }

    /// The campaign's days through the reader of long reads (see `sqlite_read.rs`), or `None`
    /// to read them through the pool (an in-memory database).
    pub(crate) async fn long_series(
        &self,
        org: &spendlens_core::campaign::OrgId,
        id: &spendlens_core::campaign::CampaignId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Option<Result<Vec<spendlens_core::daily::DailyRow>>> {
        match &self.reader {
            Some(reader) => Some(reader.daily_series(org, id, from, to).await),
            None => None,
        }
    }
}

crate::backend::impl_store!(
    crate::sqlite::SqliteStore,
    sqlx::Sqlite,
    "BEGIN IMMEDIATE",
    false,
    crate::sqlite_merge
);
