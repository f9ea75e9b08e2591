//! A campaign's daily rows by where they came from (`spendlens_app::sources`): the lines of
//! platform and external campaign, and the removal of one.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};
use spendlens_app::sources;
use spendlens_core::Platform;
use spendlens_store::RowSource;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::query::Params;
use crate::state::AppState;

fn source_json(s: &RowSource) -> Value {
    json!({
        "platform": s.platform.as_str(),
        "external_campaign_id": s.external_campaign_id,
        "first_date": s.first.to_string(),
        "last_date": s.last.to_string(),
        "days": s.days,
        "spend": spendlens_core::num::cents_text(s.spend),
    })
}

/// The campaign's daily rows by platform and external campaign (the campaign name or id the
/// file or platform gave them), with their first and last day, days and spend: where doubled
/// spend under two names shows.
#[utoipa::path(get, path = "/api/campaigns/{id}/sources", tag = "imports",
    params(("id" = String, Path)),
    responses((status = 200, description = "`{\"sources\": [{platform, external_campaign_id, first_date, last_date, days, spend}]}`", body = Object),
              (status = 404, description = "No such campaign")))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let found = sources::list(&state.context(), &caller.0.org_id, &campaign.id).await?;
    Ok(Json(
        json!({"sources": found.iter().map(source_json).collect::<Vec<_>>()}),
    ))
}

/// Deletes every daily row of one platform and external campaign from the campaign (rows
/// imported under a wrong name, or twice under two): `?platform=meta&external_campaign_id=…`.
#[utoipa::path(delete, path = "/api/campaigns/{id}/sources", tag = "imports",
    params(("id" = String, Path), ("platform" = String, Query), ("external_campaign_id" = String, Query)),
    responses((status = 200, description = "`{\"deleted\": rows}`", body = Object),
              (status = 404, description = "No such campaign"),
              (status = 422, description = "An unknown platform, or no rows under that name")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<Params>,
) -> ApiResult<Json<Value>> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let platform = query
        .text("platform")
        .ok_or_else(|| ApiError::field("platform", "missing"))?
        .parse::<Platform>()
        .map_err(|_| ApiError::field("platform", "not a known platform"))?;
    let name = query
        .text("external_campaign_id")
        .ok_or_else(|| ApiError::field("external_campaign_id", "missing"))?;
    let deleted =
        sources::delete(&state.context(), &caller.0, &campaign.id, platform, name).await?;
    Ok(Json(json!({ "deleted": deleted })))
}
