//! Leaving one organisation does not sign a person out of the others (the teams audit: removed
//! from one client's organisation, an agency's person had to sign in again everywhere).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::members::{call, member_id};
use crate::support::{TestApp, database_urls, new_client};

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
