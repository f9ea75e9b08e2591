//! The PostgreSQL backend, for teams running several instances over one database.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;

use crate::Result;

/// The store over a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: sqlx::PgPool,
}

impl PgStore {
    /// Connects to `url` and migrates the database (the migrator takes an advisory lock, so
    /// instances starting together migrate once).
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PgStore { pool })
    }

    /// PostgreSQL's driver decodes rows from its buffer on the calling task: every read goes
    /// through the pool (the reader of long reads is SQLite's, see `sqlite_read.rs`).
    pub(crate) fn reader(&self) -> Option<&crate::sqlite_read::Reader> {
        None
    }
}

crate::backend::impl_store!(
    crate::postgres::PgStore,
    sqlx::Postgres,
    "BEGIN",
    true,
    crate::postgres_merge
);
