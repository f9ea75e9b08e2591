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

pub use crate::ui::charts::ChartView;
pub use labels::{lead_rating, pacing_verdict_label};
pub use view::{CardView, PeriodOption, PlatformView, SubView, TabLink, TierView, TrendView};

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

/// The charts of a tab, in page order.
fn tab_charts(tab: &str) -> &'static [&'static str] {
    match tab {
        "overview" => &["daily-spend", "cumulative-spend"],
        "roi-roas" => &["roas"],
        "budget-allocation" => &["budget-share"],
        _ => &[],
    }
}

/// Draws one chart of the analysis page (`daily-spend`, `cumulative-spend`, `roas`,
/// `budget-share`) from the analysis the page shows: the one function the page and the download
/// both draw with. `None` for a name that is no chart of the page.
async fn analysis_chart(
    state: &AppState,
    campaign: &Campaign,
    a: &Analysis,
    name: &str,
) -> UiResult<Option<Result<spendlens_report::Chart, spendlens_report::ReportError>>> {
    let chart = match name {
        "daily-spend" | "cumulative-spend" => {
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
            if name == "daily-spend" {
                let daily: Vec<DailySpend> = rows
                    .iter()
                    .map(|r| DailySpend {
                        date: r.date,
                        platform: r.platform,
                        spend: r.spend,
                    })
                    .collect();
                daily_spend_chart(&daily, &a.currency)
            } else {
                cumulative_spend_chart(&BudgetBurn {
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
                })
            }
        }
        "roas" => roas_chart(&a.platforms),
        "budget-share" => budget_share_chart(&a.platforms, &a.currency),
        _ => return Ok(None),
    };
    Ok(Some(chart))
}

/// The campaign and its analysis as the page computes them (as of today in the campaign's time
/// zone, `compare` from the query).
async fn analysis_of(
    state: &AppState,
    viewer: &SignedIn,
    id: &str,
    query: &HashMap<String, String>,
) -> UiResult<(Campaign, std::sync::Arc<Analysis>, ComparisonPeriod)> {
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
    Ok((campaign, analysis, compare))
}

/// One chart of the analysis page for its download, drawn as the page draws it.
pub(crate) async fn chart(
    state: &AppState,
    viewer: &SignedIn,
    id: &str,
    name: &str,
    query: &HashMap<String, String>,
) -> UiResult<(Campaign, Option<ChartView>)> {
    let Some(name) = TABS
        .iter()
        .flat_map(|(tab, _)| tab_charts(tab))
        .find(|n| **n == name)
    else {
        return Err(UiError::NotFound);
    };
    let (campaign, analysis, _) = analysis_of(state, viewer, id, query).await?;
    let base = format!("/campaigns/{}", campaign.id);
    let view = analysis_chart(state, &campaign, &analysis, name)
        .await?
        .and_then(|c| crate::ui::charts::chart_view(name, c, &base, query));
    Ok((campaign, view))
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
    let (campaign, analysis, compare) = analysis_of(&state, &viewer, &id, &query).await?;
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
    let base = format!("/campaigns/{}", campaign.id);
    for name in tab_charts(tab) {
        if let Some(chart) = analysis_chart(&state, &campaign, &analysis, name).await? {
            page.charts
                .extend(crate::ui::charts::chart_view(name, chart, &base, &query));
        }
    }
    Ok(render(&page))
}
