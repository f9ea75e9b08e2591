//! The connections and attribution pages and the budget optimisation of the Budget Allocation
//! tab, over plain HTTP: each shows what the API answers for the same request.
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::support::{
    TestApp, database_urls, json_of, new_client, page_as, post_form, q4, token_in,
};

/// A 32-byte token encryption key with varied bytes.
const KEY: &str = "5f1c9a7e3b2d4c6a8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f";

#[tokio::test]
async fn the_connections_page_connects_lists_and_disconnects_a_token_account() {
    for url in database_urls().await {
        let app = TestApp::spawn_with(&url, |s| s.secret_key = Some(KEY.to_owned().into())).await;
        app.register(&app.client, "ana@example.com").await;
        let id = app.campaign(&q4()).await;
        let path = format!("/campaigns/{id}/connections");
        let (status, html) = page_as(&app, &app.client, &path).await;
        assert_eq!(status, StatusCode::OK, "{}", app.backend);
        assert!(html.contains("data-section=\"no-connections\""), "{html}");
        assert!(
            html.contains(&format!("href=\"/campaigns/{id}/imports\"")),
            "the imports page is linked"
        );
        assert!(
            !html.contains("data-section=\"not-configured\""),
            "a key is configured"
        );
        let csrf = token_in(&html);

        // A problem shows beside its field, and the token is not written back.
        let (status, html) = post_form(
            &app,
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("platform", "meta"),
                ("account_id", "act_42"),
                ("access_token", "EAAB-secret-token"),
                ("range", "A:Z"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        assert!(html.contains("id=\"range-error\""), "{html}");
        assert!(!html.contains("EAAB-secret-token"));

        // Without the form's token nothing is created.
        let (status, _) = post_form(
            &app,
            &path,
            &[
                ("csrf", "deadbeef"),
                ("platform", "meta"),
                ("account_id", "act_42"),
                ("access_token", "EAAB-secret-token"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let api = json_of(app.get(&format!("/api/campaigns/{id}/connections")).await).await;
        assert_eq!(api["connections"], json!([]), "{}", app.backend);

        let (status, html) = post_form(
            &app,
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("platform", "meta"),
                ("account_id", "act_42"),
                ("access_token", "EAAB-secret-token"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}: {html}", app.backend);
        assert!(
            html.contains("data-section=\"connections-notice\""),
            "{html}"
        );
        assert!(html.contains("Connected Meta"), "{html}");
        assert!(html.contains("data-platform=\"meta\""));
        assert!(html.contains("<td data-metric=\"account\">act_42</td>"));
        assert!(html.contains("data-metric=\"status\">Connected<"), "{html}");
        assert!(!html.contains("EAAB-secret-token"), "never shown");
        let api = json_of(app.get(&format!("/api/campaigns/{id}/connections")).await).await;
        let conn = api["connections"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(api["connections"][0]["auth"], "token");
        assert!(
            html.contains(&format!("/connections/{conn}/sync")),
            "a sync button"
        );
        assert!(
            !html.contains(&format!("/connections/{conn}/authorize")),
            "no re-authorise for a token connection"
        );

        // A bad backfill is named beside the sync form; nothing is synced.
        let (status, html) = post_form(
            &app,
            &format!("{path}/{conn}/sync"),
            &[
                ("csrf", csrf.as_str()),
                ("from", "2026-11-05"),
                ("to", "2026-12-01"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"to-error\""), "{html}");

        // Another organisation sees neither the page nor the connection.
        let other = new_client();
        app.register(&other, "eve@example.com").await;
        let (status, _) = page_as(&app, &other, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, own) = page_as(&app, &other, "/campaigns/new").await;
        let r = other
            .post(format!("{}{path}/{conn}/delete", app.base))
            .form(&[("csrf", token_in(&own).as_str())])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        let (status, html) = post_form(
            &app,
            &format!("{path}/{conn}/delete"),
            &[("csrf", csrf.as_str())],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Disconnected Meta"), "{html}");
        assert!(html.contains("data-section=\"no-connections\""));
    }
}

#[tokio::test]
async fn without_a_secret_key_the_page_says_why_beside_the_form() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ana@example.com").await;
        let id = app.campaign(&q4()).await;
        let path = format!("/campaigns/{id}/connections");
        let (status, html) = page_as(&app, &app.client, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("data-section=\"not-configured\""), "{html}");
        assert!(html.contains("SPENDLENS_SECRET_KEY"));
        let (status, html) = post_form(
            &app,
            &path,
            &[
                ("csrf", token_in(&html).as_str()),
                ("platform", "meta"),
                ("account_id", "act_42"),
                ("access_token", "tok"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        assert!(html.contains("data-section=\"connect-error\""), "{html}");
        // OAuth without a client is refused with its own reason, not a crash.
        let (status, html) = post_form(
            &app,
            &path,
            &[
                ("csrf", token_in(&html).as_str()),
                ("platform", "linkedin"),
                ("account_id", "508"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("data-section=\"connect-error\""), "{html}");
    }
}

const TOUCHPOINTS: &str = "journey_id,timestamp,event,channel,value\n\
j1,2026-11-02T09:00:00Z,touch,google,\n\
j1,2026-11-03T09:00:00Z,touch,facebook,\n\
j1,2026-11-04T09:00:00Z,conversion,,100\n\
j2,2026-11-05T10:00:00Z,touch,linkedin,\n\
j2,2026-11-05T11:00:00Z,conversion,,40\n";

async fn upload_touchpoints(
    app: &TestApp,
    id: &str,
    csrf: &str,
    csv: &str,
    dry_run: bool,
) -> (StatusCode, String) {
    let mut form = Form::new().text("csrf", csrf.to_owned()).part(
        "file",
        Part::bytes(csv.as_bytes().to_vec()).file_name("journeys.csv"),
    );
    if dry_run {
        form = form.text("dry_run", "1");
    }
    let r = app
        .client
        .post(format!(
            "{}/campaigns/{id}/attribution/touchpoints",
            app.base
        ))
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn the_attribution_page_compares_every_model_after_an_upload() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ana@example.com").await;
        let id = app.campaign(&q4()).await;
        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &json!({"rows": [{"date": "2026-11-02", "platform": "meta", "spend": "50.00", "clicks": 5}]}),
            )
            .await;
        assert!(r.status().is_success());
        let path = format!("/campaigns/{id}/attribution");
        let (status, html) = page_as(&app, &app.client, &path).await;
        assert_eq!(status, StatusCode::OK, "{}", app.backend);
        assert!(html.contains("data-section=\"no-touchpoints\""), "{html}");
        let csrf = token_in(&html);

        // A bad row is named; nothing is stored.
        let (status, html) = upload_touchpoints(
            &app,
            &id,
            &csrf,
            "journey_id,timestamp,event,channel,value\nj1,yesterday,touch,google,\n",
            false,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("id=\"file-error\"") && html.contains("row 2"),
            "{html}"
        );

        // The check-only run stores nothing.
        let (status, html) = upload_touchpoints(&app, &id, &csrf, TOUCHPOINTS, true).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("nothing was stored"), "{html}");
        assert!(html.contains("data-section=\"no-touchpoints\""));

        let (status, html) = upload_touchpoints(&app, &id, &csrf, TOUCHPOINTS, false).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("Imported journeys.csv: 5 rows"), "{html}");
        assert!(html.contains("data-section=\"attribution-comparison\""));
        assert!(html.contains("data-chart=\"attribution-comparison\""));
        assert!(html.contains("<svg"));
        // The page's figures are the API's.
        let api = json_of(
            app.get(&format!("/api/campaigns/{id}/attribution?model=all"))
                .await,
        )
        .await;
        assert_eq!(api["journeys"], 2, "{api}");
        for row in api["comparison"].as_array().cloned().unwrap_or_default() {
            let channel = row["channel"].as_str().unwrap_or_default();
            assert!(
                html.contains(&format!("data-channel=\"{channel}\"")),
                "{channel}"
            );
            let linear = row["models"]["linear"]["revenue"]
                .as_str()
                .unwrap_or_default();
            assert!(html.contains(&format!("${linear}")), "{channel} {linear}");
        }
        // Last touch credits all of j1's 100 to facebook: ROAS 100 / 50 on Meta.
        assert!(html.contains("2.00x"), "{html}");

        // The ROI model.
        let (status, html) = post_form(
            &app,
            &format!("{path}/model"),
            &[("csrf", csrf.as_str()), ("model", "linear")],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Linear model"), "{html}");
        let model = json_of(
            app.get(&format!("/api/campaigns/{id}/attribution-model"))
                .await,
        )
        .await;
        assert_eq!(model["model"], "linear");
        let (status, _) = post_form(
            &app,
            &format!("{path}/model"),
            &[("csrf", "nope"), ("model", "markov")],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let other = new_client();
        app.register(&other, "eve@example.com").await;
        let (status, _) = page_as(&app, &other, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_attribution_page_takes_event_logs_and_attributes_path_files_whole() {
    let root = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../attribution/tests/fixtures/"
    );
    let read = |name: &str| {
        std::fs::read_to_string(format!("{root}{name}")).unwrap_or_else(|e| panic!("{e}"))
    };
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ana@example.com").await;
        let id = app.campaign(&q4()).await;
        let path = format!("/campaigns/{id}/attribution");
        let (_, html) = page_as(&app, &app.client, &path).await;
        let csrf = token_in(&html);

        // A path file: every model's credit for its channels, nothing stored.
        let (status, html) = upload_touchpoints(
            &app,
            &id,
            &csrf,
            &read("channelattribution-Data.csv"),
            false,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}: {html}", app.backend);
        assert!(html.contains("data-section=\"file-attribution\""), "{html}");
        assert!(html.contains("nothing was stored"), "{html}");
        for channel in ["alpha", "eta", "kappa"] {
            assert!(
                html.contains(&format!("data-channel=\"{channel}\"")),
                "{channel}"
            );
        }
        let api = json_of(
            app.get(&format!("/api/campaigns/{id}/attribution?model=all"))
                .await,
        )
        .await;
        assert_eq!(api["journeys"], 0, "a path file stores nothing");

        // An event log is imported like touchpoints.
        let (status, html) =
            upload_touchpoints(&app, &id, &csrf, &read("attribution-data.csv"), true).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(
            html.contains("Checked journeys.csv: nothing was stored"),
            "{html}"
        );
    }
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `days` days up to yesterday for two platforms, revenue on a Hill curve of spend.
pub(crate) fn history(days: u64) -> Value {
    history_ending(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default(),
        days,
    )
}

/// `days` days up to `last` for two platforms, revenue on a Hill curve of spend.
fn history_ending(last: chrono::NaiveDate, days: u64) -> Value {
    let mut rng = Rng(0x00B0_D6E7);
    let start = last - chrono::Days::new(days - 1);
    let mut rows = Vec::new();
    for d in 0..days {
        let date = start + chrono::Days::new(d);
        for (platform, beta, k) in [("meta", 3000.0, 150.0), ("google_ads", 5000.0, 300.0)] {
            let spend: f64 = 20.0 + rng.next() * 380.0;
            let revenue = beta * spend / (spend + k) * (0.97 + 0.06 * rng.next());
            rows.push(json!({"date": date.to_string(), "platform": platform, "spend": format!("{spend:.2}"),
                             "clicks": 10, "conversions": format!("{:.2}", revenue / 50.0), "revenue": format!("{revenue:.2}")}));
        }
    }
    json!({"rows": rows})
}

fn dollars(v: &Value) -> String {
    let d: Decimal = v.as_str().and_then(|s| s.parse().ok()).unwrap_or_default();
    let text = format!("{:.2}", d);
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("${grouped}.{cents}")
}

#[tokio::test]
async fn the_budget_allocation_tab_optimises_on_request() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ana@example.com").await;
        let id = app.campaign(&q4()).await;
        let r = app
            .post(&format!("/api/campaigns/{id}/metrics"), &history(60))
            .await;
        assert!(r.status().is_success(), "{}", app.backend);
        let tab = format!("/campaigns/{id}?tab=budget-allocation");
        let (status, html) = page_as(&app, &app.client, &tab).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("data-section=\"budget-optimization\""));
        assert!(
            !html.contains("data-section=\"optimized-allocation\""),
            "not run on a plain view"
        );

        let (status, html) = page_as(
            &app,
            &app.client,
            &format!("{tab}&optimize=1&budget=12%2C000.00&weeks=4&objective=revenue"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}", app.backend);
        let plan = json_of(
            app.post(
                &format!("/api/campaigns/{id}/budget-optimization"),
                &json!({"total_budget": "12000.00", "weeks": 4, "objective": "revenue"}),
            )
            .await,
        )
        .await;
        let optimized = plan["optimized_allocation"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(optimized.len(), 2, "{plan}");
        assert!(
            html.contains("data-metric=\"optimized-total\">$12,000.00<"),
            "{html}"
        );
        for a in &optimized {
            let platform = a["channel"].as_str().unwrap_or_default();
            let table = html
                .split("data-section=\"optimized-allocation\"")
                .nth(1)
                .unwrap_or_default();
            let row = table
                .split(&format!("<tr data-platform=\"{platform}\">"))
                .nth(1)
                .and_then(|r| r.split("</tr>").next())
                .unwrap_or_default();
            assert!(
                row.contains(&format!(
                    "data-metric=\"optimized\">{}<",
                    dollars(&a["spend"])
                )),
                "{platform}: {}",
                dollars(&a["spend"])
            );
        }
        assert!(html.contains("data-section=\"expected-improvement\""));
        assert!(
            html.contains(&format!(
                "data-metric=\"improvement-interval\">{} to {}<",
                dollars(&plan["expected_improvement"]["low"]),
                dollars(&plan["expected_improvement"]["high"])
            )),
            "{}",
            plan["expected_improvement"]
        );
        assert!(html.contains("data-metric=\"risk-level\""));
        assert!(html.contains("data-section=\"rollout\""));
        assert!(html.contains("data-chart=\"response-curves\""));

        // A bad field is named beside it.
        let (_, html) = page_as(&app, &app.client, &format!("{tab}&optimize=1&budget=-5")).await;
        assert!(html.contains("id=\"budget-error\""), "{html}");
    }
}

#[tokio::test]
async fn thin_history_is_a_notice_on_the_tab() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ana@example.com").await;
        let id = app.campaign(&q4()).await;
        let r = app
            .post(&format!("/api/campaigns/{id}/metrics"), &history(3))
            .await;
        assert!(r.status().is_success());
        let (status, html) = page_as(
            &app,
            &app.client,
            &format!("/campaigns/{id}?tab=budget-allocation&optimize=1"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}", app.backend);
        assert!(
            html.contains("data-section=\"optimization-notice\"")
                && html.contains("not enough history"),
            "{html}"
        );
        assert!(!html.contains("data-section=\"optimized-allocation\""));
    }
}

#[tokio::test]
async fn the_budget_allocation_tab_fits_an_earlier_history_when_its_days_are_given() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ana@example.com").await;
        let id = app.campaign(&q4()).await;
        let last = chrono::NaiveDate::from_ymd_opt(2022, 3, 31).unwrap_or_default();
        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &history_ending(last, 60),
            )
            .await;
        assert!(r.status().is_success(), "{}", app.backend);
        let tab = format!("/campaigns/{id}?tab=budget-allocation&optimize=1&budget=5000");
        // The last year has no spend: the notice names the window and the fields to fill.
        let (status, html) = page_as(&app, &app.client, &tab).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("no ad platform has spend from 2025-11-22 to 2026-11-21")
                && html.contains("2022-01-31 to 2022-03-31: pass History from and History to"),
            "{html}"
        );
        let (status, html) = page_as(
            &app,
            &app.client,
            &format!("{tab}&history_from=2022-01-01&history_to=2022-12-31"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}", app.backend);
        assert!(
            html.contains("data-section=\"optimized-allocation\""),
            "{html}"
        );
        assert!(
            html.contains("data-metric=\"history\">1 Jan 2022 – 31 Dec 2022<"),
            "{html}"
        );
        assert!(
            html.contains("value=\"2022-01-01\""),
            "the form keeps the dates"
        );
        // A reversed window is the field's own error.
        let (status, html) = page_as(
            &app,
            &app.client,
            &format!("{tab}&history_from=2022-12-31&history_to=2022-01-01"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("id=\"history_to-error\">must not be before History from<"),
            "{html}"
        );
    }
}
