//! Tenant isolation: every campaign route, table-driven.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, demo, json_of, new_client, q4, sqlite_database};

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

/// A method a route does not take is a 405 naming the methods it does (the `Allow` header),
/// before any credentials are read: not a 403 with an error logged, which an anonymous client
/// could repeat to fill the log. A page answers the same status.
#[tokio::test]
async fn a_method_a_route_does_not_take_is_405() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let anonymous = reqwest::Client::new();
        for (method, path, allow) in [
            (Method::DELETE, "/api/mmm/some-run", "GET"),
            (Method::PUT, "/api/mmm", "GET, POST"),
            (Method::PATCH, "/api/mmm/some-run/run-again", "POST"),
        ] {
            let r = app.request(&anonymous, method.clone(), path, None).await;
            assert_eq!(
                r.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            let allowed = r
                .headers()
                .get(reqwest::header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let mut got: Vec<&str> = allowed.split(", ").collect();
            got.sort_unstable();
            assert_eq!(got.join(", "), allow, "{method} {path}");
            let body = json_of(r).await;
            assert_eq!(body["error"]["code"], "method_not_allowed", "{body}");
        }
        let r = app.request(&anonymous, Method::PUT, "/mmm", None).await;
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        // A method the route takes still needs credentials.
        let r = app.request(&anonymous, Method::GET, "/api/mmm", None).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
}

/// A body the server refuses before any handler reads it (not JSON, the wrong content type) is
/// answered in the API's JSON envelope like every other refusal, not in plain text.
#[tokio::test]
async fn a_body_refused_before_its_handler_is_answered_in_the_envelope() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    demo(&app).await;
    for (content_type, body, status, code) in [
        (
            "application/json",
            "{\"draws\":}",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "text/csv",
            "a,b",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
    ] {
        let r = app
            .client
            .post(format!("{}/api/mmm", app.base))
            .header("content-type", content_type)
            .header("origin", app.base.clone())
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), status, "{content_type}");
        let got = json_of(r).await;
        assert_eq!(got["error"]["code"], code, "{got}");
        assert!(
            !got["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{got}"
        );
    }
}

/// A query parameter given twice is refused naming it, not read as its last value: a dry run
/// with `dry_run=false` after it stays a refusal and writes nothing; the analysis is not
/// answered for the second of two days.
#[tokio::test]
async fn a_query_parameter_given_twice_is_refused() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    let campaigns = demo(&app).await;
    let id = crate::support::id_named(&campaigns, "Q4 Lead Gen (B2B)");
    let spend = |a: Value| a["totals"]["spend"].clone();
    let analysis = format!("/api/campaigns/{id}/financial-analysis");
    let before = spend(json_of(app.get(&analysis).await).await);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(
            b"date,platform,campaign,spend\n2026-11-02,meta,m1,1.00\n".to_vec(),
        )
        .file_name("twice.csv"),
    );
    let r = app
        .client
        .post(format!(
            "{}/api/campaigns/{id}/imports?dry_run=true&dry_run=false",
            app.base
        ))
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let got = json_of(r).await;
    assert!(
        got["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("dry_run: given more than once"),
        "{got}"
    );
    let after = spend(json_of(app.get(&analysis).await).await);
    assert_eq!(before, after, "nothing imported");
    let r = app
        .get(&format!(
            "/api/campaigns/{id}/financial-analysis?as_of=2026-11-01&as_of=2026-12-01"
        ))
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Given once, each is answered.
    let r = app
        .get(&format!(
            "/api/campaigns/{id}/financial-analysis?as_of=2026-11-01"
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

/// A JSON body naming a key twice in one object is refused naming the key and where it is, not
/// read as its last value; the campaign is left as it was.
#[tokio::test]
async fn a_json_key_given_twice_is_refused() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    let campaigns = demo(&app).await;
    let id = crate::support::id_named(&campaigns, "Q4 Lead Gen (B2B)");
    let r = app
        .client
        .patch(format!("{}/api/campaigns/{id}", app.base))
        .header("content-type", "application/json")
        .header("origin", app.base.clone())
        .body(r#"{"name": "dup", "name": "dup2"}"#)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let got = json_of(r).await;
    let detail = &got["error"]["details"][0];
    assert_eq!(detail["field"], "body", "{got}");
    let message = detail["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("the key \"name\" is given twice") && message.contains("line 1"),
        "{got}"
    );
    let campaign = json_of(app.get(&format!("/api/campaigns/{id}")).await).await;
    assert_eq!(campaign["name"], "Q4 Lead Gen (B2B)");
}
