//! Names a person types never hold a control character or an invisible formatting character
//! (issue 13: a right-to-left override U+202E makes `Invoice\u{202E}fdp.exe` read
//! `Invoiceexe.pdf`): every door answers 422 naming the field.
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, json_of, new_client, q4};

const KEY: &str = "5f1c9a7e3b2d4c6a8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f";

/// The fields named by a 422 answer's details.
async fn refused_fields(r: reqwest::Response) -> (StatusCode, Vec<String>, String) {
    let status = r.status();
    let body: Value = json_of(r).await;
    let fields = body["error"]["details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["field"].as_str().map(str::to_owned))
        .collect();
    (status, fields, body.to_string())
}

#[tokio::test]
async fn hidden_characters_in_names_are_refused_at_every_door() {
    for url in database_urls().await {
        let app = TestApp::spawn_with(&url, |s| s.secret_key = Some(KEY.to_owned().into())).await;
        let b = app.backend;
        app.register(&app.client, "ana@example.com").await;

        // An organisation.
        let r = app
            .request(
                &new_client(),
                Method::POST,
                "/api/auth/register",
                Some(
                    &json!({"email": "bob@example.com", "password": "correct horse battery",
                             "organization_name": "Acme\u{202E}gro"}),
                ),
            )
            .await;
        let (status, fields, body) = refused_fields(r).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {body}");
        assert_eq!(fields, vec!["organization_name"], "{b}");
        assert!(body.contains("U+202E"), "{body}");

        // A campaign, created and renamed.
        let mut named = q4();
        named["name"] = json!("Q4\u{0007} Lead Gen");
        let (status, fields, _) = refused_fields(app.post("/api/campaigns", &named).await).await;
        assert_eq!(
            (status, fields),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["name".to_owned()]),
            "{b}"
        );
        let id = app.campaign(&q4()).await;
        let r = app
            .request(
                &app.client,
                Method::PATCH,
                &format!("/api/campaigns/{id}"),
                Some(&json!({"name": "Q4 \u{2066}Lead Gen"})),
            )
            .await;
        let (status, fields, _) = refused_fields(r).await;
        assert_eq!(
            (status, fields),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["name".to_owned()]),
            "{b}"
        );

        // An API token.
        let r = app
            .post("/api/tokens", &json!({"name": "ci\u{202E}"}))
            .await;
        let (status, fields, _) = refused_fields(r).await;
        assert_eq!(
            (status, fields),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["name".to_owned()]),
            "{b}"
        );

        // A connection's account.
        let r = app
            .post(
                &format!("/api/campaigns/{id}/connections"),
                &json!({"platform": "meta", "account_id": "act_12345\u{202E}", "access_token": "EAAB-token"}),
            )
            .await;
        let (status, fields, body) = refused_fields(r).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {body}");
        assert_eq!(fields, vec!["account_id"], "{b}");

        // A platform typed into the cost ledger.
        let r = app
            .post(
                &format!("/api/campaigns/{id}/costs"),
                &json!({"category": "platform_fees", "amount": "99", "currency": "USD",
                        "platform": "Agen\u{202E}cy", "billing_period": "2026-11"}),
            )
            .await;
        let (status, fields, body) = refused_fields(r).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {body}");
        assert_eq!(fields, vec!["platform"], "{b}");

        // An attribution channel.
        let csv = "journey_id,timestamp,event,channel,value\n\
                   j1,2026-11-02T09:00:00Z,touch,goo\u{202E}gle,\n\
                   j1,2026-11-03T09:00:00Z,conversion,,100\n";
        let form = Form::new().part(
            "file",
            Part::bytes(csv.as_bytes().to_vec()).file_name("t.csv"),
        );
        let r = app
            .client
            .post(format!("{}/api/attribution/touchpoints", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (status, _, body) = refused_fields(r).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {body}");
        assert!(
            body.contains("channel") && body.contains("U+202E"),
            "{b}: {body}"
        );

        // Nothing was stored by any of them.
        let names: Vec<Value> = json_of(app.get("/api/campaigns").await)
            .await
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| c["name"].clone())
            .collect();
        assert_eq!(names, vec![json!("Q4 Lead Gen")], "{b}");
        assert_eq!(json_of(app.get("/api/tokens").await).await, json!([]));
    }
}
