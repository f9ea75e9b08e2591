//! `spendlens mmm` end to end: tables shaped like the public example data sets (Robyn's weekly
//! simulation, PyMC-Marketing's example, Meridian's national simulated data), generated here by
//! a seeded simulator with known ROIs and run with the column options a user would pass; CSV,
//! semicolon and XLSX inputs; byte-identical output per seed; errors naming row and column.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::mmm_tables::{Col, Table, generate, robyn_table, write_csv, write_xlsx};

pub(crate) fn spendlens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("spawn spendlens: {e}"))
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spendlens-cli-mmm-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
    d
}

pub(crate) fn run_json(args: &[&str]) -> Value {
    let out = spendlens(args);
    assert!(
        out.status.success(),
        "spendlens {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("json: {e}"))
}

/// R² above 0.5, every channel's ROI positive and finite, and the ROIs near the truth (median
/// relative error below 25 %, each true ROI within 1.5× of its interval).
fn check_sensible(v: &Value, table: &Table, channels: &[&str]) {
    let r2 = v["fit"]["r2"].as_f64().expect("r2");
    assert!(r2 > 0.5, "R² {r2}");
    let got: Vec<&str> = v["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .map(|c| c["channel"].as_str().expect("name"))
        .collect();
    assert_eq!(got, channels);
    let mut errors = Vec::new();
    for (c, (col, truth)) in v["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .zip(&table.roi)
    {
        let (m, l, h) = (
            c["roi"]["mean"].as_f64().expect("mean"),
            c["roi"]["low"].as_f64().expect("low"),
            c["roi"]["high"].as_f64().expect("high"),
        );
        assert!(
            m.is_finite() && m >= 0.0 && l <= m && m <= h,
            "{col}: {m} [{l}, {h}]"
        );
        assert!(
            l / 1.5 <= *truth && *truth <= h * 1.5,
            "{col}: true ROI {truth} far outside [{l}, {h}]"
        );
        for key in ["mean", "low", "high"] {
            let mr = c["marginal_roi"][key].as_f64();
            assert!(
                mr.is_some_and(|x| x >= 0.0),
                "{col}: marginal ROI {key} {mr:?}"
            );
        }
        errors.push((m - truth).abs() / truth);
    }
    errors.sort_by(f64::total_cmp);
    let median = errors[errors.len() / 2];
    assert!(median < 0.25, "median ROI error {median} ({errors:?})");
}

#[test]
fn robyn_weekly_simulation_shape_runs_with_its_controls() {
    let d = dir("robyn");
    let table = robyn_table(1);
    let csv = d.join("dt_simulated_weekly.csv");
    write_csv(&table, &csv, ',', false);
    let input = csv.to_string_lossy().into_owned();
    let v = run_json(&[
        "mmm",
        "--input",
        &input,
        "--controls",
        "competitor_sales_B,events,newsletter",
        "--draws",
        "200",
    ]);
    assert_eq!(v["granularity"], "weekly");
    assert_eq!(v["periods"], 208);
    assert_eq!(v["kpi"], "revenue");
    // Spend columns in file order: tv, ooh, print, search, facebook.
    check_sensible(&v, &table, &["tv", "ooh", "print", "search", "facebook"]);

    // Without --controls, the text column `events` is an error naming it.
    let out = spendlens(&["mmm", "--input", &input]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("column events") && err.contains("--controls"),
        "{err}"
    );
}

#[test]
fn pymc_marketing_example_shape_runs_with_its_columns() {
    let d = dir("pymc");
    let table = generate(
        2,
        179,
        &[
            ("date_week", Col::Date),
            ("y", Col::Kpi),
            ("x1", Col::Spend),
            ("x2", Col::Spend),
            ("event_1", Col::Event),
            ("event_2", Col::Event),
            ("dayofyear", Col::DayOfYear),
            ("t", Col::Index),
        ],
    );
    let csv = d.join("mmm_example.csv");
    write_csv(&table, &csv, ',', false);
    let input = csv.to_string_lossy().into_owned();
    let v = run_json(&[
        "mmm",
        "--input",
        &input,
        "--date",
        "date_week",
        "--kpi",
        "y",
        "--spend",
        "x1,x2",
        "--controls",
        "event_1,event_2",
        "--draws",
        "200",
    ]);
    assert_eq!(v["periods"], 179);
    assert_eq!(v["kpi"], "y");
    check_sensible(&v, &table, &["x1", "x2"]);
}

#[test]
fn meridian_national_simulated_shape_runs_on_conversions() {
    let d = dir("meridian");
    let mut cols: Vec<(String, Col)> = vec![
        ("time".into(), Col::Date),
        ("GQV".into(), Col::Control),
        ("Discount".into(), Col::Control),
        ("Competitor_Sales".into(), Col::Control),
        ("conversions".into(), Col::Kpi),
        ("revenue_per_conversion".into(), Col::Constantish),
    ];
    let names: Vec<String> = (0..6).map(|i| format!("Channel{i}")).collect();
    for n in &names {
        cols.push((format!("{n}_spend"), Col::Spend));
    }
    let spends: Vec<String> = names.iter().map(|n| format!("{n}_spend")).collect();
    for (n, s) in names.iter().zip(&spends) {
        cols.push((format!("{n}_impression"), Col::Metric(s)));
    }
    let cols: Vec<(&str, Col)> = cols.iter().map(|(n, c)| (n.as_str(), *c)).collect();
    let table = generate(3, 156, &cols);
    let csv = d.join("national_media.csv");
    write_csv(&table, &csv, ',', false);
    let input = csv.to_string_lossy().into_owned();
    let v = run_json(&[
        "mmm",
        "--input",
        &input,
        "--kpi",
        "conversions",
        "--controls",
        "GQV,Discount,Competitor_Sales",
        "--draws",
        "200",
    ]);
    assert_eq!(v["periods"], 156);
    let expected: Vec<&str> = names.iter().map(String::as_str).collect();
    check_sensible(&v, &table, &expected);
}

#[test]
fn same_input_and_seed_are_byte_identical_across_csv_semicolon_xlsx_and_output_file() {
    let d = dir("same");
    let table = robyn_table(4);
    let (csv, semi, xlsx, out) = (
        d.join("a.csv"),
        d.join("b.csv"),
        d.join("c.xlsx"),
        d.join("out.json"),
    );
    write_csv(&table, &csv, ',', false);
    write_csv(&table, &semi, ';', true);
    write_xlsx(&table, &xlsx);
    let args = |p: &Path| -> Vec<String> {
        [
            "mmm",
            "--input",
            &p.to_string_lossy(),
            "--controls",
            "competitor_sales_B,events,newsletter",
            "--draws",
            "100",
            "--seed",
            "7",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    };
    let run = |p: &Path| {
        let a = args(p);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let o = spendlens(&a);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    };
    let first = run(&csv);
    assert_eq!(first, run(&csv), "same file, same seed");
    assert_eq!(first, run(&semi), "semicolons and decimal commas");
    assert_eq!(first, run(&xlsx), "the same table as XLSX");
    let mut a = args(&csv);
    a.extend(["--output".to_owned(), out.to_string_lossy().into_owned()]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let o = spendlens(&a);
    assert!(o.status.success() && o.stdout.is_empty());
    assert_eq!(std::fs::read(&out).unwrap_or_default(), first);
    let mut a = args(&csv);
    if let Some(seed) = a.last_mut() {
        "8".clone_into(seed);
    }
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    assert_ne!(spendlens(&a).stdout, first, "another seed, other draws");
}

#[test]
fn an_experiment_file_is_read_and_reported() {
    let d = dir("experiments");
    let table = robyn_table(5);
    let csv = d.join("data.csv");
    write_csv(&table, &csv, ',', false);
    let exp = d.join("lift.csv");
    std::fs::write(
        &exp,
        "channel,from,to,lift,lift_se,spend\ntv,2022-03-07,2022-04-03,50000,5000,20000.00\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let v = run_json(&[
        "mmm",
        "--input",
        &csv.to_string_lossy(),
        "--controls",
        "competitor_sales_B,events,newsletter",
        "--experiments",
        &exp.to_string_lossy(),
        "--draws",
        "100",
    ]);
    let cal = &v["calibration"][0];
    assert_eq!(cal["channel"], "tv");
    assert_eq!(cal["from"], "2022-03-07");
    assert_eq!(cal["spend"], "20000.00");
    assert!(cal["calibrated"]["mean"].as_f64().is_some() && cal["agrees"].is_boolean());

    // A refused experiments file: exit 2, the message on stderr.
    let refused = |text: &str| {
        std::fs::write(&exp, text).unwrap_or_else(|e| panic!("{e}"));
        let out = spendlens(&[
            "mmm",
            "--input",
            &csv.to_string_lossy(),
            "--controls",
            "events",
            "--experiments",
            &exp.to_string_lossy(),
        ]);
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // Named on the experiments file, not on the data.
    let err = refused("channel,from,to,lift,lift_se\nradio,2022-03-07,2022-04-03,5,1\n");
    assert!(
        err.contains(&format!(
            "{}: experiment row 2, column channel: unknown channel \"radio\"",
            exp.display()
        )),
        "{err}"
    );
    // A file with its header and no test is refused, not taken as no calibration.
    let err = refused("channel,from,to,lift,lift_se\n");
    assert!(err.contains("no lift test in the file"), "{err}");
}

#[test]
fn bad_cells_gaps_and_missing_columns_name_row_and_column() {
    let d = dir("errors");
    let table = robyn_table(6);
    let csv = d.join("bad.csv");
    let check = |t: &Table, extra: &[&str], want: &[&str]| {
        write_csv(t, &csv, ',', false);
        let input = csv.to_string_lossy().into_owned();
        let mut args = vec!["mmm", "--input", input.as_str(), "--controls", "events"];
        args.extend_from_slice(extra);
        let out = spendlens(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "accepted: {want:?}");
        for w in want {
            assert!(err.contains(w), "{err} lacks {w}");
        }
    };
    let mut t = robyn_table(6);
    t.rows[9][2] = "abc".into();
    check(&t, &[], &["row 11, column tv_S", "\"abc\" is not a number"]);
    let mut t = robyn_table(6);
    t.rows.remove(30);
    check(&t, &[], &["row 32, column DATE", "gap"]);
    let mut t = robyn_table(6);
    t.rows[40][0] = t.rows[39][0].clone();
    check(&t, &[], &["row 42, column DATE", "repeats"]);
    let mut t = robyn_table(6);
    t.rows[3][3] = "-5".into();
    check(&t, &[], &["row 5, column ooh_S: negative spend -5"]);
    let mut t = robyn_table(6);
    t.rows.truncate(25);
    check(&t, &[], &["25 weekly periods, at least 26"]);
    let mut t = robyn_table(6);
    for r in &mut t.rows {
        r[4] = "100".into();
    }
    check(&t, &[], &["column print_S", "100 in every row"]);
    check(
        &table,
        &["--kpi", "sales"],
        &["column sales", "no such column"],
    );
    check(
        &table,
        &["--spend", "tv_S,radio_S"],
        &["column radio_S", "no such column"],
    );
    let missing = d.join("missing.csv");
    let out = spendlens(&["mmm", "--input", &missing.to_string_lossy()]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("missing.csv"));
}

/// Numbers equal to a relative 1e-6 (the maths is `f64` through `exp`/`powf`, whose last bits
/// may differ between platforms' libm), everything else exactly.
fn same(a: &Value, b: &Value, at: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            assert!(
                (x - y).abs() <= 1e-6 * x.abs().max(y.abs()).max(1.0),
                "{at}: {x} vs {y}"
            );
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}: lengths");
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                same(p, q, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            let (kx, ky): (Vec<&String>, Vec<&String>) = (x.keys().collect(), y.keys().collect());
            assert_eq!(kx, ky, "{at}: keys");
            for (k, p) in x {
                same(p, &y[k], &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

/// `docs/mmm-examples`: a Robyn-shaped weekly table and its answer, for users to try and as a
/// golden. `SPENDLENS_BLESS=1` rewrites both after a deliberate change of the model.
#[test]
fn the_documented_example_gives_its_documented_answer() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/mmm-examples");
    let (csv, expected) = (docs.join("weekly.csv"), docs.join("weekly.expected.json"));
    let table = robyn_table(11);
    let d = dir("golden");
    let fresh = d.join("weekly.csv");
    write_csv(&table, &fresh, ',', false);
    let input = fresh.to_string_lossy().into_owned();
    let out = spendlens(&[
        "mmm",
        "--input",
        &input,
        "--controls",
        "competitor_sales_B,events,newsletter",
        "--seed",
        "1",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if std::env::var_os("SPENDLENS_BLESS").is_some() {
        std::fs::create_dir_all(&docs).unwrap_or_else(|e| panic!("{e}"));
        std::fs::copy(&fresh, &csv).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&expected, &out.stdout).unwrap_or_else(|e| panic!("{e}"));
    }
    let read = |p: &Path| {
        std::fs::read(p)
            .unwrap_or_else(|e| panic!("{}: {e} (SPENDLENS_BLESS=1 writes it)", p.display()))
    };
    assert_eq!(
        read(&csv),
        read(&fresh),
        "docs/mmm-examples/weekly.csv is the generator's table"
    );
    let want: Value = serde_json::from_slice(&read(&expected)).unwrap_or_else(|e| panic!("{e}"));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    same(&got, &want, "$");
}

/// `--input -` reads the table from standard input, as `analyze` does: the same answer as
/// from the file.
#[test]
fn the_table_can_come_on_standard_input() {
    use std::io::Write as _;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/mmm-examples/weekly.csv"
    );
    let rest = [
        "--controls",
        "competitor_sales_B,events,newsletter",
        "--seed",
        "1",
        "--draws",
        "50",
    ];
    let from_file = spendlens(&[["mmm", "--input", path].as_slice(), &rest].concat());
    assert!(from_file.status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .args(["mmm", "--input", "-"])
        .args(rest)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&bytes).unwrap_or_else(|e| panic!("{e}"));
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, from_file.stdout);
}
