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
