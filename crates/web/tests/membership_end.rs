//! Leaving one organisation does not sign a person out of the others (the teams audit: removed
//! from one client's organisation, an agency's person had to sign in again everywhere).

use reqwest::{Client, Method, StatusCode};
use serde_json::json;

use crate::members::{call, member_id};
use crate::support::{TestApp, database_urls, new_client, no_redirect_client, page_as, token_in};

/// Signs a new client up through the invitation's page, then follows the link sent to the
/// invited address with the password chosen; the client, signed in.
pub(crate) async fn join_through_page(app: &TestApp, token: &str) -> Client {
    let client = no_redirect_client();
    let (status, html) = page_as(app, &client, &format!("/invitations/{token}")).await;
    assert_eq!(status, StatusCode::OK, "{}: {html}", app.backend);
    let email = html
        .split("data-metric=\"invited-email\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_default()
        .to_owned();
    let csrf = token_in(&html);
    let r = client
        .post(format!("{}/invitations/{token}/signup", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
    let html = r.text().await.unwrap_or_default();
    assert!(html.contains("data-section=\"check-your-email\""), "{html}");
    let link = app.link_token(&email).await;
    let r = app
        .request(
            &client,
            Method::POST,
            "/api/auth/verify",
            Some(&json!({"token": link, "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}: verify {email}",
        app.backend
    );
    client
}

/// The organisation the client's session acts in, by name.
async fn current(app: &TestApp, client: &reqwest::Client) -> (StatusCode, Option<String>) {
    let (status, orgs) = call(app, client, Method::GET, "/api/organizations", None).await;
    let name = orgs
        .as_array()
        .into_iter()
        .flatten()
        .find(|o| o["current"] == true)
        .and_then(|o| o["name"].as_str())
        .map(str::to_owned);
    (status, name)
}

#[tokio::test]
async fn removed_from_one_organisation_or_when_it_is_deleted_the_session_moves_to_another() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "owner@client.io").await;
        // The agency's person has an organisation of their own and joins the client's twice
        // over (removed, then invited again).
        let agent = new_client();
        app.register(&agent, "agent@agency.io").await;
        for round in 0..2 {
            let (status, invited) = call(
                &app,
                &app.client,
                Method::POST,
                "/api/organization/invitations",
                Some(json!({"email": "agent@agency.io", "role": "editor"})),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{invited}");
            let token = invited["token"].as_str().unwrap_or_default();
            let (status, joined) = call(
                &app,
                &agent,
                Method::POST,
                &format!("/api/invitations/{token}/accept"),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{joined}");
            let client_org = joined["id"].as_str().unwrap_or_default().to_owned();
            let (status, _) = call(
                &app,
                &agent,
                Method::POST,
                "/api/session/organization",
                Some(json!({"org_id": client_org})),
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(
                current(&app, &agent).await.1.as_deref(),
                Some("Org of owner@client.io")
            );
            if round == 0 {
                let agent_id = member_id(&app, "agent@agency.io").await;
                let (status, _) = call(
                    &app,
                    &app.client,
                    Method::DELETE,
                    &format!("/api/organization/members/{agent_id}"),
                    None,
                )
                .await;
                assert_eq!(status, StatusCode::NO_CONTENT);
            } else {
                let (status, body) =
                    call(&app, &app.client, Method::DELETE, "/api/organization", None).await;
                assert!(status.is_success(), "{}: {status} {body}", app.backend);
            }
            // Still signed in, now in their own organisation.
            assert_eq!(
                current(&app, &agent).await,
                (StatusCode::OK, Some("Org of agent@agency.io".to_owned())),
                "{} round {round}",
                app.backend
            );
        }
    }
}

/// Chooses `password` on the invitation page of `token` as a fresh client; the page's answer.
async fn choose_password(app: &TestApp, token: &str, password: &str) -> (StatusCode, String) {
    let client = new_client();
    let (_, html) = page_as(app, &client, &format!("/invitations/{token}")).await;
    let r = client
        .post(format!("{}/invitations/{token}/signup", app.base))
        .form(&[("csrf", token_in(&html).as_str()), ("password", password)])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (r.status(), r.text().await.unwrap_or_default())
}

async fn login(app: &TestApp, email: &str, password: &str) -> StatusCode {
    let body = json!({"email": email, "password": password});
    app.request(&new_client(), Method::POST, "/api/auth/login", Some(&body))
        .await
        .status()
}

/// Whoever invites sees the link, so following it proves nothing of the mailbox: an inviter who
/// opens their own invitation to somebody else's address and chooses a password gets no
/// account; the link that makes it goes to the address. An address with an account gets a
/// notice instead, and the page answers alike.
#[tokio::test]
async fn an_inviter_cannot_make_an_account_for_someone_else_s_address() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let b = app.backend;
        app.register(&app.client, "mallory@evil.io").await;
        let token = crate::members::invite(&app, &app.client, "ceo@big.io", "viewer").await;
        let (status, page) = choose_password(&app, &token, "Mallory chose 4 this").await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert!(page.contains("data-section=\"check-your-email\""), "{page}");
        assert_eq!(
            login(&app, "ceo@big.io", "Mallory chose 4 this").await,
            StatusCode::UNAUTHORIZED,
            "{b}: no account yet"
        );
        let sent = app.mail_to("ceo@big.io").await;
        assert_eq!(sent.len(), 1, "{b}");
        assert_eq!(sent[0].mail.subject, spendlens_app::accounts::JOIN_SUBJECT);
        // The owner of the address follows the link with the password they choose now: not
        // Mallory's, so nothing is made.
        let link = app.link_token("ceo@big.io").await;
        let follow = |password: &str| {
            let body = json!({"token": link, "password": password});
            let app = &app;
            async move {
                app.request(&new_client(), Method::POST, "/api/auth/verify", Some(&body))
                    .await
                    .status()
            }
        };
        assert_eq!(
            follow("The CEO's 1 own").await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}"
        );
        // The owner registers the address themselves: it stays theirs.
        let owner = new_client();
        let r = app
            .request(
                &owner,
                Method::POST,
                "/api/auth/register",
                Some(
                    &json!({"email": "ceo@big.io", "password": "The CEO's 1 own",
                    "organization_name": "Big"}),
                ),
            )
            .await;
        assert_eq!(r.status(), StatusCode::ACCEPTED, "{b}");
        let own = app.link_token("ceo@big.io").await;
        let r = app
            .request(
                &owner,
                Method::POST,
                "/api/auth/verify",
                Some(&json!({"token": own, "password": "The CEO's 1 own"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        // Mallory's registration link now makes nothing, even with Mallory's password.
        assert_eq!(
            follow("Mallory chose 4 this").await,
            StatusCode::BAD_REQUEST,
            "{b}"
        );
        assert_eq!(
            login(&app, "ceo@big.io", "Mallory chose 4 this").await,
            StatusCode::UNAUTHORIZED
        );
        // A second try on the page for a taken address: the same answer, a notice by mail.
        let again = crate::members::invite(&app, &app.client, "ceo@big.io", "viewer").await;
        let (status, page) = choose_password(&app, &again, "Mallory chose 4 this").await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert!(page.contains("data-section=\"check-your-email\""), "{page}");
        let last = app.mail_to("ceo@big.io").await;
        assert_eq!(
            last.last().map(|m| m.mail.subject.as_str()),
            Some(spendlens_app::accounts::TAKEN_SUBJECT),
            "{b}"
        );
    }
}

/// A member removed from their only organisation keeps the account: signing in says why it
/// leads nowhere, and a new invitation's page signs them in and joins.
#[tokio::test]
async fn a_member_removed_from_their_last_organisation_can_come_back_by_invitation() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let b = app.backend;
        app.register(&app.client, "owner@a.io").await;
        let token = crate::members::invite(&app, &app.client, "carol@a.io", "editor").await;
        join_through_page(&app, &token).await;
        let carol = member_id(&app, "carol@a.io").await;
        let (status, _) = call(
            &app,
            &app.client,
            Method::DELETE,
            &format!("/api/organization/members/{carol}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{b}");
        let r = app
            .request(
                &new_client(),
                Method::POST,
                "/api/auth/login",
                Some(&json!({"email": "carol@a.io", "password": "correct horse battery"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{b}");
        let body = r.text().await.unwrap_or_default();
        assert!(body.contains("belongs to no organisation"), "{body}");
        // The sign-in page says it beside the form.
        let browser = new_client();
        let (_, html) = page_as(&app, &browser, "/signin").await;
        let r = browser
            .post(format!("{}/signin", app.base))
            .form(&[
                ("csrf", token_in(&html).as_str()),
                ("email", "carol@a.io"),
                ("password", "correct horse battery"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let html = r.text().await.unwrap_or_default();
        assert!(
            html.contains("belongs to no organisation") && html.contains("id=\"email-error\""),
            "{html}"
        );
        // The wrong password still says only that.
        assert_eq!(
            login(&app, "carol@a.io", "not her password 1").await,
            StatusCode::UNAUTHORIZED
        );

        let token = crate::members::invite(&app, &app.client, "carol@a.io", "viewer").await;
        let client = no_redirect_client();
        let (_, html) = page_as(&app, &client, &format!("/invitations/{token}")).await;
        let r = client
            .post(format!("{}/invitations/{token}/signin", app.base))
            .form(&[
                ("csrf", token_in(&html).as_str()),
                ("password", "correct horse battery"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}");
        let (status, me) = call(
            &app,
            &client,
            Method::GET,
            "/api/organization/members",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{b}: {me}");
        assert_eq!(
            login(&app, "carol@a.io", "correct horse battery").await,
            StatusCode::OK
        );
    }
}

/// Two admins removing each other at once both succeeded: each was checked before the other's
/// removal committed. The removal re-checks, under the organisation's lock, that whoever removes
/// still may: the second of the two finds its remover gone and changes nothing.
#[tokio::test]
async fn a_remover_removed_meanwhile_removes_nobody() {
    use spendlens_core::Role;
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let owner = app
            .store
            .create_account("boss@race.io", "x", "Race", crate::support::now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let a = crate::people::member(&app.store, &owner, "a@race.io", Role::Admin).await;
        let b = crate::people::member(&app.store, &owner, "b@race.io", Role::Admin).await;
        let removal = |by: &spendlens_store::Principal, of: &spendlens_store::Principal| {
            spendlens_store::AuditEntry {
                org_id: owner.org_id.clone(),
                actor: Some(by.user_id.clone()),
                action: "member.remove".to_owned(),
                target_type: "member".to_owned(),
                target_id: of.user_id.as_str().to_owned(),
                details: json!({}),
                at: crate::support::now(),
            }
        };
        // a removes b first; b's removal of a, checked before, arrives second.
        let first = app
            .store
            .remove_member(&owner.org_id, &b.user_id, Role::Admin, &removal(&a, &b))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(first, "{}", app.backend);
        let second = app
            .store
            .remove_member(&owner.org_id, &a.user_id, Role::Admin, &removal(&b, &a))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!second, "{}: a removed member removed another", app.backend);
        let members = app
            .store
            .members(&owner.org_id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(members.len(), 2, "{}: the owner and a stay", app.backend);
        // An admin may not remove an owner even then; an owner may remove an admin.
        let by_owner = app
            .store
            .remove_member(&owner.org_id, &a.user_id, Role::Admin, &removal(&owner, &a))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(by_owner);
    }
}
