//! Seasonality: weekday and month multipliers, 1 on average, estimated from the ratio of actual
//! to fitted response pooled over every channel.

use chrono::{Datelike, NaiveDate};

use super::{FittedChannel, History, Objective, adstock, targets};

/// Seasonal multipliers, 1 on average over the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Seasonality {
    /// Monday first.
    pub weekday: [f64; 7],
    /// January first; months absent from the history stay 1.
    pub month: [f64; 12],
}

impl Seasonality {
    /// No seasonality.
    pub fn flat() -> Self {
        Self {
            weekday: [1.0; 7],
            month: [1.0; 12],
        }
    }

    /// The multiplier of one day.
    pub fn index(&self, date: NaiveDate) -> f64 {
        self.weekday[date.weekday().num_days_from_monday() as usize]
            * self.month[date.month0() as usize]
    }
}

/// Weekday and month indices from the pooled ratio actual / fitted, normalised to mean 1 over
/// the history's days.
pub(super) fn estimate_seasonality(
    histories: &[History],
    objective: Objective,
    fits: &[FittedChannel],
) -> Seasonality {
    let (mut wd_sum, mut wd_fit) = ([0.0; 7], [0.0; 7]);
    let (mut mo_sum, mut mo_fit) = ([0.0; 12], [0.0; 12]);
    for (h, f) in histories.iter().zip(fits) {
        let mut days = h.days.clone();
        days.sort_by_key(|d| d.date);
        let sorted = History { days, ..h.clone() };
        let (y, _) = targets(&sorted, objective);
        let spend: Vec<f64> = sorted.days.iter().map(|d| d.spend).collect();
        // Fitted response in adstocked spend: undo the steady-state rescaling of k.
        let a = adstock(&spend, f.adstock);
        let k = f.curve.k() / (1.0 - f.adstock);
        let lnk = k.ln();
        for ((d, &v), &x) in sorted.days.iter().zip(&y).zip(&a) {
            let fitted = crate::curve::hill3(f.curve.beta(), f.curve.s(), lnk, x).0;
            let w = d.date.weekday().num_days_from_monday() as usize;
            let mo = d.date.month0() as usize;
            wd_sum[w] += v;
            wd_fit[w] += fitted;
            mo_sum[mo] += v;
            mo_fit[mo] += fitted;
        }
    }
    let ratio = |s: f64, f: f64| if f > 0.0 && s > 0.0 { s / f } else { 1.0 };
    let mut weekday = [1.0; 7];
    let mut month = [1.0; 12];
    for w in 0..7 {
        weekday[w] = ratio(wd_sum[w], wd_fit[w]);
    }
    for m in 0..12 {
        month[m] = ratio(mo_sum[m], mo_fit[m]);
    }
    // Normalise: weekdays to mean 1; months to a fitted-weighted mean of 1 over the months seen
    // (with a single month there is nothing to compare, so it stays 1).
    let wmean = weekday.iter().sum::<f64>() / 7.0;
    if wmean > 0.0 {
        weekday.iter_mut().for_each(|v| *v /= wmean);
    }
    let seen: Vec<usize> = (0..12).filter(|&m| mo_fit[m] > 0.0).collect();
    if seen.len() < 2 {
        month = [1.0; 12];
    } else {
        let tot: f64 = seen.iter().map(|&m| mo_fit[m]).sum();
        let mmean = seen.iter().map(|&m| month[m] * mo_fit[m]).sum::<f64>() / tot;
        if mmean > 0.0 {
            for &m in &seen {
                month[m] /= mmean;
            }
        }
    }
    Seasonality { weekday, month }
}
