//! The answer's shape and determinism: same input and seed, byte-identical JSON; the API's
//! response curves and decomposition agree with the summary figures.

use spendlens_mmm::{Options, codec, fit};

use crate::sim::{Spec, simulate};

#[test]
fn same_input_and_seed_give_byte_identical_json_and_another_seed_differs() {
    let sim = simulate(&Spec::daily(21));
    let a = codec::to_json(
        &fit(
            &sim.data,
            &[],
            &Options {
                draws: 200,
                seed: 5,
            },
        )
        .expect("fit"),
    );
    let b = codec::to_json(
        &fit(
            &sim.data,
            &[],
            &Options {
                draws: 200,
                seed: 5,
            },
        )
        .expect("fit"),
    );
    assert_eq!(a, b);
    let c = codec::to_json(
        &fit(
            &sim.data,
            &[],
            &Options {
                draws: 200,
                seed: 6,
            },
        )
        .expect("fit"),
    );
    assert_ne!(a, c);
}

#[test]
fn the_json_follows_the_contract() {
    let sim = simulate(&Spec::daily(22));
    let model = fit(
        &sim.data,
        &[],
        &Options {
            draws: 100,
            seed: 0,
        },
    )
    .expect("fit");
    let v: serde_json::Value = serde_json::from_str(&codec::to_json(&model)).expect("json");
    assert_eq!(v["kpi"], "revenue");
    assert_eq!(v["granularity"], "daily");
    assert_eq!(v["from"], "2023-01-02");
    assert_eq!(v["to"], "2024-12-31");
    assert_eq!(v["periods"], 730);
    let ch = &v["channels"][0];
    assert_eq!(ch["channel"], "tv");
    let spend = ch["spend"].as_str().expect("spend is a string");
    assert_eq!(spend.split('.').nth(1).map(str::len), Some(2), "{spend}");
    for key in ["contribution", "roi", "marginal_roi"] {
        let (m, l, h) = (
            ch[key]["mean"].as_f64().expect("mean"),
            ch[key]["low"].as_f64().expect("low"),
            ch[key]["high"].as_f64().expect("high"),
        );
        assert!(l <= m && m <= h, "{key}: {l} {m} {h}");
    }
    assert!(
        ch["adstock"]["decay"].as_f64().is_some()
            && ch["adstock"]["half_life_periods"].as_f64().is_some()
    );
    assert!(
        ch["saturation"]["half_saturation"].as_f64().is_some()
            && ch["saturation"]["shape"].as_f64().is_some()
    );
    assert!(v["baseline"]["contribution"]["mean"].as_f64().is_some());
    for key in ["r2", "mape", "holdout_mape"] {
        assert!(v["fit"][key].as_f64().is_some(), "fit.{key}");
    }
    assert!(v["calibration"].as_array().is_some_and(Vec::is_empty));
    assert!(v["warnings"].is_array());
}

#[test]
fn the_decomposition_adds_up_and_the_curves_reproduce_the_marginal_roi() {
    let sim = simulate(&Spec::daily(23));
    let model = fit(
        &sim.data,
        &[],
        &Options {
            draws: 100,
            seed: 0,
        },
    )
    .expect("fit");
    let d = &model.decomposition;
    // The split over time sums to the figures beside it: each channel's and the baseline's mean.
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
    let baseline: f64 = d.baseline.iter().sum();
    assert!(
        close(baseline, model.baseline.mean),
        "{baseline} vs {:?}",
        model.baseline
    );
    for (series, ch) in d.channels.iter().zip(&model.channels) {
        let total: f64 = series.iter().sum();
        assert!(
            close(total, ch.contribution.mean),
            "{}: {total} vs {:?}",
            ch.channel,
            ch.contribution
        );
        assert!(series.iter().all(|v| *v >= 0.0), "{}", ch.channel);
    }
    // And their sum, the draws' mean fit, stays near the best fit.
    let mean_fit: f64 = baseline + d.channels.iter().flatten().sum::<f64>();
    let best_fit: f64 = d.fitted.iter().sum();
    assert!(
        (mean_fit - best_fit).abs() <= 0.02 * best_fit.abs(),
        "{mean_fit} vs {best_fit}"
    );
    for ch in &model.channels {
        assert_eq!(ch.curve_draws.len(), 100);
        if ch.reference_spend <= 0.0 {
            continue;
        }
        let mean: f64 = ch
            .curve_draws
            .iter()
            .map(|k| k.marginal(ch.reference_spend))
            .sum::<f64>()
            / 100.0;
        assert!((mean - ch.marginal_roi.mean).abs() <= 1e-9 * mean.abs().max(1.0));
        assert!(ch.curve.contribution(0.0) == 0.0 && ch.curve.contribution(1e12) <= ch.curve.beta);
    }
}

#[test]
fn a_channel_off_in_the_last_four_weeks_gets_a_finite_marginal_roi_and_a_sentence() {
    let mut sim = simulate(&Spec::daily(24));
    let n = sim.data.dates.len();
    for d in &mut sim.data.channels[2].spend[n - 40..] {
        *d = rust_decimal::Decimal::ZERO;
    }
    let model = fit(
        &sim.data,
        &[],
        &Options {
            draws: 100,
            seed: 0,
        },
    )
    .expect("fit");
    let ch = &model.channels[2];
    assert!(ch.reference_spend.abs() < f64::EPSILON);
    for v in [
        ch.marginal_roi.mean,
        ch.marginal_roi.low,
        ch.marginal_roi.high,
    ] {
        assert!(v.is_finite() && v >= 0.0, "{:?}", ch.marginal_roi);
    }
    assert!(
        model.warnings.iter().any(|w| w.starts_with(&format!(
            "{} had no spend in the last 28 periods",
            ch.channel
        ))),
        "{:?}",
        model.warnings
    );
}

#[test]
fn holidays_given_are_absorbed_by_the_baseline_not_the_channels() {
    let mut sim = simulate(&Spec::daily(25));
    let level = sim.data.values.iter().sum::<f64>() / 730.0;
    let holidays: Vec<chrono::NaiveDate> = sim
        .data
        .dates
        .iter()
        .copied()
        .filter(|d| {
            d.format("%m-%d").to_string() == "12-24" || d.format("%m-%d").to_string() == "07-04"
        })
        .collect();
    for (d, v) in sim.data.dates.iter().zip(&mut sim.data.values) {
        if holidays.contains(d) {
            *v += 0.5 * level;
        }
    }
    let without = fit(
        &sim.data,
        &[],
        &Options {
            draws: 100,
            seed: 0,
        },
    )
    .expect("fit");
    sim.data.holidays = holidays;
    let with = fit(
        &sim.data,
        &[],
        &Options {
            draws: 100,
            seed: 0,
        },
    )
    .expect("fit");
    assert!(
        with.fit.r2 > without.fit.r2 + 0.005,
        "{} vs {}",
        with.fit.r2,
        without.fit.r2
    );
    let error = |m: &spendlens_mmm::Model| -> f64 {
        m.channels
            .iter()
            .zip(&sim.truth)
            .map(|(c, t)| ((c.roi.mean - t.roi) / t.roi).abs())
            .sum()
    };
    assert!(error(&with) <= error(&without) + 1e-9);
}

/// The channels' total: its mean is the sum of their means (means add up), its interval is the
/// total's over the draws, narrower than the channels' intervals added end to end (their errors
/// offset one another).
#[test]
fn the_media_total_is_the_draws_sum_of_every_channel() {
    let sim = simulate(&Spec::daily(23));
    let model = fit(
        &sim.data,
        &[],
        &Options {
            draws: 400,
            seed: 3,
        },
    )
    .expect("fit");
    let means: f64 = model.channels.iter().map(|c| c.contribution.mean).sum();
    assert!(
        (model.media.mean - means).abs() <= 1e-6 * means.abs().max(1.0),
        "{} vs {means}",
        model.media.mean
    );
    let stacked: f64 = model
        .channels
        .iter()
        .map(|c| c.contribution.high - c.contribution.low)
        .sum();
    let width = model.media.high - model.media.low;
    assert!(width > 0.0 && width < stacked, "{width} vs {stacked}");
    assert!(model.media.low <= model.media.mean && model.media.mean <= model.media.high);
}
