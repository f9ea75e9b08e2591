//! Named channels in the finance figures and the exported report (issue 14, item 6): a channel
//! file imported, then the ROI's investment and each download (JSON, CSV, XLSX, PDF) checked
//! against figures computed by hand, on each backend.
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, json_of, page, q4};

/// Meta 100.10 on the 2nd (a platform's row); TV 1000.50 (250 000 impressions) on the 2nd and
/// 999.50 on the 3rd; podcasts 300 on the 3rd: 2300.00 of named channels.
const CHANNELS: &str = "date,channel,spend,impressions,campaign,clicks\n\
2026-11-02,TV,1000.50,250000,,\n\
2026-11-02,meta,100.10,1000,m1,20\n\
2026-11-03,Podcasts,300,,,\n\
2026-11-03,tv,999.50,,,\n";

const LABEL: &str = "offline channel — spend as imported, no platform-reported revenue";

/// Imports a channel file (`bytes`) into campaign `id`; it must be created.
pub(crate) async fn upload(app: &TestApp, id: &str, bytes: &str) {
    let form = Form::new().part(
        "file",
        Part::bytes(bytes.as_bytes().to_vec()).file_name("channels.csv"),
    );
    let r = app
        .client
        .post(format!("{}/api/campaigns/{id}/imports", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("upload: {e}"));
    assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
}

async fn roi(app: &TestApp, id: &str) -> Value {
    json_of(
        app.get(&format!(
            "/api/campaigns/{id}/roi?from=2026-11-01&to=2026-11-21"
        ))
        .await,
    )
    .await
}

async fn report(app: &TestApp, format: &str) -> Vec<u8> {
    let r = app
        .get(&format!(
            "/api/reports/financial?from=2026-11-01&to=2026-11-30&format={format}"
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{format} ({})", app.backend);
    r.bytes().await.map(|b| b.to_vec()).unwrap_or_default()
}

/// With a cost of capital of 0, the investment is the costs alone: 100.10 of Meta before the
/// channel file's channels (its Meta row is the same row again), 100.10 + 2300.00 = 2400.10
/// after.
#[tokio::test]
async fn the_full_cost_roi_counts_named_channels_as_media() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app.campaign(&q4()).await;
        let r = app
            .request(
                &app.client,
                Method::PUT,
                "/api/finance/settings",
                Some(&json!({"cost_of_capital": "0"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &json!({"rows": [{"date": "2026-11-02", "platform": "meta", "spend": "100.10",
                    "external_campaign_id": "m1", "impressions": 1000, "clicks": 20}]}),
            )
            .await;
        assert!(r.status().is_success());
        let before = roi(&app, &id).await;
        assert_eq!(before["total_investment"], "100.10", "{before}");
        assert!(
            before["costs"].get("offline_channels").is_none(),
            "{before}"
        );
        assert!(before.get("offline_channels").is_none());

        upload(&app, &id, CHANNELS).await;
        let after = roi(&app, &id).await;
        assert_eq!(after["total_investment"], "2400.10", "{after}");
        assert_eq!(after["costs"]["platform_spend"], "100.10");
        assert_eq!(after["costs"]["offline_channels"], "2300.00");
        assert_eq!(after["costs"]["media_spend"], "2400.10");
        assert_eq!(after["offline_channels"][0]["channel"], "Podcasts");
        assert_eq!(after["offline_channels"][1]["spend"], "2000.00", "{after}");
        // No revenue measured (no platform reports any, no conversion value is set): no ROI,
        // ROAS or payback verdict, rather than a −100 % nobody measured.
        assert_eq!(after["revenue_basis"]["basis"], "not_measured", "{after}");
        assert_eq!(after["roi_percentage"], Value::Null, "{after}");
        assert_eq!(after["roas"], Value::Null, "{after}");
        assert_eq!(after["payback_period"]["status"], "not_measured", "{after}");
        let rec = json_of(
            app.get(&format!("/api/campaigns/{id}/reconciliation"))
                .await,
        )
        .await;
        assert_eq!(rec["platform_reported_roi"], Value::Null, "{rec}");
        assert_eq!(rec["media_roi"], Value::Null, "{rec}");
        assert_eq!(rec["roi_percentage"], Value::Null, "{rec}");
        // The finance page names the channels' part of the media.
        let (status, html) = page(&app, &format!("/campaigns/{id}/finance")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains(
                r#"media $2,400.10 (of which offline channels <span data-metric="offline-channels">$2,300.00</span>)"#
            ),
            "{html}"
        );
        // The page gives no figure where nothing is measured, and says how to measure it.
        assert!(
            html.contains(r#"<span data-metric="roi-pct">Not measured</span>"#),
            "{html}"
        );
        assert!(html.contains("Set a conversion value in the campaign's settings"));
        assert!(!html.contains("-100.00%"), "{html}");
    }
}

#[tokio::test]
async fn every_report_format_shows_each_channel_as_its_own_row() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app.campaign(&q4()).await;
        // Before: no channel section, no channel key.
        let json_before: Value =
            serde_json::from_slice(&report(&app, "json").await).unwrap_or_default();
        assert!(json_before.get("offline_channels").is_none());
        let csv_before = String::from_utf8(report(&app, "csv").await).unwrap_or_default();
        assert!(!csv_before.contains("Offline channels"), "{csv_before}");

        upload(&app, &id, CHANNELS).await;

        let json: Value = serde_json::from_slice(&report(&app, "json").await).unwrap_or_default();
        assert_eq!(
            json["totals"]["costs"]["platform_spend"], "100.10",
            "{json}"
        );
        assert_eq!(json["totals"]["costs"]["offline_channels"], "2300.00");
        assert_eq!(json["platforms"].as_array().map(Vec::len), Some(1));
        assert_eq!(json["platforms"][0]["spend"], "100.10");
        assert_eq!(json["offline_channels"][1]["channel"], "tv");
        assert_eq!(json["offline_channels"][1]["impressions"], 250_000);
        assert_eq!(json["spend_all_channels"]["total"], "2400.10");

        let csv = String::from_utf8(report(&app, "csv").await).unwrap_or_default();
        let section = format!(
            "# Offline channels\n\
             Channel,Basis,Spend,Impressions,Campaigns\n\
             Podcasts,\"{LABEL}\",300.00,,1\n\
             tv,\"{LABEL}\",2000.00,250000,1\n\
             \"Offline channels, total\",spend as imported,2300.00,,\n\
             \"Ad platforms, total\",platform-reported spend (the Platforms table),100.10,,\n\
             Spend across platforms and channels,ad platforms + offline channels,2400.10,,\n"
        );
        assert!(csv.contains(&section), "{csv}");
        assert!(
            csv.contains("\"  of which offline channels\",2300.00\n"),
            "{csv}"
        );
        // The platforms' table stays the platforms'.
        assert!(
            csv.contains("# Platforms\nPlatform,Spend,Fees,Impressions,Clicks,Conversions,Cost per conversion (spend + fees),Campaigns\nMeta Ads,100.10,0.00,1000,20,0.00,,1\n"),
            "{csv}"
        );

        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(Cursor::new(report(&app, "xlsx").await))
                .unwrap_or_else(|e| panic!("xlsx: {e}"));
        let sheet = book
            .worksheet_range("Offline channels")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sheet.get((2, 0)), Some(&Data::String("tv".into())));
        assert_eq!(sheet.get((2, 1)), Some(&Data::String(LABEL.into())));
        assert_eq!(sheet.get((2, 2)), Some(&Data::Float(2000.0)));
        assert_eq!(sheet.get((2, 3)), Some(&Data::Float(250_000.0)));
        assert_eq!(sheet.get((5, 2)), Some(&Data::Float(2400.1)));
        let campaigns = book
            .worksheet_range("Campaigns")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            campaigns.get((0, 4)),
            Some(&Data::String("Offline channels".into()))
        );
        assert_eq!(campaigns.get((1, 4)), Some(&Data::Float(2300.0)));

        let pdf = spendlens_testkit::pdf::read(&report(&app, "pdf").await);
        for needle in [
            "Offline channels",
            "Podcasts",
            "$2,000.00",
            "Spend across platforms and channels",
            "$2,400.10",
            "of which offline channels",
        ] {
            assert!(
                pdf.shows(needle),
                "{needle} missing from:\n{}",
                pdf.all_text()
            );
        }
    }
}
