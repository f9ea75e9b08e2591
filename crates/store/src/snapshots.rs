//! Daily snapshots of a campaign's totals: one per campaign and closed day, written once (the
//! sweep of every instance may try; the first wins), read back for the trend arrows.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use spendlens_core::campaign::{CampaignId, OrgId};

use crate::Result;

/// A campaign's totals as recorded on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSnapshot {
    pub date: NaiveDate,
    pub spend: Decimal,
    pub impressions: u64,
    pub clicks: u64,
    pub conversions: Decimal,
    pub revenue: Decimal,
    /// The estimated average order value in force that day.
    pub aov: Decimal,
}

/// Storage of daily snapshots.
#[async_trait]
pub trait SnapshotStore: Send + Sync {
    /// Writes the day's snapshot unless one exists; true when this call wrote it.
    async fn write_snapshot(
        &self,
        campaign: &CampaignId,
        snapshot: &StoredSnapshot,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// The snapshot closest to `date` (the earlier one on a tie).
    async fn snapshot_closest(
        &self,
        org: &OrgId,
        id: &CampaignId,
        date: NaiveDate,
    ) -> Result<Option<StoredSnapshot>>;

    /// All snapshots of a campaign, oldest first.
    async fn snapshots(&self, org: &OrgId, id: &CampaignId) -> Result<Vec<StoredSnapshot>>;

    /// The day of the campaign's latest snapshot, if any (one index probe: the sweep asks it of
    /// every campaign, which may each hold hundreds of snapshots).
    async fn last_snapshot_date(&self, org: &OrgId, id: &CampaignId) -> Result<Option<NaiveDate>>;
}

/// Implements [`SnapshotStore`] for `$store` (whose field `pool` is a `sqlx::Pool<$db>`), with the
/// same portable SQL on both backends; `$begin_write` as for `impl_store!`.
macro_rules! impl_snapshot_store {
    ($store:ty, $db:ty, $begin_write:literal) => {
        mod snapshot_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, NaiveDate, Utc};
            use spendlens_core::campaign::{CampaignId, OrgId};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::campaigns::{BUMP_VERSION, LOCK_ANY_CAMPAIGN};
            use crate::micros::{from_count, from_micros, to_count, to_micros};
            use crate::snapshots::{SnapshotStore, StoredSnapshot};
            use crate::Result;

            type DbRow = <$db as sqlx::Database>::Row;

            fn snapshot(row: &DbRow) -> Result<StoredSnapshot> {
                Ok(StoredSnapshot {
                    date: row.try_get("date")?,
                    spend: from_micros(row.try_get("spend_micros")?),
                    impressions: from_count(row.try_get("impressions")?),
                    clicks: from_count(row.try_get("clicks")?),
                    conversions: from_micros(row.try_get("conversions_micros")?),
                    revenue: from_micros(row.try_get("revenue_micros")?),
                    aov: from_micros(row.try_get("aov_micros")?),
                })
            }

            #[async_trait]
            impl SnapshotStore for $store {
                #[instrument(skip_all)]
                async fn write_snapshot(&self, campaign_id: &CampaignId, s: &StoredSnapshot, now: DateTime<Utc>) -> Result<bool> {
                    let spend = to_micros(s.spend)?;
                    let impressions = to_count(s.impressions)?;
                    let clicks = to_count(s.clicks)?;
                    let conversions = to_micros(s.conversions)?;
                    let revenue = to_micros(s.revenue)?;
                    let aov = to_micros(s.aov)?;
                    crate::retry::transient!({
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    // The campaign's row first, like every write of its data (see LOCK_CAMPAIGN).
                    let found = sqlx::query(LOCK_ANY_CAMPAIGN)
                        .bind(campaign_id.as_str())
                        .execute(&mut *tx)
                        .await?;
                    if found.rows_affected() != 1 {
                        return Ok(false);
                    }
                    let done = sqlx::query(
                        "INSERT INTO snapshots (campaign_id, date, spend_micros, impressions, clicks, conversions_micros, \
                         revenue_micros, aov_micros, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT (campaign_id, date) DO NOTHING",
                    )
                    .bind(campaign_id.as_str())
                    .bind(s.date)
                    .bind(spend)
                    .bind(impressions)
                    .bind(clicks)
                    .bind(conversions)
                    .bind(revenue)
                    .bind(aov)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    let written = done.rows_affected() == 1;
                    if written {
                        sqlx::query(BUMP_VERSION).bind(campaign_id.as_str()).execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                    Ok(written)
                    })
                }

                #[instrument(skip_all)]
                async fn snapshot_closest(&self, org: &OrgId, id: &CampaignId, date: NaiveDate) -> Result<Option<StoredSnapshot>> {
                    // The nearest snapshot at or before the date and the nearest after it, in
                    // one round trip; the closer wins, the earlier on a tie.
                    let rows = sqlx::query(
                        "SELECT * FROM (SELECT s.date, s.spend_micros, s.impressions, s.clicks, s.conversions_micros, \
                         s.revenue_micros, s.aov_micros FROM snapshots s JOIN campaigns c ON c.id = s.campaign_id \
                         WHERE c.org_id = $1 AND s.campaign_id = $2 AND s.date <= $3 ORDER BY s.date DESC LIMIT 1) AS before_day \
                         UNION ALL \
                         SELECT * FROM (SELECT s.date, s.spend_micros, s.impressions, s.clicks, s.conversions_micros, \
                         s.revenue_micros, s.aov_micros FROM snapshots s JOIN campaigns c ON c.id = s.campaign_id \
                         WHERE c.org_id = $1 AND s.campaign_id = $2 AND s.date > $3 ORDER BY s.date ASC LIMIT 1) AS after_day",
                    )
                    .bind(org.as_str())
                    .bind(id.as_str())
                    .bind(date)
                    .fetch_all(&self.pool)
                    .await?;
                    let mut found = rows.iter().map(snapshot).collect::<Result<Vec<_>>>()?;
                    found.sort_by_key(|s| s.date);
                    // min_by_key keeps the first of equals: the earlier snapshot wins a tie.
                    Ok(found.into_iter().min_by_key(|s| (s.date - date).num_days().abs()))
                }

                #[instrument(skip_all)]
                async fn snapshots(&self, org: &OrgId, id: &CampaignId) -> Result<Vec<StoredSnapshot>> {
                    let rows = sqlx::query(
                        "SELECT s.date, s.spend_micros, s.impressions, s.clicks, s.conversions_micros, s.revenue_micros, s.aov_micros \
                         FROM snapshots s JOIN campaigns c ON c.id = s.campaign_id \
                         WHERE c.org_id = $1 AND s.campaign_id = $2 ORDER BY s.date",
                    )
                    .bind(org.as_str())
                    .bind(id.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(snapshot).collect()
                }

                #[instrument(skip_all)]
                async fn last_snapshot_date(&self, org: &OrgId, id: &CampaignId) -> Result<Option<NaiveDate>> {
                    Ok(sqlx::query_scalar(
                        "SELECT s.date FROM snapshots s JOIN campaigns c ON c.id = s.campaign_id \
                         WHERE c.org_id = $1 AND s.campaign_id = $2 ORDER BY s.date DESC LIMIT 1",
                    )
                    .bind(org.as_str())
                    .bind(id.as_str())
                    .fetch_optional(&self.pool)
                    .await?)
                }
            }
        }
    };
}

pub(crate) use impl_snapshot_store;
