//! "Run again" on an out-of-date marketing-mix run, through the real server on both backends: a
//! run the ROI does not rest on (an organisation-wide model, one a budget plan was to use) is
//! not refreshed by the scheduler, so its page offers to fit it again with its own request on
//! today's data, and the API does the same (`POST /api/mmm/{id}/run-again`). A current run, and
//! one on an uploaded KPI series (whose values are not kept), are refused with the reason.
use chrono::NaiveDate;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, json_of, page, served_demo, token_in};

/// The run's window from its document.
fn window(run: &Value) -> (NaiveDate, NaiveDate) {
    let day = |k: &str| {
        run["result"][k]
            .as_str()
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("no {k} in {run}"))
    };
    (day("from"), day("to"))
}

/// The run's figure of `channel`'s spend.
fn spend_of(run: &Value, channel: &str) -> f64 {
    run["result"]["channels"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["channel"] == channel)
        .and_then(|c| c["spend"].as_str()?.parse().ok())
        .unwrap_or_else(|| panic!("no {channel} in {run}"))
}

/// Presses "Run again" on run `id`'s page (`html`, for its token); the answer after redirects.
async fn run_again_on_the_page(app: &TestApp, id: &str, html: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/mmm/{id}/run-again", app.base))
        .form(&[("csrf", token_in(html).as_str())])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn an_out_of_date_run_is_run_again_from_its_page_and_the_api() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let (_, q4) = served_demo(&app).await;
        let tag = app.backend;
        let body = json!({"campaigns": [q4], "draws": 40, "seed": 3});
        let first = json_of(app.post("/api/mmm", &body).await).await;
        let id = first["id"].as_str().unwrap_or_default().to_owned();

        // Current: no offer on the page, and the API says why it will not.
        let (_, html) = page(&app, &format!("/mmm/{id}")).await;
        assert!(!html.contains("data-section=\"mmm-out-of-date\""), "{tag}");
        assert!(!html.contains("/run-again"), "{tag}");
        let r = app
            .post(&format!("/api/mmm/{id}/run-again"), &json!({}))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{tag}");
        let refusal = json_of(r).await.to_string();
        assert!(refusal.contains("\"run\""), "{tag}: {refusal}");
        assert!(refusal.contains("up to date"), "{tag}: {refusal}");

        // New spend on the run's last day: out of date, and the page offers to run it again.
        let (_, to) = window(&first);
        app.post(
            &format!("/api/campaigns/{q4}/metrics"),
            &json!({"rows": [{"date": to.to_string(), "platform": "meta", "spend": "999.00", "clicks": 1}]}),
        )
        .await;
        let (_, html) = page(&app, &format!("/mmm/{id}")).await;
        assert!(html.contains("data-section=\"mmm-out-of-date\""), "{tag}");
        assert!(
            html.contains("Run it again with the same settings"),
            "{tag}"
        );
        assert!(
            html.contains(&format!("action=\"/mmm/{id}/run-again\"")),
            "{tag}"
        );
        let r = run_again_on_the_page(&app, &id, &html).await;
        assert_eq!(r.status(), StatusCode::OK, "{tag}");
        let path = r.url().path().to_owned();
        let new_id = path.trim_start_matches("/mmm/").to_owned();
        assert_ne!(new_id, id, "{tag}: a new run");
        let again = json_of(app.get(&format!("/api/mmm/{new_id}")).await).await;
        assert_eq!(again["current"], true, "{tag}");
        assert_eq!(
            again["request"], first["request"],
            "{tag}: the same request"
        );
        assert!(
            (spend_of(&again, "meta") - spend_of(&first, "meta") - 999.0).abs() < 0.01,
            "{tag}: the new day's spend is in it: {} then {}",
            spend_of(&first, "meta"),
            spend_of(&again, "meta")
        );
        // The old run is kept as it was.
        let old = json_of(app.get(&format!("/api/mmm/{id}")).await).await;
        assert_eq!(old["result"], first["result"], "{tag}");
        assert_eq!(old["current"], false, "{tag}");

        // Through the API: the old run again gives a third run, current too.
        let r = app
            .post(&format!("/api/mmm/{id}/run-again"), &json!({}))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{tag}");
        let third = json_of(r).await;
        assert_eq!(third["current"], true, "{tag}");
        assert_eq!(
            third["result"], again["result"],
            "{tag}: same request, same data"
        );
        // A run that is now current is refused from its page too, the reason on the page.
        let (_, html) = page(&app, &format!("/mmm/{new_id}")).await;
        let r = run_again_on_the_page(&app, &new_id, &html).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{tag}");
        let html = r.text().await.unwrap_or_default();
        assert!(
            html.contains("data-section=\"mmm-run-again-error\""),
            "{tag}: {html}"
        );
        assert!(html.contains("up to date"), "{tag}");
        // An unknown run is a 404.
        let r = app.post("/api/mmm/999999/run-again", &json!({})).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{tag}");
    }
}

#[tokio::test]
async fn a_run_on_an_uploaded_series_cannot_be_run_again_and_says_so() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let (_, q4) = served_demo(&app).await;
        let tag = app.backend;
        let ga4 = json_of(
            app.post("/api/mmm", &json!({"campaigns": [q4], "draws": 20}))
                .await,
        )
        .await;
        let (from, to) = window(&ga4);
        let values: Vec<Value> = from
            .iter_days()
            .take_while(|d| *d <= to)
            .zip(0_u32..)
            .map(|(d, i)| json!({"date": d.to_string(), "value": 2_000.0 + 10.0 * f64::from(i)}))
            .collect();
        let body =
            json!({"campaigns": [q4], "draws": 20, "kpi": {"source": "series", "values": values}});
        let r = app.post("/api/mmm", &body).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{tag}");
        let run = json_of(r).await;
        let id = run["id"].as_str().unwrap_or_default().to_owned();
        app.post(
            &format!("/api/campaigns/{q4}/metrics"),
            &json!({"rows": [{"date": to.to_string(), "platform": "meta", "spend": "5.00", "clicks": 1}]}),
        )
        .await;
        let (_, html) = page(&app, &format!("/mmm/{id}")).await;
        assert!(html.contains("data-section=\"mmm-out-of-date\""), "{tag}");
        assert!(
            html.contains("whose values spendlens does not keep"),
            "{tag}"
        );
        assert!(!html.contains("/run-again"), "{tag}: no button");
        let r = app
            .post(&format!("/api/mmm/{id}/run-again"), &json!({}))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{tag}");
        let refusal = json_of(r).await.to_string();
        assert!(refusal.contains("uploaded KPI file"), "{tag}: {refusal}");
    }
}

/// A run over "all campaigns" records the campaigns it read, so running it again reads them,
/// not a campaign added since; a run one of whose campaigns was deleted says so and offers no
/// "Run again" (the API refuses it on `run`, naming the campaign).
#[tokio::test]
async fn run_again_reads_the_run_s_own_campaigns_and_not_a_deleted_one() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let (campaigns, q4) = served_demo(&app).await;
        let tag = app.backend;
        let id_of = |name: &str| crate::support::id_named(&campaigns, name);
        let brand = id_of("Brand Awareness");
        let delete = |id: String| {
            let app = &app;
            async move {
                let r = app
                    .request(
                        &app.client,
                        reqwest::Method::DELETE,
                        &format!("/api/campaigns/{id}"),
                        None,
                    )
                    .await;
                assert!(r.status().is_success(), "{}: {}", app.backend, r.status());
            }
        };
        // Only the two USD campaigns left, a run over all the organisation's campaigns.
        delete(id_of("Spring Sale (E-commerce)")).await;
        delete(id_of("Always-on Search")).await;
        let r = app.post("/api/mmm", &json!({"draws": 20})).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{tag}");
        let run = json_of(r).await;
        let id = run["id"].as_str().unwrap_or_default().to_owned();
        let mut recorded: Vec<&str> = run["request"]["campaigns"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        recorded.sort_unstable();
        let mut both = vec![q4.as_str(), brand.as_str()];
        both.sort_unstable();
        assert_eq!(recorded, both, "{tag}: {run}");
        delete(brand.clone()).await;
        let (_, html) = page(&app, &format!("/mmm/{id}")).await;
        assert!(html.contains("data-section=\"mmm-out-of-date\""), "{tag}");
        assert!(
            html.contains(&format!("Campaign {brand} of this run was deleted since")),
            "{tag}: {html}"
        );
        assert!(!html.contains("/run-again"), "{tag}: no button");
        let r = app
            .post(&format!("/api/mmm/{id}/run-again"), &json!({}))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{tag}");
        let refusal = json_of(r).await;
        assert_eq!(
            refusal["error"]["details"][0]["field"], "run",
            "{tag}: {refusal}"
        );
        assert!(
            refusal.to_string().contains("was deleted since"),
            "{tag}: {refusal}"
        );
    }
}

/// A channel the best fit gives no effect is "Not detected" on the run's page, its draws' mean
/// shown only as how large an effect the data cannot rule out: the table gave such a channel the
/// highest incremental ROAS right under the sentence saying no effect was detected.
#[tokio::test]
async fn a_channel_without_a_detected_effect_is_not_shown_as_the_best() {
    for url in crate::support::database_urls().await {
        let app = crate::support::TestApp::spawn(&url).await;
        let campaigns = crate::support::demo(&app).await;
        let spring = campaigns
            .iter()
            .find(|(_, name)| name.starts_with("Spring"))
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("no Spring Sale in {campaigns:?}"));
        let body = serde_json::json!({"campaigns": [spring], "kpi": {"source": "platform_revenue"}, "seed": 7});
        let r = app.post("/api/mmm", &body).await;
        assert_eq!(r.status(), reqwest::StatusCode::CREATED, "{}", app.backend);
        let run = crate::support::json_of(r).await;
        let id = run["id"].as_str().unwrap_or_default().to_owned();
        let channels = run["result"]["channels"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let undetected: Vec<String> = channels
            .iter()
            .filter(|c| c["best_fit_contribution"].as_f64() == Some(0.0))
            .filter_map(|c| c["channel"].as_str().map(str::to_owned))
            .collect();
        assert!(
            !undetected.is_empty(),
            "{}: the demo's Spring Sale has one: {channels:?}",
            app.backend
        );
        let (_, html) = crate::support::page(&app, &format!("/mmm/{id}")).await;
        for c in &channels {
            let key = c["channel"].as_str().unwrap_or_default();
            let row = html
                .split(&format!("<tr data-channel=\"{key}\">"))
                .nth(1)
                .and_then(|r| r.split("</tr>").next())
                .unwrap_or_else(|| panic!("no row of {key}"));
            assert_eq!(
                row.contains("Not detected"),
                undetected.iter().any(|u| u == key),
                "{key}: {row}"
            );
        }
    }
}
