//! API tokens (issue 13): listed without their secret, revoked for good (401 afterwards, with
//! an audit entry), optionally expiring, and unable to mint more tokens.
use chrono::Duration;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{
    TestApp, database_urls, json_of, metric, new_client, now, page, post_form, token_in,
};

/// Creates a token with the app's session; its answer.
async fn create(app: &TestApp, body: Value) -> Value {
    let r = app.post("/api/tokens", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
    json_of(r).await
}

/// `GET /api/campaigns` with `token` and no cookie; the status.
async fn use_token(app: &TestApp, token: &str) -> StatusCode {
    Client::new()
        .get(format!("{}/api/campaigns", app.base))
        .bearer_auth(token)
        .send()
        .await
        .map(|r| r.status())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn tokens_are_listed_with_their_use_and_expiry_never_their_secret() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ana@example.com").await;
        let ci = create(&app, json!({"name": "ci"})).await;
        let month = create(&app, json!({"name": "month", "expires_in_days": 30})).await;
        assert_eq!(month["expires_at"], "2026-12-21T12:00:00Z");
        assert_eq!(use_token(&app, &s(&ci["token"])).await, StatusCode::OK);

        let r = app.get("/api/tokens").await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        let listed = json_of(r).await;
        assert_eq!(
            listed,
            json!([
                {"id": ci["id"], "name": "ci", "role": "owner", "created_at": "2026-11-21T12:00:00Z",
                 "last_used_at": "2026-11-21T12:00:00Z", "expires_at": null},
                {"id": month["id"], "name": "month", "role": "owner", "created_at": "2026-11-21T12:00:00Z",
                 "last_used_at": null, "expires_at": "2026-12-21T12:00:00Z"},
            ]),
            "{}",
            app.backend
        );
        // A token may list them too; another organisation sees only its own.
        let with_token = Client::new()
            .get(format!("{}/api/tokens", app.base))
            .bearer_auth(s(&ci["token"]))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(json_of(with_token).await, listed);
        // The scheme in any case (RFC 9110); a wrong token is challenged with the scheme.
        for scheme in ["bearer", "BEARER"] {
            let r = Client::new()
                .get(format!("{}/api/tokens", app.base))
                .header("authorization", format!("{scheme} {}", s(&ci["token"])))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.status(), StatusCode::OK, "{scheme}");
        }
        let r = Client::new()
            .get(format!("{}/api/tokens", app.base))
            .bearer_auth("sl_not-a-token")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer realm=\"spendlens\"")
        );
        // A refused request with a body (left unread) says its connection closes.
        let r = Client::new()
            .post(format!("{}/api/campaigns", app.base))
            .bearer_auth("sl_not-a-token")
            .json(&json!({"name": "x"}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.headers().get("connection").and_then(|v| v.to_str().ok()),
            Some("close")
        );
        let other = new_client();
        app.register(&other, "bob@example.com").await;
        let theirs = app.request(&other, Method::GET, "/api/tokens", None).await;
        assert_eq!(json_of(theirs).await, json!([]));
    }
}

#[tokio::test]
async fn a_revoked_token_answers_401_and_the_revocation_is_audited() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let org = app.register(&app.client, "ana@example.com").await;
        let t = create(&app, json!({"name": "laptop"})).await;
        let (id, token) = (s(&t["id"]), s(&t["token"]));
        assert_eq!(use_token(&app, &token).await, StatusCode::OK);

        // Another organisation cannot revoke it: not found, and it keeps working.
        let other = new_client();
        app.register(&other, "mallory@example.com").await;
        let path = format!("/api/tokens/{id}");
        let foreign = app.request(&other, Method::DELETE, &path, None).await;
        assert_eq!(foreign.status(), StatusCode::NOT_FOUND, "{}", app.backend);
        assert_eq!(use_token(&app, &token).await, StatusCode::OK);

        let r = app.request(&app.client, Method::DELETE, &path, None).await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "{}", app.backend);
        assert_eq!(use_token(&app, &token).await, StatusCode::UNAUTHORIZED);
        assert_eq!(json_of(app.get("/api/tokens").await).await, json!([]));
        let again = app.request(&app.client, Method::DELETE, &path, None).await;
        assert_eq!(again.status(), StatusCode::NOT_FOUND);

        // Who revoked what, and when.
        let org = spendlens_core::campaign::OrgId::new(org);
        let log = app
            .store
            .audit_entries(&org, 10)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // The creation (by the audit middleware) and the revocation (in its own transaction).
        let actions: Vec<&str> = log.iter().map(|r| r.entry.action.as_str()).collect();
        assert_eq!(
            actions,
            vec!["api_token.revoke", "api_token.create"],
            "{}",
            app.backend
        );
        let entry = &log[0].entry;
        assert_eq!(
            (
                entry.action.as_str(),
                entry.target_type.as_str(),
                entry.target_id.as_str()
            ),
            ("api_token.revoke", "api_token", id.as_str())
        );
        assert!(entry.actor.is_some());
        assert_eq!(entry.details, json!({"name": "laptop"}));
        assert_eq!(entry.at, now());
        let mallory = app
            .store
            .credentials("mallory@example.com")
            .await
            .ok()
            .flatten()
            .map(|c| c.org_id);
        let theirs = app.store.audit_entries(&mallory.unwrap_or(org), 10).await;
        assert!(
            theirs.is_ok_and(|l| l.is_empty()),
            "a refused revocation is not logged"
        );
    }
}

#[tokio::test]
async fn a_token_cannot_mint_tokens() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ana@example.com").await;
        let token = s(&create(&app, json!({"name": "ci"})).await["token"]);
        let r = Client::new()
            .post(format!("{}/api/tokens", app.base))
            .bearer_auth(&token)
            .json(&json!({"name": "escalated"}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", app.backend);
        assert_eq!(json_of(r).await["error"]["code"], "forbidden");
        // Not with the session cookie beside it either: the bearer token is the credential.
        let both = app
            .client
            .post(format!("{}/api/tokens", app.base))
            .bearer_auth(&token)
            .json(&json!({"name": "escalated"}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(both.status(), StatusCode::FORBIDDEN);
        let names: Vec<Value> = json_of(app.get("/api/tokens").await)
            .await
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| t["name"].clone())
            .collect();
        assert_eq!(names, vec![json!("ci")]);
    }
}

#[tokio::test]
async fn a_token_stops_working_when_it_expires() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ana@example.com").await;
        let day = create(&app, json!({"name": "day", "expires_in_days": 1})).await;
        let until = create(
            &app,
            json!({"name": "until", "expires_at": "2026-11-25T00:00:00Z"}),
        )
        .await;
        let forever = create(&app, json!({"name": "forever"})).await;
        // A second instance over the same database, two days later.
        let later = TestApp::spawn_at(&url, now() + Duration::days(2), |_| {}).await;
        for (token, status) in [
            (&day, StatusCode::UNAUTHORIZED),
            (&until, StatusCode::OK),
            (&forever, StatusCode::OK),
        ] {
            assert_eq!(
                use_token(&later, &s(&token["token"])).await,
                status,
                "{}: {token}",
                app.backend
            );
        }
        assert_eq!(
            use_token(&app, &s(&day["token"])).await,
            StatusCode::OK,
            "not yet, earlier"
        );
        // An expiry must be in the future and given one way.
        for (body, field) in [
            (
                json!({"name": "x", "expires_at": "2026-11-20T00:00:00Z"}),
                "expires_at",
            ),
            (
                json!({"name": "x", "expires_in_days": 0}),
                "expires_in_days",
            ),
            (
                json!({"name": "x", "expires_in_days": 1, "expires_at": "2027-01-01T00:00:00Z"}),
                "expires_at",
            ),
        ] {
            let r = app.post("/api/tokens", &body).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(
                json_of(r).await["error"]["details"][0]["field"],
                field,
                "{body}"
            );
        }
    }
}

#[tokio::test]
async fn the_account_page_creates_lists_and_revokes_tokens() {
    let db = crate::support::sqlite_database();
    let app = TestApp::spawn(&db).await;
    app.register(&app.client, "ana@example.com").await;
    let (status, html) = page(&app, "/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-section=\"no-tokens\""), "{html}");
    let csrf = token_in(&html);

    let (status, html) = post_form(
        &app,
        "/account/tokens",
        &[
            ("csrf", &csrf),
            ("name", "laptop"),
            ("expires_in_days", "30"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let secret = metric(&html, "token-secret");
    assert!(secret.starts_with("sl_"), "{html}");
    assert_eq!(use_token(&app, &secret).await, StatusCode::OK);
    assert!(html.contains("<th scope=\"row\">laptop</th>"), "{html}");
    assert!(
        html.contains("21 Dec 2026 12:00 UTC"),
        "the expiry is listed"
    );
    let id = html
        .split("data-token=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_owned();

    // Problems beside their fields; nothing created.
    let (status, html) = post_form(
        &app,
        "/account/tokens",
        &[("csrf", &csrf), ("name", " "), ("expires_in_days", "")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"name-error\""), "{html}");
    let (status, html) = post_form(
        &app,
        "/account/tokens",
        &[("csrf", &csrf), ("name", "x"), ("expires_in_days", "soon")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"expires_in_days-error\""), "{html}");
    let (status, _) = post_form(&app, "/account/tokens", &[("name", "no csrf")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, html) = post_form(
        &app,
        &format!("/account/tokens/{id}/revoke"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Revoked the token"), "{html}");
    assert!(html.contains("data-section=\"no-tokens\""), "{html}");
    assert_eq!(use_token(&app, &secret).await, StatusCode::UNAUTHORIZED);
}

/// A token shown once is kept by no cache, and a server reached over HTTPS marks its cookies
/// `Secure` without being told twice.
#[tokio::test]
async fn secrets_are_not_cached_and_cookies_are_secure_behind_https() {
    for url in database_urls().await {
        let app = TestApp::spawn_with(&url, |s| {
            s.public_url = Some("https://spendlens.example.com".into());
        })
        .await;
        let b = app.backend;
        let body = json!({"email": "sec@example.com", "password": "correct horse battery",
            "organization_name": "Sec"});
        let r = app
            .request(&app.client, Method::POST, "/api/auth/register", Some(&body))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{b}");
        let cookies: Vec<String> = r
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        assert!(
            !cookies.is_empty() && cookies.iter().all(|c| c.contains("; Secure")),
            "{b}: {cookies:?}"
        );
        // (The test's client keeps `Secure` cookies off plain HTTP: the token is asked for on
        // a server reached over HTTP.)
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "plain@example.com").await;
        let r = app
            .request(
                &app.client,
                Method::POST,
                "/api/tokens",
                Some(&json!({"name": "ci"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{b}");
        assert_eq!(
            r.headers()
                .get(reqwest::header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{b}"
        );
    }
}

/// Changing one's password needs the current one, keeps the new one to the rule, and signs the
/// person out everywhere else: a session someone else holds stops working, this one stays. A
/// token cannot change it.
#[tokio::test]
async fn a_password_change_ends_the_other_sessions() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let b = app.backend;
        app.register(&app.client, "pat@example.com").await;
        let elsewhere = new_client();
        let login = |client: &Client, password: &str| {
            let body = json!({"email": "pat@example.com", "password": password});
            let (app, client) = (&app, client.clone());
            async move {
                app.request(&client, Method::POST, "/api/auth/login", Some(&body))
                    .await
                    .status()
            }
        };
        assert_eq!(
            login(&elsewhere, "correct horse battery").await,
            StatusCode::OK
        );
        let change =
            |current: &str, new: &str| json!({"current_password": current, "new_password": new});
        let r = app
            .post(
                "/api/account/password",
                &change("wrong one 123", "Brand new 42 phrase"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(
            json_of(r).await["error"]["details"][0]["field"],
            "current_password"
        );
        let r = app
            .post(
                "/api/account/password",
                &change("correct horse battery", "password123"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(
            json_of(r).await["error"]["details"][0]["field"],
            "new_password"
        );
        let token = create(&app, json!({"name": "ci"})).await["token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let by_token = new_client()
            .post(format!("{}/api/account/password", app.base))
            .bearer_auth(&token)
            .json(&change("correct horse battery", "Brand new 42 phrase"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(by_token.status(), StatusCode::FORBIDDEN, "{b}");

        let r = app
            .post(
                "/api/account/password",
                &change("correct horse battery", "Brand new 42 phrase"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        assert_eq!(json_of(r).await["other_sessions_ended"], 1, "{b}");
        // The other session is over; this one goes on; the new password opens, the old one not.
        let other = app
            .request(&elsewhere, Method::GET, "/api/campaigns", None)
            .await;
        assert_eq!(other.status(), StatusCode::UNAUTHORIZED, "{b}");
        assert_eq!(
            app.get("/api/campaigns").await.status(),
            StatusCode::OK,
            "{b}"
        );
        assert_eq!(
            login(&new_client(), "correct horse battery").await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            login(&new_client(), "Brand new 42 phrase").await,
            StatusCode::OK
        );

        // The account page's form does the same.
        let (_, html) = page(&app, "/account").await;
        assert!(html.contains("data-section=\"password\""), "{html}");
        let r = post_form(
            &app,
            "/account/password",
            &[
                ("csrf", token_in(&html).as_str()),
                ("current_password", "Brand new 42 phrase"),
                ("new_password", "Third 7 time lucky"),
            ],
        )
        .await;
        let (status, html) = r;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert!(html.contains("Password changed"), "{html}");
        assert_eq!(
            login(&new_client(), "Third 7 time lucky").await,
            StatusCode::OK
        );
    }
}
