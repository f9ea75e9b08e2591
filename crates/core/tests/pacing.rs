//! Days counting, pacing and the budget projection.
use spendlens_core::analysis::{PacingStatus, Warning, analyze, inclusive_days};

use crate::support::{campaign, day, dec, metrics};

#[test]
fn days_are_inclusive_across_month_ends_and_leap_days() {
    assert_eq!(inclusive_days(day("2026-01-31"), day("2026-02-01")), 2);
    assert_eq!(inclusive_days(day("2026-11-01"), day("2026-11-01")), 1);
    assert_eq!(inclusive_days(day("2024-02-28"), day("2024-03-01")), 3);
    assert_eq!(inclusive_days(day("2026-02-28"), day("2026-03-01")), 2);
    assert_eq!(inclusive_days(day("2024-01-01"), day("2024-12-31")), 366);
    assert_eq!(inclusive_days(day("2025-12-31"), day("2026-01-01")), 2);
    assert_eq!(inclusive_days(day("2026-01-02"), day("2026-01-01")), 0);
}

fn with_spend(
    mut input: spendlens_core::analysis::AnalysisInput,
    spend: &str,
) -> spendlens_core::analysis::AnalysisInput {
    input.platforms.meta = Some(metrics(spend, 0, "0"));
    input
}

#[test]
fn a_leap_february_counts_29_days() {
    let a = analyze(&with_spend(
        campaign(
            "2024-02-29",
            Some("2900"),
            Some("2024-02-01"),
            Some("2024-02-29"),
        ),
        "2900",
    ));
    let p = &a.overview.pacing;
    assert_eq!(p.days_elapsed, 29);
    assert_eq!(p.total_days, dec("29"));
    assert_eq!(p.daily_burn_rate, dec("100"));
    assert_eq!(p.target_daily_spend, dec("100"));
    assert_eq!(p.pacing_pct, dec("100"));
}

#[test]
fn as_of_before_the_start_counts_one_day() {
    let a = analyze(&with_spend(
        campaign(
            "2026-01-01",
            Some("1000"),
            Some("2026-02-01"),
            Some("2026-02-10"),
        ),
        "50",
    ));
    assert_eq!(a.overview.pacing.days_elapsed, 1);
    assert_eq!(a.overview.pacing.daily_burn_rate, dec("50"));
}

#[test]
fn days_stop_at_the_end_date_once_the_campaign_is_over() {
    let a = analyze(&with_spend(
        campaign(
            "2026-03-31",
            Some("1000"),
            Some("2026-02-01"),
            Some("2026-02-10"),
        ),
        "1000",
    ));
    let p = &a.overview.pacing;
    assert_eq!(p.days_elapsed, 10);
    assert_eq!(p.daily_burn_rate, dec("100"));
    assert_eq!(p.total_days, dec("10"));
    assert_eq!(p.status, PacingStatus::OnTrack);
    // Exhausted exactly: 0 days remaining, projected for as_of itself, not before the end.
    assert_eq!(p.days_remaining, Some(dec("0")));
    assert_eq!(p.projected_exhaustion_date, Some(day("2026-03-31")));
    assert_eq!(p.exhausts_before_end, Some(false));
}

#[test]
fn as_of_on_the_end_date_counts_the_whole_campaign() {
    let a = analyze(&with_spend(
        campaign(
            "2026-02-10",
            Some("1000"),
            Some("2026-02-01"),
            Some("2026-02-10"),
        ),
        "500",
    ));
    assert_eq!(a.overview.pacing.days_elapsed, 10);
    let a = analyze(&with_spend(
        campaign(
            "2026-02-09",
            Some("1000"),
            Some("2026-02-01"),
            Some("2026-02-10"),
        ),
        "500",
    ));
    assert_eq!(a.overview.pacing.days_elapsed, 9);
}

#[test]
fn an_end_before_the_start_is_ignored_with_a_warning() {
    let a = analyze(&with_spend(
        campaign(
            "2026-02-05",
            Some("1000"),
            Some("2026-02-01"),
            Some("2026-01-15"),
        ),
        "100",
    ));
    assert_eq!(a.overview.pacing.end_date, None);
    assert!(a.warnings.contains(&Warning::InvalidDates));
    assert!(!a.warnings.contains(&Warning::NoEndDate));
    // Projected without an end: 5 days + (1000 − 100) / 20 = 50 days.
    assert_eq!(a.overview.pacing.total_days, dec("50"));
    assert!(a.overview.health.pacing.assumed);
}

#[test]
fn projection_floors_the_remaining_days() {
    // Burn 30/day, 100 left: 3.33 days → exhausted on as_of + 3.
    let a = analyze(&with_spend(
        campaign(
            "2026-01-10",
            Some("400"),
            Some("2026-01-01"),
            Some("2026-01-31"),
        ),
        "300",
    ));
    let p = &a.overview.pacing;
    assert_eq!(p.daily_burn_rate, dec("30"));
    assert_eq!(p.projected_exhaustion_date, Some(day("2026-01-13")));
    assert_eq!(p.exhausts_before_end, Some(true));
}

#[test]
fn over_budget_has_no_projection_but_says_by_how_much() {
    let a = analyze(&with_spend(
        campaign(
            "2026-01-10",
            Some("400"),
            Some("2026-01-01"),
            Some("2026-01-31"),
        ),
        "450.25",
    ));
    assert_eq!(a.overview.pacing.days_remaining, None);
    assert_eq!(a.overview.pacing.projected_exhaustion_date, None);
    assert_eq!(a.overview.budget.over_budget_by, Some(dec("50.25")));
    assert_eq!(a.overview.budget.remaining, Some(dec("-50.25")));
    assert!(a.warnings.contains(&Warning::BudgetExceeded));
}

#[test]
fn spend_exactly_at_budget_is_not_exceeded() {
    let a = analyze(&with_spend(
        campaign(
            "2026-01-10",
            Some("400"),
            Some("2026-01-01"),
            Some("2026-01-31"),
        ),
        "400",
    ));
    assert_eq!(a.overview.budget.over_budget_by, None);
    assert!(!a.warnings.contains(&Warning::BudgetExceeded));
}

#[test]
fn without_budget_pacing_shows_100_percent_and_is_assumed() {
    let a = analyze(&with_spend(
        campaign("2026-01-10", None, Some("2026-01-01"), Some("2026-01-31")),
        "400",
    ));
    let p = &a.overview.pacing;
    assert_eq!(p.target_daily_spend, dec("0"));
    assert_eq!(p.pacing_pct, dec("100"));
    assert!(a.overview.health.budget.assumed && a.overview.health.pacing.assumed);
    assert_eq!(a.overview.budget.remaining, None);
}
