//! Changing one's password over HTTP: with a session only (a token cannot change the password
//! of the person who made it). The rules are `spendlens_app::accounts::change_password`'s:
//! the current password checked within the sign-in limits, the new one kept to the
//! registration's rule, and every other session of the person ended.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use secrecy::SecretString;
use serde_json::{Value, json};
use spendlens_app::accounts::{self, PasswordChange};

use crate::auth::{ClientIp, SESSION_COOKIE, SessionCaller, cookie, text_fields};
use crate::error::ApiResult;
use crate::json_body::JsonBody;
use crate::state::AppState;

/// Changes the signed-in person's password (`{"current_password", "new_password"}`); their
/// other sessions end, this one stays. The answer says how many ended.
#[utoipa::path(post, path = "/api/account/password", tag = "auth",
    request_body(content = Object, description = "`{\"current_password\", \"new_password\"}`"),
    responses((status = 200, description = "Changed: `{\"other_sessions_ended\"}`", body = Object),
              (status = 401, description = "Not signed in"),
              (status = 403, description = "Authenticated with an API token"),
              (status = 422, description = "Not the current password, or a new one that breaks the rule"),
              (status = 429, description = "Too many attempts")))]
pub async fn change(
    State(state): State<AppState>,
    SessionCaller(principal): SessionCaller,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let [current, new] = text_fields(&body, ["current_password", "new_password"])?;
    let session = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    let change = PasswordChange {
        current: SecretString::from(current),
        new: SecretString::from(new),
        client,
    };
    let ended = accounts::change_password(
        &state.context(),
        &state.auth_limits,
        &principal,
        change,
        &accounts::hash_secret(session),
    )
    .await?;
    Ok(Json(json!({ "other_sessions_ended": ended })))
}

/// Asks for a link to reset a forgotten password (`{"email"}`): the answer is the same whether
/// the address has an account or not (the link goes to it by mail, when it has one); requests
/// are limited per client address.
#[utoipa::path(post, path = "/api/auth/password-reset", tag = "auth",
    request_body(content = Object, description = "`{\"email\"}`"),
    responses((status = 202, description = "`{\"status\": \"check_your_email\"}`", body = Object),
              (status = 429, description = "Too many requests from this address")))]
pub async fn request_reset(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    JsonBody(body): JsonBody,
) -> ApiResult<(axum::http::StatusCode, Json<Value>)> {
    let [email] = text_fields(&body, ["email"])?;
    let links = crate::auth::links(&state);
    accounts::request_reset(&state.context(), &state.auth_limits, &email, client, &links).await?;
    Ok((
        axum::http::StatusCode::ACCEPTED,
        Json(json!({"status": "check_your_email"})),
    ))
}

/// Sets a new password with a reset link's token (`{"token", "password"}`); every session of
/// the account ends (sign in again).
#[utoipa::path(post, path = "/api/auth/password-reset/complete", tag = "auth",
    request_body(content = Object, description = "`{\"token\", \"password\"}`"),
    responses((status = 204, description = "The password is set; every session ended"),
              (status = 400, description = "The link is invalid, used or expired"),
              (status = 422, description = "A password that breaks the rule")))]
pub async fn complete_reset(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<axum::http::StatusCode> {
    let [token, password] = text_fields(&body, ["token", "password"])?;
    accounts::complete_reset(&state.context(), &token, SecretString::from(password)).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
