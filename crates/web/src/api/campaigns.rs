//! Campaign CRUD and platform settings. Every query is scoped to the caller's organisation;
//! another organisation's id answers 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value, json};
use spendlens_app::campaigns;
use spendlens_contract::Problems;
use spendlens_contract::json::{ObjectReader, two_decimals};
use spendlens_core::campaign::{Campaign, CampaignDraft, CampaignId, PlatformSettings};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::json_body::JsonBody;
use crate::state::AppState;

/// A campaign as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CampaignResponse {
    pub id: String,
    pub name: String,
    pub currency: String,
    /// 2-decimal string, or null without a budget.
    #[schema(value_type = Option<String>)]
    pub budget: Value,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub time_zone: String,
}

impl From<&Campaign> for CampaignResponse {
    fn from(c: &Campaign) -> Self {
        CampaignResponse {
            id: c.id.to_string(),
            name: c.spec.name.clone(),
            currency: c.spec.currency.clone(),
            // A zero budget stored before it was refused is no budget, as the analysis reads it.
            budget: c
                .spec
                .budget
                .filter(|b| !b.is_zero())
                .map_or(Value::Null, two_decimals),
            start_date: c.spec.start_date,
            end_date: c.spec.end_date,
            time_zone: c.spec.time_zone.clone(),
        }
    }
}

/// The fields of a campaign, as created or replaced.
#[derive(Debug, Clone, utoipa::ToSchema)]
pub struct CampaignRequest {
    pub name: String,
    /// ISO 4217 code; default USD.
    pub currency: Option<String>,
    /// Decimal (string or number) ≥ 0, at most 2 decimals.
    #[schema(value_type = Option<String>)]
    pub budget: Option<Decimal>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    /// IANA time zone; default UTC.
    pub time_zone: Option<String>,
}

fn parse_campaign(value: &Value) -> ApiResult<CampaignRequest> {
    let mut problems = Problems::default();
    let Some(mut r) = ObjectReader::new("", value, &mut problems) else {
        return Err(problems.into());
    };
    let name = r.string("name", &mut problems).map(str::to_owned);
    if name.is_none() && value.get("name").is_none_or(Value::is_null) {
        problems.push("name", "missing");
    }
    let req = CampaignRequest {
        name: name.unwrap_or_default(),
        currency: r.string("currency", &mut problems).map(str::to_owned),
        budget: r.decimal("budget", &mut problems),
        start_date: r.date("start_date", &mut problems),
        end_date: r.date("end_date", &mut problems),
        time_zone: r.string("time_zone", &mut problems).map(str::to_owned),
    };
    r.finish(&mut problems);
    if problems.is_empty() {
        Ok(req)
    } else {
        Err(problems.into())
    }
}

/// The request as the app's draft of a campaign.
impl From<CampaignRequest> for CampaignDraft {
    fn from(req: CampaignRequest) -> Self {
        CampaignDraft {
            name: req.name,
            currency: req.currency,
            budget: req.budget,
            start_date: req.start_date,
            end_date: req.end_date,
            time_zone: req.time_zone,
        }
    }
}

/// A body checked into a campaign's fields.
fn spec_of(body: &Value) -> ApiResult<spendlens_core::campaign::CampaignSpec> {
    Ok(campaigns::spec(parse_campaign(body)?.into())?)
}

/// Creates a campaign.
#[utoipa::path(post, path = "/api/campaigns", tag = "campaigns", request_body = CampaignRequest,
    responses((status = 201, body = CampaignResponse), (status = 422, description = "Invalid fields, each named")))]
pub async fn create(
    State(state): State<AppState>,
    Caller(p): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let spec = spec_of(&body)?;
    let campaign = campaigns::create(&state.context(), &p.org_id, &spec).await?;
    let location = format!("/api/campaigns/{}", campaign.id);
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
        Json(CampaignResponse::from(&campaign)),
    )
        .into_response())
}

/// Lists the organisation's campaigns.
#[utoipa::path(get, path = "/api/campaigns", tag = "campaigns",
    responses((status = 200, body = Vec<CampaignResponse>)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(p): Caller,
) -> ApiResult<Json<Vec<CampaignResponse>>> {
    let campaigns = state.store.list_campaigns(&p.org_id).await?;
    Ok(Json(campaigns.iter().map(CampaignResponse::from).collect()))
}

/// One campaign.
#[utoipa::path(get, path = "/api/campaigns/{id}", tag = "campaigns",
    params(("id" = String, Path)), responses((status = 200, body = CampaignResponse), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<CampaignResponse>> {
    Ok(Json(CampaignResponse::from(
        &state.campaign(&caller.0.org_id, &id).await?,
    )))
}

/// Changes some fields of a campaign (`null` clears an optional field).
#[utoipa::path(patch, path = "/api/campaigns/{id}", tag = "campaigns", params(("id" = String, Path)),
    request_body = CampaignRequest, responses((status = 200, body = CampaignResponse), (status = 404), (status = 422)))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<CampaignResponse>> {
    let current = state.campaign(&caller.0.org_id, &id).await?;
    let Value::Object(changes) = body else {
        return Err(ApiError::BadRequest("expected a JSON object".into()));
    };
    // The patch is applied to the fields as stored and the result checked as a whole, so a new
    // end date is checked against the stored start date; a change made meanwhile by someone
    // else is kept (the patch is applied again to it).
    let edit = |stored: &Campaign| {
        let mut merged: Map<String, Value> =
            match serde_json::to_value(CampaignResponse::from(stored)) {
                Ok(Value::Object(m)) => m,
                _ => Map::new(),
            };
        merged.remove("id");
        for (k, v) in &changes {
            merged.insert(k.clone(), v.clone());
        }
        spec_of(&Value::Object(merged))
    };
    let updated = campaigns::update(&state.context(), &caller.0.org_id, &current.id, edit).await?;
    Ok(Json(CampaignResponse::from(&updated)))
}

/// Deletes a campaign with all its data.
#[utoipa::path(delete, path = "/api/campaigns/{id}", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 204), (status = 404)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    campaigns::delete(&state.context(), &caller.0.org_id, &campaign.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The values used to value conversions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SettingsBody {
    #[schema(value_type = Option<String>)]
    pub linkedin_conversion_value: Value,
    #[schema(value_type = Option<String>)]
    pub ga4_average_order_value: Value,
    #[schema(value_type = Option<String>)]
    pub custom_integration_average_order_value: Value,
}

pub(crate) fn settings_body(s: &PlatformSettings) -> SettingsBody {
    let money = |d: Option<Decimal>| d.map_or(Value::Null, two_decimals);
    SettingsBody {
        linkedin_conversion_value: money(s.linkedin_conversion_value),
        ga4_average_order_value: money(s.ga4_average_order_value),
        custom_integration_average_order_value: money(s.custom_integration_average_order_value),
    }
}

/// The campaign's conversion value and average order values.
#[utoipa::path(get, path = "/api/campaigns/{id}/settings", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = SettingsBody), (status = 404)))]
pub async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<SettingsBody>> {
    let settings = state
        .store
        .settings(&caller.0.org_id, &CampaignId::new(id))
        .await?
        .ok_or(ApiError::NotFound("campaign"))?;
    Ok(Json(settings_body(&settings)))
}

/// Replaces the campaign's conversion value and average order values (absent or null clears).
#[utoipa::path(put, path = "/api/campaigns/{id}/settings", tag = "campaigns", params(("id" = String, Path)),
    request_body = SettingsBody, responses((status = 200, body = SettingsBody), (status = 404), (status = 422)))]
pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<SettingsBody>> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let mut problems = Problems::default();
    let Some(mut r) = ObjectReader::new("", &body, &mut problems) else {
        return Err(problems.into());
    };
    let settings = PlatformSettings {
        linkedin_conversion_value: r.decimal("linkedin_conversion_value", &mut problems),
        ga4_average_order_value: r.decimal("ga4_average_order_value", &mut problems),
        custom_integration_average_order_value: r
            .decimal("custom_integration_average_order_value", &mut problems),
    };
    r.finish(&mut problems);
    if !problems.is_empty() {
        return Err(problems.into());
    }
    campaigns::put_settings(&state.context(), &caller.0.org_id, &campaign.id, &settings).await?;
    Ok(Json(settings_body(&settings)))
}

/// A JSON view of a campaign for pages and reports.
pub fn campaign_json(c: &Campaign) -> Value {
    json!(CampaignResponse::from(c))
}
