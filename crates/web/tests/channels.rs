//! Named channels (issue 14, item 6): a channel file through the imports API, on each backend;
//! its platform rows keep the contract's analysis, its channels come back as their own rows.
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::support::{TestApp, database_urls, json_of, page, q4};

const CHANNELS: &str = "date,channel,spend,impressions,campaign,clicks\n\
2026-11-02,TV,1000.50,250000,,\n\
2026-11-02,meta,100.10,1000,m1,20\n\
2026-11-03,Podcasts,300,,,\n\
2026-11-03,tv,999.50,,,\n";

async fn upload(app: &TestApp, id: &str, query: &str, bytes: &str) -> (StatusCode, Value) {
    let form = Form::new().part(
        "file",
        Part::bytes(bytes.as_bytes().to_vec()).file_name("channels.csv"),
    );
    let r = app
        .client
        .post(format!("{}/api/campaigns/{id}/imports{query}", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("upload: {e}"));
    let status = r.status();
    (status, json_of(r).await)
}

async fn analysis(app: &TestApp, id: &str) -> Value {
    let path = format!("/api/campaigns/{id}/financial-analysis?as_of=2026-11-21");
    json_of(app.get(&path).await).await
}

#[tokio::test]
async fn a_channel_file_imports_platforms_and_named_channels() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app.campaign(&q4()).await;
        let before = analysis(&app, &id).await;
        assert!(before.get("offline_channels").is_none(), "{before}");

        let (status, dry) = upload(&app, &id, "?dry_run=true", CHANNELS).await;
        assert_eq!(status, StatusCode::OK, "{}: {dry}", app.backend);
        assert_eq!(dry["rows"], 1, "{dry}");
        assert_eq!(dry["channels"][0]["channel"], "TV", "{dry}");
        assert_eq!(dry["channels"][0]["spend"], "2000.00", "{dry}");
        assert_eq!(dry["channels"][0]["impressions"], 250_000, "{dry}");
        assert_eq!(dry["channels"][1]["impressions"], Value::Null, "{dry}");
        assert!(analysis(&app, &id).await.get("offline_channels").is_none());

        let (status, done) = upload(&app, &id, "", CHANNELS).await;
        assert_eq!(status, StatusCode::CREATED, "{}: {done}", app.backend);
        let after = analysis(&app, &id).await;
        // The contract's totals stay the platforms'; the channels are their own rows.
        assert_eq!(after["totals"]["spend"], "100.10", "{after}");
        assert_eq!(after["platforms"].as_array().map(Vec::len), Some(1));
        let rows = after["offline_channels"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let seen: Vec<(String, String, String)> = rows
            .iter()
            .map(|r| {
                (
                    r["channel"].as_str().unwrap_or_default().to_owned(),
                    r["spend"].as_str().unwrap_or_default().to_owned(),
                    r["kind"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("Podcasts".into(), "300.00".into(), "offline_channel".into()),
                ("tv".into(), "2000.00".into(), "offline_channel".into()),
            ],
            "{}",
            app.backend
        );
        assert_eq!(after["spend_all_channels"]["total"], "2400.10", "{after}");
        // The budget tab shows each channel as its own, labelled row.
        let (status, html) = page(&app, &format!("/campaigns/{id}?tab=budget-allocation")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains(r#"data-section="offline-channels""#),
            "{html}"
        );
        assert!(html.contains(r#"data-channel="Podcasts""#));
        assert!(html.contains("offline channel — spend as imported, no platform-reported revenue"));

        // The same file again changes nothing.
        let (status, _) = upload(&app, &id, "", CHANNELS).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(
            analysis(&app, &id).await["spend_all_channels"]["total"],
            "2400.10"
        );

        // A named channel with revenue is refused, naming row and column; nothing is written.
        let (status, refused) = upload(
            &app,
            &id,
            "",
            "date,channel,spend,revenue\n2026-11-04,Radio,10,99\n",
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(
            refused.to_string().contains("spend and impressions only"),
            "{refused}"
        );
    }
}

/// 30 days up to yesterday for two platforms, revenue a saturating curve of spend.
fn platform_history() -> Value {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 10, 22).unwrap_or_default();
    let mut rows = Vec::new();
    for d in 0..30u64 {
        let date = start + chrono::Days::new(d);
        for (k, (platform, beta, half)) in [("meta", 3000.0, 150.0), ("google_ads", 5000.0, 300.0)]
            .into_iter()
            .enumerate()
        {
            let spend = 20.0 + ((d * 37 + k as u64 * 11) % 97) as f64 * 4.0;
            let revenue: f64 = beta * spend / (spend + half);
            rows.push(serde_json::json!({"date": date.to_string(), "platform": platform,
                "spend": format!("{spend:.2}"), "clicks": 10,
                "conversions": format!("{:.2}", revenue / 50.0), "revenue": format!("{revenue:.2}")}));
        }
    }
    serde_json::json!({"rows": rows})
}

#[tokio::test]
async fn the_budget_plan_lists_named_channels_frozen_at_their_spend() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app
            .campaign(
                &serde_json::json!({"name": "Always on", "currency": "USD", "budget": "500000.00",
                "start_date": "2026-10-01", "end_date": "2026-12-31", "time_zone": "UTC"}),
            )
            .await;
        let r = app
            .post(&format!("/api/campaigns/{id}/metrics"), &platform_history())
            .await;
        assert!(r.status().is_success(), "{}", app.backend);
        // TV on 2026-11-01 and 2026-11-10: 1000 over a 10-day history, 100 a day.
        let (status, done) = upload(
            &app,
            &id,
            "",
            "date,channel,spend\n2026-11-01,TV,400\n2026-11-10,TV,600\n",
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{done}");
        let r = app
            .post(
                &format!("/api/campaigns/{id}/budget-optimization"),
                &serde_json::json!({"total_budget": "5000", "weeks": 2}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        let plan = json_of(r).await;
        let tv = &plan["offline_channels"][0];
        assert_eq!(tv["channel"], "TV", "{plan}");
        assert_eq!(tv["frozen"], true);
        assert_eq!(tv["current_spend"], "1400.00", "{plan}");
        assert!(
            tv["reason"]
                .as_str()
                .is_some_and(|r| r.contains("no response curve")),
            "{tv}"
        );
        // The optimised budget is the platforms' alone.
        assert_eq!(
            plan["optimized_allocation"].as_array().map(Vec::len),
            Some(2),
            "{plan}"
        );
    }
}

#[tokio::test]
async fn the_channel_metrics_api_lists_totals_and_days() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app.campaign(&q4()).await;
        let path = format!("/api/campaigns/{id}/channels");
        // Before any channel: an empty list.
        let empty = json_of(app.get(&path).await).await;
        assert_eq!(empty["channels"], serde_json::json!([]), "{empty}");
        assert_eq!(empty["offline_channels_spend"], "0.00");

        let (status, _) = upload(&app, &id, "", CHANNELS).await;
        assert_eq!(status, StatusCode::CREATED, "{}", app.backend);
        let all = json_of(app.get(&path).await).await;
        assert_eq!(all["campaign_id"], id.as_str());
        assert_eq!(all["currency"], "USD");
        assert_eq!((&all["from"], &all["to"]), (&Value::Null, &Value::Null));
        // By key: podcasts, then tv (1000.50 on the 2nd and 999.50 on the 3rd, named as on its
        // latest day); the meta row is the platform's, not a channel.
        let channels = all["channels"].as_array().cloned().unwrap_or_default();
        assert_eq!(channels.len(), 2, "{all}");
        assert_eq!(channels[0]["channel"], "Podcasts");
        assert_eq!(channels[0]["spend"], "300.00");
        assert_eq!(channels[0]["impressions"], Value::Null);
        assert_eq!(channels[0]["days"], 1);
        assert_eq!(channels[1]["channel"], "tv");
        assert_eq!(channels[1]["kind"], "offline_channel");
        assert_eq!(
            channels[1]["label"],
            "offline channel — spend as imported, no platform-reported revenue"
        );
        assert_eq!(channels[1]["spend"], "2000.00");
        assert_eq!(channels[1]["impressions"], 250_000);
        assert_eq!(channels[1]["days"], 2);
        assert_eq!(
            channels[1]["daily"],
            serde_json::json!([
                {"date": "2026-11-02", "spend": "1000.50", "impressions": 250_000},
                {"date": "2026-11-03", "spend": "999.50", "impressions": null},
            ]),
            "{all}"
        );
        assert_eq!(all["offline_channels_spend"], "2300.00", "{all}");

        // A window: the 3rd only.
        let third = json_of(
            app.get(&format!("{path}?from=2026-11-03&to=2026-11-03"))
                .await,
        )
        .await;
        assert_eq!(third["from"], "2026-11-03");
        assert_eq!(third["channels"][1]["spend"], "999.50", "{third}");
        assert_eq!(third["channels"][1]["impressions"], Value::Null);
        assert_eq!(third["channels"][1]["days"], 1);
        assert_eq!(third["offline_channels_spend"], "1299.50");
        let before = json_of(app.get(&format!("{path}?to=2026-11-01")).await).await;
        assert_eq!(before["channels"], serde_json::json!([]), "{before}");

        // The strict dates, and an end before the start, are 422s naming the parameter.
        for (query, field) in [
            ("?from=2026-11-3", "from"),
            ("?to=tomorrow", "to"),
            ("?from=2026-11-03&to=2026-11-02", "to"),
        ] {
            let r = app.get(&format!("{path}{query}")).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            let body = json_of(r).await;
            assert_eq!(body["error"]["details"][0]["field"], field, "{body}");
        }
        let r = app
            .get("/api/campaigns/00000000-0000-0000-0000-000000000000/channels")
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
}
