//! A verdict on a value that is not the platform's own says so in its own sentence. Google Ads
//! reports conversions without a value, so the analysis values them at LinkedIn's value per
//! conversion (the seed's order-value priority): ranking Google Ads above LinkedIn then ranks
//! conversions per dollar at LinkedIn's value. Every verdict resting on that value (the
//! recommendations that name Google Ads, the top performer, the performance card and the health
//! score) says so, the API names the platform and the value, and once Google Ads reports a value
//! of its own none does.
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, json_of};

/// The page at `path`, its apostrophes unescaped.
async fn page(app: &TestApp, path: &str) -> ((), String) {
    let (_, html) = crate::support::page(app, path).await;
    ((), html.replace("&#39;", "'").replace("&#x27;", "'"))
}

const CAVEAT: &str = "Revenue on Google Ads is its conversions × $180.00, LinkedIn Ads' value per conversion, not a value of its own: this holds only as far as its conversions are worth that much.";

fn rows(google_value: Option<&str>) -> Value {
    let mut rows = Vec::new();
    for d in 1..=10 {
        let date = format!("2026-11-{d:02}");
        rows.push(json!({"date": date, "platform": "linkedin", "external_campaign_id": "li",
                         "spend": "100.00", "impressions": 1000, "clicks": 20, "conversions": "0.2"}));
        let mut google = json!({"date": date, "platform": "google_ads", "external_campaign_id": "g",
                                "spend": "10.00", "impressions": 500, "clicks": 25, "conversions": "0.5"});
        if let Some(v) = google_value {
            google["conversion_value"] = json!(v);
        }
        rows.push(google);
    }
    json!({ "rows": rows })
}

/// The text of the list items of `section` on `html`.
fn items(html: &str, section: &str) -> Vec<String> {
    html.split(&format!("data-section=\"{section}\""))
        .nth(1)
        .and_then(|rest| rest.split("</ul>").next())
        .unwrap_or_default()
        .split("<li>")
        .skip(1)
        .map(|li| li.split("</li>").next().unwrap_or_default().to_owned())
        .collect()
}

/// Posts the campaign's rows (Google Ads' conversions with `google_value` or none) and answers
/// the analysis API's `verdicts.borrowed_values`.
async fn post_and_read_borrowed(app: &TestApp, id: &str, google_value: Option<&str>) -> Value {
    let post = app
        .post(&format!("/api/campaigns/{id}/metrics"), &rows(google_value))
        .await;
    assert!(post.status().is_success(), "{}", app.backend);
    let api = json_of(
        app.get(&format!(
            "/api/campaigns/{id}/financial-analysis?as_of=2026-11-11"
        ))
        .await,
    )
    .await;
    api["verdicts"]["borrowed_values"].clone()
}

#[tokio::test]
async fn a_verdict_on_another_platform_s_value_per_conversion_says_so() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let tag = app.backend;
        app.register(&app.client, "cfo@a.io").await;
        let id = app
            .campaign(&json!({"name": "Leads", "currency": "USD", "budget": "2000.00",
                              "start_date": "2026-11-01", "end_date": "2026-11-30", "time_zone": "UTC"}))
            .await;
        let r = app
            .request(
                &app.client,
                reqwest::Method::PUT,
                &format!("/api/campaigns/{id}/settings"),
                Some(&json!({"linkedin_conversion_value": "180"})),
            )
            .await;
        assert!(r.status().is_success(), "{tag}");
        // LinkedIn: 2 leads × 180 on 1,000 (ROAS 0.36, low); Google Ads: 5 conversions × 180
        // on 100 (ROAS 9, high), valued at LinkedIn's value.
        let borrowed = post_and_read_borrowed(&app, &id, None).await;
        assert_eq!(
            borrowed,
            json!([{"platform": "google_ads", "value_per_conversion": "180.00", "from": "linkedin"}]),
            "{tag}"
        );

        let (_, budget) = page(&app, &format!("/campaigns/{id}?tab=budget-allocation")).await;
        let recommendations = items(&budget, "recommendations");
        assert_eq!(recommendations.len(), 3, "{tag}: {recommendations:?}");
        for r in &recommendations {
            // Google Ads' verdicts say what its revenue is valued at; LinkedIn's alone do not.
            assert_eq!(r.contains(CAVEAT), r.contains("Google Ads"), "{tag}: {r}");
        }
        assert!(
            recommendations[2].starts_with("Reallocate budget from LinkedIn Ads to Google Ads")
                && recommendations[2].ends_with(
                    "With one value per conversion on all of them, it ranks them by conversions per unit of spend."
                ),
            "{tag}: {}",
            recommendations[2]
        );

        let (_, insights) = page(&app, &format!("/campaigns/{id}?tab=insights")).await;
        let top = insights
            .split("data-metric=\"top-performer\">")
            .nth(1)
            .and_then(|rest| rest.split("</li>").next())
            .unwrap_or_default();
        assert!(
            top.contains("Google Ads leads") && top.contains(CAVEAT),
            "{tag}: {top}"
        );
        let bottom = insights
            .split("data-metric=\"bottom-performer\">")
            .nth(1)
            .and_then(|rest| rest.split("</li>").next())
            .unwrap_or_default();
        assert!(bottom.contains("LinkedIn Ads trails"), "{tag}: {bottom}");
        assert!(!bottom.contains("Revenue on"), "{tag}: {bottom}");
        let performance = insights
            .split("data-card=\"performance\"")
            .nth(1)
            .unwrap_or_default();
        assert!(
            performance
                .split("</article>")
                .next()
                .unwrap_or_default()
                .contains(CAVEAT),
            "{tag}: {performance}"
        );

        let (_, overview) = page(&app, &format!("/campaigns/{id}")).await;
        assert!(overview.contains(CAVEAT), "{tag}: health score");
        assert!(
            overview.contains(" on estimated revenue</"),
            "{tag}: ROI part"
        );

        // The campaign list says the revenue is an estimate, as the API's portfolio does.
        let (_, list) = page(&app, "/campaigns").await;
        assert!(
            list.contains("data-metric=\"revenue-basis\">estimated<"),
            "{tag}: campaign list"
        );
        let portfolio = json_of(app.get("/api/portfolio").await).await;
        assert_eq!(
            portfolio["campaigns"][0]["revenue_source"], "estimated",
            "{tag}: {portfolio}"
        );

        // Google Ads now reports a value of its own: nothing rests on LinkedIn's.
        let borrowed = post_and_read_borrowed(&app, &id, Some("100.00")).await;
        assert_eq!(borrowed, json!([]), "{tag}");
        for tab in ["overview", "budget-allocation", "insights"] {
            let (_, html) = page(&app, &format!("/campaigns/{id}?tab={tab}")).await;
            assert!(!html.contains("not a value of its own"), "{tag} {tab}");
            assert!(!html.contains("Revenue on Google Ads"), "{tag} {tab}");
        }
    }
}
