//! A cost is refused where it is written when no computation could count it: in a currency the
//! organisation's rates table cannot convert into the campaign's (or, for overhead, into every
//! campaign's), or on a day outside the stored range. Stored, either left every ROI read of the
//! campaign and the organisation's report answering 422 about data the reader never sent.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::ledger_import::import;
use crate::support::{TestApp, database_urls, json_of, refused};

#[tokio::test]
async fn a_cost_no_rate_converts_is_refused_where_it_is_written() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "rates@example.com").await;
        let id = app
            .campaign(&json!({"name": "Launch", "currency": "USD", "budget": "1000.00",
                              "start_date": "2026-11-01", "end_date": "2026-11-30", "time_zone": "UTC"}))
            .await;
        let costs = format!("/api/campaigns/{id}/costs");
        let fee = json!({"category": "platform_fees", "amount": "1000", "platform": "meta",
                         "billing_period": "2026-11", "currency": "JPY"});
        let message = refused(app.post(&costs, &fee).await, "currency").await;
        assert!(message.contains("between JPY and USD"), "{message}");
        // Nothing stored: the campaign's ROI and the report still answer.
        let roi = app.get(&format!("/api/campaigns/{id}/roi")).await;
        assert_eq!(roi.status(), StatusCode::OK, "{}", app.backend);
        let report = app
            .get("/api/reports/financial?from=2026-11-01&to=2026-11-30&format=json")
            .await;
        assert_eq!(report.status(), StatusCode::OK, "{}", app.backend);

        // The ledger file says which entry and column.
        let (status, body) = import(
            &app,
            &id,
            "category,amount,currency,platform,billing_period\n\
             platform_fees,10,USD,meta,2026-11\n\
             platform_fees,1000,JPY,meta,2026-11\n",
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let text = body.to_string();
        assert!(
            text.contains(
                "entry 2, column currency: there is no exchange rate between JPY and USD"
            ),
            "{text}"
        );
        let listed = json_of(app.get(&costs).await).await;
        assert_eq!(listed["entries"], json!([]), "all or nothing: {listed}");

        // Overhead in EUR cannot be shared with a USD campaign without a rate.
        let overhead = json!({"amount": "500", "currency": "EUR", "reporting_period": "2026-11",
                              "allocation_method": "time_based"});
        refused(app.post("/api/overhead", &overhead).await, "currency").await;

        // With the rates, the same writes are taken (JPY through USD → JPY inverted).
        let r = app
            .request(
                &app.client,
                Method::PUT,
                "/api/finance/settings",
                Some(
                    &json!({"rates": [{"from": "USD", "to": "JPY", "rate": "150"},
                                      {"from": "EUR", "to": "USD", "rate": "1.1"}]}),
                ),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        assert_eq!(app.post(&costs, &fee).await.status(), StatusCode::CREATED);
        assert_eq!(
            app.post("/api/overhead", &overhead).await.status(),
            StatusCode::CREATED
        );
        let roi = json_of(app.get(&format!("/api/campaigns/{id}/roi")).await).await;
        // ¥1,000 at 150 to the dollar is $6.67 for November, 21 of its 30 days to today: $4.67.
        assert_eq!(roi["costs"]["platform_fees"], "4.67", "{roi}");
    }
}

#[tokio::test]
async fn a_cost_dated_outside_the_stored_days_is_refused_and_a_long_whole_window_says_why() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "days@example.com").await;
        let id = app
            .campaign(
                &json!({"name": "Launch", "currency": "USD", "start_date": "2026-11-01",
                              "time_zone": "UTC"}),
            )
            .await;
        let costs = format!("/api/campaigns/{id}/costs");
        let creative = |day: &str| {
            json!({"category": "creative_production", "amount": "10", "resource_hours": 3,
                   "incurred_on": day})
        };
        for day in ["0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"] {
            refused(app.post(&costs, &creative(day)).await, "incurred_on").await;
        }
        // A day in range but ten years before the campaign (a typo for 2026): the whole
        // campaign's window is too long to compute, and the answer says where it starts and what
        // to do, on `from`.
        assert_eq!(
            app.post(&costs, &creative("2016-01-01")).await.status(),
            StatusCode::CREATED
        );
        let message = refused(app.get(&format!("/api/campaigns/{id}/roi")).await, "from").await;
        assert!(
            message.contains("(2016-01-01)") && message.contains("give `from`"),
            "{message}"
        );
        let r = app
            .get(&format!("/api/campaigns/{id}/roi?from=2026-11-01"))
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
    }
}
