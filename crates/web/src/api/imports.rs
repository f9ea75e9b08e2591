//! `POST /api/campaigns/{id}/imports`: a file upload turned into daily rows, previewed
//! (`?dry_run=true`) or stored all or nothing, by `spendlens_app::imports::import_rows` (the
//! use case the pages and `spendlens import` run too, budget alerts included).
//!
//! The campaign is resolved through the caller's organisation before a byte of the upload is
//! read. A PDF report is never stored directly: the answer is a preview of what was found and
//! what was not (`api::pdf_preview`), which the user confirms by posting the rows they agree
//! with to `/metrics`.

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use spendlens_app::imports::{
    ImportCommand, ImportFailure, ImportOutcome, PeriodRule, RATE_EXPECTED, RowsImported,
    import_rows, rate as rate_rule,
};
use spendlens_contract::json::two_decimals as money;
use spendlens_ingest::{DateOrder, ImportError, NumberLocale, PeriodChoice, Source, Summary};

use crate::api::pdf_preview::preview_json;
use crate::audit::AuditDetails;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, FieldProblem};
use crate::query::Params;
use crate::state::AppState;
use crate::upload::{Fields, Others, Upload, multipart, read_file_field};

/// Largest upload accepted (the parsers refuse more before reading it).
pub const MAX_UPLOAD_BYTES: usize = spendlens_ingest::DEFAULT_MAX_BYTES;

/// An import's problems as field problems: `file: row 12, column C (Spend): ...`.
fn import_problems(e: &ImportError) -> ApiError {
    match e {
        e if e.is_too_large() => ApiError::TooLarge(
            e.diagnostics()
                .into_iter()
                .map(|d| d.message)
                .collect::<Vec<_>>()
                .join("; "),
        ),
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

/// The fields of an import upload (besides `file`).
pub const UPLOAD_FIELDS: &[&str] = &[
    "source",
    "rate",
    "spread",
    "book_on",
    "from",
    "to",
    "map",
    "save_map",
    "pdf_locale",
    "date_order",
];

/// The fields as the refusal of an unknown one lists them.
pub const UPLOAD_FIELD_LIST: &str =
    "file, source, rate, spread, book_on, from, to, map, save_map, pdf_locale, date_order";

/// How period rows are booked, from the fields `spread` (`true`), `book_on` (a date) and
/// `from`/`to` (the period of a file that states none), as `spendlens import` takes them.
fn period_rule(upload: &Upload) -> ApiResult<PeriodRule> {
    let day = |name: &'static str| -> ApiResult<Option<NaiveDate>> {
        match upload.text(name) {
            "" => Ok(None),
            text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| ApiError::field(name, "expected a date as YYYY-MM-DD")),
        }
    };
    let spread = match upload.text("spread") {
        "" | "false" | "0" | "off" => false,
        "true" | "1" | "on" => true,
        _ => return Err(ApiError::field("spread", "expected true or false")),
    };
    let book_on = day("book_on")?;
    let choice = match (spread, book_on) {
        (true, Some(_)) => {
            return Err(ApiError::field(
                "book_on",
                "choose either spread or book_on, not both",
            ));
        }
        (_, Some(d)) => PeriodChoice::BookOn(d),
        (true, None) => PeriodChoice::Spread,
        (false, None) => PeriodChoice::Refuse,
    };
    let range = match (day("from")?, day("to")?) {
        (Some(a), Some(b)) => Some((a, b)),
        (None, None) => None,
        (Some(_), None) => return Err(ApiError::field("to", "give the period's last day too")),
        (None, Some(_)) => {
            return Err(ApiError::field("from", "give the period's first day too"));
        }
    };
    PeriodRule::new(choice, range).map_err(|m| ApiError::field("from", m))
}

/// Decodes an upload into the import command: the file (with its name, `upload` when the client
/// sent none), `source` (detected when blank) and `rate` (a decimal, with the app's rule). The
/// API and the imports page decode alike.
pub fn import_command(upload: Upload, dry_run: bool) -> ApiResult<ImportCommand> {
    let source = match upload.text("source") {
        "" => None,
        text => Some(
            text.parse::<Source>()
                .map_err(|e| ApiError::field("source", e.to_string()))?,
        ),
    };
    let rate = match upload.text("rate") {
        "" => None,
        text => Some(
            text.parse::<Decimal>()
                .map_err(|_| RATE_EXPECTED.to_owned())
                .and_then(rate_rule)
                .map_err(|m| ApiError::field("rate", m))?,
        ),
    };
    let period = period_rule(&upload)?;
    let mapping = crate::api::mappings::parse_mapping(upload.text("map"))?;
    let save_mapping = match upload.text("save_map") {
        "" | "false" | "0" | "off" => false,
        "true" | "1" | "on" if !mapping.is_empty() => true,
        "true" | "1" | "on" => {
            return Err(ApiError::field(
                "save_map",
                "give the mapping to save in `map`",
            ));
        }
        _ => return Err(ApiError::field("save_map", "expected true or false")),
    };
    let pdf_locale = match upload.text("pdf_locale") {
        "" => None,
        text => Some(
            text.parse::<NumberLocale>()
                .map_err(|e| ApiError::field("pdf_locale", e.to_string()))?,
        ),
    };
    let date_order = match upload.text("date_order") {
        "" => None,
        text => Some(DateOrder::parse(text).map_err(|e| ApiError::field("date_order", e))?),
    };
    let file = upload
        .file
        .ok_or_else(|| ApiError::field("file", "missing: upload the file in the field `file`"))?;
    Ok(ImportCommand {
        file_name: file.name.unwrap_or_else(|| "upload".to_owned()),
        bytes: file.bytes,
        source,
        rate,
        dry_run,
        period,
        mapping,
        save_mapping,
        pdf_locale,
        date_order,
    })
}

/// An import's failure as the API answers it.
impl From<ImportFailure> for ApiError {
    fn from(e: ImportFailure) -> Self {
        match e {
            ImportFailure::NotFound => ApiError::NotFound("campaign"),
            ImportFailure::File(e) => import_problems(&e),
            ImportFailure::Currency(p) => ApiError::field("file", p.to_string()),
            ImportFailure::Store(s) => s.into(),
            ImportFailure::Task(m) => ApiError::Internal(format!("import task: {m}")),
        }
    }
}

/// The answer to an imported (or dry-run) file: summary, source, notes, import id.
pub fn rows_json(imported: &RowsImported, dry_run: bool) -> Value {
    let mut body = summary_json(&imported.summary);
    body["source"] = json!(imported.parsed.source.to_string());
    body["notes"] = json!(imported.parsed.notes);
    body["import_id"] = json!(imported.import_id);
    body["dry_run"] = json!(dry_run);
    // What the import did to the rows already stored (absent from a dry run).
    if let Some(c) = &imported.counts {
        body["rows_new"] = json!(c.inserted);
        body["rows_updated"] = json!(c.updated);
        body["rows_unchanged"] = json!(c.unchanged);
    }
    // Rows replaced: the campaign's spend before and after, which the file's total does not say.
    if let Some(change) = &imported.spend_change {
        body["stored_spend_change"] = json!({
            "through": change.through.to_string(),
            "before": spendlens_core::num::cents_text(change.before),
            "after": spendlens_core::num::cents_text(change.after),
        });
    }
    // The level of detail of a file below campaign level (`ad set level, by Age, Gender`).
    if let Some(detail) = &imported.parsed.detail {
        body["detail"] = json!(detail);
    }
    // Named channels' days (a channel file) only: every other answer stays as it was.
    if !imported.channels.is_empty() {
        body["channels"] = channel_days_json(&imported.channels);
    }
    body
}

/// What the activity log records of an import: its record, file, rows, days and spend.
pub fn import_facts(rows: &RowsImported, file_name: &str, currency: &str) -> AuditDetails {
    let s = &rows.summary;
    AuditDetails::import(
        rows.import_id.as_deref(),
        Some(file_name),
        s.rows,
        s.date_from.zip(s.date_to),
        s.totals.spend,
        currency,
    )
}

/// Per named channel of an imported channel file: its days and spend (and impressions when
/// reported), labelled as a channel, in order of first appearance.
fn channel_days_json(days: &[spendlens_core::channel::ChannelDay]) -> Value {
    let mut out: Vec<(String, String, u64, Decimal, Option<u64>)> = Vec::new();
    for d in days {
        let i = match out.iter().position(|c| c.0 == d.channel.key()) {
            Some(i) => i,
            None => {
                out.push((
                    d.channel.key().to_owned(),
                    d.channel.as_str().to_owned(),
                    0,
                    Decimal::ZERO,
                    None,
                ));
                out.len() - 1
            }
        };
        if let Some(c) = out.get_mut(i) {
            c.2 += 1;
            c.3 += d.spend;
            c.4 = match (c.4, d.impressions) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
            };
        }
    }
    json!(
        out.into_iter()
            .map(|(_, name, days, spend, impressions)| json!({
                "channel": name,
                "kind": "offline_channel",
                "label": spendlens_core::channel::CHANNEL_LABEL,
                "days": days,
                "spend": money(spend),
                "impressions": impressions,
            }))
            .collect::<Vec<_>>()
    )
}

/// Imports a file into the campaign: rows, days, date range, totals and skipped rows; with
/// `?dry_run=true` nothing is written. Re-importing a file changes nothing (rows are upserted on
/// their natural key). A PDF answers with a preview to confirm.
#[utoipa::path(post, path = "/api/campaigns/{id}/imports", tag = "imports",
    params(("id" = String, Path), ("dry_run" = Option<bool>, Query)),
    request_body(content_type = "multipart/form-data", description = "`file` (the export), optional `source` (canonical, linkedin, meta, google_ads, spreadsheet_csv, workbook, pdf) `rate` (campaign currency per 1 unit of the file's currency); for a report whose rows each cover a period (refused otherwise): `spread` (`true`: each row evenly over its period's days, sums exact to the cent) or `book_on` (YYYY-MM-DD), and `from`/`to` for a file that states no period; `map` (columns detection cannot place, `date=Day,spend=\"Amount spent (INR)\"`: a field, `=`, a header or column letter, comma separated) and `save_map` (`true`: save the mapping for the campaign); for a PDF report, `pdf_locale` (`comma`: 1.234,56, `point`: 1,234.56; decided from the report's numbers when absent); `date_order` (`day_first` or `month_first`: how to read dates such as 06/07/2024 when no date in the file decides; absent: day first in a file with decimal commas, else the source's way), and `spread`/`book_on` to see the daily rows its figures (per period when it has them) become"),
    responses((status = 201, description = "Imported", body = Object), (status = 200, description = "Dry run or PDF preview", body = Object),
              (status = 404), (status = 413), (status = 422, description = "Problems with file, row and column")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<Params>,
    request: Request,
) -> ApiResult<Response> {
    // Access first: an upload to a campaign the caller cannot see is never read, not even its
    // multipart headers.
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let _slot = state.upload_gate.enter(caller.0.org_id.as_str()).await?;
    let multipart = multipart(request, &state).await?;
    let dry_run = query.flag("dry_run")?;
    let fields = Fields {
        texts: UPLOAD_FIELDS,
        files: &[],
        others: Others::Refuse(UPLOAD_FIELD_LIST),
    };
    let upload = read_file_field(multipart, MAX_UPLOAD_BYTES, fields).await?;
    let command = import_command(upload, dry_run)?;
    let period = command.period;
    let file_name = command.file_name.clone();
    match import_rows(&state.context(), &campaign, command).await? {
        ImportOutcome::Preview(preview) => Ok((
            StatusCode::OK,
            Json(json!({"import_id": null, "kind": "pdf_preview", "preview": preview_json(&preview, period)})),
        )
            .into_response()),
        ImportOutcome::Rows(rows) => {
            let status = if dry_run {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            let response = (status, Json(rows_json(&rows, dry_run))).into_response();
            Ok(import_facts(&rows, &file_name, &campaign.spec.currency).attach(response))
        }
    }
}
