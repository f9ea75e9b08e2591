//! The financial report of an organisation with 100 campaigns × 365 days (two platforms a day,
//! attributed revenue every day, a ledger of 1 300 entries with monthly overhead), including the
//! bootstrap of every campaign (1 000 resamples). The acceptance bar is "far below 2 s".

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use spendlens_core::campaign::{CampaignId, CampaignSpec, OrgId};
use spendlens_core::{DailyRow, Platform};
use spendlens_finance::{
    AttributionMethod, CampaignBook, CreativeProduction, DailyRevenue, FinanceSettings, FxRate,
    LedgerEntry, MediaSpend, OperationalOverhead, OrgBooks, OverheadMethod, Period, PlatformFee,
    RatesTable, ReportRequest, RevenueSeries, encode, generate_financial_report,
};

fn main() {
    divan::main();
}

fn day(offset: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1)
        .and_then(|d| d.checked_add_days(Days::new(offset)))
        .unwrap_or_default()
}

fn month(m: u32) -> Period {
    Period::parse(&format!("2025-{m:02}")).unwrap_or(Period::day(day(0)))
}

/// A small deterministic generator for the fixture's figures.
fn noise(state: &mut u64) -> i64 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1);
    i64::try_from(*state >> 44).unwrap_or(0) % 10_000
}

fn books() -> OrgBooks {
    let mut state = 42u64;
    let mut campaigns = Vec::new();
    let mut entries = Vec::new();
    for c in 0..100u64 {
        let id = CampaignId::new(format!("campaign-{c:03}"));
        let currency = if c % 4 == 0 { "EUR" } else { "USD" };
        let mut rows = Vec::new();
        let mut revenue = Vec::new();
        for d in 0..365 {
            for platform in [Platform::Meta, Platform::GoogleAds] {
                rows.push(DailyRow {
                    spend: Decimal::new(5_000 + noise(&mut state), 2),
                    impressions: 10_000,
                    clicks: 120,
                    conversions: Decimal::new(noise(&mut state) % 7, 0),
                    currency: Some(currency.to_owned()),
                    ..DailyRow::empty(day(d), platform, "ext")
                });
            }
            revenue.push(DailyRevenue {
                date: day(d),
                amount: Decimal::new(15_000 + 3 * noise(&mut state), 2),
            });
        }
        for m in 1..=12u32 {
            entries.push(LedgerEntry::PlatformFee(PlatformFee {
                campaign_id: id.clone(),
                amount: Decimal::new(9_999, 2),
                currency: "USD".into(),
                platform: "meta".into(),
                billing_period: month(m),
            }));
        }
        entries.push(LedgerEntry::MediaSpend(MediaSpend {
            campaign_id: id.clone(),
            amount: Decimal::new(250_000, 2),
            currency: currency.into(),
            attribution_method: AttributionMethod::MultiTouch,
            allocation_date: day(c),
        }));
        entries.push(LedgerEntry::CreativeProduction(CreativeProduction {
            campaign_id: id.clone(),
            amount: Decimal::new(400_000, 2),
            currency: currency.into(),
            resource_hours: 40,
            fixed_cost_allocation: Decimal::new(50_000, 2),
            incurred_on: day(c + 3),
        }));
        campaigns.push(CampaignBook {
            id,
            spec: CampaignSpec {
                name: format!("Campaign {c}"),
                currency: currency.into(),
                budget: Some(Decimal::new(10_000_000, 2)),
                start_date: Some(day(0)),
                end_date: Some(day(364)),
                time_zone: "UTC".into(),
            },
            headcount: u32::try_from(c % 5).unwrap_or(0),
            rows,
            channels: Vec::new(),
            revenue: RevenueSeries {
                reported: Vec::new(),
                credit: Vec::new(),
                credit_offline: Decimal::ZERO,
                method: AttributionMethod::LastTouch,
                basis: spendlens_finance::books::RevenueBasis::default(),
                days: revenue,
            },
        });
    }
    for m in 1..=12u32 {
        entries.push(LedgerEntry::OperationalOverhead(OperationalOverhead {
            amount: Decimal::new(12_345_678, 2),
            currency: "USD".into(),
            allocation_method: if m % 2 == 0 {
                OverheadMethod::Headcount
            } else {
                OverheadMethod::TimeBased
            },
            reporting_period: month(m),
        }));
    }
    OrgBooks {
        org_id: OrgId::new("org"),
        campaigns,
        entries,
    }
}

fn rates() -> RatesTable {
    RatesTable::new(&[FxRate {
        from: "EUR".into(),
        to: "USD".into(),
        rate: Decimal::new(108, 2),
    }])
    .unwrap_or_default()
}

#[divan::bench(sample_count = 10)]
fn report_100_campaigns_365_days(bencher: divan::Bencher) {
    let books = books();
    let rates = rates();
    let request = ReportRequest {
        period: Period::parse("2025").unwrap_or(Period::day(day(0))),
        today: day(364),
        currency: "USD".into(),
        settings: FinanceSettings::default(),
        rates: &rates,
    };
    bencher.bench_local(|| generate_financial_report(divan::black_box(&books), &request));
}

#[divan::bench(sample_count = 10)]
fn report_and_json(bencher: divan::Bencher) {
    let books = books();
    let rates = rates();
    let request = ReportRequest {
        period: Period::parse("2025").unwrap_or(Period::day(day(0))),
        today: day(364),
        currency: "USD".into(),
        settings: FinanceSettings::default(),
        rates: &rates,
    };
    bencher.bench_local(|| {
        generate_financial_report(divan::black_box(&books), &request)
            .map(|r| encode::financial_report(&r).to_string())
    });
}
