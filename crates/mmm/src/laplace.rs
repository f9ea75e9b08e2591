//! Uncertainty: a Laplace approximation of the posterior around the MAP fit, and draws from it.
//!
//! The curvature is the Gauss–Newton Hessian `JᵀJ/σ²` of the full parameter vector
//! (baseline γ, effects β, transformed θ), with the priors' and the experiments' rows included,
//! so the draws carry the correlations between a channel's effect and its curve and between the
//! channels and the baseline. Draws of β below zero are set to zero (the constraint's boundary)
//! and draws past the fit's bound scaled back to it, the baseline taking up the difference.
//! When the residuals are autocorrelated the covariance is widened by `(1 + ρ)/(1 − ρ)` (the
//! variance inflation of a mean of AR(1) errors, ρ the lag-1 autocorrelation): otherwise
//! slow-moving residuals would make intervals too narrow.
//!
//! Rejected: a residual block bootstrap (each replicate is a full nonlinear refit: 500 of them
//! are ~500× the fit's cost and break the 2-second budget), and MCMC (no convergence guarantee
//! a user can check in a command-line answer, and far slower). The Laplace draws are checked for
//! coverage on simulated data in the test suite.

use spendlens_rng::SplitMix64;

use crate::design::{Baseline, Design};
use crate::estimate::{Estimate, Problem, Theta};
use crate::linalg::{self, dot};

/// One posterior draw.
#[derive(Debug, Clone)]
pub(crate) struct Draw {
    pub gamma: Vec<f64>,
    pub beta: Vec<f64>,
    pub theta: Vec<Theta>,
    /// Each channel's feature `hill(adstock(x))` under this draw's curve, summed over the
    /// periods: its contribution is `β·sum`.
    pub sums: Vec<f64>,
}

/// A standard normal by Box–Muller (one of the pair; simplicity over the spare value).
pub(crate) fn normal(rng: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - rng.unit();
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The posterior draws, and each channel's contribution per period averaged over them (in the
/// fit's scaled units): the figures people read sum to the draws' means, period by period too.
pub(crate) struct Posterior {
    pub draws: Vec<Draw>,
    /// Per channel, per period (all of them, warm-up included): the mean over the draws of
    /// `β·hill(adstock(x))`.
    pub mean_contributions: Vec<Vec<f64>>,
}

/// `draws` samples from the Laplace approximation of `est` on problem `p` (the fitted periods
/// of `design`), widened by `inflation`.
pub(crate) fn draws(
    p: &Problem,
    design: &Design,
    baseline: &Baseline,
    est: &Estimate,
    inflation: f64,
    count: usize,
    seed: u64,
) -> Posterior {
    let (start, n) = (baseline.start, baseline.n);
    let m = baseline.rows();
    let nc = est.beta.len();
    let kb = baseline.width();
    let np = kb + 4 * nc;
    let extra = p.windows.len();
    let rows = m + extra + 3 * nc;
    let sd = est.sigma2.sqrt();
    // The Jacobian's columns (of the prediction, which has the residual's curvature).
    let mut cols: Vec<Vec<f64>> = Vec::with_capacity(np);
    for &j in &baseline.basis.kept {
        let mut v = design.cols[j][start..n].to_vec();
        v.resize(rows, 0.0);
        cols.push(v);
    }
    let mut z = vec![0.0; n];
    let mut zp = vec![0.0; n];
    let mut zm = vec![0.0; n];
    let window_sum = |v: &[f64], c: usize| -> Vec<(usize, f64)> {
        p.windows
            .iter()
            .enumerate()
            .filter(|(_, w)| w.channel == c)
            .map(|(i, w)| (i, v[w.from..w.to].iter().sum()))
            .collect()
    };
    let mut theta_cols = Vec::with_capacity(3 * nc);
    for c in 0..nc {
        p.feature(c, est.theta[c], n, &mut z);
        let mut v = z[start..].to_vec();
        v.resize(rows, 0.0);
        for (i, s) in window_sum(&z, c) {
            v[m + i] = sd / p.windows[i].se * s;
        }
        cols.push(v);
        for k in 0..3 {
            let h = 1e-4;
            let (mut tp, mut tm) = (est.theta[c], est.theta[c]);
            tp[k] += h;
            tm[k] -= h;
            p.feature(c, tp, n, &mut zp);
            p.feature(c, tm, n, &mut zm);
            let b = est.beta[c];
            let mut v: Vec<f64> = zp[start..]
                .iter()
                .zip(&zm[start..])
                .map(|(a, m)| b * (a - m) / (2.0 * h))
                .collect();
            v.resize(rows, 0.0);
            let sp = window_sum(&zp, c);
            let sm = window_sum(&zm, c);
            for ((i, a), (_, lo)) in sp.into_iter().zip(sm) {
                v[m + i] = sd / p.windows[i].se * b * (a - lo) / (2.0 * h);
            }
            v[m + extra + 3 * c + k] = sd / p.priors.tau[k];
            theta_cols.push(v);
        }
    }
    cols.extend(theta_cols);
    let mut jtj = vec![0.0; np * np];
    for i in 0..np {
        for j in 0..=i {
            let v = dot(&cols[i], &cols[j]);
            jtj[i * np + j] = v;
            jtj[j * np + i] = v;
        }
    }
    let scale = (0..np)
        .map(|i| jtj[i * np + i])
        .fold(0.0, f64::max)
        .max(1e-300);
    linalg::cholesky(&mut jtj, np, scale * 1e-10);
    let spread = sd * inflation.sqrt();
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::with_capacity(count);
    let mut features = vec![vec![0.0; n]; nc];
    let mut mean_contributions = vec![vec![0.0; n]; nc];
    let mut xi = vec![0.0; np];
    for _ in 0..count {
        for x in &mut xi {
            *x = normal(&mut rng);
        }
        linalg::solve_upper_t(&jtj, np, &mut xi);
        let gamma = (0..kb).map(|j| est.gamma[j] + spread * xi[j]).collect();
        let beta = (0..nc).map(|c| est.beta[c] + spread * xi[kb + c]).collect();
        let theta = (0..nc)
            .map(|c| {
                let mut t = est.theta[c];
                for (k, tk) in t.iter_mut().enumerate() {
                    *tk += spread * xi[kb + nc + 3 * c + k];
                }
                t
            })
            .collect();
        let mut draw = Draw {
            gamma,
            beta,
            theta,
            sums: Vec::with_capacity(nc),
        };
        cap(p, design, baseline, &mut draw, &mut features);
        for ((mean, z), b) in mean_contributions.iter_mut().zip(&features).zip(&draw.beta) {
            for (m, v) in mean.iter_mut().zip(z) {
                *m += b * v;
            }
        }
        out.push(draw);
    }
    #[allow(clippy::cast_precision_loss)]
    let share = 1.0 / count.max(1) as f64;
    for v in mean_contributions.iter_mut().flatten() {
        *v *= share;
    }
    Posterior {
        draws: out,
        mean_contributions,
    }
}

/// Holds a draw to what can be, keeping its fitted total: an effect drawn below zero is set to
/// zero (the constraint's boundary), and the channels together may not cause more than the whole
/// KPI (the fit's own bound, `estimate::State::capped`), their effects scaled down to it. What
/// either step changes in the channels' total is moved to the baseline's level, so that in every
/// draw the baseline is the fitted KPI less what the channels caused. Without the bound, draws
/// around a fit at it (and effects drawn above zero where the fit has none) put the channels'
/// means past the whole KPI together: 132 % on the demo, beside a baseline near zero.
/// `features` receives each channel's feature series under the draw's curve.
fn cap(
    p: &Problem,
    design: &Design,
    baseline: &Baseline,
    draw: &mut Draw,
    features: &mut [Vec<f64>],
) {
    let n = baseline.n;
    let intercept = baseline.basis.kept.first() == Some(&0);
    let mut moved = 0.0;
    let mut caused = 0.0;
    draw.sums.clear();
    for ((c, b), z) in draw.beta.iter_mut().enumerate().zip(features.iter_mut()) {
        p.feature(c, draw.theta[c], n, z);
        let sum: f64 = z[..n].iter().sum();
        draw.sums.push(sum);
        if *b < 0.0 {
            if intercept {
                moved += *b * sum;
            }
            *b = 0.0;
        } else {
            caused += *b * sum;
        }
    }
    let kpi: f64 = p.y[..n].iter().sum();
    if intercept && kpi > 0.0 && caused > kpi {
        for b in &mut draw.beta {
            *b *= kpi / caused;
        }
        moved += caused - kpi;
    }
    if moved != 0.0 {
        let level: f64 = design.cols[0][..n].iter().sum();
        draw.gamma[0] += moved / level;
    }
}
