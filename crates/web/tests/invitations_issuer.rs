//! An invitation holds only while its sender may still grant it (the teams audit: an admin
//! invited a second address of theirs as admin, was removed, and the address joined as admin).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::members::{call, invite, member_id};
use crate::membership_end::join_through_page;
use crate::support::{TestApp, database_urls, new_client, page_as};

#[tokio::test]
async fn an_invitation_from_an_admin_demoted_or_removed_since_no_longer_lets_anyone_in() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "owner@a.io").await;
        let admin = join_through_page(
            &app,
            &invite(&app, &app.client, "admin@a.io", "admin").await,
        )
        .await;
        let as_admin = invite(&app, &admin, "alt@a.io", "admin").await;
        let as_viewer = invite(&app, &admin, "view@a.io", "viewer").await;
        let admin_id = member_id(&app, "admin@a.io").await;
        let member = format!("/api/organization/members/{admin_id}");
        // Made an editor: may no longer invite at all; both links stop working.
        let (status, _) = call(
            &app,
            &app.client,
            Method::PUT,
            &member,
            Some(json!({"role": "editor"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        for token in [&as_admin, &as_viewer] {
            let (status, html) =
                page_as(&app, &new_client(), &format!("/invitations/{token}")).await;
            assert_eq!(status, StatusCode::GONE, "{}: {html}", app.backend);
            assert!(html.contains("no longer holds"), "{html}");
        }
        // An account of the invited address, signed in, is refused too: no membership.
        let alt = new_client();
        app.register(&alt, "alt@a.io").await;
        let (status, body) = call(
            &app,
            &alt,
            Method::POST,
            &format!("/api/invitations/{as_admin}/accept"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::GONE, "{}: {body}", app.backend);
        // Made an admin again, their viewer invitation holds again; removed, it does not.
        let (status, _) = call(
            &app,
            &app.client,
            Method::PUT,
            &member,
            Some(json!({"role": "admin"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = page_as(&app, &new_client(), &format!("/invitations/{as_viewer}")).await;
        assert_eq!(status, StatusCode::OK, "{}", app.backend);
        let (status, _) = call(&app, &app.client, Method::DELETE, &member, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, body) = call(
            &app,
            &alt,
            Method::POST,
            &format!("/api/invitations/{as_admin}/accept"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::GONE, "{}: {body}", app.backend);
        let (_, members) = call(
            &app,
            &app.client,
            Method::GET,
            "/api/organization/members",
            None,
        )
        .await;
        assert_eq!(members.as_array().map(Vec::len), Some(1), "{members}");
    }
}
