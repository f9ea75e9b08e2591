//! The finance settings over HTTP: a campaign's facts (`/api/campaigns/{id}/headcount`: people
//! assigned, ROI attribution method) and the organisation's settings (`/api/finance/settings`).
//! Bodies are decoded into `spendlens_app::finance::settings`' patches, which seal the webhook
//! secret and check every rule before writing.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;
use spendlens_app::finance::settings::{facts, stored_settings, update_facts, update_settings};
use spendlens_core::campaign::CampaignId;

use super::decode::{facts_patch, settings_patch};
use super::encode::{facts_json, settings_json};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::json_body::JsonBody;
use crate::state::AppState;

/// The people assigned to the campaign (for headcount overhead) and its ROI attribution method.
#[utoipa::path(get, path = "/api/campaigns/{id}/headcount", tag = "finance",
    params(("id" = String, Path)), responses((status = 200, body = Object), (status = 404)))]
pub async fn get_headcount(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = CampaignId::new(id);
    let facts = facts(state.store.as_ref(), &caller.0.org_id, &id).await?;
    Ok(Json(facts_json(&id, &facts)))
}

/// Sets `headcount` (a whole number of people, 0 to 100000) and optionally
/// `attribution_method` (first_touch | last_touch | multi_touch; kept when absent).
#[utoipa::path(put, path = "/api/campaigns/{id}/headcount", tag = "finance",
    params(("id" = String, Path)), request_body = Object,
    responses((status = 200, body = Object), (status = 404), (status = 422)))]
pub async fn put_headcount(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let id = CampaignId::new(id);
    // The campaign first: another organisation's id is a 404 whatever the body.
    facts(state.store.as_ref(), &caller.0.org_id, &id).await?;
    let patch = facts_patch(&body)?;
    let facts = update_facts(&state.context(), &caller.0.org_id, &id, patch).await?;
    Ok(Json(facts_json(&id, &facts)))
}

/// The organisation's finance settings: annual cost of capital, the alert webhook (its secret is
/// never returned, only whether one is set) and the exchange rates.
#[utoipa::path(get, path = "/api/finance/settings", tag = "finance", responses((status = 200, body = Object)))]
pub async fn get_settings(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let s = stored_settings(state.store.as_ref(), &caller.0.org_id).await?;
    Ok(Json(settings_json(&s)))
}

/// Replaces the organisation's finance settings. `cost_of_capital` (annual rate, 0 to 1),
/// `webhook_url` (http or https; null for none), `webhook_secret` (write-only: absent keeps the
/// stored one, null removes it; storing one needs the server's `secret_key`), `rates`
/// (`[{"from": "EUR", "to": "USD", "rate": "1.0850"}]`: one `from` is worth `rate` `to`).
#[utoipa::path(put, path = "/api/finance/settings", tag = "finance", request_body = Object,
    responses((status = 200, body = Object), (status = 422)))]
pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let patch = settings_patch(
        &body,
        state.webhooks.cipher.is_some(),
        state.webhooks.outbound().allow_list(),
    )?;
    let s = update_settings(&state.context(), &caller.0.org_id, patch).await?;
    Ok(Json(settings_json(&s)))
}
