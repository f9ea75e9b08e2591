//! The budget allocation problem: channels with curves and bounds, group caps, ramp limits.
//!
//! Frozen channels and ramp limits are not separate constraints: they only narrow a channel's
//! `[min, max]` interval, which is where the solver sees them. Group caps are real constraints.

use crate::curve::ResponseCurve;
use crate::error::{Issue, OptimizeError};

/// One advertising channel in the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// Display name, unique within the problem.
    pub name: String,
    /// Response to the channel's spend over the planning period.
    pub curve: ResponseCurve,
    /// What the channel spends now in the same period (0 when new).
    pub current_spend: f64,
    /// Least spend allowed (0 by default).
    pub min_spend: f64,
    /// Most spend allowed; `f64::INFINITY` means "no cap besides the budget".
    pub max_spend: f64,
    /// Keep the spend at `current_spend` (as if `min = max = current`).
    pub frozen: bool,
    /// Largest relative change from `current_spend` allowed (0.2 = ±20 %), overriding the
    /// problem-wide [`Problem::ramp_limit`].
    pub ramp_limit: Option<f64>,
}

impl Channel {
    /// A channel with no spend today, no bounds, not frozen.
    pub fn new(name: impl Into<String>, curve: ResponseCurve) -> Self {
        Self {
            name: name.into(),
            curve,
            current_spend: 0.0,
            min_spend: 0.0,
            max_spend: f64::INFINITY,
            frozen: false,
            ramp_limit: None,
        }
    }

    /// Sets the current spend.
    #[must_use]
    pub fn current(mut self, spend: f64) -> Self {
        self.current_spend = spend;
        self
    }

    /// Sets the bounds.
    #[must_use]
    pub fn bounds(mut self, min: f64, max: f64) -> Self {
        self.min_spend = min;
        self.max_spend = max;
        self
    }
}

/// A cap on the summed spend of several channels (for example all social channels).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Display name.
    pub name: String,
    /// Indices into [`Problem::channels`]; a channel belongs to at most one group.
    pub channels: Vec<usize>,
    /// Most the group may spend together.
    pub max_spend: f64,
}

/// A budget allocation problem. Build it with public fields; [`crate::optimize`] validates it.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The budget to split; the plan spends all of it.
    pub total_budget: f64,
    /// The channels, in the order the answer keeps.
    pub channels: Vec<Channel>,
    /// Group caps (disjoint groups).
    pub groups: Vec<Group>,
    /// Largest relative change from current spend for every channel (per-channel overrides).
    pub ramp_limit: Option<f64>,
}

impl Problem {
    /// A problem with no groups and no ramp limit.
    pub fn new(total_budget: f64, channels: Vec<Channel>) -> Self {
        Self {
            total_budget,
            channels,
            groups: Vec::new(),
            ramp_limit: None,
        }
    }

    /// The effective `[a, b]` interval of each channel after frozen and ramp rules, with `b`
    /// clamped to `budget` (no channel can spend more than the whole budget), plus the group of
    /// each channel. Every malformed field is reported, not just the first.
    pub(crate) fn intervals(&self, budget: f64) -> Result<Intervals, OptimizeError> {
        let mut issues = Vec::new();
        let mut bounds = Vec::with_capacity(self.channels.len());
        let mut names = std::collections::HashSet::new();
        if let Some(r) = self.ramp_limit
            && (!r.is_finite() || r < 0.0)
        {
            issues.push(Issue::new(
                "ramp_limit",
                format!("must be a finite number ≥ 0, got {r}"),
            ));
        }
        for (i, ch) in self.channels.iter().enumerate() {
            let at = |field: &str| format!("channels[{i}].{field}");
            let before = issues.len();
            if ch.name.trim().is_empty() {
                issues.push(Issue::new(at("name"), "must not be empty"));
            } else if !names.insert(ch.name.as_str()) {
                issues.push(Issue::new(
                    at("name"),
                    format!("duplicate channel name {:?}", ch.name),
                ));
            }
            for (field, v) in [
                ("current_spend", ch.current_spend),
                ("min_spend", ch.min_spend),
            ] {
                if !v.is_finite() || v < 0.0 {
                    issues.push(Issue::new(
                        at(field),
                        format!("must be a finite number ≥ 0, got {v}"),
                    ));
                }
            }
            if ch.max_spend.is_nan() || ch.max_spend < 0.0 {
                issues.push(Issue::new(
                    at("max_spend"),
                    format!("must be a number ≥ 0, got {}", ch.max_spend),
                ));
            }
            if let Some(r) = ch.ramp_limit
                && (!r.is_finite() || r < 0.0)
            {
                issues.push(Issue::new(
                    at("ramp_limit"),
                    format!("must be a finite number ≥ 0, got {r}"),
                ));
            }
            if issues.len() > before {
                bounds.push((0.0, 0.0));
                continue;
            }
            if ch.min_spend > ch.max_spend {
                issues.push(Issue::new(
                    at("max_spend"),
                    format!("{} is below min_spend {}", ch.max_spend, ch.min_spend),
                ));
                bounds.push((0.0, 0.0));
                continue;
            }
            let (mut a, mut b) = (ch.min_spend, ch.max_spend);
            if ch.frozen {
                if ch.current_spend < a || ch.current_spend > b {
                    issues.push(Issue::new(
                        at("current_spend"),
                        format!("frozen at {} but outside [{a}, {b}]", ch.current_spend),
                    ));
                }
                a = ch.current_spend;
                b = ch.current_spend;
            } else if let Some(r) = ch.ramp_limit.or(self.ramp_limit) {
                let c = ch.current_spend;
                a = a.max(c * (1.0 - r));
                b = b.min(c * (1.0 + r));
                if a > b {
                    issues.push(Issue::new(
                        at("ramp_limit"),
                        format!(
                            "±{r} around current_spend {c} does not meet [{}, {}]",
                            ch.min_spend, ch.max_spend
                        ),
                    ));
                }
            }
            bounds.push((a, b.min(budget.max(a))));
        }
        let mut group_of = vec![None; self.channels.len()];
        let mut caps = Vec::with_capacity(self.groups.len());
        for (g, group) in self.groups.iter().enumerate() {
            if !group.max_spend.is_finite() || group.max_spend < 0.0 {
                issues.push(Issue::new(
                    format!("groups[{g}].max_spend"),
                    format!("must be a finite number ≥ 0, got {}", group.max_spend),
                ));
            }
            caps.push(group.max_spend);
            let mut floor = 0.0;
            for (j, &i) in group.channels.iter().enumerate() {
                let at = format!("groups[{g}].channels[{j}]");
                match group_of.get_mut(i) {
                    None => issues.push(Issue::new(at, format!("no channel with index {i}"))),
                    Some(Some(other)) => issues.push(Issue::new(
                        at,
                        format!(
                            "channel {i} is already in groups[{other}] (groups must be disjoint)"
                        ),
                    )),
                    Some(slot) => {
                        *slot = Some(g);
                        floor += bounds[i].0;
                    }
                }
            }
            if floor > group.max_spend * (1.0 + 1e-12) {
                issues.push(Issue::new(
                    format!("groups[{g}].max_spend"),
                    format!(
                        "{} is below the sum of its channels' min_spend {}",
                        cents(group.max_spend),
                        cents(floor)
                    ),
                ));
            }
        }
        if !issues.is_empty() {
            // Say which channel by name as well as by position.
            for issue in &mut issues {
                let index = issue
                    .path
                    .strip_prefix("channels[")
                    .and_then(|r| r.split(']').next())
                    .and_then(|i| i.parse::<usize>().ok());
                if let Some(ch) = index.and_then(|i| self.channels.get(i))
                    && !ch.name.trim().is_empty()
                {
                    issue.message.push_str(&format!(" (channel {:?})", ch.name));
                }
            }
            return Err(OptimizeError::Invalid(issues));
        }
        Ok(Intervals {
            bounds,
            group_of,
            caps,
        })
    }

    /// Current spends, when they form a feasible plan for `budget` (within the bounds and caps,
    /// summing to the budget within 1e-9 relative): the plan the answer must never be worse than.
    pub(crate) fn current_if_feasible(&self, iv: &Intervals, budget: f64) -> Option<Vec<f64>> {
        let x: Vec<f64> = self.channels.iter().map(|c| c.current_spend).collect();
        let tol = 1e-9 * budget.max(1.0);
        let sum: f64 = x.iter().sum();
        let inside = x
            .iter()
            .zip(&iv.bounds)
            .all(|(&v, &(a, b))| v >= a - tol && v <= b + tol);
        let capped = iv.caps.iter().enumerate().all(|(g, &cap)| {
            let s: f64 = x
                .iter()
                .enumerate()
                .filter(|(i, _)| iv.group_of[*i] == Some(g))
                .map(|(_, v)| v)
                .sum();
            s <= cap + tol
        });
        ((sum - budget).abs() <= tol && inside && capped).then_some(x)
    }
}

/// The effective intervals and group structure of a validated problem.
#[derive(Debug, Clone)]
pub(crate) struct Intervals {
    pub(crate) bounds: Vec<(f64, f64)>,
    pub(crate) group_of: Vec<Option<usize>>,
    pub(crate) caps: Vec<f64>,
}

impl Intervals {
    /// Least total spend allowed.
    pub(crate) fn floor(&self) -> f64 {
        self.bounds.iter().map(|b| b.0).sum()
    }

    /// Most total spend allowed given the intervals and group caps.
    pub(crate) fn capacity(&self) -> f64 {
        let mut per_group = vec![0.0; self.caps.len()];
        let mut free = 0.0;
        for (i, &(_, b)) in self.bounds.iter().enumerate() {
            match self.group_of[i] {
                Some(g) => per_group[g] += b,
                None => free += b,
            }
        }
        free + per_group
            .iter()
            .zip(&self.caps)
            .map(|(s, c)| s.min(*c))
            .sum::<f64>()
    }

    /// Checks that `budget` can be spent exactly within the bounds and caps.
    pub(crate) fn check_budget(&self, budget: f64) -> Result<(), OptimizeError> {
        if !budget.is_finite() || budget < 0.0 {
            return Err(OptimizeError::one(
                "total_budget",
                format!("must be a finite number ≥ 0, got {budget}"),
            ));
        }
        let tol = 1e-12 * budget.max(1.0);
        let floor = self.floor();
        if floor > budget + tol {
            return Err(OptimizeError::one(
                "total_budget",
                format!(
                    "{} is below the sum of min_spend {} (infeasible bounds)",
                    cents(budget),
                    cents(floor)
                ),
            ));
        }
        let cap = self.capacity();
        if cap < budget - tol {
            return Err(OptimizeError::one(
                "total_budget",
                format!(
                    "{} is above the most the channels may spend, {} (sum of max_spend, group caps and ramp limits)",
                    cents(budget),
                    cents(cap)
                ),
            ));
        }
        Ok(())
    }
}

/// An amount in a message as people write it: to the cent, without trailing zeros (`35.16`,
/// not the sum's `35.160000000000004`; `5000`, not `5000.00`).
fn cents(x: f64) -> String {
    let text = format!("{x:.2}");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    match fraction.trim_end_matches('0') {
        "" => whole.to_owned(),
        kept => format!("{whole}.{kept}"),
    }
}

#[cfg(test)]
mod message_tests {
    use super::cents;

    #[test]
    fn amounts_in_messages_read_as_written() {
        assert_eq!(cents(35.160_000_000_000_004), "35.16");
        assert_eq!(cents(6_046.954_999_999_999), "6046.95");
        assert_eq!(cents(5000.0), "5000");
        assert_eq!(cents(0.0), "0");
        assert_eq!(cents(12.5), "12.5");
    }
}
