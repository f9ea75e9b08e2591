//! What the server exposes to a browser and to the network (issue 13): the security headers,
//! `/metrics` off the public listener, the same-origin rule of cookie-authenticated API writes,
//! sign-in's `next` kept on this site, and previewed uploads stored so that any instance takes
//! the confirmation, with a quota per organisation.
use std::sync::Arc;

use reqwest::multipart::{Form, Part};
use reqwest::{Client, Method, StatusCode, header};
use serde_json::json;
use spendlens_app::{Clock, FixedClock};
use spendlens_web::Settings;
use tokio::sync::watch;

use crate::support::{
    TestApp, database_urls, json_of, new_client, no_redirect_client, now, page, page_as, q4,
    sqlite_database, token_in,
};

const KEY: &str = "5f1c9a7e3b2d4c6a8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f";

fn header_of(r: &reqwest::Response, name: header::HeaderName) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    app.register(&app.client, "ana@example.com").await;
    let id = app.campaign(&q4()).await;
    for path in ["/signin", "/campaigns", &format!("/campaigns/{id}")] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let csp = header_of(&r, header::CONTENT_SECURITY_POLICY);
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.starts_with("default-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(header_of(&r, header::X_FRAME_OPTIONS), "DENY", "{path}");
        assert_eq!(header_of(&r, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(header_of(&r, header::REFERRER_POLICY), "same-origin");
        // The pages need nothing inline, so the policy costs them nothing.
        let html = r.text().await.unwrap_or_default();
        assert!(!html.contains(" style=\""), "{path}: an inline style");
        assert!(!html.contains("<script>"), "{path}: an inline script");
    }
    for path in [
        "/api/campaigns",
        &format!("/api/campaigns/{id}/financial-analysis"),
        "/api/nope",
        "/static/app.css",
    ] {
        let r = app.get(path).await;
        assert_eq!(
            header_of(&r, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff",
            "{path}"
        );
        assert_eq!(header_of(&r, header::X_FRAME_OPTIONS), "DENY", "{path}");
        assert_eq!(
            header_of(&r, header::REFERRER_POLICY),
            "same-origin",
            "{path}"
        );
        let csp = header_of(&r, header::CONTENT_SECURITY_POLICY);
        assert!(csp.starts_with("default-src 'none'"), "{path}: {csp}");
    }
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_only() {
    let db = sqlite_database();
    let store = spendlens_store::connect(&db)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let handle = metrics_exporter_prometheus::PrometheusBuilder::new()
        .build_recorder()
        .handle();
    let settings = Settings {
        snapshot_every_minutes: 0,
        ..Settings::default()
    };
    let clock: Arc<dyn Clock> = Arc::new(FixedClock(now()));
    let state = spendlens_web::state(store, clock, settings, Some(handle));
    let bind = || tokio::net::TcpListener::bind("127.0.0.1:0");
    let (public, private) = (
        bind().await.unwrap_or_else(|e| panic!("{e}")),
        bind().await.unwrap_or_else(|e| panic!("{e}")),
    );
    let (public_addr, private_addr) = (
        public.local_addr().unwrap_or_else(|e| panic!("{e}")),
        private.local_addr().unwrap_or_else(|e| panic!("{e}")),
    );
    let (_tx, rx) = watch::channel(false);
    tokio::spawn(spendlens_web::serve(public, state.clone(), rx.clone()));
    tokio::spawn(spendlens_web::serve_metrics(private, state, rx));
    let get =
        |url: String| async move { reqwest::get(url).await.unwrap_or_else(|e| panic!("{e}")) };
    let on_public = get(format!("http://{public_addr}/metrics")).await;
    assert_eq!(on_public.status(), StatusCode::NOT_FOUND);
    let on_private = get(format!("http://{private_addr}/metrics")).await;
    assert_eq!(on_private.status(), StatusCode::OK);
    assert!(header_of(&on_private, header::CONTENT_TYPE).starts_with("text/plain"));
    // The metrics listener serves nothing else.
    let api = get(format!("http://{private_addr}/api/campaigns")).await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cookie_authenticated_api_writes_must_come_from_this_origin() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ana@example.com").await;
        let send = |origin: Option<String>, fetch_site: Option<&'static str>| {
            let app = &app;
            async move {
                let mut req = app
                    .client
                    .post(format!("{}/api/campaigns", app.base))
                    .json(&q4());
                if let Some(o) = &origin {
                    req = req.header(header::ORIGIN, o);
                }
                if let Some(site) = fetch_site {
                    req = req.header("sec-fetch-site", site);
                }
                req.send().await.unwrap_or_else(|e| panic!("{e}"))
            }
        };
        let foreign = send(Some("http://evil.example".into()), None).await;
        assert_eq!(foreign.status(), StatusCode::FORBIDDEN, "{}", app.backend);
        assert_eq!(json_of(foreign).await["error"]["code"], "forbidden");
        assert_eq!(
            send(Some("null".into()), None).await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            send(None, Some("cross-site")).await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            json_of(app.get("/api/campaigns").await).await,
            json!([]),
            "nothing written"
        );

        assert_eq!(
            send(Some(app.base.clone()), None).await.status(),
            StatusCode::CREATED
        );
        assert_eq!(
            send(None, Some("same-origin")).await.status(),
            StatusCode::CREATED
        );
        assert_eq!(
            send(None, None).await.status(),
            StatusCode::CREATED,
            "a script"
        );
        // The configured address of the server is this origin too (behind a proxy).
        assert_eq!(
            send(Some("http://127.0.0.1:8080".into()), None)
                .await
                .status(),
            StatusCode::CREATED
        );

        // Reads are not writes; a bearer token is not sent by a browser on its own.
        let read = app
            .client
            .get(format!("{}/api/campaigns", app.base))
            .header(header::ORIGIN, "http://evil.example")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.status(), StatusCode::OK);
        let token = json_of(app.post("/api/tokens", &json!({"name": "ci"})).await).await["token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let scripted = Client::new()
            .post(format!("{}/api/campaigns", app.base))
            .bearer_auth(token)
            .header(header::ORIGIN, "http://evil.example")
            .json(&q4())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(scripted.status(), StatusCode::CREATED);
    }
}

#[tokio::test]
async fn sign_in_sends_back_to_this_site_only() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    app.register(&new_client(), "ana@example.com").await;
    // The sign-in page keeps only a safe `next` in its form.
    let (_, html) = page(&app, "/signin?next=/%09/evil.example").await;
    assert!(html.contains("name=\"next\" value=\"/\""), "{html}");
    for trick in [
        "/\t/evil.example",
        "/\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "https://evil.example/",
        "/%2e%2e//evil.example",
    ] {
        let browser = no_redirect_client();
        let (_, html) = page_as(&app, &browser, "/signin").await;
        let r = browser
            .post(format!("{}/signin", app.base))
            .form(&[
                ("csrf", token_in(&html).as_str()),
                ("email", "ana@example.com"),
                ("password", "correct horse battery"),
                ("next", trick),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{trick:?}");
        assert_eq!(header_of(&r, header::LOCATION), "/", "{trick:?}");
    }
}

/// Uploads a one-row CSV for preview on `app`'s imports page of campaign `id` with `client`;
/// the pending token of the preview.
async fn preview(app: &TestApp, client: &Client, id: &str, day: u32) -> String {
    let (_, html) = page_as(app, client, &format!("/campaigns/{id}/imports")).await;
    let csv = format!(
        "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue\n\
         2026-11-{day:02},meta,m1,100.00,1000,0,20,1,,\n"
    );
    let form = Form::new()
        .text("csrf", token_in(&html))
        .part("file", Part::bytes(csv.into_bytes()).file_name("meta.csv"))
        .text("source", "")
        .text("rate", "");
    let r = client
        .post(format!("{}/campaigns/{id}/imports", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
    r.text()
        .await
        .unwrap_or_default()
        .split("name=\"pending\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

/// Confirms preview `pending` on `app` with `client`; the status.
async fn confirm(app: &TestApp, client: &Client, id: &str, pending: &str) -> StatusCode {
    let (_, html) = page_as(app, client, &format!("/campaigns/{id}/imports")).await;
    client
        .post(format!("{}/campaigns/{id}/imports/confirm", app.base))
        .form(&[("csrf", token_in(&html).as_str()), ("pending", pending)])
        .send()
        .await
        .map(|r| r.status())
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_preview_is_confirmed_on_another_instance() {
    for url in database_urls().await {
        let key = |s: &mut Settings| s.secret_key = Some(KEY.to_owned().into());
        let a = TestApp::spawn_with(&url, key).await;
        let b = TestApp::spawn_with(&url, key).await;
        a.register(&a.client, "ana@example.com").await;
        let id = a.campaign(&q4()).await;
        let pending = preview(&a, &a.client, &id, 2).await;
        assert_eq!(
            confirm(&b, &a.client, &id, &pending).await,
            StatusCode::OK,
            "{}",
            a.backend
        );
        let analysis = format!("/api/campaigns/{id}/financial-analysis?as_of=2026-11-21");
        let r = a.request(&a.client, Method::GET, &analysis, None).await;
        assert_eq!(
            json_of(r).await["totals"]["spend"],
            "100.00",
            "{}",
            a.backend
        );
        // Taken once, whichever instance is asked.
        assert_eq!(
            confirm(&a, &a.client, &id, &pending).await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}

#[tokio::test]
async fn one_organisation_cannot_evict_anothers_previews() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let victim = new_client();
        app.register(&victim, "victim@example.com").await;
        let victims = json_of(
            app.request(&victim, Method::POST, "/api/campaigns", Some(&q4()))
                .await,
        )
        .await["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let waiting = preview(&app, &victim, &victims, 3).await;

        // More previews than every organisation together could once keep (32).
        app.register(&app.client, "flood@example.com").await;
        let mine = app.campaign(&q4()).await;
        let mut last = String::new();
        for n in 0..34 {
            last = preview(&app, &app.client, &mine, 1 + n % 28).await;
        }
        assert_eq!(
            confirm(&app, &victim, &victims, &waiting).await,
            StatusCode::OK,
            "{}: the other organisation's preview is still there",
            app.backend
        );
        // The flood only pushed out its own oldest previews.
        assert_eq!(
            confirm(&app, &app.client, &mine, &last).await,
            StatusCode::OK
        );
    }
}
