//! The Budget & Financial Analysis page: five tabs (Overview, ROI & ROAS, Cost Analysis, Budget
//! Allocation, Insights) over the analysis the JSON API returns, plus the four charts.
//!
//! Tabs are links (`?tab=roi-roas`) with the ARIA tab roles, so the page reads without
//! JavaScript and each tab has its own address; only the active tab's charts are drawn (and only
//! the Overview reads the daily series). `view` writes the analysis for people, `labels`
//! holds the words for its codes.

use std::collections::HashMap;
use std::sync::Arc;

use spendlens_app::revenue_basis as basis;
mod health;
mod labels;
mod pacing;
mod period;
pub mod shared;
mod view;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Days, NaiveDate};
use spendlens_app::analysis::{AsOf, analyze_campaign_versioned};
use spendlens_core::DateWindow;
use spendlens_core::analysis::{Analysis, ComparisonPeriod};
use spendlens_core::campaign::{Campaign, CampaignId, OrgId};
use spendlens_report::chart::{
    BudgetBurn, DailySpend, DailyTotal, budget_share_chart, cumulative_spend_chart,
    daily_spend_chart, roas_chart,
};

pub use crate::ui::charts::ChartView;
pub use labels::{lead_rating, pacing_verdict_label};
pub use spendlens_app::revenue_basis::Basis;
pub use view::{CardView, PeriodOption, PlatformView, SubView, TabLink, TierView, TrendView};

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

/// The charts of a tab, in page order.
fn tab_charts(tab: &str) -> &'static [&'static str] {
    match tab {
        "overview" => &["daily-spend", "cumulative-spend"],
        "roi-roas" => &["roas"],
        "budget-allocation" => &["budget-share"],
        _ => &[],
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
            Some(text) => crate::query::read_day(text)
                .map(Some)
                .map_err(|message| UiError::BadRequest(format!("{field}: {message}"))),
        }
    };
    match AsOf::window(day("from")?, day("to")?) {
        Ok(Some(AsOf::Window(w))) => Ok(Some(w)),
        Ok(_) => Ok(None),
        Err(e) => Err(UiError::BadRequest(e.to_string())),
    }
}

/// Draws one chart of the analysis page (`daily-spend`, `cumulative-spend`, `roas`,
/// `budget-share`) from the analysis the page shows: the one function the page and the download
/// both draw with. `None` for a name that is no chart of the page.
async fn analysis_chart(
    state: &AppState,
    analysed: &Analysed,
    name: &'static str,
) -> UiResult<Option<Result<Arc<spendlens_report::Chart>, spendlens_report::ReportError>>> {
    let key = (
        analysed.campaign.id.clone(),
        analysed.key.version,
        analysed.analysis.as_of,
        analysed.window.map(|w| w.from()),
        name,
    );
    /// Why nothing is kept: no such chart, a chart that could not be drawn, a failed read.
    enum Missed {
        NoChart,
        NotDrawn(spendlens_report::ReportError),
        Failed(UiError),
    }
    let drawn = state
        .chart_cache
        .get_or_draw(&key, async {
            match draw_chart(
                state,
                &analysed.campaign,
                &analysed.analysis,
                name,
                analysed.window,
            )
            .await
            {
                Ok(Some(Ok(chart))) => Ok(chart),
                Ok(Some(Err(e))) => Err(Missed::NotDrawn(e)),
                Ok(None) => Err(Missed::NoChart),
                Err(e) => Err(Missed::Failed(e)),
            }
        })
        .await;
    match drawn {
        Ok(chart) => Ok(Some(Ok(chart))),
        Err(Missed::NoChart) => Ok(None),
        Err(Missed::NotDrawn(e)) => Ok(Some(Err(e))),
        Err(Missed::Failed(e)) => Err(e),
    }
}

/// Draws [`analysis_chart`]'s chart `name`.
async fn draw_chart(
    state: &AppState,
    campaign: &Campaign,
    a: &Analysis,
    name: &str,
    window: Option<DateWindow>,
) -> UiResult<Option<Result<spendlens_report::Chart, spendlens_report::ReportError>>> {
    let chart = match name {
        "daily-spend" | "cumulative-spend" => {
            // The window's days when one is shown, else the last CHART_LOOKBACK_DAYS.
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
                    portfolio: false,
                })
            }
        }
        // No ROAS chart from revenue that is not measured: its bars would be a verdict.
        "roas" if !spendlens_core::analysis::verdicts::Verdicts::of(a).revenue_measured => {
            return Ok(None);
        }
        "roas" => roas_chart(&a.platforms),
        "budget-share" => budget_share_chart(&a.platforms, &a.currency),
        _ => return Ok(None),
    };
    Ok(Some(chart))
}

/// The campaign and its analysis as the page computes them, with what decided it.
struct Analysed {
    campaign: Campaign,
    analysis: std::sync::Arc<Analysis>,
    /// What the analysis was computed from (the campaign's data version among it).
    key: spendlens_app::analysis::AnalysisKey,
    compare: ComparisonPeriod,
    window: Option<DateWindow>,
    as_of: AsOf,
}

/// The campaign and its analysis as the page computes them: as of today in the campaign's time
/// zone, or of the window `from..=to` (only its days' rows, as of `to`); `compare` from the
/// query.
async fn analysis_of(
    state: &AppState,
    org: &OrgId,
    id: &str,
    query: &HashMap<String, String>,
) -> UiResult<Analysed> {
    let compare = match query.get("compare").map(String::as_str) {
        None | Some("") => ComparisonPeriod::SevenDays,
        Some(p) => ComparisonPeriod::parse(p).ok_or_else(|| {
            UiError::BadRequest("the comparison period is one of 1d, 7d, 30d".to_owned())
        })?,
    };
    let window = window_of(query)?;
    let as_of = window.map_or(AsOf::TodayInCampaignZone, AsOf::Window);
    let (campaign, analysis, key) = analyze_campaign_versioned(
        state.store.as_ref(),
        org,
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
    Ok(Analysed {
        campaign,
        analysis,
        key,
        compare,
        window,
        as_of,
    })
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
    let analysed = analysis_of(state, &viewer.principal.org_id, id, query).await?;
    let base = format!("/campaigns/{}", analysed.campaign.id);
    let view = analysis_chart(state, &analysed, name)
        .await?
        .and_then(|c| crate::ui::charts::chart_view(name, c, &base, query));
    Ok((analysed.campaign, view))
}

/// The tab a query asks for (`overview` without one); an unknown tab is the 404 page.
fn tab_of(query: &HashMap<String, String>) -> UiResult<&'static str> {
    match query.get("tab").map(String::as_str) {
        None | Some("") => Ok("overview"),
        Some(t) => TABS
            .iter()
            .find(|(k, _)| *k == t)
            .map(|(k, _)| *k)
            .ok_or(UiError::NotFound),
    }
}

/// `GET /campaigns/{id}?tab=…&compare=…&from=…&to=…`: the analysis page (see `analysis_of`).
pub async fn page(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> UiResult<Response> {
    let tab = tab_of(&query)?;
    let (campaign, mut page) = analysis_page(
        &state,
        &viewer.principal.org_id,
        &id,
        tab,
        &query,
        &viewer.csrf,
    )
    .await?;
    page.layout = page.layout.signed(&viewer);
    page.done = match query.get("saved").map(String::as_str) {
        Some("campaign") => Some("Campaign saved."),
        Some("share-revoked") => Some("Share link revoked: it no longer opens."),
        _ => None,
    };
    if tab == "budget-allocation" {
        page.optimize =
            crate::ui::optimization::section(&state, &viewer, campaign.id.as_str(), &query).await?;
    }
    page.share = shared::section(&state, &viewer, &campaign).await?;
    Ok(render(&page))
}

/// The analysis page of a campaign of `org` on `tab`, as the signed-in page and a share link
/// both show it (the handlers add what is theirs: the optimiser, the share links).
async fn analysis_page(
    state: &AppState,
    org: &OrgId,
    id: &str,
    tab: &'static str,
    query: &HashMap<String, String>,
    csrf: &str,
) -> UiResult<(Campaign, view::AnalysisPage)> {
    let analysed = analysis_of(state, org, id, query).await?;
    let base = format!("/campaigns/{}", analysed.campaign.id);
    let mut charts = Vec::new();
    for name in tab_charts(tab) {
        if let Some(chart) = analysis_chart(state, &analysed, name).await? {
            charts.extend(crate::ui::charts::chart_view(name, chart, &base, query));
        }
    }
    let Analysed {
        campaign,
        analysis,
        compare,
        window,
        as_of,
        key,
    } = analysed;
    let mut page = view(&campaign, &analysis, tab, compare, csrf.to_owned());
    page.charts = charts;
    page.window = window_form(&campaign, &analysis, window);
    for t in &mut page.tabs {
        t.href.push_str(&page.window.query);
    }
    // Every tab that shows revenue, ROI or ROAS says what they rest on.
    if matches!(
        tab,
        "overview" | "roi-roas" | "budget-allocation" | "insights"
    ) {
        use spendlens_app::finance::basis::BasisChoice;
        let choice =
            spendlens_app::finance::basis::campaign_basis(state.store.as_ref(), org, &campaign.id)
                .await?;
        let chosen = format!(
            "{}{}",
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
        let verdicts = spendlens_core::analysis::verdicts::Verdicts::of(&analysis);
        page.basis_note = basis::Basis::of(&analysis, &verdicts).note(&chosen);
    }
    if tab == "overview" {
        let trends = spendlens_app::analysis::period_trends_cached(
            state.store.as_ref(),
            &campaign,
            &analysis,
            compare.days(),
            &key,
            Some(&state.analysis_cache),
        )
        .await?;
        (page.period_title, page.period_rows) = period::rows(&trends, &analysis.currency);
    }
    if tab == "budget-allocation" {
        let channels = spendlens_app::analysis::channel_totals_cached(
            state.store.as_ref(),
            org,
            &analysis,
            as_of,
            &key,
            Some(&state.analysis_cache),
        )
        .await?;
        (page.channels, page.spend_all_channels) =
            view::channel_views(&channels, analysis.totals.spend, &analysis.currency);
    }
    Ok((campaign, page))
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
