//! Every label reads as words: not empty, no code-like underscore, capitalised, and distinct
//! within its set (two codes under one word would read as one).

use std::collections::HashSet;

use super::*;

fn check<T: Label + std::fmt::Debug>(set: &str, values: &[T]) {
    let mut seen = HashSet::new();
    for v in values {
        let label = v.label();
        assert!(!label.trim().is_empty(), "{set}: {v:?} has no label");
        assert!(
            !label.contains('_'),
            "{set}: {v:?} reads as a code: {label}"
        );
        let first = label.chars().next().expect("not empty");
        assert!(
            first.is_uppercase() || first.is_ascii_digit(),
            "{set}: {v:?} is not capitalised: {label}"
        );
        assert!(seen.insert(label), "{set}: two codes read {label}");
    }
}

#[test]
fn every_code_has_distinct_words() {
    check("platform", &Platform::ALL);
    check("rating", Rating::ALL);
    check("status", Status::ALL);
    check("pacing", PacingStatus::ALL);
    check("badge", Badge::ALL);
    check("tier", Tier::ALL);
    check("order value source", AovSource::ALL);
    check("revenue source", RevenueSource::ALL);
    check("recommendation", Recommendation::ALL);
    check("performance", Performance::ALL);
    check("cost efficiency", CostEfficiencyRating::ALL);
    check("budget management", BudgetManagement::ALL);
    check("performer flag", PerformerFlag::ALL);
    check("opportunity", Opportunity::ALL);
    check("cost insight", CostInsight::ALL);
    check("direction", Direction::ALL);
    check("warning", Warning::ALL);
    check("comparison period", &ComparisonPeriod::ALL);
    check(
        "missing input",
        &[MissingInput::ConversionValue, MissingInput::Budget],
    );
    check("attribution method", AttributionMethod::ALL);
    check("overhead method", OverheadMethod::ALL);
    check("cost category", CostCategory::ALL);
    check("alert", &AlertKind::ALL);
    check(
        "unallocated",
        &[
            UnallocatedReason::NoActiveCampaign,
            UnallocatedReason::NoHeadcount,
        ],
    );
    check(
        "confidence",
        &[
            ConfidenceLevel::NotMeasurable,
            ConfidenceLevel::Low,
            ConfidenceLevel::Medium,
            ConfidenceLevel::High,
        ],
    );
    check("model", &Model::ALL);
    check(
        "objective",
        &[Objective::Revenue, Objective::Profit, Objective::LtvValue],
    );
    check(
        "risk",
        &[RiskLevel::Low, RiskLevel::Medium, RiskLevel::High],
    );
    check(
        "connection",
        &[
            ConnectionStatus::Pending,
            ConnectionStatus::Active,
            ConnectionStatus::Error,
            ConnectionStatus::Reauthorize,
        ],
    );
    check("spend range", &[SpendRange::Observed, SpendRange::Open]);
}

#[test]
fn sentences_lower_common_words_and_keep_names() {
    assert_eq!(
        in_sentence(Objective::LtvValue.label()),
        "customer lifetime value"
    );
    assert_eq!(in_sentence(Model::Markov.label()), "Markov");
    assert_eq!(
        in_sentence(Model::ShapleyOrdered.label()),
        "ordered Shapley"
    );
    assert_eq!(
        in_sentence(AovSource::Ga4.label()),
        "GA4 average order value"
    );
    assert_eq!(in_sentence(Platform::LinkedIn.label()), "LinkedIn Ads");
    assert_eq!(in_sentence("A"), "A");
    assert_eq!(in_sentence(""), "");
}

#[test]
fn the_pacing_verdict_names_the_budget_before_the_pace() {
    let day = chrono::NaiveDate::from_ymd_opt(2027, 1, 21).expect("a day");
    let cents = |c: i64| rust_decimal::Decimal::new(c, 2);
    assert_eq!(
        pacing_verdict(PacingVerdict::OverBudget { by: cents(126_257) }, "USD"),
        "Budget exceeded by $1,262.57"
    );
    assert_eq!(
        pacing_verdict(
            PacingVerdict::ProjectedOver {
                projected: cents(6_680_568),
                over_by: cents(680_568),
                end: day,
            },
            "USD"
        ),
        "Heading $6,805.68 over budget by 21 Jan 2027"
    );
    assert_eq!(
        pacing_verdict(
            PacingVerdict::ProjectedOver {
                projected: cents(1),
                over_by: cents(1),
                end: day
            },
            "GBP"
        ),
        "Heading GBP 0.01 over budget by 21 Jan 2027"
    );
    for s in PacingStatus::ALL {
        assert_eq!(pacing_verdict(PacingVerdict::Pace(*s), "EUR"), s.label());
    }
    assert_eq!(pacing_verdict(PacingVerdict::NoBudget, "EUR"), "No budget");
    let starts = chrono::NaiveDate::from_ymd_opt(2027, 1, 15).expect("a day");
    assert_eq!(
        pacing_verdict(PacingVerdict::NotStarted { starts }, "EUR"),
        "Not started (starts 15 Jan 2027)"
    );
}
