//! An [`Analysis`] into the result document of the contract.

use serde_json::{Map, Value, json};
use spendlens_core::analysis::{
    Analysis, BottomPerformer, Health, Performer, PlatformRow, SubScore, TierSummary, TopPerformer,
    Trend, Trends,
};

use crate::json::{ratio, two_decimals as money};

fn date(d: chrono::NaiveDate) -> Value {
    Value::String(d.format("%Y-%m-%d").to_string())
}

fn opt<T>(value: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    value.map_or(Value::Null, f)
}

/// Encodes the result; the output of `spendlens analyze` and of the analysis API endpoint.
pub fn encode(a: &Analysis) -> Value {
    let t = &a.totals;
    let o = &a.overview;
    let p = &o.pacing;
    let c = &a.costs;
    json!({
        "as_of": date(a.as_of),
        "currency": a.currency,
        "totals": {
            "spend": money(t.spend),
            "impressions": t.impressions,
            "engagements": t.engagements,
            "clicks": t.clicks,
            "conversions": money(t.conversions),
            "revenue": money(t.revenue),
            "net_profit": money(t.net_profit),
            "roas": ratio(t.roas),
            "roi": ratio(t.roi),
        },
        "aov": {
            "estimated": money(a.aov.estimated),
            "fallback": money(a.aov.fallback),
            "source": a.aov.source.as_str(),
            "configured": a.aov.configured,
        },
        "overview": {
            "health": health(&o.health),
            "budget": {
                "budget": opt(o.budget.budget, money),
                "used_pct": ratio(o.budget.used_pct),
                "remaining": opt(o.budget.remaining, money),
                "over_budget_by": opt(o.budget.over_budget_by, money),
            },
            "pacing": {
                "start_date": date(p.start_date),
                "end_date": opt(p.end_date, date),
                "days_elapsed": p.days_elapsed,
                "total_days": ratio(p.total_days),
                "daily_burn_rate": money(p.daily_burn_rate),
                "target_daily_spend": money(p.target_daily_spend),
                "pacing_pct": ratio(p.pacing_pct),
                "status": p.status.as_str(),
                "days_remaining": opt(p.days_remaining, ratio),
                "projected_exhaustion_date": opt(p.projected_exhaustion_date, date),
                "exhausts_before_end": p.exhausts_before_end,
            },
            "cost_efficiency": {
                "cpc": money(o.cost_efficiency.cpc),
                "cpa": money(o.cost_efficiency.cpa),
                "cvr": ratio(o.cost_efficiency.cvr),
            },
        },
        "costs": {
            "cpc": money(c.cpc),
            "cpa": money(c.cpa),
            "cpa_click_through": money(c.cpa_click_through),
            "cpm": money(c.cpm),
            "ctr": ratio(c.ctr),
            "cvr": ratio(c.cvr),
            "cvr_click_through": ratio(c.cvr_click_through),
            "view_through": c.view_through,
        },
        "platforms": a.platforms.iter().map(platform_row).collect::<Vec<_>>(),
        "allocation": {
            "tiers": {
                "high": tier(&a.allocation.high),
                "medium": tier(&a.allocation.medium),
                "low": tier(&a.allocation.low),
            },
            "recommendations": a.allocation.recommendations.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        },
        "insights": {
            "summary": {
                "performance": a.insights.summary.performance.as_str(),
                "cost_efficiency": a.insights.summary.cost_efficiency.as_str(),
                "budget_management": a.insights.summary.budget_management.as_str(),
            },
            "top_performer": opt(a.insights.top_performer.as_ref(), top),
            "bottom_performer": opt(a.insights.bottom_performer.as_ref(), bottom),
            "opportunities": a.insights.opportunities.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
            "cost_insights": a.insights.cost_insights.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        },
        "trends": opt(a.trends.as_ref(), trends),
        "warnings": a.warnings.iter().map(|w| w.as_str()).collect::<Vec<_>>(),
    })
}

fn sub_score(s: &SubScore) -> Value {
    json!({"score": s.score, "status": s.status.as_str(), "assumed": s.assumed})
}

fn health(h: &Health) -> Value {
    json!({
        "score": h.score,
        "rating": h.rating.as_str(),
        "measured_score": h.measured_score,
        "inputs_used": h.inputs_used,
        "budget": sub_score(&h.budget),
        "pacing": sub_score(&h.pacing),
        "roi": sub_score(&h.roi),
        "roas": sub_score(&h.roas),
    })
}

fn platform_row(r: &PlatformRow) -> Value {
    json!({
        "platform": r.platform.as_str(),
        "spend": money(r.spend),
        "conversions": money(r.conversions),
        "revenue": money(r.revenue),
        "revenue_source": r.revenue_source.as_str(),
        "roas": ratio(r.roas),
        "roi": ratio(r.roi),
        "net_profit": money(r.net_profit),
        "share_pct": ratio(r.share_pct),
        "roas_badge": r.roas_badge.as_str(),
        "roi_badge": r.roi_badge.as_str(),
        "tier": r.tier.map(|t| t.as_str()),
    })
}

fn tier(t: &TierSummary) -> Value {
    json!({
        "spend": money(t.spend),
        "share_pct": ratio(t.share_pct),
        "platforms": t.platforms.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
    })
}

fn performer(p: &Performer, extra: (&str, Value)) -> Value {
    let mut m = Map::new();
    m.insert("platform".into(), p.platform.as_str().into());
    m.insert("roas".into(), ratio(p.roas));
    m.insert(extra.0.into(), extra.1);
    m.insert("spend".into(), money(p.spend));
    m.insert("cvr".into(), ratio(p.cvr));
    m.insert("cpc".into(), money(p.cpc));
    Value::Object(m)
}

fn top(t: &TopPerformer) -> Value {
    performer(&t.performer, ("exceptional", Value::Bool(t.exceptional)))
}

fn bottom(b: &BottomPerformer) -> Value {
    performer(&b.performer, ("flag", b.flag.map(|f| f.as_str()).into()))
}

fn trend_money(t: &Trend) -> Value {
    trend(t, money)
}

fn trend(t: &Trend, value: fn(rust_decimal::Decimal) -> Value) -> Value {
    json!({
        "current": value(t.current),
        "previous": value(t.previous),
        "change_pct": ratio(t.change_pct),
        "direction": t.direction.map(|d| d.as_str()),
    })
}

fn trends(t: &Trends) -> Value {
    json!({
        "period": t.period.as_str(),
        "snapshot_date": date(t.snapshot_date),
        "spend": trend_money(&t.spend),
        "conversions": trend_money(&t.conversions),
        "revenue": trend_money(&t.revenue),
        "roas": trend(&t.roas, ratio),
        "roi": trend(&t.roi, ratio),
    })
}
