//! PDF reports laid out as agencies write them, through the real server: a weekly report with
//! the metrics as columns and a Total row, in a decimal-comma format. The preview shows the
//! number format and the rows per week; confirmed with "spread", the weeks are stored day by day
//! and add up to the report's totals exactly; confirmed again, nothing changes.
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use spendlens_testkit::agency_pdf::{ReportPdf, Table};

use crate::support::{TestApp, database_urls, json_of, page, q4, sqlite_database, token_in};

/// Three weeks of November 2026 with a Total row, numbers written with a decimal comma. The
/// totals are the report's own (and add up: 1.234,56 + 987,65 + 1.502,01 = 3.724,22).
fn weekly_report() -> Vec<u8> {
    let mut pdf = ReportPdf::new();
    pdf.text(50.0, 60.0, 16.0, "Agentur Nord – Wochenbericht");
    pdf.text(
        50.0,
        82.0,
        10.0,
        "Reporting period: November 1 - November 21, 2026",
    );
    let t = Table::new(50.0, &[260.0, 350.0, 420.0, 500.0]);
    pdf.table(
        &t,
        120.0,
        &[
            "Week",
            "Spend (USD)",
            "Impressions",
            "Clicks",
            "Conversions",
        ],
        &[
            vec!["Nov 1 – Nov 7, 2026", "1.234,56", "48.200", "1.105", "12,5"],
            vec!["Nov 8 – Nov 14, 2026", "987,65", "39.950", "860", "9"],
            vec!["Nov 15 – Nov 21, 2026", "1.502,01", "61.300", "1.420", "15"],
            vec!["Total", "3.724,22", "149.450", "3.385", "36,5"],
        ],
    );
    pdf.finish()
}

/// The custom integration's totals as the seed API reports them (days up to the test's today).
async fn custom_totals(app: &TestApp, id: &str) -> Value {
    json_of(app.get(&format!("/api/custom-integration/{id}")).await).await["metrics"].clone()
}

/// The fields the confirmation form would post: its inputs (checked radios only) and the
/// selected platform.
fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let form = html
        .split(&format!("action=\"{action}\""))
        .nth(1)
        .and_then(|rest| rest.split("</form>").next())
        .unwrap_or_default();
    let attr = |tag: &str, name: &str| {
        tag.split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(str::to_owned)
    };
    let mut out = Vec::new();
    for tag in form.split("<input").skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let (Some(name), value) = (attr(tag, "name"), attr(tag, "value")) else {
            continue;
        };
        if attr(tag, "type").as_deref() == Some("radio") && !tag.contains(" checked") {
            continue;
        }
        out.push((name, value.unwrap_or_default()));
    }
    if let Some(select) = form.split("name=\"platform\"").nth(1)
        && let Some(value) = select
            .split("<option value=\"")
            .skip(1)
            .find(|o| {
                o.split('>')
                    .next()
                    .unwrap_or_default()
                    .contains(" selected")
            })
            .and_then(|o| o.split('"').next())
    {
        out.push(("platform".to_owned(), value.to_owned()));
    }
    out
}

#[tokio::test]
async fn a_weekly_pdf_is_previewed_per_week_and_spread_exactly_on_the_page() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "pdf@example.com").await;
        let id = app.campaign(&q4()).await;
        let (_, html) = page(&app, &format!("/campaigns/{id}/imports")).await;
        assert!(
            html.contains("name=\"pdf_locale\""),
            "the upload form has the choice"
        );
        let token = token_in(&html);
        let form = Form::new()
            .text("csrf", token.clone())
            .part("file", Part::bytes(weekly_report()).file_name("weekly.pdf"))
            .text("spread", "true");
        let r = app
            .client
            .post(format!("{}/campaigns/{id}/imports", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK);
        let preview = r.text().await.unwrap_or_default();
        for shown in [
            "Numbers are read with a decimal comma",
            "metrics as columns (Spend, Impressions, Clicks, Conversions)",
            "Nov 1 – Nov 7, 2026",
            "Nov 8 – Nov 14, 2026",
            "Nov 15 – Nov 21, 2026",
            "page 1, line 4",
            "1.502,01",
            "the 3 period rows add up to 3724.22 as the Total row",
            "name=\"period-2-spend\" inputmode=\"decimal\" aria-label=\"Spend, Nov 15 – Nov 21, 2026\" value=\"1502.01\"",
            "name=\"booking\" value=\"spread\" checked",
        ] {
            assert!(preview.contains(shown), "{shown}: {preview}");
        }
        assert_eq!(
            custom_totals(&app, &id).await,
            Value::Null,
            "nothing stored before the confirmation"
        );
        let fields = form_fields(&preview, &format!("/campaigns/{id}/imports/pdf"));
        assert!(
            fields.contains(&("period-0-impressions".to_owned(), "48200".to_owned())),
            "{fields:?}"
        );
        let confirm = || async {
            app.client
                .post(format!("{}/campaigns/{id}/imports/pdf", app.base))
                .form(&fields)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let r = confirm().await;
        assert_eq!(r.status(), StatusCode::OK);
        let done = r.text().await.unwrap_or_default();
        assert!(
            done.contains("Stored the figures of weekly.pdf: 21 daily rows from 1 Nov 2026 to 21 Nov 2026 ($3,724.22 spend)"),
            "{done}"
        );
        let totals = json!({
            "spend": "3724.22", "impressions": 149450, "engagements": 0, "clicks": 3385,
            "conversions": "36.50", "averageOrderValue": null,
        });
        assert_eq!(custom_totals(&app, &id).await, totals, "{}", app.backend);
        // Confirmed again, the same figures change nothing.
        assert_eq!(confirm().await.status(), StatusCode::OK);
        assert_eq!(custom_totals(&app, &id).await, totals, "{}", app.backend);
    }
}

#[tokio::test]
async fn a_weekly_pdf_through_the_api_names_its_rows_and_the_daily_rows_to_post() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    app.register(&app.client, "pdf-api@example.com").await;
    let id = app.campaign(&q4()).await;
    let upload = |extra: &'static [(&'static str, &'static str)]| {
        let app = &app;
        let id = id.clone();
        async move {
            let mut form =
                Form::new().part("file", Part::bytes(weekly_report()).file_name("weekly.pdf"));
            for (k, v) in extra {
                form = form.text(*k, *v);
            }
            let r = app
                .client
                .post(format!("{}/api/campaigns/{id}/imports", app.base))
                .multipart(form)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            (r.status(), json_of(r).await)
        }
    };
    let (status, body) = upload(&[("spread", "true")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let p = &body["preview"];
    assert_eq!(p["locale"]["format"], "comma");
    assert_eq!(p["locale"]["basis"], "decided");
    assert_eq!(p["tables"][0]["layout"], "metrics_as_columns");
    let week = &p["tables"][0]["rows"][1];
    assert_eq!(
        (
            &week["label"],
            &week["kind"],
            &week["from"],
            &week["to"],
            &week["line"]
        ),
        (
            &json!("Nov 8 – Nov 14, 2026"),
            &json!("period"),
            &json!("2026-11-08"),
            &json!("2026-11-14"),
            &json!(5)
        )
    );
    assert_eq!(week["cells"][0]["text"], "987,65");
    assert_eq!(week["cells"][0]["value"], "987.65");
    assert_eq!(p["periods"].as_array().map(Vec::len), Some(3));
    assert!(
        p["checks"]
            .as_array()
            .is_some_and(|c| c.len() == 4 && c.iter().all(|c| c["matches"] == true)),
        "{}",
        p["checks"]
    );
    assert_eq!(p["booking"]["choice"], "spread");
    assert_eq!(p["booking"]["totals"]["spend"], "3724.22");
    let rows = p["booking"]["rows"].clone();
    assert_eq!(rows.as_array().map(Vec::len), Some(21));
    assert_eq!(
        rows[0]["spend"], "176.37",
        "1.234,56 over 7 days, cents first"
    );
    // Confirmed by posting the rows, as the API's answer says.
    let r = app
        .post(
            &format!("/api/campaigns/{id}/metrics"),
            &json!({"rows": rows}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(custom_totals(&app, &id).await["spend"], "3724.22");
    // Read the other way, the report's counts are no whole numbers: the format is the user's.
    let (_, body) = upload(&[("pdf_locale", "point")]).await;
    assert_eq!(body["preview"]["locale"]["basis"], "chosen");
    assert_eq!(body["preview"]["booking"], Value::Null);
    assert!(
        body["preview"]["found"]
            .as_array()
            .is_some_and(|f| f.iter().all(|f| f["metric"] != "Impressions")),
        "{body}"
    );
    let (status, body) = upload(&[("pdf_locale", "german")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["details"][0]["field"], "pdf_locale", "{body}");
}
