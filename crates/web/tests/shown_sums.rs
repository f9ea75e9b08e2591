//! A total shown beside its rows is the sum of the rows as shown, and one figure is the same
//! wherever it appears: the attribution page's totals (conversions with the rows' decimals, the
//! unattributed ones in a row of their own), and the budget optimisation's values, chart and
//! week-by-week rollout (amounts per week beside the response per week).
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::golden::history_rows;
use crate::support::{TestApp, database_urls, json_of, page, post_touchpoints, q4};

/// A shown amount or count (`$1,234.56`, `€3.00`, `12.50`) as a decimal.
fn number(text: &str) -> Decimal {
    let clean: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    clean
        .parse()
        .unwrap_or_else(|e| panic!("{text:?} is not a number: {e}"))
}

/// The texts of every `data-metric="{name}"` element in `html`, in order.
fn metrics(html: &str, name: &str) -> Vec<String> {
    html.split(&format!("data-metric=\"{name}\""))
        .skip(1)
        .filter_map(|rest| rest.split_once('>'))
        .filter_map(|(_, rest)| rest.split('<').next())
        .map(str::to_owned)
        .collect()
}

fn decimals(text: &str) -> usize {
    text.split_once('.').map_or(0, |(_, d)| d.len())
}

/// A journey of three touches (linear: a third each, 0.33 shown thrice is 0.99, not 1), one of
/// two, and a conversion without any touch before it.
const JOURNEYS: &str = "journey_id,timestamp,event,channel,value\n\
j1,2026-11-02T09:00:00Z,touch,linkedin,\n\
j1,2026-11-03T09:00:00Z,touch,meta,\n\
j1,2026-11-04T09:00:00Z,touch,google,\n\
j1,2026-11-05T09:00:00Z,conversion,,90\n\
j2,2026-11-06T09:00:00Z,touch,meta,\n\
j2,2026-11-07T09:00:00Z,touch,google,\n\
j2,2026-11-08T09:00:00Z,conversion,,100\n\
j3,2026-11-09T09:00:00Z,conversion,,50\n";

#[tokio::test]
async fn attribution_totals_are_the_sums_of_the_rows_as_shown() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "journeys@example.com").await;
        let id = app.campaign(&q4()).await;
        let r = post_touchpoints(&app, "t.csv", JOURNEYS).await;
        assert!(r.status().is_success(), "{}", app.backend);
        let (_, html) = page(&app, &format!("/campaigns/{id}/attribution")).await;
        let table = html
            .split("data-section=\"attribution-comparison\"")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .unwrap_or_else(|| panic!("no comparison in {html}"));
        let (body, total) = table.split_once("<tfoot>").unwrap_or((table, ""));
        let rows: Vec<&str> = body.split("<tr data-channel=").skip(1).collect();
        assert!(
            rows.iter()
                .any(|r| r.starts_with("\"Unattributed (no touch before the conversion)\"")),
            "{}: the conversion without a touch has its row: {body}",
            app.backend
        );
        let models = metrics(total, "conversions").len();
        assert_eq!(models, 8, "{}: {total}", app.backend);
        let totals = metrics(total, "conversions");
        let revenues = metrics(total, "revenue");
        for m in 0..models {
            let cells: Vec<String> = rows
                .iter()
                .map(|r| metrics(r, "conversions")[m].clone())
                .collect();
            let sum: Decimal = cells.iter().map(|c| number(c)).sum();
            assert_eq!(
                sum,
                number(&totals[m]),
                "{}: model {m}: {cells:?}",
                app.backend
            );
            // The same decimals down the column and in its total.
            for c in &cells {
                assert_eq!(
                    decimals(c),
                    decimals(&totals[m]),
                    "{cells:?} / {}",
                    totals[m]
                );
            }
            // Three conversions, the unattributed one included.
            assert_eq!(number(&totals[m]), Decimal::from(3), "{}", app.backend);
            let revenue: Decimal = rows.iter().map(|r| number(&metrics(r, "revenue")[m])).sum();
            assert_eq!(revenue, number(&revenues[m]));
            assert_eq!(revenue, Decimal::from(240));
        }
    }
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("{v} is not a string"))
        .parse()
        .unwrap_or_else(|e| panic!("{v}: {e}"))
}

fn sum(list: &Value, key: &str) -> Decimal {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|a| dec(&a[key]))
        .sum()
}

#[tokio::test]
async fn the_plan_s_totals_chart_and_rollout_agree() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "plan@example.com").await;
        let id = app
            .campaign(&json!({"name": "Fitted", "currency": "USD", "budget": "50000.00",
                              "start_date": "2026-08-01", "end_date": "2026-12-31", "time_zone": "UTC"}))
            .await;
        let r = app
            .post(&format!("/api/campaigns/{id}/metrics"), &history_rows())
            .await;
        assert!(r.status().is_success(), "{}", app.backend);
        // An open range moves budget: the rollout takes several weeks at 10 % a week.
        let body = json!({"total_budget": "17000", "weeks": 5, "spend_range": "open",
                          "max_weekly_shift": 0.1});
        let plan = json_of(
            app.post(&format!("/api/campaigns/{id}/budget-optimization"), &body)
                .await,
        )
        .await;
        let tag = app.backend;
        assert_eq!(
            dec(&plan["current_value"]),
            sum(&plan["current_allocation"], "expected_response"),
            "{tag}: {plan}"
        );
        assert_eq!(
            dec(&plan["optimized_value"]),
            sum(&plan["optimized_allocation"], "expected_response")
        );
        assert_eq!(
            dec(&plan["expected_improvement"]["point"]),
            dec(&plan["optimized_value"]) - dec(&plan["current_value"])
        );
        let weeks = plan["implementation_timeline"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(weeks.len() > 1, "{tag}: {plan}");
        let days = Decimal::from(plan["period"]["days"].as_u64().unwrap_or(0));
        let weekly_budget = (Decimal::from(17000) * Decimal::from(7) / days).round_dp(2);
        for w in &weeks {
            assert_eq!(
                dec(&w["expected_response"]),
                sum(&w["allocation"], "expected_response")
            );
            assert_eq!(
                dec(&w["expected_weekly_response"]),
                sum(&w["weekly_allocation"], "expected_response")
            );
            assert_eq!(sum(&w["allocation"], "spend"), Decimal::from(17000));
            assert_eq!(
                sum(&w["weekly_allocation"], "spend"),
                weekly_budget,
                "{tag}: {w}"
            );
        }

        // The chart's points are the table's figures.
        let query = "optimize=1&budget=17000&weeks=5&spend_range=open";
        let r = app
            .get(&format!(
                "/campaigns/{id}/charts/response-curves.csv?{query}"
            ))
            .await;
        let csv = r.text().await.unwrap_or_default();
        let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
        for (list, suffix) in [
            ("current_allocation", "current"),
            ("optimized_allocation", "optimised"),
        ] {
            for a in plan[list].as_array().into_iter().flatten() {
                let label = match a["channel"].as_str().unwrap_or_default() {
                    "linkedin" => "LinkedIn Ads",
                    "meta" => "Meta Ads",
                    "google_ads" => "Google Ads",
                    other => panic!("{other}"),
                };
                let row = rows
                    .iter()
                    .find(|r| r.first() == Some(&format!("{label} {suffix}").as_str()))
                    .unwrap_or_else(|| panic!("{tag}: no {label} {suffix} in {csv}"));
                assert_eq!(number(row[1]), dec(&a["spend"]), "{tag}: {row:?}");
                assert_eq!(
                    number(row[2]),
                    dec(&a["expected_response"]),
                    "{tag}: {row:?}"
                );
            }
        }

        // The page's rollout: amounts per week, each week's channels adding up to its total,
        // beside the response per week; the values now and optimised as the API gives them.
        let (_, html) = page(
            &app,
            &format!("/campaigns/{id}?tab=budget-allocation&{query}"),
        )
        .await;
        let rollout = html
            .split("data-section=\"rollout\"")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .unwrap_or_else(|| panic!("{tag}: no rollout in {html}"));
        assert!(rollout.contains("Meta Ads per week</th>"), "{rollout}");
        assert!(rollout.contains(">Spend per week</th>"), "{rollout}");
        let page_weeks: Vec<&str> = rollout.split("<tr data-week=").skip(1).collect();
        assert!(!page_weeks.is_empty(), "{rollout}");
        for w in &page_weeks {
            let spends: Decimal = metrics(w, "week-spend").iter().map(|s| number(s)).sum();
            let total = number(&metrics(w, "week-total")[0]);
            assert_eq!(spends, total, "{tag}: {w}");
            assert_eq!(
                total,
                (Decimal::from(17000) * Decimal::from(7) / Decimal::from(35)).round_dp(2),
                "{tag}: a week's spend is the budget's over 5 weeks"
            );
        }
        assert!(
            html.contains("data-metric=\"rollout-note\">Amounts per week"),
            "{tag}"
        );
        // Each week says its days, the last running to the period's end; under them the whole
        // period's plan, adding up to the budget (a plan of 14 days read as one week's half).
        assert!(
            page_weeks[0].contains("data-metric=\"week-days\">(22 Nov 2026 – 28 Nov 2026)"),
            "{tag}: {}",
            page_weeks[0]
        );
        assert!(
            page_weeks
                .last()
                .is_some_and(|w| w.contains("– 26 Dec 2026)</span>")),
            "{tag}: {page_weeks:?}"
        );
        let foot = rollout
            .split("data-metric=\"period-plan\"")
            .nth(1)
            .unwrap_or_else(|| panic!("{tag}: no period row in {rollout}"));
        assert_eq!(
            number(&metrics(foot, "period-total")[0]),
            Decimal::from(17000),
            "{tag}"
        );
    }
}
