//! The diagnostic sentences appear when their condition holds, and not on clean data.

use rust_decimal::Decimal;
use spendlens_mmm::{Options, fit};

use crate::sim::{Spec, Varied, normal, simulate};

fn warnings_of(sim: &crate::sim::Sim) -> Vec<String> {
    fit(
        &sim.data,
        &[],
        &Options {
            draws: 100,
            seed: 0,
        },
    )
    .expect("fit")
    .warnings
}

#[test]
fn clean_flighted_data_get_no_warning() {
    let w = warnings_of(&simulate(&Spec::daily(31)));
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn two_channels_spent_together_are_called_collinear() {
    let mut sim = simulate(&Spec::daily(32));
    let meta = sim.data.channels[1].spend.clone();
    sim.data.channels[2].spend = meta.iter().map(|d| *d * Decimal::new(15, 1)).collect();
    let w = warnings_of(&sim);
    assert!(
        w.iter()
            .any(|s| s.starts_with("meta and google spend move together")),
        "{w:?}"
    );
}

#[test]
fn a_channel_that_barely_varies_is_named() {
    let mut sim = simulate(&Spec::daily(33));
    let mut rng = spendlens_rng::SplitMix64::new(5);
    sim.data.channels[3].spend = (0..sim.data.dates.len())
        .map(|_| {
            Decimal::from_f64_retain(1000.0 * (1.0 + 0.03 * normal(&mut rng)))
                .unwrap_or_default()
                .round_dp(2)
        })
        .collect();
    let w = warnings_of(&sim);
    assert!(
        w.iter()
            .any(|s| s.starts_with("radio's spend varies too little")),
        "{w:?}"
    );
}

#[test]
fn autocorrelated_residuals_are_reported_and_widen_the_intervals() {
    let sim = simulate(&Spec::daily(34));
    let plain = fit(
        &sim.data,
        &[],
        &Options {
            draws: 300,
            seed: 0,
        },
    )
    .expect("fit");
    let mut drift = sim;
    let mut rng = spendlens_rng::SplitMix64::new(9);
    let level = drift.data.values.iter().sum::<f64>() / 730.0;
    let mut ar = 0.0;
    for v in &mut drift.data.values {
        ar = 0.9 * ar + 0.04 * level * normal(&mut rng);
        *v += ar;
    }
    let model = fit(
        &drift.data,
        &[],
        &Options {
            draws: 300,
            seed: 0,
        },
    )
    .expect("fit");
    assert!(
        model.fit.durbin_watson < 1.5,
        "DW {}",
        model.fit.durbin_watson
    );
    assert!(
        model
            .warnings
            .iter()
            .any(|s| s.starts_with("The residuals are autocorrelated")),
        "{:?}",
        model.warnings
    );
    let width = |m: &spendlens_mmm::Model| {
        m.channels
            .iter()
            .map(|c| (c.roi.high - c.roi.low) / c.roi.mean)
            .sum::<f64>()
    };
    assert!(
        width(&model) > 1.5 * width(&plain),
        "{} vs {}",
        width(&model),
        width(&plain)
    );
}

#[test]
fn a_poor_fit_is_reported() {
    let sim = simulate(&Spec {
        noise: 0.6,
        ..Spec::daily(35)
    });
    let model = fit(
        &sim.data,
        &[],
        &Options {
            draws: 100,
            seed: 0,
        },
    )
    .expect("fit");
    assert!(model.fit.r2 < 0.5, "R² {}", model.fit.r2);
    assert!(
        model
            .warnings
            .iter()
            .any(|s| s.starts_with("The model explains only")),
        "{:?}",
        model.warnings
    );
}

#[test]
fn a_break_in_the_last_tenth_is_reported_as_a_poor_forecast() {
    let mut sim = simulate(&Spec::daily(36));
    let n = sim.data.values.len();
    for v in &mut sim.data.values[n - 73..] {
        *v *= 1.3;
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
    let holdout = model.fit.holdout_mape.expect("holdout");
    assert!(holdout > 0.15, "holdout MAPE {holdout}");
    assert!(
        model
            .warnings
            .iter()
            .any(|s| s.contains("may not forecast well")),
        "{:?}",
        model.warnings
    );
}

/// The days a warning says a pause of `channel` should last, if it says so.
fn suggested_pause(warnings: &[String], channel: &str) -> Option<usize> {
    let w = warnings
        .iter()
        .find(|w| w.starts_with(&format!("{channel}'s ROI is poorly determined")))?;
    // It ends with what would settle it, in words any surface can show (no command-line flag).
    assert!(
        w.ends_with(&format!("A lift test on {channel} would narrow it.")),
        "{w}"
    );
    // The interval is written as the table writes ratios.
    let interval = w.split("(90 % interval ").nth(1)?.split(')').next()?;
    assert!(
        interval.ends_with('x') && interval.contains("x to "),
        "{interval}"
    );
    let rest = w.split(&format!("Pausing {channel} for about ")).nth(1)?;
    let (weeks, rest) = rest.split_once(' ')?;
    rest.starts_with("weeks would measure it to about ±20 %")
        .then(|| weeks.parse::<usize>().ok().map(|w| 7 * w))
        .flatten()
}

/// An always-on channel's poorly determined ROI comes with how long a pause would pin it down,
/// and a pause of that length does: the same data re-simulated with the channel paused that
/// long give an ROI interval of about ±20 %, and a smaller error. Measured: 27 channels, pauses
/// of 4 weeks (median), ROI error 29.5 % → 6.9 % (median), interval ±19.4 %.
#[test]
fn a_pause_of_the_suggested_length_pins_an_always_on_roi_down() {
    let mut before = Vec::new();
    let mut after = Vec::new();
    let mut widths = Vec::new();
    let mut lengths = Vec::new();
    for seed in 300..312 {
        let spec = Spec {
            varied: Some(Varied::Seasonal),
            ..Spec::daily(1000 + seed)
        };
        let sim = simulate(&spec);
        let options = Options { draws: 300, seed };
        let model = fit(&sim.data, &[], &options).expect("fits");
        for (c, ch) in model.channels.iter().enumerate() {
            let Some(days) = suggested_pause(&model.warnings, &ch.channel) else {
                continue;
            };
            assert!((1..=91).contains(&days), "{days} days");
            #[allow(clippy::cast_precision_loss)]
            lengths.push(days as f64);
            let paused = simulate(&Spec {
                pause: Some((spec.channels[c], 400, days)),
                ..spec.clone()
            });
            let again = fit(&paused.data, &[], &options).expect("fits");
            let roi = &again.channels[c].roi;
            let truth = paused.truth[c].roi;
            before.push((ch.roi.mean - sim.truth[c].roi).abs() / sim.truth[c].roi);
            after.push((roi.mean - truth).abs() / truth);
            widths.push((roi.high - roi.low) / 2.0 / roi.mean);
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (b, a, w) = (median(before.clone()), median(after), median(widths));
    eprintln!(
        "{} channels paused as suggested (median {} days): median ROI error {:.1} % → {:.1} %, \
         interval ± {:.1} %",
        before.len(),
        median(lengths),
        b * 100.0,
        a * 100.0,
        w * 100.0
    );
    assert!(before.len() >= 6, "{} suggestions", before.len());
    assert!(w <= 0.25, "interval half-width {w}");
    assert!(a <= 0.12 && a < b, "error {b} → {a}");
}

/// A KPI that is nothing but the channels' own effects (as when the platforms' claimed revenue is
/// the KPI) has no baseline: always-on channels may be credited with all of it, never with more,
/// in the fit and in every draw (without the bound, the channels' means reached 124 % of the KPI
/// and the baseline −22 % over these seeds; with it they stay at 76–94 %, the truth being 100 %,
/// and the fits at the bound say so).
#[test]
fn channels_are_never_credited_with_more_than_the_whole_kpi() {
    let mut bound = 0;
    for seed in 0..8 {
        let mut sim = simulate(&Spec {
            periods: 120,
            varied: Some(Varied::Seasonal),
            controls: 0,
            ..Spec::daily(2000 + seed)
        });
        let mut rng = spendlens_rng::SplitMix64::new(seed);
        let n = sim.data.values.len();
        let effects: Vec<f64> = (0..n)
            .map(|t| sim.truth.iter().map(|c| c.series[t]).sum())
            .collect();
        #[allow(clippy::cast_precision_loss)]
        let mean = effects.iter().sum::<f64>() / n as f64;
        sim.data.values = effects
            .iter()
            .map(|e| e + 0.05 * mean * normal(&mut rng))
            .collect();
        let model = fit(&sim.data, &[], &Options { draws: 200, seed }).expect("fits");
        let total: f64 = sim.data.values.iter().sum();
        let caused: f64 = model.channels.iter().map(|c| c.contribution.mean).sum();
        eprintln!(
            "seed {seed}: channels {:.3} of the KPI, baseline {:.3}",
            caused / total,
            model.baseline.mean / total
        );
        let fitted: f64 = model.channels.iter().map(|c| c.best_fit_contribution).sum();
        assert!(
            fitted <= total * (1.0 + 1e-6),
            "seed {seed}: the fit's channels {fitted} of {total}"
        );
        let over_time: f64 = model.decomposition.channels.iter().flatten().sum();
        assert!(
            over_time <= total * (1.0 + 1e-9),
            "seed {seed}: the decomposition's channels {over_time} of {total}"
        );
        if fitted >= total * (1.0 - 1e-6) {
            bound += 1;
            assert!(
                model
                    .warnings
                    .iter()
                    .any(|w| w.contains("credits the channels with all of the KPI")),
                "seed {seed}: {:?}",
                model.warnings
            );
        }
        assert!(
            model.baseline.mean >= 0.0,
            "seed {seed}: baseline {} of {total}",
            model.baseline.mean
        );
        assert!(
            caused <= total * (1.0 + 1e-9),
            "seed {seed}: {caused} of {total}"
        );
    }
    assert!(bound >= 4, "{bound} fits at the bound")
}
