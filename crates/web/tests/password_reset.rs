//! A forgotten password: asking answers alike for every address; the link that goes to an
//! account's address sets a new password once, within its hour, and signs the account out
//! everywhere; the pages do the same.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{TestApp, database_urls, new_client, page_as, token_in};

/// The token of the newest reset link sent to `email`.
async fn reset_token(app: &TestApp, email: &str) -> Option<String> {
    app.mail_to(email)
        .await
        .iter()
        .rev()
        .filter(|m| m.mail.subject == spendlens_app::accounts::RESET_SUBJECT)
        .find_map(|m| {
            m.mail
                .body
                .split_whitespace()
                .find_map(|w| w.split("reset-password?token=").nth(1).map(str::to_owned))
        })
}

async fn login(app: &TestApp, client: &reqwest::Client, password: &str) -> StatusCode {
    let body = json!({"email": "lost@example.com", "password": password});
    app.request(client, Method::POST, "/api/auth/login", Some(&body))
        .await
        .status()
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_the_link_sent_to_the_address() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let b = app.backend;
        app.register(&app.client, "lost@example.com").await;
        let ask = |email: &str| {
            let body = json!({ "email": email });
            let app = &app;
            async move {
                let r = app
                    .request(
                        &new_client(),
                        Method::POST,
                        "/api/auth/password-reset",
                        Some(&body),
                    )
                    .await;
                (r.status(), r.text().await.unwrap_or_default())
            }
        };
        // The same answer for an account's address and for any other; a link only to the first.
        let known = ask("Lost@Example.com").await;
        let unknown = ask("nobody@example.com").await;
        assert_eq!(known.0, StatusCode::ACCEPTED, "{b}");
        assert_eq!(known, unknown, "{b}");
        assert!(app.mail_to("nobody@example.com").await.is_empty(), "{b}");
        let token = reset_token(&app, "lost@example.com")
            .await
            .unwrap_or_else(|| panic!("{b}: no reset link"));

        let complete = |token: &str, password: &str| {
            let body = json!({"token": token, "password": password});
            let app = &app;
            async move {
                app.request(
                    &new_client(),
                    Method::POST,
                    "/api/auth/password-reset/complete",
                    Some(&body),
                )
                .await
                .status()
            }
        };
        assert_eq!(
            complete(&token, "password123").await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            complete("nope", "Fresh start 2027").await,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            complete(&token, "Fresh start 2027").await,
            StatusCode::NO_CONTENT,
            "{b}"
        );
        // Used once; every session ended; the new password opens, the old one not.
        assert_eq!(
            complete(&token, "Another go 2028").await,
            StatusCode::BAD_REQUEST,
            "{b}"
        );
        assert_eq!(
            app.get("/api/campaigns").await.status(),
            StatusCode::UNAUTHORIZED,
            "{b}: the old session is over"
        );
        assert_eq!(
            login(&app, &new_client(), "correct horse battery").await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            login(&app, &new_client(), "Fresh start 2027").await,
            StatusCode::OK
        );

        // An hour later a link no longer works (a second instance whose clock is later).
        ask("lost@example.com").await;
        let late_token = reset_token(&app, "lost@example.com")
            .await
            .unwrap_or_default();
        assert_ne!(late_token, token);
        let later = TestApp::spawn_at(
            &url,
            crate::support::now() + chrono::TimeDelta::minutes(61),
            |_| {},
        )
        .await;
        let r = later
            .request(
                &new_client(),
                Method::POST,
                "/api/auth/password-reset/complete",
                Some(&json!({"token": late_token, "password": "Too late 2029"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{b}");

        // The pages: the sign-in page leads to the form, the link's page sets the password.
        let browser = new_client();
        let (_, signin) = page_as(&app, &browser, "/signin").await;
        assert!(signin.contains("href=\"/forgot-password\""), "{signin}");
        let (_, form) = page_as(&app, &browser, "/forgot-password").await;
        let r = browser
            .post(format!("{}/forgot-password", app.base))
            .form(&[
                ("csrf", token_in(&form).as_str()),
                ("email", "lost@example.com"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        assert!(
            r.text()
                .await
                .unwrap_or_default()
                .contains("check-your-email")
        );
        let token = reset_token(&app, "lost@example.com")
            .await
            .unwrap_or_default();
        let (_, set) = page_as(&app, &browser, &format!("/reset-password?token={token}")).await;
        let r = browser
            .post(format!("{}/reset-password", app.base))
            .form(&[
                ("csrf", token_in(&set).as_str()),
                ("token", token.as_str()),
                ("password", "Set on 3 page"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        assert!(r.text().await.unwrap_or_default().contains("password-set"));
        assert_eq!(
            login(&app, &new_client(), "Set on 3 page").await,
            StatusCode::OK
        );
    }
}

/// Password-reset requests are counted apart from registrations: whoever uses up the
/// registrations from an office's shared address no longer stops everyone behind it from
/// resetting a forgotten password.
#[tokio::test]
async fn registrations_used_up_from_an_address_leave_password_resets_open() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "first@office.io").await;
        let mut limited = false;
        for i in 0..40 {
            let r = app
                .request(
                    &new_client(),
                    Method::POST,
                    "/api/auth/register",
                    Some(&json!({"email": format!("spam{i}@office.io"), "password": "correct horse battery",
                                 "organization_name": "Spam"})),
                )
                .await;
            if r.status() == StatusCode::TOO_MANY_REQUESTS {
                limited = true;
                break;
            }
        }
        assert!(limited, "{}: registrations are limited", app.backend);
        let r = app
            .request(
                &new_client(),
                Method::POST,
                "/api/auth/password-reset",
                Some(&json!({"email": "first@office.io"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::ACCEPTED, "{}", app.backend);
    }
}
