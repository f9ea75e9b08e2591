//! `POST /api/campaigns/{id}/metrics`: daily rows in, decoded here with a JSON path per problem,
//! then upserted by `spendlens_app::metrics::upsert_rows` (all or nothing, budget alerts after).

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use spendlens_app::metrics::{MAX_ROWS, check_currency, upsert_rows};
use spendlens_contract::Problems;
use spendlens_contract::json::{ObjectReader, describe, join};
use spendlens_core::daily::DailyRow;
use spendlens_core::platform::Platform;

use crate::audit::AuditDetails;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::json_body::JsonBody;
use crate::state::AppState;

/// What a metrics post did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UpsertResponse {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// The longest external campaign id or name a row may carry (the platforms' own limits are a
/// few hundred characters).
const MAX_EXTERNAL_ID_CHARS: usize = 1_000;

/// A batch of daily rows.
#[derive(Debug, utoipa::ToSchema)]
pub struct MetricsRequest {
    /// `[{"date", "platform", "external_campaign_id", "spend", "impressions", "engagements",
    /// "clicks", "conversions", "conversion_value", "revenue", "currency"}]`
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<Value>,
}

/// Decodes the rows, naming every bad field as `rows[i].field`.
pub fn parse_rows(body: &Value, campaign_currency: &str) -> Result<Vec<DailyRow>, Problems> {
    let mut problems = Problems::default();
    let Some(mut root) = ObjectReader::new("", body, &mut problems) else {
        return Err(problems);
    };
    let rows = root.get("rows");
    root.finish(&mut problems);
    let items = match rows {
        Some(Value::Array(items)) => items.as_slice(),
        Some(other) => {
            problems.push(
                "rows",
                format!("expected an array, got {}", describe(other)),
            );
            return Err(problems);
        }
        None => {
            problems.push("rows", "missing");
            return Err(problems);
        }
    };
    if items.len() > MAX_ROWS {
        problems.push(
            "rows",
            format!("at most {MAX_ROWS} rows per request (got {})", items.len()),
        );
        return Err(problems);
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("rows[{i}]");
        let Some(mut r) = ObjectReader::new(&path, item, &mut problems) else {
            continue;
        };
        let date = r.date("date", &mut problems);
        let platform = match r.string("platform", &mut problems) {
            Some(name) => match name.parse::<Platform>() {
                Ok(p) => Some(p),
                Err(e) => {
                    problems.push(join(&path, "platform"), e.to_string());
                    None
                }
            },
            None => {
                if item.get("platform").is_none_or(Value::is_null) {
                    problems.push(join(&path, "platform"), "missing");
                }
                None
            }
        };
        if item.get("date").is_none_or(Value::is_null) {
            problems.push(join(&path, "date"), "missing");
        }
        let external = r
            .string("external_campaign_id", &mut problems)
            .unwrap_or_default()
            .to_owned();
        // A name shown on pages and in reports: the one rule for names, and a sane length.
        if let Err(message) = spendlens_core::text::check_name(&external) {
            problems.push(join(&path, "external_campaign_id"), message);
        } else if external.chars().count() > MAX_EXTERNAL_ID_CHARS {
            problems.push(
                join(&path, "external_campaign_id"),
                format!("at most {MAX_EXTERNAL_ID_CHARS} characters"),
            );
        }
        let currency = r
            .string("currency", &mut problems)
            .map(|c| c.trim().to_ascii_uppercase());
        let spend = r.decimal("spend", &mut problems).unwrap_or_default();
        let impressions = r.count("impressions", &mut problems).unwrap_or_default();
        let engagements = r.count("engagements", &mut problems).unwrap_or_default();
        let clicks = r.count("clicks", &mut problems).unwrap_or_default();
        let conversions = r.decimal("conversions", &mut problems).unwrap_or_default();
        let conversion_value = r.decimal("conversion_value", &mut problems);
        let revenue = r.decimal("revenue", &mut problems);
        let row = date.zip(platform).map(|(date, platform)| DailyRow {
            spend,
            impressions,
            engagements,
            clicks,
            conversions,
            conversion_value,
            revenue,
            currency: currency.clone(),
            ..DailyRow::empty(date, platform, external)
        });
        r.finish(&mut problems);
        if let Some(Err(message)) = currency
            .as_deref()
            .map(|c| check_currency(c, campaign_currency))
        {
            problems.push(join(&path, "currency"), message);
        }
        if let Some(row) = row {
            // The ranges every door applies (`spendlens_core::limits`), named like the rest.
            for p in row.problems() {
                problems.push(join(&path, p.field), p.message);
            }
            out.push(row);
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Upserts daily rows: a re-posted batch changes nothing; one bad row rejects the whole batch.
#[utoipa::path(post, path = "/api/campaigns/{id}/metrics", tag = "metrics", params(("id" = String, Path)),
    request_body = MetricsRequest,
    responses((status = 200, body = UpsertResponse), (status = 404), (status = 422, description = "Bad rows, each named")))]
pub async fn post(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let rows = parse_rows(&body, &campaign.spec.currency)?;
    let counts = upsert_rows(&state.context(), &campaign, &rows).await?;
    let facts = AuditDetails::of_rows(None, &rows, &campaign.spec.currency);
    let answer = Json(UpsertResponse {
        inserted: counts.inserted,
        updated: counts.updated,
        unchanged: counts.unchanged,
    });
    Ok(facts.attach(answer.into_response()))
}
