//! From a dataset to a [`Model`]: the calibrated fit, its draws, the uncalibrated fit for the
//! experiments' comparison, the holdout fit, and the summaries and warnings.

use rust_decimal::prelude::ToPrimitive;
use spendlens_rng::SplitMix64;

use crate::curve::ResponseCurve;
use crate::data::{self, Dataset, Experiment, Prepared, Window};
use crate::design::{self, Baseline, Design};
use crate::diagnostics::{self, pct};
use crate::error::MmmError;
use crate::estimate::{self, Estimate, Priors, Problem};
use crate::laplace::{self, Draw};
use crate::model::{Calibration, ChannelResult, Decomposition, FitQuality, Interval, Model};

/// How many draws and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Posterior draws (the contract's default is 500).
    pub draws: usize,
    /// The seed of the draws: same input and seed, same output.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            draws: 500,
            seed: 0,
        }
    }
}

/// Fits the marketing-mix model. See the crate documentation for the method.
///
/// # Errors
/// [`MmmError`] naming the row and column of the first input problem.
pub fn fit(
    data: &Dataset,
    experiments: &[Experiment],
    options: &Options,
) -> Result<Model, MmmError> {
    if options.draws == 0 || options.draws > 100_000 {
        return Err(MmmError::Draws(options.draws));
    }
    let prepared = data::prepare(data)?;
    let windows = data::windows(data, &prepared, experiments)?;
    let design = design::design(&data.dates, &prepared);
    let priors = Priors::new(prepared.granularity == data::Granularity::Daily);
    let n = data.dates.len();
    let nc = prepared.spend.len();

    let start = design::warm_up(prepared.granularity, n);
    let full = Baseline::new(&design, start, n);
    let problem = Problem {
        y: &prepared.y,
        spend: &prepared.spend,
        baseline: &full,
        windows: &windows,
        priors: &priors,
    };
    let est = estimate::fit(&problem);
    let features = features(&problem, &est.theta, n);
    let fitted_scaled = predict(&design, &full, &est, &features);
    let fitted: Vec<f64> = fitted_scaled.iter().map(|v| v * prepared.y_scale).collect();
    // Judged on the fitted periods: the warm-up's carry-over from before the data is unknown.
    let (r2, mape, dw, lag1) = diagnostics::quality(&data.values[start..], &fitted[start..]);
    let inflation = if lag1 > 0.0 {
        (1.0 + lag1.min(0.9)) / (1.0 - lag1.min(0.9))
    } else {
        1.0
    };
    let posterior = laplace::draws(
        &problem,
        &design,
        &full,
        &est,
        inflation,
        options.draws,
        options.seed,
    );
    let draws = &posterior.draws;

    let calibration = if windows.is_empty() {
        Vec::new()
    } else {
        let plain = Problem {
            windows: &[],
            ..problem
        };
        let plain_est = estimate::fit(&plain);
        let seed = SplitMix64::stream(options.seed, 1).next_u64();
        let plain_draws = laplace::draws(
            &plain,
            &design,
            &full,
            &plain_est,
            inflation,
            options.draws,
            seed,
        )
        .draws;
        calibrations(
            &problem,
            experiments,
            &windows,
            &prepared,
            &plain_draws,
            draws,
            data,
        )
    };

    let (holdout_mape, held) = holdout(&prepared, &design, &priors, &data.values);
    let mut warnings = diagnostics::fit_warnings(r2, mape, holdout_mape, dw, lag1, held);
    warnings.extend(channel_warnings(
        data, &prepared, &problem, &est, &features, &full,
    ));
    for (cal, w) in calibration.iter().zip(&windows) {
        if let Some(stated) = cal.spend.and_then(|d| d.to_f64())
            && (stated - w.spend).abs() > 0.2 * stated.abs().max(w.spend.abs())
        {
            warnings.push(format!(
                "The {} experiment from {} to {} states a spend of {stated:.2}, but the data show \
                 {:.2} for {} on those days: check the test's dates and channel.",
                cal.channel, cal.from, cal.to, w.spend, cal.channel
            ));
        }
        if !cal.agrees {
            let amount = |x: f64| grouped(x, &data.kpi_prefix);
            warnings.push(format!(
                "The {} experiment from {} to {} measured a lift of {} (± {}), but without it the \
                 data put {}'s incremental {} in that window at {} ({:.1} standard errors apart): the \
                 data and the experiment disagree, and the calibrated estimate ({}) is a compromise.",
                cal.channel, cal.from, cal.to, amount(cal.lift), amount(cal.lift_se), cal.channel,
                data.kpi, amount(cal.uncalibrated.mean), cal.z.abs(), amount(cal.calibrated.mean)
            ));
        }
    }

    let total_kpi: f64 = data.values.iter().sum();
    let channels: Vec<ChannelResult> = (0..nc)
        .map(|c| {
            let mut ch = channel_result(data, &prepared, &problem, &est, draws, c, total_kpi);
            ch.best_fit_contribution =
                est.beta[c] * features[c].iter().sum::<f64>() * prepared.y_scale;
            ch
        })
        .collect();
    for (c, ch) in channels.iter().enumerate() {
        if ch.reference_spend <= 0.0 {
            warnings.push(format!(
                "{} had no spend in the last {} periods: its marginal ROI is the return of \
                 restarting it at a small budget (1 % of its mean spend per period).",
                ch.channel,
                prepared.granularity.recent_periods()
            ));
        }
        if ch.roi.high - ch.roi.low > ch.roi.mean {
            #[allow(clippy::cast_precision_loss)]
            let noise = Noise {
                sd: (est.sigma2 * inflation).sqrt() * prepared.y_scale,
                effect: ch.contribution.mean / n as f64,
                granularity: prepared.granularity,
                prefix: &data.kpi_prefix,
            };
            warnings.push(uncertain_roi(ch, &prepared.raw_spend[c], &noise));
        }
    }
    let col_sums: Vec<f64> = full
        .basis
        .kept
        .iter()
        .map(|&j| design.cols[j].iter().sum::<f64>())
        .collect();
    let baseline_draws: Vec<f64> = draws
        .iter()
        .map(|d| {
            d.gamma
                .iter()
                .zip(&col_sums)
                .map(|(g, s)| g * s)
                .sum::<f64>()
                * prepared.y_scale
        })
        .collect();
    // The decomposition over time is the draws' mean, period by period, as every figure above
    // is: its sums are the baseline's and each channel's contribution (means are linear).
    #[allow(clippy::cast_precision_loss)]
    let mean_gamma: Vec<f64> = (0..full.basis.kept.len())
        .map(|j| draws.iter().map(|d| d.gamma[j]).sum::<f64>() / draws.len().max(1) as f64)
        .collect();
    let baseline_series = predict(
        &design,
        &full,
        &Estimate {
            gamma: mean_gamma,
            ..est
        },
        &vec![vec![0.0; n]; nc],
    );
    let decomposition = Decomposition {
        dates: data.dates.clone(),
        actual: data.values.clone(),
        fitted,
        baseline: baseline_series
            .iter()
            .map(|v| v * prepared.y_scale)
            .collect(),
        channels: posterior
            .mean_contributions
            .iter()
            .map(|series| series.iter().map(|v| v * prepared.y_scale).collect())
            .collect(),
    };
    let baseline = Interval::of(&baseline_draws);
    let media_draws: Vec<f64> = draws
        .iter()
        .map(|d| d.beta.iter().zip(&d.sums).map(|(b, s)| b * s).sum::<f64>() * prepared.y_scale)
        .collect();
    let media = Interval::of(&media_draws);
    // The fit holds the channels to the whole KPI (`estimate::State::capped`); at that bound, or
    // with a baseline below zero, the data could not tell the channels from the baseline.
    let credited: f64 = channels.iter().map(|c| c.best_fit_contribution).sum();
    let at_bound = total_kpi > 0.0 && credited >= (1.0 - 1e-6) * total_kpi;
    if baseline.mean < 0.0 || at_bound {
        let what = if at_bound {
            "at its best fit the model credits the channels with all of the KPI"
        } else {
            "below zero, the model credits the channels with more than the whole KPI"
        };
        warnings.push(format!(
            "The baseline (the KPI without any media) comes out at {} in total ({}): {what}. \
             The data cannot tell the channels from the baseline (spend that never stops, or a \
             missing control); do not act on these contributions before a lift test or a history \
             with pauses.",
            grouped(baseline.mean, &data.kpi_prefix),
            if total_kpi > 0.0 {
                format!("{:.0} % of the KPI", 100.0 * baseline.mean / total_kpi)
            } else {
                "the KPI's total is not above zero".to_owned()
            }
        ));
    }
    Ok(Model {
        kpi: data.kpi.clone(),
        granularity: prepared.granularity,
        from: data.dates[0],
        to: data.dates[n - 1],
        periods: n,
        channels,
        baseline,
        media,
        fit: FitQuality {
            r2,
            mape,
            holdout_mape,
            durbin_watson: dw,
        },
        calibration,
        warnings,
        decomposition,
    })
}

/// Every channel's `hill(adstock(x))` over the first `n` periods.
fn features(p: &Problem, theta: &[estimate::Theta], n: usize) -> Vec<Vec<f64>> {
    theta
        .iter()
        .enumerate()
        .map(|(c, t)| {
            let mut z = vec![0.0; n];
            p.feature(c, *t, n, &mut z);
            z
        })
        .collect()
}

/// Baseline + channels over the periods of `features` (scaled units).
fn predict(
    design: &Design,
    baseline: &Baseline,
    est: &Estimate,
    features: &[Vec<f64>],
) -> Vec<f64> {
    let n = features.first().map_or(0, Vec::len);
    let mut out = vec![0.0; n];
    for (g, &j) in est.gamma.iter().zip(&baseline.basis.kept) {
        for (o, x) in out.iter_mut().zip(&design.cols[j]) {
            *o += g * x;
        }
    }
    for (b, z) in est.beta.iter().zip(features) {
        for (o, x) in out.iter_mut().zip(z) {
            *o += b * x;
        }
    }
    out
}

/// The error on the last 10 % of periods of a fit made without them (and how many periods), or
/// `None` when the rest leaves fewer than five periods per parameter.
fn holdout(
    prepared: &Prepared,
    design: &Design,
    priors: &Priors,
    actual: &[f64],
) -> (Option<f64>, usize) {
    let n = actual.len();
    let held = n.div_ceil(10).max(1);
    let m = n - held;
    let base = Baseline::new(design, design::warm_up(prepared.granularity, m), m);
    if m < 5 * (base.width() + 4 * prepared.spend.len()) / 2 {
        return (None, held);
    }
    let p = Problem {
        y: &prepared.y,
        spend: &prepared.spend,
        baseline: &base,
        windows: &[],
        priors,
    };
    let est = estimate::fit(&p);
    let f = features(&p, &est.theta, n);
    let pred = predict(design, &base, &est, &f);
    let pred: Vec<f64> = pred[m..].iter().map(|v| v * prepared.y_scale).collect();
    (Some(diagnostics::mape(&actual[m..], &pred)), held)
}

fn curve(
    prepared: &Prepared,
    priors: &Priors,
    c: usize,
    t: estimate::Theta,
    beta: f64,
) -> ResponseCurve {
    let (decay, k, s) = priors.natural(t);
    ResponseCurve {
        beta: beta * prepared.y_scale,
        half_saturation: k * prepared.spend_scale[c],
        shape: s,
        decay,
    }
}

fn channel_result(
    data: &Dataset,
    prepared: &Prepared,
    p: &Problem,
    est: &Estimate,
    draws: &[Draw],
    c: usize,
    total_kpi: f64,
) -> ChannelResult {
    let n = data.dates.len();
    let raw = &prepared.raw_spend[c];
    let recent = prepared.granularity.recent_periods().min(n);
    #[allow(clippy::cast_precision_loss)]
    let reference = raw[n - recent..].iter().sum::<f64>() / recent as f64;
    let spend = prepared.spend_total[c];
    let spend_f = spend.to_f64().unwrap_or(0.0);
    let restart = 0.01 * prepared.spend_scale[c];
    let mut contributions = Vec::with_capacity(draws.len());
    let mut rois = Vec::with_capacity(draws.len());
    let mut marginals = Vec::with_capacity(draws.len());
    let mut curve_draws = Vec::with_capacity(draws.len());
    for d in draws {
        let contribution = d.beta[c] * d.sums[c] * prepared.y_scale;
        let cv = curve(prepared, p.priors, c, d.theta[c], d.beta[c]);
        contributions.push(contribution);
        rois.push(if spend_f > 0.0 {
            contribution / spend_f
        } else {
            0.0
        });
        marginals.push(marginal_at(&cv, reference, restart));
        curve_draws.push(cv);
    }
    let contribution = Interval::of(&contributions);
    ChannelResult {
        channel: data.channels[c].name.clone(),
        spend,
        share_of_kpi: if total_kpi != 0.0 {
            contribution.mean / total_kpi
        } else {
            0.0
        },
        contribution,
        best_fit_contribution: 0.0,
        roi: Interval::of(&rois),
        marginal_roi: Interval::of(&marginals),
        reference_spend: reference,
        curve: curve(prepared, p.priors, c, est.theta[c], est.beta[c]),
        curve_draws,
    }
}

/// The marginal ROI at `reference` spend per period: the curve's derivative, or, for a channel
/// without recent spend, the average return of restarting at a small budget (`step`: 1 % of its
/// mean spend), because at zero an S-shaped curve has no slope and a concave one an infinite one.
fn marginal_at(curve: &ResponseCurve, reference: f64, step: f64) -> f64 {
    if reference > 0.0 {
        curve.marginal(reference)
    } else {
        curve.contribution(step) / step
    }
}

/// The channel's incremental KPI in each window, per draw.
fn window_draws(p: &Problem, w: &Window, draws: &[Draw], y_scale: f64) -> Vec<f64> {
    let mut z = vec![0.0; w.to];
    draws
        .iter()
        .map(|d| {
            p.feature(w.channel, d.theta[w.channel], w.to, &mut z);
            d.beta[w.channel] * z[w.from..w.to].iter().sum::<f64>() * y_scale
        })
        .collect()
}

fn calibrations(
    p: &Problem,
    experiments: &[Experiment],
    windows: &[Window],
    prepared: &Prepared,
    plain: &[Draw],
    calibrated: &[Draw],
    data: &Dataset,
) -> Vec<Calibration> {
    windows
        .iter()
        .map(|w| {
            let e = &experiments[w.index];
            let before = window_draws(p, w, plain, prepared.y_scale);
            let after = window_draws(p, w, calibrated, prepared.y_scale);
            let uncalibrated = Interval::of(&before);
            #[allow(clippy::cast_precision_loss)]
            let var = before
                .iter()
                .map(|v| (v - uncalibrated.mean).powi(2))
                .sum::<f64>()
                / before.len().max(2).saturating_sub(1) as f64;
            let z = (uncalibrated.mean - e.lift) / (var + e.lift_se * e.lift_se).sqrt();
            Calibration {
                channel: data.channels[w.channel].name.clone(),
                from: e.from,
                to: e.to,
                lift: e.lift,
                lift_se: e.lift_se,
                spend: e.spend,
                uncalibrated,
                calibrated: Interval::of(&after),
                z,
                agrees: z.abs() <= 2.0,
            }
        })
        .collect()
}

/// What a pause would have to beat: the KPI's noise per period (residual sd, widened for
/// autocorrelation) and the channel's modelled effect per period.
struct Noise<'a> {
    sd: f64,
    effect: f64,
    granularity: data::Granularity,
    /// The KPI's prefix (`$`), for the sentences.
    prefix: &'a str,
}

/// The periods a pause of the channel must last for the drop in the KPI to measure its effect,
/// and so its ROI, to about ±20 % at 90 %: the drop's total over `d` periods is `effect·d`
/// against noise `sd·√d`, so `d = (1.645·sd / (r·effect))²` for ±r, plus the periods its
/// carry-over takes to fade (`λ/(1 − λ)`, the mean lag of geometric adstock). `r` is 0.15, not
/// 0.2, because the baseline during the pause is itself estimated: on the test suite's
/// always-on simulations, pauses of the suggested length gave ROI intervals of ±26 % (median)
/// with r = 0.2, and of ±19.4 % with r = 0.15 in whole weeks, the ROI error falling from 29.5 %
/// to 6.9 % (`tests/diagnostics.rs`). `None` when the model gives the channel no effect at all.
fn pause_periods(noise: &Noise, decay: f64) -> Option<f64> {
    if noise.effect <= 0.0 || !noise.effect.is_finite() || !noise.sd.is_finite() {
        return None;
    }
    let needed = (1.645 * noise.sd / (0.15 * noise.effect)).powi(2);
    Some(needed + decay / (1.0 - decay).max(1e-3))
}

/// [`pause_periods`] in whole weeks, never under two (daily data: a pause must span the weekday
/// cycle twice to be told from it) or four (weekly data).
fn pause_weeks(noise: &Noise, decay: f64) -> Option<f64> {
    let periods = pause_periods(noise, decay)?;
    Some(match noise.granularity {
        data::Granularity::Daily => (periods / 7.0).ceil().max(2.0),
        data::Granularity::Weekly => periods.ceil().max(4.0),
    })
}

/// A KPI amount for the sentences: whole, its thousands grouped, after the KPI's prefix and the
/// sign before both ("-$63,332,145"; "63,332,145" without a prefix).
fn grouped(x: f64, prefix: &str) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::from(prefix);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x.round() < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// The sentence for a channel whose 90 % ROI interval is wider than its mean, with how long a
/// pause would have to last to pin it down.
fn uncertain_roi(ch: &ChannelResult, spend: &[f64], noise: &Noise<'_>) -> String {
    let mean =
        spend.iter().sum::<f64>() / f64::from(u32::try_from(spend.len()).unwrap_or(u32::MAX));
    let off = spend.iter().filter(|x| **x < 0.1 * mean).count();
    let reason = if off * 50 < spend.len() {
        "its spend never stops, so its contribution rests on extrapolating its response curve down \
         to zero spend"
    } else {
        "the data hold too little of its variation apart from the other drivers"
    };
    let per = match noise.granularity {
        data::Granularity::Daily => "a day",
        data::Granularity::Weekly => "a week",
    };
    let pause = match pause_weeks(noise, ch.curve.decay) {
        Some(weeks) if weeks <= 13.0 => format!(
            " Pausing {name} for about {weeks} weeks would measure it to about ±20 %: its \
             modelled effect is about {} {per} against the KPI's noise of {} {per}.",
            grouped(noise.effect, noise.prefix),
            grouped(noise.sd, noise.prefix),
            name = ch.channel
        ),
        Some(_) => format!(
            " Against the KPI's noise ({} {per}), its modelled effect (about {} {per}) is too \
             small for a pause of up to three months to measure it to ±20 %.",
            grouped(noise.sd, noise.prefix),
            grouped(noise.effect, noise.prefix)
        ),
        None => String::new(),
    };
    format!(
        "{name}'s ROI is poorly determined (90 % interval {}x to {}x): {reason}.{pause} A lift \
         test on {name} would narrow it.",
        crate::codec::ratio_text(ch.roi.low),
        crate::codec::ratio_text(ch.roi.high),
        name = ch.channel
    )
}

fn channel_warnings(
    data: &Dataset,
    prepared: &Prepared,
    p: &Problem,
    est: &Estimate,
    features: &[Vec<f64>],
    baseline: &Baseline,
) -> Vec<String> {
    let mut out = Vec::new();
    let nc = features.len();
    let n = data.dates.len();
    let adstocked: Vec<Vec<f64>> = (0..nc)
        .map(|c| {
            let (decay, _, _) = p.priors.natural(est.theta[c]);
            let mut a = vec![0.0; n];
            crate::curve::adstock_into(&prepared.raw_spend[c], decay, &mut a);
            a
        })
        .collect();
    for a in 0..nc {
        for b in a + 1..nc {
            // Raw spend too: with different decays, spend that moves in lockstep can look
            // less alike after carry-over than it is.
            let raw = diagnostics::correlation(&prepared.raw_spend[a], &prepared.raw_spend[b]);
            let carried = diagnostics::correlation(&adstocked[a], &adstocked[b]);
            let r = if raw.abs() > carried.abs() {
                raw
            } else {
                carried
            };
            if r.abs() > 0.8 {
                out.push(format!(
                    "{} and {} spend move together (correlation {r:.2}): the model \
                     cannot reliably split the effect between them; an experiment on one would.",
                    data.channels[a].name, data.channels[b].name
                ));
            }
        }
    }
    for (c, feature) in features.iter().enumerate() {
        let name = &data.channels[c].name;
        let cv = diagnostics::variation(&prepared.raw_spend[c]);
        let mut projected = vec![0.0; baseline.rows()];
        baseline.project(feature, &mut projected);
        let fitted = &feature[baseline.start..];
        let mean =
            fitted.iter().sum::<f64>() / f64::from(u32::try_from(fitted.len()).unwrap_or(u32::MAX));
        let total: f64 = fitted.iter().map(|z| (z - mean).powi(2)).sum();
        let own = crate::linalg::dot(&projected, &projected);
        if cv < 0.1 {
            out.push(format!(
                "{name}'s spend varies too little (coefficient of variation {}) to identify its \
                 effect: its ROI rests mostly on the model's priors.",
                pct(cv)
            ));
        } else if total > 0.0 && own < 0.1 * total {
            out.push(format!(
                "{name}'s spend moves with the season, trend or controls ({} of its variation is \
                 explained by them): its effect is hard to tell apart from the baseline.",
                pct(1.0 - own / total)
            ));
        }
        if est.beta[c] == 0.0 {
            out.push(format!(
                "The data show no detectable effect of {name} on {} at the best fit; its interval \
                 says how large an effect the data cannot rule out.",
                data.kpi
            ));
        }
    }
    for (name, values) in &prepared.controls {
        if values.iter().all(|v| *v == 0.0) {
            out.push(format!(
                "The control {name} is constant and was left out of the model."
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn large_figures_are_grouped_in_thousands() {
        for (x, text) in [
            (0.0, "0"),
            (-0.4, "0"),
            (999.0, "999"),
            (999.6, "1,000"),
            (1_000.0, "1,000"),
            (25_612_495.2, "25,612,495"),
            (123_456.0, "123,456"),
            (-1_234.0, "-1,234"),
        ] {
            assert_eq!(grouped(x, ""), text, "{x}");
        }
        assert_eq!(grouped(822.4, "$"), "$822");
        assert_eq!(grouped(-245_085.0, "$"), "-$245,085");
        assert_eq!(grouped(1_500.0, "GBP "), "GBP 1,500");
    }
}
