//! Every total of the financial report is the sum of its rows as shown, in every report currency:
//! each campaign's figures are whole cents adding up to its total, each campaign's converted
//! figure is rounded to the cent before the totals add it, net revenue, ROI and ROAS come from
//! those shown totals, and the platform and overhead lines add up to the summary's figures.
//! The expected figures are computed here, from the rates this test stores, not by the library.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use spendlens_core::campaign::CampaignId;
use spendlens_core::{DailyRow, Platform};
use spendlens_finance::{
    CampaignBook, DailyRevenue, FinanceSettings, FinancialReport, FxRate, LedgerEntry,
    OverheadMethod, Period, PlatformFee, RatesTable, ReportRequest, generate_financial_report,
};

use crate::support::{Campaign, books, creative, d, overhead};

const CURRENCIES: [&str; 3] = ["USD", "EUR", "GBP"];
const PLATFORMS: [Platform; 3] = [Platform::Meta, Platform::GoogleAds, Platform::LinkedIn];

fn day(offset: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 1)
        .and_then(|d| d.checked_add_days(Days::new(offset)))
        .unwrap_or_default()
}

fn cents(v: Decimal) -> Decimal {
    v.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// An amount in micros (sub-cent digits, as the platforms' exports have them).
fn micros(max: i64) -> impl Strategy<Value = Decimal> {
    (0..max).prop_map(|m| Decimal::new(m, 6))
}

/// A rate with up to 8 decimals between 0.2 and 2.
fn rate() -> impl Strategy<Value = Decimal> {
    (20_000_000i64..200_000_000).prop_map(|r| Decimal::new(r, 8))
}

/// One campaign: its currency, and per day and platform its spend and revenue.
type Plan = (usize, Vec<Vec<(Decimal, Decimal)>>, Decimal);

fn campaign() -> impl Strategy<Value = Plan> {
    (
        0..CURRENCIES.len(),
        prop::collection::vec(
            prop::collection::vec((micros(900_000_000), micros(3_000_000_000)), 3),
            1..12,
        ),
        micros(50_000_000),
    )
}

fn book(i: usize, (currency, days, _): &Plan) -> CampaignBook {
    let mut book = Campaign {
        id: "x",
        currency: CURRENCIES[*currency],
        budget: Some("100000"),
        start: Some(day(0)),
        end: Some(day(40)),
        headcount: 1 + u32::try_from(i).unwrap_or(0),
        platform: Platform::Meta,
        days: Vec::new(),
        spend: "0",
        conversions: "0",
        revenue: "0",
    }
    .book();
    book.id = CampaignId::new(format!("c{i}"));
    for (k, platforms) in days.iter().enumerate() {
        let date = day(k as u64);
        let mut revenue = Decimal::ZERO;
        for (p, (spend, rev)) in PLATFORMS.iter().zip(platforms) {
            book.rows.push(DailyRow {
                spend: *spend,
                conversions: Decimal::ONE,
                clicks: 10,
                impressions: 100,
                ..DailyRow::empty(date, *p, "ext")
            });
            revenue += *rev;
        }
        book.revenue.days.push(DailyRevenue {
            date,
            amount: revenue,
        });
    }
    book
}

/// The factor from `from` to `to` in the stored table: the pair, else its inverse.
fn factor(rates: &[FxRate], from: &str, to: &str) -> Decimal {
    if from == to {
        return Decimal::ONE;
    }
    rates
        .iter()
        .find_map(|r| {
            if r.from == from && r.to == to {
                Some(r.rate)
            } else if r.from == to && r.to == from {
                Some(Decimal::ONE / r.rate)
            } else {
                None
            }
        })
        .unwrap_or_default()
}

fn is_cents(v: Decimal) -> bool {
    cents(v) == v
}

fn check(report: &FinancialReport, rates: &[FxRate]) -> Result<(), TestCaseError> {
    let cur = report.currency.as_str();
    let t = &report.totals;
    let mut platform_spend = Decimal::ZERO;
    let mut fees = Decimal::ZERO;
    let mut creative = Decimal::ZERO;
    let mut overhead = Decimal::ZERO;
    let mut opportunity = Decimal::ZERO;
    let mut revenue = Decimal::ZERO;
    for c in &report.campaigns {
        let r = &c.roi;
        let k = &r.costs;
        // A campaign's row: whole cents, its total the sum of its columns, its net the
        // difference of its shown figures.
        for v in [
            k.platform_spend,
            k.media_entries,
            k.creative,
            k.platform_fees,
            k.overhead,
            k.opportunity,
            r.attributed_revenue,
        ] {
            prop_assert!(is_cents(v), "{} not in cents: {v}", c.name);
        }
        let columns = k.platform_spend
            + k.media_entries
            + k.channel_spend
            + k.creative
            + k.platform_fees
            + k.overhead
            + k.opportunity;
        prop_assert_eq!(r.total_investment, columns, "{}", &c.name);
        prop_assert_eq!(r.net_revenue, r.attributed_revenue - r.total_investment);
        let f = factor(rates, &r.currency, cur);
        platform_spend += cents(k.platform_spend * f);
        fees += cents(k.platform_fees * f);
        creative += cents(k.creative * f);
        overhead += cents(k.overhead * f);
        opportunity += cents(k.opportunity * f);
        revenue += cents(r.attributed_revenue * f);
    }
    // The totals: each category the sum of the campaigns' converted, rounded figures.
    prop_assert_eq!(t.costs.platform_spend, platform_spend);
    prop_assert_eq!(t.costs.platform_fees, fees);
    prop_assert_eq!(t.costs.creative, creative);
    prop_assert_eq!(t.costs.overhead, overhead);
    prop_assert_eq!(t.costs.opportunity, opportunity);
    prop_assert_eq!(t.attributed_revenue, revenue);
    let unallocated: Decimal = report
        .unallocated_overhead
        .iter()
        .map(|u| u.in_period)
        .sum();
    for u in &report.unallocated_overhead {
        prop_assert!(is_cents(u.in_period), "{}", u.in_period);
    }
    prop_assert_eq!(t.unallocated_overhead, unallocated);
    // The summary's total: its rows (media, creative, fees, overhead on and off the campaigns,
    // opportunity cost) as shown; net, ROI and ROAS from the shown totals.
    let media = t.costs.platform_spend + t.costs.media_entries + t.costs.channel_spend;
    let total = media + creative + fees + overhead + unallocated + opportunity;
    prop_assert_eq!(t.total_investment, total);
    prop_assert_eq!(t.net_revenue, Some(revenue - total));
    if total > Decimal::ZERO {
        let roi = ((revenue - total) / total * Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        prop_assert_eq!(t.roi_percentage, Some(roi));
    }
    if media > Decimal::ZERO {
        prop_assert_eq!(t.roas, Some(revenue / media));
    }
    // The platform lines add up to the summary's platform spend and fees, in whole cents.
    let lines: Decimal = report.platforms.iter().map(|p| p.spend).sum();
    let line_fees: Decimal = report.platforms.iter().map(|p| p.fees).sum();
    for p in &report.platforms {
        prop_assert!(is_cents(p.spend) && is_cents(p.fees), "{p:?}");
    }
    prop_assert_eq!(lines, t.costs.platform_spend);
    prop_assert_eq!(line_fees, t.costs.platform_fees);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_total_is_the_sum_of_its_rows_as_shown(
        plans in prop::collection::vec(campaign(), 1..5),
        eur_usd in rate(),
        gbp_usd in rate(),
        eur_gbp in rate(),
        report_currency in 0..CURRENCIES.len(),
        cost_of_capital in 0i64..200,
        overhead_cents in 0i64..10_000_000,
    ) {
        let rates = vec![
            FxRate { from: "EUR".into(), to: "USD".into(), rate: eur_usd },
            FxRate { from: "GBP".into(), to: "USD".into(), rate: gbp_usd },
            FxRate { from: "EUR".into(), to: "GBP".into(), rate: eur_gbp },
        ];
        let campaigns: Vec<CampaignBook> =
            plans.iter().enumerate().map(|(i, p)| book(i, p)).collect();
        // A fee in USD on each campaign (converted into its currency: sub-cent amounts), creative
        // on the first, and overhead in EUR over March and 2025 (which no campaign carries).
        let mut ledger: Vec<LedgerEntry> = plans
            .iter()
            .enumerate()
            .map(|(i, (.., fee))| {
                LedgerEntry::PlatformFee(PlatformFee {
                    campaign_id: CampaignId::new(format!("c{i}")),
                    amount: cents(*fee),
                    currency: "USD".into(),
                    platform: if i % 2 == 0 { "meta" } else { "Agency X" }.into(),
                    billing_period: Period::parse("2026-03").unwrap_or(Period::day(day(0))),
                })
            })
            .collect();
        ledger.push(creative("c0", "1234.57", "0.01", 3, day(1)));
        let amount = Decimal::new(overhead_cents, 2).to_string();
        ledger.push(overhead(&amount, "EUR", OverheadMethod::Headcount, "2026-03"));
        ledger.push(overhead(&amount, "EUR", OverheadMethod::TimeBased, "2026-02-20..2026-03-05"));
        let org = books(campaigns, ledger);
        let table = RatesTable::new(&rates).unwrap_or_default();
        let request = ReportRequest {
            period: Period::new(day(0), day(30)).unwrap_or(Period::day(day(0))),
            today: day(9),
            currency: CURRENCIES[report_currency].into(),
            settings: FinanceSettings {
                cost_of_capital: Decimal::new(cost_of_capital, 3),
                ..FinanceSettings::default()
            },
            rates: &table,
        };
        let report = generate_financial_report(&org, &request);
        prop_assert!(report.is_ok(), "{:?}", report.err());
        check(&report.unwrap_or_else(|_| unreachable!()), &rates)?;
    }
}

/// The audit's case in miniature: figures with sub-cent digits, converted. A campaign in EUR
/// reported in USD at 1.16, with platform spend 100.004 (Meta) and 50.003 (Google Ads) and
/// revenue 300.006: every figure is in cents and every total the sum of its parts as shown.
#[test]
fn a_converted_campaign_adds_up_as_shown() {
    let mut book = Campaign {
        id: "a",
        currency: "EUR",
        budget: None,
        start: Some(day(0)),
        end: None,
        headcount: 1,
        platform: Platform::Meta,
        days: vec![day(0)],
        spend: "100.004",
        conversions: "1",
        revenue: "300.006",
    }
    .book();
    book.rows.push(DailyRow {
        spend: d("50.003"),
        ..DailyRow::empty(day(0), Platform::GoogleAds, "g")
    });
    let rates = vec![FxRate {
        from: "EUR".into(),
        to: "USD".into(),
        rate: d("1.16"),
    }];
    let table = RatesTable::new(&rates).unwrap_or_default();
    let org = books(vec![book], Vec::new());
    let report = generate_financial_report(
        &org,
        &ReportRequest {
            period: Period::day(day(0)),
            today: day(0),
            currency: "USD".into(),
            settings: FinanceSettings::default(),
            rates: &table,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // In EUR: spend 150.007 → 150.01; in USD: 150.01 × 1.16 = 174.0116 → 174.01, shared over
    // Meta and Google Ads in proportion to their own spend (116.0058… and 58.0041…) in whole
    // cents adding up to it: 116.01 + 58.00 (each line converted alone would give 116.00 +
    // 58.00, a cent short of the summary).
    let c = &report.campaigns[0].roi;
    assert_eq!(c.costs.platform_spend, d("150.01"));
    assert_eq!(c.attributed_revenue, d("300.01"));
    let t = &report.totals;
    assert_eq!(t.costs.platform_spend, d("174.01"));
    let lines: Vec<Decimal> = report.platforms.iter().map(|p| p.spend).collect();
    assert_eq!(lines, vec![d("116.01"), d("58.00")]);
    // 300.01 × 1.16 = 348.0116.
    assert_eq!(t.attributed_revenue, d("348.01"));
    assert_eq!(
        t.net_revenue,
        Some(t.attributed_revenue - t.total_investment)
    );
    if let Err(e) = check(&report, &rates) {
        panic!("{e}");
    }
}
