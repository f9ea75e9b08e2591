//! Invariants over arbitrary inputs: overhead adds up to the cent, ROI has the sign of the net
//! revenue, the bootstrap is reproducible, the CSV import never panics and reads back what is
//! written.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use spendlens_core::campaign::CampaignId;
use spendlens_core::num;
use spendlens_core::{DailyRow, Platform};
use spendlens_finance::cents::split_cents;
use spendlens_finance::{
    Activity, AttributionMethod, CampaignBook, DailyRevenue, FinanceSettings, LedgerEntry,
    OperationalOverhead, OverheadMethod, Period, RatesTable, ReportRequest, RevenueSeries,
    allocate_overhead, calculate_campaign_roi, generate_financial_report, parse_ledger_csv,
};

use crate::support::{Campaign, books, d};

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
}

fn day(offset: u64) -> NaiveDate {
    base()
        .checked_add_days(Days::new(offset))
        .unwrap_or_default()
}

fn cents(max: i64) -> impl Strategy<Value = Decimal> {
    prop_oneof![
        4 => (0..max).prop_map(|c| Decimal::new(c, 2)),
        1 => Just(Decimal::ZERO),
    ]
}

fn method() -> impl Strategy<Value = OverheadMethod> {
    prop_oneof![
        Just(OverheadMethod::Headcount),
        Just(OverheadMethod::TimeBased)
    ]
}

fn overhead_entry() -> impl Strategy<Value = OperationalOverhead> {
    (cents(100_000_000_000_000), method(), 0u64..400, 0u64..100).prop_map(
        |(amount, allocation_method, start, len)| OperationalOverhead {
            amount,
            currency: "USD".into(),
            allocation_method,
            reporting_period: Period::new(day(start), day(start + len))
                .unwrap_or(Period::day(day(start))),
        },
    )
}

/// Up to 12 campaigns with random spans and headcounts.
fn activities() -> impl Strategy<Value = Vec<(Option<u64>, Option<u64>, u32)>> {
    prop::collection::vec(
        (
            prop::option::weighted(0.9, 0u64..450),
            prop::option::of(0u64..200),
            prop_oneof![Just(0u32), 1u32..20],
        ),
        0..12,
    )
}

fn to_activities(spans: &[(Option<u64>, Option<u64>, u32)]) -> Vec<Activity> {
    spans
        .iter()
        .enumerate()
        .map(|(i, (start, len, headcount))| Activity {
            campaign_id: CampaignId::new(format!("c{i:02}")),
            start: start.map(day),
            end: start.zip(*len).map(|(s, l)| day(s + l)),
            headcount: *headcount,
        })
        .collect()
}

fn book_of(i: usize, start: Option<u64>, len: Option<u64>, headcount: u32) -> CampaignBook {
    let mut book = Campaign {
        id: "x",
        currency: "USD",
        budget: None,
        start: start.map(day),
        end: start.zip(len).map(|(s, l)| day(s + l)),
        headcount,
        platform: Platform::Meta,
        days: Vec::new(),
        spend: "0",
        conversions: "0",
        revenue: "0",
    }
    .book();
    book.id = CampaignId::new(format!("c{i:02}"));
    book
}

/// A campaign of `days.len()` days with the given spend, revenue and conversions per day.
fn daily_book(id: &str, days: &[(Decimal, Decimal, u32)]) -> CampaignBook {
    let mut book = book_of(0, Some(0), None, 1);
    book.id = CampaignId::new(id);
    book.rows = days
        .iter()
        .enumerate()
        .map(|(i, (spend, _, conversions))| DailyRow {
            spend: *spend,
            conversions: Decimal::from(*conversions),
            ..DailyRow::empty(day(i as u64), Platform::Meta, "e")
        })
        .collect();
    book.revenue = RevenueSeries {
        reported: Vec::new(),
        credit: Vec::new(),
        credit_offline: Decimal::ZERO,
        method: AttributionMethod::LastTouch,
        basis: spendlens_finance::books::RevenueBasis::default(),
        days: days
            .iter()
            .enumerate()
            .map(|(i, (_, amount, _))| DailyRevenue {
                date: day(i as u64),
                amount: *amount,
            })
            .collect(),
    };
    book
}

fn days() -> impl Strategy<Value = Vec<(Decimal, Decimal, u32)>> {
    prop::collection::vec((cents(100_000_000), cents(300_000_000), 0u32..20), 1..60)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn split_cents_adds_up_exactly(amount in cents(i64::MAX), weights in prop::collection::vec(any::<u32>(), 0..30)) {
        match split_cents(amount, &weights) {
            None => prop_assert!(weights.iter().all(|&w| w == 0)),
            Some(parts) => {
                prop_assert_eq!(num::sum(parts.iter().copied()), amount);
                for (part, w) in parts.iter().zip(&weights) {
                    prop_assert!(*w > 0 || part.is_zero());
                    prop_assert!(part.scale() <= 2);
                }
            }
        }
    }

    #[test]
    fn overhead_allocations_add_up_to_the_cent(entry in overhead_entry(), spans in activities()) {
        let acts = to_activities(&spans);
        let allocation = allocate_overhead(&entry, &acts);
        match allocation.unallocated {
            None => {
                let total = num::sum(allocation.shares.iter().map(|s| s.amount));
                prop_assert_eq!(total, entry.amount);
                let weight: u64 = allocation.shares.iter().map(|s| u64::from(s.weight)).sum();
                for share in &allocation.shares {
                    // Within a cent of the exact proportional share.
                    let exact = entry.amount * Decimal::from(share.weight) / Decimal::from(weight);
                    prop_assert!((share.amount - exact).abs() < d("0.01"));
                    prop_assert!(entry.reporting_period.intersect(&share.active) == Some(share.active));
                }
            }
            Some((amount, _)) => {
                prop_assert!(allocation.shares.is_empty());
                prop_assert_eq!(amount, entry.amount);
            }
        }
        // The order campaigns are listed in does not matter.
        let mut reversed = acts;
        reversed.reverse();
        prop_assert_eq!(allocate_overhead(&entry, &reversed), allocation);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Through the whole pipeline: every overhead entry is either on the campaigns (spread over
    /// their days) or unallocated, to the cent, when the report covers all of it.
    #[test]
    fn overhead_reconciles_in_the_report(
        entries in prop::collection::vec(overhead_entry(), 1..5),
        spans in activities(),
    ) {
        let campaigns: Vec<CampaignBook> = spans
            .iter()
            .enumerate()
            .map(|(i, (s, l, h))| book_of(i, *s, *l, *h))
            .collect();
        let ledger: Vec<LedgerEntry> = entries.iter().cloned().map(LedgerEntry::OperationalOverhead).collect();
        let org = books(campaigns, ledger);
        let whole = Period::new(day(0), day(520)).unwrap_or(Period::day(day(0)));
        let rates = RatesTable::default();
        let request = ReportRequest {
            period: whole,
            today: day(520),
            currency: "USD".into(),
            settings: FinanceSettings { cost_of_capital: Decimal::ZERO, ..FinanceSettings::default() },
            rates: &rates,
        };
        let report = generate_financial_report(&org, &request);
        prop_assert!(report.is_ok(), "{:?}", report.err());
        let report = report.unwrap_or_else(|_| unreachable!());
        let on_campaigns = num::sum(report.campaigns.iter().map(|c| c.roi.costs.overhead));
        prop_assert_eq!(
            num::add(on_campaigns, report.totals.unallocated_overhead),
            num::sum(entries.iter().map(|e| e.amount))
        );
        prop_assert_eq!(report.totals.total_investment, num::sum(entries.iter().map(|e| e.amount)));
    }

    /// ROI has the sign of the net revenue (or rounds to 0.00 when the net is under half a
    /// hundredth of a percent of the investment), and is absent exactly without investment.
    #[test]
    fn roi_sign_matches_net_revenue(
        data in days(),
        creative in cents(100_000_000),
        rate in 0i64..200,
    ) {
        let mut book = daily_book("a", &data);
        book.spec.start_date = Some(day(0));
        let ledger = vec![crate::support::creative("a", &creative.to_string(), "0", 1, day(0))];
        let org = books(vec![book], ledger);
        let settings = FinanceSettings { cost_of_capital: Decimal::new(rate, 3), ..FinanceSettings::default() };
        let window = Period::new(day(0), day(100)).unwrap_or(Period::day(day(0)));
        let roi = calculate_campaign_roi(&org, &CampaignId::new("a"), window, day(100), &settings, &RatesTable::default());
        prop_assert!(roi.is_ok(), "{:?}", roi.err());
        let roi = roi.unwrap_or_else(|_| unreachable!());
        match roi.roi_percentage {
            None => prop_assert!(roi.total_investment.is_zero()),
            Some(r) => {
                prop_assert!(roi.total_investment > Decimal::ZERO);
                let exact = roi.net_revenue / roi.total_investment * Decimal::ONE_HUNDRED;
                if r.is_zero() {
                    prop_assert!(exact.abs() < d("0.005"));
                } else {
                    prop_assert_eq!(r.is_sign_positive(), roi.net_revenue.is_sign_positive());
                    prop_assert!(!roi.net_revenue.is_zero());
                }
            }
        }
        if let Some((lower, upper)) = roi.confidence.interval {
            prop_assert!(lower <= upper);
        }
    }

    /// The same books and seed give the same ROI, payback and interval, whatever the order of the
    /// campaigns; another seed may give another interval but the same ROI.
    #[test]
    fn bootstrap_is_reproducible(a in days(), b in days(), seed in any::<u64>()) {
        let org = books(vec![daily_book("a", &a), daily_book("b", &b)], Vec::new());
        let mut reordered = org.clone();
        reordered.campaigns.reverse();
        let mut settings = FinanceSettings::default();
        settings.bootstrap.seed = seed;
        let window = Period::new(day(0), day(59)).unwrap_or(Period::day(day(0)));
        let run = |books: &spendlens_finance::OrgBooks, s: &FinanceSettings| {
            calculate_campaign_roi(books, &CampaignId::new("a"), window, day(59), s, &RatesTable::default())
        };
        let first = run(&org, &settings);
        prop_assert!(first.is_ok());
        prop_assert_eq!(&first, &run(&org, &settings));
        prop_assert_eq!(&first, &run(&reordered, &settings));
        settings.bootstrap.seed = seed.wrapping_add(1);
        let other = run(&org, &settings);
        prop_assert_eq!(
            first.map(|r| (r.roi_percentage, r.payback)),
            other.map(|r| (r.roi_percentage, r.payback))
        );
    }
}

/// One ledger entry as a CSV line of the 13 canonical columns.
fn csv_line(entry: &LedgerEntry) -> String {
    let mut cells = vec![String::new(); 13];
    cells[0] = entry.category().as_str().to_owned();
    cells[3] = entry.currency().to_owned();
    match entry {
        LedgerEntry::MediaSpend(e) => {
            cells[1] = e.campaign_id.to_string();
            cells[2] = e.amount.to_string();
            cells[4] = e.attribution_method.as_str().to_owned();
            cells[5] = e.allocation_date.to_string();
        }
        LedgerEntry::CreativeProduction(e) => {
            cells[1] = e.campaign_id.to_string();
            cells[2] = e.amount.to_string();
            cells[6] = e.resource_hours.to_string();
            cells[7] = e.fixed_cost_allocation.to_string();
            cells[8] = e.incurred_on.to_string();
        }
        LedgerEntry::PlatformFee(e) => {
            cells[1] = e.campaign_id.to_string();
            cells[2] = e.amount.to_string();
            cells[9] = e.platform.clone();
            cells[10] = e.billing_period.to_string();
        }
        LedgerEntry::OperationalOverhead(e) => {
            cells[2] = e.amount.to_string();
            cells[11] = e.allocation_method.as_str().to_owned();
            cells[12] = e.reporting_period.to_string();
        }
    }
    cells
        .iter()
        .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(",")
}

fn entry() -> impl Strategy<Value = LedgerEntry> {
    let id = "[a-zA-Z0-9 ,\"é-]{1,12}"
        .prop_filter("not blank", |s| !s.trim().is_empty())
        .prop_map(|s| CampaignId::new(s.trim()));
    let currency = prop_oneof![Just("USD"), Just("EUR"), Just("JPY")].prop_map(str::to_owned);
    let attribution = prop_oneof![
        Just(AttributionMethod::FirstTouch),
        Just(AttributionMethod::LastTouch),
        Just(AttributionMethod::MultiTouch)
    ];
    let period = (0u64..400, 0u64..100)
        .prop_map(|(s, l)| Period::new(day(s), day(s + l)).unwrap_or(Period::day(day(s))));
    prop_oneof![
        (
            id.clone(),
            cents(1_000_000_000_000),
            currency.clone(),
            attribution,
            0u64..400
        )
            .prop_map(|(campaign_id, amount, currency, attribution_method, at)| {
                LedgerEntry::MediaSpend(spendlens_finance::MediaSpend {
                    campaign_id,
                    amount,
                    currency,
                    attribution_method,
                    allocation_date: day(at),
                })
            }),
        (
            id.clone(),
            cents(1_000_000_000),
            currency.clone(),
            any::<u32>(),
            cents(1_000_000),
            0u64..400
        )
            .prop_map(
                |(campaign_id, amount, currency, resource_hours, fixed_cost_allocation, at)| {
                    LedgerEntry::CreativeProduction(spendlens_finance::CreativeProduction {
                        campaign_id,
                        amount,
                        currency,
                        resource_hours,
                        fixed_cost_allocation,
                        incurred_on: day(at),
                    })
                }
            ),
        (
            id,
            cents(1_000_000),
            currency.clone(),
            prop_oneof![Just("meta".to_owned()), Just("DV360".to_owned())],
            period.clone()
        )
            .prop_map(
                |(campaign_id, amount, currency, platform, billing_period)| {
                    LedgerEntry::PlatformFee(spendlens_finance::PlatformFee {
                        campaign_id,
                        amount,
                        currency,
                        platform,
                        billing_period,
                    })
                }
            ),
        (cents(1_000_000), currency, method(), period).prop_map(
            |(amount, currency, allocation_method, reporting_period)| {
                LedgerEntry::OperationalOverhead(OperationalOverhead {
                    amount,
                    currency,
                    allocation_method,
                    reporting_period,
                })
            }
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_csv_import_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_ledger_csv(&bytes, "USD");
    }

    #[test]
    fn the_csv_import_never_panics_on_near_misses(text in "(category|amount|campaign_id|platform|billing_period|reporting_period|allocation_method|,|\n|\"|media_spend|operational_overhead|platform_fees|2026-0[0-9]|-?[0-9.]{1,6}|time_based|é| ){0,60}") {
        let _ = parse_ledger_csv(text.as_bytes(), "USD");
    }

    #[test]
    fn written_entries_read_back(entries in prop::collection::vec(entry(), 0..8)) {
        let mut csv = "category,campaign_id,amount,currency,attribution_method,allocation_date,resource_hours,fixed_cost_allocation,incurred_on,platform,billing_period,allocation_method,reporting_period\n".to_owned();
        for e in &entries {
            csv.push_str(&csv_line(e));
            csv.push('\n');
        }
        prop_assert_eq!(parse_ledger_csv(csv.as_bytes(), "USD"), Ok(entries));
    }
}
