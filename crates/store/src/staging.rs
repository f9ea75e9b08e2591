//! A streamed import: its rows staged in short writes to a temporary table of the import's own
//! connection, then merged into `daily_metrics` by one set-based statement in one transaction.
//!
//! Why: a file of a million rows written inside one transaction held SQLite's write lock for the
//! whole parse, and every other writer (another campaign's metrics post) failed after the busy
//! timeout. Staged, the lock is held only for the merge; the parse and the staging writes take no
//! lock on the shared database at all (a temporary table lives in the connection's own
//! temporary database on SQLite, and is private to the session on PostgreSQL).
//!
//! All or nothing, and nothing left behind: the staged rows are invisible to every other
//! connection; the merge writes the import record, the rows, the months' sums, the check of
//! the campaign's totals and the data version in one transaction (queued behind the campaign's
//! row like every write, see `campaigns::LOCK_CAMPAIGN`). An import abandoned before the merge
//! (an error, a client gone, a crash) drops its connection instead of returning it to the pool,
//! so its temporary table goes with it; a killed process takes its connections, and so their
//! tables, along. Re-importing a file changes nothing: rows are upserted on their natural key,
//! and a key repeated in the file keeps its last row.
//!
//! The staging table is keyed like the rows it becomes (day, platform, external campaign), so
//! the merge reads it in the order `daily_metrics` is stored in. A bulk path (PostgreSQL's COPY
//! into the same table) can replace the batched statements without changing the merge.

/// Implements the import writer for `$store` (field `pool: sqlx::Pool<$db>`), in a module
/// `staging_impl` beside the import store's; `$begin_write` and `$numbered` as for
/// `impl_store!`, `$staging_table` the backend's `CREATE TEMP TABLE import_staging` statement.
macro_rules! impl_staging {
    ($store:ty, $db:ty, $begin_write:literal, $numbered:literal, $staging_table:expr) => {
        mod staging_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, NaiveDate, Utc};
            use spendlens_core::campaign::{CampaignId, OrgId};
            use spendlens_core::channel::ChannelDay;
            use spendlens_core::daily::DailyRow;
            use spendlens_core::platform::Platform;

            use crate::campaigns::{BUMP_VERSION, LOCK_CAMPAIGN};
            use crate::imports::{Committed, ImportRecord, ImportWriter, UpsertCounts, Values, add_sums};
            use crate::rollup::TOTALS;
            use crate::{Result, StoreError, new_id};

            crate::rollup::rollup_steps!($db);

            /// Rows per multi-row statement: 500 × 11 parameters stays under both backends'
            /// limits.
            const BATCH_ROWS: usize = 500;
            /// Columns of a staged row.
            const COLUMNS: usize = 11;

            /// The multi-row upsert of `n` rows into the staging table (a later row of a key
            /// replaces an earlier one, as it will replace the stored row).
            fn stage_sql(n: usize) -> String {
                let mut sql = String::with_capacity(200 + n * 60);
                sql.push_str(
                    "INSERT INTO import_staging (platform, date, external_campaign_id, spend_micros, impressions, \
                     engagements, clicks, conversions_micros, conversion_value_micros, revenue_micros, currency) VALUES ",
                );
                for i in 0..n {
                    sql.push_str(if i == 0 { "(" } else { ",(" });
                    for c in 0..COLUMNS {
                        if c > 0 {
                            sql.push(',');
                        }
                        if $numbered {
                            sql.push('$');
                            sql.push_str(&(i * COLUMNS + c + 1).to_string());
                        } else {
                            sql.push('?');
                        }
                    }
                    sql.push(')');
                }
                sql.push_str(
                    " ON CONFLICT (date, platform, external_campaign_id) DO UPDATE SET \
                     spend_micros = excluded.spend_micros, impressions = excluded.impressions, \
                     engagements = excluded.engagements, clicks = excluded.clicks, \
                     conversions_micros = excluded.conversions_micros, \
                     conversion_value_micros = excluded.conversion_value_micros, \
                     revenue_micros = excluded.revenue_micros, currency = excluded.currency",
                );
                sql
            }

            /// The merge: every staged row into the campaign's rows, in key order. (SQLite reads
            /// `INSERT … SELECT … ON CONFLICT` unambiguously only with a WHERE clause.)
            const MERGE: &str = "INSERT INTO daily_metrics (campaign_id, platform, date, external_campaign_id, \
                 spend_micros, impressions, engagements, clicks, conversions_micros, conversion_value_micros, \
                 revenue_micros, currency, import_id, updated_at) \
                 SELECT $1, platform, date, external_campaign_id, spend_micros, impressions, engagements, clicks, \
                 conversions_micros, conversion_value_micros, revenue_micros, currency, $2, $3 \
                 FROM import_staging WHERE 1 = 1 ORDER BY date, platform, external_campaign_id \
                 ON CONFLICT (campaign_id, platform, date, external_campaign_id) DO UPDATE SET \
                 spend_micros = excluded.spend_micros, impressions = excluded.impressions, \
                 engagements = excluded.engagements, clicks = excluded.clicks, \
                 conversions_micros = excluded.conversions_micros, \
                 conversion_value_micros = excluded.conversion_value_micros, \
                 revenue_micros = excluded.revenue_micros, currency = excluded.currency, \
                 import_id = excluded.import_id, updated_at = excluded.updated_at";

            /// The staged rows against the stored ones, before the merge: how many there are, how
            /// many keys exist already, and how many of those hold the very same values (a
            /// missing value equals a missing value: `IS NOT DISTINCT FROM`).
            const COUNT_CHANGES: &str = "SELECT COUNT(*), COUNT(d.date), \
                 COALESCE(SUM(CASE WHEN d.date IS NOT NULL \
                 AND d.spend_micros IS NOT DISTINCT FROM s.spend_micros \
                 AND d.impressions IS NOT DISTINCT FROM s.impressions \
                 AND d.engagements IS NOT DISTINCT FROM s.engagements \
                 AND d.clicks IS NOT DISTINCT FROM s.clicks \
                 AND d.conversions_micros IS NOT DISTINCT FROM s.conversions_micros \
                 AND d.conversion_value_micros IS NOT DISTINCT FROM s.conversion_value_micros \
                 AND d.revenue_micros IS NOT DISTINCT FROM s.revenue_micros \
                 AND d.currency IS NOT DISTINCT FROM s.currency THEN 1 ELSE 0 END), 0) \
                 FROM import_staging s LEFT JOIN daily_metrics d ON d.campaign_id = $1 \
                 AND d.platform = s.platform AND d.date = s.date \
                 AND d.external_campaign_id = s.external_campaign_id";

            /// One import in flight: its own connection (holding the staging table) and what the
            /// merge needs.
            pub(crate) struct Writer {
                conn: sqlx::pool::PoolConnection<$db>,
                org_id: String,
                campaign_id: String,
                record: ImportRecord,
                now: DateTime<Utc>,
                full_batch_sql: String,
                rows: i64,
                span: Option<(NaiveDate, NaiveDate)>,
                /// What the staged rows add at most, per metric (see `add_sums`).
                sums: [i128; TOTALS.len()],
                /// Whether the connection may be closed rather than reused (not the one
                /// connection of an in-memory database).
                disposable: bool,
                /// Set by a successful merge: the connection goes back to the pool.
                merged: bool,
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

            impl Drop for Writer {
                /// An import abandoned before its merge closes its connection, and the
                /// staging table goes with it.
                fn drop(&mut self) {
                    if !self.merged && self.disposable {
                        self.conn.close_on_drop();
                    }
                }
            }

            impl Writer {
                /// Prepares an empty staging table on `conn` for an import into the campaign.
                pub(crate) async fn start(
                    mut conn: sqlx::pool::PoolConnection<$db>,
                    disposable: bool,
                    org: &OrgId,
                    campaign: &CampaignId,
                    record: &ImportRecord,
                    now: DateTime<Utc>,
                ) -> Result<Self> {
                    // A table left by an import of a connection that could not be closed.
                    sqlx::query("DROP TABLE IF EXISTS import_staging").execute(&mut *conn).await?;
                    sqlx::query($staging_table).execute(&mut *conn).await?;
                    Ok(Writer {
                        conn,
                        org_id: org.as_str().to_owned(),
                        campaign_id: campaign.as_str().to_owned(),
                        record: record.clone(),
                        now,
                        full_batch_sql: stage_sql(BATCH_ROWS),
                        rows: 0,
                        span: None,
                        sums: [0; TOTALS.len()],
                        disposable,
                        merged: false,
                        channels: Vec::new(),
                    })
                }

                /// The merge, in one write transaction (see the module documentation).
                async fn merge(&mut self, content_hash: Option<&str>) -> Result<Committed> {
                    let mut tx = sqlx::Connection::begin_with(&mut *self.conn, $begin_write).await?;
                    let owned = sqlx::query(LOCK_CAMPAIGN)
                        .bind(&self.campaign_id)
                        .bind(&self.org_id)
                        .execute(&mut *tx)
                        .await?;
                    if owned.rows_affected() != 1 {
                        return Err(StoreError::NotFound("campaign"));
                    }
                    let import_id = new_id();
                    sqlx::query(
                        "INSERT INTO imports (id, campaign_id, source, file_name, content_hash, row_count, created_at, detail) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&import_id)
                    .bind(&self.campaign_id)
                    .bind(&self.record.source)
                    .bind(&self.record.file_name)
                    .bind(content_hash.or(self.record.content_hash.as_deref()))
                    .bind(self.rows)
                    .bind(self.now)
                    .bind(&self.record.detail)
                    .execute(&mut *tx)
                    .await?;
                    let mut counts = UpsertCounts::default();
                    if let Some((from, to)) = self.span {
                        let (staged, existing, same): (i64, i64, i64) = sqlx::query_as(COUNT_CHANGES)
                            .bind(&self.campaign_id)
                            .fetch_one(&mut *tx)
                            .await?;
                        let whole = |n: i64| u64::try_from(n).unwrap_or(0);
                        counts = UpsertCounts {
                            inserted: whole(staged - existing),
                            updated: whole(existing - same),
                            unchanged: whole(same),
                        };
                        sqlx::query(MERGE)
                            .bind(&self.campaign_id)
                            .bind(&import_id)
                            .bind(self.now)
                            .execute(&mut *tx)
                            .await?;
                        refresh_months(&mut tx, &self.campaign_id, from, to).await?;
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
                    sqlx::query(BUMP_VERSION).bind(&self.campaign_id).execute(&mut *tx).await?;
                    tx.commit().await?;
                    Ok(Committed { import_id, counts })
                }
            }

            #[async_trait]
            impl ImportWriter for Writer {
                async fn write(&mut self, rows: &[DailyRow]) -> Result<()> {
                    for chunk in rows.chunks(BATCH_ROWS) {
                        // One statement cannot touch a key twice: keep the last row of each key.
                        let mut last: std::collections::HashMap<(Platform, NaiveDate, &str), usize> =
                            std::collections::HashMap::with_capacity(chunk.len());
                        for (i, r) in chunk.iter().enumerate() {
                            last.insert((r.platform, r.date, r.external_campaign_id.as_str()), i);
                        }
                        let mut keep: Vec<usize> = last.into_values().collect();
                        keep.sort_unstable();
                        let values = keep
                            .iter()
                            .map(|&i| Values::of(&chunk[i]).map(|v| (&chunk[i], v)))
                            .collect::<Result<Vec<_>>>()?;
                        for (_, v) in &values {
                            add_sums(&mut self.sums, v);
                        }
                        // The file alone passes a cap: refused now, naming the field.
                        crate::rollup::check_caps(&self.sums)?;
                        let owned_sql;
                        let sql = if values.len() == BATCH_ROWS {
                            self.full_batch_sql.as_str()
                        } else {
                            owned_sql = stage_sql(values.len());
                            owned_sql.as_str()
                        };
                        let mut query = sqlx::query(sql);
                        for (row, v) in &values {
                            query = query
                                .bind(row.platform.as_str())
                                .bind(row.date)
                                .bind(row.external_campaign_id.as_str())
                                .bind(v.spend)
                                .bind(v.impressions)
                                .bind(v.engagements)
                                .bind(v.clicks)
                                .bind(v.conversions)
                                .bind(v.conversion_value)
                                .bind(v.revenue)
                                .bind(v.currency.clone());
                        }
                        query.execute(&mut *self.conn).await?;
                        self.rows = self
                            .rows
                            .saturating_add(i64::try_from(chunk.len()).unwrap_or(i64::MAX));
                        for (row, _) in &values {
                            self.span = Some(match self.span {
                                None => (row.date, row.date),
                                Some((a, b)) => (a.min(row.date), b.max(row.date)),
                            });
                        }
                    }
                    Ok(())
                }

                async fn stage_channels(&mut self, days: &[ChannelDay]) -> Result<()> {
                    let values = crate::channels::channel_values(days)?;
                    self.channels.extend(days.iter().cloned().zip(values));
                    Ok(())
                }

                async fn commit(mut self: Box<Self>, content_hash: Option<String>) -> Result<Committed> {
                    let hash = content_hash.as_deref();
                    // The staged rows survive a merge rolled back, so it can be tried again.
                    let committed = crate::retry::transient!({ self.merge(hash).await })?;
                    self.merged = true;
                    // The staging table is empty weight now; a connection that cannot drop it
                    // is closed instead of going back to the pool.
                    if sqlx::query("DROP TABLE import_staging").execute(&mut *self.conn).await.is_err() {
                        self.merged = false;
                    }
                    Ok(committed)
                }
            }
        }
    };
}

pub(crate) use impl_staging;
