//! The analysis API's `verdicts` (an extension after the contract's document): what may be
//! said about the campaign, from `spendlens_core::analysis::verdicts`, so API clients read the
//! same verdicts as the pages: none from an assumed input, the budget before the pace.

use serde_json::{Value, json};
use spendlens_core::analysis::verdicts::{PacingVerdict, Verdicts};

use crate::json::two_decimals as money;

/// The verdicts as JSON.
pub fn json(v: &Verdicts) -> Value {
    let pacing = match v.pacing {
        PacingVerdict::OverBudget { by } => {
            json!({"verdict": v.pacing.as_str(), "over_by": money(by)})
        }
        PacingVerdict::ProjectedOver {
            projected,
            over_by,
            end,
        } => json!({"verdict": v.pacing.as_str(), "projected_spend": money(projected),
                    "over_by": money(over_by), "end_date": end.to_string()}),
        PacingVerdict::NotStarted { starts } => {
            json!({"verdict": v.pacing.as_str(), "start_date": starts.to_string()})
        }
        PacingVerdict::Pace(_) | PacingVerdict::NoBudget => json!({"verdict": v.pacing.as_str()}),
    };
    json!({
        "revenue_measured": v.revenue_measured,
        "performance": v.performance.map(|p| p.as_str()),
        "ranks_platforms": v.ranks_platforms,
        "pacing": pacing,
        "health_score": v.lead_score,
        "health_score_basis": if v.score_assumed { "measured_inputs" } else { "all_inputs" },
        "missing": v.missing.iter().map(|m| json!({"input": m.as_str(), "message": m.sentence()})).collect::<Vec<_>>(),
        "borrowed_values": v.borrowed.iter().map(|b| json!({"platform": b.platform.as_str(),
            "value_per_conversion": money(b.per_conversion), "from": b.from.as_str()})).collect::<Vec<_>>(),
    })
}

/// Appends `verdicts` to an encoded analysis document.
pub fn append(body: &mut Value, v: &Verdicts) {
    if let Value::Object(map) = body {
        map.insert("verdicts".to_owned(), json(v));
    }
}

/// The API's `period_trends`: the last N days against the N before (see
/// `spendlens_core::analysis::period_trends`).
pub fn period_trends_json(t: &spendlens_core::analysis::period_trends::PeriodTrends) -> Value {
    use spendlens_core::analysis::period_trends::PeriodChange;
    let change = |c: &PeriodChange| {
        json!({
            "current": money(c.current),
            "previous": money(c.previous),
            "change_pct": c.change_pct.map(money),
            "direction": c.direction.map(|d| d.as_str()),
            "good": c.good,
        })
    };
    json!({
        "days": t.days,
        "current": {"from": t.current.0.to_string(), "to": t.current.1.to_string()},
        "previous": {"from": t.previous.0.to_string(), "to": t.previous.1.to_string()},
        "spend": change(&t.spend),
        "conversions": change(&t.conversions),
        "cpa": t.cpa.as_ref().map(change),
        "roas": t.roas.as_ref().map(change),
        "roi": t.roi.as_ref().map(change),
    })
}
