//! Share links through the real server: a token opens one campaign's analysis, every tab,
//! without signing in, and nothing else; revoked or expired it is a 404; another organisation
//! can neither make, list nor revoke one.
use chrono::TimeDelta;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, json_of, new_client, now, page, token_in};

/// Every `href`, `src` and `action` value of a page.
fn targets(html: &str) -> Vec<String> {
    ["href=\"", "src=\"", "action=\""]
        .iter()
        .flat_map(|attr| {
            html.split(attr)
                .skip(1)
                .filter_map(|rest| rest.split('"').next())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The shared page as a visitor without any cookie sees it: status, headers checked, body.
async fn visit(app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = new_client()
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = r.status();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("cache-control"), "no-store", "{path}");
    assert_eq!(header("x-robots-tag"), "noindex", "{path}");
    assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
    (status, r.text().await.unwrap_or_default())
}

fn path_of(url: &str) -> String {
    url.find("/share/")
        .map(|i| url[i..].to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_share_link_opens_one_campaign_read_only_and_nothing_else() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "owner@example.com").await;
        let id = app.campaign(&crate::support::q4()).await;
        let rows: Vec<Value> = (1..=14)
            .map(|d| {
                json!({"date": format!("2026-11-{d:02}"), "platform": "meta", "spend": "120",
                "revenue": "300", "conversions": 3, "impressions": 2000, "clicks": 60})
            })
            .collect();
        app.post(
            &format!("/api/campaigns/{id}/metrics"),
            &json!({"rows": rows}),
        )
        .await;
        app.campaign(&json!({"name": "Hidden sibling", "currency": "USD", "time_zone": "UTC"}))
            .await;

        let r = app
            .post(&format!("/api/campaigns/{id}/share-links"), &json!({}))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let created = json_of(r).await;
        assert_eq!(created["expires_on"], Value::Null);
        let link = path_of(created["url"].as_str().unwrap_or_default());
        let token = link.trim_start_matches("/share/").to_owned();
        assert!(token.starts_with("sh_") && token.len() == 67, "{created}");

        for tab in [
            "overview",
            "roi-roas",
            "cost-analysis",
            "budget-allocation",
            "insights",
        ] {
            let (status, html) = visit(&app, &format!("{link}?tab={tab}")).await;
            assert_eq!(status, StatusCode::OK, "{}: {tab}", app.backend);
            assert!(html.contains("Q4 Lead Gen"), "{tab}");
            assert!(html.contains(&format!("data-tab=\"{tab}\"")), "{tab}");
            assert!(
                !html.contains("Hidden sibling"),
                "{tab}: another campaign shows"
            );
            assert!(
                !html.contains("owner@example.com") && !html.contains("Org of"),
                "{tab}"
            );
            assert!(!html.contains("<form"), "{tab}: a form");
            assert!(!html.contains("<script"), "{tab}: a script");
            for target in targets(&html) {
                assert!(
                    target.starts_with("?tab=") || target.starts_with("/static/app."),
                    "{}: {tab} leads to {target}",
                    app.backend
                );
            }
        }
        let (_, overview) = visit(&app, &link).await;
        assert!(
            overview.contains("data-metric=\"total-spend\">$1,680.00<"),
            "{overview}"
        );
        let (status, _) = visit(&app, &format!("{link}?tab=admin")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Listed without its token.
        let listed = app
            .get(&format!("/api/campaigns/{id}/share-links"))
            .await
            .text()
            .await
            .unwrap_or_default();
        assert!(
            !listed.contains(&token) && listed.contains("\"active\":true"),
            "{listed}"
        );

        // The campaign's page lists it with a revoke button; its form makes another.
        let (status, html) = page(&app, &format!("/campaigns/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("data-section=\"share-links\""), "{html}");
        let csrf = token_in(&html);
        let r = app
            .client
            .post(format!("{}/campaigns/{id}/share-links", app.base))
            .form(&[("csrf", csrf.as_str()), ("expires_on", "")])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK);
        let made = r.text().await.unwrap_or_default();
        let shown = made
            .split("data-metric=\"share-url\"")
            .next()
            .and_then(|head| head.rsplit("value=\"").next())
            .and_then(|v| v.split('"').next())
            .unwrap_or_default()
            .to_owned();
        let (status, _) = visit(&app, &path_of(&shown)).await;
        assert_eq!(status, StatusCode::OK, "the page's link opens: {shown}");

        // Revoked, it is a 404 at once.
        let link_id = created["id"].as_str().unwrap_or_default();
        let r = app
            .request(
                &app.client,
                Method::DELETE,
                &format!("/api/campaigns/{id}/share-links/{link_id}"),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let (status, html) = visit(&app, &link).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", app.backend);
        assert!(!html.contains("Q4 Lead Gen"));
        let r = app
            .request(
                &app.client,
                Method::DELETE,
                &format!("/api/campaigns/{id}/share-links/{link_id}"),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "revoked once");
        for bad in [
            "/share/nope",
            &format!("/share/sh_{}", "0".repeat(64)),
            &format!("/share/{}", token.to_uppercase()),
        ] {
            let (status, _) = visit(&app, bad).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        }
    }
}

#[tokio::test]
async fn a_link_opens_through_its_last_day_and_only_for_its_organisation() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "owner@example.com").await;
        let id = app.campaign(&crate::support::q4()).await;
        let yesterday = (now() - TimeDelta::days(1)).date_naive().to_string();
        let today = now().date_naive().to_string();
        let r = app
            .post(
                &format!("/api/campaigns/{id}/share-links"),
                &json!({"expires_on": yesterday}),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );
        let r = app
            .post(
                &format!("/api/campaigns/{id}/share-links"),
                &json!({"expires_on": "soon"}),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );
        let r = app
            .post(
                &format!("/api/campaigns/{id}/share-links"),
                &json!({"expires_on": today}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let link = path_of(json_of(r).await["url"].as_str().unwrap_or_default());
        let (status, _) = visit(&app, &link).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{}: opens on its last day",
            app.backend
        );
        let tomorrow = TestApp::spawn_at(&url, now() + TimeDelta::days(1), |_| {}).await;
        let (status, html) = visit(&tomorrow, &link).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{}: expired the day after",
            app.backend
        );
        assert!(!html.contains("Q4 Lead Gen"));

        let other = new_client();
        app.register(&other, "stranger@example.com").await;
        for (method, path) in [
            (Method::POST, format!("/api/campaigns/{id}/share-links")),
            (Method::GET, format!("/api/campaigns/{id}/share-links")),
            (Method::DELETE, format!("/api/campaigns/{id}/share-links/x")),
        ] {
            let body = (method == Method::POST).then(|| json!({}));
            let r = app
                .request(&other, method.clone(), &path, body.as_ref())
                .await;
            assert_eq!(
                r.status(),
                StatusCode::NOT_FOUND,
                "{}: {method} {path}",
                app.backend
            );
        }
        let r = app
            .request(
                &app.client,
                Method::POST,
                "/api/campaigns/nope/share-links",
                Some(&json!({})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = new_client()
            .post(format!("{}/api/campaigns/{id}/share-links", app.base))
            .json(&json!({}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            r.status(),
            StatusCode::UNAUTHORIZED,
            "signing in is needed to make one"
        );
    }
}
