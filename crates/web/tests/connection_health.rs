//! Connections against today's platform APIs, through the server: a LinkedIn daily limit
//! waited out until the reset (not retried within seconds), a Meta lead-generation campaign's
//! leads stored and withheld conversions said, a retired API version refused naming its setting,
//! and a grant ending in 20 days shown as "re-authorise before" with one webhook reminder.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use spendlens_app::FixedClock;
use spendlens_app::connections::{Connections, ConnectorSettings};
use spendlens_app::finance::webhook::{AllowList, Outbound, RetryPolicy, WebhookSender};
use spendlens_connect::{BoxFuture, HttpClient, Sleeper, TokenCipher};
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_store::ConnectionStatus;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TestApp, database_urls, json_of, now, page, q4, sqlite_database};

const KEY: &str = "5f1c9a7e3b2d4c6a8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f";

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../connect/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

fn json_body(status: u16, text: String) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(text, "application/json")
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn cipher() -> Option<TokenCipher> {
    TokenCipher::from_config(Some(&KEY.to_owned().into())).ok()
}

/// Records the waits asked for and returns at once: no test sleeps for real.
#[derive(Debug, Default)]
struct RecordingSleeper(Mutex<Vec<Duration>>);

impl Sleeper for RecordingSleeper {
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(d);
        Box::pin(async {})
    }
}

/// Creates a token connection through the API and returns its id.
async fn connect(app: &TestApp, campaign: &str, platform: &str, account: &str) -> String {
    let r = app
        .post(
            &format!("/api/campaigns/{campaign}/connections"),
            &json!({"platform": platform, "account_id": account, "access_token": "tok-123"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
    json_of(r).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_linkedin_daily_limit_is_retried_after_the_reset_not_within_seconds() {
    for url in database_urls().await {
        let mock = MockServer::start().await;
        let base = format!("{}/", mock.uri());
        let app = TestApp::spawn_with(&url, |s| {
            s.secret_key = Some(KEY.to_owned().into());
            s.connectors.linkedin.api_base = Some(base.clone());
        })
        .await;
        app.register(&app.client, "ana@example.com").await;
        let mut campaign = q4();
        campaign["currency"] = json!("EUR");
        let c = app.campaign(&campaign).await;
        let id = connect(&app, &c, "linkedin", "5123456").await;
        Mock::given(path("/rest/adAccounts/5123456"))
            .respond_with(json_body(200, fixture("linkedin_ad_account.json")))
            .mount(&mock)
            .await;
        // The day's limit is used up: a 429 without Retry-After.
        Mock::given(path("/rest/adAnalytics"))
            .respond_with(json_body(429, fixture("linkedin_429_day_limit.json")))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&mock)
            .await;
        Mock::given(path("/rest/adAnalytics"))
            .respond_with(json_body(
                200,
                r#"{"elements":[{"pivotValues":["urn:li:sponsoredCampaign:612345678"],"dateRange":{"start":{"year":2026,"month":11,"day":21},"end":{"year":2026,"month":11,"day":21}},"impressions":8412,"clicks":61,"costInLocalCurrency":"152.37"}]}"#.to_owned(),
            ))
            .with_priority(5)
            .mount(&mock)
            .await;
        let mut settings = ConnectorSettings::default();
        settings.linkedin.api_base = Some(base.clone());
        let sleeper = Arc::new(RecordingSleeper::default());
        let http = HttpClient::new()
            .unwrap_or_else(|e| panic!("{e}"))
            .with_sleeper(sleeper.clone());
        let service_at = |t: &str| {
            Connections::new(
                settings.clone(),
                cipher(),
                http.clone(),
                Arc::new(FixedClock(at(t))),
            )
        };
        let analytics = || async {
            mock.received_requests()
                .await
                .unwrap_or_default()
                .iter()
                .filter(|r| r.url.path() == "/rest/adAnalytics")
                .count()
        };

        let first = service_at("2026-11-21T21:15:00Z")
            .sweep(app.store.as_ref(), "test")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((first.synced, first.failed), (0, 1), "{}", app.backend);
        assert_eq!(analytics().await, 1, "one call, no quick retries");
        assert!(
            sleeper.0.lock().map(|d| d.is_empty()).unwrap_or(false),
            "no waiting inside the sync for a daily limit"
        );
        let conn = app
            .store
            .all_connections()
            .await
            .unwrap_or_default()
            .into_iter()
            .find(|x| x.id == id)
            .unwrap_or_else(|| panic!("connection"));
        assert_eq!(conn.retry_at, Some(at("2026-11-22T00:00:00Z")));
        assert_eq!(conn.status, ConnectionStatus::Error);
        let error = conn.last_error.unwrap_or_default();
        assert!(
            error.contains(
                "the daily application and member request limit, which resets at midnight UTC"
            ) && error.ends_with("the next attempt is after 22 Nov 2026 00:00 UTC"),
            "{error}"
        );

        // An hour later it is still before the reset: left alone.
        let before = service_at("2026-11-21T22:15:00Z")
            .sweep(app.store.as_ref(), "test")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((before.synced, before.failed, before.skipped), (0, 0, 1));
        assert_eq!(analytics().await, 1);

        // After midnight UTC the limit is back: the sync runs and succeeds.
        let after = service_at("2026-11-22T00:15:00Z")
            .sweep(app.store.as_ref(), "test")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((after.synced, after.failed), (1, 0), "{}", app.backend);
        assert_eq!(analytics().await, 2);
        let conn = app.store.all_connections().await.unwrap_or_default();
        assert_eq!(conn[0].status, ConnectionStatus::Active);
        assert_eq!(conn[0].retry_at, None);
        assert_eq!(conn[0].last_rows, 1);
    }
}

#[tokio::test]
async fn a_lead_generation_campaign_stores_its_leads_and_withheld_conversions_are_said() {
    for url in database_urls().await {
        let mock = MockServer::start().await;
        let base = format!("{}/", mock.uri());
        let app = TestApp::spawn_with(&url, |s| {
            s.secret_key = Some(KEY.to_owned().into());
            s.connectors.meta.api_base = Some(base.clone());
        })
        .await;
        let org = app.register(&app.client, "ana@example.com").await;
        let c = app.campaign(&q4()).await;
        let id = connect(&app, &c, "meta", "act_1234567890").await;
        Mock::given(method("GET"))
            .and(path("/v27.0/act_1234567890/insights"))
            .and(query_param(
                "time_range",
                r#"{"since":"2026-11-01","until":"2026-11-01"}"#,
            ))
            .respond_with(json_body(
                200,
                fixture("meta_insights_leads.json").replace("2024-06-01", "2026-11-01"),
            ))
            .expect(1)
            .mount(&mock)
            .await;
        let r = app
            .post(
                &format!("/api/connections/{id}/sync?from=2026-11-01&to=2026-11-01"),
                &json!({}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        let answer = json_of(r).await;
        assert_eq!(answer["rows"], 3);
        let warnings = answer["connection"]["warnings"].to_string();
        assert!(
            warnings.contains("Meta withheld the conversions of 1 campaign-day(s)")
                && warnings.contains("120210000000009"),
            "{warnings}"
        );
        let day: NaiveDate = "2026-11-01".parse().unwrap_or_default();
        let series = app
            .store
            .daily_series(&OrgId::new(&org), &CampaignId::new(&c), day, day)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // 17 leads (`lead`), 7 (form + website leads), and none stored for the mixed campaign.
        assert_eq!(series.len(), 1);
        assert_eq!(series[0].conversions.to_string(), "24");
    }
}

#[tokio::test]
async fn a_retired_configured_version_is_refused_naming_its_setting() {
    let url = sqlite_database();
    let mock = MockServer::start().await;
    let base = format!("{}/", mock.uri());
    let app = TestApp::spawn_with(&url, |s| {
        s.secret_key = Some(KEY.to_owned().into());
        s.connectors.meta.api_base = Some(base.clone());
        s.connectors.meta.version = Some("v23.0".into());
        s.connectors.linkedin.version = Some("202601".into());
    })
    .await;
    app.register(&app.client, "ana@example.com").await;
    let c = app.campaign(&q4()).await;
    let id = connect(&app, &c, "meta", "act_1234567890").await;
    let r = app
        .post(&format!("/api/connections/{id}/sync"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let message = json_of(r).await["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        message,
        "Meta Marketing API v23.0 was retired on 2026-06-09 (published): set connectors.meta.version (SPENDLENS_CONNECTORS__META__VERSION) to v27.0, or remove it to use spendlens' default"
    );
    assert!(
        mock.received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "nothing is sent with a retired version"
    );
    let conn = json_of(app.get(&format!("/api/connections/{id}")).await).await;
    assert_eq!(conn["status"], "error");
    assert_eq!(conn["last_error"], Value::String(message.clone()));
    assert_eq!(conn["warnings"][0], Value::String(message));

    // The page says it, with LinkedIn's version that stops working within 60 days.
    let (status, html) = page(&app, &format!("/campaigns/{c}/connections")).await;
    assert_eq!(status, StatusCode::OK);
    let banner = html
        .split("data-section=\"version-warnings\"")
        .nth(1)
        .unwrap_or_default();
    assert!(banner.contains("Meta Marketing API v23.0 was retired on 2026-06-09"));
    assert!(banner.contains(
        "LinkedIn Marketing API 202601 stops working on 2027-01-15 (in 55 days, published)"
    ));
}

#[tokio::test]
async fn a_grant_ending_in_20_days_says_reauthorise_before_and_alerts_once() {
    for url in database_urls().await {
        let receiver = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/hook"))
            .respond_with(ResponseTemplate::new(204))
            .mount(&receiver)
            .await;
        let app = TestApp::spawn_with(&url, |s| {
            s.secret_key = Some(KEY.to_owned().into());
            s.webhooks.allow_private = vec!["127.0.0.1".into()];
        })
        .await;
        app.register(&app.client, "ana@example.com").await;
        let r = app
            .request(
                &app.client,
                reqwest::Method::PUT,
                "/api/finance/settings",
                Some(&json!({"webhook_url": format!("{}/hook", receiver.uri())})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        let c = app.campaign(&q4()).await;
        let id = connect(&app, &c, "linkedin", "5123456").await;
        let end = now() + TimeDelta::days(20) + TimeDelta::hours(3);
        app.store
            .set_grant_expires_at(&id, Some(end))
            .await
            .unwrap_or_else(|e| panic!("{e}"));

        let conn = json_of(app.get(&format!("/api/connections/{id}")).await).await;
        assert_eq!(conn["reauthorize_before"], "2026-12-11");
        assert_eq!(conn["grant_expires_at"], Value::String(end.to_rfc3339()));
        assert!(
            conn["warnings"].to_string().contains(
                "re-authorise before 11 Dec 2026: the LinkedIn Ads authorisation ends then"
            ),
            "{conn}"
        );
        let (_, html) = page(&app, &format!("/campaigns/{c}/connections")).await;
        assert!(
            html.contains("data-metric=\"reauthorize-before\">Re-authorise before 11 Dec 2026"),
            "{html}"
        );

        let sender = WebhookSender::new(
            cipher(),
            RetryPolicy::default(),
            Outbound::new(
                AllowList::parse(&["127.0.0.1".to_owned()]).unwrap_or_else(|e| panic!("{e}")),
            ),
        );
        let service = Connections::new(
            ConnectorSettings::default(),
            cipher(),
            HttpClient::new().unwrap_or_else(|e| panic!("{e}")),
            Arc::new(FixedClock(now())),
        );
        let sent = service
            .send_reauthorization_alerts(app.store.as_ref(), &sender, "test", now())
            .await;
        assert_eq!(sent, 1, "{}", app.backend);
        let again = service
            .send_reauthorization_alerts(
                app.store.as_ref(),
                &sender,
                "test",
                now() + TimeDelta::days(1),
            )
            .await;
        assert_eq!(again, 0, "once per grant");
        let received = receiver.received_requests().await.unwrap_or_default();
        assert_eq!(received.len(), 1);
        let event: Value = serde_json::from_slice(&received[0].body).unwrap_or_default();
        assert_eq!(event["type"], "connection_reauthorization");
        assert_eq!(event["connection_id"], Value::String(id.clone()));
        assert_eq!(event["reauthorize_before"], "2026-12-11");
        assert!(
            !event.to_string().contains("tok-123"),
            "no token in an alert"
        );
    }
}
