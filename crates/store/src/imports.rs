//! Writing daily rows: an upsert of a batch, or a streamed import staged in batches and merged
//! in one transaction (see `staging.rs`), each with its provenance (`imports`).
//!
//! A batch is all or nothing: every value is checked against `spendlens_core::limits` and
//! converted to micros before anything is written, and the rows, the monthly sums of the months
//! they touch (`monthly_totals`, see `rollup.rs`), the check of the campaign's totals and
//! the campaign's data version change in one transaction, which takes the campaign's row first
//! (`campaigns::LOCK_CAMPAIGN`): writers of one campaign queue, on every instance.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_core::daily::DailyRow;
use spendlens_core::platform::Platform;

use crate::micros::{opt_to_micros, to_count, to_micros};
use crate::rollup::TOTALS;
use crate::{Result, StoreError};

/// What an upsert of daily rows did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows a sync removed: an earlier sync of its connection stored them in the days it
    /// fetched again, and the source no longer has them (deleted, or renamed).
    pub removed: u64,
}

/// The days a sync fetched, for one platform, and the import source its connection's syncs
/// are recorded under (see [`ImportStore::sync_rows`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncWindow {
    pub platform: spendlens_core::Platform,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    /// The `ImportRecord::source` this sync is recorded under, as the connection's earlier ones.
    pub source: String,
    /// An older source the connection's earlier syncs may be recorded under, counted as theirs.
    pub legacy_source: Option<String>,
}

/// A committed import: its id, and its rows new, changed and unchanged against what was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub import_id: String,
    pub counts: UpsertCounts,
}

/// The provenance of a batch of rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub source: String,
    pub file_name: Option<String>,
    /// SHA-256 of the file, hex.
    pub content_hash: Option<String>,
    /// The level of detail the file was exported at, when below one row per day and campaign
    /// (`ad set level, by Age, Gender`).
    pub detail: Option<String>,
}

/// Takes one import's rows in batches into a spool private to the import (no database is
/// touched): nothing is visible until [`ImportWriter::commit`] merges them in one transaction,
/// and dropping the writer without committing leaves nothing behind (see `staging.rs`).
#[async_trait]
pub trait ImportWriter: Send {
    /// Upserts a batch on the natural key (a later row with the same key replaces an earlier one).
    async fn write(&mut self, rows: &[DailyRow]) -> Result<()>;

    /// Adds named channels' days (a channel file's) to the import: checked now, written by
    /// [`ImportWriter::commit`] in the same transaction as the rows, so a channel file is
    /// stored whole or not at all. [`StoreError::OutOfRange`] names the first value outside
    /// the limits.
    async fn stage_channels(&mut self, days: &[spendlens_core::channel::ChannelDay]) -> Result<()>;

    /// Makes every batch visible at once; returns the import's id and what it did to the rows
    /// already stored (a re-import of the same file changes nothing and says so). A content hash known only
    /// now (a streamed file) replaces the one the import started with.
    /// [`StoreError::NotFound`] when the campaign was deleted meanwhile,
    /// [`StoreError::OutOfRange`] when the campaign's totals would pass their caps; nothing is
    /// written then.
    async fn commit(self: Box<Self>, content_hash: Option<String>) -> Result<Committed>;
}

/// Storage of daily rows as they arrive.
#[async_trait]
pub trait ImportStore: Send + Sync {
    /// Upserts daily rows on their natural key in one transaction, recording the import when
    /// given. `None` when the campaign is not found (and nothing is written).
    async fn upsert_rows(
        &self,
        org: &OrgId,
        id: &CampaignId,
        rows: &[DailyRow],
        import: Option<&ImportRecord>,
        now: DateTime<Utc>,
    ) -> Result<Option<UpsertCounts>>;

    /// Stores a platform sync's rows: upserts them as [`Self::upsert_rows`] does (recorded as an
    /// import of `window.source`), and in the same transaction removes
    /// the rows of `window.platform` in the window's days that an earlier sync of the same
    /// connection stored and this fetch no longer has, so a row deleted or renamed at the source
    /// stops counting. Rows of files and other connections are left alone.
    async fn sync_rows(
        &self,
        org: &OrgId,
        id: &CampaignId,
        rows: &[DailyRow],
        window: &SyncWindow,
        now: DateTime<Utc>,
    ) -> Result<Option<UpsertCounts>>;

    /// Starts an import into a campaign of the organisation; `None` when the campaign is not
    /// found. The rows of the whole import become visible in one transaction, at the commit.
    async fn begin_import(
        &self,
        org: &OrgId,
        id: &CampaignId,
        record: &ImportRecord,
        now: DateTime<Utc>,
    ) -> Result<Option<Box<dyn ImportWriter>>>;

    /// What the campaign's daily rows came under: one line per platform and external campaign
    /// (the campaign name or id of the file or platform), with its days and spend, by platform
    /// then name. Empty for another organisation's campaign.
    async fn row_sources(&self, org: &OrgId, id: &CampaignId) -> Result<Vec<RowSource>>;

    /// Deletes every daily row of one platform and external campaign of the campaign (rows
    /// imported under a name that was wrong, or twice under two names), re-summing its months,
    /// in one transaction holding the campaign's row, with `audit` when a row was (its details
    /// given what was deleted: first and last date, rows, spend). The rows deleted; `None` when the campaign is not found in the
    /// organisation.
    async fn delete_rows(
        &self,
        org: &OrgId,
        id: &CampaignId,
        platform: Platform,
        external_campaign_id: &str,
        audit: Option<&crate::AuditEntry>,
    ) -> Result<Option<u64>>;
}

/// One platform and external campaign of a campaign's daily rows ([`ImportStore::row_sources`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowSource {
    pub platform: Platform,
    /// The campaign name or id the rows came under (empty for rows given without one).
    pub external_campaign_id: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub days: u64,
    pub spend: rust_decimal::Decimal,
}

/// The stored form of a daily row's values, in column order after the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Values {
    pub(crate) spend: i64,
    pub(crate) impressions: i64,
    pub(crate) engagements: i64,
    pub(crate) clicks: i64,
    pub(crate) conversions: i64,
    pub(crate) conversion_value: Option<i64>,
    pub(crate) revenue: Option<i64>,
    pub(crate) currency: Option<String>,
}

impl Values {
    /// A stored `daily_metrics` row's values, by column name (either backend).
    pub(crate) fn read<R>(row: &R) -> Result<Self>
    where
        R: sqlx::Row,
        for<'a> &'a str: sqlx::ColumnIndex<R>,
        i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        Option<i64>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        Option<String>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    {
        Ok(Values {
            spend: row.try_get("spend_micros")?,
            impressions: row.try_get("impressions")?,
            engagements: row.try_get("engagements")?,
            clicks: row.try_get("clicks")?,
            conversions: row.try_get("conversions_micros")?,
            conversion_value: row.try_get("conversion_value_micros")?,
            revenue: row.try_get("revenue_micros")?,
            currency: row.try_get("currency")?,
        })
    }

    /// A row's values as stored, refused ([`StoreError::OutOfRange`], naming the field) when
    /// one is outside `spendlens_core::limits`: the callers check first and name the row, the
    /// store checks again so that no caller can store what the sums cannot hold.
    pub(crate) fn of(row: &DailyRow) -> Result<Self> {
        if let Some(p) = row.problems().into_iter().next() {
            return Err(StoreError::OutOfRange {
                field: p.field,
                message: p.message,
            });
        }
        Ok(Values {
            spend: to_micros(row.spend)?,
            impressions: to_count(row.impressions)?,
            engagements: to_count(row.engagements)?,
            clicks: to_count(row.clicks)?,
            conversions: to_micros(row.conversions)?,
            conversion_value: opt_to_micros(row.conversion_value)?,
            revenue: opt_to_micros(row.revenue)?,
            currency: row.currency.clone(),
        })
    }

    /// The values in the order of [`TOTALS`] (absent values as 0).
    pub(crate) fn summed(&self) -> [i64; 7] {
        [
            self.spend,
            self.impressions,
            self.engagements,
            self.clicks,
            self.conversions,
            self.conversion_value.unwrap_or(0),
            self.revenue.unwrap_or(0),
        ]
    }
}

/// The sums of a batch's values per metric (order of [`TOTALS`]), counting a repeated key each
/// time: at least what the batch adds to its campaign. A batch whose sums alone pass a cap is
/// refused before anything is written (and the months it touches can never overflow).
pub(crate) fn add_sums(sums: &mut [i128; TOTALS.len()], values: &Values) {
    for (sum, v) in sums.iter_mut().zip(values.summed()) {
        *sum = sum.saturating_add(i128::from(v));
    }
}

/// Implements [`ImportStore`] for `$store` (whose field `pool` is a `sqlx::Pool<$db>`), with the
/// same portable SQL on both backends; the arguments are those of `impl_store!`, the import
/// writer is [`crate::staging`]'s.
macro_rules! impl_import_store {
    ($store:ty, $db:ty, $begin_write:literal) => {
        mod import_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, NaiveDate, Utc};
            use spendlens_core::campaign::{CampaignId, OrgId};
            use spendlens_core::daily::DailyRow;
            use tracing::instrument;

            use crate::campaigns::{BUMP_INPUTS, LOCK_CAMPAIGN};
            use crate::imports::{ImportRecord, ImportStore, ImportWriter, RowSource, SyncWindow, UpsertCounts, Values, add_sums};
            use spendlens_core::platform::Platform;
            use crate::rollup::TOTALS;
            use crate::{Result, new_id};

            crate::rollup::rollup_steps!($db);

            impl $store {
                /// [`ImportStore::upsert_rows`], and with a window [`ImportStore::sync_rows`].
                async fn write_rows(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    rows: &[DailyRow],
                    import: Option<&ImportRecord>,
                    window: Option<&SyncWindow>,
                    now: DateTime<Utc>,
                ) -> Result<Option<UpsertCounts>> {
                    // Check and convert everything first: a value that cannot be stored, or a
                    // batch that alone passes a cap, fails before anything is written.
                    let values = rows.iter().map(Values::of).collect::<Result<Vec<_>>>()?;
                    let mut sums = [0i128; TOTALS.len()];
                    for v in &values {
                        add_sums(&mut sums, v);
                    }
                    crate::rollup::check_caps(&sums)?;
                    crate::retry::transient!({
                        let mut tx = self.pool.begin_with($begin_write).await?;
                        let owned = sqlx::query(LOCK_CAMPAIGN)
                            .bind(id.as_str())
                            .bind(org.as_str())
                            .execute(&mut *tx)
                            .await?;
                        if owned.rows_affected() != 1 {
                            return Ok(None);
                        }
                        let import_key: Option<<$db as crate::backend::ImportKey>::Key> = match import {
                            None => None,
                            Some(record) => {
                                let import_id = new_id();
                                let key = sqlx::query_scalar(<$db as crate::backend::ImportKey>::INSERT_IMPORT)
                                .bind(&import_id)
                                .bind(id.as_str())
                                .bind(&record.source)
                                .bind(&record.file_name)
                                .bind(&record.content_hash)
                                .bind(i64::try_from(rows.len()).unwrap_or(i64::MAX))
                                .bind(now)
                                .bind(&record.detail)
                                .fetch_one(&mut *tx)
                                .await?;
                                Some(key)
                            }
                        };
                        let mut counts = UpsertCounts::default();
                        let mut span: Option<(NaiveDate, NaiveDate)> = None;
                        for (row, new) in rows.iter().zip(&values) {
                            let existing = sqlx::query(
                                "SELECT spend_micros, impressions, engagements, clicks, conversions_micros, \
                                 conversion_value_micros, revenue_micros, currency FROM daily_metrics \
                                 WHERE campaign_id = $1 AND platform = $2 AND date = $3 AND external_campaign_id = $4",
                            )
                            .bind(id.as_str())
                            .bind(row.platform.as_str())
                            .bind(row.date)
                            .bind(&row.external_campaign_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                            let sql = match existing.as_ref().map(Values::read).transpose()? {
                                Some(old) if old == *new => {
                                    counts.unchanged += 1;
                                    // A sync's rows all carry its import, so what an earlier
                                    // sync stored and this one did not fetch can be told apart.
                                    if window.is_some() {
                                        sqlx::query(
                                            "UPDATE daily_metrics SET import_id = $5 WHERE campaign_id = $1 \
                                             AND platform = $2 AND date = $3 AND external_campaign_id = $4",
                                        )
                                        .bind(id.as_str())
                                        .bind(row.platform.as_str())
                                        .bind(row.date)
                                        .bind(&row.external_campaign_id)
                                        .bind(&import_key)
                                        .execute(&mut *tx)
                                        .await?;
                                    }
                                    continue;
                                }
                                Some(_) => {
                                    counts.updated += 1;
                                    "UPDATE daily_metrics SET spend_micros = $5, impressions = $6, engagements = $7, \
                                     clicks = $8, conversions_micros = $9, conversion_value_micros = $10, revenue_micros = $11, \
                                     currency = $12, import_id = $13, updated_at = $14 \
                                     WHERE campaign_id = $1 AND platform = $2 AND date = $3 AND external_campaign_id = $4"
                                }
                                None => {
                                    counts.inserted += 1;
                                    "INSERT INTO daily_metrics (campaign_id, platform, date, external_campaign_id, spend_micros, \
                                     impressions, engagements, clicks, conversions_micros, conversion_value_micros, revenue_micros, \
                                     currency, import_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
                                }
                            };
                            sqlx::query(sql)
                                .bind(id.as_str())
                                .bind(row.platform.as_str())
                                .bind(row.date)
                                .bind(&row.external_campaign_id)
                                .bind(new.spend)
                                .bind(new.impressions)
                                .bind(new.engagements)
                                .bind(new.clicks)
                                .bind(new.conversions)
                                .bind(new.conversion_value)
                                .bind(new.revenue)
                                .bind(&new.currency)
                                .bind(&import_key)
                                .bind(<$db as crate::backend::RowStamp>::stamp(now))
                                .execute(&mut *tx)
                                .await?;
                            span = Some(match span {
                                None => (row.date, row.date),
                                Some((a, b)) => (a.min(row.date), b.max(row.date)),
                            });
                        }
                        if let (Some(window), Some(current)) = (window, &import_key) {
                            let sql = format!(
                                "DELETE FROM daily_metrics WHERE campaign_id = $1 AND platform = $2 \
                                 AND date >= $3 AND date <= $4 AND import_id <> $5 AND import_id IN \
                                 (SELECT {} FROM imports WHERE campaign_id = $1 AND source IN ($6, $7))",
                                <$db as crate::backend::ImportKey>::KEY_COLUMN
                            );
                            let older = window.legacy_source.as_ref().unwrap_or(&window.source);
                            let removed = sqlx::query(&sql)
                                .bind(id.as_str())
                                .bind(window.platform.as_str())
                                .bind(window.from)
                                .bind(window.to)
                                .bind(current)
                                .bind(&window.source)
                                .bind(older)
                                .execute(&mut *tx)
                                .await?
                                .rows_affected();
                            if removed > 0 {
                                counts.removed = removed;
                                span = Some(match span {
                                    None => (window.from, window.to),
                                    Some((a, b)) => (a.min(window.from), b.max(window.to)),
                                });
                            }
                        }
                        if let Some((from, to)) = span {
                            refresh_months(&mut tx, id.as_str(), from, to).await?;
                            check_totals(&mut tx, id.as_str()).await?;
                            sqlx::query(BUMP_INPUTS).bind(id.as_str()).execute(&mut *tx).await?;
                        }
                        tx.commit().await?;
                        Ok(Some(counts))
                    })
                }
            }

            #[async_trait]
            impl ImportStore for $store {
                #[instrument(skip_all, fields(rows = rows.len()))]
                async fn upsert_rows(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    rows: &[DailyRow],
                    import: Option<&ImportRecord>,
                    now: DateTime<Utc>,
                ) -> Result<Option<UpsertCounts>> {
                    self.write_rows(org, id, rows, import, None, now).await
                }

                #[instrument(skip_all, fields(rows = rows.len()))]
                async fn sync_rows(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    rows: &[DailyRow],
                    window: &SyncWindow,
                    now: DateTime<Utc>,
                ) -> Result<Option<UpsertCounts>> {
                    let import = ImportRecord {
                        source: window.source.clone(),
                        file_name: None,
                        content_hash: None,
                        detail: None,
                    };
                    self.write_rows(org, id, rows, Some(&import), Some(window), now).await
                }

                #[instrument(skip_all)]
                async fn begin_import(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    record: &ImportRecord,
                    now: DateTime<Utc>,
                ) -> Result<Option<Box<dyn ImportWriter>>> {
                    let owned = sqlx::query("SELECT id FROM campaigns WHERE id = $1 AND org_id = $2")
                        .bind(id.as_str())
                        .bind(org.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                    if owned.is_none() {
                        return Ok(None);
                    }
                    let writer = super::staging_impl::Writer::start(self.pool.clone(), org, id, record, now)?;
                    Ok(Some(Box::new(writer)))
                }

                #[instrument(skip_all)]
                async fn row_sources(&self, org: &OrgId, id: &CampaignId) -> Result<Vec<RowSource>> {
                    use sqlx::Row as _;
                    let sql = format!(
                        "SELECT platform, external_campaign_id, MIN(date) AS first, MAX(date) AS last, \
                         COUNT(*) AS days, {} FROM daily_metrics WHERE campaign_id = $2 \
                         AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $2 AND c.org_id = $1) \
                         GROUP BY platform, external_campaign_id ORDER BY platform, external_campaign_id",
                        crate::metrics::split_sum("spend_micros", "spend")
                    );
                    let rows = sqlx::query(&sql)
                        .bind(org.as_str())
                        .bind(id.as_str())
                        .fetch_all(&self.pool)
                        .await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let name: String = r.try_get("platform")?;
                        let Ok(platform) = name.parse::<Platform>() else {
                            continue;
                        };
                        let days: i64 = r.try_get("days")?;
                        let spend = crate::metrics::sum_of(r, "spend")?.unwrap_or(0);
                        out.push(RowSource {
                            platform,
                            external_campaign_id: r.try_get("external_campaign_id")?,
                            first: r.try_get("first")?,
                            last: r.try_get("last")?,
                            days: crate::metrics::count_of(i128::from(days)),
                            spend: crate::metrics::decimal_of_micros(spend),
                        });
                    }
                    Ok(out)
                }

                #[instrument(skip_all)]
                async fn delete_rows(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    platform: Platform,
                    external_campaign_id: &str,
                    audit: Option<&crate::AuditEntry>,
                ) -> Result<Option<u64>> {
                    use sqlx::Row as _;
                    crate::retry::transient!({
                        let mut tx = self.pool.begin_with($begin_write).await?;
                        let held = sqlx::query(LOCK_CAMPAIGN)
                            .bind(id.as_str())
                            .bind(org.as_str())
                            .execute(&mut *tx)
                            .await?;
                        if held.rows_affected() != 1 {
                            return Ok(None);
                        }
                        let sql = format!(
                            "SELECT MIN(date) AS first, MAX(date) AS last, {} FROM daily_metrics \
                             WHERE campaign_id = $1 AND platform = $2 AND external_campaign_id = $3",
                            crate::metrics::split_sum("spend_micros", "spend")
                        );
                        let span = sqlx::query(&sql)
                        .bind(id.as_str())
                        .bind(platform.as_str())
                        .bind(external_campaign_id)
                        .fetch_one(&mut *tx)
                        .await?;
                        let (first, last): (Option<NaiveDate>, Option<NaiveDate>) =
                            (span.try_get("first")?, span.try_get("last")?);
                        let (Some(first), Some(last)) = (first, last) else {
                            return Ok(Some(0));
                        };
                        let removed = sqlx::query(
                            "DELETE FROM daily_metrics WHERE campaign_id = $1 AND platform = $2 \
                             AND external_campaign_id = $3",
                        )
                        .bind(id.as_str())
                        .bind(platform.as_str())
                        .bind(external_campaign_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        refresh_months(&mut tx, id.as_str(), first, last).await?;
                        sqlx::query(BUMP_INPUTS).bind(id.as_str()).execute(&mut *tx).await?;
                        if let Some(entry) = audit {
                            let mut entry = entry.clone();
                            if let serde_json::Value::Object(details) = &mut entry.details {
                                let spend = crate::metrics::sum_of(&span, "spend")?.unwrap_or(0);
                                details.insert("first_date".to_owned(), serde_json::json!(first.to_string()));
                                details.insert("last_date".to_owned(), serde_json::json!(last.to_string()));
                                details.insert("rows".to_owned(), serde_json::json!(removed));
                                details.insert(
                                    "spend".to_owned(),
                                    serde_json::json!(spendlens_core::num::cents_text(crate::metrics::decimal_of_micros(spend))),
                                );
                            }
                            crate::audit::insert_audit!(new_id(), &entry).execute(&mut *tx).await?;
                        }
                        tx.commit().await?;
                        Ok(Some(removed))
                    })
                }
            }
        }
    };
}

pub(crate) use impl_import_store;

/// The conflict clause of an import's write of daily rows: a stored key takes every value of the
/// file's row and the import that wrote it (a literal, for `concat!`).
macro_rules! upsert_daily_rows {
    () => {
        "ON CONFLICT (campaign_id, date, platform, external_campaign_id) DO UPDATE SET \
     spend_micros = excluded.spend_micros, impressions = excluded.impressions, \
     engagements = excluded.engagements, clicks = excluded.clicks, \
     conversions_micros = excluded.conversions_micros, \
     conversion_value_micros = excluded.conversion_value_micros, \
     revenue_micros = excluded.revenue_micros, currency = excluded.currency, \
     import_id = excluded.import_id, updated_at = excluded.updated_at"
    };
}

pub(crate) use upsert_daily_rows;
