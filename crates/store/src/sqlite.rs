//! The SQLite backend: one file, zero set-up.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::Result;

/// The store over an SQLite file (created on first start).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: sqlx::SqlitePool,
    /// An in-memory database lives in its one connection, which must never be closed.
    memory: bool,
}

/// An import's staging table (see `staging.rs`): in the connection's temporary database, so
/// staging takes no lock on the shared file; stored in key order like `daily_metrics`.
pub(crate) const STAGING_TABLE: &str = "CREATE TEMP TABLE import_staging (\
    platform TEXT NOT NULL, date TEXT NOT NULL, external_campaign_id TEXT NOT NULL, \
    spend_micros BIGINT NOT NULL, impressions BIGINT NOT NULL, engagements BIGINT NOT NULL, \
    clicks BIGINT NOT NULL, conversions_micros BIGINT NOT NULL, conversion_value_micros BIGINT, \
    revenue_micros BIGINT, currency TEXT, \
    PRIMARY KEY (date, platform, external_campaign_id)) WITHOUT ROWID";

/// See [`SqliteStore::connect`]: rows buffered per query, a few hundred kilobytes at most.
const ROW_BUFFER: usize = 1024;

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://path` or `sqlite::memory:`) and
    /// migrates it. WAL mode lets readers run beside the one writer.
    pub async fn connect(url: &str) -> Result<Self> {
        let memory = url.contains(":memory:");
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .foreign_keys(true)
            // A writer waits this long for another's transaction. Imports hold the write lock
            // only for their final merge (see `staging.rs`: about 4 s for a million rows), so
            // this outlasts the merge of any file the server accepts.
            .busy_timeout(Duration::from_secs(30))
            .journal_mode(if memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(SqliteSynchronous::Normal)
            // 16 MiB of page cache per connection (bounded, whatever the file size): a large
            // import's transaction stays in memory instead of spilling pages to the WAL early.
            .pragma("cache_size", "-16384")
            // Rows the connection's worker thread may step ahead of the reader (sqlx's default
            // is 50): with a few, a long series is a thread wake-up per row, and a two-year
            // report of a thousand campaigns spends most of its time switching threads.
            .row_buffer_size(ROW_BUFFER);
        let pool = SqlitePoolOptions::new()
            // An in-memory database lives in one connection.
            .max_connections(if memory { 1 } else { 8 })
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool, memory })
    }

    /// Whether an import's connection may be closed instead of returned to the pool.
    fn staging_disposable(&self) -> bool {
        !self.memory
    }
}

crate::backend::impl_store!(
    crate::sqlite::SqliteStore,
    sqlx::Sqlite,
    "BEGIN IMMEDIATE",
    false,
    crate::sqlite::STAGING_TABLE
);
