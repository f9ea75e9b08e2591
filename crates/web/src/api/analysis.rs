//! The Budget & Financial Analysis endpoint and the snapshots behind its trend arrows.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};
use spendlens_contract::json::two_decimals;
use spendlens_core::analysis::ComparisonPeriod;
use spendlens_store::StoredSnapshot;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::query::Params;
use crate::state::AppState;

/// The analysis of a campaign as of a day (default: today in the campaign's time zone),
/// compared with the snapshot closest to `as_of − compare` (default 7d). The body is exactly
/// the result of `spendlens analyze` (docs/analysis-contract.md). With `from` and `to` (instead
/// of `as_of`) only the rows of that window count, as of `to`, and the comparison is the
/// window's own figures `compare` earlier (`spendlens_app::analysis::AsOf::Window`).
#[utoipa::path(get, path = "/api/campaigns/{id}/financial-analysis", tag = "analysis",
    params(("id" = String, Path),
           ("as_of" = Option<String>, Query, description = "YYYY-MM-DD; default today in the campaign's time zone"),
           ("compare" = Option<String>, Query, description = "1d, 7d (default) or 30d"),
           ("from" = Option<String>, Query, description = "YYYY-MM-DD: the first day of an analysis window (with to)"),
           ("to" = Option<String>, Query, description = "YYYY-MM-DD: the last day of the window, at most 1096 days after from")),
    responses((status = 200, description = "The analysis result of the contract", body = Object),
              (status = 404), (status = 422)))]
pub async fn financial_analysis(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<Params>,
) -> ApiResult<Json<Value>> {
    let period = match query.text("compare") {
        None => ComparisonPeriod::SevenDays,
        Some(p) => ComparisonPeriod::parse(p)
            .ok_or_else(|| ApiError::field("compare", "expected one of 1d, 7d, 30d"))?,
    };
    let explicit_as_of = query.day("as_of")?;
    let window = spendlens_app::analysis::AsOf::window(query.day("from")?, query.day("to")?)?;
    let as_of = match (window, explicit_as_of) {
        (Some(_), Some(_)) => {
            return Err(ApiError::field(
                "as_of",
                "give either as_of or a window (from and to), not both",
            ));
        }
        (Some(window), None) => window,
        (None, day) => spendlens_app::analysis::AsOf::from(day),
    };
    let id = spendlens_core::campaign::CampaignId::new(id);
    let (campaign, analysis, key) = spendlens_app::analysis::analyze_campaign_versioned(
        state.store.as_ref(),
        &caller.0.org_id,
        &id,
        as_of,
        state.clock.now(),
        period,
        Some(&state.analysis_cache),
    )
    .await?;
    let mut body = spendlens_contract::analysis::encode(&analysis);
    // Named channels (TV, radio, podcasts...) after the contract's document, when there are any.
    let channels = spendlens_app::analysis::channel_totals_cached(
        state.store.as_ref(),
        &caller.0.org_id,
        &analysis,
        as_of,
        &key,
        Some(&state.analysis_cache),
    )
    .await?;
    spendlens_contract::channels::append(&mut body, analysis.totals.spend, &channels);
    // The last N days (N of `compare`) against the N before: trends that move both ways.
    let trends = spendlens_app::analysis::period_trends_cached(
        state.store.as_ref(),
        &campaign,
        &analysis,
        period.days(),
        &key,
        Some(&state.analysis_cache),
    )
    .await?;
    if let Value::Object(map) = &mut body {
        map.insert(
            "period_trends".to_owned(),
            spendlens_contract::verdicts::period_trends_json(&trends),
        );
    }
    // What may be said (no verdict from an assumed input), as the pages say it.
    spendlens_contract::verdicts::append(
        &mut body,
        &spendlens_core::analysis::verdicts::Verdicts::of(&analysis),
    );
    Ok(Json(body))
}

/// A snapshot on the wire.
pub fn snapshot_json(s: &StoredSnapshot) -> Value {
    json!({
        "date": s.date.to_string(),
        "total_spend": two_decimals(s.spend),
        "total_impressions": s.impressions,
        "total_clicks": s.clicks,
        "total_conversions": two_decimals(s.conversions),
        "total_revenue": two_decimals(s.revenue),
        "average_order_value": two_decimals(s.aov),
    })
}

/// The campaign's daily snapshots; with `date`, the one closest to that day (or null).
#[utoipa::path(get, path = "/api/campaigns/{id}/snapshots", tag = "analysis",
    params(("id" = String, Path), ("date" = Option<String>, Query, description = "YYYY-MM-DD")),
    responses((status = 200, body = Object), (status = 404)))]
pub async fn snapshots(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<Params>,
) -> ApiResult<Json<Value>> {
    let date = query.day("date")?;
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let org = &caller.0.org_id;
    match date {
        Some(date) => {
            let found = state
                .store
                .snapshot_closest(org, &campaign.id, date)
                .await?;
            Ok(Json(json!({
                "campaign_id": campaign.id.to_string(),
                "date": date.to_string(),
                "snapshot": found.as_ref().map(snapshot_json),
            })))
        }
        None => {
            let all = state.store.snapshots(org, &campaign.id).await?;
            Ok(Json(json!({
                "campaign_id": campaign.id.to_string(),
                "snapshots": all.iter().map(snapshot_json).collect::<Vec<_>>(),
            })))
        }
    }
}
