//! The rates editor and the report download of the organisation's finance page (issue 16 item
//! 2), on the demo organisation (USD, EUR and GBP campaigns): a report that cannot be made answers
//! a page saying which rate is missing and linking to the editor, never an error document; rates
//! are added, replaced, deleted and imported (the ECB's daily file included); once the rates are
//! there the report downloads in all four formats.
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::support::{TestApp, database_urls, demo, page, post_form, token_in};

#[tokio::test]
async fn rates_are_edited_on_the_page_and_the_report_then_downloads() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        demo(&app).await;
        let (status, html) = page(&app, "/finance").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("No rate yet"), "{html}");
        let token = token_in(&html);
        let report = |format: &str| {
            format!("/finance/report?from=2026-11-01&to=2026-11-20&format={format}&currency=USD")
        };

        // Without rates: a page, in HTML, naming the missing rate and linking to the editor.
        let r = app.get(&report("pdf")).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );
        assert!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .starts_with("text/html")
        );
        let html = r.text().await.unwrap_or_default();
        assert!(html.contains("The report cannot be made"), "{html}");
        assert!(html.contains("missing exchange rate"), "{html}");
        assert!(html.contains("href=\"#rates\""));
        assert!(
            html.contains("value=\"2026-11-01\""),
            "the form keeps its dates"
        );
        // Opened bare, it is the page with the report's form; half a period names the field.
        let (status, html) = page(&app, "/finance/report").await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains("The report cannot be made"), "{html}");
        assert!(html.contains("data-section=\"report\""));
        let r = app.get("/finance/report?from=2026-11-01").await;
        let html = r.text().await.unwrap_or_default();
        assert!(html.contains("To: missing"), "{html}");

        // Refusals beside their fields.
        let (status, html) = post_form(
            &app,
            "/finance/rates",
            &[
                ("csrf", &token),
                ("from", "EUR"),
                ("to", "eur"),
                ("rate", "1"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("<p class=\"field-error\" id=\"to-error\">must differ from `from`</p>"),
            "{html}"
        );
        let (status, html) = post_form(
            &app,
            "/finance/rates",
            &[
                ("csrf", &token),
                ("from", "EUR"),
                ("to", "USD"),
                ("rate", "abc"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("expected a decimal number"));

        // Add, then replace the same pair: one row, the new rate.
        let (status, html) = post_form(
            &app,
            "/finance/rates",
            &[
                ("csrf", &token),
                ("from", "eur"),
                ("to", "usd"),
                ("rate", "1.05"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Exchange rate saved."));
        let (_, html) = post_form(
            &app,
            "/finance/rates",
            &[
                ("csrf", &token),
                ("from", "EUR"),
                ("to", "USD"),
                ("rate", "1.0850"),
            ],
        )
        .await;
        assert_eq!(html.matches("data-rate=\"EUR-USD\"").count(), 1);
        assert!(html.contains("<td class=\"num\">1.085</td>"), "{html}");

        // The ECB's daily file: every rate from EUR, the pairs it has replaced.
        let ecb = "Date, USD, JPY, BGN, CZK, DKK, GBP, HUF, PLN, \n04 December 2026, 1.0543, 158.21, 1.9558, 25.123, 7.4580, 0.83465, 409.78, 4.2685, \n";
        let import = |bytes: Vec<u8>, name: &'static str| {
            let app = &app;
            let token = token.clone();
            async move {
                let form = Form::new()
                    .text("csrf", token)
                    .part("file", Part::bytes(bytes).file_name(name));
                app.client
                    .post(format!("{}/finance/rates/import", app.base))
                    .multipart(form)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        let r = import(ecb.as_bytes().to_vec(), "eurofxref.csv").await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap_or_default();
        assert!(
            html.contains("Imported 8 ECB reference rates of 2026-12-04"),
            "{html}"
        );
        assert!(html.contains("data-rate=\"EUR-GBP\""));
        assert!(
            html.contains("<td class=\"num\">1.0543</td>"),
            "the file's EUR → USD replaced the typed one"
        );
        let r = import(b"from,to,rate\nGBP,US,abc\n".to_vec(), "rates.csv").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap_or_default();
        assert!(html.contains("line 2"), "{html}");

        // EUR → USD and EUR → GBP do not make GBP → USD (no triangulation): still refused.
        let r = app.get(&report("csv")).await;
        let html = r.text().await.unwrap_or_default();
        assert!(html.contains("GBP → USD"), "{html}");
        post_form(
            &app,
            "/finance/rates",
            &[
                ("csrf", &token),
                ("from", "GBP"),
                ("to", "USD"),
                ("rate", "1.2650"),
            ],
        )
        .await;

        for (format, kind) in [
            ("pdf", "application/pdf"),
            (
                "xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            ("csv", "text/csv"),
            ("json", "application/json"),
        ] {
            let r = app.get(&report(format)).await;
            assert_eq!(r.status(), StatusCode::OK, "{format}");
            let got = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            assert!(got.starts_with(kind), "{format}: {got}");
            if format == "csv" {
                // The demo's Always-on Search has no budget: no status or pace is judged from
                // the seed's stand-in figures (0 % used, 100 % pace).
                let csv = r.text().await.unwrap_or_default();
                let row = csv
                    .lines()
                    .skip_while(|l| !l.starts_with("# Budget consumption"))
                    .find(|l| l.starts_with("Always-on Search,"))
                    .unwrap_or_default();
                assert_eq!(
                    row.split(',').collect::<Vec<_>>()[5..],
                    ["", "", "No budget", "", "No budget", ""],
                    "{csv}"
                );
            }
        }

        // Delete one.
        let (status, html) = post_form(
            &app,
            "/finance/rates/delete",
            &[("csrf", &token), ("from", "EUR"), ("to", "JPY")],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Exchange rate deleted."));
        assert!(!html.contains("data-rate=\"EUR-JPY\""));
        let (status, _) = post_form(
            &app,
            "/finance/rates/delete",
            &[("csrf", &token), ("from", "EUR"), ("to", "JPY")],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
