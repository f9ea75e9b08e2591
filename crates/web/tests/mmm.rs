//! The marketing-mix model through the real server (issue 17 item 5) on both backends: a run over
//! a demo campaign is stored with the data versions it rests on, set beside the platforms' own
//! figures (the analysis' ROAS per platform, to the cent), listed, reproducible with its seed, and
//! out of date once the data changes; every refusal names its JSON path; another organisation's
//! run is a 404.
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, demo, json_of, new_client};

pub(crate) fn q4(campaigns: &[(String, String)]) -> String {
    campaigns
        .iter()
        .find(|(_, name)| name == "Q4 Lead Gen (B2B)")
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| panic!("no Q4 campaign in {campaigns:?}"))
}

#[tokio::test]
async fn a_run_is_stored_compared_and_goes_out_of_date() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let campaigns = demo(&app).await;
        let id = q4(&campaigns);
        let body = json!({"campaigns": [id], "kpi": {"source": "platform_revenue"}, "draws": 50, "seed": 7});
        let r = app.post("/api/mmm", &body).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.backend);
        let run = json_of(r).await;
        assert_eq!(run["current"], true);
        assert_eq!(run["campaigns"], json!([id]));
        assert!(
            run["data_version"]
                .as_str()
                .unwrap_or_default()
                .starts_with(&format!("{id}:"))
        );
        let result = &run["result"];
        assert_eq!(result["kpi"], "platform_revenue");
        assert_eq!(result["granularity"], "daily");
        assert_eq!(result["periods"], 90);
        assert_eq!(result["currency"], "USD");
        let names: Vec<&str> = result["channels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["channel"].as_str())
            .collect();
        assert_eq!(names, ["google_ads", "linkedin", "meta"]);
        assert_eq!(result["curves"].as_array().map(Vec::len), Some(3));
        // The demo's revenue is its platforms' own, tied to spend that never stops: the model
        // cannot tell the channels from the baseline, credits them with no more than the whole
        // KPI, and says so when it credits them with all of it or leaves a negative baseline.
        let baseline = result["baseline"]["contribution"]["mean"]
            .as_f64()
            .unwrap_or(0.0);
        let sum = |v: &Value| -> f64 {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_f64)
                .sum()
        };
        let kpi = sum(&result["decomposition"]["actual"]);
        let credited: f64 = result["decomposition"]["channels"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(_, v)| sum(v))
            .sum();
        assert!(credited <= kpi * (1.0 + 1e-4), "{credited} of {kpi}");
        // The split over time is the table's: its sums are the channels' and the baseline's
        // means (to the cent per period of rounding).
        let periods = result["decomposition"]["dates"]
            .as_array()
            .map_or(0, Vec::len);
        let tolerance = 0.005 * periods as f64 + 0.01;
        for c in result["channels"].as_array().into_iter().flatten() {
            let name = c["channel"].as_str().unwrap_or_default();
            let over_time = sum(&result["decomposition"]["channels"][name]);
            let mean = c["contribution"]["mean"].as_f64().unwrap_or(f64::NAN);
            assert!(
                (over_time - mean).abs() <= tolerance,
                "{name}: {over_time} vs {mean}"
            );
        }
        let over_time = sum(&result["decomposition"]["baseline"]);
        assert!(
            (over_time - baseline).abs() <= tolerance,
            "baseline {over_time} vs {baseline}"
        );
        let warning = result["warnings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .find(|w| w.starts_with("The baseline (the KPI without any media) comes out at"));
        if baseline < 0.0 {
            assert!(warning.is_some(), "{}", result["warnings"]);
        }
        if let Some(w) = warning {
            // It quotes the baseline the table shows, in the campaign's currency.
            let shown = format!("{:.0}", baseline.abs());
            let digits: String = w.chars().filter(char::is_ascii_digit).collect();
            assert!(digits.contains(&shown), "{w} / {baseline}");
            assert!(
                w.contains("comes out at $") || w.contains("comes out at -$"),
                "{w}"
            );
        }
        // The KPI is revenue: every amount a sentence states about it is money.
        for w in result["warnings"].as_array().into_iter().flatten() {
            let w = w.as_str().unwrap_or_default();
            if w.contains("noise") {
                assert!(w.contains("noise of $") || w.contains("noise ($"), "{w}");
            }
        }
        let dates = result["decomposition"]["dates"].as_array().map(Vec::len);
        assert_eq!(dates, Some(90));
        assert_eq!(
            result["decomposition"]["channels"]["meta"]
                .as_array()
                .map(Vec::len),
            Some(90)
        );

        // The comparison's platform-reported ROAS is the analysis' own, platform by platform
        // (the run's window is the campaign's 90 days, the analysis' as of today).
        let analysis = json_of(
            app.get(&format!("/api/campaigns/{id}/financial-analysis"))
                .await,
        )
        .await;
        for line in result["comparison"].as_array().into_iter().flatten() {
            let platform = line["channel"].as_str().unwrap_or_default();
            let ours = analysis["platforms"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["platform"] == platform)
                .cloned()
                .unwrap_or_else(|| panic!("{platform} not in the analysis"));
            assert_eq!(line["spend"], ours["spend"], "{platform}");
            assert_eq!(
                line["platform_reported_revenue"], ours["revenue"],
                "{platform}"
            );
            assert_eq!(
                line["platform_reported_roas"]
                    .as_f64()
                    .map(|x| (x * 100.0).round()),
                ours["roas"].as_f64().map(|x| (x * 100.0).round()),
                "{platform}"
            );
            // No touchpoints: no attributed figure.
            assert_eq!(line["attributed_roas"], Value::Null, "{platform}");
            assert!(line["mmm_roi"]["mean"].is_number(), "{platform}");
        }
        // And the page says why the attributed column is empty.
        let page = format!("/mmm/{}", run["id"].as_str().unwrap_or_default());
        let (_, html) = crate::support::page(&app, &page).await;
        assert!(
            html.contains("data-section=\"mmm-no-attribution\""),
            "the empty attributed column is explained"
        );

        // Same input and seed, same answer.
        let again = json_of(app.post("/api/mmm", &body).await).await;
        assert_eq!(again["result"], run["result"]);
        assert_ne!(again["id"], run["id"]);

        // Listed newest first, without results; one run answers with its result.
        let list = json_of(app.get("/api/mmm").await).await;
        let runs = list["runs"].as_array().cloned().unwrap_or_default();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0]["id"], again["id"]);
        assert_eq!(runs[0].get("result"), None);
        let one = json_of(
            app.get(&format!(
                "/api/mmm/{}",
                run["id"].as_str().unwrap_or_default()
            ))
            .await,
        )
        .await;
        assert_eq!(one["result"], run["result"]);

        // New data for the campaign: the run no longer describes it.
        let r = app
            .post(
                &format!("/api/campaigns/{id}/metrics"),
                &json!({"rows": [{"date": "2026-11-20", "platform": "meta", "spend": "999.00", "clicks": 1}]}),
            )
            .await;
        assert!(r.status().is_success());
        let one = json_of(
            app.get(&format!(
                "/api/mmm/{}",
                run["id"].as_str().unwrap_or_default()
            ))
            .await,
        )
        .await;
        assert_eq!(one["current"], false, "{}", app.backend);

        // Another organisation sees none of it.
        let stranger = new_client();
        app.register(&stranger, "other@example.com").await;
        let r = app
            .request(
                &stranger,
                reqwest::Method::GET,
                &format!("/api/mmm/{}", run["id"].as_str().unwrap_or_default()),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = app
            .request(&stranger, reqwest::Method::GET, "/api/mmm", None)
            .await;
        assert_eq!(json_of(r).await["runs"], json!([]));
        let r = app
            .request(
                &stranger,
                reqwest::Method::POST,
                "/api/mmm",
                Some(&json!({"campaigns": [id]})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            json_of(r).await["error"]["details"][0]["field"],
            "campaigns[0]"
        );
    }
}

/// With the demo's journeys stored (as `serve --demo` loads them), the comparison's attributed
/// ROAS per platform is the attribution's own over the run's days, and the page shows it.
#[tokio::test]
async fn with_journeys_the_comparison_shows_the_attribution_s_roas() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let (_, id) = crate::support::served_demo(&app).await;
        let body = json!({"campaigns": [id], "kpi": {"source": "platform_revenue"}, "draws": 50, "seed": 7});
        let run = json_of(app.post("/api/mmm", &body).await).await;
        let result = &run["result"];
        let dates = result["decomposition"]["dates"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let (from, to) = (&dates[0], &dates[dates.len() - 1]);
        let attribution = json_of(
            app.get(&format!(
                "/api/campaigns/{id}/attribution?from={}&to={}",
                from.as_str().unwrap_or_default(),
                to.as_str().unwrap_or_default()
            ))
            .await,
        )
        .await;
        let page = format!("/mmm/{}", run["id"].as_str().unwrap_or_default());
        let (_, html) = crate::support::page(&app, &page).await;
        assert!(
            !html.contains("data-section=\"mmm-no-attribution\""),
            "{}",
            app.backend
        );
        assert!(html.contains("(Last touch)"), "the model is named");
        let lines = result["comparison"].as_array().cloned().unwrap_or_default();
        assert_eq!(lines.len(), 3);
        for line in lines {
            let platform = line["channel"].as_str().unwrap_or_default();
            let theirs = attribution["platforms"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["platform"] == platform)
                .cloned()
                .unwrap_or_else(|| panic!("{platform} not attributed: {attribution}"));
            assert_eq!(line["attributed_revenue"], theirs["revenue"], "{platform}");
            assert_eq!(line["spend"], theirs["spend"], "{platform}");
            assert_eq!(line["attributed_roas"], theirs["roas"], "{platform}");
            let shown = html
                .split("data-section=\"mmm-comparison\"")
                .nth(1)
                .and_then(|table| table.split(&format!("data-channel=\"{platform}\"")).nth(1))
                .and_then(|rest| rest.split("data-metric=\"attributed-roas\">").nth(1))
                .and_then(|rest| rest.split('<').next())
                .unwrap_or_default();
            let roas = theirs["roas"].as_f64().unwrap_or(f64::NAN);
            assert_eq!(shown, format!("{roas:.2}x"), "{platform}");
        }
    }
}

#[tokio::test]
async fn the_optimiser_plans_on_the_models_curves_and_says_so() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let campaigns = demo(&app).await;
        let id = q4(&campaigns);
        let plan = |body: Value| {
            let app = &app;
            let id = id.clone();
            async move {
                app.post(&format!("/api/campaigns/{id}/budget-optimization"), &body)
                    .await
            }
        };
        // No run yet: the refusal says how to make one.
        let r = plan(json!({"curves": "mmm"})).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let got = json_of(r).await;
        assert_eq!(got["error"]["details"][0]["field"], "curves", "{got}");
        assert!(
            got["error"]["details"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("POST /api/mmm")
        );

        let run = json_of(
            app.post(
                "/api/mmm",
                &json!({"campaigns": [id], "kpi": {"source": "platform_revenue"}, "draws": 100}),
            )
            .await,
        )
        .await;
        let run_id = run["id"].as_str().unwrap_or_default().to_owned();
        let r2 = run["result"]["fit"]["r2"].as_f64().unwrap_or_default();

        // The default plan on the model's curves: the plan names the run, every channel carries
        // the model's R², and the channels stay in their cautious range.
        let r = plan(json!({"curves": "mmm"})).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        let got = json_of(r).await;
        assert_eq!(got["curves_basis"]["basis"], "mmm", "{got}");
        assert_eq!(got["curves_basis"]["mmm_run"], run_id);
        assert!(
            got["curves_basis"]["label"]
                .as_str()
                .unwrap_or_default()
                .contains(&format!("model run {run_id}"))
        );
        for c in got["channels"].as_array().into_iter().flatten() {
            let channel_r2 = c["r_squared"].as_f64().unwrap_or(-1.0);
            assert!((channel_r2 - r2).abs() < 1e-3, "{c}");
        }
        // Opened up, the plan moves money by the model's curves, and says whose they are.
        let r = plan(json!({"curves": "mmm", "mmm_run": run_id, "spend_range": "open"})).await;
        assert_eq!(r.status(), StatusCode::OK);
        let open = json_of(r).await;
        assert_eq!(open["curves_basis"]["mmm_run"], run_id);
        // The history's curves are still the default.
        let r = plan(json!({})).await;
        assert_eq!(
            json_of(r).await["curves_basis"]["basis"],
            "platform_reported"
        );

        // Refusals: the LTV objective, a run over two campaigns, another organisation's id, an
        // out-of-date run.
        let r = plan(json!({"curves": "mmm", "objective": "ltv", "ltv": {"meta": 100, "linkedin": 100, "google_ads": 100}})).await;
        assert_eq!(
            json_of(r).await["error"]["details"][0]["field"],
            "objective"
        );
        let brand = campaigns
            .iter()
            .find(|(_, n)| n == "Brand Awareness")
            .map(|(i, _)| i.clone())
            .unwrap_or_default();
        let two = json_of(
            app.post(
                "/api/mmm",
                &json!({"campaigns": [id, brand], "kpi": {"source": "platform_revenue"}, "draws": 20}),
            )
            .await,
        )
        .await;
        let r = plan(json!({"curves": "mmm", "mmm_run": two["id"]})).await;
        let got = json_of(r).await;
        assert_eq!(got["error"]["details"][0]["field"], "mmm_run", "{got}");
        assert!(
            got["error"]["details"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("fitted on 2 campaign(s)")
        );
        let r = plan(json!({"curves": "history", "mmm_run": run_id})).await;
        assert_eq!(json_of(r).await["error"]["details"][0]["field"], "curves");
        app.post(
            &format!("/api/campaigns/{id}/metrics"),
            &json!({"rows": [{"date": "2026-11-20", "platform": "meta", "spend": "999.00", "clicks": 1}]}),
        )
        .await;
        let r = plan(json!({"curves": "mmm", "mmm_run": run_id})).await;
        let got = json_of(r).await;
        assert!(
            got["error"]["details"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("out of date"),
            "{got}"
        );
        let r = plan(json!({"curves": "mmm"})).await;
        assert_eq!(json_of(r).await["error"]["details"][0]["field"], "curves");
    }
}

#[tokio::test]
async fn the_model_is_a_revenue_basis_on_every_surface_while_it_holds() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let campaigns = demo(&app).await;
        let id = q4(&campaigns);
        let r = app
            .request(
                &app.client,
                reqwest::Method::PUT,
                &format!("/api/campaigns/{id}/revenue-basis"),
                Some(&json!({"basis": "mmm"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        // Chosen before any run: the platforms' revenue stands, and the page says why.
        let roi = json_of(app.get(&format!("/api/campaigns/{id}/roi")).await).await;
        assert_eq!(roi["revenue_basis"]["basis"], "platform_reported");
        let (_, html) = crate::support::page(&app, &format!("/campaigns/{id}/finance")).await;
        assert!(crate::support::metric(&html, "basis-mismatch").contains("no current model run"));

        let run = json_of(
            app.post(
                "/api/mmm",
                &json!({"campaigns": [id], "kpi": {"source": "platform_revenue"}, "draws": 50}),
            )
            .await,
        )
        .await;
        let roi = json_of(app.get(&format!("/api/campaigns/{id}/roi")).await).await;
        assert_eq!(roi["revenue_basis"]["basis"], "modelled", "{roi}");
        assert_eq!(roi["revenue_basis"]["mmm_run"], run["id"]);
        assert!(
            roi["revenue_basis"]["label"]
                .as_str()
                .unwrap_or_default()
                .starts_with("modelled by the marketing-mix model (run of ")
        );
        // The ROI's revenue is the model's: the channels' contributions over the days of the ROI.
        let contributions: f64 = run["result"]["decomposition"]["channels"]
            .as_object()
            .into_iter()
            .flatten()
            .flat_map(|(_, v)| v.as_array().cloned().unwrap_or_default())
            .filter_map(|v| v.as_f64())
            .sum();
        let revenue: f64 = roi["attributed_revenue"]
            .as_str()
            .unwrap_or_default()
            .parse()
            .unwrap_or_default();
        assert!(
            (revenue - contributions).abs() < 1.0,
            "{revenue} vs {contributions}"
        );
        let rec = json_of(
            app.get(&format!("/api/campaigns/{id}/reconciliation"))
                .await,
        )
        .await;
        assert_eq!(rec["revenue_basis"], roi["revenue_basis"]);
        assert_eq!(rec["roi_percentage"], roi["roi_percentage"]);
        assert_eq!(rec["chosen_basis"]["basis"], "mmm");
        let (_, html) = crate::support::page(&app, &format!("/campaigns/{id}/finance")).await;
        assert_eq!(
            crate::support::metric(&html, "revenue-basis").replace("&#39;", "'"),
            roi["revenue_basis"]["label"].as_str().unwrap_or_default()
        );
        assert!(html.contains("Replaced by the marketing-mix model"));

        // New data: the run no longer holds, and the ROI says it rests on the platforms again.
        app.post(
            &format!("/api/campaigns/{id}/metrics"),
            &json!({"rows": [{"date": "2026-11-20", "platform": "meta", "spend": "999.00", "clicks": 1}]}),
        )
        .await;
        let roi = json_of(app.get(&format!("/api/campaigns/{id}/roi")).await).await;
        assert_eq!(roi["revenue_basis"]["basis"], "platform_reported");
    }
}

/// The page's form: a KPI file for one campaign runs the model and shows the run with its
/// tables and four charts; a form without its file says so beside the field; another
/// organisation's run is a 404.
#[tokio::test]
async fn the_marketing_mix_pages_run_and_show_a_model() {
    use reqwest::multipart::{Form, Part};
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let campaigns = demo(&app).await;
        let id = q4(&campaigns);
        let (status, html) = crate::support::page(&app, "/mmm").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("No run yet."));
        // USD has two campaigns: offered together, and first.
        assert!(
            html.contains("<option value=\"currency:USD\" selected>Both campaigns in USD</option>"),
            "{html}"
        );
        let token = crate::support::token_in(&html);
        let start = crate::support::now().date_naive() - chrono::Days::new(89);
        let mut csv = String::from("Date,Revenue\n");
        for i in 0..90u64 {
            let d = start + chrono::Days::new(i);
            csv.push_str(&format!("{d},{}\n", 4000 + 250 * (i % 7)));
        }
        let post = |form: Form| {
            let app = &app;
            async move {
                app.client
                    .post(format!("{}/mmm", app.base))
                    .multipart(form)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        let form = Form::new()
            .text("csrf", token.clone())
            .text("scope", format!("campaign:{id}"))
            .text("kpi", "series")
            .text("draws", "50");
        let r = post(form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap_or_default();
        assert!(html.contains("choose the KPI file"), "{html}");

        let form = Form::new()
            .text("csrf", token.clone())
            .text("scope", format!("campaign:{id}"))
            .text("kpi", "series")
            .text("draws", "50")
            .part(
                "file",
                Part::bytes(csv.into_bytes()).file_name("revenue.csv"),
            );
        let r = post(form).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.backend);
        assert!(r.url().path().starts_with("/mmm/"));
        let html = r.text().await.unwrap_or_default();
        for section in ["mmm-fit", "mmm-channels", "mmm-comparison"] {
            assert!(
                html.contains(&format!("data-section=\"{section}\"")),
                "{section}"
            );
        }
        for chart in [
            "mmm-contribution",
            "mmm-roi",
            "mmm-curves",
            "mmm-decomposition",
        ] {
            assert!(html.contains(&format!("data-chart=\"{chart}\"")), "{chart}");
        }
        for channel in ["google_ads", "linkedin", "meta"] {
            assert!(
                html.contains(&format!("<tr data-channel=\"{channel}\">")),
                "{channel}"
            );
        }
        assert!(!html.contains("--experiments"));
        assert!(!html.contains("data-section=\"mmm-out-of-date\""));
        let run_path = r#"/mmm/"#;
        let list = json_of(app.get("/api/mmm").await).await;
        let run_id = list["runs"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (_, html) = crate::support::page(&app, "/mmm").await;
        assert!(html.contains(&format!("href=\"{run_path}{run_id}\"")));

        let stranger = new_client();
        app.register(&stranger, "other@example.com").await;
        let (status, _) = crate::support::page_as(&app, &stranger, &format!("/mmm/{run_id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
