//! No input panics: arbitrary reports and chart inputs, with extreme decimals, dates and text.

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;
use spendlens_core::Platform;
use spendlens_report::chart::{
    BudgetBurn, DailySpend, DailyTotal, budget_share_chart, cumulative_spend_chart,
    daily_spend_chart, roas_chart,
};
use spendlens_report::{
    Cell, CurrencyNote, ExchangeRate, Period, Report, Section, Table, render_csv, render_pdf,
    render_xlsx,
};

use super::support::platform_row;

fn decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        Just(Decimal::ZERO),
        Just(Decimal::MAX),
        Just(Decimal::MIN),
        Just(Decimal::new(1, 28)),
        (any::<i64>(), 0u32..=28).prop_map(|(m, s)| Decimal::new(m, s)),
        (-1_000_000i64..1_000_000, 0u32..=4).prop_map(|(m, s)| Decimal::new(m, s)),
    ]
}

fn date() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        Just(NaiveDate::MIN),
        Just(NaiveDate::MAX),
        (1899i32..2200, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("=cmd|' /C calc'!A0".to_owned()),
        Just("x".repeat(3000)),
        ".{0,40}",
        "[a-z ,\"\n#]{0,30}",
    ]
}

fn platform() -> impl Strategy<Value = Platform> {
    (0usize..Platform::ALL.len()).prop_map(|i| Platform::ALL[i])
}

fn cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        Just(Cell::Empty),
        text().prop_map(Cell::Text),
        (decimal(), "[A-Za-z\"{}]{0,4}")
            .prop_map(|(amount, currency)| Cell::Money { amount, currency }),
        decimal().prop_map(Cell::Percent),
        decimal().prop_map(Cell::Ratio),
        (decimal(), any::<u32>()).prop_map(|(value, dp)| Cell::Number { value, dp }),
        any::<i64>().prop_map(Cell::Integer),
        date().prop_map(Cell::Date),
    ]
}

fn table() -> impl Strategy<Value = Table> {
    (
        prop::collection::vec(text(), 0..6),
        prop::collection::vec(prop::collection::vec(cell(), 0..8), 0..6),
    )
        .prop_map(|(header, rows)| Table { header, rows })
}

fn report() -> impl Strategy<Value = Report> {
    (
        text(),
        date(),
        date(),
        text(),
        prop::collection::vec((text(), decimal(), prop::option::of(date())), 0..3),
        prop::collection::vec((text(), table()), 0..4),
    )
        .prop_map(|(title, start, end, code, rates, sections)| Report {
            title,
            period: Period { start, end },
            generated_on: end,
            currency: CurrencyNote {
                reporting: code.clone(),
                rates: rates
                    .into_iter()
                    .map(|(from, rate, as_of)| ExchangeRate {
                        from,
                        to: code.clone(),
                        rate,
                        as_of,
                    })
                    .collect(),
            },
            sections: sections
                .into_iter()
                .map(|(title, table)| Section {
                    title,
                    table,
                    charts: vec![],
                })
                .collect(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn any_report_renders_without_panicking(report in report()) {
        let csv = render_csv(&report);
        prop_assert!(std::str::from_utf8(&csv).is_ok());
        let _ = render_xlsx(&report);
        let pdf = render_pdf(&report);
        prop_assert!(pdf.is_ok(), "{:?}", pdf.err());
    }

    #[test]
    fn any_chart_input_draws(
        daily in prop::collection::vec((date(), platform(), decimal()), 0..20),
        budget in prop::option::of(decimal()),
        end in prop::option::of(date()),
        rate in decimal(),
        code in "[A-Za-z€$]{0,4}",
        rows in prop::collection::vec((platform(), decimal(), decimal(), decimal()), 0..6),
    ) {
        let points: Vec<DailySpend> = daily
            .iter()
            .map(|(date, platform, spend)| DailySpend { date: *date, platform: *platform, spend: *spend })
            .collect();
        prop_assert!(daily_spend_chart(&points, &code).is_ok());
        let burn = BudgetBurn {
            daily_totals: daily.iter().map(|(date, _, spend)| DailyTotal { date: *date, spend: *spend }).collect(),
            budget,
            end_date: end,
            daily_burn_rate: rate,
            currency: code.clone(),
            portfolio: false,
        };
        prop_assert!(cumulative_spend_chart(&burn).is_ok());
        let rows: Vec<_> = rows
            .into_iter()
            .map(|(p, s, r, t)| {
                let mut row = platform_row(p, Decimal::ONE, Decimal::ONE, Decimal::ONE);
                row.spend = s;
                row.roas = r;
                row.share_pct = t;
                row
            })
            .collect();
        let charts = vec![
            daily_spend_chart(&points, &code).expect("daily"),
            cumulative_spend_chart(&burn).expect("cumulative"),
            roas_chart(&rows).expect("roas"),
            budget_share_chart(&rows, &code).expect("share"),
        ];
        // Whatever the numbers, the charts are SVG the PDF writer draws.
        let day = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
        let report = Report {
            title: "Charts".to_owned(),
            period: Period { start: day, end: day },
            generated_on: day,
            currency: CurrencyNote { reporting: code, rates: vec![] },
            sections: vec![Section { title: "Charts".to_owned(), table: Table::default(), charts }],
        };
        let pdf = render_pdf(&report);
        prop_assert!(pdf.is_ok(), "{:?}", pdf.err());
    }
}
