//! Registration and sign-in as an attacker would try them (issue 13): a taken address answers
//! like a new one, weak passwords are refused, registrations are rate-limited per client
//! address, and the sign-in limit holds across instances, never locks a victim out from another
//! address, and does not count successful sign-ins.
use reqwest::{Client, Method, StatusCode, header};
use serde_json::{Value, json};
use spendlens_app::accounts::{CONFIRM_SUBJECT, TAKEN_SUBJECT};

use crate::support::{TestApp, client_from, database_urls, json_of, new_client, page_as, token_in};

/// Posts a registration from `client`: the status and the body's bytes.
async fn register(app: &TestApp, client: &Client, email: &str, password: &str) -> (u16, String) {
    let body = json!({"email": email, "password": password, "organization_name": "Acme"});
    let r = app
        .request(client, Method::POST, "/api/auth/register", Some(&body))
        .await;
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// Posts a sign-in from `client`; the status.
async fn login(app: &TestApp, client: &Client, email: &str, password: &str) -> StatusCode {
    app.request(
        client,
        Method::POST,
        "/api/auth/login",
        Some(&json!({"email": email, "password": password})),
    )
    .await
    .status()
}

#[tokio::test]
async fn a_taken_address_is_answered_like_a_new_one_and_told_out_of_band() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let b = app.backend;
        // The instance's first account signs in at once: a fresh install needs no mail.
        let (status, _) = register(
            &app,
            &app.client,
            "ana@example.com",
            "correct horse battery",
        )
        .await;
        assert_eq!(status, 201, "{b}");

        let new = register(
            &app,
            &new_client(),
            "new@example.com",
            "another fine passphrase",
        )
        .await;
        let taken = register(
            &app,
            &new_client(),
            "ANA@example.com",
            "another fine passphrase",
        )
        .await;
        assert_eq!(
            new,
            (202, r#"{"status":"check_your_email"}"#.to_owned()),
            "{b}"
        );
        assert_eq!(
            taken, new,
            "{b}: the answer says nothing about who has an account"
        );

        // The owner of the taken address is told, with no link; the new one gets its link.
        let to_ana = app.mail_to("ana@example.com").await;
        assert_eq!(to_ana.len(), 1, "{b}");
        assert_eq!(to_ana[0].mail.subject, TAKEN_SUBJECT);
        assert!(!to_ana[0].mail.body.contains("token="), "{b}");
        let to_new = app.mail_to("new@example.com").await;
        assert_eq!(to_new.len(), 1, "{b}");
        assert_eq!(to_new[0].mail.subject, CONFIRM_SUBJECT);
        // The link names the configured address of the server, not the request's Host.
        assert!(
            to_new[0]
                .mail
                .body
                .contains("http://127.0.0.1:8080/verify?token="),
            "{b}"
        );

        // Nothing changed for the taken address; the new one exists only once its link is
        // followed, and the link works once.
        let other = new_client();
        assert_eq!(
            login(&app, &other, "ana@example.com", "correct horse battery").await,
            StatusCode::OK
        );
        assert_eq!(
            login(&app, &other, "new@example.com", "another fine passphrase").await,
            StatusCode::UNAUTHORIZED,
            "{b}"
        );
        let token = app.link_token("new@example.com").await;
        let follow = |client: Client| {
            let app = &app;
            let token = token.clone();
            async move {
                app.request(
                    &client,
                    Method::POST,
                    "/api/auth/verify",
                    Some(&json!({"token": token, "password": "another fine passphrase"})),
                )
                .await
            }
        };
        let verified = new_client();
        let r = follow(verified.clone()).await;
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        assert_eq!(json_of(r).await["email"], "new@example.com");
        assert_eq!(
            app.request(&verified, Method::GET, "/api/campaigns", None)
                .await
                .status(),
            StatusCode::OK,
            "{b}: the link signs in"
        );
        let again = follow(new_client()).await;
        assert_eq!(again.status(), StatusCode::BAD_REQUEST, "{b}");
        assert_eq!(
            login(
                &app,
                &new_client(),
                "new@example.com",
                "another fine passphrase"
            )
            .await,
            StatusCode::OK
        );

        // The link in a browser: opening it creates nothing (mail scanners open links), its
        // button does; an unknown or used link says so.
        let (status, _) =
            register(&app, &new_client(), "cy@example.com", "a third passphrase").await;
        assert_eq!(status, 202);
        let token = app.link_token("cy@example.com").await;
        let browser = new_client();
        let (status, html) = page_as(&app, &browser, &format!("/verify?token={token}")).await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert!(
            html.contains(&format!("name=\"token\" value=\"{token}\"")),
            "{html}"
        );
        assert_eq!(
            login(&app, &new_client(), "cy@example.com", "a third passphrase").await,
            StatusCode::UNAUTHORIZED,
            "{b}: not yet"
        );
        let confirm = |token: String| {
            let (app, browser) = (&app, browser.clone());
            let csrf = token_in(&html);
            async move {
                browser
                    .post(format!("{}/verify", app.base))
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("token", token.as_str()),
                        ("password", "a third passphrase"),
                    ])
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        let r = confirm(token.clone()).await;
        assert_eq!(
            (r.status(), r.url().path()),
            (StatusCode::OK, "/campaigns"),
            "{b}"
        );
        for used in [token, "nope".to_owned()] {
            let r = confirm(used).await;
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{b}");
            let html = r.text().await.unwrap_or_default();
            assert!(html.contains("data-section=\"link-invalid\""), "{html}");
        }
    }
}

#[tokio::test]
async fn trivially_weak_passwords_are_refused_naming_the_field() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        for weak in [
            "password123",
            "Password123",
            "qwertyuiop",
            "abcdefghijkl",
            "1234567890",
            "ana.lopez@example.com",
        ] {
            let (status, body) = register(&app, &new_client(), "ana.lopez@example.com", weak).await;
            assert_eq!(status, 422, "{}: {weak}", app.backend);
            let body: Value = serde_json::from_str(&body).unwrap_or_default();
            assert_eq!(
                body["error"]["details"][0]["field"], "password",
                "{weak}: {body}"
            );
        }
        let (status, _) = register(
            &app,
            &new_client(),
            "ana.lopez@example.com",
            "correct horse battery",
        )
        .await;
        assert_eq!(status, 201, "{}", app.backend);
    }
}

#[tokio::test]
async fn registrations_are_rate_limited_per_client_address_on_every_instance() {
    for url in database_urls().await {
        let limit = |s: &mut spendlens_web::Settings| s.register_attempts = 3;
        let a = TestApp::spawn_with(&url, limit).await;
        let b = TestApp::spawn_with(&url, limit).await;
        let here = client_from([127, 0, 0, 1]);
        let statuses = [
            register(&a, &here, "u1@example.com", "correct horse battery")
                .await
                .0,
            register(&b, &here, "u2@example.com", "correct horse battery")
                .await
                .0,
            register(&a, &here, "u3@example.com", "correct horse battery")
                .await
                .0,
        ];
        assert_eq!(statuses, [201, 202, 202], "{}", a.backend);
        for app in [&a, &b] {
            let r = app
                .request(&here, Method::POST, "/api/auth/register",
                    Some(&json!({"email": "u4@example.com", "password": "correct horse battery", "organization_name": "A"})))
                .await;
            assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{}", a.backend);
            assert!(r.headers().get(header::RETRY_AFTER).is_some());
        }
        assert!(a.mail_to("u4@example.com").await.is_empty(), "nothing sent");
        // Another address is not held back.
        let elsewhere = client_from([127, 0, 0, 2]);
        assert_eq!(
            register(&b, &elsewhere, "u4@example.com", "correct horse battery")
                .await
                .0,
            202
        );
    }
}

#[tokio::test]
async fn the_sign_in_limit_holds_across_instances() {
    for url in database_urls().await {
        let limit = |s: &mut spendlens_web::Settings| s.login_attempts = 3;
        let a = TestApp::spawn_with(&url, limit).await;
        let b = TestApp::spawn_with(&url, limit).await;
        a.register(&new_client(), "bob@example.com").await;
        let guesser = new_client();
        assert_eq!(
            login(&a, &guesser, "bob@example.com", "wrong password 1").await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            login(&b, &guesser, "bob@example.com", "wrong password 2").await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            login(&a, &guesser, "bob@example.com", "wrong password 3").await,
            StatusCode::UNAUTHORIZED
        );
        // The fourth try, on either instance, is over the limit: even with the right password.
        for app in [&b, &a] {
            assert_eq!(
                login(app, &guesser, "bob@example.com", "correct horse battery").await,
                StatusCode::TOO_MANY_REQUESTS,
                "{}",
                app.backend
            );
        }
    }
}

#[tokio::test]
async fn a_victim_is_not_locked_out_from_another_address() {
    for url in database_urls().await {
        let app = TestApp::spawn_with(&url, |s| s.login_attempts = 3).await;
        app.register(&new_client(), "victim@example.com").await;
        let attacker = client_from([127, 0, 0, 2]);
        for _ in 0..3 {
            assert_eq!(
                login(&app, &attacker, "victim@example.com", "guess guess guess").await,
                StatusCode::UNAUTHORIZED
            );
        }
        assert_eq!(
            login(&app, &attacker, "victim@example.com", "guess guess guess").await,
            StatusCode::TOO_MANY_REQUESTS
        );
        let victim = client_from([127, 0, 0, 1]);
        assert_eq!(
            login(&app, &victim, "victim@example.com", "correct horse battery").await,
            StatusCode::OK,
            "{}: the owner signs in from their own address",
            app.backend
        );
    }
}

#[tokio::test]
async fn successful_sign_ins_are_not_counted_and_the_address_limit_spans_e_mails() {
    for url in database_urls().await {
        let app = TestApp::spawn_with(&url, |s| {
            s.login_attempts = 2;
            s.login_attempts_per_address = 4;
        })
        .await;
        app.register(&new_client(), "ana@example.com").await;
        let ana = client_from([127, 0, 0, 1]);
        for _ in 0..6 {
            assert_eq!(
                login(&app, &ana, "ana@example.com", "correct horse battery").await,
                StatusCode::OK,
                "{}",
                app.backend
            );
        }
        // One address trying many accounts meets the address's limit.
        let sprayer = client_from([127, 0, 0, 3]);
        for n in 0..4 {
            let email = format!("user{n}@example.com");
            assert_eq!(
                login(&app, &sprayer, &email, "Summer2026!").await,
                StatusCode::UNAUTHORIZED
            );
        }
        assert_eq!(
            login(&app, &sprayer, "user9@example.com", "Summer2026!").await,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            app.backend
        );
        assert_eq!(
            login(&app, &ana, "ana@example.com", "correct horse battery").await,
            StatusCode::OK
        );
    }
}

/// Registering someone else's address with a password of one's own gets one nowhere: the link
/// goes to the address's owner, and following it completes the account only with the password
/// it was made with. The owner's own registration beside it still works, with theirs.
#[tokio::test]
async fn a_link_made_with_another_s_password_does_not_complete_the_account() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let b = app.backend;
        app.register(&app.client, "first@example.com").await;
        // The attacker registers the victim's address first; then the victim registers.
        let (status, _) = register(
            &app,
            &new_client(),
            "victim@example.com",
            "Mallory chose 4 this",
        )
        .await;
        assert_eq!(status, 202, "{b}");
        let (status, body) = register(
            &app,
            &new_client(),
            "victim@example.com",
            "Keeps 9 own secret",
        )
        .await;
        assert_eq!(status, 202, "{b}: {body}");
        let tokens: Vec<String> = app
            .mail_to("victim@example.com")
            .await
            .iter()
            .filter_map(|m| m.mail.body.split("token=").nth(1))
            .map(|t| t.split_whitespace().next().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(tokens.len(), 2, "{b}");
        let (attacker_link, victim_link) = (&tokens[0], &tokens[1]);
        let follow = |token: &str, password: &str| {
            let body = json!({"token": token, "password": password});
            let app = &app;
            async move {
                app.request(&new_client(), Method::POST, "/api/auth/verify", Some(&body))
                    .await
            }
        };
        // The victim follows the attacker's link with their own password: refused, nothing made.
        let r = follow(attacker_link, "Keeps 9 own secret").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let body = json_of(r).await;
        assert_eq!(body["error"]["details"][0]["field"], "password", "{body}");
        assert!(body.to_string().contains("ignore the message"), "{body}");
        // A link followed without its password creates nothing either (a missing field).
        let r = follow(attacker_link, "").await;
        assert_ne!(r.status(), StatusCode::OK, "{b}");
        assert_eq!(
            login(
                &app,
                &new_client(),
                "victim@example.com",
                "Mallory chose 4 this"
            )
            .await,
            StatusCode::UNAUTHORIZED,
            "{b}: the attacker's password opens nothing"
        );
        // The victim's own link, with their password, makes the account; the attacker's link
        // is then useless even with its password.
        assert_eq!(
            follow(victim_link, "Keeps 9 own secret").await.status(),
            StatusCode::OK,
            "{b}"
        );
        assert_eq!(
            follow(attacker_link, "Mallory chose 4 this").await.status(),
            StatusCode::BAD_REQUEST,
            "{b}"
        );
        assert_eq!(
            login(
                &app,
                &new_client(),
                "victim@example.com",
                "Mallory chose 4 this"
            )
            .await,
            StatusCode::UNAUTHORIZED,
            "{b}"
        );
        assert_eq!(
            login(
                &app,
                &new_client(),
                "victim@example.com",
                "Keeps 9 own secret"
            )
            .await,
            StatusCode::OK,
            "{b}"
        );

        // The page asks for the password and says the same beside it.
        let (status, _) = register(
            &app,
            &new_client(),
            "page@example.com",
            "Owner 77 secret here",
        )
        .await;
        assert_eq!(status, 202, "{b}");
        let token = app.link_token("page@example.com").await;
        let browser = new_client();
        let (_, html) = page_as(&app, &browser, &format!("/verify?token={token}")).await;
        assert!(html.contains("name=\"password\""), "{html}");
        let r = browser
            .post(format!("{}/verify", app.base))
            .form(&[
                ("csrf", token_in(&html).as_str()),
                ("token", token.as_str()),
                ("password", "somebody else's"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = r.text().await.unwrap_or_default();
        assert!(html.contains("id=\"password-error\""), "{html}");
        assert_eq!(
            login(
                &app,
                &new_client(),
                "page@example.com",
                "Owner 77 secret here"
            )
            .await,
            StatusCode::UNAUTHORIZED,
            "{b}"
        );
    }
}

/// Posts a sign-in from `client` as forwarded for `forwarded_for`; the status.
async fn login_via(
    app: &TestApp,
    client: &Client,
    forwarded_for: &str,
    password: &str,
) -> StatusCode {
    client
        .post(format!("{}/api/auth/login", app.base))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": "victim@example.com", "password": password}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .status()
}

/// Behind a trusted proxy each client is counted by the address the proxy names, so an attacker
/// guessing through the proxy locks out no one else; without a trusted proxy the header is
/// anyone's to send, and changing it evades nothing.
#[tokio::test]
async fn behind_a_trusted_proxy_the_limits_count_each_client() {
    for url in database_urls().await {
        let app = TestApp::spawn_with(&url, |s| {
            s.login_attempts = 3;
            s.trusted_proxies = vec!["127.0.0.1".into()];
        })
        .await;
        app.register(&new_client(), "victim@example.com").await;
        let proxy = client_from([127, 0, 0, 1]);
        for _ in 0..3 {
            assert_eq!(
                login_via(&app, &proxy, "203.0.113.66", "guess guess guess").await,
                StatusCode::UNAUTHORIZED
            );
        }
        assert_eq!(
            login_via(&app, &proxy, "203.0.113.66", "guess guess guess").await,
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(
            login_via(&app, &proxy, "198.51.100.7", "correct horse battery").await,
            StatusCode::OK,
            "{}: another client through the same proxy",
            app.backend
        );

        // A second instance over the same database, with no proxy trusted.
        let direct = TestApp::spawn_with(&url, |s| s.login_attempts = 3).await;
        let attacker = client_from([127, 0, 0, 2]);
        for n in 0..3 {
            let forged = format!("198.51.100.{n}");
            assert_eq!(
                login_via(&direct, &attacker, &forged, "guess guess guess").await,
                StatusCode::UNAUTHORIZED
            );
        }
        assert_eq!(
            login_via(&direct, &attacker, "198.51.100.99", "guess guess guess").await,
            StatusCode::TOO_MANY_REQUESTS,
            "{}: a forged header changes nothing",
            direct.backend
        );
    }
}
