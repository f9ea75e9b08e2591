//! What a campaign's ROI rests on, over HTTP: the basis it chose
//! (`/api/campaigns/{id}/revenue-basis`) and the walk from its platform-reported revenue to its
//! ROI on the full investment (`/api/campaigns/{id}/reconciliation`). The choice is
//! `spendlens_app::finance::basis`'s, the walk `spendlens_app::finance::reconciliation`'s.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};
use spendlens_app::finance::basis::{BasisChoice, campaign_basis, set_basis};
use spendlens_app::finance::reconciliation;
use spendlens_core::campaign::CampaignId;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::json_body::JsonBody;
use crate::query::Params;
use crate::state::AppState;

/// The choice on the wire: its code, the model (with attribution) and its label.
fn choice_json(choice: BasisChoice) -> Value {
    json!({
        "basis": choice.code(),
        "model": choice.model().map(|m| m.name()),
        "label": choice.label(),
    })
}

/// The campaign's choice as the ROI and the reconciliation write it beside the basis they used
/// (`revenue_basis`): with `mismatch`, why the two differ (null when they do not).
pub(super) fn chosen_json(
    choice: BasisChoice,
    used: &spendlens_finance::books::RevenueBasis,
) -> Value {
    let mut value = choice_json(choice);
    if let Value::Object(map) = &mut value {
        map.insert(
            "mismatch".to_owned(),
            json!(spendlens_app::finance::basis::mismatch(choice, used)),
        );
    }
    value
}

/// The basis the campaign's ROI is chosen to rest on: `platform_reported` (the platforms' own
/// revenue, as the analysis has it) or `attribution` (re-credited by `model` over imported
/// touchpoints; the default, with last touch). Each figure still names the basis it actually
/// used (`revenue_basis` of the ROI): with no touchpoints the platforms' revenue stands.
#[utoipa::path(get, path = "/api/campaigns/{id}/revenue-basis", tag = "finance",
    params(("id" = String, Path)),
    responses((status = 200, description = "`{\"basis\", \"model\", \"label\"}`", body = Object), (status = 404)))]
pub async fn get_basis(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let choice =
        campaign_basis(state.store.as_ref(), &caller.0.org_id, &CampaignId::new(id)).await?;
    Ok(Json(choice_json(choice)))
}

/// Chooses the basis: `{"basis": "platform_reported"}`, `{"basis": "attribution", "model":
/// "markov"}` (without `model`, the campaign's current model) or `{"basis": "mmm"}` (the revenue
/// the newest current marketing-mix model run on this campaign alone says its channels caused).
#[utoipa::path(put, path = "/api/campaigns/{id}/revenue-basis", tag = "finance",
    params(("id" = String, Path)),
    request_body(content = Object, description = "`{\"basis\": \"attribution\", \"model\": \"markov\"}`"),
    responses((status = 200, body = Object), (status = 404), (status = 422)))]
pub async fn put_basis(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let org = &caller.0.org_id;
    let id = CampaignId::new(id);
    // The campaign first: another organisation's id is a 404 whatever the body.
    let current = campaign_basis(state.store.as_ref(), org, &id).await?;
    let Value::Object(fields) = &body else {
        return Err(ApiError::field(
            "$",
            "expected an object {\"basis\": ..., \"model\": ...}",
        ));
    };
    if let Some(other) = fields
        .keys()
        .find(|k| !["basis", "model"].contains(&k.as_str()))
    {
        return Err(ApiError::field(
            other,
            "unknown field (expected basis, model)",
        ));
    }
    let text = |key: &str| -> ApiResult<Option<&str>> {
        match fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(ApiError::field(key, "expected a string")),
        }
    };
    let basis = text("basis")?.ok_or_else(|| {
        ApiError::field(
            "basis",
            format!("required: one of {}", BasisChoice::CODES.join(", ")),
        )
    })?;
    let model = text("model")?;
    if !matches!(basis.trim(), "attribution" | "attributed") && model.is_some() {
        return Err(ApiError::field(
            "model",
            "a model goes with the attribution basis only",
        ));
    }
    let current_model = match current {
        BasisChoice::Attribution(m) => m,
        BasisChoice::PlatformReported | BasisChoice::Mmm => {
            spendlens_app::attribution::campaign_model(state.store.as_ref(), org, &id).await?
        }
    };
    let choice = BasisChoice::parse(basis, model, current_model)?;
    set_basis(&state.context(), org, &id, choice).await?;
    Ok(Json(choice_json(choice)))
}

/// The walk from the campaign's platform-reported revenue to its ROI on the full investment
/// over `from..=to` (default: its start to today), each step with its amount: platform-reported
/// revenue and its ROI on ad spend (the analysis' formula) → what the basis re-credits, per
/// platform → the basis' revenue → media cost and media ROI → costs beyond media (creative,
/// fees, overhead, opportunity) → total investment and ROI (the `/roi` figure, to the cent).
/// `chosen_basis` is the campaign's choice; `revenue_basis` the basis actually used.
#[utoipa::path(get, path = "/api/campaigns/{id}/reconciliation", tag = "finance",
    params(("id" = String, Path), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = Object), (status = 404), (status = 422)))]
pub async fn get_reconciliation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<Params>,
) -> ApiResult<Json<Value>> {
    let from = query.day("from")?;
    let to = query.day("to")?;
    let (walk, choice) = reconciliation(
        state.store.as_ref(),
        &caller.0.org_id,
        &CampaignId::new(id),
        from,
        to,
        state.clock.now(),
    )
    .await?;
    let mut value = spendlens_finance::encode::reconciliation(&walk);
    if let Value::Object(map) = &mut value {
        map.insert(
            "chosen_basis".to_owned(),
            chosen_json(choice, &walk.roi.revenue_basis),
        );
    }
    Ok(Json(value))
}
