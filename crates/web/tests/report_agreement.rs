//! The demo's figures agree between surfaces, on each backend: every campaign's pacing is the
//! same verdict in the same words on the campaign list, its finance page and the financial report
//! (JSON, CSV, PDF), and nothing is judged without a budget; every total of the report and of
//! the portfolio, in every currency, is the sum of its rows as shown; the report's ROI, ROAS and
//! cost per conversion name their basis, ROAS reads `6.32x` in the PDF as on the pages, and a
//! derived exchange rate is printed to six significant digits.
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::support::{TestApp, database_urls, json_of, metric, page, served_demo};

const REPORT: &str = "/api/reports/financial?from=2026-01-01&to=2026-12-31";
const CURRENCIES: [&str; 3] = ["USD", "EUR", "GBP"];

/// The report's CSV with the query's `extra` (`&currency=GBP`).
async fn report_csv(app: &TestApp, extra: &str) -> String {
    app.get(&format!("{REPORT}{extra}&format=csv"))
        .await
        .text()
        .await
        .unwrap_or_default()
}

/// The report's PDF as text.
async fn report_pdf(app: &TestApp) -> spendlens_testkit::pdf::PdfPages {
    let bytes = app
        .get(&format!("{REPORT}&format=pdf"))
        .await
        .bytes()
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    spendlens_testkit::pdf::read(&bytes)
}

fn dec(v: &Value) -> Decimal {
    let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    Decimal::from_str(&text).unwrap_or_else(|e| panic!("{v}: {e}"))
}

/// The fields of one CSV record (RFC 4180 quoting, as the report writes it).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out.push(field);
    out
}

/// The records of the CSV section titled `title`, its header first.
fn section(csv: &str, title: &str) -> Vec<Vec<String>> {
    csv.split(&format!("# {title}\n"))
        .nth(1)
        .unwrap_or_default()
        .lines()
        .take_while(|l| !l.is_empty())
        .map(fields)
        .collect()
}

/// The text of the campaign list's pacing pill on the row of campaign `id`.
fn list_pacing(html: &str, id: &str) -> String {
    html.split(&format!("data-campaign=\"{id}\""))
        .nth(1)
        .and_then(|row| row.split("class=\"pill pacing-").nth(1))
        .and_then(|rest| rest.split_once('>'))
        .and_then(|(_, rest)| rest.split('<').next())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn every_surface_says_the_same_pacing() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let (campaigns, _) = served_demo(&app).await;
        let (_, list) = page(&app, "/campaigns").await;
        let report = json_of(app.get(REPORT).await).await;
        let csv = report_csv(&app, "").await;
        let budget_rows = section(&csv, "Budget consumption to date (whole budget)");
        let pacing_col = budget_rows[0].iter().position(|h| h == "Pacing");
        let pdf = report_pdf(&app).await;
        let mut verdicts = Vec::new();
        for (id, name) in &campaigns {
            let words = list_pacing(&list, id);
            assert!(
                !words.is_empty(),
                "{}: {name} has no pacing on the list",
                app.backend
            );
            let analysis = json_of(
                app.get(&format!("/api/campaigns/{id}/financial-analysis"))
                    .await,
            )
            .await;
            let verdict = analysis["verdicts"]["pacing"]["verdict"].clone();
            verdicts.push(verdict.as_str().unwrap_or_default().to_owned());

            let (_, finance) = page(&app, &format!("/campaigns/{id}/finance")).await;
            assert_eq!(metric(&finance, "pacing"), words, "{}: {name}", app.backend);

            let json = report["campaigns"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["campaign_id"] == id.as_str())
                .unwrap_or_else(|| panic!("{name} not in the report"));
            let budget = &json["budget"];
            assert_eq!(budget["pacing"]["verdict"], verdict, "{name}: {budget}");
            assert_eq!(budget["pacing"], analysis["verdicts"]["pacing"], "{name}");
            if verdict == "no_budget" {
                assert_eq!(words, "No budget");
                for key in ["pacing_pct", "used_pct", "status"] {
                    assert!(budget[key].is_null(), "{name}: {key} judged: {budget}");
                }
            }

            let row = budget_rows
                .iter()
                .find(|r| r.first() == Some(name))
                .unwrap_or_else(|| panic!("{name} not in {budget_rows:?}"));
            assert_eq!(
                pacing_col.and_then(|c| row.get(c)),
                Some(&words),
                "{}: {name}",
                app.backend
            );
            assert!(pdf.shows(&words), "{name}: {words} not in the PDF");
        }
        // The demo has a campaign over its budget, one heading over it, and one without one:
        // the verdicts that overrule the bare pace.
        for v in ["over_budget", "projected_over_budget", "no_budget"] {
            assert!(
                verdicts.iter().any(|x| x == v),
                "{v} not among {verdicts:?}"
            );
        }
        assert!(!csv.contains("On Track (") && !pdf.shows("On Track ("));
    }
}

/// The summary's total investment and net revenue from its parts, as the JSON writes them.
fn check_report_totals(report: &Value, currency: &str) {
    let t = &report["totals"];
    let c = &t["costs"];
    let parts: Decimal = [
        &c["media_spend"],
        &c["creative_production"],
        &c["platform_fees"],
        &c["operational_overhead"],
        &t["unallocated_overhead"],
        &c["opportunity_cost"],
    ]
    .into_iter()
    .map(dec)
    .sum();
    assert_eq!(dec(&t["total_investment"]), parts, "{currency}: {t}");
    // Net revenue, like the ROI, is over the campaigns whose revenue is measured: those whose
    // revenue nobody measured count in the investment but not in the return.
    let unmeasured = dec(&t["unmeasured_investment"]);
    assert!(
        unmeasured > Decimal::ZERO && t["unmeasured_campaigns"] == 1,
        "{currency}: the demo has one such campaign"
    );
    if currency == "USD" {
        // In the campaigns' own currency, it is that campaign's own total.
        let own: Decimal = report["campaigns"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|k| k["revenue_basis"]["basis"] == "not_measured")
            .map(|k| dec(&k["total_investment"]))
            .sum();
        assert_eq!(unmeasured, own);
    }
    assert_eq!(
        dec(&t["net_revenue"]),
        dec(&t["attributed_revenue"]) - (parts - unmeasured),
        "{currency}: {t}"
    );
    let media = dec(&c["platform_spend"]) + dec(&c["media_entries"]);
    assert_eq!(dec(&c["media_spend"]), media, "{currency}");
    // The platform lines add up to the summary's platform spend and fees.
    let lines = report["platforms"].as_array().cloned().unwrap_or_default();
    let spend: Decimal = lines.iter().map(|p| dec(&p["spend"])).sum();
    let fees: Decimal = lines.iter().map(|p| dec(&p["fees"])).sum();
    assert_eq!(spend, dec(&c["platform_spend"]), "{currency}");
    assert_eq!(fees, dec(&c["platform_fees"]), "{currency}");
    // Each campaign's row: its total from its columns, its net from its figures.
    for k in report["campaigns"].as_array().into_iter().flatten() {
        let kc = &k["costs"];
        let own: Decimal = [
            &kc["media_spend"],
            &kc["creative_production"],
            &kc["platform_fees"],
            &kc["operational_overhead"],
            &kc["opportunity_cost"],
        ]
        .into_iter()
        .map(dec)
        .sum();
        assert_eq!(dec(&k["total_investment"]), own, "{}", k["name"]);
        assert_eq!(
            dec(&k["net_revenue"]),
            dec(&k["attributed_revenue"]) - own,
            "{}",
            k["name"]
        );
    }
}

#[tokio::test]
async fn totals_add_up_from_their_rows_in_every_currency() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        served_demo(&app).await;
        for currency in CURRENCIES {
            let report = json_of(app.get(&format!("{REPORT}&currency={currency}")).await).await;
            check_report_totals(&report, currency);
            // The CSV's summary shows the same figures: its total is its rows' sum.
            let csv = report_csv(&app, &format!("&currency={currency}")).await;
            let summary = section(&csv, "Summary");
            let value = |label: &str| {
                summary
                    .iter()
                    .find(|r| {
                        // A label and what it covers, in brackets: "Net revenue (…)".
                        r.first().is_some_and(|first| {
                            first == label || first.starts_with(&format!("{label} ("))
                        })
                    })
                    .and_then(|r| r.get(1))
                    .map(|v| Decimal::from_str(v).unwrap_or_default())
                    .unwrap_or_else(|| panic!("{currency}: no {label} in {summary:?}"))
            };
            let parts = value("Media spend")
                + value("Creative production")
                + value("Platform fees")
                + value("Operational overhead (allocated)")
                + value("Operational overhead (unallocated)")
                + value("Opportunity cost");
            assert_eq!(value("Total investment"), parts, "{currency}");
            assert_eq!(
                value("Net revenue"),
                value("Revenue (each campaign's basis)")
                    - (parts - value("Investment in campaigns whose revenue is not measured")),
                "{currency}"
            );

            let portfolio = json_of(
                app.get(&format!("/api/portfolio?currency={currency}"))
                    .await,
            )
            .await;
            let rows = portfolio["campaigns"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let converted: Vec<&Value> = rows
                .iter()
                .map(|r| &r["converted"])
                .filter(|c| !c.is_null())
                .collect();
            let sum = |key: &str| -> Decimal {
                converted
                    .iter()
                    .filter(|c| !c[key].is_null())
                    .map(|c| dec(&c[key]))
                    .sum()
            };
            let t = &portfolio["totals"];
            assert_eq!(
                converted.len(),
                4,
                "{currency}: every demo campaign converts"
            );
            for key in ["spend", "budget", "revenue"] {
                assert_eq!(dec(&t[key]), sum(key), "{}: {currency} {key}", app.backend);
            }
            // The report's platform spend is the portfolio's spend, converted alike.
            assert_eq!(
                dec(&report["totals"]["costs"]["platform_spend"]),
                sum("spend"),
                "{currency}"
            );
        }
    }
}

#[tokio::test]
async fn the_report_names_the_basis_of_its_figures() {
    let database = crate::support::sqlite_database();
    let app = TestApp::spawn(&database).await;
    let (_, q4) = served_demo(&app).await;
    let csv = report_csv(&app, "&currency=GBP").await;
    // GBP → EUR 1.1466 stored: EUR → GBP is its inverse, 0.87214372928…, printed to 6 digits.
    assert!(csv.contains("1 EUR ≈ 0.872144 GBP"), "{csv}");
    let campaigns = section(&csv, "Campaigns");
    for header in ["ROI % on the full investment", "ROAS on media spend"] {
        assert!(
            campaigns[0].iter().any(|h| h == header),
            "{:?}",
            campaigns[0]
        );
    }
    // Brand Awareness has no revenue measured: its revenue and net revenue say so, rather than
    // 0.00 and minus its investment.
    let column = |name: &str| {
        campaigns[0]
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} in {:?}", campaigns[0]))
    };
    let brand = campaigns
        .iter()
        .find(|r| r[0] == "Brand Awareness")
        .unwrap_or_else(|| panic!("no Brand Awareness in {campaigns:?}"));
    assert_eq!(
        brand[column("Revenue (its basis)")],
        "Not measured",
        "{brand:?}"
    );
    assert_eq!(brand[column("Net revenue")], "Not measured", "{brand:?}");
    let platforms = section(&csv, "Platforms");
    assert!(
        platforms[0]
            .iter()
            .any(|h| h == "Cost per conversion (spend + fees)")
    );
    let summary = section(&csv, "Summary");
    assert!(
        summary.iter().any(|r| r[0].starts_with(
            "ROI % on the full investment (revenue on each campaign's basis; the 3 of 4"
        )),
        "{summary:?}"
    );
    assert!(
        summary
            .iter()
            .any(|r| r[0].starts_with("ROAS on media spend ("))
    );

    let pdf = report_pdf(&app).await;
    let report = json_of(app.get(REPORT).await).await;
    for c in report["campaigns"].as_array().into_iter().flatten() {
        if let Some(roas) = c["roas"].as_f64() {
            let shown = format!("{roas:.2}x");
            assert!(pdf.shows(&shown), "{}: {shown} not in the PDF", c["name"]);
        }
    }

    let (_, finance) = page(&app, &format!("/campaigns/{q4}/finance")).await;
    assert!(
        finance.contains("<dt>ROAS on media spend</dt>"),
        "{finance}"
    );
    assert!(metric(&finance, "roas").ends_with('x'));
}
