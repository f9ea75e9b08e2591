//! The fitted model as the product reads it: per channel contribution, ROI and marginal ROI with
//! 90 % intervals, the response curves (with their posterior draws), the decomposition over time,
//! the fit's quality, the calibration against experiments and the warnings.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::curve::ResponseCurve;
use crate::data::Granularity;

/// A posterior mean with its 90 % interval (5th and 95th percentiles of the draws).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Mean over the draws.
    pub mean: f64,
    /// 5th percentile.
    pub low: f64,
    /// 95th percentile.
    pub high: f64,
}

impl Interval {
    /// The summary of `values` (at least one value; an empty slice gives NaNs).
    pub fn of(values: &[f64]) -> Self {
        let mut v: Vec<f64> = values.to_vec();
        v.sort_by(f64::total_cmp);
        #[allow(clippy::cast_precision_loss)]
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        Self {
            mean,
            low: quantile(&v, 0.05),
            high: quantile(&v, 0.95),
        }
    }
}

/// The `q` quantile of sorted values, interpolating linearly between order statistics.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[allow(clippy::cast_precision_loss)]
    let pos = q * (sorted.len() - 1) as f64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let i = pos.floor() as usize;
    let j = (i + 1).min(sorted.len() - 1);
    #[allow(clippy::cast_precision_loss)]
    let frac = pos - i as f64;
    sorted[i] + frac * (sorted[j] - sorted[i])
}

/// One channel's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelResult {
    /// The channel's name.
    pub channel: String,
    /// Total spend over the input.
    pub spend: Decimal,
    /// KPI caused by the channel over the input.
    pub contribution: Interval,
    /// KPI caused by the channel at the best fit, the centre of the draws (their mean can differ:
    /// an effect drawn below zero counts as none).
    pub best_fit_contribution: f64,
    /// Mean contribution ÷ total KPI.
    pub share_of_kpi: f64,
    /// Contribution ÷ spend.
    pub roi: Interval,
    /// KPI per extra unit of per-period spend, in steady state at `reference_spend` (without
    /// recent spend: the average return of restarting at 1 % of the mean spend).
    pub marginal_roi: Interval,
    /// Mean spend per period over the last 28 days or 4 weeks: where the marginal ROI is taken.
    pub reference_spend: f64,
    /// The response curve at the best fit.
    pub curve: ResponseCurve,
    /// The response curve of every posterior draw (for an optimiser that averages over them).
    pub curve_draws: Vec<ResponseCurve>,
}

/// The KPI period by period: as given, as best fitted, and split into the baseline and each
/// channel by the draws' means (so that the splits sum to [`ChannelResult::contribution`]'s and
/// [`Model::baseline`]'s means, the figures people read beside them).
#[derive(Debug, Clone, PartialEq)]
pub struct Decomposition {
    /// The periods.
    pub dates: Vec<NaiveDate>,
    /// The KPI as given.
    pub actual: Vec<f64>,
    /// The best fit (what R² and MAPE judge); the draws' mean of baseline + channels is near it.
    pub fitted: Vec<f64>,
    /// Level, trend, seasons, holidays and controls.
    pub baseline: Vec<f64>,
    /// Per channel (in the order of [`Model::channels`]), its contribution per period.
    pub channels: Vec<Vec<f64>>,
}

/// How well the model fits, on the fitted periods (after the first 28 days or 8 weeks, which
/// the fit reads as history only).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitQuality {
    /// Share of the KPI's variance explained.
    pub r2: f64,
    /// Mean absolute percentage error over periods with a non-zero KPI.
    pub mape: f64,
    /// The same on the last 10 % of periods, predicted by a fit made without them (`None` when
    /// the rest is too short to fit).
    pub holdout_mape: Option<f64>,
    /// Durbin–Watson statistic of the residuals (2: none, below 1.5: positive autocorrelation).
    pub durbin_watson: f64,
}

/// How a lift test and the model compare.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// The channel.
    pub channel: String,
    /// First day of the test.
    pub from: NaiveDate,
    /// Last day of the test.
    pub to: NaiveDate,
    /// The measured lift.
    pub lift: f64,
    /// Its standard error.
    pub lift_se: f64,
    /// The spend in the test, when given.
    pub spend: Option<Decimal>,
    /// The channel's incremental KPI in the window by the model fitted without any experiment.
    pub uncalibrated: Interval,
    /// The same by the calibrated model (the one reported).
    pub calibrated: Interval,
    /// (uncalibrated − lift) / √(sd² + lift_se²): how many standard errors apart the data and the
    /// experiment are.
    pub z: f64,
    /// |z| ≤ 2.
    pub agrees: bool,
}

/// The fitted marketing-mix model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The KPI's name.
    pub kpi: String,
    /// Daily or weekly.
    pub granularity: Granularity,
    /// First period.
    pub from: NaiveDate,
    /// Last period.
    pub to: NaiveDate,
    /// Number of periods.
    pub periods: usize,
    /// Per channel, in input order.
    pub channels: Vec<ChannelResult>,
    /// The baseline's total contribution.
    pub baseline: Interval,
    /// What all the channels together caused over the input: each draw's channels summed, so its
    /// interval is the total's (not the sum of the channels' intervals).
    pub media: Interval,
    /// Fit quality.
    pub fit: FitQuality,
    /// One entry per experiment.
    pub calibration: Vec<Calibration>,
    /// Plain-sentence diagnostics.
    pub warnings: Vec<String>,
    /// Contributions over time.
    pub decomposition: Decomposition,
}
