//! API tokens over HTTP: create (with a session only, never with a token), list and revoke.
//!
//! The rules (names, expiry, recording use, the audit entry of a revocation) are
//! `spendlens_app::accounts`'; this module decodes the bodies and encodes the answers. A listed
//! token shows its id, name, creation, last use and expiry, never its secret nor its hash.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::Value;
use spendlens_app::accounts::{self, NewToken, TokenExpiry};
use spendlens_contract::Problems;
use spendlens_contract::json::ObjectReader;
use spendlens_core::Role;
use spendlens_store::ApiTokenInfo;

use crate::auth::{Caller, SessionCaller};
use crate::error::ApiResult;
use crate::json_body::JsonBody;
use crate::state::AppState;

/// A new API token: its name and, optionally, when it expires (`expires_in_days` or
/// `expires_at`, not both).
#[derive(Debug, Clone, utoipa::ToSchema)]
pub struct TokenRequest {
    pub name: String,
    /// Days from now (1 to 3650).
    pub expires_in_days: Option<u64>,
    /// An RFC 3339 instant in the future.
    pub expires_at: Option<String>,
    /// The role it acts with at most (`viewer`, `editor`, `admin`, `owner`); by default the
    /// creator's. Never above the creator's.
    pub role: Option<String>,
}

/// A new API token: shown once, stored only as a hash.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub id: String,
    pub name: String,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// The role it acts with at most (the lesser of this and its creator's current role).
    pub role: &'static str,
    /// When it stops working; absent when it lasts until revoked (so that the answer of such a
    /// token keeps its earlier shape).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// An API token as listed: never its secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenInfoResponse {
    pub id: String,
    pub name: String,
    /// The role it was created with.
    pub role: &'static str,
    pub created_at: String,
    /// Recorded at most once a minute; `null` when never used.
    pub last_used_at: Option<String>,
    /// `null` when it lasts until revoked.
    pub expires_at: Option<String>,
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl From<ApiTokenInfo> for TokenInfoResponse {
    fn from(t: ApiTokenInfo) -> Self {
        TokenInfoResponse {
            id: t.id,
            name: t.name,
            role: t.role.as_str(),
            created_at: instant(t.created_at),
            last_used_at: t.last_used_at.map(instant),
            expires_at: t.expires_at.map(instant),
        }
    }
}

/// Decodes a token request into the app's command: every problem names its field.
pub fn parse_token_request(body: &Value) -> Result<NewToken, Problems> {
    let mut problems = Problems::default();
    let Some(mut r) = ObjectReader::new("", body, &mut problems) else {
        return Err(problems);
    };
    let name = r
        .string("name", &mut problems)
        .unwrap_or_default()
        .to_owned();
    let days = r.count("expires_in_days", &mut problems);
    let at = r.string("expires_at", &mut problems).and_then(|text| {
        let parsed = DateTime::parse_from_rfc3339(text.trim()).ok();
        if parsed.is_none() {
            problems.push(
                "expires_at",
                "expected an RFC 3339 instant such as 2027-01-31T00:00:00Z",
            );
        }
        parsed.map(|t| t.to_utc())
    });
    let role = r.string("role", &mut problems).and_then(|text| {
        Role::parse(text)
            .map_err(|message| problems.push("role", message))
            .ok()
    });
    r.finish(&mut problems);
    let expiry = match (days, at) {
        (Some(_), Some(_)) => {
            problems.push("expires_at", "give expires_in_days or expires_at, not both");
            TokenExpiry::Never
        }
        (Some(days), None) => TokenExpiry::InDays(days),
        (None, Some(at)) => TokenExpiry::At(at),
        (None, None) => TokenExpiry::Never,
    };
    if problems.is_empty() {
        Ok(NewToken { name, expiry, role })
    } else {
        Err(problems)
    }
}

/// Creates an API token for scripts and the CLI. Only a signed-in session may: a request with
/// a bearer token answers 403.
#[utoipa::path(post, path = "/api/tokens", tag = "auth", request_body = TokenRequest,
    responses((status = 201, body = TokenResponse),
              (status = 401, description = "Not signed in"),
              (status = 403, description = "Authenticated with an API token")))]
pub async fn create_token(
    State(state): State<AppState>,
    SessionCaller(principal): SessionCaller,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let new = parse_token_request(&body)?;
    let created = accounts::create_token(&state.context(), &principal, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenResponse {
            id: created.id,
            name: created.name,
            token: created.token.expose_secret().to_owned(),
            role: created.role.as_str(),
            expires_at: created.expires_at.map(instant),
        }),
    )
        .into_response())
}

/// The API tokens of the caller's organisation, oldest first.
#[utoipa::path(get, path = "/api/tokens", tag = "auth",
    responses((status = 200, body = [TokenInfoResponse]), (status = 401, description = "Not signed in")))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Caller(principal): Caller,
) -> ApiResult<Json<Vec<TokenInfoResponse>>> {
    let tokens = accounts::list_tokens(&state.context(), &principal.org_id).await?;
    Ok(Json(tokens.into_iter().map(Into::into).collect()))
}

/// Revokes an API token of the caller's organisation (recorded in the audit log); it answers
/// 401 from then on.
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "auth",
    params(("id" = String, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked"),
              (status = 404, description = "No such token in your organisation")))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    accounts::revoke_token(&state.context(), &principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(body: &Value) -> Vec<String> {
        parse_token_request(body)
            .err()
            .map(|p| p.0.into_iter().map(|p| p.path).collect())
            .unwrap_or_default()
    }

    #[test]
    fn an_expiry_is_given_one_way() {
        assert!(fields(&json!({"name": "ci"})).is_empty());
        assert!(fields(&json!({"name": "ci", "expires_in_days": 30})).is_empty());
        assert!(fields(&json!({"name": "ci", "expires_at": "2027-01-01T00:00:00Z"})).is_empty());
        assert_eq!(
            fields(
                &json!({"name": "ci", "expires_in_days": 1, "expires_at": "2027-01-01T00:00:00Z"})
            ),
            vec!["expires_at"]
        );
        assert_eq!(
            fields(&json!({"name": "ci", "expires_at": "tomorrow"})),
            vec!["expires_at"]
        );
        assert_eq!(
            fields(&json!({"name": "ci", "expires_in_days": -3})),
            vec!["expires_in_days"]
        );
        assert!(fields(&json!({"name": "ci", "role": "viewer"})).is_empty());
        assert_eq!(fields(&json!({"name": "ci", "role": "root"})), vec!["role"]);
    }
}
