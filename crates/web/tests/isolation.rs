//! Tenant isolation: every campaign route, table-driven.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, json_of, new_client, q4, sqlite_database};

/// Every campaign-scoped route: method, path (with `{id}`), body.
fn routes() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/api/campaigns/{id}", None),
        (
            Method::PATCH,
            "/api/campaigns/{id}",
            Some(json!({"name": "stolen"})),
        ),
        (Method::DELETE, "/api/campaigns/{id}", None),
        (Method::GET, "/api/campaigns/{id}/settings", None),
        (
            Method::PUT,
            "/api/campaigns/{id}/settings",
            Some(json!({"linkedin_conversion_value": "1"})),
        ),
        (
            Method::POST,
            "/api/campaigns/{id}/metrics",
            Some(json!({"rows": [{"date": "2026-11-02", "platform": "meta", "spend": "1"}]})),
        ),
        (
            Method::POST,
            "/api/campaigns/{id}/imports",
            Some(json!({"file": "date,platform"})),
        ),
        (
            Method::POST,
            "/api/campaigns/{id}/imports?dry_run=true",
            None,
        ),
        (Method::GET, "/api/campaigns/{id}/financial-analysis", None),
        (
            Method::GET,
            "/api/campaigns/{id}/financial-analysis?as_of=2026-11-21&compare=30d",
            None,
        ),
        (Method::GET, "/api/campaigns/{id}/snapshots", None),
        (Method::GET, "/api/campaigns/{id}/channels", None),
        (
            Method::GET,
            "/api/campaigns/{id}/channels?from=2026-11-01&to=2026-11-30",
            None,
        ),
        (
            Method::GET,
            "/api/campaigns/{id}/snapshots?date=2026-11-14",
            None,
        ),
        (Method::GET, "/api/linkedin/metrics/{id}", None),
        (Method::GET, "/api/custom-integration/{id}", None),
        (Method::GET, "/api/meta/{id}/analytics", None),
        (Method::GET, "/api/campaigns/{id}/ga4-metrics", None),
        (Method::GET, "/api/campaigns/{id}/google-sheets-data", None),
    ]
}

#[tokio::test]
async fn another_organisations_campaign_is_404_on_every_route() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "owner@a.io").await;
        let id = app.campaign(&q4()).await;
        let rows = json!({"rows": [{"date": "2026-11-02", "platform": "meta", "spend": "100", "clicks": 5},
                                   {"date": "2026-11-02", "platform": "linkedin", "spend": "50"}]});
        assert_eq!(
            app.post(&format!("/api/campaigns/{id}/metrics"), &rows)
                .await
                .status(),
            StatusCode::OK
        );

        let intruder = new_client();
        app.register(&intruder, "intruder@b.io").await;
        for (method, template, body) in routes() {
            let path = template.replace("{id}", &id);
            let r = app
                .request(&intruder, method.clone(), &path, body.as_ref())
                .await;
            let status = r.status();
            let text = r.text().await.unwrap_or_default();
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{} {method} {path}: {text}",
                app.backend
            );
            assert!(
                !text.contains("100.00") && !text.contains("Q4"),
                "{method} {path} leaked data: {text}"
            );
        }
        // Nothing the intruder did changed the owner's campaign.
        let mine = json_of(app.get(&format!("/api/campaigns/{id}")).await).await;
        assert_eq!(mine["name"], "Q4 Lead Gen");
        let analysis = json_of(
            app.get(&format!(
                "/api/campaigns/{id}/financial-analysis?as_of=2026-11-21"
            ))
            .await,
        )
        .await;
        assert_eq!(analysis["totals"]["spend"], "150.00", "{}", app.backend);
        // An unknown id is the same 404 as another organisation's.
        let r = app
            .get("/api/campaigns/00000000-0000-0000-0000-000000000000")
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(json_of(r).await["error"]["code"], "not_found");
    }
}

#[tokio::test]
async fn unauthenticated_requests_are_401_on_every_route() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    app.register(&app.client, "owner@a.io").await;
    let id = app.campaign(&q4()).await;
    let anonymous = reqwest::Client::new();
    let mut all = routes();
    all.push((Method::GET, "/api/campaigns", None));
    all.push((Method::POST, "/api/campaigns", Some(q4())));
    all.push((Method::POST, "/api/tokens", Some(json!({"name": "x"}))));
    for (method, template, body) in all {
        let path = template.replace("{id}", &id);
        let r = app
            .request(&anonymous, method.clone(), &path, body.as_ref())
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(json_of(r).await["error"]["code"], "unauthorized");
    }
}
