//! One revenue basis per campaign, the same on every surface (issue 15 item 1), through the real
//! server on the demo organisation: for the platform-reported basis and for every attribution
//! model, the ROI document, the reconciliation, the finance page, the analysis page and the
//! financial report show the same ROI under the same basis label, and the reconciliation's steps
//! add up from the analysis' platform-reported figure to that ROI.
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use spendlens_app::labels::Label;
use spendlens_attribution::Model;
use spendlens_report::currency::{format_money, format_percent};

use crate::browser::{browser, click, screenshot, sign_in_demo, start_driver, text_of, wait_for};
use crate::support::{TestApp, database_urls, demo, json_of, metric, page, sqlite_database};

/// Journeys over the demo's last 60 days (to 2026-11-20): touches on the Q4 campaign's three
/// platforms in an order that depends on the journey, e-mail closing some, a conversion worth 180 on
/// two journeys in three, journey `j` tagged with campaign `campaigns[j % n]` (the demo's
/// campaigns share platforms, so untagged touchpoints would count for none of them).
/// Deterministic, so every model gives one answer.
fn touchpoints(campaigns: &[String]) -> String {
    let mut csv = String::from("journey_id,timestamp,event,channel,value,campaign_id\n");
    let channels = ["linkedin", "google_ads", "meta"];
    for j in 0..240u32 {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 9, 22)
            .and_then(|d| d.checked_add_days(chrono::Days::new(u64::from(j % 58))))
            .unwrap_or_default();
        let touches = 1 + (j % 3) as usize;
        let tag = &campaigns[j as usize % campaigns.len()];
        for t in 0..touches {
            // E-mail closes one journey in five: last-touch models credit it (it is not the
            // campaign's), first-touch models never do, so the models' ROIs differ.
            let channel = if t + 1 == touches && j % 5 == 0 {
                "email"
            } else {
                channels[(j as usize + t) % 3]
            };
            csv.push_str(&format!(
                "j{j},{day}T{:02}:00:00Z,touch,{channel},,{tag}\n",
                8 + t
            ));
        }
        if j % 3 != 0 {
            csv.push_str(&format!("j{j},{day}T20:00:00Z,conversion,,180,{tag}\n"));
        }
    }
    csv
}

fn dec(v: &Value) -> Decimal {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text.parse()
        .unwrap_or_else(|e| panic!("{v} is not a decimal: {e}"))
}

fn pct(v: &Value) -> String {
    format_percent(dec(v))
}

/// The amount cell of a reconciliation step on the finance page.
fn step(html: &str, key: &str) -> String {
    html.split(&format!("data-step=\"{key}\""))
        .nth(1)
        .and_then(|rest| rest.split("data-amount>").nth(1))
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_default()
        .to_owned()
}

/// Checks one basis on every surface; `model` is the attribution model chosen, if any.
async fn same_everywhere(app: &TestApp, id: &str, model: Option<Model>) {
    let tag = format!("{} {model:?}", app.backend);
    let roi = json_of(app.get(&format!("/api/campaigns/{id}/roi")).await).await;
    let rec = json_of(
        app.get(&format!("/api/campaigns/{id}/reconciliation"))
            .await,
    )
    .await;
    let basis = &roi["revenue_basis"];
    match model {
        Some(m) => {
            assert_eq!(basis["basis"], "attributed", "{tag}: {roi}");
            assert_eq!(basis["model"], m.name(), "{tag}");
            assert!(
                basis["label"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(m.label()),
                "{tag}: {basis}"
            );
            assert_eq!(rec["chosen_basis"]["model"], m.name(), "{tag}");
        }
        None => {
            assert_eq!(basis["basis"], "platform_reported", "{tag}: {roi}");
            assert_eq!(rec["chosen_basis"]["basis"], "platform_reported", "{tag}");
            assert_eq!(rec["recredited"], "0.00", "{tag}");
            assert_eq!(rec["revenue"], rec["platform_reported_revenue"], "{tag}");
        }
    }
    // The walk ends at the ROI document, to the cent, under the same basis.
    assert_eq!(rec["revenue_basis"], roi["revenue_basis"], "{tag}");
    assert_eq!(rec["roi_percentage"], roi["roi_percentage"], "{tag}");
    assert_eq!(rec["revenue"], roi["attributed_revenue"], "{tag}");
    assert_eq!(rec["total_investment"], roi["total_investment"], "{tag}");
    // Each step adds up.
    assert_eq!(
        dec(&rec["platform_reported_revenue"]) + dec(&rec["recredited"]),
        dec(&rec["revenue"]),
        "{tag}"
    );
    assert_eq!(
        dec(&rec["media_cost"]["total"]) + dec(&rec["costs_beyond_media"]["total"]),
        dec(&rec["total_investment"]),
        "{tag}"
    );
    let platforms = rec["platforms"].as_array().cloned().unwrap_or_default();
    assert!(!platforms.is_empty(), "{tag}: {rec}");
    let sum = |key: &str| platforms.iter().map(|p| dec(&p[key])).sum::<Decimal>();
    assert_eq!(sum("revenue"), dec(&rec["revenue"]), "{tag}");
    assert_eq!(
        sum("platform_reported_revenue"),
        dec(&rec["platform_reported_revenue"]),
        "{tag}"
    );
    assert_eq!(sum("spend"), dec(&rec["ad_spend"]), "{tag}");

    // The analysis (API and page) is the platform-reported figure of the walk's first step,
    // labelled so, whatever the basis.
    let analysis = json_of(
        app.get(&format!("/api/campaigns/{id}/financial-analysis"))
            .await,
    )
    .await;
    assert_eq!(
        pct(&analysis["totals"]["roi"]),
        pct(&rec["platform_reported_roi"]),
        "{tag}: {analysis}"
    );
    let (status, html) = page(app, &format!("/campaigns/{id}?tab=roi-roas")).await;
    assert_eq!(status, StatusCode::OK);
    // Without measured revenue (Brand Awareness) the page gives no ROI from the default the
    // API's figure rests on.
    let measured = analysis["verdicts"]["revenue_measured"] != false;
    assert_eq!(
        metric(&html, "roi"),
        if measured {
            pct(&rec["platform_reported_roi"])
        } else {
            "Not measured".to_owned()
        },
        "{tag}"
    );
    // The note names the revenue the platforms' rows actually rest on (the demo's Q4 campaign
    // reports none: its revenue is conversions × the conversion value), never "platform-reported"
    // for an estimate.
    let note = metric(&html, "analysis-basis");
    let sources: Vec<&str> = analysis["platforms"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["revenue_source"].as_str())
        .collect();
    let rests_on = if !measured {
        "No revenue is measured here"
    } else if sources.iter().all(|s| *s == "estimated") {
        "rest on estimated revenue"
    } else if sources.iter().all(|s| *s == "reported") {
        "rest on platform-reported revenue"
    } else {
        "rest on platform-reported and estimated revenue"
    };
    assert!(note.contains(rests_on), "{tag}: {note} / {sources:?}");
    let chosen = rec["chosen_basis"]["label"].as_str().unwrap_or_default();
    assert!(
        note.contains(&chosen.to_lowercase()),
        "{tag}: {note} / {chosen}"
    );

    // The finance page: the ROI, its label and the walk, the same figures.
    let (status, html) = page(app, &format!("/campaigns/{id}/finance")).await;
    assert_eq!(status, StatusCode::OK);
    let roi_text = pct(&roi["roi_percentage"]);
    assert_eq!(metric(&html, "roi-pct"), roi_text, "{tag}");
    assert_eq!(metric(&html, "revenue-basis"), basis["label"], "{tag}");
    assert_eq!(step(&html, "full-cost-roi"), roi_text, "{tag}");
    assert_eq!(
        step(&html, "platform-reported-roi"),
        pct(&rec["platform_reported_roi"]),
        "{tag}"
    );

    // The financial report over the same window: the same ROI under the same basis.
    let window = &roi["window"];
    let report = json_of(
        app.get(&format!(
            "/api/reports/financial?from={}&to={}&currency=USD",
            window["start"].as_str().unwrap_or_default(),
            window["end"].as_str().unwrap_or_default()
        ))
        .await,
    )
    .await;
    let line = report["campaigns"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["campaign_id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{tag}: no campaign line in {report}"));
    assert_eq!(line["roi_percentage"], roi["roi_percentage"], "{tag}");
    assert_eq!(line["revenue_basis"], roi["revenue_basis"], "{tag}");
}

async fn upload_touchpoints(app: &TestApp, campaigns: &[String]) {
    let r = crate::support::post_touchpoints(app, "touchpoints.csv", &touchpoints(campaigns)).await;
    assert!(
        r.status().is_success(),
        "{}",
        r.text().await.unwrap_or_default()
    );
}

#[tokio::test]
async fn every_surface_shows_the_chosen_basis_and_the_walk_adds_up() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let campaigns = demo(&app).await;
        let (id, _) = campaigns
            .iter()
            .find(|(_, name)| name == "Q4 Lead Gen (B2B)")
            .cloned()
            .unwrap_or_else(|| panic!("no Q4 campaign in {campaigns:?}"));

        // The report is in USD over campaigns in EUR and GBP too.
        let r = app
            .request(
                &app.client,
                Method::PUT,
                "/api/finance/settings",
                Some(
                    &json!({"rates": [{"from": "EUR", "to": "USD", "rate": "1.08"},
                                        {"from": "GBP", "to": "USD", "rate": "1.27"}]}),
                ),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);

        // Never chosen: attribution by last touch, but no touchpoints yet, so the platforms'
        // revenue stands, and the page says why.
        let got = json_of(app.get(&format!("/api/campaigns/{id}/revenue-basis")).await).await;
        assert_eq!(
            (&got["basis"], &got["model"]),
            (&json!("attribution"), &json!("last_touch"))
        );
        let rec = json_of(
            app.get(&format!("/api/campaigns/{id}/reconciliation"))
                .await,
        )
        .await;
        assert_eq!(rec["revenue_basis"]["basis"], "platform_reported", "{rec}");
        let (_, html) = page(&app, &format!("/campaigns/{id}/finance")).await;
        assert!(
            metric(&html, "basis-mismatch")
                .contains("Last touch model is chosen, but no imported touchpoint"),
            "{html}"
        );
        // The ROI API says the same: the basis chosen beside the one used, and why.
        let roi = json_of(app.get(&format!("/api/campaigns/{id}/roi")).await).await;
        assert_eq!(roi["revenue_basis"]["basis"], "platform_reported", "{roi}");
        let chosen = &roi["chosen_basis"];
        assert_eq!(chosen["basis"], "attribution", "{roi}");
        assert!(
            chosen["mismatch"]
                .as_str()
                .is_some_and(|n| n.contains("Last touch model is chosen")),
            "{roi}"
        );
        assert_eq!(
            rec["chosen_basis"], roi["chosen_basis"],
            "the reconciliation says the same"
        );
        // The marketing-mix model chosen without a run on this campaign: said too.
        let r = app
            .request(
                &app.client,
                Method::PUT,
                &format!("/api/campaigns/{id}/revenue-basis"),
                Some(&json!({"basis": "mmm"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let roi = json_of(app.get(&format!("/api/campaigns/{id}/roi")).await).await;
        let chosen = &roi["chosen_basis"];
        assert_eq!(chosen["basis"], "mmm", "{roi}");
        assert!(
            chosen["mismatch"].as_str().is_some_and(
                |n| n.contains("marketing-mix model is chosen, but no current model run")
            ),
            "{roi}"
        );
        // What the ROI writes (`attributed`) is taken back as the choice.
        let r = app
            .request(
                &app.client,
                Method::PUT,
                &format!("/api/campaigns/{id}/revenue-basis"),
                Some(&json!({"basis": "attributed", "model": "last_touch"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let got = json_of(app.get(&format!("/api/campaigns/{id}/revenue-basis")).await).await;
        assert_eq!(got["basis"], "attribution", "{got}");

        let ids: Vec<String> = campaigns.iter().map(|(id, _)| id.clone()).collect();
        upload_touchpoints(&app, &ids).await;

        let put = |body: Value| {
            let app = &app;
            let id = id.clone();
            async move {
                app.request(
                    &app.client,
                    Method::PUT,
                    &format!("/api/campaigns/{id}/revenue-basis"),
                    Some(&body),
                )
                .await
            }
        };
        let mut rois = Vec::new();
        for model in Model::ALL {
            // Every demo campaign (each with the journeys tagged with it).
            for (other, name) in &campaigns {
                let r = app
                    .request(
                        &app.client,
                        Method::PUT,
                        &format!("/api/campaigns/{other}/revenue-basis"),
                        Some(&json!({"basis": "attribution", "model": model.name()})),
                    )
                    .await;
                assert_eq!(r.status(), StatusCode::OK, "{model} {name}");
                same_everywhere(&app, other, Some(model)).await;
            }
            let roi = json_of(app.get(&format!("/api/campaigns/{id}/roi")).await).await;
            rois.push(roi["roi_percentage"].clone());
        }
        // The models share the revenue out differently: the ROI follows the model.
        rois.sort_by_key(Value::to_string);
        rois.dedup();
        assert!(rois.len() > 1, "{rois:?}");

        let r = put(json!({"basis": "platform_reported"})).await;
        assert_eq!(r.status(), StatusCode::OK);
        same_everywhere(&app, &id, None).await;
        // The model is kept for when attribution is chosen again.
        let got = json_of(app.get(&format!("/api/campaigns/{id}/revenue-basis")).await).await;
        assert_eq!(got["model"], Value::Null);
        let r = put(json!({"basis": "attribution"})).await;
        assert_eq!(json_of(r).await["model"], "shapley_ordered");

        // Refusals name their field; another organisation's campaign is a 404.
        for (body, field) in [
            (json!({"basis": "magic"}), "basis"),
            (
                json!({"basis": "attribution", "model": "last_click"}),
                "model",
            ),
            (
                json!({"basis": "platform_reported", "model": "markov"}),
                "model",
            ),
            (json!({"model": "markov"}), "basis"),
            (json!({"basis": "attribution", "extra": 1}), "extra"),
        ] {
            let r = put(body.clone()).await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(
                json_of(r).await["error"]["details"][0]["field"],
                field,
                "{body}"
            );
        }
        let stranger = crate::support::new_client();
        app.register(&stranger, "other@example.com").await;
        for path in ["revenue-basis", "reconciliation"] {
            let r = app
                .request(
                    &stranger,
                    Method::GET,
                    &format!("/api/campaigns/{id}/{path}"),
                    None,
                )
                .await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        }
        let r = app
            .request(
                &stranger,
                Method::PUT,
                &format!("/api/campaigns/{id}/revenue-basis"),
                Some(&json!({"basis": "platform_reported"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_finance_page_form_chooses_the_basis() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let campaigns = demo(&app).await;
        let (id, _) = campaigns
            .iter()
            .find(|(_, name)| name == "Spring Sale (E-commerce)")
            .cloned()
            .unwrap_or_else(|| panic!("no Spring Sale in {campaigns:?}"));
        let (_, html) = page(&app, &format!("/campaigns/{id}/finance")).await;
        let csrf = crate::support::token_in(&html);
        let (status, html) = crate::support::post_form(
            &app,
            &format!("/campaigns/{id}/finance/basis"),
            &[("csrf", &csrf), ("basis", "platform_reported")],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(
            html.contains("Saved. The ROI&#39;s revenue is now platform revenue"),
            "{html}"
        );
        assert!(html.contains("<option value=\"platform_reported\" selected>"));
        let got = json_of(app.get(&format!("/api/campaigns/{id}/revenue-basis")).await).await;
        assert_eq!(got["basis"], "platform_reported");
        let (status, _) = crate::support::post_form(
            &app,
            &format!("/campaigns/{id}/finance/basis"),
            &[("csrf", &csrf), ("basis", "attribution:markov")],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let got = json_of(app.get(&format!("/api/campaigns/{id}/revenue-basis")).await).await;
        assert_eq!(
            (&got["basis"], &got["model"]),
            (&json!("attribution"), &json!("markov"))
        );
        let (status, _) = crate::support::post_form(
            &app,
            &format!("/campaigns/{id}/finance/basis"),
            &[("csrf", &csrf), ("basis", "attribution:nonsense")],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}

/// A marketer chooses the Markov model on the finance page in Chromium and reads the walk: its
/// first step is the analysis page's ROI, its last the API's ROI under the Markov basis, and the
/// platforms' re-credited amounts are shown.
#[tokio::test]
async fn the_reconciliation_panel_reads_in_the_browser() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let url = sqlite_database();
    let app = TestApp::spawn(&url).await;
    let campaigns = demo(&app).await;
    let (id, _) = campaigns
        .iter()
        .find(|(_, name)| name == "Q4 Lead Gen (B2B)")
        .cloned()
        .unwrap_or_else(|| panic!("no Q4 campaign in {campaigns:?}"));
    upload_touchpoints(&app, std::slice::from_ref(&id)).await;

    let c = browser(&driver).await;
    let base = app.base.clone();
    sign_in_demo(&c, &base).await;
    c.goto(&format!("{base}/campaigns/{id}/finance"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for(&c, "[data-section=reconciliation]").await;
    c.find(fantoccini::Locator::Css("select#basis"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .select_by_value("attribution:markov")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&c, "[data-form=revenue-basis] button[type=submit]").await;
    wait_for(&c, "[data-section=finance-done]").await;
    assert!(
        text_of(&c, "[data-section=finance-done]")
            .await
            .contains("attributed by the Markov model")
    );

    let roi = json_of(app.get(&format!("/api/campaigns/{id}/roi")).await).await;
    let rec = json_of(
        app.get(&format!("/api/campaigns/{id}/reconciliation"))
            .await,
    )
    .await;
    assert_eq!(roi["revenue_basis"]["model"], "markov");
    assert_eq!(
        text_of(&c, "[data-step=full-cost-roi] td.num").await,
        pct(&roi["roi_percentage"])
    );
    assert_eq!(
        text_of(&c, "[data-metric=revenue-basis]").await,
        roi["revenue_basis"]["label"].as_str().unwrap_or_default()
    );
    let first = text_of(&c, "[data-step=platform-reported-roi] td.num").await;
    assert_eq!(first, pct(&rec["platform_reported_roi"]));
    assert!(
        text_of(&c, "[data-step=recredited] th")
            .await
            .contains("Markov")
    );
    for p in ["linkedin", "meta", "google_ads"] {
        let line = rec["platforms"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| l["platform"] == p)
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            text_of(&c, &format!("[data-platform={p}] [data-metric=credited]")).await,
            format_money(dec(&line["revenue"]), "USD"),
            "{p}"
        );
    }
    screenshot(&c, "40-reconciliation").await;

    // The analysis page's ROI is the walk's first step, and it says so.
    c.goto(&format!("{base}/campaigns/{id}?tab=roi-roas"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for(&c, "[data-metric=roi]").await;
    assert_eq!(text_of(&c, "[data-metric=roi]").await, first);
    assert!(
        text_of(&c, "[data-metric=analysis-basis]")
            .await
            .contains("set to rest on: revenue attributed by the markov model")
    );
    let _ = c.close().await;
}
