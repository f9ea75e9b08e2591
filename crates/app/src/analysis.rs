//! The Budget & Financial Analysis of a stored campaign.

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use spendlens_core::analysis::{Analysis, Comparison, ComparisonPeriod, Snapshot, analyze};
use spendlens_core::campaign::{Campaign, CampaignId, OrgId};
use spendlens_core::totals::analysis_input;
use spendlens_store::Store;

use crate::AppError;

/// The day an analysis is as of: a given day, or today in the campaign's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    Day(NaiveDate),
    TodayInCampaignZone,
}

impl From<Option<NaiveDate>> for AsOf {
    fn from(day: Option<NaiveDate>) -> Self {
        day.map_or(AsOf::TodayInCampaignZone, AsOf::Day)
    }
}

impl From<NaiveDate> for AsOf {
    fn from(day: NaiveDate) -> Self {
        AsOf::Day(day)
    }
}

type CacheKey = (CampaignId, i64, NaiveDate, ComparisonPeriod);

/// Recent analyses, keyed by campaign, its data version, the as-of day and the period.
///
/// Every write that can change an analysis bumps the campaign's data version in the same
/// transaction, and every request reads the version through the organisation-scoped campaign
/// lookup before consulting the cache: a hit is never stale and never crosses organisations,
/// whichever instance did the write.
#[derive(Debug)]
pub struct AnalysisCache {
    entries: quick_cache::sync::Cache<CacheKey, Arc<Analysis>>,
}

impl AnalysisCache {
    /// A cache of at most `capacity` analyses (a few kilobytes each).
    pub fn new(capacity: usize) -> Self {
        AnalysisCache {
            entries: quick_cache::sync::Cache::new(capacity.max(1)),
        }
    }
}

/// Computes the analysis of a campaign as of a day, comparing with the snapshot closest to
/// `as_of − period`. Totals cover every stored day up to `as_of`, the same window for every
/// platform; the campaign dates only drive pacing. `now` is read once by the caller.
pub async fn analyze_campaign(
    store: &dyn Store,
    org: &OrgId,
    id: &CampaignId,
    as_of: AsOf,
    now: chrono::DateTime<chrono::Utc>,
    period: ComparisonPeriod,
    cache: Option<&AnalysisCache>,
) -> Result<(Campaign, Arc<Analysis>), AppError> {
    let (campaign, settings, version) = store
        .campaign_with_settings(org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let as_of = match as_of {
        AsOf::Day(day) => day,
        AsOf::TodayInCampaignZone => crate::clock::today_in(now, &campaign.spec.time_zone),
    };
    let key = (campaign.id.clone(), version, as_of, period);
    if let Some(hit) = cache.and_then(|c| c.entries.get(&key)) {
        return Ok((campaign, hit));
    }
    let totals = store.platform_totals(org, id, as_of).await?;
    let target = as_of
        .checked_sub_days(Days::new(u64::from(period.days())))
        .unwrap_or(as_of);
    let snapshot = store
        .snapshot_closest(org, id, target)
        .await?
        .map(|s| Snapshot {
            date: s.date,
            spend: s.spend,
            conversions: s.conversions,
            revenue: Some(s.revenue),
        });
    let input = analysis_input(
        as_of,
        &campaign.spec,
        &settings,
        &totals,
        Some(Comparison { period, snapshot }),
    );
    let analysis = Arc::new(analyze(&input));
    if let Some(cache) = cache {
        cache.entries.insert(key, analysis.clone());
    }
    Ok((campaign, analysis))
}

/// The campaign's last `days` days against the `days` before them, ending at the analysis date
/// (issue 15 item 3: trends that move both ways). Spend and conversions are the ad platforms'
/// (GA4's conversions repeat theirs); each day's revenue is valued as the analysis values it
/// (`crate::finance::row_revenue`), and ROAS and ROI are left out when no revenue is measured.
pub async fn period_trends(
    store: &dyn Store,
    campaign: &Campaign,
    analysis: &Analysis,
    days: u32,
) -> Result<spendlens_core::analysis::period_trends::PeriodTrends, AppError> {
    use spendlens_core::Platform;
    use spendlens_core::analysis::period_trends::{WindowSums, compare};
    let back = |n: u32| analysis.as_of.checked_sub_days(Days::new(u64::from(n)));
    let (Some(current_from), Some(previous_from), Some(previous_to)) =
        (back(days - 1), back(2 * days - 1), back(days))
    else {
        return Err(AppError::invalid(
            "as_of",
            "the analysis date is too early for a trend",
        ));
    };
    let settings = store
        .settings(&campaign.org_id, &campaign.id)
        .await?
        .unwrap_or_default();
    let rows = store
        .daily_series(
            &campaign.org_id,
            &campaign.id,
            previous_from,
            analysis.as_of,
        )
        .await?;
    let (mut current, mut previous) = (WindowSums::default(), WindowSums::default());
    for row in rows.iter().filter(|r| r.platform != Platform::Ga4) {
        let sums = if row.date >= current_from {
            &mut current
        } else {
            &mut previous
        };
        sums.spend = spendlens_core::num::add(sums.spend, row.spend);
        sums.conversions = spendlens_core::num::add(sums.conversions, row.conversions);
        sums.revenue = spendlens_core::num::add(
            sums.revenue,
            crate::finance::row_revenue(row, &settings, &analysis.aov),
        );
    }
    let measured = spendlens_core::analysis::verdicts::Verdicts::of(analysis).revenue_measured;
    Ok(compare(
        days,
        (current_from, analysis.as_of),
        (previous_from, previous_to),
        current,
        previous,
        measured,
    ))
}
