//! What the analysis page's figures rest on, said on every tab that shows them, and no figure of
//! a missing input: on the demo, the Q4 campaign's revenue is all estimated (conversions × the
//! LinkedIn conversion value) and every tab says so, never "platform-reported"; the analysis'
//! ad spend is never called "investment" (the finance page's figure); Brand Awareness measures no
//! revenue, so the page shows "Not measured" where the API keeps the contract's 0.00 and -100.00,
//! and its health score claims no ROI or ROAS part. A tier's share is the sum of its rows.
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, demo, json_of, metric, page};

/// The revenue basis the API's platform rows rest on, as the page must word it.
fn basis_of(analysis: &Value) -> &'static str {
    let sources: Vec<&str> = analysis["platforms"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["revenue_source"].as_str())
        .collect();
    assert!(!sources.is_empty(), "{analysis}");
    if sources.iter().all(|s| *s == "estimated") {
        "estimated"
    } else if sources.iter().all(|s| *s == "reported") {
        "platform-reported"
    } else {
        "platform-reported and estimated"
    }
}

/// The HTML of the element `<tag … data-…="{key}">` up to its closing tag.
fn element<'a>(html: &'a str, attr: &str, tag: &str) -> &'a str {
    html.split(attr)
        .nth(1)
        .and_then(|rest| rest.split(&format!("</{tag}>")).next())
        .unwrap_or_else(|| panic!("no {attr} in {html}"))
}

fn id_of(campaigns: &[(String, String)], name: &str) -> String {
    campaigns
        .iter()
        .find(|(_, n)| n == name)
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| panic!("no {name} in {campaigns:?}"))
}

#[tokio::test]
async fn every_tab_says_what_its_revenue_rests_on_and_shows_nothing_unmeasured() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let campaigns = demo(&app).await;
        let tag = app.backend;

        for name in ["Q4 Lead Gen (B2B)", "Spring Sale (E-commerce)"] {
            let id = id_of(&campaigns, name);
            let api = json_of(
                app.get(&format!("/api/campaigns/{id}/financial-analysis"))
                    .await,
            )
            .await;
            let basis = basis_of(&api);
            for tab in ["overview", "roi-roas", "budget-allocation", "insights"] {
                let (_, html) = page(&app, &format!("/campaigns/{id}?tab={tab}")).await;
                let note = metric(&html, "analysis-basis");
                assert!(
                    note.contains(&format!("rest on {basis} revenue")),
                    "{tag} {name} {tab}: {note}"
                );
            }
            let (_, html) = page(&app, &format!("/campaigns/{id}?tab=roi-roas")).await;
            assert_eq!(metric(&html, "revenue-label"), format!("Revenue, {basis}"));
            assert!(metric(&html, "roi-basis").ends_with(&format!("on {basis} revenue.")));
            // "Investment" is the finance page's figure (ad spend and ledger costs), not this.
            assert!(!html.contains("(investment)"), "{tag} {name}");
            assert!(html.contains("<dt>Total ad spend</dt>"), "{tag} {name}");
            // Each platform's revenue says its source on the Budget Allocation tab as on the ROI
            // tab.
            let (_, budget) = page(&app, &format!("/campaigns/{id}?tab=budget-allocation")).await;
            let table = element(&budget, "data-section=\"platform-budget\"", "table");
            for row in api["platforms"].as_array().into_iter().flatten() {
                let p = row["platform"].as_str().unwrap_or_default();
                let cells = element(table, &format!("data-platform=\"{p}\""), "tr");
                // LinkedIn's estimate is always its own conversion value (never the average
                // order value), and the cell says so.
                let words = match (row["revenue_source"].as_str().unwrap_or_default(), p) {
                    ("estimated", "linkedin") => "from its conversion value",
                    (source, _) => source,
                };
                assert!(
                    cells.contains(&format!("data-metric=\"revenue-source\">({words})<")),
                    "{tag} {name} {p}: {cells}"
                );
            }
            let (_, insights) = page(&app, &format!("/campaigns/{id}?tab=insights")).await;
            let card = element(&insights, "data-card=\"performance\"", "article");
            assert!(
                card.contains(&format!(" on {basis} revenue: ")),
                "{tag} {name}: {card}"
            );
        }

        // No revenue measured: the API keeps the contract's figures, the page shows none.
        let brand = id_of(&campaigns, "Brand Awareness");
        let api = json_of(
            app.get(&format!("/api/campaigns/{brand}/financial-analysis"))
                .await,
        )
        .await;
        assert_eq!(api["verdicts"]["revenue_measured"], false, "{tag}");
        assert_eq!(
            api["totals"]["roi"].as_f64(),
            Some(-100.0),
            "{tag}: the contract's figure"
        );
        assert_eq!(api["overview"]["health"]["roi"]["assumed"], true, "{tag}");
        let (_, html) = page(&app, &format!("/campaigns/{brand}?tab=roi-roas")).await;
        let panel = element(&html, "data-tab=\"roi-roas\"", "section");
        for key in ["roas", "roi", "revenue", "net-profit"] {
            assert_eq!(metric(panel, key), "Not measured", "{tag} {key}");
        }
        for shown in ["0.00x", "-100.00%", "(estimated)", "data-chart=\"roas\""] {
            assert!(!panel.contains(shown), "{tag}: {shown} in {panel}");
        }
        assert!(metric(panel, "analysis-basis").starts_with("No revenue is measured here"));
        // Its finance page shows no revenue and no net revenue either, not 0.00 and minus its
        // investment.
        let (_, finance) = page(&app, &format!("/campaigns/{brand}/finance")).await;
        for key in ["attributed-revenue", "net-revenue", "roi-pct"] {
            assert_eq!(metric(&finance, key), "Not measured", "{tag} {key}");
        }
        let (_, overview) = page(&app, &format!("/campaigns/{brand}?tab=overview")).await;
        for part in ["roi", "roas"] {
            let li = element(&overview, &format!("data-subscore=\"{part}\""), "li");
            assert!(
                li.contains(">Not measured<") && li.contains("rests on no revenue"),
                "{tag} {part}: {li}"
            );
            for claim in ["/25", "Critical", "-100.00%", "0.00x", "assumed<"] {
                assert!(!li.contains(claim), "{tag} {part}: {claim} in {li}");
            }
        }
        // The measured parts keep their points; the sentence names what is left out and why.
        let budget_part = element(&overview, "data-subscore=\"budget\"", "li");
        assert!(budget_part.contains("/25"), "{tag}: {budget_part}");
        let health = element(&overview, "data-section=\"health\"", "article");
        assert!(
            health.contains("ROI and ROAS are left out: they rest on no revenue"),
            "{tag}: {health}"
        );
        let (_, budget) = page(&app, &format!("/campaigns/{brand}?tab=budget-allocation")).await;
        let table = element(&budget, "data-section=\"platform-budget\"", "table");
        assert!(!table.contains("0.00x"), "{tag}: {table}");
        assert!(table.contains("Not measured"), "{tag}: {table}");
        let (status, _) = page(&app, &format!("/campaigns/{brand}/charts/roas.svg")).await;
        assert_eq!(
            status,
            reqwest::StatusCode::NOT_FOUND,
            "{tag}: no ROAS chart"
        );
    }
}

#[tokio::test]
async fn a_tier_s_share_is_the_sum_of_its_rows_as_shown() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "tiers@example.com").await;
        let id = app
            .campaign(&json!({"name": "Thirds", "currency": "EUR", "budget": "1000.00",
                              "start_date": "2026-11-01", "end_date": "2026-11-30", "time_zone": "UTC"}))
            .await;
        // Three platforms of equal spend (33.333… % each): Meta and Google Ads in the high tier
        // (ROAS 4 and 5), Sheets in the medium one. The exact share of the high tier rounds to
        // 66.67 %, its rows as shown add up to 66.66 %.
        let rows = json!({"rows": [
            {"date": "2026-11-02", "platform": "meta", "spend": "100.00", "clicks": 10, "conversions": "2", "revenue": "400.00"},
            {"date": "2026-11-02", "platform": "google_ads", "spend": "100.00", "clicks": 10, "conversions": "2", "revenue": "500.00"},
            {"date": "2026-11-02", "platform": "sheets", "spend": "100.00", "clicks": 10, "conversions": "2", "revenue": "150.00"},
        ]});
        let r = app
            .post(&format!("/api/campaigns/{id}/metrics"), &rows)
            .await;
        assert!(r.status().is_success(), "{}", app.backend);
        let (_, html) = page(&app, &format!("/campaigns/{id}?tab=budget-allocation")).await;
        let table = element(&html, "data-section=\"platform-budget\"", "table");
        let share = |text: &str| -> Decimal {
            text.trim_end_matches('%')
                .parse()
                .unwrap_or_else(|e| panic!("{text}: {e}"))
        };
        let row_share = |p: &str| {
            share(&metric(
                element(table, &format!("data-platform=\"{p}\""), "tr"),
                "share",
            ))
        };
        let high = element(&html, "data-tier=\"high\"", "article");
        assert_eq!(
            share(&metric(high, "tier-share")),
            row_share("meta") + row_share("google_ads"),
            "{}: {high}",
            app.backend
        );
        assert_eq!(metric(high, "tier-share"), "66.66%", "{}", app.backend);
        assert_eq!(metric(high, "tier-spend"), "€200.00");
        let medium = element(&html, "data-tier=\"medium\"", "article");
        assert_eq!(share(&metric(medium, "tier-share")), row_share("sheets"));
    }
}

/// A Meta day whose conversions came without a value (a blank cell) beside a day with one:
/// the analysis values Meta's conversions at its whole period's value, so Meta's revenue is the
/// 100.00 it reported, and the finance ROI, the reconciliation and the financial report say the
/// same; before, finance valued the blank day at LinkedIn's 300.00 per conversion (1,000.00).
#[tokio::test]
async fn a_day_without_a_conversion_value_is_valued_alike_everywhere() {
    const ROWS: &str = "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue\n\
        2026-11-02,meta,m1,100.00,1000,0,20,2,100.00,\n\
        2026-11-03,meta,m1,100.00,1000,0,20,3,,\n\
        2026-11-03,linkedin,l1,50.00,500,40,5,2,600.00,\n";
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let tag = app.backend.to_string();
        app.register(&app.client, "value@a.io").await;
        let id = app.campaign(&crate::support::q4()).await;
        crate::channel_reports::upload(&app, &id, ROWS).await;
        let analysis = json_of(
            app.get(&format!("/api/campaigns/{id}/financial-analysis"))
                .await,
        )
        .await;
        let meta = analysis["platforms"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["platform"] == "meta")
            .cloned()
            .unwrap_or_default();
        assert_eq!(meta["revenue"], "100.00", "{tag}: {analysis}");
        assert_eq!(analysis["totals"]["revenue"], "700.00", "{tag}: {analysis}");
        let roi = json_of(app.get(&format!("/api/campaigns/{id}/roi")).await).await;
        assert_eq!(roi["attributed_revenue"], "700.00", "{tag}: {roi}");
        let rec = json_of(
            app.get(&format!("/api/campaigns/{id}/reconciliation"))
                .await,
        )
        .await;
        assert_eq!(rec["platform_reported_revenue"], "700.00", "{tag}: {rec}");
        let report = json_of(
            app.get("/api/reports/financial?from=2026-11-01&to=2026-11-30")
                .await,
        )
        .await;
        assert_eq!(
            report["campaigns"][0]["attributed_revenue"], "700.00",
            "{tag}: {report}"
        );
        // The page says each platform's revenue is its own conversion value, and that the
        // average order value (LinkedIn's 300.00) values no conversion here.
        let (_, html) = page(&app, &format!("/campaigns/{id}?tab=roi-roas")).await;
        for p in ["meta", "linkedin"] {
            let cells = element(&html, &format!("data-platform=\"{p}\""), "tr");
            assert!(
                cells.contains("data-metric=\"revenue-source\">(from its conversion value)<"),
                "{tag} {p}: {cells}"
            );
        }
        assert!(
            html.contains("the average order value of $300.00 (from the LinkedIn conversion value) values no conversion here"),
            "{tag}"
        );
    }
}

/// A campaign past its end date runs out of budget on no day: its overview says how much of
/// the budget it left unspent, and the financial report shows no exhaustion date for it.
#[tokio::test]
async fn a_finished_campaign_runs_out_on_no_day() {
    const ROWS: &str = "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue\n\
        2026-10-05,meta,m1,400.00,1000,0,20,2,100.00,\n";
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let tag = app.backend.to_string();
        app.register(&app.client, "ended@a.io").await;
        let id = app
            .campaign(
                &json!({"name": "October", "currency": "USD", "budget": "1000.00",
                              "start_date": "2026-10-01", "end_date": "2026-10-31",
                              "time_zone": "UTC"}),
            )
            .await;
        crate::channel_reports::upload(&app, &id, ROWS).await;
        let (_, html) = page(&app, &format!("/campaigns/{id}")).await;
        assert!(
            html.contains("The campaign ended on 31 Oct 2026 with $600.00 of its budget unspent."),
            "{tag}"
        );
        assert!(!html.contains("runs out on"), "{tag}");
        let report = json_of(
            app.get("/api/reports/financial?from=2026-10-01&to=2026-10-31")
                .await,
        )
        .await;
        let budget = &report["campaigns"][0]["budget"];
        assert_eq!(budget["spend"], "400.00", "{tag}: {report}");
        let keys = budget.as_object().cloned().unwrap_or_default();
        assert_eq!(
            keys.get("projected_exhaustion_date"),
            Some(&Value::Null),
            "{tag}: {budget}"
        );
    }
}

/// No figure of a pace without a budget or an end date to pace against, and a share used that
/// is healthy so far beside a spend heading over the budget says both: the demo's Always-on
/// Search (no budget, no end date) and Q4 (heading over its budget).
#[tokio::test]
async fn a_pace_is_shown_only_against_a_budget_and_said_with_its_verdict() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let tag = app.backend.to_string();
        let campaigns = demo(&app).await;
        let search = id_of(&campaigns, "Always-on Search");
        let (_, html) = page(&app, &format!("/campaigns/{search}?tab=overview")).await;
        // The pace beside its verdict "No budget": no figure, and the verdict said once.
        assert_eq!(metric(&html, "target-daily"), "No budget", "{tag}");
        assert_eq!(metric(&html, "pacing-pct"), "–", "{tag}");
        assert!(
            html.contains("<dt>Campaign days</dt><dd>No end date</dd>"),
            "{tag}"
        );
        let q4 = id_of(&campaigns, "Q4 Lead Gen (B2B)");
        let (_, overview) = page(&app, &format!("/campaigns/{q4}?tab=overview")).await;
        let pace = element(&overview, "data-subscore=\"pacing\"", "li");
        assert!(pace.contains("Pace of spend"), "{tag}: {pace}");
        let (_, insights) = page(&app, &format!("/campaigns/{q4}?tab=insights")).await;
        let card = element(&insights, "data-card=\"budget-management\"", "article");
        assert!(
            card.contains("Healthy so far") && card.contains("at the current pace: Heading $"),
            "{tag}: {card}"
        );
    }
}
