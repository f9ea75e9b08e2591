//! What GA4, Sheets and Google Ads share: Google's error envelope and its retry hints.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use spendlens_core::Platform;

use crate::error::{ConnectError, safe_code};
use crate::http::by_status;
use crate::reason;

/// `{"error":{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED","details":[…]}}`
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope {
    pub(crate) error: GoogleError,
}

#[derive(Debug, Deserialize)]
pub(crate) struct GoogleError {
    #[serde(default)]
    pub(crate) code: Option<u16>,
    #[serde(default)]
    pub(crate) message: Option<String>,
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) details: Vec<serde_json::Value>,
}

/// The classifier for one Google platform (the `Classify` fn pointers need one per platform).
pub(crate) fn classify_ga4(status: StatusCode, headers: &HeaderMap, body: &str) -> ConnectError {
    classify(Platform::Ga4, status, headers, body)
}

pub(crate) fn classify_sheets(status: StatusCode, headers: &HeaderMap, body: &str) -> ConnectError {
    classify(Platform::Sheets, status, headers, body)
}

pub(crate) fn classify_ads(status: StatusCode, headers: &HeaderMap, body: &str) -> ConnectError {
    classify(Platform::GoogleAds, status, headers, body)
}

/// A Google error response. Errors raised before a stream starts are a plain object; Google Ads
/// wraps mid-stream errors in an array (`[{"error":{…}}]`): both are accepted.
pub(crate) fn classify(
    platform: Platform,
    status: StatusCode,
    headers: &HeaderMap,
    body: &str,
) -> ConnectError {
    match envelope(body) {
        Some(env) => from_error(platform, status, headers, &env.error),
        None => by_status(
            platform,
            status,
            headers,
            None,
            reason::by_status(status).to_owned(),
        ),
    }
}

/// The error envelope of a body that is either `{"error":…}` or `[{"error":…}, …]`.
///
/// Dispatches on the JSON shape first: serde would happily read an array into a struct
/// positionally and produce an empty error.
pub(crate) fn envelope(body: &str) -> Option<Envelope> {
    match serde_json::from_str::<serde_json::Value>(body).ok()? {
        v @ serde_json::Value::Object(_) => serde_json::from_value(v).ok(),
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter(serde_json::Value::is_object)
            .find_map(|v| serde_json::from_value(v).ok()),
        _ => None,
    }
}

/// Classify one parsed Google error (also used for an error element inside a 200 stream).
pub(crate) fn from_error(
    platform: Platform,
    status: StatusCode,
    headers: &HeaderMap,
    error: &GoogleError,
) -> ConnectError {
    let http_status = if status.is_success() {
        error
            .code
            .and_then(|c| StatusCode::from_u16(c).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    } else {
        status
    };
    let upstream = error.message.as_deref().unwrap_or_default();
    reason::log_upstream(platform, Some(upstream));
    let ads_code = ads_error_code(&error.details);
    let message =
        reason::google(ads_code.as_deref(), error.status.as_deref(), http_status).to_owned();
    let code = ads_code
        .or_else(|| error.status.clone())
        .and_then(|c| safe_code(&c));
    let s = http_status.as_u16();
    match error.status.as_deref() {
        Some("UNAUTHENTICATED") => ConnectError::Unauthorized {
            platform,
            status: s,
            code,
            message,
        },
        Some("RESOURCE_EXHAUSTED") => {
            let retry_after = crate::retry::retry_after(headers)
                .or_else(|| retry_delay(&error.details))
                .or_else(|| ga4_quota_wait(upstream));
            ConnectError::RateLimited {
                platform,
                status: s,
                code,
                message,
                retry_after,
            }
        }
        Some("UNAVAILABLE" | "INTERNAL" | "DEADLINE_EXCEEDED") => ConnectError::Unavailable {
            platform,
            status: s,
            code,
            message,
        },
        _ => {
            let mut e = by_status(platform, http_status, headers, code, message);
            if let ConnectError::RateLimited { retry_after, .. } = &mut e
                && retry_after.is_none()
            {
                *retry_after = retry_delay(&error.details);
            }
            e
        }
    }
}

/// Google Ads' specific error code, `quotaError.RESOURCE_EXHAUSTED`, from a GoogleAdsFailure.
fn ads_error_code(details: &[serde_json::Value]) -> Option<String> {
    details.iter().find_map(|d| {
        let first = d.get("errors")?.as_array()?.first()?;
        let (kind, value) = first.get("errorCode")?.as_object()?.iter().next()?;
        Some(format!("{kind}.{}", value.as_str().unwrap_or_default()))
    })
}

/// A `retryDelay` ("40591s", "0.5s") anywhere in the details: `google.rpc.RetryInfo` or Google
/// Ads' `quotaErrorDetails`.
fn retry_delay(details: &[serde_json::Value]) -> Option<Duration> {
    fn find(v: &serde_json::Value) -> Option<Duration> {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(d) = map.get("retryDelay").and_then(|d| d.as_str()) {
                    let secs = d.trim().strip_suffix('s')?.parse::<f64>().ok()?;
                    if secs.is_finite() && secs >= 0.0 {
                        return Some(Duration::from_secs_f64(secs));
                    }
                }
                map.values().find_map(find)
            }
            serde_json::Value::Array(items) => items.iter().find_map(find),
            _ => None,
        }
    }
    details.iter().find_map(find)
}

/// GA4 states which token bucket ran out only in the message; the waits are the ones the
/// Airbyte connector uses for each bucket.
fn ga4_quota_wait(message: &str) -> Option<Duration> {
    let m = message.to_ascii_lowercase();
    let minutes = if m.contains("concurrent requests") {
        return Some(Duration::from_secs(30));
    } else if m.contains("tokens for a project per hour")
        || m.contains("potentially thresholded")
        || m.contains("property tokens per hour")
    {
        30
    } else if m.contains("server errors") {
        60
    } else if m.contains("per day") {
        24 * 60
    } else {
        return None;
    };
    Some(Duration::from_secs(minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: u16, body: &str) -> ConnectError {
        classify(
            Platform::GoogleAds,
            StatusCode::from_u16(status).expect("status"),
            &HeaderMap::new(),
            body,
        )
    }

    #[test]
    fn google_ads_quota_error_carries_retry_delay_and_code() {
        let body = r#"{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED",
   "details":[{"@type":"type.googleapis.com/google.ads.googleads.v21.errors.GoogleAdsFailure",
     "errors":[{"errorCode":{"quotaError":"RESOURCE_EXHAUSTED"},"message":"Too many requests. Retry in 40591 seconds.",
       "details":{"quotaErrorDetails":{"rateScope":"DEVELOPER","rateName":"Number of operations for basic access","retryDelay":"40591s"}}}],
     "requestId":"xN_KaZRHZuU6Rlgt3cM2uQ"}]}}"#;
        match check(429, body) {
            ConnectError::RateLimited {
                code,
                retry_after,
                status,
                ..
            } => {
                assert_eq!(code.as_deref(), Some("quotaError.RESOURCE_EXHAUSTED"));
                assert_eq!(retry_after, Some(Duration::from_secs(40591)));
                assert_eq!(status, 429);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn envelope_statuses_map_to_variants() {
        let e = check(
            403,
            r#"{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}"#,
        );
        assert!(
            matches!(e, ConnectError::Api { status: 403, ref code, .. } if code.as_deref() == Some("PERMISSION_DENIED"))
        );
        let e = check(
            401,
            r#"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}"#,
        );
        assert!(e.requires_reauthorization());
        let e = check(
            503,
            r#"[{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}]"#,
        );
        assert!(matches!(e, ConnectError::Unavailable { .. }));
        let e = check(502, "<html>Bad Gateway</html>");
        assert!(matches!(e, ConnectError::Unavailable { status: 502, .. }));
    }

    #[test]
    fn the_platform_message_is_never_shown_and_the_code_is_cleaned() {
        let e = check(
            403,
            r#"{"error":{"code":403,"message":"no route to admin.corp.internal:8443\n\u001b[2J","status":"PERMISSION_DENIED\r\nX"}}"#,
        );
        assert_eq!(
            e.to_string(),
            "google_ads: HTTP 403, code PERMISSION_DENIEDX: permission denied"
        );
        let e = check(500, &format!("<pre>{}</pre>", "trace ".repeat(500)));
        assert_eq!(
            e.to_string(),
            "google_ads: temporarily unavailable (HTTP 500): server error at the platform"
        );
    }

    #[test]
    fn ga4_quota_messages_set_the_wait() {
        let body = |m: &str| {
            format!(r#"{{"error":{{"code":429,"message":"{m}","status":"RESOURCE_EXHAUSTED"}}}}"#)
        };
        let wait = |m: &str| match classify(
            Platform::Ga4,
            StatusCode::TOO_MANY_REQUESTS,
            &HeaderMap::new(),
            &body(m),
        ) {
            ConnectError::RateLimited { retry_after, .. } => retry_after,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(
            wait("Exhausted concurrent requests quota."),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            wait("Exhausted property tokens for a project per hour."),
            Some(Duration::from_secs(1800))
        );
        assert_eq!(
            wait("Exhausted server errors quota."),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(wait("Something else."), None);
    }
}
