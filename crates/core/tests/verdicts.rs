//! Verdicts only from what is known (issue 15 item 2): no revenue verdict from an assumed
//! order value, the budget before the pace, a projection over budget as a warning; on both sides
//! of every edge, and as a property over arbitrary inputs.
use proptest::prelude::*;
use spendlens_core::analysis::verdicts::{MissingInput, PacingVerdict, Verdicts};
use spendlens_core::analysis::{Opportunity, PacingStatus, Performance, analyze};

use crate::support::{campaign, dec, metrics};

#[test]
fn no_conversion_value_gives_no_revenue_verdict() {
    let mut input = campaign(
        "2026-11-10",
        Some("3000"),
        Some("2026-11-01"),
        Some("2026-11-30"),
    );
    input.platforms.meta = Some(metrics("1000", 100, "0"));
    let a = analyze(&input);
    // The seed's code stays (the contract), the verdict does not.
    assert_eq!(a.insights.summary.performance, Performance::Negative);
    let v = Verdicts::of(&a);
    assert!(!v.revenue_measured);
    assert_eq!(v.performance, None);
    assert!(!v.ranks_platforms);
    assert_eq!(v.missing, vec![MissingInput::ConversionValue]);
    assert!(v.score_assumed);
    assert_eq!(v.lead_score, a.overview.health.measured_score);

    // Meta's conversion value measures it.
    let mut m = metrics("1000", 100, "10");
    m.conversion_value = Some(dec("250"));
    input.platforms.meta = Some(m);
    let a = analyze(&input);
    let v = Verdicts::of(&a);
    assert!(v.revenue_measured);
    assert_eq!(v.performance, Some(a.insights.summary.performance));
    assert!(v.ranks_platforms);
    assert!(v.missing.is_empty());
}

#[test]
fn over_budget_overrides_the_pace() {
    // 30-day campaign, budget 3000, on day 30 with 3180 spent: 106 % used, pace within 15 %.
    let mut input = campaign(
        "2026-11-30",
        Some("3000"),
        Some("2026-11-01"),
        Some("2026-11-30"),
    );
    input.platforms.meta = Some(metrics("3180", 100, "0"));
    let a = analyze(&input);
    assert_eq!(a.overview.pacing.status, PacingStatus::OnTrack);
    let v = Verdicts::of(&a);
    assert_eq!(v.pacing, PacingVerdict::OverBudget { by: dec("180") });
    assert!(v.pacing.is_warning());
    // Exactly the budget is not over it.
    input.platforms.meta = Some(metrics("3000", 100, "0"));
    let v = Verdicts::of(&analyze(&input));
    assert_eq!(v.pacing, PacingVerdict::Pace(PacingStatus::OnTrack));
}

#[test]
fn a_projection_past_the_budget_is_a_warning_inside_the_pace_band() {
    // Day 10 of 30, budget 3000: 1,100 spent burns 110 a day (pace 110 %, on track) and reaches
    // 1,100 + 20 × 110 = 3,300 by the end, 300 over.
    let mut input = campaign(
        "2026-11-10",
        Some("3000"),
        Some("2026-11-01"),
        Some("2026-11-30"),
    );
    input.platforms.meta = Some(metrics("1100", 100, "0"));
    let a = analyze(&input);
    assert_eq!(a.overview.pacing.status, PacingStatus::OnTrack);
    let v = Verdicts::of(&a);
    assert_eq!(
        v.pacing,
        PacingVerdict::ProjectedOver {
            projected: dec("3300"),
            over_by: dec("300"),
            end: crate::support::day("2026-11-30"),
        }
    );
    // 1,000 spent reaches the budget exactly: the pace speaks.
    input.platforms.meta = Some(metrics("1000", 100, "0"));
    let v = Verdicts::of(&analyze(&input));
    assert_eq!(v.pacing, PacingVerdict::Pace(PacingStatus::OnTrack));
    // No budget: no pacing verdict.
    let mut input = campaign("2026-11-10", None, Some("2026-11-01"), Some("2026-11-30"));
    input.platforms.meta = Some(metrics("1000", 100, "0"));
    let v = Verdicts::of(&analyze(&input));
    assert_eq!(v.pacing, PacingVerdict::NoBudget);
    assert!(v.missing.contains(&MissingInput::Budget));
}

#[test]
fn topping_up_is_never_advised_over_budget() {
    // ROAS 4 from a measured conversion value, 117 % of the budget used.
    let mut input = campaign(
        "2026-11-30",
        Some("1000"),
        Some("2026-11-01"),
        Some("2026-11-30"),
    );
    let mut m = metrics("1170", 100, "10");
    m.conversion_value = Some(dec("4680"));
    input.platforms.meta = Some(m);
    let a = analyze(&input);
    assert!(
        a.insights
            .opportunities
            .contains(&Opportunity::IncreaseBudget)
    );
    let v = Verdicts::of(&a);
    assert!(!v.shows(Opportunity::IncreaseBudget));
    assert!(
        v.shows(Opportunity::ScaleBudget)
            || !a.insights.opportunities.contains(&Opportunity::ScaleBudget)
    );
}

proptest! {
    /// Whatever the figures, a campaign whose revenue is not measured gets no revenue verdict,
    /// no platform ranking and no ROAS-based opportunity; spend above the budget is always the
    /// pacing verdict.
    #[test]
    fn no_verdict_rests_on_an_assumed_input(
        spend in 0u32..1_000_000,
        clicks in 0u64..100_000,
        conversions in 0u32..10_000,
        budget in proptest::option::of(1u32..1_000_000),
        day in 1u32..=30,
    ) {
        let as_of = format!("2026-11-{day:02}");
        let budget_text = budget.map(|b| b.to_string());
        let mut input = campaign(&as_of, budget_text.as_deref(), Some("2026-11-01"), Some("2026-11-30"));
        input.platforms.meta = Some(metrics(&spend.to_string(), clicks, &conversions.to_string()));
        input.platforms.google_ads = Some(metrics(&(spend / 2).to_string(), clicks, "0"));
        let a = analyze(&input);
        let v = Verdicts::of(&a);
        prop_assert!(!v.revenue_measured);
        prop_assert_eq!(v.performance, None);
        prop_assert!(!v.ranks_platforms);
        prop_assert!(!v.shows(Opportunity::ScaleBudget));
        prop_assert!(!v.shows(Opportunity::IncreaseBudget));
        if let Some(by) = a.overview.budget.over_budget_by {
            prop_assert_eq!(v.pacing, PacingVerdict::OverBudget { by });
        }
        if budget.is_none() {
            prop_assert_eq!(v.pacing, PacingVerdict::NoBudget);
        }
    }
}
