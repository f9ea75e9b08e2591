//! The JSON contract of `spendlens optimize` (docs/optimize-contract.md): request parsing
//! with one located issue per mistake, and the answer's wire shape.
//!
//! The solver types stay free of serde on purpose: this module is the only place that knows the
//! wire names, so the wire format can change without touching the maths (and the future HTTP API
//! can own its own DTOs). Input is read through `serde_json::Value` by hand rather than derived,
//! because a derived reader stops at the first error and cannot say `channels[2].max_spend`.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::allocate::{self, Bound, Solution, Status};
use crate::curve::{Hill, ResponseCurve};
use crate::error::{Issue, OptimizeError};
use crate::problem::{Channel, Group, Problem};

/// What to solve for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// Split `total_budget` (the default).
    Budget,
    /// The largest budget with total response / budget ≥ the target.
    TargetRoas(f64),
    /// Spend each channel up to the target marginal return.
    TargetMarginal(f64),
    /// The smallest budget reaching the target total response.
    MinBudget(f64),
}

impl Mode {
    /// Parses a mode name and its target, as given on the command line or in the request.
    pub fn parse(name: &str, target: Option<f64>) -> Result<Self, Issue> {
        let need = |t: Option<f64>| {
            t.ok_or_else(|| Issue::new("target", format!("mode {name} needs a target")))
        };
        match name {
            "budget" => Ok(Self::Budget),
            "target_roas" => Ok(Self::TargetRoas(need(target)?)),
            "target_marginal" => Ok(Self::TargetMarginal(need(target)?)),
            "min_budget" => Ok(Self::MinBudget(need(target)?)),
            other => Err(Issue::new(
                "mode",
                format!(
                    "unknown mode {other:?} (budget, target_roas, target_marginal, min_budget)"
                ),
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Budget => "budget",
            Self::TargetRoas(_) => "target_roas",
            Self::TargetMarginal(_) => "target_marginal",
            Self::MinBudget(_) => "min_budget",
        }
    }
}

/// A parsed request: the problem and the mode.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The problem (for target modes without a budget, `total_budget` is 0 and unused).
    pub problem: Problem,
    /// What to solve for.
    pub mode: Mode,
}

/// Parses a request; `mode_override` (from the command line) replaces the request's own mode.
///
/// Every issue is reported, each with its path. Numbers may be JSON numbers or decimal strings.
pub fn parse_request(json: &str, mode_override: Option<Mode>) -> Result<Request, OptimizeError> {
    let root: Value = serde_json::from_str(json)
        .map_err(|e| OptimizeError::one("input", format!("not valid JSON: {e}")))?;
    let mut issues = Vec::new();
    let Some(obj) = root.as_object() else {
        return Err(OptimizeError::one("input", "must be a JSON object"));
    };
    let mode = match mode_override {
        Some(m) => m,
        None => {
            let target = number_opt(obj, "target", "target", &mut issues);
            match obj.get("mode") {
                None | Some(Value::Null) => Mode::Budget,
                Some(Value::String(s)) => Mode::parse(s, target).unwrap_or_else(|i| {
                    issues.push(i);
                    Mode::Budget
                }),
                Some(_) => {
                    issues.push(Issue::new("mode", "must be a string"));
                    Mode::Budget
                }
            }
        }
    };
    let budget = match (
        number_opt(obj, "total_budget", "total_budget", &mut issues),
        mode,
    ) {
        (Some(b), _) => b,
        (None, Mode::Budget) => {
            // Given but unreadable is said already; only an absent one is missing.
            if obj.get("total_budget").is_none_or(Value::is_null) {
                issues.push(Issue::new("total_budget", "is required"));
            }
            0.0
        }
        (None, _) => f64::NAN,
    };
    let default_max = if budget.is_finite() {
        budget
    } else {
        f64::INFINITY
    };
    let ramp_limit = number_opt(obj, "ramp_limit", "ramp_limit", &mut issues);
    let mut channels = Vec::new();
    match obj.get("channels") {
        Some(Value::Array(list)) if !list.is_empty() => {
            for (i, v) in list.iter().enumerate() {
                if let Some(ch) = channel(v, i, default_max, &mut issues) {
                    channels.push(ch);
                }
            }
        }
        Some(Value::Array(_)) => issues.push(Issue::new("channels", "needs at least one channel")),
        _ => issues.push(Issue::new("channels", "is required and must be an array")),
    }
    let mut groups = Vec::new();
    if let Some(v) = obj.get("groups") {
        match v.as_array() {
            Some(list) => {
                for (g, gv) in list.iter().enumerate() {
                    if let Some(group) = group(gv, g, &channels, &mut issues) {
                        groups.push(group);
                    }
                }
            }
            None => issues.push(Issue::new("groups", "must be an array")),
        }
    }
    if !issues.is_empty() {
        return Err(OptimizeError::Invalid(issues));
    }
    let problem = Problem {
        total_budget: if budget.is_finite() { budget } else { 0.0 },
        channels,
        groups,
        ramp_limit,
    };
    Ok(Request { problem, mode })
}

fn channel(v: &Value, i: usize, default_max: f64, issues: &mut Vec<Issue>) -> Option<Channel> {
    let at = |f: &str| format!("channels[{i}].{f}");
    let Some(obj) = v.as_object() else {
        issues.push(Issue::new(format!("channels[{i}]"), "must be an object"));
        return None;
    };
    let before = issues.len();
    let name = match obj.get("name") {
        Some(Value::String(s)) => s.clone(),
        _ => {
            issues.push(Issue::new(at("name"), "is required and must be a string"));
            String::new()
        }
    };
    let mut num = |f: &str| number_opt(obj, f, &at(f), issues);
    let current = num("current_spend").unwrap_or(0.0);
    let min = num("min_spend").unwrap_or(0.0);
    let max = num("max_spend").unwrap_or(default_max);
    let ramp_limit = num("ramp_limit");
    for (f, v) in [
        ("current_spend", current),
        ("min_spend", min),
        ("max_spend", max),
    ] {
        if v < 0.0 {
            issues.push(Issue::new(at(f), format!("must not be negative, got {v}")));
        }
    }
    let frozen = match obj.get("frozen") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            issues.push(Issue::new(at("frozen"), "must be true or false"));
            false
        }
    };
    let curve = match obj.get("curve") {
        Some(c) => curve(c, &at("curve"), issues),
        None => {
            issues.push(Issue::new(at("curve"), "is required"));
            None
        }
    };
    if issues.len() > before {
        if !name.is_empty() {
            for issue in &mut issues[before..] {
                issue.message.push_str(&format!(" (channel {name:?})"));
            }
        }
        return None;
    }
    let mut ch = Channel::new(name, curve?).current(current).bounds(min, max);
    ch.frozen = frozen;
    ch.ramp_limit = ramp_limit;
    Some(ch)
}

fn curve(v: &Value, at: &str, issues: &mut Vec<Issue>) -> Option<ResponseCurve> {
    let Some(obj) = v.as_object() else {
        issues.push(Issue::new(at, "must be an object"));
        return None;
    };
    match obj.get("type").and_then(Value::as_str) {
        Some("hill") => {}
        Some(other) => {
            issues.push(Issue::new(
                format!("{at}.type"),
                format!("unknown curve type {other:?} (only \"hill\")"),
            ));
            return None;
        }
        None => {
            issues.push(Issue::new(format!("{at}.type"), "is required (\"hill\")"));
            return None;
        }
    }
    if let Some(draws) = obj.get("draws") {
        let Some(list) = draws.as_array().filter(|l| !l.is_empty()) else {
            issues.push(Issue::new(
                format!("{at}.draws"),
                "must be a non-empty array",
            ));
            return None;
        };
        let hills: Vec<Option<Hill>> = list
            .iter()
            .enumerate()
            .map(|(d, dv)| hill(dv, &format!("{at}.draws[{d}]"), issues))
            .collect();
        let hills: Option<Vec<Hill>> = hills.into_iter().collect();
        return ResponseCurve::from_draws(hills?)
            .map_err(|e| issues.push(e.under(at)))
            .ok();
    }
    hill(v, at, issues).map(ResponseCurve::single)
}

fn hill(v: &Value, at: &str, issues: &mut Vec<Issue>) -> Option<Hill> {
    let Some(obj) = v.as_object() else {
        issues.push(Issue::new(at, "must be an object"));
        return None;
    };
    let before = issues.len();
    let mut get = |f: &str| {
        let r = number_opt(obj, f, &format!("{at}.{f}"), issues);
        if r.is_none() && !obj.contains_key(f) {
            issues.push(Issue::new(format!("{at}.{f}"), "is required"));
        }
        r
    };
    let (beta, k, s) = (get("beta"), get("k"), get("s"));
    if issues.len() > before {
        return None;
    }
    Hill::new(beta?, k?, s?)
        .map_err(|e| issues.push(e.under(at)))
        .ok()
}

/// A finite number from a JSON number or a decimal string; `None` when absent or null.
fn number_opt(
    obj: &Map<String, Value>,
    field: &str,
    at: &str,
    issues: &mut Vec<Issue>,
) -> Option<f64> {
    let v = match obj.get(field) {
        None | Some(Value::Null) => return None,
        Some(v) => v,
    };
    let parsed = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|_| is_decimal(s.trim())),
        _ => None,
    };
    match parsed {
        Some(x) if x.is_finite() && x.abs() <= MAX_MAGNITUDE => Some(x),
        Some(x) if x.is_finite() => {
            issues.push(Issue::new(
                at,
                format!("is too large: at most 1e15 in size, got {v}"),
            ));
            None
        }
        _ => {
            issues.push(Issue::new(
                at,
                format!("must be a finite number or decimal string, got {v}"),
            ));
            None
        }
    }
}

/// The largest size a number of a problem may have (a budget, a spend bound, a curve's
/// parameters): beyond it the sums of the solver lose their cents or overflow, and the answer
/// would say "optimal" with no spends.
const MAX_MAGNITUDE: f64 = 1e15;

/// Plain decimal notation only: `12`, `-3.50`, `1e3`; not `inf`, `NaN`, or hex.
fn is_decimal(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
}

fn group(v: &Value, g: usize, channels: &[Channel], issues: &mut Vec<Issue>) -> Option<Group> {
    let at = format!("groups[{g}]");
    let Some(obj) = v.as_object() else {
        issues.push(Issue::new(at, "must be an object"));
        return None;
    };
    let name = obj
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let cap = number_opt(obj, "max_spend", &format!("{at}.max_spend"), issues);
    if cap.is_none() && !obj.contains_key("max_spend") {
        issues.push(Issue::new(format!("{at}.max_spend"), "is required"));
    }
    let mut members = Vec::new();
    match obj.get("channels").and_then(Value::as_array) {
        Some(list) => {
            for (j, m) in list.iter().enumerate() {
                let found = m
                    .as_str()
                    .and_then(|n| channels.iter().position(|c| c.name == n));
                match found {
                    Some(i) => members.push(i),
                    None => issues.push(Issue::new(
                        format!("{at}.channels[{j}]"),
                        format!("no channel named {m}"),
                    )),
                }
            }
        }
        None => issues.push(Issue::new(
            format!("{at}.channels"),
            "is required: an array of channel names",
        )),
    }
    Some(Group {
        name,
        channels: members,
        max_spend: cap?,
    })
}

/// Runs the request's mode.
pub fn solve(request: &Request) -> Result<Solution, OptimizeError> {
    match request.mode {
        Mode::Budget => allocate::optimize(&request.problem),
        Mode::TargetRoas(r) => allocate::target_roas(&request.problem, r),
        Mode::TargetMarginal(m) => allocate::spend_to_marginal(&request.problem, m),
        Mode::MinBudget(y) => allocate::min_budget(&request.problem, y),
    }
}

/// The answer on the wire.
#[derive(Debug, Serialize)]
pub struct SolutionDto {
    /// `optimal` or `node_limit`.
    pub status: &'static str,
    /// The mode solved.
    pub mode: &'static str,
    /// The budget split.
    pub total_budget: f64,
    /// The budget in cents (the sum of `spend_rounded`).
    pub total_budget_rounded: String,
    /// Expected total response of the plan.
    pub total_response: f64,
    /// Expected total response of the current spends.
    pub current_response: f64,
    /// Relative improvement in percent, `null` when nothing responds today.
    pub improvement_pct: Option<f64>,
    /// The budget multiplier λ.
    pub marginal_response: f64,
    /// Proven upper bound on the best total response.
    pub upper_bound: f64,
    /// `(upper_bound − total_response) / upper_bound`.
    pub optimality_gap: f64,
    /// Branch-and-bound nodes explored.
    pub nodes: usize,
    /// Per channel, input order.
    pub allocation: Vec<AllocationDto>,
}

/// One channel on the wire.
#[derive(Debug, Serialize)]
pub struct AllocationDto {
    /// The channel's name.
    pub name: String,
    /// Exact optimal spend.
    pub spend: f64,
    /// Spend in cents, as a 2-decimal string.
    pub spend_rounded: String,
    /// Expected response at `spend`.
    pub response: f64,
    /// Marginal response at `spend`.
    pub marginal_response: f64,
    /// Change from current spend in percent, `null` for a channel not spending now.
    pub change_pct: Option<f64>,
    /// `"min"`, `"max"` or `null`.
    pub at_bound: Option<&'static str>,
}

/// The wire form of an answer.
pub fn solution_dto(sol: &Solution, mode: Mode) -> SolutionDto {
    SolutionDto {
        status: match sol.status {
            Status::Optimal => "optimal",
            Status::NodeLimit => "node_limit",
        },
        mode: mode.name(),
        total_budget: sol.total_budget,
        total_budget_rounded: sol
            .allocation
            .iter()
            .map(|a| a.spend_rounded)
            .sum::<rust_decimal::Decimal>()
            .to_string(),
        total_response: sol.total_response,
        current_response: sol.current_response,
        improvement_pct: sol.improvement_pct(),
        marginal_response: sol.marginal_response,
        upper_bound: sol.upper_bound,
        optimality_gap: sol.optimality_gap,
        nodes: sol.nodes,
        allocation: sol
            .allocation
            .iter()
            .map(|a| AllocationDto {
                name: a.name.clone(),
                spend: a.spend,
                spend_rounded: format!("{:.2}", a.spend_rounded),
                response: a.response,
                marginal_response: a.marginal_response,
                change_pct: a.change_pct(),
                at_bound: a.at_bound.map(|b| match b {
                    Bound::Min => "min",
                    Bound::Max => "max",
                }),
            })
            .collect(),
    }
}

/// Parses, solves and renders in one call: the whole `spendlens optimize` contract as a pure
/// function from input text to output text.
pub fn run_json(json: &str, mode_override: Option<Mode>) -> Result<String, OptimizeError> {
    let request = parse_request(json, mode_override)?;
    let sol = solve(&request)?;
    serde_json::to_string_pretty(&solution_dto(&sol, request.mode))
        .map_err(|e| OptimizeError::one("output", e.to_string()))
}

/// A money-like figure of the plan (a response in currency units, a gain) as a 2-decimal string,
/// rounded half away from zero; `null` when it is not finite.
fn money(value: f64) -> Value {
    rust_decimal::Decimal::from_f64_retain(value)
        .map(|d| {
            let mut r =
                d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            r.rescale(2);
            Value::String(r.to_string())
        })
        .unwrap_or(Value::Null)
}

/// An amount already in cents as a 2-decimal string (`"12.50"`).
fn cents(value: rust_decimal::Decimal) -> Value {
    let mut r =
        value.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    Value::String(r.to_string())
}

/// A ratio rounded to 4 decimals (`null` when not finite: an infinite extrapolation).
fn ratio4(value: f64) -> Value {
    if value.is_finite() {
        serde_json::json!((value * 10_000.0).round() / 10_000.0)
    } else {
        Value::Null
    }
}

fn amounts(list: &[crate::plan::ChannelAmount]) -> Value {
    Value::Array(
        list.iter()
            .map(|a| {
                serde_json::json!({
                    "channel": a.name,
                    "spend": a.spend.to_string(),
                    "share_pct": ratio4(a.share * 100.0),
                    "expected_response": cents(a.expected_response),
                })
            })
            .collect(),
    )
}

/// The seed's `BudgetOptimization` on the wire: `current_allocation`, `optimized_allocation`,
/// `expected_improvement` (point and 90 % interval over the draws), `risk_assessment` and
/// `implementation_timeline`. Spend is the plan's cents (adding up to the budget) as 2-decimal
/// strings; responses and gains, in currency units for every objective, are 2-decimal strings
/// too, and every total is the sum of its rows as written (`current_value` of
/// `current_allocation`'s responses, a week's `expected_response` of its `allocation`'s and its
/// `expected_weekly_response` of its `weekly_allocation`'s); shares and ratios are numbers.
pub fn encode_plan(plan: &crate::plan::BudgetPlan) -> Value {
    use crate::fit::{FitKind, Objective};
    use crate::plan::RiskLevel;
    let imp = &plan.expected_improvement;
    let risk = &plan.risk_assessment;
    serde_json::json!({
        "status": match plan.solution.status {
            Status::Optimal => "optimal",
            Status::NodeLimit => "node_limit",
        },
        "objective": match imp.objective {
            Objective::Revenue => "revenue",
            Objective::Profit => "profit",
            Objective::LtvValue => "ltv",
        },
        "total_budget": plan.optimized_allocation.iter().map(|a| a.spend).sum::<rust_decimal::Decimal>().to_string(),
        "current_value": cents(plan.current_value),
        "optimized_value": cents(plan.optimized_value),
        "optimality_gap": plan.solution.optimality_gap,
        "current_allocation": amounts(&plan.current_allocation),
        "optimized_allocation": amounts(&plan.optimized_allocation),
        "expected_improvement": {
            "point": money(imp.point),
            "low": money(imp.low),
            "high": money(imp.high),
            "interval": 0.9,
            "pct": imp.pct.map_or(Value::Null, ratio4),
            "includes_loss": imp.includes_loss(),
        },
        "risk_assessment": {
            "level": match risk.level {
                RiskLevel::Low => "low",
                RiskLevel::Medium => "medium",
                RiskLevel::High => "high",
            },
            "concentration": ratio4(risk.concentration),
            "largest_share": ratio4(risk.largest_share),
            "relative_interval_width": ratio4(risk.relative_interval_width),
            "warnings": risk.warnings,
            "channels": risk.channels.iter().map(|c| serde_json::json!({
                "channel": c.name,
                "extrapolation": ratio4(c.extrapolation),
                "days_with_spend": c.days_with_spend,
                "r_squared": ratio4(c.r_squared),
                "fit": match c.fit {
                    FitKind::Hill => "hill",
                    FitKind::Concave => "concave",
                    FitKind::Assumed => "assumed",
                },
                "warnings": c.warnings,
            })).collect::<Vec<_>>(),
        },
        "implementation_timeline": plan.implementation_timeline.iter().map(|w| serde_json::json!({
            "week": w.week,
            "progress_pct": ratio4(w.progress * 100.0),
            "allocation": amounts(&w.allocation),
            "expected_response": cents(w.expected_response),
            "weekly_allocation": amounts(&w.weekly_allocation),
            "expected_weekly_response": cents(w.expected_weekly_response),
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_example_parses() {
        let json = r#"{"total_budget": "140.56", "channels": [
          {"name": "search", "current_spend": 27.62, "min_spend": 13.81, "max_spend": 55.24,
           "curve": {"type": "hill", "beta": 95.7157, "k": 22.1961, "s": 0.8448}},
          {"name": "meta", "current_spend": 42.69, "min_spend": 21.35, "max_spend": 85.38,
           "curve": {"type": "hill", "draws": [{"beta": 49.8, "k": 29.6, "s": 0.64},
                                               {"beta": 52.1, "k": 28.0, "s": 0.64}]}}]}"#;
        let r = parse_request(json, None).expect("valid");
        assert_eq!(r.problem.channels.len(), 2);
        assert_eq!(r.problem.channels[1].curve.draws().len(), 2);
        assert_eq!(r.mode, Mode::Budget);
    }

    #[test]
    fn every_mistake_is_located() {
        let json = r#"{"total_budget": 100, "channels": [
          {"name": "a", "max_spend": -1, "curve": {"type": "hill", "beta": 1, "k": 1, "s": 1}},
          {"name": "b", "curve": {"type": "hill", "beta": "NaN", "k": 0, "s": 1}},
          {"name": "c", "curve": {"type": "log"}}]}"#;
        let err = parse_request(json, None).expect_err("bad");
        let paths: Vec<String> = err.issues().iter().map(|i| i.path.clone()).collect();
        assert_eq!(
            paths,
            [
                "channels[0].max_spend",
                "channels[1].curve.beta",
                "channels[2].curve.type"
            ],
            "{err}"
        );
    }

    /// A number too large for the solver's sums is refused on its path (1e308 had given
    /// "optimal" with null spends), and 1e15 itself still reads.
    #[test]
    fn numbers_too_large_are_located() {
        let doc = |budget: &str, max: &str| {
            format!(
                r#"{{"total_budget": {budget}, "channels": [
                  {{"name": "a", "max_spend": {max},
                    "curve": {{"type": "hill", "beta": 1, "k": 1, "s": 1}}}}]}}"#
            )
        };
        let err = parse_request(&doc("1e308", "1e308"), None).expect_err("too large");
        let paths: Vec<String> = err.issues().iter().map(|i| i.path.clone()).collect();
        assert_eq!(paths, ["total_budget", "channels[0].max_spend"], "{err}");
        assert!(err.to_string().contains("too large"), "{err}");
        assert!(parse_request(&doc("1e15", "1e15"), None).is_ok());
    }

    #[test]
    fn modes_need_targets() {
        assert!(Mode::parse("target_roas", None).is_err());
        assert_eq!(
            Mode::parse("min_budget", Some(3.0)),
            Ok(Mode::MinBudget(3.0))
        );
        assert!(Mode::parse("cheapest", Some(1.0)).is_err());
    }
}
