//! Every threshold of the contract, on both sides of its edge.
use rust_decimal::Decimal;
use spendlens_core::analysis::{
    Analysis, Badge, BudgetManagement, CostEfficiencyRating, CostInsight, Direction, Opportunity,
    PacingStatus, Performance, PerformerFlag, PlatformMetrics, Rating, Status, Tier, analyze,
    budget_status, change_pct, pacing_health_status, rating, roas_badge, roas_status, roi_badge,
    roi_status, tier,
};

use crate::support::{campaign, dec};

/// `(value, expected)` pairs through one classifier.
fn table<T: PartialEq + std::fmt::Debug>(f: fn(Decimal) -> T, cases: &[(&str, T)]) {
    for (value, expected) in cases {
        assert_eq!(&f(dec(value)), expected, "at {value}");
    }
}

#[test]
fn budget_sub_score_80_95_100() {
    use Status::*;
    table(
        budget_status,
        &[
            ("0", Excellent),
            ("80", Excellent),
            ("80.0001", Good),
            ("95", Good),
            ("95.0001", Warning),
            ("100", Warning),
            ("100.0001", Critical),
        ],
    );
}

#[test]
fn pacing_sub_score_15_30_50_on_both_sides_of_100() {
    use Status::*;
    table(
        pacing_health_status,
        &[
            ("100", Excellent),
            ("115", Excellent),
            ("85", Excellent),
            ("115.0001", Good),
            ("84.9999", Good),
            ("130", Good),
            ("70", Good),
            ("130.0001", Warning),
            ("69.9999", Warning),
            ("150", Warning),
            ("50", Warning),
            ("150.0001", Critical),
            ("49.9999", Critical),
            ("0", Critical),
        ],
    );
}

#[test]
fn roi_sub_score_0_50_100() {
    use Status::*;
    table(
        roi_status,
        &[
            ("100", Excellent),
            ("99.9999", Good),
            ("50", Good),
            ("49.9999", Warning),
            ("0", Warning),
            ("-0.0001", Critical),
            ("-100", Critical),
        ],
    );
}

#[test]
fn roas_sub_score_1_1_5_3() {
    use Status::*;
    table(
        roas_status,
        &[
            ("3", Excellent),
            ("2.9999", Good),
            ("1.5", Good),
            ("1.4999", Warning),
            ("1", Warning),
            ("0.9999", Critical),
            ("0", Critical),
        ],
    );
}

#[test]
fn rating_edges() {
    let cases = [
        (100, Rating::Excellent),
        (80, Rating::Excellent),
        (79, Rating::Good),
        (60, Rating::Good),
        (59, Rating::Fair),
        (40, Rating::Fair),
        (39, Rating::NeedsAttention),
        (0, Rating::NeedsAttention),
    ];
    for (score, expected) in cases {
        assert_eq!(rating(score), expected, "at {score}");
    }
}

#[test]
fn badges_and_tiers() {
    use Badge::*;
    table(
        roas_badge,
        &[
            ("3", Green),
            ("2.9999", Yellow),
            ("1.5", Yellow),
            ("1.4999", Red),
            ("0", Red),
        ],
    );
    table(
        roi_badge,
        &[
            ("100", Green),
            ("99.9999", Yellow),
            ("0", Yellow),
            ("-0.0001", Red),
        ],
    );
    table(
        tier,
        &[
            ("3", Tier::High),
            ("2.9999", Tier::Medium),
            ("1", Tier::Medium),
            ("0.9999", Tier::Low),
        ],
    );
}

#[test]
fn trend_changes() {
    assert_eq!(change_pct(dec("110"), dec("100")), dec("10"));
    assert_eq!(change_pct(dec("90"), dec("100")), dec("-10"));
    assert_eq!(change_pct(dec("5"), dec("0")), dec("100"));
    assert_eq!(change_pct(dec("0"), dec("0")), dec("0"));
}

/// One Meta-only campaign: budget 1000 over 10 days (1–10 Jan), as of 5 Jan.
fn meta(
    spend: &str,
    impressions: u64,
    clicks: u64,
    conversions: &str,
    revenue: Option<&str>,
) -> Analysis {
    let mut input = campaign(
        "2026-01-05",
        Some("1000"),
        Some("2026-01-01"),
        Some("2026-01-10"),
    );
    input.platforms.meta = Some(PlatformMetrics {
        spend: dec(spend),
        impressions,
        clicks,
        conversions: dec(conversions),
        revenue: revenue.map(dec),
        ..PlatformMetrics::default()
    });
    analyze(&input)
}

#[test]
fn pacing_status_85_115() {
    // Target 100/day over 5 elapsed days: spend / 5 is the burn rate.
    let status = |spend: &str| meta(spend, 0, 0, "0", None).overview.pacing.status;
    assert_eq!(status("575"), PacingStatus::OnTrack);
    assert_eq!(status("575.01"), PacingStatus::Ahead);
    assert_eq!(status("425"), PacingStatus::OnTrack);
    assert_eq!(status("424.99"), PacingStatus::Behind);
}

#[test]
fn performance_summary_roi_0_20() {
    let perf = |revenue: &str| {
        meta("100", 0, 0, "0", Some(revenue))
            .insights
            .summary
            .performance
    };
    assert_eq!(perf("120"), Performance::Excellent);
    assert_eq!(perf("119.99"), Performance::Positive);
    assert_eq!(perf("100"), Performance::Positive);
    assert_eq!(perf("99.99"), Performance::Negative);
}

#[test]
fn cost_efficiency_summary_cpa_25_50() {
    let eff = |spend: &str, conv: &str| {
        meta(spend, 0, 0, conv, None)
            .insights
            .summary
            .cost_efficiency
    };
    assert_eq!(eff("249.99", "10"), CostEfficiencyRating::Excellent);
    assert_eq!(eff("250", "10"), CostEfficiencyRating::Competitive);
    assert_eq!(eff("499.99", "10"), CostEfficiencyRating::Competitive);
    assert_eq!(eff("500", "10"), CostEfficiencyRating::AboveAverage);
    assert_eq!(eff("500", "0"), CostEfficiencyRating::Unavailable);
}

#[test]
fn budget_management_summary_80() {
    let bm = |spend: &str| {
        meta(spend, 0, 0, "0", None)
            .insights
            .summary
            .budget_management
    };
    assert_eq!(bm("800"), BudgetManagement::Healthy);
    assert_eq!(bm("800.01"), BudgetManagement::High);
    let mut none = campaign("2026-01-05", None, None, None);
    none.platforms.meta = Some(PlatformMetrics::default());
    assert_eq!(
        analyze(&none).insights.summary.budget_management,
        BudgetManagement::NoBudget
    );
}

fn has(a: &Analysis, o: Opportunity) -> bool {
    a.insights.opportunities.contains(&o)
}

#[test]
fn opportunities_edges() {
    use Opportunity::*;
    assert!(!has(&meta("100", 0, 0, "0", Some("500")), ScaleBudget));
    assert!(has(&meta("100", 0, 0, "0", Some("500.01")), ScaleBudget));
    // CVR < 5 with more than 10 conversions.
    assert!(has(&meta("100", 0, 1000, "49.99", None), ImproveCvr));
    assert!(!has(&meta("100", 0, 1000, "50", None), ImproveCvr));
    assert!(!has(&meta("100", 0, 1000, "10", None), ImproveCvr));
    assert!(has(&meta("100", 0, 1000, "10.01", None), ImproveCvr));
    // CTR < 2 with more than 100 clicks.
    assert!(has(&meta("100", 10_000, 199, "0", None), ImproveCtr));
    assert!(!has(&meta("100", 10_000, 200, "0", None), ImproveCtr));
    assert!(!has(&meta("100", 100_000, 100, "0", None), ImproveCtr));
    assert!(has(&meta("100", 100_000, 101, "0", None), ImproveCtr));
    // Used > 85 % with ROAS > 2.
    assert!(has(
        &meta("850.01", 0, 0, "0", Some("1700.03")),
        IncreaseBudget
    ));
    assert!(!has(
        &meta("850", 0, 0, "0", Some("1700.03")),
        IncreaseBudget
    ));
    assert!(!has(
        &meta("850.01", 0, 0, "0", Some("1700.02")),
        IncreaseBudget
    ));
    assert!(has(&meta("0", 0, 0, "3", None), NoSpendData));
    assert!(!has(&meta("0.01", 0, 0, "0", None), NoSpendData));
}

fn insights(spend: &str, impressions: u64, clicks: u64, conversions: &str) -> Vec<CostInsight> {
    meta(spend, impressions, clicks, conversions, None)
        .insights
        .cost_insights
}

#[test]
fn cost_insight_edges() {
    use CostInsight::*;
    // CTR: < 1 low, ≥ 3 strong. (spend 0 keeps CPC/CPM/CPA silent.)
    assert_eq!(insights("0", 10_000, 99, "0"), vec![CtrLow, CvrLow]);
    assert_eq!(insights("0", 10_000, 100, "5"), Vec::<CostInsight>::new());
    assert_eq!(insights("0", 10_000, 299, "20"), Vec::<CostInsight>::new());
    assert_eq!(
        insights("0", 10_000, 300, "30"),
        vec![CtrStrong, CvrExcellent]
    );
    // CVR: < 2 low (with clicks), ≥ 10 excellent.
    assert_eq!(insights("0", 0, 1000, "19.99"), vec![CvrLow]);
    assert_eq!(insights("0", 0, 1000, "20"), Vec::<CostInsight>::new());
    assert_eq!(insights("0", 0, 1000, "99.99"), Vec::<CostInsight>::new());
    // CPC: > 10 high, 0 < CPC < 2 low. 50 conversions of 100 clicks keep CVR quiet.
    assert_eq!(
        insights("1000.01", 0, 100, "50"),
        vec![CvrExcellent, CpcHigh]
    );
    assert!(!insights("1000", 0, 100, "5").contains(&CpcHigh));
    assert!(insights("199.99", 0, 100, "5").contains(&CpcLow));
    assert!(!insights("200", 0, 100, "5").contains(&CpcLow));
    // CPM: 0 < CPM < 5 low, > 30 high (impressions 100 000).
    assert!(insights("499.99", 100_000, 3000, "300").contains(&CpmLow));
    assert!(!insights("500", 100_000, 3000, "300").contains(&CpmLow));
    assert!(!insights("3000", 100_000, 3000, "300").contains(&CpmHigh));
    assert!(insights("3000.01", 100_000, 3000, "300").contains(&CpmHigh));
    // CPA: > 100 high (with conversions), 0 < CPA < 15 low.
    assert!(insights("1000.01", 0, 0, "10").contains(&CpaHigh));
    assert!(!insights("1000", 0, 0, "10").contains(&CpaHigh));
    assert!(insights("149.99", 0, 0, "10").contains(&CpaLow));
    assert!(!insights("150", 0, 0, "10").contains(&CpaLow));
}

#[test]
fn performers_ties_and_flags() {
    let mut input = campaign(
        "2026-01-05",
        Some("1000"),
        Some("2026-01-01"),
        Some("2026-01-10"),
    );
    let with_revenue = |spend: &str, revenue: &str| PlatformMetrics {
        spend: dec(spend),
        revenue: Some(dec(revenue)),
        ..PlatformMetrics::default()
    };
    input.platforms.linkedin = Some(with_revenue("100", "200"));
    input.platforms.meta = Some(with_revenue("50", "100"));
    input.platforms.sheets = Some(with_revenue("10", "20"));
    let a = analyze(&input);
    let top = a.insights.top_performer.map(|t| t.performer.platform);
    let bottom = a
        .insights
        .bottom_performer
        .map(|b| (b.performer.platform, b.flag));
    // All ROAS 2: the earlier platform tops, the later one is bottom.
    assert_eq!(top, Some(spendlens_core::Platform::LinkedIn));
    assert_eq!(
        bottom,
        Some((
            spendlens_core::Platform::Sheets,
            Some(PerformerFlag::Moderate)
        ))
    );

    input.platforms.sheets = Some(with_revenue("10", "9.99"));
    let flag = analyze(&input)
        .insights
        .bottom_performer
        .and_then(|b| b.flag);
    assert_eq!(flag, Some(PerformerFlag::BelowBreakEven));

    input.platforms.meta = Some(with_revenue("50", "150"));
    input.platforms.linkedin = Some(with_revenue("100", "300"));
    input.platforms.sheets = Some(with_revenue("10", "30"));
    let a = analyze(&input);
    assert_eq!(a.insights.bottom_performer.and_then(|b| b.flag), None);
    assert_eq!(a.insights.top_performer.map(|t| t.exceptional), Some(true));

    // One spending platform: a top performer but no bottom one.
    input.platforms.meta = None;
    input.platforms.sheets = None;
    let a = analyze(&input);
    assert!(a.insights.top_performer.is_some() && a.insights.bottom_performer.is_none());
    assert!(a.allocation.recommendations.is_empty());
}

#[test]
fn trend_arrows_hide_below_a_hundredth_of_a_percent() {
    let mut input = campaign(
        "2026-01-05",
        Some("1000"),
        Some("2026-01-01"),
        Some("2026-01-10"),
    );
    input.platforms.meta = Some(crate::support::metrics("10000.01", 0, "0"));
    let snapshot = |spend: &str| spendlens_core::analysis::Comparison {
        period: spendlens_core::analysis::ComparisonPeriod::SevenDays,
        snapshot: Some(spendlens_core::analysis::Snapshot {
            date: crate::support::day("2025-12-29"),
            spend: dec(spend),
            conversions: Decimal::ZERO,
            revenue: None,
        }),
    };
    input.comparison = Some(snapshot("10000"));
    let t = analyze(&input).trends.map(|t| t.spend);
    // +0.0001 %: hidden.
    assert_eq!(t.and_then(|t| t.direction), None);
    input.comparison = Some(snapshot("9999"));
    // +0.01 % exactly: shown.
    let t = analyze(&input).trends.map(|t| t.spend);
    assert!(
        t.as_ref().is_some_and(|t| t.change_pct >= dec("0.01")),
        "{t:?}"
    );
    assert_eq!(t.and_then(|t| t.direction), Some(Direction::Up));
    if let Some(c) = input.comparison.as_mut() {
        c.snapshot = None;
    }
    assert!(analyze(&input).trends.is_none());
}
