//! The pages over plain HTTP (no browser): CSRF, organisation scoping, field messages, the
//! import preview and confirmation, cached assets.
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::support::{
    TestApp, database_urls, json_of, new_client, page, post_form, q4, sqlite_database, token_in,
};

#[tokio::test]
async fn forms_without_their_token_are_refused() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "eve@example.com").await;
        for (path, form) in [
            ("/campaigns", vec![("name", "x"), ("csrf", "deadbeef")]),
            ("/signout", vec![("csrf", "")]),
        ] {
            let r = app
                .client
                .post(format!("{}{path}", app.base))
                .form(&form)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path} {}", app.backend);
        }
        let list = app.get("/api/campaigns").await;
        assert_eq!(list.status(), StatusCode::OK, "still signed in");
        assert_eq!(json_of(list).await, json!([]));
        // Another session's token does not work either.
        let other = new_client();
        app.register(&other, "mallory@example.com").await;
        let foreign = other
            .get(format!("{}/campaigns/new", app.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .text()
            .await
            .unwrap_or_default();
        let r = app
            .client
            .post(format!("{}/campaigns", app.base))
            .form(&[("name", "x"), ("csrf", token_in(&foreign).as_str())])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn sign_in_needs_the_pre_session_token_and_sends_back() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&new_client(), "ana@example.com").await;
        let browser = new_client();
        let signin = browser
            .get(format!("{}/signin?next=/campaigns/new", app.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .text()
            .await
            .unwrap_or_default();
        let token = token_in(&signin);
        let no_redirect = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        // Without the pre-session cookie the token is refused.
        let r = no_redirect
            .post(format!("{}/signin", app.base))
            .form(&[
                ("csrf", token.as_str()),
                ("email", "ana@example.com"),
                ("password", "correct horse battery"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let wrong = browser
            .post(format!("{}/signin", app.base))
            .form(&[
                ("csrf", token.as_str()),
                ("email", "ana@example.com"),
                ("password", "wrong password!"),
                ("next", "/campaigns/new"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = wrong.text().await.unwrap_or_default();
        assert!(html.contains("id=\"password-error\""), "{html}");
        assert!(
            html.contains("value=\"ana@example.com\""),
            "the e-mail is kept"
        );
        let ok = browser
            .post(format!("{}/signin", app.base))
            .form(&[
                ("csrf", token.as_str()),
                ("email", "ana@example.com"),
                ("password", "correct horse battery"),
                ("next", "/campaigns/new"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(
            ok.url().path(),
            "/campaigns/new",
            "back where the visitor wanted to go"
        );
    }
}

#[tokio::test]
async fn campaign_form_problems_show_beside_their_fields() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ana@example.com").await;
        let (_, html) = page(&app, "/campaigns/new").await;
        let token = token_in(&html);
        let r = app
            .client
            .post(format!("{}/campaigns", app.base))
            .form(&[
                ("csrf", token.as_str()),
                ("name", ""),
                ("budget", "15,00"),
                ("start_date", "2026-12-01"),
                ("end_date", "2026-11-01"),
                ("currency", "dollars"),
                ("time_zone", "UTC"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap_or_default();
        for field in ["name", "budget", "currency", "end_date"] {
            assert!(html.contains(&format!("id=\"{field}-error\"")), "{field}");
        }
        assert!(html.contains("value=\"15,00\""), "typed values are kept");
        assert_eq!(json_of(app.get("/api/campaigns").await).await, json!([]));
        // Valid, with a grouped budget: stored, then on to the imports page.
        let r = app
            .client
            .post(format!("{}/campaigns", app.base))
            .form(&[
                ("csrf", token.as_str()),
                ("name", "Q4"),
                ("budget", "1,234,567.50"),
                ("currency", "eur"),
                ("time_zone", "UTC"),
                ("ga4_average_order_value", "95"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.url().path().ends_with("/imports"));
        let created = r.text().await.unwrap_or_default();
        assert!(created.contains("Campaign Q4 created."), "{created}");
        let list = json_of(app.get("/api/campaigns").await).await;
        assert_eq!(list[0]["budget"], "1234567.50");
        assert_eq!(list[0]["currency"], "EUR");
        let id = list[0]["id"].as_str().unwrap_or_default().to_owned();
        let settings = json_of(app.get(&format!("/api/campaigns/{id}/settings")).await).await;
        assert_eq!(settings["ga4_average_order_value"], "95.00");
        // The edit form shows the budget grouped, in the campaign currency.
        let (_, edit) = page(&app, &format!("/campaigns/{id}/edit")).await;
        assert!(edit.contains("value=\"1,234,567.50\""));
        assert!(
            edit.contains(&format!(
                "<a href=\"/campaigns\">Campaigns</a> / <a href=\"/campaigns/{id}\">Q4</a> /"
            )),
            "{edit}"
        );
        // Saved: back on the campaign's page, which says so.
        let (status, saved) = post_form(
            &app,
            &format!("/campaigns/{id}/edit"),
            &[
                ("csrf", token.as_str()),
                ("name", "Q4"),
                ("budget", "1,234,567.50"),
                ("currency", "EUR"),
                ("time_zone", "UTC"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert!(saved.contains("Campaign saved."), "{saved}");
        let (_, list_page) = page(&app, "/campaigns").await;
        assert!(list_page.contains("€1,234,567.50"));
    }
}

/// `GET base + path` with `client`: the status and the body.
async fn fetch(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let r = client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (r.status(), r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn another_organisations_campaign_is_a_404_page() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "owner@example.com").await;
        let id = app.campaign(&q4()).await;
        let intruder = new_client();
        app.register(&intruder, "intruder@example.com").await;
        // A signed-in visitor's refusal keeps the visitor's frame: navigation and "Sign out",
        // no "Sign in" that would read as a lost session.
        let framed = |html: &str| {
            html.contains("aria-label=\"Main\"")
                && html.contains("Sign out")
                && !html.contains("href=\"/signin\"")
        };
        for path in ["", "/edit", "/imports"] {
            let (status, html) =
                fetch(&intruder, format!("{}/campaigns/{id}{path}", app.base)).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert!(!html.contains("Q4 Lead Gen"));
            assert!(framed(&html), "{path}: {html}");
        }
        // A path no route takes: the not-found page in the same frame; under /api/ the JSON 404.
        let (status, html) = fetch(&app.client, format!("{}/campaign/typo", app.base)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(
            html.contains("There is no such page") && framed(&html),
            "{html}"
        );
        let (status, text) = fetch(&app.client, format!("{}/api/campaign/typo", app.base)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(body["error"]["code"], "not_found", "{body}");
        assert_eq!(body["error"]["message"], "API endpoint not found", "{body}");
        // A bad query on the visitor's own campaign: the same frame.
        let (status, html) = fetch(
            &app.client,
            format!("{}/campaigns/{id}?to=2026-11-10", app.base),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(framed(&html), "{html}");
        // Signed out: the not-found page offers to sign in; a campaign goes to the sign-in page.
        let anonymous = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let (status, html) = fetch(&anonymous, format!("{}/campaign/typo", app.base)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(
            html.contains("There is no such page") && html.contains("href=\"/signin\""),
            "{html}"
        );
        let r = anonymous
            .get(format!("{}/campaigns/{id}", app.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(
            r.headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|l| l.starts_with("/signin?next=%2Fcampaigns%2F")
                    || l.starts_with("/signin?next=/campaigns/"))
        );
    }
}

#[tokio::test]
async fn an_upload_is_previewed_then_confirmed_once() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ana@example.com").await;
        let id = app.campaign(&q4()).await;
        let (_, html) = page(&app, &format!("/campaigns/{id}/imports")).await;
        let token = token_in(&html);
        let csv = "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue\n2026-11-02,meta,m1,1100.10,1000,0,20,1.5,,\n";
        let form = Form::new()
            .text("csrf", token.clone())
            .part(
                "file",
                Part::bytes(csv.as_bytes().to_vec()).file_name("meta.csv"),
            )
            .text("source", "")
            .text("rate", "");
        let r = app
            .client
            .post(format!("{}/campaigns/{id}/imports", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK);
        let preview = r.text().await.unwrap_or_default();
        assert!(preview.contains("$1,100.10"), "{preview}");
        let pending = preview
            .split("name=\"pending\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_default()
            .to_owned();
        let spend = |v: serde_json::Value| v["totals"]["spend"].clone();
        let analysis = format!("/api/campaigns/{id}/financial-analysis?as_of=2026-11-21");
        assert_eq!(spend(json_of(app.get(&analysis).await).await), "0.00");
        let confirm = |pending: String| {
            let token = token.clone();
            let app = &app;
            let id = id.clone();
            async move {
                app.client
                    .post(format!("{}/campaigns/{id}/imports/confirm", app.base))
                    .form(&[("csrf", token.as_str()), ("pending", pending.as_str())])
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        let r = confirm(pending.clone()).await;
        assert_eq!(r.status(), StatusCode::OK);
        let done = r.text().await.unwrap_or_default();
        assert!(
            done.contains("Imported 1 row from meta.csv ($1,100.10 spend over 1 day): 1 new, 0 updated, 0 unchanged."),
            "{done}"
        );
        assert_eq!(spend(json_of(app.get(&analysis).await).await), "1100.10");
        // The same preview cannot be confirmed twice.
        let again = confirm(pending).await;
        assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // The same file uploaded again changes nothing, and the page says so.
        let form = Form::new()
            .text("csrf", token.clone())
            .part(
                "file",
                Part::bytes(csv.as_bytes().to_vec()).file_name("meta.csv"),
            )
            .text("source", "")
            .text("rate", "");
        let preview = app
            .client
            .post(format!("{}/campaigns/{id}/imports", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .text()
            .await
            .unwrap_or_default();
        let pending = preview
            .split("name=\"pending\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_default()
            .to_owned();
        let done = confirm(pending).await.text().await.unwrap_or_default();
        assert!(
            done.contains("Nothing changed (1 row unchanged): meta.csv ($1,100.10 spend over 1 day) is already stored as it is."),
            "{done}"
        );
        assert_eq!(spend(json_of(app.get(&analysis).await).await), "1100.10");
        // A bad file: its problem beside the file field, nothing stored.
        let form = Form::new().text("csrf", token.clone()).part(
            "file",
            Part::bytes(b"date,platform,campaign,spend\n2026-11-02,meta,m1,abc\n".to_vec())
                .file_name("bad.csv"),
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
        assert!(html.contains("id=\"file-error\""), "{html}");
        assert!(html.contains("bad.csv"), "the problem names the file");
        // A PDF's figures confirmed through the form become one row, like POST /metrics.
        let r = app
            .client
            .post(format!("{}/campaigns/{id}/imports/pdf", app.base))
            .form(&[
                ("csrf", token.as_str()),
                ("file", "report.pdf"),
                ("date", "2026-11-05"),
                ("platform", "custom_integration"),
                ("spend", "900"),
                ("impressions", "30,000"),
                ("clicks", "700"),
                ("conversions", "20"),
                ("currency", ""),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(spend(json_of(app.get(&analysis).await).await), "2000.10");
        let r = app
            .client
            .post(format!("{}/campaigns/{id}/imports/pdf", app.base))
            .form(&[
                ("csrf", token.as_str()),
                ("file", "report.pdf"),
                ("date", "5 Nov"),
                ("platform", "custom_integration"),
                ("spend", "-1"),
                ("clicks", "many"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap_or_default();
        for field in ["date", "spend", "clicks"] {
            assert!(
                html.contains(&format!("id=\"{field}-error\"")),
                "{field}: {html}"
            );
        }
    }
}

#[tokio::test]
async fn the_analysis_page_answers_each_tab_and_refuses_unknown_ones() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ana@example.com").await;
        let id = app.campaign(&q4()).await;
        for tab in [
            "overview",
            "roi-roas",
            "cost-analysis",
            "budget-allocation",
            "insights",
        ] {
            let (status, html) = page(&app, &format!("/campaigns/{id}?tab={tab}")).await;
            assert_eq!(status, StatusCode::OK, "{tab}");
            assert!(html.contains(&format!("data-tab=\"{tab}\"")), "{tab}");
            assert!(html.contains("aria-selected=\"true\""));
            assert!(
                html.contains("Conversion Value Not Configured"),
                "no value set yet"
            );
        }
        let (status, _) = page(&app, &format!("/campaigns/{id}?tab=nope")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = page(&app, &format!("/campaigns/{id}?compare=2d")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn assets_are_versioned_and_cached() {
    let url = sqlite_database();
    let app = TestApp::spawn(&url).await;
    let (_, html) = page(&app, "/signin").await;
    let css = html
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned();
    assert!(
        css.starts_with("/static/app.") && css.ends_with(".css"),
        "{css}"
    );
    let r = app.get(&css).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("immutable"))
    );
    assert_eq!(
        app.get("/static/other.css").await.status(),
        StatusCode::NOT_FOUND
    );
}
