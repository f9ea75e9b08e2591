//! Invariants of the analysis over arbitrary valid inputs.
use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;
use spendlens_core::analysis::{
    AnalysisInput, CampaignPlan, Comparison, ComparisonPeriod, PlatformInputs, PlatformMetrics,
    Snapshot, analyze,
};

/// Decimals anywhere in the representable range, with any scale, plus the usual small values.
fn any_decimal() -> BoxedStrategy<Decimal> {
    prop_oneof![
        3 => (0i64..100_000_000, 0u32..5).prop_map(|(m, s)| Decimal::new(m, s)),
        1 => (any::<u32>(), any::<u32>(), any::<u32>(), 0u32..=28)
            .prop_map(|(lo, mid, hi, scale)| Decimal::from_parts(lo, mid, hi, false, scale)),
        1 => Just(Decimal::ZERO),
        1 => Just(Decimal::MAX),
    ]
    .boxed()
}

/// Realistic campaign figures: up to a billion with cents.
fn money() -> BoxedStrategy<Decimal> {
    prop_oneof![
        4 => (0i64..100_000_000_000, 0u32..3).prop_map(|(m, s)| Decimal::new(m, s)),
        1 => Just(Decimal::ZERO),
    ]
    .boxed()
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (0i32..20_000).prop_map(|d| {
        NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|base| {
                base.checked_add_days(chrono::Days::new(u64::try_from(d).unwrap_or(0)))
            })
            .unwrap_or_default()
    })
}

fn metrics(
    amount: BoxedStrategy<Decimal>,
    count: BoxedStrategy<u64>,
) -> BoxedStrategy<PlatformMetrics> {
    (
        (
            amount.clone(),
            count.clone(),
            count.clone(),
            count,
            amount.clone(),
        ),
        (
            proptest::option::of(amount.clone()),
            proptest::option::of(amount.clone()),
            proptest::option::of(amount.clone()),
            proptest::option::of(amount),
        ),
    )
        .prop_map(
            |((spend, impressions, engagements, clicks, conversions), (cv, revenue, roas, roi))| {
                PlatformMetrics {
                    spend,
                    impressions,
                    engagements,
                    clicks,
                    conversions,
                    conversion_value: cv,
                    revenue,
                    roas,
                    roi,
                }
            },
        )
        .boxed()
}

fn input(
    amount: BoxedStrategy<Decimal>,
    count: BoxedStrategy<u64>,
) -> impl Strategy<Value = AnalysisInput> {
    let platform = proptest::option::of(metrics(amount.clone(), count));
    (
        (
            any_date(),
            proptest::option::of(amount.clone()),
            proptest::option::of(any_date()),
            proptest::option::of(any_date()),
        ),
        (
            platform.clone(),
            platform.clone(),
            platform.clone(),
            platform.clone(),
            platform,
        ),
        (
            proptest::option::of(amount.clone()),
            proptest::option::of(amount.clone()),
        ),
        proptest::option::of((
            any_date(),
            amount.clone(),
            amount.clone(),
            proptest::option::of(amount),
        )),
    )
        .prop_map(
            |((as_of, budget, start, end), (li, meta, gads, ci, sheets), (ga4, ci_aov), snap)| {
                AnalysisInput {
                    as_of,
                    campaign: CampaignPlan {
                        budget,
                        start_date: start,
                        end_date: end,
                        ..CampaignPlan::default()
                    },
                    platforms: PlatformInputs {
                        linkedin: li,
                        meta,
                        google_ads: gads,
                        custom_integration: ci,
                        sheets,
                        ga4_aov: ga4,
                        custom_integration_aov: ci_aov,
                        ..PlatformInputs::default()
                    },
                    comparison: Some(Comparison {
                        period: ComparisonPeriod::SevenDays,
                        snapshot: snap.map(|(date, spend, conversions, revenue)| Snapshot {
                            date,
                            spend,
                            conversions,
                            revenue,
                        }),
                    }),
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any valid input, however extreme, gives a result and keeps the score's own arithmetic.
    #[test]
    fn never_panics_and_the_score_is_the_sum_of_its_parts(i in input(any_decimal(), any::<u64>().boxed())) {
        let a = analyze(&i);
        let h = &a.overview.health;
        prop_assert_eq!(h.score, h.budget.score + h.pacing.score + h.roi.score + h.roas.score);
        prop_assert!(h.score <= 100);
        prop_assert!(h.measured_score.is_none_or(|m| m <= 100));
        prop_assert_eq!(h.measured_score.is_none(), h.inputs_used == 0);
        prop_assert_eq!(a.overview.pacing.days_elapsed >= 1, true);
    }

    #[test]
    fn shares_add_up_to_100_and_tiers_to_total_spend(i in input(money(), (0u64..10_000_000_000).boxed())) {
        let a = analyze(&i);
        let total = a.totals.spend;
        let tiers = a.allocation.high.spend + a.allocation.medium.spend + a.allocation.low.spend;
        prop_assert_eq!(tiers, total);
        let spend_rows: Decimal = a.platforms.iter().map(|r| r.spend).sum();
        prop_assert_eq!(spend_rows, total);
        if total > Decimal::ZERO {
            let shares: Decimal = a.platforms.iter().map(|r| r.share_pct).sum();
            prop_assert!((shares - Decimal::ONE_HUNDRED).abs() < Decimal::new(1, 20), "shares {}", shares);
            let tier_shares = a.allocation.high.share_pct + a.allocation.medium.share_pct + a.allocation.low.share_pct;
            prop_assert!((tier_shares - Decimal::ONE_HUNDRED).abs() < Decimal::new(1, 20), "tiers {}", tier_shares);
        } else {
            prop_assert!(a.platforms.iter().all(|r| r.share_pct.is_zero()));
        }
    }

    #[test]
    fn totals_are_the_sums_of_the_platforms(i in input(money(), (0u64..10_000_000_000).boxed())) {
        let a = analyze(&i);
        // A platform without spend or conversions has no row; only reported revenue can come
        // from it (an estimate from zero conversions is zero).
        let rowless: Decimal = spendlens_core::Platform::AD_PLATFORMS
            .into_iter()
            .filter_map(|p| i.platforms.get(p))
            .filter(|m| m.spend.is_zero() && m.conversions.is_zero())
            .filter_map(|m| m.revenue)
            .sum();
        let revenue: Decimal = a.platforms.iter().map(|r| r.revenue).sum();
        prop_assert_eq!(revenue + rowless, a.totals.revenue);
        prop_assert_eq!(a.totals.net_profit, a.totals.revenue - a.totals.spend);
        let pieces = a.allocation.high.platforms.len() + a.allocation.medium.platforms.len() + a.allocation.low.platforms.len();
        prop_assert_eq!(pieces, a.platforms.iter().filter(|r| r.spend > Decimal::ZERO).count());
    }
}
