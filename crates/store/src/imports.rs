//! Writing daily rows: an upsert of a batch, or a streamed import written in batches inside one
//! transaction, each with its provenance (`imports`).
//!
//! A batch is all or nothing: every value is converted to micros before anything is written, and
//! the rows, the monthly sums of the months they touch (`monthly_totals`, see [`crate::metrics`])
//! and the campaign's data version change in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_core::daily::DailyRow;

use crate::Result;

/// What an upsert of daily rows did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// The provenance of a batch of rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub source: String,
    pub file_name: Option<String>,
    /// SHA-256 of the file, hex.
    pub content_hash: Option<String>,
}

/// Writes one import's rows in batches inside one transaction: nothing is visible until
/// [`ImportWriter::commit`], and dropping the writer without committing rolls everything back.
#[async_trait]
pub trait ImportWriter: Send {
    /// Upserts a batch on the natural key (a later row with the same key replaces an earlier one).
    async fn write(&mut self, rows: &[DailyRow]) -> Result<()>;

    /// Makes every batch visible at once; returns the import's id. A content hash known only
    /// now (a streamed file) replaces the one the import started with.
    async fn commit(self: Box<Self>, content_hash: Option<String>) -> Result<String>;
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

    /// Starts an import into a campaign of the organisation; `None` when the campaign is not
    /// found. The rows of the whole import are written in one transaction.
    async fn begin_import(
        &self,
        org: &OrgId,
        id: &CampaignId,
        record: &ImportRecord,
        now: DateTime<Utc>,
    ) -> Result<Option<Box<dyn ImportWriter>>>;
}

/// Implements [`ImportStore`] for `$store` (whose field `pool` is a `sqlx::Pool<$db>`), with the
/// same portable SQL on both backends; the arguments are those of `impl_store!`.
macro_rules! impl_import_store {
    ($store:ty, $db:ty, $begin_write:literal, $numbered:literal) => {
        mod import_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, NaiveDate, Utc};
            use spendlens_core::campaign::{CampaignId, OrgId};
            use spendlens_core::daily::DailyRow;
            use spendlens_core::platform::Platform;
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::campaigns::BUMP_VERSION;
            use crate::imports::{ImportRecord, ImportStore, ImportWriter, UpsertCounts};
            use crate::metrics::month_span;
            use crate::micros::{opt_to_micros, to_count, to_micros};
            use crate::{Result, new_id};

            type DbRow = <$db as sqlx::Database>::Row;

            /// Rows per multi-row statement: 500 × 14 parameters stays under both backends' limits.
            const BATCH_ROWS: usize = 500;

            /// The multi-row upsert for `n` rows.
            fn upsert_sql(n: usize) -> String {
                let mut sql = String::with_capacity(200 + n * 80);
                sql.push_str(
                    "INSERT INTO daily_metrics (campaign_id, platform, date, external_campaign_id, spend_micros, \
                     impressions, engagements, clicks, conversions_micros, conversion_value_micros, revenue_micros, \
                     currency, import_id, updated_at) VALUES ",
                );
                for i in 0..n {
                    if i > 0 {
                        sql.push(',');
                    }
                    sql.push('(');
                    for c in 0..14 {
                        if c > 0 {
                            sql.push(',');
                        }
                        if $numbered {
                            sql.push('$');
                            sql.push_str(&(i * 14 + c + 1).to_string());
                        } else {
                            sql.push('?');
                        }
                    }
                    sql.push(')');
                }
                sql.push_str(
                    " ON CONFLICT (campaign_id, platform, date, external_campaign_id) DO UPDATE SET \
                     spend_micros = excluded.spend_micros, impressions = excluded.impressions, \
                     engagements = excluded.engagements, clicks = excluded.clicks, \
                     conversions_micros = excluded.conversions_micros, \
                     conversion_value_micros = excluded.conversion_value_micros, \
                     revenue_micros = excluded.revenue_micros, currency = excluded.currency, \
                     import_id = excluded.import_id, updated_at = excluded.updated_at",
                );
                sql
            }

            /// Recomputes the monthly sums of a campaign for the months spanning `from..=to`, inside
            /// the transaction that changed its rows.
            async fn refresh_months(
                tx: &mut sqlx::Transaction<'static, $db>,
                campaign_id: &str,
                from: NaiveDate,
                to: NaiveDate,
            ) -> Result<()> {
                let (first, last, first_month, last_month) = month_span(from, to);
                sqlx::query("DELETE FROM monthly_totals WHERE campaign_id = $1 AND month >= $2 AND month <= $3")
                    .bind(campaign_id)
                    .bind(&first_month)
                    .bind(&last_month)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO monthly_totals (campaign_id, platform, month, spend_micros, impressions, engagements, \
                     clicks, conversions_micros, conversion_value_micros, revenue_micros, row_count) \
                     SELECT campaign_id, platform, substr(CAST(date AS TEXT), 1, 7), SUM(spend_micros), SUM(impressions), \
                     SUM(engagements), SUM(clicks), SUM(conversions_micros), SUM(conversion_value_micros), \
                     SUM(revenue_micros), COUNT(*) FROM daily_metrics \
                     WHERE campaign_id = $1 AND date >= $2 AND date <= $3 \
                     GROUP BY campaign_id, platform, substr(CAST(date AS TEXT), 1, 7)",
                )
                .bind(campaign_id)
                .bind(first)
                .bind(last)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// The import writer: one open transaction.
            struct Writer {
                tx: sqlx::Transaction<'static, $db>,
                campaign_id: String,
                import_id: String,
                now: DateTime<Utc>,
                full_batch_sql: String,
                rows: i64,
                span: Option<(NaiveDate, NaiveDate)>,
            }

            impl std::fmt::Debug for Writer {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.debug_struct("Writer").field("import_id", &self.import_id).finish_non_exhaustive()
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
                        let owned_sql;
                        let sql = if values.len() == BATCH_ROWS {
                            self.full_batch_sql.as_str()
                        } else {
                            owned_sql = upsert_sql(values.len());
                            owned_sql.as_str()
                        };
                        let mut query = sqlx::query(sql);
                        for (row, v) in &values {
                            query = query
                                .bind(self.campaign_id.as_str())
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
                                .bind(v.currency.clone())
                                .bind(self.import_id.as_str())
                                .bind(self.now);
                        }
                        query.execute(&mut *self.tx).await?;
                        self.rows += i64::try_from(chunk.len()).unwrap_or(i64::MAX);
                        for (row, _) in &values {
                            self.span = Some(match self.span {
                                None => (row.date, row.date),
                                Some((a, b)) => (a.min(row.date), b.max(row.date)),
                            });
                        }
                    }
                    Ok(())
                }

                async fn commit(self: Box<Self>, content_hash: Option<String>) -> Result<String> {
                    let Writer { mut tx, import_id, rows, span, campaign_id, .. } = *self;
                    if let Some((from, to)) = span {
                        refresh_months(&mut tx, &campaign_id, from, to).await?;
                    }
                    sqlx::query(BUMP_VERSION).bind(&campaign_id).execute(&mut *tx).await?;
                    sqlx::query("UPDATE imports SET row_count = $1, content_hash = COALESCE($2, content_hash) WHERE id = $3")
                        .bind(rows)
                        .bind(content_hash)
                        .bind(&import_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(import_id)
                }
            }

            /// The stored form of a daily row's values, in column order after the key.
            struct Values {
                spend: i64,
                impressions: i64,
                engagements: i64,
                clicks: i64,
                conversions: i64,
                conversion_value: Option<i64>,
                revenue: Option<i64>,
                currency: Option<String>,
            }

            impl Values {
                fn of(row: &DailyRow) -> Result<Self> {
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

                fn read(row: &DbRow) -> Result<Self> {
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

                fn same(&self, other: &Values) -> bool {
                    (self.spend, self.impressions, self.engagements, self.clicks, self.conversions,
                     self.conversion_value, self.revenue, &self.currency)
                        == (other.spend, other.impressions, other.engagements, other.clicks,
                            other.conversions, other.conversion_value, other.revenue, &other.currency)
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
                    // Convert everything first: a value that cannot be stored fails the batch
                    // before anything is written.
                    let values = rows.iter().map(Values::of).collect::<Result<Vec<_>>>()?;
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    let owned = sqlx::query("SELECT id FROM campaigns WHERE id = $1 AND org_id = $2")
                        .bind(id.as_str())
                        .bind(org.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                    if owned.is_none() {
                        return Ok(None);
                    }
                    let import_id = match import {
                        None => None,
                        Some(record) => {
                            let import_id = new_id();
                            sqlx::query(
                                "INSERT INTO imports (id, campaign_id, source, file_name, content_hash, row_count, created_at) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                            )
                            .bind(&import_id)
                            .bind(id.as_str())
                            .bind(&record.source)
                            .bind(&record.file_name)
                            .bind(&record.content_hash)
                            .bind(i64::try_from(rows.len()).unwrap_or(i64::MAX))
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                            Some(import_id)
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
                            Some(old) if old.same(new) => {
                                counts.unchanged += 1;
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
                            .bind(&import_id)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        span = Some(match span {
                            None => (row.date, row.date),
                            Some((a, b)) => (a.min(row.date), b.max(row.date)),
                        });
                    }
                    if let Some((from, to)) = span {
                        refresh_months(&mut tx, id.as_str(), from, to).await?;
                        sqlx::query(BUMP_VERSION).bind(id.as_str()).execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                    Ok(Some(counts))
                }

                #[instrument(skip_all)]
                async fn begin_import(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    record: &ImportRecord,
                    now: DateTime<Utc>,
                ) -> Result<Option<Box<dyn ImportWriter>>> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    let owned = sqlx::query("SELECT id FROM campaigns WHERE id = $1 AND org_id = $2")
                        .bind(id.as_str())
                        .bind(org.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                    if owned.is_none() {
                        return Ok(None);
                    }
                    let import_id = new_id();
                    sqlx::query(
                        "INSERT INTO imports (id, campaign_id, source, file_name, content_hash, row_count, created_at) \
                         VALUES ($1, $2, $3, $4, $5, 0, $6)",
                    )
                    .bind(&import_id)
                    .bind(id.as_str())
                    .bind(&record.source)
                    .bind(&record.file_name)
                    .bind(&record.content_hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    Ok(Some(Box::new(Writer {
                        tx,
                        campaign_id: id.as_str().to_owned(),
                        import_id,
                        now,
                        full_batch_sql: upsert_sql(BATCH_ROWS),
                        rows: 0,
                        span: None,
                    })))
                }
            }
        }
    };
}

pub(crate) use impl_import_store;
