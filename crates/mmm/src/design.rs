//! The baseline's design: level, trend, weekday (daily data), yearly Fourier terms, a holiday
//! indicator and the controls, and its orthonormal basis for projecting the baseline out.

use chrono::{Datelike, NaiveDate};

use crate::data::{Granularity, Prepared, day_number};
use crate::linalg::{self, Basis};

/// Yearly harmonics: three pairs follow a seasonal curve with a peak and a trough of different
/// widths (Prophet uses ten for daily data, but the channels here must not be absorbed by an
/// over-flexible season). One pair for half a year to a year of data, none below half a year
/// (a season cannot be told from a trend on a fraction of it).
fn harmonics(span_days: i64) -> usize {
    if span_days >= 364 {
        3
    } else if span_days >= 182 {
        1
    } else {
        0
    }
}

/// The baseline columns over all periods.
pub(crate) struct Design {
    pub cols: Vec<Vec<f64>>,
}

pub(crate) fn design(dates: &[NaiveDate], prepared: &Prepared) -> Design {
    let n = dates.len();
    let mut cols = vec![vec![1.0; n]];
    #[allow(clippy::cast_precision_loss)]
    let denom = (n.max(2) - 1) as f64;
    #[allow(clippy::cast_precision_loss)]
    cols.push((0..n).map(|t| t as f64 / denom - 0.5).collect());
    if prepared.granularity == Granularity::Daily {
        for wd in 1..7u32 {
            cols.push(
                dates
                    .iter()
                    .map(|d| {
                        if d.weekday().num_days_from_monday() == wd {
                            1.0
                        } else {
                            0.0
                        }
                    })
                    .collect(),
            );
        }
    }
    let span = match (dates.first(), dates.last()) {
        (Some(a), Some(b)) => (*b - *a).num_days() + prepared.granularity.days(),
        _ => 0,
    };
    for k in 1..=harmonics(span) {
        #[allow(clippy::cast_precision_loss)]
        let w = 2.0 * std::f64::consts::PI * k as f64 / 365.25;
        cols.push(dates.iter().map(|d| (w * day_number(*d)).sin()).collect());
        cols.push(dates.iter().map(|d| (w * day_number(*d)).cos()).collect());
    }
    if let Some(h) = &prepared.holiday {
        cols.push(h.clone());
    }
    for (_, values) in &prepared.controls {
        cols.push(values.clone());
    }
    Design { cols }
}

/// Periods at the start that the fit reads only as history: their adstock depends on spend
/// before the data began, which no one knows (a model that assumes none, or a steady state, is
/// wrong there in a way the fit would bend curves to absorb). 28 days or 8 weeks carry over
/// at most 5 % of a decay of 0.9 a day or 0.7 a week; never more than an eighth of the data.
pub(crate) fn warm_up(granularity: Granularity, n: usize) -> usize {
    let wanted = match granularity {
        Granularity::Daily => 28,
        Granularity::Weekly => 8,
    };
    wanted.min(n / 8)
}

/// The baseline on periods `start..n`, with an orthonormal basis of its independent columns.
pub(crate) struct Baseline {
    pub start: usize,
    pub n: usize,
    pub basis: Basis,
}

impl Baseline {
    pub(crate) fn new(design: &Design, start: usize, n: usize) -> Self {
        let cols: Vec<Vec<f64>> = design.cols.iter().map(|c| c[start..n].to_vec()).collect();
        Self {
            start,
            n,
            basis: linalg::basis(&cols),
        }
    }

    /// Columns kept (independent).
    pub(crate) fn width(&self) -> usize {
        self.basis.kept.len()
    }

    /// Periods fitted: `n − start`.
    pub(crate) fn rows(&self) -> usize {
        self.n - self.start
    }

    /// `out = v − Q Qᵀ v` over the fitted periods of the whole-series `v`: what of it the
    /// baseline cannot explain.
    pub(crate) fn project(&self, v: &[f64], out: &mut [f64]) {
        out.copy_from_slice(&v[self.start..self.n]);
        for q in &self.basis.q {
            let p = linalg::dot(q, out);
            for (o, qk) in out.iter_mut().zip(q) {
                *o -= p * qk;
            }
        }
    }

    /// The least-squares coefficients of the kept columns for the whole-series target `v` over
    /// the fitted periods: `R⁻¹ Qᵀ v`.
    pub(crate) fn coefficients(&self, v: &[f64]) -> Vec<f64> {
        let k = self.width();
        let mut c: Vec<f64> = self
            .basis
            .q
            .iter()
            .map(|q| linalg::dot(q, &v[self.start..self.n]))
            .collect();
        for i in (0..k).rev() {
            let row = &self.basis.r[i * k..i * k + k];
            let s = c[i] - linalg::dot(&row[i + 1..], &c[i + 1..]);
            c[i] = s / row[i];
        }
        c
    }
}
