//! Metric dates outside the accepted range (issue 13, item 9): refused by every door the CSV
//! import refuses them at (the metrics API, the PDF confirmation, imports, connector syncs),
//! each naming the date, nothing written, on each backend; and a connector's values beyond the
//! caps, by the same rule.
use reqwest::StatusCode;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TestApp, database_urls, json_of, page, q4, token_in};

fn fields(body: &Value) -> Vec<String> {
    body["error"]["details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["field"].as_str().map(str::to_owned))
        .collect()
}

async fn spend(app: &TestApp, id: &str) -> Value {
    json_of(
        app.get(&format!("/api/campaigns/{id}/financial-analysis"))
            .await,
    )
    .await["totals"]["spend"]
        .clone()
}

#[tokio::test]
async fn dates_outside_the_range_are_refused_at_every_door() {
    for url in database_urls().await {
        let mock = MockServer::start().await;
        let base = mock.uri();
        let app = TestApp::spawn_with(&url, |s| {
            s.secret_key = Some(
                "5f1c9a7e3b2d4c6a8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f"
                    .to_owned()
                    .into(),
            );
            s.connectors.meta.api_base = Some(format!("{base}/"));
        })
        .await;
        app.register(&app.client, "dates@example.com").await;
        let id = app.campaign(&q4()).await;

        // The metrics API: year 0, 9999 and the day before the range.
        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &json!({"rows": [
                {"date": "0000-01-01", "platform": "meta", "spend": "1"},
                {"date": "9999-01-01", "platform": "meta", "spend": "1"},
                {"date": "1999-12-31", "platform": "meta", "spend": "1"},
                {"date": "2026-11-02", "platform": "meta", "spend": "1"}]}),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );
        assert_eq!(
            fields(&json_of(r).await),
            vec!["rows[0].date", "rows[1].date", "rows[2].date"]
        );

        // A canonical CSV (as before: the rule is the CSV import's).
        let csv = "date,platform,campaign,spend\n9999-01-01,meta,c1,5\n";
        let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("far.csv");
        let r = app
            .client
            .post(format!("{}/api/campaigns/{id}/imports", app.base))
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );

        // A PDF's figures confirmed on the imports page: the problem beside the date field.
        let (_, html) = page(&app, &format!("/campaigns/{id}/imports")).await;
        let csrf = token_in(&html);
        let r = app
            .client
            .post(format!("{}/campaigns/{id}/imports/pdf", app.base))
            .form(&[
                ("csrf", csrf.as_str()),
                ("file", "report.pdf"),
                ("date", "9999-11-05"),
                ("platform", "custom_integration"),
                ("spend", "900"),
                ("impressions", ""),
                ("clicks", ""),
                ("conversions", ""),
                ("currency", ""),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );
        let html = r.text().await.unwrap_or_default();
        assert!(html.contains("id=\"date-error\""), "{html}");

        // A sync: a backfill from before the range is refused, naming `from`; a platform
        // answering a value beyond the caps fails the sync whole.
        let fixture = format!(
            "{}/../connect/tests/fixtures/meta_insights_page1.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut answer: Value =
            serde_json::from_str(&std::fs::read_to_string(&fixture).unwrap_or_default())
                .unwrap_or_else(|e| panic!("{fixture}: {e}"));
        answer["data"][0]["spend"] = json!("2000000000000");
        if let Some(o) = answer.as_object_mut() {
            o.remove("paging");
        }
        Mock::given(method("GET"))
            .and(path("/v27.0/act_1234567890/insights"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(answer.to_string(), "application/json"),
            )
            .mount(&mock)
            .await;
        let r = app
            .post(
                &format!("/api/campaigns/{id}/connections"),
                &json!({"platform": "meta", "account_id": "act_1234567890", "access_token": "EAAB-meta"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let conn = json_of(r).await["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let r = app
            .post(
                &format!("/api/connections/{conn}/sync?from=1999-06-01&to=1999-06-02"),
                &json!({}),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );
        assert_eq!(fields(&json_of(r).await), vec!["from"]);
        let r = app
            .post(
                &format!("/api/connections/{conn}/sync?from=2024-06-01&to=2024-06-02"),
                &json!({}),
            )
            .await;
        let status = r.status();
        let message = json_of(r).await["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            status.is_client_error(),
            "{}: {status} {message}",
            app.backend
        );
        assert!(message.contains("spend"), "{message}");

        // Nothing of any of it was written.
        assert_eq!(spend(&app, &id).await, json!("0.00"), "{}", app.backend);
    }
}

/// A campaign whose day is ahead of UTC (Kiritimati is UTC+14: at 12:00 UTC on 21 November it is
/// already the 22nd there) shows the same spend in the financial report as on its own pages: the
/// report cuts each campaign at today in its own time zone, as they do.
#[tokio::test]
async fn the_report_counts_a_campaign_to_its_own_today_as_its_pages_do() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "kiribati@example.com").await;
        let id = app
            .campaign(
                &json!({"name": "Line Islands", "currency": "USD", "budget": "1000",
                "start_date": "2026-11-01", "end_date": "2026-11-30",
                "time_zone": "Pacific/Kiritimati"}),
            )
            .await;
        let rows: Vec<Value> = [20, 21, 22]
            .iter()
            .map(|d| json!({"date": format!("2026-11-{d}"), "platform": "meta", "spend": "100"}))
            .collect();
        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &json!({"rows": rows}),
            )
            .await;
        assert!(r.status().is_success(), "{}", app.backend);
        assert_eq!(spend(&app, &id).await, "300.00", "{}", app.backend);
        let roi = json_of(app.get(&format!("/api/campaigns/{id}/roi")).await).await;
        assert_eq!(roi["costs"]["platform_spend"], "300.00", "{roi}");
        let report = json_of(
            app.get("/api/reports/financial?from=2026-11-01&to=2026-11-30")
                .await,
        )
        .await;
        let campaign = &report["campaigns"][0];
        assert_eq!(campaign["costs"]["platform_spend"], "300.00", "{campaign}");
        assert_eq!(campaign["budget"]["spend"], "300.00", "{campaign}");
        assert_eq!(campaign["window"]["end"], "2026-11-22", "{campaign}");
    }
}

/// A day asked in a query (`as_of`, `from`, `to`) outside the days spendlens keeps is refused
/// naming the parameter, alike on every read: year 0 gave trends from year −1, and the audit log
/// to 9999-12-31 came back empty while 9999-12-30 listed entries.
#[tokio::test]
async fn a_day_asked_outside_the_kept_range_is_refused_naming_the_parameter() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "range@a.io").await;
        let id = app.campaign(&q4()).await;
        for (path, param) in [
            (
                format!("/api/campaigns/{id}/financial-analysis?as_of="),
                "as_of",
            ),
            (format!("/api/campaigns/{id}/roi?from="), "from"),
            (format!("/api/campaigns/{id}/reconciliation?to="), "to"),
            (format!("/api/campaigns/{id}/channels?from="), "from"),
            (
                "/api/reports/financial?from=2026-11-01&to=".to_owned(),
                "to",
            ),
            ("/api/audit-log?to=".to_owned(), "to"),
        ] {
            for day in ["0000-01-01", "1999-12-31", "2100-01-01", "9999-12-31"] {
                let r = app.get(&format!("{path}{day}")).await;
                let status = r.status();
                let body = json_of(r).await;
                assert!(status.is_client_error(), "{path}{day}: {status} {body}");
                assert_eq!(fields(&body), vec![param.to_owned()], "{path}{day}: {body}");
                assert!(
                    body.to_string()
                        .contains("outside the accepted range 2000-01-01 to 2099-12-31"),
                    "{path}{day}: {body}"
                );
            }
        }
        let r = app.get("/api/audit-log?to=2099-12-31").await;
        assert_eq!(r.status(), StatusCode::OK);
        let log = json_of(r).await;
        assert!(
            !log["entries"].as_array().is_none_or(Vec::is_empty),
            "{log}"
        );
    }
}
