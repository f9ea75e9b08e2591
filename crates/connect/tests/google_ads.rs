//! Google Ads searchStream: micros, omitted zero metrics, quota errors, errors inside the stream.

use std::time::Duration;

use rust_decimal_macros::dec;
use spendlens_connect::{ConnectError, Connector, GoogleAdsConnector};
use spendlens_core::Platform;
use wiremock::matchers::{bearer_token, body_string_contains, header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{TestEnv, d, json, range, secret, static_token};

const STREAM: &str = "/v26/customers/1234567890/googleAds:searchStream";

/// The currency query, and a catch-all that rejects calls without a developer token the way
/// Google does.
async fn mount_common(env: &TestEnv) {
    Mock::given(method("POST"))
        .and(path(STREAM))
        .and(header("developer-token", "dev-token-123"))
        .and(header("login-customer-id", "9876543210"))
        .and(bearer_token("ya29.ads"))
        .and(body_string_contains("FROM customer"))
        .respond_with(json(200, "google_ads_currency.json"))
        .mount(&env.server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            r#"{"error":{"code":401,"message":"Request is missing required authentication credential.","status":"UNAUTHENTICATED"}}"#,
            "application/json",
        ))
        .with_priority(10)
        .mount(&env.server)
        .await;
}

fn between(start: &str, end: &str) -> String {
    format!("WHERE segments.date BETWEEN '{start}' AND '{end}' ORDER BY segments.date ASC")
}

fn connector(env: &TestEnv) -> GoogleAdsConnector {
    GoogleAdsConnector::new(
        env.http.clone(),
        env.base(),
        static_token("ya29.ads"),
        secret("dev-token-123"),
    )
    .with_login_customer_id("987-654-3210")
    .expect("manager id")
}

#[tokio::test]
async fn the_stream_is_read_with_exact_micros_and_omitted_metrics_as_zero() {
    let env = TestEnv::start().await;
    mount_common(&env).await;
    Mock::given(method("POST"))
        .and(path(STREAM))
        .and(header("developer-token", "dev-token-123"))
        .and(body_string_contains(between("2024-06-01", "2024-06-02")))
        .and(body_string_contains("metrics.cost_micros"))
        .respond_with(json(200, "google_ads_stream.json"))
        .mount(&env.server)
        .await;
    let rows = connector(&env)
        .fetch_daily("123-456-7890", range("2024-06-01", "2024-06-02"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3);
    let r0 = &rows[0];
    assert_eq!(
        (r0.date, r0.external_campaign_id.as_str()),
        (d("2024-06-01"), "20731000111")
    );
    assert_eq!(r0.platform, Platform::GoogleAds);
    assert_eq!(
        (r0.spend, r0.impressions, r0.clicks),
        (dec!(84.53), 2450, 120)
    );
    assert_eq!(
        (r0.conversions, r0.conversion_value),
        (dec!(14.0), Some(dec!(950.0)))
    );
    assert_eq!(r0.currency.as_deref(), Some("EUR"));
    // The second day has no conversion keys at all: zero, not missing.
    assert_eq!(
        (rows[1].spend, rows[1].conversions, rows[1].conversion_value),
        (dec!(71.02), dec!(0), Some(dec!(0)))
    );
    // Micros that do not divide into cents stay exact, as does a fractional conversion.
    assert_eq!(rows[2].spend, dec!(1.999999));
    assert_eq!(
        (rows[2].conversions, rows[2].conversion_value),
        (dec!(0.5), Some(dec!(33.333333)))
    );
}

#[tokio::test]
async fn a_retry_delay_beyond_the_limit_fails_at_once() {
    let env = TestEnv::start().await;
    mount_common(&env).await;
    Mock::given(path(STREAM))
        .and(body_string_contains("FROM campaign"))
        .respond_with(json(429, "google_ads_429.json"))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("quota");
    match &err {
        ConnectError::RateLimited {
            retry_after,
            code,
            status,
            ..
        } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(40591)));
            assert_eq!(code.as_deref(), Some("quotaError.RESOURCE_EXHAUSTED"));
            assert_eq!(*status, 429);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        env.sleeper.delays().is_empty(),
        "no eleven-hour sleep inside a sync"
    );
    assert!(!err.to_string().contains("dev-token-123"));
}

#[tokio::test]
async fn a_short_retry_delay_is_honoured() {
    let env = TestEnv::start().await;
    mount_common(&env).await;
    Mock::given(path(STREAM))
        .and(body_string_contains("FROM campaign"))
        .respond_with(json(200, "google_ads_stream.json"))
        .mount(&env.server)
        .await;
    Mock::given(path(STREAM))
        .and(body_string_contains("FROM campaign"))
        .respond_with(json(429, "google_ads_429_short.json"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&env.server)
        .await;
    let rows = connector(&env)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3);
    assert_eq!(env.sleeper.delays(), vec![Duration::from_secs(3)]);
}

#[tokio::test]
async fn an_error_inside_a_200_stream_fails_the_whole_fetch() {
    let env = TestEnv::start().await;
    mount_common(&env).await;
    Mock::given(path(STREAM))
        .and(body_string_contains("FROM campaign"))
        .respond_with(json(200, "google_ads_midstream_error.json"))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("stream error");
    match err {
        ConnectError::Api { status, code, .. } => {
            assert_eq!(status, 400);
            assert_eq!(
                code.as_deref(),
                Some("queryError.PROHIBITED_METRIC_IN_SELECT_OR_WHERE_CLAUSE")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn rows_outside_the_requested_days_are_refused() {
    let env = TestEnv::start().await;
    mount_common(&env).await;
    Mock::given(path(STREAM))
        .and(body_string_contains("FROM campaign"))
        .respond_with(json(200, "google_ads_stream.json"))
        .mount(&env.server)
        .await;
    // The fixture holds 2024-06-01, which this range does not.
    let err = connector(&env)
        .fetch_daily("1234567890", range("2024-06-02", "2024-06-02"))
        .await
        .expect_err("outside");
    assert!(matches!(err, ConnectError::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn long_ranges_are_queried_in_chunks() {
    let env = TestEnv::start().await;
    mount_common(&env).await;
    let empty = ResponseTemplate::new(200).set_body_raw(r#"[]"#, "application/json");
    for (s, e) in [("2024-05-01", "2024-05-31"), ("2024-06-01", "2024-06-10")] {
        Mock::given(path(STREAM))
            .and(body_string_contains(between(s, e)))
            .respond_with(empty.clone())
            .expect(1)
            .mount(&env.server)
            .await;
    }
    let rows = connector(&env)
        .fetch_daily("1234567890", range("2024-05-01", "2024-06-10"))
        .await
        .expect("rows");
    assert!(rows.is_empty());
}

/// A sunset version answers `requestError.UNSUPPORTED_VERSION`: reported as a retired version
/// naming the one sent, not as a generic refusal, and not retried.
#[tokio::test]
async fn a_sunset_version_is_reported_as_retired() {
    let env = TestEnv::start().await;
    Mock::given(method("POST"))
        .and(path("/v21/customers/1234567890/googleAds:searchStream"))
        .respond_with(json(400, "google_ads_unsupported_version.json"))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .with_version("v21")
        .fetch_daily("123-456-7890", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("sunset");
    assert!(err.is_retired_version(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "google_ads: HTTP 400, code requestError.UNSUPPORTED_VERSION: the platform no longer serves API version v21"
    );
    assert_eq!(
        env.requests_to("/v21/customers/1234567890/googleAds:searchStream")
            .await
            .len(),
        1
    );
    assert!(env.sleeper.delays().is_empty());
}
