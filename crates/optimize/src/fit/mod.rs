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

mod hill;
mod seasonality;

use chrono::NaiveDate;
use spendlens_rng::SplitMix64;

use crate::curve::{Hill, ResponseCurve};
use crate::error::{Issue, OptimizeError};

pub use seasonality::Seasonality;

use hill::{Fit, Params, fit_curve};
use seasonality::estimate_seasonality;

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
    /// The mean seasonal multiplier over a planning period (1 = an average day of the history):
    /// the factor by which the period's curves were scaled, to show what seasonality was used.
    pub fn period_index(&self, period: &[NaiveDate]) -> f64 {
        if period.is_empty() {
            return 1.0;
        }
        period
            .iter()
            .map(|&d| self.seasonality.index(d))
            .sum::<f64>()
            / period.len() as f64
    }

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
    // Two causes, two messages: a channel with months of spend and no revenue must not be told
    // it lacks days.
    if days_with_spend < 2 {
        return Err(OptimizeError::InsufficientData(Issue::new(
            at("days"),
            format!(
                "channel {:?} has {days_with_spend} day(s) with spend; a curve needs at least 2",
                h.name
            ),
        )));
    }
    if y.iter().all(|&v| v <= 0.0) {
        let what = match objective {
            Objective::Revenue | Objective::Profit => "revenue",
            Objective::LtvValue => "new customers × LTV",
        };
        return Err(OptimizeError::InsufficientData(Issue::new(
            at("days"),
            format!(
                "channel {:?} has no response to fit a curve to: its {what} is 0 on every day \
                 ({days_with_spend} days with spend)",
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

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
    fn a_channel_without_response_is_told_so_not_that_it_lacks_days() {
        let opts = FitOptions {
            draws: 0,
            ..FitOptions::default()
        };
        let mut h = generated(900.0, 60.0, 1.0, 0.0, 90, 0.0, 5);
        for d in &mut h.days {
            d.revenue = 0.0;
            d.new_customers = 0.0;
        }
        for (objective, what) in [
            (Objective::Revenue, "its revenue is 0 on every day"),
            (
                Objective::LtvValue,
                "its new customers × LTV is 0 on every day",
            ),
        ] {
            let e = fit_channel(&h, objective, &Seasonality::flat(), &opts, 1).expect_err("none");
            let text = e.to_string();
            assert!(
                text.starts_with("histories[1].days: channel \"gen\" has no response")
                    && text.contains(what)
                    && text.contains("(90 days with spend)")
                    && !text.contains("at least 2"),
                "{text}"
            );
        }
        h.days.iter_mut().skip(1).for_each(|d| d.spend = 0.0);
        let e = fit_channel(&h, Objective::Revenue, &Seasonality::flat(), &opts, 0)
            .expect_err("one day");
        assert!(
            e.to_string()
                .ends_with("channel \"gen\" has 1 day(s) with spend; a curve needs at least 2"),
            "{e}"
        );
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
