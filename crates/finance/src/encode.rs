//! The JSON wire form of the finance results: the only place in the crate that knows serde.
//!
//! Conventions (the same as the analysis contract's): money is a string with exactly two
//! decimals (`"8850.50"`), percentages and ratios are JSON numbers rounded to two decimals with at
//! least one decimal (`126.44`, `59.0`), dates are `YYYY-MM-DD`, codes are the types' `as_str`.
//! Everything is rounded here, once, half away from zero. Exchange rates are exact decimal strings
//! (a rate rounded to two decimals would change every converted figure). Keys keep the order they
//! are written in (`serde_json`'s `preserve_order`).
//!
//! The domain types stay free of serde on purpose: the wire names can change without touching the
//! maths, and the web layer may wrap these values in its own DTOs.
//!
//! Named channels (TV, radio...) add keys only where a campaign or report has one:
//! `costs.offline_channels` and an `offline_channels` list, and the report's
//! `spend_all_channels`. A document without named channels is byte for byte what it was before.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use spendlens_contract::channels::{all_spend_json, channel_json};
use spendlens_core::analysis::verdicts::PacingVerdict;
use spendlens_core::channel::CHANNEL_LABEL;

use crate::budget::{AlertKind, AlertState, BudgetAlert, BudgetConsumption, BudgetStatus};
use crate::confidence::Confidence;
use crate::fx::RateUsed;
use crate::payback::Payback;
use crate::period::Period;
use crate::report::{
    CampaignReport, ChannelReport, FinancialReport, PlatformReport, ReportTotals,
    UnallocatedOverhead,
};
use crate::roi::{CampaignRoi, CostBreakdown};

/// Money (2-decimal strings) and ratios (numbers rounded to 2 decimals): the contract's formats,
/// shared with the analysis so every spendlens document writes numbers the same way.
pub use spendlens_contract::json::{ratio, two_decimals as money};

fn opt<T>(value: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    value.map_or(Value::Null, f)
}

fn date(d: NaiveDate) -> Value {
    Value::String(d.format("%Y-%m-%d").to_string())
}

fn period(p: &Period) -> Value {
    json!({ "start": date(p.start()), "end": date(p.end()) })
}

/// The costs by category; `offline_channels` (the named channels' spend, part of
/// `media_spend`) only `with_channels`.
fn costs(c: &CostBreakdown, with_channels: bool) -> Value {
    let mut map = Map::new();
    let mut put = |key: &str, amount: Decimal| {
        map.insert(key.to_owned(), money(amount));
    };
    put("media_spend", c.media());
    put("platform_spend", c.platform_spend);
    put("media_entries", c.media_entries);
    if with_channels {
        put("offline_channels", c.channel_spend);
    }
    put("creative_production", c.creative);
    put("platform_fees", c.platform_fees);
    put("campaign_costs", c.campaign_costs());
    put("operational_overhead", c.overhead);
    put("opportunity_cost", c.opportunity);
    Value::Object(map)
}

fn payback(p: &Payback) -> Value {
    let date_of = match p {
        Payback::Reached { date: d, .. } | Payback::Projected { date: d, .. } => Some(*d),
        _ => None,
    };
    json!({
        "status": p.as_str(),
        "days": opt(p.days(), |d| json!(d)),
        "date": opt(date_of, date),
    })
}

fn confidence(c: &Confidence) -> Value {
    json!({
        "level": c.level.as_str(),
        "interval_90": opt(c.interval, |(lower, upper)| json!({ "lower": ratio(lower), "upper": ratio(upper) })),
        "days": c.days,
        "conversions": money(c.conversions),
        "resamples": c.resamples,
    })
}

fn rate_used(r: &RateUsed) -> Value {
    json!({
        "from": r.from,
        "to": r.to,
        "rate": r.rate.normalize().to_string(),
        "inverted": r.inverted,
    })
}

/// What the revenue rests on: a code, the model when attributed, and the label every surface
/// shows.
fn revenue_basis(b: &crate::books::RevenueBasis) -> Value {
    match b {
        crate::books::RevenueBasis::PlatformReported | crate::books::RevenueBasis::Unmeasured => {
            json!({"basis": b.code(), "model": null, "label": b.label()})
        }
        crate::books::RevenueBasis::Attributed { model, .. } => {
            json!({"basis": b.code(), "model": model, "label": b.label()})
        }
        crate::books::RevenueBasis::Modelled { run, .. } => {
            json!({"basis": b.code(), "model": null, "mmm_run": run, "label": b.label()})
        }
    }
}

/// A campaign's ROI, with the seed's field names; its named channels' lines after them when it
/// has any.
pub fn campaign_roi(r: &CampaignRoi) -> Value {
    let mut value = json!({
        "campaign_id": r.campaign_id.as_str(),
        "currency": r.currency,
        "window": opt(r.window.as_ref(), period),
        "attribution_method": r.attribution.as_str(),
        "revenue_basis": revenue_basis(&r.revenue_basis),
        "total_investment": money(r.total_investment),
        "attributed_revenue": money(r.attributed_revenue),
        "net_revenue": money(r.net_revenue),
        "roi_percentage": opt(r.roi_percentage, ratio),
        "roas": opt(r.roas, ratio),
        "costs": costs(&r.costs, !r.channels.is_empty()),
        "payback_period": payback(&r.payback),
        "confidence_level": confidence(&r.confidence),
        "creative_hours": r.creative_hours,
        "rates_used": r.rates_used.iter().map(rate_used).collect::<Vec<_>>(),
    });
    if !r.channels.is_empty()
        && let Value::Object(map) = &mut value
    {
        map.insert(
            "offline_channels".to_owned(),
            Value::Array(r.channels.iter().map(channel_json).collect()),
        );
    }
    value
}

/// The walk from platform-reported revenue to the full-cost ROI (`crate::reconcile`): each
/// step's amount, the platforms' lines, and the ROI it ends at (`roi_percentage`, the same
/// figure as the campaign's ROI document).
pub fn reconciliation(w: &crate::reconcile::Reconciliation) -> Value {
    let r = &w.roi;
    let c = &r.costs;
    json!({
        "campaign_id": r.campaign_id.as_str(),
        "currency": r.currency,
        "window": opt(r.window.as_ref(), period),
        "revenue_basis": revenue_basis(&r.revenue_basis),
        "platform_reported_revenue": money(w.reported_revenue),
        "ad_spend": money(c.platform_spend),
        "platform_reported_roi": opt(w.reported_roi, ratio),
        "recredited": money(w.recredited),
        "offline_channels_revenue": money(w.offline_credited),
        "revenue": money(r.attributed_revenue),
        "media_cost": {
            "total": money(c.media()),
            "ad_spend": money(c.platform_spend),
            "media_entries": money(c.media_entries),
            "offline_channels": money(c.channel_spend),
        },
        "media_roi": opt(w.media_roi, ratio),
        "costs_beyond_media": {
            "total": money(w.beyond_media),
            "creative_production": money(c.creative),
            "platform_fees": money(c.platform_fees),
            "operational_overhead": money(c.overhead),
            "opportunity_cost": money(c.opportunity),
        },
        "total_investment": money(r.total_investment),
        "roi_percentage": opt(r.roi_percentage, ratio),
        "platforms": w.platforms.iter().map(|p| json!({
            "platform": p.platform.as_str(),
            "spend": money(p.spend),
            "platform_reported_revenue": money(p.reported),
            "revenue": money(p.credited),
            "recredited": money(p.recredited()),
        })).collect::<Vec<_>>(),
    })
}

/// The pacing verdict (`spendlens_core::analysis::verdicts`), as the analysis API's `verdicts`
/// writes it: its code, and the amounts and day of a verdict about the budget.
fn pacing(v: PacingVerdict) -> Value {
    match v {
        PacingVerdict::OverBudget { by } => json!({"verdict": v.as_str(), "over_by": money(by)}),
        PacingVerdict::ProjectedOver {
            projected,
            over_by,
            end,
        } => json!({"verdict": v.as_str(), "projected_spend": money(projected),
                    "over_by": money(over_by), "end_date": date(end)}),
        PacingVerdict::NotStarted { starts } => {
            json!({"verdict": v.as_str(), "start_date": date(starts)})
        }
        PacingVerdict::Pace(_) | PacingVerdict::NoBudget => json!({"verdict": v.as_str()}),
    }
}

/// A campaign's budget status. Without a budget nothing is judged (`BudgetStatus::judged`): the
/// share used, its status and the pace are null, and the pacing verdict is `no_budget`. The
/// pacing is the verdict every page shows (the budget before the pace), never the seed's bare
/// pace status beside it.
pub fn budget_status(s: &BudgetStatus) -> Value {
    let judged = s.judged();
    json!({
        "as_of": date(s.as_of),
        "currency": s.currency,
        "budget": opt(s.budget, money),
        "spend": money(s.spend),
        "used_pct": opt(judged.map(|(used, ..)| used), ratio),
        "remaining": opt(s.remaining, money),
        "over_budget_by": opt(s.over_budget_by, money),
        "status": opt(judged.map(|(_, status, ..)| status.as_str()), |c| json!(c)),
        "pacing_pct": opt(judged.map(|(.., pct, _)| pct), ratio),
        "pacing": pacing(s.pacing),
        "pacing_assumed": s.pacing_assumed,
        "projected_exhaustion_date": opt(s.projected_exhaustion_date, date),
    })
}

fn alert(a: &BudgetAlert) -> Value {
    json!({
        "kind": a.kind.as_str(),
        "as_of": date(a.as_of),
        "used_pct": ratio(a.used_pct),
        "pacing_pct": ratio(a.pacing_pct),
    })
}

/// The alert state to store: the codes of the alerts raised and still holding.
pub fn alert_state(s: &AlertState) -> Value {
    Value::Array(s.raised.iter().map(|k| json!(k.as_str())).collect())
}

/// Reads a stored alert state back (an array of alert codes).
pub fn decode_alert_state(value: &Value) -> Result<AlertState, String> {
    let Value::Array(items) = value else {
        return Err("an alert state is an array of alert codes".to_owned());
    };
    let mut raised = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let kind = item
            .as_str()
            .and_then(AlertKind::parse)
            .ok_or_else(|| format!("[{i}] is not an alert code"))?;
        raised.push(kind);
    }
    raised.sort_unstable();
    raised.dedup();
    Ok(AlertState { raised })
}

/// The result of `track_budget_consumption`.
pub fn budget_consumption(c: &BudgetConsumption) -> Value {
    json!({
        "status": budget_status(&c.status),
        "alerts": c.alerts.iter().map(alert).collect::<Vec<_>>(),
        "state": alert_state(&c.state),
    })
}

fn totals(t: &ReportTotals, with_channels: bool) -> Value {
    json!({
        "total_investment": money(t.total_investment),
        "attributed_revenue": money(t.attributed_revenue),
        "net_revenue": opt(t.net_revenue, money),
        "roi_percentage": opt(t.roi_percentage, ratio),
        "roas": opt(t.roas, ratio),
        "conversions": money(t.conversions),
        "costs": costs(&t.costs, with_channels),
        "unallocated_overhead": money(t.unallocated_overhead),
        "unmeasured_campaigns": t.unmeasured_campaigns,
        "unmeasured_investment": money(t.unmeasured_investment),
    })
}

fn campaign(c: &CampaignReport) -> Value {
    let mut map = Map::new();
    map.insert("name".to_owned(), json!(c.name));
    if let Value::Object(roi) = campaign_roi(&c.roi) {
        map.extend(roi);
    }
    map.insert("budget".to_owned(), budget_status(&c.budget));
    Value::Object(map)
}

fn platform(p: &PlatformReport) -> Value {
    json!({
        "platform": p.platform,
        "known": p.known,
        "spend": money(p.spend),
        "fees": money(p.fees),
        "impressions": p.impressions,
        "clicks": p.clicks,
        "conversions": money(p.conversions),
        "cost_per_conversion": opt(p.cost_per_conversion, money),
        "campaigns": p.campaigns,
    })
}

fn channel(c: &ChannelReport) -> Value {
    json!({
        "channel": c.channel.as_str(),
        "kind": "offline_channel",
        "label": CHANNEL_LABEL,
        "spend": money(c.spend),
        "impressions": c.impressions,
        "campaigns": c.campaigns,
    })
}

fn unallocated(u: &UnallocatedOverhead) -> Value {
    json!({
        "entry_index": u.entry_index,
        "reporting_period": period(&u.reporting_period),
        "amount": money(u.amount),
        "currency": u.currency,
        "reason": u.reason.as_str(),
        "in_period": money(u.in_period),
    })
}

/// The financial report; its named channels' lines and the spend across platforms and channels
/// after it when it has any.
pub fn financial_report(r: &FinancialReport) -> Value {
    let with_channels = !r.channels.is_empty();
    let mut value = json!({
        "org_id": r.org_id.as_str(),
        "period": period(&r.period),
        "window": opt(r.window.as_ref(), period),
        "today": date(r.today),
        "currency": r.currency,
        "settings": {
            "cost_of_capital": r.settings.cost_of_capital.normalize().to_string(),
            "bootstrap_resamples": r.settings.bootstrap.resamples,
            "bootstrap_seed": r.settings.bootstrap.seed.to_string(),
            "recent_days": r.settings.recent_days,
            "horizon_days": r.settings.horizon_days,
        },
        "totals": totals(&r.totals, with_channels),
        "campaigns": r.campaigns.iter().map(campaign).collect::<Vec<_>>(),
        "platforms": r.platforms.iter().map(platform).collect::<Vec<_>>(),
        "unallocated_overhead": r.unallocated_overhead.iter().map(unallocated).collect::<Vec<_>>(),
        "rates_used": r.rates_used.iter().map(rate_used).collect::<Vec<_>>(),
    });
    if with_channels && let Value::Object(map) = &mut value {
        map.insert(
            "offline_channels".to_owned(),
            Value::Array(r.channels.iter().map(channel).collect()),
        );
        map.insert(
            "spend_all_channels".to_owned(),
            all_spend_json(&r.totals.costs.all_spend(), ALL_SPEND_LABEL),
        );
    }
    value
}

/// What the report's `spend_all_channels` adds up.
pub const ALL_SPEND_LABEL: &str = "the ad platforms' spend (costs.platform_spend) plus the named \
     channels' spend as imported (costs.offline_channels), over the report's window, in the report \
     currency";

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn money_and_ratios_are_rounded_once_half_away() {
        assert_eq!(money(dec!(8850.5)), json!("8850.50"));
        assert_eq!(money(dec!(0.005)), json!("0.01"));
        assert_eq!(money(dec!(-0.004)), json!("0.00"));
        assert_eq!(money(dec!(12)), json!("12.00"));
        assert_eq!(ratio(dec!(59)).to_string(), "59.0");
        assert_eq!(ratio(dec!(-20.005)).to_string(), "-20.01");
    }

    #[test]
    fn alert_state_round_trips() {
        let state = AlertState {
            raised: vec![AlertKind::Budget80, AlertKind::PacingAhead],
        };
        let value = alert_state(&state);
        assert_eq!(value, json!(["budget_80", "pacing_ahead"]));
        assert_eq!(decode_alert_state(&value), Ok(state));
        assert!(decode_alert_state(&json!(["budget_81"])).is_err());
        assert!(decode_alert_state(&json!({})).is_err());
    }

    #[test]
    fn payback_is_a_status_with_days_and_date() {
        let d = NaiveDate::from_ymd_opt(2026, 4, 19).unwrap_or_default();
        assert_eq!(
            payback(&Payback::Projected { date: d, days: 50 }),
            json!({ "status": "projected", "days": 50, "date": "2026-04-19" })
        );
        assert_eq!(
            payback(&Payback::NotWithinHorizon),
            json!({ "status": "not_within_horizon", "days": null, "date": null })
        );
        assert_eq!(
            payback(&Payback::NotMeasured),
            json!({ "status": "not_measured", "days": null, "date": null })
        );
    }
}
