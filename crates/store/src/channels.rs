//! The daily spend of named channels that are no ad platform (see `spendlens_core::channel`):
//! written per campaign, read as a daily series (for the marketing-mix model) and as totals per
//! channel (for the analysis, the reports and the budget optimiser).
//!
//! Kept in their own table (`channel_metrics`, migration 0011) rather than in `daily_metrics`:
//! the platforms' rows, their monthly sums and the seed's analysis of them stay exactly as they
//! were, and a channel's row holds only what a channel has (spend, impressions when known).
//! Writes follow the store's rules: all or nothing, the campaign's row taken first
//! (`campaigns::LOCK_CAMPAIGN`), the data version bumped when anything changed; sums are read
//! in SQL as overflow-free split sums (`metrics::split_sum`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_core::channel::{ChannelDay, ChannelTotals};

use crate::Result;

/// Storage of named channels' daily spend.
#[async_trait]
pub trait ChannelStore: Send + Sync {
    /// Upserts channel days on (channel, day) in one transaction: a later row of a key replaces
    /// an earlier one, as a re-import must. Returns how many rows were written; `None` when the
    /// campaign is not found in the organisation (nothing is written).
    /// [`crate::StoreError::OutOfRange`] names the first value outside the limits.
    async fn upsert_channel_days(
        &self,
        org: &OrgId,
        id: &CampaignId,
        rows: &[ChannelDay],
        now: DateTime<Utc>,
    ) -> Result<Option<u64>>;

    /// The campaign's channel days from `from` to `to` (inclusive), ordered by date then channel
    /// key. Empty for another organisation's campaign.
    async fn channel_series(
        &self,
        org: &OrgId,
        id: &CampaignId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ChannelDay>>;

    /// The organisation's campaigns with at least one channel day, ordered by id.
    async fn campaigns_with_channels(&self, org: &OrgId) -> Result<Vec<CampaignId>>;

    /// Per channel, the sums of every stored day up to and including `up_to`, ordered by
    /// channel key. Empty for another organisation's campaign.
    async fn channel_totals(
        &self,
        org: &OrgId,
        id: &CampaignId,
        up_to: NaiveDate,
    ) -> Result<Vec<ChannelTotals>>;
}

/// Upserts one channel day on (campaign, channel, day): campaign id, channel key, date, name,
/// spend micros, impressions, currency, now. Used by [`ChannelStore::upsert_channel_days`] and by
/// an import's commit (`staging.rs`), so a channel file's platform rows and channel days are
/// written in one transaction.
pub(crate) const UPSERT_CHANNEL_DAY: &str = "INSERT INTO channel_metrics (campaign_id, channel_key, date, \
     channel_name, spend_micros, impressions, currency, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
     ON CONFLICT (campaign_id, channel_key, date) DO UPDATE SET channel_name = excluded.channel_name, \
     spend_micros = excluded.spend_micros, impressions = excluded.impressions, \
     currency = excluded.currency, updated_at = excluded.updated_at";

/// Checks and converts channel days for storage: the spend in micros and the impressions as a
/// stored count; the first value outside the limits is the error (nothing is written then).
pub(crate) fn channel_values(rows: &[ChannelDay]) -> Result<Vec<(i64, Option<i64>)>> {
    let mut values = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(p) = row.problems().into_iter().next() {
            return Err(crate::StoreError::OutOfRange {
                field: p.field,
                message: p.message,
            });
        }
        values.push((
            crate::micros::to_micros(row.spend)?,
            row.impressions.map(crate::micros::to_count).transpose()?,
        ));
    }
    Ok(values)
}

/// Implements [`ChannelStore`] for `$store` (field `pool: sqlx::Pool<$db>`), with the same
/// portable SQL on both backends.
macro_rules! impl_channel_store {
    ($store:ty, $db:ty, $begin_write:literal) => {
        mod channel_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, NaiveDate, Utc};
            use spendlens_core::campaign::{CampaignId, OrgId};
            use spendlens_core::channel::{ChannelDay, ChannelName, ChannelTotals};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::campaigns::{BUMP_INPUTS, LOCK_CAMPAIGN};
            use crate::channels::{ChannelStore, UPSERT_CHANNEL_DAY};
            use crate::metrics::{count_of, decimal_of_micros, split_sum, sum_of};
            use crate::micros::{from_count, from_micros};
            use crate::{Result, StoreError};

            #[async_trait]
            impl ChannelStore for $store {
                #[instrument(skip_all, fields(rows = rows.len()))]
                async fn upsert_channel_days(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    rows: &[ChannelDay],
                    now: DateTime<Utc>,
                ) -> Result<Option<u64>> {
                    // Check and convert everything first: nothing is written when one value
                    // cannot be stored.
                    let values = crate::channels::channel_values(rows)?;
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
                        for (row, (spend, impressions)) in rows.iter().zip(&values) {
                            sqlx::query(UPSERT_CHANNEL_DAY)
                            .bind(id.as_str())
                            .bind(row.channel.key())
                            .bind(row.date)
                            .bind(row.channel.as_str())
                            .bind(*spend)
                            .bind(*impressions)
                            .bind(&row.currency)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        }
                        if !rows.is_empty() {
                            sqlx::query(BUMP_INPUTS).bind(id.as_str()).execute(&mut *tx).await?;
                        }
                        tx.commit().await?;
                        Ok(Some(u64::try_from(rows.len()).unwrap_or(u64::MAX)))
                    })
                }

                #[instrument(skip_all)]
                async fn campaigns_with_channels(&self, org: &OrgId) -> Result<Vec<CampaignId>> {
                    // One probe of the key per campaign, not a scan of the channel days.
                    let rows = sqlx::query(
                        "SELECT c.id FROM campaigns c WHERE c.org_id = $1 \
                         AND EXISTS (SELECT 1 FROM channel_metrics m WHERE m.campaign_id = c.id) ORDER BY c.id",
                    )
                    .bind(org.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| Ok(CampaignId::new(r.try_get::<String, _>("id")?)))
                        .collect()
                }

                #[instrument(skip_all)]
                async fn channel_series(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    from: NaiveDate,
                    to: NaiveDate,
                ) -> Result<Vec<ChannelDay>> {
                    let rows = sqlx::query(
                        "SELECT date, channel_key, channel_name, spend_micros, impressions, currency \
                         FROM channel_metrics WHERE campaign_id = $2 AND date >= $3 AND date <= $4 \
                         AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $2 AND c.org_id = $1) \
                         ORDER BY date, channel_key",
                    )
                    .bind(org.as_str())
                    .bind(id.as_str())
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let impressions: Option<i64> = r.try_get("impressions")?;
                        out.push(ChannelDay {
                            date: r.try_get("date")?,
                            channel: ChannelName::from_stored(r.try_get("channel_key")?, r.try_get("channel_name")?),
                            spend: from_micros(r.try_get("spend_micros")?),
                            impressions: impressions.map(from_count),
                            currency: r.try_get("currency")?,
                        });
                    }
                    Ok(out)
                }

                #[instrument(skip_all)]
                async fn channel_totals(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    up_to: NaiveDate,
                ) -> Result<Vec<ChannelTotals>> {
                    // The name shown is the one of the channel's latest day (MAX over the key's
                    // rows would pick by collation, not by recency).
                    let sql = format!(
                        "SELECT m.channel_key, \
                         (SELECT l.channel_name FROM channel_metrics l WHERE l.campaign_id = m.campaign_id \
                          AND l.channel_key = m.channel_key AND l.date <= $3 ORDER BY l.date DESC LIMIT 1) AS channel_name, \
                         {}, {}, COUNT(m.impressions) AS reported, COUNT(*) AS days \
                         FROM channel_metrics m WHERE m.campaign_id = $2 AND m.date <= $3 \
                         AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $2 AND c.org_id = $1) \
                         GROUP BY m.campaign_id, m.channel_key ORDER BY m.channel_key",
                        split_sum("m.spend_micros", "spend"),
                        split_sum("m.impressions", "impressions"),
                    );
                    let rows = sqlx::query(&sql)
                        .bind(org.as_str())
                        .bind(id.as_str())
                        .bind(up_to)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(|e| StoreError::or_out_of_range(e, "rows"))?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let reported: i64 = r.try_get("reported")?;
                        let days: i64 = r.try_get("days")?;
                        out.push(ChannelTotals {
                            channel: ChannelName::from_stored(r.try_get("channel_key")?, r.try_get("channel_name")?),
                            spend: decimal_of_micros(sum_of(r, "spend")?.unwrap_or(0)),
                            impressions: if reported > 0 {
                                Some(count_of(sum_of(r, "impressions")?.unwrap_or(0)))
                            } else {
                                None
                            },
                            days: from_count(days),
                        });
                    }
                    Ok(out)
                }
            }
        }
    };
}

pub(crate) use impl_channel_store;
