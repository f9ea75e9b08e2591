//! The plan in sentences, each with its numbers and punctuation: the expected improvement (saying
//! plainly when its interval includes a loss), the risk assessment, why a channel keeps its
//! spend, and why no curve can be fitted to a channel. One place, so the API's answer, the page
//! and `spendlens optimize --campaign --format text` say the same thing in the same words.

use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use spendlens_core::Platform;
use spendlens_optimize::Objective;
use spendlens_optimize::fit::FitKind;
use spendlens_report::currency::{format_money, grouped};

use super::Optimization;
use super::caution::{
    ChannelLimits, DAILY_CAP_MULTIPLE, HIGH_MULTIPLE, Hold, LOW_MULTIPLE, Limit, MIN_R_SQUARED,
    MIN_SPEND_VARIATION,
};
use crate::labels::{Label, in_sentence};

/// An amount of the plan for people (`$1,234.56`).
pub fn money(value: f64, currency: &str) -> String {
    format_money(Decimal::from_f64(value).unwrap_or_default(), currency)
}

/// A share or ratio as a percentage with one decimal (`45.9 %`).
fn pct(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

/// What the objective measures, in the middle of a sentence (its label, lowered).
pub fn objective_words(objective: Objective) -> String {
    in_sentence(objective.label())
}

/// The daily response a curve is fitted to, in words.
fn response_words(objective: Objective) -> &'static str {
    match objective {
        Objective::Revenue | Objective::Profit => "daily revenue",
        Objective::LtvValue => "daily customer value",
    }
}

/// Where the daily revenue the curves are fitted to came from: what the platforms report, or
/// estimates from their conversions (× the conversion value), or both. A label never calls an
/// estimate platform-reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DailyRevenue {
    /// Some day's revenue was reported by its platform.
    pub reported: bool,
    /// Some day's revenue was estimated from its conversions (and is not zero).
    pub estimated: bool,
}

impl DailyRevenue {
    /// Counts a day's row: whether its platform reported its revenue, and the revenue used.
    pub fn add(&mut self, reported: bool, revenue: Decimal) {
        if reported {
            self.reported = true;
        } else if !revenue.is_zero() {
            self.estimated = true;
        }
    }

    /// The revenue in words, after "daily revenue, ".
    pub fn words(self) -> &'static str {
        match (self.reported, self.estimated) {
            (true, true) => {
                "platform-reported where the platform reports it, else estimated from its \
                 conversions × the conversion value"
            }
            (false, true) => {
                "estimated from its conversions × the conversion value (no platform reports \
                 revenue)"
            }
            _ => "as the platform reports it",
        }
    }

    /// The basis in a word or two, as a figure's label qualifies it: "estimated".
    pub fn adjective(self) -> &'static str {
        match (self.reported, self.estimated) {
            (true, true) => "platform-reported and estimated",
            (false, true) => "estimated",
            _ => "platform-reported",
        }
    }
}

/// What the response curves rest on, as the plan states it: each platform's own daily figure
/// as the analysis values it, whatever basis the campaign's ROI is set to (an attribution model
/// re-credits totals over a window; it gives no daily response to fit).
pub fn curves_basis(o: &Optimization) -> String {
    if let Some(m) = &o.mmm {
        return format!(
            "Response curves of the marketing-mix model run {} of {} (KPI {}, R² {:.2}), fitted \
             on this campaign's spend against the KPI, not to the platforms' own revenue.",
            m.run_id,
            spendlens_core::dates::moment(m.created_at),
            crate::mmm::kpi_label(&m.kpi),
            m.r2
        );
    }
    match o.plan.expected_improvement.objective {
        Objective::Revenue | Objective::Profit => format!(
            "Response curves fitted to each platform's daily revenue, {}, not to the campaign's \
             ROI basis.",
            o.daily_revenue.words()
        ),
        Objective::LtvValue => "Response curves fitted to each platform's daily customer value: \
            its platform-reported conversions times the customer lifetime value."
            .to_owned(),
    }
}

/// Why a channel with spend has nothing to fit a curve to, and where its value is set.
/// `own_value`: the platform reports a value with its conversions on other days, so it is
/// valued by that (as the analysis values it), not by an average order value.
pub fn no_response(
    platform: Platform,
    days_with_spend: usize,
    conversions: f64,
    own_value: bool,
) -> String {
    let name = platform.label();
    if conversions <= 0.0 {
        return format!(
            "{name} has {days_with_spend} days with spend but no conversions and no revenue"
        );
    }
    if own_value {
        let conversions = grouped(Decimal::from_f64(conversions).unwrap_or_default(), 2);
        return format!(
            "{name} has {days_with_spend} days with spend and {conversions} conversions but no \
             revenue: its conversions on these days came without the value it reports with them \
             on other days, and {name} is valued by that value, as the analysis values it, not by \
             an average order value (import its conversion values for these days)"
        );
    }
    let value = match platform {
        Platform::LinkedIn => "set the LinkedIn conversion value",
        Platform::Meta | Platform::GoogleAds => {
            "set the LinkedIn conversion value, or the GA4 or Custom Integration average order \
             value"
        }
        _ => "set the GA4 or Custom Integration average order value",
    };
    let conversions = grouped(Decimal::from_f64(conversions).unwrap_or_default(), 2);
    format!(
        "{name} has {days_with_spend} days with spend and {conversions} conversions but no \
         revenue: its conversions have no value ({value})"
    )
}

/// The refusal when some channels have nothing to fit: each channel's cause, then where values
/// are set.
pub fn no_response_message(clauses: &[String], campaign: &str) -> String {
    format!(
        "no response curve can be fitted to a channel without revenue: {}; conversion values \
         are set in the campaign's settings (Edit campaign, Conversion values; or PUT \
         /api/campaigns/{campaign}/settings), or import the platforms' revenue",
        clauses.join("; ")
    )
}

/// Why a channel keeps its current spend, as a sentence naming it.
pub fn hold_sentence(name: &str, hold: Hold, limits: &ChannelLimits, o: &Optimization) -> String {
    let currency = o.campaign.spec.currency.as_str();
    let current = money(limits.current, currency);
    let response = response_words(o.plan.expected_improvement.objective);
    match hold {
        Hold::Requested => format!("{name} keeps its current spend, {current}, as requested."),
        Hold::NotRecent => format!(
            "{name} stays at {current}: it had no spend from {} to {}, the last {} days with ad \
             spend, so it is not running; give it bounds to plan spend for it.",
            o.recent.from(),
            o.recent.to(),
            o.recent.days()
        ),
        Hold::FlatSpend { variation } if variation >= MIN_SPEND_VARIATION => format!(
            "{name} keeps its current spend, {current}: its daily spend took too few distinct \
             levels to measure how its {response} responds to more or less; give it bounds to \
             move it anyway."
        ),
        Hold::FlatSpend { variation } => format!(
            "{name} keeps its current spend, {current}: its daily spend barely varied ({} around \
             its mean, below the {} needed), so how its {response} responds to more or less is \
             not measured; give it bounds to move it anyway.",
            pct(variation),
            pct(MIN_SPEND_VARIATION)
        ),
        Hold::PoorFit { r_squared } => format!(
            "{name} keeps its current spend, {current}: its curve explains little of its \
             {response} (R² {r_squared:.2}, below the {MIN_R_SQUARED:.2} needed to move it); \
             give it bounds to move it anyway."
        ),
    }
}

/// Whether the plan moves any channel by a cent or more.
pub fn moves(o: &Optimization) -> bool {
    o.plan
        .current_allocation
        .iter()
        .zip(&o.plan.optimized_allocation)
        .any(|(c, p)| c.spend != p.spend)
}

/// The expected improvement in one or two sentences; when its interval includes a loss it says
/// so plainly, with the loss.
pub fn improvement_summary(o: &Optimization) -> String {
    let currency = o.campaign.spec.currency.as_str();
    let imp = &o.plan.expected_improvement;
    if !moves(o) {
        let held = o.limits.iter().filter(|l| l.hold().is_some()).count();
        let (budget, recent) = budget_and_recent(o);
        let scale = if recent > 0.0 { budget / recent } else { 1.0 };
        let why = match held {
            0 if !(LOW_MULTIPLE..=HIGH_MULTIPLE).contains(&scale) => format!(
                " The budget is {scale:.2}× the channels' recent spend, outside the range they \
                 have been run at, so each keeps its share."
            ),
            0 => String::new(),
            h if h == o.limits.len() => {
                " No channel can be moved with confidence (the risk assessment says why)."
                    .to_owned()
            }
            h if h + 1 == o.limits.len() => format!(
                " {h} of {} channels cannot be moved with confidence (the risk assessment says \
                 why), and the one left cannot move alone.",
                o.limits.len()
            ),
            h => format!(
                " {h} of {} channels cannot be moved with confidence (the risk assessment says \
                 why); the current split of the others is already the best the curves see.",
                o.limits.len()
            ),
        };
        return format!("No change is expected: every channel keeps its current spend.{why}");
    }
    let share = imp
        .pct
        .map_or_else(String::new, |p| format!(" ({p:+.1} %)"));
    if imp.point < 0.0 {
        return format!(
            "Expected loss: {} of {} over the {} days{share}, with a 90 % interval of {} to {}: \
             the limits given force a split worse than the current one.",
            money(-imp.point, currency),
            objective_words(imp.objective),
            o.days.len(),
            money(imp.low, currency),
            money(imp.high, currency)
        );
    }
    let mut out = format!(
        "Expected gain: {} of {} over the {} days{share}, with a 90 % interval of {} to {}.",
        money(imp.point, currency),
        objective_words(imp.objective),
        o.days.len(),
        money(imp.low, currency),
        money(imp.high, currency)
    );
    if imp.includes_loss() {
        out.push_str(&format!(
            " The interval includes a loss: in some plausible outcomes this plan does worse \
             than the current split, by up to {}.",
            money(-imp.low, currency)
        ));
    }
    out
}

/// The budget and the channels' recent spend over as many days.
fn budget_and_recent(o: &Optimization) -> (f64, f64) {
    let recent: f64 = o.limits.iter().map(|l| l.observed.recent).sum();
    let budget = o
        .plan
        .current_allocation
        .iter()
        .map(|a| a.spend)
        .sum::<Decimal>()
        .to_f64()
        .unwrap_or(0.0);
    (budget, recent)
}

/// How the budget compares with the channels' recent spend over as many days, when it differs:
/// it explains why every channel's current spend is a multiple of its recent spend, and when the
/// budget is outside the default range no split can keep every channel inside it.
fn budget_sentence(o: &Optimization) -> Option<String> {
    let currency = o.campaign.spec.currency.as_str();
    let (budget, recent) = budget_and_recent(o);
    if recent <= 0.0 || (budget / recent - 1.0).abs() < 0.01 {
        return None;
    }
    let scale = budget / recent;
    let mut out = format!(
        "The budget, {}, is {scale:.2}× the channels' recent spend over as many days ({}): each \
         channel's current spend is its share of the recent spend applied to the budget",
        money(budget, currency),
        money(recent, currency)
    );
    if !(LOW_MULTIPLE..=HIGH_MULTIPLE).contains(&scale) {
        out.push_str(&format!(
            ", so no split keeps every channel within {LOW_MULTIPLE}× to {HIGH_MULTIPLE}× of its \
             recent spend and the channels outside it keep their share"
        ));
    }
    out.push('.');
    Some(out)
}

/// The risk assessment as sentences: the level, the improvement's interval, the concentration,
/// then each channel's holds, limits reached and warnings.
pub fn risk_sentences(o: &Optimization) -> Vec<String> {
    let currency = o.campaign.spec.currency.as_str();
    let plan = &o.plan;
    let risk = &plan.risk_assessment;
    let imp = &plan.expected_improvement;
    let name = |i: usize| o.platforms.get(i).map_or("–", |p| p.label());
    let mut out = vec![format!(
        "Overall risk: {}.",
        in_sentence(risk.level.label())
    )];
    if moves(o) {
        let interval = format!(
            "The 90 % interval of the improvement, {} to {},",
            money(imp.low, currency),
            money(imp.high, currency)
        );
        out.push(if imp.includes_loss() {
            format!("{interval} includes a loss.")
        } else if imp.high - imp.low > imp.point.abs() {
            format!(
                "{interval} is wider than the expected gain of {}: the gain is uncertain.",
                money(imp.point, currency)
            )
        } else {
            format!(
                "{interval} is narrower than the expected gain of {}.",
                money(imp.point, currency)
            )
        });
    }
    if let Some(sentence) = budget_sentence(o) {
        out.push(sentence);
    }
    let largest = plan
        .optimized_allocation
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.share.total_cmp(&b.1.share))
        .map_or(0, |(i, _)| i);
    if o.platforms.len() == 1 {
        out.push(format!(
            "{} is the only ad platform with spend: it takes the whole budget.",
            name(0)
        ));
    } else {
        out.push(format!(
            "The largest share, {} of the budget, goes to {}{} (concentration {:.2}, where 1 is \
             everything in one channel).",
            pct(risk.largest_share),
            name(largest),
            if risk.largest_share > 0.6 {
                ": most of the budget in one channel"
            } else {
                ""
            },
            risk.concentration
        ));
    }
    for (i, ((limits, fit), c)) in o
        .limits
        .iter()
        .zip(&o.model.channels)
        .zip(&risk.channels)
        .enumerate()
    {
        let name = name(i);
        if let Some(hold) = limits.hold() {
            out.push(hold_sentence(name, hold, limits, o));
            continue;
        }
        let planned = plan.solution.allocation.get(i).map_or(0.0, |a| a.spend);
        let recent = limits.observed.recent;
        let times = |x: f64| {
            if recent > 0.0 {
                format!(
                    "{:.2}× its recent spend of {}",
                    x / recent,
                    money(recent, currency)
                )
            } else {
                "it had no recent spend".to_owned()
            }
        };
        if limits.limit == Limit::Observed {
            // At a limit of the observed range, not merely at its current spend (which a budget
            // far from the recent spend puts outside the range: the budget sentence says so).
            let cent = 0.005;
            if limits.max.is_finite()
                && planned >= limits.max - cent
                && limits.max > limits.current + cent
            {
                out.push(format!(
                    "{name} stops at the top of the range it has been run at, {} ({}): more is \
                     untested; give it bounds to test it.",
                    money(limits.max, currency),
                    times(limits.max)
                ));
            } else if planned <= limits.min + cent && limits.min < limits.current - cent {
                out.push(format!(
                    "{name} stops at the bottom of the range it has been run at, {} ({}).",
                    money(limits.min, currency),
                    times(limits.min)
                ));
            }
        }
        if c.extrapolation.is_finite() && c.extrapolation > DAILY_CAP_MULTIPLE {
            let daily = planned / o.days.len().max(1) as f64;
            out.push(format!(
                "The recommended daily spend of {name}, {}, is {:.2}× its highest day ({}): the \
                 curve is extrapolated beyond anything seen.",
                money(daily, currency),
                c.extrapolation,
                money(limits.observed.highest_daily, currency)
            ));
        }
        match fit.kind {
            FitKind::Hill => {}
            FitKind::Concave => out.push(format!(
                "{name} has only {} days with spend: a simpler concave curve was fitted.",
                c.days_with_spend
            )),
            FitKind::Assumed => out.push(format!(
                "The spend of {name} barely varied: its saturation is assumed, not measured."
            )),
        }
        if c.r_squared < MIN_R_SQUARED {
            out.push(format!(
                "The curve of {name} explains little of its {} (R² {:.2}).",
                response_words(imp.objective),
                c.r_squared
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_without_value_is_told_what_is_missing_and_where_to_set_it() {
        // Valued by its own reported value elsewhere: no advice to set a value already set.
        let own = no_response(Platform::Meta, 90, 58.94, true);
        assert!(
            own.contains("came without the value it reports with them on other days")
                && !own.contains("set the"),
            "{own}"
        );
        assert_eq!(
            no_response(Platform::LinkedIn, 90, 4.66, false),
            "LinkedIn Ads has 90 days with spend and 4.66 conversions but no revenue: its \
             conversions have no value (set the LinkedIn conversion value)"
        );
        assert_eq!(
            no_response(Platform::Sheets, 30, 0.0, false),
            "Google Sheets has 30 days with spend but no conversions and no revenue"
        );
        let message = no_response_message(&[no_response(Platform::Meta, 90, 1234.5, false)], "c-1");
        assert_eq!(
            message,
            "no response curve can be fitted to a channel without revenue: Meta Ads has 90 days \
             with spend and 1,234.50 conversions but no revenue: its conversions have no value \
             (set the LinkedIn conversion value, or the GA4 or Custom Integration average order \
             value); conversion values are set in the campaign's settings (Edit campaign, \
             Conversion values; or PUT /api/campaigns/c-1/settings), or import the platforms' \
             revenue"
        );
    }
}
