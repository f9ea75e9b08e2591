//! The fit recovers the simulator's truth: ROI, marginal ROI and interval coverage over many seeds.

use spendlens_mmm::{Options, fit};

use crate::sim::{Spec, Varied, simulate};

pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

#[test]
fn roi_marginal_roi_and_coverage_meet_the_acceptance_targets_over_24_seeds() {
    let s = summary(0..24, 1.0);
    assert!(s.median <= 0.08, "median ROI error {}", s.median);
    assert!(s.within >= 0.85, "within 20 %: {}", s.within);
    assert!(s.coverage >= 0.70, "coverage {}", s.coverage);
    assert!(
        s.marginal <= 0.25,
        "marginal ROI median error {}",
        s.marginal
    );
}

/// Three years of weekly data, five channels, two controls, noise 3 % of the level a week (about
/// 8 % a day): the acceptance targets hold too.
#[test]
fn weekly_data_meet_the_acceptance_targets_over_24_seeds() {
    let s = summary_of(200..224, weekly);
    assert!(s.median <= 0.08, "median ROI error {}", s.median);
    assert!(s.within >= 0.85, "within 20 %: {}", s.within);
    assert!(s.coverage >= 0.70, "coverage {}", s.coverage);
    assert!(
        s.marginal <= 0.25,
        "marginal ROI median error {}",
        s.marginal
    );
}

/// Channels that are never switched off: their contribution is the curve extrapolated to zero
/// spend, which the data barely see, so the acceptance targets are out of reach (median ROI error
/// 17–24 % over the scenarios below, against 2–6 % with flights; `floor.rs` shows no estimator
/// does better, even one given the simulator's own prior) — but estimates must stay
/// unbiased, their intervals honest, and the model must say so. Budget steps every 10–40 days
/// with a log-normal wobble (the suite's original always-on case).
#[test]
fn always_on_channels_get_honest_intervals_and_a_warning() {
    assert_honest(&summary(100..112, 0.0));
}

/// Always-on spend as the public simulators draw it (season, bursts, a wobble per day; never
/// below about a quarter of the mean), daily: measured 17.6 % median ROI error, 54 % within 20 %.
#[test]
fn seasonal_always_on_channels_get_honest_intervals_and_a_warning() {
    assert_honest(&summary_of(300..324, |seed| Spec {
        varied: Some(Varied::Seasonal),
        ..Spec::daily(seed)
    }));
}

/// The same, weekly (three years, five channels): 23.7 %, 43 % within 20 %.
#[test]
fn seasonal_always_on_weekly_channels_get_honest_intervals_and_a_warning() {
    assert_honest(&summary_of(400..424, |seed| Spec {
        varied: Some(Varied::Seasonal),
        ..weekly(seed)
    }));
}

/// Independent uniform spend per period (PyMC-Marketing's always-on channel), which comes close
/// to zero, is no easier: adstock averages the day-to-day swings away (16.5 % daily, 18.9 %
/// weekly).
#[test]
fn uniform_always_on_channels_get_honest_intervals_and_a_warning() {
    assert_honest(&summary_of(500..524, |seed| Spec {
        varied: Some(Varied::Uniform),
        ..Spec::daily(seed)
    }));
    assert_honest(&summary_of(600..624, |seed| Spec {
        varied: Some(Varied::Uniform),
        ..weekly(seed)
    }));
}

/// Three years of weekly data, five channels, two controls, 3 % noise a week.
fn weekly(seed: u64) -> Spec {
    Spec {
        periods: 156,
        daily: false,
        channels: vec!["tv", "radio", "print", "search", "social"],
        controls: 2,
        noise: 0.03,
        ..Spec::daily(seed)
    }
}

/// Intervals that cover the truth at about their nominal rate, no systematic error, better than
/// a guess (median error under 30 %), and a warning on the poorly determined ROIs.
fn assert_honest(s: &Summary) {
    assert!(s.coverage >= 0.8, "coverage {}", s.coverage);
    assert!(s.bias.abs() <= 0.1, "median signed error {}", s.bias);
    assert!(s.median <= 0.3, "median ROI error {}", s.median);
    assert!(
        s.warned >= 0.5,
        "poorly determined ROIs warned about: {}",
        s.warned
    );
}

struct Summary {
    median: f64,
    within: f64,
    coverage: f64,
    marginal: f64,
    bias: f64,
    warned: f64,
}

fn summary(seeds: std::ops::Range<u64>, pulsed: f64) -> Summary {
    summary_of(seeds, |seed| Spec {
        pulsed,
        ..Spec::daily(seed)
    })
}

fn summary_of(seeds: std::ops::Range<u64>, spec: impl Fn(u64) -> Spec) -> Summary {
    let mut roi_err = Vec::new();
    let mut signed = Vec::new();
    let mut mroi_err = Vec::new();
    let mut covered = 0usize;
    let mut total = 0usize;
    let mut wide = 0usize;
    let mut spec_label = (0usize, 0.0f64, None);
    let mut warned = 0usize;
    for seed in seeds {
        let spec = spec(1000 + seed);
        spec_label = (spec.periods, spec.pulsed, spec.varied);
        let sim = simulate(&spec);
        let model = fit(&sim.data, &[], &Options { draws: 300, seed }).expect("fits");
        assert!(model.fit.r2 > 0.5, "seed {seed}: R² {}", model.fit.r2);
        for (c, t) in model.channels.iter().zip(&sim.truth) {
            let e = (c.roi.mean - t.roi).abs() / t.roi;
            roi_err.push(e);
            signed.push((c.roi.mean - t.roi) / t.roi);
            mroi_err.push((c.marginal_roi.mean - t.marginal_roi).abs() / t.marginal_roi.max(1e-9));
            total += 1;
            if c.roi.high - c.roi.low > c.roi.mean {
                wide += 1;
                if model
                    .warnings
                    .iter()
                    .any(|w| w.contains(&format!("{}'s ROI is poorly determined", t.name)))
                {
                    warned += 1;
                }
            }
            if c.roi.low <= t.roi && t.roi <= c.roi.high {
                covered += 1;
            }
            if e > 0.2 && std::env::var("MMM_VERBOSE").is_ok() {
                eprintln!(
                    "seed {seed} {}: roi {:.3} [{:.3}, {:.3}] true {:.3}; decay {:.2}/{:.2} k {:.0}/{:.0} s {:.2}/{:.2}",
                    t.name,
                    c.roi.mean,
                    c.roi.low,
                    c.roi.high,
                    t.roi,
                    c.curve.decay,
                    t.decay,
                    c.curve.half_saturation,
                    t.k,
                    c.curve.shape,
                    t.s
                );
            }
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let within = roi_err.iter().filter(|e| **e <= 0.2).count() as f64 / total as f64;
    #[allow(clippy::cast_precision_loss)]
    let coverage = covered as f64 / total as f64;
    let med = median(roi_err);
    let bias = median(signed);
    let mmed = median(mroi_err);
    eprintln!(
        "{} periods, pulsed {}, varied {:?}: ROI median relative error {:.1} %, within 20 %: {:.1} %, 90 % interval coverage {:.1} %, marginal ROI median error {:.1} %, median signed ROI error {:+.1} % ({total} channels)",
        spec_label.0,
        spec_label.1,
        spec_label.2,
        med * 100.0,
        within * 100.0,
        coverage * 100.0,
        mmed * 100.0,
        bias * 100.0
    );
    #[allow(clippy::cast_precision_loss)]
    let warned = if wide == 0 {
        1.0
    } else {
        warned as f64 / wide as f64
    };
    Summary {
        median: med,
        within,
        coverage,
        marginal: mmed,
        bias,
        warned,
    }
}
