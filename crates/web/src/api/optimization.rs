//! The Budget Optimization Engine over HTTP: the seed-shaped plan of a campaign, and its response
//! curves as a chart. The use case is `spendlens_app::optimization::optimize_campaign`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};
use spendlens_app::optimization::{
    self as rules, Grouped, Optimization, OptimizationRequest, optimize_campaign,
};
use spendlens_contract::Problems;
use spendlens_contract::json::{ObjectReader, decimal, parse_document};
use spendlens_core::campaign::CampaignId;
use spendlens_optimize::FitOptions;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::query::Params;
use crate::state::AppState;

/// Records a field rule's outcome: the value, or the problem under `path`.
fn rule<T>(
    path: impl Into<String>,
    outcome: Result<T, String>,
    problems: &mut Problems,
) -> Option<T> {
    outcome.map_err(|m| problems.push(path, m)).ok()
}

/// A decimal read as the optimiser's number, then `check` (the app's rule of the field).
fn amount(
    path: &str,
    value: &Value,
    check: fn(f64) -> Result<f64, String>,
    problems: &mut Problems,
) -> Option<f64> {
    let d = decimal(path, value, problems)?;
    rule(path, check(d.to_f64().unwrap_or(0.0)), problems)
}

/// Reads the request body (every field optional): its structure here, with a JSON path per
/// problem, and each field's rule from `spendlens_app::optimization` where the field is read, so
/// the problems come back in the body's order.
pub(crate) fn parse_request(body: &Value) -> Result<OptimizationRequest, ApiError> {
    let mut problems = Problems::default();
    let mut out = OptimizationRequest::default();
    let Some(mut r) = ObjectReader::new("", body, &mut problems) else {
        return Err(problems.into());
    };
    out.total_budget = r.decimal("total_budget", &mut problems);
    out.from = r.date("from", &mut problems);
    out.to = r.date("to", &mut problems);
    out.weeks = r.count("weeks", &mut problems);
    if let Some(w) = out.weeks {
        rule("weeks", rules::weeks(w), &mut problems);
    }
    rule("weeks", rules::period(out.to, out.weeks), &mut problems);
    if let Some(v) = r.get("history")
        && let Some(mut h) = ObjectReader::new("history", v, &mut problems)
    {
        out.history_from = h.date("from", &mut problems);
        out.history_to = h.date("to", &mut problems);
        h.finish(&mut problems);
        if let Err((field, message)) = rules::history_ends(out.history_from, out.history_to) {
            problems.push(field, message);
        }
    }
    out.objective = r
        .string("objective", &mut problems)
        .and_then(|code| rule("objective", rules::objective(code), &mut problems));
    if let Some(v) = r.get("ltv") {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    let path = format!("ltv.{k}");
                    let channel = rule(&path, rules::channel_key(k), &mut problems);
                    let value = amount(&path, v, rules::positive, &mut problems);
                    if let (Some(p), Some(l)) = (channel, value) {
                        out.ltv.insert(p, l);
                    }
                }
            }
            _ => problems.push("ltv", "expected an object {\"meta\": 120}"),
        }
    }
    if let Some(v) = r.get("bounds") {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    let path = format!("bounds.{k}");
                    let Some(p) = rule(&path, rules::channel_key(k), &mut problems) else {
                        continue;
                    };
                    let Some(mut b) = ObjectReader::new(&path, v, &mut problems) else {
                        continue;
                    };
                    let min = b.decimal("min", &mut problems).and_then(|d| d.to_f64());
                    let max = b.decimal("max", &mut problems).and_then(|d| d.to_f64());
                    b.finish(&mut problems);
                    rule(
                        format!("{path}.min"),
                        rules::bounds(min, max),
                        &mut problems,
                    );
                    out.bounds.insert(p, (min, max));
                }
            }
            _ => problems.push(
                "bounds",
                "expected an object {\"meta\": {\"min\": \"100\", \"max\": \"900\"}}",
            ),
        }
    }
    if let Some(v) = r.get("frozen") {
        match v {
            Value::Array(list) => {
                for (i, item) in list.iter().enumerate() {
                    // A value that is not a string names no platform.
                    let id = item.as_str().unwrap_or_default();
                    if let Some(p) = rule(
                        format!("frozen[{i}]"),
                        rules::listed_channel(id),
                        &mut problems,
                    ) {
                        out.frozen.push(p);
                    }
                }
            }
            _ => problems.push("frozen", "expected an array of platform ids"),
        }
    }
    if let Some(v) = r.get("groups") {
        let mut grouped = Grouped::default();
        match v {
            Value::Array(list) => {
                for (i, item) in list.iter().enumerate() {
                    let path = format!("groups[{i}]");
                    let Some(obj) = item.as_object() else {
                        problems.push(
                            &path,
                            "expected {\"name\", \"channels\": [platform], \"max\"}",
                        );
                        continue;
                    };
                    if let Some(k) = obj
                        .keys()
                        .find(|k| !matches!(k.as_str(), "name" | "channels" | "max"))
                    {
                        problems.push(format!("{path}.{k}"), "unknown field");
                    }
                    let name = rules::group_name(obj.get("name").and_then(Value::as_str), i);
                    let mut members = Vec::new();
                    match obj.get("channels") {
                        Some(Value::Array(chs)) if !chs.is_empty() => {
                            for (j, ch) in chs.iter().enumerate() {
                                let at = format!("{path}.channels[{j}]");
                                let id = ch.as_str().unwrap_or_default();
                                if let Some(p) = rule(&at, rules::listed_channel(id), &mut problems)
                                {
                                    rule(&at, grouped.add(p), &mut problems);
                                    members.push(p);
                                }
                            }
                        }
                        _ => problems
                            .push(format!("{path}.channels"), rules::GROUP_CHANNELS_EXPECTED),
                    }
                    let max = match obj.get("max") {
                        Some(m) => {
                            amount(&format!("{path}.max"), m, rules::positive, &mut problems)
                        }
                        None => {
                            problems.push(format!("{path}.max"), "missing");
                            None
                        }
                    };
                    if let Some(max) = max {
                        out.groups.push((name, members, max));
                    }
                }
            }
            _ => problems.push("groups", "expected an array of {name, channels, max}"),
        }
    }
    if let Some(code) = r.string("spend_range", &mut problems)
        && let Some(range) = rule("spend_range", rules::spend_range(code), &mut problems)
    {
        out.spend_range = range;
    }
    let mmm_run = r.string("mmm_run", &mut problems).map(str::to_owned);
    let code = r.string("curves", &mut problems).map(str::to_owned);
    if code.is_some() || mmm_run.is_some() {
        let code = code.unwrap_or_else(|| "mmm".to_owned());
        if let Some(curves) = rule(
            "curves",
            rules::curves(&code, mmm_run.as_deref()),
            &mut problems,
        ) {
            out.curves = curves;
        }
    }
    out.ramp_limit = r
        .get("ramp_limit")
        .and_then(|v| amount("ramp_limit", v, rules::positive, &mut problems));
    out.max_weekly_shift = r
        .get("max_weekly_shift")
        .and_then(|v| amount("max_weekly_shift", v, rules::share, &mut problems));
    r.finish(&mut problems);
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems.into())
    }
}

pub(crate) async fn run(
    state: &AppState,
    caller: &Caller,
    id: &str,
    request: &OptimizationRequest,
) -> ApiResult<Optimization> {
    // Access first: another organisation's campaign is a 404 before any work.
    let campaign = state.campaign(&caller.0.org_id, id).await?;
    let today = spendlens_app::today_in(state.clock.now(), &campaign.spec.time_zone);
    Ok(optimize_campaign(
        state.store.as_ref(),
        &caller.0.org_id,
        &CampaignId::new(id),
        today,
        request,
        &FitOptions::default(),
    )
    .await?)
}

/// Splits the campaign's budget for a planned period across its ad platforms by response curves
/// fitted from its daily history (the last 365 days, or `history.from`..`history.to` for data
/// from earlier years): current and optimised allocation, expected improvement with a 90 %
/// interval over bootstrap draws (saying plainly when it includes a loss), risks in sentences,
/// and a week-by-week rollout moving at most `max_weekly_shift` (default 20 %) of the budget per
/// week. Cautious by default: each channel stays within 0.5×–1.5× of its recent spend and at
/// most 1.2× its highest daily spend, and a channel whose curve explains little (R² below 0.6)
/// or whose spend barely varied keeps its spend, saying why; `bounds` per channel or
/// `spend_range: "open"` widen that.
#[utoipa::path(post, path = "/api/campaigns/{id}/budget-optimization", tag = "optimization",
    params(("id" = String, Path)),
    request_body(content = Object, description = "All optional: `total_budget`, `from`/`to` or `weeks` (the planned period), `history` {from, to} (the days the curves are fitted on; default the last 365 days), `objective` (revenue, profit, ltv), `ltv` {platform: value}, `bounds` {platform: {min, max}} (replace the channel's default range), `spend_range` (observed: the default cautious range; open: any split), `frozen` [platform], `groups` [{name, channels: [platform], max}], `ramp_limit`, `max_weekly_shift` (0-1, default 0.2)"),
    responses((status = 200, description = "current_allocation, optimized_allocation, expected_improvement (with includes_loss and a summary sentence), risk_assessment (with sentences), implementation_timeline, caution (the default range's rules), channels (each channel's limits, hold reason, fit, CAC and LTV), seasonality", body = Object),
              (status = 404), (status = 422, description = "Bad field (JSON path), not enough history (field `history`), or a channel without conversion value (field `settings`)")))]
pub async fn budget_optimization(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    raw: Bytes,
) -> ApiResult<Json<Value>> {
    let request = if raw.iter().all(u8::is_ascii_whitespace) {
        OptimizationRequest::default()
    } else {
        let text = std::str::from_utf8(&raw)
            .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))?;
        parse_request(&parse_document(text)?)?
    };
    let found = run(&state, &caller, &id, &request).await?;
    Ok(Json(rules::document(&found)))
}

/// The response curves of the plan as SVG: expected response against spend over the planned
/// period per channel, with the current (circle) and optimised (triangle) spend marked, and a
/// `<title>`/`<desc>` text alternative. Query: `total_budget`, `from`, `to`, `weeks`, `objective`,
/// `spend_range`, `history_from`, `history_to` (the body's `history.from`/`history.to`).
#[utoipa::path(get, path = "/api/campaigns/{id}/budget-optimization/curves.svg", tag = "optimization",
    params(("id" = String, Path), ("total_budget" = Option<String>, Query), ("from" = Option<String>, Query),
           ("to" = Option<String>, Query), ("weeks" = Option<u64>, Query), ("objective" = Option<String>, Query),
           ("spend_range" = Option<String>, Query),
           ("history_from" = Option<String>, Query), ("history_to" = Option<String>, Query)),
    responses((status = 200, description = "image/svg+xml", content_type = "image/svg+xml", body = String),
              (status = 404), (status = 422)))]
pub async fn curves_chart(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(Params(query)): Query<Params>,
) -> ApiResult<Response> {
    let mut doc = serde_json::Map::new();
    for (key, value) in &query {
        let value = match key.as_str() {
            "weeks" => value
                .parse::<u64>()
                .map(|w| json!(w))
                .map_err(|_| ApiError::field("weeks", "expected a whole number of weeks"))?,
            "total_budget" | "from" | "to" | "objective" | "spend_range" | "curves" | "mmm_run" => {
                json!(value)
            }
            // The body's `history.from` / `history.to`.
            "history_from" | "history_to" => {
                let history = doc
                    .entry("history")
                    .or_insert_with(|| Value::Object(serde_json::Map::new()));
                if let Value::Object(h) = history {
                    h.insert(key.trim_start_matches("history_").to_owned(), json!(value));
                }
                continue;
            }
            other => {
                return Err(ApiError::field(
                    other,
                    "unknown parameter (total_budget, from, to, weeks, objective, spend_range, \
                     curves, mmm_run, history_from, history_to)",
                ));
            }
        };
        doc.insert(key.clone(), value);
    }
    let request = parse_request(&Value::Object(doc))?;
    let found = run(&state, &caller, &id, &request).await?;
    let curves = curve_series(&found)?;
    let title = format!(
        "Response curves, {} to {}",
        spendlens_core::dates::day(found.period.0),
        spendlens_core::dates::day(found.period.1)
    );
    let chart = spendlens_report::chart::response_curves_chart(
        &title,
        &curves,
        &found.campaign.spec.currency,
    )
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        chart.svg,
    )
        .into_response())
}

/// Each channel's period curve sampled from 0 to 1.5 × the larger of its two points; the two
/// points are the plan's own (its spend and expected response as the table shows them), so the
/// chart and its CSV never give another figure than the table's.
pub(crate) fn curve_series(
    o: &Optimization,
) -> ApiResult<Vec<spendlens_report::chart::CurveSeries>> {
    const SAMPLES: u32 = 48;
    let point = |list: &[spendlens_optimize::plan::ChannelAmount], i: usize| {
        list.get(i).map_or((0.0, 0.0), |a| {
            (
                a.spend.to_f64().unwrap_or(0.0),
                a.expected_response.to_f64().unwrap_or(0.0),
            )
        })
    };
    let mut out = Vec::with_capacity(o.platforms.len());
    for (i, platform) in o.platforms.iter().enumerate() {
        let curve = o
            .model
            .period_curve(i, &o.days)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let current = point(&o.plan.current_allocation, i);
        let optimized = point(&o.plan.optimized_allocation, i);
        let top = current.0.max(optimized.0).max(1.0) * 1.5;
        let points = (0..=SAMPLES)
            .map(|k| {
                let x = top * f64::from(k) / f64::from(SAMPLES);
                (x, curve.value(x))
            })
            .collect();
        out.push(spendlens_report::chart::CurveSeries {
            platform: *platform,
            points,
            current,
            optimized,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_named_by_its_path() {
        let body = json!({
            "total_budget": "-5", "weeks": 0, "objective": "clicks",
            "ltv": {"tiktok": 10, "meta": 0}, "bounds": {"meta": {"min": 10, "max": 5, "mid": 1}},
            "frozen": ["ga4"], "max_weekly_shift": 1.5, "colour": "blue"
        });
        let Err(ApiError::Validation(problems)) = parse_request(&body) else {
            panic!("expected problems");
        };
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        for want in [
            "total_budget",
            "weeks",
            "objective",
            "ltv.tiktok",
            "ltv.meta",
            "bounds.meta.mid",
            "bounds.meta.min",
            "frozen[0]",
            "max_weekly_shift",
            "colour",
        ] {
            assert!(fields.contains(&want), "{want} missing from {fields:?}");
        }
    }

    #[test]
    fn an_empty_object_takes_every_default() {
        assert_eq!(
            parse_request(&json!({})).ok(),
            Some(OptimizationRequest::default())
        );
    }
}
