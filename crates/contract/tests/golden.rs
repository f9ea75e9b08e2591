//! Every example of `docs/analysis-examples` (the analysis contract's own) must match field by
//! field.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/analysis-examples")
}

/// Fields the contract allows beyond the ones shown.
fn extra_allowed(path: &str, key: &str) -> bool {
    (path.ends_with("insights.top_performer") || path.ends_with("insights.bottom_performer"))
        && matches!(key, "spend" | "cvr" | "cpc")
}

/// Compares `got` with `want`, collecting every difference with its path. Numbers compare by
/// value (59 equals 59.0); strings, booleans and nulls exactly, so "8850.50" is not "8850.5".
fn diff(got: &Value, want: &Value, path: &str, out: &mut Vec<String>) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            for (k, wv) in w {
                let p = format!("{path}.{k}");
                match g.get(k) {
                    Some(gv) => diff(gv, wv, &p, out),
                    None => out.push(format!("{p}: missing")),
                }
            }
            for k in g.keys().filter(|k| !w.contains_key(*k)) {
                if !extra_allowed(path, k) {
                    out.push(format!("{path}.{k}: unexpected field"));
                }
            }
        }
        (Value::Array(g), Value::Array(w)) if g.len() == w.len() => {
            for (i, (gv, wv)) in g.iter().zip(w).enumerate() {
                diff(gv, wv, &format!("{path}[{i}]"), out);
            }
        }
        (Value::Number(g), Value::Number(w)) => {
            let (g, w) = (g.to_string(), w.to_string());
            if Decimal::from_str(&g).ok() != Decimal::from_str(&w).ok() {
                out.push(format!("{path}: got {g}, want {w}"));
            }
        }
        (g, w) if g == w => {}
        (g, w) => out.push(format!("{path}: got {g}, want {w}")),
    }
}

fn check(name: &str) {
    let dir = fixtures();
    let input = std::fs::read_to_string(dir.join(format!("{name}.input.json")))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("{name}.expected.json")))
            .unwrap_or_else(|e| panic!("{name}: {e}")),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    let decoded = spendlens_contract::analysis::decode(&input, None)
        .unwrap_or_else(|p| panic!("{name}: input rejected:\n{p}"));
    let got = spendlens_contract::analysis::encode(&spendlens_core::analysis::analyze(&decoded));
    let mut differences = Vec::new();
    diff(&got, &expected, "", &mut differences);
    assert!(
        differences.is_empty(),
        "{name} differs:\n{}",
        differences.join("\n")
    );
}

#[test]
fn every_fixture_has_a_test() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".input.json"))
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    assert_eq!(
        names, EXAMPLES,
        "a fixture was added or removed: list it in EXAMPLES"
    );
}

const EXAMPLES: [&str; 9] = [
    "01-four-platforms",
    "02-over-budget-reported-revenue",
    "03-no-data-no-budget",
    "04-linkedin-only-finished",
    "05-generated",
    "06-generated",
    "07-generated",
    "08-generated",
    "09-five-platforms",
];

#[test]
fn four_platforms() {
    check(EXAMPLES[0]);
}
#[test]
fn over_budget_reported_revenue() {
    check(EXAMPLES[1]);
}
#[test]
fn no_data_no_budget() {
    check(EXAMPLES[2]);
}
#[test]
fn linkedin_only_finished() {
    check(EXAMPLES[3]);
}
#[test]
fn generated_05() {
    check(EXAMPLES[4]);
}
#[test]
fn generated_06() {
    check(EXAMPLES[5]);
}
#[test]
fn generated_07() {
    check(EXAMPLES[6]);
}
#[test]
fn generated_08() {
    check(EXAMPLES[7]);
}
#[test]
fn five_platforms() {
    check(EXAMPLES[8]);
}

#[test]
fn the_comparison_itself_catches_differences() {
    let want: Value = serde_json::json!({"a": "1.50", "b": 2.0, "c": [1], "d": null});
    let mut out = Vec::new();
    diff(
        &serde_json::json!({"a": "1.5", "b": 2, "c": [1], "d": null}),
        &want,
        "",
        &mut out,
    );
    assert_eq!(out, vec![".a: got \"1.5\", want \"1.50\"".to_owned()]);
    out.clear();
    diff(
        &serde_json::json!({"a": "1.50", "b": 2.01, "c": [], "x": 1}),
        &want,
        "",
        &mut out,
    );
    assert_eq!(out.len(), 4, "{out:?}");
}
