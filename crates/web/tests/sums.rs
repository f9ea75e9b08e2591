//! Sums beyond the money range (issue 13): values whose sums could overflow are refused where
//! they come in, naming the field, and rows stored beyond the range before turn no read into a
//! 500, on each backend.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, json_of, page};

fn campaign() -> Value {
    json!({"name": "Big", "currency": "USD", "budget": "15000.00",
           "start_date": "2026-09-01", "end_date": "2026-12-15", "time_zone": "UTC"})
}

fn fields(body: &Value) -> Vec<String> {
    body["error"]["details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["field"].as_str().map(str::to_owned))
        .collect()
}

/// Every read of a campaign and of the organisation the issue found answering 500.
fn reads(id: &str) -> Vec<String> {
    let mut paths: Vec<String> = [
        "/api/campaigns/{id}/financial-analysis",
        "/api/campaigns/{id}/financial-analysis?as_of=2026-10-15",
        "/api/campaigns/{id}/roi",
        "/api/campaigns/{id}/roi?from=2026-09-01&to=2026-11-21",
        "/api/campaigns/{id}/budget-consumption",
        "/api/linkedin/metrics/{id}",
        "/api/custom-integration/{id}",
        "/api/meta/{id}/analytics",
        "/api/campaigns/{id}/ga4-metrics",
        "/api/campaigns/{id}/google-sheets-data",
        "/api/campaigns/{id}/snapshots",
        "/api/campaigns/{id}/attribution",
        "/campaigns/{id}",
        "/campaigns/{id}/finance",
        "/campaigns",
        "/finance",
        "/api/alerts",
    ]
    .iter()
    .map(|p| p.replace("{id}", id))
    .collect();
    for format in ["json", "csv", "xlsx", "pdf"] {
        paths.push(format!(
            "/api/reports/financial?from=2026-09-01&to=2026-11-30&format={format}"
        ));
    }
    paths
}

#[tokio::test]
async fn values_whose_sums_could_overflow_are_refused_naming_the_field() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "big@example.com").await;
        let id = app.campaign(&campaign()).await;
        let path = format!("/api/campaigns/{id}/metrics");
        // The two rows of nine trillion in different months.
        let r = app
            .post(
                &path,
                &json!({"rows": [
                {"date": "2026-09-03", "platform": "meta", "spend": "9000000000000"},
                {"date": "2026-10-03", "platform": "meta", "spend": "9000000000000"}]}),
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
            vec!["rows[0].spend", "rows[1].spend"]
        );

        // Below the cap each, beyond it together: the second post is refused, naming the
        // field, and writes nothing.
        for (date, status) in [
            ("2026-09-03", StatusCode::OK),
            ("2026-10-03", StatusCode::UNPROCESSABLE_ENTITY),
        ] {
            let r = app
                .post(
                    &path,
                    &json!({"rows": [{"date": date, "platform": "meta", "spend": "600000000000"}]}),
                )
                .await;
            assert_eq!(r.status(), status, "{}: {date}", app.backend);
            if status != StatusCode::OK {
                let body = json_of(r).await;
                assert_eq!(fields(&body), vec!["spend"], "{body}");
            }
        }
        // Counts too.
        let r = app
            .post(&path, &json!({"rows": [{"date": "2026-09-04", "platform": "meta", "impressions": 2_000_000_000_000_000u64}]}))
            .await;
        assert_eq!(fields(&json_of(r).await), vec!["rows[0].impressions"]);
        let analysis = json_of(
            app.get(&format!("/api/campaigns/{id}/financial-analysis"))
                .await,
        )
        .await;
        assert_eq!(
            analysis["totals"]["spend"], "600000000000.00",
            "{}",
            app.backend
        );

        // A file of every format goes through the same rule: a canonical CSV here.
        let csv = "date,platform,campaign,spend\n2026-10-05,meta,c1,500000000000\n";
        let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("big.csv");
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
        assert_eq!(fields(&json_of(r).await), vec!["spend"]);
        let analysis = json_of(
            app.get(&format!("/api/campaigns/{id}/financial-analysis"))
                .await,
        )
        .await;
        assert_eq!(
            analysis["totals"]["spend"], "600000000000.00",
            "{}",
            app.backend
        );
    }
}

#[tokio::test]
async fn rows_stored_beyond_the_range_turn_no_read_into_a_500() {
    for db in database_urls().await {
        let app = TestApp::spawn(&db).await;
        app.register(&app.client, "legacy@example.com").await;
        let id = app.campaign(&campaign()).await;
        let small = app
            .campaign(&json!({"name": "Small", "currency": "USD", "budget": "100",
            "start_date": "2026-11-01", "end_date": "2026-11-30", "time_zone": "UTC"}))
            .await;
        let r = app
            .post(&format!("/api/campaigns/{small}/metrics"), &json!({"rows": [
                {"date": "2026-11-02", "platform": "google_ads", "spend": "10", "conversions": 1, "revenue": "30"}]}))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        // Written before the caps existed: rows of nine trillion in three months, twice on one
        // day of the current month, with their monthly sums; every platform the seed reads.
        let big = 9_000_000_000_000_000_000_i64;
        // The row's time as each backend stores it (SQLite: integer microseconds, migration 0018).
        let stamp = if app.backend == "sqlite" {
            "1795262400000000"
        } else {
            "'2026-11-21T12:00:00Z'"
        };
        let mut sql = String::new();
        for platform in [
            "meta",
            "linkedin",
            "google_ads",
            "ga4",
            "custom_integration",
            "sheets",
        ] {
            for (date, ext) in [
                ("2026-09-03", "a"),
                ("2026-10-03", "a"),
                ("2026-11-03", "a"),
                ("2026-11-03", "b"),
            ] {
                sql.push_str(&format!(
                    "INSERT INTO daily_metrics (campaign_id, platform, date, external_campaign_id, spend_micros, impressions, \
                     engagements, clicks, conversions_micros, conversion_value_micros, revenue_micros, currency, import_id, updated_at) \
                     VALUES ('{id}', '{platform}', '{date}', '{ext}', {big}, {big}, {big}, {big}, {big}, {big}, {big}, 'USD', NULL, {stamp});\n"
                ));
            }
            for month in ["2026-09", "2026-10"] {
                sql.push_str(&format!(
                    "INSERT INTO monthly_totals (campaign_id, platform, month, spend_micros, impressions, engagements, clicks, \
                     conversions_micros, conversion_value_micros, revenue_micros, row_count) \
                     VALUES ('{id}', '{platform}', '{month}', {big}, {big}, {big}, {big}, {big}, {big}, {big}, 1);\n"
                ));
            }
        }
        db.execute(&sql).await;

        let mut answers = Vec::new();
        for path in reads(&id) {
            let r = app.get(&path).await;
            answers.push((path, r.status()));
        }
        let failed: Vec<_> = answers
            .iter()
            .filter(|(_, s)| s.is_server_error())
            .collect();
        assert!(failed.is_empty(), "{}: {failed:?}", app.backend);
        let not_ok: Vec<_> = answers
            .iter()
            .filter(|(p, s)| {
                *s != StatusCode::OK && !p.contains("/attribution") && !p.contains("/optimization")
            })
            .collect();
        assert!(not_ok.is_empty(), "{}: {not_ok:?}", app.backend);

        // The totals are exact: four rows of nine trillion on each of the five ad platforms (GA4
        // reports revenue, not spend).
        let analysis = json_of(
            app.get(&format!("/api/campaigns/{id}/financial-analysis"))
                .await,
        )
        .await;
        assert_eq!(
            analysis["totals"]["spend"], "180000000000000.00",
            "{}",
            app.backend
        );
        let (status, html) = page(&app, &format!("/campaigns/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("180,000,000,000,000"), "{}", app.backend);

        // A write to that campaign is refused naming what is wrong, never a 500.
        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &json!({"rows": [
                {"date": "2026-11-04", "platform": "meta", "spend": "1"}]}),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );
    }
}
