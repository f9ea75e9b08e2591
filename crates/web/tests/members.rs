//! Issue 18: members, roles, invitations and several organisations per person, through the
//! API and the pages.

use chrono::TimeDelta;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::membership_end::join_through_page;
use crate::support::{TestApp, database_urls, json_of, new_client, now, page_as, q4, token_in};

pub(crate) async fn call(
    app: &TestApp,
    client: &Client,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let r = app.request(client, method, path, body.as_ref()).await;
    let status = r.status();
    (status, json_of(r).await)
}

/// Invites `email` with `role` as `client`; the link's token.
pub(crate) async fn invite(app: &TestApp, client: &Client, email: &str, role: &str) -> String {
    let (status, body) = call(
        app,
        client,
        Method::POST,
        "/api/organization/invitations",
        Some(json!({"email": email, "role": role})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{}: {body}", app.backend);
    assert!(
        body["link"].as_str().is_some_and(|l| l.ends_with(&format!(
            "/invitations/{}",
            body["token"].as_str().unwrap_or("?")
        ))),
        "{body}"
    );
    body["token"].as_str().unwrap_or_default().to_owned()
}

/// The user id of the member with `email`, as the owner (`app.client`) lists the members.
pub(crate) async fn member_id(app: &TestApp, email: &str) -> String {
    let (_, members) = call(
        app,
        &app.client,
        Method::GET,
        "/api/organization/members",
        None,
    )
    .await;
    members
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["email"] == email)
        .and_then(|m| m["user_id"].as_str())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn invitations_work_once_expire_and_can_be_revoked() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "owner@a.io").await;
        let token = invite(&app, &app.client, "ed@a.io", "editor").await;
        let (_, pending) = call(
            &app,
            &app.client,
            Method::GET,
            "/api/organization/invitations",
            None,
        )
        .await;
        assert_eq!(pending[0]["email"], "ed@a.io");
        assert_eq!(pending[0]["role"], "editor");
        assert_eq!(pending[0]["expires_at"], "2026-11-28T12:00:00Z");
        assert_eq!(
            pending[0].get("token"),
            None,
            "a listed invitation never shows its link"
        );

        // Used once through the page; the second time is 410 saying so.
        let ed = join_through_page(&app, &token).await;
        let (_, members) = call(&app, &ed, Method::GET, "/api/organization/members", None).await;
        let roles: Vec<(&str, &str)> = members
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                (
                    m["email"].as_str().unwrap_or(""),
                    m["role"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(roles, [("ed@a.io", "editor"), ("owner@a.io", "owner")]);
        let (status, html) = page_as(&app, &new_client(), &format!("/invitations/{token}")).await;
        assert_eq!(status, StatusCode::GONE, "{}", app.backend);
        assert!(html.contains("already been used"), "{html}");

        // Revoked: 410, and gone from the list.
        let token = invite(&app, &app.client, "vi@a.io", "viewer").await;
        let (_, pending) = call(
            &app,
            &app.client,
            Method::GET,
            "/api/organization/invitations",
            None,
        )
        .await;
        let id = pending[0]["id"].as_str().unwrap_or_default().to_owned();
        let (status, _) = call(
            &app,
            &app.client,
            Method::DELETE,
            &format!("/api/organization/invitations/{id}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = call(
            &app,
            &app.client,
            Method::DELETE,
            &format!("/api/organization/invitations/{id}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, html) = page_as(&app, &new_client(), &format!("/invitations/{token}")).await;
        assert_eq!(status, StatusCode::GONE);
        assert!(html.contains("revoked"), "{html}");
        // An unknown link is a 404.
        let (status, _) = page_as(&app, &new_client(), "/invitations/nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Valid for 7 days: a second instance 7 days and a second later refuses it as expired;
        // a second before, the link still opens.
        let token = invite(&app, &app.client, "late@a.io", "viewer").await;
        let before = TestApp::spawn_at(
            &url,
            now() + TimeDelta::days(7) - TimeDelta::seconds(1),
            |_| {},
        )
        .await;
        let (status, _) = page_as(&before, &new_client(), &format!("/invitations/{token}")).await;
        assert_eq!(status, StatusCode::OK, "{}", app.backend);
        let later = TestApp::spawn_at(
            &url,
            now() + TimeDelta::days(7) + TimeDelta::seconds(1),
            |_| {},
        )
        .await;
        let (status, html) = page_as(&later, &new_client(), &format!("/invitations/{token}")).await;
        assert_eq!(status, StatusCode::GONE, "{}", app.backend);
        assert!(html.contains("expired on 28 Nov 2026 12:00 UTC"), "{html}");
    }
}

#[tokio::test]
async fn an_invitation_is_taken_up_by_its_address_only_and_grants_at_most_the_inviters_role() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "owner@a.io").await;
        let admin = join_through_page(
            &app,
            &invite(&app, &app.client, "admin@a.io", "admin").await,
        )
        .await;
        // Only an owner grants owner.
        let (status, body) = call(
            &app,
            &admin,
            Method::POST,
            "/api/organization/invitations",
            Some(json!({"email": "x@a.io", "role": "owner"})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"]["message"], "only an owner grants owner");
        let (status, body) = call(
            &app,
            &admin,
            Method::POST,
            "/api/organization/invitations",
            Some(json!({"email": "x@a.io", "role": "chief"})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["details"][0]["field"], "role");

        // Someone signed in with another address cannot use a forwarded link.
        let token = invite(&app, &admin, "carol@a.io", "viewer").await;
        let other = new_client();
        app.register(&other, "mallory@m.io").await;
        let (status, body) = call(
            &app,
            &other,
            Method::POST,
            &format!("/api/invitations/{token}/accept"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("another e-mail address")
        );
        // A member taking their own org's invitation up again: 409.
        let token = invite(&app, &app.client, "mallory@m.io", "viewer").await;
        let (status, body) = call(
            &app,
            &other,
            Method::POST,
            &format!("/api/invitations/{token}/accept"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["role"], "viewer");
        assert_eq!(body["current"], false);
        let (status, _) = call(
            &app,
            &other,
            Method::POST,
            &format!("/api/invitations/{token}/accept"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::GONE);
    }
}

#[tokio::test]
async fn removal_ends_sessions_and_tokens_at_once_and_the_last_owner_stays() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "owner@a.io").await;
        let ed =
            join_through_page(&app, &invite(&app, &app.client, "ed@a.io", "editor").await).await;
        let (status, token) = call(
            &app,
            &ed,
            Method::POST,
            "/api/tokens",
            Some(json!({"name": "ed-ci"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(token["role"], "editor");
        let bearer = token["token"].as_str().unwrap_or_default().to_owned();
        let with_token = |method: Method, path: &str| {
            app.client
                .request(method, format!("{}{path}", app.base))
                .bearer_auth(&bearer)
                .json(&q4())
        };
        let created = with_token(Method::POST, "/api/campaigns")
            .send()
            .await
            .map(|r| r.status());
        assert_eq!(created.ok(), Some(StatusCode::CREATED));

        // Demoted to viewer: the session and the token lose their writes on the next request.
        let ed_id = member_id(&app, "ed@a.io").await;
        let (status, body) = call(
            &app,
            &app.client,
            Method::PUT,
            &format!("/api/organization/members/{ed_id}"),
            Some(json!({"role": "viewer"})),
        )
        .await;
        assert_eq!(
            (status, body["role"].clone()),
            (StatusCode::OK, json!("viewer"))
        );
        let (status, body) = call(&app, &ed, Method::POST, "/api/campaigns", Some(q4())).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"]["code"], "forbidden");
        let refused = with_token(Method::POST, "/api/campaigns")
            .send()
            .await
            .map(|r| r.status());
        assert_eq!(refused.ok(), Some(StatusCode::FORBIDDEN));
        let read = with_token(Method::GET, "/api/campaigns")
            .send()
            .await
            .map(|r| r.status());
        assert_eq!(read.ok(), Some(StatusCode::OK));

        // Removed: both answer 401 at once.
        let (status, _) = call(
            &app,
            &app.client,
            Method::DELETE,
            &format!("/api/organization/members/{ed_id}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = call(&app, &ed, Method::GET, "/api/campaigns", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{}", app.backend);
        let gone = with_token(Method::GET, "/api/campaigns")
            .send()
            .await
            .map(|r| r.status());
        assert_eq!(gone.ok(), Some(StatusCode::UNAUTHORIZED));

        // The last owner can be neither demoted nor removed, nor leave; with a second owner
        // the first may leave.
        let (_, members) = call(
            &app,
            &app.client,
            Method::GET,
            "/api/organization/members",
            None,
        )
        .await;
        let owner_id = members[0]["user_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        for (method, path, body) in [
            (
                Method::PUT,
                format!("/api/organization/members/{owner_id}"),
                Some(json!({"role": "admin"})),
            ),
            (
                Method::DELETE,
                format!("/api/organization/members/{owner_id}"),
                None,
            ),
            (Method::POST, "/api/organization/leave".to_owned(), None),
        ] {
            let (status, answer) = call(&app, &app.client, method.clone(), &path, body).await;
            assert_eq!(status, StatusCode::CONFLICT, "{method} {path}: {answer}");
            assert!(
                answer["error"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("last owner"),
                "{answer}"
            );
        }
        let co =
            join_through_page(&app, &invite(&app, &app.client, "co@a.io", "owner").await).await;
        let (status, _) = call(
            &app,
            &app.client,
            Method::POST,
            "/api/organization/leave",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, members) = call(&app, &co, Method::GET, "/api/organization/members", None).await;
        assert_eq!(members.as_array().map(Vec::len), Some(1));
        // Every change is in the audit log, with the role before and after; never a token.
        let orgs = json_of(
            app.request(&co, Method::GET, "/api/organizations", None)
                .await,
        )
        .await;
        let org_id =
            spendlens_core::campaign::OrgId::new(orgs[0]["id"].as_str().unwrap_or_default());
        let entries = app
            .store
            .audit_entries(&org_id, 50)
            .await
            .unwrap_or_default();
        let change = entries
            .iter()
            .find(|e| e.entry.action == "member.role_change")
            .unwrap_or_else(|| panic!("no role change audited"));
        assert_eq!(change.entry.details["before"], "editor");
        assert_eq!(change.entry.details["after"], "viewer");
        for action in [
            "member.remove",
            "member.leave",
            "member.join",
            "invitation.create",
        ] {
            assert!(
                entries.iter().any(|e| e.entry.action == action),
                "{action} not audited"
            );
        }
        assert!(
            !entries
                .iter()
                .any(|e| e.entry.details.to_string().contains(&bearer))
        );
    }
}

#[tokio::test]
async fn a_person_switches_between_organisations_of_theirs_only() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let first = app.register(&app.client, "agency@a.io").await;
        let (status, created) = call(
            &app,
            &app.client,
            Method::POST,
            "/api/organizations",
            Some(json!({"name": "Client Two"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["role"], "owner");
        let second = created["id"].as_str().unwrap_or_default().to_owned();
        let (_, orgs) = call(&app, &app.client, Method::GET, "/api/organizations", None).await;
        let names: Vec<(&str, bool)> = orgs
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| {
                (
                    o["name"].as_str().unwrap_or(""),
                    o["current"].as_bool().unwrap_or(false),
                )
            })
            .collect();
        assert_eq!(names, [("Client Two", false), ("Org of agency@a.io", true)]);
        app.campaign(&q4()).await;
        let (status, _) = call(
            &app,
            &app.client,
            Method::POST,
            "/api/session/organization",
            Some(json!({"org_id": second})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (_, list) = call(&app, &app.client, Method::GET, "/api/campaigns", None).await;
        assert_eq!(
            list.as_array()
                .map(Vec::len)
                .or_else(|| list["campaigns"].as_array().map(Vec::len)),
            Some(0)
        );
        // Another person's organisation: 404, and the session stays where it was.
        let stranger = new_client();
        let theirs = app.register(&stranger, "someone@b.io").await;
        let (status, _) = call(
            &app,
            &app.client,
            Method::POST,
            "/api/session/organization",
            Some(json!({"org_id": theirs})),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, orgs) = call(&app, &app.client, Method::GET, "/api/organizations", None).await;
        assert!(
            orgs.as_array()
                .into_iter()
                .flatten()
                .any(|o| o["id"] == second.as_str() && o["current"] == true)
        );
        // The header's switcher (a plain form) moves back.
        let (_, html) = page_as(&app, &app.client, "/campaigns").await;
        assert!(html.contains("data-section=\"org-switcher\""), "{html}");
        let r = app
            .client
            .post(format!("{}/organization/switch", app.base))
            .form(&[
                ("csrf", token_in(&html).as_str()),
                ("org_id", first.as_str()),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(r.status().is_success() || r.status().is_redirection());
        let (_, list) = call(&app, &app.client, Method::GET, "/api/campaigns", None).await;
        assert_eq!(
            list.as_array()
                .map(Vec::len)
                .or_else(|| list["campaigns"].as_array().map(Vec::len)),
            Some(1)
        );
        // A page opened in the first organisation, submitted after another tab switched to the
        // second: refused (it would have made its campaign in the second), nothing made.
        let (_, form) = page_as(&app, &app.client, "/campaigns/new").await;
        let stale = token_in(&form);
        let (status, _) = call(
            &app,
            &app.client,
            Method::POST,
            "/api/session/organization",
            Some(json!({"org_id": second})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let r = app
            .client
            .post(format!("{}/campaigns", app.base))
            .form(&[
                ("csrf", stale.as_str()),
                ("name", "Meant for the first"),
                ("currency", "USD"),
                ("time_zone", "UTC"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", app.backend);
        let body = r.text().await.unwrap_or_default();
        assert!(body.contains("opened in another organisation"), "{body}");
        let (_, list) = call(&app, &app.client, Method::GET, "/api/campaigns", None).await;
        assert_eq!(
            list.as_array()
                .map(Vec::len)
                .or_else(|| list["campaigns"].as_array().map(Vec::len)),
            Some(0),
            "nothing made in the second organisation"
        );
    }
}

/// The `data-metric` values of a page, in order.
fn figures(html: &str) -> Vec<String> {
    html.split("data-metric=\"")
        .skip(1)
        .map(|rest| {
            let (name, after) = rest.split_once('"').unwrap_or((rest, ""));
            let value = after
                .split_once('>')
                .map(|(_, v)| v.split('<').next().unwrap_or(""))
                .unwrap_or("");
            format!("{name}={value}")
        })
        .collect()
}

/// The POST forms of a page other than signing out and switching organisation.
fn write_forms(html: &str) -> Vec<String> {
    html.split("method=\"post\" action=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|a| *a != "/signout" && *a != "/organization/switch")
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_viewer_invited_through_the_pages_sees_the_owners_figures_and_writes_nothing() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let campaigns = crate::support::demo(&app).await;
        let id = campaigns
            .first()
            .map(|(id, _)| id.clone())
            .unwrap_or_default();
        // The owner invites through the Members page; the link is shown once.
        let (_, html) = page_as(&app, &app.client, "/organization/members").await;
        let r = app
            .client
            .post(format!("{}/organization/invitations", app.base))
            .form(&[
                ("csrf", token_in(&html).as_str()),
                ("email", "cfo@a.io"),
                ("role", "viewer"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap_or_default();
        let link = crate::support::metric(&html, "invitation-link");
        let token = link.rsplit('/').next().unwrap_or_default().to_owned();
        assert!(!token.is_empty(), "{html}");
        let viewer = join_through_page(&app, &token).await;
        // Pending invitations (an invitee's address) are the admins' to see, not a viewer's.
        invite(&app, &app.client, "pending@a.io", "editor").await;
        let (_, owners) = page_as(&app, &app.client, "/organization/members").await;
        let (_, theirs) = page_as(&app, &viewer, "/organization/members").await;
        assert!(owners.contains("pending@a.io"), "{owners}");
        assert!(!theirs.contains("pending@a.io") && !theirs.contains("pending-invitations"));
        let list = "/api/organization/invitations";
        let (status, _) = call(&app, &viewer, Method::GET, list, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // A model run, then new data: its page offers "Run again" to the owner only.
        let run = json_of(
            app.post(
                "/api/mmm",
                &json!({"campaigns": [id], "kpi": {"source": "platform_revenue"}, "draws": 20}),
            )
            .await,
        )
        .await;
        let run_page = format!("/mmm/{}", run["id"].as_str().unwrap_or_default());
        app.post(
            &format!("/api/campaigns/{id}/metrics"),
            &json!({"rows": [{"date": run["result"]["to"], "platform": "meta", "spend": "1.00", "clicks": 1}]}),
        )
        .await;
        let (_, owners) = page_as(&app, &app.client, &run_page).await;
        assert!(
            owners.contains("Run it again with the same settings"),
            "{owners}"
        );
        let (_, theirs) = page_as(&app, &viewer, &run_page).await;
        assert!(theirs.contains("An editor can run it again"), "{theirs}");
        assert!(!theirs.contains("/run-again"), "no button for a viewer");

        for tab in [
            "",
            "?tab=roi-roas",
            "?tab=cost-analysis",
            "?tab=budget-allocation",
            "?tab=insights",
        ] {
            let path = format!("/campaigns/{id}{tab}");
            let (_, owners) = page_as(&app, &app.client, &path).await;
            let (status, theirs) = page_as(&app, &viewer, &path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(!figures(&owners).is_empty(), "{path}");
            assert_eq!(figures(&theirs), figures(&owners), "{} {path}", app.backend);
            assert!(
                write_forms(&theirs).is_empty(),
                "{path}: {:?}",
                write_forms(&theirs)
            );
        }
        for path in [
            format!("/campaigns/{id}/finance"),
            "/finance".to_owned(),
            format!("/campaigns/{id}/connections"),
            format!("/campaigns/{id}/attribution"),
            format!("/campaigns/{id}/imports"),
            "/mmm".to_owned(),
            run_page.clone(),
            "/campaigns".to_owned(),
        ] {
            let (status, html) = page_as(&app, &viewer, &path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(
                write_forms(&html).is_empty(),
                "{path}: {:?}",
                write_forms(&html)
            );
        }
        // Every write is refused on the server anyway (the pages' forms and the API).
        let (_, html) = page_as(&app, &viewer, "/account").await;
        let csrf = token_in(&html);
        for path in [
            format!("/campaigns/{id}/edit"),
            format!("/campaigns/{id}/finance/costs"),
            "/campaigns".to_owned(),
            "/finance/settings".to_owned(),
            "/organization/invitations".to_owned(),
            format!("{run_page}/run-again"),
        ] {
            let r = viewer
                .post(format!("{}{path}", app.base))
                .form(&[("csrf", csrf.as_str())])
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
            assert!(
                r.text().await.unwrap_or_default().contains("Not allowed"),
                "{path}"
            );
        }
        let (status, body) = call(
            &app,
            &viewer,
            Method::PATCH,
            &format!("/api/campaigns/{id}"),
            Some(json!({"name": "x"})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (_, campaign) = call(
            &app,
            &app.client,
            Method::GET,
            &format!("/api/campaigns/{id}"),
            None,
        )
        .await;
        assert_ne!(campaign["name"], "x");
    }
}
