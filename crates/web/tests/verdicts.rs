//! One trustworthy number (issue 15 item 2), checked on every surface through the real server:
//! a campaign with no conversion value and over its budget gets no ROI/ROAS verdict, performer,
//! tier or confidence level anywhere, and nowhere "On Track"; the campaign list, the analysis
//! page's tabs, the finance page and the API say the same thing.
use reqwest::Method;
use serde_json::json;

use crate::support::{TestApp, database_urls, json_of, new_client, page};

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
        // The pace part's band scores the burn rate; its sentence says the budget is exceeded.
        assert!(
            pages[1].contains("of the target pace, but budget exceeded by $170.00"),
            "{}",
            pages[1]
        );
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

/// A campaign that starts after today has no pace to judge: the seed's arithmetic (one day
/// elapsed, nothing spent) would call it "behind" with a critical pacing score and raise a
/// "spending behind pace" alert. Every surface says it has not started, and when it starts.
#[tokio::test]
async fn a_campaign_that_has_not_started_is_not_behind() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "future@a.io").await;
        // Today is 21 Nov 2026; the campaign runs in January.
        let id = app
            .campaign(&json!({"name": "New year launch", "currency": "USD", "budget": "10000.00",
                              "start_date": "2027-01-15", "end_date": "2027-03-31", "time_zone": "UTC"}))
            .await;
        let api = json_of(
            app.get(&format!("/api/campaigns/{id}/financial-analysis"))
                .await,
        )
        .await;
        let v = &api["verdicts"];
        assert_eq!(v["pacing"]["verdict"], "not_started", "{url:?} {v}");
        assert_eq!(v["pacing"]["start_date"], "2027-01-15");
        let health = &api["overview"]["health"];
        assert_eq!(health["pacing"]["assumed"], true, "{health}");
        // Budget measured (0 % used, excellent); pacing, ROI and ROAS not measured.
        assert_eq!(health["inputs_used"], 1, "{health}");
        assert_eq!(health["measured_score"], 100, "{health}");
        // Nothing spent before the start: no health score to lead with, on any surface.
        assert!(v["health_score"].is_null(), "{v}");

        let budget = json_of(
            app.get(&format!("/api/campaigns/{id}/budget-consumption"))
                .await,
        )
        .await;
        assert_eq!(
            budget["status"]["pacing"]["verdict"], "not_started",
            "{budget}"
        );
        let alerts = json_of(app.get("/api/alerts").await).await;
        assert_eq!(alerts["alerts"], json!([]), "{alerts}");
        // The portfolio writes the pace as the budget-consumption API does; a campaign without
        // a budget has none (the seed's 100 % is a stand-in).
        app.campaign(
            &json!({"name": "No budget", "currency": "USD", "start_date": "2026-11-01",
                             "end_date": "2026-11-30", "time_zone": "UTC"}),
        )
        .await;
        let portfolio = json_of(app.get("/api/portfolio").await).await;
        let rows = portfolio["campaigns"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let row = |name: &str| {
            rows.iter()
                .find(|r| r["name"] == name)
                .cloned()
                .unwrap_or_else(|| panic!("{name} not in {portfolio}"))
        };
        let future = row("New year launch");
        assert_eq!(future["pacing"], "not_started", "{future}");
        assert_eq!(future["pacing_pct"], budget["status"]["pacing_pct"]);
        assert_eq!(future["pacing_assumed"], true);
        assert!(future["health_score"].is_null(), "{future}");
        let none = row("No budget");
        assert_eq!(none["pacing"], "no_budget", "{none}");
        assert!(none["pacing_pct"].is_null(), "{none}");

        let list = page(&app, "/campaigns").await.1;
        let overview = page(&app, &format!("/campaigns/{id}?tab=overview")).await.1;
        let finance = page(&app, &format!("/campaigns/{id}/finance")).await.1;
        for (name, html) in [
            ("list", &list),
            ("overview", &overview),
            ("finance", &finance),
        ] {
            assert!(
                html.contains("Not started (starts 15 Jan 2027)"),
                "{url:?} {name}: {html}"
            );
            assert!(!html.contains("Behind"), "{url:?} {name}");
        }
        assert!(overview.contains("The campaign starts on 15 Jan 2027"));
        assert!(
            overview
                .contains("The campaign has not started (it starts on 15 Jan 2027), so the score"),
            "{overview}"
        );
        assert!(overview.contains("data-metric=\"days-elapsed\">0<"));

        // Once it runs it has a pace again: a second instance whose clock is on 20 Jan 2027.
        let later = TestApp::spawn_at(
            &url,
            crate::support::now() + chrono::TimeDelta::days(60),
            |_| {},
        )
        .await;
        let browser = new_client();
        let r = later
            .request(
                &browser,
                Method::POST,
                "/api/auth/login",
                Some(&json!({"email": "future@a.io", "password": "correct horse battery"})),
            )
            .await;
        assert!(r.status().is_success(), "{url:?}");
        let during = json_of(
            later
                .request(
                    &browser,
                    Method::GET,
                    &format!("/api/campaigns/{id}/financial-analysis"),
                    None,
                )
                .await,
        )
        .await;
        assert_eq!(during["as_of"], "2027-01-20", "{during}");
        assert_eq!(
            during["verdicts"]["pacing"]["verdict"], "behind",
            "{during}"
        );
        assert_eq!(during["overview"]["health"]["pacing"]["assumed"], false);
    }
}
