//! A second simulator, written apart from `sim.rs` and from the crate, after the data-generating
//! process PyMC-Marketing documents for its example: weekly data (179 weeks from April 2018),
//! a geometric adstock truncated at 8 weeks and normalised, a *logistic* saturation
//! `(1 − e^{−λx}) / (1 + e^{−λx})` (concave from zero, not the Hill curve the crate fits), a
//! trend `(t + 10)^{1/4} − 1`, a yearly wave, two one-week events and Gaussian noise of sd 0.25.
//! Each seed draws its own decays (0.1–0.7), saturations λ (1–5), effects β (1–4) and spend
//! scales, for four channels: two "always on" in the pattern of the example's `x1` (uniform,
//! the lower 90 % halved: it never stops, and its adstock rarely comes near zero) and two
//! flighted like its `x2` (zero unless the draw passes 0.8).
//!
//! It is how a reviewer might simulate: a model family other than the fitted one. Measured over
//! 24 seeds (96 channels): flighted channels' ROI within 4.8 % of the truth (median; 95.8 %
//! within 20 %), always-on ones within 16.9 % (68.8 %), biased down by 14 % (the prior's Hill
//! shape, centred at 1.35, bends the curve below the spend that ran, where the logistic curve is
//! still straight); 90 % intervals covering the truth for 79 % and 77 %; marginal ROI within
//! 12.3 % over all channels, 7.0 % on always-on ones but 50.9 % on flighted ones, most of which
//! were off in the last four weeks: their marginal ROI is the curve's slope at zero, where the
//! logistic truth is steepest and a Hill curve flattest. On a Python port of this process
//! (20 seeds), centring the shape prior at 1 (Meridian's fixed Hill slope) took the always-on
//! error from 19.5 % to 14.2 %, but raised it on `recovery.rs`' S-shaped truths from
//! 17.6–23.7 % to 19.6–32.1 % (a prior at 1.16 was mixed: 17.8 %, and 17.7–28.2 %), so the prior
//! stays: which curve a channel follows below the spend it ran is what the data of an always-on
//! channel cannot say.

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;
use spendlens_mmm::{ChannelSpend, Control, Dataset, Options, fit};
use spendlens_rng::SplitMix64;

use crate::recovery::median;
use crate::sim::normal;

const WEEKS: usize = 179;
const L_MAX: usize = 8;

fn uniform(rng: &mut SplitMix64, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.unit()
}

/// The truncated, normalised geometric adstock PyMC-Marketing applies: weights `α^l` for
/// `l < 8`, summing to one, over the spend so far (nothing before the first week).
fn adstock(x: &[f64], alpha: f64) -> Vec<f64> {
    let weights: Vec<f64> = (0..L_MAX)
        .map(|l| alpha.powi(i32::try_from(l).expect("small")))
        .collect();
    let total: f64 = weights.iter().sum();
    (0..x.len())
        .map(|t| {
            (0..L_MAX.min(t + 1))
                .map(|l| weights[l] / total * x[t - l])
                .sum()
        })
        .collect()
}

fn logistic(x: f64, lam: f64) -> f64 {
    let e = (-lam * x).exp();
    (1.0 - e) / (1.0 + e)
}

struct Truth {
    always_on: bool,
    roi: f64,
    marginal: f64,
}

fn simulate(seed: u64) -> (Dataset, Vec<Truth>) {
    let mut rng = SplitMix64::new(seed);
    let start = NaiveDate::from_ymd_opt(2018, 4, 2).expect("date");
    let dates: Vec<NaiveDate> = (0..WEEKS)
        .map(|t| start + Duration::weeks(i64::try_from(t).expect("small")))
        .collect();
    let mut y = vec![0.0; WEEKS];
    let mut channels = Vec::new();
    let mut truth = Vec::new();
    for (i, always_on) in [true, true, false, false].into_iter().enumerate() {
        let x: Vec<f64> = (0..WEEKS)
            .map(|_| {
                let u = rng.unit();
                match (always_on, u) {
                    (true, u) if u > 0.9 => u,
                    (true, u) => u / 2.0,
                    (false, u) if u > 0.8 => u,
                    (false, _) => 0.0,
                }
            })
            .collect();
        let scale = uniform(&mut rng, 500.0, 5_000.0);
        let alpha = uniform(&mut rng, 0.1, 0.7);
        let lam = uniform(&mut rng, 1.0, 5.0);
        let beta = uniform(&mut rng, 1.0, 4.0);
        let effect: Vec<f64> = adstock(&x, alpha)
            .iter()
            .map(|a| 1_000.0 * beta * logistic(*a, lam))
            .collect();
        for (yt, e) in y.iter_mut().zip(&effect) {
            *yt += e;
        }
        let spend: Vec<f64> = x
            .iter()
            .map(|v| (v * scale * 100.0).round() / 100.0)
            .collect();
        // The steady state of a normalised adstock of a constant spend is that spend, so the
        // marginal ROI at the last four weeks' mean is the curve's slope there.
        let recent = x[WEEKS - 4..].iter().sum::<f64>() / 4.0;
        let e = (-lam * recent).exp();
        truth.push(Truth {
            always_on,
            roi: effect.iter().sum::<f64>() / spend.iter().sum::<f64>(),
            marginal: 1_000.0 * beta * lam * 2.0 * e / (1.0 + e).powi(2) / scale,
        });
        channels.push(ChannelSpend {
            name: format!("c{i}"),
            column: format!("c{i}_spend"),
            spend: spend
                .iter()
                .map(|v| Decimal::from_f64_retain(*v).unwrap_or_default().round_dp(2))
                .collect(),
        });
    }
    let events = [
        NaiveDate::from_ymd_opt(2019, 5, 13).expect("date"),
        NaiveDate::from_ymd_opt(2020, 9, 14).expect("date"),
    ];
    let mut controls = Vec::new();
    for (k, (day, size)) in events.iter().zip([1.5, 2.5]).enumerate() {
        let values: Vec<f64> = dates
            .iter()
            .map(|d| f64::from(u8::from(d == day)))
            .collect();
        for (yt, v) in y.iter_mut().zip(&values) {
            *yt += 1_000.0 * size * v;
        }
        controls.push(Control {
            name: format!("event_{}", k + 1),
            values,
        });
    }
    for (t, yt) in y.iter_mut().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let trend = (t as f64 / (WEEKS - 1) as f64 + 10.0).powf(0.25) - 1.0;
        let day = f64::from(dates[t].ordinal());
        let tau = 2.0 * std::f64::consts::PI;
        let season = 0.5 * (-(2.0 * tau * day / 365.5).sin() + (tau * day / 365.5).cos());
        *yt += 1_000.0 * (2.0 + trend + season + 0.25 * normal(&mut rng));
    }
    let data = Dataset {
        kpi: "y".into(),
        kpi_prefix: String::new(),
        date_column: "date_week".into(),
        first_row: 2,
        dates,
        values: y,
        channels,
        controls,
        holidays: Vec::new(),
    };
    (data, truth)
}

/// One channel's answer against its truth.
struct Row {
    always_on: bool,
    /// The ROI's relative error, signed.
    signed: f64,
    covered: bool,
    /// The marginal ROI's relative error.
    marginal: f64,
}

#[test]
fn channels_simulated_by_pymc_marketing_s_process_are_recovered_where_the_data_tell() {
    let mut rows: Vec<Row> = Vec::new();
    for seed in 0..24 {
        let (data, truth) = simulate(500 + seed);
        let model = fit(&data, &[], &Options { draws: 200, seed }).expect("fits");
        for (ch, t) in model.channels.iter().zip(&truth) {
            rows.push(Row {
                always_on: t.always_on,
                signed: (ch.roi.mean - t.roi) / t.roi,
                covered: ch.roi.low <= t.roi && t.roi <= ch.roi.high,
                marginal: (ch.marginal_roi.mean - t.marginal).abs() / t.marginal,
            });
        }
    }
    let summary = |always_on: bool| {
        let of: Vec<&Row> = rows.iter().filter(|r| r.always_on == always_on).collect();
        #[allow(clippy::cast_precision_loss)]
        let share =
            |f: &dyn Fn(&Row) -> bool| of.iter().filter(|r| f(r)).count() as f64 / of.len() as f64;
        let s = (
            median(of.iter().map(|r| r.signed.abs()).collect()),
            share(&|r| r.signed.abs() <= 0.2),
            share(&|r| r.covered),
            median(of.iter().map(|r| r.marginal).collect()),
            median(of.iter().map(|r| r.signed).collect()),
        );
        eprintln!(
            "{}: ROI median error {:.1} %, within 20 % {:.1} %, coverage {:.1} %, marginal ROI \
             median error {:.1} %, median signed error {:+.1} % ({} channels)",
            if always_on { "always on" } else { "flighted" },
            100.0 * s.0,
            100.0 * s.1,
            100.0 * s.2,
            100.0 * s.3,
            100.0 * s.4,
            of.len()
        );
        s
    };
    let flighted = summary(false);
    let always_on = summary(true);
    let all = median(rows.iter().map(|r| r.signed.abs()).collect());
    eprintln!("ROI median error, all channels: {:.1} %", 100.0 * all);
    // Where the spend stops now and then, the acceptance's figures hold on another model family.
    assert!(flighted.0 <= 0.08, "flighted median error {}", flighted.0);
    assert!(flighted.1 >= 0.85, "flighted within 20 %: {}", flighted.1);
    assert!(flighted.2 >= 0.70, "flighted coverage {}", flighted.2);
    // Always on: the intervals stay honest; the error is the limit the module docs describe.
    assert!(always_on.2 >= 0.70, "always-on coverage {}", always_on.2);
    assert!(
        always_on.0 <= 0.25,
        "always-on median error {}",
        always_on.0
    );
    let marginal = median(rows.iter().map(|r| r.marginal).collect());
    eprintln!(
        "marginal ROI median error, all channels: {:.1} %",
        100.0 * marginal
    );
    assert!(marginal <= 0.25, "marginal ROI median error {marginal}");
}
