//! The Graph API's error answers, classified per Meta's error-code reference (the Ads Insights
//! API error codes, and the rate-limiting pages): which are throttles to wait out, which are
//! passing failures to retry, which ask for a smaller request or an asynchronous report, and
//! which are permanent.
//!
//! Branching is on `error.code` and `error_subcode`, never on the HTTP status (Meta sends
//! throttling as 400). Code 2 is not one thing: "service temporarily unavailable" and the
//! intermittent 1504043/1504044 are retried, but 1504041 (no data for the requested breakdowns)
//! and 1504042 (invalid custom metrics) fail the same way every time, and 1504038 is a timeout
//! that only an asynchronous report gets past.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use url::Url;

use super::P;
use crate::error::ConnectError;
use crate::http::by_status;
use crate::reason;

/// `{"error":{"message":…,"type":"OAuthException","code":17,"error_subcode":2446079,"is_transient":true,…}}`
#[derive(Debug, Deserialize)]
struct Envelope {
    error: MetaError,
}

#[derive(Debug, Deserialize)]
struct MetaError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    error_subcode: Option<i64>,
    #[serde(default)]
    is_transient: Option<bool>,
}

/// Meta's "Please reduce the amount of data you're asking for, then retry your request" (code 1,
/// HTTP 500): retrying the same page cannot help, a smaller page can.
const TOO_MUCH_DATA: &str = "reduce the amount of data";

/// The synchronous insights call timed out (100/1504018, 2/1504038): "try a smaller date range,
/// fetch less data, or use async jobs".
const TIMED_OUT: [(i64, i64); 2] = [(100, 1_504_018), (2, 1_504_038)];

/// The data-per-call limit (100/1487534), which applies to asynchronous reports as well: only a
/// shorter date range helps.
const DATA_PER_CALL: (i64, i64) = (100, 1_487_534);

/// Code 2 subcodes that fail the same way whatever the retry: no data for the requested
/// breakdowns (1504041), invalid custom metrics (1504042).
const PERMANENT_CODE_2: [i64; 2] = [1_504_041, 1_504_042];

/// The error's code and subcode as we show them (`2/1504038`).
fn shown_code(code: Option<i64>, subcode: Option<i64>) -> Option<String> {
    code.map(|c| match subcode {
        Some(sub) => format!("{c}/{sub}"),
        None => c.to_string(),
    })
}

fn code_is(e: &ConnectError, wanted: (i64, i64)) -> bool {
    let text = format!("{}/{}", wanted.0, wanted.1);
    matches!(e, ConnectError::Api { code: Some(c), .. } if *c == text)
}

/// Whether the answer asks for a smaller page (code 1, "reduce the amount of data").
pub(super) fn is_too_much_data(e: &ConnectError) -> bool {
    matches!(e, ConnectError::Api { message, .. } if message == reason::META_TOO_MUCH_DATA)
}

/// Whether the synchronous call timed out and the window should be read as an asynchronous
/// report instead.
pub(super) fn asks_for_async(e: &ConnectError) -> bool {
    TIMED_OUT.iter().any(|pair| code_is(e, *pair))
}

/// Whether the window holds more data than one call may return (a shorter window helps).
pub(super) fn asks_for_shorter_range(e: &ConnectError) -> bool {
    code_is(e, DATA_PER_CALL)
}

/// The same page URL with half the `limit`, or `None` when it is already 1 (or absent).
pub(super) fn halve_limit(url: &Url) -> Option<Url> {
    let limit: u32 = url
        .query_pairs()
        .find(|(k, _)| k == "limit")
        .and_then(|(_, v)| v.parse().ok())?;
    if limit <= 1 {
        return None;
    }
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "limit" {
                (limit / 2).to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let mut out = url.clone();
    out.set_query(None);
    out.query_pairs_mut().extend_pairs(pairs);
    Some(out)
}

/// Whether a Meta error code means "slow down": application (4), account (17), page (32) and
/// API (613) limits and the 80000-range business-use-case throttles.
pub fn is_rate_limit_code(code: i64) -> bool {
    matches!(code, 4 | 17 | 32 | 613 | 80_000..=80_014)
}

/// A Graph API error answer as our error.
pub(crate) fn classify(status: StatusCode, headers: &HeaderMap, body: &str) -> ConnectError {
    let Ok(Envelope { error }) = serde_json::from_str::<Envelope>(body) else {
        return by_status(
            P,
            status,
            headers,
            None,
            reason::by_status(status).to_owned(),
        );
    };
    let (c, sub) = (error.code, error.error_subcode);
    let code = shown_code(c, sub);
    let upstream = error.message.as_deref().unwrap_or_default();
    reason::log_upstream(P, Some(upstream));
    let too_much_data = c == Some(1) && upstream.contains(TOO_MUCH_DATA);
    let message = if too_much_data {
        reason::META_TOO_MUCH_DATA
    } else {
        reason::meta(c, sub, status)
    }
    .to_owned();
    let s = status.as_u16();
    let api = |code, message| ConnectError::Api {
        platform: P,
        status: s,
        code,
        message,
    };
    let unavailable = |code, message| ConnectError::Unavailable {
        platform: P,
        status: s,
        code,
        message,
    };
    match (c, sub) {
        (Some(2635), _) => ConnectError::RetiredVersion {
            platform: P,
            status: s,
            code,
            version: None,
        },
        (Some(190 | 102), _) => ConnectError::Unauthorized {
            platform: P,
            status: s,
            code,
            message,
        },
        (Some(c), _) if is_rate_limit_code(c) => ConnectError::RateLimited {
            platform: P,
            status: s,
            code,
            message,
            retry_after: crate::retry::retry_after(headers).or_else(|| regain_access(headers)),
        },
        (Some(c), Some(sub)) if TIMED_OUT.contains(&(c, sub)) || (c, sub) == DATA_PER_CALL => {
            api(code, message)
        }
        (Some(2), Some(sub)) if PERMANENT_CODE_2.contains(&sub) => api(code, message),
        (Some(1), _) if too_much_data => api(code, message),
        (Some(1 | 2), _) => unavailable(code, message),
        _ if error.is_transient == Some(true) => unavailable(code, message),
        _ => {
            let mut e = by_status(P, status, headers, code, message);
            if let ConnectError::RateLimited { retry_after, .. } = &mut e {
                *retry_after = retry_after.or_else(|| regain_access(headers));
            }
            e
        }
    }
}

/// The longest `estimated_time_to_regain_access` (minutes) in `x-business-use-case-usage`.
fn regain_access(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get("x-business-use-case-usage")?.to_str().ok()?;
    let usage: serde_json::Value = serde_json::from_str(raw).ok()?;
    let minutes = usage
        .as_object()?
        .values()
        .filter_map(|v| v.as_array())
        .flatten()
        .filter_map(|e| e.get("estimated_time_to_regain_access")?.as_u64())
        .max()?;
    (minutes > 0).then(|| Duration::from_secs(minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn meta(code: i64, subcode: Option<i64>, transient: bool) -> ConnectError {
        let sub = subcode.map_or(String::new(), |s| format!(r#","error_subcode":{s}"#));
        let body = format!(
            r#"{{"error":{{"message":"x","type":"OAuthException","code":{code}{sub},"is_transient":{transient},"fbtrace_id":"A"}}}}"#
        );
        classify(StatusCode::BAD_REQUEST, &HeaderMap::new(), &body)
    }

    #[test]
    fn throttling_codes_are_rate_limits_with_the_usage_wait() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-business-use-case-usage",
            HeaderValue::from_static(r#"{"123":[{"type":"ads_insights","call_count":100,"total_cputime":3,"total_time":4,"estimated_time_to_regain_access":1}]}"#),
        );
        let body = r#"{"error":{"message":"(#17) User request limit reached","type":"OAuthException","is_transient":true,"code":17,"error_subcode":2446079,"fbtrace_id":"AbC"}}"#;
        match classify(StatusCode::BAD_REQUEST, &h, body) {
            ConnectError::RateLimited {
                code,
                retry_after,
                status,
                ..
            } => {
                assert_eq!(code.as_deref(), Some("17/2446079"));
                assert_eq!(retry_after, Some(Duration::from_secs(60)));
                assert_eq!(status, 400);
            }
            other => panic!("unexpected {other:?}"),
        }
        for code in [4, 32, 613, 80000, 80004, 80014] {
            assert!(is_rate_limit_code(code), "{code}");
        }
        assert!(!is_rate_limit_code(100) && !is_rate_limit_code(80_015));
        assert!(meta(4, Some(1_504_022), true).is_rate_limited());
        assert!(meta(4, Some(1_504_039), true).is_rate_limited());
        assert!(meta(190, Some(463), false).requires_reauthorization());
    }

    #[test]
    fn code_2_is_split_by_subcode_per_the_error_reference() {
        assert!(matches!(
            meta(2, None, true),
            ConnectError::Unavailable { .. }
        ));
        assert!(matches!(
            meta(2, Some(1_504_043), true),
            ConnectError::Unavailable { .. }
        ));
        assert!(matches!(
            meta(2, Some(1_504_044), true),
            ConnectError::Unavailable { .. }
        ));
        // Permanent, even when Meta flags the answer as transient.
        for sub in [1_504_041, 1_504_042] {
            let e = meta(2, Some(sub), true);
            assert!(matches!(e, ConnectError::Api { .. }), "{e:?}");
            assert!(!asks_for_async(&e));
        }
        // The timeouts ask for an asynchronous report, not for the same call again.
        for (code, sub) in [(2, 1_504_038), (100, 1_504_018)] {
            let e = meta(code, Some(sub), code == 2);
            assert!(matches!(e, ConnectError::Api { .. }), "{e:?}");
            assert!(asks_for_async(&e), "{e:?}");
        }
        let e = meta(100, Some(1_487_534), false);
        assert!(asks_for_shorter_range(&e) && !asks_for_async(&e));
        assert!(matches!(meta(100, None, false), ConnectError::Api { .. }));
    }

    #[test]
    fn a_retired_version_is_reported_as_such() {
        let body = r#"{"error":{"message":"(#2635) You are calling a deprecated version of the Ads API. Please update to the latest version: v27.0.","type":"OAuthException","code":2635,"fbtrace_id":"A"}}"#;
        let e = classify(StatusCode::BAD_REQUEST, &HeaderMap::new(), body);
        assert!(e.is_retired_version(), "{e:?}");
        assert_eq!(
            e.with_version("v23.0").to_string(),
            "meta: HTTP 400, code 2635: the platform no longer serves API version v23.0"
        );
    }
}
