//! Meta over long ranges and against its documented failure modes: a 400-day backfill read in
//! 30-day windows with an asynchronous report where the synchronous call times out, the error
//! subcodes (transient or permanent), a retired version, lead-generation campaigns, custom
//! conversions, and campaigns whose ad sets mix attribution settings.

use std::sync::Arc;
use std::time::Duration;

use chrono::Days;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use spendlens_connect::{ConnectError, Connector, Conversions, MetaConnector, Notice};
use wiremock::matchers::{body_string_contains, method, path, query_param};
use wiremock::{Mock, Request, ResponseTemplate};

use crate::support::{FixedClock, TestEnv, at, d, json, range, static_token};

const INSIGHTS: &str = "/v27.0/act_1234567890/insights";
const RUN: &str = "/v27.0/6120000000000001";
const RUN_INSIGHTS: &str = "/v27.0/6120000000000001/insights";
const TOKEN: &str = "EAAB-meta-long-lived";

fn connector(env: &TestEnv) -> MetaConnector {
    MetaConnector::new(env.http.clone(), env.base(), static_token(TOKEN))
}

/// An insights page with one sales row per day from `since` to `until` (the documented shape:
/// string numbers, action lists), no further page.
fn days_body(since: &str, until: &str) -> String {
    let mut rows = Vec::new();
    let mut day = d(since);
    while day <= d(until) {
        rows.push(serde_json::json!({
            "account_currency": "USD", "campaign_id": "120210000000001",
            "campaign_name": "Prospecting - Broad", "objective": "OUTCOME_SALES",
            "attribution_setting": "7d_click,1d_view",
            "date_start": day.to_string(), "date_stop": day.to_string(),
            "spend": "10.00", "impressions": "100", "clicks": "5",
            "actions": [{"action_type": "omni_purchase", "value": "1"}],
            "action_values": [{"action_type": "omni_purchase", "value": "25.5"}]
        }));
        day = day.checked_add_days(Days::new(1)).expect("day");
    }
    serde_json::json!({"data": rows, "paging": {"cursors": {"before": "A", "after": "B"}}})
        .to_string()
}

/// The `since` and `until` of a request's `time_range`.
fn time_range(r: &Request) -> (String, String) {
    let raw = r
        .url
        .query_pairs()
        .find(|(k, _)| k == "time_range")
        .map(|(_, v)| v.into_owned())
        .expect("time_range");
    let v: serde_json::Value = serde_json::from_str(&raw).expect("json");
    let get = |k: &str| v[k].as_str().expect("date").to_owned();
    (get("since"), get("until"))
}

/// Serves every synchronous window its days.
async fn mount_windows(env: &TestEnv) {
    Mock::given(method("GET"))
        .and(path(INSIGHTS))
        .respond_with(|r: &Request| {
            let (since, until) = time_range(r);
            ResponseTemplate::new(200).set_body_raw(days_body(&since, &until), "application/json")
        })
        .with_priority(5)
        .mount(&env.server)
        .await;
}

/// The synchronous call of one window times out with `fixture`.
async fn mount_timeout(env: &TestEnv, since: &str, until: &str, fixture: &str) {
    Mock::given(method("GET"))
        .and(path(INSIGHTS))
        .and(query_param(
            "time_range",
            format!(r#"{{"since":"{since}","until":"{until}"}}"#),
        ))
        .respond_with(json(400, fixture))
        .with_priority(1)
        .mount(&env.server)
        .await;
}

/// The report run lifecycle for the window `since`..=`until`: started, running once, completed,
/// its rows.
async fn mount_report_run(env: &TestEnv, since: &str, until: &str) {
    Mock::given(method("POST"))
        .and(path(INSIGHTS))
        .and(body_string_contains(since))
        .and(body_string_contains("use_unified_attribution_setting=true"))
        .and(body_string_contains("time_increment=1"))
        .respond_with(json(200, "meta_report_run_started.json"))
        .mount(&env.server)
        .await;
    Mock::given(method("GET"))
        .and(path(RUN))
        .respond_with(json(200, "meta_report_run_running.json"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&env.server)
        .await;
    Mock::given(method("GET"))
        .and(path(RUN))
        .respond_with(json(200, "meta_report_run_completed.json"))
        .with_priority(5)
        .mount(&env.server)
        .await;
    Mock::given(method("GET"))
        .and(path(RUN_INSIGHTS))
        .and(query_param("limit", "100"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(days_body(since, until), "application/json"),
        )
        .expect(1)
        .mount(&env.server)
        .await;
}

async fn count(env: &TestEnv, verb: &str, p: &str) -> usize {
    env.requests_to(p)
        .await
        .iter()
        .filter(|r| r.method.as_str() == verb)
        .count()
}

#[tokio::test]
async fn a_400_day_backfill_completes_through_windows_and_an_async_report() {
    let env = TestEnv::start().await;
    mount_windows(&env).await;
    // The fifth window times out synchronously ("use async jobs").
    mount_timeout(&env, "2024-04-30", "2024-05-29", "meta_error_timeout.json").await;
    mount_report_run(&env, "2024-04-30", "2024-05-29").await;

    let backfill = range("2024-01-01", "2025-02-03");
    assert_eq!(backfill.days(), 400);
    let rows = connector(&env)
        .fetch_daily("act_1234567890", backfill)
        .await
        .expect("every day");

    assert_eq!(rows.len(), 400);
    assert_eq!(rows.first().map(|r| r.date), Some(d("2024-01-01")));
    assert_eq!(rows.last().map(|r| r.date), Some(d("2025-02-03")));
    assert!(rows.windows(2).all(|p| p[0].date < p[1].date));
    let spend: Decimal = rows.iter().map(|r| r.spend).sum();
    assert_eq!(spend, dec!(4000.00));
    assert!(rows.iter().all(|r| r.conversions == dec!(1)));
    // 14 windows of at most 30 days, the fifth through one report run polled twice.
    assert_eq!(count(&env, "GET", INSIGHTS).await, 14);
    assert_eq!(count(&env, "POST", INSIGHTS).await, 1);
    assert_eq!(count(&env, "GET", RUN).await, 2);
    assert_eq!(count(&env, "GET", RUN_INSIGHTS).await, 1);
    // One pause while the report was running; no retry of the timed-out call.
    assert_eq!(env.sleeper.delays(), vec![Duration::from_secs(1)]);
    for r in env.server.received_requests().await.unwrap_or_default() {
        assert!(!r.url.as_str().contains("access_token"), "{}", r.url);
    }
}

#[tokio::test]
async fn a_timeout_with_code_100_is_read_as_an_async_report_too() {
    let env = TestEnv::start().await;
    mount_windows(&env).await;
    mount_timeout(
        &env,
        "2024-06-01",
        "2024-06-02",
        "meta_error_timeout_100.json",
    )
    .await;
    mount_report_run(&env, "2024-06-01", "2024-06-02").await;
    let rows = connector(&env)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(count(&env, "POST", INSIGHTS).await, 1);
}

#[tokio::test]
async fn a_report_run_that_fails_twice_fails_the_fetch_with_meta_s_code() {
    let env = TestEnv::start().await;
    mount_timeout(&env, "2024-06-01", "2024-06-02", "meta_error_timeout.json").await;
    Mock::given(method("POST"))
        .and(path(INSIGHTS))
        .respond_with(json(200, "meta_report_run_started.json"))
        .mount(&env.server)
        .await;
    Mock::given(method("GET"))
        .and(path(RUN))
        .respond_with(json(200, "meta_report_run_failed.json"))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("the report failed");
    match &err {
        ConnectError::Unavailable { code, .. } => {
            assert_eq!(code.as_deref(), Some("-2/2490547"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        err.to_string().contains("failed to generate the report"),
        "{err}"
    );
    assert_eq!(count(&env, "POST", INSIGHTS).await, 2, "restarted once");
    assert_eq!(count(&env, "GET", RUN_INSIGHTS).await, 0);
}

#[tokio::test]
async fn a_window_over_the_data_per_call_limit_is_read_in_halves() {
    let env = TestEnv::start().await;
    mount_windows(&env).await;
    mount_timeout(
        &env,
        "2024-06-01",
        "2024-06-04",
        "meta_error_data_per_call.json",
    )
    .await;
    let rows = connector(&env)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-04"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 4);
    let ranges: Vec<(String, String)> = env
        .requests_to(INSIGHTS)
        .await
        .iter()
        .map(time_range)
        .collect();
    assert_eq!(ranges.len(), 3);
    assert!(ranges.contains(&("2024-06-01".into(), "2024-06-02".into())));
    assert!(ranges.contains(&("2024-06-03".into(), "2024-06-04".into())));
}

#[tokio::test]
async fn code_2_subcodes_are_retried_or_not_as_the_reference_says() {
    // 1504041 (no data for these breakdowns) fails the same way every time: one request.
    let env = TestEnv::start().await;
    Mock::given(path(INSIGHTS))
        .respond_with(json(400, "meta_error_breakdowns.json"))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("permanent");
    assert!(
        matches!(&err, ConnectError::Api { code, .. } if code.as_deref() == Some("2/1504041")),
        "{err:?}"
    );
    assert_eq!(env.requests_to(INSIGHTS).await.len(), 1);
    assert!(env.sleeper.delays().is_empty());

    // 1504043 (intermittent) passes on the next attempt.
    let env = TestEnv::start().await;
    mount_windows(&env).await;
    Mock::given(path(INSIGHTS))
        .respond_with(json(400, "meta_error_intermittent.json"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&env.server)
        .await;
    let rows = connector(&env)
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect("rows on the retry");
    assert_eq!(rows.len(), 2);
    assert_eq!(env.sleeper.delays(), vec![Duration::from_millis(100)]);
}

#[tokio::test]
async fn a_retired_version_is_reported_with_the_version_sent() {
    let env = TestEnv::start().await;
    Mock::given(path("/v24.0/act_1234567890/insights"))
        .respond_with(json(400, "meta_error_2635.json"))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .with_version("v24.0")
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect_err("retired");
    assert!(err.is_retired_version(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "meta: HTTP 400, code 2635: the platform no longer serves API version v24.0"
    );
    assert_eq!(
        env.requests_to("/v24.0/act_1234567890/insights")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn lead_campaigns_read_their_leads_and_mixed_attribution_is_said() {
    let env = TestEnv::start().await;
    Mock::given(path(INSIGHTS))
        .and(query_param("use_unified_attribution_setting", "true"))
        .respond_with(json(200, "meta_insights_leads.json"))
        .mount(&env.server)
        .await;
    let fetched = connector(&env)
        .fetch_report("1234567890", range("2024-06-01", "2024-06-01"))
        .await
        .expect("rows");
    let by_campaign = |id: &str| {
        fetched
            .rows
            .iter()
            .find(|r| r.external_campaign_id == id)
            .map(|r| (r.conversions, r.conversion_value))
    };
    // `lead` is the total of the form and website leads: 17, not 34.
    assert_eq!(by_campaign("120210000000007"), Some((dec!(17), None)));
    // Without `lead`, form and website leads are added.
    assert_eq!(by_campaign("120210000000008"), Some((dec!(7), None)));
    // Mixed attribution settings: conversions withheld, not a reported 0 value.
    assert_eq!(by_campaign("120210000000009"), Some((dec!(0), None)));
    assert_eq!(
        fetched.notices,
        vec![Notice::MixedAttribution {
            campaigns: vec!["120210000000009".into()],
            days: 1
        }]
    );
    let said = fetched.notices[0].to_string();
    assert!(
        said.starts_with("Meta withheld the conversions of 1 campaign-day(s) because the ad sets of campaign(s) 120210000000009 mix attribution settings"),
        "{said}"
    );
    // What is stored, said as it is: a 0 count and no value, not "no conversions".
    assert!(
        said.contains("those days are stored with 0 conversions and no conversion value")
            && !said.contains("no conversions were stored"),
        "{said}"
    );
    let fields = env.requests_to(INSIGHTS).await[0]
        .url
        .query_pairs()
        .find(|(k, _)| k == "fields")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    assert!(fields.contains("objective") && fields.contains("attribution_setting"));
}

#[tokio::test]
async fn custom_conversions_chosen_on_the_connection_are_read() {
    let env = TestEnv::start().await;
    Mock::given(path(INSIGHTS))
        .respond_with(json(200, "meta_insights_leads.json"))
        .mount(&env.server)
        .await;
    let rows = connector(&env)
        .with_conversions(Conversions::Chosen(vec![
            "offsite_conversion.fb_pixel_lead".into(),
        ]))
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-01"))
        .await
        .expect("rows");
    let leads: Vec<Decimal> = rows.iter().map(|r| r.conversions).collect();
    assert_eq!(leads, vec![dec!(3), dec!(1), dec!(0)]);
}

/// Meta keeps insights for 37 months. On 2026-12-07 the oldest day it serves is 2023-11-07, and
/// the connector starts a day later (Meta's today may already be tomorrow in UTC).
fn on_2026_12_07(env: &TestEnv) -> MetaConnector {
    let http = env
        .http
        .clone()
        .with_clock(Arc::new(FixedClock(at("2026-12-07T11:27:00Z"))));
    MetaConnector::new(http, env.base(), static_token(TOKEN))
}

#[tokio::test]
async fn a_backfill_older_than_37_months_starts_at_meta_s_limit_and_says_so() {
    let env = TestEnv::start().await;
    mount_windows(&env).await;
    let fetched = on_2026_12_07(&env)
        .fetch_report("1234567890", range("2023-06-01", "2023-12-31"))
        .await
        .expect("the days Meta serves");
    assert_eq!(
        fetched.notices,
        vec![Notice::MetaRetention {
            requested: d("2023-06-01"),
            earliest: d("2023-11-08")
        }]
    );
    assert!(
        fetched.notices[0]
            .to_string()
            .contains("this sync starts on 2023-11-08"),
        "{}",
        fetched.notices[0]
    );
    assert_eq!(fetched.rows.len(), 54, "2023-11-08..=2023-12-31");
    assert_eq!(fetched.rows[0].date, d("2023-11-08"));
    let starts: Vec<String> = env
        .requests_to(INSIGHTS)
        .await
        .iter()
        .map(|r| time_range(r).0)
        .collect();
    assert!(
        starts.iter().all(|s| s.as_str() >= "2023-11-08"),
        "{starts:?}"
    );

    // Nothing of the range is kept any more: refused before any call, with the limit and the day.
    let env = TestEnv::start().await;
    mount_windows(&env).await;
    let err = on_2026_12_07(&env)
        .fetch_daily("1234567890", range("2023-06-01", "2023-10-31"))
        .await
        .expect_err("beyond 37 months");
    assert!(
        matches!(err, ConnectError::BeyondRetention { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "meta: the platform keeps reports for 37 months, so the earliest day it serves is 2023-11-08: ask for days from 2023-11-08 on"
    );
    assert!(env.requests_to(INSIGHTS).await.is_empty());
}

/// Meta's own refusal of a start beyond 37 months (error 3018) says so in our words.
#[tokio::test]
async fn error_3018_names_the_37_month_limit() {
    let env = TestEnv::start().await;
    Mock::given(path(INSIGHTS))
        .respond_with(json(400, "meta_error_3018.json"))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .fetch_daily("1234567890", range("2023-06-01", "2023-06-30"))
        .await
        .expect_err("refused");
    assert_eq!(
        err.to_string(),
        "meta: HTTP 400, code 3018: the range starts more than 37 months ago, beyond the insights Meta keeps: ask for days of the last 37 months"
    );
    assert_eq!(env.requests_to(INSIGHTS).await.len(), 1, "not retried");
}
