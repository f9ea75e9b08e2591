//! What an optimisation request may ask for, and its rules: each field's rule as a function the
//! decoders call where they read the field (so a body's problems come back in its order, under
//! its JSON paths), and [`OptimizationRequest::check`], which applies the same rules to a whole
//! request: the optimisation page checks its form with it, and
//! [`super::optimize_campaign`] checks again before any work, so no caller can skip a rule.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::{DateWindow, Platform, WindowError};
use spendlens_optimize::Objective;

use crate::Problem;

/// What to plan; every field optional.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OptimizationRequest {
    /// Budget for the planned period; default the campaign's remaining budget, else the recent
    /// spend rate (last 28 days) × the period's days.
    pub total_budget: Option<Decimal>,
    /// First and last planned day; default from tomorrow, to the campaign's end or for
    /// `weeks` (default 4) weeks.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub weeks: Option<u64>,
    /// First and last day of the history the curves are fitted on (`history.from`,
    /// `history.to`); default the last [`super::HISTORY_DAYS`] days up to today, a year from
    /// the one given when only one is (see [`OptimizationRequest::history_window`]).
    pub history_from: Option<NaiveDate>,
    pub history_to: Option<NaiveDate>,
    /// What a unit of response is worth (default revenue).
    pub objective: Option<Objective>,
    /// LTV per channel (the `ltv` objective).
    pub ltv: BTreeMap<Platform, f64>,
    /// Spend bounds per channel for the period (`None` side: unbounded).
    pub bounds: BTreeMap<Platform, (Option<f64>, Option<f64>)>,
    /// Channels kept at their current spend.
    pub frozen: Vec<Platform>,
    /// Largest relative change per channel versus current over the period.
    pub ramp_limit: Option<f64>,
    /// Largest share of the budget moved per week of the rollout (default 0.20).
    pub max_weekly_shift: Option<f64>,
    /// Caps on what groups of channels spend together: (name, channels, most for the period).
    pub groups: Vec<(String, Vec<Platform>, f64)>,
    /// How far channels without `bounds` of their own may move (default: the range each has
    /// been run at; see `super::caution`).
    pub spend_range: super::SpendRange,
    /// Where the response curves come from (default: fitted to the campaign's history).
    pub curves: CurvesSource,
}

/// Where an optimisation takes its response curves from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CurvesSource {
    /// Fitted to each platform's platform-reported daily revenue over the history.
    #[default]
    History,
    /// A marketing-mix model run of the organisation over this campaign alone: the named run, or
    /// the newest current one.
    Mmm { run: Option<String> },
}

/// The curves source a code names (`history`, `mmm`).
pub fn curves(code: &str, run: Option<&str>) -> Result<CurvesSource, String> {
    match code {
        "history" if run.is_none() => Ok(CurvesSource::History),
        "history" => Err("mmm_run goes with curves \"mmm\" only".to_owned()),
        "mmm" => Ok(CurvesSource::Mmm {
            run: run.map(str::to_owned),
        }),
        other => Err(format!(
            "unknown curves source {other:?}; expected history or mmm"
        )),
    }
}

/// What a group's `channels` must be (the decoders say it of a missing or empty list too).
pub const GROUP_CHANNELS_EXPECTED: &str = "expected a non-empty array of platform ids";

/// The objective a code names (`revenue`, `profit`, `ltv`).
pub fn objective(code: &str) -> Result<Objective, String> {
    match code {
        "revenue" => Ok(Objective::Revenue),
        "profit" => Ok(Objective::Profit),
        "ltv" => Ok(Objective::LtvValue),
        other => Err(format!(
            "unknown objective \"{other}\": expected revenue, profit or ltv"
        )),
    }
}

/// How many weeks a plan may cover: at least one, and no more than fit in the longest period
/// a plan may cover ([`super::MAX_PERIOD_DAYS`]).
pub fn weeks(weeks: u64) -> Result<u64, String> {
    let most = super::MAX_PERIOD_DAYS / 7;
    if weeks == 0 {
        Err("must be at least 1".to_owned())
    } else if weeks > most {
        Err(format!(
            "must be at most {most} (a plan covers at most {} days)",
            super::MAX_PERIOD_DAYS
        ))
    } else {
        Ok(weeks)
    }
}

/// The planned period ends at `to` or after `weeks`, not both (said of `weeks`).
pub fn period(to: Option<NaiveDate>, weeks: Option<u64>) -> Result<(), String> {
    if weeks.is_some() && to.is_some() {
        Err("give either to or weeks, not both".to_owned())
    } else {
        Ok(())
    }
}

/// The history window from its optional ends (said of `history.to` when reversed, of
/// `history.from` when too long): both given, as given; one given, a year from or to it;
/// neither, the last [`super::HISTORY_DAYS`] days up to `today`.
pub fn history(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<DateWindow, (&'static str, String)> {
    let days = super::HISTORY_DAYS;
    let window = match (from, to) {
        (None, None) => Ok(DateWindow::ending(today, days)),
        (Some(f), None) => Ok(DateWindow::starting(f, days)),
        (None, Some(t)) => Ok(DateWindow::ending(t, days)),
        (Some(f), Some(t)) => DateWindow::new(f, t),
    };
    window
        .and_then(|w| w.at_most(super::MAX_HISTORY_DAYS))
        .map_err(|e| match e {
            WindowError::Reversed => ("history.to", "must not be before history.from".to_owned()),
            WindowError::TooLong { .. } => ("history.from", format!("the history {e}")),
        })
}

/// The rules of the history's given ends alone (their order and the window's length), for the
/// decoders that read them: what [`history`] says of them whatever the day.
pub fn history_ends(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(), (&'static str, String)> {
    match to.or(from) {
        // With an end given, `today` does not enter the window.
        Some(day) => history(from, to, day).map(drop),
        None => Ok(()),
    }
}

/// A channel named by a key (of `ltv`, `bounds`): an ad platform's id.
pub fn channel_key(key: &str) -> Result<Platform, String> {
    ad_platform(key).ok_or_else(|| {
        format!(
            "expected an ad platform id ({})",
            Platform::AD_PLATFORMS.map(Platform::as_str).join(", ")
        )
    })
}

/// A channel in a list (`frozen`, a group's `channels`): an ad platform's id.
pub fn listed_channel(id: &str) -> Result<Platform, String> {
    ad_platform(id).ok_or_else(|| "expected an ad platform id".to_owned())
}

fn ad_platform(id: &str) -> Option<Platform> {
    id.parse::<Platform>().ok().filter(|p| p.is_ad_platform())
}

/// An amount that must be above zero (an LTV, a group's cap, the ramp limit).
pub fn positive(value: f64) -> Result<f64, String> {
    if value > 0.0 {
        Ok(value)
    } else {
        Err("must be greater than 0".to_owned())
    }
}

/// A share of the budget: in (0, 1].
pub fn share(value: f64) -> Result<f64, String> {
    let value = positive(value)?;
    if value > 1.0 {
        Err("must be a share in (0, 1], e.g. 0.2 for 20 %".to_owned())
    } else {
        Ok(value)
    }
}

/// A channel's spend bounds: the lower not above the upper (said of `min`).
pub fn bounds(min: Option<f64>, max: Option<f64>) -> Result<(), String> {
    match (min, max) {
        (Some(lo), Some(hi)) if lo > hi => Err("must not exceed max".to_owned()),
        _ => Ok(()),
    }
}

/// A group's name: as given, else `group N` (counting from 1).
pub fn group_name(name: Option<&str>, index: usize) -> String {
    name.map_or_else(|| format!("group {}", index + 1), str::to_owned)
}

/// The channels of the groups read so far: a channel belongs to at most one group.
#[derive(Debug, Default)]
pub struct Grouped(Vec<Platform>);

impl Grouped {
    /// Adds a group's channel; a channel already in a group is refused (and kept, so that a
    /// third mention is refused too).
    pub fn add(&mut self, channel: Platform) -> Result<Platform, String> {
        let taken = self.0.contains(&channel);
        self.0.push(channel);
        if taken {
            Err("a channel belongs to at most one group".to_owned())
        } else {
            Ok(channel)
        }
    }
}

impl OptimizationRequest {
    /// The history the curves are fitted on, as of `today` (the rules of [`history`]).
    pub fn history_window(&self, today: NaiveDate) -> Result<DateWindow, (&'static str, String)> {
        history(self.history_from, self.history_to, today)
    }

    /// Every rule of the request, each problem under the JSON path the API reads the field from
    /// (`weeks`, `ltv.meta`, `bounds.meta.min`, `groups[0].channels[1]`).
    pub fn check(&self) -> Result<(), Vec<Problem>> {
        let mut problems = Vec::new();
        let mut rule = |field: String, outcome: Result<(), String>| {
            if let Err(message) = outcome {
                problems.push(Problem::new(field, message));
            }
        };
        if let Some(w) = self.weeks {
            rule("weeks".into(), weeks(w).map(drop));
        }
        if let Some(b) = self.total_budget {
            rule(
                "total_budget".into(),
                spendlens_core::limits::check_amount(b),
            );
        }
        rule("weeks".into(), period(self.to, self.weeks));
        if let Err((field, message)) = history_ends(self.history_from, self.history_to) {
            rule(field.into(), Err(message));
        }
        for (p, value) in &self.ltv {
            rule(format!("ltv.{p}"), channel_key(p.as_str()).map(drop));
            rule(format!("ltv.{p}"), positive(*value).map(drop));
        }
        for (p, (min, max)) in &self.bounds {
            rule(format!("bounds.{p}"), channel_key(p.as_str()).map(drop));
            rule(format!("bounds.{p}.min"), bounds(*min, *max));
        }
        for (i, p) in self.frozen.iter().enumerate() {
            rule(format!("frozen[{i}]"), listed_channel(p.as_str()).map(drop));
        }
        let mut grouped = Grouped::default();
        for (i, (_, channels, max)) in self.groups.iter().enumerate() {
            if channels.is_empty() {
                rule(
                    format!("groups[{i}].channels"),
                    Err(GROUP_CHANNELS_EXPECTED.to_owned()),
                );
            }
            for (j, p) in channels.iter().enumerate() {
                let path = format!("groups[{i}].channels[{j}]");
                rule(path.clone(), listed_channel(p.as_str()).map(drop));
                rule(path, grouped.add(*p).map(drop));
            }
            rule(format!("groups[{i}].max"), positive(*max).map(drop));
        }
        if let Some(r) = self.ramp_limit {
            rule("ramp_limit".into(), positive(r).map(drop));
        }
        if let Some(s) = self.max_weekly_shift {
            rule("max_weekly_shift".into(), share(s).map(drop));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(request: &OptimizationRequest) -> Vec<String> {
        request
            .check()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.field)
            .collect()
    }

    #[test]
    fn the_default_request_keeps_every_rule() {
        assert_eq!(OptimizationRequest::default().check(), Ok(()));
    }

    #[test]
    fn every_broken_rule_is_named_by_its_path() {
        let request = OptimizationRequest {
            weeks: Some(0),
            to: NaiveDate::from_ymd_opt(2026, 12, 31),
            ltv: BTreeMap::from([(Platform::Ga4, 10.0), (Platform::Meta, 0.0)]),
            bounds: BTreeMap::from([(Platform::Meta, (Some(10.0), Some(5.0)))]),
            frozen: vec![Platform::Ga4],
            groups: vec![
                ("a".into(), vec![Platform::Meta], 100.0),
                ("b".into(), vec![Platform::Meta], -1.0),
                ("c".into(), vec![], 5.0),
            ],
            ramp_limit: Some(0.0),
            max_weekly_shift: Some(1.5),
            ..OptimizationRequest::default()
        };
        assert_eq!(
            fields(&request),
            vec![
                "weeks",
                "weeks",
                "ltv.meta",
                "ltv.ga4",
                "bounds.meta.min",
                "frozen[0]",
                "groups[1].channels[0]",
                "groups[1].max",
                "groups[2].channels",
                "ramp_limit",
                "max_weekly_shift",
            ]
        );
    }

    #[test]
    fn the_history_window_defaults_to_the_last_year() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let today = day(2026, 11, 21);
        let window = |from, to| history(from, to, today).map(|w| w.to_string());
        assert_eq!(
            window(None, None).as_deref(),
            Ok("2025-11-22 to 2026-11-21")
        );
        assert_eq!(
            window(Some(day(2023, 1, 1)), None).as_deref(),
            Ok("2023-01-01 to 2023-12-31")
        );
        assert_eq!(
            window(None, Some(day(2023, 12, 31))).as_deref(),
            Ok("2023-01-01 to 2023-12-31")
        );
        assert_eq!(
            window(Some(day(2023, 3, 1)), Some(day(2023, 2, 1))),
            Err(("history.to", "must not be before history.from".to_owned()))
        );
        assert_eq!(
            window(Some(day(2015, 1, 1)), Some(day(2023, 1, 1))),
            Err((
                "history.from",
                "the history the window is 2923 days; at most 1096".to_owned()
            ))
        );
        let request = OptimizationRequest {
            history_from: Some(day(2023, 3, 1)),
            history_to: Some(day(2023, 2, 1)),
            ..OptimizationRequest::default()
        };
        assert_eq!(fields(&request), vec!["history.to"]);
    }

    #[test]
    fn field_rules_say_why() {
        assert_eq!(
            channel_key("tiktok").err().as_deref(),
            Some(
                "expected an ad platform id (linkedin, meta, google_ads, custom_integration, sheets)"
            )
        );
        assert_eq!(channel_key("ga4").ok(), None);
        assert_eq!(listed_channel("meta"), Ok(Platform::Meta));
        assert_eq!(
            share(1.5).err().as_deref(),
            Some("must be a share in (0, 1], e.g. 0.2 for 20 %")
        );
        assert_eq!(share(1.0), Ok(1.0));
        assert_eq!(positive(f64::NAN).ok(), None);
        assert_eq!(bounds(Some(5.0), Some(5.0)), Ok(()));
        assert_eq!(group_name(None, 0), "group 1");
        let mut grouped = Grouped::default();
        assert!(grouped.add(Platform::Meta).is_ok());
        assert!(grouped.add(Platform::LinkedIn).is_ok());
        assert!(grouped.add(Platform::Meta).is_err());
    }
}
