//! The audit log: every write leaves one entry with who, what, the target and the fields before
//! and after; reads and dry runs leave none; the log reads by filters a page at a time, only
//! within the organisation; retention deletes old entries and never a young one.

use chrono::{Duration, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use spendlens_core::campaign::OrgId;
use spendlens_store::AuditEntry;

use crate::support::{TestApp, database_urls, json_of, new_client, page, q4};

async fn log(app: &TestApp, query: &str) -> Value {
    let r = app.get(&format!("/api/audit-log{query}")).await;
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    json_of(r).await
}

fn entries(v: &Value) -> Vec<Value> {
    v["entries"].as_array().cloned().unwrap_or_default()
}

fn actions(v: &Value) -> Vec<String> {
    entries(v)
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn every_write_is_logged_with_its_changes_and_reads_are_not() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let org = app.register(&app.client, "cfo@example.com").await;
        let id = app.campaign(&q4()).await;
        // A read and a dry run write nothing, and log nothing.
        app.get(&format!("/api/campaigns/{id}")).await;
        let dry = app
            .client
            .post(format!(
                "{}/api/campaigns/{id}/imports?dry_run=true",
                app.base
            ))
            .multipart(
                reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(
                        b"date,platform,campaign,spend\n2026-11-02,meta,m1,10.00\n".to_vec(),
                    )
                    .file_name("m.csv"),
                ),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(dry.status(), StatusCode::OK, "{}", app.backend);
        assert_eq!(actions(&log(&app, "").await), vec!["campaign.create"]);

        // A budget and an end date moved: both sides of each, nothing else.
        let r = app
            .request(
                &app.client,
                Method::PATCH,
                &format!("/api/campaigns/{id}"),
                Some(&json!({"budget": "16000.00", "end_date": "2026-12-31"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let all = log(&app, "").await;
        let update = &entries(&all)[0];
        assert_eq!(update["action"], "campaign.update", "{all}");
        assert_eq!(update["target_type"], "campaign");
        assert_eq!(update["target_id"], id.as_str());
        assert_eq!(update["actor"]["email"], "cfo@example.com");
        assert_eq!(update["details"]["route"], "PATCH /api/campaigns/{id}");
        assert_eq!(
            update["details"]["changes"],
            json!({
                "campaign.budget": {"before": "15000.00", "after": "16000.00"},
                "campaign.end_date": {"before": "2026-12-15", "after": "2026-12-31"},
            }),
            "{update}"
        );

        // Rows written to the campaign are logged without a campaign diff: its fields are not
        // what the request wrote, and a difference would be someone else's change meanwhile.
        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &json!({"rows": [{"date": "2026-11-02", "platform": "meta", "spend": "10.00"}]}),
            )
            .await;
        assert!(r.status().is_success());
        let all = log(&app, "").await;
        let rows = &entries(&all)[0];
        assert_eq!(rows["action"], "metrics.create", "{all}");
        assert_eq!(rows["details"].get("changes"), None, "{rows}");

        // A cost's amount, through the API; the finance settings, through the page's form.
        let cost = json_of(
            app.post(
                &format!("/api/campaigns/{id}/costs"),
                &json!({"category": "creative_production", "amount": "1200.00",
                    "resource_hours": "10", "fixed_cost_allocation": "0", "incurred_on": "2026-11-02"}),
            )
            .await,
        )
        .await;
        let entry = cost["id"].as_str().unwrap_or_default().to_owned();
        assert!(!entry.is_empty(), "{cost}");
        let r = app
            .request(
                &app.client,
                Method::PUT,
                &format!("/api/campaigns/{id}/costs/{entry}"),
                Some(&json!({"category": "creative_production", "amount": "900.00",
                    "resource_hours": "10", "fixed_cost_allocation": "0", "incurred_on": "2026-11-02"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let costs = log(
            &app,
            &format!("?target_type=ledger_entry&target_id={entry}"),
        )
        .await;
        assert_eq!(
            actions(&costs),
            vec!["ledger_entry.update", "ledger_entry.create"]
        );
        let changed = &entries(&costs)[0]["details"]["changes"];
        assert_eq!(
            changed["amount"],
            json!({"before": "1200.00", "after": "900.00"}),
            "{changed}"
        );

        let (_, finance) = page(&app, "/finance").await;
        let csrf = crate::support::token_in(&finance);
        let r = app
            .client
            .post(format!("{}/finance/settings", app.base))
            .form(&[
                ("csrf", csrf.as_str()),
                ("cost_of_capital", "0.08"),
                ("webhook_url", ""),
                ("webhook_secret", ""),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(r.status().is_success(), "{}", r.status());
        let org_log = log(&app, "?target_type=organization").await;
        let settings = &entries(&org_log)[0];
        assert_eq!(settings["details"]["via"], "page", "{org_log}");
        assert_eq!(
            settings["details"]["changes"]["finance_settings.cost_of_capital"]["after"], "0.08",
            "{settings}"
        );
        assert_eq!(settings["target_id"], org.as_str());

        // The activity page says it in words.
        let (status, html) = page(&app, "/audit-log").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Campaign updated"), "{html}");
        assert!(html.contains("budget: 15000.00 → 16000.00"), "{html}");
        assert!(html.contains("Ledger entry updated"), "{html}");
        assert!(html.contains("cfo@example.com"));
    }
}

#[tokio::test]
async fn the_log_reads_by_filter_a_page_at_a_time_within_its_organisation() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@example.com").await;
        let first = app.campaign(&q4()).await;
        for budget in ["100.00", "200.00", "300.00"] {
            app.request(
                &app.client,
                Method::PATCH,
                &format!("/api/campaigns/{first}"),
                Some(&json!({ "budget": budget })),
            )
            .await;
        }
        let second = app
            .campaign(&json!({"name": "Other", "currency": "USD"}))
            .await;
        let all = log(&app, "").await;
        assert_eq!(entries(&all).len(), 5, "{all}");
        let only = log(&app, &format!("?target_type=campaign&target_id={first}")).await;
        assert_eq!(entries(&only).len(), 4);
        assert!(
            entries(&only)
                .iter()
                .all(|e| e["target_id"] == first.as_str())
        );

        // Two at a time: three pages, no entry twice, the last page says so.
        let mut seen = Vec::new();
        let mut query = "?limit=2".to_owned();
        for _ in 0..3 {
            let p = log(&app, &query).await;
            seen.extend(entries(&p).iter().map(|e| e["id"].clone()));
            match p["next"].as_str() {
                Some(next) => query = format!("?limit=2&before={next}"),
                None => break,
            }
        }
        seen.dedup();
        assert_eq!(seen.len(), 5, "{seen:?}");
        let newest = &entries(&all)[0];
        assert_eq!(newest["target_id"], second.as_str());

        // Dates: the app's clock is 2026-11-20 (support::now); none are dated before it.
        assert_eq!(entries(&log(&app, "?to=2026-11-19").await).len(), 0);
        assert_eq!(
            entries(&log(&app, "?from=2026-11-01&to=2026-11-30").await).len(),
            5
        );

        // A bad filter names its field; another organisation sees none of this.
        let r = app.get("/api/audit-log?from=20%20Nov&limit=500").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = json_of(r).await;
        let fields: Vec<&str> = body["error"]["details"]
            .as_array()
            .map(|d| d.iter().filter_map(|p| p["field"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(fields, vec!["from", "limit"], "{body}");
        let other = new_client();
        app.register(&other, "b@example.com").await;
        let theirs = app
            .request(
                &other,
                Method::GET,
                &format!("/api/audit-log?target_id={first}"),
                None,
            )
            .await;
        assert_eq!(json_of(theirs).await["entries"], json!([]));
        let unsigned = reqwest::Client::new()
            .get(format!("{}/api/audit-log", app.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn retention_deletes_old_entries_and_the_database_keeps_young_ones() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let org = OrgId::new(app.register(&app.client, "r@example.com").await);
        let at = |y, m, d| {
            Utc.with_ymd_and_hms(y, m, d, 12, 0, 0)
                .single()
                .unwrap_or_default()
        };
        for when in [at(2024, 1, 10), at(2025, 6, 1)] {
            app.store
                .record(&AuditEntry {
                    org_id: org.clone(),
                    actor: None,
                    action: "campaign.update".into(),
                    target_type: "campaign".into(),
                    target_id: "old".into(),
                    details: json!({}),
                    at: when,
                })
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        app.campaign(&q4()).await;
        // A year's retention as of 2025-12-01: only the 2024 entry goes.
        let deleted = spendlens_app::audit::purge(app.store.as_ref(), at(2025, 12, 1), 365)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(deleted, 1, "{}", app.backend);
        assert_eq!(entries(&log(&app, "").await).len(), 2);
        // Asking to delete entries younger than 30 days is refused by the database itself.
        let young = app.store.purge_audit(Utc::now() + Duration::days(1)).await;
        assert!(young.is_err(), "{}: a young entry was deleted", app.backend);
        assert_eq!(entries(&log(&app, "").await).len(), 2);
        // A retention under the floor is taken as 30 days.
        let none = spendlens_app::audit::purge(app.store.as_ref(), at(2025, 6, 20), 1)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(none, 0);
    }
}

#[tokio::test]
async fn a_connection_secret_never_reaches_the_log() {
    for url in database_urls().await {
        let app = TestApp::spawn_with(&url, |s| {
            s.secret_key = Some(
                "5f1c9a7e3b2d4c6a8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f"
                    .to_owned()
                    .into(),
            );
        })
        .await;
        app.register(&app.client, "s@example.com").await;
        let id = app.campaign(&q4()).await;
        let r = app
            .post(
                &format!("/api/campaigns/{id}/connections"),
                &json!({"platform": "meta", "account_id": "act_42", "access_token": "EAAB-very-secret"}),
            )
            .await;
        assert!(r.status().is_success(), "{}", r.status());
        let all = log(&app, "").await;
        assert!(
            actions(&all).contains(&"connection.create".to_owned()),
            "{all}"
        );
        assert!(!all.to_string().contains("EAAB-very-secret"), "{all}");
    }
}

/// An import's entry says what it stored (its record, file, rows, days, spend), as do rows posted
/// as JSON and a line of rows deleted; the activity page says it in words.
#[tokio::test]
async fn an_import_s_entry_names_its_file_rows_days_and_spend() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "ops@example.com").await;
        let id = app.campaign(&q4()).await;
        let file =
            "date,platform,campaign,spend\n2026-11-02,meta,m1,10.00\n2026-11-04,meta,m1,5.25\n";
        let r = app
            .client
            .post(format!("{}/api/campaigns/{id}/imports", app.base))
            .multipart(reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(file.as_bytes().to_vec()).file_name("nov.csv"),
            ))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let import_id = json_of(r).await["import_id"].as_str().map(str::to_owned);
        assert!(import_id.is_some());
        let all = log(&app, "").await;
        let import = &entries(&all)[0];
        assert_eq!(import["action"], "import.create", "{all}");
        let d = &import["details"];
        assert_eq!(d["import_id"].as_str(), import_id.as_deref(), "{d}");
        assert_eq!(d["file"], "nov.csv", "{d}");
        assert_eq!(d["rows"], 2, "{d}");
        assert_eq!(
            (&d["first_date"], &d["last_date"]),
            (&json!("2026-11-02"), &json!("2026-11-04")),
            "{d}"
        );
        assert_eq!(
            (&d["spend"], &d["currency"]),
            (&json!("15.25"), &json!("USD"))
        );
        assert_eq!(d["route"], "POST /api/campaigns/{id}/imports", "{d}");

        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &json!({"rows": [{"date": "2026-11-05", "platform": "google_ads", "spend": "7.10"}]}),
            )
            .await;
        assert!(r.status().is_success());
        let d = &entries(&log(&app, "").await)[0]["details"];
        assert_eq!(
            (&d["rows"], &d["spend"]),
            (&json!(1), &json!("7.10")),
            "{d}"
        );
        assert_eq!(d.get("file"), None, "{d}");

        let r = app
            .request(
                &app.client,
                Method::DELETE,
                &format!("/api/campaigns/{id}/sources?platform=meta&external_campaign_id=m1"),
                None,
            )
            .await;
        assert!(r.status().is_success(), "{}", r.status());

        let (status, html) = page(&app, "/audit-log").await;
        assert_eq!(status, StatusCode::OK);
        for words in [
            "nov.csv: 2 rows, 2 Nov 2026 to 4 Nov 2026, $15.25 spend",
            "1 row, 5 Nov 2026 to 5 Nov 2026, $7.10 spend",
            "Meta Ads rows under “m1”: 2 rows, 2 Nov 2026 to 4 Nov 2026, $15.25 spend",
        ] {
            assert!(html.contains(words), "{words}: {html}");
        }
    }
}
