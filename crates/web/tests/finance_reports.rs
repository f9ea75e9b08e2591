//! The financial report downloads through the real server (PDF read back by pdf-extract, XLSX
//! by calamine), and the finance paths in the OpenAPI document.
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::json;

use crate::finance::{november, problems, put, rows};
use crate::support::{TestApp, database_urls, json_of, sqlite_database};

#[tokio::test]
async fn report_downloads_in_every_format() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "report@example.com").await;
        let a = app.campaign(&november("3000.00")).await;
        let b = app
            .campaign(
                &json!({"name": "Euro launch", "currency": "EUR", "budget": "2000",
                "start_date": "2026-11-01", "end_date": "2026-11-30", "time_zone": "UTC"}),
            )
            .await;
        app.post(
            &format!("/api/campaigns/{a}/metrics"),
            &rows(1..=10, "100", "150"),
        )
        .await;
        let mut eur = rows(1..=10, "80", "100");
        for r in eur["rows"].as_array_mut().into_iter().flatten() {
            r["platform"] = json!("google_ads");
        }
        app.post(&format!("/api/campaigns/{b}/metrics"), &eur).await;

        // EUR needs a rate for a USD report: the error names it.
        let r = app
            .get("/api/reports/financial?from=2026-11-01&to=2026-11-30&currency=USD")
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );
        assert!(problems(&json_of(r).await)[0].contains("EUR → USD"));
        put(
            &app,
            "/api/finance/settings",
            &json!({"rates": [{"from": "EUR", "to": "USD", "rate": "1.25"}]}),
        )
        .await;

        let json_report = json_of(
            app.get("/api/reports/financial?from=2026-11-01&to=2026-11-30&currency=USD")
                .await,
        )
        .await;
        // A: 1000 spend; B: 800 EUR × 1.25 = 1000 USD.
        assert_eq!(
            json_report["totals"]["costs"]["platform_spend"], "2000.00",
            "{json_report}"
        );
        assert_eq!(json_report["rates_used"][0]["from"], "EUR");
        assert_eq!(json_report["campaigns"].as_array().map(Vec::len), Some(2));

        let r = app
            .get("/api/reports/financial?from=2026-11-01&to=2026-11-30&format=csv&currency=USD")
            .await;
        assert_eq!(
            r.headers()
                .get("content-disposition")
                .and_then(|v| v.to_str().ok()),
            Some("attachment; filename=\"financial-report-2026-11-01-2026-11-30.csv\"")
        );
        let csv = r.text().await.unwrap_or_default();
        assert!(
            csv.contains("Euro launch") && csv.contains("Total investment"),
            "{csv}"
        );

        let r = app
            .get("/api/reports/financial?from=2026-11-01&to=2026-11-30&format=xlsx&currency=USD")
            .await;
        let bytes = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
            .unwrap_or_else(|e| panic!("xlsx: {e}"));
        let campaigns = book
            .worksheet_range("Campaigns")
            .unwrap_or_else(|e| panic!("{e}"));
        let spend: Vec<Option<&Data>> = (1..=2).map(|r| campaigns.get((r, 2))).collect();
        assert!(
            spend.iter().all(|c| matches!(c, Some(Data::Float(_)))),
            "{spend:?}"
        );
        let summary = book
            .worksheet_range("Summary")
            .unwrap_or_else(|e| panic!("{e}"));
        match summary.get((3, 1)) {
            Some(Data::Float(v)) => assert!((v - 2000.0).abs() < 1e-9, "{v}"),
            other => panic!("platform spend cell: {other:?}"),
        }

        let r = app
            .get("/api/reports/financial?from=2026-11-01&to=2026-11-30&format=pdf&currency=USD")
            .await;
        assert_eq!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/pdf")
        );
        let pdf = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        assert!(pdf.starts_with(b"%PDF"));
        // Read back in Rust (pdf-extract): every page has text, and the text holds the report.
        // Rasterising with poppler is the report crate's test; this one needs nothing installed.
        let read = spendlens_testkit::pdf::read(&pdf);
        assert!(
            !read.text.is_empty() && read.text.iter().all(|page| !page.trim().is_empty()),
            "{} pages, each with text",
            read.text.len()
        );
        for needle in [
            "Marketing financial report",
            "November push",
            "Euro launch",
            "Budget consumption",
            "1 EUR = 1.25 USD",
        ] {
            assert!(
                read.shows(needle),
                "{needle} missing from:\n{}",
                read.all_text()
            );
        }

        let r = app
            .get("/api/reports/financial?from=2026-11-30&to=2026-11-01")
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = app
            .get("/api/reports/financial?from=2026-11-01&to=2026-11-30&format=docx")
            .await;
        assert_eq!(
            problems(&json_of(r).await)[0].split(':').next(),
            Some("format")
        );
    }
}

#[tokio::test]
async fn the_openapi_document_lists_the_finance_paths() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    let doc = json_of(app.get("/api/openapi.json").await).await;
    for path in [
        "/api/campaigns/{id}/costs",
        "/api/campaigns/{id}/costs/{entry_id}",
        "/api/campaigns/{id}/costs/import",
        "/api/overhead",
        "/api/overhead/{entry_id}",
        "/api/campaigns/{id}/headcount",
        "/api/finance/settings",
        "/api/campaigns/{id}/roi",
        "/api/campaigns/{id}/budget-consumption",
        "/api/alerts",
        "/api/reports/financial",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
}
