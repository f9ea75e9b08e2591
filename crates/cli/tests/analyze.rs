//! `spendlens analyze` as a user runs it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn spendlens(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .args(args)
        .current_dir(repo_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn spendlens: {e}"));
    if let (Some(mut input), Some(text)) = (child.stdin.take(), stdin) {
        // The process may exit before reading (a bad flag): a broken pipe is not a failure.
        let _ = input.write_all(text.as_bytes());
    }
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_readme_example_runs() {
    let out = spendlens(&["analyze", "--input", "examples/campaign.json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(v["totals"]["spend"], "8850.50");
    assert_eq!(v["overview"]["health"]["score"], 80);
}

#[test]
fn stdin_and_as_of_override() {
    let doc = r#"{"campaign": {"budget": "1000", "start_date": "2026-01-01", "end_date": "2026-01-10"},
                  "platforms": {"meta": {"spend": "500", "clicks": 100}}}"#;
    let out = spendlens(
        &["analyze", "--input", "-", "--as-of", "2026-01-05"],
        Some(doc),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(v["as_of"], "2026-01-05");
    assert_eq!(v["overview"]["pacing"]["days_elapsed"], 5);
    assert_eq!(v["overview"]["pacing"]["daily_burn_rate"], "100.00");
}

/// `spendlens analyze` of the example campaign, its answer written to `target`.
fn analyze_into(target: &str) -> Output {
    spendlens(
        &[
            "analyze",
            "--input",
            "examples/campaign.json",
            "--output",
            target,
        ],
        None,
    )
}

#[test]
fn output_file_is_written_and_stdout_stays_empty() {
    let dir = std::env::temp_dir().join(format!("spendlens-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let target = dir.join("result.json");
    let target_str = target.to_string_lossy().into_owned();
    let out = analyze_into(&target_str);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(&target).unwrap_or_default();
    assert!(written.contains("\"net_profit\": \"11799.50\""));
    let _ = std::fs::remove_dir_all(dir);
}

/// A document saved with a byte-order mark (as Windows' Notepad saves it) reads as without.
#[test]
fn a_byte_order_mark_is_not_part_of_the_document() {
    let doc = "\u{feff}{\"as_of\": \"2026-01-05\", \"campaign\": {\"budget\": \"100\"}}";
    let out = spendlens(&["analyze", "--input", "-"], Some(doc));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// An output path that is a directory is refused before anything is written: no temporary
/// file is left behind in it (or beside it).
#[test]
fn an_output_directory_is_refused_and_nothing_is_left_behind() {
    let dir = std::env::temp_dir().join(format!("spendlens-cli-dir-{}", std::process::id()));
    let target = dir.join("out");
    std::fs::create_dir_all(&target).unwrap_or_else(|e| panic!("{e}"));
    let target_str = target.to_string_lossy().into_owned();
    let out = analyze_into(&target_str);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
    let left: Vec<_> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
    let _ = std::fs::remove_dir_all(dir);
}

fn assert_rejected(doc: &str, expected_lines: &[&str]) {
    let out = spendlens(&["analyze", "--input", "-"], Some(doc));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "stdout must stay empty on bad input");
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines, expected_lines);
}

#[test]
fn bad_input_exits_2_naming_the_path() {
    assert_rejected(
        r#"{"as_of": "2026-11-21", "platforms": {"meta": {"spend": "abc"}}}"#,
        &[r#"platforms.meta.spend: expected a non-negative decimal, got "abc""#],
    );
    assert_rejected(
        r#"{"as_of": "2026-11-21", "platforms": {"meta": {"spend": -1}}}"#,
        &["platforms.meta.spend: expected a non-negative decimal, got -1"],
    );
    assert_rejected(
        r#"{"as_of": "2026-13-01"}"#,
        &[r#"as_of: expected a date YYYY-MM-DD, got "2026-13-01""#],
    );
    assert_rejected(
        r#"{"as_of": "2026-11-21", "platforms": {"snapchat": {}}}"#,
        &[
            "platforms.snapchat: unknown platform (expected one of linkedin, meta, google_ads, custom_integration, sheets, ga4)",
        ],
    );
    assert_rejected(
        r#"{"as_of": "2026-11-21", "campaign": {"budjet": 5}}"#,
        &[
            "campaign.budjet: unknown field (expected one of budget, currency, end_date, name, start_date)",
        ],
    );
}

#[test]
fn malformed_json_exits_2() {
    let out = spendlens(&["analyze", "--input", "-"], Some("{\"as_of\": "));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("invalid JSON"), "{}", stderr(&out));
}

#[test]
fn missing_file_and_bad_flag_exit_2() {
    let out = spendlens(&["analyze", "--input", "does/not/exist.json"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).starts_with("does/not/exist.json: "));
    let out = spendlens(
        &["analyze", "--input", "-", "--as-of", "yesterday"],
        Some("{}"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
