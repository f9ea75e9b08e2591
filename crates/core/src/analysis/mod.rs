//! The Budget & Financial Analysis of one campaign: `analyze` turns an [`AnalysisInput`] into an
//! [`Analysis`], exactly as `docs/analysis-contract.md` specifies.
//!
//! Start reading at [`analyze`]; each tab has its own module. All arithmetic is exact decimal
//! arithmetic through [`crate::num`] (which cannot panic); nothing is rounded here.

mod input;
mod insights;
mod overview;
pub mod period_trends;
mod platforms;
mod result;
mod revenue;
pub mod thresholds;
mod trends;
pub mod verdicts;

pub use input::{
    AnalysisInput, CampaignPlan, Comparison, ComparisonPeriod, PlatformInputs, PlatformMetrics,
    Snapshot, WebMetrics, resolve_custom_integration,
};
/// `costs` is re-exported for the seed's per-platform endpoints, which answer CTR, CPC, CPM, CVR
/// and CPA over one platform's totals exactly as the Cost Analysis tab does over all of them.
pub use overview::{
    budget_status, costs, inclusive_days, pacing_health_status, rating, roas_status, roi_status,
};
pub use platforms::{roas_badge, roi_badge, tier};
pub use result::*;
/// Re-exported for the finance use case, which estimates revenue per day exactly as the analysis
/// does per platform.
pub use revenue::{aov, platform_revenue, revenue_configured, tracks_revenue};
pub use trends::change_pct;

use rust_decimal::Decimal;

use crate::num;
use crate::platform::Platform;
use platforms::PlatformFigures;

/// Computes the analysis. Pure and total: any input gives a result, never a panic.
pub fn analyze(input: &AnalysisInput) -> Analysis {
    let inputs = &input.platforms;
    let aov = revenue::aov(inputs);

    let figures: Vec<PlatformFigures> = Platform::AD_PLATFORMS
        .into_iter()
        .map(|platform| {
            let metrics = inputs.or_zero(platform);
            let (revenue, revenue_source) = revenue::platform_revenue(platform, &metrics, &aov);
            PlatformFigures {
                platform,
                metrics,
                revenue,
                revenue_source,
            }
        })
        .collect();
    let totals = totals(&figures, inputs);

    let budget = overview::effective_budget(input.campaign.budget);
    // What the budget and pacing judge: the campaign's spend to date (a window's totals are
    // only part of it).
    let spent = input.campaign.spent_to_date.unwrap_or(totals.spend);
    let budget_use = overview::budget_use(spent, budget);
    let dates = overview::pacing_dates(
        input.as_of,
        input.campaign.start_date,
        input.campaign.end_date,
    );
    let pacing = overview::pacing(input.as_of, dates, spent, budget);
    let revenue_configured = revenue::revenue_configured(inputs, &aov);
    let health = overview::health(
        budget_use.used_pct,
        pacing.pacing_pct,
        totals.roi,
        totals.roas,
        overview::Assumptions {
            budget: budget.is_none(),
            // Before its start a campaign has no day to pace (`days_elapsed` is the minimum 1).
            pacing: budget.is_none()
                || dates.start_missing
                || dates.end.is_none()
                || input.as_of < dates.start,
            returns: !revenue_configured,
        },
    );
    let costs = overview::costs(&totals);
    let rows = platforms::rows(&figures, totals.spend);
    let allocation = platforms::allocation(&rows, totals.spend);
    let insights = insights::insights(insights::InsightInputs {
        totals: &totals,
        costs: &costs,
        has_budget: budget.is_some(),
        used_pct: budget_use.used_pct,
        rows: &rows,
    });
    let trends = trends::trends(
        input.comparison.as_ref(),
        trends::Current {
            spend: totals.spend,
            conversions: totals.conversions,
            revenue: totals.revenue,
            roas: totals.roas,
            roi: totals.roi,
        },
        aov.estimated,
    );

    let all_zero = totals.spend.is_zero()
        && totals.impressions == 0
        && totals.engagements == 0
        && totals.clicks == 0
        && totals.conversions.is_zero()
        && totals.revenue.is_zero();
    let warning_checks = [
        (Warning::ConversionValueNotConfigured, !revenue_configured),
        (Warning::NoBudget, budget.is_none()),
        (Warning::NoStartDate, dates.start_missing),
        (Warning::NoEndDate, dates.end_missing),
        (Warning::InvalidDates, dates.end_invalid),
        (Warning::BudgetExceeded, budget.is_some_and(|b| spent > b)),
        (
            Warning::ViewThroughConversions,
            totals.conversions > Decimal::from(totals.clicks),
        ),
        (Warning::NoPlatformData, all_zero),
    ];
    let warnings = warning_checks
        .into_iter()
        .filter(|(_, applies)| *applies)
        .map(|(w, _)| w)
        .collect();

    Analysis {
        as_of: input.as_of,
        currency: input.campaign.currency.clone(),
        totals,
        aov,
        overview: Overview {
            health,
            budget: budget_use,
            pacing,
            cost_efficiency: CostEfficiency {
                cpc: costs.cpc,
                cpa: costs.cpa,
                cvr: costs.cvr,
            },
        },
        costs,
        platforms: rows,
        allocation,
        insights,
        trends,
        warnings,
    }
}

/// The campaign totals, with the seed's LinkedIn-only special case for ROI: when LinkedIn states
/// its own ROI and is the only source of spend and revenue, that ROI is the campaign's.
fn totals(figures: &[PlatformFigures], inputs: &PlatformInputs) -> Totals {
    let spend = num::sum(figures.iter().map(|f| f.metrics.spend));
    let revenue = num::sum(figures.iter().map(|f| f.revenue));
    let count = |get: fn(&PlatformMetrics) -> u64| {
        figures
            .iter()
            .fold(0u64, |acc, f| acc.saturating_add(get(&f.metrics)))
    };
    let roas = num::div_or_zero(revenue, spend);
    let computed_roi = num::pct_or_zero(num::sub(revenue, spend), spend);
    let linkedin = inputs.linkedin.as_ref();
    let others_have_revenue = figures
        .iter()
        .any(|f| f.platform != Platform::LinkedIn && !f.revenue.is_zero());
    let roi = match linkedin.and_then(|l| l.roi) {
        Some(linkedin_roi)
            if !others_have_revenue && linkedin.is_some_and(|l| l.spend == spend) =>
        {
            linkedin_roi
        }
        _ => computed_roi,
    };
    Totals {
        spend,
        impressions: count(|m| m.impressions),
        engagements: count(|m| m.engagements),
        clicks: count(|m| m.clicks),
        conversions: num::sum(figures.iter().map(|f| f.metrics.conversions)),
        revenue,
        net_profit: num::sub(revenue, spend),
        roas,
        roi,
    }
}
