//! The Budget & Financial Analysis of a stored campaign.

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use spendlens_core::analysis::period_trends::PeriodTrends;
use spendlens_core::analysis::{Analysis, Comparison, ComparisonPeriod, Snapshot, analyze};
use spendlens_core::campaign::{Campaign, CampaignId, OrgId};
use spendlens_core::channel::ChannelTotals;
use spendlens_core::totals::{analysis_input, totals_of_rows};
use spendlens_core::{DailyRow, DateWindow, Platform};
use spendlens_store::Store;

use crate::AppError;

/// The days an analysis covers. `Day` and `TodayInCampaignZone` keep the contract's meaning of
/// `as_of` (docs/analysis-contract.md): every stored day up to that day, which is what the
/// seed's figures and the golden files are. `Window` is an analysis date range (issue 16 item 6):
/// only the rows of `from..=to` count, as of `to`, so the figures are those of a campaign holding
/// just that window's rows; pacing still runs from the campaign's start date, as it would for
/// such a campaign.
///
/// Rejected alternative: filtering rows in the page handler. The API, the pages and the cache
/// would each have had their own idea of a window; as a variant here every door gets the same
/// figures and the cache keys on the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    Day(NaiveDate),
    TodayInCampaignZone,
    Window(DateWindow),
}

/// The longest analysis window, in days: three years, like the longest history the budget
/// optimisation learns from. A window loads its days rather than the monthly sums, so it is
/// bounded.
pub const MAX_WINDOW_DAYS: u64 = 1096;

impl AsOf {
    /// The analysis window `from..=to` of a request: both days or neither. A window whose `to`
    /// is before `from`, or longer than [`MAX_WINDOW_DAYS`], is refused naming `to`; a lone
    /// `from` or `to` is refused naming the one missing.
    pub fn window(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Option<AsOf>, AppError> {
        match (from, to) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(AppError::invalid(
                "to",
                "give the last day of the window too",
            )),
            (None, Some(_)) => Err(AppError::invalid(
                "from",
                "give the first day of the window too",
            )),
            (Some(from), Some(to)) => DateWindow::new(from, to)
                .and_then(|w| w.at_most(MAX_WINDOW_DAYS))
                .map(|w| Some(AsOf::Window(w)))
                .map_err(|e| AppError::invalid("to", e.to_string())),
        }
    }
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

/// What an analysis is computed from, and its key in the [`AnalysisCache`]: the campaign, its
/// data version, the as-of day, the window's first day (`None`: every stored day) and the
/// comparison period.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnalysisKey {
    pub campaign: CampaignId,
    /// The campaign's data version, bumped by every write that can change what it reads.
    pub version: i64,
    pub as_of: NaiveDate,
    pub window_from: Option<NaiveDate>,
    pub period: ComparisonPeriod,
}

type CacheKey = AnalysisKey;

/// Recent analyses, keyed by campaign, its data version, the as-of day, the window and the period.
///
/// Every write that can change an analysis bumps the campaign's data version in the same
/// transaction, and every request reads the version through the organisation-scoped campaign
/// lookup before consulting the cache: a hit is never stale and never crosses organisations,
/// whichever instance did the write.
#[derive(Debug)]
pub struct AnalysisCache {
    entries: quick_cache::sync::Cache<CacheKey, Arc<Analysis>>,
    /// [`period_trends`] of an analysis, by its key and the number of days.
    trends: quick_cache::sync::Cache<(CacheKey, u32), Arc<PeriodTrends>>,
    /// [`channel_totals`] of an analysis, by its key.
    channels: quick_cache::sync::Cache<CacheKey, Arc<Vec<ChannelTotals>>>,
}

impl AnalysisCache {
    /// A cache of at most `capacity` analyses (a few kilobytes each), and as many of their
    /// trends and channel totals.
    pub fn new(capacity: usize) -> Self {
        AnalysisCache {
            entries: quick_cache::sync::Cache::new(capacity.max(1)),
            trends: quick_cache::sync::Cache::new(capacity.max(1)),
            channels: quick_cache::sync::Cache::new(capacity.max(1)),
        }
    }
}

/// [`period_trends`] through the cache: the same figures, read once per analysis key (whose data
/// version the caller read with the analysis).
pub async fn period_trends_cached(
    store: &dyn Store,
    campaign: &Campaign,
    analysis: &Analysis,
    days: u32,
    key: &AnalysisKey,
    cache: Option<&AnalysisCache>,
) -> Result<Arc<PeriodTrends>, AppError> {
    let compute = async {
        period_trends(store, campaign, analysis, days)
            .await
            .map(Arc::new)
    };
    match cache {
        Some(cache) => {
            cache
                .trends
                .get_or_insert_async(&(key.clone(), days), compute)
                .await
        }
        None => compute.await,
    }
}

/// [`channel_totals`] through the cache, as [`period_trends_cached`].
pub async fn channel_totals_cached(
    store: &dyn Store,
    org: &OrgId,
    analysis: &Analysis,
    as_of: AsOf,
    key: &AnalysisKey,
    cache: Option<&AnalysisCache>,
) -> Result<Arc<Vec<ChannelTotals>>, AppError> {
    let compute = async {
        channel_totals(store, org, &key.campaign, analysis, as_of)
            .await
            .map(Arc::new)
    };
    match cache {
        Some(cache) => cache.channels.get_or_insert_async(key, compute).await,
        None => compute.await,
    }
}

/// Computes the analysis of a campaign as of a day, comparing with the snapshot closest to
/// `as_of − period`. Totals cover every stored day up to `as_of` (with [`AsOf::Window`], the
/// window's days only), the same days for every platform; the budget and pacing always judge
/// the campaign's spend to `as_of` against its dates.
/// `now` is read once by the caller.
///
/// A window's comparison is the window's own figures as of `to − period` (its rows from `from`
/// to that day, nothing when that day is before `from`): the stored snapshots hold every day up
/// to theirs, so comparing a window with one would count days outside the window.
pub async fn analyze_campaign(
    store: &dyn Store,
    org: &OrgId,
    id: &CampaignId,
    as_of: AsOf,
    now: chrono::DateTime<chrono::Utc>,
    period: ComparisonPeriod,
    cache: Option<&AnalysisCache>,
) -> Result<(Campaign, Arc<Analysis>), AppError> {
    analyze_campaign_versioned(store, org, id, as_of, now, period, cache)
        .await
        .map(|(campaign, analysis, _)| (campaign, analysis))
}

/// [`analyze_campaign`] with the key of what the analysis was computed from (the campaign's data
/// version read in the same lookup): what a cache of anything drawn from the analysis and the
/// campaign's rows keys on.
pub async fn analyze_campaign_versioned(
    store: &dyn Store,
    org: &OrgId,
    id: &CampaignId,
    as_of: AsOf,
    now: chrono::DateTime<chrono::Utc>,
    period: ComparisonPeriod,
    cache: Option<&AnalysisCache>,
) -> Result<(Campaign, Arc<Analysis>, AnalysisKey), AppError> {
    let (campaign, settings, version) = store
        .campaign_with_settings(org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Nothing is judged as of a day that has not come: a day or a window's end after today (in
    // the campaign's time zone) is today, so rows dated ahead by mistake count from their day on
    // and pacing is never judged on days not yet lived.
    let today = crate::clock::today_in(now, &campaign.spec.time_zone);
    let (as_of, window) = match as_of {
        AsOf::Day(day) => (day.min(today), None),
        AsOf::TodayInCampaignZone => (today, None),
        AsOf::Window(w) if w.to() > today && w.from() <= today => {
            let lived = DateWindow::new(w.from(), today).unwrap_or(w);
            (lived.to(), Some(lived))
        }
        AsOf::Window(w) => (w.to(), Some(w)),
    };
    let key = AnalysisKey {
        campaign: campaign.id.clone(),
        version,
        as_of,
        window_from: window.map(|w| w.from()),
        period,
    };
    if let Some(hit) = cache.and_then(|c| c.entries.get(&key)) {
        return Ok((campaign, hit, key));
    }
    let target = as_of
        .checked_sub_days(Days::new(u64::from(period.days())))
        .unwrap_or(as_of);
    let (totals, snapshot) = match window {
        None => {
            let totals = store.platform_totals(org, id, as_of).await?;
            let snapshot = store
                .snapshot_closest(org, id, target)
                .await?
                .map(|s| Snapshot {
                    date: s.date,
                    spend: s.spend,
                    conversions: s.conversions,
                    revenue: Some(s.revenue),
                });
            (totals, snapshot)
        }
        Some(w) => {
            let rows = store.daily_series(org, id, w.from(), w.to()).await?;
            let snapshot = (target >= w.from() && target < w.to()).then(|| {
                let earlier: Vec<&DailyRow> = rows.iter().filter(|r| r.date <= target).collect();
                let then = analyze(&analysis_input(
                    target,
                    &campaign.spec,
                    &settings,
                    &totals_of_rows(earlier),
                    None,
                ));
                Snapshot {
                    date: target,
                    spend: then.totals.spend,
                    conversions: then.totals.conversions,
                    revenue: Some(then.totals.revenue),
                }
            });
            (totals_of_rows(rows.iter()), snapshot)
        }
    };
    let mut input = analysis_input(
        as_of,
        &campaign.spec,
        &settings,
        &totals,
        Some(Comparison { period, snapshot }),
    );
    if window.is_some() {
        // The budget and pacing judge the campaign as of the window's last day, on its spend
        // to that day: the window's own spend over the days since the start would read as a
        // campaign far behind its pace.
        let to_date = store.platform_totals(org, id, as_of).await?;
        input.campaign.spent_to_date = Some(spendlens_core::num::sum(
            to_date
                .iter()
                .filter(|t| t.platform.is_ad_platform())
                .map(|t| t.spend),
        ));
    }
    let analysis = Arc::new(analyze(&input));
    if let Some(cache) = cache {
        cache.entries.insert(key.clone(), analysis.clone());
    }
    Ok((campaign, analysis, key))
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
    // Each day is valued as the analysis values its platform over the days up to its date.
    let totals = store
        .platform_totals(&campaign.org_id, &campaign.id, analysis.as_of)
        .await?;
    let period = spendlens_core::totals::analysis_input(
        analysis.as_of,
        &campaign.spec,
        &settings,
        &totals,
        None,
    )
    .platforms;
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
            crate::finance::row_revenue(row, &settings, &analysis.aov, &period),
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

/// The named channels' (TV, radio, podcasts...) totals over the days an analysis covers: every
/// stored day up to `analysis.as_of`, or only the window's days for [`AsOf::Window`], so a
/// window's channels are summed over the same days as its platforms.
pub async fn channel_totals(
    store: &dyn Store,
    org: &OrgId,
    id: &CampaignId,
    analysis: &Analysis,
    as_of: AsOf,
) -> Result<Vec<spendlens_core::channel::ChannelTotals>, AppError> {
    Ok(match as_of {
        // To the analysis' own last day: a window ending after today was cut there.
        AsOf::Window(w) => spendlens_core::channel::totals_by_channel(
            &store
                .channel_series(org, id, w.from(), w.to().min(analysis.as_of))
                .await?,
        ),
        AsOf::Day(_) | AsOf::TodayInCampaignZone => {
            store.channel_totals(org, id, analysis.as_of).await?
        }
    })
}
