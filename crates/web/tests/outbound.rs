//! Requests the server makes on a user's behalf, through the real server: a webhook URL that
//! names an internal address in any spelling is refused when saved (API and form, both
//! backends), a stored one is refused at delivery and the alert records only the category, the
//! operator's allow-list lets an internal receiver through, and a service-account key's
//! `token_uri` is never followed.
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use spendlens_core::campaign::OrgId;
use wiremock::matchers::{body_string_contains, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    TestApp, database_urls, json_of, page, post_form, q4, sqlite_database, token_in,
};

const KEY: &str = "5f1c9a7e3b2d4c6a8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f";

/// Every spelling of an internal address the issue lists, and a few more.
const INTERNAL_URLS: &[&str] = &[
    "http://127.0.0.1/hook",
    "http://127.0.0.1:6379/",
    "http://localhost/hook",
    "http://localhost./hook",
    "http://LOCALHOST:8080/",
    "http://api.localhost/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://127.1/",
    "http://0177.0.0.1/",
    "http://127.0.0.1./",
    "http://\u{ff11}\u{ff12}\u{ff17}.\u{ff10}.\u{ff10}.\u{ff11}/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://172.16.0.0/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://[fc00::1]/",
    "http://[fe80::1]/",
    "http://user:pw@hooks.example.com/",
    "https://hooks.example.com@127.0.0.1/",
];

fn november() -> Value {
    json!({"name": "November push", "currency": "USD", "budget": "1000.00",
           "start_date": "2026-11-01", "end_date": "2026-11-30", "time_zone": "UTC"})
}

/// 850 of the 1000 budget spent: a `budget_80` alert is raised.
fn heavy_spend() -> Value {
    let rows: Vec<Value> = (1..=17)
        .map(|d| {
            json!({"date": format!("2026-11-{d:02}"), "platform": "meta", "spend": "50",
                        "conversions": 1, "impressions": 100, "clicks": 5})
        })
        .collect();
    json!({"rows": rows})
}

async fn put_settings(app: &TestApp, body: &Value) -> reqwest::Response {
    app.request(
        &app.client,
        Method::PUT,
        "/api/finance/settings",
        Some(body),
    )
    .await
}

/// The alerts once their first delivery attempt is recorded (deliveries run in the background).
async fn attempted_alerts(app: &TestApp) -> Vec<Value> {
    for _ in 0..100 {
        let all = json_of(app.get("/api/alerts").await).await;
        let alerts = all["alerts"].as_array().cloned().unwrap_or_default();
        if !alerts.is_empty()
            && alerts
                .iter()
                .all(|a| a["delivery_attempts"].as_u64().unwrap_or(0) > 0)
        {
            return alerts;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no delivery was attempted");
}

#[tokio::test]
async fn every_internal_webhook_url_is_refused_when_saved() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ssrf@example.com").await;
        for hook in INTERNAL_URLS {
            let r = put_settings(&app, &json!({"webhook_url": hook})).await;
            assert_eq!(
                r.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{} {hook}",
                app.backend
            );
            let body = json_of(r).await;
            let fields: Vec<&str> = body["error"]["details"]
                .as_array()
                .map(|d| d.iter().filter_map(|p| p["field"].as_str()).collect())
                .unwrap_or_default();
            assert_eq!(fields, vec!["webhook_url"], "{hook}: {body}");
        }
        let settings = json_of(app.get("/api/finance/settings").await).await;
        assert_eq!(settings["webhook_url"], Value::Null, "nothing was saved");

        // The settings form says the same beside the field.
        let (_, html) = page(&app, "/finance").await;
        let token = token_in(&html);
        let (status, html) = post_form(
            &app,
            "/finance/settings",
            &[
                ("csrf", token.as_str()),
                ("cost_of_capital", "0.08"),
                ("webhook_url", "http://0x7f000001:6379/"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        assert!(html.contains("id=\"webhook_url-error\""), "{html}");
        assert!(html.contains("127.0.0.1 is a loopback address"), "{html}");

        // A public host is still fine.
        let r = put_settings(&app, &json!({"webhook_url": "https://hooks.example.com/x"})).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
    }
}

#[tokio::test]
async fn a_stored_internal_url_is_refused_at_delivery_and_only_the_category_is_shown() {
    for url in database_urls().await {
        let receiver = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(204))
            .mount(&receiver)
            .await;
        let app = TestApp::spawn(&url).await;
        let org = app.register(&app.client, "legacy@example.com").await;
        // A URL saved before the rule existed (written straight to the store).
        let mut stored = spendlens_app::finance::settings::default_settings();
        stored.webhook_url = Some(format!("{}/hook", receiver.uri()));
        app.store
            .put_finance_settings(&OrgId::new(&org), &stored, crate::support::now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let id = app.campaign(&november()).await;
        let r = app
            .post(&format!("/api/campaigns/{id}/metrics"), &heavy_spend())
            .await;
        assert!(r.status().is_success(), "{}", app.backend);
        let alerts = attempted_alerts(&app).await;
        for a in &alerts {
            assert_eq!(
                a["last_error"], "address not allowed",
                "{}: {a}",
                app.backend
            );
            assert_eq!(a["delivered_at"], Value::Null);
        }
        let received = receiver.received_requests().await.unwrap_or_default();
        assert!(received.is_empty(), "the internal receiver saw nothing");
        let (_, html) = page(&app, "/finance").await;
        assert!(
            html.contains("address not allowed"),
            "the alerts page shows the category"
        );
    }
}

#[tokio::test]
async fn the_allow_list_lets_an_internal_receiver_through() {
    let url = sqlite_database();
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&receiver)
        .await;
    let hook = format!("{}/hook", receiver.uri());

    // Without the allow-list the receiver on 127.0.0.1 cannot even be saved.
    let closed = TestApp::spawn(&url).await;
    closed.register(&closed.client, "closed@example.com").await;
    let r = put_settings(&closed, &json!({"webhook_url": hook})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let app = TestApp::spawn_with(&url, |s| {
        s.webhooks.allow_private = vec!["127.0.0.1".into()];
    })
    .await;
    app.register(&app.client, "open@example.com").await;
    let r = put_settings(&app, &json!({"webhook_url": hook})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = put_settings(&app, &json!({"webhook_url": "http://10.0.0.1/"})).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "only what is listed is allowed"
    );
    let id = app.campaign(&november()).await;
    app.post(&format!("/api/campaigns/{id}/metrics"), &heavy_spend())
        .await;
    let alerts = attempted_alerts(&app).await;
    assert!(
        alerts.iter().all(|a| a["delivered_at"].is_string()),
        "{alerts:?}"
    );
    let received = receiver.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), alerts.len());
}

/// A fixture of the connect crate's tests.
fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../connect/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A service-account key (the connect crate's test key) naming `token_uri`.
fn key_file(token_uri: &str) -> String {
    let mut key: Value =
        serde_json::from_str(&fixture("service_account.json")).unwrap_or_else(|e| panic!("{e}"));
    key["token_uri"] = Value::String(token_uri.to_owned());
    key.to_string()
}

#[tokio::test]
async fn a_service_account_key_s_token_uri_is_never_followed() {
    for url in database_urls().await {
        let google = MockServer::start().await;
        // Stands for an internal host a key could name.
        let internal = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(400).set_body_raw(
                r#"{"error":"invalid_grant","error_description":"redis_version:7.2.4"}"#,
                "application/json",
            ))
            .mount(&internal)
            .await;
        let base = google.uri();
        let app = TestApp::spawn_with(&url, |s| {
            s.secret_key = Some(KEY.to_owned().into());
            s.connectors.google.token_url = Some(format!("{base}/token"));
            s.connectors.ga4.api_base = Some(format!("{base}/"));
        })
        .await;
        app.register(&app.client, "keys@example.com").await;
        let c = app.campaign(&q4()).await;
        let connections = format!("/api/campaigns/{c}/connections");

        // A key naming another token endpoint is refused, and nothing is sent there.
        let r = app
            .post(
                &connections,
                &json!({"platform": "ga4", "account_id": "314159265",
                        "service_account_key": key_file(&format!("{}/token", internal.uri()))}),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );
        let body = json_of(r).await;
        assert_eq!(
            body["error"]["details"][0]["field"], "service_account_key.token_uri",
            "{body}"
        );
        let sent = internal.received_requests().await.unwrap_or_default();
        assert!(sent.is_empty(), "the key's endpoint was not contacted");

        // Google's own endpoint is accepted; the grant goes to the configured one.
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("assertion="))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                r#"{"access_token":"ya29.sa","expires_in":3599,"token_type":"Bearer"}"#,
                "application/json",
            ))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&google)
            .await;
        Mock::given(method("POST"))
            .and(path_regex(r"^/v1beta/properties/.*:runReport$"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(fixture("ga4_empty.json"), "application/json"),
            )
            .mount(&google)
            .await;
        let r = app
            .post(
                &connections,
                &json!({"platform": "ga4", "account_id": "314159265",
                        "service_account_key": key_file("https://oauth2.googleapis.com/token")}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let id = json_of(r).await["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let sync = format!("/api/connections/{id}/sync?from=2024-06-01&to=2024-06-02");
        let r = app.post(&sync, &json!({})).await;
        let status = r.status();
        assert_eq!(
            status,
            StatusCode::OK,
            "{}: {}",
            app.backend,
            json_of(r).await
        );

        // A refusal from the token endpoint: its code and our words, never its description.
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(ResponseTemplate::new(400).set_body_raw(
                r#"{"error":"invalid_grant","error_description":"redis_version:7.2.4 on 10.0.0.7"}"#,
                "application/json",
            ))
            .mount(&google)
            .await;
        // On another campaign: a campaign takes one GA4 property.
        let other = app.campaign(&crate::support::q4()).await;
        let r = app
            .post(
                &format!("/api/campaigns/{other}/connections"),
                &json!({"platform": "ga4", "account_id": "271828",
                        "service_account_key": key_file("https://oauth2.googleapis.com/token")}),
            )
            .await;
        let id = json_of(r).await["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let r = app
            .post(
                &format!("/api/connections/{id}/sync?from=2024-06-01&to=2024-06-02"),
                &json!({}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_GATEWAY, "{}", app.backend);
        let expected = "OAuth token endpoint: invalid_grant: the grant was refused or has expired: authorise the connection again";
        assert_eq!(json_of(r).await["error"]["message"], expected);
        let status = json_of(app.get(&format!("/api/connections/{id}")).await).await;
        assert_eq!(status["last_error"], expected);
        assert!(!status.to_string().contains("redis"));
    }
}
