//! The analysis endpoint answers exactly what `spendlens analyze` answers for the same data.
use std::path::Path;

use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use spendlens_core::campaign::CampaignId;
use spendlens_store::StoredSnapshot;

use crate::support::{TestApp, database_urls, json_of, q4, sqlite_database};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/analysis-examples")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What `spendlens analyze --input <fixture>` prints, as JSON.
fn cli_result(name: &str) -> Value {
    let input = spendlens_contract::analysis::decode(&fixture(name), None)
        .unwrap_or_else(|p| panic!("{p}"));
    spendlens_contract::analysis::encode(&spendlens_core::analysis::analyze(&input))
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

#[tokio::test]
async fn the_endpoint_equals_the_cli_on_the_same_data() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app.campaign(&q4()).await;
        // The first contract example's platform totals, each split over two days (and LinkedIn
        // over two external campaigns), so the endpoint has to sum them.
        let rows = json!({"rows": [
            {"date": "2026-11-03", "platform": "linkedin", "external_campaign_id": "li-1", "spend": "2000.25", "impressions": 80000, "engagements": 2000, "clicks": 1000, "conversions": 40},
            {"date": "2026-11-03", "platform": "linkedin", "external_campaign_id": "li-2", "spend": "2200.25", "impressions": 100000, "engagements": 3200, "clicks": 1100, "conversions": 44},
            {"date": "2026-11-04", "platform": "meta", "spend": "1000", "impressions": 110000, "clicks": 2300, "conversions": "20.25"},
            {"date": "2026-11-20", "platform": "meta", "spend": "2100", "impressions": 300000, "clicks": 3000, "conversions": "41.25"},
            {"date": "2026-11-10", "platform": "custom_integration", "spend": "900", "impressions": 30000, "engagements": 12000, "clicks": 700, "conversions": 20},
            {"date": "2026-11-11", "platform": "sheets", "spend": "650", "impressions": 52000, "engagements": 800, "clicks": 410, "conversions": 9},
            // After as_of: must not count.
            {"date": "2026-11-22", "platform": "meta", "spend": "999", "impressions": 1, "clicks": 1, "conversions": 1}
        ]});
        assert_eq!(
            app.post(&format!("/api/campaigns/{id}/metrics"), &rows)
                .await
                .status(),
            StatusCode::OK
        );
        let settings = json!({"linkedin_conversion_value": "120.00", "ga4_average_order_value": "110.00", "custom_integration_average_order_value": "95.00"});
        let r = app
            .request(
                &app.client,
                Method::PUT,
                &format!("/api/campaigns/{id}/settings"),
                Some(&settings),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let snapshot = StoredSnapshot {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 14).unwrap_or_default(),
            spend: d("5400.00"),
            impressions: 0,
            clicks: 0,
            conversions: d("120"),
            revenue: d("14400"),
            aov: d("120"),
        };
        let written = app
            .store
            .write_snapshot(&CampaignId::new(&id), &snapshot, crate::support::now())
            .await;
        assert!(matches!(written, Ok(true)));

        let mut got = json_of(
            app.get(&format!(
                "/api/campaigns/{id}/financial-analysis?as_of=2026-11-21&compare=7d"
            ))
            .await,
        )
        .await;
        // The API's `verdicts` extension follows the contract's document; the rest is the CLI's
        // output exactly.
        let verdicts = got
            .as_object_mut()
            .and_then(|m| m.remove("verdicts"))
            .unwrap_or_default();
        let trends = got
            .as_object_mut()
            .and_then(|m| m.remove("period_trends"))
            .unwrap_or_default();
        assert_eq!(trends["days"], 7, "{trends}");
        assert_eq!(trends["current"]["to"], "2026-11-21", "{trends}");
        assert_eq!(verdicts["revenue_measured"], true, "{verdicts}");
        assert_eq!(
            verdicts["performance"], got["insights"]["summary"]["performance"],
            "{verdicts}"
        );
        // Ahead of pace, the budget runs out before the end: the projection is the verdict.
        assert_eq!(got["overview"]["pacing"]["status"], "ahead");
        assert_eq!(
            verdicts["pacing"]["verdict"], "projected_over_budget",
            "{verdicts}"
        );
        assert_eq!(
            got,
            cli_result("01-four-platforms.input.json"),
            "{}",
            app.backend
        );
        // And it is the contract's expected result.
        let expected: Value =
            serde_json::from_str(&fixture("01-four-platforms.expected.json")).unwrap_or_default();
        assert_eq!(got["overview"], expected["overview"]);
        assert_eq!(got["trends"], expected["trends"]);
        assert_eq!(got["platforms"], expected["platforms"]);

        // Without as_of: today in the campaign's zone (the test clock says 2026-11-21).
        let today = json_of(
            app.get(&format!("/api/campaigns/{id}/financial-analysis"))
                .await,
        )
        .await;
        assert_eq!(today["as_of"], "2026-11-21");
        assert_eq!(today["totals"], got["totals"]);
        // The 30-day comparison finds the same (only) snapshot, the closest one.
        let month = json_of(
            app.get(&format!(
                "/api/campaigns/{id}/financial-analysis?as_of=2026-11-21&compare=30d"
            ))
            .await,
        )
        .await;
        assert_eq!(month["trends"]["snapshot_date"], "2026-11-14");
        assert_eq!(month["trends"]["period"], "30d");

        // Bad query parameters name themselves.
        let r = app
            .get(&format!(
                "/api/campaigns/{id}/financial-analysis?as_of=yesterday"
            ))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(json_of(r).await["error"]["details"][0]["field"], "as_of");
        let r = app
            .get(&format!(
                "/api/campaigns/{id}/financial-analysis?compare=2w"
            ))
            .await;
        assert_eq!(json_of(r).await["error"]["details"][0]["field"], "compare");

        // The seed's endpoints read the same totals.
        let li = json_of(app.get(&format!("/api/linkedin/metrics/{id}")).await).await;
        assert_eq!(
            (
                li["spend"].as_str(),
                li["conversionValue"].as_str(),
                li["revenue"].as_str()
            ),
            (Some("4200.50"), Some("120.00"), Some("10080.00"))
        );
        let meta = json_of(app.get(&format!("/api/meta/{id}/analytics")).await).await;
        assert_eq!(meta["summary"]["totalSpend"], "3100.00");
        let sheets = json_of(
            app.get(&format!("/api/campaigns/{id}/google-sheets-data"))
                .await,
        )
        .await;
        assert_eq!(sheets["summary"]["totalEngagements"], 800);
        let ga4 = json_of(app.get(&format!("/api/campaigns/{id}/ga4-metrics")).await).await;
        assert_eq!(ga4["metrics"]["averageOrderValue"], "110.00");
        let ci = json_of(app.get(&format!("/api/custom-integration/{id}")).await).await;
        assert_eq!(ci["metrics"]["spend"], "900.00");
        let snaps = json_of(
            app.get(&format!("/api/campaigns/{id}/snapshots?date=2026-11-13"))
                .await,
        )
        .await;
        assert_eq!(snaps["snapshot"]["total_spend"], "5400.00");
    }
}

#[tokio::test]
async fn a_campaign_without_data_is_analysed_without_errors() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    app.register(&app.client, "a@a.io").await;
    let id = app.campaign(&json!({"name": "Empty"})).await;
    let r = app
        .get(&format!("/api/campaigns/{id}/financial-analysis"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = json_of(r).await;
    assert_eq!(body["totals"]["spend"], "0.00");
    assert_eq!(body["trends"], Value::Null);
    assert!(
        body["warnings"]
            .as_array()
            .is_some_and(|w| w.contains(&json!("no_platform_data")))
    );
    assert_eq!(
        app.get(&format!("/api/meta/{id}/analytics")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn every_write_is_reflected_in_the_next_analysis() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app.campaign(&q4()).await;
        let path = format!("/api/campaigns/{id}/financial-analysis?as_of=2026-11-21");
        let rows = json!({"rows": [{"date": "2026-11-02", "platform": "linkedin", "spend": "100", "clicks": 10, "conversions": 2}]});
        app.post(&format!("/api/campaigns/{id}/metrics"), &rows)
            .await;
        let first = json_of(app.get(&path).await).await;
        assert_eq!(
            (
                first["totals"]["spend"].as_str(),
                first["totals"]["revenue"].as_str()
            ),
            (Some("100.00"), Some("0.00"))
        );
        // Same request again: identical (served from the cache).
        assert_eq!(json_of(app.get(&path).await).await, first);

        // Settings change the revenue estimate.
        let r = app
            .request(
                &app.client,
                Method::PUT,
                &format!("/api/campaigns/{id}/settings"),
                Some(&json!({"linkedin_conversion_value": "75"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            json_of(app.get(&path).await).await["totals"]["revenue"],
            "150.00",
            "{}",
            app.backend
        );

        // A campaign edit changes the budget figures.
        let r = app
            .request(
                &app.client,
                Method::PATCH,
                &format!("/api/campaigns/{id}"),
                Some(&json!({"budget": "200"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            json_of(app.get(&path).await).await["overview"]["budget"]["used_pct"],
            json!(50.0),
            "{}",
            app.backend
        );

        // New rows change the totals.
        let more = json!({"rows": [{"date": "2026-11-03", "platform": "meta", "spend": "50"}]});
        app.post(&format!("/api/campaigns/{id}/metrics"), &more)
            .await;
        assert_eq!(
            json_of(app.get(&path).await).await["totals"]["spend"],
            "150.00",
            "{}",
            app.backend
        );

        // A snapshot appears in the trends.
        assert_eq!(json_of(app.get(&path).await).await["trends"], Value::Null);
        let snap = StoredSnapshot {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 14).unwrap_or_default(),
            spend: d("100"),
            impressions: 0,
            clicks: 0,
            conversions: d("2"),
            revenue: d("150"),
            aov: d("75"),
        };
        assert!(matches!(
            app.store
                .write_snapshot(&CampaignId::new(&id), &snap, crate::support::now())
                .await,
            Ok(true)
        ));
        assert_eq!(
            json_of(app.get(&path).await).await["trends"]["spend"]["previous"],
            "100.00",
            "{}",
            app.backend
        );
    }
}
