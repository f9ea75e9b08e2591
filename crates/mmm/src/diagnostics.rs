//! The checks a user needs before trusting the answer, each as one plain sentence.

use crate::linalg::dot;

/// R², MAPE and the Durbin–Watson statistic and lag-1 autocorrelation of `actual − fitted`.
pub(crate) fn quality(actual: &[f64], fitted: &[f64]) -> (f64, f64, f64, f64) {
    #[allow(clippy::cast_precision_loss)]
    let n = actual.len() as f64;
    let mean = actual.iter().sum::<f64>() / n;
    let resid: Vec<f64> = actual.iter().zip(fitted).map(|(a, f)| a - f).collect();
    let rss = dot(&resid, &resid);
    let tss: f64 = actual.iter().map(|a| (a - mean).powi(2)).sum();
    let r2 = if tss > 0.0 { 1.0 - rss / tss } else { 0.0 };
    let diff: f64 = resid.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum();
    let dw = if rss > 0.0 { diff / rss } else { 2.0 };
    let lag1 = if rss > 0.0 {
        resid.windows(2).map(|w| w[0] * w[1]).sum::<f64>() / rss
    } else {
        0.0
    };
    (r2, mape(actual, fitted), dw, lag1)
}

/// Mean absolute percentage error over the periods whose actual value is not zero.
pub(crate) fn mape(actual: &[f64], fitted: &[f64]) -> f64 {
    let (sum, count) = actual
        .iter()
        .zip(fitted)
        .filter(|(a, _)| **a != 0.0)
        .fold((0.0, 0usize), |(s, c), (a, f)| {
            (s + ((a - f) / a).abs(), c + 1)
        });
    #[allow(clippy::cast_precision_loss)]
    let m = if count == 0 { 0.0 } else { sum / count as f64 };
    m
}

/// Pearson correlation (0 when either series is constant).
pub(crate) fn correlation(a: &[f64], b: &[f64]) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    if saa > 0.0 && sbb > 0.0 {
        sab / (saa * sbb).sqrt()
    } else {
        0.0
    }
}

/// Coefficient of variation (sd ÷ mean; 0 for a zero mean).
pub(crate) fn variation(x: &[f64]) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    if mean > 0.0 { var.sqrt() / mean } else { 0.0 }
}

/// A percentage with one decimal, for sentences.
pub(crate) fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// Warnings on the fit as a whole.
pub(crate) fn fit_warnings(
    r2: f64,
    mape: f64,
    holdout: Option<f64>,
    dw: f64,
    lag1: f64,
    holdout_periods: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    if r2 < 0.5 {
        out.push(format!(
            "The model explains only {} of the KPI's variation (R² {r2:.2}): a driver of the KPI is \
             missing (a control, a price, an event), so the channel estimates may be off.",
            pct(r2)
        ));
    }
    match holdout {
        Some(h) if h > (2.0 * mape).max(mape + 0.05) => out.push(format!(
            "On the last {holdout_periods} periods, predicted by a fit made without them, the error is \
             {} against {} in the fitted periods: the model may not forecast well.",
            pct(h),
            pct(mape)
        )),
        None => out.push(
            "The data are too short to hold out the last 10 % of periods, so the out-of-sample \
             error could not be measured."
                .to_owned(),
        ),
        _ => {}
    }
    if !(1.5..=2.5).contains(&dw) {
        out.push(format!(
            "The residuals are autocorrelated (Durbin-Watson {dw:.2}, lag-1 autocorrelation {lag1:.2}): \
             something that moves slowly (a trend, a season, a missing control) is not in the model; \
             the intervals were widened for it, but read the ROIs with care."
        ));
    }
    out
}
