//! The portfolio (issue 16 item 6) through the real server, on both backends: the blended totals
//! equal the sums of the campaigns' figures converted in this test from the rates it stored, each
//! rounded to the cent as its row shows it; a campaign
//! without a rate is listed, named and left out of the totals; every sort key sorts both ways;
//! another organisation's campaigns never appear; bad parameters are refused naming the field.
use std::str::FromStr;

use reqwest::{Method, StatusCode};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, json_of, new_client, page};

/// Money as the API writes it: two decimals, half away from zero.
fn cents(d: Decimal) -> String {
    format!(
        "{:.2}",
        d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    )
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a string: {v}")))
        .unwrap_or_else(|e| panic!("{v}: {e}"))
}

/// A campaign in `currency` with one Google Ads row a day for three days (spend and reported
/// revenue as given, summed by the test).
async fn campaign(
    app: &TestApp,
    name: &str,
    currency: &str,
    budget: &str,
    spend: [&str; 3],
    revenue: [&str; 3],
) -> String {
    let id = app
        .campaign(
            &json!({"name": name, "currency": currency, "budget": budget,
            "start_date": "2026-11-01", "end_date": "2026-12-15", "time_zone": "UTC"}),
        )
        .await;
    let rows: Vec<Value> = (0..3)
        .map(|i| {
            json!({"date": format!("2026-11-1{i}"), "platform": "google_ads", "spend": spend[i],
                   "clicks": 100, "conversions": "4", "revenue": revenue[i]})
        })
        .collect();
    let r = app
        .post(
            &format!("/api/campaigns/{id}/metrics"),
            &json!({"rows": rows}),
        )
        .await;
    assert!(r.status().is_success(), "{}: {}", app.backend, r.status());
    id
}

fn sum(values: [&str; 3]) -> Decimal {
    values
        .iter()
        .map(|v| Decimal::from_str(v).unwrap_or_default())
        .sum()
}

async fn put_rates(app: &TestApp, rates: Value) {
    let r = app
        .request(
            &app.client,
            Method::PUT,
            "/api/finance/settings",
            Some(&json!({ "rates": rates })),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
}

#[tokio::test]
async fn totals_are_the_converted_campaigns_and_a_missing_rate_is_named() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "pf@example.com").await;
        let usd = ["100.10", "200.25", "50.05"];
        let eur = ["80.33", "120.01", "99.99"];
        let gbp = ["10.07", "33.33", "41.11"];
        let chf = ["70.00", "70.00", "70.00"];
        campaign(&app, "Alpha", "USD", "1000", usd, ["300", "410.5", "20"]).await;
        campaign(&app, "Beta", "EUR", "2000", eur, ["500", "0", "77.77"]).await;
        campaign(&app, "Gamma", "GBP", "500", gbp, ["12", "13", "14"]).await;
        let delta = campaign(&app, "Delta", "CHF", "900", chf, ["1", "2", "3"]).await;
        // EUR → USD given directly; GBP → USD only as its inverse; nothing for CHF.
        put_rates(
            &app,
            json!([{"from": "EUR", "to": "USD", "rate": "1.0850"}, {"from": "USD", "to": "GBP", "rate": "0.79"}]),
        )
        .await;
        let eur_usd = Decimal::from_str("1.0850").unwrap_or_default();
        let gbp_usd = Decimal::ONE / Decimal::from_str("0.79").unwrap_or_default();

        let got = json_of(app.get("/api/portfolio?currency=usd").await).await;
        assert_eq!(got["currency"], "USD", "{}: {got}", app.backend);
        assert_eq!(got["revenue_basis"], "platform_reported");
        // Each row converted and rounded to the cent as it is shown, then added: the totals are
        // the sums of the rows beside them.
        let shown =
            |d: Decimal| d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        let spend = shown(sum(usd)) + shown(sum(eur) * eur_usd) + shown(sum(gbp) * gbp_usd);
        let revenue = shown(sum(["300", "410.5", "20"]))
            + shown(sum(["500", "0", "77.77"]) * eur_usd)
            + shown(sum(["12", "13", "14"]) * gbp_usd);
        let budget = shown(Decimal::from(1000))
            + shown(Decimal::from(2000) * eur_usd)
            + shown(Decimal::from(500) * gbp_usd);
        let t = &got["totals"];
        assert_eq!(t["campaigns"], 3, "{}: {t}", app.backend);
        assert_eq!(t["spend"], cents(spend).as_str(), "{}", app.backend);
        assert_eq!(t["revenue"], cents(revenue).as_str());
        assert_eq!(t["budget"], cents(budget).as_str());
        // ROI from the totals (not an average of the campaigns' ROIs).
        let roi = (revenue - spend) / spend * Decimal::ONE_HUNDRED;
        let rounded =
            |d: Decimal| d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        let number = |v: &Value| Decimal::from_str(&v.to_string()).unwrap_or_default();
        assert_eq!(number(&t["roi"]), rounded(roi), "{}: {t}", app.backend);
        let roi_average: Decimal = got["campaigns"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| !c["converted"].is_null())
            .map(|c| number(&c["roi"]))
            .sum::<Decimal>()
            / Decimal::from(3);
        assert_ne!(number(&t["roi"]), rounded(roi_average));

        // Each converted figure, row by row.
        let rows = got["campaigns"].as_array().cloned().unwrap_or_default();
        let names: Vec<&str> = rows.iter().filter_map(|c| c["name"].as_str()).collect();
        assert_eq!(
            names,
            ["Alpha", "Beta", "Delta", "Gamma"],
            "the default sort is by name"
        );
        let beta = &rows[1];
        assert_eq!(beta["spend"], cents(sum(eur)).as_str());
        assert_eq!(
            beta["converted"]["spend"],
            cents(sum(eur) * eur_usd).as_str()
        );
        assert_eq!(beta["converted"]["rate"], "1.085");
        let gamma = &rows[3];
        assert_eq!(
            gamma["converted"]["spend"],
            cents(sum(gbp) * gbp_usd).as_str()
        );

        // Delta: listed in its own currency, not converted, named, out of the totals.
        let d = &rows[2];
        assert_eq!(d["currency"], "CHF");
        assert_eq!(d["spend"], "210.00");
        assert!(d["converted"].is_null(), "{d}");
        assert_eq!(
            got["missing_rates"],
            json!([{"campaign_id": delta, "name": "Delta", "from": "CHF", "to": "USD"}])
        );

        // The page: the same totals, Delta named with a link to the rates.
        let (status, html) = page(&app, "/campaigns?currency=USD").await;
        assert_eq!(status, StatusCode::OK);
        let dollars = |d: Decimal| {
            let text = cents(d);
            let (whole, frac) = text.split_once('.').unwrap_or((&text, "00"));
            let mut grouped = String::new();
            for (i, ch) in whole.chars().enumerate() {
                if i > 0 && (whole.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(ch);
            }
            format!("${grouped}.{frac}")
        };
        assert!(
            html.contains(&format!("data-total=\"spend\">{}</td>", dollars(spend))),
            "{html}"
        );
        assert!(
            html.contains(&format!("data-missing=\"{delta}\"")),
            "{html}"
        );
        assert!(html.contains("href=\"/finance#rates\""));
        assert!(html.contains("no rate to USD"));
        assert!(html.contains("<option value=\"CHF\">CHF</option>"));

        // In CHF nothing converts but Delta; the totals are Delta's alone.
        let chf_view = json_of(app.get("/api/portfolio?currency=CHF").await).await;
        assert_eq!(chf_view["totals"]["campaigns"], 1);
        assert_eq!(chf_view["totals"]["spend"], "210.00");
        assert_eq!(
            chf_view["missing_rates"].as_array().map(Vec::len),
            Some(3),
            "{chf_view}"
        );

        // In JPY nothing converts: the totals cover no campaign and are no figure (not 0.00).
        let jpy = json_of(app.get("/api/portfolio?currency=JPY").await).await;
        let t = &jpy["totals"];
        assert_eq!(t["campaigns"], 0, "{jpy}");
        for key in [
            "budget",
            "spend",
            "revenue",
            "measured_spend",
            "roi",
            "roas",
        ] {
            assert!(t[key].is_null(), "{key}: {jpy}");
        }
        assert_eq!(
            jpy["missing_rates"].as_array().map(Vec::len),
            Some(4),
            "{jpy}"
        );

        // The default currency: the one most campaigns use (a tie: the first alphabetically).
        let default = json_of(app.get("/api/portfolio").await).await;
        assert_eq!(default["currency"], "CHF", "{}", app.backend);
    }
}

/// The value a row sorts by, as the test reads it from the answer (`None` sorts last).
fn key_of(row: &Value, key: &str) -> Option<Decimal> {
    let num = |v: &Value| Decimal::from_str(&v.to_string()).ok();
    let conv = &row["converted"];
    match key {
        "budget" => conv.get("budget").filter(|v| !v.is_null()).map(dec),
        "spend" => conv.get("spend").map(dec),
        "revenue" => conv.get("revenue").filter(|v| !v.is_null()).map(dec),
        "roi" => num(&row["roi"]).filter(|_| !row["roi"].is_null()),
        "roas" => num(&row["roas"]).filter(|_| !row["roas"].is_null()),
        "health" => row["health_score"].as_u64().map(Decimal::from),
        // The sort leaves a pace resting on assumed dates with the rows without one.
        "pacing" => num(&row["pacing_pct"]).filter(|_| row["pacing_assumed"] == false),
        "alerts" => row["open_alerts"]
            .as_array()
            .map(|a| Decimal::from(a.len())),
        _ => None,
    }
}

#[tokio::test]
async fn every_key_sorts_both_ways_and_only_the_callers_campaigns_appear() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "sort@example.com").await;
        campaign(
            &app,
            "b small",
            "USD",
            "100",
            ["90", "20", "1"],
            ["0", "0", "0"],
        )
        .await;
        campaign(
            &app,
            "A large",
            "USD",
            "90000",
            ["500", "600", "700"],
            ["9000", "1", "1"],
        )
        .await;
        campaign(
            &app,
            "c mid",
            "EUR",
            "5000",
            ["100", "100", "100"],
            ["150", "150", "150"],
        )
        .await;
        campaign(
            &app,
            "d no rate",
            "JPY",
            "300000",
            ["5000", "5000", "5000"],
            ["1", "1", "1"],
        )
        .await;
        put_rates(&app, json!([{"from": "EUR", "to": "USD", "rate": "2"}])).await;

        // Another organisation, with a campaign of its own.
        let other = new_client();
        app.register(&other, "other@example.com").await;
        let r = app
            .request(
                &other,
                Method::POST,
                "/api/campaigns",
                Some(&json!({"name": "Not yours", "currency": "USD", "budget": "1"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);

        for key in [
            "name", "budget", "spend", "revenue", "roi", "roas", "health", "pacing", "alerts",
        ] {
            for dir in ["asc", "desc"] {
                let got = json_of(
                    app.get(&format!("/api/portfolio?currency=USD&sort={key}&dir={dir}"))
                        .await,
                )
                .await;
                assert_eq!(got["sort"], key);
                assert_eq!(got["dir"], dir);
                let rows = got["campaigns"].as_array().cloned().unwrap_or_default();
                let names: Vec<String> = rows
                    .iter()
                    .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
                    .collect();
                assert_eq!(rows.len(), 4, "{}: {key} {dir}: {names:?}", app.backend);
                assert!(!names.iter().any(|n| n == "Not yours"));
                if key == "name" {
                    let mut expected = names.clone();
                    expected.sort_by_key(|n| n.to_lowercase());
                    if dir == "desc" {
                        expected.reverse();
                    }
                    assert_eq!(names, expected, "{}", app.backend);
                    continue;
                }
                let values: Vec<Option<Decimal>> = rows.iter().map(|r| key_of(r, key)).collect();
                // Values first (in order), then the rows without one.
                let first_none = values
                    .iter()
                    .position(Option::is_none)
                    .unwrap_or(values.len());
                assert!(
                    values[first_none..].iter().all(Option::is_none),
                    "{key} {dir}: {values:?}"
                );
                let present: Vec<Decimal> = values.iter().flatten().copied().collect();
                let ordered = present.windows(2).all(|w| match dir {
                    "asc" => w[0] <= w[1],
                    _ => w[0] >= w[1],
                });
                assert!(
                    ordered,
                    "{}: {key} {dir}: {names:?} {values:?}",
                    app.backend
                );
            }
        }
        // Spend in USD: A (1800) > c (300 EUR × 2 = 600) > b (111); d has no rate.
        let got = json_of(app.get("/api/portfolio?currency=USD&sort=spend").await).await;
        let names: Vec<&str> = got["campaigns"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["name"].as_str())
            .collect();
        assert_eq!(names, ["A large", "c mid", "b small", "d no rate"]);

        // The page: header links and aria-sort on the sorted column; no other org's campaign.
        let (_, html) = page(&app, "/campaigns?currency=USD&sort=spend&dir=asc").await;
        assert!(
            html.contains("aria-sort=\"ascending\" data-sort=\"spend\""),
            "{html}"
        );
        assert!(
            html.replace("&#38;", "&")
                .contains("href=\"/campaigns?currency=USD&sort=spend&dir=desc\""),
            "the sorted column's link reverses it: {html}"
        );
        assert!(!html.contains("Not yours"));
        // The columns say their basis: the Finance pages' ROI (on the full investment, on the
        // campaign's chosen revenue) is another figure.
        for label in ["Platform revenue", "ROI on ad spend"] {
            assert!(
                html.contains(&format!(">{label}</a></th>")),
                "{label}: {html}"
            );
        }
        let positions: Vec<usize> = ["b small", "c mid", "A large"]
            .iter()
            .filter_map(|n| html.find(n))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        let others = json_of(
            app.request(&other, Method::GET, "/api/portfolio", None)
                .await,
        )
        .await;
        assert_eq!(others["campaigns"].as_array().map(Vec::len), Some(1));
    }
}

#[tokio::test]
async fn bad_parameters_are_refused_naming_the_field() {
    let url = crate::support::sqlite_database();
    let app = TestApp::spawn(&url).await;
    app.register(&app.client, "bad@example.com").await;
    app.campaign(&crate::support::q4()).await;
    for (query, field) in [
        ("currency=XYZ", "currency"),
        ("currency=dollars", "currency"),
        ("sort=colour", "sort"),
        ("sort=spend&dir=up", "dir"),
    ] {
        let r = app.get(&format!("/api/portfolio?{query}")).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let body = json_of(r).await;
        assert_eq!(
            body["error"]["details"][0]["field"], field,
            "{query}: {body}"
        );
        let (status, html) = page(&app, &format!("/campaigns?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(html.contains(&format!("{field}: ")), "{query}: {html}");
    }
    let r = app.get("/api/portfolio?currency=&sort=&dir=").await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "blank parameters are the defaults"
    );
}

/// Revenue without spend: ROI and ROAS are undefined, not 0 (the analysis contract's stand-in),
/// in the portfolio as in the ROI API.
#[tokio::test]
async fn revenue_without_spend_has_no_roi_in_the_portfolio() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "nospend@example.com").await;
        let id = app
            .campaign(
                &json!({"name": "Organic", "currency": "USD", "start_date": "2026-11-01",
                              "time_zone": "UTC"}),
            )
            .await;
        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &json!({"rows": [{"date": "2026-11-02", "platform": "meta", "spend": "0",
                                  "revenue": "500", "conversions": "5"}]}),
            )
            .await;
        assert!(r.status().is_success(), "{}", app.backend);
        let got = json_of(app.get("/api/portfolio").await).await;
        let row = &got["campaigns"][0];
        assert_eq!(row["revenue"], "500.00", "{got}");
        assert!(row["roi"].is_null() && row["roas"].is_null(), "{got}");
    }
}
