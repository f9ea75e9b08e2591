//! The finance pages over plain HTTP: a cost added through the form reaches the ledger and the
//! ROI, field messages beside the field with nothing written, delete, CSRF refusal, another
//! organisation's campaign is a 404, the alerts list and the report download.
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::support::{
    TestApp, database_urls, json_of, metric, new_client, page, post_form, token_in,
};

/// A November campaign (today is 2026-11-21 on the test server) with a budget of 1000.
fn november() -> Value {
    json!({"name": "November push", "currency": "USD", "budget": "1000.00",
           "start_date": "2026-11-01", "end_date": "2026-11-30", "time_zone": "UTC"})
}

async fn entries(app: &TestApp, id: &str) -> Vec<Value> {
    json_of(app.get(&format!("/api/campaigns/{id}/costs")).await).await["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_cost_added_by_form_reaches_the_ledger_and_the_roi_and_can_be_deleted() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "pf@example.com").await;
        let id = app.campaign(&november()).await;
        let path = format!("/campaigns/{id}/finance");
        let (status, html) = page(&app, &path).await;
        assert_eq!(status, StatusCode::OK, "{}", app.backend);
        assert!(html.contains("data-metric=\"total-investment\""), "{html}");
        let before = metric(&html, "total-investment");
        let token = token_in(&html);

        let (status, html) = post_form(
            &app,
            &format!("{path}/costs"),
            &[
                ("csrf", token.as_str()),
                ("category", "creative_production"),
                ("amount", "1,200.00"),
                ("resource_hours", "10"),
                ("fixed_cost_allocation", "50"),
                ("incurred_on", "2026-11-02"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}: {html}", app.backend);
        assert!(html.contains("$1,250.00"), "the ledger shows the total");
        // Every save is confirmed on the page it lands on.
        assert!(html.contains("Cost added to the ledger."), "{html}");
        let stored = entries(&app, &id).await;
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0]["total"], "1250.00");
        // The ROI panel shows the API's figure, which now includes the cost.
        let roi = json_of(app.get(&format!("/api/campaigns/{id}/roi")).await).await;
        let shown = metric(&html, "total-investment");
        assert_ne!(shown, before);
        assert_eq!(
            shown.replace(['$', ','], ""),
            roi["total_investment"].as_str().unwrap_or_default(),
            "{shown} vs {roi}"
        );
        assert_eq!(
            metric(&html, "campaign-costs").replace(['$', ','], ""),
            roi["costs"]["campaign_costs"].as_str().unwrap_or_default()
        );

        // The period filter names a bad date beside its field, and a reversed period.
        let (status, filtered) = page(&app, &format!("{path}?from=1%20Nov&to=")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(filtered.contains("id=\"from-error\""), "{filtered}");
        let (_, filtered) = page(&app, &format!("{path}?from=2026-11-20&to=2026-11-02")).await;
        assert!(filtered.contains("id=\"from-error\""), "{filtered}");
        let (_, filtered) = page(&app, &format!("{path}?from=2026-11-01&to=2026-11-10")).await;
        assert!(filtered.contains("1 Nov 2026 – 10 Nov 2026"), "{filtered}");

        // Edit through the entry's page.
        let entry = stored[0]["id"].as_str().unwrap_or_default().to_owned();
        let (status, edit) = page(&app, &format!("{path}/costs/{entry}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(edit.contains("value=\"1200.00\""), "{edit}");
        // The way back: Campaigns / the campaign / Finance /.
        let trail = format!(
            "<a href=\"/campaigns\">Campaigns</a> / <a href=\"/campaigns/{id}\">November push</a> / <a href=\"/campaigns/{id}/finance\">Finance</a> /"
        );
        assert!(edit.contains(&trail), "{edit}");
        let (status, saved) = post_form(
            &app,
            &format!("{path}/costs/{entry}"),
            &[
                ("csrf", token.as_str()),
                ("category", "creative_production"),
                ("amount", "900"),
                ("resource_hours", "10"),
                ("fixed_cost_allocation", "50"),
                ("incurred_on", "2026-11-02"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(saved.contains("Cost saved."), "{saved}");
        assert_eq!(entries(&app, &id).await[0]["total"], "950.00");

        // Delete without the token is refused; with it the entry goes.
        let (status, _) = post_form(
            &app,
            &format!("{path}/costs/{entry}/delete"),
            &[("csrf", "nope")],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(entries(&app, &id).await.len(), 1);
        let (status, html) = post_form(
            &app,
            &format!("{path}/costs/{entry}/delete"),
            &[("csrf", token.as_str())],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Cost deleted from the ledger."), "{html}");
        assert!(html.contains("data-section=\"empty-ledger\""));
        assert!(entries(&app, &id).await.is_empty());
    }
}

#[tokio::test]
async fn bad_fields_show_beside_the_field_and_write_nothing() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "bad@example.com").await;
        let id = app.campaign(&november()).await;
        let path = format!("/campaigns/{id}/finance");
        let (_, html) = page(&app, &path).await;
        let token = token_in(&html);
        let (status, html) = post_form(
            &app,
            &format!("{path}/costs"),
            &[
                ("csrf", token.as_str()),
                ("category", "media_spend"),
                ("amount", "lots"),
                ("attribution_method", "last_touch"),
                ("allocation_date", "2026-11-03"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        assert!(html.contains("id=\"ms-amount-error\""), "{html}");
        assert!(html.contains("value=\"lots\""), "the typed value is kept");
        assert!(!html.contains("id=\"ms-allocation_date-error\""));
        assert!(entries(&app, &id).await.is_empty(), "nothing written");

        // A forged token writes nothing either.
        let (status, _) = post_form(
            &app,
            &format!("{path}/costs"),
            &[
                ("csrf", "forged"),
                ("category", "media_spend"),
                ("amount", "10"),
                ("attribution_method", "last_touch"),
                ("allocation_date", "2026-11-03"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(entries(&app, &id).await.is_empty());

        // The CSV import is all or nothing and names line and column.
        let csv = "category,amount,attribution_method,allocation_date,resource_hours,incurred_on\n\
                   media_spend,200,last_touch,2026-11-03,,\n\
                   creative_production,abc,,,4,2026-11-02\n";
        let form = Form::new().text("csrf", token.clone()).part(
            "file",
            Part::bytes(csv.as_bytes().to_vec()).file_name("ledger.csv"),
        );
        let r = app
            .client
            .post(format!("{}{path}/import", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap_or_default();
        assert!(html.contains("line 3, column amount"), "{html}");
        assert!(entries(&app, &id).await.is_empty());
        let good = csv.replace("abc", "120.50");
        let form = Form::new().text("csrf", token.clone()).part(
            "file",
            Part::bytes(good.into_bytes()).file_name("ledger.csv"),
        );
        let r = app
            .client
            .post(format!("{}{path}/import", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.text()
                .await
                .unwrap_or_default()
                .contains("Imported 2 ledger entries: 2 new, 0 updated, 0 unchanged.")
        );
        assert_eq!(entries(&app, &id).await.len(), 2);
    }
}

#[tokio::test]
async fn another_organisations_campaign_finance_is_not_found() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "owner@example.com").await;
        let id = app.campaign(&november()).await;
        let other = new_client();
        app.register(&other, "stranger@example.com").await;
        let theirs = other
            .get(format!("{}/campaigns", app.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .text()
            .await
            .unwrap_or_default();
        let token = token_in(&theirs);
        let r = other
            .get(format!("{}/campaigns/{id}/finance", app.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{}", app.backend);
        let r = other
            .post(format!("{}/campaigns/{id}/finance/costs", app.base))
            .form(&[
                ("csrf", token.as_str()),
                ("category", "media_spend"),
                ("amount", "10"),
                ("attribution_method", "last_touch"),
                ("allocation_date", "2026-11-03"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(entries(&app, &id).await.is_empty());
    }
}

#[tokio::test]
async fn the_finance_page_lists_alerts_overhead_settings_and_downloads_the_report() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "cfo@example.com").await;
        let id = app.campaign(&november()).await;
        let (status, html) = page(&app, "/finance").await;
        assert_eq!(status, StatusCode::OK, "{}", app.backend);
        assert!(html.contains("data-section=\"no-alerts\""));
        assert!(html.contains("href=\"/finance\" aria-current=\"page\""));
        let token = token_in(&html);

        // 800 of 1000 spent: crosses 80 %.
        let rows: Vec<Value> = (1..=8)
            .map(|d| {
                json!({"date": format!("2026-11-{d:02}"), "platform": "meta", "spend": "100",
                       "conversions": 5, "impressions": 1000, "clicks": 50})
            })
            .collect();
        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &json!({"rows": rows}),
            )
            .await;
        assert!(r.status().is_success());
        let (_, html) = page(&app, "/finance").await;
        assert!(html.contains("data-alert=\"budget_80\""), "{html}");
        assert!(html.contains("November push"));
        let (_, campaign) = page(&app, &format!("/campaigns/{id}/finance")).await;
        assert!(campaign.contains("data-alert=\"budget_80\""));
        assert_eq!(metric(&campaign, "used-pct"), "80.00%");

        // Overhead through the form; a bad period is named beside its field.
        let (status, html) = post_form(
            &app,
            "/finance/overhead",
            &[
                ("csrf", token.as_str()),
                ("amount", "600"),
                ("allocation_method", "time_based"),
                ("reporting_period", "November"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"oh-reporting_period-error\""), "{html}");
        let (status, html) = post_form(
            &app,
            "/finance/overhead",
            &[
                ("csrf", token.as_str()),
                ("amount", "600"),
                ("allocation_method", "time_based"),
                ("reporting_period", "2026-11"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("$600.00"), "{html}");
        let overhead = json_of(app.get("/api/overhead").await).await;
        assert_eq!(overhead["entries"].as_array().map(Vec::len), Some(1));
        let entry = overhead["entries"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (status, edit) = page(&app, &format!("/finance/overhead/{entry}")).await;
        assert_eq!(status, StatusCode::OK);
        // The period as it was written in the form, and in words in the list.
        assert!(edit.contains("value=\"2026-11\""), "{edit}");
        let (_, list) = page(&app, "/finance").await;
        assert!(
            list.contains("<td>Nov 2026</td>") && !list.contains("<td>2026-11"),
            "{list}"
        );
        let (status, _) = post_form(
            &app,
            &format!("/finance/overhead/{entry}"),
            &[
                ("csrf", token.as_str()),
                ("amount", "750"),
                ("allocation_method", "headcount"),
                ("reporting_period", "2026-Q4"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let overhead = json_of(app.get("/api/overhead").await).await;
        assert_eq!(overhead["entries"][0]["amount"], "750.00");
        assert_eq!(overhead["entries"][0]["allocation_method"], "headcount");
        let (status, _) = post_form(
            &app,
            &format!("/finance/overhead/{entry}/delete"),
            &[("csrf", token.as_str())],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let overhead = json_of(app.get("/api/overhead").await).await;
        assert_eq!(overhead["entries"].as_array().map(Vec::len), Some(0));
        let (status, _) = page(&app, &format!("/finance/overhead/{entry}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Settings: a bad rate is named; a good one is kept.
        let (status, html) = post_form(
            &app,
            "/finance/settings",
            &[("csrf", token.as_str()), ("cost_of_capital", "8")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"cost_of_capital-error\""));
        let (status, html) = post_form(
            &app,
            "/finance/settings",
            &[
                ("csrf", token.as_str()),
                ("cost_of_capital", "0.1"),
                ("webhook_url", "https://hooks.example.com/x"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("value=\"0.1\""));
        let settings = json_of(app.get("/api/finance/settings").await).await;
        assert_eq!(settings["cost_of_capital"], "0.1");
        assert_eq!(settings["webhook_url"], "https://hooks.example.com/x");

        // The report form downloads the PDF for the session user.
        assert!(html.contains("action=\"/finance/report\""));
        let r = app
            .get("/finance/report?from=2026-11-01&to=2026-11-21&format=pdf")
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("application/pdf")
        );
        let bytes = r.bytes().await.unwrap_or_default();
        assert!(bytes.starts_with(b"%PDF"));
    }
}

#[tokio::test]
async fn the_webhook_secret_is_write_only() {
    for url in database_urls().await {
        let app = TestApp::spawn_with(&url, |s| {
            s.secret_key = Some(secrecy::SecretString::from(
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            ));
        })
        .await;
        app.register(&app.client, "hooks@example.com").await;
        let (_, html) = page(&app, "/finance").await;
        let token = token_in(&html);
        let (status, html) = post_form(
            &app,
            "/finance/settings",
            &[
                ("csrf", token.as_str()),
                ("cost_of_capital", "0.08"),
                ("webhook_url", "https://hooks.example.com/x"),
                ("webhook_secret", "very-secret-value"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}: {html}", app.backend);
        assert!(html.contains("Finance settings saved."));
        assert!(!html.contains("very-secret-value"));
        assert!(html.contains("A secret is set"));
        let (_, html) = page(&app, "/finance").await;
        assert!(!html.contains("very-secret-value"));
        let settings = json_of(app.get("/api/finance/settings").await).await;
        assert_eq!(settings["webhook_secret_set"], true);
    }
}
