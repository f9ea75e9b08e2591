//! Every golden vector of `docs/attribution-examples/small20.json`, to 1e-9: the exact `ref_*`
//! entries and ChannelAttribution's heuristics; its simulated Markov results only to their stated
//! ~2 %.

use std::fmt::Write;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;
use spendlens_attribution::{MarkovOrder, Model, Request, attribute, codec};

use crate::common::{close, credit_of, dataset, run, run_one};

const FIXTURE: &str = include_str!("../../../docs/attribution-examples/small20.json");

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("fixture is JSON")
}

/// The data set as path CSV (the reader is part of what is tested).
fn paths_csv() -> String {
    let mut csv = String::from("path,total_conversions,total_conversion_value,total_null\n");
    for row in fixture()["dataset"].as_array().expect("rows") {
        writeln!(
            csv,
            "{},{},{},{}",
            row["path"].as_str().expect("path"),
            row["total_conversions"],
            row["total_conversion_value"],
            row["total_null"]
        )
        .expect("write");
    }
    csv
}

/// The data set as touchpoints: one journey per conversion and per null, the touches at the ages the
/// fixture gives (days before the conversion), values split into whole cents that add up per path.
fn touchpoints_csv() -> String {
    let mut csv = String::from("journey_id,timestamp,event,channel,value\n");
    let base: i64 = 1_772_323_200; // 2026-03-01T00:00:00Z
    let mut journey = 0;
    for row in fixture()["dataset"].as_array().expect("rows") {
        let channels: Vec<&str> = row["path"]
            .as_str()
            .expect("path")
            .split('>')
            .map(str::trim)
            .collect();
        let ages: Vec<i64> = row["touch_age_days"]
            .as_array()
            .expect("ages")
            .iter()
            .map(|a| a.as_i64().expect("age"))
            .collect();
        let conversions = row["total_conversions"].as_u64().expect("count");
        let nulls = row["total_null"].as_u64().expect("count");
        let value: Decimal = row["total_conversion_value"]
            .to_string()
            .parse()
            .expect("decimal");
        let cents = (value * Decimal::ONE_HUNDRED)
            .to_u64()
            .expect("whole cents");
        for k in 0..conversions + nulls {
            journey += 1;
            let at = base + journey * 3600;
            for (channel, age) in channels.iter().zip(&ages) {
                let touch = spendlens_attribution::Timestamp::from_unix(at - age * 86_400, 0);
                writeln!(csv, "j{journey},{touch},touch,{channel},").expect("write");
            }
            if k < conversions {
                let share = cents / conversions + u64::from(k < cents % conversions);
                let when = spendlens_attribution::Timestamp::from_unix(at, 0);
                writeln!(
                    csv,
                    "j{journey},{when},conversion,,{}.{:02}",
                    share / 100,
                    share % 100
                )
                .expect("write");
            }
        }
    }
    csv
}

/// Checks one model's credit against `expected` (channel -> [conversions, value]); channels absent
/// from `expected` must get nothing.
fn check(result: &spendlens_attribution::Attribution, expected: &Value) {
    let expected = expected.as_object().expect("object");
    for line in &result.channels {
        let (conversions, value) = match expected.get(&line.channel) {
            Some(pair) => (
                pair[0].as_f64().expect("number"),
                pair[1].as_f64().expect("number"),
            ),
            None => (0.0, 0.0),
        };
        let (got_c, got_v) = credit_of(result, &line.channel);
        assert!(
            close(got_c, conversions, 1e-9),
            "{} {}: conversions {got_c} != {conversions}",
            result.model,
            line.channel
        );
        assert!(
            close(got_v, value, 1e-9),
            "{} {}: value {got_v} != {value}",
            result.model,
            line.channel
        );
    }
    for name in expected.keys() {
        assert!(
            result.channels.iter().any(|c| &c.channel == name),
            "{} lacks {name}",
            result.model
        );
    }
}

#[test]
fn heuristics_match_the_reference() {
    let data = dataset(&paths_csv());
    let golden = fixture();
    check(
        &run_one(&data, Model::FirstTouch),
        &golden["ref_heuristic"]["first_touch"],
    );
    check(
        &run_one(&data, Model::LastTouch),
        &golden["ref_heuristic"]["last_touch"],
    );
    check(
        &run_one(&data, Model::Linear),
        &golden["ref_heuristic"]["linear_touch"],
    );
    check(
        &run_one(&data, Model::PositionBased),
        &golden["ref_position_based_40_20_40"],
    );
}

#[test]
fn heuristics_match_channel_attribution() {
    let data = dataset(&paths_csv());
    let results = run(
        &data,
        &[Model::FirstTouch, Model::LastTouch, Model::Linear],
        MarkovOrder::Fixed(1),
    );
    for row in fixture()["ca_heuristic_models"].as_array().expect("rows") {
        let channel = row["channel_name"].as_str().expect("name");
        for (result, prefix) in results
            .iter()
            .zip(["first_touch", "last_touch", "linear_touch"])
        {
            let (c, v) = credit_of(result, channel);
            let want_c = row[format!("{prefix}_conversions")]
                .as_f64()
                .expect("number");
            let want_v = row[format!("{prefix}_value")].as_f64().expect("number");
            assert!(
                close(c, want_c, 1e-9) && close(v, want_v, 1e-9),
                "{prefix} {channel}: {c} {v}"
            );
        }
    }
}

#[test]
fn time_decay_matches_the_reference_from_touchpoints() {
    let data = dataset(&touchpoints_csv());
    check(
        &run_one(&data, Model::TimeDecay),
        &fixture()["ref_time_decay_halflife7d"],
    );
}

#[test]
fn touchpoints_aggregate_to_the_same_paths() {
    let from_paths = dataset(&paths_csv());
    let from_touchpoints = dataset(&touchpoints_csv());
    assert_eq!(from_paths.paths.len(), from_touchpoints.paths.len());
    let models = [
        Model::FirstTouch,
        Model::LastTouch,
        Model::Linear,
        Model::PositionBased,
        Model::Markov,
        Model::Shapley,
    ];
    let a = run(&from_paths, &models, MarkovOrder::Fixed(2));
    let b = run(&from_touchpoints, &models, MarkovOrder::Fixed(2));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.total_value, y.total_value);
        for (cx, cy) in x.channels.iter().zip(&y.channels) {
            assert_eq!(cx.channel, cy.channel);
            assert!(close(cx.conversions, cy.conversions, 1e-12), "{}", x.model);
        }
    }
}

#[test]
fn markov_order_1_is_exact() {
    let data = dataset(&paths_csv());
    let golden = &fixture()["ref_markov_order1_exact"];
    let result = run_one(&data, Model::Markov);
    check(&result, &golden["attribution"]);
    let summary = result.markov.as_ref().expect("markov summary");
    assert_eq!(summary.order, 1);
    let p = golden["p_conversion_from_start"].as_f64().expect("number");
    assert!(
        close(summary.conversion_probability, p, 1e-12),
        "{}",
        summary.conversion_probability
    );
    for line in &result.channels {
        let want = golden["removal_effects"][&line.channel]
            .as_f64()
            .expect("number");
        let got = line.removal_effect.expect("removal effect");
        assert!(close(got, want, 1e-9), "{}: {got} != {want}", line.channel);
    }
}

#[test]
fn exact_markov_is_near_the_simulated_package() {
    let data = dataset(&paths_csv());
    let golden = fixture();
    for (order, key) in [(1, "ca_markov_order1_seed0"), (2, "ca_markov_order2_seed0")] {
        let result = run(&data, &[Model::Markov], MarkovOrder::Fixed(order))
            .pop()
            .expect("result");
        for row in golden[key]["result"].as_array().expect("rows") {
            let channel = row["channel_name"].as_str().expect("name");
            let simulated = row["total_conversions"].as_f64().expect("number");
            let (exact, _) = credit_of(&result, channel);
            assert!(
                (exact - simulated).abs() <= 0.03 * simulated,
                "order {order} {channel}: {exact} vs {simulated}"
            );
        }
    }
}

#[test]
fn shapley_is_exact() {
    let data = dataset(&paths_csv());
    let golden = fixture();
    let result = run_one(&data, Model::Shapley);
    check(&result, &golden["ref_shapley_simplified"]);
    for (channel, want) in golden["ref_shapley_exact_bruteforce_conversions"]
        .as_object()
        .expect("object")
    {
        let (got, _) = credit_of(&result, channel);
        assert!(
            close(got, want.as_f64().expect("number"), 1e-9),
            "{channel}"
        );
    }
    let ordered = run_one(&data, Model::ShapleyOrdered);
    for line in &ordered.channels {
        let (c, _) = credit_of(&result, &line.channel);
        let positions = line.by_position.as_ref().expect("by_position");
        assert!(
            close(positions.iter().sum::<f64>(), c, 1e-12),
            "{}",
            line.channel
        );
        assert!(close(line.conversions, c, 1e-12));
    }
    // search earns at position 1 in `search` (3), `search > search` (1 × 1/2: two touches share it)
    // and `search > meta > search` (2 conversions × 1/2 for two channels × 1/2 for two touches).
    let search = ordered
        .channels
        .iter()
        .find(|c| c.channel == "search")
        .expect("search");
    let first = search.by_position.as_ref().expect("by_position")[0];
    assert!(close(first, 3.0 + 0.5 + 0.5, 1e-12), "{first}");
}

#[test]
fn output_follows_the_contract() {
    let data = dataset(&paths_csv());
    let request = Request {
        models: vec![Model::Markov],
        order: MarkovOrder::Fixed(1),
        transitions: true,
        skip_unavailable: false,
    };
    let result = attribute(&data, &request)
        .expect("runs")
        .pop()
        .expect("one");
    let json: Value =
        serde_json::from_str(&codec::encode_one(&result).expect("encodes")).expect("JSON");
    assert_eq!(json["model"], "markov");
    assert_eq!(json["order"], 1);
    assert_eq!(json["total_value"], "4035.00");
    assert_eq!(json["unattributed"]["value"], "0.00");
    let channels = json["channels"].as_array().expect("channels");
    let names: Vec<&str> = channels
        .iter()
        .map(|c| c["channel"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["email", "linkedin", "meta", "search"]);
    assert_eq!(channels[0]["value"], "757.76");
    assert!((channels[0]["share_pct"].as_f64().expect("number") - 18.78).abs() < 1e-9);
    assert!((channels[0]["removal_effect"].as_f64().expect("number") - 0.322_422).abs() < 1e-6);
    let cents: Decimal = channels
        .iter()
        .map(|c| {
            c["value"]
                .as_str()
                .expect("value")
                .parse::<Decimal>()
                .expect("decimal")
        })
        .sum();
    assert_eq!(cents.to_string(), "4035.00");
    let matrix = json["transition_matrix"].as_array().expect("matrix");
    let from_start: f64 = matrix
        .iter()
        .filter(|t| t["from"] == "(start)")
        .map(|t| t["probability"].as_f64().expect("p"))
        .sum();
    assert!((from_start - 1.0).abs() < 1e-12);
    assert!(close(
        json["conversion_probability"].as_f64().expect("p"),
        31.0 / 174.0,
        1e-12
    ));
    assert!(
        json["conversion_probability"]
            .as_f64()
            .expect("p")
            .to_f64()
            .is_some()
    );
}

#[test]
fn all_models_in_one_output() {
    let data = dataset(&touchpoints_csv());
    let request = Request {
        models: Model::ALL.to_vec(),
        order: MarkovOrder::Auto,
        transitions: false,
        skip_unavailable: true,
    };
    let results = attribute(&data, &request).expect("runs");
    assert_eq!(results.len(), Model::ALL.len());
    let json: Value =
        serde_json::from_str(&codec::encode_all(&results).expect("encodes")).expect("JSON");
    let models = json["models"].as_object().expect("models");
    for model in Model::ALL {
        let entry = &models[model.name()];
        assert_eq!(entry["model"], model.name());
        assert_eq!(entry["total_value"], "4035.00");
    }
    assert_eq!(models["time_decay"]["half_life_days"], 7.0);
    assert!(models["linear"].get("half_life_days").is_none());
    let selection = models["markov"]["order_selection"]
        .as_array()
        .expect("scores");
    assert_eq!(selection.len(), 4);
    // Without timestamps `all` leaves time decay out; asking for it alone is an error.
    let paths = dataset(&paths_csv());
    let results = attribute(&paths, &request).expect("runs");
    assert!(results.iter().all(|r| r.model != Model::TimeDecay));
    let only = Request {
        models: vec![Model::TimeDecay],
        skip_unavailable: false,
        ..request
    };
    let error = attribute(&paths, &only).expect_err("no timestamps");
    assert!(error.is_input());
}
