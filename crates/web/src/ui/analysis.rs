//! The Budget & Financial Analysis page: five tabs (Overview, ROI & ROAS, Cost Analysis, Budget
//! Allocation, Insights) over the analysis the JSON API returns, plus the four charts.
//!
//! Tabs are links (`?tab=roi-roas`) with the ARIA tab roles, so the page reads without
//! JavaScript and each tab has its own address; only the active tab's charts are drawn (and only
//! the Overview reads the daily series).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use spendlens_app::analysis::{AsOf, analyze_campaign};
use spendlens_core::analysis::{
    Analysis, ComparisonPeriod, PacingStatus, PlatformRow, Rating, Status, SubScore, Tier, Trend,
    Warning,
};
use spendlens_core::campaign::{Campaign, CampaignId};
use spendlens_report::chart::{
    BudgetBurn, DailySpend, DailyTotal, budget_share_chart, cumulative_spend_chart,
    daily_spend_chart, roas_chart,
};

use crate::state::AppState;
use crate::ui::format::{bar_width, conversions, count, date, money, pct, ratio};
use crate::ui::session::SignedIn;
use crate::ui::{Layout, UiError, UiResult, insights, render};

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

/// The rating as people read it.
pub fn rating_label(r: Rating) -> &'static str {
    match r {
        Rating::Excellent => "Excellent",
        Rating::Good => "Good",
        Rating::Fair => "Fair",
        Rating::NeedsAttention => "Needs Attention",
    }
}

/// The pacing status as people read it.
pub fn pacing_label(s: PacingStatus) -> &'static str {
    match s {
        PacingStatus::Ahead => "Ahead (overspending)",
        PacingStatus::OnTrack => "On Track",
        PacingStatus::Behind => "Behind (underspending)",
    }
}

fn status_label(s: Status) -> &'static str {
    match s {
        Status::Excellent => "Excellent",
        Status::Good => "Good",
        Status::Warning => "Warning",
        Status::Critical => "Critical",
    }
}

fn warning_text(w: Warning) -> Option<&'static str> {
    match w {
        // Shown as its own banner.
        Warning::ConversionValueNotConfigured => None,
        Warning::NoBudget => Some("No budget is set: utilisation shows 0% and pacing 100%."),
        Warning::NoStartDate => Some("No start date: pacing counts from today."),
        Warning::NoEndDate => {
            Some("No end date: the campaign length is projected from the burn rate.")
        }
        Warning::InvalidDates => Some("The end date is before the start date and is ignored."),
        Warning::BudgetExceeded => Some("Spend is above the budget."),
        Warning::ViewThroughConversions => Some(
            "There are more conversions than clicks: some conversions came from people who saw an ad without clicking (view-through).",
        ),
        Warning::NoPlatformData => Some("No platform data yet: import a file to fill this page."),
    }
}

/// A tab link.
#[derive(Debug)]
pub struct TabLink {
    pub key: &'static str,
    pub label: &'static str,
    pub href: String,
    pub selected: bool,
}

/// A comparison period option.
#[derive(Debug)]
pub struct PeriodOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// A trend arrow.
#[derive(Debug)]
pub struct TrendView {
    pub arrow: &'static str,
    pub class: &'static str,
    pub text: String,
    pub label: String,
}

fn trend_view(t: &Trend, since: &str) -> Option<TrendView> {
    let direction = t.direction?;
    let (arrow, class, word) = match direction {
        spendlens_core::analysis::Direction::Up => ("▲", "up", "up"),
        spendlens_core::analysis::Direction::Down => ("▼", "down", "down"),
    };
    let magnitude = pct(t.change_pct.abs());
    Some(TrendView {
        arrow,
        class,
        text: format!("{magnitude} vs {since}"),
        label: format!("{word} {magnitude} compared with {since}"),
    })
}

/// A health sub-score.
#[derive(Debug)]
pub struct SubView {
    pub key: &'static str,
    pub name: &'static str,
    pub points: u32,
    pub status: &'static str,
    pub class: &'static str,
    pub assumed: bool,
    pub basis: String,
}

/// A platform row.
#[derive(Debug)]
pub struct PlatformView {
    pub key: &'static str,
    pub name: &'static str,
    pub spend: String,
    pub conversions: String,
    pub revenue: String,
    pub revenue_source: &'static str,
    pub roas: String,
    pub roas_badge: &'static str,
    pub roi: String,
    pub roi_badge: &'static str,
    pub net_profit: String,
    pub share: String,
    pub share_width: String,
    pub tier: &'static str,
}

/// A performance tier card.
#[derive(Debug)]
pub struct TierView {
    pub key: &'static str,
    pub name: &'static str,
    pub criteria: &'static str,
    pub spend: String,
    pub share: String,
    pub platforms: String,
}

/// An Insights summary card.
#[derive(Debug)]
pub struct CardView {
    pub key: &'static str,
    pub title: &'static str,
    pub verdict: &'static str,
    pub class: &'static str,
    pub text: String,
}

/// A drawn chart with its text alternative.
#[derive(Debug)]
pub struct ChartView {
    pub id: &'static str,
    pub title: String,
    pub svg: String,
    pub alt: String,
}

#[derive(Template)]
#[template(path = "analysis.html")]
struct AnalysisPage {
    layout: Layout,
    id: String,
    name: String,
    currency: String,
    as_of: String,
    tab: &'static str,
    tab_label: &'static str,
    tabs: Vec<TabLink>,
    periods: Vec<PeriodOption>,
    no_conversion_value: bool,
    notes: Vec<&'static str>,
    has_data: bool,
    charts: Vec<ChartView>,
    // Overview
    score: u32,
    rating: &'static str,
    rating_class: &'static str,
    measured: String,
    subs: Vec<SubView>,
    total_spend: String,
    spend_trend: Option<TrendView>,
    total_conversions: String,
    conversions_trend: Option<TrendView>,
    trend_note: String,
    budget: Option<String>,
    used_pct: String,
    used_width: String,
    remaining: Option<String>,
    over_budget_by: Option<String>,
    days_elapsed: i64,
    total_days: String,
    burn_rate: String,
    target_daily: String,
    pacing_pct: String,
    pacing: &'static str,
    pacing_class: &'static str,
    projection: String,
    cpc: String,
    cpa: String,
    cvr: String,
    view_through: bool,
    // ROI & ROAS
    roas: String,
    roas_badge: &'static str,
    roi: String,
    roi_badge: &'static str,
    revenue: String,
    net_profit: String,
    aov_note: String,
    platforms: Vec<PlatformView>,
    // Cost analysis
    cpa_click_through: String,
    cpm: String,
    ctr: String,
    ctr_width: String,
    cvr_width: String,
    cvr_click_through: String,
    impressions: String,
    clicks: String,
    // Budget allocation
    tiers: Vec<TierView>,
    optimize: crate::ui::optimization::OptimizeSection,
    recommendations: Vec<String>,
    // Insights
    cards: Vec<CardView>,
    top: Option<String>,
    bottom: Option<String>,
    opportunities: Vec<String>,
    cost_insights: Vec<String>,
}

fn sub_view(key: &'static str, name: &'static str, s: SubScore, basis: String) -> SubView {
    SubView {
        key,
        name,
        points: s.score,
        status: status_label(s.status),
        class: s.status.as_str(),
        assumed: s.assumed,
        basis,
    }
}

fn platform_view(r: &PlatformRow, currency: &str) -> PlatformView {
    PlatformView {
        key: r.platform.as_str(),
        name: r.platform.display_name(),
        spend: money(r.spend, currency),
        conversions: conversions(r.conversions),
        revenue: money(r.revenue, currency),
        revenue_source: match r.revenue_source {
            spendlens_core::analysis::RevenueSource::Reported => "reported",
            spendlens_core::analysis::RevenueSource::Estimated => "estimated",
        },
        roas: ratio(r.roas),
        roas_badge: r.roas_badge.as_str(),
        roi: pct(r.roi),
        roi_badge: r.roi_badge.as_str(),
        net_profit: money(r.net_profit, currency),
        share: pct(r.share_pct),
        share_width: bar_width(r.share_pct, Decimal::ONE_HUNDRED),
        tier: match r.tier {
            Some(Tier::High) => "High",
            Some(Tier::Medium) => "Medium",
            Some(Tier::Low) => "Low",
            None => "–",
        },
    }
}

fn badge(value: Decimal, green: Decimal, yellow: Decimal) -> &'static str {
    if value >= green {
        "green"
    } else if value >= yellow {
        "yellow"
    } else {
        "red"
    }
}

fn projection(a: &Analysis) -> String {
    let cur = a.currency.as_str();
    let p = &a.overview.pacing;
    if let Some(over) = a.overview.budget.over_budget_by {
        return format!("Budget exceeded by {}.", money(over, cur));
    }
    if a.overview.budget.budget.is_none() {
        return "No budget set, so there is no exhaustion date.".to_owned();
    }
    match (p.projected_exhaustion_date, p.days_remaining) {
        (Some(day), Some(left)) => {
            let when = match (p.exhausts_before_end, p.end_date) {
                (Some(true), Some(end)) => {
                    format!(", before the end date ({})", date(end))
                }
                (Some(false), Some(end)) => {
                    format!(", after the end date ({}): the budget lasts", date(end))
                }
                _ => String::new(),
            };
            format!(
                "At the current burn rate the budget runs out on {} (in {} days){when}.",
                date(day),
                spendlens_report::currency::grouped(left, 1)
            )
        }
        _ => "No spend yet, so there is no exhaustion date.".to_owned(),
    }
}

/// Builds the page's view of an analysis (the charts are added by the caller).
fn view(
    campaign: &Campaign,
    a: &Analysis,
    tab: &'static str,
    compare: ComparisonPeriod,
    csrf: String,
) -> AnalysisPage {
    let cur = a.currency.as_str();
    let id = campaign.id.to_string();
    let h = &a.overview.health;
    let b = &a.overview.budget;
    let p = &a.overview.pacing;
    let tab_label = TABS
        .iter()
        .find(|(k, _)| *k == tab)
        .map_or("Overview", |(_, l)| *l);
    let tabs = TABS
        .iter()
        .map(|(key, label)| TabLink {
            key,
            label,
            href: format!("/campaigns/{id}?tab={key}&compare={}", compare.as_str()),
            selected: *key == tab,
        })
        .collect();
    let periods = [("1d", "1 day"), ("7d", "7 days"), ("30d", "30 days")]
        .into_iter()
        .map(|(value, label)| PeriodOption {
            value,
            label,
            selected: value == compare.as_str(),
        })
        .collect();
    let since = a.trends.as_ref().map(|t| date(t.snapshot_date));
    let trend_note = match &a.trends {
        Some(t) => format!(
            "Trends compare with the snapshot of {} (period {}).",
            date(t.snapshot_date),
            t.period.as_str()
        ),
        None => format!(
            "No snapshot from {} ago yet: trend arrows appear once daily snapshots exist.",
            match compare {
                ComparisonPeriod::OneDay => "1 day",
                ComparisonPeriod::SevenDays => "7 days",
                ComparisonPeriod::ThirtyDays => "30 days",
            }
        ),
    };
    let (spend_trend, conversions_trend) = match (&a.trends, &since) {
        (Some(t), Some(since)) => (
            trend_view(&t.spend, since),
            trend_view(&t.conversions, since),
        ),
        _ => (None, None),
    };
    let measured = match h.measured_score {
        Some(m) => format!(
            "Measured score {m}/100 over the {} of 4 inputs that are not assumed.",
            h.inputs_used
        ),
        None => "No sub-score is measured yet: every input is assumed.".to_owned(),
    };
    let subs = vec![
        sub_view(
            "budget",
            "Budget Utilization",
            h.budget,
            format!("{} of the budget used", pct(b.used_pct)),
        ),
        sub_view(
            "pacing",
            "Pacing",
            h.pacing,
            format!("spending at {} of the target pace", pct(p.pacing_pct)),
        ),
        sub_view("roi", "ROI", h.roi, format!("ROI {}", pct(a.totals.roi))),
        sub_view(
            "roas",
            "ROAS",
            h.roas,
            format!("ROAS {}", ratio(a.totals.roas)),
        ),
    ];
    let aov_note = if a.aov.configured {
        format!(
            "Estimated revenue values a conversion at {} (from {}).",
            money(a.aov.estimated, cur),
            match a.aov.source {
                spendlens_core::analysis::AovSource::LinkedIn => "the LinkedIn conversion value",
                spendlens_core::analysis::AovSource::Ga4 => "the GA4 average order value",
                spendlens_core::analysis::AovSource::CustomIntegration =>
                    "the Custom Integration average order value",
                spendlens_core::analysis::AovSource::None => "no source",
            }
        )
    } else {
        "No conversion value is configured: only revenue the platforms report is counted."
            .to_owned()
    };
    let tier = |key: &'static str,
                name: &'static str,
                criteria: &'static str,
                t: &spendlens_core::analysis::TierSummary| TierView {
        key,
        name,
        criteria,
        spend: money(t.spend, cur),
        share: pct(t.share_pct),
        platforms: if t.platforms.is_empty() {
            "No platform".to_owned()
        } else {
            t.platforms
                .iter()
                .map(|p| p.display_name())
                .collect::<Vec<_>>()
                .join(", ")
        },
    };
    let al = &a.allocation;
    let tiers = vec![
        tier("high", "High Performance", "ROAS 3.0x or more", &al.high),
        tier(
            "medium",
            "Medium Performance",
            "ROAS 1.0x to 3.0x",
            &al.medium,
        ),
        tier("low", "Low Performance", "ROAS under 1.0x", &al.low),
    ];
    let card =
        |key, title, class: &'static str, (verdict, text): (&'static str, String)| CardView {
            key,
            title,
            verdict,
            class,
            text,
        };
    let s = &a.insights.summary;
    let cards = vec![
        card(
            "performance",
            "Performance",
            match s.performance {
                spendlens_core::analysis::Performance::Excellent => "good",
                spendlens_core::analysis::Performance::Positive => "fair",
                spendlens_core::analysis::Performance::Negative => "bad",
            },
            insights::performance(a),
        ),
        card(
            "cost-efficiency",
            "Cost Efficiency",
            match s.cost_efficiency {
                spendlens_core::analysis::CostEfficiencyRating::Excellent => "good",
                spendlens_core::analysis::CostEfficiencyRating::Competitive => "fair",
                spendlens_core::analysis::CostEfficiencyRating::AboveAverage => "bad",
                spendlens_core::analysis::CostEfficiencyRating::Unavailable => "none",
            },
            insights::cost_efficiency(a),
        ),
        card(
            "budget-management",
            "Budget Management",
            match s.budget_management {
                spendlens_core::analysis::BudgetManagement::Healthy => "good",
                spendlens_core::analysis::BudgetManagement::High => "fair",
                spendlens_core::analysis::BudgetManagement::NoBudget => "none",
            },
            insights::budget_management(a),
        ),
    ];
    AnalysisPage {
        layout: Layout::new(
            format!("{} – {tab_label}", campaign.spec.name),
            Some(csrf),
            "campaigns",
        ),
        id,
        name: campaign.spec.name.clone(),
        currency: cur.to_owned(),
        as_of: date(a.as_of),
        tab,
        tab_label,
        tabs,
        periods,
        no_conversion_value: a.warnings.contains(&Warning::ConversionValueNotConfigured),
        notes: a.warnings.iter().filter_map(|w| warning_text(*w)).collect(),
        has_data: !a.warnings.contains(&Warning::NoPlatformData),
        charts: Vec::new(),
        score: h.score,
        rating: rating_label(h.rating),
        rating_class: h.rating.as_str(),
        measured,
        subs,
        total_spend: money(a.totals.spend, cur),
        spend_trend,
        total_conversions: conversions(a.totals.conversions),
        conversions_trend,
        trend_note,
        budget: b.budget.map(|v| money(v, cur)),
        used_pct: pct(b.used_pct),
        used_width: bar_width(b.used_pct, Decimal::ONE_HUNDRED),
        remaining: b.remaining.map(|v| money(v, cur)),
        over_budget_by: b.over_budget_by.map(|v| money(v, cur)),
        days_elapsed: p.days_elapsed,
        total_days: spendlens_report::currency::grouped(p.total_days, 0),
        burn_rate: money(p.daily_burn_rate, cur),
        target_daily: money(p.target_daily_spend, cur),
        pacing_pct: pct(p.pacing_pct),
        pacing: pacing_label(p.status),
        pacing_class: p.status.as_str(),
        projection: projection(a),
        cpc: money(a.overview.cost_efficiency.cpc, cur),
        cpa: money(a.overview.cost_efficiency.cpa, cur),
        cvr: pct(a.overview.cost_efficiency.cvr),
        view_through: a.costs.view_through,
        roas: ratio(a.totals.roas),
        roas_badge: badge(a.totals.roas, Decimal::from(3), Decimal::new(15, 1)),
        roi: pct(a.totals.roi),
        roi_badge: badge(a.totals.roi, Decimal::ONE_HUNDRED, Decimal::ZERO),
        revenue: money(a.totals.revenue, cur),
        net_profit: money(a.totals.net_profit, cur),
        aov_note,
        platforms: a.platforms.iter().map(|r| platform_view(r, cur)).collect(),
        cpa_click_through: money(a.costs.cpa_click_through, cur),
        cpm: money(a.costs.cpm, cur),
        ctr: pct(a.costs.ctr),
        ctr_width: bar_width(a.costs.ctr, Decimal::from(15)),
        cvr_width: bar_width(a.costs.cvr_click_through, Decimal::from(20)),
        cvr_click_through: pct(a.costs.cvr_click_through),
        impressions: count(a.totals.impressions),
        clicks: count(a.totals.clicks),
        tiers,
        optimize: crate::ui::optimization::OptimizeSection::default(),
        recommendations: al
            .recommendations
            .iter()
            .map(|r| insights::recommendation(*r, a))
            .collect(),
        cards,
        top: a
            .insights
            .top_performer
            .as_ref()
            .map(|t| insights::top(t, cur)),
        bottom: a
            .insights
            .bottom_performer
            .as_ref()
            .map(|b| insights::bottom(b, cur)),
        opportunities: a
            .insights
            .opportunities
            .iter()
            .map(|o| insights::opportunity(*o, a))
            .collect(),
        cost_insights: a
            .insights
            .cost_insights
            .iter()
            .map(|c| insights::cost_insight(*c, a))
            .collect(),
    }
}

fn chart_view(
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
