//! One full analysis of the five-platform example, from input to result (and encoded, in the
//! contract crate's benchmark).
use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::analysis::{
    AnalysisInput, CampaignPlan, Comparison, ComparisonPeriod, PlatformInputs, PlatformMetrics,
    Snapshot, analyze,
};

fn main() {
    divan::main();
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn metrics(spend: &str, impressions: u64, clicks: u64, conversions: &str) -> PlatformMetrics {
    PlatformMetrics {
        spend: d(spend),
        impressions,
        engagements: impressions / 40,
        clicks,
        conversions: d(conversions),
        ..PlatformMetrics::default()
    }
}

fn input() -> AnalysisInput {
    AnalysisInput {
        as_of: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default(),
        campaign: CampaignPlan {
            budget: Some(d("15000")),
            start_date: NaiveDate::from_ymd_opt(2026, 11, 1),
            end_date: NaiveDate::from_ymd_opt(2026, 12, 15),
            ..CampaignPlan::default()
        },
        platforms: PlatformInputs {
            linkedin: Some(PlatformMetrics {
                conversion_value: Some(d("120")),
                ..metrics("4200.50", 180_000, 2100, "84")
            }),
            meta: Some(metrics("3100", 410_000, 5300, "61.5")),
            google_ads: Some(PlatformMetrics {
                revenue: Some(d("11200")),
                ..metrics("2500", 300_000, 4100, "95.3")
            }),
            custom_integration: Some(metrics("900", 30_000, 700, "20")),
            sheets: Some(metrics("650", 52_000, 410, "9")),
            ga4_aov: Some(d("110")),
            custom_integration_aov: Some(d("95")),
            ..PlatformInputs::default()
        },
        comparison: Some(Comparison {
            period: ComparisonPeriod::SevenDays,
            snapshot: Some(Snapshot {
                date: NaiveDate::from_ymd_opt(2026, 11, 14).unwrap_or_default(),
                spend: d("5400"),
                conversions: d("120"),
                revenue: None,
            }),
        }),
    }
}

#[divan::bench]
fn full_analysis(bencher: divan::Bencher) {
    let input = input();
    bencher.bench(|| analyze(divan::black_box(&input)));
}
