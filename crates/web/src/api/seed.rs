//! The endpoints of the seed's page, with the field names it lists, so existing clients keep
//! working. Each reads the same stored totals as the analysis (all stored days up to today in
//! the campaign's time zone), scoped to the caller's organisation like every campaign route;
//! every rate, conversion value and average order value is `spendlens_core`'s, never computed
//! here.

use axum::Json;
use axum::extract::{Path, State};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use spendlens_app::today_in;
use spendlens_contract::json::{ratio, two_decimals as money};
use spendlens_core::analysis::{
    Analysis, AnalysisInput, ComparisonPeriod, Costs, PlatformRow, Totals, costs, tracks_revenue,
};
use spendlens_core::platform::Platform;
use spendlens_core::totals::{PlatformTotals, analysis_input};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

struct Context {
    analysis: std::sync::Arc<Analysis>,
    totals: Vec<PlatformTotals>,
    settings: spendlens_core::campaign::PlatformSettings,
    /// The analysis' input over the same totals: conversion values and GA4's AOV as the
    /// analysis resolved them.
    input: AnalysisInput,
}

async fn context(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Context> {
    let campaign = state.campaign(&caller.0.org_id, id).await?;
    let org = &caller.0.org_id;
    let as_of = today_in(state.clock.now(), &campaign.spec.time_zone);
    let (_, analysis) = spendlens_app::analysis::analyze_campaign(
        state.store.as_ref(),
        org,
        &campaign.id,
        spendlens_app::analysis::AsOf::Day(as_of),
        state.clock.now(),
        ComparisonPeriod::SevenDays,
        Some(&state.analysis_cache),
    )
    .await?;
    let totals = state
        .store
        .platform_totals(org, &campaign.id, as_of)
        .await?;
    let settings = state
        .store
        .settings(org, &campaign.id)
        .await?
        .unwrap_or_default();
    let input = analysis_input(as_of, &campaign.spec, &settings, &totals, None);
    Ok(Context {
        analysis,
        totals,
        settings,
        input,
    })
}

impl Context {
    fn totals(&self, platform: Platform) -> Option<&PlatformTotals> {
        self.totals.iter().find(|t| t.platform == platform)
    }

    fn row(&self, platform: Platform) -> Option<&PlatformRow> {
        self.analysis
            .platforms
            .iter()
            .find(|r| r.platform == platform)
    }
}

/// CTR, CPC, CPM, CVR and CPA over one platform's totals, as the Cost Analysis tab computes
/// them over all platforms.
fn platform_costs(t: &PlatformTotals) -> Costs {
    costs(&Totals {
        spend: t.spend,
        impressions: t.impressions,
        engagements: t.engagements,
        clicks: t.clicks,
        conversions: t.conversions,
        revenue: Decimal::ZERO,
        net_profit: Decimal::ZERO,
        roas: Decimal::ZERO,
        roi: Decimal::ZERO,
    })
}

fn rates(t: &PlatformTotals) -> Value {
    let c = platform_costs(t);
    json!({
        "ctr": ratio(c.ctr),
        "cpc": money(c.cpc),
        "cpm": money(c.cpm),
        "cvr": ratio(c.cvr),
        "cpa": money(c.cpa),
    })
}

fn not_connected(platform: Platform) -> ApiError {
    ApiError::NotFound(match platform {
        Platform::LinkedIn => "LinkedIn data",
        Platform::Meta => "Meta connection",
        Platform::Ga4 => "GA4 data",
        Platform::Sheets => "Google Sheets data",
        _ => "custom integration",
    })
}

/// LinkedIn totals: `{spend, impressions, engagements, clicks, conversions, conversionValue,
/// revenue, roas, roi, hasRevenueTracking, ctr, cpc, cpm, cvr, cpa}`.
#[utoipa::path(get, path = "/api/linkedin/metrics/{campaignId}", tag = "seed",
    params(("campaignId" = String, Path)), responses((status = 200, body = Object), (status = 404)))]
pub async fn linkedin(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let ctx = context(&state, &caller, &id).await?;
    let t = ctx
        .totals(Platform::LinkedIn)
        .ok_or_else(|| not_connected(Platform::LinkedIn))?;
    let linkedin = ctx.input.platforms.linkedin.as_ref();
    let value = linkedin.and_then(|l| l.conversion_value);
    let tracking = linkedin.is_some_and(tracks_revenue);
    let row = ctx.row(Platform::LinkedIn);
    let mut body = json!({
        "spend": money(t.spend),
        "impressions": t.impressions,
        "engagements": t.engagements,
        "clicks": t.clicks,
        "conversions": money(t.conversions),
        "conversionValue": value.map(money),
        "revenue": row.filter(|_| tracking).map(|r| money(r.revenue)),
        "roas": row.filter(|_| tracking).map(|r| ratio(r.roas)),
        "roi": row.filter(|_| tracking).map(|r| ratio(r.roi)),
        "hasRevenueTracking": tracking,
    });
    merge(&mut body, rates(t));
    Ok(Json(body))
}

/// Meta totals: `{summary: {totalSpend, totalImpressions, totalClicks, totalConversions, ...}}`;
/// 404 when the campaign has no Meta data.
#[utoipa::path(get, path = "/api/meta/{campaignId}/analytics", tag = "seed",
    params(("campaignId" = String, Path)), responses((status = 200, body = Object), (status = 404)))]
pub async fn meta(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let ctx = context(&state, &caller, &id).await?;
    let t = ctx
        .totals(Platform::Meta)
        .ok_or_else(|| not_connected(Platform::Meta))?;
    let c = platform_costs(t);
    Ok(Json(json!({
        "summary": {
            "totalSpend": money(t.spend),
            "totalImpressions": t.impressions,
            "totalClicks": t.clicks,
            "totalConversions": money(t.conversions),
            "avgCTR": ratio(c.ctr),
            "avgCPC": money(c.cpc),
            "avgCPM": money(c.cpm),
            "costPerConversion": money(c.cpa),
            "conversionRate": ratio(c.cvr),
        }
    })))
}

/// Custom Integration: `{campaignId, metrics: {spend, impressions, clicks, conversions, ...} | null}`.
#[utoipa::path(get, path = "/api/custom-integration/{campaignId}", tag = "seed",
    params(("campaignId" = String, Path)), responses((status = 200, body = Object), (status = 404)))]
pub async fn custom_integration(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let ctx = context(&state, &caller, &id).await?;
    let metrics = ctx.totals(Platform::CustomIntegration).map(|t| {
        json!({
            "spend": money(t.spend),
            "impressions": t.impressions,
            "engagements": t.engagements,
            "clicks": t.clicks,
            "conversions": money(t.conversions),
            "averageOrderValue": ctx.settings.custom_integration_average_order_value.map(money),
        })
    });
    Ok(Json(json!({"campaignId": id, "metrics": metrics})))
}

/// GA4: `{success, metrics: {averageOrderValue, revenue, transactions}}`.
#[utoipa::path(get, path = "/api/campaigns/{campaignId}/ga4-metrics", tag = "seed",
    params(("campaignId" = String, Path)), responses((status = 200, body = Object), (status = 404)))]
pub async fn ga4(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let ctx = context(&state, &caller, &id).await?;
    let t = ctx.totals(Platform::Ga4);
    let aov = ctx.input.platforms.ga4_aov;
    if t.is_none() && aov.is_none() {
        return Err(not_connected(Platform::Ga4));
    }
    Ok(Json(json!({
        "success": true,
        "metrics": {
            "averageOrderValue": aov.map(money),
            "revenue": t.and_then(|t| t.revenue).map(money),
            "transactions": t.map(|t| money(t.conversions)),
            "sessions": t.map(|t| t.engagements),
        }
    })))
}

/// Google Sheets: `{success, summary: {totalSpend, totalImpressions, totalEngagements,
/// totalClicks, totalConversions}}`.
#[utoipa::path(get, path = "/api/campaigns/{campaignId}/google-sheets-data", tag = "seed",
    params(("campaignId" = String, Path)), responses((status = 200, body = Object), (status = 404)))]
pub async fn sheets(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let ctx = context(&state, &caller, &id).await?;
    let summary = ctx.totals(Platform::Sheets).map(|t| {
        json!({
            "totalSpend": money(t.spend),
            "totalImpressions": t.impressions,
            "totalEngagements": t.engagements,
            "totalClicks": t.clicks,
            "totalConversions": money(t.conversions),
        })
    });
    Ok(Json(json!({"success": true, "summary": summary})))
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        a.extend(b);
    }
}
