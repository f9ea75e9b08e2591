//! Upload limits through the real server (issue 13): every upload route answers 413 over its
//! limit, whether the file or the body as a whole passes it, and the hostile files are refused
//! with 413 or 422 naming the limit. The hostile uploads run in a child process limited to 1 GB
//! of address space (`spendlens_testkit::fuzz::in_child`): before the limits, a 1.5 KB workbook
//! aborted the whole server (and so this test binary). Four uploads at once, hostile and then the
//! largest accepted ones, keep the process under 512 MB (measured as its peak resident memory).

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use spendlens_testkit::fuzz::in_child;
use spendlens_testkit::hostile;

use crate::support::{TestApp, json_of, page, q4, sqlite_database, token_in};

const MB: usize = 1024 * 1024;

/// Posts `bytes` as the `file` of a multipart form (with the page's CSRF token when given).
async fn upload(
    app: &TestApp,
    path: &str,
    name: &str,
    bytes: Vec<u8>,
    csrf: Option<&str>,
) -> reqwest::Response {
    let mut form = Form::new();
    if let Some(token) = csrf {
        form = form.text("csrf", token.to_owned());
    }
    form = form.part("file", Part::bytes(bytes).file_name(name.to_owned()));
    app.client
        .post(format!("{}{path}", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn every_upload_route_answers_413_over_its_limit() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    app.register(&app.client, "big@example.com").await;
    let id = app.campaign(&q4()).await;
    let (_, html) = page(&app, &format!("/campaigns/{id}/imports")).await;
    let token = token_in(&html);
    let routes = [
        (format!("/api/campaigns/{id}/imports?dry_run=true"), 32 * MB),
        (format!("/campaigns/{id}/imports"), 32 * MB),
        (
            "/api/attribution/touchpoints?dry_run=true".to_owned(),
            64 * MB,
        ),
        (format!("/campaigns/{id}/attribution/touchpoints"), 64 * MB),
        (format!("/api/campaigns/{id}/costs/import"), 8 * MB),
        (format!("/campaigns/{id}/finance/import"), 8 * MB),
    ];
    for (path, limit) in routes {
        // Just over the file limit (the body still within the route's), then far over (the
        // body's own length limit, which answered 400 before).
        for size in [limit + 1, limit + 256 * 1024] {
            let csrf = (!path.starts_with("/api/")).then_some(token.as_str());
            let r = upload(&app, &path, "big.csv", vec![b'x'; size], csrf).await;
            assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path} {size}");
            let text = r.text().await.unwrap_or_default();
            let limit_mb = (limit / MB).to_string();
            assert!(
                text.contains(&format!("upload limit of {limit_mb} MB")),
                "{path} {size}: {text}"
            );
        }
    }
}

/// The status and the whole answer (JSON error or page) as text.
async fn answer(r: reqwest::Response) -> (StatusCode, String) {
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}

#[test]
fn hostile_files_are_refused_naming_the_limit() {
    in_child(
        "uploads::hostile_files_are_refused_naming_the_limit",
        1024,
        300,
        || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("{e}"))
                .block_on(hostile_uploads());
        },
    );
}

async fn hostile_uploads() {
    let db = sqlite_database();
    let app = TestApp::spawn(&db).await;
    app.register(&app.client, "mallory@example.com").await;
    let id = app.campaign(&q4()).await;
    let imports = format!("/api/campaigns/{id}/imports?dry_run=true");
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "corner.xlsx",
            hostile::xlsx_corner(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "declares 1,048,576 rows × 16,384 columns; spendlens reads at most 6,000,000 cells",
        ),
        (
            "far.xlsx",
            hostile::xlsx_far_cells(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "spendlens reads at most 1,000 columns",
        ),
        (
            "whitespace.xlsx",
            hostile::xlsx_whitespace(600, true),
            StatusCode::PAYLOAD_TOO_LARGE,
            "expands to 600 MB; spendlens reads sheets of at most 256 MB uncompressed",
        ),
        (
            "sst.xlsx",
            hostile::xlsx_shared_strings_claim(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "spendlens reads at most 500,000",
        ),
        (
            "wide.csv",
            hostile::wide_csv(1_000_000),
            StatusCode::UNPROCESSABLE_ENTITY,
            "spendlens reads at most 1,000 columns",
        ),
        (
            "bomb.pdf",
            hostile::pdf_flate_bomb(600),
            StatusCode::PAYLOAD_TOO_LARGE,
            "decodes to more than 32 MB",
        ),
    ];
    for (name, bytes, status, words) in cases {
        let (got, text) = answer(upload(&app, &imports, name, bytes.clone(), None).await).await;
        assert_eq!(got, status, "{name}: {text}");
        assert!(text.contains(words), "{name}: {text}");
        // The imports page answers the same refusal.
        let (_, html) = page(&app, &format!("/campaigns/{id}/imports")).await;
        let token = token_in(&html);
        let (got, html) = answer(
            upload(
                &app,
                &format!("/campaigns/{id}/imports"),
                name,
                bytes,
                Some(&token),
            )
            .await,
        )
        .await;
        assert_eq!(got, status, "page {name}");
        let escaped = words.replace('×', "&#215;");
        assert!(
            html.contains(words) || html.contains(&escaped),
            "page {name}: {words}"
        );
    }
    // The ledger and the touchpoints: a million columns, refused at once.
    let wide: Vec<String> = (0..1_000_000).map(|i| format!("x{i}")).collect();
    let wide = (wide.join(",") + "\n").into_bytes();
    let (got, text) = answer(
        upload(
            &app,
            &format!("/api/campaigns/{id}/costs/import"),
            "ledger.csv",
            wide.clone(),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("at most 100 columns"), "{text}");
    let touchpoints = "/api/attribution/touchpoints?dry_run=true";
    let (got, text) = answer(upload(&app, touchpoints, "t.csv", wide, None).await).await;
    assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("rows of at most 1 MB are read"), "{text}");
    let header = "journey_id,timestamp,event,channel,value".to_owned() + &",x".repeat(1000);
    let (got, text) = answer(
        upload(
            &app,
            touchpoints,
            "t.csv",
            (header + "\n").into_bytes(),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("at most 1000 columns are read"), "{text}");
    // The server is still up and still imports.
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = json_of(app.get(&format!("/api/campaigns/{id}")).await).await;
    assert_eq!(body["id"], Value::String(id));
}

/// The peak resident memory of this process so far (`VmHWM`), in MB.
fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// The largest legitimate uploads of each kind, near the row limits: a Meta export of 299,990
/// daily rows and a touchpoint file of 399,990 rows.
fn largest_accepted() -> (Vec<u8>, Vec<u8>) {
    let mut export = String::from("Day,Campaign name,Amount spent (USD),Impressions,Clicks\n");
    for n in 0..299_990u32 {
        export.push_str(&format!(
            "2026-{:02}-{:02},Campaign {},{}.{:02},{},{}\n",
            10 + (n % 56) / 28,
            1 + n % 28,
            n / 56,
            n % 997,
            n % 100,
            n % 9973,
            n % 97
        ));
    }
    let mut touchpoints = String::from("journey_id,timestamp,event,channel,value\n");
    for n in 0..399_990u32 {
        touchpoints.push_str(&format!(
            "j{},2026-01-{:02}T{:02}:00:00Z,touch,{},\n",
            n / 3,
            1 + n % 28,
            n % 24,
            ["email", "search", "social"][(n % 3) as usize]
        ));
    }
    (export.into_bytes(), touchpoints.into_bytes())
}

/// Posts `bytes` (leaked, so that every request of one file shares a single copy) as `name`.
async fn send(
    app: &TestApp,
    path: &str,
    name: &'static str,
    bytes: &'static [u8],
) -> (&'static str, StatusCode, String) {
    let r = app
        .client
        .post(format!("{}{path}", app.base))
        .multipart(Form::new().part("file", Part::bytes(bytes).file_name(name)))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let (status, text) = answer(r).await;
    (name, status, text)
}

/// Issue 13: four dry runs of the 1.5 GB whitespace workbook at once reached 7.9 GB, and the
/// 1.5 KB corner workbook aborted the server. Four hostile uploads at once, then four of the
/// largest accepted ones at once, keep this whole process (server and client) under 512 MB: the
/// hostile files are refused before they expand, and the upload gate reads one large file at a
/// time. Run in a child with 4 GB of address space, so that a regression fails this test and not
/// the machine.
#[test]
fn four_uploads_at_once_stay_under_512_mb() {
    in_child(
        "uploads::four_uploads_at_once_stay_under_512_mb",
        4096,
        600,
        || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(4)
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("{e}"))
                .block_on(four_at_once());
        },
    );
}

async fn four_at_once() {
    let db = sqlite_database();
    let mut app = TestApp::spawn(&db).await;
    // The server reads one large upload at a time and holds the others' bodies (up to its
    // two-minute wait) before reading them: a browser or curl waits, but reqwest's default 30 s
    // TCP user timeout would abort the fourth upload's stalled send as `Connection timed out`.
    app.client = reqwest::Client::builder()
        .cookie_store(true)
        .tcp_user_timeout(None)
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    app.register(&app.client, "crowd@example.com").await;
    let id = app.campaign(&q4()).await;
    let imports = format!("/api/campaigns/{id}/imports?dry_run=true");
    let touchpoints = "/api/attribution/touchpoints?dry_run=true";
    let whitespace: &'static [u8] = Vec::leak(hostile::xlsx_whitespace(1500, true));
    let corner: &'static [u8] = Vec::leak(hostile::xlsx_corner());
    let bomb: &'static [u8] = Vec::leak(hostile::pdf_flate_bomb(1500));
    let hostile_round = tokio::join!(
        send(&app, &imports, "whitespace-1.xlsx", whitespace),
        send(&app, &imports, "whitespace-2.xlsx", whitespace),
        send(&app, &imports, "corner.xlsx", corner),
        send(&app, &imports, "bomb.pdf", bomb),
    );
    let after_hostile = peak_rss_mb();
    let (export, points) = largest_accepted();
    let export: &'static [u8] = Vec::leak(export);
    let points: &'static [u8] = Vec::leak(points);
    let legit_round = tokio::join!(
        send(&app, &imports, "export-1.csv", export),
        send(&app, &imports, "export-2.csv", export),
        send(&app, touchpoints, "touchpoints-1.csv", points),
        send(&app, touchpoints, "touchpoints-2.csv", points),
    );
    let peak = peak_rss_mb();
    eprintln!("peak RSS: {after_hostile} MB after the hostile round, {peak} MB after the largest");
    let (a, b, c, d) = hostile_round;
    for (name, status, text) in [a, b, c, d] {
        let expected = if name == "corner.xlsx" {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::PAYLOAD_TOO_LARGE
        };
        assert_eq!(status, expected, "{name}: {text}");
    }
    let (a, b, c, d) = legit_round;
    for (name, status, text) in [a, b, c, d] {
        let head: String = text.chars().take(300).collect();
        assert_eq!(status, StatusCode::OK, "{name}: {head}");
    }
    assert!(peak < 512, "peak RSS {peak} MB");
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}
