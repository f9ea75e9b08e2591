//! The restatement window end to end: what a daily sync asks each platform for, and how a
//! re-pulled day comes back with its late conversions.

use rust_decimal_macros::dec;
use spendlens_connect::{
    Connector, DEFAULT_RESTATEMENT_DAYS, GoogleAdsConnector, LinkedInConnector, MetaConnector,
    sync_window,
};
use wiremock::matchers::{body_string_contains, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{TestEnv, d, json, secret, static_token};

const STREAM: &str = "/v26/customers/1234567890/googleAds:searchStream";

fn stream_with_conversions(day: &str, conversions: &str) -> ResponseTemplate {
    let body = format!(
        r#"[{{"results":[{{"campaign":{{"resourceName":"customers/1234567890/campaigns/7","id":"7"}},
            "metrics":{{"clicks":"10","conversions":{conversions},"costMicros":"5000000","impressions":"100"}},
            "segments":{{"date":"{day}"}}}}]}}]"#
    );
    ResponseTemplate::new(200).set_body_raw(body, "application/json")
}

#[tokio::test]
async fn each_sync_re_pulls_the_restatement_window_so_late_conversions_update() {
    let env = TestEnv::start().await;
    Mock::given(path(STREAM))
        .and(body_string_contains("FROM customer"))
        .respond_with(json(200, "google_ads_currency.json"))
        .mount(&env.server)
        .await;
    let ads = GoogleAdsConnector::new(
        env.http.clone(),
        env.base(),
        static_token("t"),
        secret("dev"),
    );

    // Sync on 2024-06-10 (last stored day 2024-06-09): the window is the 28 days to yesterday.
    let first = sync_window(
        Some(d("2024-06-09")),
        d("2024-06-10"),
        DEFAULT_RESTATEMENT_DAYS,
    )
    .expect("window");
    assert_eq!(
        (first.start(), first.end()),
        (d("2024-05-13"), d("2024-06-09"))
    );
    Mock::given(path(STREAM))
        .and(body_string_contains(
            "BETWEEN '2024-05-13' AND '2024-06-09'",
        ))
        .respond_with(stream_with_conversions("2024-06-05", "2.0"))
        .expect(1)
        .mount(&env.server)
        .await;
    let rows = ads
        .fetch_daily("1234567890", first)
        .await
        .expect("first sync");
    assert_eq!(
        (rows[0].date, rows[0].conversions),
        (d("2024-06-05"), dec!(2.0))
    );

    // Sync on 2024-06-30: 2024-06-05 lies inside the new window, so it is pulled again and its
    // late conversions arrive.
    let second = sync_window(
        Some(d("2024-06-09")),
        d("2024-06-30"),
        DEFAULT_RESTATEMENT_DAYS,
    )
    .expect("window");
    assert_eq!(
        (second.start(), second.end()),
        (d("2024-06-02"), d("2024-06-29"))
    );
    assert!(second.contains(d("2024-06-05")));
    Mock::given(path(STREAM))
        .and(body_string_contains(
            "BETWEEN '2024-06-02' AND '2024-06-29'",
        ))
        .respond_with(stream_with_conversions("2024-06-05", "5.5"))
        .expect(1)
        .mount(&env.server)
        .await;
    let rows = ads
        .fetch_daily("1234567890", second)
        .await
        .expect("second sync");
    assert_eq!(
        (rows[0].date, rows[0].conversions),
        (d("2024-06-05"), dec!(5.5))
    );
}

#[tokio::test]
async fn the_window_reaches_every_platform_in_its_own_syntax() {
    let env = TestEnv::start().await;
    let window = sync_window(None, d("2024-07-01"), DEFAULT_RESTATEMENT_DAYS).expect("window");
    assert_eq!(
        (window.start(), window.end()),
        (d("2024-06-03"), d("2024-06-30"))
    );

    let empty_meta = ResponseTemplate::new(200).set_body_raw(r#"{"data":[]}"#, "application/json");
    Mock::given(path("/v27.0/act_42/insights"))
        .and(query_param(
            "time_range",
            r#"{"since":"2024-06-03","until":"2024-06-30"}"#,
        ))
        .respond_with(empty_meta)
        .expect(1)
        .mount(&env.server)
        .await;
    Mock::given(path("/rest/adAccounts/42"))
        .respond_with(json(200, "linkedin_ad_account.json"))
        .mount(&env.server)
        .await;
    Mock::given(path("/rest/adAnalytics"))
        .and(query_param(
            "dateRange",
            "(start:(year:2024,month:6,day:3),end:(year:2024,month:6,day:30))",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"elements":[]}"#, "application/json"),
        )
        .expect(1)
        .mount(&env.server)
        .await;

    let meta = MetaConnector::new(env.http.clone(), env.base(), static_token("t"));
    let linkedin = LinkedInConnector::new(env.http.clone(), env.base(), static_token("t"));
    let connectors: Vec<(&dyn Connector, &str)> = vec![(&meta, "42"), (&linkedin, "42")];
    for (c, account) in connectors {
        let rows = c.fetch_daily(account, window).await.expect("rows");
        assert!(rows.is_empty(), "{:?}", c.platform());
    }
}
