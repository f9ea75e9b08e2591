//! No input panics: arbitrary series (zeros, spikes, negative KPIs, constant controls, lift tests
//! anywhere) and arbitrary tables of text either fit or give an error.

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use spendlens_mmm::table::{self, Columns, TableRow};
use spendlens_mmm::{ChannelSpend, Control, Dataset, Experiment, Options, fit};

fn dataset(n: usize, kpi: &[f64], spend: &[Vec<u32>], control: &[f64]) -> Dataset {
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    Dataset {
        kpi: "revenue".into(),
        kpi_prefix: String::new(),
        date_column: "date".into(),
        first_row: 2,
        dates: (0..n)
            .map(|t| start + Duration::days(i64::try_from(t).expect("small")))
            .collect(),
        values: (0..n).map(|t| kpi[t % kpi.len()]).collect(),
        channels: spend
            .iter()
            .enumerate()
            .map(|(c, s)| ChannelSpend {
                name: format!("c{c}"),
                column: format!("c{c}_spend"),
                spend: (0..n).map(|t| Decimal::from(s[t % s.len()])).collect(),
            })
            .collect(),
        controls: vec![Control {
            name: "x".into(),
            values: (0..n).map(|t| control[t % control.len()]).collect(),
        }],
        holidays: vec![start + Duration::days(10)],
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_series_fit_or_refuse_without_panicking(
        n in 50usize..140,
        kpi in prop::collection::vec(prop_oneof![Just(0.0), -1e6f64..1e9], 1..40),
        spend in prop::collection::vec(prop::collection::vec(prop_oneof![Just(0u32), 0u32..100_000], 1..30), 1..4),
        control in prop::collection::vec(-1e3f64..1e3, 1..5),
        lift in -1e6f64..1e6,
        from in 0.0f64..1.0,
    ) {
        let data = dataset(n, &kpi, &spend, &control);
        let start = data.dates[0];
        #[allow(clippy::cast_possible_truncation)]
        let from_day = (from * (n as f64 - 14.0)) as i64;
        let exp = Experiment {
            row: 2,
            channel: "c0".into(),
            from: start + Duration::days(from_day),
            to: start + Duration::days(from_day + 13),
            lift,
            lift_se: lift.abs() / 10.0 + 1.0,
            spend: None,
        };
        if let Ok(model) = fit(&data, &[exp], &Options { draws: 20, seed: 1 }) {
            for c in &model.channels {
                prop_assert!(c.roi.low <= c.roi.high || c.roi.mean.is_nan());
            }
        }
    }

    #[test]
    fn arbitrary_tables_read_or_refuse_without_panicking(
        cells in prop::collection::vec(prop::collection::vec("[a-z_0-9.,-]{0,8}", 0..6), 0..70),
    ) {
        let mut rows: Vec<TableRow> = vec![TableRow {
            row: 1,
            cells: ["date", "revenue", "tv_spend", "x"].iter().map(|s| (*s).to_owned()).collect(),
        }];
        rows.extend(cells.into_iter().enumerate().map(|(i, cells)| TableRow { row: i + 2, cells }));
        let columns = Columns { kpi: None, date: None, spend: Vec::new(), controls: Vec::new(), decimal_comma: false };
        if let Ok(data) = table::dataset(&rows, &columns) {
            let _ = fit(&data, &[], &Options { draws: 5, seed: 0 });
        }
        let _ = table::experiments(&rows, true);
    }
}
