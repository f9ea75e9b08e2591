//! `spendlens attribute` on the files people have: ChannelAttribution's path files and event logs
//! shaped like the public Kaggle attribution data set, next to the contract's own touchpoints.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../attribution/tests/fixtures")
        .join(name)
}

fn attribute(input: &Path, model: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .args(["attribute", "--input"])
        .arg(input)
        .args(["--model", model])
        .output()
        .unwrap_or_else(|e| panic!("spawn spendlens: {e}"))
}

fn json(out: &Output) -> Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("JSON: {e}"))
}

/// The conversions and value the event log states: its conversion rows, summed here.
fn stated(path: &Path) -> (f64, Decimal) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
    let mut total = (0.0, Decimal::ZERO);
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[2] == "conversion" {
            total.0 += 1.0;
            total.1 += Decimal::from_str(cells[4]).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    total
}

#[test]
fn the_public_event_log_gives_the_conversions_it_states_under_every_model() {
    let log = fixture("attribution-data.csv");
    let (conversions, value) = stated(&log);
    let all = json(&attribute(&log, "all"));
    let models = all["models"].as_object().expect("models");
    assert_eq!(models.len(), 8, "time decay too: an event log has times");
    for (name, result) in models {
        assert_eq!(result["total_conversions"], conversions, "{name}");
        assert_eq!(result["total_value"], format!("{value:.2}"), "{name}");
    }
}

#[test]
fn a_channelattribution_path_file_and_its_event_log_give_the_same_credit() {
    for model in ["markov", "linear", "first_touch", "last_touch", "shapley"] {
        let a = json(&attribute(&fixture("attribution-data.csv"), model));
        let b = json(&attribute(&fixture("attribution-data-paths.csv"), model));
        assert_eq!(a["total_conversions"], b["total_conversions"]);
        let channels = |v: &Value| -> Vec<(String, String, f64)> {
            v["channels"]
                .as_array()
                .expect("channels")
                .iter()
                .map(|c| {
                    (
                        c["channel"].as_str().unwrap_or_default().to_owned(),
                        c["value"].as_str().unwrap_or_default().to_owned(),
                        c["conversions"].as_f64().unwrap_or(f64::NAN),
                    )
                })
                .collect()
        };
        let (x, y) = (channels(&a), channels(&b));
        assert_eq!(x.len(), y.len());
        for (p, q) in x.iter().zip(&y) {
            assert_eq!((&p.0, &p.1), (&q.0, &q.1), "{model}");
            assert!((p.2 - q.2).abs() < 1e-9, "{model}: {p:?} vs {q:?}");
        }
    }
}

#[test]
fn a_bad_event_log_names_the_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("spendlens-cli-attribute-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let bad = dir.join("log.csv");
    std::fs::write(
        &bad,
        "cookie,time,interaction,conversion,conversion_value,channel\n\
         u1,2018-07-03T13:02:11Z,impression,0,0.0,Instagram\n\
         u1,2018-07-04T13:02:11Z,purchase,1,8.5,Instagram\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = attribute(&bad, "linear");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "{}, line 3, column 3 (interaction): unknown interaction `purchase`: expected \
             `impression` or `conversion`\n",
            bad.display()
        )
    );
    // Time decay needs times, which a path file has not: said of the file as a whole.
    let out = attribute(&fixture("channelattribution-Data.csv"), "time_decay");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "{}: ",
            fixture("channelattribution-Data.csv").display()
        )),
        "{err}"
    );
    // The contract's touchpoints keep working.
    let touchpoints = dir.join("touchpoints.csv");
    std::fs::write(
        &touchpoints,
        "journey_id,timestamp,event,channel,value\n\
         j1,2026-01-01T00:00:00Z,touch,meta,\n\
         j1,2026-01-02T00:00:00Z,conversion,,10.00\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let one = json(&attribute(&touchpoints, "last_touch"));
    assert_eq!(one["total_value"], "10.00");
    let _ = std::fs::remove_dir_all(&dir);
}
