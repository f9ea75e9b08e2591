//! The ledger CSV import is idempotent (issue 13, item 5): the same file imported twice stores
//! its entries once, and the answer counts them new, updated or unchanged, through the API and
//! the page, on each backend.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, json_of, page, token_in};

pub(crate) async fn import(app: &TestApp, id: &str, csv: &str) -> (StatusCode, Value) {
    let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("ledger.csv");
    let r = app
        .client
        .post(format!("{}/api/campaigns/{id}/costs/import", app.base))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = r.status();
    (status, json_of(r).await)
}

fn counts(body: &Value) -> (Value, Value, Value) {
    (
        body["inserted"].clone(),
        body["updated"].clone(),
        body["unchanged"].clone(),
    )
}

async fn entries(app: &TestApp, id: &str) -> usize {
    json_of(app.get(&format!("/api/campaigns/{id}/costs")).await).await["entries"]
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn a_ledger_file_imported_twice_is_stored_once() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ledger@example.com").await;
        let id = app
            .campaign(
                &json!({"name": "November", "currency": "USD", "budget": "1000",
                "start_date": "2026-11-01", "end_date": "2026-11-30", "time_zone": "UTC"}),
            )
            .await;
        // The three rows (two of them identical: two real invoices).
        let file = "category,amount,attribution_method,allocation_date,resource_hours,incurred_on\n\
                    media_spend,200,last_touch,2026-11-03,,\n\
                    media_spend,200,last_touch,2026-11-03,,\n\
                    creative_production,120.50,,,4,2026-11-02\n";
        let (status, first) = import(&app, &id, file).await;
        assert_eq!(status, StatusCode::CREATED, "{}: {first}", app.backend);
        assert_eq!(
            counts(&first),
            (json!(3), json!(0), json!(0)),
            "{}",
            app.backend
        );
        let (_, second) = import(&app, &id, file).await;
        assert_eq!(
            counts(&second),
            (json!(0), json!(0), json!(3)),
            "{}",
            app.backend
        );
        assert_eq!(second["imported"], 3);
        assert_eq!(entries(&app, &id).await, 3, "{}: not 6", app.backend);

        // With an external id a corrected row updates its entry; a new row is added.
        let with_ids = "external_id,category,amount,attribution_method,allocation_date\n\
                        INV-1,media_spend,300,last_touch,2026-11-04\n";
        let (_, r) = import(&app, &id, with_ids).await;
        assert_eq!(counts(&r), (json!(1), json!(0), json!(0)), "{r}");
        let corrected = "external_id,category,amount,attribution_method,allocation_date\n\
                         INV-1,media_spend,310,last_touch,2026-11-04\n\
                         INV-2,media_spend,5,last_touch,2026-11-05\n";
        let (_, r) = import(&app, &id, corrected).await;
        assert_eq!(counts(&r), (json!(1), json!(1), json!(0)), "{r}");
        assert_eq!(entries(&app, &id).await, 5, "{}", app.backend);
        // An id twice in one file is refused, naming its line.
        let twice = "external_id,category,amount,attribution_method,allocation_date\n\
                     INV-3,media_spend,1,last_touch,2026-11-04\n\
                     INV-3,media_spend,2,last_touch,2026-11-04\n";
        let (status, r) = import(&app, &id, twice).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
        assert!(r.to_string().contains("line 3, column external_id"), "{r}");

        // The page says the same.
        let (_, html) = page(&app, &format!("/campaigns/{id}/finance")).await;
        let form = reqwest::multipart::Form::new()
            .text("csrf", token_in(&html))
            .part(
                "file",
                reqwest::multipart::Part::bytes(file.as_bytes().to_vec()).file_name("ledger.csv"),
            );
        let r = app
            .client
            .post(format!("{}/campaigns/{id}/finance/import", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let html = r.text().await.unwrap_or_default();
        assert!(
            html.contains("Imported 3 ledger entries: 0 new, 0 updated, 3 unchanged."),
            "{}",
            app.backend
        );
        assert_eq!(entries(&app, &id).await, 5, "{}", app.backend);
    }
}
