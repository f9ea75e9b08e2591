//! The public entry points: split a budget, or find the budget that meets a target.
//!
//! Every entry point ends in the same certified solve ([`crate::solve`]) for one budget; the
//! target modes only choose that budget (monotone bisection or a scan, documented per function).

use rust_decimal::Decimal;

use crate::curve::{Env, ResponseCurve};
use crate::error::{Issue, OptimizeError};
use crate::problem::{Intervals, Problem};
use crate::rounding::round_to_total;
use crate::solve::{self, SolverOptions};

/// Whether the answer is proven optimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The certified gap is within the solver's tolerance (1e-9 by default).
    Optimal,
    /// The node limit stopped the global search first; `optimality_gap` still bounds the loss.
    NodeLimit,
}

/// Which bound a channel's spend sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// Its (effective) minimum.
    Min,
    /// Its (effective) maximum.
    Max,
}

/// One channel of the answer, in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    /// The channel's name.
    pub name: String,
    /// The optimal spend, unrounded.
    pub spend: f64,
    /// The spend in cents; these add up exactly to the budget in cents.
    pub spend_rounded: Decimal,
    /// What the channel spends now.
    pub current_spend: f64,
    /// Expected response at `spend`.
    pub response: f64,
    /// Marginal response at `spend`: equal to the common multiplier for channels strictly inside
    /// their bounds when the curves are concave.
    pub marginal_response: f64,
    /// The bound the spend sits on, if any.
    pub at_bound: Option<Bound>,
}

impl Allocation {
    /// Relative change from the current spend, in percent (`None` for a channel not spending now).
    pub fn change_pct(&self) -> Option<f64> {
        (self.current_spend > 0.0)
            .then(|| (self.spend - self.current_spend) / self.current_spend * 100.0)
    }
}

/// The optimal plan for one budget, with its certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Proven or stopped at the node limit.
    pub status: Status,
    /// The budget split (for the target modes: the budget found).
    pub total_budget: f64,
    /// Expected total response of the plan.
    pub total_response: f64,
    /// Expected total response of the current spends.
    pub current_response: f64,
    /// The budget multiplier `λ`: the marginal return shared by the channels strictly inside
    /// their bounds.
    pub marginal_response: f64,
    /// A proven upper bound on the best total response any feasible plan can reach.
    pub upper_bound: f64,
    /// `(upper_bound − total_response) / upper_bound`, ≥ 0.
    pub optimality_gap: f64,
    /// Branch-and-bound nodes explored (1 for concave curves).
    pub nodes: usize,
    /// Per channel, input order.
    pub allocation: Vec<Allocation>,
}

impl Solution {
    /// `(total − current) / current` in percent, `None` when nothing responds today.
    pub fn improvement_pct(&self) -> Option<f64> {
        (self.current_response > 0.0)
            .then(|| (self.total_response - self.current_response) / self.current_response * 100.0)
    }
}

/// Splits `problem.total_budget` over the channels to maximise the expected total response.
///
/// Exact for concave curves; certified within [`SolverOptions::gap_tolerance`] for S-shaped ones.
/// When the current spends are a feasible plan, the answer is never worse than them.
pub fn optimize(problem: &Problem) -> Result<Solution, OptimizeError> {
    optimize_with(problem, SolverOptions::default())
}

/// [`optimize`] with explicit solver options.
pub fn optimize_with(problem: &Problem, opts: SolverOptions) -> Result<Solution, OptimizeError> {
    let budget = problem.total_budget;
    if !budget.is_finite() || budget < 0.0 {
        return Err(OptimizeError::one(
            "total_budget",
            format!("must be a finite number ≥ 0, got {budget}"),
        ));
    }
    let iv = problem.intervals(budget)?;
    iv.check_budget(budget)?;
    Ok(solve_for(problem, &iv, budget, opts))
}

fn solve_for(problem: &Problem, iv: &Intervals, budget: f64, opts: SolverOptions) -> Solution {
    let curves: Vec<&ResponseCurve> = problem.channels.iter().map(|c| &c.curve).collect();
    let envs: Vec<Env> = curves
        .iter()
        .zip(&iv.bounds)
        .map(|(c, &(a, b))| Env::new(c, a, b))
        .collect();
    let current = problem.current_if_feasible(iv, budget);
    let mut raw = solve::solve(&envs, &curves, iv, budget, current.as_deref(), opts);
    let current_response: f64 = problem
        .channels
        .iter()
        .map(|c| c.curve.value(c.current_spend))
        .sum();
    let mut sol = build(problem, iv, &envs, budget, &raw, current_response);
    // Never worse than a feasible current plan (for concave curves this only guards rounding).
    if let Some(cur) = current
        && current_response > sol.total_response
    {
        raw.x = cur;
        let upper = sol.upper_bound;
        sol = build(problem, iv, &envs, budget, &raw, current_response);
        sol.upper_bound = upper.max(sol.total_response);
        sol.optimality_gap = gap(sol.upper_bound, sol.total_response);
    }
    sol
}

fn gap(upper: f64, value: f64) -> f64 {
    if upper > 0.0 {
        ((upper - value) / upper).max(0.0)
    } else {
        0.0
    }
}

fn build(
    problem: &Problem,
    iv: &Intervals,
    envs: &[Env],
    budget: f64,
    raw: &solve::Raw,
    current_response: f64,
) -> Solution {
    let caps: Vec<f64> = iv.bounds.iter().map(|b| b.1).collect();
    let rounded = round_to_total(&raw.x, budget, &caps);
    let tol = 1e-12 * budget.max(1.0);
    let allocation: Vec<Allocation> = problem
        .channels
        .iter()
        .zip(envs)
        .enumerate()
        .map(|(i, (ch, env))| {
            let x = raw.x[i];
            let at_bound = if x <= env.a + tol {
                Some(Bound::Min)
            } else if x >= env.b - tol {
                Some(Bound::Max)
            } else {
                None
            };
            let (response, marginal_response) = env.value_true(x);
            Allocation {
                name: ch.name.clone(),
                spend: x,
                spend_rounded: rounded[i],
                current_spend: ch.current_spend,
                response,
                marginal_response,
                at_bound,
            }
        })
        .collect();
    let total_response: f64 = allocation.iter().map(|a| a.response).sum();
    let upper = raw.upper.max(total_response);
    Solution {
        status: if raw.proven {
            Status::Optimal
        } else {
            Status::NodeLimit
        },
        total_budget: budget,
        total_response,
        current_response,
        marginal_response: raw.lam,
        upper_bound: upper,
        optimality_gap: gap(upper, total_response),
        nodes: raw.nodes,
        allocation,
    }
}

/// Spends each channel up to marginal return `m` (within its bounds and group caps): the budget
/// is whatever that costs.
///
/// Each channel gets `argmax fᵢ(x) − m·x` on its interval — the globally best point, so an
/// S-shaped channel whose average return never reaches `m` stays at its minimum rather than
/// sitting in its convex part. The budget found is then solved once more by [`optimize`] so the
/// answer carries the same certificate (for concave curves it is the same plan).
pub fn spend_to_marginal(problem: &Problem, m: f64) -> Result<Solution, OptimizeError> {
    if !m.is_finite() || m <= 0.0 {
        return Err(OptimizeError::one(
            "target",
            format!("marginal return must be a finite number > 0, got {m}"),
        ));
    }
    let iv = problem.intervals(f64::INFINITY)?;
    let mut x = Vec::with_capacity(problem.channels.len());
    for (ch, &(a, b)) in problem.channels.iter().zip(&iv.bounds) {
        let b = b.min(saturation_spend(&ch.curve, a, m));
        x.push(best_at_price(&ch.curve, a, b, m));
    }
    // Group caps: a binding group spends exactly its cap, optimally inside the group.
    for (g, &cap) in iv.caps.iter().enumerate() {
        let members: Vec<usize> = (0..x.len())
            .filter(|&i| iv.group_of[i] == Some(g))
            .collect();
        let spent: f64 = members.iter().map(|&i| x[i]).sum();
        if spent > cap {
            let mut sub = Problem::new(
                cap,
                members
                    .iter()
                    .map(|&i| problem.channels[i].clone())
                    .collect(),
            );
            sub.ramp_limit = problem.ramp_limit;
            let s = optimize(&sub)?;
            for (j, &i) in members.iter().enumerate() {
                x[i] = s.allocation[j].spend;
            }
        }
    }
    let budget: f64 = x.iter().sum();
    let mut at_budget = problem.clone();
    at_budget.total_budget = budget;
    optimize(&at_budget)
}

/// A spend beyond which the marginal return of every draw is below `m/1e6` and every draw is
/// past its inflection: no optimum at price `m` lies beyond it.
fn saturation_spend(curve: &ResponseCurve, a: f64, m: f64) -> f64 {
    let mut x = curve
        .draws()
        .iter()
        .map(|h| h.k().max(h.inflection()))
        .fold(a.max(1e-12), f64::max);
    for _ in 0..2000 {
        if curve.marginal(x) < m * 1e-6 {
            return x;
        }
        x *= 2.0;
    }
    x
}

/// The global maximiser of `f(x) − m·x` on `[a, b]`.
fn best_at_price(curve: &ResponseCurve, a: f64, b: f64, m: f64) -> f64 {
    let env = Env::new(curve, a, b);
    let (relaxed, _) = env.argmax(m, a);
    if env.exact() {
        return relaxed;
    }
    let concave_part = Env::new(curve, env.c, b);
    let (inner, _) = concave_part.argmax(m, env.c);
    let gain = |x: f64| curve.value(x) - m * x;
    [a, inner, relaxed]
        .into_iter()
        .fold(a, |best, x| if gain(x) > gain(best) { x } else { best })
}

/// The smallest budget whose optimal plan reaches total response `target`.
///
/// The optimal response `V(B)` never decreases with the budget (every curve increases), so the
/// budget is found by bisection on `B` between the sum of the minimum spends and the most the
/// channels may spend, to 1e-10 relative.
pub fn min_budget(problem: &Problem, target: f64) -> Result<Solution, OptimizeError> {
    if !target.is_finite() || target < 0.0 {
        return Err(OptimizeError::one(
            "target",
            format!("response must be a finite number ≥ 0, got {target}"),
        ));
    }
    let (floor, cap) = budget_range(problem)?;
    let value = |b: f64| -> Result<Solution, OptimizeError> { at(problem, b) };
    let low = value(floor)?;
    if low.total_response >= target {
        return Ok(low);
    }
    let high = value(cap)?;
    if high.total_response < target {
        return Err(OptimizeError::Unreachable(Issue::new(
            "target",
            format!(
                "response {target} is out of reach: the most any budget within the bounds gets is {}",
                high.total_response
            ),
        )));
    }
    let (mut lo, mut hi, mut best) = (floor, cap, high);
    for _ in 0..200 {
        if hi - lo <= 1e-10 * hi.max(1e-300) {
            break;
        }
        let mid = 0.5 * (lo + hi);
        let s = value(mid)?;
        if s.total_response >= target {
            hi = mid;
            best = s;
        } else {
            lo = mid;
        }
    }
    Ok(best)
}

/// The largest budget whose optimal plan has total response / budget ≥ `roas`.
///
/// For concave curves `V(B) − roas·B` is concave, so the budgets that qualify form an interval;
/// the search scans 32 budgets between the least and the most allowed spend, then bisects between
/// the largest that qualifies and the next, to 1e-10 relative. (With S-shaped curves the set may
/// not be an interval; the scan then picks the largest qualifying region it sees.)
pub fn target_roas(problem: &Problem, roas: f64) -> Result<Solution, OptimizeError> {
    if !roas.is_finite() || roas <= 0.0 {
        return Err(OptimizeError::one(
            "target",
            format!("ROAS must be a finite number > 0, got {roas}"),
        ));
    }
    let (floor, cap) = budget_range(problem)?;
    let ok = |s: &Solution| s.total_response >= roas * s.total_budget;
    const STEPS: u32 = 32;
    let mut found: Option<(f64, Solution)> = None;
    let mut next_fail = cap;
    for step in (0..=STEPS).rev() {
        let b = floor + (cap - floor) * f64::from(step) / f64::from(STEPS);
        let s = at(problem, b)?;
        if ok(&s) {
            found = Some((b, s));
            break;
        }
        next_fail = b;
    }
    let Some((mut lo, mut best)) = found else {
        return Err(OptimizeError::Unreachable(Issue::new(
            "target",
            format!("no budget between {floor} and {cap} reaches ROAS {roas}"),
        )));
    };
    let mut hi = next_fail;
    for _ in 0..200 {
        if hi - lo <= 1e-10 * hi.max(1e-300) {
            break;
        }
        let mid = 0.5 * (lo + hi);
        let s = at(problem, mid)?;
        if ok(&s) {
            lo = mid;
            best = s;
        } else {
            hi = mid;
        }
    }
    Ok(best)
}

/// The least and most total spend the bounds allow; an infinite maximum is replaced by a budget
/// where every curve is saturated to 1e-9 of its ceiling.
fn budget_range(problem: &Problem) -> Result<(f64, f64), OptimizeError> {
    let iv = problem.intervals(f64::INFINITY)?;
    let floor = iv.floor();
    let mut cap = iv.capacity();
    if !cap.is_finite() {
        let mut total = 0.0;
        for (ch, &(a, b)) in problem.channels.iter().zip(&iv.bounds) {
            // Past this spend the marginal return is below 1e-9 of the curve's initial scale.
            let scale = ceiling(&ch.curve) / largest_k(&ch.curve);
            total += b.min(saturation_spend(&ch.curve, a, 1e-3 * scale));
        }
        cap = total.max(floor);
    }
    Ok((floor, cap))
}

fn ceiling(curve: &ResponseCurve) -> f64 {
    curve.draws().iter().map(|h| h.beta()).sum::<f64>() / curve.draws().len().max(1) as f64
}

fn largest_k(curve: &ResponseCurve) -> f64 {
    curve.draws().iter().map(|h| h.k()).fold(1e-300, f64::max)
}

fn at(problem: &Problem, budget: f64) -> Result<Solution, OptimizeError> {
    let iv = problem.intervals(budget)?;
    iv.check_budget(budget)?;
    Ok(solve_for(problem, &iv, budget, SolverOptions::default()))
}
