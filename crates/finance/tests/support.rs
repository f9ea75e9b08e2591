//! Builders for campaigns, rows and ledger entries.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::campaign::{CampaignId, CampaignSpec, OrgId};
use spendlens_core::{DailyRow, Platform};
use spendlens_finance::{
    AttributionMethod, CampaignBook, CreativeProduction, DailyRevenue, FinanceSettings,
    LedgerEntry, MediaSpend, OperationalOverhead, OrgBooks, OverheadMethod, Period, PlatformFee,
    RevenueSeries,
};

pub fn d(text: &str) -> Decimal {
    text.parse().unwrap_or_default()
}

/// A day of March 2026.
pub fn mar(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, day).unwrap_or_default()
}

pub fn period(text: &str) -> Period {
    Period::parse(text).unwrap_or(Period::day(mar(1)))
}

/// A campaign with `spend` and `conversions` on `platform` and `revenue` on each of `days`.
pub struct Campaign {
    pub id: &'static str,
    pub currency: &'static str,
    pub budget: Option<&'static str>,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub headcount: u32,
    pub platform: Platform,
    pub days: Vec<NaiveDate>,
    pub spend: &'static str,
    pub conversions: &'static str,
    pub revenue: &'static str,
}

impl Campaign {
    pub fn book(&self) -> CampaignBook {
        CampaignBook {
            id: CampaignId::new(self.id),
            spec: CampaignSpec {
                name: format!("Campaign {}", self.id),
                currency: self.currency.into(),
                budget: self.budget.map(d),
                start_date: self.start,
                end_date: self.end,
                time_zone: "UTC".into(),
            },
            headcount: self.headcount,
            rows: self
                .days
                .iter()
                .map(|&date| DailyRow {
                    spend: d(self.spend),
                    conversions: d(self.conversions),
                    clicks: 40,
                    impressions: 1_000,
                    ..DailyRow::empty(date, self.platform, "ext")
                })
                .collect(),
            channels: Vec::new(),
            revenue: RevenueSeries {
                reported: Vec::new(),
                credit: Vec::new(),
                credit_offline: Decimal::ZERO,
                method: AttributionMethod::MultiTouch,
                basis: spendlens_finance::books::RevenueBasis::default(),
                days: self
                    .days
                    .iter()
                    .map(|&date| DailyRevenue {
                        date,
                        amount: d(self.revenue),
                    })
                    .collect(),
            },
        }
    }
}

/// March 1 to `last`.
pub fn march_until(last: u32) -> Vec<NaiveDate> {
    (1..=last).map(mar).collect()
}

pub fn media(campaign: &str, amount: &str, currency: &str, date: NaiveDate) -> LedgerEntry {
    LedgerEntry::MediaSpend(MediaSpend {
        campaign_id: CampaignId::new(campaign),
        amount: d(amount),
        currency: currency.into(),
        attribution_method: AttributionMethod::FirstTouch,
        allocation_date: date,
    })
}

pub fn creative(
    campaign: &str,
    amount: &str,
    fixed: &str,
    hours: u32,
    date: NaiveDate,
) -> LedgerEntry {
    LedgerEntry::CreativeProduction(CreativeProduction {
        campaign_id: CampaignId::new(campaign),
        amount: d(amount),
        currency: "USD".into(),
        resource_hours: hours,
        fixed_cost_allocation: d(fixed),
        incurred_on: date,
    })
}

pub fn fee(campaign: &str, amount: &str, platform: &str, billing: &str) -> LedgerEntry {
    LedgerEntry::PlatformFee(PlatformFee {
        campaign_id: CampaignId::new(campaign),
        amount: d(amount),
        currency: "USD".into(),
        platform: platform.into(),
        billing_period: period(billing),
    })
}

pub fn overhead(
    amount: &str,
    currency: &str,
    method: OverheadMethod,
    reporting: &str,
) -> LedgerEntry {
    LedgerEntry::OperationalOverhead(OperationalOverhead {
        amount: d(amount),
        currency: currency.into(),
        allocation_method: method,
        reporting_period: period(reporting),
    })
}

pub fn books(campaigns: Vec<CampaignBook>, entries: Vec<LedgerEntry>) -> OrgBooks {
    OrgBooks {
        org_id: OrgId::new("org"),
        campaigns,
        entries,
    }
}

/// 3.65 % a year: exactly 0.0001 a day, so opportunity costs are easy to compute by hand.
pub fn settings() -> FinanceSettings {
    FinanceSettings {
        cost_of_capital: d("0.0365"),
        ..FinanceSettings::default()
    }
}

/// Campaign A of the worked example: USD, March, budget 5000, 2 people, Meta 100/day with 5
/// conversions, revenue 250/day, data from March 1 to 10.
pub fn campaign_a() -> Campaign {
    Campaign {
        id: "a",
        currency: "USD",
        budget: Some("5000"),
        start: Some(mar(1)),
        end: Some(mar(31)),
        headcount: 2,
        platform: Platform::Meta,
        days: march_until(10),
        spend: "100",
        conversions: "5",
        revenue: "250",
    }
}

/// Campaign B of the worked example: EUR, from March 1 without end, 3 people, Google Ads 80/day
/// with 2 conversions, revenue 100/day, data from March 1 to 10.
pub fn campaign_b() -> Campaign {
    Campaign {
        id: "b",
        currency: "EUR",
        budget: None,
        start: Some(mar(1)),
        end: None,
        headcount: 3,
        platform: Platform::GoogleAds,
        days: march_until(10),
        spend: "80",
        conversions: "2",
        revenue: "100",
    }
}

/// The worked example's ledger: for A a media entry of 200 on March 3 (and one of 999 on March
/// 20, after today), creative 300 + 50 fixed on March 1 (12 hours), a Meta fee of 31 for March;
/// for the organisation 3100 USD of March overhead by headcount, and 730 USD for 2025 that no
/// campaign can carry.
pub fn worked_ledger() -> Vec<LedgerEntry> {
    vec![
        media("a", "200", "USD", mar(3)),
        media("a", "999", "USD", mar(20)),
        creative("a", "300", "50", 12, mar(1)),
        fee("a", "31", "meta", "2026-03"),
        overhead("3100", "USD", OverheadMethod::Headcount, "2026-03"),
        overhead("730", "USD", OverheadMethod::TimeBased, "2025"),
    ]
}
