//! The cautious defaults of a campaign's plan: how far each channel may move, and which channels
//! keep their spend because their curve cannot be trusted.
//!
//! A response curve is only measured where the channel has been run: beyond that it is an
//! extrapolation, and a curve that explains little of the history says little anywhere. So by
//! default ([`SpendRange::Observed`]) a channel moves between [`LOW_MULTIPLE`] and
//! [`HIGH_MULTIPLE`] of its recent spend (its spend rate over the last [`super::RECENT_DAYS`]
//! days with ad spend, over the planned days) and never above [`DAILY_CAP_MULTIPLE`] × its
//! highest daily spend; a channel whose curve explains less than [`MIN_R_SQUARED`] of its daily
//! response, whose spend barely varied (a coefficient of variation under
//! [`MIN_SPEND_VARIATION`], or too few distinct levels for any shape to be fitted) or that had no
//! recent spend keeps its current spend, and the plan says why. The range always contains the
//! channel's current spend at the planned budget, so the default plan is always feasible and never
//! worse than the current split by its own curves.
//!
//! The user widens the range per channel with the request's `bounds` (which replace the default
//! for that channel and lift its hold) or for every channel with `spend_range: "open"` (no range
//! and no holds: any split within the budget, as the engine alone would give).
//!
//! This is a policy about a campaign's history, so it lives here with the use case that reads the
//! history; the engine (`spendlens-optimize`, whose contract pins the solver) honours whatever
//! bounds it is given.

use spendlens_optimize::OptimizeError;
use spendlens_optimize::fit::{FitKind, FittedChannel};

use crate::AppError;

/// Lowest default spend, as a multiple of the channel's recent spend.
pub const LOW_MULTIPLE: f64 = 0.5;
/// Highest default spend, as a multiple of the channel's recent spend.
pub const HIGH_MULTIPLE: f64 = 1.5;
/// Highest default daily spend, as a multiple of the channel's highest daily spend.
pub const DAILY_CAP_MULTIPLE: f64 = 1.2;
/// Least share of a channel's daily response its curve must explain (R²) for the default plan to
/// move it. 0.6: below it, more than 40 % of the day-to-day variation is noise the curve does not
/// see, and the bootstrap draws disagree about the slope more than the plan would gain.
pub const MIN_R_SQUARED: f64 = 0.6;
/// Least variation of a channel's daily spend (standard deviation / mean over its days with
/// spend) for its response to more or less spend to count as measured: under 10 %, every day was
/// run at about the same level.
pub const MIN_SPEND_VARIATION: f64 = 0.1;

/// How far channels without bounds of their own may move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpendRange {
    /// Within the range each channel has been run at; poorly measured channels keep their spend.
    #[default]
    Observed,
    /// Anywhere within the budget (no range, no holds).
    Open,
}

impl SpendRange {
    /// The request's code of the range.
    pub fn code(self) -> &'static str {
        match self {
            Self::Observed => "observed",
            Self::Open => "open",
        }
    }
}

/// The range a code names (`observed`, `open`).
pub fn spend_range(code: &str) -> Result<SpendRange, String> {
    match code {
        "observed" => Ok(SpendRange::Observed),
        "open" => Ok(SpendRange::Open),
        other => Err(format!(
            "unknown spend range \"{other}\": expected observed (the default: each channel \
             within the range it has been run at) or open (any split of the budget)"
        )),
    }
}

/// What a channel's history says, in the planned period's terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    /// Its spend over the planned days at its recent daily rate.
    pub recent: f64,
    /// Its highest daily spend in the history.
    pub highest_daily: f64,
    /// Standard deviation / mean of its daily spend over its days with spend.
    pub variation: f64,
}

impl Observed {
    /// From the channel's daily spends over its history and over the recent days, for a period of
    /// `days` days (`recent_days` the length of the recent window).
    pub fn from_days(all: &[f64], recent: &[f64], recent_days: usize, days: usize) -> Self {
        let spent: Vec<f64> = all.iter().copied().filter(|&s| s > 0.0).collect();
        let n = spent.len().max(1) as f64;
        let mean = spent.iter().sum::<f64>() / n;
        let sd = (spent.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n).sqrt();
        Self {
            recent: recent.iter().sum::<f64>() / recent_days.max(1) as f64 * days as f64,
            highest_daily: spent.iter().fold(0.0, |m: f64, &s| m.max(s)),
            variation: if mean > 0.0 { sd / mean } else { 0.0 },
        }
    }
}

/// Why a channel keeps its current spend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Hold {
    /// The request froze it.
    Requested,
    /// No spend in the recent days: it is not running, so it stays off.
    NotRecent,
    /// Its spend barely varied (standard deviation / mean of its daily spend), or took too few
    /// distinct levels for a shape to be fitted: the curve's slope is not measured.
    FlatSpend { variation: f64 },
    /// Its curve explains too little of its daily response (its R²).
    PoorFit { r_squared: f64 },
}

/// Where a channel's limits come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// The default: the range it has been run at.
    Observed,
    /// The request's `bounds` for it.
    Requested,
    /// `spend_range: "open"`.
    Open,
    /// Kept at its current spend.
    Held(Hold),
}

/// A channel's limits for the period and what they rest on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelLimits {
    /// Its current spend for the period (its share of the recent spend applied to the budget).
    pub current: f64,
    /// The least it may spend over the period.
    pub min: f64,
    /// The most it may spend over the period (infinite: unbounded).
    pub max: f64,
    /// Where the two come from.
    pub limit: Limit,
    /// What its history says (recent spend, highest day, variation).
    pub observed: Observed,
}

impl ChannelLimits {
    /// The hold, if the channel keeps its spend.
    pub fn hold(&self) -> Option<Hold> {
        match self.limit {
            Limit::Held(h) => Some(h),
            _ => None,
        }
    }
}

/// What the request says of one channel.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Asked {
    /// The request's `frozen` names it.
    pub frozen: bool,
    /// The request's `bounds` for it, either side optional.
    pub bounds: Option<(Option<f64>, Option<f64>)>,
}

/// The limits of one channel whose current spend for the period is `current`, over `days` days
/// (see the module documentation for the order of the rules).
pub fn limits(
    fit: &FittedChannel,
    observed: Observed,
    current: f64,
    days: usize,
    asked: Asked,
    range: SpendRange,
) -> ChannelLimits {
    let held = |hold| ChannelLimits {
        current,
        min: current,
        max: current,
        limit: Limit::Held(hold),
        observed,
    };
    if asked.frozen {
        return held(Hold::Requested);
    }
    if let Some((lo, hi)) = asked.bounds {
        return ChannelLimits {
            current,
            min: lo.unwrap_or(0.0),
            max: hi.unwrap_or(f64::INFINITY),
            limit: Limit::Requested,
            observed,
        };
    }
    if range == SpendRange::Open {
        return ChannelLimits {
            current,
            min: 0.0,
            max: f64::INFINITY,
            limit: Limit::Open,
            observed,
        };
    }
    if observed.recent <= 0.0 {
        return held(Hold::NotRecent);
    }
    if fit.kind == FitKind::Assumed || observed.variation < MIN_SPEND_VARIATION {
        return held(Hold::FlatSpend {
            variation: observed.variation,
        });
    }
    if fit.r_squared < MIN_R_SQUARED {
        return held(Hold::PoorFit {
            r_squared: fit.r_squared,
        });
    }
    let cap = DAILY_CAP_MULTIPLE * observed.highest_daily * days as f64;
    ChannelLimits {
        current,
        // The current spend is always inside, so the default plan is always feasible.
        min: (LOW_MULTIPLE * observed.recent).min(current),
        max: (HIGH_MULTIPLE * observed.recent).min(cap).max(current),
        limit: Limit::Observed,
        observed,
    }
}

/// The engine's refusal of infeasible limits in the request's terms: its paths become the
/// request's fields (`groups[0].max_spend` is `groups[0].max`, `channels[1].min_spend` is
/// `bounds.meta.min`), its amounts are rounded to the cent, and when the default limits took
/// part the message names them and how to widen them (a group cap or a ramp limit can clash
/// with a channel's default floor, and the user must learn which default to widen).
pub fn explain(error: OptimizeError, limits: &[ChannelLimits], channels: &[&str]) -> AppError {
    let OptimizeError::Invalid(issues) = &error else {
        return AppError::Optimize(error);
    };
    let defaults = limits.iter().any(|l| {
        matches!(l.limit, Limit::Observed) || matches!(l.hold(), Some(h) if h != Hold::Requested)
    });
    let problems = issues
        .iter()
        .map(|issue| {
            let mut message = cents_in(&issue.message);
            if defaults {
                message.push_str(&format!(
                    "; the default limits keep each channel within the range it has been run at \
                     ({LOW_MULTIPLE}× to {HIGH_MULTIPLE}× its recent spend, at most \
                     {DAILY_CAP_MULTIPLE}× its highest daily spend) and hold poorly measured \
                     channels at their current spend: give bounds for the channels to widen \
                     them, or spend_range \"open\""
                ));
            }
            crate::Problem::new(request_path(&issue.path, channels), message)
        })
        .collect();
    AppError::Fields(problems)
}

/// The request's field of an engine path.
fn request_path(path: &str, channels: &[&str]) -> String {
    if let Some(rest) = path.strip_prefix("groups[") {
        return format!("groups[{}", rest.replace("].max_spend", "].max"));
    }
    if let Some((index, field)) = path
        .strip_prefix("channels[")
        .and_then(|rest| rest.split_once("]."))
        && let Some(name) = index.parse::<usize>().ok().and_then(|i| channels.get(i))
    {
        let side = field.trim_end_matches("_spend");
        return format!("bounds.{name}.{side}");
    }
    path.to_owned()
}

/// `text` with every number of more than two decimals rounded to the cent (the engine speaks
/// in `f64`; a person reads money).
fn cents_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut number = String::new();
    let flush = |number: &mut String, out: &mut String| {
        let long = number.split_once('.').is_some_and(|(_, f)| f.len() > 2);
        match number.parse::<f64>() {
            Ok(v) if long => out.push_str(&format!("{v:.2}")),
            _ => out.push_str(number),
        }
        number.clear();
    };
    for ch in text.chars() {
        if ch.is_ascii_digit() || (ch == '.' && !number.is_empty() && !number.contains('.')) {
            number.push(ch);
        } else {
            flush(&mut number, &mut out);
            out.push(ch);
        }
    }
    flush(&mut number, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use spendlens_optimize::Hill;

    fn fitted(kind: FitKind, r_squared: f64) -> FittedChannel {
        let curve = Hill::new(100.0, 10.0, 1.0).unwrap_or_else(|e| panic!("{e}"));
        FittedChannel {
            name: "meta".into(),
            curve,
            draws: vec![curve],
            adstock: 0.0,
            r_squared,
            kind,
            days_with_spend: 90,
            max_daily_spend: 40.0,
            mean_daily_spend: 30.0,
            cac: None,
            ltv: None,
        }
    }

    fn observed(recent: f64, highest_daily: f64, variation: f64) -> Observed {
        Observed {
            recent,
            highest_daily,
            variation,
        }
    }

    #[test]
    fn the_default_range_is_half_to_one_and_a_half_the_recent_spend_under_the_daily_cap() {
        let good = fitted(FitKind::Hill, 0.9);
        let check = |o: Observed, current: f64, want: (f64, f64)| {
            let l = limits(
                &good,
                o,
                current,
                28,
                Asked::default(),
                SpendRange::Observed,
            );
            assert_eq!(l.limit, Limit::Observed);
            assert!(
                (l.min - want.0).abs() < 1e-9 && (l.max - want.1).abs() < 1e-9,
                "{l:?} != {want:?}"
            );
        };
        // 28 days at 30 a day = 840: 420 to 1,260 (the cap 1.2 × 40 × 28 = 1,344 is above).
        check(observed(840.0, 40.0, 0.2), 840.0, (420.0, 1260.0));
        // A highest day of 32: the cap 1.2 × 32 × 28 = 1,075.2 is below 1.5 × 840.
        check(observed(840.0, 32.0, 0.2), 700.0, (420.0, 1075.2));
        // A budget far below the recent rate: the floor comes down to the current spend...
        check(observed(840.0, 40.0, 0.2), 300.0, (300.0, 1260.0));
        // ...and far above it, the ceiling goes up to it (never further).
        check(observed(840.0, 40.0, 0.2), 2000.0, (420.0, 2000.0));
    }

    #[test]
    fn poorly_measured_channels_keep_their_spend_and_the_request_widens() {
        let check = |fit: FittedChannel, o: Observed, asked: Asked, range, want: Limit| {
            let l = limits(&fit, o, 500.0, 28, asked, range);
            assert_eq!(l.limit, want);
            if let Limit::Held(_) = want {
                assert_eq!((l.min, l.max), (500.0, 500.0));
            }
        };
        let o = observed(840.0, 40.0, 0.2);
        let none = Asked::default();
        let observed_range = SpendRange::Observed;
        check(
            fitted(FitKind::Hill, 0.44),
            o,
            none,
            observed_range,
            Limit::Held(Hold::PoorFit { r_squared: 0.44 }),
        );
        check(
            fitted(FitKind::Assumed, 0.9),
            o,
            none,
            observed_range,
            Limit::Held(Hold::FlatSpend { variation: 0.2 }),
        );
        check(
            fitted(FitKind::Hill, 0.9),
            observed(840.0, 40.0, 0.05),
            none,
            observed_range,
            Limit::Held(Hold::FlatSpend { variation: 0.05 }),
        );
        check(
            fitted(FitKind::Hill, 0.9),
            observed(0.0, 40.0, 0.2),
            none,
            observed_range,
            Limit::Held(Hold::NotRecent),
        );
        let frozen = Asked {
            frozen: true,
            bounds: None,
        };
        check(
            fitted(FitKind::Hill, 0.9),
            o,
            frozen,
            SpendRange::Open,
            Limit::Held(Hold::Requested),
        );
        // Bounds of its own lift the hold; the open range lifts every default.
        let bounded = Asked {
            frozen: false,
            bounds: Some((Some(100.0), None)),
        };
        let l = limits(
            &fitted(FitKind::Hill, 0.44),
            o,
            500.0,
            28,
            bounded,
            observed_range,
        );
        assert_eq!(
            (l.min, l.max, l.limit),
            (100.0, f64::INFINITY, Limit::Requested)
        );
        check(
            fitted(FitKind::Hill, 0.44),
            o,
            none,
            SpendRange::Open,
            Limit::Open,
        );
    }

    #[test]
    fn the_range_codes() {
        assert_eq!(spend_range("open"), Ok(SpendRange::Open));
        assert_eq!(
            spend_range(SpendRange::Observed.code()),
            Ok(SpendRange::Observed)
        );
        assert!(spend_range("wide").is_err());
    }

    #[test]
    fn an_engine_refusal_speaks_the_request_s_terms() {
        assert_eq!(
            cents_in("5000 is below the sum of min_spend 6046.954999999999."),
            "5000 is below the sum of min_spend 6046.95."
        );
        let channels = ["linkedin", "meta"];
        assert_eq!(
            request_path("groups[0].max_spend", &channels),
            "groups[0].max"
        );
        assert_eq!(
            request_path("channels[1].min_spend", &channels),
            "bounds.meta.min"
        );
        assert_eq!(request_path("total_budget", &channels), "total_budget");
    }

    #[test]
    fn observed_days() {
        let o = Observed::from_days(&[0.0, 10.0, 30.0], &[30.0], 28, 56);
        assert!((o.recent - 60.0).abs() < 1e-9);
        assert!((o.highest_daily - 30.0).abs() < 1e-9);
        assert!((o.variation - 0.5).abs() < 1e-9);
    }
}
