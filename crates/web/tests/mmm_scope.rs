//! What a marketing-mix run reads and what its page calls its figures, through the real server on
//! both backends, on the demo with its books (the Q4 campaign alone has GA4 revenue).
//!
//! - A GA4-revenue model over every USD campaign leaves out Brand Awareness, which GA4 does not
//!   cover: its spend is not credited with the Q4 campaign's revenue. The run, its API document and
//!   its page name it; GA4 revenue imported on it later puts the run out of date.
//! - The page calls the model's revenue per unit of spend *incremental ROAS*: spendlens' ROI is
//!   profit over cost, so the model's sentences and columns never say ROI for it.
use chrono::NaiveDate;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use spendlens_core::Platform;
use spendlens_core::campaign::CampaignId;
use spendlens_core::daily::DailyRow;

use crate::mmm_lift::run_form;
use crate::support::{TestApp, database_urls, json_of, metric, now, page, served_demo, token_in};

/// The part of `html` inside the element carrying `data-section="{name}"`, up to its section's
/// end.
fn section<'a>(html: &'a str, name: &str) -> &'a str {
    html.split(&format!("data-section=\"{name}\""))
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or_else(|| panic!("no {name} in {html}"))
}

/// Chooses the model as the campaign's revenue basis (`PUT /revenue-basis`).
async fn choose_the_model(app: &TestApp, campaign: &str) {
    let r = app
        .request(
            &app.client,
            reqwest::Method::PUT,
            &format!("/api/campaigns/{campaign}/revenue-basis"),
            Some(&serde_json::json!({"basis": "mmm"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
}

#[tokio::test]
async fn a_ga4_model_leaves_out_what_ga4_does_not_cover_and_names_its_return_as_roas() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let (campaigns, q4) = served_demo(&app).await;
        let tag = app.backend;
        let brand = campaigns
            .iter()
            .find(|(_, n)| n == "Brand Awareness")
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("no Brand Awareness in {campaigns:?}"));

        // The form's default: every USD campaign, GA4 revenue.
        let (_, html) = page(&app, "/mmm").await;
        let (status, path, html) = run_form(&app, &token_in(&html), "currency:USD", "50", "").await;
        assert_eq!(status, StatusCode::OK, "{tag}");
        assert!(path.starts_with("/mmm/"), "{tag}: {path}");

        // Only the Q4 campaign is modelled; Brand Awareness is named as left out.
        let run = json_of(app.get(&format!("/api{path}")).await).await;
        assert_eq!(run["campaigns"], serde_json::json!([q4]), "{tag}: {run}");
        assert_eq!(
            run["result"]["left_out"],
            serde_json::json!([{"campaign": brand, "name": "Brand Awareness"}]),
            "{tag}"
        );
        let channels: Vec<&str> = run["result"]["channels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["channel"].as_str())
            .collect();
        // Brand Awareness' Custom Integration spend is not a channel of the model.
        assert_eq!(channels, ["google_ads", "linkedin", "meta"], "{tag}");
        // Each channel's spend is the Q4 campaign's alone.
        let analysis = json_of(
            app.get(&format!(
                "/api/campaigns/{q4}/financial-analysis?from={}&to={}",
                run["result"]["from"].as_str().unwrap_or_default(),
                run["result"]["to"].as_str().unwrap_or_default()
            ))
            .await,
        )
        .await;
        for c in run["result"]["channels"].as_array().into_iter().flatten() {
            let own = analysis["platforms"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["platform"] == c["channel"])
                .map(|p| p["spend"].clone());
            assert_eq!(Some(c["spend"].clone()), own, "{tag}: {}", c["channel"]);
        }
        let banner = html
            .split("data-section=\"mmm-left-out\"")
            .nth(1)
            .and_then(|s| s.split("</div>").next())
            .unwrap_or_else(|| panic!("{tag}: no left-out banner in {html}"));
        assert!(
            banner.contains("Left out of this model: Brand Awareness."),
            "{banner}"
        );
        assert!(
            html.contains("Q4 Lead Gen (B2B) · KPI GA4 revenue"),
            "{tag}"
        );

        // The return is the incremental ROAS, in the table, the comparison and the sentences
        // (the model's "Google Ads's ROI is poorly determined" reads "Google Ads' incremental
        // ROAS is poorly determined").
        let table = section(&html, "mmm-channels");
        assert!(table.contains(">Incremental ROAS</th>"), "{table}");
        assert!(table.contains(">Marginal ROAS</th>"), "{table}");
        assert!(!table.contains(">ROI</th>") && !table.contains("Marginal ROI"));
        let warnings = section(&html, "mmm-fit");
        assert!(
            warnings.contains("incremental ROAS is poorly determined"),
            "{warnings}"
        );
        assert!(!warnings.contains("ROI"), "{warnings}");
        assert!(!warnings.contains("Ads's"), "{warnings}");
        assert!(
            html.contains("Incremental ROAS per channel, modelled"),
            "{tag}"
        );

        // The run is current until GA4 revenue arrives for the campaign it left out.
        let listed = json_of(app.get("/api/mmm").await).await;
        let current = |list: &serde_json::Value| {
            list["runs"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["id"] == run["id"])
                .map(|r| r["current"].clone())
        };
        assert_eq!(current(&listed), Some(serde_json::json!(true)), "{tag}");
        let org = app
            .store
            .credentials(spendlens_app::demo::DEMO_EMAIL)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|c| c.org_id)
            .unwrap_or_else(|| panic!("no demo org"));
        let day: NaiveDate = run["result"]["to"]
            .as_str()
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("no window in {run}"));
        let row = DailyRow {
            date: day,
            platform: Platform::Ga4,
            external_campaign_id: String::new(),
            spend: Decimal::ZERO,
            impressions: 0,
            engagements: 0,
            clicks: 0,
            conversions: Decimal::from(3),
            conversion_value: None,
            revenue: Some(Decimal::from(240)),
            currency: Some("USD".to_owned()),
        };
        app.store
            .upsert_rows(&org, &CampaignId::new(brand.clone()), &[row], None, now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let listed = json_of(app.get("/api/mmm").await).await;
        assert_eq!(current(&listed), Some(serde_json::json!(false)), "{tag}");
    }
}

/// The budget plan on the campaign's page can rest on the model's curves (the API's
/// `"curves": "mmm"`): refused on the field until a current run covers the campaign alone, then
/// planned on that run's curves, which the plan names. Choosing the model as the campaign's
/// revenue basis after the run leaves the run current.
#[tokio::test]
async fn the_budget_plan_on_the_page_can_rest_on_the_model_s_curves() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let (_, q4) = served_demo(&app).await;
        let tag = app.backend;
        let tab = format!("/campaigns/{q4}?tab=budget-allocation&optimize=1");

        let (status, html) = page(&app, &format!("{tab}&curves=mmm")).await;
        assert_eq!(status, StatusCode::OK, "{tag}");
        let error = html
            .split("id=\"curves-error\"")
            .nth(1)
            .and_then(|s| s.split("</").next())
            .unwrap_or_else(|| panic!("{tag}: no curves error in {html}"));
        assert!(
            error.contains("no current marketing-mix model run covers this campaign alone"),
            "{error}"
        );
        let (_, html) = page(&app, &format!("{tab}&curves=tv")).await;
        assert!(html.contains("id=\"curves-error\""), "{tag}");

        let r = app
            .post(
                "/api/mmm",
                &serde_json::json!({"campaigns": [q4], "kpi": {"source": "ga4_revenue"}, "draws": 50}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{tag}");
        let run = json_of(r).await;
        let id = run["id"].as_str().unwrap_or_default().to_owned();
        // Chosen after the run (the order a user takes, from the model's page to the finance
        // page): the choice is not one of the model's inputs, so the run holds and the ROI
        // rests on it.
        choose_the_model(&app, &q4).await;
        let roi = json_of(app.get(&format!("/api/campaigns/{q4}/roi")).await).await;
        assert_eq!(roi["revenue_basis"]["basis"], "modelled", "{tag}: {roi}");
        assert_eq!(roi["revenue_basis"]["mmm_run"], run["id"], "{tag}");
        // Its interval is the model's: the ROI at the ends of the channels' total, as the run's
        // document gives it, not a resampling of the model's smooth days.
        let media = &run["result"]["media"]["contribution"];
        let (mean, low, high) = (
            media["mean"].as_f64().unwrap_or(0.0),
            media["low"].as_f64().unwrap_or(0.0),
            media["high"].as_f64().unwrap_or(0.0),
        );
        assert!(low < mean && mean < high, "{tag}: {media}");
        // Every figure to the cent as the run's table shows it: each channel's days add up to
        // its contribution, the baseline's to the baseline, and the campaign's modelled revenue
        // is the channels' contributions added.
        let cents = |v: &serde_json::Value| -> Decimal {
            Decimal::try_from(v.as_f64().unwrap_or(f64::NAN))
                .unwrap_or_else(|e| panic!("{tag}: {v}: {e}"))
                .round_dp(2)
        };
        let result = &run["result"];
        let days = |v: &serde_json::Value| -> Decimal {
            v.as_array().into_iter().flatten().map(cents).sum()
        };
        let mut channels = Decimal::ZERO;
        for c in result["channels"].as_array().into_iter().flatten() {
            let name = c["channel"].as_str().unwrap_or_default();
            let shown = cents(&c["contribution"]["mean"]);
            assert_eq!(
                days(&result["decomposition"]["channels"][name]),
                shown,
                "{tag}: {name}"
            );
            channels += shown;
        }
        assert_eq!(
            days(&result["decomposition"]["baseline"]),
            cents(&result["baseline"]["contribution"]["mean"]),
            "{tag}: baseline"
        );
        let amount = |key: &str| -> Decimal {
            roi[key]
                .as_str()
                .and_then(|r| r.parse().ok())
                .unwrap_or_else(|| panic!("{tag}: {key} in {roi}"))
        };
        let (revenue, investment) = (amount("attributed_revenue"), amount("total_investment"));
        assert_eq!(revenue, channels, "{tag}: {roi}");
        // Its ends are the ROI at the amounts the run's page shows for the channels' total.
        let confidence = &roi["confidence_level"];
        assert_eq!(confidence["resamples"], 0, "{tag}: {confidence}");
        let (low, mean, high) = (
            cents(&media["low"]),
            cents(&media["mean"]),
            cents(&media["high"]),
        );
        for (end, at) in [("lower", low), ("upper", high)] {
            let want = ((revenue * at / mean - investment) / investment * Decimal::ONE_HUNDRED)
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            let got = cents(&confidence["interval_90"][end]);
            assert_eq!(got, want, "{tag}: {end}");
        }
        let (_, html) = page(&app, &format!("/campaigns/{q4}/finance")).await;
        assert!(
            metric(&html, "interval").ends_with("(the model&#39;s interval)"),
            "{tag}: {}",
            metric(&html, "interval")
        );
        let (_, html) = page(&app, &format!("{tab}&curves=mmm")).await;
        assert!(!html.contains("id=\"curves-error\""), "{tag}: {html}");
        let basis = metric(&html, "curves-basis");
        assert!(
            basis.starts_with(&format!(
                "Response curves of the marketing-mix model run {id} of "
            )),
            "{tag}: {basis}"
        );
        assert!(html.contains("<option value=\"mmm\" selected>"), "{tag}");
        assert!(
            html.contains("on the marketing-mix model's curves, with each channel's recent spend"),
            "{tag}"
        );
        // Without the choice, the plan rests on the platforms' own revenue, as before.
        let (_, html) = page(&app, &tab).await;
        assert!(
            html.contains("with curves fitted on the history from"),
            "{tag}"
        );
        assert!(
            metric(&html, "curves-basis").starts_with("Response curves fitted to each platform"),
            "{tag}"
        );
    }
}

/// The model a campaign's ROI rests on is run again once its inputs move on (the scheduler's
/// model refresh, run here directly as the scheduler is off in tests): with the same request, on
/// today's data, and the ROI rests on the new run. Campaigns on another basis are left alone.
#[tokio::test]
async fn the_model_a_roi_rests_on_is_run_again_when_its_data_move_on() {
    use spendlens_app::finance::webhook::{Outbound, RetryPolicy, WebhookSender};
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let (_, q4) = served_demo(&app).await;
        let tag = app.backend;
        let ctx = spendlens_app::Context::at(
            app.store.clone(),
            std::sync::Arc::new(WebhookSender::new(
                None,
                RetryPolicy::default(),
                Outbound::default(),
            )),
            now(),
        );
        let body = serde_json::json!({"campaigns": [q4], "draws": 40, "seed": 7});
        let first = json_of(app.post("/api/mmm", &body).await).await;
        choose_the_model(&app, &q4).await;
        let refresh = || spendlens_app::mmm::refresh::refresh(&ctx);
        // Current: nothing to do.
        let report = refresh().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((report.campaigns, report.refreshed), (1, 0), "{tag}");

        // New data: the run is out of date, and the ROI falls back until the refresh.
        let day = first["result"]["to"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        app.post(
            &format!("/api/campaigns/{q4}/metrics"),
            &serde_json::json!({"rows": [{"date": day, "platform": "meta", "spend": "999.00", "clicks": 1}]}),
        )
        .await;
        let roi = json_of(app.get(&format!("/api/campaigns/{q4}/roi")).await).await;
        assert_eq!(roi["revenue_basis"]["basis"], "platform_reported", "{tag}");
        let report = refresh().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (report.refreshed, report.failed),
            (1, 0),
            "{tag}: {report:?}"
        );

        let runs = json_of(app.get("/api/mmm").await).await;
        let newest = &runs["runs"][0];
        assert_ne!(newest["id"], first["id"], "{tag}");
        assert_eq!(newest["current"], true, "{tag}");
        // The same request, less nothing: campaigns, KPI, draws, seed.
        assert_eq!(newest["request"], first["request"], "{tag}");
        let roi = json_of(app.get(&format!("/api/campaigns/{q4}/roi")).await).await;
        assert_eq!(roi["revenue_basis"]["basis"], "modelled", "{tag}: {roi}");
        assert_eq!(roi["revenue_basis"]["mmm_run"], newest["id"], "{tag}");
        // The new day's spend is in the new run.
        let meta_spend = |run: &serde_json::Value| -> f64 {
            run["result"]["channels"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["channel"] == "meta")
                .and_then(|c| c["spend"].as_str()?.parse().ok())
                .unwrap_or(0.0)
        };
        let again = json_of(
            app.get(&format!(
                "/api/mmm/{}",
                newest["id"].as_str().unwrap_or_default()
            ))
            .await,
        )
        .await;
        assert!(meta_spend(&again) > meta_spend(&first), "{tag}");

        // Nothing out of date now; a campaign on another basis is never refitted.
        let report = refresh().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((report.campaigns, report.refreshed), (1, 0), "{tag}");
    }
}
