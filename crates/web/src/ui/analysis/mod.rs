//! The Budget & Financial Analysis page: five tabs (Overview, ROI & ROAS, Cost Analysis, Budget
//! Allocation, Insights) over the analysis the JSON API returns, plus the four charts.
//!
//! Tabs are links (`?tab=roi-roas`) with the ARIA tab roles, so the page reads without
//! JavaScript and each tab has its own address; only the active tab's charts are drawn (and only
//! the Overview reads the daily series). `view` writes the analysis for people, `labels`
//! holds the words for its codes.

use std::collections::HashMap;

mod labels;
mod period;
mod view;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Days, NaiveDate};
use spendlens_app::analysis::{AsOf, analyze_campaign};
use spendlens_core::analysis::{Analysis, ComparisonPeriod};
use spendlens_core::campaign::{Campaign, CampaignId};
use spendlens_report::chart::{
    BudgetBurn, DailySpend, DailyTotal, budget_share_chart, cumulative_spend_chart,
    daily_spend_chart, roas_chart,
};

pub use labels::{lead_rating, pacing_verdict_label};
pub use view::{
    CardView, ChartView, PeriodOption, PlatformView, SubView, TabLink, TierView, TrendView,
};

use crate::state::AppState;
use crate::ui::session::SignedIn;
use crate::ui::{UiError, UiResult, render};
use view::view;

/// The five tabs: query value, label.
pub const TABS: [(&str, &str); 5] = [
    ("overview", "Overview"),
    ("roi-roas", "ROI & ROAS"),
    ("cost-analysis", "Cost Analysis"),
    ("budget-allocation", "Budget Allocation"),
    ("insights", "Insights"),
];

/// How far back the charts look for data (the totals cover every stored day; so must the
/// cumulative line).
const CHART_LOOKBACK_DAYS: u64 = 3660;

pub(crate) fn chart_view(
    id: &'static str,
    chart: Result<spendlens_report::Chart, spendlens_report::ReportError>,
) -> Option<ChartView> {
    match chart {
        Ok(c) => Some(ChartView {
            id,
            title: c.title,
            svg: c.svg,
            alt: c.alt,
        }),
        Err(e) => {
            tracing::warn!(error = %e, chart = id, "chart not drawn");
            None
        }
    }
}

async fn overview_charts(
    state: &AppState,
    campaign: &Campaign,
    a: &Analysis,
) -> UiResult<Vec<ChartView>> {
    let from = a
        .as_of
        .checked_sub_days(Days::new(CHART_LOOKBACK_DAYS))
        .unwrap_or(NaiveDate::MIN);
    let rows = state
        .store
        .daily_series(&campaign.org_id, &campaign.id, from, a.as_of)
        .await?;
    let rows: Vec<_> = rows
        .iter()
        .filter(|r| r.platform.is_ad_platform())
        .collect();
    let daily: Vec<DailySpend> = rows
        .iter()
        .map(|r| DailySpend {
            date: r.date,
            platform: r.platform,
            spend: r.spend,
        })
        .collect();
    let burn = BudgetBurn {
        daily_totals: rows
            .iter()
            .map(|r| DailyTotal {
                date: r.date,
                spend: r.spend,
            })
            .collect(),
        budget: a.overview.budget.budget,
        end_date: a.overview.pacing.end_date,
        daily_burn_rate: a.overview.pacing.daily_burn_rate,
        currency: a.currency.clone(),
    };
    Ok([
        chart_view("daily-spend", daily_spend_chart(&daily, &a.currency)),
        chart_view("cumulative-spend", cumulative_spend_chart(&burn)),
    ]
    .into_iter()
    .flatten()
    .collect())
}

/// `GET /campaigns/{id}?tab=…&compare=…`: the analysis page, as of today in the campaign's time
/// zone.
pub async fn page(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> UiResult<Response> {
    let tab = match query.get("tab").map(String::as_str) {
        None | Some("") => "overview",
        Some(t) => TABS
            .iter()
            .find(|(k, _)| *k == t)
            .map(|(k, _)| *k)
            .ok_or(UiError::NotFound)?,
    };
    let compare = match query.get("compare").map(String::as_str) {
        None | Some("") => ComparisonPeriod::SevenDays,
        Some(p) => ComparisonPeriod::parse(p).ok_or_else(|| {
            UiError::BadRequest("the comparison period is one of 1d, 7d, 30d".to_owned())
        })?,
    };
    let (campaign, analysis) = analyze_campaign(
        state.store.as_ref(),
        &viewer.principal.org_id,
        &CampaignId::new(id),
        AsOf::TodayInCampaignZone,
        state.clock.now(),
        compare,
        Some(&state.analysis_cache),
    )
    .await
    .map_err(|e| match e {
        spendlens_app::AppError::NotFound => UiError::NotFound,
        other => other.into(),
    })?;
    let mut page = view(&campaign, &analysis, tab, compare, viewer.csrf.clone());
    if query.get("saved").map(String::as_str) == Some("campaign") {
        page.done = Some("Campaign saved.");
    }
    if matches!(tab, "overview" | "roi-roas") {
        use spendlens_app::finance::basis::BasisChoice;
        let choice = spendlens_app::finance::basis::campaign_basis(
            state.store.as_ref(),
            &viewer.principal.org_id,
            &campaign.id,
        )
        .await?;
        page.basis_note = format!(
            "ROI, ROAS and the health score here rest on platform-reported revenue (what the platforms report, else estimated from their conversions) over ad spend. The campaign's ROI on its full investment is set to rest on: {}{}.",
            choice.label().to_lowercase(),
            match choice {
                BasisChoice::Attribution(_) => {
                    " (the platforms' own revenue where no imported touchpoint credits them)"
                }
                BasisChoice::Mmm => {
                    " (the platforms' own revenue while no current model run covers this campaign alone)"
                }
                BasisChoice::PlatformReported => "",
            }
        );
    }
    if tab == "overview" {
        let trends = spendlens_app::analysis::period_trends(
            state.store.as_ref(),
            &campaign,
            &analysis,
            compare.days(),
        )
        .await?;
        (page.period_title, page.period_rows) = period::rows(&trends, &analysis.currency);
    }
    if tab == "budget-allocation" {
        let channels = state
            .store
            .channel_totals(&viewer.principal.org_id, &campaign.id, analysis.as_of)
            .await
            .map_err(spendlens_app::AppError::from)?;
        (page.channels, page.spend_all_channels) =
            view::channel_views(&channels, analysis.totals.spend, &analysis.currency);
    }
    if tab == "budget-allocation" {
        page.optimize =
            crate::ui::optimization::section(&state, &viewer, campaign.id.as_str(), &query).await?;
    }
    page.charts = match tab {
        "overview" => overview_charts(&state, &campaign, &analysis).await?,
        "roi-roas" => chart_view("roas", roas_chart(&analysis.platforms))
            .into_iter()
            .collect(),
        "budget-allocation" => chart_view(
            "budget-share",
            budget_share_chart(&analysis.platforms, &analysis.currency),
        )
        .into_iter()
        .collect(),
        _ => Vec::new(),
    };
    Ok(render(&page))
}
