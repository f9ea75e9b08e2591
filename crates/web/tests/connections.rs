//! Platform connections through the real server, with a mock platform serving the real payload
//! shapes: connect with a token or by OAuth, sync (paging, all or nothing, idempotent),
//! disconnect, tenant isolation, and the configuration errors a new install meets.
use std::sync::Arc;

use chrono::NaiveDate;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use spendlens_app::FixedClock;
use spendlens_app::connections::Connections;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_store::ConnectionStatus;
use wiremock::matchers::{body_string_contains, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TestApp, database_urls, json_of, new_client, now, q4, sqlite_database};

const KEY: &str = "5f1c9a7e3b2d4c6a8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f";
const INSIGHTS: &str = "/v27.0/act_1234567890/insights";
const TOKEN: &str = "EAAB-meta-long-lived";

fn fixture(name: &str, base: &str) -> String {
    let path = format!(
        "{}/../connect/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {path}: {e}"))
        .replace("{{BASE}}", base)
}

fn body(text: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(text, "application/json")
}

async fn mount_page1(mock: &MockServer) {
    Mock::given(method("GET"))
        .and(path(INSIGHTS))
        .and(query_param("level", "campaign"))
        .and(query_param(
            "time_range",
            r#"{"since":"2024-06-01","until":"2024-06-02"}"#,
        ))
        .and(query_param_is_missing("after"))
        .respond_with(body(fixture("meta_insights_page1.json", &mock.uri())))
        .with_priority(5)
        .mount(mock)
        .await;
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap_or_default()
}

async fn spend_in_2024(app: &TestApp, org: &str, campaign: &str) -> Vec<(NaiveDate, String)> {
    let rows = app
        .store
        .daily_series(
            &OrgId::new(org),
            &CampaignId::new(campaign),
            day("2024-01-01"),
            day("2024-12-31"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    rows.iter().map(|r| (r.date, r.spend.to_string())).collect()
}

#[tokio::test]
async fn a_token_connection_syncs_all_pages_all_or_nothing_and_idempotently() {
    for url in database_urls().await {
        let mock = MockServer::start().await;
        let base = mock.uri();
        let app = TestApp::spawn_with(&url, |s| {
            s.secret_key = Some(KEY.to_owned().into());
            s.connectors.meta.api_base = Some(format!("{base}/"));
        })
        .await;
        let org = app.register(&app.client, "ana@example.com").await;
        let c = app.campaign(&q4()).await;

        let r = app
            .post(
                &format!("/api/campaigns/{c}/connections"),
                &json!({"platform": "meta", "account_id": "act_1234567890", "access_token": TOKEN}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let conn = json_of(r).await;
        let id = conn["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(conn["status"], "active");
        assert_eq!(conn["authorize_url"], Value::Null);
        assert!(
            !conn.to_string().contains(TOKEN),
            "the token is never answered"
        );
        let stored = app
            .store
            .connection(&OrgId::new(&org), &id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .and_then(|c| c.credentials)
            .unwrap_or_default();
        assert!(
            !stored.is_empty() && !stored.contains(TOKEN),
            "sealed at rest"
        );

        // Page 2 fails with an error retrying cannot fix: nothing of page 1 is stored.
        mount_page1(&mock).await;
        let failing = Mock::given(method("GET"))
            .and(path(INSIGHTS))
            .and(query_param("after", "MQZDZD"))
            .respond_with(ResponseTemplate::new(400).set_body_raw(
                r#"{"error":{"message":"Invalid parameter (upstream db-7.corp:5432)\n<b>x</b>","type":"OAuthException","code":100,"fbtrace_id":"x"}}"#,
                "application/json",
            ))
            .with_priority(5)
            .mount_as_scoped(&mock)
            .await;
        let sync = format!("/api/connections/{id}/sync?from=2024-06-01&to=2024-06-02");
        let r = app.post(&sync, &json!({})).await;
        assert_eq!(r.status(), StatusCode::BAD_GATEWAY, "{}", app.backend);
        let err = json_of(r).await;
        assert_eq!(err["error"]["code"], "platform_error");
        // The platform's code with our words for it: never the text of its answer.
        assert_eq!(
            err["error"]["message"], "meta: HTTP 400, code 100: invalid parameter",
            "{err}"
        );
        assert!(
            spend_in_2024(&app, &org, &c).await.is_empty(),
            "nothing half-written"
        );
        let status = json_of(app.get(&format!("/api/connections/{id}")).await).await;
        assert_eq!(status["status"], "error");
        assert_eq!(
            status["last_error"],
            "meta: HTTP 400, code 100: invalid parameter"
        );
        drop(failing);

        // With page 2 back, both pages land; the day's rows are summed per day in the series.
        Mock::given(method("GET"))
            .and(path(INSIGHTS))
            .and(query_param("after", "MQZDZD"))
            .respond_with(body(fixture("meta_insights_page2.json", &base)))
            .with_priority(5)
            .mount(&mock)
            .await;
        let r = app.post(&sync, &json!({})).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        let report = json_of(r).await;
        assert_eq!(
            (
                &report["rows"],
                &report["inserted"],
                &report["date_from"],
                &report["date_to"]
            ),
            (
                &json!(3),
                &json!(3),
                &json!("2024-06-01"),
                &json!("2024-06-02")
            )
        );
        assert_eq!(report["connection"]["status"], "active");
        assert_eq!(report["connection"]["last_error"], Value::Null);
        assert_eq!(report["connection"]["last_synced_date"], "2024-06-02");
        let series = spend_in_2024(&app, &org, &c).await;
        assert_eq!(
            series,
            vec![
                (day("2024-06-01"), "84.53".to_owned()),
                (day("2024-06-02"), "109.17".to_owned())
            ],
            "97.10 + 12.07 on the 2nd"
        );

        // Syncing the same days again changes nothing.
        let again = json_of(app.post(&sync, &json!({})).await).await;
        assert_eq!(
            (&again["inserted"], &again["unchanged"]),
            (&json!(0), &json!(3))
        );
        assert_eq!(spend_in_2024(&app, &org, &c).await, series);

        // Another organisation sees none of it.
        let mallory = new_client();
        app.register(&mallory, "mallory@example.com").await;
        for (m, p) in [
            (Method::GET, format!("/api/connections/{id}")),
            (Method::POST, sync.clone()),
            (Method::DELETE, format!("/api/connections/{id}")),
            (Method::GET, format!("/api/campaigns/{c}/connections")),
        ] {
            let r = app.request(&mallory, m.clone(), &p, None).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{m} {p}");
        }

        // Disconnecting deletes the connection and keeps the data.
        let r = app
            .request(
                &app.client,
                Method::DELETE,
                &format!("/api/connections/{id}"),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            app.get(&format!("/api/connections/{id}")).await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(spend_in_2024(&app, &org, &c).await, series);
    }
}

#[tokio::test]
async fn oauth_connects_through_the_callback_once() {
    for url in database_urls().await {
        let mock = MockServer::start().await;
        let base = mock.uri();
        let app = TestApp::spawn_with(&url, |s| {
            s.secret_key = Some(KEY.to_owned().into());
            s.connectors.public_url = "https://spendlens.example.com".into();
            s.connectors.linkedin.client_id = Some("li-client".into());
            s.connectors.linkedin.client_secret = Some("li-secret".to_owned().into());
            s.connectors.linkedin.auth_url = Some(format!("{base}/oauth/v2/authorization"));
            s.connectors.linkedin.token_url = Some(format!("{base}/oauth/v2/accessToken"));
        })
        .await;
        app.register(&app.client, "ana@example.com").await;
        let c = app.campaign(&q4()).await;
        let connectors = json_of(app.get("/api/connectors").await).await;
        let linkedin = connectors["connectors"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["platform"] == "linkedin").cloned())
            .unwrap_or_default();
        assert_eq!(linkedin["auth"], json!(["oauth", "token"]));

        let r = app
            .post(
                &format!("/api/campaigns/{c}/connections"),
                &json!({"platform": "linkedin", "account_id": "505123"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let conn = json_of(r).await;
        assert_eq!(conn["status"], "pending");
        let authorize = url::Url::parse(conn["authorize_url"].as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            authorize
                .as_str()
                .starts_with(&format!("{base}/oauth/v2/authorization?"))
        );
        let param = |k: &str| {
            authorize
                .query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        assert_eq!(
            param("redirect_uri"),
            "https://spendlens.example.com/api/oauth/callback"
        );
        let state = param("state");
        assert!(state.len() >= 16);

        Mock::given(method("POST"))
            .and(path("/oauth/v2/accessToken"))
            .and(body_string_contains("code=the-code"))
            .and(body_string_contains("client_id=li-client"))
            .respond_with(body(fixture("linkedin_token.json", &base)))
            .expect(1)
            .mount(&mock)
            .await;

        // A forged state is refused; the real one connects (and is then used up).
        let r = app
            .get("/api/oauth/callback?code=the-code&state=forged")
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let r = app
            .get(&format!("/api/oauth/callback?code=the-code&state={state}"))
            .await;
        assert!(
            r.url().path() == format!("/campaigns/{c}/connections")
                && r.url().query() == Some("connected=linkedin"),
            "redirected back to the campaign: {}",
            r.url()
        );
        let id = conn["id"].as_str().unwrap_or_default();
        let now_connected = json_of(app.get(&format!("/api/connections/{id}")).await).await;
        assert_eq!(now_connected["status"], "active", "{}", app.backend);
        let r = app
            .get(&format!("/api/oauth/callback?code=the-code&state={state}"))
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a state works once");

        // The user declines on the provider's page: the connection says so and asks for consent.
        let r = app
            .post(
                &format!("/api/campaigns/{c}/connections"),
                &json!({"platform": "linkedin", "account_id": "505999"}),
            )
            .await;
        let declined = json_of(r).await;
        let consent = url::Url::parse(declined["authorize_url"].as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
        let state = consent
            .query_pairs()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let r = app
            .get(&format!(
                "/api/oauth/callback?error=access_denied&error_description=The+user+cancelled&state={state}"
            ))
            .await;
        assert!(
            r.url().query() == Some("error=linkedin"),
            "back to the campaign with the outcome: {}",
            r.url()
        );
        let id = declined["id"].as_str().unwrap_or_default();
        let after = json_of(app.get(&format!("/api/connections/{id}")).await).await;
        assert_eq!(after["status"], "reauthorize", "{}", app.backend);
        assert_eq!(
            after["last_error"],
            "authorisation refused: access_denied: access was declined on the provider's consent page",
            "the code and our words, never the link's description"
        );
    }
}

#[tokio::test]
async fn configuration_and_input_errors_are_clear() {
    let url = sqlite_database();
    // No key: connections cannot be created, and the answer says what to set.
    let app = TestApp::spawn(&url).await;
    app.register(&app.client, "ana@example.com").await;
    let c = app.campaign(&q4()).await;
    let r = app
        .post(
            &format!("/api/campaigns/{c}/connections"),
            &json!({"platform": "meta", "account_id": "act_1", "access_token": "t"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        json_of(r).await["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("SPENDLENS_SECRET_KEY"))
    );

    let url2 = crate::support::sqlite_database();
    let app = TestApp::spawn_with(&url2, |s| s.secret_key = Some(KEY.to_owned().into())).await;
    app.register(&app.client, "ana@example.com").await;
    let c = app.campaign(&q4()).await;
    let path = format!("/api/campaigns/{c}/connections");
    let cases = [
        (
            json!({"platform": "meta", "account_id": "act_1"}),
            StatusCode::SERVICE_UNAVAILABLE,
            "connectors.meta.client_id",
        ),
        (
            json!({"platform": "custom_integration", "account_id": "x", "access_token": "t"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "platform",
        ),
        (
            json!({"platform": "tiktok", "account_id": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "platform",
        ),
        (
            json!({"platform": "meta", "access_token": "t"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "account_id",
        ),
        (
            json!({"platform": "meta", "account_id": "a", "access_token": "t", "service_account_key": "{}"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "access_token",
        ),
        (
            json!({"platform": "meta", "account_id": "a", "service_account_key": "{}"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "service_account_key",
        ),
        (
            json!({"platform": "ga4", "account_id": "123", "service_account_key": {"type": "service_account"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "service_account_key",
        ),
        (
            json!({"platform": "meta", "account_id": "a", "access_token": "t", "range": "A:J"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "range",
        ),
        (
            json!({"platform": "meta", "account_id": "a", "token": "t"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "token",
        ),
    ];
    for (body, status, field) in cases {
        let r = app.post(&path, &body).await;
        assert_eq!(r.status(), status, "{body}");
        let text = json_of(r).await.to_string();
        assert!(text.contains(field), "{body}: {text}");
    }
    let ok = app
        .post(
            &path,
            &json!({"platform": "meta", "account_id": "act_1", "access_token": "t"}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::CREATED);
    let id = json_of(ok).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let dup = app
        .post(
            &path,
            &json!({"platform": "meta", "account_id": "act_1", "access_token": "t"}),
        )
        .await;
    assert_eq!(
        dup.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "already connected"
    );
    // A second sheet on the campaign would overwrite the first's days (rows keyed by campaign
    // name): refused, naming the one connected; another campaign takes it.
    let sheet = |id: &str| json!({"platform": "sheets", "account_id": id, "access_token": "t", "range": "A:J"});
    assert_eq!(
        app.post(&path, &sheet("sheet-one")).await.status(),
        StatusCode::CREATED
    );
    let second = app.post(&path, &sheet("sheet-two")).await;
    assert_eq!(second.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let said = json_of(second).await.to_string();
    assert!(
        said.contains("already has a Google Sheets connection (sheet-one)"),
        "{said}"
    );
    let other = app.campaign(&q4()).await;
    let r = app
        .post(
            &format!("/api/campaigns/{other}/connections"),
            &sheet("sheet-two"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .post(
            &format!("/api/connections/{id}/sync?from=2026-11-21"),
            &json!({}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "today is not a completed day"
    );
    let r = app
        .post(
            &format!("/api/connections/{id}/sync?to=2026-11-01"),
            &json!({}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a backfill needs its first day"
    );
}

#[tokio::test]
async fn the_daily_sweep_syncs_each_due_connection_once_a_day() {
    for url in database_urls().await {
        let mock = MockServer::start().await;
        let base = mock.uri();
        let app = TestApp::spawn_with(&url, |s| {
            s.secret_key = Some(KEY.to_owned().into());
        })
        .await;
        app.register(&app.client, "ana@example.com").await;
        let c = app.campaign(&q4()).await;
        let r = app
            .post(
                &format!("/api/campaigns/{c}/connections"),
                &json!({"platform": "meta", "account_id": "act_1234567890", "access_token": TOKEN}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        // The restatement window: the 28 completed days up to yesterday (2026-11-20).
        Mock::given(method("GET"))
            .and(path(INSIGHTS))
            .and(query_param(
                "time_range",
                r#"{"since":"2026-10-24","until":"2026-11-20"}"#,
            ))
            .respond_with(body(
                r#"{"data":[{"account_currency":"USD","campaign_id":"9","date_start":"2026-11-20","date_stop":"2026-11-20","spend":"10.00","impressions":"100","clicks":"5"}],"paging":{"cursors":{}}}"#.to_owned(),
            ))
            .expect(1)
            .mount(&mock)
            .await;
        let mut settings = spendlens_app::connections::ConnectorSettings::default();
        settings.meta.api_base = Some(format!("{base}/"));
        let cipher = spendlens_connect::TokenCipher::from_config(Some(&KEY.to_owned().into())).ok();
        let service = Connections::new(
            settings,
            cipher,
            spendlens_connect::HttpClient::new().unwrap_or_else(|e| panic!("{e}")),
            Arc::new(FixedClock(now())),
        );
        let first = service.sweep(app.store.as_ref(), "test").await;
        let first = first.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((first.synced, first.failed), (1, 0), "{}", app.backend);
        let second = service.sweep(app.store.as_ref(), "test").await;
        let second = second.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (second.synced, second.skipped),
            (0, 1),
            "synced today already"
        );
        let all = app.store.all_connections().await.unwrap_or_default();
        assert_eq!(all[0].status, ConnectionStatus::Active);
        assert_eq!(all[0].last_synced_date, Some(day("2026-11-20")));
        assert_eq!(all[0].last_rows, 1);
    }
}
