//! GA4 runReport: positional rows, offset paging, quota errors, token refresh, average order value.

use std::sync::Arc;
use std::time::Duration;

use rust_decimal_macros::dec;
use secrecy::ExposeSecret;
use spendlens_connect::{
    ConnectError, Connector, Ga4Connector, OAuthConfig, RefreshingToken, TokenSet,
    average_order_value,
};
use spendlens_core::Platform;
use wiremock::Mock;
use wiremock::matchers::{bearer_token, body_partial_json, body_string_contains, method, path};

use crate::support::{FixedClock, TestEnv, at, d, json, range, secret, static_token};

const RUN_REPORT: &str = "/v1beta/properties/314159265:runReport";

async fn mount_pages(env: &TestEnv) {
    Mock::given(method("POST"))
        .and(path(RUN_REPORT))
        .and(body_partial_json(serde_json::json!({
            "dateRanges": [{"startDate": "2024-06-01", "endDate": "2024-06-02"}],
            "dimensions": [{"name": "date"}, {"name": "sessionCampaignName"}],
            "limit": "2",
            "offset": "0"
        })))
        .respond_with(json(200, "ga4_page1.json"))
        .with_priority(5)
        .mount(&env.server)
        .await;
    Mock::given(method("POST"))
        .and(path(RUN_REPORT))
        .and(body_partial_json(
            serde_json::json!({"limit": "2", "offset": "2"}),
        ))
        .respond_with(json(200, "ga4_page2.json"))
        .with_priority(5)
        .mount(&env.server)
        .await;
}

fn connector(env: &TestEnv) -> Ga4Connector {
    Ga4Connector::new(env.http.clone(), env.base(), static_token("ya29.test")).with_page_size(2)
}

#[tokio::test]
async fn offset_paging_reads_every_row_and_gives_the_average_order_value() {
    let env = TestEnv::start().await;
    mount_pages(&env).await;
    let rows = connector(&env)
        .fetch_daily("properties/314159265", range("2024-06-01", "2024-06-02"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3);
    assert_eq!(env.requests_to(RUN_REPORT).await.len(), 2);
    let r0 = &rows[0];
    assert_eq!(
        (r0.date, r0.external_campaign_id.as_str()),
        (d("2024-06-01"), "summer_sale")
    );
    assert_eq!(r0.platform, Platform::Ga4);
    assert_eq!((r0.revenue, r0.conversions), (Some(dec!(2450.5)), dec!(30)));
    assert_eq!(r0.spend, dec!(0));
    assert_eq!(r0.currency.as_deref(), Some("USD"));
    // Sorted by date then campaign: "(not set)" before "summer_sale".
    assert_eq!(rows[1].external_campaign_id, "(not set)");
    assert_eq!(rows[1].revenue, Some(dec!(99.99)));

    let aov = average_order_value(&rows).expect("orders");
    assert_eq!(aov, dec!(4530.49) / dec!(55));
}

#[tokio::test]
async fn a_report_without_rows_is_empty() {
    let env = TestEnv::start().await;
    Mock::given(path(RUN_REPORT))
        .respond_with(json(200, "ga4_empty.json"))
        .mount(&env.server)
        .await;
    let rows = connector(&env)
        .fetch_daily("314159265", range("2024-06-01", "2024-06-02"))
        .await
        .expect("rows");
    assert!(rows.is_empty());
    assert_eq!(average_order_value(&rows), None);
}

#[tokio::test]
async fn a_short_page_before_row_count_is_reached_fails_the_fetch() {
    let env = TestEnv::start().await;
    Mock::given(path(RUN_REPORT))
        .and(body_partial_json(serde_json::json!({"offset": "0"})))
        .respond_with(json(200, "ga4_page1.json"))
        .mount(&env.server)
        .await;
    Mock::given(path(RUN_REPORT))
        .and(body_partial_json(serde_json::json!({"offset": "2"})))
        .respond_with(json(200, "ga4_empty.json"))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .fetch_daily("314159265", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("inconsistent paging");
    assert!(matches!(err, ConnectError::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn concurrent_request_quota_is_retried_after_30_seconds() {
    let env = TestEnv::start().await;
    mount_pages(&env).await;
    Mock::given(path(RUN_REPORT))
        .respond_with(json(429, "ga4_429_concurrent.json"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&env.server)
        .await;
    let rows = connector(&env)
        .fetch_daily("314159265", range("2024-06-01", "2024-06-02"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3);
    assert_eq!(env.sleeper.delays(), vec![Duration::from_secs(30)]);
}

/// An hourly token bucket comes back within the hour: more than a sync waits, so it fails at
/// once with the quota named and the wait for the app to schedule, without a second request.
#[tokio::test]
async fn an_hourly_token_quota_fails_with_its_wait() {
    let env = TestEnv::start().await;
    Mock::given(path(RUN_REPORT))
        .respond_with(json(429, "ga4_429_hourly.json"))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .fetch_daily("314159265", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("quota");
    match &err {
        ConnectError::QuotaExhausted { quota, code, .. } => {
            assert_eq!(quota.name, "property tokens per project per hour");
            assert_eq!(code.as_deref(), Some("RESOURCE_EXHAUSTED"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(err.wait(), Some(Duration::from_secs(3600)));
    assert_eq!(env.requests_to(RUN_REPORT).await.len(), 1);
    assert!(env.sleeper.delays().is_empty());
}

/// An exhausted daily property quota is not an ordinary rate limit: it comes back at midnight
/// Pacific time, dated by the client's clock.
#[tokio::test]
async fn a_daily_property_quota_waits_for_midnight_pacific() {
    let env = TestEnv::start().await;
    Mock::given(path(RUN_REPORT))
        .respond_with(json(429, "ga4_429_daily.json"))
        .mount(&env.server)
        .await;
    let http = env
        .http
        .clone()
        .with_clock(Arc::new(FixedClock(at("2026-12-04T21:00:00Z"))));
    let err = Ga4Connector::new(http, env.base(), static_token("ya29.ga4"))
        .fetch_daily("314159265", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("quota");
    assert!(
        matches!(&err, ConnectError::QuotaExhausted { quota, .. } if quota.is_daily()),
        "{err:?}"
    );
    // 21:00 UTC is 13:00 PST: eleven hours to midnight.
    assert_eq!(err.wait(), Some(Duration::from_secs(11 * 3600)));
    assert!(
        err.to_string()
            .ends_with("property tokens per day, which resets at midnight Pacific time"),
        "{err}"
    );
    assert_eq!(env.requests_to(RUN_REPORT).await.len(), 1);
    assert!(env.sleeper.delays().is_empty());
}

fn google_oauth(env: &TestEnv) -> OAuthConfig {
    OAuthConfig::google(
        "ga-client.apps.googleusercontent.com",
        secret("ga-secret"),
        env.url("/oauth/callback"),
        vec!["https://www.googleapis.com/auth/analytics.readonly".into()],
    )
    .expect("config")
    .with_endpoints(env.url("/o/oauth2/v2/auth"), env.url("/token"))
}

async fn mount_token_endpoint(env: &TestEnv, expected_calls: u64) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=1%2F%2F0g-refresh"))
        .and(body_string_contains("client_secret=ga-secret"))
        .respond_with(json(200, "google_token.json"))
        .expect(expected_calls)
        .mount(&env.server)
        .await;
}

#[tokio::test]
async fn a_401_refreshes_the_token_and_repeats_the_request() {
    let env = TestEnv::start().await;
    mount_pages(&env).await;
    mount_token_endpoint(&env, 1).await;
    Mock::given(path(RUN_REPORT))
        .and(bearer_token("ya29.revoked"))
        .respond_with(json(401, "google_401_unauthenticated.json"))
        .with_priority(1)
        .mount(&env.server)
        .await;
    let token = Arc::new(RefreshingToken::new(
        google_oauth(&env),
        env.http.reqwest().clone(),
        Arc::new(FixedClock(at("2024-06-03T08:00:00Z"))),
        TokenSet {
            access_token: secret("ya29.revoked"),
            refresh_token: Some(secret("1//0g-refresh")),
            expires_at: Some(at("2024-06-03T08:30:00Z")),
            refresh_expires_at: None,
            scopes: vec![],
        },
    ));
    let rows = Ga4Connector::new(env.http.clone(), env.base(), token.clone())
        .with_page_size(2)
        .fetch_daily("314159265", range("2024-06-01", "2024-06-02"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3);
    let now = token.current().await;
    assert_eq!(now.access_token.expose_secret(), "ya29.new-access-token");
    // Google does not send a new refresh token: the old one is kept.
    assert_eq!(
        now.refresh_token.as_ref().map(|t| t.expose_secret()),
        Some("1//0g-refresh")
    );
    let pages = env.requests_to(RUN_REPORT).await;
    assert_eq!(
        pages.len(),
        3,
        "the rejected call, then two pages with the new token"
    );
    assert!(pages[1..].iter().all(|r| {
        r.headers
            .get("authorization")
            .is_some_and(|v| v == "Bearer ya29.new-access-token")
    }));
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_before_the_first_call() {
    let env = TestEnv::start().await;
    mount_token_endpoint(&env, 1).await;
    Mock::given(path(RUN_REPORT))
        .and(bearer_token("ya29.new-access-token"))
        .respond_with(json(200, "ga4_empty.json"))
        .mount(&env.server)
        .await;
    Mock::given(path(RUN_REPORT))
        .respond_with(json(401, "google_401_unauthenticated.json"))
        .with_priority(10)
        .mount(&env.server)
        .await;
    let token = Arc::new(RefreshingToken::new(
        google_oauth(&env),
        env.http.reqwest().clone(),
        // Two minutes before expiry: inside the five-minute margin.
        Arc::new(FixedClock(at("2024-06-03T08:28:00Z"))),
        TokenSet {
            access_token: secret("ya29.about-to-expire"),
            refresh_token: Some(secret("1//0g-refresh")),
            expires_at: Some(at("2024-06-03T08:30:00Z")),
            refresh_expires_at: None,
            scopes: vec![],
        },
    ));
    Ga4Connector::new(env.http.clone(), env.base(), token.clone())
        .fetch_daily("314159265", range("2024-06-01", "2024-06-02"))
        .await
        .expect("rows");
    assert_eq!(env.requests_to(RUN_REPORT).await.len(), 1);
    assert_eq!(
        token.current().await.expires_at,
        Some(at("2024-06-03T08:28:00Z") + chrono::TimeDelta::seconds(3599))
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_asks_for_reauthorisation() {
    let env = TestEnv::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(json(400, "google_token_invalid_grant.json"))
        .mount(&env.server)
        .await;
    Mock::given(path(RUN_REPORT))
        .respond_with(json(401, "google_401_unauthenticated.json"))
        .mount(&env.server)
        .await;
    let token = Arc::new(RefreshingToken::new(
        google_oauth(&env),
        env.http.reqwest().clone(),
        Arc::new(FixedClock(at("2024-06-03T08:00:00Z"))),
        TokenSet {
            access_token: secret("ya29.revoked"),
            refresh_token: Some(secret("1//0g-refresh")),
            expires_at: None,
            refresh_expires_at: None,
            scopes: vec![],
        },
    ));
    let err = Ga4Connector::new(env.http.clone(), env.base(), token.clone())
        .fetch_daily("314159265", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("revoked");
    assert!(err.requires_reauthorization(), "{err:?}");
    assert!(matches!(&err, ConnectError::OAuth { code, .. } if code == "invalid_grant"));
    // The stored grant is left as it was for the user to re-authorise.
    assert_eq!(
        token.current().await.access_token.expose_secret(),
        "ya29.revoked"
    );
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("1//0g-refresh") && !shown.contains("ga-secret"),
        "{shown}"
    );
}

#[tokio::test]
async fn property_ids_are_validated_before_any_request() {
    let env = TestEnv::start().await;
    let err = connector(&env)
        .fetch_daily("../../admin", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("bad id");
    assert!(matches!(err, ConnectError::Config(_)));
    assert!(
        env.server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}
