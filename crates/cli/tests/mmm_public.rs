//! `spendlens mmm` on the public example data sets as their projects publish them (copies in
//! `fixtures/mmm-public`, provenance in its `SOURCES.md`), with the column options the README
//! gives: Robyn's simulated weekly data, PyMC-Marketing's example and Meridian's national
//! simulated data.

use serde_json::Value;

use crate::mmm::{run_json, spendlens};

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/mmm-public/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn r2(v: &Value) -> f64 {
    v["fit"]["r2"].as_f64().expect("r2")
}

fn channels(v: &Value) -> Vec<&str> {
    v["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .map(|c| c["channel"].as_str().expect("name"))
        .collect()
}

fn decay(v: &Value, channel: &str) -> f64 {
    v["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .find(|c| c["channel"] == channel)
        .and_then(|c| c["adstock"]["decay"].as_f64())
        .expect("decay")
}

/// `spendlens mmm` on PyMC-Marketing's example table `input` with its columns (the trend `t` a
/// control), then `extra`.
fn pymc_args<'a>(input: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "mmm",
        "--input",
        input,
        "--kpi",
        "y",
        "--spend",
        "x1,x2",
        "--controls",
        "event_1,event_2,t",
    ];
    args.extend_from_slice(extra);
    args
}

/// Every channel's ROI and marginal ROI are finite, non-negative and inside their intervals.
fn assert_intervals(v: &Value) {
    for c in v["channels"].as_array().expect("channels") {
        for key in ["roi", "marginal_roi"] {
            let (m, l, h) = (
                c[key]["mean"].as_f64().expect("mean"),
                c[key]["low"].as_f64().expect("low"),
                c[key]["high"].as_f64().expect("high"),
            );
            assert!(
                m.is_finite() && l >= 0.0 && l <= m && m <= h,
                "{}: {key} {m} [{l}, {h}]",
                c["channel"]
            );
        }
    }
}

#[test]
fn robyn_simulated_weekly_data_fit_with_the_readme_s_options() {
    let input = fixture("robyn_dt_simulated_weekly.csv");
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
    assert_eq!(channels(&v), ["tv", "ooh", "print", "search", "facebook"]);
    assert!(r2(&v) > 0.5, "R² {}", r2(&v));
    assert_intervals(&v);
    // Its `events` column is text ("na", "event1", "event2"): without --controls naming it, the
    // run is refused, naming the column and the first cell.
    let out = spendlens(&["mmm", "--input", &input]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("column events") && err.contains("row 2") && err.contains("\"na\""),
        "{err}"
    );
}

/// PyMC-Marketing's documentation gives the decays its example was simulated with: 0.4 for x1
/// and 0.2 for x2.
#[test]
fn pymc_marketing_example_fits_and_finds_its_published_decays() {
    let v = run_json(&[
        "mmm",
        "--input",
        &fixture("pymc_marketing_mmm_example.csv"),
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
    assert_eq!(channels(&v), ["x1", "x2"]);
    assert!(r2(&v) > 0.9, "R² {}", r2(&v));
    assert!(
        (decay(&v, "x1") - 0.4).abs() < 0.05,
        "x1 {}",
        decay(&v, "x1")
    );
    assert!(
        (decay(&v, "x2") - 0.2).abs() < 0.08,
        "x2 {}",
        decay(&v, "x2")
    );
    assert_intervals(&v);
}

/// Meridian's national data (its four-channel version) are noisy: Meridian 2.1.0's own default
/// model reaches R² 0.31 on them in sample, and a least-squares fit with 23 regressors (spend,
/// its lags and squares, the controls, their squares and product, a trend) 0.42. The model must
/// do at least as well as Meridian's, and call the always-on channels' ROIs poorly determined.
#[test]
fn meridian_national_simulated_data_fit_as_well_as_meridian_s_own_model() {
    let v = run_json(&[
        "mmm",
        "--input",
        &fixture("meridian_national_media.csv"),
        "--kpi",
        "conversions",
        "--spend",
        "Channel0_spend,Channel1_spend,Channel2_spend,Channel3_spend",
        "--controls",
        "competitor_activity_score_control,sentiment_score_control",
        "--draws",
        "200",
    ]);
    assert_eq!(v["periods"], 156);
    assert_eq!(
        channels(&v),
        ["Channel0", "Channel1", "Channel2", "Channel3"]
    );
    assert!(r2(&v) >= 0.31, "R² {}", r2(&v));
    assert_intervals(&v);
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for c in ["Channel0", "Channel1", "Channel2", "Channel3"] {
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with(&format!("{c}'s ROI is poorly determined"))),
            "{c}: {warnings:?}"
        );
    }
}

/// Meridian's current national data (`national_all_channels.csv`: five paid channels, an organic
/// one, a promotion, two controls), run as the README writes it: the spend columns are found by
/// name. The series is as noisy as the older one: Meridian 2.1.0's own default model (2 chains ×
/// 500 draws kept, R-hat at most 1.007) reaches R² 0.361 on it, and least squares on spend,
/// controls, trend and a yearly wave 0.365. The model must match Meridian's fit, and its ROIs,
/// turned into revenue with the file's revenue per conversion, must lie inside Meridian's 90 %
/// intervals: per channel, and for all five together (Meridian: 1.27, from 0.785 to 1.855).
#[test]
fn meridian_current_national_data_agree_with_meridian_s_own_posterior() {
    let input = fixture("meridian_national_all_channels.csv");
    let v = run_json(&[
        "mmm",
        "--input",
        &input,
        "--kpi",
        "conversions",
        "--controls",
        "Organic_channel0_impression,competitor_sales_control,sentiment_score_control,Promo",
        "--draws",
        "200",
    ]);
    assert_eq!(v["periods"], 156);
    let names = ["Channel0", "Channel1", "Channel2", "Channel3", "Channel4"];
    assert_eq!(channels(&v), names);
    assert!(r2(&v) >= 0.36, "R² {}", r2(&v));
    assert_intervals(&v);

    let text = std::fs::read_to_string(&input).expect("fixture");
    let per_conversion: Vec<f64> = text
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .nth(2)
                .and_then(|x| x.parse().ok())
                .expect("cell")
        })
        .collect();
    let value = per_conversion.iter().sum::<f64>() / per_conversion.len() as f64;
    // Meridian 2.1.0's posterior ROI (revenue per unit of spend), 90 % interval.
    let meridian = [
        (0.254, 3.025),
        (0.257, 3.290),
        (0.329, 5.605),
        (0.296, 2.589),
        (0.241, 2.692),
    ];
    let list = v["channels"].as_array().expect("channels");
    let (mut caused, mut spent) = (0.0, 0.0);
    for (c, (low, high)) in list.iter().zip(meridian) {
        let roi = c["roi"]["mean"].as_f64().expect("roi") * value;
        assert!((low..=high).contains(&roi), "{}: {roi}", c["channel"]);
        caused += c["contribution"]["mean"].as_f64().expect("contribution") * value;
        spent += c["spend"]
            .as_str()
            .and_then(|s| s.parse::<f64>().ok())
            .expect("spend");
    }
    let all = caused / spent;
    assert!((0.785..=1.855).contains(&all), "all channels: {all}");
}

/// `--format text`: the same figures as the JSON of the same seed, grouped for reading, and the
/// model's return never called ROI (which `spendlens roi` keeps for profit over cost); an
/// unknown format is exit 2 naming the option.
#[test]
fn the_text_answer_shows_the_json_s_figures() {
    let input = fixture("pymc_marketing_mmm_example.csv");
    // A lift test the data disagree with, so that the answer has a calibration line and
    // warnings.
    let lift = std::env::temp_dir().join(format!("spendlens-mmm-text-{}.csv", std::process::id()));
    std::fs::write(
        &lift,
        "channel,from,to,lift,lift_se\nx1,2019-01-07,2019-03-25,500,100\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let lift = lift.display().to_string();
    let args = pymc_args(
        &input,
        &["--experiments", &lift, "--draws", "100", "--seed", "5"],
    );
    let v = run_json(&args);
    let out = crate::mmm::spendlens(&[&args[..], &["--format", "text"]].concat());
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.starts_with(
            "Marketing-mix model of y: weekly, 2018-04-02 to 2021-08-30 (179 periods)\n"
        ),
        "{text}"
    );
    // Written here apart from the command: two decimals, thousands grouped.
    let money = |x: f64| {
        let cents = format!("{x:.2}");
        let (whole, frac) = cents.split_once('.').unwrap_or((&cents, "00"));
        let digits: Vec<char> = whole.chars().collect();
        let mut out = String::new();
        for (i, c) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(*c);
        }
        format!("{out}.{frac}")
    };
    for c in v["channels"].as_array().expect("channels") {
        let name = c["channel"].as_str().expect("name");
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no line for {name} in {text}"));
        for (key, figure) in [("contribution", &c["contribution"]), ("roi", &c["roi"])] {
            let written = format!(
                "{} ({} to {})",
                money(figure["mean"].as_f64().expect("mean")),
                money(figure["low"].as_f64().expect("low")),
                money(figure["high"].as_f64().expect("high"))
            );
            // (Returns here are in the thousands, so written as amounts are; a small one keeps
            // its digits, see `small_returns_keep_their_digits`.)
            assert!(line.contains(&written), "{key}: {written} not in {line}");
        }
    }
    assert!(text.contains("return per unit of spend"), "{text}");
    let test = &v["calibration"][0];
    assert!(
        text.contains(&format!(
            "- x1 2019-01-07 to 2019-03-25: measured 500.00 ± 100.00; the model {} (",
            money(test["uncalibrated"]["mean"].as_f64().expect("mean"))
        )),
        "{text}"
    );
    assert_eq!(
        text.contains("they disagree"),
        test["agrees"] == false,
        "{text}"
    );
    let warnings = v["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains("ROI"))),
        "the fixture's warnings name the ROI: {warnings:?}"
    );
    assert!(
        !text
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w == "ROI" || w == "ROIs"),
        "{text}"
    );

    let out = crate::mmm::spendlens(&[&args[..], &["--format", "yaml"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format: expected json or text"));
}

/// A KPI whose return per unit of spend is a small fraction (conversions per unit of spend)
/// keeps four significant digits in the JSON and two in the text, rather than 4 decimals
/// (0.0037 for 0.003733). The model does not depend on the KPI's unit: PyMC-Marketing's example
/// with its KPI divided by a million gives the returns of the original divided by a million.
#[test]
fn small_returns_keep_their_digits() {
    let input = fixture("pymc_marketing_mmm_example.csv");
    let table = std::fs::read_to_string(&input).unwrap_or_else(|e| panic!("{e}"));
    let mut lines = table.lines();
    let header = lines.next().expect("header");
    let y = header.split(',').position(|h| h == "y").expect("y column");
    let mut scaled = format!("{header}\n");
    for line in lines {
        let cells: Vec<String> = line
            .split(',')
            .enumerate()
            .map(|(i, c)| {
                if i == y {
                    format!("{:.12}", c.parse::<f64>().expect("y") / 1e6)
                } else {
                    c.to_owned()
                }
            })
            .collect();
        scaled.push_str(&cells.join(","));
        scaled.push('\n');
    }
    let small =
        std::env::temp_dir().join(format!("spendlens-mmm-small-{}.csv", std::process::id()));
    std::fs::write(&small, scaled).unwrap_or_else(|e| panic!("{e}"));
    let small = small.display().to_string();
    let seeded = ["--draws", "100", "--seed", "5"];
    let original = run_json(&pymc_args(&input, &seeded));
    let divided = run_json(&pymc_args(&small, &seeded));
    let text = spendlens(&pymc_args(
        &small,
        &[&seeded[..], &["--format", "text"]].concat(),
    ));
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    for (a, b) in original["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .zip(divided["channels"].as_array().expect("channels"))
    {
        let name = a["channel"].as_str().expect("name");
        for key in ["roi", "marginal_roi"] {
            let (big, tiny) = (
                a[key]["mean"].as_f64().expect("mean"),
                b[key]["mean"].as_f64().expect("mean"),
            );
            assert!(tiny < 0.01, "{name} {key}: {tiny}");
            // Four significant digits: within half a unit of the fourth of the original's.
            assert!(
                (tiny * 1e6 - big).abs() <= 5e-4 * big,
                "{name} {key}: {tiny} against {big}"
            );
        }
        // The text: two significant digits, as `0.0037 (0.0028 to 0.0046)`.
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no line for {name} in {text}"));
        let mean = b["roi"]["mean"].as_f64().expect("mean");
        let digits = format!("{:.4}", mean);
        assert!(
            line.contains(&format!("{digits} (")),
            "{digits} not in {line}"
        );
    }
}
