//! Daily snapshots: once per day per campaign, catching up missed days, also with two instances
//! over one database.
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, json_of, now};

async fn setup(app: &TestApp) -> String {
    app.register(&app.client, "a@a.io").await;
    let id = app
        .campaign(&json!({"name": "S", "budget": "1000", "start_date": "2026-11-10", "end_date": "2026-12-31", "time_zone": "UTC"}))
        .await;
    let rows = json!({"rows": [
        {"date": "2026-11-10", "platform": "meta", "spend": "10", "clicks": 1, "conversions": 1},
        {"date": "2026-11-15", "platform": "meta", "spend": "15", "clicks": 1, "conversions": 1},
        {"date": "2026-11-20", "platform": "meta", "spend": "20", "clicks": 1, "conversions": 1}
    ]});
    assert_eq!(
        app.post(&format!("/api/campaigns/{id}/metrics"), &rows)
            .await
            .status(),
        StatusCode::OK
    );
    id
}

fn spends(body: &Value) -> Vec<(String, String)> {
    body["snapshots"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["date"].as_str().unwrap_or_default().to_owned(),
                s["total_spend"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn two_concurrent_sweeps_write_each_day_once() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let id = setup(&app).await;
        // Two instances sweep at the same time over the same database.
        let (a, b) = tokio::join!(
            spendlens_app::snapshots::sweep(app.store.as_ref(), now()),
            spendlens_app::snapshots::sweep(app.store.as_ref(), now()),
        );
        let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
        // 10 Nov .. 20 Nov (yesterday, as the clock says 21 Nov): 11 days, each written once.
        assert_eq!(a.written + b.written, 11, "{}: {a:?} {b:?}", app.backend);
        let body = json_of(app.get(&format!("/api/campaigns/{id}/snapshots")).await).await;
        let s = spends(&body);
        assert_eq!(s.len(), 11, "{}", app.backend);
        assert_eq!(
            s.first(),
            Some(&("2026-11-10".to_owned(), "10.00".to_owned()))
        );
        assert_eq!(
            s.get(5),
            Some(&("2026-11-15".to_owned(), "25.00".to_owned()))
        );
        assert_eq!(
            s.last(),
            Some(&("2026-11-20".to_owned(), "45.00".to_owned()))
        );
        // A later sweep writes nothing new.
        let again = spendlens_app::snapshots::sweep(app.store.as_ref(), now())
            .await
            .unwrap_or_default();
        assert_eq!(again.written, 0);
        // After a "restart" three days later, the missed days are caught up.
        let later = now() + chrono::Duration::days(3);
        let caught = spendlens_app::snapshots::sweep(app.store.as_ref(), later)
            .await
            .unwrap_or_default();
        assert_eq!(caught.written, 3, "{}", app.backend);
    }
}

#[tokio::test]
async fn two_servers_with_schedulers_write_once_per_day() {
    // Two `serve` instances over one database, each running its scheduler.
    for url in database_urls().await {
        let first = TestApp::spawn(&url).await;
        let id = setup(&first).await;
        let _a = TestApp::spawn_with(&url, |s| s.snapshot_every_minutes = 1).await;
        let _b = TestApp::spawn_with(&url, |s| s.snapshot_every_minutes = 1).await;
        let mut count = 0;
        for _ in 0..100 {
            let body = json_of(first.get(&format!("/api/campaigns/{id}/snapshots")).await).await;
            count = spends(&body).len();
            if count >= 11 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(count, 11, "{}", first.backend);
    }
}
