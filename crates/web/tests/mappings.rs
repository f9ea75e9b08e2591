//! Column mappings (issue 14 item 5) through the real server on each backend: a file whose
//! headers spendlens does not know is refused, its columns listed, read with `map`, the mapping
//! saved and reused on the next file of the same layout; the upload page's mapping form from
//! refusal to confirmation. Saved mappings are scoped to the organisation.
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::support::{
    TestApp, database_urls, json_of, metric, new_client, page, post_form, q4, sqlite_database,
    token_in,
};

/// A Polish Google Ads report: headers spendlens does not know, decimal commas, `.` thousands.
/// By hand: spend 1,234.56 + 7.05 = 1,241.61; impressions 12,345 + 100 = 12,445; clicks 324.
const POLISH: &str = "Raport kampanii\n\
Dzień,Kampania,Kod waluty,Koszt,Wyśw.,Kliknięcia\n\
2026-11-02,Jesień,USD,\"1.234,56\",12.345,321\n\
2026-11-03,Jesień,USD,\"7,05\",100,3\n";

/// The next week's file, laid out alike: 10.00 more.
const POLISH_NEXT: &str = "Raport kampanii\n\
Dzień,Kampania,Kod waluty,Koszt,Wyśw.,Kliknięcia\n\
2026-11-04,Jesień,USD,\"10,00\",1.000,5\n";

const MAP: &str = "date=Dzień,campaign=Kampania,currency=Kod waluty,spend=Koszt,impressions=Wyśw.,clicks=Kliknięcia";

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    bytes: &str,
    fields: &[(&'static str, &'static str)],
) -> (StatusCode, Value) {
    let mut form = Form::new().part(
        "file",
        Part::bytes(bytes.as_bytes().to_vec()).file_name("raport.csv"),
    );
    for (k, v) in fields {
        form = form.text(*k, *v);
    }
    let r = client
        .post(format!("{}{path}", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = r.status();
    (status, json_of(r).await)
}

async fn totals(app: &TestApp, id: &str) -> Value {
    json_of(
        app.get(&format!(
            "/api/campaigns/{id}/financial-analysis?as_of=2026-11-21"
        ))
        .await,
    )
    .await["totals"]
        .clone()
}

fn problems(body: &Value) -> String {
    body.to_string()
}

#[tokio::test]
async fn a_mapped_file_imports_and_its_saved_mapping_reads_the_next_one() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app.campaign(&q4()).await;
        let imports = format!("/api/campaigns/{id}/imports");

        let (status, body) = upload(&app, &app.client, &imports, POLISH, &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url:?}: {body}");
        assert!(problems(&body).contains("column mapping"), "{body}");

        let (status, cols) = upload(
            &app,
            &app.client,
            &format!("{imports}/columns"),
            POLISH,
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{cols}");
        assert_eq!(cols["header_row"], 2);
        assert_eq!(cols["columns"][3]["letter"], "D");
        assert_eq!(cols["columns"][3]["header"], "Koszt");
        assert_eq!(cols["columns"][3]["samples"][0], "1.234,56");

        // A wrong field name and a save without a mapping are the fields' problems.
        let (status, body) = upload(
            &app,
            &app.client,
            &imports,
            POLISH,
            &[("map", "cost=Koszt")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["details"][0]["field"], "map", "{body}");
        let (status, body) =
            upload(&app, &app.client, &imports, POLISH, &[("save_map", "true")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["details"][0]["field"], "save_map", "{body}");

        let (status, body) = upload(
            &app,
            &app.client,
            &imports,
            POLISH,
            &[("map", MAP), ("save_map", "true")],
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{url:?}: {body}");
        assert_eq!(body["totals"]["spend"], "1241.61", "{body}");
        assert_eq!(body["totals"]["impressions"], 12_445);
        assert_eq!(body["totals"]["clicks"], 324);
        let t = totals(&app, &id).await;
        assert_eq!(t["spend"], "1241.61", "{t}");

        let saved = json_of(
            app.get(&format!("/api/campaigns/{id}/column-mappings"))
                .await,
        )
        .await;
        assert_eq!(
            saved["mappings"].as_array().map(Vec::len),
            Some(1),
            "{saved}"
        );
        assert_eq!(saved["mappings"][0]["mapping"], MAP);

        // The next file of the same layout reads without a mapping, and says how.
        let (status, body) = upload(&app, &app.client, &imports, POLISH_NEXT, &[]).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert!(
            body["notes"][0]
                .as_str()
                .is_some_and(|n| n.contains("column mapping saved for this campaign")),
            "{body}"
        );
        assert_eq!(totals(&app, &id).await["spend"], "1251.61");

        // Another organisation sees none of it.
        let other = new_client();
        app.register(&other, "b@b.io").await;
        let r = other
            .get(format!("{}/api/campaigns/{id}/column-mappings", app.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let mapping_id = saved["mappings"][0]["id"].as_str().unwrap_or_default();
        let r = other
            .delete(format!(
                "{}/api/campaigns/{id}/column-mappings/{mapping_id}",
                app.base
            ))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let (status, _) = upload(&app, &other, &format!("{imports}/columns"), POLISH, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Deleted, the mapping is no longer tried.
        let r = app
            .client
            .delete(format!(
                "{}/api/campaigns/{id}/column-mappings/{mapping_id}",
                app.base
            ))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let (status, _) = upload(&app, &app.client, &imports, POLISH_NEXT, &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// The page: the refusal comes with the file's columns and a choice per field; the chosen
/// columns give a preview naming the mapping; the confirmation stores it and saves the mapping.
#[tokio::test]
async fn the_upload_page_maps_columns_then_previews_then_saves() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    app.register(&app.client, "a@a.io").await;
    let id = app.campaign(&q4()).await;
    let (_, html) = page(&app, &format!("/campaigns/{id}/imports")).await;
    assert!(html.contains("data-section=\"column-map\""), "{html}");
    let csrf = token_in(&html);
    let form = Form::new().text("csrf", csrf.clone()).part(
        "file",
        Part::bytes(POLISH.as_bytes().to_vec()).file_name("raport.csv"),
    );
    let r = app
        .client
        .post(format!("{}/campaigns/{id}/imports", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap_or_default();
    assert!(html.contains("data-section=\"column-mapping\""), "{html}");
    assert!(
        html.contains("D · Koszt") && html.contains("1.234,56"),
        "{html}"
    );
    let pending = html
        .split("name=\"pending\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned();
    assert!(!pending.is_empty(), "{html}");

    // Nothing chosen: the form again, with its message.
    let path = format!("/campaigns/{id}/imports/map");
    let (status, html) = post_form(
        &app,
        &path,
        &[("csrf", csrf.as_str()), ("pending", pending.as_str())],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("at least the date and the spend"), "{html}");
    let pending = html
        .split("name=\"pending\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned();

    let (status, html) = post_form(
        &app,
        &path,
        &[
            ("csrf", csrf.as_str()),
            ("pending", pending.as_str()),
            ("date", "A"),
            ("campaign", "B"),
            ("currency", "C"),
            ("spend", "D"),
            ("impressions", "E"),
            ("clicks", "F"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(metric(&html, "preview-spend"), "$1,241.61", "{html}");
    assert_eq!(
        metric(&html, "preview-mapping"),
        "date=A,campaign=B,spend=D,impressions=E,clicks=F,currency=C"
    );
    let pending = html
        .split("name=\"pending\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let (status, html) = post_form(
        &app,
        &format!("/campaigns/{id}/imports/confirm"),
        &[
            ("csrf", csrf.as_str()),
            ("pending", pending.as_str()),
            ("save_map", "true"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Imported 2 rows"), "{html}");
    assert_eq!(totals(&app, &id).await["spend"], "1241.61");
    let saved = json_of(
        app.get(&format!("/api/campaigns/{id}/column-mappings"))
            .await,
    )
    .await;
    assert_eq!(
        saved["mappings"][0]["mapping"],
        "date=A,campaign=B,spend=D,impressions=E,clicks=F,currency=C"
    );
}
