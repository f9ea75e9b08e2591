//! The Budget Optimization Engine's answer (docs/seed-finance-domain-integration.md): current and
//! optimised allocation, expected improvement with a 90 % interval, a risk assessment and a
//! week-by-week rollout — built from a [`FittedModel`] and the solver, for the server to call.
//!
//! The interval comes from the draws: draw `j` of every channel together is one plausible world
//! (channels are bootstrapped with the same draw count), and the improvement of the optimised plan
//! over the current one is evaluated in each world; the 5th and 95th percentiles bound it.

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::allocate::{self, Solution};
use crate::curve::ResponseCurve;
use crate::error::OptimizeError;
use crate::fit::{FitKind, FittedModel, Objective};
use crate::problem::{Channel, Problem};
use crate::rounding::{round_to_total, to_cents};

/// What to plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest {
    /// The days of the planning period.
    pub period: Vec<NaiveDate>,
    /// The period's budget.
    pub total_budget: f64,
    /// Current spend per channel for the period (input order); `None` means the channel's mean
    /// daily spend in the history times the period's days, rescaled to the budget.
    pub current: Option<Vec<f64>>,
    /// Per-channel `(min, max)` spend for the period; `None` means `[0, budget]`.
    pub bounds: Option<Vec<(f64, f64)>>,
    /// Largest relative change per channel versus current over the period, if any.
    pub ramp_limit: Option<f64>,
    /// Largest share of the budget moved between channels per week of rollout (default 0.2).
    pub weekly_shift: f64,
    /// Caps on what groups of channels spend together (indices in the model's channel order).
    pub groups: Vec<crate::problem::Group>,
}

impl PlanRequest {
    /// A request with defaults: current spend from history, no bounds, 20 % moved per week.
    pub fn new(period: Vec<NaiveDate>, total_budget: f64) -> Self {
        Self {
            period,
            total_budget,
            current: None,
            bounds: None,
            ramp_limit: None,
            weekly_shift: 0.2,
            groups: Vec::new(),
        }
    }
}

/// A channel and an amount.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelAmount {
    /// The channel's name.
    pub name: String,
    /// Spend, in cents (the channels' spends add up to the budget they split).
    pub spend: Decimal,
    /// Share of the budget, 0–1.
    pub share: f64,
    /// Expected response (value of the objective before spend) at this spend, in cents: the
    /// curve evaluated at the spend as shown, so a chart of the curve and this figure agree.
    pub expected_response: Decimal,
}

/// Expected gain of the optimised plan over the current one, over the period.
#[derive(Debug, Clone, PartialEq)]
pub struct Improvement {
    /// The optimised value less the current one, as the plan shows them (each the sum of its
    /// channels' responses to the cent), so the three figures never disagree; within cents of
    /// the solver's objective difference.
    pub point: f64,
    /// 5th percentile over the draws.
    pub low: f64,
    /// 95th percentile over the draws.
    pub high: f64,
    /// `point` relative to the current response, in percent.
    pub pct: Option<f64>,
    /// The objective measured (for `Profit` the gain is the same: the budget does not change).
    pub objective: Objective,
}

impl Improvement {
    /// Whether the 90 % interval reaches below zero: in some plausible worlds the plan does
    /// worse than the current split, which the plan must say plainly.
    pub fn includes_loss(&self) -> bool {
        self.low < 0.0
    }
}

/// How much to trust a channel's recommendation.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelRisk {
    /// The channel's name.
    pub name: String,
    /// Recommended daily spend / highest daily spend in the history; above 1 the curve is
    /// extrapolated.
    pub extrapolation: f64,
    /// Days of history with spend.
    pub days_with_spend: usize,
    /// R² of the fit.
    pub r_squared: f64,
    /// How the curve was obtained.
    pub fit: FitKind,
    /// Plain-language warnings.
    pub warnings: Vec<String>,
}

/// Overall level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RiskLevel {
    /// Nothing notable.
    Low,
    /// Some channels need a watchful rollout.
    Medium,
    /// Treat the plan as a hypothesis to test.
    High,
}

/// The risk assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskAssessment {
    /// Worst of the factors below.
    pub level: RiskLevel,
    /// Per channel.
    pub channels: Vec<ChannelRisk>,
    /// Herfindahl index of the optimised shares (1 = everything in one channel).
    pub concentration: f64,
    /// Largest single share.
    pub largest_share: f64,
    /// `(high − low) / |point|` of the improvement interval.
    pub relative_interval_width: f64,
    /// Plain-language warnings for the plan as a whole.
    pub warnings: Vec<String>,
}

/// One week of the rollout: the split in force from that week on, over the whole period and
/// per week (the period's figures × 7 / its days), each total the sum of its channels' cents.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutWeek {
    /// 1-based.
    pub week: usize,
    /// The split in force that week, as period amounts (cents adding up to the budget) with
    /// each channel's expected response over the period at them.
    pub allocation: Vec<ChannelAmount>,
    /// The same split per week: each channel's period spend × 7 / days (cents adding up to the
    /// budget × 7 / days) and its period response × 7 / days.
    pub weekly_allocation: Vec<ChannelAmount>,
    /// Share of the move from current to optimised done by this week, 0–1.
    pub progress: f64,
    /// Expected response over the period at this week's split: the sum of `allocation`'s.
    pub expected_response: Decimal,
    /// The same per week: the sum of `weekly_allocation`'s.
    pub expected_weekly_response: Decimal,
}

/// The seed's `BudgetOptimization`.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetPlan {
    /// What the channels spend now.
    pub current_allocation: Vec<ChannelAmount>,
    /// What they should spend.
    pub optimized_allocation: Vec<ChannelAmount>,
    /// Gain with a 90 % interval.
    pub expected_improvement: Improvement,
    /// Why and where to be careful.
    pub risk_assessment: RiskAssessment,
    /// Week-by-week rollout.
    pub implementation_timeline: Vec<RolloutWeek>,
    /// The objective's value over the period at the current spends, in cents: the sum of the
    /// channels' expected responses as shown, less for `Profit` the spend.
    pub current_value: Decimal,
    /// The same at the optimised spends.
    pub optimized_value: Decimal,
    /// The solver's full answer (certificate included).
    pub solution: Solution,
}

/// Builds the plan for a period from fitted curves.
pub fn plan(model: &FittedModel, request: &PlanRequest) -> Result<BudgetPlan, OptimizeError> {
    let n = model.channels.len();
    let days = request.period.len();
    if days == 0 {
        return Err(OptimizeError::one("period", "needs at least one day"));
    }
    if !(request.weekly_shift.is_finite()
        && request.weekly_shift > 0.0
        && request.weekly_shift <= 1.0)
    {
        return Err(OptimizeError::one(
            "weekly_shift",
            format!("must be in (0, 1], got {}", request.weekly_shift),
        ));
    }
    let budget = request.total_budget;
    let curves: Vec<ResponseCurve> = (0..n)
        .map(|i| model.period_curve(i, &request.period))
        .collect::<Result<_, _>>()?;
    let current = match &request.current {
        Some(c) if c.len() == n => c.clone(),
        Some(c) => {
            return Err(OptimizeError::one(
                "current",
                format!("has {} entries for {n} channels", c.len()),
            ));
        }
        None => {
            let raw: Vec<f64> = model
                .channels
                .iter()
                .map(|c| c.mean_daily_spend * days as f64)
                .collect();
            let total: f64 = raw.iter().sum();
            if total > 0.0 {
                raw.iter().map(|v| v * budget / total).collect()
            } else {
                vec![budget / n.max(1) as f64; n]
            }
        }
    };
    if let Some(b) = &request.bounds
        && b.len() != n
    {
        return Err(OptimizeError::one(
            "bounds",
            format!("has {} entries for {n} channels", b.len()),
        ));
    }
    let channels: Vec<Channel> = model
        .channels
        .iter()
        .zip(curves)
        .enumerate()
        .map(|(i, (fc, curve))| {
            let (lo, hi) = request
                .bounds
                .as_ref()
                .map_or((0.0, f64::INFINITY), |b| b[i]);
            Channel::new(fc.name.clone(), curve)
                .current(current[i])
                .bounds(lo, hi)
        })
        .collect();
    let problem = Problem {
        total_budget: budget,
        channels,
        groups: request.groups.clone(),
        ramp_limit: request.ramp_limit,
    };
    let solution = allocate::optimize(&problem)?;
    let optimized: Vec<f64> = solution.allocation.iter().map(|a| a.spend).collect();

    let amounts = |x: &[f64]| -> Vec<ChannelAmount> {
        let total: f64 = x.iter().sum();
        let cents = round_to_total(x, total, &[]);
        problem
            .channels
            .iter()
            .zip(x)
            .zip(cents)
            .map(|((c, &v), spend)| ChannelAmount {
                name: c.name.clone(),
                expected_response: to_cents(c.curve.value(spend.to_f64().unwrap_or(0.0))),
                spend,
                share: if total > 0.0 { v / total } else { 0.0 },
            })
            .collect()
    };
    let current_allocation = amounts(&current);
    let optimized_allocation = amounts(&optimized);
    let value = |list: &[ChannelAmount]| -> Decimal {
        let response: Decimal = list.iter().map(|a| a.expected_response).sum();
        if model.objective == Objective::Profit {
            response - list.iter().map(|a| a.spend).sum::<Decimal>()
        } else {
            response
        }
    };
    let (current_value, optimized_value) =
        (value(&current_allocation), value(&optimized_allocation));

    // Improvement per world (draw index).
    let worlds = problem
        .channels
        .iter()
        .map(|c| c.curve.draws().len())
        .max()
        .unwrap_or(1);
    let mut gains: Vec<f64> = (0..worlds)
        .map(|j| {
            problem
                .channels
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let d = &c.curve.draws()[j % c.curve.draws().len()];
                    d.value(optimized[i]) - d.value(current[i])
                })
                .sum()
        })
        .collect();
    gains.sort_by(f64::total_cmp);
    // The gain as shown: the two values' difference (the spend is the same budget in both).
    let point = (optimized_value - current_value).to_f64().unwrap_or(0.0);
    let current_response: f64 = current_allocation
        .iter()
        .map(|a| a.expected_response.to_f64().unwrap_or(0.0))
        .sum();
    let improvement = Improvement {
        point,
        low: percentile(&gains, 0.05),
        high: percentile(&gains, 0.95),
        pct: (current_response > 0.0).then(|| point / current_response * 100.0),
        objective: model.objective,
    };

    let risk = assess(model, &current, &optimized, days, &improvement);

    // Rollout: move at most `weekly_shift` of the budget per week, straight towards the optimum.
    let moved: f64 = 0.5
        * optimized
            .iter()
            .zip(&current)
            .map(|(o, c)| (o - c).abs())
            .sum::<f64>();
    let per_week = request.weekly_shift * budget;
    let weeks = if moved <= 1e-9 * budget.max(1.0) || per_week <= 0.0 {
        1
    } else {
        let w = (moved / per_week - 1e-9).ceil();
        if w.is_finite() && w >= 1.0 {
            count(w)
        } else {
            1
        }
    };
    let timeline = (1..=weeks)
        .map(|w| {
            let progress = if moved > 0.0 {
                (w as f64 * per_week / moved).min(1.0)
            } else {
                1.0
            };
            let x: Vec<f64> = current
                .iter()
                .zip(&optimized)
                .map(|(c, o)| c + progress * (o - c))
                .collect();
            let allocation = amounts(&x);
            let weekly_allocation = weekly(&allocation, days);
            RolloutWeek {
                week: w,
                expected_response: allocation.iter().map(|a| a.expected_response).sum(),
                expected_weekly_response: weekly_allocation
                    .iter()
                    .map(|a| a.expected_response)
                    .sum(),
                allocation,
                weekly_allocation,
                progress,
            }
        })
        .collect();

    Ok(BudgetPlan {
        current_value,
        optimized_value,
        current_allocation,
        optimized_allocation,
        expected_improvement: improvement,
        risk_assessment: risk,
        implementation_timeline: timeline,
        solution,
    })
}

/// A split of the period's amounts per week: each spend × 7 / `days` in cents adding up to the
/// budget × 7 / `days`, each response × 7 / `days` to the cent.
fn weekly(period: &[ChannelAmount], days: usize) -> Vec<ChannelAmount> {
    let (week, days) = (Decimal::from(7), Decimal::from(days.max(1)));
    let scaled: Vec<f64> = period
        .iter()
        .map(|a| (a.spend * week / days).to_f64().unwrap_or(0.0))
        .collect();
    let total: Decimal = period.iter().map(|a| a.spend).sum::<Decimal>() * week / days;
    let cents = round_to_total(&scaled, total.to_f64().unwrap_or(0.0), &[]);
    period
        .iter()
        .zip(cents)
        .map(|(a, spend)| ChannelAmount {
            name: a.name.clone(),
            spend,
            share: a.share,
            expected_response: (a.expected_response * week / days)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
        })
        .collect()
}

/// The plan's level, raised by a channel's warning only when the plan moves that channel.
struct Level<'a>(&'a mut RiskLevel, bool);

impl Level<'_> {
    fn raise(&mut self, to: RiskLevel) {
        if self.1 {
            *self.0 = (*self.0).max(to);
        }
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor();
    let i = count(lo).min(sorted.len() - 1);
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + (pos - lo) * (sorted[j] - sorted[i])
}

/// A non-negative whole number held in an `f64` (a week count, an index), saturating at 1e9.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped to [0, 1e9] first
fn count(v: f64) -> usize {
    v.clamp(0.0, 1e9) as usize
}

/// The risk of following the plan. A channel's warnings are listed whatever its spend, but they
/// raise the level only when the plan changes that channel's spend (a channel kept at its
/// current spend carries no recommendation to distrust), and concentration only when the plan
/// concentrates more than the current split does.
fn assess(
    model: &FittedModel,
    current: &[f64],
    optimized: &[f64],
    days: usize,
    imp: &Improvement,
) -> RiskAssessment {
    let total: f64 = optimized.iter().sum();
    let mut level = RiskLevel::Low;
    let tolerance = 1e-9 * total.max(1.0);
    let channels = model
        .channels
        .iter()
        .zip(optimized)
        .zip(current)
        .map(|((c, &x), &now)| {
            let mut level = Level(&mut level, (x - now).abs() > tolerance);
            let daily = x / days as f64;
            let extrapolation = if c.max_daily_spend > 0.0 { daily / c.max_daily_spend } else { f64::INFINITY };
            let mut warnings = Vec::new();
            if extrapolation > 1.2 {
                warnings.push(format!(
                    "The recommended daily spend is {extrapolation:.2}× the highest seen: the curve is extrapolated."
                ));
                level.raise(if extrapolation > 2.0 { RiskLevel::High } else { RiskLevel::Medium });
            }
            match c.kind {
                FitKind::Hill => {}
                FitKind::Concave => {
                    warnings.push(format!("Only {} days of varied spend: a simpler concave curve was fitted.", c.days_with_spend));
                    level.raise(RiskLevel::Medium);
                }
                FitKind::Assumed => {
                    warnings.push("Spend barely varied: saturation is assumed, not measured.".to_owned());
                    level.raise(RiskLevel::High);
                }
            }
            if c.r_squared < 0.5 {
                warnings.push(format!("The curve explains little of the history (R² {:.2}).", c.r_squared));
                level.raise(RiskLevel::Medium);
            }
            ChannelRisk {
                name: c.name.clone(),
                extrapolation,
                days_with_spend: c.days_with_spend,
                r_squared: c.r_squared,
                fit: c.kind,
                warnings,
            }
        })
        .collect();
    let shares: Vec<f64> = optimized
        .iter()
        .map(|&x| if total > 0.0 { x / total } else { 0.0 })
        .collect();
    let concentration = shares.iter().map(|s| s * s).sum();
    let largest_share = shares.iter().fold(0.0, |m: f64, &s| m.max(s));
    let current_total: f64 = current.iter().sum();
    let current_largest = current.iter().fold(0.0, |m: f64, &x| {
        m.max(if current_total > 0.0 {
            x / current_total
        } else {
            0.0
        })
    });
    let width = imp.high - imp.low;
    // Nothing expected and nothing uncertain (every channel kept its spend) is no uncertainty.
    let relative_interval_width = if imp.point.abs() > 0.0 {
        width / imp.point.abs()
    } else if width > 0.0 {
        f64::INFINITY
    } else {
        0.0
    };
    let mut warnings = Vec::new();
    if largest_share > 0.6 {
        warnings.push(format!(
            "One channel gets {:.1} % of the budget.",
            largest_share * 100.0
        ));
        if largest_share > current_largest + 1e-9 {
            level = level.max(RiskLevel::Medium);
        }
    }
    if imp.includes_loss() {
        warnings.push(
            "The 90 % interval of the improvement includes a loss: the plan may do worse than the current split."
                .to_owned(),
        );
        level = level.max(RiskLevel::High);
    } else if relative_interval_width > 1.0 {
        warnings.push(
            "The improvement is uncertain: its 90 % interval is wider than the gain itself."
                .to_owned(),
        );
        level = level.max(RiskLevel::Medium);
    }
    RiskAssessment {
        level,
        channels,
        concentration,
        largest_share,
        relative_interval_width,
        warnings,
    }
}
