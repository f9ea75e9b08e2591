//! The budget optimisation endpoint on a campaign seeded with Hill-curve history (fixed seed).
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, json_of, new_client};

/// A small deterministic generator (xorshift), so the history is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub(crate) fn campaign() -> Value {
    json!({"name": "Always on", "currency": "USD", "budget": "500000.00", "start_date": "2026-08-01",
           "end_date": "2026-12-31", "time_zone": "UTC"})
}

/// 90 days up to yesterday for three platforms, revenue = Hill(spend) ± 3 %.
pub(crate) fn history_rows(days: i64) -> Value {
    rows_ending(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default(),
        days,
    )
}

/// `days` days up to `last` for three platforms, revenue = Hill(spend) ± 3 %.
fn rows_ending(last: chrono::NaiveDate, days: i64) -> Value {
    let mut rng = Rng(0x5EED_2026);
    let start = last - chrono::Days::new(days as u64 - 1);
    let curves = [
        ("meta", 3000.0, 150.0, 1.0),
        ("google_ads", 5000.0, 300.0, 0.9),
        ("linkedin", 1500.0, 200.0, 1.4),
    ];
    let mut rows = Vec::new();
    for d in 0..days {
        let date = start + chrono::Days::new(d as u64);
        for (platform, beta, k, s) in curves {
            let spend: f64 = 20.0 + rng.next() * 380.0;
            let clean = beta * spend.powf(s) / (spend.powf(s) + f64::powf(k, s));
            let revenue = clean * (0.97 + 0.06 * rng.next());
            rows.push(json!({"date": date.to_string(), "platform": platform, "spend": format!("{spend:.2}"),
                             "clicks": 10, "conversions": format!("{:.2}", revenue / 50.0), "revenue": format!("{revenue:.2}")}));
        }
    }
    json!({"rows": rows})
}

pub(crate) fn money(v: &Value) -> Decimal {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(Decimal::MIN)
}

pub(crate) fn spends(allocation: &Value) -> Vec<(String, Decimal)> {
    allocation
        .as_array()
        .map(|list| {
            list.iter()
                .map(|a| {
                    (
                        a["channel"].as_str().unwrap_or_default().to_owned(),
                        money(&a["spend"]),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_plan_spends_the_budget_honours_bounds_and_rolls_out_gradually() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@example.com").await;
        let id = app.campaign(&campaign()).await;
        let r = app
            .post(&format!("/api/campaigns/{id}/metrics"), &history_rows(90))
            .await;
        assert!(r.status().is_success(), "{}", app.backend);

        let path = format!("/api/campaigns/{id}/budget-optimization");
        let request = json!({"total_budget": "12345.67", "weeks": 4,
                             "bounds": {"linkedin": {"min": "1000", "max": "3000"}}});
        let r = app.post(&path, &request).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        let plan = json_of(r).await;
        assert_eq!(
            plan["period"],
            json!({"from": "2026-11-22", "to": "2026-12-19", "days": 28})
        );
        let budget: Decimal = "12345.67".parse().unwrap_or_default();
        let optimized = spends(&plan["optimized_allocation"]);
        let current = spends(&plan["current_allocation"]);
        assert_eq!(optimized.len(), 3, "{plan}");
        assert_eq!(
            optimized.iter().map(|(_, s)| *s).sum::<Decimal>(),
            budget,
            "{plan}"
        );
        assert_eq!(current.iter().map(|(_, s)| *s).sum::<Decimal>(), budget);
        let linkedin = optimized
            .iter()
            .find(|(c, _)| c == "linkedin")
            .map(|(_, s)| *s)
            .unwrap_or_default();
        assert!(
            linkedin >= Decimal::from(1000) && linkedin <= Decimal::from(3000),
            "{linkedin}"
        );
        assert!(
            money(&plan["optimized_value"]) >= money(&plan["current_value"]),
            "{plan}"
        );
        let imp = &plan["expected_improvement"];
        assert!(money(&imp["point"]) >= Decimal::ZERO);
        assert!(
            money(&imp["low"]) <= money(&imp["point"])
                && money(&imp["point"]) <= money(&imp["high"]),
            "{imp}"
        );

        // The rollout moves at most 20 % of the budget per week and ends at the optimum.
        let weeks = plan["implementation_timeline"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!weeks.is_empty());
        let limit = budget * Decimal::new(2, 1) + Decimal::new(2, 2);
        let mut before = current.clone();
        for week in &weeks {
            let now = spends(&week["allocation"]);
            assert_eq!(now.iter().map(|(_, s)| *s).sum::<Decimal>(), budget);
            let moved: Decimal = now
                .iter()
                .zip(&before)
                .map(|((_, a), (_, b))| (*a - *b).abs())
                .sum::<Decimal>()
                / Decimal::TWO;
            assert!(moved <= limit, "week {} moved {moved}", week["week"]);
            assert!(week["expected_response"].is_string());
            before = now;
        }
        assert_eq!(before, optimized);

        // A smaller weekly shift takes more weeks.
        let slow = json_of(
            app.post(
                &path,
                &json!({"total_budget": "12345.67", "weeks": 4, "max_weekly_shift": 0.05}),
            )
            .await,
        )
        .await;
        assert!(
            slow["implementation_timeline"]
                .as_array()
                .map_or(0, Vec::len)
                >= weeks.len()
        );

        // Frozen channels keep their current spend.
        let frozen = json_of(
            app.post(
                &path,
                &json!({"total_budget": "12345.67", "weeks": 4, "frozen": ["meta"]}),
            )
            .await,
        )
        .await;
        let pick = |v: &Value, key: &str| {
            spends(&v[key])
                .into_iter()
                .find(|(c, _)| c == "meta")
                .map(|(_, s)| s)
        };
        let (a, b) = (
            pick(&frozen, "current_allocation"),
            pick(&frozen, "optimized_allocation"),
        );
        let diff = a.zip(b).map(|(a, b)| (a - b).abs()).unwrap_or(Decimal::MAX);
        assert!(diff <= Decimal::new(1, 2), "{frozen}");

        // A group cap: Meta and Google Ads together spend at most 5,000.00 of the 12,345.67. Their
        // default floors (half their recent spend) do not fit under it: the refusal names the
        // defaults and how to widen them.
        let group =
            json!([{"name": "search+social", "channels": ["meta", "google_ads"], "max": "5000"}]);
        let r = app
            .post(
                &path,
                &json!({"total_budget": "12345.67", "weeks": 4, "groups": group}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = json_of(r).await;
        let problem = &body["error"]["details"][0];
        assert_eq!(problem["field"], "groups[0].max", "{body}");
        assert!(
            problem["message"].as_str().is_some_and(|m| m.contains(
                "the default limits keep each channel within the range it has been run at"
            ) && !m.contains("99999")
                && m.ends_with(
                    "give bounds for the channels to widen them, or spend_range \"open\""
                )),
            "{body}"
        );
        let capped = json_of(
            app.post(
                &path,
                &json!({"total_budget": "12345.67", "weeks": 4, "groups": group, "spend_range": "open"}),
            )
            .await,
        )
        .await;
        assert_eq!(capped["caution"]["spend_range"], "open", "{capped}");
        let optimized = spends(&capped["optimized_allocation"]);
        let grouped: Decimal = optimized
            .iter()
            .filter(|(c, _)| c == "meta" || c == "google_ads")
            .map(|(_, s)| *s)
            .sum();
        let total: Decimal = optimized.iter().map(|(_, s)| *s).sum();
        assert!(
            grouped <= Decimal::new(500_001, 2),
            "cap honoured: {capped}"
        );
        assert_eq!(total, Decimal::new(1_234_567, 2), "still the whole budget");
        let r = app
            .post(
                &path,
                &json!({"groups": [{"channels": ["meta", "tiktok"], "max": "-1"}, {"channels": ["meta"], "max": "1"}]}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = json_of(r).await.to_string();
        assert!(
            text.contains("groups[0].channels[1]")
                && text.contains("groups[0].max")
                && text.contains("groups[1].channels[0]"),
            "{text}"
        );

        // The curves chart.
        let r = app
            .get(&format!("{path}/curves.svg?total_budget=12345.67&weeks=4"))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let svg = r.text().await.unwrap_or_default();
        assert!(svg.contains("<title>Response curves") && svg.contains("<desc>"));
        assert!(svg.contains("Meta Ads: current spend $"));

        // Bad fields are named by their JSON path.
        let r = app
            .post(
                &path,
                &json!({"bounds": {"meta": {"min": "lots"}}, "objective": "clicks"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = json_of(r).await;
        let fields: Vec<&str> = body["error"]["details"]
            .as_array()
            .map(|d| d.iter().filter_map(|p| p["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            fields.contains(&"bounds.meta.min") && fields.contains(&"objective"),
            "{body}"
        );
        // Past their limits, weeks and the budget are refused on their field, in the body as in
        // the chart's query (14 million weeks ran past the last date; 10^23 took minutes).
        for (body, query, field) in [
            (json!({"weeks": 14_000_000}), "weeks=14000000", "weeks"),
            (json!({"weeks": 53}), "weeks=53", "weeks"),
            (
                json!({"total_budget": "99999999999999999999999"}),
                "total_budget=99999999999999999999999",
                "total_budget",
            ),
        ] {
            let r = app.post(&path, &body).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let said = json_of(r).await;
            assert_eq!(said["error"]["details"][0]["field"], field, "{said}");
            let r = app.get(&format!("{path}/curves.svg?{query}")).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        }
        // Infeasible bounds are refused with the solver's reason.
        let r = app
            .post(
                &path,
                &json!({"total_budget": "100", "bounds": {"linkedin": {"min": "1000"}}}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // Another organisation: 404.
        let stranger = new_client();
        app.register(&stranger, "b@example.com").await;
        let r = app
            .request(&stranger, Method::POST, &path, Some(&json!({})))
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = app
            .request(&stranger, Method::GET, &format!("{path}/curves.svg"), None)
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn thin_history_is_a_422_saying_how_many_days_are_needed() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@example.com").await;
        let id = app.campaign(&campaign()).await;
        let path = format!("/api/campaigns/{id}/budget-optimization");
        let r = app.post(&path, &json!({})).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = json_of(r).await;
        assert_eq!(body["error"]["details"][0]["field"], "history", "{body}");

        app.post(&format!("/api/campaigns/{id}/metrics"), &history_rows(3))
            .await;
        let r = app.post(&path, &json!({"total_budget": "1000"})).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = json_of(r).await;
        let message = body["error"]["details"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            message.contains("meta has 3") && message.contains("at least 7 days"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn a_history_from_earlier_years_is_fitted_when_its_window_is_given() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@example.com").await;
        let id = app
            .campaign(
                &json!({"name": "2023", "currency": "EUR", "budget": "100000.00",
                              "start_date": "2023-01-01", "end_date": "2023-12-31"}),
            )
            .await;
        let last = chrono::NaiveDate::from_ymd_opt(2023, 6, 30).unwrap_or_default();
        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &rows_ending(last, 90),
            )
            .await;
        assert!(r.status().is_success(), "{}", app.backend);
        let path = format!("/api/campaigns/{id}/budget-optimization");

        // The default window (the last year up to 21 Nov 2026) has no spend: the answer names
        // it, says where the spend is, and how to pass the window.
        let r = app.post(&path, &json!({})).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );
        let body = json_of(r).await;
        let problem = &body["error"]["details"][0];
        assert_eq!(problem["field"], "history");
        assert_eq!(
            problem["message"],
            "no ad platform has spend from 2025-11-22 to 2026-11-21 (the history window: by \
             default the last 365 days); the campaign's ad spend runs from 2023-04-02 to \
             2023-06-30: pass history.from and history.to to fit on those days"
        );

        // With the window, a plan: the remaining budget (nothing spent in it is left out).
        let window = json!({"from": "2023-01-01", "to": "2023-12-31"});
        let r = app.post(&path, &json!({"history": window})).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        let plan = json_of(r).await;
        assert_eq!(plan["currency"], "EUR");
        assert_eq!(
            plan["history"],
            json!({"from": "2023-01-01", "to": "2023-12-31", "days": 365})
        );
        let spent: Decimal = rows_ending(last, 90)["rows"]
            .as_array()
            .map(|rows| rows.iter().map(|r| money(&r["spend"])).sum())
            .unwrap_or_default();
        let planned: Decimal = spends(&plan["optimized_allocation"])
            .iter()
            .map(|(_, s)| *s)
            .sum();
        assert_eq!(planned, Decimal::new(10_000_000, 2) - spent);
        assert_eq!(spends(&plan["optimized_allocation"]).len(), 3);

        // Only one end: a year from it.
        let r = app
            .post(
                &path,
                &json!({"history": {"to": "2023-06-30"}, "total_budget": "9000"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);

        // The window's own mistakes, by their paths.
        for (body, field) in [
            (
                json!({"history": {"from": "2023-06-01", "to": "2023-01-01"}}),
                "history.to",
            ),
            (
                json!({"history": {"from": "2015-01-01", "to": "2023-01-01"}}),
                "history.from",
            ),
            (json!({"history": {"from": "June"}}), "history.from"),
            (json!({"history": {"since": "2023-01-01"}}), "history.since"),
            (json!({"history": "2023"}), "history"),
        ] {
            let r = app.post(&path, &body).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(
                json_of(r).await["error"]["details"][0]["field"],
                field,
                "{body}"
            );
        }

        // The chart takes the window as query parameters.
        let r = app
            .get(&format!(
                "/api/campaigns/{id}/budget-optimization/curves.svg?history_from=2023-01-01&history_to=2023-12-31"
            ))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let r = app
            .get(&format!(
                "/api/campaigns/{id}/budget-optimization/curves.svg"
            ))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// The rows' spend per platform: (sum over the days from `from` on, highest day).
fn spend_since(rows: &Value, platform: &str, from: &str) -> (Decimal, Decimal) {
    let mut sum = Decimal::ZERO;
    let mut top = Decimal::ZERO;
    for r in rows["rows"].as_array().into_iter().flatten() {
        if r["platform"] != platform {
            continue;
        }
        let spend = money(&r["spend"]);
        top = top.max(spend);
        if r["date"].as_str().is_some_and(|d| d >= from) {
            sum += spend;
        }
    }
    (sum, top)
}

#[tokio::test]
async fn the_default_plan_stays_within_the_range_each_channel_has_been_run_at() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@example.com").await;
        let id = app.campaign(&campaign()).await;
        let rows = history_rows(90);
        let r = app
            .post(&format!("/api/campaigns/{id}/metrics"), &rows)
            .await;
        assert!(r.status().is_success(), "{}", app.backend);
        let path = format!("/api/campaigns/{id}/budget-optimization");
        let plan = json_of(
            app.post(&path, &json!({"total_budget": "17000", "weeks": 4}))
                .await,
        )
        .await;
        assert_eq!(plan["caution"]["spend_range"], "observed", "{plan}");
        // The recent days end on the last day with spend (yesterday), 28 of them.
        assert_eq!(
            plan["caution"]["recent"],
            json!({"from": "2026-10-24", "to": "2026-11-20", "days": 28})
        );
        let optimized = spends(&plan["optimized_allocation"]);
        let mut moved = 0;
        for (channel, (name, spend)) in plan["channels"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .zip(&optimized)
        {
            assert_eq!(channel["channel"], name.as_str());
            // Well-fitted curves (R² near 1) are moved, within the observed range.
            assert_eq!(channel["limit"], "observed", "{channel}");
            assert_eq!(channel["held"], false);
            assert!(channel["r_squared"].as_f64().unwrap_or(0.0) > 0.9);
            let (recent, top) = spend_since(&rows, name, "2026-10-24");
            assert_eq!(money(&channel["recent_spend"]), recent, "{channel}");
            assert_eq!(money(&channel["highest_daily_spend"]), top, "{channel}");
            let cent = Decimal::new(1, 2);
            assert!(
                *spend >= recent / Decimal::TWO - cent
                    && *spend <= recent * Decimal::new(15, 1) + cent,
                "{name}: {spend} outside 0.5×–1.5× of {recent}"
            );
            assert!(
                *spend <= top * Decimal::new(12, 1) * Decimal::from(28) + cent,
                "{name}: {spend} above 1.2× the highest day {top} over 28 days"
            );
            let share = spend / recent;
            let stated = channel["optimized_vs_recent"].as_f64().unwrap_or(0.0);
            assert!(
                (Decimal::try_from(stated).unwrap_or_default() - share).abs() < Decimal::new(1, 3),
                "{channel}"
            );
            if (share - Decimal::from(17_000) / Decimal::from(17_000)).abs() > Decimal::new(1, 2) {
                moved += 1;
            }
        }
        assert!(moved > 0, "the plan moves something: {plan}");
        // The answer says what the optimiser used: CAC, LTV and the seasonality.
        for channel in plan["channels"].as_array().into_iter().flatten() {
            assert!(
                channel["cac"].is_string() && channel["ltv"].is_string(),
                "{channel}"
            );
        }
        let weekday = &plan["seasonality"]["weekday"];
        assert_eq!(weekday.as_object().map(serde_json::Map::len), Some(7));
        assert!(plan["seasonality"]["period_index"].is_number());
        let sentences = plan["risk_assessment"]["sentences"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            sentences.iter().all(|s| s.as_str().is_some_and(
                |s| s.ends_with('.') && s.chars().next().is_some_and(char::is_uppercase)
            )),
            "{sentences:?}"
        );
        assert!(
            plan["expected_improvement"]["summary"]
                .as_str()
                .is_some_and(|s| s.starts_with("Expected gain: $") && s.contains("90 % interval")),
            "{plan}"
        );

        // Bounds that force a worse split: the plan says plainly that it loses.
        let forced = json_of(
            app.post(
                &path,
                &json!({"total_budget": "17000", "weeks": 4,
                        "bounds": {"linkedin": {"min": "10500"}}}),
            )
            .await,
        )
        .await;
        let imp = &forced["expected_improvement"];
        assert_eq!(imp["includes_loss"], true, "{forced}");
        assert!(
            imp["summary"]
                .as_str()
                .is_some_and(|s| s.starts_with("Expected loss: $")
                    && s.ends_with("the limits given force a split worse than the current one.")),
            "{imp}"
        );
        assert!(
            forced["risk_assessment"]["sentences"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| s.as_str().is_some_and(|s| s.contains("includes a loss."))),
            "{forced}"
        );
        assert_eq!(forced["channels"][0]["limit"], "requested", "{forced}");
    }
}

/// Meta's days carry conversions but no value, and the campaign has an average order value:
/// the plan values them at it. Once one Meta row (two years back) carries a value of its own,
/// Meta is valued by its own value, as the analysis values it, and its days add nothing: the
/// refusal says so, rather than asking for a value that is already set.
#[tokio::test]
async fn a_platform_valued_by_its_own_value_is_told_so_when_its_days_have_none() {
    let db = crate::support::sqlite_database();
    let app = TestApp::spawn(&db).await;
    app.register(&app.client, "own@example.com").await;
    let id = app.campaign(&campaign()).await;
    let r = app
        .request(
            &app.client,
            Method::PUT,
            &format!("/api/campaigns/{id}/settings"),
            Some(&json!({"ga4_average_order_value": "50", "linkedin_conversion_value": "50"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut rows = history_rows(90);
    for row in rows["rows"].as_array_mut().into_iter().flatten() {
        if let Some(o) = row.as_object_mut() {
            o.remove("revenue");
        }
    }
    let r = app
        .post(&format!("/api/campaigns/{id}/metrics"), &rows)
        .await;
    assert!(r.status().is_success());
    let path = format!("/api/campaigns/{id}/budget-optimization");
    let r = app
        .post(&path, &json!({"total_budget": "10000", "weeks": 4}))
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", json_of(r).await);

    let old = json!({"rows": [{"date": "2024-06-01", "platform": "meta", "spend": "10.00",
                               "clicks": 1, "conversions": "1", "conversion_value": "80.00"}]});
    let r = app
        .post(&format!("/api/campaigns/{id}/metrics"), &old)
        .await;
    assert!(r.status().is_success());
    let r = app
        .post(&path, &json!({"total_budget": "10000", "weeks": 4}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let got = json_of(r).await;
    let message = got["error"]["details"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("Meta Ads has 90 days with spend")
            && message.contains("came without the value it reports with them on other days")
            && !message.contains("set the LinkedIn conversion value, or the GA4"),
        "{got}"
    );
}
