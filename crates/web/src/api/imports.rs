//! `POST /api/campaigns/{id}/imports`: a file upload turned into daily rows, previewed
//! (`?dry_run=true`) or stored all or nothing.
//!
//! The campaign is resolved through the caller's organisation before a byte of the upload is
//! read. Parsing runs on a blocking thread (PDF extraction can be slow). A PDF report is never
//! stored directly: the answer is a preview of what was found and what was not, which the user
//! confirms by posting the row they agree with to `/metrics`.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use spendlens_contract::json::two_decimals as money;
use spendlens_ingest::{ImportError, ImportOptions, Imported, PdfPreview, Source, Summary};
use spendlens_store::ImportRecord;

use crate::api::campaigns::load;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, FieldProblem};
use crate::state::AppState;

/// Largest upload accepted (the parsers refuse more before reading it).
pub const MAX_UPLOAD_BYTES: usize = spendlens_ingest::DEFAULT_MAX_BYTES;

fn field_error(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::Validation(vec![FieldProblem {
        field: field.to_owned(),
        message: message.into(),
    }])
}

/// An import's problems as field problems: `file: row 12, column C (Spend): ...`.
fn import_problems(e: &ImportError) -> ApiError {
    match e {
        ImportError::TooLarge { .. } => ApiError::TooLarge,
        other => ApiError::Validation(
            other
                .diagnostics()
                .into_iter()
                .map(|d| FieldProblem {
                    field: "file".to_owned(),
                    message: d.to_string(),
                })
                .collect(),
        ),
    }
}

/// The summary of rows as the API shows it.
pub fn summary_json(s: &Summary) -> Value {
    json!({
        "rows": s.rows,
        "days": s.distinct_days,
        "date_from": s.date_from.map(|d| d.to_string()),
        "date_to": s.date_to.map(|d| d.to_string()),
        "totals": {
            "spend": money(s.totals.spend),
            "impressions": s.totals.impressions,
            "engagements": s.totals.engagements,
            "clicks": s.totals.clicks,
            "conversions": money(s.totals.conversions),
            "conversion_value": s.totals.conversion_value.map(money),
            "revenue": s.totals.revenue.map(money),
        },
        "skipped": s.skipped.iter().map(|k| json!({"row": k.row, "label": k.label, "reason": k.reason})).collect::<Vec<_>>(),
    })
}

/// A PDF preview as the API shows it.
pub fn preview_json(p: &PdfPreview) -> Value {
    json!({
        "file": p.file,
        "found": p.found.iter().map(|f| json!({
            "metric": f.metric.label(), "value": f.value.to_string(), "text": f.text,
            "label": f.label, "line": f.line, "approximate": f.approximate, "currency": f.currency,
        })).collect::<Vec<_>>(),
        "conflicts": p.conflicts.iter().map(|c| json!({
            "metric": c.metric.label(),
            "values": c.candidates.iter().map(|v| json!({"value": v.value.to_string(), "text": v.text, "line": v.line})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "missing": p.missing.iter().map(|m| m.label()).collect::<Vec<_>>(),
        "period": p.period.map(|(a, b)| json!({"from": a.to_string(), "to": b.to_string()})),
        "currency": p.currency,
        "warnings": p.warnings,
    })
}

/// An uploaded file with its options.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub source: Option<Source>,
    pub rate: Option<Decimal>,
}

/// Reads the multipart fields `file`, `source` and `rate`, plus the text fields named in `extra`
/// (the pages' CSRF token); any other field is refused.
pub async fn read_upload(
    mut multipart: Multipart,
    extra: &[&str],
) -> ApiResult<(Upload, HashMap<String, String>)> {
    let mut extras = HashMap::new();
    let mut upload = Upload {
        file_name: String::new(),
        bytes: Vec::new(),
        source: None,
        rate: None,
    };
    let mut has_file = false;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("multipart: {e}")))?
    {
        match field.name() {
            Some("file") => {
                upload.file_name = field.file_name().unwrap_or("upload").to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| ApiError::BadRequest(format!("file: {e}")))?;
                if bytes.len() > MAX_UPLOAD_BYTES {
                    return Err(ApiError::TooLarge);
                }
                upload.bytes = bytes.to_vec();
                has_file = true;
            }
            Some("source") => {
                let text = field
                    .text()
                    .await
                    .map_err(|e| ApiError::BadRequest(e.to_string()))?;
                if !text.trim().is_empty() {
                    upload.source = Some(
                        text.trim()
                            .parse::<Source>()
                            .map_err(|e| field_error("source", e.to_string()))?,
                    );
                }
            }
            Some("rate") => {
                let text = field
                    .text()
                    .await
                    .map_err(|e| ApiError::BadRequest(e.to_string()))?;
                if !text.trim().is_empty() {
                    let rate = text
                        .trim()
                        .parse::<Decimal>()
                        .ok()
                        .filter(|r| *r > Decimal::ZERO);
                    upload.rate = Some(
                        rate.ok_or_else(|| field_error("rate", "must be a positive decimal"))?,
                    );
                }
            }
            Some(name) if extra.contains(&name) => {
                let name = name.to_owned();
                let text = field
                    .text()
                    .await
                    .map_err(|e| ApiError::BadRequest(e.to_string()))?;
                extras.insert(name, text);
            }
            Some(other) => {
                return Err(field_error(
                    other,
                    "unknown field (expected file, source, rate)",
                ));
            }
            None => {
                return Err(ApiError::BadRequest(
                    "a multipart field without a name".into(),
                ));
            }
        }
    }
    if !has_file {
        return Err(field_error(
            "file",
            "missing: upload the file in the field `file`",
        ));
    }
    Ok((upload, extras))
}

/// Parses an upload on a blocking thread: a PDF's preview, or the rows converted to the
/// campaign's currency (with the upload's `rate` when the file is in another one).
pub async fn parse_upload(upload: Upload, currency: String) -> ApiResult<Imported> {
    let options = ImportOptions {
        source: upload.source,
        ..ImportOptions::default()
    };
    let rate = upload.rate;
    tokio::task::spawn_blocking(move || {
        match spendlens_ingest::import(&upload.bytes, &upload.file_name, &options)? {
            Imported::Preview(p) => Ok(Imported::Preview(p)),
            Imported::Rows(rows) => {
                spendlens_ingest::reconcile_currency(rows, &currency, rate).map(Imported::Rows)
            }
        }
    })
    .await
    .map_err(|e| ApiError::Internal(format!("import task: {e}")))?
    .map_err(|e| import_problems(&e))
}

/// Stores parsed rows as one import, all or nothing; the import's id.
pub async fn store_import(
    state: &AppState,
    org: &spendlens_core::campaign::OrgId,
    campaign: &spendlens_core::campaign::CampaignId,
    parsed: &spendlens_ingest::ParsedFile,
    file_name: String,
    content_hash: String,
) -> ApiResult<String> {
    let record = ImportRecord {
        source: parsed.source.to_string(),
        file_name: Some(file_name),
        content_hash: Some(content_hash),
    };
    let mut writer = state
        .store
        .begin_import(org, campaign, &record, state.clock.now())
        .await?
        .ok_or(ApiError::NotFound("campaign"))?;
    writer.write(&parsed.rows).await?;
    let import_id = writer.commit(None).await?;
    // Budget alerts follow every write (raised once; delivery to the webhook in the background).
    spendlens_app::finance::alerts::after_write(
        state.store.clone(),
        state.webhooks.clone(),
        org,
        campaign,
        state.clock.now(),
    )
    .await;
    Ok(import_id)
}

/// Imports a file into the campaign: rows, days, date range, totals and skipped rows; with
/// `?dry_run=true` nothing is written. Re-importing a file changes nothing (rows are upserted on
/// their natural key). A PDF answers with a preview to confirm.
#[utoipa::path(post, path = "/api/campaigns/{id}/imports", tag = "imports",
    params(("id" = String, Path), ("dry_run" = Option<bool>, Query)),
    request_body(content_type = "multipart/form-data", description = "`file` (the export), optional `source` (canonical, linkedin, meta, google_ads, spreadsheet_csv, workbook, pdf) and `rate` (campaign currency per 1 unit of the file's currency)"),
    responses((status = 201, description = "Imported", body = Object), (status = 200, description = "Dry run or PDF preview", body = Object),
              (status = 404), (status = 413), (status = 422, description = "Problems with file, row and column")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> ApiResult<Response> {
    // Access first: an upload to a campaign the caller cannot see is never read, not even its
    // multipart headers.
    let campaign = load(&state, &caller, &id).await?;
    let multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|e| {
            ApiError::BadRequest(format!(
                "expected a multipart/form-data upload: {}",
                e.body_text()
            ))
        })?;
    let dry_run = match query.get("dry_run").map(String::as_str) {
        None | Some("false" | "0" | "") => false,
        Some("true" | "1") => true,
        Some(_) => return Err(field_error("dry_run", "expected true or false")),
    };
    let (upload, _) = read_upload(multipart, &[]).await?;
    let content_hash = hex::encode(Sha256::digest(&upload.bytes));
    let file_name = upload.file_name.clone();
    let parsed = parse_upload(upload, campaign.spec.currency.clone()).await?;

    let parsed = match parsed {
        Imported::Preview(preview) => {
            return Ok((StatusCode::OK, Json(json!({"import_id": null, "kind": "pdf_preview", "preview": preview_json(&preview)}))).into_response());
        }
        Imported::Rows(parsed) => parsed,
    };
    let summary = spendlens_ingest::summary(&parsed);
    let mut body = summary_json(&summary);
    body["source"] = json!(parsed.source.to_string());
    body["notes"] = json!(parsed.notes);
    if dry_run {
        body["import_id"] = Value::Null;
        body["dry_run"] = json!(true);
        return Ok((StatusCode::OK, Json(body)).into_response());
    }
    let import_id = store_import(
        &state,
        &caller.0.org_id,
        &campaign.id,
        &parsed,
        file_name,
        content_hash,
    )
    .await?;
    body["import_id"] = json!(import_id);
    body["dry_run"] = json!(false);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
