//! Touchpoint uploads and campaign attribution through the API, checked against the attribution
//! crate (what `spendlens attribute` prints) and against hand-computed ROAS.
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use spendlens_attribution::{MarkovOrder, Model, ReadOptions, Request, codec};

use crate::support::{TestApp, database_urls, json_of, new_client, q4};

/// Unsorted rows: a journey with two conversions (j1), a touch stamped with its conversion's
/// instant (j1 meta), a conversion without touches (j2), a journey that never converts (j3).
const TOUCHPOINTS: &str = "journey_id,timestamp,event,channel,value\n\
j2,2026-11-05T10:00:00Z,conversion,,50\n\
j1,2026-11-03T09:00:00Z,touch,facebook,\n\
j1,2026-11-02T09:00:00Z,touch,google,\n\
j4,2026-11-10T08:00:00Z,touch,linkedin,\n\
j1,2026-11-04T09:00:00Z,conversion,,100\n\
j1,2026-11-06T09:00:00+01:00,touch,email,\n\
j1,2026-11-07T09:00:00Z,conversion,,30\n\
j1,2026-11-07T09:00:00Z,touch,meta,\n\
j3,2026-11-08T12:00:00Z,touch,google,\n\
j3,2026-11-09T12:00:00Z,touch,email,\n\
j4,2026-11-10T08:30:00Z,conversion,,20\n";

/// The same rows grouped by journey (the CLI's streaming reader needs that; order inside a
/// journey and of journeys is free).
fn grouped() -> String {
    let mut lines: Vec<&str> = TOUCHPOINTS.lines().collect();
    let header = lines.remove(0);
    lines.sort_by_key(|l| l.split(',').next().unwrap_or_default().to_owned());
    format!("{header}\n{}\n", lines.join("\n"))
}

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    query: &str,
    csv: &str,
) -> (StatusCode, Value) {
    let form = Form::new().part(
        "file",
        Part::bytes(csv.as_bytes().to_vec()).file_name("t.csv"),
    );
    let r = client
        .post(format!("{}/api/attribution/touchpoints{query}", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("upload: {e}"));
    let status = r.status();
    (status, json_of(r).await)
}

async fn spend(app: &TestApp, id: &str) {
    let rows = json!({"rows": [
        {"date": "2026-11-02", "platform": "meta", "spend": "100.00", "clicks": 10},
        {"date": "2026-11-03", "platform": "meta", "spend": "60.00", "clicks": 10},
        {"date": "2026-11-02", "platform": "google_ads", "spend": "40.00", "clicks": 10},
        {"date": "2026-11-03", "platform": "linkedin", "spend": "25.00", "clicks": 10},
        // Outside the window: not part of any ROAS.
        {"date": "2026-11-25", "platform": "linkedin", "spend": "1000.00", "clicks": 10},
    ]});
    let r = app
        .post(&format!("/api/campaigns/{id}/metrics"), &rows)
        .await;
    assert!(r.status().is_success(), "{}", app.backend);
}

fn channel<'a>(model: &'a Value, name: &str) -> &'a Value {
    model["channels"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["channel"] == name))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn upload_is_idempotent_and_a_bad_row_writes_nothing() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@example.com").await;
        let id = app.campaign(&q4()).await;

        // A bad row: 422 naming row and column, nothing written.
        let bad = TOUCHPOINTS.replace("2026-11-03T09:00:00Z", "2026-11-03 nine o'clock");
        let (status, body) = upload(&app, &app.client, "", &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        let message = body["error"]["details"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            message.starts_with("row 3, column 2 (timestamp)"),
            "{message}"
        );
        let path =
            format!("/api/campaigns/{id}/attribution?model=linear&from=2026-11-01&to=2026-11-20");
        let empty = json_of(app.get(&path).await).await;
        assert_eq!(empty["journeys"], 0, "{}: {empty}", app.backend);

        // A repeated key is refused too.
        let twice = format!("{TOUCHPOINTS}j4,2026-11-10T08:00:00Z,touch,meta,\n");
        let (status, body) = upload(&app, &app.client, "", &twice).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body["error"]["details"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("row 5")
        );

        // Dry run: counts, nothing written.
        let (status, dry) = upload(&app, &app.client, "?dry_run=true", TOUCHPOINTS).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (dry["inserted"].as_u64(), dry["dry_run"].as_bool()),
            (Some(11), Some(true))
        );
        assert_eq!(json_of(app.get(&path).await).await["journeys"], 0);

        let (status, first) = upload(&app, &app.client, "", TOUCHPOINTS).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        assert_eq!(
            (
                &first["inserted"],
                &first["updated"],
                &first["unchanged"],
                &first["journeys"]
            ),
            (&json!(11), &json!(0), &json!(0), &json!(4))
        );
        assert_eq!(
            (first["touches"].as_u64(), first["conversions"].as_u64()),
            (Some(7), Some(4))
        );
        assert_eq!(first["first_at"], "2026-11-02T09:00:00Z");
        assert_eq!(first["last_at"], "2026-11-10T08:30:00Z");
        let (_, again) = upload(&app, &app.client, "", TOUCHPOINTS).await;
        assert_eq!(
            (&again["inserted"], &again["unchanged"]),
            (&json!(0), &json!(11))
        );
        let changed = TOUCHPOINTS.replace(",,20\n", ",,25\n");
        let (_, third) = upload(&app, &app.client, "", &changed).await;
        assert_eq!(
            (&third["updated"], &third["unchanged"]),
            (&json!(1), &json!(10))
        );

        // Unauthenticated uploads are refused before the body is read.
        let (status, _) = upload(&app, &new_client(), "", TOUCHPOINTS).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn attribution_matches_the_crate_and_roas_is_revenue_over_spend() {
    // What `spendlens attribute --model all` computes from the same rows.
    let data = spendlens_attribution::read(
        grouped().as_bytes(),
        &ReadOptions {
            time_decay_half_life_days: Some(7.0),
        },
    )
    .unwrap_or_else(|e| panic!("read: {e}"));
    let request = Request {
        models: Model::ALL.to_vec(),
        order: MarkovOrder::Fixed(1),
        transitions: false,
        skip_unavailable: false,
    };
    let expected =
        spendlens_attribution::attribute(&data, &request).unwrap_or_else(|e| panic!("{e}"));
    let expected: Value = serde_json::from_str(&codec::encode_all(&expected).unwrap_or_default())
        .unwrap_or(Value::Null);

    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        let org = app.register(&app.client, "a@example.com").await;
        let id = app.campaign(&q4()).await;
        spend(&app, &id).await;
        let (status, _) = upload(&app, &app.client, "", TOUCHPOINTS).await;
        assert_eq!(status, StatusCode::CREATED);
        let window = "from=2026-11-01&to=2026-11-20";

        let all = json_of(
            app.get(&format!(
                "/api/campaigns/{id}/attribution?model=all&{window}"
            ))
            .await,
        )
        .await;
        assert_eq!(all["journeys"], 4, "{}", app.backend);
        for model in Model::ALL {
            let name = model.name();
            let ours = &all["models"][name];
            let theirs = &expected["models"][name];
            assert_eq!(ours["total_revenue"], theirs["total_value"], "{name}");
            assert_eq!(ours["unattributed"]["revenue"], "50.00", "{name}");
            let channels = theirs["channels"].as_array().cloned().unwrap_or_default();
            assert_eq!(channels.len(), 5, "{name}");
            for c in channels {
                let line = channel(ours, c["channel"].as_str().unwrap_or_default());
                assert_eq!(line["revenue"], c["value"], "{name} {c}");
                let diff = line["conversions"].as_f64().unwrap_or(f64::NAN)
                    - c["conversions"].as_f64().unwrap_or(0.0);
                assert!(diff.abs() < 1e-9, "{name} {c} {line}");
            }
        }
        // The comparison table has every model for every channel.
        let row = all["comparison"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["channel"] == "facebook"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(row["platform"], "meta");
        assert_eq!(row["models"]["last_touch"]["revenue"], "100.00");
        assert_eq!(row["models"]["first_touch"]["revenue"], "0.00");
        assert_eq!(row["models"]["linear"]["revenue"], "50.00");
        assert_eq!(row["models"].as_object().map(|m| m.len()), Some(8));

        // Last touch by hand: facebook 100 and meta 30 over meta's 160 of spend, linkedin 20
        // over 25, google nothing over 40, email no spend.
        let last = json_of(
            app.get(&format!(
                "/api/campaigns/{id}/attribution?model=last_touch&{window}"
            ))
            .await,
        )
        .await;
        assert_eq!(last["model"], "last_touch");
        let fb = channel(&last, "facebook");
        assert_eq!(
            (&fb["revenue"], &fb["spend"], &fb["roas"]),
            (&json!("100.00"), &json!("160.00"), &json!(0.63))
        );
        let meta = channel(&last, "meta");
        assert_eq!(
            (&meta["revenue"], &meta["roas"]),
            (&json!("30.00"), &json!(0.19))
        );
        let li = channel(&last, "linkedin");
        assert_eq!(
            (&li["revenue"], &li["spend"], &li["roas"]),
            (&json!("20.00"), &json!("25.00"), &json!(0.8))
        );
        let google = channel(&last, "google");
        assert_eq!(
            (&google["platform"], &google["roas"]),
            (&json!("google_ads"), &json!(0.0))
        );
        let email = channel(&last, "email");
        assert_eq!(
            (&email["platform"], &email["spend"], &email["roas"]),
            (&Value::Null, &Value::Null, &Value::Null)
        );
        let meta_platform = last["platforms"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["platform"] == "meta"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            (&meta_platform["revenue"], &meta_platform["roas"]),
            (&json!("130.00"), &json!(0.81))
        );

        // A window that starts after j1's first conversion drops it (and its touches).
        let late = json_of(
            app.get(&format!(
                "/api/campaigns/{id}/attribution?model=last_touch&from=2026-11-05&to=2026-11-20"
            ))
            .await,
        )
        .await;
        assert_eq!(late["total_revenue"], "50.00", "{late}");
        assert_eq!(channel(&late, "facebook"), &Value::Null);

        // The campaign's model is the default model of the endpoint.
        let r = app
            .request(
                &app.client,
                Method::PUT,
                &format!("/api/campaigns/{id}/attribution-model"),
                Some(&json!({"model": "linear"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let r = app
            .request(
                &app.client,
                Method::PUT,
                &format!("/api/campaigns/{id}/attribution-model"),
                Some(&json!({"model": "last_click"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(json_of(r).await["error"]["details"][0]["field"], "model");
        let got = json_of(
            app.get(&format!("/api/campaigns/{id}/attribution-model"))
                .await,
        )
        .await;
        assert_eq!(
            (&got["model"], &got["default"]),
            (&json!("linear"), &json!(false))
        );
        // The ROI tracker's figure follows the campaign's model: linear credits google 50,
        // facebook 50, meta 15, linkedin 20 (email's 15 is not the campaign's).
        let (from, to) = (
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default(),
        );
        let roi = spendlens_app::attribution::attributed_revenue(
            app.store.as_ref(),
            &spendlens_core::campaign::OrgId::new(org.clone()),
            &spendlens_core::campaign::CampaignId::new(id.clone()),
            from,
            to,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(roi.model, Model::Linear);
        assert_eq!(roi.revenue.to_string(), "135.00");
        let meta_share = roi
            .by_platform
            .iter()
            .find(|(p, _)| *p == spendlens_core::Platform::Meta);
        assert_eq!(
            meta_share.map(|(_, r)| r.to_string()),
            Some("65.00".to_owned())
        );
        let default = json_of(
            app.get(&format!("/api/campaigns/{id}/attribution?{window}"))
                .await,
        )
        .await;
        assert_eq!(default["model"], "linear");
        assert_eq!(channel(&default, "google")["revenue"], "50.00");

        // Bad parameters name themselves.
        let r = app
            .get(&format!("/api/campaigns/{id}/attribution?model=nope"))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(json_of(r).await["error"]["details"][0]["field"], "model");
        let r = app
            .get(&format!(
                "/api/campaigns/{id}/attribution?from=2026-11-20&to=2026-11-01"
            ))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // The chart.
        let r = app
            .get(&format!(
                "/api/campaigns/{id}/attribution/chart.svg?{window}"
            ))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .starts_with("image/svg+xml")
        );
        let svg = r.text().await.unwrap_or_default();
        assert!(
            svg.contains("<title>Attributed revenue by channel and model"),
            "{svg:.200}"
        );
        assert!(svg.contains("<desc>") && svg.contains("facebook: First touch $0.00"));

        // Another organisation sees none of it.
        let stranger = new_client();
        app.register(&stranger, "b@example.com").await;
        for path in [
            format!("/api/campaigns/{id}/attribution?model=all"),
            format!("/api/campaigns/{id}/attribution/chart.svg"),
            format!("/api/campaigns/{id}/attribution-model"),
        ] {
            let r = app.request(&stranger, Method::GET, &path, None).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        }
        let r = app
            .request(
                &stranger,
                Method::PUT,
                &format!("/api/campaigns/{id}/attribution-model"),
                Some(&json!({"model": "linear"})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
}

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../attribution/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The conversions, value and users an event log states, from its raw cells.
fn stated(log: &str) -> (u32, rust_decimal::Decimal, usize) {
    let mut conversions = 0;
    let mut value = rust_decimal::Decimal::ZERO;
    let mut users = std::collections::HashSet::new();
    for line in log.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        users.insert(cells[0].to_owned());
        if cells[3] == "1" {
            conversions += 1;
            value += cells[4]
                .parse::<rust_decimal::Decimal>()
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    (conversions, value, users.len())
}

async fn attribute_file(
    app: &TestApp,
    client: &reqwest::Client,
    query: &str,
    csv: &str,
) -> (StatusCode, Value) {
    let form = Form::new().part(
        "file",
        Part::bytes(csv.as_bytes().to_vec()).file_name("Data.csv"),
    );
    let r = client
        .post(format!("{}/api/attribution/paths{query}", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("attribute: {e}"));
    let status = r.status();
    (status, json_of(r).await)
}

/// What `spendlens attribute` prints for a file: every model, or one.
fn cli_answer(csv: &str, model: Option<Model>) -> Value {
    let models = model.map_or_else(|| Model::ALL.to_vec(), |m| vec![m]);
    let data = spendlens_attribution::read(
        csv.as_bytes(),
        &ReadOptions {
            time_decay_half_life_days: models.contains(&Model::TimeDecay).then_some(7.0),
        },
    )
    .unwrap_or_else(|e| panic!("read: {e}"));
    let request = Request {
        models,
        order: MarkovOrder::Fixed(1),
        transitions: false,
        skip_unavailable: model.is_none(),
    };
    let results =
        spendlens_attribution::attribute(&data, &request).unwrap_or_else(|e| panic!("{e}"));
    let text = match model {
        None => codec::encode_all(&results),
        Some(_) => codec::encode_one(&results[0]),
    }
    .unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_public_event_log_is_stored_with_the_conversions_it_states() {
    let log = fixture("attribution-data.csv");
    let (conversions, value, users) = stated(&log);
    let expected = cli_answer(&log, None);
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@example.com").await;
        let id = app
            .campaign(&json!({"name": "July 2018", "currency": "USD",
                              "start_date": "2018-07-01", "end_date": "2018-08-31"}))
            .await;
        let (status, first) = upload(&app, &app.client, "", &log).await;
        assert_eq!(status, StatusCode::CREATED, "{}: {first}", app.backend);
        assert_eq!(first["conversions"], json!(conversions));
        assert_eq!(first["journeys"], json!(users));
        let (_, again) = upload(&app, &app.client, "", &log).await;
        assert_eq!(again["inserted"], 0);
        assert_eq!(again["unchanged"], first["rows"]);

        let all = json_of(
            app.get(&format!(
                "/api/campaigns/{id}/attribution?model=all&from=2018-06-01&to=2018-09-30"
            ))
            .await,
        )
        .await;
        for model in Model::ALL {
            let name = model.name();
            let ours = &all["models"][name];
            assert_eq!(
                ours["total_conversions"],
                f64::from(conversions),
                "{}: {name}",
                app.backend
            );
            assert_eq!(ours["total_revenue"], format!("{value:.2}"), "{name}");
            assert_eq!(
                ours["total_revenue"],
                expected["models"][name]["total_value"]
            );
            for c in expected["models"][name]["channels"]
                .as_array()
                .cloned()
                .unwrap_or_default()
            {
                let line = channel(ours, c["channel"].as_str().unwrap_or_default());
                assert_eq!(line["revenue"], c["value"], "{name} {c}");
            }
        }
    }
}

#[tokio::test]
async fn a_channelattribution_path_file_is_attributed_whole_and_never_stored() {
    let paths = fixture("channelattribution-Data.csv");
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "a@example.com").await;
        // The touchpoint upload says why it cannot store it and where to send it.
        let (status, body) = upload(&app, &app.client, "", &paths).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.backend);
        let message = body["error"]["details"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            message.starts_with("row 1: this is a ChannelAttribution path file")
                && message.contains("/api/attribution/paths"),
            "{message}"
        );
        // Attributed as a whole: what `spendlens attribute` prints.
        let (status, all) = attribute_file(&app, &app.client, "", &paths).await;
        assert_eq!(status, StatusCode::OK, "{all}");
        assert_eq!(all, cli_answer(&paths, None));
        assert_eq!(all["models"].as_object().map(|m| m.len()), Some(7));
        let (_, markov) = attribute_file(&app, &app.client, "?model=markov", &paths).await;
        assert_eq!(markov, cli_answer(&paths, Some(Model::Markov)));
        // An event log the same way, and the two agree.
        let log = fixture("attribution-data.csv");
        let (_, from_log) = attribute_file(&app, &app.client, "?model=linear", &log).await;
        let (_, from_paths) = attribute_file(
            &app,
            &app.client,
            "?model=linear",
            &fixture("attribution-data-paths.csv"),
        )
        .await;
        assert_eq!(from_log["total_value"], from_paths["total_value"]);
        assert_eq!(
            from_log["channels"].as_array().map(Vec::len),
            from_paths["channels"].as_array().map(Vec::len)
        );
        // A model the file cannot serve, a bad row, and no session.
        let (status, body) = attribute_file(&app, &app.client, "?model=time_decay", &paths).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let bad = paths.replacen(";2;", ";-2;", 1);
        let (status, body) = attribute_file(&app, &app.client, "", &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body["error"]["details"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("column 2 (total_conversions)"),
            "{body}"
        );
        let (status, _) = attribute_file(&app, &new_client(), "", &paths).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

/// Touchpoints that name no campaign count for a campaign only while it alone ran its platforms
/// over the window: Alpha and Beta both ran Meta, so neither counts the untagged journeys (each
/// says so, naming the other), while Gamma, alone on Google Ads, counts them; journeys tagged
/// with Alpha count for Alpha. Deleting Alpha deletes its journeys: they do not become untagged.
#[tokio::test]
async fn untagged_touchpoints_count_only_where_they_cannot_be_another_campaign_s() {
    for url in database_urls().await {
        let app = TestApp::spawn(&url).await;
        app.register(&app.client, "tags@example.com").await;
        let mut ids = Vec::new();
        for (name, platform) in [("Alpha", "meta"), ("Beta", "meta"), ("Gamma", "google_ads")] {
            let id = app
                .campaign(
                    &json!({"name": name, "currency": "USD", "start_date": "2026-11-01",
                                  "end_date": "2026-11-30", "time_zone": "UTC"}),
                )
                .await;
            let rows = json!({"rows": [
                {"date": "2026-11-02", "platform": platform, "spend": "100.00", "clicks": 10}]});
            let r = app
                .post(&format!("/api/campaigns/{id}/metrics"), &rows)
                .await;
            assert!(r.status().is_success(), "{}", app.backend);
            ids.push(id);
        }
        let mut csv = String::from("journey_id,timestamp,event,channel,value,campaign_id\n");
        for j in 0..4 {
            csv.push_str(&format!("m{j},2026-11-03T09:00:00Z,touch,meta,,\n"));
            csv.push_str(&format!("m{j},2026-11-03T10:00:00Z,conversion,,100,\n"));
        }
        for j in 0..2 {
            csv.push_str(&format!("g{j},2026-11-04T09:00:00Z,touch,google_ads,,\n"));
            csv.push_str(&format!("g{j},2026-11-04T10:00:00Z,conversion,,50,\n"));
        }
        let alpha = &ids[0];
        csv.push_str(&format!("a0,2026-11-05T09:00:00Z,touch,meta,,{alpha}\n"));
        csv.push_str(&format!("a0,2026-11-05T10:00:00Z,conversion,,30,{alpha}\n"));
        let (status, body) = upload(&app, &app.client, "", &csv).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        let attribution = |id: &str| {
            let path = format!(
                "/api/campaigns/{id}/attribution?model=last_touch&from=2026-11-01&to=2026-11-30"
            );
            let app = &app;
            async move { json_of(app.get(&path).await).await }
        };
        let revenue = |v: &Value, name: &str| channel(v, name)["revenue"].clone();
        let a = attribution(alpha).await;
        assert_eq!(a["set_aside"]["journeys"], 6, "{}: {a}", app.backend);
        assert_eq!(
            a["set_aside"]["shared_platforms"],
            json!([{"platform": "meta", "campaigns": ["Beta"]}])
        );
        assert_eq!(revenue(&a, "meta"), json!("30.00"), "{a}");
        let b = attribution(&ids[1]).await;
        assert_eq!(
            b["set_aside"]["shared_platforms"][0]["campaigns"],
            json!(["Alpha"])
        );
        assert_eq!(b["journeys"], 0, "{b}");
        let g = attribution(&ids[2]).await;
        assert_eq!(g["set_aside"], Value::Null, "{g}");
        assert_eq!(revenue(&g, "google_ads"), json!("100.00"), "{g}");
        let (_, html) =
            crate::support::page(&app, &format!("/campaigns/{alpha}/attribution")).await;
        assert!(
            html.contains("data-section=\"touchpoints-set-aside\"")
                && html.contains("6 journeys with touchpoints that name no campaign are left out")
                && html.contains("Meta Ads (also \u{201c}Beta\u{201d})"),
            "{html}"
        );

        // Alpha deleted: its journey goes with it, and Beta now runs Meta alone.
        let r = app
            .request(
                &app.client,
                Method::DELETE,
                &format!("/api/campaigns/{alpha}"),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let b = attribution(&ids[1]).await;
        assert_eq!(b["set_aside"], Value::Null, "{b}");
        assert_eq!(revenue(&b, "meta"), json!("400.00"), "{b}");
    }
}
