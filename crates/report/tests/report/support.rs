//! A realistic report to render: platform rows, campaigns, daily spend and the four charts.
//! Deterministic (a small linear congruential generator, no clock), so goldens stay stable.
#![allow(dead_code)]

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use spendlens_core::Platform;
use spendlens_core::analysis::{Badge, PlatformRow, RevenueSource, Tier};
use spendlens_report::chart::{
    BudgetBurn, DailySpend, DailyTotal, budget_share_chart, cumulative_spend_chart,
    daily_spend_chart, roas_chart,
};
use spendlens_report::{Cell, CurrencyNote, ExchangeRate, Period, Report, Section, Table};

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Deterministic pseudo-random numbers.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A decimal in [lo, hi) with two decimals.
    fn money(&mut self, lo: i64, hi: i64) -> Decimal {
        let span = u64::try_from((hi - lo) * 100).expect("positive span");
        let cents = i64::try_from(self.next() % span).expect("fits") + lo * 100;
        Decimal::new(cents, 2)
    }
}

pub fn platform_row(
    platform: Platform,
    spend: Decimal,
    revenue: Decimal,
    total: Decimal,
) -> PlatformRow {
    let roas = if spend.is_zero() {
        Decimal::ZERO
    } else {
        revenue / spend
    };
    PlatformRow {
        platform,
        spend,
        impressions: 120_000,
        clicks: 3_400,
        conversions: dec!(85),
        revenue,
        revenue_source: RevenueSource::Estimated,
        own_value: false,
        roas,
        roi: (roas - Decimal::ONE) * dec!(100),
        net_profit: revenue - spend,
        share_pct: if total.is_zero() {
            Decimal::ZERO
        } else {
            spend / total * dec!(100)
        },
        cpc: Decimal::ZERO,
        cvr: Decimal::ZERO,
        roas_badge: Badge::Green,
        roi_badge: Badge::Green,
        tier: Some(Tier::High),
    }
}

pub fn platform_rows() -> Vec<PlatformRow> {
    let spends = [
        (Platform::LinkedIn, dec!(48210.55), dec!(151_800.00)),
        (Platform::Meta, dec!(30125.10), dec!(51_212.67)),
        (Platform::GoogleAds, dec!(21044.35), dec!(18_939.92)),
    ];
    let total: Decimal = spends.iter().map(|s| s.1).sum();
    spends
        .iter()
        .map(|(p, s, r)| platform_row(*p, *s, *r, total))
        .collect()
}

/// Daily spend per platform over `days` days from 2025-01-01.
pub fn daily(days: u64) -> Vec<DailySpend> {
    let mut rng = Lcg(7);
    let start = date(2025, 1, 1);
    let mut out = Vec::new();
    for d in 0..days {
        let day = start.checked_add_days(Days::new(d)).expect("date");
        for (platform, lo, hi) in [
            (Platform::LinkedIn, 80, 220),
            (Platform::Meta, 40, 140),
            (Platform::GoogleAds, 20, 110),
        ] {
            out.push(DailySpend {
                date: day,
                platform,
                spend: rng.money(lo, hi),
            });
        }
    }
    out
}

pub fn burn(daily: &[DailySpend], end: NaiveDate) -> BudgetBurn {
    let mut totals: Vec<DailyTotal> = daily
        .iter()
        .map(|d| DailyTotal {
            date: d.date,
            spend: d.spend,
        })
        .collect();
    totals.sort_by_key(|t| t.date);
    let spent: Decimal = daily.iter().map(|d| d.spend).sum();
    let days = totals
        .last()
        .map_or(1, |t| (t.date - date(2025, 1, 1)).num_days() + 1);
    BudgetBurn {
        daily_totals: totals,
        budget: Some(dec!(150000)),
        end_date: Some(end),
        daily_burn_rate: spent / Decimal::from(days),
        currency: "USD".to_owned(),
        portfolio: false,
    }
}

const CAMPAIGN_HEADER: [&str; 12] = [
    "Campaign",
    "Platform",
    "Start",
    "End",
    "Budget",
    "Spend",
    "Used",
    "Impressions",
    "Clicks",
    "Conversions",
    "Revenue",
    "ROAS",
];

/// `n` campaigns, 12 columns each.
pub fn campaigns(n: usize) -> Table {
    let mut rng = Lcg(42);
    let names = [
        "Spring brand awareness",
        "Retargeting, cart abandoners",
        "Webinar \"Scaling B2B\" sign-ups",
        "=SUM(A1:A9) lookalike",
        "Évènement Paris — lancement",
    ];
    let platforms = [Platform::LinkedIn, Platform::Meta, Platform::GoogleAds];
    let rows = (0..n)
        .map(|i| {
            let budget = rng.money(5_000, 60_000);
            let spend = rng.money(1_000, 5_000) + budget / dec!(2);
            let revenue = spend * rng.money(0, 5);
            let start = date(2025, 1, 1)
                .checked_add_days(Days::new(rng.next() % 60))
                .expect("date");
            let end = start
                .checked_add_days(Days::new(90 + rng.next() % 200))
                .expect("date");
            let impressions = i64::try_from(50_000 + rng.next() % 2_000_000).expect("fits");
            let clicks = impressions / 40;
            vec![
                Cell::text(format!("{} #{:03}", names[i % names.len()], i + 1)),
                Cell::text(platforms[i % platforms.len()].display_name()),
                Cell::Date(start),
                Cell::Date(end),
                Cell::money(budget, "USD"),
                Cell::money(spend, "USD"),
                Cell::Percent(spend / budget * dec!(100)),
                Cell::Integer(impressions),
                Cell::Integer(clicks),
                Cell::Integer(clicks / 30),
                Cell::money(revenue, "USD"),
                Cell::Number {
                    value: if spend.is_zero() {
                        Decimal::ZERO
                    } else {
                        revenue / spend
                    },
                    dp: 2,
                },
            ]
        })
        .collect();
    Table {
        header: CAMPAIGN_HEADER.iter().map(|h| (*h).to_owned()).collect(),
        rows,
    }
}

pub fn platform_table(rows: &[PlatformRow]) -> Table {
    Table {
        header: [
            "Platform",
            "Spend",
            "Revenue",
            "ROAS",
            "ROI",
            "Share of spend",
        ]
        .iter()
        .map(|h| (*h).to_owned())
        .collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::text(r.platform.display_name()),
                    Cell::money(r.spend, "USD"),
                    Cell::money(r.revenue, "USD"),
                    Cell::Number {
                        value: r.roas,
                        dp: 2,
                    },
                    Cell::Percent(r.roi),
                    Cell::Percent(r.share_pct),
                ]
            })
            .collect(),
    }
}

/// A report of `n` campaigns over `days` days, with the four charts.
pub fn report(n: usize, days: u64) -> Report {
    let rows = platform_rows();
    let daily = daily(days);
    let end = date(2025, 12, 31);
    Report {
        title: "Spring campaigns — financial report".to_owned(),
        period: Period {
            start: date(2025, 1, 1),
            end,
        },
        generated_on: date(2026, 1, 5),
        currency: CurrencyNote {
            reporting: "USD".to_owned(),
            rates: vec![
                ExchangeRate {
                    from: "EUR".to_owned(),
                    to: "USD".to_owned(),
                    rate: dec!(1.0850),
                    as_of: Some(date(2025, 12, 31)),
                },
                ExchangeRate {
                    from: "GBP".to_owned(),
                    to: "USD".to_owned(),
                    rate: dec!(1.2674),
                    as_of: Some(date(2025, 12, 31)),
                },
            ],
        },
        sections: vec![
            Section {
                title: "Platform performance".to_owned(),
                table: platform_table(&rows),
                charts: vec![
                    roas_chart(&rows).expect("roas chart"),
                    budget_share_chart(&rows, "USD").expect("share chart"),
                ],
            },
            Section {
                title: "Campaigns".to_owned(),
                table: campaigns(n),
                charts: vec![],
            },
            Section {
                title: "Spend over time".to_owned(),
                table: Table::default(),
                charts: vec![
                    daily_spend_chart(&daily, "USD").expect("daily chart"),
                    cumulative_spend_chart(&burn(&daily, date(2026, 3, 31)))
                        .expect("cumulative chart"),
                ],
            },
        ],
    }
}

/// The small report of the golden files.
pub fn small_report() -> Report {
    report(7, 14)
}
