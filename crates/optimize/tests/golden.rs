//! Golden problems through the JSON contract: `fixtures/NAME.problem.json` must give
//! `fixtures/NAME.expected.json` (numbers within 1e-9 relative, everything else exactly), or, for
//! bad input, the error lines in `fixtures/NAME.errors.txt`. `UPDATE_GOLDEN=1` rewrites them.

use std::path::{Path, PathBuf};

use serde_json::Value;
use spendlens_optimize::codec::run_json;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn same(path: &str, got: &Value, want: &Value, problems: &mut Vec<String>) {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => {
            let (g, w) = (
                g.as_f64().unwrap_or(f64::NAN),
                w.as_f64().unwrap_or(f64::NAN),
            );
            if (g - w).abs() > 1e-9 * g.abs().max(w.abs()) + 1e-12 {
                problems.push(format!("{path}: {g} != {w}"));
            }
        }
        (Value::Object(g), Value::Object(w)) => {
            if g.len() != w.len() {
                problems.push(format!(
                    "{path}: keys {:?} != {:?}",
                    g.keys().collect::<Vec<_>>(),
                    w.keys().collect::<Vec<_>>()
                ));
            }
            for (k, wv) in w {
                match g.get(k) {
                    Some(gv) => same(&format!("{path}.{k}"), gv, wv, problems),
                    None => problems.push(format!("{path}.{k}: missing")),
                }
            }
        }
        (Value::Array(g), Value::Array(w)) if g.len() == w.len() => {
            for (i, (gv, wv)) in g.iter().zip(w).enumerate() {
                same(&format!("{path}[{i}]"), gv, wv, problems);
            }
        }
        _ if got == want => {}
        _ => problems.push(format!("{path}: {got} != {want}")),
    }
}

#[test]
fn golden_problems() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .expect("fixtures")
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".problem.json")
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 4, "fixtures missing: {names:?}");
    let mut problems = Vec::new();
    for name in &names {
        let input =
            std::fs::read_to_string(fixtures().join(format!("{name}.problem.json"))).expect("read");
        match run_json(&input, None) {
            Ok(out) => {
                let path = fixtures().join(format!("{name}.expected.json"));
                if update {
                    std::fs::write(&path, out.clone() + "\n").expect("write");
                }
                let want: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).expect("expected file"))
                        .expect("json");
                let got: Value = serde_json::from_str(&out).expect("json");
                same(name, &got, &want, &mut problems);
            }
            Err(e) => {
                let path = fixtures().join(format!("{name}.errors.txt"));
                let lines = e
                    .issues()
                    .iter()
                    .map(|i| format!("{i}\n"))
                    .collect::<String>();
                if update {
                    std::fs::write(&path, &lines).expect("write");
                }
                let want = std::fs::read_to_string(&path)
                    .unwrap_or_else(|_| format!("{name}: unexpected error {e}"));
                if lines != want {
                    problems.push(format!("{name}: errors\n{lines}!=\n{want}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
