//! The analysis date range (issue 16 item 6): the analysis of a window equals the analysis of a
//! campaign holding only that window's rows, through the API and the page, on both backends;
//! the cache keeps windows apart; bad windows are refused naming `from` or `to`.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, json_of, metric, page, q4};

/// One row a day and platform from `first` (a day of November 2026 or the end of October) for
/// `days` days, with figures that change every day.
fn rows(days: std::ops::RangeInclusive<u32>) -> Vec<Value> {
    let mut out = Vec::new();
    for n in days {
        // n counts days from 2026-10-01.
        let date = chrono::NaiveDate::from_ymd_opt(2026, 10, 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(u64::from(n))))
            .map(|d| d.to_string())
            .unwrap_or_default();
        out.push(
            json!({"date": date, "platform": "meta", "spend": format!("{}.{:02}", 40 + n, n % 97),
            "impressions": 1000 + n * 7, "clicks": 30 + n, "conversions": format!("{}.5", n % 5),
            "conversion_value": format!("{}", 90 + n)}),
        );
        out.push(json!({"date": date, "platform": "linkedin", "spend": format!("{}", 25 + n % 11),
            "impressions": 800 + n, "engagements": 40 + n % 9, "clicks": 12 + n % 4, "conversions": n % 3}));
        out.push(
            json!({"date": date, "platform": "google_ads", "spend": "31.30", "clicks": 20,
            "conversions": "2", "revenue": format!("{}.75", 60 + n % 13)}),
        );
    }
    out
}

async fn with_rows(app: &TestApp, days: std::ops::RangeInclusive<u32>) -> String {
    let mut spec = q4();
    spec["start_date"] = json!("2026-10-01");
    let id = app.campaign(&spec).await;
    let r = app
        .post(
            &format!("/api/campaigns/{id}/metrics"),
            &json!({"rows": rows(days)}),
        )
        .await;
    assert!(r.status().is_success(), "{}: {}", app.backend, r.status());
    id
}

/// The analysis without what legitimately differs between two campaigns (their comparison,
/// which rests on different histories) and what judges the campaign rather than the window's
/// rows: the budget and pacing (and the parts of the health score, verdicts, insights and
/// warnings drawn from them), which rest on the campaign's spend to the window's last day.
fn figures(mut v: Value) -> Value {
    if let Value::Object(map) = &mut v {
        for key in ["trends", "period_trends", "warnings"] {
            map.remove(key);
        }
    }
    for (outer, inner) in [
        ("overview", "budget"),
        ("overview", "pacing"),
        ("overview", "health"),
        ("verdicts", "pacing"),
        ("verdicts", "health_score"),
        ("verdicts", "health_score_basis"),
    ] {
        if let Some(map) = v[outer].as_object_mut() {
            map.remove(inner);
        }
    }
    if let Some(map) = v["insights"]["summary"].as_object_mut() {
        map.remove("budget_management");
    }
    v
}

#[tokio::test]
async fn a_window_is_the_analysis_of_its_rows_alone() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "window@example.com").await;
        // Full: 1 Oct to 20 Nov. Only: the window's days, 15 Oct (day 14) to 10 Nov (day 40).
        let full = with_rows(&app, 0..=50).await;
        let only = with_rows(&app, 14..=40).await;
        let window = "from=2026-10-15&to=2026-11-10";

        let of_window = json_of(
            app.get(&format!(
                "/api/campaigns/{full}/financial-analysis?{window}"
            ))
            .await,
        )
        .await;
        let of_only = json_of(
            app.get(&format!(
                "/api/campaigns/{only}/financial-analysis?as_of=2026-11-10"
            ))
            .await,
        )
        .await;
        assert_eq!(
            of_window["as_of"], "2026-11-10",
            "{}: {of_window}",
            app.backend
        );
        assert_eq!(
            figures(of_window.clone()),
            figures(of_only.clone()),
            "{}",
            app.backend
        );
        // The window really left days out.
        let whole = json_of(
            app.get(&format!(
                "/api/campaigns/{full}/financial-analysis?as_of=2026-11-10"
            ))
            .await,
        )
        .await;
        assert_ne!(whole["totals"]["spend"], of_window["totals"]["spend"]);
        // The budget and pacing judge the campaign: its spend to the window's last day against
        // its dates, as the whole campaign's analysis as of that day does (the window's spend
        // over the days since the start would read as a campaign far behind its pace).
        for (outer, inner) in [
            ("overview", "budget"),
            ("overview", "pacing"),
            ("verdicts", "pacing"),
        ] {
            assert_eq!(
                of_window[outer][inner], whole[outer][inner],
                "{}: {outer}.{inner}",
                app.backend
            );
        }
        for part in ["budget", "pacing"] {
            assert_eq!(
                of_window["overview"]["health"][part],
                whole["overview"]["health"][part]
            );
        }
        assert_ne!(
            of_window["overview"]["budget"], of_only["overview"]["budget"],
            "the window's own spend is not what the budget judges"
        );

        // The cache keys on the window: the same `to` with another `from`, then no window.
        let shorter = json_of(
            app.get(&format!(
                "/api/campaigns/{full}/financial-analysis?from=2026-11-01&to=2026-11-10"
            ))
            .await,
        )
        .await;
        assert_ne!(shorter["totals"]["spend"], of_window["totals"]["spend"]);
        let again = json_of(
            app.get(&format!(
                "/api/campaigns/{full}/financial-analysis?as_of=2026-11-10"
            ))
            .await,
        )
        .await;
        assert_eq!(again["totals"]["spend"], whole["totals"]["spend"]);

        // The window's comparison is its own figures a week earlier (from 15 Oct to 3 Nov).
        let earlier = json_of(
            app.get(&format!(
                "/api/campaigns/{only}/financial-analysis?as_of=2026-11-03"
            ))
            .await,
        )
        .await;
        assert_eq!(
            of_window["trends"]["snapshot_date"], "2026-11-03",
            "{}",
            of_window["trends"]
        );
        assert_eq!(
            of_window["trends"]["spend"]["previous"], earlier["totals"]["spend"],
            "{}",
            of_window["trends"]
        );

        // The page: the window stated, the same figures as the campaign holding only its rows.
        let (status, html) = page(&app, &format!("/campaigns/{full}?{window}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("15 Oct 2026 – 10 Nov 2026"), "{html}");
        assert!(html.contains("value=\"2026-10-15\""));
        assert!(
            html.replace("&#38;", "&").contains(&format!(
                "/campaigns/{full}?tab=roi-roas&compare=7d&from=2026-10-15&to=2026-11-10"
            )),
            "the tabs keep the window"
        );
        let (_, only_html) = page(
            &app,
            &format!("/campaigns/{only}?from=2026-10-15&to=2026-11-10"),
        )
        .await;
        assert_eq!(
            metric(&html, "total-spend"),
            metric(&only_html, "total-spend")
        );
        assert!(!metric(&html, "total-spend").is_empty());
        let (_, roi_page) = page(&app, &format!("/campaigns/{full}?tab=roi-roas&{window}")).await;
        let (_, roi_only) = page(&app, &format!("/campaigns/{only}?tab=roi-roas&{window}")).await;
        assert_eq!(metric(&roi_page, "roas"), metric(&roi_only, "roas"));
    }
}

#[tokio::test]
async fn a_bad_window_is_refused_naming_its_field() {
    let url = crate::support::sqlite_database();
    let app = TestApp::spawn(&url).await;
    app.register(&app.client, "badwindow@example.com").await;
    let id = app.campaign(&q4()).await;
    for (query, field) in [
        ("from=2026-11-10&to=2026-11-01", "to"),
        ("from=2020-01-01&to=2026-11-01", "to"),
        ("from=2026-13-01&to=2026-11-01", "from"),
        ("from=2026-11-01&to=soon", "to"),
        ("from=2026-11-01", "to"),
        ("to=2026-11-01", "from"),
        ("from=2026-11-01&to=2026-11-02&as_of=2026-11-02", "as_of"),
    ] {
        let r = app
            .get(&format!("/api/campaigns/{id}/financial-analysis?{query}"))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let body = json_of(r).await;
        assert_eq!(
            body["error"]["details"][0]["field"], field,
            "{query}: {body}"
        );
        if field != "as_of" {
            let (status, html) = page(&app, &format!("/campaigns/{id}?{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
            assert!(html.contains(&format!("{field}: ")), "{query}: {html}");
        }
    }
    // The longest window is accepted, one day more is not.
    let r = app
        .get(&format!(
            "/api/campaigns/{id}/financial-analysis?from=2023-11-01&to=2026-10-31"
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK, "1096 days");
    let r = app
        .get(&format!(
            "/api/campaigns/{id}/financial-analysis?from=2023-10-31&to=2026-10-31"
        ))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "1097 days");
}

/// Spend booked before the campaign's start date is the campaign's: the analysis counts it, and
/// so does the ROI over the whole campaign (its window starts at the first row then).
#[tokio::test]
async fn the_whole_campaign_s_roi_counts_spend_booked_before_its_start() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "early@example.com").await;
        let id = app
            .campaign(
                &json!({"name": "Early", "currency": "USD", "start_date": "2026-11-15",
                              "end_date": "2026-12-15", "time_zone": "UTC"}),
            )
            .await;
        let rows = json!({"rows": [
            {"date": "2026-11-01", "platform": "meta", "spend": "100.00", "clicks": 5},
            {"date": "2026-11-20", "platform": "meta", "spend": "50.00", "clicks": 5}]});
        let r = app
            .post(&format!("/api/campaigns/{id}/metrics"), &rows)
            .await;
        assert!(r.status().is_success(), "{}", app.backend);
        let roi = json_of(app.get(&format!("/api/campaigns/{id}/roi")).await).await;
        assert_eq!(roi["window"]["start"], "2026-11-01", "{roi}");
        assert_eq!(roi["costs"]["platform_spend"], "150.00", "{roi}");
        let analysis = json_of(
            app.get(&format!("/api/campaigns/{id}/financial-analysis"))
                .await,
        )
        .await;
        assert_eq!(analysis["totals"]["spend"], "150.00");
        // A window asked for is kept as asked.
        let roi = json_of(
            app.get(&format!("/api/campaigns/{id}/roi?from=2026-11-15"))
                .await,
        )
        .await;
        assert_eq!(roi["costs"]["platform_spend"], "50.00", "{roi}");

        // Creative made before the first row and a fee billed from the month's start count too:
        // the campaign's ledger lists them, so its whole-campaign ROI counts them.
        for cost in [
            json!({"category": "creative_production", "amount": "1000.00", "resource_hours": 40,
                   "incurred_on": "2026-10-20"}),
            json!({"category": "platform_fees", "amount": "31.00", "platform": "meta",
                   "billing_period": "2026-10"}),
        ] {
            let r = app.post(&format!("/api/campaigns/{id}/costs"), &cost).await;
            assert!(r.status().is_success(), "{cost}: {}", r.status());
        }
        let roi = json_of(app.get(&format!("/api/campaigns/{id}/roi")).await).await;
        assert_eq!(roi["window"]["start"], "2026-10-01", "{roi}");
        assert_eq!(roi["costs"]["creative_production"], "1000.00", "{roi}");
        assert_eq!(roi["costs"]["platform_fees"], "31.00", "{roi}");
    }
}

/// A window that ends after today is judged as of today: a row dated ahead by mistake does not
/// count yet, and pacing is not judged on days not yet lived.
#[tokio::test]
async fn a_window_ending_after_today_is_judged_as_of_today() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ahead@example.com").await;
        let id = app
            .campaign(
                &json!({"name": "Ahead", "currency": "USD", "budget": "1000",
                    "start_date": "2026-11-01", "end_date": "2026-11-30", "time_zone": "UTC"}),
            )
            .await;
        let rows = json!({"rows": [
            {"date": "2026-11-20", "platform": "meta", "spend": "100.00"},
            {"date": "2026-11-21", "platform": "meta", "spend": "100.00"},
            {"date": "2026-11-25", "platform": "meta", "spend": "100.00"}]});
        let r = app
            .post(&format!("/api/campaigns/{id}/metrics"), &rows)
            .await;
        assert!(r.status().is_success(), "{}", app.backend);
        let analysis = json_of(
            app.get(&format!(
                "/api/campaigns/{id}/financial-analysis?from=2026-11-01&to=2026-11-30"
            ))
            .await,
        )
        .await;
        assert_eq!(analysis["totals"]["spend"], "200.00", "{analysis}");
        assert_eq!(analysis["as_of"], "2026-11-21", "{analysis}");
        // The same as the campaign's own view of today.
        let today = json_of(
            app.get(&format!("/api/campaigns/{id}/financial-analysis"))
                .await,
        )
        .await;
        assert_eq!(today["totals"]["spend"], "200.00", "{today}");
    }
}
