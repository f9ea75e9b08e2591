//! The reconciliation's walk over arbitrary books: from platform-reported revenue to the ROI on
//! the full investment, every step adds up to the cent, the walk ends at exactly the ROI
//! `calculate_campaign_roi` gives, and the platforms' lines add up to the totals; on the
//! platforms' own revenue nothing is re-credited, and on an attributed basis the model's
//! shares are kept.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use spendlens_core::campaign::CampaignId;
use spendlens_core::{DailyRow, Platform};
use spendlens_finance::books::{PlatformDay, RevenueBasis};
use spendlens_finance::{
    AttributionMethod, DailyRevenue, FinanceSettings, Period, RatesTable, RevenueSeries,
    calculate_campaign_roi, reconcile,
};

use crate::support::{Campaign, books};

fn day(offset: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 1)
        .and_then(|d| d.checked_add_days(Days::new(offset)))
        .unwrap_or_default()
}

const PLATFORMS: [Platform; 3] = [Platform::LinkedIn, Platform::Meta, Platform::GoogleAds];

/// One platform day: (platform index, day, spend in cents, reported revenue in cents).
fn rows() -> impl Strategy<Value = Vec<(usize, u64, i64, i64)>> {
    prop::collection::vec(
        (0usize..3, 0u64..40, 0i64..5_000_000, 0i64..20_000_000),
        1..50,
    )
}

fn book_with(
    rows: &[(usize, u64, i64, i64)],
    basis: RevenueBasis,
    credit: &[(Platform, Decimal)],
    offline: Decimal,
) -> spendlens_finance::CampaignBook {
    let mut book = Campaign {
        id: "a",
        currency: "USD",
        budget: None,
        start: Some(day(0)),
        end: None,
        headcount: 1,
        platform: Platform::Meta,
        days: Vec::new(),
        spend: "0",
        conversions: "0",
        revenue: "0",
    }
    .book();
    book.rows = rows
        .iter()
        .map(|(p, d, spend, _)| DailyRow {
            spend: Decimal::new(*spend, 2),
            conversions: Decimal::ONE,
            ..DailyRow::empty(day(*d), PLATFORMS[*p], "e")
        })
        .collect();
    let reported: Vec<PlatformDay> = rows
        .iter()
        .map(|(p, d, _, revenue)| PlatformDay {
            date: day(*d),
            platform: PLATFORMS[*p],
            amount: Decimal::new(*revenue, 2),
        })
        .collect();
    let reported_total: Decimal = reported.iter().map(|r| r.amount).sum();
    // On an attributed basis the days with rows carry the model's total (a third less than
    // reported, spread evenly), as the app spreads it; on the platforms' own they are the
    // reported days.
    let days = match basis {
        RevenueBasis::Attributed { .. } | RevenueBasis::Modelled { .. } => {
            let total = (reported_total * Decimal::new(2, 0) / Decimal::new(3, 0)).round_dp(2);
            let mut dates: Vec<u64> = rows.iter().map(|r| r.1).collect();
            dates.sort_unstable();
            dates.dedup();
            let n = Decimal::from(dates.len() as u64);
            let mut days: Vec<DailyRevenue> = dates
                .iter()
                .map(|d| DailyRevenue {
                    date: day(*d),
                    amount: (total / n).round_dp(2),
                })
                .collect();
            let given: Decimal = days.iter().map(|d| d.amount).sum();
            if let Some(last) = days.last_mut() {
                last.amount += total - given;
            }
            days
        }
        _ => reported
            .iter()
            .map(|r| DailyRevenue {
                date: r.date,
                amount: r.amount,
            })
            .collect(),
    };
    book.revenue = RevenueSeries {
        method: AttributionMethod::LastTouch,
        basis,
        days,
        reported,
        credit: credit.to_vec(),
        credit_offline: offline,
    };
    book
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_step_adds_up_and_the_walk_ends_at_the_roi(
        data in rows(),
        basis_kind in 0u8..3,
        offline in 0i64..1_000_000,
        weights in prop::collection::vec(0i64..1_000_000, 3),
        from in 0u64..20,
        len in 0u64..30,
        creative in 0i64..10_000_000,
    ) {
        let basis = match basis_kind {
            0 => RevenueBasis::PlatformReported,
            1 => RevenueBasis::Attributed { model: "markov".into(), label: "Markov".into() },
            _ => RevenueBasis::Modelled { run: "r1".into(), label: "run of 5 Dec 2026".into(), range: None },
        };
        let attributed = basis_kind != 0;
        // Attribution never credits offline channels; a marketing-mix model may.
        let offline = if basis_kind == 2 { Decimal::new(offline, 2) } else { Decimal::ZERO };
        let credit: Vec<(Platform, Decimal)> = PLATFORMS
            .iter()
            .zip(&weights)
            .map(|(p, w)| (*p, Decimal::new(*w, 2)))
            .collect();
        let book = book_with(&data, basis, &credit, offline);
        let ledger = vec![crate::support::creative("a", &Decimal::new(creative, 2).to_string(), "0", 1, day(0))];
        let org = books(vec![book], ledger);
        let id = CampaignId::new("a");
        let window = Period::new(day(from), day(from + len)).unwrap_or(Period::day(day(from)));
        let settings = FinanceSettings { cost_of_capital: Decimal::new(8, 2), ..FinanceSettings::default() };
        let rates = RatesTable::default();
        let walk = reconcile(&org, &id, window, day(60), &settings, &rates);
        prop_assert!(walk.is_ok(), "{:?}", walk.err());
        let walk = walk.unwrap_or_else(|_| unreachable!());
        let roi = calculate_campaign_roi(&org, &id, window, day(60), &settings, &rates)
            .unwrap_or_else(|e| panic!("{e}"));
        prop_assert_eq!(&walk.roi, &roi);

        let sum = |f: fn(&spendlens_finance::PlatformStep) -> Decimal| -> Decimal {
            walk.platforms.iter().map(f).sum()
        };
        prop_assert_eq!(sum(|p| p.reported), walk.reported_revenue);
        prop_assert_eq!(sum(|p| p.credited) + walk.offline_credited, roi.attributed_revenue);
        if offline.is_zero() {
            prop_assert!(walk.offline_credited.is_zero());
        }
        prop_assert_eq!(sum(|p| p.spend), roi.costs.platform_spend);
        prop_assert_eq!(walk.reported_revenue + walk.recredited, roi.attributed_revenue);
        prop_assert_eq!(roi.costs.media() + walk.beyond_media, roi.total_investment);
        let c = &roi.costs;
        let parts = c.creative + c.platform_fees + c.overhead + c.opportunity;
        prop_assert!((parts - walk.beyond_media).abs() < Decimal::new(1, 18), "{} vs {}", parts, walk.beyond_media);
        if !attributed {
            prop_assert!(walk.recredited.is_zero());
            prop_assert!(walk.platforms.iter().all(|p| p.credited == p.reported));
        } else {
            // Credited cents in the model's proportions (within a cent of the exact share).
            let total_weight: Decimal = walk
                .platforms
                .iter()
                .map(|p| credit.iter().find(|(q, _)| *q == p.platform).map_or(Decimal::ZERO, |c| c.1))
                .sum::<Decimal>()
                + offline;
            if total_weight > Decimal::ZERO {
                for p in &walk.platforms {
                    let w = credit.iter().find(|(q, _)| *q == p.platform).map_or(Decimal::ZERO, |c| c.1);
                    let exact = roi.attributed_revenue * w / total_weight;
                    prop_assert!((p.credited - exact).abs() <= Decimal::new(3, 2), "{} vs {}", p.credited, exact);
                }
            }
        }
        match walk.media_roi {
            None => prop_assert!(roi.costs.media().is_zero()),
            Some(m) => {
                let net = roi.attributed_revenue - roi.costs.media();
                prop_assert!(m.is_zero() || m.is_sign_positive() == net.is_sign_positive());
            }
        }
    }
}
