//! `GET /api/audit-log`: the organisation's audit log, newest first, by actor, target and dates,
//! a page at a time (`next` is the `before` of the next page).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use serde_json::{Value, json};
use spendlens_app::audit::{AuditQuery, page};
use spendlens_store::AuditRow;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::query::Params;
use crate::state::AppState;

/// The query as typed: every field optional, checked by `spendlens_app::audit`.
pub fn query_of(q: &HashMap<String, String>) -> AuditQuery {
    let get = |k: &str| q.get(k).cloned();
    AuditQuery {
        actor: get("actor"),
        target_type: get("target_type"),
        target_id: get("target_id"),
        from: get("from"),
        to: get("to"),
        before: get("before"),
        limit: get("limit"),
    }
}

/// An entry as the API shows it.
pub fn entry_json(r: &AuditRow) -> Value {
    let e = &r.record.entry;
    json!({
        "id": r.record.id,
        "at": e.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "actor": e.actor.as_ref().map(|a| json!({"user_id": a.as_str(), "email": r.actor_email})),
        "action": e.action,
        "target_type": e.target_type,
        "target_id": e.target_id,
        "details": e.details,
    })
}

/// The organisation's audit log. Filters: `actor` (a user id), `target_type`, `target_id`,
/// `from`/`to` (days, both included), `limit` (1–200, default 50), `before` (the `next` of the
/// previous page).
#[utoipa::path(get, path = "/api/audit-log", tag = "organization",
    params(("actor" = Option<String>, Query), ("target_type" = Option<String>, Query),
        ("target_id" = Option<String>, Query), ("from" = Option<String>, Query),
        ("to" = Option<String>, Query), ("limit" = Option<u32>, Query), ("before" = Option<String>, Query)),
    responses((status = 200, description = "A page of entries, newest first, and `next`"),
        (status = 422, description = "A filter that does not read, named")))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(Params(q)): Query<Params>,
) -> ApiResult<Json<Value>> {
    let found = page(state.store.as_ref(), &caller.0.org_id, &query_of(&q)).await?;
    Ok(Json(json!({
        "entries": found.rows.iter().map(entry_json).collect::<Vec<_>>(),
        "next": found.next,
    })))
}
