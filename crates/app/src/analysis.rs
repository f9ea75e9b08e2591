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
