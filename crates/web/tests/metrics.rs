use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, database_urls, json_of, q4, sqlite_database};

#[tokio::test]
async fn a_reposted_batch_changes_nothing_and_a_bad_row_writes_nothing() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app.campaign(&q4()).await;
        let path = format!("/api/campaigns/{id}/metrics");
        let batch = json!({"rows": [
            {"date": "2026-11-02", "platform": "meta", "external_campaign_id": "m1", "spend": "100.10", "impressions": 1000, "clicks": 20, "conversions": "1.5"},
            {"date": "2026-11-03", "platform": "meta", "external_campaign_id": "m1", "spend": 200.2, "impressions": 2000, "clicks": 30, "conversions": 2},
            {"date": "2026-11-03", "platform": "google_ads", "spend": "50", "conversions": "3", "conversion_value": "240", "currency": "usd"}
        ]});
        let first = json_of(app.post(&path, &batch).await).await;
        assert_eq!(
            first,
            json!({"inserted": 3, "updated": 0, "unchanged": 0}),
            "{}",
            app.backend
        );
        let again = json_of(app.post(&path, &batch).await).await;
        assert_eq!(
            again,
            json!({"inserted": 0, "updated": 0, "unchanged": 3}),
            "{}",
            app.backend
        );
        let analysis_path = format!("/api/campaigns/{id}/financial-analysis?as_of=2026-11-21");
        let before = json_of(app.get(&analysis_path).await).await;
        assert_eq!(before["totals"]["spend"], "350.30");

        // One bad row among good ones: 422 naming the row, nothing written.
        let bad = json!({"rows": [
            {"date": "2026-11-04", "platform": "meta", "spend": "10"},
            {"date": "2026-11-05", "platform": "tiktok", "spend": "10"},
            {"date": "2026-11-31", "platform": "meta", "spend": "-1", "clicks": 1.5, "colour": "red"},
            {"date": "2026-11-06", "platform": "meta", "spend": "10", "currency": "EUR"}
        ]});
        let r = app.post(&path, &bad).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = json_of(r).await;
        let fields: Vec<&str> = body["error"]["details"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["field"].as_str())
            .collect();
        assert_eq!(
            fields,
            vec![
                "rows[1].platform",
                "rows[2].date",
                "rows[2].spend",
                "rows[2].clicks",
                "rows[2].colour",
                "rows[3].currency"
            ]
        );
        let after = json_of(app.get(&analysis_path).await).await;
        assert_eq!(
            after, before,
            "{}: a rejected batch must write nothing",
            app.backend
        );

        // A corrected value updates in place.
        let fix = json!({"rows": [{"date": "2026-11-02", "platform": "meta", "external_campaign_id": "m1", "spend": "100.20", "impressions": 1000, "clicks": 20, "conversions": "1.5"}]});
        assert_eq!(
            json_of(app.post(&path, &fix).await).await,
            json!({"inserted": 0, "updated": 1, "unchanged": 0})
        );
        let fixed = json_of(app.get(&analysis_path).await).await;
        assert_eq!(fixed["totals"]["spend"], "350.40");
    }
}

#[tokio::test]
async fn malformed_bodies_are_client_errors() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    app.register(&app.client, "a@a.io").await;
    let id = app.campaign(&q4()).await;
    let r = app
        .client
        .post(format!("{}/api/campaigns/{id}/metrics", app.base))
        .header("content-type", "application/json")
        .body("{\"rows\": [")
        .send()
        .await;
    let status = r.map(|r| r.status()).ok();
    assert!(status.is_some_and(|s| s.is_client_error()), "{status:?}");
    let r = app
        .post(
            &format!("/api/campaigns/{id}/metrics"),
            &json!({"rows": {}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The campaign name a row carries follows the rule for names, and has a length: a NUL, a
    // right-to-left override and 1,001 characters are refused on their path; 1,000 are taken.
    for (bad, said) in [
        ("Brand\u{0}".to_owned(), "U+0000"),
        ("Invoice\u{202E}fdp.exe".to_owned(), "U+202E"),
        ("x".repeat(1_001), "at most 1000 characters"),
    ] {
        let row = json!({"date": "2026-11-02", "platform": "meta", "external_campaign_id": bad,
                         "spend": "1.00"});
        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &json!({"rows": [row]}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: serde_json::Value = r.json().await.unwrap_or_default();
        assert_eq!(
            body["error"]["details"][0]["field"], "rows[0].external_campaign_id",
            "{body}"
        );
        assert!(
            body["error"]["details"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains(said)),
            "{body}"
        );
    }
    let row = json!({"date": "2026-11-02", "platform": "meta",
                     "external_campaign_id": "x".repeat(1_000), "spend": "1.00"});
    let r = app
        .post(
            &format!("/api/campaigns/{id}/metrics"),
            &json!({"rows": [row]}),
        )
        .await;
    assert!(r.status().is_success());
}
