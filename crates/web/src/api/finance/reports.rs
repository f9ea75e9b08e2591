//! A campaign's ROI and budget consumption, the organisation's alerts and its financial report
//! over HTTP: the figures are `spendlens_app::finance`'s, the documents its renderer's.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use spendlens_app::finance::document::{Format, render};
use spendlens_app::finance::{ReportQuery, report_currency};
use spendlens_core::campaign::CampaignId;
use spendlens_finance::Period;

use super::encode::alerts_json;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::query::Params;
use crate::state::AppState;

/// The campaign's ROI on its full investment over `from..=to` (default: its start to today):
/// costs by category, opportunity cost, attributed revenue, ROI %, ROAS, payback and the
/// confidence level: a bootstrap over days, or on revenue modelled by a marketing-mix run the
/// model's own interval (`resamples` 0; rules in the README).
#[utoipa::path(get, path = "/api/campaigns/{id}/roi", tag = "finance",
    params(("id" = String, Path), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = Object), (status = 404), (status = 422)))]
pub async fn roi(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<Params>,
) -> ApiResult<Json<Value>> {
    let from = query.day("from")?;
    let to = query.day("to")?;
    let id = CampaignId::new(id);
    let roi = spendlens_app::finance::campaign_roi(
        state.store.as_ref(),
        &caller.0.org_id,
        &id,
        from,
        to,
        state.clock.now(),
    )
    .await?;
    let choice =
        spendlens_app::finance::basis::campaign_basis(state.store.as_ref(), &caller.0.org_id, &id)
            .await?;
    let mut body = spendlens_finance::encode::campaign_roi(&roi);
    // The basis chosen beside the one used, as the reconciliation writes it.
    if let Value::Object(map) = &mut body {
        map.insert(
            "chosen_basis".to_owned(),
            super::basis::chosen_json(choice, &roi.revenue_basis),
        );
    }
    Ok(Json(body))
}

/// The campaign's budget consumption as of today (the analysis' status) and its alerts, newest
/// first.
#[utoipa::path(get, path = "/api/campaigns/{id}/budget-consumption", tag = "finance",
    params(("id" = String, Path)), responses((status = 200, body = Object), (status = 404)))]
pub async fn budget_consumption(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = CampaignId::new(id);
    let status = spendlens_app::finance::alerts::status(
        state.store.as_ref(),
        &caller.0.org_id,
        &id,
        state.clock.now(),
    )
    .await?;
    let alerts = state.store.alerts(&caller.0.org_id, Some(&id)).await?;
    Ok(Json(json!({
        "campaign_id": id.as_str(),
        "status": spendlens_finance::encode::budget_status(&status),
        "alerts": alerts_json(&alerts),
    })))
}

/// The organisation's budget alerts, newest first (`?campaign_id=` for one campaign).
#[utoipa::path(get, path = "/api/alerts", tag = "finance",
    params(("campaign_id" = Option<String>, Query)), responses((status = 200, body = Object)))]
pub async fn alerts(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<Params>,
) -> ApiResult<Json<Value>> {
    let campaign = query.text("campaign_id").map(CampaignId::new);
    let alerts = state
        .store
        .alerts(&caller.0.org_id, campaign.as_ref())
        .await?;
    Ok(Json(json!({"alerts": alerts_json(&alerts)})))
}

/// The organisation's financial report over `from..=to`: totals, per campaign, per platform,
/// budget consumption; `format` json (default), csv, xlsx or pdf (a download); `currency` the
/// report currency (default: the campaigns' most common), converted with the organisation's
/// rates table, each rate used listed in the report.
#[utoipa::path(get, path = "/api/reports/financial", tag = "finance",
    params(("from" = String, Query), ("to" = String, Query), ("format" = Option<String>, Query),
           ("currency" = Option<String>, Query)),
    responses((status = 200, description = "The report in the format asked for"), (status = 422)))]
pub async fn financial_report(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<Params>,
) -> ApiResult<Response> {
    report_response(&state, &caller.0.org_id, &query).await
}

/// The report download for `org`, as the API answers it; the finance page's download answers
/// the same bytes, or a page saying what is missing when it fails.
pub(crate) async fn report_response(
    state: &AppState,
    org: &spendlens_core::campaign::OrgId,
    query: &Params,
) -> ApiResult<Response> {
    let from = query.required_day("from")?;
    let to = query.required_day("to")?;
    let period = Period::new(from, to).map_err(|m| ApiError::field("to", m))?;
    let format = match query.0.get("format").map(String::as_str) {
        None | Some("") => Format::Json,
        Some(f) => Format::parse(f)
            .ok_or_else(|| ApiError::field("format", "expected one of json, csv, xlsx, pdf"))?,
    };
    let currency = match query.0.get("currency") {
        None => None,
        Some(code) => report_currency(code).map_err(|m| ApiError::field("currency", m))?,
    };
    let now = state.clock.now();
    let (report, days) = spendlens_app::finance::financial_report(
        state.store.as_ref(),
        org,
        &ReportQuery {
            period,
            currency,
            rates: None,
        },
        now,
    )
    .await?;
    let bytes =
        tokio::task::spawn_blocking(move || render(&report, &days, format, now.date_naive()))
            .await
            .map_err(|e| ApiError::Internal(format!("report task: {e}")))?
            .map_err(|e| ApiError::Internal(format!("report rendering: {e}")))?;
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if format != Format::Json {
        let name = format!(
            "attachment; filename=\"financial-report-{from}-{to}.{}\"",
            format.extension()
        );
        if let Ok(v) = HeaderValue::from_str(&name) {
            headers.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(response)
}
