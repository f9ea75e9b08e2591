use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, json_of, q4};

fn fields(body: &Value) -> Vec<String> {
    body["error"]["details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["field"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn crud_with_field_named_validation() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app.campaign(&q4()).await;
        let got = json_of(app.get(&format!("/api/campaigns/{id}")).await).await;
        assert_eq!(got["budget"], "15000.00");
        assert_eq!(got["start_date"], "2026-11-01");

        // End before start is refused, naming the field; so are other bad fields, all at once.
        let r = app
            .post(
                "/api/campaigns",
                &json!({"name": "", "currency": "dollars", "budget": "-5",
            "start_date": "2026-12-01", "end_date": "2026-11-01", "time_zone": "Mars/Base"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&json_of(r).await), vec!["budget"]);
        let r = app
            .post(
                "/api/campaigns",
                &json!({"name": "", "currency": "dollars", "budget": "5",
            "start_date": "2026-12-01", "end_date": "2026-11-01", "time_zone": "Mars/Base"}),
            )
            .await;
        assert_eq!(
            fields(&json_of(r).await),
            vec!["name", "currency", "end_date", "time_zone"]
        );
        // Three letters that name no currency are refused; a real one in lower case is read.
        let r = app
            .post("/api/campaigns", &json!({"name": "x", "currency": "XYZ"}))
            .await;
        let got = json_of(r).await;
        assert_eq!(fields(&got), vec!["currency"]);
        assert!(
            got["error"]["details"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("not an ISO 4217 currency code"),
            "{got}"
        );
        let r = app
            .post("/api/campaigns", &json!({"name": "y", "currency": "pln"}))
            .await;
        let pln = json_of(r).await;
        assert_eq!(pln["currency"], "PLN");
        let r = app
            .request(
                &app.client,
                Method::DELETE,
                &format!("/api/campaigns/{}", pln["id"].as_str().unwrap_or_default()),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let r = app
            .post(
                "/api/campaigns",
                &json!({"name": "x", "budgett": 5, "start_date": "2026-13-01"}),
            )
            .await;
        assert_eq!(fields(&json_of(r).await), vec!["start_date", "budgett"]);

        // PATCH checks the merged campaign: an end before the stored start is refused.
        let r = app
            .request(
                &app.client,
                Method::PATCH,
                &format!("/api/campaigns/{id}"),
                Some(&json!({"end_date": "2026-10-01"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&json_of(r).await), vec!["end_date"]);
        let r = app
            .request(
                &app.client,
                Method::PATCH,
                &format!("/api/campaigns/{id}"),
                Some(&json!({"budget": "1,000"})),
            )
            .await;
        assert_eq!(fields(&json_of(r).await), vec!["budget"]);
        let r = app
            .request(
                &app.client,
                Method::PATCH,
                &format!("/api/campaigns/{id}"),
                Some(&json!({"name": "Renamed", "budget": null})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let body = json_of(r).await;
        assert_eq!(
            (body["name"].as_str(), body["budget"].is_null()),
            (Some("Renamed"), true)
        );

        // Settings round trip.
        let r = app
            .request(
                &app.client,
                Method::PUT,
                &format!("/api/campaigns/{id}/settings"),
                Some(
                    &json!({"linkedin_conversion_value": "120", "ga4_average_order_value": 110.5}),
                ),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let s = json_of(app.get(&format!("/api/campaigns/{id}/settings")).await).await;
        assert_eq!(
            s,
            json!({"linkedin_conversion_value": "120.00", "ga4_average_order_value": "110.50", "custom_integration_average_order_value": null})
        );

        // Values above the money limit are refused, each named, and nothing is written (the
        // campaign form refuses them with the same words).
        let r = app
            .request(
                &app.client,
                Method::PUT,
                &format!("/api/campaigns/{id}/settings"),
                Some(&json!({"linkedin_conversion_value": "10000000000000.01",
                    "ga4_average_order_value": "5",
                    "custom_integration_average_order_value": 20000000000000u64})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = json_of(r).await;
        assert_eq!(
            body["error"]["details"],
            json!([{"field": "linkedin_conversion_value", "message": "is too large"},
                   {"field": "custom_integration_average_order_value", "message": "is too large"}])
        );
        let s = json_of(app.get(&format!("/api/campaigns/{id}/settings")).await).await;
        assert_eq!(s["linkedin_conversion_value"], "120.00", "unchanged");

        assert_eq!(
            json_of(app.get("/api/campaigns").await)
                .await
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        let r = app
            .request(
                &app.client,
                Method::DELETE,
                &format!("/api/campaigns/{id}"),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            app.get(&format!("/api/campaigns/{id}")).await.status(),
            StatusCode::NOT_FOUND
        );
    }
}

/// The edit form saved over a campaign someone changed after it was opened: refused, saying
/// what the campaign is now, and their change kept; saved again from that page, it is written.
#[tokio::test]
async fn an_edit_form_opened_before_another_change_does_not_undo_it() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app.campaign(&q4()).await;
        let path = format!("/campaigns/{id}/edit");
        let (_, edit) = crate::support::page(&app, &path).await;
        let original = hidden(&edit, "original");
        let csrf = crate::support::token_in(&edit);
        // Meanwhile a teammate raises the budget.
        let r = app
            .request(
                &app.client,
                Method::PATCH,
                &format!("/api/campaigns/{id}"),
                Some(&json!({"budget": "20000"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let form = |name: &'static str, original: String| {
            vec![
                ("csrf", csrf.clone()),
                ("original", original),
                ("name", name.to_owned()),
                ("currency", "USD".to_owned()),
                ("budget", "15,000.00".to_owned()),
                ("start_date", "2026-11-01".to_owned()),
                ("end_date", "2026-12-15".to_owned()),
                ("time_zone", "UTC".to_owned()),
            ]
        };
        let (app, path) = (&app, &path);
        let send = |fields: Vec<(&'static str, String)>| async move {
            let borrowed: Vec<(&str, &str)> =
                fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            crate::support::post_form(app, path, &borrowed).await
        };
        let (status, page) = send(form("Q4 renamed", original)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(
            page.contains("Someone changed this campaign after you opened this form")
                && page.contains("budget 20,000.00"),
            "{page}"
        );
        let got = json_of(app.get(&format!("/api/campaigns/{id}")).await).await;
        assert_eq!(
            (got["name"].as_str(), got["budget"].as_str()),
            (Some("Q4 Lead Gen"), Some("20000.00"))
        );
        // The page that said so carries the new fingerprint: saving from it is written.
        let (status, saved) = send(form("Q4 renamed", hidden(&page, "original"))).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        let got = json_of(app.get(&format!("/api/campaigns/{id}")).await).await;
        assert_eq!(got["name"], "Q4 renamed");
    }
}

/// The value of the hidden input `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    html.split_once(&marker)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(v, _)| v.to_owned())
        .unwrap_or_default()
}

/// A campaign's currency can change while it holds no money; once it holds daily rows, a new
/// currency is refused on the field (through the API and the form), and nothing is relabelled.
#[tokio::test]
async fn a_campaign_holding_money_keeps_its_currency() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@a.io").await;
        let id = app.campaign(&q4()).await;
        let patch = |currency: &'static str| {
            let app = &app;
            let path = format!("/api/campaigns/{id}");
            async move {
                let r = app
                    .request(
                        &app.client,
                        Method::PATCH,
                        &path,
                        Some(&json!({ "currency": currency })),
                    )
                    .await;
                (r.status(), json_of(r).await)
            }
        };
        assert_eq!(patch("EUR").await.0, StatusCode::OK, "{}", app.backend);
        assert_eq!(patch("USD").await.0, StatusCode::OK);
        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &json!({"rows": [{"date": "2026-11-02", "platform": "meta", "spend": "10.00"}]}),
            )
            .await;
        assert!(r.status().is_success(), "{}", r.status());
        let (status, body) = patch("GBP").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(fields(&body), vec!["currency"]);
        assert!(
            body["error"]["details"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("stored in USD")),
            "{body}"
        );
        // The form says so beside the field.
        let path = format!("/campaigns/{id}/edit");
        let (_, edit) = crate::support::page(&app, &path).await;
        let form = [
            ("csrf", crate::support::token_in(&edit)),
            ("original", hidden(&edit, "original")),
            ("name", "Q4 Lead Gen".to_owned()),
            ("currency", "GBP".to_owned()),
            ("budget", "15,000.00".to_owned()),
            ("start_date", "2026-11-01".to_owned()),
            ("end_date", "2026-12-15".to_owned()),
            ("time_zone", "UTC".to_owned()),
        ];
        let borrowed: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, page) = crate::support::post_form(&app, &path, &borrowed).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(page.contains("stored in USD"), "{page}");
        let got = json_of(app.get(&format!("/api/campaigns/{id}")).await).await;
        assert_eq!(got["currency"], "USD");
    }
}

/// A budget of zero is refused, saying to leave the field empty (the analysis reads zero as no
/// budget, so a stored zero showed "0.00" beside "No budget" and never raised an alert); one
/// stored before is shown as no budget and does not block editing the campaign's other fields.
#[tokio::test]
async fn a_zero_budget_is_refused_and_one_stored_before_reads_as_none() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let org = app.register(&app.client, "zero@example.com").await;
        for budget in ["0", "0.00"] {
            let r = app
                .post("/api/campaigns", &json!({"name": "Zero", "budget": budget}))
                .await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{budget}");
            let body = json_of(r).await;
            let detail = &body["error"]["details"][0];
            assert_eq!(detail["field"], "budget", "{body}");
            assert!(
                detail["message"].to_string().contains("leave it empty"),
                "{body}"
            );
        }
        let legacy = app
            .store
            .create_campaign(
                &spendlens_core::campaign::OrgId::new(org),
                &spendlens_core::campaign::CampaignSpec {
                    name: "Legacy".to_owned(),
                    currency: "USD".to_owned(),
                    budget: Some(rust_decimal::Decimal::ZERO),
                    start_date: None,
                    end_date: None,
                    time_zone: "UTC".to_owned(),
                },
                crate::support::now(),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let id = legacy.id.to_string();
        let got = json_of(app.get(&format!("/api/campaigns/{id}")).await).await;
        assert_eq!(got["budget"], Value::Null, "{got}");
        let r = app
            .request(
                &app.client,
                Method::PATCH,
                &format!("/api/campaigns/{id}"),
                Some(&json!({"name": "Legacy renamed"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        let portfolio = json_of(app.get("/api/portfolio").await).await;
        let row = &portfolio["campaigns"][0];
        assert_eq!(
            (row["budget"].clone(), row["pacing"].clone()),
            (Value::Null, json!("no_budget")),
            "{row}"
        );
    }
}
