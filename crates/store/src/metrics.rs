//! Reading daily rows: per-platform totals up to a day and the daily series of a campaign,
//! aggregated in SQL.
//!
//! `monthly_totals` holds each month's sums per platform, rewritten with the rows (see
//! [`crate::imports`]), so a total up to any day reads closed months plus at most a month of days
//! whatever the campaign's length.

use async_trait::async_trait;
use chrono::{Datelike, NaiveDate};
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_core::daily::DailyRow;
use spendlens_core::totals::PlatformTotals;

use crate::Result;

/// The first and last day of the months spanning `from..=to`, and their 'YYYY-MM' names: the
/// rows a monthly sum covers, and its key.
pub(crate) fn month_span(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate, String, String) {
    let first = from.with_day(1).unwrap_or(from);
    let last = to
        .with_day(1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
        .and_then(|d| d.pred_opt())
        .unwrap_or(to);
    (
        first,
        last,
        first.format("%Y-%m").to_string(),
        last.format("%Y-%m").to_string(),
    )
}

/// Aggregated reads of a campaign's daily rows.
#[async_trait]
pub trait MetricStore: Send + Sync {
    /// Per-platform sums of every stored day up to and including `up_to` (aggregated in SQL).
    async fn platform_totals(
        &self,
        org: &OrgId,
        id: &CampaignId,
        up_to: NaiveDate,
    ) -> Result<Vec<PlatformTotals>>;

    /// The campaign's days from `from` to `to` (inclusive), one row per day and platform (external
    /// campaigns summed, `external_campaign_id` empty), ordered by date then platform. Empty for
    /// another organisation's campaign.
    async fn daily_series(
        &self,
        org: &OrgId,
        id: &CampaignId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyRow>>;
}

/// Implements [`MetricStore`] for `$store` (whose field `pool` is a `sqlx::Pool<$db>`), with the
/// same portable SQL on both backends.
macro_rules! impl_metric_store {
    ($store:ty, $db:ty) => {
        mod metric_store_impl {
            use async_trait::async_trait;
            use chrono::NaiveDate;
            use spendlens_core::campaign::{CampaignId, OrgId};
            use spendlens_core::daily::DailyRow;
            use spendlens_core::platform::Platform;
            use spendlens_core::totals::PlatformTotals;
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::Result;
            use crate::metrics::{MetricStore, month_span};
            use crate::micros::{from_count, from_micros};

            #[async_trait]
            impl MetricStore for $store {
                #[instrument(skip_all)]
                async fn platform_totals(&self, org: &OrgId, id: &CampaignId, up_to: NaiveDate) -> Result<Vec<PlatformTotals>> {
                    // Closed months from the monthly sums, the rest of `up_to`'s month from the
                    // days: at most a month of rows per platform, whatever the campaign's length.
                    let (month_start, _, month, _) = month_span(up_to, up_to);
                    // Each branch is grouped by platform in SQL, following the index order; the
                    // (at most two) partial sums per platform are added below.
                    const SUMS: &str = "CAST(SUM(spend_micros) AS BIGINT) AS spend, \
                         CAST(SUM(impressions) AS BIGINT) AS impressions, \
                         CAST(SUM(engagements) AS BIGINT) AS engagements, \
                         CAST(SUM(clicks) AS BIGINT) AS clicks, \
                         CAST(SUM(conversions_micros) AS BIGINT) AS conversions, \
                         CAST(SUM(conversion_value_micros) AS BIGINT) AS conversion_value, \
                         CAST(SUM(revenue_micros) AS BIGINT) AS revenue";
                    let sql = format!(
                        "SELECT platform, {SUMS}, CAST(SUM(row_count) AS BIGINT) AS days FROM monthly_totals \
                         WHERE campaign_id = $2 AND month < $3 \
                         AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $2 AND c.org_id = $1) GROUP BY platform \
                         UNION ALL \
                         SELECT platform, {SUMS}, COUNT(*) AS days FROM daily_metrics \
                         WHERE campaign_id = $2 AND date >= $4 AND date <= $5 \
                         AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $2 AND c.org_id = $1) GROUP BY platform"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(org.as_str())
                        .bind(id.as_str())
                        .bind(&month)
                        .bind(month_start)
                        .bind(up_to)
                        .fetch_all(&self.pool)
                        .await?;
                    let mut totals = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let name: String = r.try_get("platform")?;
                        let Ok(platform) = name.parse::<Platform>() else {
                            tracing::warn!(platform = %name, "skipping rows of an unknown platform");
                            continue;
                        };
                        let part = PlatformTotals {
                            platform,
                            spend: from_micros(r.try_get("spend")?),
                            impressions: from_count(r.try_get("impressions")?),
                            engagements: from_count(r.try_get("engagements")?),
                            clicks: from_count(r.try_get("clicks")?),
                            conversions: from_micros(r.try_get("conversions")?),
                            conversion_value: r.try_get::<Option<i64>, _>("conversion_value")?.map(from_micros),
                            revenue: r.try_get::<Option<i64>, _>("revenue")?.map(from_micros),
                            days: from_count(r.try_get("days")?),
                        };
                        match totals.iter_mut().find(|t: &&mut PlatformTotals| t.platform == platform) {
                            None => totals.push(part),
                            Some(t) => {
                                let add = |a: Option<rust_decimal::Decimal>, b: Option<rust_decimal::Decimal>| match (a, b) {
                                    (None, None) => None,
                                    (a, b) => Some(a.unwrap_or_default() + b.unwrap_or_default()),
                                };
                                t.spend += part.spend;
                                t.impressions = t.impressions.saturating_add(part.impressions);
                                t.engagements = t.engagements.saturating_add(part.engagements);
                                t.clicks = t.clicks.saturating_add(part.clicks);
                                t.conversions += part.conversions;
                                t.conversion_value = add(t.conversion_value, part.conversion_value);
                                t.revenue = add(t.revenue, part.revenue);
                                t.days = t.days.saturating_add(part.days);
                            }
                        }
                    }
                    totals.sort_by_key(|t| t.platform);
                    Ok(totals)
                }

                #[instrument(skip_all)]
                async fn daily_series(&self, org: &OrgId, id: &CampaignId, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyRow>> {
                    let rows = sqlx::query(
                        "SELECT date, platform, CAST(SUM(spend_micros) AS BIGINT) AS spend, \
                         CAST(SUM(impressions) AS BIGINT) AS impressions, CAST(SUM(engagements) AS BIGINT) AS engagements, \
                         CAST(SUM(clicks) AS BIGINT) AS clicks, CAST(SUM(conversions_micros) AS BIGINT) AS conversions, \
                         CAST(SUM(conversion_value_micros) AS BIGINT) AS conversion_value, \
                         CAST(SUM(revenue_micros) AS BIGINT) AS revenue, MIN(currency) AS currency \
                         FROM daily_metrics WHERE campaign_id = $2 AND date >= $3 AND date <= $4 \
                         AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $2 AND c.org_id = $1) \
                         GROUP BY date, platform ORDER BY date, platform",
                    )
                    .bind(org.as_str())
                    .bind(id.as_str())
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let name: String = r.try_get("platform")?;
                        let Ok(platform) = name.parse::<Platform>() else {
                            tracing::warn!(platform = %name, "skipping rows of an unknown platform");
                            continue;
                        };
                        out.push(DailyRow {
                            date: r.try_get("date")?,
                            platform,
                            external_campaign_id: String::new(),
                            spend: from_micros(r.try_get("spend")?),
                            impressions: from_count(r.try_get("impressions")?),
                            engagements: from_count(r.try_get("engagements")?),
                            clicks: from_count(r.try_get("clicks")?),
                            conversions: from_micros(r.try_get("conversions")?),
                            conversion_value: r.try_get::<Option<i64>, _>("conversion_value")?.map(from_micros),
                            revenue: r.try_get::<Option<i64>, _>("revenue")?.map(from_micros),
                            currency: r.try_get("currency")?,
                        });
                    }
                    Ok(out)
                }
            }
        }
    };
}

pub(crate) use impl_metric_store;
