//! Platform API connections: connect (OAuth consent, a pasted access token, or a Google
//! service-account key), status, sync now (with an optional backfill), disconnect, and the OAuth
//! callback. The work happens in `spendlens_app::connections`; this module parses requests and
//! shapes answers. Credentials are write-only: no answer ever contains them.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Value, json};
use spendlens_app::connections::{
    CONNECTABLE, ConnectDraft, ConnectRequest, ConnectionHealth, backfill_range,
};
use spendlens_app::labels::Label;
use spendlens_app::today_in;
use spendlens_connect::SecretString;
use spendlens_contract::Problems;
use spendlens_contract::json::ObjectReader;
use spendlens_store::Connection;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::json_body::JsonBody;
use crate::query::Params;
use crate::state::AppState;

/// A connection as the API shows it (never its credentials), with its health: `warnings` (an
/// API version near or past its sunset, the grant's end, what the last sync found, a quota
/// wait), `grant_expires_at`, `reauthorize_before` (30 days ahead of the grant's end) and
/// `next_attempt_after` (when a quota comes back).
pub fn connection_json(c: &Connection, health: &ConnectionHealth) -> Value {
    let options: Value = serde_json::from_str(&c.options).unwrap_or_else(|_| json!({}));
    json!({
        "id": c.id,
        "campaign_id": c.campaign_id.to_string(),
        "platform": c.platform.as_str(),
        "platform_name": c.platform.label(),
        "account_id": c.account_id,
        "auth": c.auth_kind,
        "options": options,
        "status": c.status.as_str(),
        "last_synced_date": c.last_synced_date.map(|d| d.to_string()),
        "last_sync_at": c.last_sync_at.map(|t| t.to_rfc3339()),
        "last_rows": c.last_rows,
        "last_error": c.last_error,
        "created_at": c.created_at.to_rfc3339(),
        "grant_expires_at": c.grant_expires_at.map(|t| t.to_rfc3339()),
        "reauthorize_before": health.reauthorize_before.map(|d| d.to_string()),
        "next_attempt_after": health.next_attempt_after.map(|t| t.to_rfc3339()),
        "warnings": health.warnings,
    })
}

/// [`connection_json`] with the health as of the server's "now".
fn view(state: &AppState, c: &Connection) -> Value {
    connection_json(c, &state.connections.health(c, state.clock.now()))
}

/// The platforms that can be connected, and how, on this server.
#[utoipa::path(get, path = "/api/connectors", tag = "connections",
    responses((status = 200, body = Object)))]
pub async fn connectors(State(state): State<AppState>, _caller: Caller) -> Json<Value> {
    let list: Vec<Value> = CONNECTABLE
        .iter()
        .map(|p| {
            let auth = state.connections.auth_kinds(*p);
            json!({"platform": p.as_str(), "name": p.label(), "auth": auth})
        })
        .collect();
    Json(json!({
        "connectors": list,
        "restatement_days": state.connections.settings().restatement_days,
    }))
}

/// A connect request's rules (`ConnectRequest::try_from`) after the problems its decoding
/// found: every problem, the decoding's first, or the request (the API and the connect form).
pub(crate) fn connect_request(
    draft: ConnectDraft,
    mut problems: Problems,
) -> ApiResult<ConnectRequest> {
    match ConnectRequest::try_from(draft) {
        Ok(request) if problems.is_empty() => Ok(request),
        Ok(_) => Err(problems.into()),
        Err(errors) => {
            for e in errors {
                problems.push(e.field, e.message);
            }
            Err(problems.into())
        }
    }
}

/// Decodes a connect body (every problem with its JSON key) into the app's request. Besides the
/// documented keys, a Meta connection may give `conversion_action_types` (a list, or one string
/// separated by commas): the action types read as conversions, such as custom conversions
/// (`offsite_conversion.custom.<id>`); without it, conversions follow each campaign's objective.
pub(crate) fn parse_request(body: &Value) -> ApiResult<ConnectRequest> {
    let mut problems = Problems::default();
    let Some(mut r) = ObjectReader::new("", body, &mut problems) else {
        return Err(problems.into());
    };
    let platform = r.string("platform", &mut problems).map(str::to_owned);
    let account_id = r.string("account_id", &mut problems).map(str::to_owned);
    let access_token = r
        .string("access_token", &mut problems)
        .map(SecretString::from);
    let service_account_key = match r.get("service_account_key") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(SecretString::from(s.as_str())),
        Some(v @ Value::Object(_)) => Some(SecretString::from(v.to_string())),
        Some(_) => {
            problems.push(
                "service_account_key",
                "expected the key file's JSON (an object or a string)",
            );
            None
        }
    };
    let range = r.string("range", &mut problems).map(str::to_owned);
    let login_customer_id = r
        .string("login_customer_id", &mut problems)
        .map(str::to_owned);
    let conversion_action_types = match r.get("conversion_action_types") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
        ),
        Some(_) => {
            problems.push(
                "conversion_action_types",
                "expected a list of Meta action types (strings)",
            );
            None
        }
    };
    r.finish(&mut problems);
    let draft = ConnectDraft {
        platform,
        account_id,
        access_token,
        service_account_key,
        range,
        login_customer_id,
        conversion_action_types,
    };
    connect_request(draft, problems)
}

/// Connects a platform account to the campaign. Without `access_token` or
/// `service_account_key` the connection uses OAuth: the answer's `authorize_url` is where to send
/// the user, and the connection is `pending` until the provider calls back.
#[utoipa::path(post, path = "/api/campaigns/{id}/connections", tag = "connections",
    params(("id" = String, Path)),
    request_body(content = Object, description = "`platform`, `account_id`, and `access_token` | `service_account_key` | neither (OAuth); `range` (Sheets), `login_customer_id` (Google Ads)"),
    responses((status = 201, body = Object), (status = 404), (status = 422), (status = 503, description = "No token encryption key or OAuth client configured")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let request = parse_request(&body)?;
    let created = state
        .connections
        .create(
            state.store.as_ref(),
            &caller.0.org_id,
            &campaign.id,
            request,
            state.clock.now(),
        )
        .await?;
    let mut out = view(&state, &created.connection);
    out["authorize_url"] = created
        .authorize_url
        .map_or(Value::Null, |u| Value::String(u.to_string()));
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// The campaign's connections.
#[utoipa::path(get, path = "/api/campaigns/{id}/connections", tag = "connections",
    params(("id" = String, Path)), responses((status = 200, body = Object), (status = 404)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let campaign = state.campaign(&caller.0.org_id, &id).await?;
    let all = state
        .store
        .connections(&caller.0.org_id, &campaign.id)
        .await?;
    Ok(Json(json!({
        "campaign_id": campaign.id.to_string(),
        "connections": all.iter().map(|c| view(&state, c)).collect::<Vec<_>>(),
    })))
}

async fn find(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Connection> {
    state
        .store
        .connection(&caller.0.org_id, id)
        .await?
        .ok_or(ApiError::NotFound("connection"))
}

/// One connection: status, last sync, last error.
#[utoipa::path(get, path = "/api/connections/{id}", tag = "connections",
    params(("id" = String, Path)), responses((status = 200, body = Object), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(view(&state, &find(&state, &caller, &id).await?)))
}

/// A new consent URL for an OAuth connection (pending, or needing re-authorisation).
#[utoipa::path(post, path = "/api/connections/{id}/authorize", tag = "connections",
    params(("id" = String, Path)), responses((status = 200, body = Object), (status = 404), (status = 422)))]
pub async fn authorize(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let connection = find(&state, &caller, &id).await?;
    let url = state
        .connections
        .authorize(state.store.as_ref(), &connection, state.clock.now())
        .await?;
    Ok(Json(json!({"authorize_url": url.to_string()})))
}

/// Syncs now: the days since the last sync plus the restatement window, or the days
/// `from`..=`to` (a backfill). All or nothing; a failure answers 502 with the platform's
/// reason, is recorded on the connection, and leaves the stored data as it was.
#[utoipa::path(post, path = "/api/connections/{id}/sync", tag = "connections",
    params(("id" = String, Path), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = Object), (status = 404), (status = 409), (status = 422), (status = 502)))]
pub async fn sync(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<Params>,
) -> ApiResult<Json<Value>> {
    let connection = find(&state, &caller, &id).await?;
    let campaign = state
        .campaign(&caller.0.org_id, connection.campaign_id.as_str())
        .await?;
    let now = state.clock.now();
    let range = backfill_range(
        query.day("from")?,
        query.day("to")?,
        today_in(now, &campaign.spec.time_zone),
    )?;
    let report = state
        .connections
        .sync(state.store.as_ref(), &connection, range, now)
        .await?;
    let after = find(&state, &caller, &id).await?;
    Ok(Json(json!({
        "connection": view(&state, &after),
        "date_from": report.range.map(|r| r.start().to_string()),
        "date_to": report.range.map(|r| r.end().to_string()),
        "rows": report.rows,
        "inserted": report.counts.inserted,
        "updated": report.counts.updated,
        "unchanged": report.counts.unchanged,
        "removed": report.counts.removed,
    })))
}

/// Disconnects: the connection and its credentials are deleted; the rows it synced stay.
#[utoipa::path(delete, path = "/api/connections/{id}", tag = "connections",
    params(("id" = String, Path)), responses((status = 204), (status = 404)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if state.store.delete_connection(&caller.0.org_id, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("connection"))
    }
}

/// Where the OAuth provider sends the user back. The state must be one this server issued for a
/// connection of the signed-in user's organisation, and is used once. Redirects to the
/// campaign's connections page with the outcome.
#[utoipa::path(get, path = "/api/oauth/callback", tag = "connections",
    params(("state" = String, Query), ("code" = Option<String>, Query), ("error" = Option<String>, Query)),
    responses((status = 303, description = "To the campaign's connections page"), (status = 400)))]
pub async fn oauth_callback(
    State(state): State<AppState>,
    caller: Caller,
    Query(Params(query)): Query<Params>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let oauth_state = query.get("state").map(String::as_str).unwrap_or_default();
    if let Some(error) = query.get("error") {
        // The user declined (or the provider failed): recorded on the connection.
        let refused = state
            .connections
            .refuse_oauth(
                state.store.as_ref(),
                &caller.0.org_id,
                oauth_state,
                error,
                now,
            )
            .await?;
        let Some(connection) = refused else {
            return Err(ApiError::BadRequest(format!(
                "the provider refused the authorisation ({})",
                spendlens_app::connections::refusal_code(error)
            )));
        };
        return Ok(Redirect::to(&format!(
            "/campaigns/{}/connections?error={}",
            connection.campaign_id,
            connection.platform.as_str()
        ))
        .into_response());
    }
    let Some(code) = query.get("code").filter(|c| !c.is_empty()) else {
        return Err(ApiError::BadRequest(
            "the callback has no authorisation code".into(),
        ));
    };
    let connection = state
        .connections
        .finish_oauth(
            state.store.as_ref(),
            &caller.0.org_id,
            oauth_state,
            code,
            now,
        )
        .await?;
    Ok(Redirect::to(&format!(
        "/campaigns/{}/connections?connected={}",
        connection.campaign_id,
        connection.platform.as_str()
    ))
    .into_response())
}
