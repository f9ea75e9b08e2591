//! LinkedIn adAnalytics: versioned headers, Rest.li query syntax, chunking, 429s and refresh.

use std::sync::Arc;
use std::time::Duration;

use rust_decimal_macros::dec;
use secrecy::ExposeSecret;
use spendlens_connect::{
    ConnectError, Connector, LinkedInConnector, OAuthConfig, RefreshingToken, TokenSet,
};
use spendlens_core::Platform;
use wiremock::matchers::{bearer_token, body_string_contains, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{FixedClock, MAX_ATTEMPTS, TestEnv, at, d, json, range, secret, static_token};

const ACCOUNT: &str = "5123456";
const ANALYTICS: &str = "/rest/adAnalytics";

/// The mock LinkedIn API: requires the versioned headers on every call (a request without them
/// gets LinkedIn's 400), serves the account and June's analytics.
async fn mount_api(env: &TestEnv) {
    Mock::given(path(format!("/rest/adAccounts/{ACCOUNT}")))
        .and(header("LinkedIn-Version", "202607"))
        .and(header("X-Restli-Protocol-Version", "2.0.0"))
        .respond_with(json(200, "linkedin_ad_account.json"))
        .mount(&env.server)
        .await;
    Mock::given(method("GET"))
        .and(path(ANALYTICS))
        .and(header("LinkedIn-Version", "202607"))
        .and(header("X-Restli-Protocol-Version", "2.0.0"))
        .and(query_param("q", "analytics"))
        .and(query_param("pivot", "(value:CAMPAIGN)"))
        .and(query_param("timeGranularity", "(value:DAILY)"))
        .and(query_param(
            "accounts",
            "List(urn:li:sponsoredAccount:5123456)",
        ))
        .and(query_param(
            "dateRange",
            "(start:(year:2024,month:6,day:1),end:(year:2024,month:6,day:30))",
        ))
        .respond_with(json(200, "linkedin_analytics_june.json"))
        .with_priority(5)
        .mount(&env.server)
        .await;
    Mock::given(method("GET"))
        .respond_with(json(400, "linkedin_400_missing_version.json"))
        .with_priority(10)
        .mount(&env.server)
        .await;
}

fn connector(env: &TestEnv) -> LinkedInConnector {
    LinkedInConnector::new(env.http.clone(), env.base(), static_token("AQV-test-token"))
}

#[tokio::test]
async fn campaign_days_are_read_with_versioned_headers_and_restli_ranges() {
    let env = TestEnv::start().await;
    mount_api(&env).await;
    let rows = connector(&env)
        .fetch_daily(ACCOUNT, range("2024-06-01", "2024-06-30"))
        .await
        .expect("rows");

    assert_eq!(rows.len(), 3);
    let first = &rows[0];
    assert_eq!(
        (first.date, first.external_campaign_id.as_str()),
        (d("2024-06-01"), "612345678")
    );
    assert_eq!(first.platform, Platform::LinkedIn);
    assert_eq!(first.spend, dec!(152.37));
    assert_eq!(
        (first.impressions, first.clicks, first.engagements),
        (8412, 61, 18)
    );
    assert_eq!(first.conversions, dec!(4));
    assert_eq!(first.conversion_value, Some(dec!(1200.00)));
    assert_eq!(first.currency.as_deref(), Some("EUR"));
    // Three decimals kept exactly.
    assert_eq!(rows[1].spend, dec!(139.055));
    // Metrics LinkedIn left out of an element read as zero.
    assert_eq!(
        (rows[2].external_campaign_id.as_str(), rows[2].conversions),
        ("612349999", dec!(0))
    );

    // The URN inside List(...) is percent-encoded, the Rest.li punctuation is not.
    let sent = env.requests_to(ANALYTICS).await;
    let query = sent[0].url.query().expect("query");
    assert!(
        query.contains("accounts=List(urn%3Ali%3AsponsoredAccount%3A5123456)"),
        "{query}"
    );
    assert!(
        query.contains("dateRange=(start:(year:2024,month:6,day:1),"),
        "{query}"
    );
    assert_eq!(
        sent[0].headers.get("authorization").expect("auth"),
        "Bearer AQV-test-token"
    );
}

#[tokio::test]
async fn a_missing_version_header_is_reported_with_linkedins_code() {
    let env = TestEnv::start().await;
    mount_api(&env).await;
    let err = LinkedInConnector::new(env.http.clone(), env.base(), static_token("t"))
        .with_version("201901")
        .fetch_daily(ACCOUNT, range("2024-06-01", "2024-06-30"))
        .await
        .expect_err("rejected");
    match err {
        ConnectError::Api { status, code, .. } => {
            assert_eq!((status, code.as_deref()), (400, Some("VERSION_MISSING")));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn long_ranges_are_chunked_and_a_failing_chunk_fails_the_whole_fetch() {
    let env = TestEnv::start().await;
    mount_api(&env).await;
    let july = "(start:(year:2024,month:7,day:1),end:(year:2024,month:7,day:1))";
    Mock::given(path(ANALYTICS))
        .and(query_param("dateRange", july))
        .respond_with(ResponseTemplate::new(500).set_body_raw(
            r#"{"message":"Internal Server Error","status":500,"code":"INTERNAL_ERROR"}"#,
            "application/json",
        ))
        .with_priority(1)
        .mount(&env.server)
        .await;

    let result = connector(&env)
        .fetch_daily(ACCOUNT, range("2024-06-01", "2024-07-01"))
        .await;
    // June was read fine, but nothing of it comes back: the fetch is all or nothing.
    assert!(
        matches!(result, Err(ConnectError::Unavailable { status: 500, .. })),
        "{result:?}"
    );
    let july_calls = env
        .requests_to(ANALYTICS)
        .await
        .into_iter()
        .filter(|r| r.url.query().is_some_and(|q| q.contains("month:7")))
        .count();
    assert_eq!(july_calls, MAX_ATTEMPTS as usize);
    assert_eq!(env.sleeper.delays().len(), (MAX_ATTEMPTS - 1) as usize);

    // The same range with a healthy July: both chunks merged.
    let env = TestEnv::start().await;
    mount_api(&env).await;
    Mock::given(path(ANALYTICS))
        .and(query_param("dateRange", july))
        .respond_with(json(200, "linkedin_analytics_july.json"))
        .with_priority(1)
        .mount(&env.server)
        .await;
    let rows = connector(&env)
        .fetch_daily(ACCOUNT, range("2024-06-01", "2024-07-01"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[3].date, d("2024-07-01"));
}

#[tokio::test]
async fn a_429_throttle_is_retried_after_retry_after() {
    let env = TestEnv::start().await;
    mount_api(&env).await;
    Mock::given(path(ANALYTICS))
        .respond_with(json(429, "linkedin_429_throttle.json").insert_header("Retry-After", "7"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&env.server)
        .await;
    let rows = connector(&env)
        .fetch_daily(ACCOUNT, range("2024-06-01", "2024-06-30"))
        .await
        .expect("rows after the retry");
    assert_eq!(rows.len(), 3);
    assert_eq!(env.sleeper.delays(), vec![Duration::from_secs(7)]);
}

#[tokio::test]
async fn a_daily_limit_429_is_not_retried() {
    let env = TestEnv::start().await;
    mount_api(&env).await;
    Mock::given(path(ANALYTICS))
        .respond_with(json(429, "linkedin_429_day_limit.json"))
        .with_priority(1)
        .mount(&env.server)
        .await;
    // At noon UTC the daily quota is half a day away: more than a sync waits. (Dated by the
    // answer's own Date header, the test retried when run in the last two minutes before
    // midnight UTC, when the reset is near enough to wait for.)
    let http = env
        .http
        .clone()
        .with_clock(Arc::new(FixedClock(at("2024-07-01T12:00:00Z"))));
    let err = LinkedInConnector::new(http, env.base(), static_token("AQV-test-token"))
        .fetch_daily(ACCOUNT, range("2024-06-01", "2024-06-30"))
        .await
        .expect_err("quota");
    assert!(
        matches!(err, ConnectError::QuotaExhausted { status: 429, .. }),
        "{err:?}"
    );
    assert_eq!(env.requests_to(ANALYTICS).await.len(), 1);
    assert!(env.sleeper.delays().is_empty());
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_the_request_repeated() {
    let env = TestEnv::start().await;
    mount_api(&env).await;
    // The old token is rejected everywhere; the new one passes through to the API mocks.
    Mock::given(bearer_token("AQV-expired"))
        .respond_with(json(401, "linkedin_401_expired.json"))
        .with_priority(1)
        .mount(&env.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=AQX-old-refresh"))
        .and(body_string_contains("client_id=li-client"))
        .and(body_string_contains("client_secret=li-secret"))
        .respond_with(json(200, "linkedin_token.json"))
        .expect(1)
        .mount(&env.server)
        .await;

    let oauth = OAuthConfig::linkedin(
        "li-client",
        secret("li-secret"),
        env.url("/callback"),
        vec!["r_ads_reporting".into()],
    )
    .expect("config")
    .with_endpoints(
        env.url("/oauth/v2/authorization"),
        env.url("/oauth/v2/accessToken"),
    );
    let token = Arc::new(RefreshingToken::new(
        oauth,
        env.http.reqwest().clone(),
        Arc::new(FixedClock(at("2024-07-01T06:00:00Z"))),
        TokenSet {
            access_token: secret("AQV-expired"),
            refresh_token: Some(secret("AQX-old-refresh")),
            // Not yet expired by our clock: LinkedIn revoked it early, so only the 401 tells.
            expires_at: Some(at("2024-08-01T00:00:00Z")),
            refresh_expires_at: None,
            scopes: vec![],
        },
    ));
    let rows = LinkedInConnector::new(env.http.clone(), env.base(), token.clone())
        .fetch_daily(ACCOUNT, range("2024-06-01", "2024-06-30"))
        .await
        .expect("rows with the new token");
    assert_eq!(rows.len(), 3);

    let now = token.current().await;
    assert_eq!(now.access_token.expose_secret(), "AQV-linkedin-new-access");
    assert_eq!(
        now.refresh_token.as_ref().map(|t| t.expose_secret()),
        Some("AQX-linkedin-refresh")
    );
    assert_eq!(
        now.expires_at,
        Some(at("2024-07-01T06:00:00Z") + chrono::TimeDelta::seconds(5_184_000))
    );
    // The refresh token's own end (`refresh_token_expires_in`) is kept, not dropped.
    assert_eq!(
        now.refresh_expires_at,
        Some(at("2024-07-01T06:00:00Z") + chrono::TimeDelta::seconds(31_536_000))
    );
    assert_eq!(now.grant_expires_at(), now.refresh_expires_at);
    // The renewal did not count as a retry.
    assert!(env.sleeper.delays().is_empty());
}

/// Any 429 on adAnalytics without `Retry-After` is the daily limit: one request, no quick
/// retries burning more of the day's calls, and the wait until midnight UTC for the app to
/// schedule the next attempt.
#[tokio::test]
async fn a_429_without_retry_after_waits_for_midnight_utc() {
    let env = TestEnv::start().await;
    mount_api(&env).await;
    Mock::given(path(ANALYTICS))
        .respond_with(json(429, "linkedin_429_throttle.json"))
        .with_priority(1)
        .mount(&env.server)
        .await;
    let http = env
        .http
        .clone()
        .with_clock(Arc::new(FixedClock(at("2026-12-04T21:15:00Z"))));
    let err = LinkedInConnector::new(http, env.base(), static_token("AQV-test-token"))
        .fetch_daily(ACCOUNT, range("2024-06-01", "2024-06-30"))
        .await
        .expect_err("daily limit");
    assert_eq!(err.wait(), Some(Duration::from_secs(2 * 3600 + 45 * 60)));
    assert_eq!(
        err.to_string(),
        "linkedin: quota exhausted (HTTP 429, code 101): the daily application and member request limit, which resets at midnight UTC"
    );
    assert_eq!(env.requests_to(ANALYTICS).await.len(), 1);
    assert!(env.sleeper.delays().is_empty());
}

fn linkedin_oauth(env: &TestEnv) -> OAuthConfig {
    OAuthConfig::linkedin(
        "li-client",
        secret("li-secret"),
        env.url("/callback"),
        vec!["r_ads_reporting".into()],
    )
    .expect("config")
    .with_endpoints(
        env.url("/oauth/v2/authorization"),
        env.url("/oauth/v2/accessToken"),
    )
}

/// The yearly re-login: once the refresh token's 365 days are over, the token endpoint answers
/// a bare `invalid_grant`; the error names the day the authorisation ended instead.
#[tokio::test]
async fn an_expired_refresh_token_asks_for_reauthorisation_with_its_date() {
    let env = TestEnv::start().await;
    mount_api(&env).await;
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            r#"{"error":"invalid_grant","error_description":"The provided authorization grant or refresh token is invalid, expired or revoked."}"#,
            "application/json",
        ))
        .mount(&env.server)
        .await;
    let grant = |refresh_end: &str| TokenSet {
        access_token: secret("AQV-old"),
        refresh_token: Some(secret("AQX-old-refresh")),
        expires_at: Some(at("2026-12-01T00:00:00Z")),
        refresh_expires_at: Some(at(refresh_end)),
        scopes: vec![],
    };
    let clock = Arc::new(FixedClock(at("2026-12-05T10:00:00Z")));
    // Refused within the minutes before its stated end (clocks drift): the day is named.
    let token = Arc::new(RefreshingToken::new(
        linkedin_oauth(&env),
        env.http.reqwest().clone(),
        clock.clone(),
        grant("2026-12-05T10:02:00Z"),
    ));
    let err = LinkedInConnector::new(env.http.clone(), env.base(), token)
        .fetch_daily(ACCOUNT, range("2024-06-01", "2024-06-30"))
        .await
        .expect_err("expired");
    assert!(err.requires_reauthorization(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the authorisation expired on 2026-12-05; the connection needs to be re-authorised"
    );
    assert_eq!(env.requests_to("/oauth/v2/accessToken").await.len(), 1);

    // Past its end, the refresh token is not even sent.
    let env = TestEnv::start().await;
    mount_api(&env).await;
    let token = Arc::new(RefreshingToken::new(
        linkedin_oauth(&env),
        env.http.reqwest().clone(),
        clock,
        grant("2026-11-30T08:00:00Z"),
    ));
    let err = LinkedInConnector::new(env.http.clone(), env.base(), token)
        .fetch_daily(ACCOUNT, range("2024-06-01", "2024-06-30"))
        .await
        .expect_err("expired");
    assert!(matches!(err, ConnectError::GrantExpired { .. }), "{err:?}");
    assert!(err.to_string().contains("2026-11-30"), "{err}");
    assert!(env.requests_to("/oauth/v2/accessToken").await.is_empty());
    assert!(env.requests_to(ANALYTICS).await.is_empty());
}

#[tokio::test]
async fn a_retired_linkedin_version_is_reported_as_such() {
    let env = TestEnv::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(426).set_body_raw(
            r#"{"status":426,"code":"NONEXISTENT_VERSION","message":"Requested version 20250401 is not active"}"#,
            "application/json",
        ))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .with_version("202504")
        .fetch_daily(ACCOUNT, range("2024-06-01", "2024-06-30"))
        .await
        .expect_err("retired");
    assert!(err.is_retired_version(), "{err:?}");
    assert!(
        err.to_string()
            .ends_with("the platform no longer serves API version 202504"),
        "{err}"
    );
    assert!(env.sleeper.delays().is_empty());
}

/// The days of an `adAnalytics` request's `dateRange`, first and last.
fn requested_days(r: &wiremock::Request) -> (chrono::NaiveDate, chrono::NaiveDate) {
    let raw = r
        .url
        .query_pairs()
        .find(|(k, _)| k == "dateRange")
        .map(|(_, v)| v.into_owned())
        .expect("dateRange");
    let numbers: Vec<u32> = raw
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let day = |i: usize| {
        let year = i32::try_from(numbers[i]).expect("year");
        chrono::NaiveDate::from_ymd_opt(year, numbers[i + 1], numbers[i + 2]).expect("day")
    };
    (day(0), day(3))
}

/// LinkedIn with `campaigns` daily-active campaigns: every day of the requested range, cut at
/// 15,000 elements as the real API does (silently, with no paging).
fn capped_analytics(campaigns: u32) -> impl Fn(&wiremock::Request) -> ResponseTemplate {
    move |r| {
        let (start, end) = requested_days(r);
        let mut elements = Vec::new();
        for day in start.iter_days().take_while(|d| *d <= end) {
            for c in 0..campaigns {
                let date = serde_json::json!({
                    "year": chrono::Datelike::year(&day),
                    "month": chrono::Datelike::month(&day),
                    "day": chrono::Datelike::day(&day)
                });
                elements.push(serde_json::json!({
                    "pivotValues": [format!("urn:li:sponsoredCampaign:{}", 600_000_000 + c)],
                    "dateRange": {"start": date, "end": date},
                    "impressions": 100, "clicks": 2, "costInLocalCurrency": "1.50"
                }));
            }
        }
        elements.truncate(15_000);
        let body = serde_json::json!({"paging": {"start": 0, "count": 10, "links": []}, "elements": elements});
        ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/json")
    }
}

/// A chunk that reaches the 15,000-element cap is read again in halves (600 campaigns × 30 days
/// is 18,000 campaign-days: two 15-day halves of 9,000), and every campaign-day comes back.
#[tokio::test]
async fn a_chunk_at_the_element_cap_is_read_again_in_halves() {
    let env = TestEnv::start().await;
    mount_api(&env).await;
    Mock::given(path(ANALYTICS))
        .respond_with(capped_analytics(600))
        .with_priority(1)
        .mount(&env.server)
        .await;
    let rows = connector(&env)
        .fetch_daily(ACCOUNT, range("2026-11-01", "2026-11-30"))
        .await
        .expect("every campaign-day");
    assert_eq!(rows.len(), 18_000);
    assert_eq!(
        rows.iter().map(|r| r.spend).sum::<rust_decimal::Decimal>(),
        dec!(27000)
    );
    let asked: Vec<_> = env
        .requests_to(ANALYTICS)
        .await
        .iter()
        .map(requested_days)
        .collect();
    assert_eq!(
        asked,
        vec![
            (d("2026-11-01"), d("2026-11-30")),
            (d("2026-11-01"), d("2026-11-15")),
            (d("2026-11-16"), d("2026-11-30")),
        ]
    );
}

/// A single day at the cap cannot be split further: refused, naming the day, with no advice to
/// change a setting that does not exist.
#[tokio::test]
async fn a_single_day_at_the_element_cap_is_refused_naming_the_day() {
    let env = TestEnv::start().await;
    mount_api(&env).await;
    Mock::given(path(ANALYTICS))
        .respond_with(capped_analytics(15_000))
        .with_priority(1)
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .fetch_daily(ACCOUNT, range("2026-11-01", "2026-11-02"))
        .await
        .expect_err("a day over the cap");
    let text = err.to_string();
    assert!(
        text.contains("15000 elements for the single day 2026-11-01"),
        "{text}"
    );
    assert!(!text.contains("chunk"), "{text}");
    assert_eq!(
        env.requests_to(ANALYTICS).await.len(),
        2,
        "2 days, then day 1"
    );
}
