//! Response curves fitted from a campaign's own daily history.
//!
//! Per channel: geometric adstock `aₜ = spendₜ + θ·aₜ₋₁` (θ chosen on a grid by least squares),
//! then a Hill curve `y ≈ β·aˢ/(aˢ + kˢ)` fitted by Levenberg–Marquardt on `(ln β, ln k, ln s)`
//! (the logarithms keep every parameter positive without constraints) from several starts. When the
//! data is too thin for three parameters (few days or few distinct spend levels) the channel falls
//! back to the simpler concave curve `s = 1` (Michaelis–Menten), and with almost no variation to a
//! curve half-saturated at the highest observed spend — the fallback is flagged so the plan's risk
//! assessment can say so. Uncertainty comes from a bootstrap over days with a fixed seed (so the
//! same history always gives the same draws); each draw is a refit.
//!
//! The target `y` is the objective's value: revenue, or new customers × LTV. A daily curve in
//! adstocked spend becomes a curve in steady daily spend by `k ← k·(1−θ)` (at a constant daily
//! spend `x` the adstock settles at `x/(1−θ)`), and a curve for a planning period of `D` days with
//! seasonal indices `iₐ` by `β ← β·Σ iₐ`, `k ← k·D` (the period's budget spread evenly over its days).

use chrono::{Datelike, NaiveDate};
use spendlens_rng::SplitMix64;

use crate::curve::{Hill, ResponseCurve};
use crate::error::{Issue, OptimizeError};

/// One day of one channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Day {
    /// The calendar day.
    pub date: NaiveDate,
    /// Spend that day.
    pub spend: f64,
    /// Revenue attributed that day.
    pub revenue: f64,
    /// New customers (conversions) attributed that day.
    pub new_customers: f64,
}

/// A channel's history.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The channel's name.
    pub name: String,
    /// Its days, in any order (they are sorted by date).
    pub days: Vec<Day>,
    /// Configured customer lifetime value; otherwise revenue per new customer is used.
    pub ltv: Option<f64>,
}

/// What a unit of response is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// Revenue.
    Revenue,
    /// Revenue minus spend. With a fixed budget the best split is the same as for revenue (the
    /// spend term is constant); it changes the reported figures and the budget-finding modes.
    Profit,
    /// New customers × LTV.
    LtvValue,
}

/// Fitting knobs.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// Bootstrap draws per channel (default 200).
    pub draws: usize,
    /// Seed of the bootstrap (default fixed), so results are reproducible.
    pub seed: u64,
    /// Adstock decay rates tried (default 0, 0.1, …, 0.7).
    pub adstock_grid: Vec<f64>,
    /// Fewer days with spend than this, or fewer than 5 distinct spend levels, means the Hill
    /// shape is not identifiable: fall back to `s = 1` (default 21).
    pub min_days: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            draws: 200,
            seed: 0x5EED_2026,
            adstock_grid: (0..8).map(|i| f64::from(i) / 10.0).collect(),
            min_days: 21,
        }
    }
}

/// How a channel's curve was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FitKind {
    /// Full Hill fit.
    Hill,
    /// Thin data: Hill with `s = 1` fitted.
    Concave,
    /// Almost no variation in spend: `s = 1`, half-saturated at the highest observed spend.
    Assumed,
}

/// A fitted channel, in steady daily spend.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedChannel {
    /// The channel's name.
    pub name: String,
    /// Point estimate: response per day at a steady daily spend.
    pub curve: Hill,
    /// Bootstrap draws of the same (the point estimate when `draws = 0`).
    pub draws: Vec<Hill>,
    /// Adstock decay rate θ.
    pub adstock: f64,
    /// R² of the point fit on the (deseasonalised) history.
    pub r_squared: f64,
    /// How the curve was obtained.
    pub kind: FitKind,
    /// Days of history with spend.
    pub days_with_spend: usize,
    /// Highest daily spend seen.
    pub max_daily_spend: f64,
    /// Mean daily spend over the history.
    pub mean_daily_spend: f64,
    /// Spend / new customers, when there were customers.
    pub cac: Option<f64>,
    /// LTV used (configured, or revenue per customer).
    pub ltv: Option<f64>,
}

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

/// Every channel's fit plus the shared seasonality.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedModel {
    /// Per channel, input order.
    pub channels: Vec<FittedChannel>,
    /// Day-of-week and month indices.
    pub seasonality: Seasonality,
    /// The objective the curves measure.
    pub objective: Objective,
}

impl FittedModel {
    /// The curve of channel `i` for a planning period: the mean of its draws, each rescaled to
    /// the period's days and seasonality.
    pub fn period_curve(
        &self,
        i: usize,
        period: &[NaiveDate],
    ) -> Result<ResponseCurve, OptimizeError> {
        let ch = self
            .channels
            .get(i)
            .ok_or_else(|| OptimizeError::one("channels", format!("no channel {i}")))?;
        if period.is_empty() {
            return Err(OptimizeError::one("period", "needs at least one day"));
        }
        let weight: f64 = period.iter().map(|&d| self.seasonality.index(d)).sum();
        let days = period.len() as f64;
        let draws = ch
            .draws
            .iter()
            .map(|h| h.scaled(weight, days))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| OptimizeError::Invalid(vec![e.under(&format!("channels[{i}].curve"))]))?;
        ResponseCurve::from_draws(draws).map_err(|e| OptimizeError::Invalid(vec![e]))
    }
}

/// Fits every channel and the seasonality.
///
/// Seasonality is estimated from the ratio of actual to fitted response pooled over channels
/// (per weekday, per month), normalised to mean 1, and the curves are then refitted once on the
/// deseasonalised history.
pub fn fit(
    histories: &[History],
    objective: Objective,
    opts: &FitOptions,
) -> Result<FittedModel, OptimizeError> {
    if histories.is_empty() {
        return Err(OptimizeError::one(
            "histories",
            "needs at least one channel",
        ));
    }
    let flat = Seasonality::flat();
    let first: Vec<FittedChannel> = histories
        .iter()
        .enumerate()
        .map(|(i, h)| {
            fit_channel(
                h,
                objective,
                &flat,
                &FitOptions {
                    draws: 0,
                    ..opts.clone()
                },
                i,
            )
        })
        .collect::<Result<_, _>>()?;
    let seasonality = estimate_seasonality(histories, objective, &first);
    let channels = histories
        .iter()
        .enumerate()
        .map(|(i, h)| fit_channel(h, objective, &seasonality, opts, i))
        .collect::<Result<_, _>>()?;
    Ok(FittedModel {
        channels,
        seasonality,
        objective,
    })
}

/// The target series of a channel under an objective, and the LTV used.
fn targets(h: &History, objective: Objective) -> (Vec<f64>, Option<f64>) {
    let customers: f64 = h.days.iter().map(|d| d.new_customers).sum();
    let revenue: f64 = h.days.iter().map(|d| d.revenue).sum();
    let ltv = h.ltv.or((customers > 0.0).then(|| revenue / customers));
    let y = match objective {
        Objective::Revenue | Objective::Profit => h.days.iter().map(|d| d.revenue).collect(),
        Objective::LtvValue => h
            .days
            .iter()
            .map(|d| d.new_customers * ltv.unwrap_or(0.0))
            .collect(),
    };
    (y, ltv)
}

fn adstock(spend: &[f64], theta: f64) -> Vec<f64> {
    let mut carry = 0.0;
    spend
        .iter()
        .map(|&s| {
            carry = s + theta * carry;
            carry
        })
        .collect()
}

/// Fits one channel (`i` locates errors).
pub fn fit_channel(
    h: &History,
    objective: Objective,
    season: &Seasonality,
    opts: &FitOptions,
    i: usize,
) -> Result<FittedChannel, OptimizeError> {
    let at = |f: &str| format!("histories[{i}].{f}");
    for (j, d) in h.days.iter().enumerate() {
        for (f, v) in [
            ("spend", d.spend),
            ("revenue", d.revenue),
            ("new_customers", d.new_customers),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(OptimizeError::one(
                    at(&format!("days[{j}].{f}")),
                    format!("must be a finite number ≥ 0, got {v}"),
                ));
            }
        }
    }
    if let Some(l) = h.ltv
        && (!l.is_finite() || l <= 0.0)
    {
        return Err(OptimizeError::one(
            at("ltv"),
            format!("must be a finite number > 0, got {l}"),
        ));
    }
    let mut days = h.days.clone();
    days.sort_by_key(|d| d.date);
    let sorted = History { days, ..h.clone() };
    let (y_raw, ltv) = targets(&sorted, objective);
    let y: Vec<f64> = sorted
        .days
        .iter()
        .zip(&y_raw)
        .map(|(d, &v)| v / season.index(d.date).max(1e-9))
        .collect();
    let spend: Vec<f64> = sorted.days.iter().map(|d| d.spend).collect();
    let days_with_spend = spend.iter().filter(|&&s| s > 0.0).count();
    if days_with_spend < 2 || y.iter().all(|&v| v <= 0.0) {
        return Err(OptimizeError::InsufficientData(Issue::new(
            at("days"),
            format!(
                "channel {:?} needs at least 2 days with spend and some response",
                h.name
            ),
        )));
    }
    let total_spend: f64 = spend.iter().sum();
    let customers: f64 = sorted.days.iter().map(|d| d.new_customers).sum();
    let max_daily_spend = spend.iter().fold(0.0, |m: f64, &s| m.max(s));
    let distinct = distinct_levels(&spend);
    let thin = days_with_spend < opts.min_days || distinct < 5;

    // Adstock by grid search; the Hill (or fallback) fit at each θ.
    let mut best: Option<(f64, Fit)> = None;
    for &theta in &opts.adstock_grid {
        if !(0.0..1.0).contains(&theta) {
            continue;
        }
        let a = adstock(&spend, theta);
        let f = fit_curve(&a, &y, thin, distinct, None);
        if best.as_ref().is_none_or(|b| f.sse < b.1.sse) {
            best = Some((theta, f));
        }
    }
    let Some((theta, point)) = best else {
        return Err(OptimizeError::one("adstock_grid", "needs a rate in [0, 1)"));
    };
    let a = adstock(&spend, theta);
    let mean_y = y.iter().sum::<f64>() / y.len() as f64;
    let sst: f64 = y.iter().map(|v| (v - mean_y).powi(2)).sum();
    let r_squared = if sst > 0.0 {
        1.0 - point.sse / sst
    } else {
        0.0
    };
    let steady = |p: &Params| Hill::new(p.beta, p.k * (1.0 - theta), p.s);
    let curve =
        steady(&point.params).map_err(|e| OptimizeError::InsufficientData(e.under(&at("fit"))))?;
    let mut draws = Vec::with_capacity(opts.draws);
    let mut rng = SplitMix64::stream(opts.seed, i as u64);
    let n = a.len();
    let mut attempts = 0;
    while draws.len() < opts.draws && attempts < 4 * opts.draws {
        attempts += 1;
        let idx: Vec<usize> = (0..n).map(|_| rng.index_unbiased(n)).collect();
        let ab: Vec<f64> = idx.iter().map(|&j| a[j]).collect();
        let yb: Vec<f64> = idx.iter().map(|&j| y[j]).collect();
        if ab.iter().all(|&v| v <= 0.0) {
            continue;
        }
        let f = fit_curve(&ab, &yb, thin, distinct_levels(&ab), Some(point.params));
        if let Ok(hd) = steady(&f.params) {
            draws.push(hd);
        }
    }
    if draws.is_empty() {
        draws.push(curve);
    }
    Ok(FittedChannel {
        name: h.name.clone(),
        curve,
        draws,
        adstock: theta,
        r_squared,
        kind: point.kind,
        days_with_spend,
        max_daily_spend,
        mean_daily_spend: total_spend / sorted.days.len().max(1) as f64,
        cac: (customers > 0.0).then(|| total_spend / customers),
        ltv,
    })
}

fn distinct_levels(x: &[f64]) -> usize {
    let mut v: Vec<f64> = x.iter().copied().filter(|&s| s > 0.0).collect();
    v.sort_by(f64::total_cmp);
    let top = v.last().copied().unwrap_or(0.0);
    v.dedup_by(|a, b| (*a - *b).abs() <= 1e-3 * top);
    v.len()
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Params {
    beta: f64,
    k: f64,
    s: f64,
}

#[derive(Debug, Clone, Copy)]
struct Fit {
    params: Params,
    sse: f64,
    kind: FitKind,
}

fn sse(a: &[f64], y: &[f64], p: Params) -> f64 {
    let lnk = p.k.ln();
    a.iter()
        .zip(y)
        .map(|(&x, &v)| (v - crate::curve::hill3(p.beta, p.s, lnk, x).0).powi(2))
        .sum()
}

/// Fits `y ≈ Hill(a)`; `start` warm-starts a bootstrap refit from the point estimate.
fn fit_curve(a: &[f64], y: &[f64], thin: bool, distinct: usize, start: Option<Params>) -> Fit {
    let top = a.iter().fold(0.0, |m: f64, &v| m.max(v));
    let ymax = y.iter().fold(0.0, |m: f64, &v| m.max(v)).max(1e-12);
    let positive: Vec<f64> = {
        let mut v: Vec<f64> = a.iter().copied().filter(|&x| x > 0.0).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let median = positive
        .get(positive.len() / 2)
        .copied()
        .unwrap_or(top)
        .max(1e-9);
    if distinct < 3 {
        // Half-saturated at the highest spend seen; β by linear least squares.
        let k = top.max(1e-9);
        let g: Vec<f64> = a.iter().map(|&x| x / (x + k)).collect();
        let num: f64 = g.iter().zip(y).map(|(g, y)| g * y).sum();
        let den: f64 = g.iter().map(|g| g * g).sum();
        let beta = if den > 0.0 && num > 0.0 {
            num / den
        } else {
            ymax
        };
        let p = Params { beta, k, s: 1.0 };
        return Fit {
            params: p,
            sse: sse(a, y, p),
            kind: FitKind::Assumed,
        };
    }
    let bounds = Bounds {
        k_lo: (median * 1e-3).ln(),
        k_hi: (top * 1e3).max(1e-9).ln(),
        s_lo: 0.2f64.ln(),
        s_hi: 5.0f64.ln(),
    };
    let kind = if thin {
        FitKind::Concave
    } else {
        FitKind::Hill
    };
    let starts: Vec<Params> = match (start, thin) {
        (Some(p), _) => vec![p],
        (None, true) => vec![
            Params {
                beta: 2.0 * ymax,
                k: median,
                s: 1.0,
            },
            Params {
                beta: 4.0 * ymax,
                k: 3.0 * top,
                s: 1.0,
            },
        ],
        (None, false) => [0.7, 1.0, 1.8, 3.0]
            .iter()
            .flat_map(|&s| {
                [
                    Params {
                        beta: 1.5 * ymax,
                        k: median,
                        s,
                    },
                    Params {
                        beta: 3.0 * ymax,
                        k: 2.0 * top,
                        s,
                    },
                ]
            })
            .collect(),
    };
    let mut best: Option<Fit> = None;
    for p0 in starts {
        let p0 = if thin { Params { s: 1.0, ..p0 } } else { p0 };
        let p = levenberg_marquardt(a, y, p0, thin, &bounds);
        let f = Fit {
            params: p,
            sse: sse(a, y, p),
            kind,
        };
        if best.is_none_or(|b| f.sse < b.sse) {
            best = Some(f);
        }
    }
    best.unwrap_or(Fit {
        params: Params {
            beta: ymax,
            k: median,
            s: 1.0,
        },
        sse: f64::INFINITY,
        kind,
    })
}

struct Bounds {
    k_lo: f64,
    k_hi: f64,
    s_lo: f64,
    s_hi: f64,
}

/// Levenberg–Marquardt on `θ = (ln β, ln k, ln s)` (or `(ln β, ln k)` with `s = 1` fixed).
///
/// With `p = 1/(1+(k/a)ˢ)`, `q = 1−p`: `∂h/∂ln β = β·p`, `∂h/∂ln k = −β·s·p·q`,
/// `∂h/∂ln s = β·s·p·q·(ln a − ln k)`. Damping `μ` scales the diagonal of `JᵀJ` (Marquardt) and
/// adapts ×10 / ÷3 on rejection / acceptance; `ln k` and `ln s` are kept in a box so a flat
/// direction cannot run off to infinity.
fn levenberg_marquardt(a: &[f64], y: &[f64], p0: Params, fix_s: bool, b: &Bounds) -> Params {
    let mut t = [
        p0.beta.max(1e-12).ln(),
        p0.k.max(1e-12).ln().clamp(b.k_lo, b.k_hi),
        p0.s.ln().clamp(b.s_lo, b.s_hi),
    ];
    let m = if fix_s { 2 } else { 3 };
    let to_params = |t: &[f64; 3]| Params {
        beta: t[0].exp(),
        k: t[1].exp(),
        s: if fix_s { 1.0 } else { t[2].exp() },
    };
    let mut cur = sse(a, y, to_params(&t));
    let mut mu = 1e-3;
    for _ in 0..200 {
        let p = to_params(&t);
        let (mut jtj, mut jtr) = ([[0.0f64; 3]; 3], [0.0f64; 3]);
        let lnk = p.k.ln();
        for (&x, &v) in a.iter().zip(y) {
            let (h, row) = if x > 0.0 {
                let z = p.s * (x.ln() - lnk);
                let e = (-z.abs()).exp();
                let inv = 1.0 / (1.0 + e);
                let (pp, qq) = if z >= 0.0 {
                    (inv, e * inv)
                } else {
                    (e * inv, inv)
                };
                let h = p.beta * pp;
                (h, [h, -p.beta * p.s * pp * qq, p.beta * pp * qq * z])
            } else {
                (0.0, [0.0; 3])
            };
            let r = v - h;
            for i in 0..m {
                jtr[i] += row[i] * r;
                for j in 0..m {
                    jtj[i][j] += row[i] * row[j];
                }
            }
        }
        let mut improved = false;
        for _ in 0..12 {
            let mut lhs = jtj;
            for (i, row) in lhs.iter_mut().enumerate().take(m) {
                row[i] += mu * jtj[i][i].max(1e-12);
            }
            let Some(step) = solve_small(&lhs, &jtr, m) else {
                mu *= 10.0;
                continue;
            };
            let mut tn = t;
            for i in 0..m {
                tn[i] += step[i];
            }
            tn[0] = tn[0].clamp(-700.0, 700.0);
            tn[1] = tn[1].clamp(b.k_lo, b.k_hi);
            tn[2] = tn[2].clamp(b.s_lo, b.s_hi);
            let new = sse(a, y, to_params(&tn));
            if new.is_finite() && new < cur {
                let rel = (cur - new) / cur.max(1e-300);
                t = tn;
                cur = new;
                mu = (mu / 3.0).max(1e-12);
                improved = rel > 1e-12;
                break;
            }
            mu *= 10.0;
        }
        if !improved {
            break;
        }
    }
    to_params(&t)
}

/// Gaussian elimination with partial pivoting on the leading `m × m` block.
fn solve_small(a: &[[f64; 3]; 3], b: &[f64; 3], m: usize) -> Option<[f64; 3]> {
    let mut a = *a;
    let mut b = *b;
    for c in 0..m {
        let piv = (c..m).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[piv][c].abs() < 1e-300 || !a[piv][c].is_finite() {
            return None;
        }
        a.swap(c, piv);
        b.swap(c, piv);
        for r in (c + 1)..m {
            let f = a[r][c] / a[c][c];
            let pivot_row = a[c];
            for (x, p) in a[r].iter_mut().zip(pivot_row).take(m).skip(c) {
                *x -= f * p;
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = [0.0; 3];
    for c in (0..m).rev() {
        let s: f64 = ((c + 1)..m).map(|k| a[c][k] * x[k]).sum();
        x[c] = (b[c] - s) / a[c][c];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Weekday and month indices from the pooled ratio actual / fitted, normalised to mean 1 over
/// the history's days.
fn estimate_seasonality(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn day(i: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 1).expect("date") + chrono::Duration::days(i)
    }

    /// History generated from known parameters with multiplicative noise.
    fn generated(beta: f64, k: f64, s: f64, theta: f64, n: i64, noise: f64, seed: u64) -> History {
        let mut rng = SplitMix64::new(seed);
        let spend: Vec<f64> = (0..n).map(|_| 5.0 + 95.0 * rng.unit()).collect();
        let a = adstock(&spend, theta);
        let days = (0..n)
            .map(|i| {
                let x = a[usize::try_from(i).unwrap_or(0)];
                let clean = beta * x.powf(s) / (x.powf(s) + k.powf(s));
                let eps = noise * (2.0 * rng.unit() - 1.0);
                Day {
                    date: day(i),
                    spend: spend[usize::try_from(i).unwrap_or(0)],
                    revenue: clean * (1.0 + eps),
                    new_customers: clean / 50.0,
                }
            })
            .collect();
        History {
            name: "gen".into(),
            days,
            ltv: None,
        }
    }

    #[test]
    fn recovers_known_parameters() {
        let (beta, k, s, theta) = (900.0, 60.0, 1.6, 0.3);
        let h = generated(beta, k, s, theta, 240, 0.01, 7);
        let opts = FitOptions {
            draws: 20,
            ..FitOptions::default()
        };
        let f = fit_channel(&h, Objective::Revenue, &Seasonality::flat(), &opts, 0).expect("fits");
        assert_eq!(f.kind, FitKind::Hill);
        assert!((f.adstock - theta).abs() < 1e-9, "θ {}", f.adstock);
        let k_adstocked = f.curve.k() / (1.0 - f.adstock);
        assert!(
            (f.curve.beta() - beta).abs() / beta < 0.05,
            "β {}",
            f.curve.beta()
        );
        assert!((k_adstocked - k).abs() / k < 0.05, "k {k_adstocked}");
        assert!((f.curve.s() - s).abs() / s < 0.05, "s {}", f.curve.s());
        assert!(f.r_squared > 0.99);
        assert_eq!(f.draws.len(), 20);
        // Bootstrap draws scatter around the estimate.
        let mean_s = f.draws.iter().map(Hill::s).sum::<f64>() / 20.0;
        assert!((mean_s - s).abs() / s < 0.05);
    }

    #[test]
    fn thin_data_falls_back_to_a_concave_curve() {
        let h = generated(500.0, 40.0, 2.0, 0.0, 10, 0.02, 3);
        let f = fit_channel(
            &h,
            Objective::Revenue,
            &Seasonality::flat(),
            &FitOptions {
                draws: 5,
                ..FitOptions::default()
            },
            0,
        )
        .expect("fits");
        assert_eq!(f.kind, FitKind::Concave);
        assert!(f.draws.iter().all(|d| (d.s() - 1.0).abs() < 1e-12));
    }

    #[test]
    fn bootstrap_is_reproducible() {
        let h = generated(900.0, 60.0, 1.2, 0.0, 60, 0.05, 9);
        let opts = FitOptions {
            draws: 10,
            ..FitOptions::default()
        };
        let a = fit_channel(&h, Objective::Revenue, &Seasonality::flat(), &opts, 0).expect("fits");
        let b = fit_channel(&h, Objective::Revenue, &Seasonality::flat(), &opts, 0).expect("fits");
        assert_eq!(a, b);
    }

    #[test]
    fn weekday_seasonality_is_recovered() {
        let mut h = generated(900.0, 60.0, 1.0, 0.0, 140, 0.0, 5);
        for d in &mut h.days {
            if d.date.weekday() == chrono::Weekday::Sat {
                d.revenue *= 1.5;
            }
        }
        let m = fit(
            &[h],
            Objective::Revenue,
            &FitOptions {
                draws: 0,
                ..FitOptions::default()
            },
        )
        .expect("fits");
        let sat = m.seasonality.weekday[5];
        let mon = m.seasonality.weekday[0];
        assert!((sat / mon - 1.5).abs() < 0.05, "sat/mon {}", sat / mon);
    }

    #[test]
    fn cac_and_ltv() {
        let h = generated(900.0, 60.0, 1.0, 0.0, 30, 0.0, 5);
        let spend: f64 = h.days.iter().map(|d| d.spend).sum();
        let cust: f64 = h.days.iter().map(|d| d.new_customers).sum();
        let f = fit_channel(
            &h,
            Objective::LtvValue,
            &Seasonality::flat(),
            &FitOptions {
                draws: 0,
                ..FitOptions::default()
            },
            0,
        )
        .expect("fits");
        assert!((f.cac.unwrap_or(0.0) - spend / cust).abs() < 1e-9);
        assert!((f.ltv.unwrap_or(0.0) - 50.0).abs() < 1e-9);
    }

    #[test]
    fn bad_history_is_located() {
        let mut h = generated(900.0, 60.0, 1.0, 0.0, 30, 0.0, 5);
        h.days[3].spend = -1.0;
        let e = fit_channel(
            &h,
            Objective::Revenue,
            &Seasonality::flat(),
            &FitOptions::default(),
            2,
        )
        .expect_err("bad");
        assert!(e.to_string().starts_with("histories[2].days["), "{e}");
    }
}
