//! Scheduled reports through the real server and its delivery sweep: a due financial report
//! reaches an SMTP sink once with a PDF that opens, even with two instances sweeping the same
//! database; a refused message is retried and recorded; Slack gets the incoming-webhook format;
//! the signed webhook gets its event; nothing is sent for a slot that is not due.
use std::time::Duration;

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::{Value, json};
use spendlens_web::Settings;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::smtp_sink::{SmtpSink, attachment};
use crate::support::{TestApp, database_urls, json_of, now};

const KEY: &str = "5f1c9a7e3b2d4c6a8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f";

/// Settings of an instance that sweeps every second, mails the sink in plain SMTP and may post
/// to loopback (the mock Slack and webhook receivers).
fn sweeping(sink: Option<&SmtpSink>) -> impl FnOnce(&mut Settings) + '_ {
    move |s: &mut Settings| {
        s.report_every_seconds = 1;
        s.secret_key = Some(KEY.to_owned().into());
        s.webhooks.allow_private = vec!["127.0.0.1".into()];
        if let Some(sink) = sink {
            s.smtp.host = Some("127.0.0.1".into());
            s.smtp.port = sink.port;
            s.smtp.starttls = false;
            s.smtp.from = "spendlens <reports@example.com>".into();
            s.smtp.timeout_seconds = 5;
        }
    }
}

/// A campaign with 100 of Meta spend a day over 14–20 November 2026 (the week before Saturday
/// 21 November, the tests' today).
async fn campaign_with_a_week(app: &TestApp, name: &str, budget: &str) -> String {
    let id = app
        .campaign(&json!({"name": name, "currency": "USD", "budget": budget,
            "start_date": "2026-11-01", "end_date": "2026-12-31", "time_zone": "UTC"}))
        .await;
    let rows: Vec<Value> = (14..=20)
        .map(|d| {
            json!({"date": format!("2026-11-{d}"), "platform": "meta", "spend": "100",
                   "revenue": "250", "conversions": 4, "impressions": 1000, "clicks": 40})
        })
        .collect();
    let r = app
        .post(
            &format!("/api/campaigns/{id}/metrics"),
            &json!({"rows": rows}),
        )
        .await;
    assert!(r.status().is_success(), "{}: metrics", app.backend);
    id
}

async fn deliveries(app: &TestApp) -> Vec<Value> {
    let body = json_of(app.get("/api/report-schedules").await).await;
    body["deliveries"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_due_report_reaches_the_sink_once_with_a_pdf_that_opens_across_two_instances() {
    for url in database_urls().await {
        let sink = SmtpSink::start(0).await;
        let app = TestApp::spawn_with(&url, sweeping(Some(&sink))).await;
        let second = TestApp::spawn_with(&url, sweeping(Some(&sink))).await;
        app.register(&app.client, "cfo@example.com").await;
        campaign_with_a_week(&app, "Autumn push", "5000").await;
        // Not due: a Monday schedule made on a Saturday waits for Monday.
        let r = app
            .post(
                "/api/report-schedules",
                &json!({"kind": "financial_report", "format": "pdf",
                "currency": "USD", "channel": "email", "recipients": ["later@example.com"],
                "cadence": "weekly", "weekday": "monday"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        assert_eq!(json_of(r).await["next_slot"], "2026-11-23");
        let r = app
            .post(
                "/api/report-schedules",
                &json!({"kind": "financial_report", "format": "pdf",
                "currency": "USD", "channel": "email",
                "recipients": ["CFO@example.com", "board@example.com"],
                "cadence": "weekly", "weekday": "saturday"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let schedule = json_of(r).await;
        assert_eq!(
            schedule["recipients"],
            json!(["cfo@example.com", "board@example.com"])
        );

        let got = sink.wait_for(1, 20).await;
        assert_eq!(got.len(), 1, "{}: the report arrived", app.backend);
        // Both instances sweep every second: give them several more chances to send it again.
        tokio::time::sleep(Duration::from_secs(4)).await;
        let got = sink.received().await;
        assert_eq!(got.len(), 1, "{}: sent once in total", app.backend);
        let mail = &got[0];
        assert_eq!(mail.from, "<reports@example.com>", "{}", app.backend);
        assert_eq!(
            mail.to,
            vec!["<cfo@example.com>", "<board@example.com>"],
            "{}",
            app.backend
        );
        let (name, pdf) = attachment(&mail.data, "application/pdf")
            .unwrap_or_else(|| panic!("{}: no PDF in\n{}", app.backend, mail.data));
        assert_eq!(name, "financial-report-2026-11-14-2026-11-20.pdf");
        assert!(pdf.starts_with(b"%PDF-"), "{}", app.backend);
        // The PDF opens, and holds the report the download gives for the same week.
        let report = json_of(
            app.get("/api/reports/financial?from=2026-11-14&to=2026-11-20&currency=USD")
                .await,
        )
        .await;
        let total = report["totals"]["total_investment"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(total.starts_with("7"), "{}: {report}", app.backend);
        let read = spendlens_testkit::pdf::read(&pdf);
        for needle in [
            "Marketing financial report",
            "Autumn push",
            &format!("${total}"),
        ] {
            assert!(
                read.shows(needle),
                "{}: {needle} missing from\n{}",
                app.backend,
                read.all_text()
            );
        }
        let listed = deliveries(&app).await;
        assert_eq!(listed.len(), 1, "{}: {listed:?}", app.backend);
        assert_eq!(listed[0]["status"], "delivered");
        assert_eq!(listed[0]["attempts"], 1);
        assert_eq!(listed[0]["slot"], "2026-11-21");
        assert_eq!(listed[0]["period_from"], "2026-11-14");
        drop(second);
    }
}

#[tokio::test]
async fn a_refused_message_is_retried_with_backoff_and_recorded() {
    for url in database_urls().await {
        let sink = SmtpSink::start(1).await;
        let app = TestApp::spawn_with(&url, sweeping(Some(&sink))).await;
        app.register(&app.client, "ops@example.com").await;
        // The e-mail writes the name as it is (Slack's escaping is Slack's alone).
        campaign_with_a_week(&app, "Retry me <now> & *soon*", "5000").await;
        let r = app
            .post(
                "/api/report-schedules",
                &json!({"kind": "campaign_summary",
                "channel": "email", "recipients": ["ops@example.com"],
                "cadence": "weekly", "weekday": "saturday"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let mut listed = Vec::new();
        for _ in 0..100 {
            listed = deliveries(&app).await;
            if listed.first().is_some_and(|d| d["attempts"] == 1) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(listed.len(), 1, "{}: {listed:?}", app.backend);
        assert_eq!(listed[0]["status"], "retrying", "{}", app.backend);
        assert_eq!(listed[0]["last_error"], "SMTP 451");
        assert_eq!(listed[0]["next_attempt_at"], "2026-11-21T12:01:00Z");
        // This instance's clock stands still: the next try is not due for it.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(sink.received().await.is_empty(), "{}", app.backend);
        assert_eq!(deliveries(&app).await[0]["attempts"], 1);
        // An instance two minutes later sends it.
        let later =
            TestApp::spawn_at(&url, now() + TimeDelta::minutes(2), sweeping(Some(&sink))).await;
        let got = sink.wait_for(1, 20).await;
        assert_eq!(got.len(), 1, "{}", app.backend);
        let (_, text) = attachment(&got[0].data, "text/plain")
            .unwrap_or_else(|| panic!("{}: no text in\n{}", app.backend, got[0].data));
        let text = String::from_utf8_lossy(&text).replace("\r\n", "\n");
        assert!(
            text.contains("Retry me <now> & *soon*\nSpend $700.00"),
            "{text}"
        );
        assert!(
            text.contains("revenue $1,750.00 (platform-reported) · ROAS 2.50"),
            "{text}"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        let listed = deliveries(&app).await;
        assert_eq!(
            listed[0]["status"], "delivered",
            "{}: {listed:?}",
            app.backend
        );
        assert_eq!(listed[0]["attempts"], 2);
        assert_eq!(listed[0]["last_error"], Value::Null);
        assert_eq!(sink.received().await.len(), 1, "{}", app.backend);
        // The finance page lists it.
        let (status, html) = crate::support::page(&app, "/finance").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("data-delivery=\"delivered\""), "{html}");
        drop(later);
    }
}

#[tokio::test]
async fn slack_gets_the_incoming_webhook_format_and_the_url_is_never_shown() {
    for url in database_urls().await {
        let mock = MockServer::start().await;
        for p in ["/services/T1/B1/summary", "/services/T1/B1/alerts", "/hook"] {
            Mock::given(method("POST"))
                .and(path(p))
                .respond_with(ResponseTemplate::new(200))
                .mount(&mock)
                .await;
        }
        let app = TestApp::spawn_with(&url, sweeping(None)).await;
        app.register(&app.client, "slack@example.com").await;
        // A name written to ping the channel and plant a link reaches Slack as text.
        let hostile = "Winter sale <!channel> <https://evil.example/login|Sign in again> & co";
        let budgeted = campaign_with_a_week(&app, hostile, "800").await;
        // A campaign whose revenue nobody measures (spend, no conversion value).
        let brand = app
            .campaign(
                &json!({"name": "Brand", "currency": "USD", "start_date": "2026-11-01",
                "end_date": "2026-12-31", "time_zone": "UTC"}),
            )
            .await;
        let r = app
            .post(
                &format!("/api/campaigns/{brand}/metrics"),
                &json!({"rows": [{"date": "2026-11-16", "platform": "meta", "spend": "40",
                    "impressions": 900, "clicks": 9}]}),
            )
            .await;
        assert!(r.status().is_success(), "{}", app.backend);
        let slack = format!("{}/services/T1/B1/summary", mock.uri());
        let r = app
            .post("/api/report-schedules", &json!({"kind": "campaign_summary",
                "channel": "slack", "slack_url": slack, "cadence": "weekly", "weekday": "saturday"}))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let r = app
            .post(
                "/api/report-schedules",
                &json!({"kind": "budget_alerts",
                "channel": "slack", "slack_url": format!("{}/services/T1/B1/alerts", mock.uri()),
                "campaign_id": budgeted}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        // The organisation's signed webhook gets its own event.
        let r = app
            .request(&app.client, reqwest::Method::PUT, "/api/finance/settings",
                Some(&json!({"webhook_url": format!("{}/hook", mock.uri()), "webhook_secret": "s3cret"})))
            .await;
        assert!(r.status().is_success(), "{}", app.backend);
        let r = app
            .post(
                "/api/report-schedules",
                &json!({"kind": "campaign_summary",
                "channel": "webhook", "cadence": "weekly", "weekday": "saturday"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        // A write that passes 80 % of the budget raises alerts for the alert schedule.
        let r = app
            .post(
                &format!("/api/campaigns/{budgeted}/metrics"),
                &json!({"rows": [
                {"date": "2026-11-21", "platform": "meta", "spend": "50", "conversions": 1}]}),
            )
            .await;
        assert!(r.status().is_success(), "{}", app.backend);

        let mut requests = Vec::new();
        for _ in 0..150 {
            requests = mock.received_requests().await.unwrap_or_default();
            let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
            if ["/summary", "/alerts", "/hook"]
                .iter()
                .all(|p| paths.iter().any(|x| x.ends_with(p)))
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let body_of = |suffix: &str| -> Vec<Value> {
            requests
                .iter()
                .filter(|r| r.url.path().ends_with(suffix))
                .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
                .collect()
        };
        let summary = body_of("/summary");
        assert_eq!(summary.len(), 1, "{}: {requests:?}", app.backend);
        let message = &summary[0];
        assert!(message["text"].is_string(), "{message}");
        let blocks = message["blocks"].as_array().cloned().unwrap_or_default();
        assert_eq!(
            blocks.len(),
            3,
            "a heading and one section per campaign: {message}"
        );
        for b in &blocks {
            assert_eq!(b["type"], "section", "{message}");
            assert_eq!(b["text"]["type"], "mrkdwn", "{message}");
        }
        let section = |name: &str| {
            blocks
                .iter()
                .filter_map(|b| b["text"]["text"].as_str())
                .find(|t| t.starts_with(&format!("*{name}")))
                .unwrap_or_else(|| panic!("{name}: {message}"))
                .to_owned()
        };
        let escaped = "Winter sale &lt;!channel&gt; &lt;https://evil.example/login|Sign in again&gt; &amp; co";
        let campaign = section(escaped);
        assert!(
            campaign.starts_with(&format!("*{escaped}*"))
                && campaign.contains("Spend $700.00")
                && campaign.contains("revenue $1,750.00 (platform-reported) · ROAS 2.50"),
            "{campaign}"
        );
        let unmeasured = section("Brand");
        assert!(
            unmeasured.contains("Spend $40.00")
                && unmeasured.contains("revenue not measured")
                && !unmeasured.contains("ROAS"),
            "{unmeasured}"
        );
        let everything = message.to_string();
        assert!(
            !everything.contains("<!channel>") && !everything.contains("<https://evil"),
            "{everything}"
        );

        let alerts = body_of("/alerts");
        assert!(!alerts.is_empty(), "{}: {requests:?}", app.backend);
        let texts: Vec<String> = alerts
            .iter()
            .map(|m| {
                m["blocks"][1]["text"]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        assert!(
            texts
                .iter()
                .any(|t| t.contains(escaped) && t.contains("budget used")),
            "{texts:?}"
        );
        for m in &alerts {
            let text = m.to_string();
            assert!(
                !text.contains("<!channel>") && !text.contains("<https://evil"),
                "{text}"
            );
        }

        let hook: Vec<&wiremock::Request> = requests
            .iter()
            .filter(|r| r.url.path() == "/hook")
            .collect();
        let event = hook
            .iter()
            .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap_or(Value::Null))
            .find(|v| v["type"] == "scheduled_report")
            .unwrap_or_else(|| panic!("{}: no scheduled report at the webhook", app.backend));
        assert_eq!(event["kind"], "campaign_summary");
        let rows = event["campaigns"].as_array().cloned().unwrap_or_default();
        let row = |id: &str| {
            rows.iter()
                .find(|r| r["campaign_id"] == id)
                .cloned()
                .unwrap_or_else(|| panic!("{id}: {event}"))
        };
        let sale = row(&budgeted);
        assert_eq!(
            (
                &sale["spend"],
                &sale["revenue"],
                &sale["revenue_source"],
                &sale["roas"]
            ),
            (
                &json!("700.00"),
                &json!("1750.00"),
                &json!("reported"),
                &json!(2.5)
            ),
            "{sale}"
        );
        let brand = row(&brand);
        assert_eq!(
            (
                &brand["spend"],
                &brand["revenue"],
                &brand["revenue_source"],
                &brand["roas"]
            ),
            (&json!("40.00"), &Value::Null, &Value::Null, &Value::Null),
            "{brand}"
        );
        assert!(
            hook.iter()
                .all(|r| r.headers.contains_key("x-spendlens-signature")),
            "signed"
        );

        // The Slack URL is never answered back.
        let listed = app
            .get("/api/report-schedules")
            .await
            .text()
            .await
            .unwrap_or_default();
        assert!(!listed.contains("/services/T1"), "{listed}");
        let (_, html) = crate::support::page(&app, "/finance").await;
        assert!(!html.contains("/services/T1"), "the page never shows it");
    }
}

#[tokio::test]
async fn schedules_are_checked_field_by_field_and_scoped_to_the_organisation() {
    for url in database_urls().await {
        // No SMTP, no secret key, no allow-list: e-mail and Slack are refused with the reason.
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "rules@example.com").await;
        let problems = |body: Value| -> Vec<String> {
            body["error"]["details"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    format!(
                        "{}: {}",
                        p["field"].as_str().unwrap_or(""),
                        p["message"].as_str().unwrap_or("")
                    )
                })
                .collect()
        };
        let check = |body: Value, fields: &'static [&'static str]| {
            let app = &app;
            async move {
                let r = app.post("/api/report-schedules", &body).await;
                assert_eq!(
                    r.status(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{}: {body}",
                    app.backend
                );
                let got = problems(json_of(r).await);
                let got_fields: Vec<&str> = got
                    .iter()
                    .map(|p| p.split(':').next().unwrap_or(""))
                    .collect();
                assert_eq!(got_fields, fields, "{}: {body} → {got:?}", app.backend);
                got
            }
        };
        let got = check(
            json!({"kind": "financial_report", "channel": "email",
            "recipients": ["a@example.com"], "cadence": "weekly", "weekday": "friday"}),
            &["channel"],
        )
        .await;
        assert!(got[0].contains("SPENDLENS_SMTP__HOST"), "{got:?}");
        check(
            json!({"kind": "weekly_digest", "channel": "fax", "cadence": "daily"}),
            &["kind", "channel", "cadence"],
        )
        .await;
        check(
            json!({"kind": "financial_report", "channel": "slack",
            "slack_url": "http://127.0.0.1:9/hook", "cadence": "monthly", "day": 29,
            "format": "docx"}),
            &["day", "format", "slack_url"],
        )
        .await;
        check(
            json!({"kind": "campaign_summary", "channel": "webhook", "cadence": "monthly",
            "day": 3}),
            &["cadence", "channel"],
        )
        .await;
        check(
            json!({"kind": "budget_alerts", "channel": "slack", "cadence": "weekly",
            "slack_url": "https://hooks.slack.com/services/x"}),
            &["cadence", "slack_url"],
        )
        .await;
        check(
            json!({"kind": "financial_report", "channel": "webhook", "cadence": "weekly",
            "weekday": "friday", "unknown": 1}),
            &["unknown"],
        )
        .await;
        // The day of a month: 1 and 28 are days every month has, 0 and 29 are not.
        check(
            json!({"kind": "financial_report", "channel": "webhook", "cadence": "monthly",
            "day": 0}),
            &["day", "channel"],
        )
        .await;

        let other = crate::support::new_client();
        app.register(&other, "other@example.com").await;
        let mine = app.campaign(&crate::support::q4()).await;
        let r = app
            .request(
                &other,
                reqwest::Method::POST,
                "/api/report-schedules",
                Some(
                    &json!({"kind": "campaign_summary", "channel": "webhook", "campaign_id": mine,
                    "cadence": "weekly", "weekday": "monday"}),
                ),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );
        let r = app
            .request(
                &other,
                reqwest::Method::DELETE,
                "/api/report-schedules/nope",
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{}", app.backend);
    }
}
