//! A sheet's or GA4 property's sync replaces what its connection stored in the days it fetched
//! (the connectors audit: a row deleted or renamed in the sheet stayed stored and kept counting).
//! Rows of files and of days the sync did not fetch are left alone, and an ad platform's sync
//! removes nothing (Meta leaves deleted campaigns out of its answers).
use chrono::NaiveDate;
use reqwest::StatusCode;
use serde_json::{Value, json};
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_testkit::TestDatabase;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TestApp, database_urls, json_of, q4};

const KEY: &str = "5f1c9a7e3b2d4c6a8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f";
const INSIGHTS: &str = "/v27.0/act_1234567890/insights";

/// One Meta insights row, as the Graph API answers it (strings for numbers).
fn insight(id: &str, name: &str, day: &str, spend: &str) -> Value {
    json!({"account_currency": "USD", "campaign_id": id, "campaign_name": name,
           "date_start": day, "date_stop": day, "spend": spend,
           "impressions": "1000", "clicks": "10"})
}

/// Answers the insights of `since..until` with `rows` (one page) from now on.
async fn answer(mock: &MockServer, since: &str, until: &str, rows: Vec<Value>) {
    mock.reset().await;
    Mock::given(method("GET"))
        .and(path(INSIGHTS))
        .and(query_param(
            "time_range",
            format!(r#"{{"since":"{since}","until":"{until}"}}"#),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            json!({"data": rows, "paging": {}}).to_string(),
            "application/json",
        ))
        .mount(mock)
        .await;
}

/// Connects `body`'s account to campaign `c`; the connection's id.
async fn connect(app: &TestApp, c: &str, body: &Value) -> String {
    let conn = json_of(
        app.post(&format!("/api/campaigns/{c}/connections"), body)
            .await,
    )
    .await;
    conn["id"].as_str().unwrap_or_default().to_owned()
}

/// A server on a fresh SQLite file whose Meta connector points at a mock, a signed-in
/// organisation, `campaign`, and a Meta connection to it.
struct MetaSetup {
    /// Bound to the end of the test: dropped, it deletes the database file.
    _db: TestDatabase,
    mock: MockServer,
    app: TestApp,
    org: String,
    campaign: String,
    connection: String,
}

async fn meta_connected(campaign: &Value) -> MetaSetup {
    let db = crate::support::sqlite_database();
    let mock = MockServer::start().await;
    let base = mock.uri();
    let app = TestApp::spawn_with(&db, |s| {
        s.secret_key = Some(KEY.to_owned().into());
        s.connectors.meta.api_base = Some(format!("{base}/"));
    })
    .await;
    let org = app.register(&app.client, "ana@example.com").await;
    let c = app.campaign(campaign).await;
    let connection = connect(
        &app,
        &c,
        &json!({"platform": "meta", "account_id": "act_1234567890", "access_token": "EAAB-x"}),
    )
    .await;
    MetaSetup {
        _db: db,
        mock,
        app,
        org,
        campaign: c,
        connection,
    }
}

/// The stored spend of each day of June 2024 that has some.
async fn stored(app: &TestApp, org: &str, c: &str) -> Vec<(String, String)> {
    let day = |s: &str| s.parse::<NaiveDate>().unwrap_or_default();
    let rows = app
        .store
        .daily_series(
            &OrgId::new(org),
            &CampaignId::new(c),
            day("2024-06-01"),
            day("2024-06-30"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out: Vec<_> = rows
        .iter()
        .map(|r| (r.date.to_string(), r.spend.to_string()))
        .collect();
    out.sort();
    out
}

/// Answers the sheet's values (a header row, then rows of typed cells) from now on.
async fn sheet(mock: &MockServer, rows: &[(&str, &str, f64)]) {
    mock.reset().await;
    let mut values = vec![json!([
        "Date",
        "Campaign",
        "Spend",
        "Impressions",
        "Clicks"
    ])];
    values.extend(
        rows.iter()
            .map(|(day, name, spend)| json!([day, name, spend, 1000, 10])),
    );
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(
            r"^/v4/spreadsheets/sheet-one/values/",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(
                json!({"range": "Sheet1!A1:E9", "majorDimension": "ROWS", "values": values})
                    .to_string(),
                "application/json",
            ),
        )
        .mount(mock)
        .await;
}

/// Uploads a file of spendlens' own columns into the campaign.
async fn import_file(app: &TestApp, c: &str, csv: &str) {
    let part =
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("sheet-export.csv");
    let r = app
        .client
        .post(format!("{}/api/campaigns/{c}/imports", app.base))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        r.status().is_success(),
        "{}: {}",
        app.backend,
        r.text().await.unwrap_or_default()
    );
}

#[tokio::test]
async fn a_sheet_sync_removes_what_it_stored_and_the_sheet_no_longer_has() {
    for url in database_urls().await {
        let mock = MockServer::start().await;
        let base = mock.uri();
        let app = TestApp::spawn_with(&url, |s| {
            s.secret_key = Some(KEY.to_owned().into());
            s.connectors.sheets.api_base = Some(format!("{base}/"));
        })
        .await;
        let org = app.register(&app.client, "ana@example.com").await;
        let c = app.campaign(&q4()).await;
        let id = connect(&app, &c, &json!({"platform": "sheets", "account_id": "sheet-one", "access_token": "ya29.x", "range": "A:E"})).await;
        // A file of the same platform and days, imported by hand: not the connection's.
        import_file(
            &app,
            &c,
            "campaign,date,platform,spend,clicks,impressions\nFrom a file,2024-06-02,sheets,5.00,1,10\n",
        )
        .await;
        let sync = |from: &str, to: &str| format!("/api/connections/{id}/sync?from={from}&to={to}");

        sheet(
            &mock,
            &[
                ("2024-06-01", "Prospecting", 10.0),
                ("2024-06-02", "Retargeting", 20.0),
                ("2024-06-03", "ABM", 30.0),
            ],
        )
        .await;
        let r = app
            .post(&sync("2024-06-01", "2024-06-03"), &json!({}))
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        assert_eq!(json_of(r).await["removed"], 0);

        // The ABM row deleted from the sheet, Retargeting renamed.
        sheet(
            &mock,
            &[
                ("2024-06-01", "Prospecting", 10.0),
                ("2024-06-02", "Retargeting (fixed)", 20.0),
            ],
        )
        .await;
        let r = app
            .post(&sync("2024-06-02", "2024-06-03"), &json!({}))
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        let report = json_of(r).await;
        assert_eq!(
            (report["inserted"].clone(), report["removed"].clone()),
            (json!(1), json!(2)),
            "{report}"
        );
        assert_eq!(
            stored(&app, &org, &c).await,
            vec![
                // Not fetched again: kept.
                ("2024-06-01".into(), "10".into()),
                // The renamed 20.00 and the file's 5.00; the old name's 20.00 and the 3rd's
                // 30.00 gone.
                ("2024-06-02".into(), "25".into()),
            ],
            "{}",
            app.backend
        );
        // The totals the analysis reads moved with the rows (the month's sums were redone).
        let totals = app
            .store
            .platform_totals(
                &OrgId::new(&org),
                &CampaignId::new(&c),
                "2024-12-31".parse().unwrap_or_default(),
            )
            .await
            .unwrap_or_default();
        let spend: rust_decimal::Decimal = totals.iter().map(|t| t.spend).sum();
        assert_eq!(spend, rust_decimal::Decimal::new(35, 0), "{}", app.backend);
        // An empty answer (a cleared or renamed tab) removes nothing.
        sheet(&mock, &[]).await;
        let r = app
            .post(&sync("2024-06-01", "2024-06-03"), &json!({}))
            .await;
        assert_eq!(json_of(r).await["removed"], 0, "{}", app.backend);
        assert_eq!(stored(&app, &org, &c).await.len(), 2, "{}", app.backend);
    }
}

/// Meta leaves deleted campaigns out of its insights: a campaign missing from a later answer
/// keeps its spend (an ad platform's sync only adds and updates).
#[tokio::test]
async fn an_ad_platform_s_campaign_missing_from_a_later_answer_keeps_its_spend() {
    let MetaSetup {
        mock,
        app,
        org,
        campaign: c,
        connection: id,
        _db,
        ..
    } = meta_connected(&q4()).await;
    let sync = format!("/api/connections/{id}/sync?from=2024-06-01&to=2024-06-02");
    answer(
        &mock,
        "2024-06-01",
        "2024-06-02",
        vec![
            insight("1", "Prospecting", "2024-06-01", "10.00"),
            insight("2", "Finished, then deleted", "2024-06-02", "20.00"),
        ],
    )
    .await;
    assert_eq!(app.post(&sync, &json!({})).await.status(), StatusCode::OK);
    answer(
        &mock,
        "2024-06-01",
        "2024-06-02",
        vec![insight("1", "Prospecting", "2024-06-01", "10.00")],
    )
    .await;
    let r = app.post(&sync, &json!({})).await;
    assert_eq!(json_of(r).await["removed"], 0);
    assert_eq!(
        stored(&app, &org, &c).await,
        vec![
            ("2024-06-01".into(), "10".into()),
            ("2024-06-02".into(), "20".into())
        ]
    );
}

/// A campaign whose days end before its account's (Kiritimati, UTC+14, on a Los Angeles Meta
/// account): the sync reads no day still running in the account's time zone (the connectors
/// audit: the partial day was stored as complete until the next sync).
#[tokio::test]
async fn a_day_still_running_in_the_account_s_time_zone_is_not_read() {
    let mut campaign = q4();
    campaign["time_zone"] = json!("Pacific/Kiritimati");
    let MetaSetup {
        mock,
        app,
        connection: id,
        _db,
        ..
    } = meta_connected(&campaign).await;
    // The test servers' clock: 21 Nov 2026 12:00 UTC, 22 Nov 02:00 in Kiritimati, 21 Nov 04:00
    // in Los Angeles, where the 21st has just begun.
    answer(
        &mock,
        "2026-11-20",
        "2026-11-20",
        vec![insight("1", "Q4", "2026-11-20", "10.00")],
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/v27.0/act_1234567890"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"currency": "USD", "timezone_name": "America/Los_Angeles", "id": "act_1234567890"}"#,
            "application/json",
        ))
        .mount(&mock)
        .await;
    let r = app
        .post(
            &format!("/api/connections/{id}/sync?from=2026-11-20&to=2026-11-21"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let report = json_of(r).await;
    assert_eq!(
        (report["date_to"].clone(), report["rows"].clone()),
        (json!("2026-11-20"), json!(1)),
        "{report}"
    );
    // Asked for the 21st alone: nothing is due yet.
    let r = app
        .post(
            &format!("/api/connections/{id}/sync?from=2026-11-21&to=2026-11-21"),
            &json!({}),
        )
        .await;
    let report = json_of(r).await;
    assert_eq!(
        (report["date_to"].clone(), report["rows"].clone()),
        (Value::Null, json!(0)),
        "{report}"
    );
}

/// A backfill older than Meta keeps (37 months) is refused on `from`, before any request, and
/// the connection keeps its status (the connectors audit: it was marked `error`).
#[tokio::test]
async fn a_backfill_older_than_meta_keeps_is_refused_and_the_connection_stays_healthy() {
    let MetaSetup {
        mock,
        app,
        connection: id,
        _db,
        ..
    } = meta_connected(&q4()).await;
    let r = app
        .post(
            &format!("/api/connections/{id}/sync?from=2020-01-01&to=2020-01-31"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json_of(r).await;
    assert_eq!(body["error"]["details"][0]["field"], "from", "{body}");
    assert!(body.to_string().contains("37 months"), "{body}");
    let status = json_of(app.get(&format!("/api/connections/{id}")).await).await;
    assert_eq!(status["status"], "active", "{status}");
    assert!(
        mock.received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .all(|r| !r.url.path().ends_with("/insights"))
    );
}
