//! The analysis page's view: every figure of the analysis written for people (money in the
//! campaign's currency, percentages, trend arrows, badges and tiers as the analysis decided
//! them), ready for the template.

use crate::ui::charts::ChartView;
use askama::Template;
use rust_decimal::Decimal;
use spendlens_core::analysis::thresholds::{TIER_HIGH_ROAS_MIN, TIER_MEDIUM_ROAS_MIN};
use spendlens_core::analysis::{
    Analysis, ComparisonPeriod, PlatformRow, TierSummary, Trend, Warning, roas_badge, roi_badge,
};
use spendlens_core::campaign::Campaign;
use spendlens_core::num::round_half_away;

use super::TABS;
use super::basis::{Basis, or_not_measured, row_measured, source_words};
pub use super::health::SubView;
use super::labels::{lead_rating, pacing_verdict_label, warning_text};
use crate::ui::format::{bar_width, conversions, count, date, money, pct, ratio};
use crate::ui::{Layout, insights};
use spendlens_app::labels::{Label, badge_and_tier_legend, in_sentence};
use spendlens_core::analysis::verdicts::Verdicts;

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

fn trend_view(t: &Trend, since: &str, neutral: bool) -> Option<TrendView> {
    let direction = t.direction?;
    let (arrow, class, word) = match direction {
        spendlens_core::analysis::Direction::Up => ("▲", "up", "up"),
        spendlens_core::analysis::Direction::Down => ("▼", "down", "down"),
    };
    // More or less spend is neither good nor bad by itself: no colour of a verdict.
    let class = if neutral { "neutral" } else { class };
    let magnitude = pct(t.change_pct.abs());
    Some(TrendView {
        arrow,
        class,
        text: format!("{magnitude} vs {since}"),
        label: format!("{word} {magnitude} compared with {since}"),
    })
}

/// A platform row.
#[derive(Debug)]
pub struct PlatformView {
    pub key: &'static str,
    pub name: &'static str,
    pub spend: String,
    pub conversions: String,
    pub revenue: String,
    pub revenue_source: String,
    pub roas: String,
    pub roas_badge: &'static str,
    /// The badge's word ("Good"), empty without a verdict.
    pub roas_word: &'static str,
    pub roi: String,
    pub roi_badge: &'static str,
    pub roi_word: &'static str,
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
    pub criteria: String,
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

/// A named channel's row on the budget tab.
pub(super) struct ChannelView {
    pub(super) name: String,
    pub(super) spend: String,
    pub(super) impressions: String,
    pub(super) days: u64,
    pub(super) label: &'static str,
}

/// The rows of named channels and the spend across platforms and channels, for the page.
pub(super) fn channel_views(
    channels: &[spendlens_core::channel::ChannelTotals],
    platform_spend: rust_decimal::Decimal,
    cur: &str,
) -> (Vec<ChannelView>, Option<String>) {
    if channels.is_empty() {
        return (Vec::new(), None);
    }
    let all = spendlens_core::channel::AllSpend::of(platform_spend, channels);
    let rows = channels
        .iter()
        .map(|c| ChannelView {
            name: c.channel.as_str().to_owned(),
            spend: money(c.spend, cur),
            impressions: c
                .impressions
                .map_or_else(|| "not reported".to_owned(), count),
            days: c.days,
            label: spendlens_core::channel::CHANNEL_LABEL,
        })
        .collect();
    (rows, Some(money(all.total, cur)))
}

#[derive(Template)]
#[template(path = "analysis.html")]
pub(super) struct AnalysisPage {
    pub(super) layout: Layout,
    id: String,
    name: String,
    currency: String,
    as_of: String,
    tab: &'static str,
    tab_label: &'static str,
    pub(super) tabs: Vec<TabLink>,
    /// The analysis date range form and the window shown (set by the handler).
    pub(super) window: super::WindowForm,
    periods: Vec<PeriodOption>,
    no_conversion_value: bool,
    notes: Vec<&'static str>,
    has_data: bool,
    pub(super) charts: Vec<ChartView>,
    /// Named channels (TV, radio...): their own rows, labelled, after the platforms'.
    pub(super) channels: Vec<ChannelView>,
    /// The platforms' spend plus the channels', under its own name (see
    /// `spendlens_core::channel::AllSpend`); `None` without named channels.
    pub(super) spend_all_channels: Option<String>,
    /// Whether platforms may be ranked by ROAS (revenue measured; see `Verdicts`).
    ranks: bool,
    /// What is missing for a verdict, as sentences.
    missing: Vec<&'static str>,
    /// What the badges' and tiers' words mean, from the seed's thresholds.
    legend: Vec<String>,
    // Overview
    score: String,
    rating: &'static str,
    rating_class: &'static str,
    measured: String,
    subs: Vec<SubView>,
    total_spend: String,
    spend_trend: Option<TrendView>,
    total_conversions: String,
    conversions_trend: Option<TrendView>,
    trend_note: String,
    /// The last N days against the N before (see `period.rs`).
    pub(super) period_title: String,
    pub(super) period_rows: Vec<super::period::PeriodRow>,
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
    pacing: String,
    pacing_class: &'static str,
    projection: String,
    cpc: String,
    cpa: String,
    cvr: String,
    view_through: bool,
    // ROI & ROAS
    roas: String,
    roas_badge: &'static str,
    roas_word: &'static str,
    roi: String,
    roi_badge: &'static str,
    roi_word: &'static str,
    revenue: String,
    /// "Revenue, estimated": what the revenue figure rests on.
    revenue_label: String,
    /// What the ROAS and ROI cards rest on, in a sentence each.
    roas_note: String,
    roi_note: String,
    net_profit: String,
    aov_note: String,
    /// What the ROI and ROAS of this page rest on, and where the campaign's ROI on its chosen
    /// basis is reconciled with them (set by the handler).
    pub(super) basis_note: String,
    /// The confirmation after the campaign form was saved (`?saved=campaign`).
    pub(super) done: Option<&'static str>,
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
    pub(super) optimize: crate::ui::optimization::OptimizeSection,
    recommendations: Vec<String>,
    // Insights
    cards: Vec<CardView>,
    top: Option<String>,
    bottom: Option<String>,
    opportunities: Vec<String>,
    cost_insights: Vec<String>,
    /// Shown through a share link: no link, form or download out of the page.
    pub(super) shared: bool,
    /// The campaign's share links (signed-in page only).
    pub(super) share: super::shared::ShareSection,
}

/// The analysis page as a share link shows it (`share.html`): its own frame, no navigation.
#[derive(Template)]
#[template(path = "share.html")]
pub(super) struct SharedAnalysisPage(pub(super) AnalysisPage);

impl std::ops::Deref for SharedAnalysisPage {
    type Target = AnalysisPage;
    fn deref(&self) -> &AnalysisPage {
        &self.0
    }
}

/// A platform's row; its badges and tier only when platforms may be ranked (`ranks`), else
/// neutral (a ROAS of an assumed order value is no verdict); its revenue, ROAS, ROI and net
/// profit "Not measured" when its revenue is not measured (see `basis::row_measured`).
fn platform_view(r: &PlatformRow, currency: &str, v: &Verdicts) -> PlatformView {
    let measured = row_measured(r, v);
    let ranks = v.ranks_platforms && measured;
    PlatformView {
        key: r.platform.as_str(),
        name: r.platform.label(),
        spend: money(r.spend, currency),
        conversions: conversions(r.conversions),
        revenue: or_not_measured(measured, || money(r.revenue, currency)),
        revenue_source: source_words(r, v),
        roas: or_not_measured(measured, || ratio(r.roas)),
        roas_badge: if ranks { r.roas_badge.as_str() } else { "none" },
        roas_word: if ranks { r.roas_badge.label() } else { "" },
        roi: or_not_measured(measured, || pct(r.roi)),
        roi_badge: if ranks { r.roi_badge.as_str() } else { "none" },
        roi_word: if ranks { r.roi_badge.label() } else { "" },
        net_profit: or_not_measured(measured, || money(r.net_profit, currency)),
        share: pct(r.share_pct),
        share_width: bar_width(r.share_pct, Decimal::ONE_HUNDRED),
        tier: r.tier.filter(|_| ranks).map_or("–", |t| t.label()),
    }
}

/// `text` with its first letter in upper case.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// The ROI tab's revenue label: its basis, and the platforms whose revenue is not measured.
fn revenue_label(a: &Analysis, v: &Verdicts, basis: Basis) -> String {
    let unmeasured: Vec<&str> = a
        .platforms
        .iter()
        .filter(|r| v.revenue_measured && !row_measured(r, v))
        .map(|r| r.platform.label())
        .collect();
    if !basis.measured() {
        return "Revenue".to_owned();
    }
    let mut label = format!("Revenue, {}", basis.adjective());
    if !unmeasured.is_empty() {
        label.push_str(&format!(" ({} not measured)", unmeasured.join(", ")));
    }
    label
}

/// A tier's spend and share as the sum of its platforms' rows as the table shows them (each
/// share rounded to 2 decimals), so the card never disagrees with the rows beside it.
fn tier_sums(t: &TierSummary, rows: &[PlatformRow]) -> (Decimal, Decimal) {
    rows.iter()
        .filter(|r| t.platforms.contains(&r.platform))
        .fold((Decimal::ZERO, Decimal::ZERO), |(spend, share), r| {
            (
                spend + round_half_away(r.spend, 2),
                share + round_half_away(r.share_pct, 2),
            )
        })
}

/// Builds the page's view of an analysis (the charts are added by the caller).
pub(super) fn view(
    campaign: &Campaign,
    a: &Analysis,
    tab: &'static str,
    compare: ComparisonPeriod,
    csrf: String,
) -> AnalysisPage {
    let cur = a.currency.as_str();
    let id = campaign.id.to_string();
    let b = &a.overview.budget;
    let p = &a.overview.pacing;
    let verdicts = Verdicts::of(a);
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
            "Totals since the snapshot of {} (period {}): running totals only grow; the table below compares equal windows.",
            date(t.snapshot_date),
            t.period.label()
        ),
        None => format!(
            "No snapshot from {} ago yet: trend arrows appear once daily snapshots exist.",
            compare.label()
        ),
    };
    let (spend_trend, conversions_trend) = match (&a.trends, &since) {
        (Some(t), Some(since)) => (
            trend_view(&t.spend, since, true),
            trend_view(&t.conversions, since, false),
        ),
        _ => (None, None),
    };
    // The measured score leads; a part resting on a missing input says why, with no verdict.
    let basis = Basis::of(a, &verdicts);
    let subs = super::health::subs(a, basis);
    let measured = super::health::measured_sentence(a, &subs, &verdicts);
    let aov_note = match (a.aov.configured, super::basis::uses_aov(a, &verdicts)) {
        (true, true) => format!(
            "Estimated revenue values a conversion at {} (from the {}).",
            money(a.aov.estimated, cur),
            in_sentence(a.aov.source.label())
        ),
        (true, false) => format!(
            "Each platform's revenue is its own: what it reports, or its conversions at their own \
             value; the average order value of {} (from the {}) values no conversion here.",
            money(a.aov.estimated, cur),
            in_sentence(a.aov.source.label())
        ),
        (false, _) => "No average order value is configured: conversions without a value of \
                       their own add no revenue."
            .to_owned(),
    };
    let tier =
        |key: &'static str, name: &'static str, criteria: String, t: &TierSummary| TierView {
            key,
            name,
            criteria,
            spend: money(tier_sums(t, &a.platforms).0, cur),
            share: pct(tier_sums(t, &a.platforms).1),
            platforms: if t.platforms.is_empty() {
                "No platform".to_owned()
            } else {
                t.platforms
                    .iter()
                    .map(|p| p.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        };
    let al = &a.allocation;
    let tiers = vec![
        tier(
            "high",
            "High Performance",
            format!("ROAS {TIER_HIGH_ROAS_MIN:.1}x or more"),
            &al.high,
        ),
        tier(
            "medium",
            "Medium Performance",
            format!("ROAS {TIER_MEDIUM_ROAS_MIN:.1}x to {TIER_HIGH_ROAS_MIN:.1}x"),
            &al.medium,
        ),
        tier(
            "low",
            "Low Performance",
            format!("ROAS under {TIER_MEDIUM_ROAS_MIN:.1}x"),
            &al.low,
        ),
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
            match verdicts.performance {
                Some(spendlens_core::analysis::Performance::Excellent) => "good",
                Some(spendlens_core::analysis::Performance::Positive) => "fair",
                Some(spendlens_core::analysis::Performance::Negative) => "bad",
                None => "none",
            },
            match verdicts.performance {
                Some(_) => insights::performance(a, &verdicts, basis.adjective()),
                None => (
                    "Not measurable",
                    spendlens_core::analysis::verdicts::MissingInput::ConversionValue
                        .sentence()
                        .to_owned(),
                ),
            },
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
            match (insights::budget_management(a).0, s.budget_management) {
                (insights::HEALTHY_SO_FAR, _) => "fair",
                (_, spendlens_core::analysis::BudgetManagement::Healthy) => "good",
                (_, spendlens_core::analysis::BudgetManagement::High) => "fair",
                (_, spendlens_core::analysis::BudgetManagement::NoBudget) => "none",
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
        window: super::WindowForm::default(),
        periods,
        no_conversion_value: a.warnings.contains(&Warning::ConversionValueNotConfigured),
        notes: a.warnings.iter().filter_map(|w| warning_text(*w)).collect(),
        has_data: !a.warnings.contains(&Warning::NoPlatformData),
        charts: Vec::new(),
        channels: Vec::new(),
        spend_all_channels: None,
        ranks: verdicts.ranks_platforms,
        missing: verdicts.missing.iter().map(|m| m.sentence()).collect(),
        legend: badge_and_tier_legend(),
        score: verdicts
            .lead_score
            .map_or_else(|| "–".to_owned(), |s| s.to_string()),
        rating: lead_rating(a, &verdicts).0,
        rating_class: lead_rating(a, &verdicts).1,
        measured,
        subs,
        total_spend: money(a.totals.spend, cur),
        spend_trend,
        total_conversions: conversions(a.totals.conversions),
        conversions_trend,
        trend_note,
        period_title: String::new(),
        period_rows: Vec::new(),
        budget: b.budget.map(|v| money(v, cur)),
        used_pct: pct(b.used_pct),
        used_width: bar_width(b.used_pct, Decimal::ONE_HUNDRED),
        remaining: b.remaining.map(|v| money(v, cur)),
        over_budget_by: b.over_budget_by.map(|v| money(v, cur)),
        // Before its start a campaign has no elapsed day (the contract counts at least 1).
        days_elapsed: if a.as_of < p.start_date {
            0
        } else {
            p.days_elapsed
        },
        total_days: super::pacing::total_days(p),
        burn_rate: money(p.daily_burn_rate, cur),
        target_daily: super::pacing::judged(b, "No budget", || money(p.target_daily_spend, cur)),
        pacing_pct: if a.as_of < p.start_date {
            "–".to_owned()
        } else {
            super::pacing::judged(b, "–", || pct(p.pacing_pct))
        },
        pacing: pacing_verdict_label(verdicts.pacing, cur).0,
        pacing_class: pacing_verdict_label(verdicts.pacing, cur).1,
        projection: super::pacing::projection(a),
        cpc: money(a.overview.cost_efficiency.cpc, cur),
        cpa: money(a.overview.cost_efficiency.cpa, cur),
        cvr: pct(a.overview.cost_efficiency.cvr),
        view_through: a.costs.view_through,
        roas: or_not_measured(basis.measured(), || ratio(a.totals.roas)),
        roas_badge: if verdicts.ranks_platforms {
            roas_badge(a.totals.roas).as_str()
        } else {
            "none"
        },
        roas_word: if verdicts.ranks_platforms {
            roas_badge(a.totals.roas).label()
        } else {
            ""
        },
        roi: or_not_measured(basis.measured(), || pct(a.totals.roi)),
        roi_badge: if verdicts.ranks_platforms {
            roi_badge(a.totals.roi).as_str()
        } else {
            "none"
        },
        roi_word: if verdicts.ranks_platforms {
            roi_badge(a.totals.roi).label()
        } else {
            ""
        },
        revenue: or_not_measured(basis.measured(), || money(a.totals.revenue, cur)),
        revenue_label: revenue_label(a, &verdicts, basis),
        roas_note: if basis.measured() {
            format!(
                "{} revenue for every unit of ad spend.",
                capitalised(basis.adjective())
            )
        } else {
            "No revenue is measured, so there is no return on the ad spend to show.".to_owned()
        },
        roi_note: if basis.measured() {
            format!(
                "Net return on the ad spend, on {} revenue.",
                basis.adjective()
            )
        } else {
            "No revenue is measured: set a conversion value or order value in the campaign's settings, or import revenue.".to_owned()
        },
        net_profit: or_not_measured(basis.measured(), || money(a.totals.net_profit, cur)),
        aov_note,
        basis_note: String::new(),
        done: None,
        platforms: a
            .platforms
            .iter()
            .map(|r| platform_view(r, cur, &verdicts))
            .collect(),
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
        // They rank platforms by ROAS: not from an assumed order value.
        recommendations: al
            .recommendations
            .iter()
            .filter(|_| verdicts.ranks_platforms)
            .map(|r| insights::recommendation(*r, a, &verdicts))
            .collect(),
        cards,
        top: a
            .insights
            .top_performer
            .as_ref()
            .filter(|_| verdicts.ranks_platforms)
            .map(|t| insights::top(t, a, &verdicts)),
        bottom: a
            .insights
            .bottom_performer
            .as_ref()
            .filter(|_| verdicts.ranks_platforms)
            .map(|b| insights::bottom(b, a, &verdicts)),
        opportunities: a
            .insights
            .opportunities
            .iter()
            .filter(|o| verdicts.shows(**o))
            .map(|o| insights::opportunity(*o, a, &verdicts))
            .collect(),
        cost_insights: a
            .insights
            .cost_insights
            .iter()
            .map(|c| insights::cost_insight(*c, a))
            .collect(),
        shared: false,
        share: super::shared::ShareSection::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_limits_read_with_one_decimal() {
        assert_eq!(format!("ROAS {TIER_HIGH_ROAS_MIN:.1}x"), "ROAS 3.0x");
        assert_eq!(format!("{TIER_MEDIUM_ROAS_MIN:.1}x"), "1.0x");
    }
}
