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
use spendlens_core::DateWindow;
use spendlens_core::analysis::{Analysis, ComparisonPeriod};
use spendlens_core::campaign::{Campaign, CampaignId};
use spendlens_report::chart::{
    BudgetBurn, DailySpend, DailyTotal, budget_share_chart, cumulative_spend_chart,
    daily_spend_chart, roas_chart,
};

pub use labels::{
    badge_word, lead_rating, pacing_label, pacing_verdict_label, rating_label, status_label,
};
pub use view::{
    CardView, ChartView, PeriodOption, PlatformView, SubView, TabLink, TierView, TrendView,
};

use crate::state::AppState;
use crate::ui::format::date;
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

/// The analysis date range form: its fields' values and, when a window is shown, its words
/// ("14 Oct 2026 – 13 Nov 2026") and the query that keeps it on the tab links.
#[derive(Debug, Default)]
pub struct WindowForm {
    pub from: String,
    pub to: String,
    /// Empty without a window.
    pub text: String,
    pub query: String,
}

/// The window of the page's `from` and `to` (both or neither; `YYYY-MM-DD`), through the
/// analysis use case's rule (`AsOf::window`); a refusal names its field.
fn window_of(query: &HashMap<String, String>) -> UiResult<Option<DateWindow>> {
    let day = |field: &str| -> UiResult<Option<NaiveDate>> {
        match query.get(field).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(text) => crate::query::parse_day(text).map(Some).ok_or_else(|| {
                UiError::BadRequest(format!(
                    "{field}: expected a date YYYY-MM-DD, got \"{text}\""
                ))
            }),
        }
    };
    match AsOf::window(day("from")?, day("to")?) {
        Ok(Some(AsOf::Window(w))) => Ok(Some(w)),
        Ok(_) => Ok(None),
        Err(e) => Err(UiError::BadRequest(e.to_string())),
    }
}

async fn overview_charts(
    state: &AppState,
    campaign: &Campaign,
    a: &Analysis,
    window: Option<DateWindow>,
) -> UiResult<Vec<ChartView>> {
    let from = window.map_or_else(
        || {
            a.as_of
                .checked_sub_days(Days::new(CHART_LOOKBACK_DAYS))
                .unwrap_or(NaiveDate::MIN)
        },
        |w| w.from(),
    );
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

/// `GET /campaigns/{id}?tab=…&compare=…&from=…&to=…`: the analysis page, as of today in the
/// campaign's time zone, or of the window `from..=to` (only its days' rows, as of `to`).
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
    let window = window_of(&query)?;
    let as_of = window.map_or(AsOf::TodayInCampaignZone, AsOf::Window);
    let (campaign, analysis) = analyze_campaign(
        state.store.as_ref(),
        &viewer.principal.org_id,
        &CampaignId::new(id),
        as_of,
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
    page.window = window_form(&campaign, &analysis, window);
    for t in &mut page.tabs {
        t.href.push_str(&page.window.query);
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
        let channels = spendlens_app::analysis::channel_totals(
            state.store.as_ref(),
            &viewer.principal.org_id,
            &campaign.id,
            &analysis,
            as_of,
        )
        .await?;
        (page.channels, page.spend_all_channels) =
            view::channel_views(&channels, analysis.totals.spend, &analysis.currency);
    }
    if tab == "budget-allocation" {
        page.optimize =
            crate::ui::optimization::section(&state, &viewer, campaign.id.as_str(), &query).await?;
    }
    page.charts = match tab {
        "overview" => overview_charts(&state, &campaign, &analysis, window).await?,
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

/// The date range form's values: the window shown, else the campaign's start (or the 30 days
/// before the analysis date without one) to the analysis date, ready to narrow.
fn window_form(campaign: &Campaign, a: &Analysis, window: Option<DateWindow>) -> WindowForm {
    match window {
        Some(w) => WindowForm {
            from: w.from().to_string(),
            to: w.to().to_string(),
            text: format!("{} – {}", date(w.from()), date(w.to())),
            query: format!("&from={}&to={}", w.from(), w.to()),
        },
        None => {
            let from = campaign
                .spec
                .start_date
                .filter(|s| *s <= a.as_of)
                .unwrap_or_else(|| DateWindow::ending(a.as_of, 30).from());
            WindowForm {
                from: from.to_string(),
                to: a.as_of.to_string(),
                text: String::new(),
                query: String::new(),
            }
        }
    }
}
