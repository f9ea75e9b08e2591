//! The short message an error shows for each platform error code we know, and for the rest by
//! HTTP status.
//!
//! A platform's own message is free text from outside: it can carry anything the answering host
//! chose (an internal host name, a stack trace, markup, a forged log line), and it ends up in API
//! answers and in a connection's stored `last_error`. So it is read only to classify the error;
//! what is shown is the platform's error code (see `error::safe_code`) and one of these texts.

use reqwest::StatusCode;
use spendlens_core::Platform;

use crate::error::{MAX_MESSAGE_CHARS, safe_text};

/// Keeps the platform's own words for the operator's log (debug level, cleaned): they help
/// whoever runs the server and never go into an error.
pub(crate) fn log_upstream(platform: Platform, message: Option<&str>) {
    if let Some(m) = message.filter(|m| !m.trim().is_empty()) {
        tracing::debug!(%platform, upstream = %safe_text(m, MAX_MESSAGE_CHARS), "platform error message");
    }
}

/// Meta's "Please reduce the amount of data you're asking for" (code 1): a smaller page helps.
pub(crate) const META_TOO_MUCH_DATA: &str = "the request asked for too much data at once";

/// A Graph API error code (and subcode).
pub(crate) fn meta(code: Option<i64>, subcode: Option<i64>, status: StatusCode) -> &'static str {
    match (code, subcode) {
        (Some(1), _) => "unknown error at Meta; try again later",
        (Some(100), Some(1_504_018)) | (Some(2), Some(1_504_038)) => {
            "the request timed out: the range is read as an asynchronous report instead"
        }
        (Some(100), Some(1_487_534)) => "the request asks for more data than one call may return",
        (Some(2), Some(1_504_041)) => {
            "no data is available for the requested metrics and breakdowns"
        }
        (Some(2), Some(1_504_042)) => "the requested custom metrics are invalid",
        (Some(2), Some(1_504_043 | 1_504_044)) => "an intermittent error at Meta; try again later",
        (Some(-2), Some(2_490_547)) => "Meta failed to generate the report; try again later",
        (Some(2), _) => "Meta is temporarily unavailable",
        (Some(4), _) => "the app's request limit was reached",
        (Some(10 | 200..=299), _) => "permission denied: the token lacks a permission (ads_read)",
        (Some(17), _) => "the ad account's request limit was reached",
        (Some(32), _) => "the page's request limit was reached",
        (Some(100), Some(33)) => "the object does not exist or the token cannot see it",
        (Some(100), _) => "invalid parameter",
        (Some(102), _) => "the session has expired",
        (Some(190), Some(460)) => "the access token was invalidated by a password change",
        (Some(190), Some(463)) => "the access token has expired",
        (Some(190), _) => "the access token is invalid or has expired",
        (Some(613), _) => "the request limit was reached",
        (Some(803), _) => "unknown object: check the ad account id",
        (Some(2635), _) => "this Marketing API version is no longer served",
        (Some(3018), _) => {
            "the range starts more than 37 months ago, beyond the insights Meta keeps: ask for days of the last 37 months"
        }
        (Some(80_000..=80_014), _) => "the business use case request limit was reached",
        _ => by_status(status),
    }
}

/// A Google error: Google Ads' own code (`quotaError.RESOURCE_EXHAUSTED`) first, then the RPC
/// status (`PERMISSION_DENIED`).
pub(crate) fn google(
    ads_code: Option<&str>,
    rpc: Option<&str>,
    status: StatusCode,
) -> &'static str {
    let kind = ads_code.and_then(|c| c.split('.').next());
    match (kind, rpc) {
        (Some("authenticationError"), _) | (_, Some("UNAUTHENTICATED")) => {
            "the credentials were refused"
        }
        (Some("authorizationError"), _) | (_, Some("PERMISSION_DENIED")) => {
            "permission denied: the account has no access to this resource"
        }
        (Some("quotaError"), _) | (_, Some("RESOURCE_EXHAUSTED")) => {
            "a quota or rate limit was reached"
        }
        (Some("queryError" | "requestError" | "fieldError"), _) | (_, Some("INVALID_ARGUMENT")) => {
            "the request was refused as invalid"
        }
        (Some("internalError"), _) | (_, Some("INTERNAL")) => "internal error at Google",
        (_, Some("NOT_FOUND")) => "not found: check the account, property or spreadsheet id",
        (_, Some("FAILED_PRECONDITION")) => "the resource is not ready for this request",
        (_, Some("UNAVAILABLE")) => "Google is temporarily unavailable",
        (_, Some("DEADLINE_EXCEEDED")) => "Google took too long to answer",
        (_, Some("UNIMPLEMENTED")) => "the request is not supported (check the API version)",
        (_, Some("ABORTED")) => "the request was aborted; try again",
        _ => by_status(status),
    }
}

/// A LinkedIn Rest.li error: its named code, else the status.
pub(crate) fn linkedin(code: Option<&str>, daily_limit: bool, status: StatusCode) -> &'static str {
    match code {
        _ if daily_limit => "the daily request limit was reached",
        Some("EXPIRED_ACCESS_TOKEN") => "the access token has expired",
        Some("REVOKED_ACCESS_TOKEN") => "the access token was revoked",
        Some("INVALID_ACCESS_TOKEN") => "the access token is invalid",
        Some("ACCESS_DENIED") => "permission denied: the token lacks a permission",
        _ => by_status(status),
    }
}

/// An OAuth 2.0 error code (RFC 6749, sections 4.1.2.1 and 5.2).
pub fn oauth(code: &str) -> &'static str {
    match code {
        "invalid_request" => "the token request was refused as malformed",
        "invalid_client" => "the OAuth client id or secret was refused",
        "invalid_grant" => "the grant was refused or has expired: authorise the connection again",
        "unauthorized_client" => "the OAuth client may not use this grant",
        "unsupported_grant_type" => "the grant type is not supported",
        "unsupported_response_type" => "the response type is not supported",
        "invalid_scope" => "the requested access was refused",
        "access_denied" => "access was declined on the provider's consent page",
        "server_error" => "the authorisation server failed",
        "temporarily_unavailable" => "the authorisation server is temporarily unavailable",
        _ => "the authorisation server refused the request",
    }
}

/// A message by HTTP status alone.
pub(crate) fn by_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "the request was refused as invalid",
        401 => "the credentials were refused",
        403 => "permission denied",
        404 => "not found",
        429 => "rate limited",
        500..=599 => "server error at the platform",
        _ => "the request was refused",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_have_their_words_and_the_rest_fall_back_to_the_status() {
        let s = |n| StatusCode::from_u16(n).unwrap_or(StatusCode::BAD_REQUEST);
        assert_eq!(meta(Some(100), None, s(400)), "invalid parameter");
        assert_eq!(
            meta(Some(190), Some(463), s(400)),
            "the access token has expired"
        );
        assert_eq!(
            meta(Some(99_999), None, s(503)),
            "server error at the platform"
        );
        assert_eq!(meta(None, None, s(418)), "the request was refused");
        assert!(meta(Some(3018), None, s(400)).contains("more than 37 months ago"));
        assert_eq!(
            google(
                Some("quotaError.RESOURCE_EXHAUSTED"),
                Some("RESOURCE_EXHAUSTED"),
                s(429)
            ),
            "a quota or rate limit was reached"
        );
        assert_eq!(
            google(None, Some("NOT_FOUND"), s(404)).split(':').next(),
            Some("not found")
        );
        assert_eq!(
            google(None, Some("SOMETHING_NEW"), s(403)),
            "permission denied"
        );
        assert_eq!(
            linkedin(None, true, s(429)),
            "the daily request limit was reached"
        );
        assert_eq!(linkedin(Some("X"), false, s(429)), "rate limited");
        assert!(oauth("invalid_grant").contains("authorise the connection again"));
        assert_eq!(
            oauth("made_up"),
            "the authorisation server refused the request"
        );
    }
}
