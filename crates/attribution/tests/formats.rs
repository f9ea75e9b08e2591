//! The formats people have: ChannelAttribution's path files (semicolon separated, optional value
//! and null columns) and event logs shaped like the public Kaggle attribution data set (rows in
//! any order). Each fixture's totals are recomputed here from its raw cells with the `csv` crate,
//! independently of the reader under test.
// Conversion counts are whole numbers, summed exactly in an `f64`: compared exactly, on purpose.
#![allow(clippy::float_cmp)]

use std::str::FromStr;

use rust_decimal::Decimal;
use spendlens_attribution::{
    Dataset, Error, InputFormat, MarkovOrder, Model, ReadOptions, Request, attribute, read,
    read_touchpoint_rows,
};

use crate::common::{assert_conserved, close, credit_of, dataset, run, run_one};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `(conversions, value)` the file states, summed from its raw cells.
fn stated_totals(text: &str, delimiter: u8, conversions: &str, value: &str) -> (f64, Decimal) {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let headers = reader.headers().expect("header").clone();
    let at = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (c, v) = (at(conversions), at(value));
    let mut total = (0.0, Decimal::ZERO);
    for record in reader.records() {
        let record = record.expect("record");
        total.0 += record[c].parse::<f64>().expect("count");
        total.1 += Decimal::from_str(&record[v]).expect("value");
    }
    total
}

fn problems(csv: &str) -> Vec<String> {
    match read(csv.as_bytes(), &ReadOptions::default()) {
        Err(error @ Error::Invalid(_)) => error.lines(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

/// Every model but time decay (paths carry no times), with Markov of `order`.
const MODELS: [Model; 7] = [
    Model::FirstTouch,
    Model::LastTouch,
    Model::Linear,
    Model::PositionBased,
    Model::Markov,
    Model::Shapley,
    Model::ShapleyOrdered,
];

#[test]
fn the_public_event_log_gives_the_conversions_and_value_it_states() {
    let text = fixture("attribution-data.csv");
    let (conversions, value) = stated_totals(&text, b',', "conversion", "conversion_value");
    assert!(conversions > 20.0, "the fixture has conversions");
    let data = dataset(&text);
    assert_eq!(data.format, InputFormat::EventLog);
    assert_eq!(data.paths.total_conversions(), conversions);
    assert_eq!(data.paths.total_value().expect("sum"), value);
    for result in run(&data, &Model::ALL, MarkovOrder::Fixed(1)) {
        assert_eq!(result.total_conversions, conversions, "{}", result.model);
        assert_eq!(result.total_value, value, "{}", result.model);
        assert_conserved(&result);
    }
}

#[test]
fn a_channelattribution_path_file_gives_the_conversions_and_value_it_states() {
    let text = fixture("channelattribution-Data.csv");
    let (conversions, value) =
        stated_totals(&text, b';', "total_conversions", "total_conversion_value");
    let data = dataset(&text);
    assert_eq!(data.format, InputFormat::Paths);
    assert_eq!(data.paths.total_conversions(), conversions);
    assert_eq!(data.paths.total_value().expect("sum"), value);
    let nulls: f64 = data.paths.iter().map(|(_, s)| s.nulls).sum();
    let stated_nulls: f64 = text
        .lines()
        .skip(1)
        .filter_map(|l| l.rsplit(';').next())
        .map(|n| n.parse::<f64>().expect("nulls"))
        .sum();
    assert_eq!(nulls, stated_nulls);
    for result in run(&data, &MODELS, MarkovOrder::Fixed(2)) {
        assert_eq!(result.total_conversions, conversions);
        assert_conserved(&result);
    }
}

#[test]
fn a_path_file_and_the_journeys_it_aggregates_agree_on_every_model() {
    // The path file was aggregated from the event log by a separate script
    // (scripts/attribution-fixtures.py), from the rows in their original order; the log itself
    // is shuffled.
    let journeys = dataset(&fixture("attribution-data.csv"));
    let paths = dataset(&fixture("attribution-data-paths.csv"));
    assert_eq!(journeys.paths.len(), paths.paths.len());
    for order in [1, 2, 3] {
        let a = run(&journeys, &MODELS, MarkovOrder::Fixed(order));
        let b = run(&paths, &MODELS, MarkovOrder::Fixed(order));
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.model, y.model);
            assert_eq!(x.total_conversions, y.total_conversions);
            assert_eq!(x.total_value, y.total_value);
            let names: Vec<&str> = x.channels.iter().map(|c| c.channel.as_str()).collect();
            let other: Vec<&str> = y.channels.iter().map(|c| c.channel.as_str()).collect();
            assert_eq!(names, other);
            for name in names {
                let (p, q) = (credit_of(x, name), credit_of(y, name));
                assert!(
                    close(p.0, q.0, 1e-9) && close(p.1, q.1, 1e-9),
                    "{} order {order}, {name}: {p:?} != {q:?}",
                    x.model
                );
            }
        }
    }
}

#[test]
fn event_log_rows_in_any_order_make_the_same_journeys() {
    let header = "cookie,time,interaction,conversion,conversion_value,channel\n";
    let rows = [
        "u1,2018-07-01T10:00:00Z,impression,0,0.0,Facebook",
        "u1,2018-07-02T10:00:00Z,impression,0,0.0,Paid Search",
        "u1,2018-07-03T10:00:00Z,conversion,1,8.5,Paid Search",
        "u2,2018-07-01T09:00:00Z,impression,0,0.0,Instagram",
        "u1,2018-07-04T10:00:00Z,impression,0,0.0,Online Video",
    ];
    let sorted = dataset(&format!("{header}{}\n", rows.join("\n")));
    let mut reversed = rows;
    reversed.reverse();
    let shuffled = dataset(&format!("{header}{}\n", reversed.join("\n")));
    for data in [&sorted, &shuffled] {
        let mut found: Vec<(String, f64, f64)> = data
            .paths
            .iter()
            .map(|(p, s)| {
                let names: Vec<&str> = p.iter().map(|c| data.channels.name(*c)).collect();
                (names.join(" > "), s.conversions, s.nulls)
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            found,
            vec![
                // The conversion row's channel brought the visit that converted.
                ("Facebook > Paid Search > Paid Search".to_owned(), 1.0, 0.0),
                ("Instagram".to_owned(), 0.0, 1.0),
                ("Online Video".to_owned(), 0.0, 1.0),
            ]
        );
        let last = run_one(data, Model::LastTouch);
        assert_eq!(credit_of(&last, "Paid Search"), (1.0, 8.5));
    }
    // Times without an offset are UTC; `customer_id` names the user as well as `cookie`; a
    // conversion row may leave the channel empty.
    let naive = dataset(
        "customer_id,time,interaction,conversion,conversion_value,channel\n\
         c1,2018-07-01 10:00:00,impression,0,0,email\n\
         c1,2018-07-01 11:00:00,conversion,1,20,\n",
    );
    let linear = run_one(&naive, Model::Linear);
    assert_eq!(credit_of(&linear, "email"), (1.0, 20.0));
    assert_eq!(linear.channels.len(), 1);
}

#[test]
fn path_files_take_either_separator_and_optional_columns() {
    let semicolons = dataset("\u{feff}\"path\";\"total_conversions\"\n\"a > b\";3\n\"b\";1\n");
    assert_eq!(semicolons.paths.total_conversions(), 4.0);
    assert_eq!(semicolons.paths.total_value().expect("sum"), Decimal::ZERO);
    let commas = dataset("path,total_conversions,total_null\na > b,3,2\nb,1,\n");
    assert_eq!(commas.paths.total_conversions(), 4.0);
    let nulls: f64 = commas.paths.iter().map(|(_, s)| s.nulls).sum();
    assert_eq!(nulls, 2.0);
    let linear = run_one(&commas, Model::Linear);
    assert!(close(credit_of(&linear, "a").0, 1.5, 1e-12));
}

#[test]
fn bad_event_log_rows_are_named_by_line_and_column() {
    let lines = problems(
        "cookie,time,interaction,conversion,conversion_value,channel\n\
         u1,2018-07-01T10:00:00Z,click-through,0,0.0,Facebook\n\
         u1,2018-07-01T11:00:00Z,impression,1,0.0,Facebook\n\
         u1,2018-07-01T12:00:00Z,conversion,0,5.0,Facebook\n\
         u1,yesterday,impression,0,0.0,Facebook\n\
         u1,2018-07-01T13:00:00Z,impression,0,3.0,Facebook\n\
         u1,2018-07-01T14:00:00Z,impression,0,0.0,\n\
         ,2018-07-01T15:00:00Z,impression,0,0.0,Facebook\n\
         u1,2018-07-01T16:00:00Z,conversion,1,-2,Facebook\n",
    );
    assert_eq!(
        lines,
        vec![
            "line 2, column 3 (interaction): unknown interaction `click-through`: expected \
             `impression` or `conversion`",
            "line 3, column 4 (conversion): conversion is 1 but the interaction is not \
             `conversion` (a conversion is a row whose interaction is `conversion`)",
            "line 4, column 4 (conversion): the interaction is `conversion` but conversion is 0",
            "line 5, column 2 (time): `yesterday` is not a date and time (like \
             2018-07-03T13:02:11Z, or 2018-07-03 13:02:11 read as UTC)",
            "line 6, column 5 (conversion_value): a conversion value on a row that is not a \
             conversion",
            "line 7, column 6 (channel): an impression needs a channel name",
            "line 8, column 1 (cookie): empty user id",
            "line 9, column 5 (conversion_value): negative value `-2`",
        ]
    );
    assert_eq!(
        problems("cookie,interaction\nu1,impression\n"),
        vec![
            "line 1: missing column `time` (or `timestamp`)",
            "line 1: missing column `channel`"
        ]
    );
    let unknown = problems("who,when\nu1,2018\n");
    assert_eq!(unknown.len(), 1);
    assert!(
        unknown[0].starts_with("line 1: unrecognised header"),
        "{unknown:?}"
    );
}

#[test]
fn an_event_log_is_stored_as_touchpoints_and_a_path_file_is_not() {
    let file = read_touchpoint_rows(
        "cookie,time,interaction,conversion,conversion_value,channel,campaign_id\n\
         u1,2018-07-01T10:00:00Z,impression,0,0.0,Facebook,\n\
         u1,2018-07-02T10:00:00Z,conversion,1,8.5,Paid Search,c9\n"
            .as_bytes(),
    )
    .expect("rows");
    assert_eq!(file.format, InputFormat::EventLog);
    assert_eq!(
        (file.journey.index, file.journey.name.as_str()),
        (1, "cookie")
    );
    assert_eq!((file.time.index, file.time.name.as_str()), (2, "time"));
    let kinds: Vec<(u64, &str, Option<&str>)> = file
        .rows
        .iter()
        .map(|r| (r.line, r.event.kind(), r.campaign_id.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (2, "touch", None),
            (3, "touch", Some("c9")),
            (3, "conversion", Some("c9"))
        ]
    );
    let rebuilt: Dataset =
        spendlens_attribution::dataset_from_rows(&file.rows, &ReadOptions::default())
            .expect("data set");
    assert_eq!(rebuilt.paths.total_conversions(), 1.0);
    let Err(Error::Invalid(problems)) =
        read_touchpoint_rows(fixture("channelattribution-Data.csv").as_bytes())
    else {
        panic!("a path file has no dates");
    };
    assert!(problems[0].message.contains("spendlens attribute"));
}

/// The Markov model takes up to `MAX_MARKOV_CHANNELS` distinct channels and refuses one more,
/// saying how to go on (it would hold a core for minutes); the heuristics take any number.
#[test]
fn markov_takes_at_most_its_channel_limit() {
    let limit = spendlens_attribution::MAX_MARKOV_CHANNELS;
    let table = |channels: usize| {
        let mut csv = String::from("path;total_conversions;total_conversion_value;total_null\n");
        for c in 0..channels {
            csv.push_str(&format!("ch{c} > ch{};1;10;1\n", (c + 1) % channels));
        }
        dataset(&csv)
    };
    let at_limit = table(limit);
    let result = run_one(&at_limit, Model::Markov);
    assert_eq!(result.channels.len(), limit);
    assert_conserved(&result);

    let past = table(limit + 1);
    let request = Request {
        models: vec![Model::Markov],
        order: MarkovOrder::Fixed(1),
        transitions: false,
        skip_unavailable: false,
    };
    let err = attribute(&past, &request).expect_err("refused");
    assert!(err.is_input(), "{err}");
    assert!(
        err.to_string().starts_with(&format!(
            "the journeys name {} distinct channels; the Markov model takes at most {limit}",
            limit + 1
        )),
        "{err}"
    );
    assert_eq!(run_one(&past, Model::Linear).channels.len(), limit + 1);
}
