//! The financial report of a 100-campaign organisation over a year (two platforms a day, revenue
//! every day, creative and fee entries per campaign, monthly overhead by headcount and by time),
//! generated and rendered through the app's bridge to each format. Acceptance: under 2 s.
//!
//! `CARGO_TARGET_DIR=... cargo bench -p spendlens-app --bench financial_report`
//!
//! Medians on the 2-core development machine (release, shared with other builds): generation
//! 94.9 ms; rendering JSON 2.7 ms, CSV 0.38 ms, XLSX 5.9 ms, PDF (tables and charts) 88.9 ms;
//! generation and PDF together 193 ms.

use std::sync::LazyLock;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use spendlens_app::finance::document::{Format, SpendDays, render};
use spendlens_core::campaign::{CampaignId, CampaignSpec, OrgId};
use spendlens_core::{DailyRow, Platform};
use spendlens_finance::ledger::{CreativeProduction, OperationalOverhead, PlatformFee};
use spendlens_finance::{
    AttributionMethod, CampaignBook, DailyRevenue, FinanceSettings, FinancialReport, FxRate,
    LedgerEntry, OrgBooks, OverheadMethod, Period, RatesTable, ReportRequest, RevenueSeries,
    generate_financial_report,
};

fn main() {
    divan::main();
}

fn day(offset: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1)
        .and_then(|d| d.checked_add_days(Days::new(offset)))
        .unwrap_or_default()
}

fn books() -> OrgBooks {
    let mut state = 7u64;
    let mut noise = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        i64::try_from(state >> 44).unwrap_or(0) % 10_000
    };
    let mut campaigns = Vec::new();
    let mut entries = Vec::new();
    for c in 0..100u32 {
        let id = CampaignId::new(format!("c{c:03}"));
        let currency = if c % 10 == 0 { "EUR" } else { "USD" };
        let mut rows = Vec::new();
        let mut revenue = Vec::new();
        for d in 0..365 {
            for platform in [Platform::Meta, Platform::GoogleAds] {
                rows.push(DailyRow {
                    spend: Decimal::new(5_000 + noise(), 2),
                    impressions: 2_000,
                    clicks: 60,
                    conversions: Decimal::from(2 + noise() % 4),
                    ..DailyRow::empty(day(d), platform, "")
                });
            }
            revenue.push(DailyRevenue {
                date: day(d),
                amount: Decimal::new(12_000 + 2 * noise(), 2),
            });
        }
        entries.push(LedgerEntry::CreativeProduction(CreativeProduction {
            campaign_id: id.clone(),
            amount: Decimal::from(2_500),
            currency: currency.into(),
            resource_hours: 30,
            fixed_cost_allocation: Decimal::from(300),
            incurred_on: day(u64::from(c)),
        }));
        for m in 1..=12 {
            entries.push(LedgerEntry::PlatformFee(PlatformFee {
                campaign_id: id.clone(),
                amount: Decimal::from(99),
                currency: currency.into(),
                platform: "google_ads".into(),
                billing_period: Period::parse(&format!("2025-{m:02}"))
                    .unwrap_or(Period::day(day(0))),
            }));
        }
        campaigns.push(CampaignBook {
            id,
            spec: CampaignSpec {
                name: format!("Campaign {c:03}"),
                currency: currency.into(),
                budget: Some(Decimal::from(60_000)),
                start_date: Some(day(0)),
                end_date: Some(day(364)),
                time_zone: "UTC".into(),
            },
            headcount: 1 + c % 4,
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
            amount: Decimal::from(50_000),
            currency: "USD".into(),
            allocation_method: if m % 2 == 0 {
                OverheadMethod::Headcount
            } else {
                OverheadMethod::TimeBased
            },
            reporting_period: Period::parse(&format!("2025-{m:02}")).unwrap_or(Period::day(day(0))),
        }));
    }
    OrgBooks {
        org_id: OrgId::new("org"),
        campaigns,
        entries,
    }
}

static BOOKS: LazyLock<OrgBooks> = LazyLock::new(books);
static RATES: LazyLock<RatesTable> = LazyLock::new(|| {
    RatesTable::new(&[FxRate {
        from: "EUR".into(),
        to: "USD".into(),
        rate: Decimal::new(1085, 3),
    }])
    .unwrap_or_default()
});

fn generate() -> FinancialReport {
    let request = ReportRequest {
        period: Period::new(day(0), day(364)).unwrap_or(Period::day(day(0))),
        today: day(365),
        currency: "USD".into(),
        settings: FinanceSettings::default(),
        rates: &RATES,
    };
    generate_financial_report(&BOOKS, &request).expect("report")
}

static REPORT: LazyLock<FinancialReport> = LazyLock::new(generate);

/// The daily spend the PDF's charts are drawn from.
static DAYS: LazyLock<SpendDays> = LazyLock::new(|| SpendDays::of_books(&BOOKS, REPORT.window));

#[divan::bench(sample_count = 10)]
fn generation() -> FinancialReport {
    generate()
}

#[divan::bench(sample_count = 10, args = ["json", "csv", "xlsx", "pdf"])]
fn format(name: &str) -> usize {
    let format = Format::parse(name).expect("format");
    render(divan::black_box(&REPORT), &DAYS, format, day(365))
        .expect("render")
        .len()
}

/// A download as the server answers it: generation plus the format (PDF, the slowest).
#[divan::bench(sample_count = 10)]
fn generation_and_pdf() -> usize {
    let report = generate();
    let days = SpendDays::of_books(&BOOKS, report.window);
    render(&report, &days, Format::Pdf, day(365))
        .expect("render")
        .len()
}
