//! The financial report is built one campaign at a time (`finance::ReportPlan`): overhead is
//! spread over every campaign's active days before any campaign is computed, so a campaign
//! without a start date must still be active from its first row. The report must agree with the
//! campaign's ROI, which is computed from the whole books.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, json_of};

/// Meta rows of 100 spend and 150 revenue on each listed day of November.
fn rows(days: std::ops::RangeInclusive<u32>) -> Value {
    let rows: Vec<Value> = days
        .map(|d| {
            json!({"date": format!("2026-11-{d:02}"), "platform": "meta", "spend": "100",
                   "revenue": "150", "conversions": 5, "impressions": 1000, "clicks": 50})
        })
        .collect();
    json!({"rows": rows})
}

#[tokio::test]
async fn overhead_reaches_a_campaign_without_a_start_date_from_its_first_row() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "stream@example.com").await;
        let dated = app
            .campaign(
                &json!({"name": "Dated", "currency": "USD", "budget": "9000.00",
                "start_date": "2026-11-01", "end_date": "2026-11-30", "time_zone": "UTC"}),
            )
            .await;
        let undated = app
            .campaign(&json!({"name": "Undated", "currency": "USD", "time_zone": "UTC"}))
            .await;
        for (id, days) in [(&dated, 1..=10), (&undated, 5..=10)] {
            let r = app
                .post(&format!("/api/campaigns/{id}/metrics"), &rows(days))
                .await;
            assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        }
        // 5600 over November by active days: Dated Nov 1–30 (30 days), Undated from its first
        // row, Nov 5, to the month's end (26 days) → 3000 and 2600, 100 a day each. Today is
        // 21 Nov: 21 days of Dated's (2100) and 17 of Undated's (1700) fall in the report.
        let r = app
            .post(
                "/api/overhead",
                &json!({"amount": "5600", "allocation_method": "time_based",
                "reporting_period": "2026-11"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let report = json_of(
            app.get("/api/reports/financial?from=2026-11-01&to=2026-11-30&format=json")
                .await,
        )
        .await;
        let line = |name: &str| -> Value {
            report["campaigns"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["name"] == name)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let overhead = |name: &str| line(name)["costs"]["operational_overhead"].clone();
        assert_eq!(overhead("Dated"), "2100.00", "{}: {report}", app.backend);
        assert_eq!(overhead("Undated"), "1700.00", "{}: {report}", app.backend);
        assert_eq!(
            report["totals"]["unallocated_overhead"], "0.00",
            "{}",
            app.backend
        );

        // The report's figures are each campaign's ROI over the same days.
        for (id, name) in [(&dated, "Dated"), (&undated, "Undated")] {
            let roi = json_of(
                app.get(&format!(
                    "/api/campaigns/{id}/roi?from=2026-11-01&to=2026-11-30"
                ))
                .await,
            )
            .await;
            let line = line(name);
            for key in [
                "total_investment",
                "attributed_revenue",
                "net_revenue",
                "roi_percentage",
            ] {
                assert_eq!(line[key], roi[key], "{}: {name} {key}", app.backend);
            }
            assert_eq!(line["costs"], roi["costs"], "{}: {name}", app.backend);
            assert_eq!(
                line["confidence_level"], roi["confidence_level"],
                "{}: {name}",
                app.backend
            );
        }
    }
}
