//! The organisation's portfolio over HTTP: every campaign with its figures in its own currency
//! and in the chosen one, and the blended totals (`spendlens_app::portfolio`). Money is a string
//! with two decimals, rounded only here; ratios are numbers, as in the analysis.

use axum::Json;
use axum::extract::{Query, State};
use serde_json::{Value, json};
use spendlens_app::portfolio::{Portfolio, PortfolioQuery, PortfolioRow, portfolio};
use spendlens_contract::json::{ratio, two_decimals};

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::query::Params;
use crate::state::AppState;

/// Every campaign of the organisation as of today in its time zone: budget, spend, revenue, ROI
/// and ROAS (platform-reported revenue over ad spend, as the analysis), pacing and the budget
/// alerts that hold, in the campaign's currency and converted into `currency` through the
/// organisation's exchange rates; totals in `currency` over the campaigns that could be
/// converted, ROI and ROAS computed from the totals. A campaign without a rate is listed, named
/// under `missing_rates` and left out of the totals.
#[utoipa::path(get, path = "/api/portfolio", tag = "finance",
    params(("currency" = Option<String>, Query, description = "ISO 4217 code; default the currency most campaigns use"),
           ("sort" = Option<String>, Query, description = "name (default), budget, spend, revenue, roi, roas, health, pacing or alerts"),
           ("dir" = Option<String>, Query, description = "asc or desc; default asc for name, desc for figures")),
    responses((status = 200, description = "The portfolio", body = Object),
              (status = 422, description = "A bad currency, sort or dir, named in details")))]
pub async fn get_portfolio(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<Params>,
) -> ApiResult<Json<Value>> {
    let query = PortfolioQuery::parse(
        query.text("currency"),
        query.text("sort"),
        query.text("dir"),
    )?;
    let found = portfolio(
        state.store.as_ref(),
        &caller.0.org_id,
        &query,
        state.clock.now(),
        Some(&state.analysis_cache),
    )
    .await?;
    Ok(Json(encode(&found)))
}

fn encode(p: &Portfolio) -> Value {
    let t = &p.totals;
    // Totals over no campaign (every one wants a rate into the currency asked) are no figure:
    // null, with `missing_rates` saying why, never 0.00.
    let sum = |v: rust_decimal::Decimal| (t.campaigns > 0).then(|| two_decimals(v));
    json!({
        "currency": p.currency,
        "revenue_basis": "platform_reported",
        "sort": p.sort.code(),
        "dir": p.direction.code(),
        "campaigns": p.rows.iter().map(|r| row(r, &p.currency)).collect::<Vec<_>>(),
        "totals": {
            "currency": p.currency,
            "campaigns": t.campaigns,
            "budget": sum(t.budget),
            "spend": sum(t.spend),
            "revenue": sum(t.revenue),
            "measured_campaigns": t.measured,
            "measured_spend": sum(t.measured_spend),
            "roi": t.roi.map(ratio),
            "roas": t.roas.map(ratio),
            "open_alerts": t.open_alerts,
        },
        "missing_rates": p.missing_rates.iter().map(|m| json!({
            "campaign_id": m.campaign.id.to_string(),
            "name": m.campaign.spec.name,
            "from": m.from,
            "to": m.to,
        })).collect::<Vec<_>>(),
        "currencies": p.currencies,
    })
}

fn row(r: &PortfolioRow, currency: &str) -> Value {
    let a = &r.analysis;
    json!({
        "id": r.campaign.id.to_string(),
        "name": r.campaign.spec.name,
        "currency": r.campaign.spec.currency,
        "as_of": a.as_of.to_string(),
        "budget": a.overview.budget.budget.map(two_decimals),
        "spend": two_decimals(a.totals.spend),
        "revenue": r.revenue.map(two_decimals),
        "revenue_source": crate::ui::analysis::Basis::of(a, &r.verdicts).code(),
        "roi": r.roi.map(ratio),
        "roas": r.roas.map(ratio),
        "health_score": r.verdicts.lead_score,
        "pacing": r.verdicts.pacing.as_str(),
        // As the budget-consumption API writes them: no pace without a budget (the seed's 100 %
        // is a stand-in), and whether the pace rests on assumed dates.
        "pacing_pct": a.overview.budget.budget.map(|_| ratio(a.overview.pacing.pacing_pct)),
        "pacing_assumed": a.overview.health.pacing.assumed,
        "open_alerts": r.open_alerts.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "converted": r.converted.as_ref().map(|c| json!({
            "currency": currency,
            "rate": c.rate.normalize().to_string(),
            "budget": c.budget.map(two_decimals),
            "spend": two_decimals(c.spend),
            "revenue": c.revenue.map(two_decimals),
        })),
    })
}
