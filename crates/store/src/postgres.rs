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

    /// The campaign's days through a binary COPY (see `postgres_read.rs`), or `None` to read
    /// them through the pool.
    pub(crate) async fn long_series(
        &self,
        org: &spendlens_core::campaign::OrgId,
        id: &spendlens_core::campaign::CampaignId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Option<Result<Vec<spendlens_core::daily::DailyRow>>> {
        crate::postgres_read::daily_series(&self.pool, org, id, from, to).await
    }
}

crate::backend::impl_store!(
    crate::postgres::PgStore,
    sqlx::Postgres,
    "BEGIN",
    true,
    crate::postgres_merge
);
