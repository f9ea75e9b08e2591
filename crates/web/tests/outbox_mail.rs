//! The outbox by e-mail: on a server with an SMTP relay, a registration's link and the notice to
//! a taken address reach the sink through the delivery sweep, and the database keeps no link
//! once sent; without a relay they wait for `spendlens outbox`.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::smtp_sink::{SmtpSink, attachment};
use crate::support::{TestApp, database_urls, new_client};

/// The text of a received message.
fn text_of(data: &str) -> String {
    attachment(data, "text/plain")
        .map(|(_, bytes)| String::from_utf8_lossy(&bytes).replace("\r\n", "\n"))
        .unwrap_or_default()
}

#[tokio::test]
async fn account_messages_go_by_e_mail_and_leave_no_link_behind() {
    for url in database_urls().await {
        let sink = SmtpSink::start(0).await;
        let app = TestApp::spawn_with(&url, |s| {
            s.report_every_seconds = 1;
            s.smtp.host = Some("127.0.0.1".into());
            s.smtp.port = sink.port;
            s.smtp.starttls = false;
            s.smtp.from = "spendlens <accounts@example.com>".into();
            s.smtp.timeout_seconds = 5;
        })
        .await;
        let b = app.backend;
        app.register(&app.client, "first@example.com").await;
        for (email, password) in [
            ("new@example.com", "Mine 4 the taking"),
            ("first@example.com", "Whatever 5 else"),
        ] {
            let body = json!({"email": email, "password": password, "organization_name": "Acme"});
            let r = app
                .request(
                    &new_client(),
                    Method::POST,
                    "/api/auth/register",
                    Some(&body),
                )
                .await;
            assert_eq!(r.status(), StatusCode::ACCEPTED, "{b}");
        }
        let got = sink.wait_for(2, 20).await;
        assert_eq!(got.len(), 2, "{b}");
        let to = |email: &str| {
            got.iter()
                .find(|m| m.to.iter().any(|t| t.contains(email)))
                .map(|m| text_of(&m.data))
                .unwrap_or_else(|| panic!("{b}: nothing to {email}"))
        };
        let confirm = to("new@example.com");
        let token = confirm
            .split("token=")
            .nth(1)
            .and_then(|t| t.split_whitespace().next())
            .unwrap_or_default()
            .to_owned();
        assert!(!token.is_empty(), "{confirm}");
        assert!(to("first@example.com").contains("already has"), "{b}");
        // Sent: the stored messages keep no link.
        for email in ["new@example.com", "first@example.com"] {
            for m in app.mail_to(email).await {
                assert!(m.sent_at.is_some(), "{b}: {m:?}");
                assert!(!m.mail.body.contains("token="), "{b}: {m:?}");
            }
        }
        // The link from the mail, with the password, makes the account.
        let r = app
            .request(
                &new_client(),
                Method::POST,
                "/api/auth/verify",
                Some(&json!({"token": token, "password": "Mine 4 the taking"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{b}");
    }
}
