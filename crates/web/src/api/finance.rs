//! Finance (issue 6): the cost ledger (campaign costs and organisation overhead), the people
//! assigned to a campaign, the organisation's finance settings, a campaign's ROI and budget
//! consumption, the alerts, and the financial report download.
//!
//! Handlers parse and check, then call `spendlens_app::finance`; every route resolves the
//! campaign or entry through the caller's organisation (another organisation's id is a 404), and
//! every validation error names its field (JSON key, or `file` with line and column for a CSV).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use spendlens_app::finance::document::{Format, render};
use spendlens_app::finance::webhook::TokenCipher;
use spendlens_app::finance::{FinanceAppError, ReportQuery};
use spendlens_core::campaign::{Campaign, CampaignId, FieldError, OrgId};
use spendlens_finance::encode::{money, ratio};
use spendlens_finance::ledger::EntryDraft;
use spendlens_finance::{
    AttributionMethod, CostCategory, FinanceError, FxRate, LedgerEntry, Period, RatesTable,
};
use spendlens_store::finance::{
    CampaignFinance, LedgerScope, StoredAlert, StoredEntry, StoredFinanceSettings,
};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, FieldProblem};
use crate::state::AppState;

/// Largest ledger CSV accepted.
pub const MAX_LEDGER_BYTES: usize = 8 * 1024 * 1024;

fn field(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::Validation(vec![FieldProblem {
        field: field.to_owned(),
        message: message.into(),
    }])
}

fn field_errors(errors: Vec<FieldError>) -> ApiError {
    ApiError::Validation(
        errors
            .into_iter()
            .map(|e| FieldProblem {
                field: e.field.to_owned(),
                message: e.message,
            })
            .collect(),
    )
}

impl From<FinanceAppError> for ApiError {
    fn from(e: FinanceAppError) -> Self {
        match e {
            FinanceAppError::NotFound(what) => ApiError::NotFound(what),
            FinanceAppError::Store(s) => s.into(),
            FinanceAppError::Finance(f) => finance_error(f),
            FinanceAppError::Invalid { field, message } => {
                ApiError::Validation(vec![crate::error::FieldProblem { field, message }])
            }
        }
    }
}

fn finance_error(e: FinanceError) -> ApiError {
    match e {
        FinanceError::InvalidEntry { errors, .. }
        | FinanceError::InvalidSettings { errors }
        | FinanceError::InvalidRates { errors } => field_errors(errors),
        FinanceError::Import { problems } => ApiError::Validation(
            problems
                .iter()
                .map(|p| FieldProblem {
                    field: "file".to_owned(),
                    message: p.to_string(),
                })
                .collect(),
        ),
        FinanceError::MissingRate { .. } => field("rates", e.to_string()),
        FinanceError::InvalidPeriod(m) => field("from", m),
        other => ApiError::BadRequest(other.to_string()),
    }
}

fn date(d: NaiveDate) -> Value {
    Value::String(d.to_string())
}

fn parse_date(name: &str, value: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|_| value.len() == 10)
        .ok_or_else(|| field(name, format!("expected a date YYYY-MM-DD, got \"{value}\"")))
}

fn query_date(query: &HashMap<String, String>, name: &str) -> ApiResult<Option<NaiveDate>> {
    query
        .get(name)
        .filter(|s| !s.is_empty())
        .map(|s| parse_date(name, s))
        .transpose()
}

// ---------------------------------------------------------------------------------------------
// The ledger

/// An entry as the API shows it.
pub fn entry_json(stored: &StoredEntry) -> Value {
    let e = &stored.entry;
    let mut m = Map::new();
    m.insert("id".into(), json!(stored.id));
    m.insert("category".into(), json!(e.category().as_str()));
    m.insert(
        "campaign_id".into(),
        e.campaign_id().map_or(Value::Null, |c| json!(c.as_str())),
    );
    m.insert("currency".into(), json!(e.currency()));
    match e {
        LedgerEntry::MediaSpend(x) => {
            m.insert("amount".into(), money(x.amount));
            m.insert(
                "attribution_method".into(),
                json!(x.attribution_method.as_str()),
            );
            m.insert("allocation_date".into(), date(x.allocation_date));
        }
        LedgerEntry::CreativeProduction(x) => {
            m.insert("amount".into(), money(x.amount));
            m.insert("resource_hours".into(), json!(x.resource_hours));
            m.insert(
                "fixed_cost_allocation".into(),
                money(x.fixed_cost_allocation),
            );
            m.insert("incurred_on".into(), date(x.incurred_on));
        }
        LedgerEntry::PlatformFee(x) => {
            m.insert("amount".into(), money(x.amount));
            m.insert("platform".into(), json!(x.platform));
            m.insert("billing_period".into(), json!(x.billing_period.to_string()));
        }
        LedgerEntry::OperationalOverhead(x) => {
            m.insert("amount".into(), money(x.amount));
            m.insert(
                "allocation_method".into(),
                json!(x.allocation_method.as_str()),
            );
            m.insert(
                "reporting_period".into(),
                json!(x.reporting_period.to_string()),
            );
        }
    }
    m.insert("total".into(), money(e.total()));
    m.insert("created_at".into(), json!(stored.created_at.to_rfc3339()));
    m.insert("updated_at".into(), json!(stored.updated_at.to_rfc3339()));
    Value::Object(m)
}

/// Reads a JSON object into an entry draft: each field a string or a number (null or absent:
/// not given); unknown keys and other types are named.
fn draft_of(body: &Value, allowed: &[&str]) -> ApiResult<EntryDraft> {
    let Value::Object(map) = body else {
        return Err(field("", "expected a JSON object"));
    };
    let mut draft = EntryDraft::default();
    let mut problems = Vec::new();
    for (key, value) in map {
        if !allowed.contains(&key.as_str()) {
            problems.push(FieldProblem {
                field: key.clone(),
                message: format!("unknown field (expected one of {})", allowed.join(", ")),
            });
            continue;
        }
        let text = match value {
            Value::Null => continue,
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => {
                problems.push(FieldProblem {
                    field: key.clone(),
                    message: "expected a string or a number".to_owned(),
                });
                continue;
            }
        };
        if let Some(slot) = draft.field_mut(key) {
            *slot = Some(text);
        }
    }
    if problems.is_empty() {
        Ok(draft)
    } else {
        Err(ApiError::Validation(problems))
    }
}

const COST_FIELDS: [&str; 10] = [
    "category",
    "amount",
    "currency",
    "attribution_method",
    "allocation_date",
    "resource_hours",
    "fixed_cost_allocation",
    "incurred_on",
    "platform",
    "billing_period",
];

const OVERHEAD_FIELDS: [&str; 4] = [
    "amount",
    "currency",
    "allocation_method",
    "reporting_period",
];

/// A campaign cost from a request body, charged to `campaign` (the pages build the same body
/// from their form fields).
pub(crate) fn cost_entry(
    body: &Value,
    campaign: &CampaignId,
    currency: &str,
) -> ApiResult<LedgerEntry> {
    let mut draft = draft_of(body, &COST_FIELDS)?;
    if draft
        .category
        .as_deref()
        .and_then(CostCategory::parse)
        .is_some_and(|c| c == CostCategory::OperationalOverhead)
    {
        return Err(field(
            "category",
            "operational_overhead belongs to the organisation: post it to /api/overhead",
        ));
    }
    draft.campaign_id = Some(campaign.as_str().to_owned());
    draft.parse(currency).map_err(field_errors)
}

/// An overhead entry from a request body.
pub(crate) fn overhead_entry(body: &Value, currency: &str) -> ApiResult<LedgerEntry> {
    let mut draft = draft_of(body, &OVERHEAD_FIELDS)?;
    draft.category = Some(CostCategory::OperationalOverhead.as_str().to_owned());
    draft.parse(currency).map_err(field_errors)
}

/// The organisation's default currency for entries without one: its campaigns' most common.
pub(crate) async fn org_currency(state: &AppState, org: &OrgId) -> ApiResult<String> {
    let campaigns = state.store.list_campaigns(org).await?;
    let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for c in campaigns {
        *counts.entry(c.spec.currency).or_default() += 1;
    }
    Ok(counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map_or_else(|| "USD".to_owned(), |(c, _)| c))
}

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
        json!({"campaign_id": campaign.id.as_str(), "entries": entries.iter().map(entry_json).collect::<Vec<_>>()}),
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
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let entry = cost_entry(&body, &campaign.id, &campaign.spec.currency)?;
    let stored = state
        .store
        .insert_ledger_entries(&caller.0.org_id, &[entry], state.clock.now())
        .await?
        .and_then(|mut v| v.pop())
        .ok_or(ApiError::NotFound("campaign"))?;
    Ok((StatusCode::CREATED, Json(entry_json(&stored))).into_response())
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
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let entry = cost_entry(&body, &campaign.id, &campaign.spec.currency)?;
    let stored = state
        .store
        .update_ledger_entry(
            &caller.0.org_id,
            LedgerScope::Campaign(&campaign.id),
            &entry_id,
            &entry,
            state.clock.now(),
        )
        .await?
        .ok_or(ApiError::NotFound("cost entry"))?;
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
    if state
        .store
        .delete_ledger_entry(
            &caller.0.org_id,
            LedgerScope::Campaign(&campaign.id),
            &entry_id,
        )
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("cost entry"))
    }
}

/// Imports the campaign's costs from a CSV (multipart field `file`), all or nothing. Columns are
/// the entry fields (`category`, `campaign_id`, `amount`, `currency`, …); `campaign_id` may be
/// left out or blank (this campaign), and when given must be this campaign. Every problem names
/// its line and column.
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
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|e| {
            ApiError::BadRequest(format!(
                "expected a multipart/form-data upload: {}",
                e.body_text()
            ))
        })?;
    let mut bytes = None;
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("multipart: {e}")))?
    {
        match part.name() {
            Some("file") => {
                let data = part
                    .bytes()
                    .await
                    .map_err(|e| ApiError::BadRequest(format!("file: {e}")))?;
                if data.len() > MAX_LEDGER_BYTES {
                    return Err(ApiError::TooLarge);
                }
                bytes = Some(data);
            }
            other => {
                return Err(field(other.unwrap_or(""), "unknown field (expected file)"));
            }
        }
    }
    let bytes =
        bytes.ok_or_else(|| field("file", "missing: upload the CSV in the field `file`"))?;
    let stored = import_ledger_csv(&state, &caller.0.org_id, &campaign, &bytes).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "imported": stored.len(),
            "entries": stored.iter().map(entry_json).collect::<Vec<_>>(),
        })),
    )
        .into_response())
}

/// Parses a campaign's ledger CSV and stores every entry, or nothing: each problem names its
/// line and column (field `file`). Shared by the API and the campaign finance page.
pub(crate) async fn import_ledger_csv(
    state: &AppState,
    org: &OrgId,
    campaign: &Campaign,
    bytes: &[u8],
) -> ApiResult<Vec<StoredEntry>> {
    let with_campaign = fill_campaign(bytes, campaign.id.as_str());
    let entries = spendlens_finance::parse_ledger_csv(&with_campaign, &campaign.spec.currency)
        .map_err(finance_error)?;
    let mut problems = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        match e.campaign_id() {
            None => problems.push(FieldProblem {
                field: "file".to_owned(),
                message: format!(
                    "entry {}, column category: operational_overhead belongs to the organisation; import it through /api/overhead",
                    i + 1
                ),
            }),
            Some(c) if c != &campaign.id => problems.push(FieldProblem {
                field: "file".to_owned(),
                message: format!(
                    "entry {}, column campaign_id: names campaign {c}, not this campaign ({})",
                    i + 1,
                    campaign.id
                ),
            }),
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    state
        .store
        .insert_ledger_entries(org, &entries, state.clock.now())
        .await?
        .ok_or(ApiError::NotFound("campaign"))
}

/// Fills a blank or missing `campaign_id` with this campaign's id, so a campaign's own ledger
/// file need not repeat it. Anything unreadable is passed through for the parser to name.
fn fill_campaign(bytes: &[u8], campaign: &str) -> Vec<u8> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut records = Vec::new();
    for r in reader.byte_records() {
        match r {
            Ok(r) => records.push(r),
            Err(_) => return bytes.to_vec(),
        }
    }
    let Some(header) = records.first() else {
        return bytes.to_vec();
    };
    let is_campaign = |cell: &[u8]| {
        String::from_utf8_lossy(cell)
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            == "campaign_id"
    };
    let column = header.iter().position(is_campaign);
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for (n, record) in records.iter().enumerate() {
        let mut cells: Vec<Vec<u8>> = record.iter().map(<[u8]>::to_vec).collect();
        match column {
            Some(c) if n > 0 => {
                if let Some(cell) = cells.get_mut(c)
                    && cell.iter().all(u8::is_ascii_whitespace)
                {
                    *cell = campaign.as_bytes().to_vec();
                }
            }
            Some(_) => {}
            None => cells.push(if n == 0 {
                b"campaign_id".to_vec()
            } else {
                campaign.as_bytes().to_vec()
            }),
        }
        if writer.write_record(&cells).is_err() {
            return bytes.to_vec();
        }
    }
    writer.into_inner().unwrap_or_else(|_| bytes.to_vec())
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
    Ok(Json(
        json!({"entries": entries.iter().map(entry_json).collect::<Vec<_>>()}),
    ))
}

/// Adds an overhead entry (amount, currency, allocation_method headcount | time_based,
/// reporting_period such as 2026-Q1), spread over the campaigns active in its period.
#[utoipa::path(post, path = "/api/overhead", tag = "finance", request_body = Object,
    responses((status = 201, body = Object), (status = 422)))]
pub async fn create_overhead(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let currency = org_currency(&state, &caller.0.org_id).await?;
    let entry = overhead_entry(&body, &currency)?;
    let stored = state
        .store
        .insert_ledger_entries(&caller.0.org_id, &[entry], state.clock.now())
        .await?
        .and_then(|mut v| v.pop())
        .ok_or_else(|| ApiError::Internal("overhead entry not stored".to_owned()))?;
    Ok((StatusCode::CREATED, Json(entry_json(&stored))).into_response())
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
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let currency = org_currency(&state, &caller.0.org_id).await?;
    let entry = overhead_entry(&body, &currency)?;
    let stored = state
        .store
        .update_ledger_entry(
            &caller.0.org_id,
            LedgerScope::Overhead,
            &entry_id,
            &entry,
            state.clock.now(),
        )
        .await?
        .ok_or(ApiError::NotFound("overhead entry"))?;
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
    if state
        .store
        .delete_ledger_entry(&caller.0.org_id, LedgerScope::Overhead, &entry_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("overhead entry"))
    }
}

// ---------------------------------------------------------------------------------------------
// Campaign finance facts and organisation settings

fn facts_json(campaign: &CampaignId, f: &CampaignFinance) -> Value {
    json!({
        "campaign_id": campaign.as_str(),
        "headcount": f.headcount,
        "attribution_method": f.attribution_method.as_str(),
    })
}

/// The people assigned to the campaign (for headcount overhead) and its ROI attribution method.
#[utoipa::path(get, path = "/api/campaigns/{id}/headcount", tag = "finance",
    params(("id" = String, Path)), responses((status = 200, body = Object), (status = 404)))]
pub async fn get_headcount(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = CampaignId::new(id);
    let facts = state
        .store
        .campaign_finance(&caller.0.org_id, &id)
        .await?
        .ok_or(ApiError::NotFound("campaign"))?;
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
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let id = CampaignId::new(id);
    let mut facts = state
        .store
        .campaign_finance(&caller.0.org_id, &id)
        .await?
        .ok_or(ApiError::NotFound("campaign"))?;
    let Value::Object(map) = &body else {
        return Err(field("", "expected a JSON object"));
    };
    apply_facts(&mut facts, map)?;
    if !state
        .store
        .put_campaign_finance(&caller.0.org_id, &id, &facts, state.clock.now())
        .await?
    {
        return Err(ApiError::NotFound("campaign"));
    }
    Ok(Json(facts_json(&id, &facts)))
}

/// Applies `headcount` and `attribution_method` to a campaign's facts (the rules of
/// `PUT /api/campaigns/{id}/headcount`, shared with the campaign finance page).
pub(crate) fn apply_facts(facts: &mut CampaignFinance, map: &Map<String, Value>) -> ApiResult<()> {
    let mut problems = Vec::new();
    for (key, value) in map {
        match key.as_str() {
            "headcount" => match value.as_u64().and_then(|h| u32::try_from(h).ok()) {
                Some(h) if h <= 100_000 => facts.headcount = h,
                _ => problems.push(FieldProblem {
                    field: "headcount".to_owned(),
                    message: "expected a whole number of people from 0 to 100000".to_owned(),
                }),
            },
            "attribution_method" => match value.as_str().and_then(AttributionMethod::parse) {
                Some(m) => facts.attribution_method = m,
                None => problems.push(FieldProblem {
                    field: "attribution_method".to_owned(),
                    message: "expected first_touch, last_touch or multi_touch".to_owned(),
                }),
            },
            other => problems.push(FieldProblem {
                field: other.to_owned(),
                message: "unknown field (expected headcount, attribution_method)".to_owned(),
            }),
        }
    }
    if !map.contains_key("headcount") && !map.contains_key("attribution_method") {
        problems.push(FieldProblem {
            field: "headcount".to_owned(),
            message: "missing".to_owned(),
        });
    }
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    Ok(())
}

fn settings_json(s: &StoredFinanceSettings) -> Value {
    json!({
        "cost_of_capital": s.cost_of_capital.normalize().to_string(),
        "webhook_url": s.webhook_url,
        "webhook_secret_set": s.webhook_secret_sealed.is_some(),
        "rates": s.rates.iter().map(|r| json!({"from": r.from, "to": r.to, "rate": r.rate.normalize().to_string()})).collect::<Vec<_>>(),
    })
}

pub(crate) fn default_settings() -> StoredFinanceSettings {
    StoredFinanceSettings {
        cost_of_capital: spendlens_finance::FinanceSettings::default().cost_of_capital,
        webhook_url: None,
        webhook_secret_sealed: None,
        rates: Vec::new(),
    }
}

/// The organisation's finance settings: annual cost of capital, the alert webhook (its secret is
/// never returned, only whether one is set) and the exchange rates.
#[utoipa::path(get, path = "/api/finance/settings", tag = "finance", responses((status = 200, body = Object)))]
pub async fn get_settings(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let s = state
        .store
        .finance_settings(&caller.0.org_id)
        .await?
        .unwrap_or_else(default_settings);
    Ok(Json(settings_json(&s)))
}

fn decimal_field(value: &Value, name: &str, problems: &mut Vec<FieldProblem>) -> Option<Decimal> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let parsed = text.parse::<Decimal>().ok();
    if parsed.is_none() {
        problems.push(FieldProblem {
            field: name.to_owned(),
            message: "expected a decimal number".to_owned(),
        });
    }
    parsed
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
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    let Value::Object(map) = &body else {
        return Err(field("", "expected a JSON object"));
    };
    let mut s = state
        .store
        .finance_settings(&caller.0.org_id)
        .await?
        .unwrap_or_else(default_settings);
    apply_settings(&state, &mut s, map)?;
    state
        .store
        .put_finance_settings(&caller.0.org_id, &s, state.clock.now())
        .await?;
    Ok(Json(settings_json(&s)))
}

/// Applies the keys of a settings body to `s` (the rules of `PUT /api/finance/settings`, shared
/// with the finance page); every problem names its field and nothing is applied when one fails.
pub(crate) fn apply_settings(
    state: &AppState,
    target: &mut StoredFinanceSettings,
    map: &Map<String, Value>,
) -> ApiResult<()> {
    let mut next = target.clone();
    let s = &mut next;
    let mut problems = Vec::new();
    for (key, value) in map {
        match key.as_str() {
            "cost_of_capital" => {
                if let Some(rate) = decimal_field(value, "cost_of_capital", &mut problems) {
                    if rate < Decimal::ZERO || rate > Decimal::ONE {
                        problems.push(FieldProblem {
                            field: "cost_of_capital".to_owned(),
                            message: "must be an annual rate between 0 and 1 (0.08 for 8 %)"
                                .to_owned(),
                        });
                    } else {
                        s.cost_of_capital = rate;
                    }
                }
            }
            "webhook_url" => match value {
                Value::Null => s.webhook_url = None,
                Value::String(u) => match reqwest_free_url_check(u) {
                    Ok(()) => s.webhook_url = Some(u.trim().to_owned()),
                    Err(m) => problems.push(FieldProblem {
                        field: "webhook_url".to_owned(),
                        message: m,
                    }),
                },
                _ => problems.push(FieldProblem {
                    field: "webhook_url".to_owned(),
                    message: "expected a URL or null".to_owned(),
                }),
            },
            "webhook_secret" => match value {
                Value::Null => s.webhook_secret_sealed = None,
                Value::String(secret) if !secret.is_empty() && secret.len() <= 1024 => {
                    match TokenCipher::from_config(state.settings.secret_key.as_ref()) {
                        Ok(cipher) => {
                            match cipher.seal(&secrecy::SecretString::from(secret.clone())) {
                                Ok(blob) => s.webhook_secret_sealed = Some(blob),
                                Err(_) => {
                                    return Err(ApiError::Internal(
                                        "the webhook secret could not be sealed".to_owned(),
                                    ));
                                }
                            }
                        }
                        Err(_) => problems.push(FieldProblem {
                            field: "webhook_secret".to_owned(),
                            message: "the server has no secret_key to encrypt it with; set SPENDLENS_SECRET_KEY".to_owned(),
                        }),
                    }
                }
                _ => problems.push(FieldProblem {
                    field: "webhook_secret".to_owned(),
                    message: "expected a non-empty string of at most 1024 characters, or null"
                        .to_owned(),
                }),
            },
            "rates" => match value {
                Value::Array(items) => {
                    let mut rates = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        let get = |k: &str| item.get(k).and_then(Value::as_str).unwrap_or("");
                        let name = format!("rates[{i}].rate");
                        let rate = item
                            .get("rate")
                            .and_then(|v| decimal_field(v, &name, &mut problems));
                        if item.get("rate").is_none() {
                            problems.push(FieldProblem {
                                field: name,
                                message: "missing".to_owned(),
                            });
                        }
                        rates.push(FxRate {
                            from: get("from").trim().to_ascii_uppercase(),
                            to: get("to").trim().to_ascii_uppercase(),
                            rate: rate.unwrap_or_default(),
                        });
                    }
                    if problems.is_empty()
                        && let Err(FinanceError::InvalidRates { errors }) = RatesTable::new(&rates)
                    {
                        for e in errors {
                            // The message starts with the element's path (`rates[2].to ...`).
                            let (path, message) = e
                                .message
                                .split_once(' ')
                                .map_or((e.field.to_owned(), e.message.clone()), |(p, m)| {
                                    (p.to_owned(), m.to_owned())
                                });
                            problems.push(FieldProblem {
                                field: path,
                                message,
                            });
                        }
                    }
                    s.rates = rates;
                }
                _ => problems.push(FieldProblem {
                    field: "rates".to_owned(),
                    message: "expected an array of {from, to, rate}".to_owned(),
                }),
            },
            other => problems.push(FieldProblem {
                field: other.to_owned(),
                message:
                    "unknown field (expected cost_of_capital, webhook_url, webhook_secret, rates)"
                        .to_owned(),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    *target = next;
    Ok(())
}

/// An http(s) URL with a host, at most 2048 characters.
fn reqwest_free_url_check(url: &str) -> Result<(), String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest) if url.len() <= 2048 && !rest.is_empty() && !rest.starts_with('/') => Ok(()),
        _ => Err("expected an http:// or https:// URL with a host".to_owned()),
    }
}

// ---------------------------------------------------------------------------------------------
// ROI, budget consumption, alerts, report

/// The campaign's ROI on its full investment over `from..=to` (default: its start to today):
/// costs by category, opportunity cost, attributed revenue, ROI %, ROAS, payback and the
/// bootstrap confidence level (rules in the README).
#[utoipa::path(get, path = "/api/campaigns/{id}/roi", tag = "finance",
    params(("id" = String, Path), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = Object), (status = 404), (status = 422)))]
pub async fn roi(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let from = query_date(&query, "from")?;
    let to = query_date(&query, "to")?;
    let roi = spendlens_app::finance::campaign_roi(
        state.store.as_ref(),
        &caller.0.org_id,
        &CampaignId::new(id),
        from,
        to,
        state.clock.now(),
    )
    .await?;
    Ok(Json(spendlens_finance::encode::campaign_roi(&roi)))
}

/// An alert as the API shows it.
pub fn alert_json(a: &StoredAlert) -> Value {
    json!({
        "id": a.id,
        "campaign_id": a.campaign_id.as_str(),
        "kind": a.alert.kind.as_str(),
        "as_of": a.alert.as_of.to_string(),
        "used_pct": ratio(a.alert.used_pct),
        "pacing_pct": ratio(a.alert.pacing_pct),
        "spend": money(a.alert.spend),
        "budget": a.alert.budget.map_or(Value::Null, money),
        "currency": a.alert.currency,
        "raised_at": a.raised_at.to_rfc3339(),
        "delivered_at": a.delivered_at.map(|d| d.to_rfc3339()),
        "delivery_attempts": a.attempts,
        "last_error": a.last_error,
    })
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
        "alerts": alerts.iter().map(alert_json).collect::<Vec<_>>(),
    })))
}

/// The organisation's budget alerts, newest first (`?campaign_id=` for one campaign).
#[utoipa::path(get, path = "/api/alerts", tag = "finance",
    params(("campaign_id" = Option<String>, Query)), responses((status = 200, body = Object)))]
pub async fn alerts(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let campaign = query
        .get("campaign_id")
        .filter(|s| !s.is_empty())
        .map(CampaignId::new);
    let alerts = state
        .store
        .alerts(&caller.0.org_id, campaign.as_ref())
        .await?;
    Ok(Json(
        json!({"alerts": alerts.iter().map(alert_json).collect::<Vec<_>>()}),
    ))
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
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let from = query_date(&query, "from")?.ok_or_else(|| field("from", "missing"))?;
    let to = query_date(&query, "to")?.ok_or_else(|| field("to", "missing"))?;
    let period = Period::new(from, to).map_err(|m| field("to", m))?;
    let format = match query.get("format").map(String::as_str) {
        None | Some("") => Format::Json,
        Some(f) => Format::parse(f)
            .ok_or_else(|| field("format", "expected one of json, csv, xlsx, pdf"))?,
    };
    let currency = match query.get("currency").map(|c| c.trim().to_ascii_uppercase()) {
        None => None,
        Some(c) if c.is_empty() => None,
        Some(c) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) => Some(c),
        Some(_) => return Err(field("currency", "expected a 3-letter ISO 4217 code")),
    };
    let now = state.clock.now();
    let (report, books) = spendlens_app::finance::financial_report(
        state.store.as_ref(),
        &caller.0.org_id,
        &ReportQuery {
            period,
            currency,
            rates: None,
        },
        now,
    )
    .await?;
    let bytes =
        tokio::task::spawn_blocking(move || render(&report, &books, format, now.date_naive()))
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
