//! The one implementation of [`Store`](crate::Store), instantiated for each backend.
//!
//! Each area module (`accounts`, `campaigns`, `imports`, `metrics`, `snapshots`, `jobs`,
//! `connections`, `attribution`, `finance`, `attempts`, `audit`, `outbox`, `previews`,
//! `channels`, `mappings`) declares
//! its trait and a macro holding that trait's SQL; [`impl_store`] instantiates every one of them
//! for a backend. The SQL is portable between SQLite and PostgreSQL (`$N` parameters,
//! `ON CONFLICT`, `CAST(... AS BIGINT)`), so both backends run the same statements and cannot
//! drift apart; the macros only fix the pool type.
//! Rejected alternative: sqlx's `Any` driver, which has no date types, and a generic impl over
//! `sqlx::Database`, whose bounds obscure more than they share.

/// Implements [`Store`](crate::Store) and every area's trait for `$store`, whose field `pool` is a
/// `sqlx::Pool<$db>`. `$begin_write` starts a write transaction: SQLite takes its write lock up
/// front (`BEGIN IMMEDIATE`), so a writer waits for another instead of failing on a read-to-write
/// upgrade. `$numbered` says whether a bulk statement numbers its parameters (`$1`, PostgreSQL)
/// or leaves them anonymous (`?`, SQLite: its driver resolves each named parameter by a linear
/// search, quadratic over the 7,000 parameters of a 500-row statement). `$merge` is the module of
/// the backend's bulk path for an import's rows (see `staging.rs`): the one write that differs
/// between the backends.
macro_rules! impl_store {
    ($store:ty, $db:ty, $begin_write:literal, $numbered:literal, $merge:path) => {
        crate::accounts::impl_account_store!($store, $db, $begin_write);
        crate::members_impl::impl_member_store!($store, $db, $begin_write);
        crate::campaigns::impl_campaign_store!($store, $db, $begin_write);
        crate::imports::impl_import_store!($store, $db, $begin_write);
        crate::staging::impl_staging!($store, $db, $begin_write, $merge);
        crate::metrics::impl_metric_store!($store, $db);
        crate::channels::impl_channel_store!($store, $db, $begin_write);
        crate::mappings::impl_mapping_store!($store, $db, $begin_write);
        crate::mmm::impl_mmm_store!($store, $db, $begin_write);
        crate::snapshots::impl_snapshot_store!($store, $db, $begin_write);
        crate::jobs::impl_job_store!($store);
        crate::connections::impl_connection_store!($store, $db);
        crate::attribution::impl_touchpoint_store!($store, $db, $begin_write, $numbered);
        crate::finance::impl_finance_store!($store, $db, $begin_write);
        crate::attempts::impl_attempt_store!($store, $db);
        crate::audit::impl_audit_store!($store, $db);
        crate::outbox::impl_outbox_store!($store, $db);
        crate::passwords::impl_password_store!($store, $db, $begin_write);
        crate::previews::impl_preview_store!($store, $db, $begin_write);
        crate::sharing::impl_share_link_store!($store, $db);
        crate::deliveries::impl_delivery_store!($store, $db);

        #[async_trait::async_trait]
        impl crate::Store for $store {
            async fn ping(&self) -> crate::Result<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_store;

/// How a backend stores a metric row's `updated_at`: SQLite as an integer of microseconds since
/// 1970-01-01 UTC (8 bytes, where sqlx's text took 35 of a row's ~175: see migration 0018),
/// PostgreSQL as its `TIMESTAMPTZ`. Both hold the same instant to the microsecond.
pub(crate) trait RowStamp: sqlx::Database {
    /// The value bound for `updated_at`.
    type Stamp: for<'q> sqlx::Encode<'q, Self> + sqlx::Type<Self> + Send;
    /// `now` as the backend stores it.
    fn stamp(now: chrono::DateTime<chrono::Utc>) -> Self::Stamp;
}

impl RowStamp for sqlx::Sqlite {
    type Stamp = i64;
    fn stamp(now: chrono::DateTime<chrono::Utc>) -> i64 {
        now.timestamp_micros()
    }
}

impl RowStamp for sqlx::Postgres {
    type Stamp = chrono::DateTime<chrono::Utc>;
    fn stamp(now: chrono::DateTime<chrono::Utc>) -> Self::Stamp {
        now
    }
}

/// How a metric row names the import that last wrote it (`daily_metrics.import_id`): SQLite by
/// the import's integer `imports.seq` (one to four bytes, where the UUID's text took 36 of a
/// row's ~157: see migration 0019), PostgreSQL by the import's id. An import's record is
/// inserted by [`ImportKey::INSERT_IMPORT`], which answers the key its rows are written with;
/// the import's UUID stays what the API answers.
pub(crate) trait ImportKey: sqlx::Database {
    /// The value bound for `import_id`.
    type Key: for<'q> sqlx::Encode<'q, Self>
        + for<'r> sqlx::Decode<'r, Self>
        + sqlx::Type<Self>
        + Send
        + Sync
        + Unpin;
    /// Inserts an import's record (`$1` id, `$2` campaign, `$3` source, `$4` file name, `$5`
    /// content hash, `$6` row count, `$7` time, `$8` detail), returning its key.
    const INSERT_IMPORT: &'static str;
    /// The column of `imports` that `daily_metrics.import_id` holds.
    const KEY_COLUMN: &'static str;
}

impl ImportKey for sqlx::Sqlite {
    type Key = i64;
    const INSERT_IMPORT: &'static str = "INSERT INTO imports (id, campaign_id, source, file_name, \
        content_hash, row_count, created_at, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq";
    const KEY_COLUMN: &'static str = "seq";
}

impl ImportKey for sqlx::Postgres {
    type Key = String;
    const INSERT_IMPORT: &'static str = "INSERT INTO imports (id, campaign_id, source, file_name, \
        content_hash, row_count, created_at, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
    const KEY_COLUMN: &'static str = "id";
}
