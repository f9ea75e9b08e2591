//! Accounts and authentication: register, sign in and out, API tokens, and the [`Caller`]
//! extractor that every protected route takes.
//!
//! Sessions and API tokens are random 256-bit secrets handed to the client once; the database
//! keeps only their SHA-256, so a leaked database holds no usable credential. Passwords are
//! hashed with argon2id on a blocking thread.

use std::net::SocketAddr;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use spendlens_contract::Problems;
use spendlens_contract::json::ObjectReader;
use spendlens_store::{Principal, StoreError};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "spendlens_session";

/// A new random secret (session or API token): 32 bytes, hex, with a prefix that says what it is.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// The stored form of a secret.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Hashes a password with argon2id on a blocking thread.
pub async fn hash_password(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ApiError::Internal(format!("password hashing: {e}")))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// A valid argon2 hash of a random password, verified against when the e-mail is unknown so
/// that an unknown address takes as long as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c3BlbmRsZW5zZHVtbXk$Hn3/uuw1JqsCDuAzvS0E1iMyQTExpg6dyXXWH3oIMs8";

async fn verify_password(password: String, hash: Option<String>) -> ApiResult<bool> {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && known
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// The authenticated caller of a request: from `Authorization: Bearer <token>` or the session
/// cookie. Anything else answers 401.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

/// The value of the cookie `name` in the request, or `None` when it is absent or empty: the one
/// cookie parser of the API and the pages, because a session lookup must not depend on which
/// of them reads the header.
///
/// Every `Cookie` header counts (HTTP/2 may split them); pairs are `;`-separated with optional
/// whitespace; the name must match exactly (not as a suffix or prefix of another); a value in
/// double quotes (RFC 6265 `cookie-value`) is read without them. The first pair with the name
/// decides: browsers send the most specific cookie first, and a later one must not override it.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| {
            let v = v.trim();
            v.strip_prefix('"')
                .and_then(|inner| inner.strip_suffix('"'))
                .unwrap_or(v)
        })
        .filter(|v| !v.is_empty())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let token = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or(ApiError::Unauthorized)?;
            return state
                .store
                .api_token(&hash_secret(token.trim()))
                .await?
                .map(Caller)
                .ok_or(ApiError::Unauthorized);
        }
        let session = cookie(&parts.headers, SESSION_COOKIE).ok_or(ApiError::Unauthorized)?;
        state
            .store
            .session(&hash_secret(session), state.clock.now())
            .await?
            .map(Caller)
            .ok_or(ApiError::Unauthorized)
    }
}

/// The client's address, when the server was started with connection info.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

fn session_cookie(state: &AppState, token: &str, max_age_secs: i64) -> ApiResult<HeaderValue> {
    let secure = if state.settings.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{secure}"
    ))
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Starts a session for `principal` and returns the `Set-Cookie` header value.
pub async fn start_session(state: &AppState, principal: &Principal) -> ApiResult<HeaderValue> {
    let token = new_secret("");
    let now = state.clock.now();
    let ttl = state.settings.session_ttl();
    state
        .store
        .create_session(&hash_secret(&token), principal, now, now + ttl)
        .await?;
    session_cookie(state, &token, ttl.num_seconds())
}

/// Credentials as submitted.
#[derive(Debug, Clone, utoipa::ToSchema)]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    pub organization_name: String,
}

impl RegisterRequest {
    /// Checks registration fields (the e-mail and the organisation name trimmed), adding every
    /// problem, each naming its field, to those the decoding found: the API and the sign-up form
    /// share these rules.
    pub fn checked(
        email: &str,
        password: &str,
        organization_name: &str,
        mut problems: Problems,
    ) -> Result<RegisterRequest, Problems> {
        let email = email.trim().to_owned();
        let organization_name = organization_name.trim().to_owned();
        let at = email.find('@');
        if email.len() > 254
            || at.is_none_or(|i| i == 0 || i + 1 >= email.len())
            || email.contains(char::is_whitespace)
        {
            problems.push("email", "must be an e-mail address");
        }
        if password.chars().count() < 10 {
            problems.push("password", "must be at least 10 characters");
        } else if password.len() > 1024 {
            problems.push("password", "must be at most 1024 bytes");
        }
        if organization_name.is_empty() {
            problems.push("organization_name", "must not be empty");
        } else if organization_name.chars().count() > 200 {
            problems.push("organization_name", "must be at most 200 characters");
        }
        if problems.is_empty() {
            Ok(RegisterRequest {
                email,
                password: password.to_owned(),
                organization_name,
            })
        } else {
            Err(problems)
        }
    }
}

/// Decodes a registration body and checks it; every problem names its field.
pub fn parse_registration(value: &Value) -> Result<RegisterRequest, Problems> {
    let mut problems = Problems::default();
    let Some(mut r) = ObjectReader::new("", value, &mut problems) else {
        return Err(problems);
    };
    let email = r.string("email", &mut problems).unwrap_or_default();
    let password = r.string("password", &mut problems).unwrap_or_default();
    let organization_name = r
        .string("organization_name", &mut problems)
        .unwrap_or_default();
    r.finish(&mut problems);
    RegisterRequest::checked(email, password, organization_name, problems)
}

/// The signed-in account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountResponse {
    pub user_id: String,
    pub organization_id: String,
    pub email: String,
}

/// Registers a user with a new organisation and signs them in.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth",
    request_body = RegisterRequest,
    responses((status = 201, body = AccountResponse, description = "Registered; session cookie set"),
              (status = 409, description = "E-mail already registered"),
              (status = 422, description = "Invalid fields")))]
pub async fn register(
    State(state): State<AppState>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let req = parse_registration(&body)?;
    let email = req.email.to_lowercase();
    let (principal, cookie) = create_account(&state, req).await?;
    let body = AccountResponse {
        user_id: principal.user_id.to_string(),
        organization_id: principal.org_id.to_string(),
        email,
    };
    Ok((
        StatusCode::CREATED,
        [(header::SET_COOKIE, cookie)],
        Json(body),
    )
        .into_response())
}

/// Creates the account and its organisation and starts a session (the API and the sign-up page).
pub async fn create_account(
    state: &AppState,
    req: RegisterRequest,
) -> ApiResult<(Principal, HeaderValue)> {
    let hash = hash_password(req.password).await?;
    let principal = match state
        .store
        .create_account(&req.email, &hash, &req.organization_name, state.clock.now())
        .await
    {
        Ok(p) => p,
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::Conflict(
                "an account with this e-mail already exists".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let cookie = start_session(state, &principal).await?;
    Ok((principal, cookie))
}

/// Sign-in credentials.
#[derive(Debug, Clone, utoipa::ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// Signs in; rate-limited per client address and per e-mail.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = AccountResponse, description = "Signed in; session cookie set"),
              (status = 401, description = "Invalid email or password"),
              (status = 429, description = "Too many attempts")))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let mut problems = Problems::default();
    let Some(mut r) = ObjectReader::new("", &body, &mut problems) else {
        return Err(problems.into());
    };
    let email = r
        .string("email", &mut problems)
        .unwrap_or_default()
        .to_owned();
    let password = r
        .string("password", &mut problems)
        .unwrap_or_default()
        .to_owned();
    r.finish(&mut problems);
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let req = LoginRequest { email, password };
    let (principal, cookie, email) = sign_in(&state, ip, req).await?;
    let body = AccountResponse {
        user_id: principal.user_id.to_string(),
        organization_id: principal.org_id.to_string(),
        email,
    };
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Checks credentials (rate-limited per client address and e-mail) and starts a session: the
/// principal, the `Set-Cookie` value and the stored e-mail (the API and the sign-in page).
pub async fn sign_in(
    state: &AppState,
    ip: Option<std::net::IpAddr>,
    req: LoginRequest,
) -> ApiResult<(Principal, HeaderValue, String)> {
    state
        .login_limiter
        .check(ip, &req.email, std::time::Instant::now())
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    let creds = state.store.credentials(&req.email).await?;
    let ok = verify_password(
        req.password,
        creds.as_ref().map(|c| c.password_hash.clone()),
    )
    .await?;
    let creds = creds.filter(|_| ok).ok_or(ApiError::BadCredentials)?;
    state.login_limiter.clear_email(&req.email);
    let principal = Principal {
        user_id: creds.user_id,
        org_id: creds.org_id,
    };
    let cookie = start_session(state, &principal).await?;
    Ok((principal, cookie, creds.email))
}

/// Signs out: the session ends and the cookie is cleared.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out")))]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let cookie = end_session(&state, &headers).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// Ends the request's session, if any, and returns the `Set-Cookie` value that clears it.
pub async fn end_session(state: &AppState, headers: &HeaderMap) -> ApiResult<HeaderValue> {
    if let Some(token) = cookie(headers, SESSION_COOKIE) {
        state.store.delete_session(&hash_secret(token)).await?;
    }
    session_cookie(state, "", 0)
}

/// A new API token's name.
#[derive(Debug, Clone, utoipa::ToSchema)]
pub struct TokenRequest {
    pub name: String,
}

/// A new API token: shown once, stored only as a hash.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub id: String,
    pub name: String,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Creates an API token for scripts and the CLI.
#[utoipa::path(post, path = "/api/tokens", tag = "auth", request_body = TokenRequest,
    responses((status = 201, body = TokenResponse), (status = 401, description = "Not signed in")))]
pub async fn create_token(
    State(state): State<AppState>,
    Caller(principal): Caller,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let mut problems = Problems::default();
    let Some(mut r) = ObjectReader::new("", &body, &mut problems) else {
        return Err(problems.into());
    };
    let name = r
        .string("name", &mut problems)
        .unwrap_or_default()
        .trim()
        .to_owned();
    r.finish(&mut problems);
    if name.is_empty() && problems.is_empty() {
        problems.push("name", "must not be empty");
    }
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let req = TokenRequest { name };
    let token = new_secret("sl_");
    let id = state
        .store
        .create_api_token(
            &req.name,
            &hash_secret(&token),
            &principal,
            state.clock.now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenResponse {
            id,
            name: req.name,
            token,
        }),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = new_secret("sl_");
        assert!(a.starts_with("sl_") && a.len() == 67);
        assert_ne!(a, new_secret("sl_"));
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_dummy_hash_is_a_valid_argon2_hash() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn registration_names_each_bad_field() {
        let bad =
            json!({"email": "nope", "password": "short", "organization_name": " ", "extra": 1});
        let fields: Vec<String> = parse_registration(&bad)
            .err()
            .map(|p| p.0.into_iter().map(|p| p.path).collect())
            .unwrap_or_default();
        assert_eq!(
            fields,
            vec!["extra", "email", "password", "organization_name"]
        );
        let good = json!({"email": "ana@example.com", "password": "correct horse", "organization_name": "Acme"});
        assert!(parse_registration(&good).is_ok());
    }

    fn headers(values: &[&'static str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::COOKIE, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cookies_are_found_among_others() {
        let h = headers(&["a=1; spendlens_session=xyz; b=2"]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn the_cookie_parser_reads_tricky_headers_strictly() {
        // Several Cookie headers: each is searched.
        let h = headers(&["a=1", "spendlens_session=two"]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("two"));
        // Spaces around pairs, names and values; no space after the semicolon.
        let h = headers(&["a=1;spendlens_session = spaced ;b=2"]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("spaced"));
        // A name that ends (or starts) like ours is another cookie.
        let h = headers(&["xspendlens_session=evil; spendlens_session_old=old"]);
        assert_eq!(cookie(&h, SESSION_COOKIE), None);
        let h = headers(&["xspendlens_session=evil; spendlens_session=mine"]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("mine"));
        // A quoted value is read without its quotes; a lone quote is kept.
        let h = headers(&["spendlens_session=\"abc\""]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        let h = headers(&["spendlens_session=\"abc"]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("\"abc"));
        // An empty value is no cookie, and a later pair does not override the first.
        let h = headers(&["spendlens_session=; spendlens_session=later"]);
        assert_eq!(cookie(&h, SESSION_COOKIE), None);
        let h = headers(&["spendlens_session=\"\""]);
        assert_eq!(cookie(&h, SESSION_COOKIE), None);
        let h = headers(&["spendlens_session=first", "spendlens_session=second"]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("first"));
        // A value may contain `=`; a pair without `=` is skipped.
        let h = headers(&["junk; spendlens_session=a=b"]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("a=b"));
    }
}
