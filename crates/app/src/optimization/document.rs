//! The plan as the API answers it and `spendlens optimize --campaign` prints it: the seed's
//! `BudgetOptimization` (`spendlens_optimize::codec`) plus what it was computed for (campaign,
//! currency, planned period, history window), the cautious limits each channel was held to and
//! why, what the optimiser used (each channel's fit, CAC and LTV, the seasonality), and the
//! improvement and the risk assessment in sentences ([`super::wording`]).

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde_json::{Value, json};
use spendlens_optimize::fit::FitKind;

use super::Optimization;
use super::caution::{
    DAILY_CAP_MULTIPLE, HIGH_MULTIPLE, LOW_MULTIPLE, Limit, MIN_R_SQUARED, MIN_SPEND_VARIATION,
};
use super::wording;
use crate::labels::Label;

/// An amount as a 2-decimal string, rounded half away from zero; `null` when not finite (an
/// unbounded side).
fn cents(value: f64) -> Value {
    Decimal::from_f64(value).map_or(Value::Null, |d| spendlens_core::num::cents_text(d).into())
}

/// A ratio rounded to 4 decimals; `null` when not finite.
fn ratio(value: f64) -> Value {
    if value.is_finite() {
        json!((value * 10_000.0).round() / 10_000.0)
    } else {
        Value::Null
    }
}

fn window(from: NaiveDate, to: NaiveDate, days: u64) -> Value {
    json!({"from": from.to_string(), "to": to.to_string(), "days": days})
}

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The months the fitted days cover (their indices are estimated; the others stay 1), January
/// first.
pub fn months_seen(o: &Optimization) -> Vec<usize> {
    let index = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
    let (first, last) = (index(o.fitted.from()), index(o.fitted.to()));
    let mut seen = [false; 12];
    for m in first..=last.min(first + 11) {
        if let Ok(k) = usize::try_from(m.rem_euclid(12)) {
            seen[k] = true;
        }
    }
    (0..12).filter(|&m| seen[m]).collect()
}

/// Each channel: its limits and why, its fit, CAC and LTV.
fn channels(o: &Optimization) -> Value {
    let plan = &o.plan;
    o.platforms
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let limits = o.limits.get(i);
            let fit = o.model.channels.get(i);
            let planned = plan.solution.allocation.get(i).map_or(0.0, |a| a.spend);
            let recent = limits.map_or(0.0, |l| l.observed.recent);
            let (limit, reason) = match limits.map(|l| (l.limit, l)) {
                Some((Limit::Observed, _)) | None => ("observed", Value::Null),
                Some((Limit::Requested, _)) => ("requested", Value::Null),
                Some((Limit::Open, _)) => ("open", Value::Null),
                Some((Limit::Held(h), l)) => (
                    "held",
                    wording::hold_sentence(p.label(), h, l, o).into(),
                ),
            };
            json!({
                "channel": p.as_str(),
                "recent_spend": cents(recent),
                "highest_daily_spend": cents(limits.map_or(0.0, |l| l.observed.highest_daily)),
                "spend_variation": ratio(limits.map_or(0.0, |l| l.observed.variation)),
                "min_spend": cents(limits.map_or(0.0, |l| l.min)),
                "max_spend": cents(limits.map_or(f64::INFINITY, |l| l.max)),
                "limit": limit,
                "held": reason.is_string(),
                "reason": reason,
                "optimized_vs_recent": if recent > 0.0 { ratio(planned / recent) } else { Value::Null },
                "fit": match fit.map(|f| f.kind) {
                    Some(FitKind::Hill) | None => "hill",
                    Some(FitKind::Concave) => "concave",
                    Some(FitKind::Assumed) => "assumed",
                },
                "r_squared": ratio(fit.map_or(0.0, |f| f.r_squared)),
                "adstock": ratio(fit.map_or(0.0, |f| f.adstock)),
                "days_with_spend": fit.map_or(0, |f| f.days_with_spend),
                "cac": fit.and_then(|f| f.cac).map_or(Value::Null, cents),
                "ltv": fit.and_then(|f| f.ltv).map_or(Value::Null, cents),
            })
        })
        .collect()
}

/// The seasonal multipliers the curves were scaled by: per weekday, per month of the history
/// (months it does not cover stay 1), and their mean over the planned days.
fn seasonality(o: &Optimization) -> Value {
    let s = &o.model.seasonality;
    let weekday: serde_json::Map<String, Value> = WEEKDAYS
        .iter()
        .zip(s.weekday)
        .map(|(d, v)| ((*d).to_owned(), ratio(v)))
        .collect();
    let month: serde_json::Map<String, Value> = months_seen(o)
        .into_iter()
        .map(|m| (MONTHS[m].to_owned(), ratio(s.month[m])))
        .collect();
    json!({
        "weekday": weekday,
        "month": month,
        "period_index": ratio(o.model.period_index(&o.days)),
    })
}

/// The answer (see the module documentation).
pub fn document(o: &Optimization) -> Value {
    let mut body = spendlens_optimize::codec::encode_plan(&o.plan);
    if let Value::Object(map) = &mut body {
        map.insert("campaign_id".into(), o.campaign.id.to_string().into());
        map.insert("currency".into(), o.campaign.spec.currency.clone().into());
        map.insert(
            "period".into(),
            window(o.period.0, o.period.1, o.days.len() as u64),
        );
        map.insert(
            "history".into(),
            window(o.history.from(), o.history.to(), o.history.days()),
        );
        if let Some(Value::Object(imp)) = map.get_mut("expected_improvement") {
            imp.insert("summary".into(), wording::improvement_summary(o).into());
        }
        if let Some(Value::Object(risk)) = map.get_mut("risk_assessment") {
            risk.insert("sentences".into(), wording::risk_sentences(o).into());
        }
        map.insert(
            "caution".into(),
            json!({
                "spend_range": o.spend_range.code(),
                "recent": window(o.recent.from(), o.recent.to(), o.recent.days()),
                "low_multiple": LOW_MULTIPLE,
                "high_multiple": HIGH_MULTIPLE,
                "daily_cap_multiple": DAILY_CAP_MULTIPLE,
                "min_r_squared": MIN_R_SQUARED,
                "min_spend_variation": MIN_SPEND_VARIATION,
            }),
        );
        map.insert(
            "curves_basis".into(),
            json!({
                "basis": if o.mmm.is_some() { "mmm" } else { "platform_reported" },
                "mmm_run": o.mmm.as_ref().map(|m| m.run_id.clone()),
                "label": wording::curves_basis(o),
            }),
        );
        map.insert("channels".into(), channels(o));
        map.insert("seasonality".into(), seasonality(o));
        // Named channels, frozen beside the plan; only when the campaign has any.
        if !o.offline_channels.is_empty() {
            let channels: Vec<Value> = o
                .offline_channels
                .iter()
                .map(|c| {
                    json!({
                        "channel": c.channel.as_str(),
                        "kind": "offline_channel",
                        "frozen": true,
                        "current_spend": spendlens_core::num::cents_text(c.current_spend),
                        "days_with_spend": c.days,
                        "reason": c.reason,
                    })
                })
                .collect();
            map.insert("offline_channels".into(), Value::Array(channels));
        }
    }
    body
}
