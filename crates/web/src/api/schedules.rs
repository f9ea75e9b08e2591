//! Report schedules of the organisation over HTTP, and their recent deliveries. The rules are
//! `spendlens_app::delivery`'s; this module decodes the body into its `ScheduleCommand` and
//! encodes the answers. A Slack URL is write-only: it is sealed when saved and never returned.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use secrecy::SecretString;
use serde::Serialize;
use serde_json::Value;
use spendlens_app::delivery::slot::weekday_code;
use spendlens_app::delivery::sweep::{MAX_ATTEMPTS, never};
use spendlens_app::delivery::{self, Cadence, ReportKind, Schedule, ScheduleCommand};
use spendlens_contract::Problems;
use spendlens_contract::json::{ObjectReader, describe};
use spendlens_store::StoredDelivery;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::json_body::JsonBody;
use crate::state::AppState;

/// A schedule as answered: never its Slack URL.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScheduleInfo {
    pub id: String,
    /// `financial_report`, `campaign_summary` or `budget_alerts`.
    pub kind: String,
    /// `pdf` or `xlsx` (financial report only).
    pub format: Option<String>,
    pub currency: Option<String>,
    pub campaign_id: Option<String>,
    /// `email`, `slack` or `webhook`.
    pub channel: String,
    pub recipients: Vec<String>,
    /// `weekly`, `monthly` or `immediate`.
    pub cadence: String,
    pub weekday: Option<String>,
    pub day: Option<u32>,
    /// The next slot's date (UTC); `null` for alerts, sent as raised.
    pub next_slot: Option<String>,
    pub created_at: String,
}

/// A delivery as answered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryInfo {
    pub id: String,
    pub schedule_id: String,
    /// The slot's date, or `alert:<id>`.
    pub slot: String,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    /// `delivered`, `retrying` or `failed` (given up).
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub delivered_at: Option<String>,
    pub next_attempt_at: Option<String>,
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A schedule as answered on `today`.
pub fn schedule_info(s: &Schedule, today: NaiveDate) -> ScheduleInfo {
    ScheduleInfo {
        id: s.id.clone(),
        kind: s.kind.code().to_owned(),
        format: (s.kind == ReportKind::FinancialReport).then(|| s.format.extension().to_owned()),
        currency: s.currency.clone(),
        campaign_id: s.campaign_id.as_ref().map(ToString::to_string),
        channel: s.channel.code().to_owned(),
        recipients: s.recipients.clone(),
        cadence: s.cadence.code().to_owned(),
        weekday: match s.cadence {
            Cadence::Weekly(w) => Some(weekday_code(w).to_owned()),
            _ => None,
        },
        day: match s.cadence {
            Cadence::Monthly(d) => Some(d),
            _ => None,
        },
        next_slot: s.cadence.next_slot(today).map(|d| d.to_string()),
        created_at: instant(s.created_at),
    }
}

/// The status of a delivery: delivered, retrying (a try is due later) or failed (given up).
pub fn status(d: &StoredDelivery) -> &'static str {
    if d.delivered_at.is_some() {
        "delivered"
    } else if d.attempts >= MAX_ATTEMPTS || d.next_attempt_at >= never() {
        "failed"
    } else if d.attempts == 0 {
        "pending"
    } else {
        "retrying"
    }
}

/// A delivery as answered.
pub fn delivery_info(d: &StoredDelivery) -> DeliveryInfo {
    let status = status(d);
    DeliveryInfo {
        id: d.id.clone(),
        schedule_id: d.delivery.schedule_id.clone(),
        slot: d.delivery.slot.clone(),
        period_from: d.delivery.period_from.map(|x| x.to_string()),
        period_to: d.delivery.period_to.map(|x| x.to_string()),
        status: status.to_owned(),
        attempts: d.attempts,
        last_error: d.last_error.clone(),
        delivered_at: d.delivered_at.map(instant),
        next_attempt_at: matches!(status, "retrying" | "pending")
            .then(|| instant(d.next_attempt_at)),
    }
}

/// Decodes the JSON body into the app's command; each problem names its field.
pub fn parse_request(body: &Value) -> Result<ScheduleCommand, Problems> {
    let mut problems = Problems::default();
    let Some(mut r) = ObjectReader::new("", body, &mut problems) else {
        return Err(problems);
    };
    let text = |v: Option<&str>| v.map(str::to_owned);
    let kind = text(r.string("kind", &mut problems)).unwrap_or_default();
    let format = text(r.string("format", &mut problems));
    let currency = text(r.string("currency", &mut problems));
    let campaign_id = text(r.string("campaign_id", &mut problems));
    let channel = text(r.string("channel", &mut problems)).unwrap_or_default();
    let slack_url = text(r.string("slack_url", &mut problems)).map(SecretString::from);
    let cadence = text(r.string("cadence", &mut problems));
    let weekday = text(r.string("weekday", &mut problems));
    let day = r
        .count("day", &mut problems)
        .map(|d| u32::try_from(d).unwrap_or(u32::MAX));
    let recipients = match r.get("recipients") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| match v {
                Value::String(s) => Some(s.clone()),
                other => {
                    problems.push(
                        format!("recipients[{i}]"),
                        format!("expected a string, got {}", describe(other)),
                    );
                    None
                }
            })
            .collect(),
        Some(other) => {
            problems.push(
                "recipients",
                format!(
                    "expected an array of e-mail addresses, got {}",
                    describe(other)
                ),
            );
            Vec::new()
        }
    };
    r.finish(&mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(ScheduleCommand {
        kind,
        format,
        currency,
        campaign_id,
        channel,
        recipients,
        slack_url,
        cadence,
        weekday,
        day,
    })
}

/// Schedules a report: `{kind, format?, currency?, campaign_id?, channel, recipients?,
/// slack_url?, cadence?, weekday?, day?}` (see the README's "Scheduled reports").
#[utoipa::path(post, path = "/api/report-schedules", tag = "reports",
    request_body(content = Object, description = "`{kind, format?, currency?, campaign_id?, channel, recipients?, slack_url?, cadence?, weekday?, day?}`"),
    responses((status = 201, body = ScheduleInfo), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let cmd = parse_request(&body)?;
    let now = state.clock.now();
    let schedule = delivery::create(
        state.store.as_ref(),
        &state.deliveries,
        &caller.0.org_id,
        cmd,
        now,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(schedule_info(&schedule, now.date_naive())),
    )
        .into_response())
}

/// The organisation's schedules, oldest first, and its 50 newest deliveries.
#[utoipa::path(get, path = "/api/report-schedules", tag = "reports",
    responses((status = 200, body = Object)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let org = &caller.0.org_id;
    let today = state.clock.now().date_naive();
    let schedules = delivery::list(state.store.as_ref(), org).await?;
    let deliveries = state.store.deliveries(org, 50).await?;
    Ok(Json(serde_json::json!({
        "schedules": schedules.iter().map(|s| schedule_info(s, today)).collect::<Vec<_>>(),
        "deliveries": deliveries.iter().map(delivery_info).collect::<Vec<_>>(),
    })))
}

/// Deletes a schedule and its deliveries' records.
#[utoipa::path(delete, path = "/api/report-schedules/{id}", tag = "reports",
    params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    delivery::delete(state.store.as_ref(), &caller.0.org_id, &id)
        .await
        .map_err(|e| match e {
            spendlens_app::AppError::NotFound => ApiError::NotFound("report schedule"),
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}
