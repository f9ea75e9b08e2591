//! Golden requests: a fixed story of API calls whose every answer (status, content type and body,
//! byte for byte) is compared with `tests/fixtures/golden-api/`.
//!
//! It pins the API's behaviour while the code behind it moves: the refactors of issue 12 must not
//! change one byte of an answer. Only what is truly random is normalised: ids (UUIDs) become
//! `<id-N>` numbered by first appearance, the API token `<token>`. Timestamps come from the test
//! server's fixed clock and stay as they are. `SPENDLENS_BLESS=1` rewrites the fixtures (from the
//! first backend of the run; the others are still compared with them).

use std::path::PathBuf;

use reqwest::multipart::{Form, Part};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, database_urls, new_client};

const KEY: &str = "5f1c9a7e3b2d4c6a8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f";

/// The story's requests and answers, checked or written one by one.
struct Golden {
    dir: PathBuf,
    bless: bool,
    backend: &'static str,
    step: usize,
    /// Raw id -> placeholder, in order of first appearance.
    ids: Vec<(String, String)>,
    failures: Vec<String>,
}

/// An outgoing body.
enum Body {
    None,
    Json(Value),
    /// Multipart fields: (name, file name if a file, bytes).
    Multipart(Vec<(&'static str, Option<&'static str>, Vec<u8>)>),
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

/// Whether `s[i..]` starts with a hyphenated UUID (8-4-4-4-12 hex).
fn uuid_at(s: &[u8], i: usize) -> bool {
    let Some(w) = s.get(i..i + 36) else {
        return false;
    };
    w.iter().enumerate().all(|(k, b)| match k {
        8 | 13 | 18 | 23 => *b == b'-',
        _ => is_hex(*b),
    })
}

impl Golden {
    fn new(backend: &'static str, bless: bool) -> Golden {
        Golden {
            dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden-api"),
            bless,
            backend,
            step: 0,
            ids: Vec::new(),
            failures: Vec::new(),
        }
    }

    /// Replaces UUIDs and API tokens with stable placeholders.
    fn normalise(&mut self, text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < bytes.len() {
            let boundary = i == 0 || !is_hex(bytes[i - 1]);
            if boundary && uuid_at(bytes, i) && !bytes.get(i + 36).copied().is_some_and(is_hex) {
                let raw = &text[i..i + 36];
                let n = self.ids.len() + 1;
                let placeholder = match self.ids.iter().find(|(r, _)| r == raw) {
                    Some((_, p)) => p.clone(),
                    None => {
                        let p = format!("<id-{n}>");
                        self.ids.push((raw.to_owned(), p.clone()));
                        p
                    }
                };
                out.push_str(&placeholder);
                i += 36;
                continue;
            }
            if text[i..].starts_with("sl_")
                && bytes
                    .get(i + 3..i + 67)
                    .is_some_and(|t| t.iter().all(|b| is_hex(*b)))
            {
                out.push_str("<token>");
                i += 67;
                continue;
            }
            let ch = text[i..].chars().next().unwrap_or_default();
            out.push(ch);
            i += ch.len_utf8();
        }
        out
    }

    /// Sends a request, records its answer under `name` and returns the JSON body (or null).
    async fn call(
        &mut self,
        app: &TestApp,
        client: &Client,
        name: &str,
        method: Method,
        path: &str,
        body: Body,
    ) -> Value {
        let mut req = client.request(method.clone(), format!("{}{path}", app.base));
        req = match body {
            Body::None => req,
            Body::Json(v) => req.json(&v),
            Body::Multipart(fields) => {
                let mut form = Form::new();
                for (field, file, bytes) in fields {
                    let mut part = Part::bytes(bytes);
                    if let Some(f) = file {
                        part = part.file_name(f);
                    }
                    form = form.part(field, part);
                }
                req.multipart(form)
            }
        };
        let r = req.send().await.unwrap_or_else(|e| panic!("{name}: {e}"));
        let status = r.status();
        let content_type = r
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = r.text().await.unwrap_or_default();
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        self.step += 1;
        let record = format!(
            "{method} {}\n{} {content_type}\n\n{}\n",
            self.normalise(path),
            status.as_u16(),
            self.normalise(&text)
        );
        let file = self.dir.join(format!("{:03}-{name}.txt", self.step));
        if self.bless {
            std::fs::create_dir_all(&self.dir).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(&file, &record).unwrap_or_else(|e| panic!("{e}"));
        } else {
            let expected = std::fs::read_to_string(&file).unwrap_or_default();
            if expected != record {
                self.failures.push(format!(
                    "{} ({}):\n--- expected\n{expected}\n--- got\n{record}",
                    file.display(),
                    self.backend
                ));
            }
        }
        json
    }

    fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{} answers differ from the golden files:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// Daily rows of every platform over 1..=`days` of November.
fn november_rows(days: u32) -> Value {
    let mut rows = Vec::new();
    for d in 1..=days {
        let date = format!("2026-11-{d:02}");
        rows.push(json!({"date": date, "platform": "linkedin", "external_campaign_id": "li-1",
            "spend": "80.50", "impressions": 4000, "engagements": 300, "clicks": 40, "conversions": "2"}));
        rows.push(
            json!({"date": date, "platform": "meta", "external_campaign_id": "fb-1",
            "spend": "120.25", "impressions": 9000, "clicks": 150, "conversions": "3.5",
            "conversion_value": "210.00"}),
        );
        rows.push(
            json!({"date": date, "platform": "google_ads", "spend": "60",
            "impressions": 2500, "clicks": 90, "conversions": 4, "revenue": "380.40"}),
        );
        rows.push(
            json!({"date": date, "platform": "ga4", "conversions": 6, "revenue": "540.00",
            "engagements": 700}),
        );
    }
    rows.push(
        json!({"date": "2026-11-10", "platform": "custom_integration", "spend": "900",
        "impressions": 30000, "engagements": 12000, "clicks": 700, "conversions": 20}),
    );
    rows.push(
        json!({"date": "2026-11-11", "platform": "sheets", "spend": "650",
        "impressions": 52000, "engagements": 800, "clicks": 410, "conversions": 9}),
    );
    json!({ "rows": rows })
}

/// A small deterministic generator (xorshift) for the optimisation history.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// 90 days up to 2026-11-20 for three platforms, revenue on a Hill curve with noise.
fn history_rows() -> Value {
    history_rows_ending(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default())
}

/// 90 days up to `last` for three platforms, revenue on a Hill curve with noise.
fn history_rows_ending(last: chrono::NaiveDate) -> Value {
    let mut rng = Rng(0x5EED_2026);
    let start = last - chrono::Days::new(89);
    let curves = [
        ("meta", 3000.0, 150.0, 1.0),
        ("google_ads", 5000.0, 300.0, 0.9),
        ("linkedin", 1500.0, 200.0, 1.4),
    ];
    let mut rows = Vec::new();
    for d in 0..90u64 {
        let date = start + chrono::Days::new(d);
        for (platform, beta, k, s) in curves {
            let spend: f64 = 20.0 + rng.next() * 380.0;
            let clean = beta * spend.powf(s) / (spend.powf(s) + f64::powf(k, s));
            let revenue = clean * (0.97 + 0.06 * rng.next());
            rows.push(json!({"date": date.to_string(), "platform": platform,
                "spend": format!("{spend:.2}"), "clicks": 10,
                "conversions": format!("{:.2}", revenue / 50.0), "revenue": format!("{revenue:.2}")}));
        }
    }
    json!({ "rows": rows })
}

const IMPORT_CSV: &str = "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue\n\
2026-11-18,meta,m2,100.10,1000,0,20,1.5,,\n\
2026-11-19,meta,m2,1200.20,2000,0,30,2,,\n\
2026-11-19,linkedin,l2,50,500,40,5,0.5,,\n";

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

fn file(name: &'static str, text: &str) -> Body {
    Body::Multipart(vec![("file", Some(name), text.as_bytes().to_vec())])
}

#[tokio::test]
async fn the_api_answers_as_the_golden_files_say() {
    let bless = std::env::var("SPENDLENS_BLESS").is_ok_and(|v| v == "1");
    let mut blessed = false;
    for url in database_urls().await {
        let app = TestApp::spawn_with(&url, |s| s.secret_key = Some(KEY.to_owned().into())).await;
        let do_bless = bless && !blessed;
        if do_bless {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden-api");
            let _ = std::fs::remove_dir_all(&dir);
        }
        let mut g = Golden::new(app.backend, do_bless);
        story(&app, &mut g, &url).await;
        blessed = true;
        g.finish();
    }
}

async fn story(app: &TestApp, g: &mut Golden, url: &str) {
    use Method as M;
    let c = &app.client;
    let anonymous = new_client();
    let other = new_client();

    // Accounts.
    g.call(
        app,
        c,
        "register-invalid",
        M::POST,
        "/api/auth/register",
        Body::Json(
            json!({"email": "nope", "password": "short", "organization_name": " ", "extra": 1}),
        ),
    )
    .await;
    g.call(
        app,
        c,
        "register",
        M::POST,
        "/api/auth/register",
        Body::Json(
            json!({"email": "Golden@Example.com", "password": "correct horse battery",
                          "organization_name": "Golden Org"}),
        ),
    )
    .await;
    g.call(
        app,
        &anonymous,
        "register-taken",
        M::POST,
        "/api/auth/register",
        Body::Json(
            json!({"email": "golden@example.com", "password": "correct horse battery",
                          "organization_name": "Again"}),
        ),
    )
    .await;
    // A later registration is answered 202 like the taken one above; the step records the
    // following of its link, which creates the account and signs `other` in.
    let r = app
        .request(
            &other,
            M::POST,
            "/api/auth/register",
            Some(
                &json!({"email": "other@example.com", "password": "correct horse battery",
                         "organization_name": "Other Org"}),
            ),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED, "{}", app.backend);
    let link = app.link_token("other@example.com").await;
    g.call(
        app,
        &other,
        "register-other",
        M::POST,
        "/api/auth/verify",
        Body::Json(json!({ "token": link })),
    )
    .await;
    g.call(
        app,
        &anonymous,
        "unauthenticated",
        M::GET,
        "/api/campaigns",
        Body::None,
    )
    .await;
    g.call(
        app,
        &anonymous,
        "login-bad",
        M::POST,
        "/api/auth/login",
        Body::Json(json!({"email": "golden@example.com", "password": "wrong password!"})),
    )
    .await;
    g.call(
        app,
        &anonymous,
        "login-invalid",
        M::POST,
        "/api/auth/login",
        Body::Json(json!({"email": 5})),
    )
    .await;
    g.call(
        app,
        c,
        "token",
        M::POST,
        "/api/tokens",
        Body::Json(json!({"name": "ci"})),
    )
    .await;
    g.call(
        app,
        c,
        "token-invalid",
        M::POST,
        "/api/tokens",
        Body::Json(json!({"name": " "})),
    )
    .await;

    // Campaigns.
    g.call(
        app,
        c,
        "campaign-invalid",
        M::POST,
        "/api/campaigns",
        Body::Json(
            json!({"budget": "-1", "start_date": "2026-12-01", "end_date": "2026-11-01",
                          "time_zone": "Mars/Base", "currency": "usdollar"}),
        ),
    )
    .await;
    g.call(
        app,
        c,
        "campaign-bad-date",
        M::POST,
        "/api/campaigns",
        Body::Json(json!({"name": "X", "start_date": "2026-13-01"})),
    )
    .await;
    let created = g.call(app, c, "campaign-create", M::POST, "/api/campaigns",
        Body::Json(json!({"name": "Q4 Lead Gen", "currency": "USD", "budget": "9000.00",
                          "start_date": "2026-11-01", "end_date": "2026-12-15", "time_zone": "UTC"}))).await;
    let id = s(&created["id"]);
    let created = g.call(app, c, "campaign-create-second", M::POST, "/api/campaigns",
        Body::Json(json!({"name": "Always on", "currency": "USD", "budget": "500000.00",
                          "start_date": "2026-08-01", "end_date": "2026-12-31", "time_zone": "UTC"}))).await;
    let id2 = s(&created["id"]);
    let created = g
        .call(
            app,
            c,
            "campaign-create-third",
            M::POST,
            "/api/campaigns",
            Body::Json(json!({"name": "Brief", "time_zone": "Europe/Berlin"})),
        )
        .await;
    let id3 = s(&created["id"]);
    g.call(
        app,
        c,
        "campaign-list",
        M::GET,
        "/api/campaigns",
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "campaign-get",
        M::GET,
        &format!("/api/campaigns/{id}"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "campaign-patch",
        M::PATCH,
        &format!("/api/campaigns/{id3}"),
        Body::Json(json!({"budget": 1200.5, "end_date": "2026-12-01"})),
    )
    .await;
    g.call(
        app,
        c,
        "campaign-patch-invalid",
        M::PATCH,
        &format!("/api/campaigns/{id3}"),
        Body::Json(json!({"start_date": "2027-01-01", "colour": "red"})),
    )
    .await;
    g.call(
        app,
        c,
        "campaign-patch-not-object",
        M::PATCH,
        &format!("/api/campaigns/{id3}"),
        Body::Json(json!([1])),
    )
    .await;
    g.call(
        app,
        c,
        "campaign-unknown",
        M::GET,
        "/api/campaigns/no-such-campaign",
        Body::None,
    )
    .await;
    g.call(
        app,
        &other,
        "campaign-other-org",
        M::GET,
        &format!("/api/campaigns/{id}"),
        Body::None,
    )
    .await;

    // Platform settings.
    g.call(
        app,
        c,
        "settings-put",
        M::PUT,
        &format!("/api/campaigns/{id}/settings"),
        Body::Json(
            json!({"linkedin_conversion_value": "120", "ga4_average_order_value": 80,
                          "custom_integration_average_order_value": "95.5"}),
        ),
    )
    .await;
    g.call(
        app,
        c,
        "settings-invalid",
        M::PUT,
        &format!("/api/campaigns/{id}/settings"),
        Body::Json(json!({"linkedin_conversion_value": "abc", "x": 1})),
    )
    .await;
    g.call(
        app,
        c,
        "settings-get",
        M::GET,
        &format!("/api/campaigns/{id}/settings"),
        Body::None,
    )
    .await;

    // Metrics.
    g.call(
        app,
        c,
        "metrics-invalid",
        M::POST,
        &format!("/api/campaigns/{id}/metrics"),
        Body::Json(json!({"rows": [
            {"date": "2026-11-01", "platform": "meta", "spend": "abc"},
            {"platform": "tiktok", "clicks": -3},
            {"date": "2026-02-30", "platform": "meta", "currency": "EUR", "spend": 1},
            "row"
        ]})),
    )
    .await;
    g.call(
        app,
        c,
        "metrics-not-array",
        M::POST,
        &format!("/api/campaigns/{id}/metrics"),
        Body::Json(json!({"rows": {}})),
    )
    .await;
    g.call(
        app,
        c,
        "metrics-post",
        M::POST,
        &format!("/api/campaigns/{id}/metrics"),
        Body::Json(november_rows(20)),
    )
    .await;
    g.call(
        app,
        c,
        "metrics-repost",
        M::POST,
        &format!("/api/campaigns/{id}/metrics"),
        Body::Json(november_rows(20)),
    )
    .await;
    g.call(
        app,
        &other,
        "metrics-other-org",
        M::POST,
        &format!("/api/campaigns/{id}/metrics"),
        Body::Json(november_rows(1)),
    )
    .await;

    // Imports.
    let imports = format!("/api/campaigns/{id}/imports");
    g.call(
        app,
        c,
        "import-dry-run",
        M::POST,
        &format!("{imports}?dry_run=true"),
        file("export.csv", IMPORT_CSV),
    )
    .await;
    g.call(
        app,
        c,
        "import",
        M::POST,
        &imports,
        file("export.csv", IMPORT_CSV),
    )
    .await;
    g.call(
        app,
        c,
        "import-again",
        M::POST,
        &imports,
        file("export.csv", IMPORT_CSV),
    )
    .await;
    g.call(
        app,
        c,
        "import-bad-row",
        M::POST,
        &imports,
        file(
            "bad.csv",
            &format!("{IMPORT_CSV}2026-11-20,meta,m2,abc,1,0,1,1,,\n"),
        ),
    )
    .await;
    g.call(
        app,
        c,
        "import-bad-dry-run",
        M::POST,
        &format!("{imports}?dry_run=maybe"),
        file("export.csv", IMPORT_CSV),
    )
    .await;
    g.call(
        app,
        c,
        "import-unknown-field",
        M::POST,
        &imports,
        Body::Multipart(vec![
            ("file", Some("export.csv"), IMPORT_CSV.as_bytes().to_vec()),
            ("colour", None, b"red".to_vec()),
        ]),
    )
    .await;
    g.call(
        app,
        c,
        "import-no-file",
        M::POST,
        &imports,
        Body::Multipart(vec![("source", None, b"canonical".to_vec())]),
    )
    .await;
    g.call(
        app,
        c,
        "import-bad-rate",
        M::POST,
        &imports,
        Body::Multipart(vec![
            ("rate", None, b"-1".to_vec()),
            ("file", Some("export.csv"), IMPORT_CSV.as_bytes().to_vec()),
        ]),
    )
    .await;
    g.call(
        app,
        c,
        "import-bad-source",
        M::POST,
        &imports,
        Body::Multipart(vec![
            ("source", None, b"tiktok".to_vec()),
            ("file", Some("export.csv"), IMPORT_CSV.as_bytes().to_vec()),
        ]),
    )
    .await;
    g.call(
        app,
        c,
        "import-not-multipart",
        M::POST,
        &imports,
        Body::Json(json!({})),
    )
    .await;
    g.call(
        app,
        &other,
        "import-other-org",
        M::POST,
        &imports,
        file("export.csv", IMPORT_CSV),
    )
    .await;

    // The analysis and its snapshots.
    let analysis = format!("/api/campaigns/{id}/financial-analysis");
    g.call(
        app,
        c,
        "analysis-as-of",
        M::GET,
        &format!("{analysis}?as_of=2026-11-21"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "analysis-today-30d",
        M::GET,
        &format!("{analysis}?compare=30d"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "analysis-bad-date",
        M::GET,
        &format!("{analysis}?as_of=2026-13-01"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "analysis-short-date",
        M::GET,
        &format!("{analysis}?as_of=2026-1-5"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "analysis-bad-compare",
        M::GET,
        &format!("{analysis}?compare=2w"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "analysis-unknown",
        M::GET,
        "/api/campaigns/nope/financial-analysis",
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "analysis-empty",
        M::GET,
        &format!("/api/campaigns/{id3}/financial-analysis"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "snapshots",
        M::GET,
        &format!("/api/campaigns/{id}/snapshots"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "snapshots-date",
        M::GET,
        &format!("/api/campaigns/{id}/snapshots?date=2026-11-20"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "snapshots-bad-date",
        M::GET,
        &format!("/api/campaigns/{id}/snapshots?date=20-11-2026"),
        Body::None,
    )
    .await;

    // The seed's endpoints.
    for (name, path) in [
        ("seed-linkedin", format!("/api/linkedin/metrics/{id}")),
        ("seed-custom", format!("/api/custom-integration/{id}")),
        ("seed-meta", format!("/api/meta/{id}/analytics")),
        ("seed-ga4", format!("/api/campaigns/{id}/ga4-metrics")),
        (
            "seed-sheets",
            format!("/api/campaigns/{id}/google-sheets-data"),
        ),
        ("seed-linkedin-none", format!("/api/linkedin/metrics/{id3}")),
        ("seed-custom-none", format!("/api/custom-integration/{id3}")),
        ("seed-meta-none", format!("/api/meta/{id3}/analytics")),
        ("seed-ga4-none", format!("/api/campaigns/{id3}/ga4-metrics")),
        (
            "seed-sheets-none",
            format!("/api/campaigns/{id3}/google-sheets-data"),
        ),
        ("seed-unknown", "/api/linkedin/metrics/nope".to_owned()),
    ] {
        g.call(app, c, name, M::GET, &path, Body::None).await;
    }

    // The cost ledger.
    let costs = format!("/api/campaigns/{id}/costs");
    let entry = g
        .call(
            app,
            c,
            "cost-create",
            M::POST,
            &costs,
            Body::Json(
                json!({"category": "creative_production", "amount": "300.00", "resource_hours": 12,
                          "fixed_cost_allocation": "50", "incurred_on": "2026-11-01"}),
            ),
        )
        .await;
    let entry = s(&entry["id"]);
    g.call(app, c, "cost-unknown-field", M::POST, &costs,
        Body::Json(json!({"category": "media_spend", "amount": "-5", "colour": "red", "allocation_date": true}))).await;
    g.call(
        app,
        c,
        "cost-invalid",
        M::POST,
        &costs,
        Body::Json(
            json!({"category": "media_spend", "amount": "-5", "attribution_method": "linear",
                          "allocation_date": "11/02/2026", "platform": "meta"}),
        ),
    )
    .await;
    g.call(
        app,
        c,
        "cost-overhead",
        M::POST,
        &costs,
        Body::Json(json!({"category": "operational_overhead", "amount": "1"})),
    )
    .await;
    g.call(
        app,
        c,
        "cost-no-category",
        M::POST,
        &costs,
        Body::Json(json!({"amount": "1"})),
    )
    .await;
    g.call(
        app,
        c,
        "cost-not-object",
        M::POST,
        &costs,
        Body::Json(json!("cost")),
    )
    .await;
    g.call(
        app,
        c,
        "cost-get",
        M::GET,
        &format!("{costs}/{entry}"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "cost-put",
        M::PUT,
        &format!("{costs}/{entry}"),
        Body::Json(
            json!({"category": "platform_fees", "amount": 99, "platform": "Google Ads",
                          "billing_period": "2026-11", "currency": "usd"}),
        ),
    )
    .await;
    g.call(
        app,
        c,
        "cost-put-invalid",
        M::PUT,
        &format!("{costs}/{entry}"),
        Body::Json(json!({"category": "platform_fees", "amount": "1,000", "billing_period": "Q5"})),
    )
    .await;
    let media = g.call(app, c, "cost-create-media", M::POST, &costs,
        Body::Json(json!({"category": "media_spend", "amount": "1500", "attribution_method": "first_touch",
                          "allocation_date": "2026-11-02"}))).await;
    let media = s(&media["id"]);
    g.call(app, c, "cost-list", M::GET, &costs, Body::None)
        .await;
    g.call(
        app,
        c,
        "cost-delete",
        M::DELETE,
        &format!("{costs}/{media}"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "cost-deleted",
        M::GET,
        &format!("{costs}/{media}"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "cost-delete-again",
        M::DELETE,
        &format!("{costs}/{media}"),
        Body::None,
    )
    .await;
    g.call(
        app,
        &other,
        "cost-other-org",
        M::GET,
        &format!("{costs}/{entry}"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "cost-wrong-campaign",
        M::GET,
        &format!("/api/campaigns/{id2}/costs/{entry}"),
        Body::None,
    )
    .await;

    // Ledger CSV import.
    let import = format!("{costs}/import");
    g.call(
        app,
        c,
        "ledger-import",
        M::POST,
        &import,
        file(
            "ledger.csv",
            "category,amount,attribution_method,allocation_date,resource_hours,incurred_on\n\
         media_spend,200,last_touch,2026-11-03,,\n\
         creative_production,75.5,,,4,2026-11-02\n",
        ),
    )
    .await;
    g.call(
        app,
        c,
        "ledger-import-bad",
        M::POST,
        &import,
        file(
            "ledger.csv",
            "category,amount,attribution_method,allocation_date,resource_hours,incurred_on\n\
         media_spend,200,last_touch,2026-11-03,,\n\
         creative_production,abc,,,4,2026-11-02\n",
        ),
    )
    .await;
    g.call(app, c, "ledger-import-foreign", M::POST, &import, file("ledger.csv",
        &format!("category,campaign_id,amount,attribution_method,allocation_date,allocation_method,reporting_period\n\
         media_spend,{id2},200,last_touch,2026-11-03,,\n\
         operational_overhead,,10,,,headcount,2026-11\n"))).await;
    g.call(
        app,
        c,
        "ledger-import-unknown-field",
        M::POST,
        &import,
        Body::Multipart(vec![("sheet", None, b"1".to_vec())]),
    )
    .await;
    g.call(
        app,
        c,
        "ledger-import-no-file",
        M::POST,
        &import,
        Body::Multipart(vec![]),
    )
    .await;
    g.call(
        app,
        c,
        "ledger-import-not-multipart",
        M::POST,
        &import,
        Body::Json(json!({})),
    )
    .await;

    // Overhead.
    let overhead = g.call(app, c, "overhead-create", M::POST, "/api/overhead",
        Body::Json(json!({"amount": "1200", "allocation_method": "headcount", "reporting_period": "2026-Q4"}))).await;
    let overhead = s(&overhead["id"]);
    g.call(
        app,
        c,
        "overhead-invalid",
        M::POST,
        "/api/overhead",
        Body::Json(
            json!({"amount": "x", "allocation_method": "random", "category": "media_spend"}),
        ),
    )
    .await;
    g.call(
        app,
        c,
        "overhead-invalid-fields",
        M::POST,
        "/api/overhead",
        Body::Json(json!({"amount": "x", "allocation_method": "random", "reporting_period": "2026-Q9", "currency": "EURO"})),
    )
    .await;
    g.call(app, c, "overhead-list", M::GET, "/api/overhead", Body::None)
        .await;
    g.call(
        app,
        c,
        "overhead-get",
        M::GET,
        &format!("/api/overhead/{overhead}"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "overhead-put",
        M::PUT,
        &format!("/api/overhead/{overhead}"),
        Body::Json(
            json!({"amount": "900", "currency": "EUR", "allocation_method": "time_based",
                          "reporting_period": "2026-11"}),
        ),
    )
    .await;
    g.call(app, c, "overhead-put-unknown", M::PUT, "/api/overhead/no-such-entry",
        Body::Json(json!({"amount": "900", "allocation_method": "time_based", "reporting_period": "2026-11"}))).await;
    g.call(
        app,
        &other,
        "overhead-other-org",
        M::GET,
        &format!("/api/overhead/{overhead}"),
        Body::None,
    )
    .await;
    g.call(
        app,
        &other,
        "overhead-other-org-create",
        M::POST,
        "/api/overhead",
        Body::Json(
            json!({"amount": "10", "allocation_method": "headcount", "reporting_period": "2026"}),
        ),
    )
    .await;

    // Headcount.
    let headcount = format!("/api/campaigns/{id}/headcount");
    g.call(app, c, "headcount-get", M::GET, &headcount, Body::None)
        .await;
    g.call(
        app,
        c,
        "headcount-put",
        M::PUT,
        &headcount,
        Body::Json(json!({"headcount": 3, "attribution_method": "last_touch"})),
    )
    .await;
    g.call(
        app,
        c,
        "headcount-invalid",
        M::PUT,
        &headcount,
        Body::Json(json!({"headcount": -1, "attribution_method": "x", "y": 1})),
    )
    .await;
    g.call(
        app,
        c,
        "headcount-empty",
        M::PUT,
        &headcount,
        Body::Json(json!({})),
    )
    .await;
    g.call(
        app,
        c,
        "headcount-not-object",
        M::PUT,
        &headcount,
        Body::Json(json!(3)),
    )
    .await;
    g.call(
        app,
        c,
        "headcount-unknown",
        M::GET,
        "/api/campaigns/nope/headcount",
        Body::None,
    )
    .await;

    // The rates the EUR overhead needs (the webhook comes last).
    g.call(
        app,
        c,
        "finance-settings-rates",
        M::PUT,
        "/api/finance/settings",
        Body::Json(json!({"rates": [{"from": "EUR", "to": "USD", "rate": "1.10"}]})),
    )
    .await;

    // ROI, budget, alerts.
    let roi = format!("/api/campaigns/{id}/roi");
    g.call(app, c, "roi", M::GET, &roi, Body::None).await;
    g.call(
        app,
        c,
        "roi-window",
        M::GET,
        &format!("{roi}?from=2026-11-05&to=2026-11-15"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "roi-bad-date",
        M::GET,
        &format!("{roi}?from=5.11.2026"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "roi-reversed",
        M::GET,
        &format!("{roi}?from=2026-11-20&to=2026-11-01"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "roi-unknown",
        M::GET,
        "/api/campaigns/nope/roi",
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "roi-empty",
        M::GET,
        &format!("/api/campaigns/{id3}/roi"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "budget",
        M::GET,
        &format!("/api/campaigns/{id}/budget-consumption"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "budget-unknown",
        M::GET,
        "/api/campaigns/nope/budget-consumption",
        Body::None,
    )
    .await;
    g.call(app, c, "alerts", M::GET, "/api/alerts", Body::None)
        .await;
    g.call(
        app,
        c,
        "alerts-campaign",
        M::GET,
        &format!("/api/alerts?campaign_id={id3}"),
        Body::None,
    )
    .await;

    // The financial report.
    let report = "/api/reports/financial";
    g.call(
        app,
        c,
        "report-json",
        M::GET,
        &format!("{report}?from=2026-11-01&to=2026-11-30"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "report-csv",
        M::GET,
        &format!("{report}?from=2026-11-01&to=2026-11-30&format=csv"),
        Body::None,
    )
    .await;
    g.call(app, c, "report-missing", M::GET, report, Body::None)
        .await;
    g.call(
        app,
        c,
        "report-bad-date",
        M::GET,
        &format!("{report}?from=2026-11-01&to=tomorrow"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "report-reversed",
        M::GET,
        &format!("{report}?from=2026-11-30&to=2026-11-01"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "report-bad-format",
        M::GET,
        &format!("{report}?from=2026-11-01&to=2026-11-30&format=doc"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "report-bad-currency",
        M::GET,
        &format!("{report}?from=2026-11-01&to=2026-11-30&currency=EURO"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "report-missing-rate",
        M::GET,
        &format!("{report}?from=2026-11-01&to=2026-11-30&currency=gbp"),
        Body::None,
    )
    .await;

    // Attribution.
    let touchpoints = "/api/attribution/touchpoints";
    g.call(
        app,
        c,
        "touchpoints-dry-run",
        M::POST,
        &format!("{touchpoints}?dry_run=true"),
        file("t.csv", TOUCHPOINTS),
    )
    .await;
    g.call(
        app,
        c,
        "touchpoints",
        M::POST,
        touchpoints,
        file("t.csv", TOUCHPOINTS),
    )
    .await;
    g.call(app, c, "touchpoints-bad", M::POST, touchpoints,
        file("t.csv", "journey_id,timestamp,event,channel,value\nj1,yesterday,touch,meta,\nj1,2026-11-01T00:00:00Z,click,meta,\n")).await;
    g.call(
        app,
        c,
        "touchpoints-unknown-field",
        M::POST,
        touchpoints,
        Body::Multipart(vec![(
            "csv",
            Some("t.csv"),
            TOUCHPOINTS.as_bytes().to_vec(),
        )]),
    )
    .await;
    g.call(
        app,
        c,
        "touchpoints-no-file",
        M::POST,
        touchpoints,
        Body::Multipart(vec![]),
    )
    .await;
    g.call(
        app,
        c,
        "touchpoints-bad-dry-run",
        M::POST,
        &format!("{touchpoints}?dry_run=yes"),
        file("t.csv", TOUCHPOINTS),
    )
    .await;
    let attribution = format!("/api/campaigns/{id}/attribution");
    g.call(
        app,
        c,
        "attribution-all",
        M::GET,
        &format!("{attribution}?model=all&from=2026-11-01&to=2026-11-20"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "attribution-last-touch",
        M::GET,
        &format!("{attribution}?model=last_touch&from=2026-11-01&to=2026-11-20"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "attribution-markov-auto",
        M::GET,
        &format!("{attribution}?model=markov&order=auto&from=2026-11-01&to=2026-11-20"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "attribution-default",
        M::GET,
        &attribution,
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "attribution-bad-model",
        M::GET,
        &format!("{attribution}?model=nope"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "attribution-bad-order",
        M::GET,
        &format!("{attribution}?order=9"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "attribution-bad-date",
        M::GET,
        &format!("{attribution}?from=2026-11-1"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "attribution-reversed",
        M::GET,
        &format!("{attribution}?from=2026-11-20&to=2026-11-01"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "attribution-chart",
        M::GET,
        &format!("{attribution}/chart.svg?from=2026-11-01&to=2026-11-20"),
        Body::None,
    )
    .await;
    let model = format!("/api/campaigns/{id}/attribution-model");
    g.call(app, c, "attribution-model", M::GET, &model, Body::None)
        .await;
    g.call(
        app,
        c,
        "attribution-model-put",
        M::PUT,
        &model,
        Body::Json(json!({"model": "linear"})),
    )
    .await;
    g.call(
        app,
        c,
        "attribution-model-bad",
        M::PUT,
        &model,
        Body::Json(json!({"model": "best", "x": 1})),
    )
    .await;
    g.call(
        app,
        c,
        "attribution-model-not-string",
        M::PUT,
        &model,
        Body::Json(json!({"model": 3})),
    )
    .await;
    g.call(
        app,
        c,
        "attribution-model-after",
        M::GET,
        &model,
        Body::None,
    )
    .await;
    g.call(app, c, "roi-after-attribution", M::GET, &roi, Body::None)
        .await;
    g.call(
        app,
        &other,
        "attribution-other-org",
        M::GET,
        &attribution,
        Body::None,
    )
    .await;

    // Budget optimisation.
    let optimisation = format!("/api/campaigns/{id2}/budget-optimization");
    g.call(
        app,
        c,
        "optimization-no-history",
        M::POST,
        &optimisation,
        Body::Json(json!({})),
    )
    .await;
    g.call(
        app,
        c,
        "optimization-history",
        M::POST,
        &format!("/api/campaigns/{id2}/metrics"),
        Body::Json(history_rows()),
    )
    .await;
    g.call(
        app,
        c,
        "optimization",
        M::POST,
        &optimisation,
        Body::Json(json!({"total_budget": "30000", "weeks": 4})),
    )
    .await;
    g.call(app, c, "optimization-invalid", M::POST, &optimisation,
        Body::Json(json!({"weeks": 0, "objective": "fame", "to": "2026-12-01", "bounds": {"tiktok": {"min": 1}}}))).await;
    g.call(
        app,
        c,
        "optimization-curves",
        M::GET,
        &format!("{optimisation}/curves.svg"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "optimization-unknown",
        M::POST,
        "/api/campaigns/nope/budget-optimization",
        Body::Json(json!({})),
    )
    .await;

    // Finance settings (last: a webhook set now delivers nothing, no alert is raised after it).
    g.call(
        app,
        c,
        "finance-settings",
        M::GET,
        "/api/finance/settings",
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "finance-settings-invalid",
        M::PUT,
        "/api/finance/settings",
        Body::Json(
            json!({"cost_of_capital": "2", "webhook_url": "ftp://x", "webhook_secret": "",
                          "colour": 1}),
        ),
    )
    .await;
    g.call(
        app,
        c,
        "finance-settings-bad-types",
        M::PUT,
        "/api/finance/settings",
        Body::Json(json!({"cost_of_capital": true, "webhook_url": 5, "rates": {}})),
    )
    .await;
    g.call(app, c, "finance-settings-bad-rates", M::PUT, "/api/finance/settings",
        Body::Json(json!({"rates": [{"from": "EUR", "to": "USD", "rate": "abc"}, {"from": "GBP", "to": "USD"}]}))).await;
    g.call(app, c, "finance-settings-bad-table", M::PUT, "/api/finance/settings",
        Body::Json(json!({"rates": [{"from": "EUR", "to": "EUR", "rate": "0"}, {"from": "euro", "to": "USD", "rate": 1}]}))).await;
    g.call(
        app,
        c,
        "finance-settings-not-object",
        M::PUT,
        "/api/finance/settings",
        Body::Json(json!([])),
    )
    .await;
    g.call(app, c, "finance-settings-put", M::PUT, "/api/finance/settings",
        Body::Json(json!({"cost_of_capital": 0.1, "rates": [{"from": "eur", "to": "usd", "rate": "1.0850"}],
                          "webhook_url": " https://hooks.example.com/x ", "webhook_secret": "s3cret"}))).await;
    g.call(
        app,
        c,
        "finance-settings-after",
        M::GET,
        "/api/finance/settings",
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "report-converted",
        M::GET,
        &format!("{report}?from=2026-11-01&to=2026-11-30&currency=EUR"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "finance-settings-clear",
        M::PUT,
        "/api/finance/settings",
        Body::Json(json!({"webhook_url": null, "webhook_secret": null})),
    )
    .await;
    g.call(
        app,
        c,
        "finance-settings-cleared",
        M::GET,
        "/api/finance/settings",
        Body::None,
    )
    .await;

    // Deletion and sign-out.
    g.call(
        app,
        c,
        "campaign-delete",
        M::DELETE,
        &format!("/api/campaigns/{id3}"),
        Body::None,
    )
    .await;
    g.call(
        app,
        c,
        "campaign-deleted",
        M::GET,
        &format!("/api/campaigns/{id3}"),
        Body::None,
    )
    .await;
    g.call(app, c, "logout", M::POST, "/api/auth/logout", Body::None)
        .await;
    g.call(app, c, "after-logout", M::GET, "/api/campaigns", Body::None)
        .await;

    // A server without a secret_key cannot store a webhook secret.
    let second = fresh_database(url).await;
    let plain = TestApp::spawn(&second).await;
    let pc = &plain.client;
    g.call(
        &plain,
        pc,
        "plain-register",
        M::POST,
        "/api/auth/register",
        Body::Json(
            json!({"email": "plain@example.com", "password": "correct horse battery",
                          "organization_name": "Plain"}),
        ),
    )
    .await;
    g.call(
        &plain,
        pc,
        "plain-webhook-secret",
        M::PUT,
        "/api/finance/settings",
        Body::Json(json!({"webhook_secret": "abc", "cost_of_capital": "0.05"})),
    )
    .await;

    // The API's description (every handler's documentation and schemas).
    g.call(
        app,
        &anonymous,
        "openapi",
        M::GET,
        "/api/openapi.json",
        Body::None,
    )
    .await;

    // Accounts, issue 13 (appended, so that the steps above keep their numbers).
    tokens_and_registration(app, g, &other, &anonymous).await;
    // Issue 14: the attribution files people have, and a history from an earlier year.
    attribution_files_and_history(app, g, &other).await;
    // Issue 14: named channels in the channel metrics API, the ROI and the report.
    named_channels(app, g, &other, &id).await;
    // Issue 14: a file spendlens cannot read by itself, its columns, a mapping, saved.
    column_mappings(app, g, &other, &id).await;
}

/// A report with headers spendlens does not know (Polish), decimal commas.
const UNKNOWN_HEADERS: &str = "Raport kampanii\n\
Dzień,Kampania,Koszt,Wyśw.\n\
2026-11-02,Jesień,\"1.234,56\",12.345\n\
2026-11-03,Jesień,\"7,05\",100\n";

/// Issue 14, item 5: the refusal, the file's columns, a dry run and an import with `map`
/// (saved), the saved mappings, and another organisation's campaign.
async fn column_mappings(app: &TestApp, g: &mut Golden, other: &Client, foreign: &str) {
    use Method as M;
    let created = g
        .call(
            app,
            other,
            "mapping-campaign",
            M::POST,
            "/api/campaigns",
            Body::Json(
                json!({"name": "Jesień", "currency": "USD", "budget": "5000.00",
                              "start_date": "2026-11-01", "end_date": "2026-11-30"}),
            ),
        )
        .await;
    let id = s(&created["id"]);
    let imports = format!("/api/campaigns/{id}/imports");
    g.call(
        app,
        other,
        "mapping-refused",
        M::POST,
        &imports,
        file("raport.csv", UNKNOWN_HEADERS),
    )
    .await;
    g.call(
        app,
        other,
        "mapping-columns",
        M::POST,
        &format!("{imports}/columns"),
        file("raport.csv", UNKNOWN_HEADERS),
    )
    .await;
    let mapped = |save: bool| {
        let mut parts = vec![
            (
                "file",
                Some("raport.csv"),
                UNKNOWN_HEADERS.as_bytes().to_vec(),
            ),
            (
                "map",
                None,
                "date=Dzień,campaign=Kampania,spend=Koszt,impressions=Wyśw."
                    .as_bytes()
                    .to_vec(),
            ),
        ];
        if save {
            parts.push(("save_map", None, b"true".to_vec()));
        }
        Body::Multipart(parts)
    };
    g.call(
        app,
        other,
        "mapping-dry-run",
        M::POST,
        &format!("{imports}?dry_run=true"),
        mapped(false),
    )
    .await;
    g.call(
        app,
        other,
        "mapping-import",
        M::POST,
        &imports,
        mapped(true),
    )
    .await;
    g.call(
        app,
        other,
        "mapping-saved",
        M::GET,
        &format!("/api/campaigns/{id}/column-mappings"),
        Body::None,
    )
    .await;
    g.call(
        app,
        other,
        "mapping-other-org",
        M::GET,
        &format!("/api/campaigns/{foreign}/column-mappings"),
        Body::None,
    )
    .await;
}

/// A channel file: a Meta row, TV on two days (spelt two ways), podcasts without impressions.
const CHANNEL_FILE: &str = "date,channel,spend,impressions,campaign,clicks\n\
2026-11-02,TV,1000.50,250000,,\n\
2026-11-02,meta,100.10,1000,m1,20\n\
2026-11-03,Podcasts,300,,,\n\
2026-11-03,tv,999.50,,,\n";

/// Issue 14, item 6: a campaign's named channels through `GET /api/campaigns/{id}/channels`
/// (all days, a window, a bad date, another organisation's campaign), and in its ROI and the
/// organisation's CSV report. `foreign` is a campaign of the first organisation.
async fn named_channels(app: &TestApp, g: &mut Golden, other: &Client, foreign: &str) {
    use Method as M;
    let created = g
        .call(
            app,
            other,
            "channels-campaign",
            M::POST,
            "/api/campaigns",
            Body::Json(
                json!({"name": "Radio and TV", "currency": "EUR", "budget": "10000.00",
                              "start_date": "2026-11-01", "end_date": "2026-11-30"}),
            ),
        )
        .await;
    let id = s(&created["id"]);
    g.call(
        app,
        other,
        "channels-import",
        M::POST,
        &format!("/api/campaigns/{id}/imports"),
        file("channels.csv", CHANNEL_FILE),
    )
    .await;
    let channels = format!("/api/campaigns/{id}/channels");
    g.call(app, other, "channels", M::GET, &channels, Body::None)
        .await;
    g.call(
        app,
        other,
        "channels-window",
        M::GET,
        &format!("{channels}?from=2026-11-03&to=2026-11-03"),
        Body::None,
    )
    .await;
    g.call(
        app,
        other,
        "channels-bad-date",
        M::GET,
        &format!("{channels}?from=2026-11-3"),
        Body::None,
    )
    .await;
    g.call(
        app,
        other,
        "channels-other-org",
        M::GET,
        &format!("/api/campaigns/{foreign}/channels"),
        Body::None,
    )
    .await;
    g.call(
        app,
        other,
        "channels-roi",
        M::GET,
        &format!("/api/campaigns/{id}/roi?from=2026-11-01&to=2026-11-21"),
        Body::None,
    )
    .await;
    // The organisation's other campaigns are in USD: the report needs a rate.
    g.call(
        app,
        other,
        "channels-rates",
        M::PUT,
        "/api/finance/settings",
        Body::Json(json!({"rates": [{"from": "EUR", "to": "USD", "rate": "1.25"}]})),
    )
    .await;
    g.call(
        app,
        other,
        "channels-report-csv",
        M::GET,
        "/api/reports/financial?from=2026-11-01&to=2026-11-30&format=csv",
        Body::None,
    )
    .await;
}

/// An event log shaped like the public Kaggle attribution file, rows out of order.
const EVENT_LOG: &str = "cookie,time,interaction,conversion,conversion_value,channel\n\
00000FkCnDfDDf0iC97iC703B,2018-07-17T19:15:07Z,impression,0,0.0,Online Display\n\
0000nACkD9nFkBBDECD3ki00E,2018-07-03T09:44:57Z,impression,0,0.0,Paid Search\n\
00000FkCnDfDDf0iC97iC703B,2018-07-03T13:02:11Z,impression,0,0.0,Instagram\n\
0000nACkD9nFkBBDECD3ki00E,2018-07-05T10:12:33Z,conversion,1,8.5,Paid Search\n\
00000FkCnDfDDf0iC97iC703B,2018-07-29T07:44:51Z,conversion,1,6.0,Facebook\n";

/// A ChannelAttribution path file, as its `Data` example is laid out.
const PATH_FILE: &str = "path;total_conversions;total_conversion_value;total_null\n\
eta > iota > alpha > eta;1;0.244;3\n\
iota > iota > iota > iota;2;3.195;6\n\
alpha > iota > alpha > alpha > alpha > iota > alpha > alpha > alpha > alpha > alpha;2;6.754;6\n\
beta > eta;1;2.402;3\n\
iota > eta > theta > lambda > lambda > theta > lambda;0;0;2\n";

/// Issue 14: an event log stored as touchpoints, a path file attributed whole (and refused as
/// touchpoints), and the budget optimisation of a campaign whose data is from 2023.
async fn attribution_files_and_history(app: &TestApp, g: &mut Golden, other: &Client) {
    use Method as M;
    let touchpoints = "/api/attribution/touchpoints";
    g.call(
        app,
        other,
        "event-log-dry-run",
        M::POST,
        &format!("{touchpoints}?dry_run=true"),
        file("attribution data.csv", EVENT_LOG),
    )
    .await;
    g.call(
        app,
        other,
        "touchpoints-path-file",
        M::POST,
        touchpoints,
        file("Data.csv", PATH_FILE),
    )
    .await;
    let paths = "/api/attribution/paths";
    g.call(
        app,
        other,
        "attribute-paths",
        M::POST,
        paths,
        file("Data.csv", PATH_FILE),
    )
    .await;
    g.call(
        app,
        other,
        "attribute-paths-markov",
        M::POST,
        &format!("{paths}?model=markov"),
        file("Data.csv", PATH_FILE),
    )
    .await;
    g.call(
        app,
        other,
        "attribute-paths-bad",
        M::POST,
        paths,
        file("Data.csv", &PATH_FILE.replace(";1;0.244;", ";one;0.244;")),
    )
    .await;
    let created = g
        .call(
            app,
            other,
            "old-history-campaign",
            M::POST,
            "/api/campaigns",
            Body::Json(
                json!({"name": "Spring 2023", "currency": "EUR", "budget": "60000.00",
                              "start_date": "2023-03-01", "end_date": "2023-05-31"}),
            ),
        )
        .await;
    let id = s(&created["id"]);
    let last = chrono::NaiveDate::from_ymd_opt(2023, 5, 29).unwrap_or_default();
    g.call(
        app,
        other,
        "old-history-metrics",
        M::POST,
        &format!("/api/campaigns/{id}/metrics"),
        Body::Json(history_rows_ending(last)),
    )
    .await;
    let optimisation = format!("/api/campaigns/{id}/budget-optimization");
    g.call(
        app,
        other,
        "old-history-default-window",
        M::POST,
        &optimisation,
        Body::Json(json!({})),
    )
    .await;
    g.call(
        app,
        other,
        "old-history-window",
        M::POST,
        &optimisation,
        Body::Json(json!({"history": {"from": "2023-01-01", "to": "2023-12-31"}, "weeks": 4})),
    )
    .await;
    g.call(
        app,
        other,
        "old-history-window-invalid",
        M::POST,
        &optimisation,
        Body::Json(json!({"history": {"from": "2023-12-31", "to": "2023-01-01", "until": 1}})),
    )
    .await;
}

/// API tokens listed, refused to a token, revoked; a used or unknown registration link; a weak
/// password.
async fn tokens_and_registration(
    app: &TestApp,
    g: &mut Golden,
    other: &Client,
    anonymous: &Client,
) {
    use Method as M;
    let created = g
        .call(
            app,
            other,
            "token-expiring",
            M::POST,
            "/api/tokens",
            Body::Json(json!({"name": "deploy", "expires_in_days": 30})),
        )
        .await;
    let (id, token) = (s(&created["id"]), s(&created["token"]));
    g.call(app, other, "tokens-list", M::GET, "/api/tokens", Body::None)
        .await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}")
            .parse()
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let bearer = Client::builder()
        .default_headers(headers)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    g.call(
        app,
        &bearer,
        "token-mints-token",
        M::POST,
        "/api/tokens",
        Body::Json(json!({"name": "more"})),
    )
    .await;
    g.call(
        app,
        other,
        "token-expiry-invalid",
        M::POST,
        "/api/tokens",
        Body::Json(json!({"name": "x", "expires_in_days": 0, "expires_at": "soon"})),
    )
    .await;
    let path = format!("/api/tokens/{id}");
    g.call(app, other, "token-revoke", M::DELETE, &path, Body::None)
        .await;
    g.call(
        app,
        &bearer,
        "token-revoked",
        M::GET,
        "/api/campaigns",
        Body::None,
    )
    .await;
    g.call(
        app,
        other,
        "token-revoke-again",
        M::DELETE,
        &path,
        Body::None,
    )
    .await;
    g.call(
        app,
        anonymous,
        "verify-unknown",
        M::POST,
        "/api/auth/verify",
        Body::Json(json!({"token": "nope"})),
    )
    .await;
    g.call(
        app,
        anonymous,
        "register-weak-password",
        M::POST,
        "/api/auth/register",
        Body::Json(
            json!({"email": "weak@example.com", "password": "Password123",
                          "organization_name": "Weak\u{202E}Org"}),
        ),
    )
    .await;
}

/// A second fresh database on the same backend as `url` (dropped with the guard).
async fn fresh_database(url: &str) -> spendlens_testkit::TestDatabase {
    let sqlite = url.starts_with("sqlite");
    database_urls()
        .await
        .into_iter()
        .find(|u| u.starts_with("sqlite") == sqlite)
        .unwrap_or_else(|| panic!("no second database for {url}"))
}

#[test]
fn ids_and_tokens_are_normalised_consistently() {
    let mut g = Golden::new("sqlite", false);
    let a = "0190f3a2-7b1c-7d2e-8f30-123456789abc";
    let b = "0190f3a2-7b1c-7d2e-8f30-123456789abd";
    let token = format!("sl_{}", "ab".repeat(32));
    let text = format!(
        "{{\"id\":\"{a}\",\"x\":\"{b}\",\"y\":\"{a}\",\"t\":\"{token}\",\"h\":\"{}\"}}",
        "f".repeat(64)
    );
    assert_eq!(
        g.normalise(&text),
        format!(
            "{{\"id\":\"<id-1>\",\"x\":\"<id-2>\",\"y\":\"<id-1>\",\"t\":\"<token>\",\"h\":\"{}\"}}",
            "f".repeat(64)
        )
    );
    assert_eq!(StatusCode::OK.as_u16(), 200);
}
