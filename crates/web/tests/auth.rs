use reqwest::{Method, StatusCode, header};
use serde_json::json;

use crate::support::{TestApp, database_urls, json_of, new_client, sqlite_database};

#[tokio::test]
async fn register_login_logout_and_tokens() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let r = app
            .post("/api/auth/register", &json!({"email": "Ana@Example.com", "password": "correct horse battery", "organization_name": "Acme"}))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let cookie = r
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert_eq!(
            app.get("/api/campaigns").await.status(),
            StatusCode::OK,
            "{}",
            app.backend
        );

        // The same e-mail again answers as a new address would (see `registration`).
        let again = app
            .post("/api/auth/register", &json!({"email": "ana@example.com", "password": "another password", "organization_name": "X"}))
            .await;
        assert_eq!(again.status(), StatusCode::ACCEPTED);

        // A token works without the cookie and is shown once.
        let t = json_of(app.post("/api/tokens", &json!({"name": "ci"})).await).await;
        let token = t["token"].as_str().unwrap_or_default().to_owned();
        assert!(token.starts_with("sl_"));
        let bare = reqwest::Client::new();
        let with_token = bare
            .get(format!("{}/api/campaigns", app.base))
            .bearer_auth(&token)
            .send()
            .await;
        assert_eq!(with_token.map(|r| r.status()).ok(), Some(StatusCode::OK));
        let wrong = bare
            .get(format!("{}/api/campaigns", app.base))
            .bearer_auth("sl_nope")
            .send()
            .await;
        assert_eq!(
            wrong.map(|r| r.status()).ok(),
            Some(StatusCode::UNAUTHORIZED)
        );

        // Logout ends the session.
        assert_eq!(
            app.post("/api/auth/logout", &json!({})).await.status(),
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            app.get("/api/campaigns").await.status(),
            StatusCode::UNAUTHORIZED
        );

        // Login with the right and the wrong password.
        let other = new_client();
        let bad = app
            .request(
                &other,
                Method::POST,
                "/api/auth/login",
                Some(&json!({"email": "ana@example.com", "password": "wrong password!"})),
            )
            .await;
        assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(json_of(bad).await["error"]["code"], "invalid_credentials");
        let unknown = app
            .request(
                &other,
                Method::POST,
                "/api/auth/login",
                Some(&json!({"email": "nobody@example.com", "password": "wrong password!"})),
            )
            .await;
        assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
        let good = app
            .request(
                &other,
                Method::POST,
                "/api/auth/login",
                Some(&json!({"email": "ANA@example.com", "password": "correct horse battery"})),
            )
            .await;
        assert_eq!(good.status(), StatusCode::OK);
        assert_eq!(
            app.request(&other, Method::GET, "/api/campaigns", None)
                .await
                .status(),
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn registration_errors_name_the_field() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    let r = app
        .post(
            "/api/auth/register",
            &json!({"email": "nope", "password": "short", "organization_name": ""}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json_of(r).await;
    let fields: Vec<&str> = body["error"]["details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["email", "password", "organization_name"]);
}

#[tokio::test]
async fn login_attempts_are_rate_limited() {
    let db = sqlite_database();
    let app = TestApp::spawn_with(&db, |s| s.login_attempts = 3).await;
    app.register(&new_client(), "bob@example.com").await;
    let client = new_client();
    for _ in 0..3 {
        let r = app
            .request(
                &client,
                Method::POST,
                "/api/auth/login",
                Some(&json!({"email": "bob@example.com", "password": "wrong password!"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = app
        .request(
            &client,
            Method::POST,
            "/api/auth/login",
            Some(&json!({"email": "bob@example.com", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get(header::RETRY_AFTER).is_some());
}
