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

use crate::golden_issue14::{
    attribution_files_and_history, column_mappings, named_channels, tokens_and_registration,
};
use crate::support::{TestApp, database_urls, new_client};

pub(crate) const KEY: &str = "5f1c9a7e3b2d4c6a8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f";

/// The story's requests and answers, checked or written one by one.
pub(crate) struct Golden {
    dir: PathBuf,
    bless: bool,
    backend: &'static str,
    step: usize,
    /// Raw id -> placeholder, in order of first appearance.
    ids: Vec<(String, String)>,
    failures: Vec<String>,
}

/// An outgoing body.
pub(crate) enum Body {
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
    pub(crate) async fn call(
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
        if let Some(path) = negative_zero(&json, "$") {
            self.failures.push(format!(
                "{name} ({}): {path} is -0.0, which no reader expects",
                self.backend
            ));
        }
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

/// The JSON path of a negative zero in `v` (a float sum of nothing is −0.0 and serialises as
/// `-0.0`), if there is one.
fn negative_zero(v: &Value, at: &str) -> Option<String> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .filter(|x| *x == 0.0 && x.is_sign_negative())
            .map(|_| at.to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| negative_zero(x, &format!("{at}[{i}]"))),
        Value::Object(map) => map
            .iter()
            .find_map(|(k, x)| negative_zero(x, &format!("{at}.{k}"))),
        _ => None,
    }
}

pub(crate) fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// Daily rows of every platform over 1..=`days` of November.
pub(crate) fn november_rows(days: u32) -> Value {
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
pub(crate) fn history_rows() -> Value {
    history_rows_ending(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default())
}

/// 90 days up to `last` for three platforms, revenue on a Hill curve with noise.
pub(crate) fn history_rows_ending(last: chrono::NaiveDate) -> Value {
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

pub(crate) const IMPORT_CSV: &str = "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue\n\
2026-11-18,meta,m2,100.10,1000,0,20,1.5,,\n\
2026-11-19,meta,m2,1200.20,2000,0,30,2,,\n\
2026-11-19,linkedin,l2,50,500,40,5,0.5,,\n";

pub(crate) const TOUCHPOINTS: &str = "journey_id,timestamp,event,channel,value\n\
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

pub(crate) fn file(name: &'static str, text: &str) -> Body {
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
        Body::Json(json!({ "token": link, "password": "correct horse battery" })),
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

    crate::golden_settings::settings_to_headcount(app, g, &other, &id, &id2, &id3).await;
    crate::golden_finance::rates_to_description(app, g, url, &other, &anonymous, &id, &id2, &id3)
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

/// A second fresh database on the same backend as `url` (dropped with the guard).
pub(crate) async fn fresh_database(url: &str) -> spendlens_testkit::TestDatabase {
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
