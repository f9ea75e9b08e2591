//! The cost ledger over HTTP: a campaign's costs (`/api/campaigns/{id}/costs`, and its ledger
//! CSV import) and the organisation's overhead (`/api/overhead`). Bodies are decoded into an
//! `EntryDraft` and written by `spendlens_app::finance::ledger`.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use spendlens_app::finance::ledger;
use spendlens_store::finance::LedgerScope;

use super::MAX_LEDGER_BYTES;
use super::decode::{COST_FIELDS, OVERHEAD_FIELDS, draft_of};
use super::encode::{entries_json, entry_json};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::json_body::JsonBody;
use crate::state::AppState;
use crate::upload::{Fields, Others, multipart, read_file_field};

/// The campaign's cost entries.
#[utoipa::path(get, path = "/api/campaigns/{id}/costs", tag = "finance",
    params(("id" = String, Path)), responses((status = 200, body = Object), (status = 404)))]
pub async fn list_costs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let entries = state
        .store
        .ledger(&caller.0.org_id, LedgerScope::Campaign(&campaign.id))
        .await?;
    Ok(Json(
        json!({"campaign_id": campaign.id.as_str(), "entries": entries_json(&entries)}),
    ))
}

/// Adds a cost to the campaign: `media_spend` (amount, attribution_method, allocation_date),
/// `creative_production` (amount, resource_hours, fixed_cost_allocation, incurred_on) or
/// `platform_fees` (amount, platform, billing_period); `currency` defaults to the campaign's.
#[utoipa::path(post, path = "/api/campaigns/{id}/costs", tag = "finance",
    params(("id" = String, Path)), request_body = Object,
    responses((status = 201, body = Object), (status = 404), (status = 422, description = "Each problem names its field")))]
pub async fn create_cost(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let draft = draft_of(&body, &COST_FIELDS)?;
    let stored = ledger::add_cost(&state.context(), &campaign, draft).await?;
    let location = format!("/api/campaigns/{}/costs/{}", campaign.id, stored.id);
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
        Json(entry_json(&stored)),
    )
        .into_response())
}

/// One cost entry of the campaign.
#[utoipa::path(get, path = "/api/campaigns/{id}/costs/{entry_id}", tag = "finance",
    params(("id" = String, Path), ("entry_id" = String, Path)), responses((status = 200, body = Object), (status = 404)))]
pub async fn get_cost(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, entry_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let stored = state
        .store
        .ledger_entry(
            &caller.0.org_id,
            LedgerScope::Campaign(&campaign.id),
            &entry_id,
        )
        .await?
        .ok_or(ApiError::NotFound("cost entry"))?;
    Ok(Json(entry_json(&stored)))
}

/// Replaces a cost entry of the campaign (the whole entry, as when creating it).
#[utoipa::path(put, path = "/api/campaigns/{id}/costs/{entry_id}", tag = "finance",
    params(("id" = String, Path), ("entry_id" = String, Path)), request_body = Object,
    responses((status = 200, body = Object), (status = 404), (status = 422)))]
pub async fn put_cost(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, entry_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let draft = draft_of(&body, &COST_FIELDS)?;
    let stored = ledger::replace_cost(&state.context(), &campaign, &entry_id, draft).await?;
    Ok(Json(entry_json(&stored)))
}

/// Deletes a cost entry of the campaign.
#[utoipa::path(delete, path = "/api/campaigns/{id}/costs/{entry_id}", tag = "finance",
    params(("id" = String, Path), ("entry_id" = String, Path)), responses((status = 204), (status = 404)))]
pub async fn delete_cost(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, entry_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let scope = LedgerScope::Campaign(&campaign.id);
    ledger::delete_entry(&state.context(), &caller.0.org_id, scope, &entry_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Imports the campaign's costs from a CSV (multipart field `file`), all or nothing. Columns are
/// the entry fields (`category`, `campaign_id`, `amount`, `currency`, …) and an optional
/// `external_id`; `campaign_id` may be left out or blank (this campaign), and when given must be
/// this campaign. Every problem names its line and column. Re-importing a file changes nothing:
/// each entry is found by its `external_id`, else by its fields and occurrence in the file; the
/// answer counts the entries `inserted`, `updated` and `unchanged` (`imported`: all of them).
#[utoipa::path(post, path = "/api/campaigns/{id}/costs/import", tag = "finance",
    params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "`file`: the ledger CSV"),
    responses((status = 201, body = Object), (status = 404), (status = 413), (status = 422, description = "Problems with line and column; nothing imported")))]
pub async fn import_costs(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Response> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let _slot = state.upload_gate.enter(caller.0.org_id.as_str()).await?;
    let fields = Fields {
        texts: &[],
        files: &[],
        others: Others::Refuse("file"),
    };
    let upload =
        read_file_field(multipart(request, &state).await?, MAX_LEDGER_BYTES, fields).await?;
    let file = upload
        .file
        .ok_or_else(|| ApiError::field("file", "missing: upload the CSV in the field `file`"))?;
    let imported = ledger::import_ledger(&state.context(), &campaign, &file.bytes).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "imported": imported.entries.len(),
            "inserted": imported.counts.inserted,
            "updated": imported.counts.updated,
            "unchanged": imported.counts.unchanged,
            "entries": entries_json(&imported.entries),
        })),
    )
        .into_response())
}

/// The organisation's overhead entries.
#[utoipa::path(get, path = "/api/overhead", tag = "finance", responses((status = 200, body = Object)))]
pub async fn list_overhead(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    let entries = state
        .store
        .ledger(&caller.0.org_id, LedgerScope::Overhead)
        .await?;
    Ok(Json(json!({"entries": entries_json(&entries)})))
}

/// Adds an overhead entry (amount, currency, allocation_method headcount | time_based,
/// reporting_period such as 2026-Q1), spread over the campaigns active in its period.
#[utoipa::path(post, path = "/api/overhead", tag = "finance", request_body = Object,
    responses((status = 201, body = Object), (status = 422)))]
pub async fn create_overhead(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let draft = draft_of(&body, &OVERHEAD_FIELDS)?;
    let stored = ledger::add_overhead(&state.context(), &caller.0.org_id, draft).await?;
    let location = format!("/api/overhead/{}", stored.id);
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
        Json(entry_json(&stored)),
    )
        .into_response())
}

/// One overhead entry.
#[utoipa::path(get, path = "/api/overhead/{entry_id}", tag = "finance",
    params(("entry_id" = String, Path)), responses((status = 200, body = Object), (status = 404)))]
pub async fn get_overhead(
    State(state): State<AppState>,
    caller: Caller,
    Path(entry_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let stored = state
        .store
        .ledger_entry(&caller.0.org_id, LedgerScope::Overhead, &entry_id)
        .await?
        .ok_or(ApiError::NotFound("overhead entry"))?;
    Ok(Json(entry_json(&stored)))
}

/// Replaces an overhead entry.
#[utoipa::path(put, path = "/api/overhead/{entry_id}", tag = "finance",
    params(("entry_id" = String, Path)), request_body = Object,
    responses((status = 200, body = Object), (status = 404), (status = 422)))]
pub async fn put_overhead(
    State(state): State<AppState>,
    caller: Caller,
    Path(entry_id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let draft = draft_of(&body, &OVERHEAD_FIELDS)?;
    let stored =
        ledger::replace_overhead(&state.context(), &caller.0.org_id, &entry_id, draft).await?;
    Ok(Json(entry_json(&stored)))
}

/// Deletes an overhead entry.
#[utoipa::path(delete, path = "/api/overhead/{entry_id}", tag = "finance",
    params(("entry_id" = String, Path)), responses((status = 204), (status = 404)))]
pub async fn delete_overhead(
    State(state): State<AppState>,
    caller: Caller,
    Path(entry_id): Path<String>,
) -> ApiResult<StatusCode> {
    let org = &caller.0.org_id;
    ledger::delete_entry(&state.context(), org, LedgerScope::Overhead, &entry_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
