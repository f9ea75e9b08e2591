//! A streamed import: its rows checked and spooled to a temporary file of the import's own
//! (`spool.rs`) while the file is parsed, then written into `daily_metrics` once, in one
//! transaction, by the backend's bulk path (`sqlite_merge.rs`: batched upserts in key order;
//! `postgres_merge.rs`: a binary COPY).
//!
//! Why: a file of a million rows written inside one transaction held SQLite's write lock for the
//! whole parse, and every other writer (another campaign's metrics post) failed after the busy
//! timeout. Spooled, the lock is held only for the merge; the parse takes no lock on the shared
//! database at all, nor even a connection of the pool.
//!
//! All or nothing, and nothing left behind: the spooled rows are invisible to every other
//! connection; the merge writes the import record, the rows, the months' sums, the check of
//! the campaign's totals and the data version in one transaction (queued behind the campaign's
//! row like every write, see `campaigns::LOCK_CAMPAIGN`). An import abandoned before the merge
//! (an error, a client gone, a crash) drops its spool, an unlinked file that goes with its
//! handle; a merge that fails rolls back. Re-importing a file changes nothing: rows are upserted
//! on their natural key, and a key repeated in the file keeps its last row (the spool hands the
//! merge each key once).
//!
//! Rejected: staging the rows in a keyed temporary table and merging it with one set-based
//! statement. Every row was written twice (two thirds of an import's time went to SQLite's
//! B-tree writes), and the table's pages spilled from the page cache to disk on large files.

use chrono::{DateTime, Utc};

/// Where an import's merge writes, for the backend's bulk path; `K` is the backend's reference
/// to the import (`backend::ImportKey`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a, K> {
    pub(crate) campaign_id: &'a str,
    /// The import record's key, which every row written names (`daily_metrics.import_id`).
    pub(crate) import_key: &'a K,
    pub(crate) now: DateTime<Utc>,
    /// Whether the campaign held no row in the months of the spooled rows (its first import):
    /// every row is new, and the months' sums are the rows' (see `rollup::MonthSums`).
    pub(crate) fresh: bool,
}

/// Implements the import writer for `$store` (field `pool: sqlx::Pool<$db>`), in a module
/// `staging_impl` beside the import store's; `$begin_write` as for `impl_store!`, `$merge` the
/// backend's bulk path (a module with `load(conn, &Target, &Spool, &mut MonthSums) ->
/// Result<UpsertCounts>`, adding every row it writes to the sums).
macro_rules! impl_staging {
    ($store:ty, $db:ty, $begin_write:literal, $merge:path) => {
        mod staging_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, NaiveDate, Utc};
            use spendlens_core::campaign::{CampaignId, OrgId};
            use spendlens_core::channel::ChannelDay;
            use spendlens_core::daily::DailyRow;

            use crate::campaigns::{BUMP_INPUTS, LOCK_CAMPAIGN};
            use crate::backend::ImportKey;
            use crate::imports::{Committed, ImportRecord, ImportWriter, UpsertCounts, Values, add_sums};
            use crate::rollup::{MonthSums, TOTALS};
            use crate::spool::{Spool, Staged};
            use crate::staging::Target;
            use crate::{Result, StoreError, new_id};
            use $merge as merge;

            crate::rollup::rollup_steps!($db);

            /// One import in flight: its spooled rows and what the merge needs.
            pub(crate) struct Writer {
                pool: sqlx::Pool<$db>,
                org_id: String,
                campaign_id: String,
                record: ImportRecord,
                now: DateTime<Utc>,
                /// Rows written, a repeated key each time (the import record's row count).
                rows: i64,
                span: Option<(NaiveDate, NaiveDate)>,
                /// What the spooled rows add at most, per metric (see `add_sums`).
                sums: [i128; TOTALS.len()],
                spool: Spool,
                /// Named channels' days, checked and converted, written by the merge.
                channels: Vec<(ChannelDay, (i64, Option<i64>))>,
            }

            impl std::fmt::Debug for Writer {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.debug_struct("Writer")
                        .field("campaign_id", &self.campaign_id)
                        .field("rows", &self.rows)
                        .finish_non_exhaustive()
                }
            }

            impl Writer {
                /// An empty import into the campaign; the pool is used only by the merge.
                pub(crate) fn start(
                    pool: sqlx::Pool<$db>,
                    org: &OrgId,
                    campaign: &CampaignId,
                    record: &ImportRecord,
                    now: DateTime<Utc>,
                ) -> Result<Self> {
                    Ok(Writer {
                        pool,
                        org_id: org.as_str().to_owned(),
                        campaign_id: campaign.as_str().to_owned(),
                        record: record.clone(),
                        now,
                        rows: 0,
                        span: None,
                        sums: [0; TOTALS.len()],
                        spool: Spool::new()?,
                        channels: Vec::new(),
                    })
                }

                /// The merge on a connection set up for it by the backend (`merge::Session`).
                async fn merge(&self, content_hash: Option<&str>) -> Result<Committed> {
                    let mut session = merge::Session::open(&self.pool).await?;
                    let committed = self.merge_on(session.conn(), content_hash).await;
                    // The transaction has ended either way (dropped, it rolls back first).
                    session.close().await?;
                    committed
                }

                /// The merge, in one write transaction (see the module documentation).
                async fn merge_on(
                    &self,
                    conn: &mut <$db as sqlx::Database>::Connection,
                    content_hash: Option<&str>,
                ) -> Result<Committed> {
                    let mut tx = sqlx::Connection::begin_with(conn, $begin_write).await?;
                    let owned = sqlx::query(LOCK_CAMPAIGN)
                        .bind(&self.campaign_id)
                        .bind(&self.org_id)
                        .execute(&mut *tx)
                        .await?;
                    if owned.rows_affected() != 1 {
                        return Err(StoreError::NotFound("campaign"));
                    }
                    let import_id = new_id();
                    let import_key: <$db as ImportKey>::Key = sqlx::query_scalar(<$db as ImportKey>::INSERT_IMPORT)
                    .bind(&import_id)
                    .bind(&self.campaign_id)
                    .bind(&self.record.source)
                    .bind(&self.record.file_name)
                    .bind(content_hash.or(self.record.content_hash.as_deref()))
                    .bind(self.rows)
                    .bind(self.now)
                    .bind(&self.record.detail)
                    .fetch_one(&mut *tx)
                    .await?;
                    let mut counts = UpsertCounts::default();
                    if let Some((from, to)) = self.span {
                        let (first, last, _, _) = crate::metrics::month_span(from, to);
                        let stored: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM (SELECT 1 FROM daily_metrics \
                             WHERE campaign_id = $1 AND date >= $2 AND date <= $3 LIMIT 1) AS s",
                        )
                        .bind(&self.campaign_id)
                        .bind(first)
                        .bind(last)
                        .fetch_one(&mut *tx)
                        .await?;
                        let target = Target {
                            campaign_id: &self.campaign_id,
                            import_key: &import_key,
                            now: self.now,
                            fresh: stored == 0,
                        };
                        let mut months = MonthSums::default();
                        counts = merge::load(&mut *tx, &target, &self.spool, &mut months).await?;
                        if target.fresh {
                            write_months(&mut tx, &self.campaign_id, &months).await?;
                        } else {
                            refresh_months(&mut tx, &self.campaign_id, from, to).await?;
                        }
                        check_totals(&mut tx, &self.campaign_id).await?;
                    }
                    for (day, (spend, impressions)) in &self.channels {
                        sqlx::query(crate::channels::UPSERT_CHANNEL_DAY)
                            .bind(&self.campaign_id)
                            .bind(day.channel.key())
                            .bind(day.date)
                            .bind(day.channel.as_str())
                            .bind(*spend)
                            .bind(*impressions)
                            .bind(&day.currency)
                            .bind(self.now)
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query(BUMP_INPUTS).bind(&self.campaign_id).execute(&mut *tx).await?;
                    tx.commit().await?;
                    Ok(Committed { import_id, counts })
                }
            }

            #[async_trait]
            impl ImportWriter for Writer {
                async fn write(&mut self, rows: &[DailyRow]) -> Result<()> {
                    for row in rows {
                        let values = Values::of(row)?;
                        add_sums(&mut self.sums, &values);
                        self.span = Some(match self.span {
                            None => (row.date, row.date),
                            Some((a, b)) => (a.min(row.date), b.max(row.date)),
                        });
                        self.spool.push(Staged {
                            date: row.date,
                            platform: row.platform,
                            external_campaign_id: row.external_campaign_id.clone(),
                            values,
                        })?;
                    }
                    // The file alone passes a cap: refused now, naming the field.
                    crate::rollup::check_caps(&self.sums)?;
                    self.rows = self
                        .rows
                        .saturating_add(i64::try_from(rows.len()).unwrap_or(i64::MAX));
                    Ok(())
                }

                async fn stage_channels(&mut self, days: &[ChannelDay]) -> Result<()> {
                    let values = crate::channels::channel_values(days)?;
                    self.channels.extend(days.iter().cloned().zip(values));
                    Ok(())
                }

                async fn commit(mut self: Box<Self>, content_hash: Option<String>) -> Result<Committed> {
                    let hash = content_hash.as_deref();
                    self.spool.finish()?;
                    // The spool is read afresh by each try: a merge rolled back can be tried again.
                    crate::retry::transient!({ self.merge(hash).await })
                }
            }
        }
    };
}

pub(crate) use impl_staging;
