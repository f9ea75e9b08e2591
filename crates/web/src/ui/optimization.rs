//! The budget optimisation on the Budget Allocation tab: a small GET form (total budget, weeks,
//! objective — revenue, profit or customer lifetime value —, the spend range, and the history to
//! fit on: `history_from`/`history_to`) decoded into
//! `spendlens_app::optimization::OptimizationRequest` and checked with the app's rules
//! (`objective`, `spend_range`, `OptimizationRequest::check`), run through the API's `run`, and
//! shown as current against optimised allocation, the expected improvement with its 90 %
//! interval (saying plainly when it includes a loss), the risk assessment in sentences, what the
//! optimiser used (each channel's range, fit, CAC and LTV, and the seasonality), the
//! week-by-week rollout and the response curves. The sentences are the app's
//! (`spendlens_app::optimization::wording`), so the page and the API say the same.
//!
//! The optimiser runs only when the form is submitted (`?optimize=1`), so viewing the tab stays
//! as fast as the other tabs.

use std::collections::HashMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use spendlens_app::labels::Label;
use spendlens_app::optimization::wording;
use spendlens_app::optimization::{
    self, Limit, Optimization, OptimizationRequest, SpendRange, caution,
};
use spendlens_contract::Problems;
use spendlens_contract::json::{date_text, non_negative_decimal_text};
use spendlens_optimize::fit::FitKind;
use spendlens_optimize::plan::RiskLevel;

use crate::api::optimization::{curve_series, run};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::analysis::ChartView;
use crate::ui::format::{count, date, money};
use crate::ui::session::SignedIn;
use crate::ui::{FormErrors, UiResult};

/// A channel's current and optimised spend.
#[derive(Debug)]
pub struct AllocationRow {
    pub key: &'static str,
    pub name: &'static str,
    /// The channel keeps its spend (the risk assessment says why).
    pub held: bool,
    pub current: String,
    pub current_share: String,
    pub optimized: String,
    pub optimized_share: String,
    pub change: String,
}

/// What the optimiser used for a channel: its range, fit, CAC and LTV.
#[derive(Debug)]
pub struct ChannelUsedView {
    pub key: &'static str,
    pub name: &'static str,
    pub fit: &'static str,
    pub days: String,
    pub r_squared: String,
    pub recent: String,
    /// The spend range it could move in (or "held").
    pub range: String,
    /// Optimised spend / recent spend.
    pub multiple: String,
    pub extrapolation: String,
    pub cac: String,
    pub ltv: String,
}

/// A seasonal multiplier.
#[derive(Debug)]
pub struct IndexView {
    pub label: &'static str,
    pub value: String,
}

/// A week of the rollout: the split in force that week, per week.
#[derive(Debug)]
pub struct WeekView {
    pub week: usize,
    /// The week's days; the last row's run to the period's end, where its split holds.
    pub days: String,
    pub progress: String,
    /// Each channel's spend per week at the week's split.
    pub spends: Vec<String>,
    /// Their sum: the budget per week.
    pub weekly_spend: String,
    /// The response expected per week at the week's split.
    pub weekly_response: String,
}

/// The plan as the tab shows it.
#[derive(Debug)]
pub struct PlanView {
    pub period: String,
    /// The days the curves were fitted on.
    pub history: String,
    pub objective: String,
    pub total: String,
    pub rows: Vec<AllocationRow>,
    pub improvement: String,
    pub improvement_pct: String,
    pub interval: String,
    /// The improvement in words, saying plainly when its interval includes a loss.
    pub summary: String,
    /// What the response curves rest on.
    pub curves_basis: String,
    /// The curves are a marketing-mix model run's (the history gives spend and ranges only).
    pub mmm: bool,
    pub includes_loss: bool,
    pub current_value: String,
    pub optimized_value: String,
    pub risk: &'static str,
    pub risk_class: &'static str,
    /// The risk assessment, sentence by sentence.
    pub risk_sentences: Vec<String>,
    /// The default range's rule in words (or that it was opened).
    pub range_rule: String,
    pub used: Vec<ChannelUsedView>,
    pub weekdays: Vec<IndexView>,
    pub months: Vec<IndexView>,
    pub period_index: String,
    pub channels: Vec<&'static str>,
    pub weeks: Vec<WeekView>,
    /// The whole period's plan under the weeks: each channel's spend and their sum, so the
    /// rollout's rows tie to the budget.
    pub period_spends: Vec<String>,
    pub period_total: String,
    /// What the rollout's amounts are: per week, from the period's split.
    pub rollout_note: String,
    pub chart: Option<ChartView>,
}

/// The optimisation part of the tab: the form's values, its problems, and the plan or the
/// reason there is none.
#[derive(Debug, Default)]
pub struct OptimizeSection {
    pub budget: String,
    pub weeks: String,
    pub objective: String,
    /// `observed` (or empty: the default) or `open`.
    pub spend_range: String,
    /// `history` (or empty: the default, each platform's own revenue) or `mmm` (the newest current
    /// marketing-mix run on this campaign alone).
    pub curves: String,
    /// The history window's ends as typed (empty: the last 365 days).
    pub history_from: String,
    pub history_to: String,
    pub errors: FormErrors,
    /// Why no plan can be made (e.g. too little history): the 422 reason of the API.
    pub notice: Option<String>,
    pub plan: Option<PlanView>,
}

fn share(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn money_f64(v: f64, currency: &str) -> String {
    money(Decimal::from_f64(v).unwrap_or_default(), currency)
}

fn money_opt(v: Option<f64>, currency: &str) -> String {
    v.map_or_else(|| "–".to_owned(), |v| money_f64(v, currency))
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The form field of a request field: `history.from` is the form's `history_from`.
fn form_field(field: &str) -> String {
    field.replace('.', "_")
}

/// The app's message in the form's words: its `history.from`/`history.to` are the fields
/// labelled "History from" and "History to" here.
fn form_words(message: &str) -> String {
    message
        .replace("history.from", "History from")
        .replace("history.to", "History to")
}

/// Reads the form from the query and, when it was submitted, runs the optimisation.
pub async fn section(
    state: &AppState,
    viewer: &SignedIn,
    id: &str,
    query: &HashMap<String, String>,
) -> UiResult<OptimizeSection> {
    let field = |k: &str| {
        query
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut out = OptimizeSection {
        budget: field("budget"),
        weeks: field("weeks"),
        objective: field("objective"),
        spend_range: field("spend_range"),
        curves: field("curves"),
        history_from: field("history_from"),
        history_to: field("history_to"),
        ..OptimizeSection::default()
    };
    if query.get("optimize").is_none_or(String::is_empty) {
        return Ok(out);
    }
    let mut request = OptimizationRequest::default();
    if !out.weeks.is_empty() {
        match out.weeks.parse::<u64>() {
            Ok(w) => request.weeks = Some(w),
            Err(_) => out.errors.push("weeks", "expected a whole number of weeks"),
        }
    }
    if !out.errors.is_empty() {
        return Ok(out);
    }
    // The history's ends, read as the API reads `history.from`/`history.to`.
    for (name, text) in [
        ("history_from", &out.history_from),
        ("history_to", &out.history_to),
    ] {
        if text.is_empty() {
            continue;
        }
        let mut problems = Problems::default();
        let day = date_text(name, text, &mut problems);
        for p in problems.0 {
            out.errors.push(&p.path, p.message);
        }
        if name == "history_from" {
            request.history_from = day;
        } else {
            request.history_to = day;
        }
    }
    if !out.budget.is_empty() {
        // The API's decoder of a decimal, so the message reads as the API's does.
        let typed = out.budget.replace(',', "");
        let text = typed.trim_start_matches('$');
        let mut problems = Problems::default();
        request.total_budget = non_negative_decimal_text("budget", text, &mut problems);
        for p in problems.0 {
            out.errors.push(&p.path, p.message);
        }
    }
    // The app's rules of the request (here: weeks, the history's ends), as the API applies them.
    for p in request.check().err().unwrap_or_default() {
        out.errors
            .push(&form_field(&p.field), form_words(&p.message));
    }
    if !out.objective.is_empty() {
        match optimization::objective(&out.objective) {
            Ok(o) => request.objective = Some(o),
            Err(m) => out.errors.push("objective", m),
        }
    }
    if !out.spend_range.is_empty() {
        match optimization::spend_range(&out.spend_range) {
            Ok(r) => request.spend_range = r,
            Err(m) => out.errors.push("spend_range", m),
        }
    }
    if !out.curves.is_empty() {
        match optimization::curves(&out.curves, None) {
            Ok(c) => request.curves = c,
            Err(m) => out.errors.push("curves", m),
        }
    }
    if !out.errors.is_empty() {
        return Ok(out);
    }
    let caller = Caller(viewer.principal.clone());
    let found = run(state, &caller, id, &request).await;
    let found = match found {
        Ok(f) => f,
        Err(ApiError::Validation(problems)) => {
            for p in problems {
                match p.field.as_str() {
                    "total_budget" => out.errors.push("budget", p.message),
                    "weeks" | "objective" | "spend_range" | "history.from" | "history.to" => {
                        out.errors
                            .push(&form_field(&p.field), form_words(&p.message));
                    }
                    "curves" | "mmm_run" => out.errors.push("curves", form_words(&p.message)),
                    _ => {
                        let text = out.notice.take().map_or_else(String::new, |t| t + " ");
                        out.notice = Some(format!("{text}{}", form_words(&p.message)));
                    }
                }
            }
            return Ok(out);
        }
        Err(other) => return Err(other.into()),
    };
    let cur = found.campaign.spec.currency.as_str();
    let plan = &found.plan;
    let name = |i: usize| found.platforms.get(i).map_or("–", |p| p.label());
    let rows = found
        .platforms
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let current = plan.current_allocation.get(i);
            let optimized = plan.optimized_allocation.get(i);
            let c = current.map_or(Decimal::ZERO, |a| a.spend);
            let o = optimized.map_or(Decimal::ZERO, |a| a.spend);
            AllocationRow {
                key: p.as_str(),
                name: p.label(),
                held: found.limits.get(i).is_some_and(|l| l.hold().is_some()),
                current: money(c, cur),
                current_share: share(current.map_or(0.0, |a| a.share)),
                optimized: money(o, cur),
                optimized_share: share(optimized.map_or(0.0, |a| a.share)),
                change: {
                    let d = o - c;
                    if d > Decimal::ZERO {
                        format!("+{}", money(d, cur))
                    } else {
                        money(d, cur)
                    }
                },
            }
        })
        .collect();
    let imp = &plan.expected_improvement;
    let risk = &plan.risk_assessment;
    let curves = curve_series(&found).and_then(|curves| {
        spendlens_report::chart::response_curves_chart(
            &format!(
                "Response curves, {} to {}",
                spendlens_core::dates::day(found.period.0),
                spendlens_core::dates::day(found.period.1)
            ),
            &curves,
            cur,
        )
        .map_err(|e| ApiError::Internal(e.to_string()))
    });
    let chart = crate::ui::charts::chart_view(
        "response-curves",
        curves,
        &format!("/campaigns/{id}"),
        query,
    );
    out.plan = Some(PlanView {
        period: format!(
            "{} – {} ({} days)",
            date(found.period.0),
            date(found.period.1),
            count(found.days.len() as u64)
        ),
        history: format!(
            "{} – {}",
            date(found.history.from()),
            date(found.history.to())
        ),
        objective: wording::objective_words(imp.objective),
        total: money(plan.optimized_allocation.iter().map(|a| a.spend).sum(), cur),
        rows,
        improvement: money_f64(imp.point, cur),
        improvement_pct: imp
            .pct
            .map_or_else(|| "–".to_owned(), |p| format!("{p:+.1}%")),
        interval: format!(
            "{} to {}",
            money_f64(imp.low, cur),
            money_f64(imp.high, cur)
        ),
        current_value: money(plan.current_value, cur),
        optimized_value: money(plan.optimized_value, cur),
        risk: risk.level.label(),
        risk_class: match risk.level {
            RiskLevel::Low => "good",
            RiskLevel::Medium => "fair",
            RiskLevel::High => "bad",
        },
        summary: wording::improvement_summary(&found),
        curves_basis: wording::curves_basis(&found),
        mmm: found.mmm.is_some(),
        includes_loss: wording::moves(&found) && imp.includes_loss(),
        risk_sentences: wording::risk_sentences(&found),
        range_rule: match found.spend_range {
            SpendRange::Observed => format!(
                "Each channel moves only within the range it has been run at: {}× to {}× its \
                 recent spend ({} to {}), at most {}× its highest daily spend; a channel whose \
                 curve explains less than R² {:.2} or whose spend barely varied keeps its spend.",
                caution::LOW_MULTIPLE,
                caution::HIGH_MULTIPLE,
                date(found.recent.from()),
                date(found.recent.to()),
                caution::DAILY_CAP_MULTIPLE,
                caution::MIN_R_SQUARED
            ),
            SpendRange::Open => "The spend range is open: any split of the budget, even beyond \
                                 the spend each channel has been run at."
                .to_owned(),
        },
        used: used(&found),
        weekdays: WEEKDAYS
            .iter()
            .zip(found.model.seasonality.weekday)
            .map(|(label, v)| IndexView {
                label,
                value: format!("{v:.2}"),
            })
            .collect(),
        months: optimization::months_seen(&found)
            .into_iter()
            .map(|m| IndexView {
                label: MONTHS[m],
                value: format!("{:.2}", found.model.seasonality.month[m]),
            })
            .collect(),
        period_index: format!("{:.2}", found.model.period_index(&found.days)),
        channels: (0..found.platforms.len()).map(name).collect(),
        weeks: plan
            .implementation_timeline
            .iter()
            .map(|w| WeekView {
                week: w.week,
                days: week_days(&found, w.week),
                progress: share(w.progress),
                spends: w
                    .weekly_allocation
                    .iter()
                    .map(|a| money(a.spend, cur))
                    .collect(),
                weekly_spend: money(w.weekly_allocation.iter().map(|a| a.spend).sum(), cur),
                weekly_response: money(w.expected_weekly_response, cur),
            })
            .collect(),
        period_spends: plan
            .optimized_allocation
            .iter()
            .map(|a| money(a.spend, cur))
            .collect(),
        period_total: money(plan.optimized_allocation.iter().map(|a| a.spend).sum(), cur),
        rollout_note: rollout_note(&found),
        chart,
    });
    Ok(out)
}

/// The days of rollout week `week` within the period: seven from the period's start, the last
/// week's running to the period's end (its split holds from then on).
fn week_days(found: &Optimization, week: usize) -> String {
    let (first, last) = found.period;
    let offset = u64::try_from(week.saturating_sub(1) * 7).unwrap_or(u64::MAX);
    let start = first
        .checked_add_days(chrono::Days::new(offset))
        .unwrap_or(last)
        .min(last);
    let is_last = found
        .plan
        .implementation_timeline
        .last()
        .is_some_and(|w| w.week == week);
    let end = if is_last {
        last
    } else {
        start
            .checked_add_days(chrono::Days::new(6))
            .unwrap_or(last)
            .min(last)
    };
    format!("{} – {}", date(start), date(end))
}

/// What the rollout table's amounts are, in words: per week, the period's split × 7 / its days,
/// and from which week the optimised split holds to the period's end.
fn rollout_note(found: &Optimization) -> String {
    let days = found.days.len();
    let last = found
        .plan
        .implementation_timeline
        .last()
        .map_or(1, |w| w.week);
    let holds = if last == 1 {
        "The optimised split holds from week 1".to_owned()
    } else {
        format!("The split moves towards the optimised one week by week and holds from week {last}")
    };
    format!(
        "Amounts per week: each channel's spend for the {days} planned days at that week's split, \
         × 7 / {days}, and the response expected per week at it. {holds} to the end of the period \
         ({} – {}).",
        date(found.period.0),
        date(found.period.1)
    )
}

/// Each channel as the optimiser used it: its range (or that it was held), fit, CAC and LTV.
fn used(found: &Optimization) -> Vec<ChannelUsedView> {
    let cur = found.campaign.spec.currency.as_str();
    let plan = &found.plan;
    found
        .platforms
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let fit = found.model.channels.get(i);
            let limits = found.limits.get(i);
            let risk = plan.risk_assessment.channels.get(i);
            let recent = limits.map_or(0.0, |l| l.observed.recent);
            let planned = plan.solution.allocation.get(i).map_or(0.0, |a| a.spend);
            let range = match limits.map(|l| (l.limit, l)) {
                Some((Limit::Held(_), _)) => "held".to_owned(),
                Some((_, l)) if l.max.is_finite() => {
                    format!("{} – {}", money_f64(l.min, cur), money_f64(l.max, cur))
                }
                Some((_, l)) => format!("{} or more", money_f64(l.min, cur)),
                None => "–".to_owned(),
            };
            ChannelUsedView {
                key: p.as_str(),
                name: p.label(),
                fit: match fit.map(|f| f.kind) {
                    Some(FitKind::Hill) | None => "S-curve fitted",
                    Some(FitKind::Concave) => "concave curve (thin data)",
                    Some(FitKind::Assumed) => "assumed (spend barely varied)",
                },
                days: count(fit.map_or(0, |f| f.days_with_spend) as u64),
                r_squared: format!("{:.2}", fit.map_or(0.0, |f| f.r_squared)),
                recent: money_f64(recent, cur),
                range,
                multiple: if recent > 0.0 {
                    format!("{:.2}×", planned / recent)
                } else {
                    "–".to_owned()
                },
                extrapolation: risk
                    .filter(|r| r.extrapolation.is_finite())
                    .map_or_else(|| "–".to_owned(), |r| format!("{:.2}×", r.extrapolation)),
                cac: money_opt(fit.and_then(|f| f.cac), cur),
                ltv: money_opt(fit.and_then(|f| f.ltv), cur),
            }
        })
        .collect()
}
