//! The API's one error type: `{"error": {"code", "message", "details"}}` with the right status.
//!
//! Internal errors are logged with their cause and answered with a generic message, so nothing
//! about the database or the code leaks to a client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use spendlens_contract::Problems;
use spendlens_core::campaign::FieldError;

/// One problem with a request field.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldProblem {
    /// JSON path or form field (`rows[3].spend`, `end_date`).
    pub field: String,
    pub message: String,
}

/// An error answered to an API client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized,
    #[error("invalid email or password")]
    BadCredentials,
    /// Authenticated, but this way of authenticating may not do this (the message says why).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A method the route does not take; the methods it does.
    #[error("this route takes {0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    /// A one-time link that was used, revoked or has expired (the message says which).
    #[error("{0}")]
    Gone(String),
    #[error("the request has invalid fields")]
    Validation(Vec<FieldProblem>),
    #[error("too many attempts; try again later")]
    RateLimited { retry_after_secs: u64 },
    /// An upload over its limit, or a file that would expand past one of the parsers' limits
    /// (the message names the limit).
    #[error("{0}")]
    TooLarge(String),
    /// Every upload slot is taken for longer than a request waits (see `upload::UploadGate`).
    #[error("{0}")]
    Busy(String),
    /// An external platform refused or failed (the message is safe to show).
    #[error("{0}")]
    Upstream(String),
    /// The server lacks configuration the request needs.
    #[error("{0}")]
    NotConfigured(String),
    #[error("internal error")]
    Internal(String),
}

/// Handler results.
pub type ApiResult<T> = Result<T, ApiError>;

impl FieldProblem {
    /// A problem with the field `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldProblem {
        FieldProblem {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<FieldError> for FieldProblem {
    fn from(e: FieldError) -> Self {
        FieldProblem::new(e.field, e.message)
    }
}

impl ApiError {
    /// A validation error of one field: the one shape every single-field refusal takes.
    pub fn field(name: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![FieldProblem::new(name, message)])
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::BadCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Gone(_) => (StatusCode::GONE, "gone"),
            ApiError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            ApiError::Upstream(_) => (StatusCode::BAD_GATEWAY, "platform_error"),
            ApiError::NotConfigured(_) => (StatusCode::SERVICE_UNAVAILABLE, "not_configured"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<Problems> for ApiError {
    fn from(p: Problems) -> Self {
        ApiError::Validation(
            p.0.into_iter()
                .map(|p| FieldProblem {
                    field: p.path,
                    message: p.message,
                })
                .collect(),
        )
    }
}

/// The domain's field problems (a campaign, a ledger entry, settings), in their order.
impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> Self {
        ApiError::Validation(errors.into_iter().map(FieldProblem::from).collect())
    }
}

/// Field problems gathered by a request decoder.
impl From<Vec<FieldProblem>> for ApiError {
    fn from(problems: Vec<FieldProblem>) -> Self {
        ApiError::Validation(problems)
    }
}

impl From<spendlens_store::StoreError> for ApiError {
    fn from(e: spendlens_store::StoreError) -> Self {
        match e {
            spendlens_store::StoreError::Invalid(message) => ApiError::BadRequest(message),
            spendlens_store::StoreError::OutOfRange { field, message } => {
                ApiError::field(field, message)
            }
            spendlens_store::StoreError::NotFound(what) => ApiError::NotFound(what),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<spendlens_app::AppError> for ApiError {
    fn from(e: spendlens_app::AppError) -> Self {
        match e {
            spendlens_app::AppError::NotFound => ApiError::NotFound("campaign"),
            spendlens_app::AppError::Store(s) => s.into(),
            spendlens_app::AppError::Conflict(m) => ApiError::Conflict(m),
            spendlens_app::AppError::Invalid { field, message } => ApiError::field(field, message),
            spendlens_app::AppError::Fields(problems) => ApiError::Validation(
                problems
                    .into_iter()
                    .map(|p| FieldProblem::new(p.field, p.message))
                    .collect(),
            ),
            spendlens_app::AppError::Attribution(e) if e.is_input() => ApiError::Validation(
                e.lines()
                    .into_iter()
                    .map(|message| FieldProblem {
                        field: "touchpoints".to_owned(),
                        message,
                    })
                    .collect(),
            ),
            spendlens_app::AppError::Attribution(e) => ApiError::Internal(e.to_string()),
            spendlens_app::AppError::Optimize(e) => ApiError::Validation(
                e.issues()
                    .into_iter()
                    .map(|i| FieldProblem {
                        field: i.path.clone(),
                        message: i.message.clone(),
                    })
                    .collect(),
            ),
        }
    }
}

impl From<spendlens_app::connections::ConnectionError> for ApiError {
    fn from(e: spendlens_app::connections::ConnectionError) -> Self {
        use spendlens_app::connections::ConnectionError as E;
        match e {
            E::NotFound => ApiError::NotFound("connection"),
            E::Invalid { field, message } => ApiError::field(field, message),
            E::NotOAuth => ApiError::field(
                "auth",
                "this connection uses a token or key, not OAuth: delete it and connect again to change it",
            ),
            E::NotConfigured(m) => ApiError::NotConfigured(m),
            E::BadState => ApiError::BadRequest(e.to_string()),
            E::Platform(p) => ApiError::Upstream(p.to_string()),
            E::Rejected(m) => ApiError::Conflict(m),
            E::Store(s) => s.into(),
        }
    }
}

impl From<spendlens_app::members::MemberError> for ApiError {
    fn from(e: spendlens_app::members::MemberError) -> Self {
        use spendlens_app::members::MemberError as E;
        match e {
            E::NotFound(what) => ApiError::NotFound(what),
            E::Forbidden(m) => ApiError::Forbidden(m),
            E::LastOwner(m) | E::Conflict(m) => ApiError::Conflict(m),
            E::Gone(m) => ApiError::Gone(m),
            E::Invalid(errors) => errors.into(),
            E::Store(s) => s.into(),
            E::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                "internal error".to_owned()
            }
            ApiError::Validation(problems) if problems.len() > MAX_DETAILS => format!(
                "the request has invalid fields: {} problems, the first {MAX_DETAILS} listed",
                problems.len()
            ),
            other => other.to_string(),
        };
        let details = match &self {
            ApiError::Validation(problems) => {
                json!(problems.get(..MAX_DETAILS).unwrap_or(problems))
            }
            _ => json!([]),
        };
        let body = json!({"error": {"code": code, "message": message, "details": details}});
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::RateLimited { retry_after_secs } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        // RFC 9110 §11.6.1: a 401 names the scheme it takes (a login's wrong password is no
        // challenge for a token).
        if let ApiError::Unauthorized = self {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"spendlens\""),
            );
        }
        if let ApiError::Busy(_) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
        }
        response
    }
}

/// The most problems a refusal lists: a body with thousands of bad entries gets an answer of
/// bounded size, its message giving the count.
pub const MAX_DETAILS: usize = 100;

/// The most of a plain-text refusal read to put it in the envelope (axum's own are a line).
const PLAIN_REFUSAL_BYTES: usize = 16 * 1024;

/// The API answers every refusal in its JSON envelope: a refusal made before a handler ran
/// (axum's own, in plain text: a body that is not JSON, a body over the limit, a wrong content
/// type) is rewritten into `{"error": {code, message, details}}` with its status kept. Pages and
/// JSON answers pass as they are.
pub async fn json_refusals(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/plain"));
    if !api || !plain || !response.status().is_client_error() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, PLAIN_REFUSAL_BYTES)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let code = match parts.status {
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::UNPROCESSABLE_ENTITY => "validation_failed",
        _ => "bad_request",
    };
    let body = json!({"error": {"code": code, "message": text, "details": []}});
    let mut out = (parts.status, axum::Json(body)).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}
