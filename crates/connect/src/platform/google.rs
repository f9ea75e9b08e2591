//! What GA4, Sheets and Google Ads share: Google's error envelope and its retry hints.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use spendlens_core::Platform;

use crate::error::{ConnectError, safe_code};
use crate::http::{by_status, quota_exhausted};
use crate::quota::Quota;
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
    if code.as_deref() == Some("requestError.UNSUPPORTED_VERSION") {
        return ConnectError::RetiredVersion {
            platform,
            status: s,
            code,
            version: None,
        };
    }
    match error.status.as_deref() {
        Some("UNAUTHENTICATED") => ConnectError::Unauthorized {
            platform,
            status: s,
            code,
            message,
        },
        Some("RESOURCE_EXHAUSTED") => {
            let hint = crate::retry::retry_after(headers).or_else(|| retry_delay(&error.details));
            let quota = match (platform, hint) {
                (_, Some(_)) => None,
                (Platform::Sheets, None) => Some(sheets_quota(upstream)),
                (Platform::Ga4, None) => ga4_quota(upstream),
                _ => None,
            };
            match quota {
                Some(quota) => {
                    quota_exhausted(platform, http_status, headers, code, message, quota)
                }
                None => ConnectError::RateLimited {
                    platform,
                    status: s,
                    code,
                    message,
                    retry_after: hint.or_else(|| ga4_throttle_wait(platform, upstream)),
                },
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

/// The Sheets quota a 429 without `retryDelay` names. Sheets' read and write quotas are per
/// minute (per project, and per user per project) and refill every minute; the message is only
/// matched, never shown.
fn sheets_quota(message: &str) -> Quota {
    let m = message.to_ascii_lowercase();
    let per_user = m.contains("per user");
    match (m.contains("write"), per_user) {
        (false, true) => Quota::per_minute("read requests per minute per user"),
        (false, false) if m.contains("read") => Quota::per_minute("read requests per minute"),
        (true, true) => Quota::per_minute("write requests per minute per user"),
        (true, false) => Quota::per_minute("write requests per minute"),
        _ => Quota::per_minute("requests per minute"),
    }
}

/// The GA4 property quota a 429 names (GA4 says which token bucket ran out only in its
/// message): hourly buckets come back within the hour, daily ones at midnight Pacific time.
/// `None` for a throttle that is not a quota (concurrent requests) or a message not known.
fn ga4_quota(message: &str) -> Option<Quota> {
    let m = message.to_ascii_lowercase();
    let quota = if m.contains("per day") {
        Quota::google_daily("property tokens per day")
    } else if m.contains("tokens for a project per hour") || m.contains("per project per hour") {
        Quota::per_hour("property tokens per project per hour")
    } else if m.contains("tokens per hour") || m.contains("property tokens") {
        Quota::per_hour("property tokens per hour")
    } else if m.contains("potentially thresholded") {
        Quota::per_hour("potentially thresholded requests per hour")
    } else if m.contains("server errors") {
        Quota::per_hour("server errors per project per hour")
    } else {
        return None;
    };
    Some(quota)
}

/// GA4's concurrent-requests limit is a throttle: a request finishing frees a slot, so a short
/// wait (the 30 s Airbyte's connector uses) helps.
fn ga4_throttle_wait(platform: Platform, message: &str) -> Option<Duration> {
    (platform == Platform::Ga4 && message.to_ascii_lowercase().contains("concurrent requests"))
        .then_some(Duration::from_secs(30))
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
    fn ga4_and_sheets_quota_messages_name_the_quota() {
        let body = |m: &str| {
            format!(r#"{{"error":{{"code":429,"message":"{m}","status":"RESOURCE_EXHAUSTED"}}}}"#)
        };
        let ga4 = |m: &str| {
            classify(
                Platform::Ga4,
                StatusCode::TOO_MANY_REQUESTS,
                &HeaderMap::new(),
                &body(m),
            )
        };
        assert!(matches!(
            ga4("Exhausted concurrent requests quota."),
            ConnectError::RateLimited { retry_after: Some(w), .. } if w == Duration::from_secs(30)
        ));
        let quota_of = |e: ConnectError| match e {
            ConnectError::QuotaExhausted { quota, .. } => Some(quota),
            _ => None,
        };
        assert_eq!(
            quota_of(ga4("Exhausted property tokens for a project per hour.")),
            Some(Quota::per_hour("property tokens per project per hour"))
        );
        assert_eq!(
            quota_of(ga4("Exhausted property tokens per day quota.")),
            Some(Quota::google_daily("property tokens per day"))
        );
        assert_eq!(
            quota_of(ga4("Exhausted server errors quota.")),
            Some(Quota::per_hour("server errors per project per hour"))
        );
        assert!(matches!(
            ga4("Something else."),
            ConnectError::RateLimited {
                retry_after: None,
                ..
            }
        ));
        let sheets = classify(
            Platform::Sheets,
            StatusCode::TOO_MANY_REQUESTS,
            &HeaderMap::new(),
            &body(
                "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service 'sheets.googleapis.com'",
            ),
        );
        assert_eq!(
            sheets.to_string(),
            "sheets: quota exhausted (HTTP 429, code RESOURCE_EXHAUSTED): read requests per minute per user, which comes back after a minute"
        );
    }

    #[test]
    fn an_unsupported_version_is_a_retired_version() {
        let e = check(
            400,
            r#"{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.ads.googleads.v21.errors.GoogleAdsFailure","errors":[{"errorCode":{"requestError":"UNSUPPORTED_VERSION"},"message":"Version v21 is deprecated. Requests to this version will be blocked."}],"requestId":"x"}]}}"#,
        );
        assert!(e.is_retired_version(), "{e:?}");
        assert_eq!(
            e.with_version("v21").to_string(),
            "google_ads: HTTP 400, code requestError.UNSUPPORTED_VERSION: the platform no longer serves API version v21"
        );
    }
}
