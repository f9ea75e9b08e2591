//! File imports through the API: dry run, all-or-nothing, idempotent, currency checks, PDFs.
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::support::{TestApp, database_urls, json_of, q4, sqlite_database};

const CANONICAL: &str = "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue\n\
2026-11-02,meta,m1,100.10,1000,0,20,1.5,,\n\
2026-11-03,meta,m1,1200.20,2000,0,30,2,,\n\
2026-11-03,linkedin,l1,50,500,40,5,0.5,,\n";

async fn upload(
    app: &TestApp,
    id: &str,
    query: &str,
    name: &str,
    bytes: Vec<u8>,
    extra: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    for (k, v) in extra {
        form = form.text((*k).to_owned(), (*v).to_owned());
    }
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

/// Confirms the preview shown in `html` (the upload page's answer) with the page's `token`.
async fn confirm_preview(app: &TestApp, id: &str, token: &str, html: &str) {
    let pending = html
        .split("name=\"pending\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no pending token: {html}"))
        .to_owned();
    let r = app
        .client
        .post(format!("{}/campaigns/{id}/imports/confirm", app.base))
        .form(&[("csrf", token), ("pending", pending.as_str())])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
}

async fn spend(app: &TestApp, id: &str) -> Value {
    json_of(
        app.get(&format!(
            "/api/campaigns/{id}/financial-analysis?as_of=2026-11-21"
        ))
        .await,
    )
    .await["totals"]["spend"]
        .clone()
}

#[tokio::test]
async fn dry_run_then_import_then_reimport() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app.campaign(&q4()).await;

        let (status, preview) = upload(
            &app,
            &id,
            "?dry_run=true",
            "export.csv",
            CANONICAL.into(),
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{preview}");
        assert_eq!(preview["import_id"], Value::Null);
        assert_eq!(
            (preview["rows"].as_u64(), preview["days"].as_u64()),
            (Some(3), Some(2))
        );
        assert_eq!(
            (preview["date_from"].as_str(), preview["date_to"].as_str()),
            (Some("2026-11-02"), Some("2026-11-03"))
        );
        assert_eq!(preview["totals"]["spend"], "1350.30");
        assert_eq!(
            spend(&app, &id).await,
            "0.00",
            "{}: a dry run writes nothing",
            app.backend
        );

        let (status, done) = upload(&app, &id, "", "export.csv", CANONICAL.into(), &[]).await;
        assert_eq!(status, StatusCode::CREATED, "{done}");
        assert!(done["import_id"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(spend(&app, &id).await, "1350.30", "{}", app.backend);

        // The same file again: the totals do not move.
        let (status, _) = upload(&app, &id, "", "export.csv", CANONICAL.into(), &[]).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(
            spend(&app, &id).await,
            "1350.30",
            "{}: re-import double counted",
            app.backend
        );
    }
}

#[tokio::test]
async fn a_bad_row_rejects_the_file_naming_the_place() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app.campaign(&q4()).await;
        let bad = format!("{CANONICAL}2026-11-04,meta,m1,abc,1,0,1,1,,\n");
        let (status, body) = upload(&app, &id, "", "bad.csv", bad.into(), &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let message = body["error"]["details"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            message.contains("bad.csv") && message.contains('5'),
            "{message}"
        );
        assert_eq!(
            spend(&app, &id).await,
            "0.00",
            "{}: nothing written",
            app.backend
        );

        let (status, _) = upload(
            &app,
            &id,
            "",
            "garbage.bin",
            vec![0xFF, 0x00, 0x13, 0x37, 0x99],
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn another_currency_needs_a_rate() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    app.register(&app.client, "a@a.io").await;
    let id = app.campaign(&q4()).await;
    let eur = "currency,date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue\n\
EUR,2026-11-02,meta,m1,100.00,1000,0,20,1,,\n";
    let (status, body) = upload(&app, &id, "", "eur.csv", eur.into(), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("EUR"));
    let (status, body) = upload(&app, &id, "", "eur.csv", eur.into(), &[("rate", "1.08")]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(spend(&app, &id).await, "108.00");
    let (status, body) = upload(&app, &id, "", "eur.csv", eur.into(), &[("rate", "-1")]).await;
    assert_eq!(
        (status, body["error"]["details"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("rate"))
    );
}

#[tokio::test]
async fn an_upload_without_a_file_or_with_an_unknown_source_is_refused() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    app.register(&app.client, "a@a.io").await;
    let id = app.campaign(&q4()).await;
    let form = Form::new().text("source", "canonical");
    let r = app
        .client
        .post(format!("{}/api/campaigns/{id}/imports", app.base))
        .multipart(form)
        .send()
        .await;
    let r = r.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(r).await["error"]["details"][0]["field"], "file");
    let (status, body) = upload(
        &app,
        &id,
        "",
        "a.csv",
        CANONICAL.into(),
        &[("source", "myspace")],
    )
    .await;
    assert_eq!(
        (status, body["error"]["details"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("source"))
    );
    // The message lists the names `--source` and the upload page use, and each of them is read.
    assert_eq!(
        body["error"]["details"][0]["message"],
        "unknown source \"myspace\" (expected one of canonical, linkedin, meta, google_ads, \
         spreadsheet_csv, workbook, pdf)"
    );
    let (status, body) = upload(
        &app,
        &id,
        "?dry_run=true",
        "a.csv",
        CANONICAL.into(),
        &[("source", "spreadsheet_csv")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["source"], "spreadsheet_csv");
    let (status, body) = upload(
        &app,
        &id,
        "?dry_run=true",
        "a.csv",
        CANONICAL.into(),
        &[("source", "workbook")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_ne!(body["error"]["details"][0]["field"], "source", "{body}");
    let (_, page) = crate::support::page(&app, &format!("/campaigns/{id}/imports")).await;
    for source in spendlens_ingest::Source::ALL {
        assert!(
            page.contains(&format!("<option value=\"{}\"", source.as_str())),
            "{source}"
        );
    }
}

/// A report whose rows each cover a period (issue 14): refused by default with the ways forward,
/// spread exactly with `spread=true`, booked on one date with `book_on`; both at once refused.
#[tokio::test]
async fn period_reports_are_spread_or_booked_as_asked() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    app.register(&app.client, "a@a.io").await;
    let id = app.campaign(&q4()).await;
    let report = "Campaign report\n\"November 1, 2026 - November 20, 2026\"\n\
Campaign,Campaign ID,Currency code,Cost,Impr.\n\
Brand,1,USD,\"1,000.01\",\"25,881\"\n\
Total: Account,,USD,\"1,000.01\",\"25,881\"\n";
    let (status, body) = upload(&app, &id, "", "report.csv", report.into(), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let text = body.to_string();
    assert!(
        text.contains("report.csv")
            && text.contains("--spread")
            && text.contains("2026-11-01 to 2026-11-20"),
        "{text}"
    );
    assert_eq!(spend(&app, &id).await, "0.00");

    let (status, preview) = upload(
        &app,
        &id,
        "?dry_run=true",
        "report.csv",
        report.into(),
        &[("spread", "true")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["rows"].as_u64(), Some(20));
    assert_eq!(preview["totals"]["spend"], "1000.01");
    assert_eq!(preview["totals"]["impressions"].as_u64(), Some(25_881));

    let (status, body) = upload(
        &app,
        &id,
        "",
        "report.csv",
        report.into(),
        &[("spread", "true"), ("book_on", "2026-11-01")],
    )
    .await;
    assert_eq!(
        (status, body["error"]["details"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("book_on"))
    );

    let (status, body) = upload(
        &app,
        &id,
        "",
        "report.csv",
        report.into(),
        &[("spread", "true")],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(spend(&app, &id).await, "1000.01");
}

/// The upload page offers the same choice: the refusal shows beside the period fieldset, and the
/// same file with "Spread over the period" ticked gives the preview of 20 days, which the
/// confirmation stores as shown.
#[tokio::test]
async fn the_upload_page_offers_the_period_choice() {
    use crate::support::{page, token_in};
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    app.register(&app.client, "a@a.io").await;
    let id = app.campaign(&q4()).await;
    let report = "Campaign report\n\"November 1, 2026 - November 20, 2026\"\n\
Campaign,Campaign ID,Currency code,Cost,Impr.\n\
Brand,1,USD,\"1,000.01\",\"25,881\"\n";
    let (_, html) = page(&app, &format!("/campaigns/{id}/imports")).await;
    assert!(html.contains("data-section=\"period-choice\""), "{html}");
    let token = token_in(&html);
    let post = |extra: Vec<(&'static str, &'static str)>| {
        let mut form = Form::new().text("csrf", token.clone()).part(
            "file",
            Part::bytes(report.as_bytes().to_vec()).file_name("report.csv"),
        );
        for (k, v) in extra {
            form = form.text(k, v);
        }
        app.client
            .post(format!("{}/campaigns/{id}/imports", app.base))
            .multipart(form)
            .send()
    };
    let html = post(vec![])
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    assert!(
        html.contains("--spread") && html.contains("period-choice"),
        "{html}"
    );
    let html = post(vec![("spread", "true")])
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    assert!(html.contains("data-metric=\"preview-rows\">20<"), "{html}");
    confirm_preview(&app, &id, &token, &html).await;
    assert_eq!(spend(&app, &id).await, "1000.01");
}

/// The same export imported twice under two campaign names doubles the spend; the stored rows by
/// source show both lines, and deleting one (asked, then confirmed on the page; or through the
/// API) brings the spend back, every figure with it.
#[tokio::test]
async fn rows_imported_under_a_second_name_are_seen_and_deleted() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app.campaign(&q4()).await;
        let (status, _) = upload(&app, &id, "", "a.csv", CANONICAL.into(), &[]).await;
        assert_eq!(status, StatusCode::CREATED, "{}", app.backend);
        assert_eq!(spend(&app, &id).await, "1350.30");
        let renamed = CANONICAL.replace(",m1,", ",m1 renamed,");
        // The preview warns before anything is written; LinkedIn's line is stored already.
        let (_, dry) = upload(
            &app,
            &id,
            "?dry_run=true",
            "b.csv",
            renamed.clone().into(),
            &[],
        )
        .await;
        let notes: Vec<&str> = dry["notes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|n| n.contains("already holds"))
            .collect();
        assert_eq!(notes.len(), 1, "{dry}");
        assert!(
            notes[0]
                .starts_with("Meta Ads rows of this file come under \u{201c}m1 renamed\u{201d}")
                && notes[0].contains("under \u{201c}m1\u{201d}: importing adds them"),
            "{}",
            notes[0]
        );
        let (status, _) = upload(&app, &id, "", "b.csv", renamed.into(), &[]).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(spend(&app, &id).await, "2650.60", "doubled");

        let sources = json_of(app.get(&format!("/api/campaigns/{id}/sources")).await).await;
        let lines: Vec<String> = sources["sources"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                format!(
                    "{} {} {} {}",
                    s["platform"], s["external_campaign_id"], s["days"], s["spend"]
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                r#""linkedin" "l1" 1 "50.00""#,
                r#""meta" "m1" 2 "1300.30""#,
                r#""meta" "m1 renamed" 2 "1300.30""#,
            ],
            "{sources}"
        );

        // The page asks first: nothing is deleted until confirmed.
        let path = format!("/campaigns/{id}/imports");
        let (_, html) = crate::support::page(&app, &path).await;
        assert!(html.contains("data-source=\"meta:m1 renamed\""), "{html}");
        let csrf = crate::support::token_in(&html);
        let delete = format!("{path}/sources/delete");
        let ask = [
            ("csrf", csrf.as_str()),
            ("platform", "meta"),
            ("external_campaign_id", "m1 renamed"),
        ];
        let (status, asked) = crate::support::post_form(&app, &delete, &ask).await;
        assert_eq!(status, StatusCode::OK, "{asked}");
        assert!(
            asked.contains("data-section=\"delete-source-confirm\"")
                && asked.contains("Delete the 2 days of Meta Ads rows"),
            "{asked}"
        );
        assert_eq!(spend(&app, &id).await, "2650.60", "only asked");
        let mut confirmed = ask.to_vec();
        confirmed.push(("confirm", "yes"));
        let (status, done) = crate::support::post_form(&app, &delete, &confirmed).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert!(done.contains("Deleted 2 rows of Meta Ads"), "{done}");
        assert!(!done.contains("data-source=\"meta:m1 renamed\""));
        assert_eq!(spend(&app, &id).await, "1350.30");

        // Through the API: an unknown line is refused on its field; a known one is deleted.
        let api = |query: &str| format!("/api/campaigns/{id}/sources?{query}");
        let r = app
            .request(
                &app.client,
                reqwest::Method::DELETE,
                &api("platform=meta&external_campaign_id=nope"),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = app
            .request(
                &app.client,
                reqwest::Method::DELETE,
                &api("platform=linkedin&external_campaign_id=l1"),
                None,
            )
            .await;
        assert_eq!(json_of(r).await["deleted"], 1);
        assert_eq!(spend(&app, &id).await, "1300.30");

        // Each deletion is in the activity log once, saying what went.
        let log = json_of(app.get("/api/audit-log").await).await;
        let deletions: Vec<&Value> = log["entries"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["action"] == "source_rows.delete")
            .collect();
        assert_eq!(deletions.len(), 2, "{log}");
        let what = |e: &Value| {
            let d = &e["details"];
            format!(
                "{} {} {} {}",
                d["platform"], d["external_campaign_id"], d["rows"], d["spend"]
            )
        };
        assert_eq!(what(deletions[0]), r#""linkedin" "l1" 1 "50.00""#);
        assert_eq!(what(deletions[1]), r#""meta" "m1 renamed" 2 "1300.30""#);
        assert_eq!(deletions[1]["target_id"], id.as_str());
    }
}

/// A corrected export over days already stored says what the campaign's spend became, not only
/// the file's total (its updated days held figures already).
#[tokio::test]
async fn a_corrected_export_says_how_the_stored_spend_moved() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app.campaign(&q4()).await;
        let (status, _) = upload(&app, &id, "", "a.csv", CANONICAL.into(), &[]).await;
        assert_eq!(status, StatusCode::CREATED, "{}", app.backend);
        let corrected = "date,platform,campaign,spend\n\
                         2026-11-03,meta,m1,1000.00\n\
                         2026-11-04,meta,m1,10.00\n";
        // The preview says what confirming overwrites: the one stored row of 3 Nov (1,200.20).
        let (status, body) =
            upload(&app, &id, "?dry_run=true", "b.csv", corrected.into(), &[]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            body["notes"].to_string().contains(
                "1 row of this file is already stored (the same day, platform and campaign): \
                 importing replaces them, their spend going from $1,200.20 as stored to \
                 $1,000.00 as in the file"
            ),
            "{body}"
        );
        let (status, body) = upload(&app, &id, "", "b.csv", corrected.into(), &[]).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(
            body["stored_spend_change"],
            serde_json::json!({"through": "2026-11-04", "before": "1350.30", "after": "1160.10"}),
            "{body}"
        );
        assert_eq!(spend(&app, &id).await, "1160.10");
        // A file of new days only replaces nothing, and says nothing more.
        let later = "date,platform,campaign,spend\n2026-11-05,meta,m1,5.00\n";
        let (_, body) = upload(&app, &id, "", "c.csv", later.into(), &[]).await;
        assert_eq!(body.get("stored_spend_change"), None, "{body}");
    }
}

/// A European sheet whose dates nothing decides (all days ≤ 12) is read day first, as its decimal
/// commas say; `date_order` reads it the other way, through the API and the upload page (whose
/// confirmation keeps the choice); a bad value is refused naming the field.
#[tokio::test]
async fn ambiguous_dates_follow_the_file_s_locale_or_the_date_order_given() {
    use crate::support::{page, token_in};
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "dates@a.io").await;
        let id = app.campaign(&q4()).await;
        let eu = b"Date;Campaign;Spend;Impressions;Clicks\n01/11/2026;C;10,50;1;1\n02/11/2026;C;20,00;1;1\n";
        let (status, body) = upload(&app, &id, "?dry_run=true", "eu.csv", eu.to_vec(), &[]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            (body["date_from"].as_str(), body["date_to"].as_str()),
            (Some("2026-11-01"), Some("2026-11-02")),
            "{body}"
        );
        assert!(
            body["notes"]
                .to_string()
                .contains("as the file writes decimal commas"),
            "{body}"
        );
        let (status, body) = upload(
            &app,
            &id,
            "?dry_run=true",
            "eu.csv",
            eu.to_vec(),
            &[("date_order", "month_first")],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["date_from"], "2026-01-11", "{body}");
        let (status, body) = upload(
            &app,
            &id,
            "?dry_run=true",
            "eu.csv",
            eu.to_vec(),
            &[("date_order", "ymd")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["details"][0]["field"], "date_order", "{body}");

        // The page: month first chosen, previewed, confirmed: stored as previewed.
        let (_, html) = page(&app, &format!("/campaigns/{id}/imports")).await;
        assert!(html.contains("name=\"date_order\""), "{html}");
        let token = token_in(&html);
        let form = Form::new()
            .text("csrf", token.clone())
            .text("date_order", "month_first")
            .part("file", Part::bytes(eu.to_vec()).file_name("eu.csv"));
        let html = app
            .client
            .post(format!("{}/campaigns/{id}/imports", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .text()
            .await
            .unwrap_or_default();
        assert!(html.contains("11 Jan 2026"), "{html}");
        confirm_preview(&app, &id, &token, &html).await;
        let sources = json_of(app.get(&format!("/api/campaigns/{id}/sources")).await).await;
        assert_eq!(
            sources["sources"][0]["first_date"], "2026-01-11",
            "{sources}"
        );
    }
}

/// A row of empty cells only (`,,,,` as spreadsheets write below the data) is skipped like a blank
/// line; a file with no row below its header is refused as nothing to import (it answered
/// "0 rows" and recorded an import of nothing).
#[tokio::test]
async fn separator_only_rows_are_skipped_and_a_header_alone_is_nothing_to_import() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "empty@a.io").await;
        let id = app.campaign(&q4()).await;
        let head = "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue\n";
        let trailing = format!("{head}2026-11-05,meta,T,5.00,1,0,0,0,,\n,,,,,,,,,\n,,,,,,,,,\n");
        let (status, body) = upload(&app, &id, "", "t.csv", trailing.into_bytes(), &[]).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["rows"], 1, "{body}");
        let (status, body) = upload(&app, &id, "", "h.csv", head.as_bytes().to_vec(), &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body.to_string()
                .contains("nothing to import: the file holds no rows below its header"),
            "{body}"
        );
    }
}
