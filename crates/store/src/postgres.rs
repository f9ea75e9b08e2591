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

    /// Whether an import's connection may be closed instead of returned to the pool: always (a
    /// new one costs little beside an import).
    fn staging_disposable(&self) -> bool {
        true
    }
}

/// An import's staging table (see `staging.rs`): temporary, private to the import's session.
pub(crate) const STAGING_TABLE: &str = "CREATE TEMP TABLE import_staging (\
    platform TEXT NOT NULL, date DATE NOT NULL, external_campaign_id TEXT NOT NULL, \
    spend_micros BIGINT NOT NULL, impressions BIGINT NOT NULL, engagements BIGINT NOT NULL, \
    clicks BIGINT NOT NULL, conversions_micros BIGINT NOT NULL, conversion_value_micros BIGINT, \
    revenue_micros BIGINT, currency TEXT, \
    PRIMARY KEY (date, platform, external_campaign_id))";

crate::backend::impl_store!(
    crate::postgres::PgStore,
    sqlx::Postgres,
    "BEGIN",
    true,
    crate::postgres::STAGING_TABLE
);
