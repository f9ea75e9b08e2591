//! Column mappings over the API: the columns of a file detection cannot read (to write a
//! mapping for it), and the mappings saved for a campaign (`spendlens_app::mappings`). An
//! import names its mapping in its `map` field (see `imports.rs`), in the same text form as
//! `spendlens import --map`.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use spendlens_app::mappings;
use spendlens_ingest::{ColumnMapping, Field, FileColumns};
use spendlens_store::SavedMapping;

use crate::api::imports::{MAX_UPLOAD_BYTES, import_command};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::json_body::JsonBody;
use crate::state::AppState;
use crate::upload::{Fields, Others, multipart, read_file_field};

/// A file's columns as the API and the mapping form show them.
pub fn columns_json(found: &FileColumns) -> Value {
    json!({
        "header_row": found.header_row,
        "columns": found.columns.iter().map(|c| json!({
            "letter": c.letter, "header": c.header, "samples": c.samples,
        })).collect::<Vec<_>>(),
        "fields": Field::ALL.iter().map(|f| json!({"field": f.as_str(), "label": f.label()})).collect::<Vec<_>>(),
    })
}

fn saved_json(m: &SavedMapping) -> Value {
    json!({"id": m.id, "mapping": m.mapping, "saved_at": m.saved_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)})
}

/// The columns of an uploaded file (multipart `file`, optional `source`): the likeliest header
/// row and the first values under each column, to write a `map` for an import. Nothing is
/// stored.
#[utoipa::path(post, path = "/api/campaigns/{id}/imports/columns", tag = "imports",
    params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "`file`, optional `source`"),
    responses((status = 200, description = "header_row, columns (letter, header, samples) and the fields a column can be mapped to", body = Object),
              (status = 404), (status = 413), (status = 422)))]
pub async fn columns(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Json<Value>> {
    let _campaign = state.campaign(&caller.0.org_id, &id).await?;
    let _slot = state.upload_gate.enter(caller.0.org_id.as_str()).await?;
    let multipart = multipart(request, &state).await?;
    let fields = Fields {
        texts: &["source"],
        files: &[],
        others: Others::Refuse("file, source"),
    };
    let upload = read_file_field(multipart, MAX_UPLOAD_BYTES, fields).await?;
    let command = import_command(upload, true)?;
    let found = mappings::columns(&command).await?;
    Ok(Json(columns_json(&found)))
}

/// The column mappings saved for the campaign, newest first: a file detection cannot read is
/// tried with each in turn.
#[utoipa::path(get, path = "/api/campaigns/{id}/column-mappings", tag = "imports",
    params(("id" = String, Path)),
    responses((status = 200, description = "mappings: id, mapping (text form), saved_at", body = Object), (status = 404)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let saved = mappings::saved(&state.context(), &campaign).await?;
    Ok(Json(
        json!({"mappings": saved.iter().map(saved_json).collect::<Vec<_>>()}),
    ))
}

/// Saves a column mapping for the campaign: `{"mapping": "date=Day,spend=\"Amount spent (INR)\""}`.
#[utoipa::path(post, path = "/api/campaigns/{id}/column-mappings", tag = "imports",
    params(("id" = String, Path)), request_body = Object,
    responses((status = 201, description = "Saved", body = Object), (status = 404), (status = 422)))]
pub async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let mapping = match body.get("mapping") {
        Some(Value::String(text)) => parse_mapping(text)?,
        Some(_) => return Err(ApiError::field("mapping", "expected a string")),
        None => return Err(ApiError::field("mapping", "missing")),
    };
    if mapping.is_empty() {
        return Err(ApiError::field("mapping", "names no column"));
    }
    let saved = mappings::save(&state.context(), &campaign, &mapping).await?;
    Ok((StatusCode::CREATED, Json(saved_json(&saved))).into_response())
}

/// Deletes a saved column mapping.
#[utoipa::path(delete, path = "/api/campaigns/{id}/column-mappings/{mapping_id}", tag = "imports",
    params(("id" = String, Path), ("mapping_id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, mapping_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    if mappings::delete(&state.context(), &campaign, &mapping_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("column mapping"))
    }
}

/// The `map` text of an import or a saved mapping, or the field's problem.
pub fn parse_mapping(text: &str) -> ApiResult<ColumnMapping> {
    ColumnMapping::parse(text).map_err(|m| ApiError::field("map", m))
}
