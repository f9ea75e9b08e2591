//! The marketing-mix model over HTTP (issue 17): `POST /api/mmm` fits an organisation-level model
//! over chosen campaigns (or all) and stores the run; `GET /api/mmm` lists the runs and
//! `GET /api/mmm/{id}` answers one, each saying whether the data it was fitted on still holds.
//! The body is decoded here into `spendlens_app::mmm::MmmCommand`, every problem named by its
//! JSON path; the fit and the document are the app's.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use spendlens_app::mmm::{KpiSource, MmmCommand, Run};
use spendlens_core::campaign::CampaignId;
use spendlens_mmm::Experiment;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::json_body::JsonBody;
use crate::query::day;
use crate::state::AppState;

/// Most draws a run may ask for (the contract's default is 500).
pub const MAX_DRAWS: u64 = 5_000;
/// Most days of an uploaded KPI series.
pub const MAX_SERIES_DAYS: usize = 3_660;

fn number(v: &Value, path: &str) -> ApiResult<f64> {
    let x = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    x.filter(|x| x.is_finite())
        .ok_or_else(|| ApiError::field(path, "expected a number"))
}

/// The largest amount a KPI value or a lift may be (the importers' cap on one cell).
const MAX_AMOUNT: f64 = 1e12;

/// A number within ±[`MAX_AMOUNT`], not below zero unless `signed`.
fn amount(v: &Value, path: &str, signed: bool) -> ApiResult<f64> {
    let x = number(v, path)?;
    if x.abs() > MAX_AMOUNT {
        return Err(ApiError::field(path, "at most 1,000,000,000,000"));
    }
    if !signed && x < 0.0 {
        return Err(ApiError::field(path, "must not be below zero"));
    }
    Ok(x)
}

/// `v` as an object with no other keys than `known`.
fn object<'a>(v: &'a Value, path: &str, known: &[&str]) -> ApiResult<&'a Map<String, Value>> {
    let Value::Object(m) = v else {
        return Err(ApiError::field(
            path,
            format!("expected an object {{{}}}", known.join(", ")),
        ));
    };
    if let Some(other) = m.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(ApiError::field(
            format!("{path}.{other}"),
            format!("unknown field (expected {})", known.join(", ")),
        ));
    }
    Ok(m)
}

fn text<'a>(v: &'a Value, path: &str) -> ApiResult<&'a str> {
    v.as_str()
        .ok_or_else(|| ApiError::field(path, "expected a string"))
}

fn kpi(v: Option<&Value>) -> ApiResult<KpiSource> {
    let Some(v) = v else {
        return Ok(KpiSource::Ga4Revenue);
    };
    let Value::Object(m) = v else {
        return Err(ApiError::field(
            "kpi",
            "expected an object {\"source\": ...}",
        ));
    };
    if let Some(other) = m
        .keys()
        .find(|k| !["source", "values"].contains(&k.as_str()))
    {
        return Err(ApiError::field(
            format!("kpi.{other}"),
            "unknown field (expected source, values)",
        ));
    }
    let source = m
        .get("source")
        .map_or(Ok("ga4_revenue"), |s| text(s, "kpi.source"))?;
    if source != "series" && m.contains_key("values") {
        return Err(ApiError::field(
            "kpi.values",
            "values are read only with \"source\": \"series\"",
        ));
    }
    match source {
        "ga4_revenue" => Ok(KpiSource::Ga4Revenue),
        "platform_revenue" => Ok(KpiSource::PlatformRevenue),
        "series" => {
            let values = m.get("values").and_then(Value::as_array).ok_or_else(|| {
                ApiError::field(
                    "kpi.values",
                    "a series needs its values: [{\"date\", \"value\"}]",
                )
            })?;
            if values.len() > MAX_SERIES_DAYS {
                return Err(ApiError::field(
                    "kpi.values",
                    format!("at most {MAX_SERIES_DAYS} days"),
                ));
            }
            let mut out: Vec<(NaiveDate, f64)> = Vec::with_capacity(values.len());
            for (i, item) in values.iter().enumerate() {
                let path = format!("kpi.values[{i}]");
                object(item, &path, &["date", "value"])?;
                let date = day(
                    &format!("{path}.date"),
                    text(&item["date"], &format!("{path}.date"))?,
                )?;
                let value = amount(&item["value"], &format!("{path}.value"), false)?;
                if out.iter().any(|(d, _)| *d == date) {
                    return Err(ApiError::field(
                        format!("{path}.date"),
                        format!("{date} is given twice"),
                    ));
                }
                out.push((date, value));
            }
            out.sort_by_key(|(d, _)| *d);
            Ok(KpiSource::Series(out))
        }
        other => Err(ApiError::field(
            "kpi.source",
            format!(
                "unknown KPI source {other:?}; expected ga4_revenue, platform_revenue or series"
            ),
        )),
    }
}

fn experiments(v: Option<&Value>) -> ApiResult<Vec<Experiment>> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let items = v
        .as_array()
        .ok_or_else(|| ApiError::field("experiments", "expected a list"))?;
    let mut out = Vec::with_capacity(items.len());
    for (i, e) in items.iter().enumerate() {
        let path = |k: &str| format!("experiments[{i}].{k}");
        object(
            e,
            &format!("experiments[{i}]"),
            &["channel", "from", "to", "lift", "lift_se", "spend"],
        )?;
        let lift_se = amount(&e["lift_se"], &path("lift_se"), false)?;
        if lift_se <= 0.0 {
            return Err(ApiError::field(path("lift_se"), "must be above 0"));
        }
        out.push(Experiment {
            row: i + 1,
            channel: text(&e["channel"], &path("channel"))?.trim().to_owned(),
            from: day(&path("from"), text(&e["from"], &path("from"))?)?,
            to: day(&path("to"), text(&e["to"], &path("to"))?)?,
            lift: amount(&e["lift"], &path("lift"), true)?,
            lift_se,
            spend: match &e["spend"] {
                Value::Null => None,
                s => {
                    let spend: rust_decimal::Decimal = match s {
                        Value::Number(n) => n.to_string().parse().ok(),
                        Value::String(t) => t.trim().parse().ok(),
                        _ => None,
                    }
                    .ok_or_else(|| ApiError::field(path("spend"), "expected an amount"))?;
                    if spend.is_sign_negative() && !spend.is_zero() {
                        return Err(ApiError::field(path("spend"), "must not be below zero"));
                    }
                    Some(spend)
                }
            },
        });
    }
    Ok(out)
}

/// The body as the app's command.
pub fn command(body: &Value) -> ApiResult<MmmCommand> {
    let Value::Object(m) = body else {
        return Err(ApiError::field("$", "expected an object"));
    };
    const KNOWN: [&str; 7] = [
        "campaigns",
        "kpi",
        "from",
        "to",
        "draws",
        "seed",
        "experiments",
    ];
    if let Some(other) = m.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(ApiError::field(
            other,
            format!("unknown field (expected {})", KNOWN.join(", ")),
        ));
    }
    let campaigns = match m.get("campaigns") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(ids)) => ids
            .iter()
            .enumerate()
            .map(|(i, id)| text(id, &format!("campaigns[{i}]")).map(CampaignId::new))
            .collect::<ApiResult<_>>()?,
        Some(_) => {
            return Err(ApiError::field(
                "campaigns",
                "expected a list of campaign ids",
            ));
        }
    };
    let optional_day = |k: &str| -> ApiResult<Option<NaiveDate>> {
        match m.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => day(k, text(v, k)?).map(Some),
        }
    };
    let whole = |k: &str, default: u64, max: u64| -> ApiResult<u64> {
        match m.get(k) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v.as_u64().filter(|n| *n <= max).ok_or_else(|| {
                let least = if k == "draws" { 10 } else { 0 };
                ApiError::field(k, format!("expected a whole number from {least} to {max}"))
            }),
        }
    };
    let draws = whole("draws", 500, MAX_DRAWS)?;
    if draws < 10 {
        return Err(ApiError::field("draws", "at least 10 draws"));
    }
    Ok(MmmCommand {
        campaigns,
        kpi: kpi(m.get("kpi"))?,
        from: optional_day("from")?,
        to: optional_day("to")?,
        draws: usize::try_from(draws).unwrap_or(500),
        seed: whole("seed", 0, u64::MAX)?,
        experiments: experiments(m.get("experiments"))?,
    })
}

/// A run on the wire.
pub fn run_json(run: &Run, with_result: bool) -> Value {
    let s = &run.stored;
    let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
    let mut m = Map::new();
    m.insert("id".into(), json!(s.id));
    m.insert("created_at".into(), json!(s.created_at.to_rfc3339()));
    m.insert(
        "campaigns".into(),
        json!(
            s.campaigns
                .iter()
                .map(CampaignId::as_str)
                .collect::<Vec<_>>()
        ),
    );
    m.insert("data_version".into(), json!(s.data_version));
    m.insert("current".into(), json!(run.current));
    m.insert("request".into(), parse(&s.request));
    if with_result {
        m.insert("result".into(), parse(&s.result));
    }
    Value::Object(m)
}

/// Fits a marketing-mix model over the organisation's stored data and keeps the run. Body (all
/// optional): `campaigns` [ids] (default all; one currency), `kpi` {`source`: ga4_revenue
/// (default) | platform_revenue | series, `values`: [{date, value}] for a series}, `from`/`to`
/// (default the days with spend), `draws` (10–5000, default 500), `seed`, `experiments`
/// [{channel, from, to, lift, lift_se, spend}]. Channels are the ad platforms and named offline
/// channels with spend; a `series` is revenue in the campaigns' currency. With GA4 revenue, a
/// campaign without any over the window is left out. The answer is the run with its `result`:
/// the contract's document plus `left_out` [{campaign, name}], `curves`, `decomposition` and
/// `comparison` (platform-reported and attributed per platform).
#[utoipa::path(post, path = "/api/mmm", tag = "mmm", request_body = Object,
    responses((status = 201, body = Object), (status = 422, description = "A field named by its JSON path")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let cmd = command(&body)?;
    let run = spendlens_app::mmm::run(&state.context(), &caller.0.org_id, cmd).await?;
    Ok((StatusCode::CREATED, Json(run_json(&run, true))))
}

/// The organisation's model runs, newest first (without their results).
#[utoipa::path(get, path = "/api/mmm", tag = "mmm", responses((status = 200, body = Object)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let runs = spendlens_app::mmm::runs(state.store.as_ref(), &caller.0.org_id).await?;
    Ok(Json(json!({
        "runs": runs.iter().map(|r| run_json(r, false)).collect::<Vec<_>>()
    })))
}

/// One model run with its result; `current` false once a campaign it rests on changed.
#[utoipa::path(get, path = "/api/mmm/{id}", tag = "mmm", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let run = spendlens_app::mmm::run_of(state.store.as_ref(), &caller.0.org_id, &id)
        .await
        .map_err(|e| match e {
            spendlens_app::AppError::NotFound => ApiError::NotFound("model run"),
            other => other.into(),
        })?;
    Ok(Json(run_json(&run, true)))
}

/// Fits an out-of-date run again with its own request (campaigns, KPI, window, draws, seed, lift
/// tests) on today's data: a new run, answered as `POST /api/mmm` answers; the old one is kept.
/// 422 on `run` while the run is current (its figures would not change) or when it explained an
/// uploaded KPI series, whose values are not kept.
#[utoipa::path(post, path = "/api/mmm/{id}/run-again", tag = "mmm", params(("id" = String, Path)),
    responses((status = 201, body = Object), (status = 404), (status = 422, description = "The run cannot be run again, on `run`")))]
pub async fn run_again(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let run = spendlens_app::mmm::refresh::run_again(&state.context(), &caller.0.org_id, &id)
        .await
        .map_err(|e| match e {
            spendlens_app::AppError::NotFound => ApiError::NotFound("model run"),
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(run_json(&run, true))))
}
