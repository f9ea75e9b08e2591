//! The marketing-mix model's four charts from model-like outputs: each draws an SVG that usvg
//! parses, carries its title and text alternative, writes its numbers as money or ratios, says so
//! when there is nothing to draw, and copes with a negative baseline, one channel and more
//! channels than the palette has colours.
//!
//! With `SPENDLENS_MMM_SVG_DIR` set, the examples are also written there as SVG files, to be
//! looked at (`chromium --headless --screenshot`).

use chrono::NaiveDate;
use spendlens_report::chart::{
    Chart, Contribution, NamedCurve, SERIES_PALETTE, contribution_chart, decomposition_chart,
    named_curves_chart, roi_interval_chart,
};

fn c(name: &str, mean: f64, low: f64, high: f64) -> Contribution {
    Contribution {
        name: name.to_owned(),
        mean,
        low,
        high,
    }
}

fn channels() -> Vec<Contribution> {
    vec![
        c("meta", 502_447.2, 470_000.0, 531_000.0),
        c("google_ads", 310_120.5, 250_000.0, 362_000.0),
        c("tv", 720_000.0, 540_000.0, 905_000.0),
        c("ooh", 91_000.0, 12_000.0, 170_000.0),
    ]
}

fn many(n: usize) -> Vec<Contribution> {
    (0..n)
        .map(|i| {
            let m = 40_000.0 + 15_000.0 * i as f64;
            c(&format!("channel_{i}"), m, m * 0.8, m * 1.25)
        })
        .collect()
}

fn rois() -> Vec<Contribution> {
    vec![
        c("meta", 1.77, 1.66, 1.87),
        c("google_ads", 2.41, 1.95, 2.9),
        c("tv", 0.84, 0.62, 1.07),
        c("ooh", 0.42, 0.1, 0.71),
    ]
}

fn curve(name: &str, scale: f64, half: f64, current: Option<f64>) -> NamedCurve {
    let response = |x: f64| scale * x / (x + half);
    NamedCurve {
        name: name.to_owned(),
        points: (0..=40)
            .map(|i| f64::from(i) * 250.0)
            .map(|x| (x, response(x)))
            .collect(),
        current: current.map(|x| (x, response(x))),
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// The inputs of a decomposition chart: dates, actual KPI, baseline, channels.
type Decomposition = (Vec<NaiveDate>, Vec<f64>, Vec<f64>, Vec<(String, Vec<f64>)>);

/// `days` days of a model-like decomposition from 2025-01-01: a baseline with a weekly cycle, and
/// channels with their own shapes.
fn decomposition(days: usize, names: &[&str]) -> Decomposition {
    let dates: Vec<NaiveDate> = date(2025, 1, 1).iter_days().take(days).collect();
    let baseline: Vec<f64> = (0..days)
        .map(|i| 9_000.0 + 1_500.0 * ((i % 7) as f64 / 6.0))
        .collect();
    let channels: Vec<(String, Vec<f64>)> = names
        .iter()
        .enumerate()
        .map(|(k, n)| {
            let values = (0..days)
                .map(|i| 800.0 + 300.0 * k as f64 + 400.0 * ((i as f64 / 9.0 + k as f64).sin()))
                .collect();
            ((*n).to_owned(), values)
        })
        .collect();
    let actual = (0..days)
        .map(|i| {
            let noise = 350.0 * ((i * 37 % 11) as f64 / 10.0 - 0.5);
            baseline[i] + channels.iter().map(|(_, v)| v[i]).sum::<f64>() + noise
        })
        .collect();
    (dates, actual, baseline, channels)
}

/// Checks what every chart must be, and writes it out when asked to.
fn check(chart: &Chart, file: &str) {
    let root = &chart.svg[..chart.svg.find('>').expect("root tag")];
    assert!(root.starts_with("<svg"), "{root}");
    assert!(root.contains("role=\"img\""), "{root}");
    assert!(root.contains("aria-label=\""), "{root}");
    assert!(
        chart
            .svg
            .contains(&format!("<title>{}</title>", chart.title)),
        "{file}"
    );
    assert!(chart.svg.contains("<desc>"), "{file}");
    assert!(!chart.alt.is_empty());
    let tree = usvg::Tree::from_str(&chart.svg, &usvg::Options::default()).expect("valid SVG");
    assert!((tree.size().width() - 720.0).abs() < 0.5, "{file}");
    if let Some(dir) = std::env::var_os("SPENDLENS_MMM_SVG_DIR") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("svg dir");
        std::fs::write(dir.join(format!("{file}.svg")), &chart.svg).expect("write svg");
    }
}

fn hex(rgb: (u8, u8, u8)) -> String {
    format!("#{:02X}{:02X}{:02X}", rgb.0, rgb.1, rgb.2)
}

#[test]
fn the_waterfall_lists_every_source_with_its_interval_and_the_total() {
    let baseline = c("Baseline", 9_800_000.0, 9_700_000.0, 9_900_000.0);
    let chart = contribution_chart(
        "Contribution by channel",
        &baseline,
        &channels(),
        None,
        "USD",
    )
    .expect("chart");
    check(&chart, "contribution");
    assert_eq!(
        chart.alt,
        "Contribution by channel: the KPI the model attributes to each source. Baseline \
         $9,800,000.00 (90 % interval $9,700,000.00 to $9,900,000.00); then meta $502,447.20 (90 % \
         interval $470,000.00 to $531,000.00); google_ads $310,120.50 (90 % interval $250,000.00 \
         to $362,000.00); tv $720,000.00 (90 % interval $540,000.00 to $905,000.00); ooh \
         $91,000.00 (90 % interval $12,000.00 to $170,000.00); total $11,423,567.70."
    );
    let svg = chart.svg.to_uppercase();
    for rgb in &SERIES_PALETTE[..4] {
        assert!(svg.contains(&hex(*rgb)), "{}", hex(*rgb));
    }
    for name in ["Baseline", "meta", "google_ads", "tv", "ooh", "Total"] {
        assert!(
            chart.svg.contains(&format!("\n{name}\n")),
            "{name} on the axis"
        );
    }
    // The money axis, in millions here.
    assert!(chart.svg.contains("\n$"), "currency-prefixed axis labels");
    // One whisker (a line and two caps) per source but the total.
    assert_eq!(
        chart.svg.matches("<line stroke-width=\"1.5\"").count(),
        3 * 5
    );
}

/// Given the KPI as booked, the waterfall ends on it: what the model leaves unexplained floats
/// between the last channel and the KPI, up or down.
#[test]
fn given_the_kpi_the_waterfall_bridges_to_it() {
    let baseline = c("Baseline", 9_800_000.0, 9_700_000.0, 9_900_000.0);
    let chart = contribution_chart(
        "Contribution",
        &baseline,
        &channels(),
        Some(11_500_000.0),
        "USD",
    )
    .expect("chart");
    check(&chart, "contribution_bridge");
    assert!(
        chart.alt.ends_with(
            "modelled total $11,423,567.70; not explained by the model $76,432.30; the KPI \
             $11,500,000.00."
        ),
        "{}",
        chart.alt
    );
    for name in ["Not explained", "KPI"] {
        assert!(
            chart.svg.contains(&format!("\n{name}\n")),
            "{name} on the axis"
        );
    }
    assert!(!chart.svg.contains("\nTotal\n"));
    // Its hover texts and data carry the exact figures.
    let csv = chart.csv();
    assert!(csv.contains("Not explained,76432.30"), "{csv}");
    assert!(csv.contains("KPI,11500000.00"), "{csv}");
    // No whisker on the bridge: the baseline and four channels have one each.
    assert_eq!(
        chart.svg.matches("<line stroke-width=\"1.5\"").count(),
        3 * 5
    );

    // A model above the KPI bridges down to it.
    let chart = contribution_chart(
        "Contribution",
        &baseline,
        &channels(),
        Some(11_000_000.0),
        "USD",
    )
    .expect("chart");
    assert!(
        chart
            .alt
            .contains("not explained by the model -$423,567.70; the KPI $11,000,000.00."),
        "{}",
        chart.alt
    );
    let error = contribution_chart("E", &baseline, &[], Some(f64::NAN), "USD")
        .expect_err("NaN")
        .to_string();
    assert!(error.contains("the actual KPI"), "{error}");
}

#[test]
fn a_negative_baseline_hangs_below_zero_and_is_said() {
    let baseline = c("Baseline", -150_000.0, -210_000.0, -90_000.0);
    let chart =
        contribution_chart("Contribution", &baseline, &channels(), None, "EUR").expect("chart");
    check(&chart, "contribution_negative");
    assert!(
        chart.alt.contains(
            "The baseline is negative (-€150,000.00): without the channels the model expects"
        ),
        "{}",
        chart.alt
    );
    assert!(chart.alt.contains("total €1,473,567.70."), "{}", chart.alt);
    // Negative axis labels, shortened like the positive ones, the sign before the currency.
    assert!(chart.svg.contains("\n-€500k\n"), "{}", chart.svg);
    assert!(!chart.svg.contains("€-"), "{}", chart.svg);
    // A positive baseline does not say so.
    let plain = contribution_chart("C", &c("Baseline", 1.0, 0.5, 1.5), &channels(), None, "EUR")
        .expect("chart");
    assert!(!plain.alt.contains("negative"));
}

#[test]
fn a_waterfall_of_one_channel_and_of_nine() {
    let baseline = c("Baseline", 500_000.0, 450_000.0, 550_000.0);
    let one = contribution_chart("One", &baseline, &channels()[..1], None, "GBP").expect("chart");
    check(&one, "contribution_one");
    assert!(one.alt.contains("meta GBP 502,447.20"), "{}", one.alt);
    assert!(one.alt.ends_with("total GBP 1,002,447.20."), "{}", one.alt);

    let nine = contribution_chart("Nine", &baseline, &many(9), None, "USD").expect("chart");
    check(&nine, "contribution_nine");
    // The ninth channel takes the first colour again.
    assert!(nine.alt.contains("channel_8 $160,000.00"), "{}", nine.alt);
    assert!(nine.svg.matches("#0072B2").count() >= 2, "palette reuse");
}

#[test]
fn no_channel_draws_an_empty_waterfall() {
    let baseline = c("Baseline", 1_000.0, 900.0, 1_100.0);
    let chart = contribution_chart("Empty", &baseline, &[], None, "USD").expect("chart");
    check(&chart, "contribution_empty");
    assert_eq!(chart.svg.matches("No data for this period").count(), 1);
    assert_eq!(chart.alt, "Empty: no channel to draw.");
}

#[test]
fn a_value_that_is_not_a_number_is_an_error_naming_it() {
    let baseline = c("Baseline", 1_000.0, 900.0, 1_100.0);
    let error = contribution_chart("E", &baseline, &[c("tv", f64::NAN, 0.0, 1.0)], None, "USD")
        .expect_err("NaN");
    assert!(error.to_string().contains("the mean of \"tv\""), "{error}");
    let error = roi_interval_chart("E", "ROI", &[c("tv", 1.0, 0.5, f64::INFINITY)], None)
        .expect_err("infinite");
    assert!(
        error.to_string().contains("the high end of \"tv\""),
        "{error}"
    );
    let error = contribution_chart("E", &c("Baseline", 1e16, 0.0, 1.0), &[], None, "USD")
        .expect_err("beyond the limit");
    assert!(
        error.to_string().contains("the mean of \"Baseline\""),
        "{error}"
    );
}

#[test]
fn roi_bars_have_ratio_intervals_and_a_break_even_line() {
    let chart = roi_interval_chart("ROI by channel", "ROI", &rois(), Some(1.0)).expect("chart");
    check(&chart, "roi");
    assert_eq!(
        chart.alt,
        "ROI by channel: ROI per channel (KPI caused per unit of spend) with 90 % intervals. \
         meta 1.77× (90 % interval 1.66× to 1.87×); google_ads 2.41× (90 % interval 1.95× to \
         2.90×); tv 0.84× (90 % interval 0.62× to 1.07×); ooh 0.42× (90 % interval 0.10× to \
         0.71×). Break-even is 1.00×. Whole interval above it: meta, google_ads. Whole interval \
         below it: ooh. Interval includes it: tv."
    );
    assert!(
        chart.svg.contains("break-even (1.00×)"),
        "legend names the line"
    );
    assert!(
        chart.svg.contains("\n2×\n") || chart.svg.contains("\n2.0×\n"),
        "ratio axis"
    );
    // The reference line is a plain band: no arrowhead, dot or value of a mark line.
    assert!(!chart.svg.contains("<path"), "no arrowhead");
    assert_eq!(
        chart.svg.matches("<circle").count(),
        1,
        "only the legend's dot"
    );
    assert!(!chart.svg.contains("\n1\n"), "no value on the line");

    let without = roi_interval_chart("ROI", "ROI", &rois(), None).expect("chart");
    check(&without, "roi_without_reference");
    assert!(!without.svg.contains("break-even"));
    assert!(!without.alt.contains("Break-even"));
    assert!(!without.svg.contains("<circle"));
}

#[test]
fn roi_of_one_channel_of_nine_and_of_none() {
    let one = roi_interval_chart("One", "ROI", &rois()[..1], Some(1.0)).expect("chart");
    check(&one, "roi_one");
    assert!(
        one.alt
            .contains("meta 1.77× (90 % interval 1.66× to 1.87×)")
    );
    let nine: Vec<Contribution> = many(9)
        .into_iter()
        .map(|c| Contribution {
            mean: c.mean / 100_000.0,
            low: c.low / 100_000.0,
            high: c.high / 100_000.0,
            ..c
        })
        .collect();
    let nine = roi_interval_chart("Nine", "ROI", &nine, Some(1.0)).expect("chart");
    check(&nine, "roi_nine");
    assert!(nine.alt.contains("channel_8 1.60×"), "{}", nine.alt);
    let none = roi_interval_chart("None", "ROI", &[], Some(1.0)).expect("chart");
    check(&none, "roi_empty");
    assert_eq!(none.svg.matches("No data for this period").count(), 1);
    assert_eq!(none.alt, "None: no channel to draw.");
}

#[test]
fn named_curves_mark_the_current_spend_of_any_channel() {
    let curves = vec![
        curve("meta", 9_000.0, 2_500.0, Some(1_800.0)),
        curve("tv", 14_000.0, 6_000.0, Some(4_200.0)),
        curve("podcast", 3_000.0, 1_000.0, None),
    ];
    let chart = named_curves_chart("Response curves", &curves, "USD").expect("chart");
    check(&chart, "curves");
    assert_eq!(
        chart.alt,
        "Response curves: expected KPI per day against spend per day, per channel. meta: current \
         spend $1,800.00 per day for an expected $3,767.44 per day; tv: current spend $4,200.00 \
         per day for an expected $5,764.71 per day; podcast: no recent spend."
    );
    for name in ["meta", "tv", "podcast"] {
        assert!(
            chart.svg.contains(&format!("\n{name}\n")),
            "legend names {name}"
        );
    }
    // Two current points (podcast has none) and the three legend entries.
    // (Besides the transparent hover targets, one per point.)
    let targets = chart.svg.matches("<circle").count()
        - chart
            .svg
            .matches("fill-opacity=\"0\" fill=\"#000000\" class=\"ct-trigger\"")
            .count();
    assert_eq!(targets, 2 + 3);
    assert!(chart.svg.contains("\n$"), "money axes");
}

#[test]
fn curves_of_one_channel_of_nine_and_of_none() {
    let one = named_curves_chart("One", &[curve("radio", 500.0, 300.0, Some(100.0))], "EUR")
        .expect("chart");
    check(&one, "curves_one");
    assert!(
        one.alt
            .contains("radio: current spend €100.00 per day for an expected €125.00")
    );
    let nine: Vec<NamedCurve> = (0..9)
        .map(|i| {
            curve(
                &format!("channel_{i}"),
                2_000.0 + 500.0 * f64::from(i),
                1_500.0,
                Some(800.0),
            )
        })
        .collect();
    let nine = named_curves_chart("Nine", &nine, "USD").expect("chart");
    check(&nine, "curves_nine");
    assert!(
        nine.alt.contains("channel_8: current spend $800.00"),
        "{}",
        nine.alt
    );
    let none = named_curves_chart("None", &[], "USD").expect("chart");
    check(&none, "curves_empty");
    assert_eq!(none.svg.matches("No data for this period").count(), 1);
    assert_eq!(none.alt, "None: no channel to draw.");
}

#[test]
fn a_short_decomposition_is_drawn_per_day() {
    let (dates, actual, baseline, channels) = decomposition(28, &["meta", "tv", "ooh"]);
    let chart = decomposition_chart(
        "KPI decomposition",
        &dates,
        &actual,
        &baseline,
        &channels,
        "USD",
    )
    .expect("chart");
    check(&chart, "decomposition_short");
    assert!(
        chart.alt.starts_with(
            "KPI decomposition from 1 Jan 2025 to 28 Jan 2025 (28 dates), totals: actual KPI $"
        ),
        "{}",
        chart.alt
    );
    let baseline_total: f64 = baseline.iter().sum();
    assert!(baseline_total > 0.0);
    assert!(
        chart.alt.contains("; baseline $273,000.00; meta $"),
        "{}",
        chart.alt
    );
    assert!(!chart.alt.contains("weekly"));
    assert!(chart.svg.contains("\n05 Jan\n") || chart.svg.contains("\n04 Jan\n"));
}

#[test]
fn a_long_decomposition_is_drawn_per_week_and_says_so() {
    let (dates, actual, baseline, channels) = decomposition(365, &["meta", "tv", "ooh", "radio"]);
    let chart = decomposition_chart("KPI by week", &dates, &actual, &baseline, &channels, "GBP")
        .expect("chart");
    check(&chart, "decomposition_weekly");
    // 2025-01-01 is a Wednesday: 53 weeks from Monday 2024-12-30 to Monday 2025-12-29.
    assert!(
        chart.alt.starts_with(
            "KPI by week from 1 Jan 2025 to 31 Dec 2025 (365 dates, drawn as 53 weekly averages per \
             day, weeks starting on Monday), totals: actual KPI GBP "
        ),
        "{}",
        chart.alt
    );
    // The totals are the period's, not the weekly averages'.
    let total: f64 = baseline.iter().sum();
    let expected = format!("baseline GBP {}", group(total));
    assert!(chart.alt.contains(&expected), "{expected} in {}", chart.alt);
}

fn group(value: f64) -> String {
    let cents = format!("{value:.2}");
    let (int, frac) = cents.split_once('.').expect("point");
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i != 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{out}.{frac}")
}

#[test]
fn a_decomposition_with_a_negative_baseline_one_channel_or_nine() {
    let (dates, actual, baseline, channels) = decomposition(60, &["meta"]);
    let negative: Vec<f64> = baseline.iter().map(|b| b - 12_000.0).collect();
    let actual: Vec<f64> = actual.iter().map(|a| a - 12_000.0).collect();
    let chart = decomposition_chart("Negative", &dates, &actual, &negative, &channels, "USD")
        .expect("chart");
    check(&chart, "decomposition_negative");
    assert!(chart.alt.contains("baseline -$"), "{}", chart.alt);
    assert!(
        chart
            .alt
            .ends_with("The baseline is negative over the period: its area lies below zero."),
        "{}",
        chart.alt
    );
    let names: Vec<String> = (0..9).map(|i| format!("channel_{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (dates, actual, baseline, channels) = decomposition(90, &refs);
    let nine =
        decomposition_chart("Nine", &dates, &actual, &baseline, &channels, "USD").expect("chart");
    check(&nine, "decomposition_nine");
    assert!(nine.alt.contains("; channel_8 $"), "{}", nine.alt);
}

#[test]
fn an_empty_or_ragged_decomposition() {
    let none = decomposition_chart("None", &[], &[], &[], &[], "USD").expect("chart");
    check(&none, "decomposition_empty");
    assert_eq!(none.svg.matches("No data for this period").count(), 1);
    assert_eq!(none.alt, "None: no data for this period.");

    let (dates, actual, baseline, mut channels) = decomposition(10, &["meta"]);
    channels[0].1.pop();
    let error =
        decomposition_chart("R", &dates, &actual, &baseline, &channels, "USD").expect_err("ragged");
    assert!(
        error
            .to_string()
            .contains("\"meta\" has 9 values for 10 dates"),
        "{error}"
    );

    let (mut dates, actual, baseline, channels) = decomposition(10, &["meta"]);
    dates[3] = dates[4];
    let error =
        decomposition_chart("R", &dates, &actual, &baseline, &channels, "USD").expect_err("twice");
    assert!(
        error.to_string().contains("2025-01-05 appears twice"),
        "{error}"
    );

    let (dates, actual, mut baseline, channels) = decomposition(10, &["meta"]);
    baseline[2] = f64::NAN;
    let error =
        decomposition_chart("R", &dates, &actual, &baseline, &channels, "USD").expect_err("NaN");
    assert!(
        error.to_string().contains("\"the baseline\" on 2025-01-03"),
        "{error}"
    );
}

#[test]
fn dates_in_any_order_draw_the_same_chart() {
    let (dates, actual, baseline, channels) = decomposition(20, &["meta", "tv"]);
    let sorted =
        decomposition_chart("D", &dates, &actual, &baseline, &channels, "USD").expect("chart");
    let rev = |v: &[f64]| v.iter().rev().copied().collect::<Vec<f64>>();
    let reversed_dates: Vec<NaiveDate> = dates.iter().rev().copied().collect();
    let reversed_channels: Vec<(String, Vec<f64>)> =
        channels.iter().map(|(n, v)| (n.clone(), rev(v))).collect();
    let reversed = decomposition_chart(
        "D",
        &reversed_dates,
        &rev(&actual),
        &rev(&baseline),
        &reversed_channels,
        "USD",
    )
    .expect("chart");
    assert_eq!(sorted, reversed);
}

#[test]
fn the_four_charts_go_into_a_pdf() {
    let (dates, actual, baseline, decomposed) = decomposition(200, &["meta", "tv"]);
    let charts = vec![
        contribution_chart(
            "Contribution",
            &c("Baseline", -150_000.0, -210_000.0, -90_000.0),
            &channels(),
            None,
            "EUR",
        )
        .expect("waterfall"),
        roi_interval_chart("ROI", "ROI", &rois(), Some(1.0)).expect("roi"),
        named_curves_chart(
            "Curves",
            &[curve("tv", 9_000.0, 2_500.0, Some(1_800.0))],
            "EUR",
        )
        .expect("curves"),
        decomposition_chart(
            "Decomposition",
            &dates,
            &actual,
            &baseline,
            &decomposed,
            "EUR",
        )
        .expect("decomposition"),
    ];
    let mut report = super::support::report(10, 30);
    report.sections.push(spendlens_report::Section {
        title: "Marketing-mix model".to_owned(),
        table: spendlens_report::Table::default(),
        charts,
    });
    let pdf = spendlens_report::render_pdf(&report).expect("pdf");
    assert!(pdf.starts_with(b"%PDF"));
}

mod no_input_panics {
    use super::*;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(0.0),
            Just(-0.0),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(1e15),
            Just(-1e15),
            Just(f64::MIN_POSITIVE),
            -1e7..1e7f64,
        ]
    }

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[a-z_ <>&\"{}]{0,12}",
            Just("x".repeat(300))
        ]
    }

    fn contribution() -> impl Strategy<Value = Contribution> {
        (name(), value(), value(), value()).prop_map(|(name, mean, low, high)| Contribution {
            name,
            mean,
            low,
            high,
        })
    }

    /// A drawn chart parses as SVG and has its title; a refused one says why.
    fn drawn(result: Result<Chart, spendlens_report::ReportError>) {
        match result {
            Ok(chart) => {
                usvg::Tree::from_str(&chart.svg, &usvg::Options::default()).expect("valid SVG");
                assert!(chart.svg.contains("<title>"));
            }
            Err(error) => assert!(!error.to_string().is_empty()),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn bar_charts(
            baseline in contribution(),
            channels in prop::collection::vec(contribution(), 0..11),
            reference in prop::option::of(value()),
            currency in "[A-Za-z{}]{0,4}",
        ) {
            drawn(contribution_chart("C", &baseline, &channels, None, &currency));
            drawn(roi_interval_chart("R", "ROI", &channels, reference));
        }

        #[test]
        fn curves(
            curves in prop::collection::vec(
                (name(), prop::collection::vec((value(), value()), 0..30),
                 prop::option::of((value(), value())))
                    .prop_map(|(name, points, current)| NamedCurve { name, points, current }),
                0..10,
            ),
        ) {
            drawn(named_curves_chart("N", &curves, "USD"));
        }

        #[test]
        fn decompositions(
            days in 0usize..200,
            start in 0u32..3000,
            channels in 0usize..10,
            poison in prop::option::of((0usize..200, value())),
            ragged in any::<bool>(),
        ) {
            let first = date(2020, 1, 1) + chrono::Days::new(u64::from(start));
            let dates: Vec<NaiveDate> = first.iter_days().take(days).collect();
            let mut actual = vec![100.0; days];
            if let Some((i, v)) = poison
                && let Some(slot) = actual.get_mut(i)
            {
                *slot = v;
            }
            let baseline = vec![-50.0; days + usize::from(ragged)];
            let channels: Vec<(String, Vec<f64>)> =
                (0..channels).map(|k| (format!("c{k}"), vec![10.0; days])).collect();
            drawn(decomposition_chart("D", &dates, &actual, &baseline, &channels, "EUR"));
        }
    }
}
