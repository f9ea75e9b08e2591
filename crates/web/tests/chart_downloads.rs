//! Every chart's downloads on the demo (issue 16 item 5): the chart as an SVG file in the UI's
//! font (embedded) with an exact `<title>` on every point, and its data as CSV whose totals are the
//! analysis API's figures; drawn from the page's query; another organisation's campaign or model
//! run is the 404 page.
use std::collections::BTreeMap;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use rust_decimal::Decimal;
use serde_json::json;

use crate::support::{TestApp, demo, json_of, new_client, page, sqlite_database};

struct Download {
    kind: String,
    disposition: String,
    body: String,
}

async fn fetch(app: &TestApp, client: &reqwest::Client, path: &str) -> (StatusCode, Download) {
    let r = client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let header = |name: reqwest::header::HeaderName| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let kind = header(reqwest::header::CONTENT_TYPE);
    let disposition = header(reqwest::header::CONTENT_DISPOSITION);
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    (
        status,
        Download {
            kind,
            disposition,
            body,
        },
    )
}

/// The SVG download of `chart`: an attachment named for the owner and the chart, valid XML with
/// the font embedded and every hover target titled; returns its titles.
async fn svg(app: &TestApp, base: &str, chart: &str, query: &str, owner: &str) -> Vec<String> {
    let (status, d) = fetch(
        app,
        &app.client,
        &format!("{base}/charts/{chart}.svg{query}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{chart}: {}", d.body);
    assert_eq!(d.kind, "image/svg+xml; charset=utf-8", "{chart}");
    assert_eq!(
        d.disposition,
        format!("attachment; filename=\"{owner}-{chart}.svg\"")
    );
    let doc = roxmltree::Document::parse(&d.body).unwrap_or_else(|e| panic!("{chart}: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let style: String = root
        .descendants()
        .filter(|n| n.has_tag_name("style"))
        .filter_map(|n| n.text())
        .collect();
    assert!(
        style.contains("@font-face{font-family:Roboto;")
            && style.contains("src:url(data:font/woff2;base64,d09GMg"),
        "{chart}: the font is embedded"
    );
    let texts: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .collect();
    assert!(!texts.is_empty());
    // Hover labels take theirs from the chart's style rule, said once for all of them.
    let tip_font = style.contains(".ct-tip{font-size:13px;font-family:Roboto, system-ui");
    for t in &texts {
        let label = t.attribute("class") == Some("ct-tip");
        assert!(
            t.attribute("font-family")
                .is_some_and(|f| f.starts_with("Roboto, system-ui"))
                || (label && tip_font && t.attribute("font-family").is_none()),
            "{chart}: {:?}",
            t.attribute("font-family")
        );
    }
    let mut titles = Vec::new();
    for target in root
        .descendants()
        .filter(|n| n.attribute("class") == Some("ct-trigger"))
    {
        let title = target
            .children()
            .find(|c| c.has_tag_name("title"))
            .and_then(|c| c.text());
        match title {
            Some(t) => titles.push(t.to_owned()),
            // Only a waterfall's transparent spacer goes without.
            None => assert_eq!(target.attribute("data-series"), Some("spacer"), "{chart}"),
        }
    }
    assert!(!titles.is_empty(), "{chart} has hover titles");
    titles
}

/// The CSV download of `chart`: its rows by header.
async fn csv(app: &TestApp, base: &str, chart: &str, query: &str) -> Vec<BTreeMap<String, String>> {
    let (status, d) = fetch(
        app,
        &app.client,
        &format!("{base}/charts/{chart}.csv{query}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{chart}: {}", d.body);
    assert_eq!(d.kind, "text/csv; charset=utf-8");
    assert!(d.disposition.starts_with("attachment; filename=\""));
    assert!(d.disposition.ends_with(&format!("-{chart}.csv\"")));
    let mut reader = csv::Reader::from_reader(d.body.as_bytes());
    let header = reader.headers().expect("header").clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        ["series", "point", "value", "low", "high", "currency"]
    );
    reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[tokio::test]
async fn every_chart_downloads_as_svg_and_csv_with_the_pages_numbers() {
    let database = sqlite_database();
    let app = TestApp::spawn(database.url()).await;
    let campaigns = demo(&app).await;
    let (id, _) = campaigns
        .iter()
        .find(|(_, n)| n == "Q4 Lead Gen (B2B)")
        .expect("Q4 campaign");
    let base = format!("/campaigns/{id}");
    let owner = "q4-lead-gen-b2b";

    // The page links each chart's downloads.
    let (status, html) = page(&app, &format!("{base}?tab=overview")).await;
    assert_eq!(status, StatusCode::OK);
    for chart in ["daily-spend", "cumulative-spend"] {
        assert!(
            html.contains(&format!("href=\"{base}/charts/{chart}.svg\"")),
            "{chart}"
        );
        assert!(
            html.contains(&format!("href=\"{base}/charts/{chart}.csv\"")),
            "{chart}"
        );
    }
    assert!(html.contains(">Download data (CSV)</a>"));

    let api = json_of(
        app.get(&format!("/api/campaigns/{id}/financial-analysis"))
            .await,
    )
    .await;
    let currency = api["currency"].as_str().expect("currency").to_owned();
    let name_of = |code: &str| {
        code.parse::<spendlens_core::Platform>()
            .expect("platform")
            .display_name()
            .to_owned()
    };

    // Daily spend: each platform's rows add up to its spend in the analysis, to the cent.
    let titles = svg(&app, &base, "daily-spend", "", owner).await;
    let rows = csv(&app, &base, "daily-spend", "").await;
    let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
    for r in &rows {
        assert_eq!(r["currency"], currency);
        assert_eq!(r["point"].len(), 10, "ISO date");
        *totals.entry(r["series"].clone()).or_default() += dec(&r["value"]);
    }
    let platforms = api["platforms"].as_array().expect("platforms");
    for p in platforms {
        let name = name_of(p["platform"].as_str().expect("code"));
        if let Some(total) = totals.get(&name) {
            assert_eq!(*total, dec(p["spend"].as_str().expect("spend")), "{name}");
        }
    }
    assert!(!totals.is_empty());
    assert_eq!(titles.len(), rows.len(), "one title per point");
    // The first point's title, exactly, from its CSV row.
    let first = &rows[0];
    let day: chrono::NaiveDate = first["point"].parse().expect("date");
    let value = dec(&first["value"]);
    let expected = format!(
        "{} · {}: {}",
        first["series"],
        day.format("%-d %b %Y"),
        spendlens_report::currency::format_money(value, &currency)
    );
    assert!(
        titles.contains(&expected),
        "{expected} in {:?}",
        &titles[..3]
    );

    // ROAS: one row per platform, the analysis' ROAS.
    let titles = svg(&app, &base, "roas", "", owner).await;
    let rows = csv(&app, &base, "roas", "").await;
    assert_eq!(rows.len(), platforms.len());
    for (r, p) in rows.iter().zip(platforms) {
        let name = name_of(p["platform"].as_str().expect("code"));
        assert_eq!(r["point"], name);
        let roas = p["roas"].as_f64().expect("roas");
        assert!(
            (dec(&r["value"])
                .round_dp(2)
                .to_string()
                .parse::<f64>()
                .expect("f64")
                - roas)
                .abs()
                < 0.005
        );
        assert!(
            titles.contains(&format!("ROAS · {name}: {}×", dec(&r["value"]).round_dp(2))),
            "{titles:?}"
        );
    }
    // Cumulative spend and the share of spend download too.
    svg(&app, &base, "cumulative-spend", "", owner).await;
    let share = csv(&app, &base, "budget-share", "").await;
    let shares: Decimal = share.iter().map(|r| dec(&r["value"])).sum();
    assert!(
        (shares - Decimal::ONE_HUNDRED).abs() < Decimal::new(1, 1),
        "{shares}"
    );

    // The optimiser's response curves: from the form's query, as the page draws them.
    let query = "?optimize=1&weeks=4";
    let (status, html) = page(
        &app,
        &format!("{base}?tab=budget-allocation&optimize=1&weeks=4"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(
            "href=\"{base}/charts/response-curves.svg?optimize=1&#38;weeks=4\""
        )),
        "the link carries the form: {}",
        html.split("response-curves.svg")
            .nth(1)
            .unwrap_or_default()
            .get(..80)
            .unwrap_or_default()
    );
    let titles = svg(&app, &base, "response-curves", query, owner).await;
    assert!(
        titles.iter().any(|t| t.contains(" current · spend ")),
        "{titles:?}"
    );
    let curves = csv(&app, &base, "response-curves", query).await;
    assert!(curves.iter().all(|r| r["currency"] == currency));
    // Without the form there is no plan, so no chart.
    let (status, _) = fetch(
        &app,
        &app.client,
        &format!("{base}/charts/response-curves.svg"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The attribution comparison, over the page's window (the journey tagged with the
    // campaign: the demo's other campaigns run the same platforms).
    let form = Form::new().part(
        "file",
        Part::bytes(
            format!(
                "journey_id,timestamp,event,channel,value,campaign_id\n\
                 j1,2026-11-02T09:00:00Z,touch,google,,{id}\n\
                 j1,2026-11-03T09:00:00Z,touch,meta,,{id}\n\
                 j1,2026-11-04T09:00:00Z,conversion,,100,{id}\n"
            )
            .into_bytes(),
        )
        .file_name("t.csv"),
    );
    let r = app
        .client
        .post(format!("{}/api/attribution/touchpoints", app.base))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert!(r.status().is_success());
    let window = "?from=2026-11-01&to=2026-11-20";
    svg(&app, &base, "attribution-comparison", window, owner).await;
    let rows = csv(&app, &base, "attribution-comparison", window).await;
    let last_touch: Decimal = rows
        .iter()
        .filter(|r| r["series"] == "Last touch")
        .map(|r| dec(&r["value"]))
        .sum();
    assert_eq!(last_touch, dec("100.00"), "{rows:?}");

    // A model run's charts.
    let r = app
        .post(
            "/api/mmm",
            &json!({"campaigns": [id], "kpi": {"source": "platform_revenue"}, "draws": 50, "seed": 7}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let run = json_of(r).await["id"].as_str().expect("run id").to_owned();
    let mmm = format!("/mmm/{run}");
    for chart in [
        "mmm-contribution",
        "mmm-roi",
        "mmm-curves",
        "mmm-decomposition",
    ] {
        svg(&app, &mmm, chart, "", &format!("mmm-run-{run}")).await;
    }
    let roi = csv(&app, &mmm, "mmm-roi", "").await;
    assert!(
        roi.iter()
            .all(|r| !r["low"].is_empty() && !r["high"].is_empty())
    );
    assert!(roi.iter().all(|r| dec(&r["low"]) <= dec(&r["high"])));

    // Unknown charts and formats are the 404 page.
    for path in [
        format!("{base}/charts/nothing.svg"),
        format!("{base}/charts/roas.png"),
        format!("{mmm}/charts/roas.svg"),
    ] {
        let (status, _) = fetch(&app, &app.client, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }

    // Another organisation sees none of it.
    let stranger = new_client();
    app.register(&stranger, "stranger@example.com").await;
    for path in [
        format!("{base}/charts/roas.svg"),
        format!("{base}/charts/daily-spend.csv"),
        format!("{base}/charts/attribution-comparison.csv{window}"),
        format!("{base}/charts/response-curves.svg{query}"),
        format!("{mmm}/charts/mmm-roi.csv"),
    ] {
        let (status, d) = fetch(&app, &stranger, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!d.body.contains("<svg"), "{path}");
    }
}

/// Issue 19: the analysis pages' charts are kept by the campaign's data version, so a write that
/// changes what a chart shows (a new day of spend, a new budget) shows at once on the page and in
/// the downloads, and viewing again without a write answers the same chart.
#[tokio::test]
async fn a_kept_chart_is_drawn_again_after_a_write_and_only_then() {
    let database = sqlite_database();
    let app = TestApp::spawn(database.url()).await;
    app.register(&app.client, "cache@example.com").await;
    let id = app
        .campaign(&json!({"name": "Kept", "currency": "USD", "budget": "1000",
            "start_date": "2026-11-01", "end_date": "2026-11-30", "time_zone": "UTC"}))
        .await;
    let day = |date: &str, spend: &str| {
        json!({"rows": [{"date": date, "platform": "meta", "spend": spend, "clicks": 10,
            "conversions": 1}]})
    };
    let r = app
        .post(
            &format!("/api/campaigns/{id}/metrics"),
            &day("2026-11-10", "100"),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    let csv = |chart: &'static str| {
        let path = format!("/campaigns/{id}/charts/{chart}.csv");
        let app = &app;
        async move { fetch(app, &app.client, &path).await.1.body }
    };
    // The page's charts (the rest of the page carries a form token).
    let overview = || {
        let path = format!("/campaigns/{id}?tab=overview");
        let app = &app;
        async move {
            let (status, html) = page(app, &path).await;
            assert_eq!(status, StatusCode::OK);
            let from = html.find("<figure class=\"chart\"").unwrap_or(0);
            let to = html.rfind("</figure>").unwrap_or(html.len());
            assert!(from > 0 && to > from, "no chart on the page");
            html[from..to].to_owned()
        }
    };
    // The page draws both charts and keeps them; the downloads answer what the page shows.
    let first = overview().await;
    let daily = csv("daily-spend").await;
    assert!(daily.contains("2026-11-10"), "{daily}");
    assert!(!daily.contains("2026-11-11"), "{daily}");
    assert_eq!(overview().await, first, "no write: the same page");
    // A new day of spend: the next view draws it.
    let r = app
        .post(
            &format!("/api/campaigns/{id}/metrics"),
            &day("2026-11-11", "50"),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    let daily = csv("daily-spend").await;
    assert!(daily.contains("2026-11-11"), "{daily}");
    let cumulative = csv("cumulative-spend").await;
    assert!(cumulative.contains("150"), "{cumulative}");
    assert_ne!(overview().await, first);
    // A new budget moves the budget line of the cumulative chart.
    let before = csv("cumulative-spend").await;
    assert!(before.contains("1000"), "{before}");
    let r = app
        .request(
            &app.client,
            reqwest::Method::PATCH,
            &format!("/api/campaigns/{id}"),
            Some(&json!({"budget": "2500"})),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    let after = csv("cumulative-spend").await;
    assert!(after.contains("2500"), "{after}");
    assert!(!after.contains("1000.00"), "{after}");
}
