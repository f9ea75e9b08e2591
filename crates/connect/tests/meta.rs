//! Meta Insights: string numbers, purchase action types, cursor paging, throttling codes.

use std::time::Duration;

use rust_decimal_macros::dec;
use spendlens_connect::{ConnectError, Connector, MetaConnector};
use spendlens_core::Platform;
use wiremock::matchers::{bearer_token, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{MAX_ATTEMPTS, TestEnv, d, fixture, json, range, static_token};

const INSIGHTS: &str = "/v27.0/act_1234567890/insights";
const TOKEN: &str = "EAAB-meta-long-lived";

/// Page 1 (its `paging.next` pointing back at the mock) and page 2.
fn page1(env: &TestEnv) -> ResponseTemplate {
    let body = fixture("meta_insights_page1.json").replace("{{BASE}}", &env.server.uri());
    ResponseTemplate::new(200).set_body_raw(body, "application/json")
}

async fn mount_pages(env: &TestEnv) {
    Mock::given(method("GET"))
        .and(path(INSIGHTS))
        .and(bearer_token(TOKEN))
        .and(query_param("level", "campaign"))
        .and(query_param("time_increment", "1"))
        .and(query_param(
            "time_range",
            r#"{"since":"2024-06-01","until":"2024-06-02"}"#,
        ))
        .and(query_param_is_missing("after"))
        .respond_with(page1(env))
        .with_priority(5)
        .mount(&env.server)
        .await;
    Mock::given(method("GET"))
        .and(path(INSIGHTS))
        .and(bearer_token(TOKEN))
        .and(query_param("after", "MQZDZD"))
        .respond_with(json(200, "meta_insights_page2.json"))
        .with_priority(5)
        .mount(&env.server)
        .await;
}

fn connector(env: &TestEnv) -> MetaConnector {
    MetaConnector::new(env.http.clone(), env.base(), static_token(TOKEN)).with_page_size(2)
}

#[tokio::test]
async fn cursor_paging_reads_every_page_without_the_token_in_urls() {
    let env = TestEnv::start().await;
    mount_pages(&env).await;
    let rows = connector(&env)
        .fetch_daily("act_1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect("rows");

    assert_eq!(rows.len(), 3);
    let r0 = &rows[0];
    assert_eq!(
        (r0.date, r0.external_campaign_id.as_str()),
        (d("2024-06-01"), "120210000000001")
    );
    assert_eq!(r0.platform, Platform::Meta);
    assert_eq!(r0.spend, dec!(84.53));
    assert_eq!(
        (r0.impressions, r0.clicks, r0.engagements),
        (10234, 187, 201)
    );
    // purchase, the pixel purchase and omni_purchase are one event: 6, not 18.
    assert_eq!(r0.conversions, dec!(6));
    assert_eq!(r0.conversion_value, Some(dec!(412.8)));
    assert_eq!(r0.currency.as_deref(), Some("USD"));
    assert_eq!(
        (rows[1].conversions, rows[1].conversion_value),
        (dec!(4), Some(dec!(268.4)))
    );
    // Page two's row has no actions at all.
    assert_eq!(rows[2].external_campaign_id, "120210000000002");
    assert_eq!(
        (rows[2].conversions, rows[2].conversion_value),
        (dec!(0), Some(dec!(0)))
    );

    let sent = env.requests_to(INSIGHTS).await;
    assert_eq!(sent.len(), 2);
    for r in &sent {
        assert!(!r.url.as_str().contains("access_token"), "{}", r.url);
    }
}

#[tokio::test]
async fn throttling_code_17_waits_as_the_usage_header_says() {
    let env = TestEnv::start().await;
    mount_pages(&env).await;
    Mock::given(path(INSIGHTS))
        .respond_with(json(400, "meta_error_17.json").insert_header(
            "x-business-use-case-usage",
            r#"{"1234567890":[{"type":"ads_insights","call_count":100,"total_cputime":12,"total_time":9,"estimated_time_to_regain_access":1}]}"#,
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&env.server)
        .await;
    let rows = connector(&env)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect("rows after the wait");
    assert_eq!(rows.len(), 3);
    assert_eq!(env.sleeper.delays(), vec![Duration::from_secs(60)]);
}

#[tokio::test]
async fn code_80000_backs_off_exponentially_until_it_passes() {
    let env = TestEnv::start().await;
    mount_pages(&env).await;
    Mock::given(path(INSIGHTS))
        .respond_with(json(400, "meta_error_80000.json").insert_header(
            "x-app-usage",
            r#"{"call_count":97,"total_time":25,"total_cputime":25}"#,
        ))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&env.server)
        .await;
    let rows = connector(&env)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3);
    assert_eq!(
        env.sleeper.delays(),
        vec![Duration::from_millis(100), Duration::from_millis(200)]
    );
}

#[tokio::test]
async fn a_failure_on_page_two_returns_nothing() {
    let env = TestEnv::start().await;
    mount_pages(&env).await;
    Mock::given(path(INSIGHTS))
        .and(query_param("after", "MQZDZD"))
        .respond_with(json(500, "meta_error_unknown_500.json"))
        .with_priority(1)
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("page two never succeeds");
    match &err {
        ConnectError::Unavailable { status, code, .. } => {
            assert_eq!((*status, code.as_deref()), (500, Some("1/99")));
        }
        other => panic!("unexpected {other:?}"),
    }
    let page_two = env
        .requests_to(INSIGHTS)
        .await
        .into_iter()
        .filter(|r| r.url.query().is_some_and(|q| q.contains("after=")))
        .count();
    assert_eq!(page_two, MAX_ATTEMPTS as usize);
}

#[tokio::test]
async fn an_expired_token_is_not_retried_and_not_shown() {
    let env = TestEnv::start().await;
    Mock::given(path(INSIGHTS))
        .respond_with(json(400, "meta_error_190.json"))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("expired");
    assert!(err.requires_reauthorization(), "{err:?}");
    assert!(err.to_string().contains("code 190/463"), "{err}");
    assert!(!err.to_string().contains(TOKEN) && !format!("{err:?}").contains(TOKEN));
    assert_eq!(env.requests_to(INSIGHTS).await.len(), 1);
}

#[tokio::test]
async fn the_graph_api_s_message_is_never_shown() {
    let env = TestEnv::start().await;
    Mock::given(path(INSIGHTS))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            r#"{"error":{"message":"connect to 10.0.0.7:6379 refused\nSECRET-BANNER","code":100}}"#,
            "application/json",
        ))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("refused");
    assert_eq!(
        err.to_string(),
        "meta: HTTP 400, code 100: invalid parameter"
    );
    // Without the Graph API's envelope (a proxy's page), the status decides the words.
    let env = TestEnv::start().await;
    Mock::given(path(INSIGHTS))
        .respond_with(ResponseTemplate::new(403).set_body_string("<h1>nginx 10.0.0.7</h1>"))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("refused");
    assert_eq!(err.to_string(), "meta: HTTP 403: permission denied");
}

#[tokio::test]
async fn a_next_link_to_another_host_is_refused() {
    let env = TestEnv::start().await;
    let body = fixture("meta_insights_page1.json").replace("{{BASE}}", "http://203.0.113.9:1");
    Mock::given(path(INSIGHTS))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("foreign host");
    assert!(matches!(err, ConnectError::Decode { .. }), "{err:?}");
    assert!(!err.to_string().contains("203.0.113.9"));
}

#[tokio::test]
async fn a_page_that_is_too_heavy_is_asked_for_again_with_half_the_limit() {
    let env = TestEnv::start().await;
    Mock::given(path(INSIGHTS))
        .and(query_param("limit", "100"))
        .respond_with(json(500, "meta_error_reduce_data.json"))
        .mount(&env.server)
        .await;
    Mock::given(path(INSIGHTS))
        .and(query_param("limit", "50"))
        .respond_with(json(200, "meta_insights_page2.json"))
        .expect(1)
        .mount(&env.server)
        .await;
    let rows = MetaConnector::new(env.http.clone(), env.base(), static_token(TOKEN))
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect("rows with the smaller page");
    assert_eq!(rows.len(), 1);
    // The heavy page was not retried as it was: one call at 100, one at 50, no sleeping.
    assert_eq!(env.requests_to(INSIGHTS).await.len(), 2);
    assert!(env.sleeper.delays().is_empty());

    // At a limit of 1 there is nothing left to halve: the error comes back.
    let env = TestEnv::start().await;
    Mock::given(path(INSIGHTS))
        .respond_with(json(500, "meta_error_reduce_data.json"))
        .mount(&env.server)
        .await;
    let err = MetaConnector::new(env.http.clone(), env.base(), static_token(TOKEN))
        .with_page_size(4)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("still too heavy");
    assert!(
        matches!(err, ConnectError::Api { status: 500, .. }),
        "{err:?}"
    );
    assert_eq!(env.requests_to(INSIGHTS).await.len(), 3, "limits 4, 2, 1");
}

/// Behind a proxy (`api_base` not graph.facebook.com) Meta's `paging.next` still names
/// graph.facebook.com: the link is followed through the proxy, path prefix included, and never
/// to Meta directly.
#[tokio::test]
async fn a_next_link_naming_graph_facebook_com_is_followed_through_the_proxy() {
    let env = TestEnv::start().await;
    let proxied = format!("/meta{INSIGHTS}");
    let body =
        fixture("meta_insights_page1.json").replace("{{BASE}}", "https://graph.facebook.com");
    Mock::given(method("GET"))
        .and(path(proxied.as_str()))
        .and(query_param_is_missing("after"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&env.server)
        .await;
    Mock::given(method("GET"))
        .and(path(proxied.as_str()))
        .and(bearer_token(TOKEN))
        .and(query_param("after", "MQZDZD"))
        .and(query_param("limit", "2"))
        .respond_with(json(200, "meta_insights_page2.json"))
        .expect(1)
        .mount(&env.server)
        .await;
    let rows = MetaConnector::new(env.http.clone(), env.url("/meta/"), static_token(TOKEN))
        .with_page_size(2)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect("both pages through the proxy");
    assert_eq!(rows.len(), 3);
    let sent = env.requests_to(&proxied).await;
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .all(|r| !r.url.as_str().contains("access_token"))
    );

    // Any other host stays refused, however much it looks like Meta's.
    for host in [
        "https://graph.facebook.com.example.net",
        "http://graph.facebook.com",
        "https://graph.facebook.com:8443",
    ] {
        let env = TestEnv::start().await;
        let body = fixture("meta_insights_page1.json").replace("{{BASE}}", host);
        Mock::given(path(format!("/meta{INSIGHTS}")))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
            .mount(&env.server)
            .await;
        let err = MetaConnector::new(env.http.clone(), env.url("/meta/"), static_token(TOKEN))
            .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
            .await
            .expect_err("another host");
        assert!(
            matches!(err, ConnectError::Decode { .. }),
            "{host}: {err:?}"
        );
        assert_eq!(env.requests_to(&format!("/meta{INSIGHTS}")).await.len(), 1);
    }
}
