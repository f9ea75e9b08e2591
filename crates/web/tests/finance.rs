//! Finance through the real server on every backend: the cost ledger (CRUD, validation naming
//! fields, CSV import all or nothing), ROI against a hand computation, budget alerts raised once,
//! cross-organisation 404s and settings (the webhook secret never comes back). The report
//! downloads are in `finance_reports.rs`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, json_of, new_client};

/// A November campaign (today is 2026-11-21 on the test server) with a budget of 1000.
pub(crate) fn november(budget: &str) -> Value {
    json!({"name": "November push", "currency": "USD", "budget": budget,
           "start_date": "2026-11-01", "end_date": "2026-11-30", "time_zone": "UTC"})
}

/// Meta rows: `spend` and `revenue` with 5 conversions on each listed day of November.
pub(crate) fn rows(days: std::ops::RangeInclusive<u32>, spend: &str, revenue: &str) -> Value {
    let rows: Vec<Value> = days
        .map(|d| {
            json!({"date": format!("2026-11-{d:02}"), "platform": "meta", "spend": spend,
                   "revenue": revenue, "conversions": 5, "impressions": 1000, "clicks": 50})
        })
        .collect();
    json!({"rows": rows})
}

pub(crate) async fn put(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    app.request(&app.client, Method::PUT, path, Some(body))
        .await
}

pub(crate) fn problems(body: &Value) -> Vec<String> {
    body["error"]["details"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|p| {
                    format!(
                        "{}: {}",
                        p["field"].as_str().unwrap_or(""),
                        p["message"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn costs_crud_validation_and_isolation() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "fin@example.com").await;
        let id = app.campaign(&november("1000.00")).await;
        let path = format!("/api/campaigns/{id}/costs");

        let r = app
            .post(
                &path,
                &json!({"category": "creative_production", "amount": "300.00",
                "resource_hours": 12, "fixed_cost_allocation": "50", "incurred_on": "2026-11-01"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let created = json_of(r).await;
        assert_eq!(created["total"], "350.00");
        assert_eq!(created["currency"], "USD");
        assert_eq!(created["campaign_id"], id.as_str());
        let entry = created["id"].as_str().unwrap_or_default().to_owned();

        // Every problem names its field.
        let r = app
            .post(
                &path,
                &json!({"category": "media_spend", "amount": "-5",
                "attribution_method": "linear", "allocation_date": "11/02/2026", "colour": "red"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = problems(&json_of(r).await)
            .iter()
            .map(|p| p.split(':').next().unwrap_or("").to_owned())
            .collect();
        assert_eq!(fields, vec!["colour"], "unknown keys first");
        let r = app
            .post(
                &path,
                &json!({"category": "media_spend", "amount": "-5",
                "attribution_method": "linear", "allocation_date": "11/02/2026"}),
            )
            .await;
        let fields: Vec<String> = problems(&json_of(r).await)
            .iter()
            .map(|p| p.split(':').next().unwrap_or("").to_owned())
            .collect();
        assert_eq!(
            fields,
            vec!["amount", "attribution_method", "allocation_date"]
        );
        let r = app
            .post(
                &path,
                &json!({"category": "operational_overhead", "amount": "1"}),
            )
            .await;
        assert!(
            problems(&json_of(r).await)[0].starts_with("category: operational_overhead belongs")
        );

        // Read, replace, list, delete.
        let r = app.get(&format!("{path}/{entry}")).await;
        assert_eq!(json_of(r).await["resource_hours"], 12);
        let r = put(
            &app,
            &format!("{path}/{entry}"),
            &json!({"category": "platform_fees",
            "amount": 99, "platform": "Google Ads", "billing_period": "2026-11"}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        let replaced = json_of(r).await;
        assert_eq!(
            (
                replaced["platform"].as_str(),
                replaced["billing_period"].as_str(),
                replaced["amount"].as_str()
            ),
            (
                Some("google_ads"),
                Some("2026-11-01..2026-11-30"),
                Some("99.00")
            )
        );
        let list = json_of(app.get(&path).await).await;
        assert_eq!(list["entries"].as_array().map(Vec::len), Some(1));

        // Another organisation sees nothing and changes nothing.
        let other = new_client();
        app.register(&other, "intruder@example.com").await;
        for (method, p) in [
            (Method::GET, path.clone()),
            (Method::GET, format!("{path}/{entry}")),
            (Method::DELETE, format!("{path}/{entry}")),
            (Method::GET, format!("/api/campaigns/{id}/roi")),
            (
                Method::GET,
                format!("/api/campaigns/{id}/budget-consumption"),
            ),
            (Method::GET, format!("/api/campaigns/{id}/headcount")),
        ] {
            let r = app.request(&other, method.clone(), &p, None).await;
            assert_eq!(
                r.status(),
                StatusCode::NOT_FOUND,
                "{method} {p} ({})",
                app.backend
            );
        }
        let r = app
            .request(
                &other,
                Method::PUT,
                &format!("/api/campaigns/{id}/headcount"),
                Some(&json!({"headcount": 3})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = app
            .request(
                &other,
                Method::POST,
                &path,
                Some(&json!({"category": "media_spend", "amount": "1",
                "attribution_method": "last_touch", "allocation_date": "2026-11-02"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let theirs = json_of(
            app.request(&other, Method::GET, "/api/overhead", None)
                .await,
        )
        .await;
        assert_eq!(theirs["entries"].as_array().map(Vec::len), Some(0));

        let r = app
            .request(
                &app.client,
                Method::DELETE,
                &format!("{path}/{entry}"),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let r = app.get(&format!("{path}/{entry}")).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        // Overhead CRUD.
        let r = app
            .post("/api/overhead", &json!({"amount": "3000", "allocation_method": "time_based", "reporting_period": "2026-11"}))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let oh = json_of(r).await;
        assert_eq!(
            (oh["campaign_id"].clone(), oh["currency"].as_str()),
            (Value::Null, Some("USD"))
        );
        let oh_id = oh["id"].as_str().unwrap_or_default();
        let r = app
            .request(&other, Method::GET, &format!("/api/overhead/{oh_id}"), None)
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = put(
            &app,
            &format!("/api/overhead/{oh_id}"),
            &json!({"amount": "10", "allocation_method": "weekly", "reporting_period": "2026-13"}),
        )
        .await;
        let fields: Vec<String> = problems(&json_of(r).await)
            .iter()
            .map(|p| p.split(':').next().unwrap_or("").to_owned())
            .collect();
        assert_eq!(fields, vec!["allocation_method", "reporting_period"]);
        let r = app
            .request(
                &app.client,
                Method::DELETE,
                &format!("/api/overhead/{oh_id}"),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
}

async fn upload(app: &TestApp, path: &str, csv: &str) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("ledger.csv");
    let form = reqwest::multipart::Form::new().part("file", part);
    app.client
        .post(format!("{}{path}", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn csv_import_is_all_or_nothing_and_names_row_and_column() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "csv@example.com").await;
        let id = app.campaign(&november("1000.00")).await;
        let path = format!("/api/campaigns/{id}/costs/import");
        let bad = "category,amount,attribution_method,allocation_date,resource_hours,incurred_on\n\
                   media_spend,200,last_touch,2026-11-03,,\n\
                   creative_production,abc,,,4,2026-11-02\n";
        let r = upload(&app, &path, bad).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );
        let found = problems(&json_of(r).await);
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("file: line 3, column amount:")),
            "{found:?}"
        );
        let list = json_of(app.get(&format!("/api/campaigns/{id}/costs")).await).await;
        assert_eq!(
            list["entries"].as_array().map(Vec::len),
            Some(0),
            "nothing written"
        );

        let good = "category,amount,attribution_method,allocation_date,resource_hours,incurred_on\n\
                    media_spend,200,last_touch,2026-11-03,,\n\
                    creative_production,120.50,,,4,2026-11-02\n";
        let r = upload(&app, &path, good).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(json_of(r).await["imported"], 2);
        let list = json_of(app.get(&format!("/api/campaigns/{id}/costs")).await).await;
        assert_eq!(list["entries"].as_array().map(Vec::len), Some(2));

        // A row naming another campaign is refused, naming the column.
        let other = format!(
            "category,campaign_id,amount,attribution_method,allocation_date\nmedia_spend,{},5,last_touch,2026-11-03\n",
            "someone-else"
        );
        let r = upload(&app, &path, &other).await;
        let found = problems(&json_of(r).await);
        assert!(found[0].contains("column campaign_id"), "{found:?}");
    }
}

#[tokio::test]
async fn roi_matches_the_hand_computation() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "roi@example.com").await;
        let id = app.campaign(&november("3000.00")).await;
        // Nov 1–10: 100 spend and 150 revenue a day; creative 300 + 50 fixed on Nov 1; cost of
        // capital 3.65 % (0.0001 a day).
        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &rows(1..=10, "100", "150"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let r = app
            .post(&format!("/api/campaigns/{id}/costs"), &json!({"category": "creative_production",
                "amount": "300", "resource_hours": 8, "fixed_cost_allocation": "50", "incurred_on": "2026-11-01"}))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let r = put(
            &app,
            "/api/finance/settings",
            &json!({"cost_of_capital": "0.0365"}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);

        // Costs: 450 on day 1, 100 on days 2–10 → 1350. Opportunity: 0.0001 × (450 × 10 +
        // 100 × (9 + … + 1)) = 0.0001 × 9000 = 0.90. Investment 1350.90, revenue 1500, net
        // 149.10, ROI 11.037…% → 11.04, ROAS 1.5. Payback: cumulative cost 350 + 100t plus the
        // accrual, revenue 150t: day 7 350 < 350.525, day 8 400 ≥ 350.64 → reached Nov 8, day 8.
        // Identical days: a point interval at 11.04; 50 conversions over 10 days → medium.
        let roi = json_of(
            app.get(&format!(
                "/api/campaigns/{id}/roi?from=2026-11-01&to=2026-11-10"
            ))
            .await,
        )
        .await;
        assert_eq!(roi["total_investment"], "1350.90", "{} {roi}", app.backend);
        assert_eq!(roi["costs"]["opportunity_cost"], "0.90");
        assert_eq!(roi["costs"]["creative_production"], "350.00");
        assert_eq!(roi["attributed_revenue"], "1500.00");
        assert_eq!(roi["net_revenue"], "149.10");
        assert_eq!(roi["roi_percentage"].to_string(), "11.04");
        assert_eq!(roi["roas"].to_string(), "1.5");
        assert_eq!(roi["attribution_method"], "last_touch");
        assert_eq!(
            roi["payback_period"],
            json!({"status": "reached", "days": 8, "date": "2026-11-08"})
        );
        assert_eq!(roi["confidence_level"]["level"], "medium");
        assert_eq!(
            roi["confidence_level"]["interval_90"],
            json!({"lower": 11.04, "upper": 11.04})
        );

        // 3000 of time-based overhead for November, one campaign active all month → 100 a day
        // → 1000 in the window. Costs 550 then 200 a day → 2350; opportunity 0.0001 × (5500 +
        // 200 × 45) = 1.45; investment 2351.45; net −851.45; ROI −36.21 %; revenue (150) never
        // catches up with cost (200): not within horizon.
        let r = app
            .post("/api/overhead", &json!({"amount": "3000", "allocation_method": "time_based", "reporting_period": "2026-11"}))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let roi = json_of(
            app.get(&format!(
                "/api/campaigns/{id}/roi?from=2026-11-01&to=2026-11-10"
            ))
            .await,
        )
        .await;
        assert_eq!(roi["costs"]["operational_overhead"], "1000.00", "{roi}");
        assert_eq!(roi["total_investment"], "2351.45");
        assert_eq!(roi["roi_percentage"].to_string(), "-36.21");
        assert_eq!(roi["payback_period"]["status"], "not_within_horizon");

        // Headcount and attribution method are stored and reported.
        let r = put(
            &app,
            &format!("/api/campaigns/{id}/headcount"),
            &json!({"headcount": 2, "attribution_method": "first_touch"}),
        )
        .await;
        assert_eq!(
            json_of(r).await,
            json!({"campaign_id": id, "headcount": 2, "attribution_method": "first_touch"})
        );
        let r = put(
            &app,
            &format!("/api/campaigns/{id}/headcount"),
            &json!({"headcount": -1}),
        )
        .await;
        assert_eq!(
            problems(&json_of(r).await)[0].split(':').next(),
            Some("headcount")
        );
        let roi = json_of(
            app.get(&format!(
                "/api/campaigns/{id}/roi?from=2026-11-01&to=2026-11-10"
            ))
            .await,
        )
        .await;
        assert_eq!(roi["attribution_method"], "first_touch");

        let r = app
            .get(&format!(
                "/api/campaigns/{id}/roi?from=2026-11-10&to=2026-11-01"
            ))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = app
            .get(&format!("/api/campaigns/{id}/roi?from=yesterday"))
            .await;
        assert_eq!(
            problems(&json_of(r).await)[0].split(':').next(),
            Some("from")
        );
    }
}

fn kinds(alerts: &Value) -> Vec<String> {
    let mut k: Vec<String> = alerts
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["kind"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    k.sort();
    k
}

#[tokio::test]
async fn budget_alerts_are_raised_once_at_80_95_and_100() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "alerts@example.com").await;
        let id = app.campaign(&november("1000.00")).await;
        let metrics = format!("/api/campaigns/{id}/metrics");
        let consumption = format!("/api/campaigns/{id}/budget-consumption");
        let budget_kinds = |v: &Value| -> Vec<String> {
            kinds(v)
                .into_iter()
                .filter(|k| k.starts_with("budget_"))
                .collect()
        };

        // 790 of 1000: nothing yet.
        app.post(&metrics, &rows(1..=7, "100", "0")).await;
        app.post(&metrics, &rows(8..=8, "90", "0")).await;
        let c = json_of(app.get(&consumption).await).await;
        assert!(budget_kinds(&c["alerts"]).is_empty(), "{} {c}", app.backend);
        assert_eq!(c["status"]["spend"], "790.00");

        // 800: crosses 80 % → budget_80, once, however often the same data is posted.
        app.post(&metrics, &rows(8..=8, "100", "0")).await;
        app.post(&metrics, &rows(8..=8, "100", "0")).await;
        let c = json_of(app.get(&consumption).await).await;
        assert_eq!(budget_kinds(&c["alerts"]), vec!["budget_80"]);
        assert_eq!(c["status"]["used_pct"].to_string(), "80.0");

        // 950 → budget_95; 1000 → budget_100.
        app.post(&metrics, &rows(9..=9, "150", "0")).await;
        app.post(&metrics, &rows(10..=10, "50", "0")).await;
        app.post(&metrics, &rows(10..=10, "50", "0")).await;
        let all = json_of(app.get("/api/alerts").await).await;
        assert_eq!(
            budget_kinds(&all["alerts"]),
            vec!["budget_100", "budget_80", "budget_95"],
            "{all}"
        );
        let first = all["alerts"].as_array().cloned().unwrap_or_default();
        let b100 = first
            .iter()
            .find(|a| a["kind"] == "budget_100")
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            (
                b100["used_pct"].to_string(),
                b100["spend"].as_str(),
                b100["budget"].as_str()
            ),
            ("100.0".to_owned(), Some("1000.00"), Some("1000.00"))
        );
        assert_eq!(b100["delivered_at"], Value::Null, "no webhook configured");

        // Another organisation's alert list is empty.
        let other = new_client();
        app.register(&other, "other-alerts@example.com").await;
        let theirs = json_of(app.request(&other, Method::GET, "/api/alerts", None).await).await;
        assert_eq!(theirs["alerts"].as_array().map(Vec::len), Some(0));
    }
}

/// A budget cut below what was spent is exceeded at once: the edit evaluates the alerts, as new
/// data does (not the next import or the daily sweep).
#[tokio::test]
async fn a_budget_cut_below_the_spend_raises_its_alerts_at_once() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "cut@example.com").await;
        let id = app.campaign(&november("1000.00")).await;
        app.post(
            &format!("/api/campaigns/{id}/metrics"),
            &rows(1..=7, "100", "0"),
        )
        .await;
        let budget = |v: &Value| -> Vec<String> {
            kinds(v)
                .into_iter()
                .filter(|k| k.starts_with("budget_"))
                .collect()
        };
        let all = json_of(app.get("/api/alerts").await).await;
        assert!(budget(&all["alerts"]).is_empty(), "{all}");
        let r = app
            .request(
                &app.client,
                Method::PATCH,
                &format!("/api/campaigns/{id}"),
                Some(&json!({"budget": "600.00"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let all = json_of(app.get("/api/alerts").await).await;
        assert_eq!(
            budget(&all["alerts"]),
            vec!["budget_100", "budget_80", "budget_95"],
            "{} {all}",
            app.backend
        );
    }
}

#[tokio::test]
async fn settings_keep_the_webhook_secret_sealed() {
    for url in database_urls().await {
        // Without a server key a secret cannot be stored.
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "keyless@example.com").await;
        let r = put(
            &app,
            "/api/finance/settings",
            &json!({"webhook_url": "https://hooks.example.com/x", "webhook_secret": "s3cret"}),
        )
        .await;
        assert_eq!(
            problems(&json_of(r).await)[0].split(':').next(),
            Some("webhook_secret")
        );
        let r = put(&app, "/api/finance/settings", &json!({"cost_of_capital": 2, "webhook_url": "ftp://x",
            "rates": [{"from": "EUR", "to": "USD", "rate": "1.1"}, {"from": "EUR", "to": "EUR", "rate": "0"}]})).await;
        let fields: Vec<String> = problems(&json_of(r).await)
            .iter()
            .map(|p| p.split(':').next().unwrap_or("").to_owned())
            .collect();
        assert!(
            fields.contains(&"cost_of_capital".to_owned())
                && fields.contains(&"webhook_url".to_owned()),
            "{fields:?}"
        );

        let app = TestApp::spawn_with(&url, |s| {
            s.secret_key = Some(secrecy::SecretString::from(
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            ));
        })
        .await;
        let org = app.register(&app.client, "keyed@example.com").await;
        let r = put(&app, "/api/finance/settings", &json!({"cost_of_capital": "0.1", "webhook_url": "https://hooks.example.com/x",
            "webhook_secret": "s3cret-value", "rates": [{"from": "eur", "to": "usd", "rate": "1.0850"}]})).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        let text = r.text().await.unwrap_or_default();
        assert!(!text.contains("s3cret-value"));
        let got = json_of(app.get("/api/finance/settings").await).await;
        assert_eq!(
            got,
            json!({"cost_of_capital": "0.1", "webhook_url": "https://hooks.example.com/x",
            "webhook_secret_set": true, "rates": [{"from": "EUR", "to": "USD", "rate": "1.085"}]})
        );
        // The stored blob is not the secret.
        let stored = app
            .store
            .finance_settings(&spendlens_core::campaign::OrgId::new(org))
            .await
            .ok()
            .flatten()
            .and_then(|s| s.webhook_secret_sealed)
            .unwrap_or_default();
        assert!(
            stored.len() > 20 && !stored.contains("s3cret-value"),
            "{stored}"
        );
    }
}

/// A settings body with thousands of bad entries gets an answer of bounded size: at most 100
/// problems listed, the message giving their count; a list of rates past any real table is
/// refused whole; an entry that is no object says so (not "rate: missing").
#[tokio::test]
async fn a_body_of_many_problems_gets_a_bounded_answer() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let tag = app.backend;
        app.register(&app.client, "cfo@a.io").await;
        let put = |body: Value| {
            let app = &app;
            async move {
                let r = app
                    .request(
                        &app.client,
                        Method::PUT,
                        "/api/finance/settings",
                        Some(&body),
                    )
                    .await;
                assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
                json_of(r).await
            }
        };
        let said = put(json!({"rates": [1, 2]})).await;
        assert_eq!(
            said["error"]["details"][0]["field"], "rates[0]",
            "{tag}: {said}"
        );
        assert_eq!(
            said["error"]["details"][0]["message"], "expected an object {from, to, rate}",
            "{tag}"
        );
        let many: Vec<Value> = (0..150).map(|i| json!(i)).collect();
        let said = put(json!({"rates": many})).await;
        assert_eq!(
            said["error"]["details"].as_array().map(Vec::len),
            Some(100),
            "{tag}"
        );
        assert_eq!(
            said["error"]["message"],
            "the request has invalid fields: 150 problems, the first 100 listed",
            "{tag}"
        );
        let table: Vec<Value> = (0..2_001)
            .map(|_| json!({"from": "EUR", "to": "USD", "rate": "1.1"}))
            .collect();
        let said = put(json!({"rates": table})).await;
        assert_eq!(
            said["error"]["details"][0]["field"], "rates",
            "{tag}: {said}"
        );
        assert!(
            said["error"]["details"][0]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("2001 rates; at most 2000")),
            "{tag}: {said}"
        );
    }
}
