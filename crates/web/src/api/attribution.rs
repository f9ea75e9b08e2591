//! Multi-touch attribution: touchpoint uploads per organisation, a campaign's attribution per
//! channel (with spend and ROAS), the model comparison and its chart, and the model a campaign's
//! ROI uses. The rules (window, channel ↔ platform) live in `spendlens_app::attribution`.

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, SecondsFormat};
use serde_json::{Map, Value, json};
use spendlens_app::attribution::{
    ChannelAttribution, ChannelLine, ModelLines, Models, attributed_by_channel, campaign_model,
    conversion_share_pct, window_of,
};
use spendlens_app::labels::Label;
use spendlens_app::touchpoints::{self, TouchpointFailure};
use spendlens_attribution::{MarkovOrder, Model, Problem, codec};
use spendlens_contract::json::{ratio, two_decimals};
use spendlens_core::campaign::CampaignId;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, FieldProblem};
use crate::json_body::JsonBody;
use crate::query::Params;
use crate::state::AppState;
use crate::upload::{Fields, Others, multipart, read_file_field};

/// Largest touchpoint upload accepted; the reader also stops at
/// `spendlens_attribution::read::MAX_TOUCHPOINT_ROWS` rows.
pub const MAX_TOUCHPOINT_BYTES: usize = 64 * 1024 * 1024;

/// A file problem as the API shows it: `row 3, column 2 (timestamp): ...` (rows are lines of
/// the file; the header is row 1).
fn row_problem(p: &Problem) -> FieldProblem {
    let mut message = format!("row {}", p.line);
    if let Some(column) = p.column {
        message.push_str(&format!(", column {column}"));
        if let Some(name) = &p.column_name {
            message.push_str(&format!(" ({name})"));
        }
    }
    message.push_str(&format!(": {}", p.message));
    FieldProblem {
        field: "file".to_owned(),
        message,
    }
}

/// The `order` parameter: the engine's reading of an order, default first order.
fn parse_order(query: &Params) -> ApiResult<MarkovOrder> {
    query
        .text("order")
        .map_or(Ok(MarkovOrder::default()), MarkovOrder::parse)
        .map_err(|m| ApiError::field("order", m))
}

pub(crate) fn parse_model(field: &str, text: &str) -> ApiResult<Model> {
    text.parse::<Model>().map_err(|_| {
        ApiError::field(
            field,
            format!(
                "unknown model \"{text}\": expected one of {}",
                Model::ALL.map(Model::name).join(", ")
            ),
        )
    })
}

fn rfc3339(nanos: i64) -> String {
    DateTime::from_timestamp_nanos(nanos).to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A touchpoint upload's failure as the API answers it: each refused row as a problem of `file`.
impl From<TouchpointFailure> for ApiError {
    fn from(e: TouchpointFailure) -> Self {
        match e {
            TouchpointFailure::Rows(problems) => {
                ApiError::Validation(problems.iter().map(row_problem).collect())
            }
            TouchpointFailure::File(m) => ApiError::field("file", m),
            TouchpointFailure::TooLarge(m) => ApiError::TooLarge(m),
            TouchpointFailure::Store(s) => s.into(),
            TouchpointFailure::Task(m) => ApiError::Internal(format!("touchpoint parse task: {m}")),
        }
    }
}

/// Imports touchpoints for the caller's organisation from a CSV in the attribution contract's
/// touchpoint format (`journey_id,timestamp,event,channel,value`) or an event log shaped like the
/// public attribution data sets (`cookie` or `customer_id`, `time`, `interaction` impression or
/// conversion, `conversion`, `conversion_value`, `channel`), detected from the header, with an
/// optional `campaign_id` column; rows in any order. Rows are upserted on journey + time +
/// event, so re-uploading a file changes nothing; a bad row rejects the whole file, naming row
/// and column, and nothing is written. `?dry_run=true` answers the same counts without writing.
/// A ChannelAttribution path file has no dates: it is refused here, and attributed by
/// `POST /api/attribution/paths`.
#[utoipa::path(post, path = "/api/attribution/touchpoints", tag = "attribution",
    params(("dry_run" = Option<bool>, Query)),
    request_body(content_type = "multipart/form-data", description = "`file`: touchpoint CSV `journey_id,timestamp,event,channel,value[,campaign_id]`, or an event log `cookie|customer_id,time,interaction,conversion,conversion_value,channel[,campaign_id]`"),
    responses((status = 201, description = "Imported: counts inserted/updated/unchanged, journeys, date range", body = Object),
              (status = 200, description = "Dry run", body = Object), (status = 401), (status = 413),
              (status = 422, description = "Problems with row and column")))]
pub async fn import_touchpoints(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<Params>,
    request: Request,
) -> ApiResult<Response> {
    // The caller is authenticated (the extractor above) before a byte of the body is read.
    let dry_run = query.flag("dry_run")?;
    let _slot = state.upload_gate.enter(caller.0.org_id.as_str()).await?;
    let multipart = multipart(request, &state).await?;
    let fields = Fields {
        texts: &[],
        files: &[],
        others: Others::Refuse("file"),
    };
    let file = read_file_field(multipart, MAX_TOUCHPOINT_BYTES, fields)
        .await?
        .file
        .ok_or_else(|| ApiError::field("file", "missing: upload the CSV in the field `file`"))?;
    let file_name = file.name.unwrap_or_else(|| "touchpoints.csv".to_owned());
    let bytes = file.bytes;
    let outcome = touchpoints::import(
        &state.context(),
        &caller.0.org_id,
        file_name,
        bytes,
        dry_run,
    )
    .await?;
    let body = json!({
        "import_id": outcome.import_id,
        "dry_run": dry_run,
        "content_hash": outcome.content_hash,
        "rows": outcome.rows,
        "inserted": outcome.counts.inserted,
        "updated": outcome.counts.updated,
        "unchanged": outcome.counts.unchanged,
        "journeys": outcome.journeys,
        "touches": outcome.rows - outcome.conversions,
        "conversions": outcome.conversions,
        "first_at": outcome.first_at.map(rfc3339),
        "last_at": outcome.last_at.map(rfc3339),
    });
    let status = if dry_run {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(body)).into_response())
}

/// Attributes an uploaded file as a whole and stores nothing: a ChannelAttribution path file
/// (`path;total_conversions;total_conversion_value;total_null`, `;` or `,` separated; value and
/// null columns optional), touchpoints or an event log, detected from the header. The answer is
/// what `spendlens attribute` prints for the same file: one model's object, or with `model=all`
/// (the default) `{"models": {...}}` (time decay only when the file has times). A path file
/// has no dates, so it cannot be stored as touchpoints; this is where it is attributed.
#[utoipa::path(post, path = "/api/attribution/paths", tag = "attribution",
    params(("model" = Option<String>, Query, description = "first_touch, last_touch, linear, position_based, time_decay, markov, shapley, shapley_ordered, or all (default)"),
           ("order" = Option<String>, Query, description = "Markov order 1-4 or auto (default 1)")),
    request_body(content_type = "multipart/form-data", description = "`file`: a path file, touchpoints or an event log"),
    responses((status = 200, description = "The attribution contract's result for the file", body = Object),
              (status = 401), (status = 413), (status = 422, description = "Problems with row and column, or a model the file cannot serve")))]
pub async fn attribute_paths(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<Params>,
    request: Request,
) -> ApiResult<Response> {
    // The caller is authenticated (the extractor above) before a byte of the body is read.
    let model = match query.text("model") {
        None | Some("all") => None,
        Some(text) => Some(parse_model("model", text)?),
    };
    let order = parse_order(&query)?;
    // Reading and attributing a file costs memory: one upload at a time, as every upload route.
    let _slot = state.upload_gate.enter(caller.0.org_id.as_str()).await?;
    let multipart = multipart(request, &state).await?;
    let fields = Fields {
        texts: &[],
        files: &[],
        others: Others::Refuse("file"),
    };
    let file = read_file_field(multipart, MAX_TOUCHPOINT_BYTES, fields)
        .await?
        .file
        .ok_or_else(|| ApiError::field("file", "missing: upload the file in the field `file`"))?;
    let results = touchpoints::attribute_file(file.bytes, model, order).await?;
    let encoded = match (model, results.first()) {
        (None, _) => codec::encode_all(&results),
        (Some(_), Some(one)) => codec::encode_one(one),
        (Some(_), None) => return Err(ApiError::Internal("no result was produced".into())),
    }
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        encoded,
    )
        .into_response())
}

fn channel_json(line: &ChannelLine, total_conversions: f64) -> Value {
    json!({
        "channel": line.channel,
        "platform": line.platform.map(|p| p.as_str()),
        "conversions": line.conversions,
        "revenue": two_decimals(line.revenue),
        "share_pct": conversion_share_pct(line.conversions, total_conversions).map_or(Value::Null, ratio),
        "spend": line.spend.map(two_decimals),
        "roas": line.roas.map(ratio),
    })
}

/// One model's object: totals, channels with spend and ROAS, and the per-platform roll-up.
fn model_json(lines: &ModelLines, found: &ChannelAttribution) -> Value {
    let r = &lines.result;
    let platforms: Vec<Value> = lines
        .platforms(&found.spend)
        .iter()
        .map(|p| {
            json!({
                "platform": p.platform.as_str(),
                "channels": p.channels,
                "conversions": p.conversions,
                "revenue": two_decimals(p.revenue),
                "spend": two_decimals(p.spend),
                "roas": p.roas.map(ratio),
            })
        })
        .collect();
    let mut body = json!({
        "model": r.model.name(),
        "total_conversions": r.total_conversions,
        "total_revenue": two_decimals(r.total_value),
        "unattributed": {
            "conversions": r.unattributed_conversions,
            "revenue": two_decimals(r.unattributed_value),
        },
        "channels": lines.channels.iter().map(|c| channel_json(c, r.total_conversions)).collect::<Vec<_>>(),
        "platforms": platforms,
    });
    if let Some(markov) = &r.markov {
        body["order"] = json!(markov.order);
        body["conversion_probability"] = json!(markov.conversion_probability);
        body["removal_effects"] = Value::Object(
            r.channels
                .iter()
                .filter_map(|c| c.removal_effect.map(|e| (c.channel.clone(), json!(e))))
                .collect::<Map<String, Value>>(),
        );
    }
    if let Some(days) = r.half_life_days {
        body["half_life_days"] = json!(days);
    }
    body
}

/// The comparison table: per channel, every model's conversions, revenue and ROAS.
fn comparison_json(found: &ChannelAttribution) -> Value {
    let Some(first) = found.models.first() else {
        return json!([]);
    };
    let rows: Vec<Value> = first
        .channels
        .iter()
        .enumerate()
        .map(|(k, line)| {
            let models: Map<String, Value> = found
                .models
                .iter()
                .filter_map(|m| {
                    let c = m.channels.get(k)?;
                    Some((
                        m.result.model.name().to_owned(),
                        json!({"conversions": c.conversions, "revenue": two_decimals(c.revenue), "roas": c.roas.map(ratio)}),
                    ))
                })
                .collect();
            json!({
                "channel": line.channel,
                "platform": line.platform.map(|p| p.as_str()),
                "spend": line.spend.map(two_decimals),
                "models": models,
            })
        })
        .collect();
    json!(rows)
}

/// The window of a request (query `from`/`to`, defaulting to the campaign's dates up to today in
/// its time zone).
pub(crate) async fn window(
    state: &AppState,
    caller: &Caller,
    id: &str,
    query: &Params,
) -> ApiResult<(spendlens_core::campaign::Campaign, NaiveDate, NaiveDate)> {
    let campaign = state.campaign(&caller.0.org_id, id).await?;
    let from = query.day("from")?;
    let to = query.day("to")?;
    let today = spendlens_app::today_in(state.clock.now(), &campaign.spec.time_zone);
    let (from, to) = window_of(&campaign, today, from, to)?;
    Ok((campaign, from, to))
}

/// A campaign's attribution per channel: attributed conversions and revenue, the channel's spend
/// over the same dates and ROAS (revenue / spend; null without spend). `model` defaults to the
/// campaign's model; `model=all` runs every model and adds the comparison table.
#[utoipa::path(get, path = "/api/campaigns/{id}/attribution", tag = "attribution",
    params(("id" = String, Path),
           ("model" = Option<String>, Query, description = "first_touch, last_touch, linear, position_based, time_decay, markov, shapley, shapley_ordered, or all; default the campaign's model"),
           ("order" = Option<String>, Query, description = "Markov order 1-4 or auto (default 1)"),
           ("from" = Option<String>, Query, description = "YYYY-MM-DD; default the campaign's start"),
           ("to" = Option<String>, Query, description = "YYYY-MM-DD; default the earlier of its end and today")),
    responses((status = 200, description = "Attribution per channel with spend and ROAS", body = Object),
              (status = 404), (status = 422)))]
pub async fn campaign_attribution(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<Params>,
) -> ApiResult<Json<Value>> {
    let (campaign, from, to) = window(&state, &caller, &id, &query).await?;
    let org = &caller.0.org_id;
    let models = match query.0.get("model").map(String::as_str) {
        None | Some("") => {
            Models::One(campaign_model(state.store.as_ref(), org, &campaign.id).await?)
        }
        Some("all") => Models::All,
        Some(name) => Models::One(parse_model("model", name)?),
    };
    let order = parse_order(&query)?;
    let found = attributed_by_channel(
        state.store.as_ref(),
        org,
        &campaign.id,
        models,
        order,
        from,
        to,
    )
    .await?;
    let mut body = json!({
        "campaign_id": campaign.id.to_string(),
        "from": from.to_string(),
        "to": to.to_string(),
        "currency": found.currency,
        "journeys": found.journeys,
        "set_aside": found.set_aside.as_ref().map(|a| json!({
            "journeys": a.journeys,
            "shared_platforms": a.shared.iter().map(|(p, others)| json!({"platform": p.as_str(), "campaigns": others})).collect::<Vec<_>>(),
            "message": a.sentence(),
        })),
        "spend": found.spend.iter().map(|(p, s)| json!({"platform": p.as_str(), "spend": two_decimals(*s)})).collect::<Vec<_>>(),
    });
    match models {
        Models::All => {
            body["model"] = json!("all");
            body["models"] = Value::Object(
                found
                    .models
                    .iter()
                    .map(|m| (m.result.model.name().to_owned(), model_json(m, &found)))
                    .collect(),
            );
            body["comparison"] = comparison_json(&found);
        }
        Models::One(_) => {
            if let (Some(one), Value::Object(out)) = (found.models.first(), &mut body)
                && let Value::Object(fields) = model_json(one, &found)
            {
                out.extend(fields);
            }
        }
    }
    Ok(Json(body))
}

/// The model comparison drawn as a grouped bar chart (revenue per channel and model).
pub(crate) fn comparison_chart_of(
    found: &ChannelAttribution,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<spendlens_report::Chart> {
    let categories: Vec<String> = found
        .models
        .first()
        .map(|m| m.channels.iter().map(|c| c.channel.clone()).collect())
        .unwrap_or_default();
    let series: Vec<spendlens_report::chart::BarSeries> = found
        .models
        .iter()
        .map(|m| spendlens_report::chart::BarSeries {
            name: m.result.model.label().to_owned(),
            values: m.channels.iter().map(|c| c.revenue).collect(),
        })
        .collect();
    let title = format!(
        "Attributed revenue by channel and model, {} – {}",
        crate::ui::format::date(from),
        crate::ui::format::date(to)
    );
    spendlens_report::chart::grouped_bar_chart(&title, &categories, &series, &found.currency)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// The model comparison as an SVG grouped bar chart: revenue credited to each channel by every
/// model, with a `<title>` and `<desc>` text alternative.
#[utoipa::path(get, path = "/api/campaigns/{id}/attribution/chart.svg", tag = "attribution",
    params(("id" = String, Path), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, description = "image/svg+xml", content_type = "image/svg+xml", body = String),
              (status = 404), (status = 422)))]
pub async fn comparison_chart(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<Params>,
) -> ApiResult<Response> {
    let (campaign, from, to) = window(&state, &caller, &id, &query).await?;
    let found = attributed_by_channel(
        state.store.as_ref(),
        &caller.0.org_id,
        &campaign.id,
        Models::All,
        parse_order(&query)?,
        from,
        to,
    )
    .await?;
    let chart = comparison_chart_of(&found, from, to)?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        chart.svg,
    )
        .into_response())
}

fn model_body(model: Model, set: bool) -> Value {
    json!({"model": model.name(), "default": !set})
}

/// The attribution model a campaign's ROI takes its attributed revenue from (default
/// `last_touch`).
#[utoipa::path(get, path = "/api/campaigns/{id}/attribution-model", tag = "attribution",
    params(("id" = String, Path)),
    responses((status = 200, description = "`{\"model\", \"default\"}`", body = Object), (status = 404)))]
pub async fn get_model(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let set = state
        .store
        .attribution_model(&caller.0.org_id, &campaign.id)
        .await?
        .is_some();
    let model = campaign_model(state.store.as_ref(), &caller.0.org_id, &campaign.id).await?;
    Ok(Json(model_body(model, set)))
}

/// Sets the attribution model of a campaign: `{"model": "linear"}`; the campaign's ROI then rests
/// on revenue attributed by it (its revenue basis becomes `attribution`, see
/// `/api/campaigns/{id}/revenue-basis`).
#[utoipa::path(put, path = "/api/campaigns/{id}/attribution-model", tag = "attribution",
    params(("id" = String, Path)), request_body(content = Object, description = "`{\"model\": \"markov\"}`"),
    responses((status = 200, body = Object), (status = 404), (status = 422)))]
pub async fn put_model(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let Value::Object(fields) = &body else {
        return Err(ApiError::field("$", "expected an object {\"model\": ...}"));
    };
    if let Some(other) = fields.keys().find(|k| k.as_str() != "model") {
        return Err(ApiError::field(other, "unknown field (expected model)"));
    }
    let model = match fields.get("model") {
        Some(Value::String(name)) => parse_model("model", name)?,
        Some(_) => return Err(ApiError::field("model", "expected a string")),
        None => return Err(ApiError::field("model", "missing")),
    };
    spendlens_app::attribution::set_model(
        &state.context(),
        &caller.0.org_id,
        &CampaignId::new(campaign.id.as_str()),
        model,
    )
    .await?;
    Ok(Json(model_body(model, true)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn channel_names_keep_their_platform_in_the_wire_form() {
        assert_eq!(
            spendlens_app::attribution::channel_platform("Facebook").map(|p| p.as_str()),
            Some("meta")
        );
    }
}
