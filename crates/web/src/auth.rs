//! Accounts over HTTP: register and verify, sign in and out, and the [`Caller`] and
//! [`SessionCaller`] extractors that every protected route takes (API tokens are `api::tokens`).
//!
//! The use cases and their rules (the registration checks and its out-of-band link, password
//! hashing, sessions and tokens stored as hashes, the rate limits) are
//! `spendlens_app::accounts`'; this module reads the credentials a request carries (the bearer
//! token, the session cookie through the one cookie parser [`cookie`]), decodes JSON bodies into
//! the app's commands, builds the session cookie and maps `AccountError` to the API's answers.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::Value;
use spendlens_app::accounts::{
    self, Account, AccountError, Links, Register, Registered, Registration, Session, SignIn,
};
use spendlens_contract::Problems;
use spendlens_contract::json::ObjectReader;
use spendlens_store::Principal;

use crate::access::{Authenticated, Credential};
use crate::error::{ApiError, ApiResult};
use crate::json_body::JsonBody;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "spendlens_session";

/// An account command's failure as the API answers it.
impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Invalid(errors) => errors.into(),
            AccountError::BadCredentials => ApiError::BadCredentials,
            AccountError::InvalidLink => ApiError::BadRequest(e.to_string()),
            AccountError::TokenNotFound => ApiError::NotFound("API token"),
            AccountError::Forbidden(m) => ApiError::Forbidden(m),
            AccountError::RateLimited { retry_after_secs } => {
                ApiError::RateLimited { retry_after_secs }
            }
            AccountError::Store(s) => s.into(),
            AccountError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

/// The authenticated caller of a request: from `Authorization: Bearer <token>` or the session
/// cookie. Anything else answers 401.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

/// A caller signed in with the session cookie, not a bearer token: what only a person at a
/// browser may do (creating an API token: a leaked token must not mint more). A bearer token
/// answers 403, no credential 401.
#[derive(Debug, Clone)]
pub struct SessionCaller(pub Principal);

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

/// The credential of a request, when it carries one: on the API a bearer token when the
/// `Authorization` header is present (a malformed or unknown one is 401, never a fallback to
/// the cookie), else the session cookie; on the pages (`api` false) the session cookie alone.
/// The principal carries the caller's current role (see `access`).
pub(crate) async fn credentials(
    parts: &Parts,
    state: &AppState,
    api: bool,
) -> Result<Option<Authenticated>, ApiError> {
    let ctx = state.context();
    if api && let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
        // The scheme is case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` are Bearer.
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.trim_start().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token)
            .ok_or(ApiError::Unauthorized)?;
        let principal = accounts::token_principal(&ctx, token.trim())
            .await?
            .ok_or(ApiError::Unauthorized)?;
        return Ok(Some(Authenticated {
            principal,
            credential: Credential::Bearer,
            session_hash: None,
        }));
    }
    let Some(session) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(accounts::session_principal(&ctx, session)
        .await?
        .map(|principal| Authenticated {
            principal,
            credential: Credential::Session,
            session_hash: Some(accounts::hash_secret(session)),
        }))
}

/// The request's caller: as the access middleware found it, or (on a route it does not guard)
/// read now.
async fn authenticate(parts: &Parts, state: &AppState) -> Result<Authenticated, ApiError> {
    if let Some(found) = parts.extensions.get::<Authenticated>() {
        return Ok(found.clone());
    }
    credentials(parts, state, true)
        .await?
        .ok_or(ApiError::Unauthorized)
}

/// The principal of a request's credential, if it has a valid one (the audit log's actor).
pub(crate) async fn principal_of(parts: &Parts, state: &AppState) -> Option<Principal> {
    authenticate(parts, state).await.ok().map(|a| a.principal)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(parts, state)
            .await
            .map(|a| Caller(a.principal))
    }
}

impl FromRequestParts<AppState> for SessionCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let found = authenticate(parts, state).await?;
        match found.credential {
            Credential::Session => Ok(SessionCaller(found.principal)),
            Credential::Bearer => Err(ApiError::Forbidden(
                "an API token cannot do this: sign in with a session".to_owned(),
            )),
        }
    }
}

/// The client's address, when the server was started with connection info: the connection's,
/// or behind a trusted proxy the one it forwarded for (`Settings::client_address`).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        Ok(ClientIp(
            peer.map(|p| state.settings.client_address(p, forwarded)),
        ))
    }
}

fn session_cookie(state: &AppState, token: &str, max_age_secs: i64) -> ApiResult<HeaderValue> {
    let secure = if state.settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{secure}"
    ))
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Where the links of messages point: the configured address of the server
/// (`Settings::public_base`), never the request's `Host`: a client chooses its `Host`, and a
/// registration sent with a forged one would mail the victim a link to the forger's site.
pub fn links(state: &AppState) -> Links {
    Links {
        base: state.settings.public_base(),
    }
}

/// The `Set-Cookie` value that hands a started session to the browser.
pub fn set_session(state: &AppState, session: &Session) -> ApiResult<HeaderValue> {
    session_cookie(
        state,
        session.token.expose_secret(),
        session.lifetime.num_seconds(),
    )
}

/// Credentials as submitted.
#[derive(Debug, Clone, utoipa::ToSchema)]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    pub organization_name: String,
}

/// The body as the app's registration command.
impl From<RegisterRequest> for Register {
    fn from(req: RegisterRequest) -> Self {
        Register {
            email: req.email,
            password: SecretString::from(req.password),
            organization_name: req.organization_name,
        }
    }
}

/// Decodes a registration body and checks it with the app's rules: every problem names its
/// field, the decoding's first, then the rules'.
pub fn parse_registration(value: &Value) -> Result<Registration, Problems> {
    let mut problems = Problems::default();
    let Some(mut r) = ObjectReader::new("", value, &mut problems) else {
        return Err(problems);
    };
    let mut text = |key: &'static str, problems: &mut Problems| {
        r.string(key, problems).unwrap_or_default().to_owned()
    };
    let req = RegisterRequest {
        email: text("email", &mut problems),
        password: text("password", &mut problems),
        organization_name: text("organization_name", &mut problems),
    };
    r.finish(&mut problems);
    match Registration::try_from(Register::from(req)) {
        Ok(registration) if problems.is_empty() => Ok(registration),
        Ok(_) => Err(problems),
        Err(errors) => {
            for e in errors {
                problems.push(e.field, e.message);
            }
            Err(problems)
        }
    }
}

/// The signed-in account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountResponse {
    pub user_id: String,
    pub organization_id: String,
    pub email: String,
}

impl From<Account> for AccountResponse {
    fn from(a: Account) -> Self {
        AccountResponse {
            user_id: a.principal.user_id.to_string(),
            organization_id: a.principal.org_id.to_string(),
            email: a.email,
        }
    }
}

/// The answer to a registration on an instance that has users: the same for a new and a taken
/// address (the message that went out of band says which).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckEmailResponse {
    /// Always `check_your_email`.
    pub status: &'static str,
}

/// Registers a user with a new organisation. The first registration of an instance creates the
/// account and signs in (201); afterwards the answer is 202 whether the address is new or taken,
/// and the account exists once the link sent to the address is followed (`/api/auth/verify`).
#[utoipa::path(post, path = "/api/auth/register", tag = "auth",
    request_body = RegisterRequest,
    responses((status = 201, body = AccountResponse, description = "The instance's first account: registered, session cookie set"),
              (status = 202, body = CheckEmailResponse, description = "A link (or, for a taken address, a notice) was sent to the address"),
              (status = 422, description = "Invalid fields"),
              (status = 429, description = "Too many registrations from this address")))]
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let registration = parse_registration(&body)?;
    let outcome = accounts::register(
        &state.context(),
        &state.auth_limits,
        registration,
        ip,
        &links(&state),
        state.settings.session_ttl(),
    )
    .await?;
    match outcome {
        Registered::SignedIn(account, session) => {
            let cookie = set_session(&state, &session)?;
            Ok((
                StatusCode::CREATED,
                [(header::SET_COOKIE, cookie)],
                Json(AccountResponse::from(account)),
            )
                .into_response())
        }
        Registered::CheckYourEmail => Ok((
            StatusCode::ACCEPTED,
            Json(CheckEmailResponse {
                status: "check_your_email",
            }),
        )
            .into_response()),
    }
}

/// The text fields `keys` of a JSON object body, in order: each one missing or not a string,
/// and any other key, is a problem named by its path (the account routes' bodies are a few
/// strings each).
pub(crate) fn text_fields<const N: usize>(
    body: &serde_json::Value,
    keys: [&'static str; N],
) -> ApiResult<[String; N]> {
    let mut problems = Problems::default();
    let Some(mut r) = ObjectReader::new("", body, &mut problems) else {
        return Err(problems.into());
    };
    let values = keys.map(|key| r.string(key, &mut problems).unwrap_or_default().to_owned());
    r.finish(&mut problems);
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems.into())
    }
}

/// A registration's one-time token, from the link sent to the address, and the password the
/// registration was made with.
#[derive(Debug, Clone, utoipa::ToSchema)]
pub struct VerifyRequest {
    pub token: String,
    pub password: String,
}

/// Follows a registration's link with the password the registration was made with: creates the
/// account and signs in.
#[utoipa::path(post, path = "/api/auth/verify", tag = "auth", request_body = VerifyRequest,
    responses((status = 200, body = AccountResponse, description = "Registered; session cookie set"),
              (status = 400, description = "The link is invalid, used or expired"),
              (status = 422, description = "Not the password the registration was made with")))]
pub async fn verify(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let [token, password] = text_fields(&body, ["token", "password"])?;
    let password = SecretString::from(password);
    let (account, session) = accounts::verify(
        &state.context(),
        &token,
        password,
        state.settings.session_ttl(),
    )
    .await?;
    let cookie = set_session(&state, &session)?;
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(AccountResponse::from(account)),
    )
        .into_response())
}

/// Sign-in credentials.
#[derive(Debug, Clone, utoipa::ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// Signs in; failures are rate-limited per client address and per e-mail from an address.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = AccountResponse, description = "Signed in; session cookie set"),
              (status = 401, description = "Invalid email or password"),
              (status = 429, description = "Too many attempts")))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let [email, password] = text_fields(&body, ["email", "password"])?;
    let credentials = SignIn {
        email,
        password: SecretString::from(password),
        client: ip,
    };
    let (account, session) = accounts::sign_in(
        &state.context(),
        &state.auth_limits,
        credentials,
        state.settings.session_ttl(),
    )
    .await?;
    let cookie = set_session(&state, &session)?;
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(AccountResponse::from(account)),
    )
        .into_response())
}

/// Signs out: the session ends and the cookie is cleared.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out")))]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let cookie = end_session(&state, &headers).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// Ends the request's session, if any, and returns the `Set-Cookie` value that clears it (the
/// API and the sign-out page).
pub async fn end_session(state: &AppState, headers: &HeaderMap) -> ApiResult<HeaderValue> {
    if let Some(token) = cookie(headers, SESSION_COOKIE) {
        accounts::end_session(&state.context(), token).await?;
    }
    session_cookie(state, "", 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
