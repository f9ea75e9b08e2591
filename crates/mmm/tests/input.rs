//! Bad input gets an error naming the row and column; the boundaries of the period minimums.

use chrono::Duration;
use rust_decimal::Decimal;
use spendlens_mmm::{Dataset, Granularity, MmmError, Options, fit};

use crate::sim::{Spec, simulate};

fn daily(periods: usize) -> Dataset {
    simulate(&Spec {
        periods,
        channels: vec!["tv", "search"],
        controls: 1,
        ..Spec::daily(9)
    })
    .data
}

fn weekly(periods: usize) -> Dataset {
    simulate(&Spec {
        periods,
        daily: false,
        channels: vec!["tv", "search"],
        controls: 1,
        ..Spec::daily(9)
    })
    .data
}

fn error(data: &Dataset) -> String {
    fit(data, &[], &Options { draws: 20, seed: 0 })
        .expect_err("refused")
        .to_string()
}

#[test]
fn a_gap_names_the_row_after_it() {
    let mut d = daily(120);
    for date in &mut d.dates[40..] {
        *date += Duration::days(1);
    }
    let e = error(&d);
    assert!(e.starts_with("row 42, column date:"), "{e}");
    assert!(e.contains("gap"), "{e}");
}

#[test]
fn a_duplicate_date_names_its_row() {
    let mut d = daily(120);
    d.dates[10] = d.dates[9];
    let e = error(&d);
    assert!(e.starts_with("row 12, column date: date"), "{e}");
    assert!(e.contains("repeats"), "{e}");
}

#[test]
fn too_few_periods_is_refused_at_51_days_and_25_weeks_and_accepted_at_52_and_26() {
    let e = error(&daily(51));
    assert!(e.contains("51 daily periods, at least 52"), "{e}");
    let m = fit(&daily(52), &[], &Options { draws: 50, seed: 0 }).expect("52 days fit");
    assert_eq!(m.granularity, Granularity::Daily);
    let e = error(&weekly(25));
    assert!(e.contains("25 weekly periods, at least 26"), "{e}");
    let m = fit(&weekly(26), &[], &Options { draws: 50, seed: 0 }).expect("26 weeks fit");
    assert_eq!(m.granularity, Granularity::Weekly);
    assert_eq!(m.periods, 26);
}

#[test]
fn negative_spend_names_row_and_column() {
    let mut d = daily(100);
    d.channels[1].spend[30] = Decimal::new(-1250, 2);
    assert_eq!(
        error(&d),
        "row 32, column search_spend: negative spend -12.50"
    );
}

#[test]
fn a_constant_channel_is_named() {
    let mut d = daily(100);
    d.channels[0].spend = vec![Decimal::new(500, 0); 100];
    let e = fit(&d, &[], &Options::default()).expect_err("constant");
    assert!(
        matches!(e, MmmError::ConstantChannel { ref column, .. } if column == "tv_spend"),
        "{e}"
    );
}

#[test]
fn a_non_finite_kpi_or_control_names_row_and_column() {
    let mut d = daily(100);
    d.values[5] = f64::NAN;
    assert_eq!(error(&d), "row 7, column revenue: not a finite number");
    let mut d = daily(100);
    d.controls[0].values[99] = f64::INFINITY;
    assert_eq!(error(&d), "row 101, column control_0: not a finite number");
}

#[test]
fn mismatched_lengths_no_channels_and_zero_draws_are_refused() {
    let mut d = daily(100);
    d.channels[0].spend.pop();
    assert!(error(&d).contains("column tv_spend: 99 values for 100 dates"));
    let mut d = daily(100);
    d.channels.clear();
    assert!(error(&d).contains("no channel spend column"));
    let d = daily(100);
    assert!(fit(&d, &[], &Options { draws: 0, seed: 0 }).is_err());
}

#[test]
fn an_odd_step_is_a_gap_not_a_granularity() {
    let mut d = daily(100);
    let start = d.dates[0];
    for (i, date) in d.dates.iter_mut().enumerate() {
        *date = start + Duration::days(3 * i64::try_from(i).expect("small"));
    }
    let e = error(&d);
    assert!(
        e.starts_with("row 3, column date:") && e.contains("3 days later"),
        "{e}"
    );
}
