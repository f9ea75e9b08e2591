//! Touchpoint input: journeys cut into paths, edge cases, and errors that name line and column.

use rust_decimal::Decimal;
use spendlens_attribution::{Error, Model, ReadOptions, read};

use crate::common::{close, credit_of, dataset, run_one};

const HEADER: &str = "journey_id,timestamp,event,channel,value\n";

/// Conversions and value credited, to 1e-9 (values pass through an f64 share of the exact total).
fn assert_credit(got: (f64, f64), want: (f64, f64)) {
    assert!(
        close(got.0, want.0, 1e-9) && close(got.1, want.1, 1e-9),
        "{got:?} != {want:?}"
    );
}

fn problems(csv: &str) -> Vec<String> {
    match read(csv.as_bytes(), &ReadOptions::default()) {
        Err(error @ Error::Invalid(_)) => error.lines(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn each_conversion_closes_a_path_and_later_touches_are_null() {
    let data = dataset(&format!(
        "{HEADER}j1,2026-01-01T00:00:00Z,touch,a,\nj1,2026-01-02T00:00:00Z,conversion,,10.00\n\
         j1,2026-01-03T00:00:00Z,touch,b,\nj1,2026-01-04T00:00:00Z,touch,b,\nj1,2026-01-05T00:00:00Z,conversion,,5\n\
         j1,2026-01-06T00:00:00Z,touch,c,\n"
    ));
    let mut paths: Vec<(String, f64, f64)> = data
        .paths
        .iter()
        .map(|(p, s)| {
            (
                p.iter()
                    .map(|c| data.channels.name(*c))
                    .collect::<Vec<_>>()
                    .join(">"),
                s.conversions,
                s.nulls,
            )
        })
        .collect();
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        paths,
        vec![
            ("a".into(), 1.0, 0.0),
            ("b>b".into(), 1.0, 0.0),
            ("c".into(), 0.0, 1.0)
        ]
    );
    let last = run_one(&data, Model::LastTouch);
    assert_credit(credit_of(&last, "a"), (1.0, 10.0));
    assert_credit(credit_of(&last, "b"), (1.0, 5.0));
    assert_credit(credit_of(&last, "c"), (0.0, 0.0));
    assert_eq!(last.total_value, Decimal::new(15, 0));
}

#[test]
fn a_conversion_without_touches_is_unattributed() {
    let data = dataset(&format!(
        "{HEADER}j1,2026-01-01T00:00:00Z,conversion,,7.50\nj2,2026-01-01T00:00:00Z,touch,a,\n\
         j2,2026-01-01T01:00:00Z,conversion,,2.50\nj2,2026-01-01T02:00:00Z,conversion,,1.00\n"
    ));
    let result = run_one(&data, Model::Linear);
    assert!((result.unattributed_conversions - 2.0).abs() < 1e-12);
    assert_eq!(result.unattributed_value, Decimal::new(850, 2));
    assert!((result.total_conversions - 1.0).abs() < 1e-12);
    assert_credit(credit_of(&result, "a"), (1.0, 2.5));
}

#[test]
fn rows_are_sorted_by_time_within_a_journey() {
    let sorted = dataset(&format!(
        "{HEADER}j1,2026-01-01T00:00:00Z,touch,a,\nj1,2026-01-02T00:00:00Z,touch,b,\nj1,2026-01-03T00:00:00Z,conversion,,1\n\
         j2,2026-01-01T00:00:00+05:00,touch,b,\nj2,2026-01-01T00:00:00Z,touch,a,\n"
    ));
    let shuffled = dataset(&format!(
        "{HEADER}j1,2026-01-03T00:00:00Z,conversion,,1\nj1,2026-01-02T00:00:00Z,touch,b,\nj1,2026-01-01T00:00:00Z,touch,a,\n\
         j2,2026-01-01T00:00:00Z,touch,a,\nj2,2026-01-01T00:00:00+05:00,touch,b,\n"
    ));
    for data in [&sorted, &shuffled] {
        let first = run_one(data, Model::FirstTouch);
        assert_credit(credit_of(&first, "a"), (1.0, 1.0));
        let mut paths: Vec<String> = data
            .paths
            .iter()
            .map(|(p, _)| {
                p.iter()
                    .map(|c| data.channels.name(*c))
                    .collect::<Vec<_>>()
                    .join(">")
            })
            .collect();
        paths.sort();
        // j2: 00:00+05:00 is 19:00 the day before, so b comes first.
        assert_eq!(paths, vec!["a>b".to_owned(), "b>a".to_owned()]);
    }
}

#[test]
fn equal_timestamps_keep_file_order_and_touches_lead_to_the_conversion() {
    let data = dataset(&format!(
        "{HEADER}j1,2026-01-01T00:00:00Z,conversion,,4\nj1,2026-01-01T00:00:00Z,touch,b,\nj1,2026-01-01T00:00:00Z,touch,a,\n"
    ));
    let first = run_one(&data, Model::FirstTouch);
    assert_credit(credit_of(&first, "b"), (1.0, 4.0));
    let last = run_one(&data, Model::LastTouch);
    assert_credit(credit_of(&last, "a"), (1.0, 4.0));
    assert!(last.unattributed_conversions.abs() < 1e-12);
    // Time decay: both touches have age 0 and share equally.
    let decay = run_one(&data, Model::TimeDecay);
    assert_credit(credit_of(&decay, "a"), (0.5, 2.0));
}

#[test]
fn time_decay_halves_per_half_life() {
    let data = dataset(&format!(
        "{HEADER}j1,2026-01-01T00:00:00Z,touch,old,\nj1,2026-01-08T00:00:00Z,touch,new,\nj1,2026-01-08T00:00:00Z,conversion,,30\n"
    ));
    let decay = run_one(&data, Model::TimeDecay);
    let (old, _) = credit_of(&decay, "old");
    let (new, value) = credit_of(&decay, "new");
    assert!((old - 1.0 / 3.0).abs() < 1e-12 && (new - 2.0 / 3.0).abs() < 1e-12);
    assert!((value - 20.0).abs() < 1e-9);
}

#[test]
fn journeys_must_be_grouped() {
    let lines = problems(&format!(
        "{HEADER}j1,2026-01-01T00:00:00Z,touch,a,\nj2,2026-01-01T00:00:00Z,touch,a,\nj1,2026-01-02T00:00:00Z,touch,b,\n"
    ));
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("line 4, column 1 (journey_id):"),
        "{}",
        lines[0]
    );
}

#[test]
fn grouped_journeys_may_come_in_any_order() {
    let data = dataset(&format!(
        "{HEADER}j9,2026-01-01T00:00:00Z,touch,a,\nj10,2026-01-01T00:00:00Z,touch,b,\nj1,2026-01-01T00:00:00Z,touch,a,\n\
         j1,2026-01-02T00:00:00Z,conversion,,3\n"
    ));
    assert_eq!(data.paths.len(), 2);
    assert!((data.paths.total_conversions() - 1.0).abs() < 1e-12);
}

#[test]
fn errors_name_line_and_column() {
    let lines = problems(&format!(
        "{HEADER}j1,2026-13-01T00:00:00Z,touch,a,\nj1,2026-01-01T00:00:00Z,touch,,\nj1,2026-01-01T00:00:00Z,click,a,\n\
         j1,2026-01-01T00:00:00Z,conversion,,-5\nj1,2026-01-01T00:00:00Z\n"
    ));
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(
        lines[0].starts_with("line 2, column 2 (timestamp): `2026-13-01T00:00:00Z`"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("line 3, column 4 (channel): a touch needs a channel"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("line 4, column 3 (event): unknown event `click`"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with("line 5, column 5 (value): negative value"),
        "{}",
        lines[3]
    );
    assert!(
        lines[4].starts_with("line 6, column 3 (event): missing field"),
        "{}",
        lines[4]
    );

    let lines = problems("journey_id,timestamp,channel,value\n");
    assert_eq!(lines, vec!["line 1: missing column `event`".to_owned()]);
    let lines = problems(
        "path,total_conversions,total_conversion_value,total_null\na > b,-1,0,0\na > > b,1,0,0\nc,1,x,0\nd,0,5,1\n",
    );
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(
        lines[0].starts_with("line 2, column 2 (total_conversions): negative count"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("line 3, column 1 (path): empty channel name"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("line 4, column 3 (total_conversion_value):"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3]
            .starts_with("line 5, column 3 (total_conversion_value): a conversion value on a path"),
        "{}",
        lines[3]
    );
    assert_eq!(
        problems(""),
        vec!["line 1: the input is empty: expected a header line".to_owned()]
    );
    assert!(problems("a,b\n1,2\n")[0].starts_with("line 1: unrecognised header"));
}

#[test]
fn path_rows_with_the_same_path_add_up_and_spaces_are_ignored() {
    let data = dataset(
        "path,total_conversions,total_conversion_value,total_null\n\"a>b\",1,10,2\n a >  b ,2,5.5,1\n,3,9,4\n",
    );
    assert_eq!(data.paths.len(), 1);
    let (_, stats) = data.paths.iter().next().expect("one path");
    assert_eq!(
        (stats.conversions, stats.value, stats.nulls),
        (3.0, Decimal::new(155, 1), 3.0)
    );
    assert_eq!(data.paths.unattributed(), (3.0, Decimal::new(9, 0)));
}

#[test]
fn arbitrary_bytes_never_panic() {
    use proptest::prelude::*;
    let mut runner =
        proptest::test_runner::TestRunner::new(proptest::test_runner::Config::with_cases(256));
    let header = prop_oneof![
        Just(HEADER.to_owned()),
        Just("path,total_conversions,total_conversion_value,total_null\n".to_owned()),
        Just(String::new()),
    ];
    runner
        .run(
            &(header, prop::collection::vec(any::<u8>(), 0..400)),
            |(header, body)| {
                let mut input = header.into_bytes();
                input.extend(body);
                let _ = read(
                    input.as_slice(),
                    &ReadOptions {
                        time_decay_half_life_days: Some(7.0),
                    },
                );
                Ok(())
            },
        )
        .expect("no panic");
}

/// A touchpoint file is read into rows only up to `MAX_TOUCHPOINT_ROWS` (the caller holds every
/// row): one more is refused as too large, naming the limit; the folding reader has no limit.
#[test]
fn touchpoint_rows_are_read_up_to_their_limit() {
    use spendlens_attribution::read::MAX_TOUCHPOINT_ROWS;
    let mut csv = String::from("journey_id,timestamp,event,channel,value\n");
    for i in 0..=MAX_TOUCHPOINT_ROWS {
        csv.push_str(&format!("j{i},2026-01-01T00:00:00Z,touch,email,\n"));
    }
    let err = spendlens_attribution::read_touchpoint_rows(csv.as_bytes()).expect_err("too many");
    assert!(
        matches!(err, spendlens_attribution::Error::TooLarge(_)),
        "{err}"
    );
    assert!(
        err.to_string().contains("more than 400000 touchpoints"),
        "{err}"
    );
    assert!(
        spendlens_attribution::read(
            csv.as_bytes(),
            &spendlens_attribution::ReadOptions::default()
        )
        .is_ok()
    );
}

/// A campaign without journeys is attributed to nothing, and its zeros are plain zeros: a float
/// sum of nothing is −0.0, which the API's JSON showed as `-0.0`.
#[test]
fn no_journeys_attribute_nothing_with_plain_zeros() {
    let data = spendlens_attribution::dataset_from_rows(
        std::iter::empty(),
        &spendlens_attribution::ReadOptions::default(),
    )
    .expect("an empty data set");
    let results = crate::common::run(
        &data,
        &[
            spendlens_attribution::Model::LastTouch,
            spendlens_attribution::Model::Linear,
            spendlens_attribution::Model::Markov,
        ],
        spendlens_attribution::MarkovOrder::Fixed(1),
    );
    assert_eq!(results.len(), 3);
    for r in &results {
        let plain = |x: f64| x == 0.0 && x.is_sign_positive();
        assert!(plain(r.total_conversions), "{:?}", r.model);
        assert!(plain(r.unattributed_conversions), "{:?}", r.model);
        if let Some(m) = &r.markov {
            assert!(plain(m.conversion_probability));
        }
        let json = spendlens_attribution::codec::encode_one(r).expect("encodes");
        assert!(!json.contains("-0.0"), "{json}");
    }
}
