//! A financial report as spendlens-app lays it out (the summary, 19 columns of campaigns in
//! their own currencies, platforms, offline channels, budget consumption), with long campaign
//! names, amounts in the millions and unrounded figures (as divisions leave them): the report a
//! CFO prints. Deterministic, no clock.
#![allow(dead_code)]

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use spendlens_report::{Cell, CurrencyNote, ExchangeRate, Period, Report, Section, Table};

use super::support::date;

fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// An unrounded amount near `whole`: what a currency conversion or an allocation leaves.
fn unrounded(whole: i64, seed: i64) -> Decimal {
    Decimal::from(whole) + Decimal::from(seed * 7919 % 9973) / dec!(9973) + dec!(0.000000001)
}

pub const CAMPAIGN_HEADER: [&str; 20] = [
    "Campaign",
    "Currency",
    "Platform spend",
    "Media entries",
    "Offline channels",
    "Creative",
    "Fees",
    "Overhead",
    "Opportunity cost",
    "Total investment",
    "Revenue",
    "Net revenue",
    "ROI %",
    "ROAS",
    "Payback",
    "Payback days",
    "Confidence",
    "ROI 90% low",
    "ROI 90% high",
    "Revenue basis",
];

fn campaigns() -> Table {
    let names = [
        ("Spring brand awareness — northern region relaunch", "GBP"),
        ("Retargeting, cart abandoners (EU)", "EUR"),
        ("Webinar \"Scaling B2B\" sign-ups", "USD"),
        ("Évènement Paris — lancement produit", "EUR"),
        ("Always-on search", "USD"),
        ("Black Friday megadeal extravaganza", "GBP"),
    ];
    let bases = [
        "platform revenue (reported, else estimated from conversions)",
        "attributed by the Ordered Shapley model over imported touchpoints (its credit to date to \
         the ad platforms the campaign runs on, not to channels without ad spend such as email, \
         shared over the days in proportion to the daily revenue of the platforms)",
        "not measured (no platform reports revenue and no conversion value is set)",
    ];
    let confidence = ["High", "Medium", "Low", "Not measurable"];
    let payback = [
        "Reached 2025-05-01",
        "Projected 2026-02-14",
        "Not within horizon",
    ];
    let rows = names
        .iter()
        .enumerate()
        .map(|(i, (name, currency))| {
            let k = i64::try_from(i).expect("small") + 1;
            let money = |whole: i64, seed: i64| Cell::money(unrounded(whole, seed + k), *currency);
            vec![
                Cell::text(*name),
                Cell::text(*currency),
                money(11_776_000 * k, 1),
                money(5_750 * k, 2),
                money(98_000, 3),
                money(12_500, 4),
                money(1_020, 5),
                money(2_340, 6),
                money(145_658, 7),
                money(12_148_345 * k, 8),
                money(15_004_101 * k, 9),
                money(-2_855_756, 10),
                Cell::Percent(dec!(23.456789) * Decimal::from(k) - dec!(40)),
                Cell::Number {
                    value: dec!(1.23456) * Decimal::from(k),
                    dp: 2,
                },
                Cell::text(payback[i % payback.len()]),
                Cell::Integer(120 * k),
                Cell::text(confidence[i % confidence.len()]),
                Cell::Percent(dec!(-12.5) * Decimal::from(k)),
                Cell::Percent(dec!(48.25) * Decimal::from(k)),
                Cell::text(bases[i % bases.len()]),
            ]
        })
        .collect();
    Table {
        header: header(&CAMPAIGN_HEADER),
        rows,
    }
}

fn summary() -> Table {
    let usd = |whole: i64, seed: i64| Cell::money(unrounded(whole, seed), "USD");
    let rows = [
        ("Total investment", usd(145_658, 1)),
        ("Media spend", usd(98_765_432, 2)),
        ("  of which platform spend", usd(90_000_000, 3)),
        ("Opportunity cost", usd(12_345, 4)),
        ("Attributed revenue", usd(120_000_000, 5)),
        ("ROI %", Cell::Percent(dec!(17.123456))),
        (
            "ROAS",
            Cell::Number {
                value: dec!(2.654321),
                dp: 2,
            },
        ),
    ];
    Table {
        header: header(&["Figure", "Value"]),
        rows: rows
            .into_iter()
            .map(|(label, value)| vec![Cell::text(label), value])
            .collect(),
    }
}

fn platforms() -> Table {
    let usd = |whole: i64, seed: i64| Cell::money(unrounded(whole, seed), "USD");
    let rows = [
        "Google Ads",
        "Meta",
        "LinkedIn Ads",
        "TikTok Ads",
        "Microsoft Ads",
    ]
    .iter()
    .zip(1i64..)
    .map(|(name, k)| {
        vec![
            Cell::text(*name),
            usd(4_000_000 * k, k),
            usd(12_000 * k, k + 1),
            Cell::Integer(12_345_678 * k),
            Cell::Integer(234_567 * k),
            Cell::Number {
                value: dec!(1234.5678) * Decimal::from(k),
                dp: 2,
            },
            usd(42 * k, k + 2),
            Cell::Integer(k),
        ]
    })
    .collect();
    Table {
        header: header(&[
            "Platform",
            "Spend",
            "Fees",
            "Impressions",
            "Clicks",
            "Conversions",
            "Cost per conversion",
            "Campaigns",
        ]),
        rows,
    }
}

fn channels() -> Table {
    let usd = |whole: i64, seed: i64| Cell::money(unrounded(whole, seed), "USD");
    let label = "offline channel — spend as imported, no platform-reported revenue";
    Table {
        header: header(&["Channel", "Basis", "Spend", "Impressions", "Campaigns"]),
        rows: vec![
            vec![
                Cell::text("Television (regional, prime time)"),
                Cell::text(label),
                usd(1_250_000, 1),
                Cell::Integer(9_800_000),
                Cell::Integer(2),
            ],
            vec![
                Cell::text("Podcasts"),
                Cell::text(label),
                usd(48_000, 2),
                Cell::Empty,
                Cell::Integer(1),
            ],
            vec![
                Cell::text("Spend across platforms and channels"),
                Cell::text("ad platforms + offline channels"),
                usd(61_298_000, 3),
            ],
        ],
    }
}

fn budget() -> Table {
    let rows = [
        ("Spring brand awareness — northern region relaunch", "GBP"),
        ("Retargeting, cart abandoners (EU)", "EUR"),
        ("Always-on search", "USD"),
    ]
    .iter()
    .zip(1i64..)
    .map(|((name, cur), k)| {
        vec![
            Cell::text(*name),
            Cell::money(unrounded(20_000_000 * k, k), *cur),
            Cell::money(unrounded(11_776_000 * k, k + 1), *cur),
            Cell::Percent(dec!(58.88) * Decimal::from(k)),
            Cell::money(unrounded(8_224_000 * k, k + 2), *cur),
            Cell::text(["Excellent", "Good", "Critical"][usize::try_from(k - 1).expect("k")]),
            Cell::Percent(dec!(101.3) + Decimal::from(k)),
            Cell::text(["On track", "Ahead", "Behind"][usize::try_from(k - 1).expect("k")]),
            Cell::Date(date(2026, 3, 31)),
        ]
    })
    .collect();
    Table {
        header: header(&[
            "Campaign",
            "Budget",
            "Spent to date",
            "Used %",
            "Remaining",
            "Status",
            "Pacing %",
            "Pacing",
            "Projected exhaustion",
        ]),
        rows,
    }
}

/// The report.
pub fn report() -> Report {
    let section = |title: &str, table: Table| Section {
        title: title.to_owned(),
        table,
        charts: vec![],
    };
    Report {
        title: "Marketing financial report".to_owned(),
        period: Period {
            start: date(2025, 1, 1),
            end: date(2025, 12, 31),
        },
        generated_on: date(2026, 1, 5),
        currency: CurrencyNote {
            reporting: "USD".to_owned(),
            rates: vec![
                ExchangeRate {
                    from: "EUR".to_owned(),
                    to: "USD".to_owned(),
                    rate: dec!(1.0850),
                    as_of: None,
                },
                ExchangeRate {
                    from: "GBP".to_owned(),
                    to: "USD".to_owned(),
                    rate: dec!(1.2674),
                    as_of: None,
                },
            ],
        },
        sections: vec![
            section("Summary", summary()),
            section("Campaigns", campaigns()),
            section("Platforms", platforms()),
            section("Offline channels", channels()),
            section("Budget consumption", budget()),
        ],
    }
}
