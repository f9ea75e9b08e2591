//! One trustworthy number (issue 15 item 2), checked on every surface through the real server:
//! a campaign with no conversion value and over its budget gets no ROI/ROAS verdict, performer,
//! tier or confidence level anywhere, and nowhere "On Track"; the campaign list, the analysis
//! page's tabs, the finance page and the API say the same thing.
use serde_json::json;

use crate::support::{TestApp, database_urls, json_of, page};

#[tokio::test]
async fn no_page_gives_a_verdict_from_a_missing_input() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        // 20 days of 58.50 = 1,170.00 against a budget of 1,000: 117 % used, no conversion value.
        let id = app
            .campaign(&json!({"name": "Brand push", "currency": "USD", "budget": "1000.00",
                              "start_date": "2026-11-01", "end_date": "2026-11-30", "time_zone": "UTC"}))
            .await;
        let rows: Vec<_> = (1..=20)
            .map(|d| json!({"date": format!("2026-11-{d:02}"), "platform": "meta", "external_campaign_id": "m1",
                            "spend": "58.50", "impressions": 1000, "clicks": 20, "conversions": "2"}))
            .collect();
        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &json!({"rows": rows}),
            )
            .await;
        assert!(r.status().is_success(), "{url:?}");

        let api = json_of(
            app.get(&format!(
                "/api/campaigns/{id}/financial-analysis?as_of=2026-11-21&compare=7d"
            ))
            .await,
        )
        .await;
        let v = &api["verdicts"];
        assert_eq!(v["revenue_measured"], false, "{v}");
        assert_eq!(v["performance"], serde_json::Value::Null);
        assert_eq!(v["pacing"]["verdict"], "over_budget");
        assert_eq!(v["pacing"]["over_by"], "170.00");
        // The last 7 days against the 7 before: 6 days of spend (Nov 15–20) against 7.
        let t = &api["period_trends"];
        assert_eq!(t["current"]["from"], "2026-11-15", "{t}");
        assert_eq!(t["previous"]["from"], "2026-11-08", "{t}");
        assert_eq!(t["spend"]["current"], "351.00");
        assert_eq!(t["spend"]["previous"], "409.50");
        assert_eq!(t["spend"]["change_pct"], "-14.29");
        assert_eq!(t["spend"]["direction"], "down");
        assert_eq!(t["spend"]["good"], serde_json::Value::Null);
        assert_eq!(t["conversions"]["direction"], "down");
        assert_eq!(t["conversions"]["good"], false);
        // CPA 29.25 both weeks: no arrow. No revenue measured: no ROAS or ROI trend.
        assert_eq!(t["cpa"]["direction"], serde_json::Value::Null);
        assert_eq!(t["roas"], serde_json::Value::Null);
        assert_eq!(t["roi"], serde_json::Value::Null);
        // The seed's codes are still the contract's.
        assert_eq!(api["insights"]["summary"]["performance"], "negative");

        let roi = json_of(
            app.get(&format!(
                "/api/campaigns/{id}/roi?from=2026-11-01&to=2026-11-21"
            ))
            .await,
        )
        .await;
        assert_eq!(roi["confidence_level"]["level"], "not_measurable", "{roi}");
        assert_eq!(roi["revenue_basis"]["basis"], "not_measured", "{roi}");

        let mut pages = vec![page(&app, "/campaigns").await.1];
        for tab in [
            "overview",
            "roi-roas",
            "cost-analysis",
            "budget-allocation",
            "insights",
        ] {
            pages.push(page(&app, &format!("/campaigns/{id}?tab={tab}")).await.1);
        }
        pages.push(page(&app, &format!("/campaigns/{id}/finance")).await.1);
        for html in &pages {
            for word in [
                "On Track",
                ">Negative<",
                "Top performer.",
                "Bottom performer.",
                "High Performance",
                "Top it up",
                "returns less than it costs",
                "data-metric=\"confidence\">Low",
                "data-metric=\"confidence\">High",
                "data-metric=\"confidence\">Medium",
            ] {
                assert!(!html.contains(word), "{url:?}: {word:?} shown");
            }
        }
        assert!(
            pages[0].contains("Budget exceeded by $170.00"),
            "{}",
            pages[0]
        );
        assert!(pages[1].contains("Budget exceeded by $170.00"));
        assert!(
            pages[5].contains("Not measurable"),
            "the insights tab's card"
        );
        assert!(pages[5].contains("No top or bottom performer"));
        assert!(pages[4].contains("data-section=\"missing-input\""));
        assert!(
            pages[6].contains("data-metric=\"confidence\">Not measurable"),
            "{}",
            pages[6]
        );
        assert!(pages[6].contains("not measured (no platform reports revenue"));
    }
}
