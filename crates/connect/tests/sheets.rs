//! Google Sheets values.get: ragged rows, typed and text cells, Google errors and 429s.

use std::time::Duration;

use rust_decimal_macros::dec;
use spendlens_connect::{ConnectError, Connector, SheetsConnector, WaitBudget};
use spendlens_core::Platform;
use wiremock::matchers::{bearer_token, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{MAX_ATTEMPTS, TestEnv, d, json, range, static_token};

const SHEET: &str = "1AbC_sheet-ID";
/// The range `'Spend Tracker'!A:J` as it appears, percent-encoded, in the request path.
const VALUES: &str = "/v4/spreadsheets/1AbC_sheet-ID/values/'Spend%20Tracker'!A:J";
const RANGE: &str = "'Spend Tracker'!A:J";

fn connector(env: &TestEnv) -> SheetsConnector {
    SheetsConnector::new(
        env.http.clone(),
        env.base(),
        static_token("ya29.sheets"),
        RANGE,
    )
}

async fn mount_values(env: &TestEnv) {
    Mock::given(method("GET"))
        .and(path(VALUES))
        .respond_with(json(200, "sheets_values.json"))
        .with_priority(5)
        .mount(&env.server)
        .await;
}

#[tokio::test]
async fn a_spend_tracker_range_becomes_daily_rows() {
    let env = TestEnv::start().await;
    Mock::given(method("GET"))
        .and(path(VALUES))
        .and(bearer_token("ya29.sheets"))
        .and(query_param("valueRenderOption", "UNFORMATTED_VALUE"))
        .and(query_param("dateTimeRenderOption", "SERIAL_NUMBER"))
        .and(query_param("majorDimension", "ROWS"))
        .respond_with(json(200, "sheets_values.json"))
        .expect(2)
        .mount(&env.server)
        .await;
    let rows = connector(&env)
        .fetch_daily(SHEET, range("2024-06-01", "2024-06-03"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 4);
    let abm = &rows[0];
    assert_eq!(
        (abm.date, abm.external_campaign_id.as_str()),
        (d("2024-06-01"), "ABM - Tier 1")
    );
    assert_eq!(abm.platform, Platform::Sheets);
    assert_eq!(
        (abm.spend, abm.impressions, abm.clicks),
        (dec!(152.37), 8412, 61)
    );
    assert_eq!((abm.conversions, abm.revenue), (dec!(4), Some(dec!(1200))));
    assert_eq!(rows[1].spend, dec!(84.53));
    assert_eq!(rows[2].date, d("2024-06-02"));
    // Text cells with symbols and separators.
    assert_eq!(
        (rows[3].spend, rows[3].impressions, rows[3].revenue),
        (dec!(1001.25), 12001, Some(dec!(590.10)))
    );

    // Only the requested days come back (the sheet is read whole).
    let june_2 = connector(&env)
        .fetch_daily(SHEET, range("2024-06-02", "2024-06-02"))
        .await
        .expect("rows");
    assert_eq!(june_2.len(), 1);
    assert_eq!(june_2[0].spend, dec!(97.1));
    // "$1,001.25": the sheet is in dollars, so the sync can compare it with the campaign.
    assert!(rows.iter().all(|r| r.currency.as_deref() == Some("USD")));
}

/// The audit's sheet: typed numbers beside text cells with a euro sign and decimal commas.
fn audit_sheet(last_row: &serde_json::Value) -> ResponseTemplate {
    let body = serde_json::json!({
        "range": "'Spend Tracker'!A1:J1000",
        "majorDimension": "ROWS",
        "values": [
            ["Date", "Platform", "Campaign", "Monthly Budget", "Spend", "Impressions", "Clicks", "Conversions", "Revenue", "Notes"],
            [46327, "Meta", "Prospecting - Broad", 3000, 84.53, 10234, 187, 6, 412.8],
            [46327, "LinkedIn", "ABM - Tier 1", "€5,000.00", "€152.37", 8412, 61, 4, "€1,200.00", "invoice #A-17"],
            last_row
        ]
    });
    ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/json")
}

#[tokio::test]
async fn text_amounts_keep_their_currency_and_decimal_comma_or_are_refused() {
    let env = TestEnv::start().await;
    Mock::given(path(VALUES))
        .respond_with(audit_sheet(&serde_json::json!([
            46328,
            "Meta",
            "Retargeting",
            "3000",
            "84,53",
            1234,
            12,
            "2,5",
            "1.234,56"
        ])))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .fetch_daily(SHEET, range("2026-11-01", "2026-11-30"))
        .await
        .expect_err("one column, two decimal marks");
    assert!(matches!(err, ConnectError::Decode { .. }), "{err:?}");
    assert!(
        err.to_string().contains(
            "row 4, column E: \"84,53\" has a decimal comma but row 3, column E \"€152.37\" has a decimal point"
        ),
        "{err}"
    );

    // Written one way, the same amounts are read at their value, in euros.
    let env = TestEnv::start().await;
    Mock::given(path(VALUES))
        .respond_with(audit_sheet(&serde_json::json!([
            "2026-11-02",
            "Meta",
            "Retargeting",
            "3000",
            "€84.53",
            1234,
            12,
            "2,5",
            "€1,234.56"
        ])))
        .mount(&env.server)
        .await;
    let rows = connector(&env)
        .fetch_daily(SHEET, range("2026-11-01", "2026-11-30"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.currency.as_deref() == Some("EUR")));
    let retargeting = &rows[2];
    assert_eq!(
        (
            retargeting.spend,
            retargeting.conversions,
            retargeting.revenue
        ),
        (dec!(84.53), dec!(2.5), Some(dec!(1234.56)))
    );
}

#[tokio::test]
async fn an_empty_range_has_no_values_key_and_no_rows() {
    let env = TestEnv::start().await;
    Mock::given(path(VALUES))
        .respond_with(json(200, "sheets_empty.json"))
        .mount(&env.server)
        .await;
    let values = connector(&env).fetch_values(SHEET).await.expect("values");
    assert!(values.values.is_empty());
    let rows = connector(&env)
        .fetch_daily(SHEET, range("2024-06-01", "2024-06-03"))
        .await
        .expect("rows");
    assert!(rows.is_empty());
}

/// Sheets' read quotas are per minute and a 429 carries no `retryDelay`: the client waits the
/// minute out (not 1+2+4+8 s, which gives up inside the same minute) and the read succeeds.
#[tokio::test]
async fn a_429_waits_for_the_minute_and_then_succeeds() {
    let env = TestEnv::start().await;
    mount_values(&env).await;
    Mock::given(path(VALUES))
        .respond_with(json(429, "sheets_429.json"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&env.server)
        .await;
    let rows = connector(&env)
        .fetch_daily(SHEET, range("2024-06-01", "2024-06-03"))
        .await
        .expect("rows after the minute");
    assert!(!rows.is_empty());
    assert_eq!(env.sleeper.delays(), vec![Duration::from_secs(60)]);
    assert_eq!(env.requests_to(VALUES).await.len(), 2);
}

#[tokio::test]
async fn persistent_429s_wait_each_minute_until_the_attempts_run_out() {
    let env = TestEnv::start().await;
    Mock::given(path(VALUES))
        .respond_with(json(429, "sheets_429.json"))
        .mount(&env.server)
        .await;
    let err = connector(&env)
        .fetch_daily(SHEET, range("2024-06-01", "2024-06-03"))
        .await
        .expect_err("quota");
    assert!(
        matches!(err, ConnectError::QuotaExhausted { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "sheets: quota exhausted (HTTP 429, code RESOURCE_EXHAUSTED): read requests per minute per user, which comes back after a minute",
        "our words for the quota, not Google's message"
    );
    assert_eq!(err.wait(), Some(Duration::from_secs(60)));
    assert_eq!(env.requests_to(VALUES).await.len(), MAX_ATTEMPTS as usize);
    assert_eq!(
        env.sleeper.delays(),
        vec![Duration::from_secs(60); (MAX_ATTEMPTS - 1) as usize]
    );
}

/// A sync that has no minute left to wait fails at once, with the wait it would have needed.
#[tokio::test]
async fn a_429_beyond_the_sync_s_wait_budget_fails_at_once() {
    let env = TestEnv::start().await;
    Mock::given(path(VALUES))
        .respond_with(json(429, "sheets_429.json"))
        .mount(&env.server)
        .await;
    let http = env
        .http
        .clone()
        .with_wait_budget(WaitBudget::new(Duration::from_secs(30)));
    let err = SheetsConnector::new(http, env.base(), static_token("ya29.sheets"), RANGE)
        .fetch_daily(SHEET, range("2024-06-01", "2024-06-03"))
        .await
        .expect_err("no budget for the minute");
    assert_eq!(err.wait(), Some(Duration::from_secs(60)));
    assert_eq!(env.requests_to(VALUES).await.len(), 1);
    assert!(env.sleeper.delays().is_empty());
}

#[tokio::test]
async fn permission_denied_and_not_found_are_not_retried() {
    for (status, fixture, code) in [
        (403, "sheets_403.json", "PERMISSION_DENIED"),
        (404, "sheets_404.json", "NOT_FOUND"),
    ] {
        let env = TestEnv::start().await;
        Mock::given(path(VALUES))
            .respond_with(json(status, fixture))
            .mount(&env.server)
            .await;
        let err = connector(&env)
            .fetch_daily(SHEET, range("2024-06-01", "2024-06-03"))
            .await
            .expect_err("refused");
        match err {
            ConnectError::Api {
                status: s,
                code: c,
                platform,
                ..
            } => {
                assert_eq!(
                    (s, c.as_deref(), platform),
                    (status, Some(code), Platform::Sheets)
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(env.requests_to(VALUES).await.len(), 1);
    }
}
