//! Building analysis inputs tersely.
use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::analysis::{AnalysisInput, CampaignPlan, PlatformInputs, PlatformMetrics};

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub fn metrics(spend: &str, clicks: u64, conversions: &str) -> PlatformMetrics {
    PlatformMetrics {
        spend: dec(spend),
        clicks,
        conversions: dec(conversions),
        ..PlatformMetrics::default()
    }
}

/// A campaign with a budget and dates, and nothing connected.
pub fn campaign(
    as_of: &str,
    budget: Option<&str>,
    start: Option<&str>,
    end: Option<&str>,
) -> AnalysisInput {
    AnalysisInput {
        as_of: day(as_of),
        campaign: CampaignPlan {
            budget: budget.map(dec),
            start_date: start.map(day),
            end_date: end.map(day),
            ..CampaignPlan::default()
        },
        platforms: PlatformInputs::default(),
        comparison: None,
    }
}
