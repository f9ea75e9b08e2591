//! `POST /api/mmm` on an uploaded KPI series, and every refusal of a bad body on its JSON path,
//! through the real server on both backends.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::channel_reports::upload;
use crate::mmm::q4;
use crate::support::{TestApp, database_urls, demo, id_named, json_of};

#[tokio::test]
async fn an_uploaded_kpi_series_is_modelled_and_bad_bodies_name_their_path() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let campaigns = demo(&app).await;
        let id = q4(&campaigns);
        // The business's own revenue: a base of 4,000 a day plus a weekly swing.
        let start = crate::support::now().date_naive() - chrono::Days::new(89);
        let values: Vec<Value> = (0..90u64)
            .map(|i| {
                let date = start + chrono::Days::new(i);
                json!({"date": date.to_string(), "value": 4000.0 + 300.0 * ((i % 7) as f64)})
            })
            .collect();
        let r = app
            .post(
                "/api/mmm",
                &json!({"campaigns": [id], "kpi": {"source": "series", "values": values}, "draws": 20}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let run = json_of(r).await;
        assert_eq!(run["result"]["kpi"], "revenue");
        assert_eq!(run["request"]["kpi"]["days"], 90);

        // No GA4 rows in the demo's Q4: the default KPI says so, and what to model instead.
        let r = app
            .post("/api/mmm", &json!({"campaigns": [id], "draws": 20}))
            .await;
        let message = json_of(r).await["error"]["details"][0]["message"].clone();
        assert!(
            message
                .as_str()
                .unwrap_or_default()
                .starts_with("no GA4 revenue is stored for these campaigns"),
            "{message}"
        );
        for (body, field) in [
            (json!({"campaigns": [id], "draws": 20}), "kpi"),
            (json!({}), "campaigns"), // USD, EUR and GBP together
            (json!({"campaigns": [id], "colour": 1}), "colour"),
            (
                json!({"campaigns": [id], "kpi": {"source": "tv"}}),
                "kpi.source",
            ),
            (
                json!({"campaigns": [id], "kpi": {"source": "series"}}),
                "kpi.values",
            ),
            (
                json!({"campaigns": [id], "kpi": {"source": "series", "values": [{"date": "2026-11-01", "value": 1}, {"date": "2026-11-01", "value": 2}]}}),
                "kpi.values[1].date",
            ),
            (
                json!({"campaigns": [id], "kpi": {"source": "series", "values": [{"date": "2026-11-01", "value": "lots"}]}}),
                "kpi.values[0].value",
            ),
            (json!({"campaigns": [id], "draws": 5}), "draws"),
            (
                json!({"campaigns": [id], "from": "2026-11-01", "kpi": {"source": "platform_revenue"}}),
                "from",
            ),
            (
                json!({"campaigns": [id], "experiments": [{"channel": "meta", "from": "2026-10-01", "to": "2026-10-14", "lift": 100, "lift_se": 0}]}),
                "experiments[0].lift_se",
            ),
            // The same campaign twice would count its spend twice.
            (json!({"campaigns": [id, id]}), "campaigns[1]"),
            // Revenue is not below zero, nor beyond a trillion a day.
            (
                json!({"campaigns": [id], "kpi": {"source": "series", "values": [{"date": "2026-11-01", "value": -5}]}}),
                "kpi.values[0].value",
            ),
            (
                json!({"campaigns": [id], "kpi": {"source": "series", "values": [{"date": "2026-11-01", "value": 1e308}]}}),
                "kpi.values[0].value",
            ),
            // Nothing is silently ignored.
            (
                json!({"campaigns": [id], "kpi": {"source": "ga4_revenue", "values": []}}),
                "kpi.values",
            ),
            (
                json!({"campaigns": [id], "kpi": {"source": "series", "values": [{"date": "2026-11-01", "value": 1, "note": "x"}]}}),
                "kpi.values[0].note",
            ),
            (
                json!({"campaigns": [id], "experiments": [5]}),
                "experiments[0]",
            ),
            (
                json!({"campaigns": [id], "experiments": [{"channel": "meta", "from": "2026-10-01", "to": "2026-10-14", "lift": 100, "lift_se": 10, "spnd": "5"}]}),
                "experiments[0].spnd",
            ),
            (
                json!({"campaigns": [id], "experiments": [{"channel": "meta", "from": "2026-10-01", "to": "2026-10-14", "lift": 100, "lift_se": 10, "spend": "-100"}]}),
                "experiments[0].spend",
            ),
            (
                json!({"campaigns": [id], "experiments": [{"channel": "meta", "from": "2026-10-01", "to": "2026-10-14", "lift": 1e13, "lift_se": 10}]}),
                "experiments[0].lift",
            ),
            // Problems the fit finds land on the test's own path.
            (
                json!({"campaigns": [id], "kpi": {"source": "platform_revenue"}, "draws": 20, "experiments": [
                    {"channel": "meta", "from": "2026-10-01", "to": "2026-10-14", "lift": 100, "lift_se": 10},
                    {"channel": "tiktok", "from": "2026-10-01", "to": "2026-10-14", "lift": 100, "lift_se": 10}]}),
                "experiments[1].channel",
            ),
            (
                json!({"campaigns": [id], "kpi": {"source": "platform_revenue"}, "draws": 20, "experiments": [
                    {"channel": "Meta", "from": "2026-10-01", "to": "2099-01-01", "lift": 100, "lift_se": 10}]}),
                "experiments[0].to",
            ),
            // The window: days that happened, within 2000 to 2099.
            (json!({"campaigns": [id], "to": "2099-01-01"}), "to"),
            (json!({"campaigns": [id], "from": "2099-01-01"}), "from"),
            (json!({"campaigns": [id], "from": "1999-12-31"}), "from"),
        ] {
            let r = app.post("/api/mmm", &body).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let got = json_of(r).await;
            assert_eq!(got["error"]["details"][0]["field"], field, "{body}: {got}");
        }
        let r = app.get("/api/mmm/no-such-run").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
}

/// An offline channel whose spend is the same every day (a sponsorship's flat fee) cannot be
/// told from the baseline: the run leaves it out and says so, rather than refusing every model
/// of the campaign.
#[tokio::test]
async fn a_channel_of_constant_spend_is_left_out_and_named() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let campaigns = demo(&app).await;
        let id = q4(&campaigns);
        let body = json!({"campaigns": [id], "kpi": {"source": "platform_revenue"}, "draws": 20});
        let first = json_of(app.post("/api/mmm", &body).await).await;
        let day = |k: &str| -> chrono::NaiveDate {
            first["result"][k]
                .as_str()
                .and_then(|d| d.parse().ok())
                .unwrap_or_else(|| panic!("no {k} in {first}"))
        };
        let days: Vec<chrono::NaiveDate> = day("from")
            .iter_days()
            .take_while(|d| *d <= day("to"))
            .collect();
        let mut csv = String::from("date,channel,spend\n");
        for d in &days {
            csv.push_str(&format!("{d},Sponsorship,100\n"));
        }
        upload(&app, &id, &csv).await;
        let r = app.post("/api/mmm", &body).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let run = json_of(r).await;
        let channels: Vec<&str> = run["result"]["channels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["channel"].as_str())
            .collect();
        assert!(!channels.contains(&"Sponsorship"), "{channels:?}");
        let warnings = run["result"]["warnings"].to_string();
        assert!(
            warnings.contains("Sponsorship's spend is 100.00 every day of the window"),
            "{warnings}"
        );
    }
}

/// The same offline channel imported as `TV` on one campaign and `tv` on another is one channel
/// of a model over both, its spend their sum.
#[tokio::test]
async fn a_channel_named_in_two_cases_is_one_channel() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let campaigns = demo(&app).await;
        let (q4, brand) = (
            id_named(&campaigns, "Q4 Lead Gen (B2B)"),
            id_named(&campaigns, "Brand Awareness"),
        );
        let body =
            json!({"campaigns": [q4, brand], "kpi": {"source": "platform_revenue"}, "draws": 20});
        let first = json_of(app.post("/api/mmm", &body).await).await;
        let from: chrono::NaiveDate = first["result"]["from"]
            .as_str()
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("no from in {first}"));
        let (mut upper, mut lower) = (
            String::from("date,channel,spend\n"),
            String::from("date,channel,spend\n"),
        );
        for (i, d) in from.iter_days().take(60).enumerate() {
            upper.push_str(&format!("{d},TV,{}\n", 100 + (i % 5) * 40));
            lower.push_str(&format!("{d},tv,{}\n", 50 + (i % 3) * 20));
        }
        upload(&app, &q4, &upper).await;
        upload(&app, &brand, &lower).await;
        let r = app.post("/api/mmm", &body).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let run = json_of(r).await;
        let tv: Vec<&Value> = run["result"]["channels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| {
                c["channel"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case("tv"))
            })
            .collect();
        assert_eq!(tv.len(), 1, "{}", run["result"]["channels"]);
        // 60 days of 100..260 and of 50..90: 10,800 + 4,200.
        assert_eq!(tv[0]["spend"], "15000.00", "{}", tv[0]);
    }
}
