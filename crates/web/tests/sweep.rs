//! Every page of the demo in a real Chromium at 1400 px and 390 px (issue 16): no page is wider
//! than the screen, no code-like word (`[a-z]+_[a-z_]+`) is in the visible text (file formats
//! quoted in `<code>` excepted), and no chart's text is drawn smaller than 11 px. A screenshot of
//! each page at each width is saved under `target/screenshots/` (CI keeps them).
use fantoccini::Client;
use serde_json::{Value, json};

use crate::browser::{browser, screenshot, sign_in_demo, start_driver, wait_for};
use crate::support::{TestApp, json_of, served_demo, sqlite_database};

/// The visible text of the page without `<code>`, scripts, styles and charts; the widest
/// horizontal overflow; the smallest chart text in CSS pixels (`null` without a chart).
const PROBE: &str = r#"
const body = document.body.cloneNode(true);
body.querySelectorAll('script, style, code, svg, .visually-hidden').forEach(e => e.remove());
document.body.appendChild(body);
body.style.position = 'absolute'; body.style.left = '-99999px';
const text = body.innerText;
body.remove();
let smallest = null;
document.querySelectorAll('.chart svg').forEach(svg => {
  const box = svg.viewBox && svg.viewBox.baseVal;
  if (!box || !box.width) return;
  const scale = svg.getBoundingClientRect().width / box.width;
  svg.querySelectorAll('text').forEach(t => {
    if (!t.textContent.trim()) return;
    const size = parseFloat(getComputedStyle(t).fontSize) * scale;
    if (smallest === null || size < smallest) smallest = size;
  });
});
return {
  text,
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  smallest,
};
"#;

fn code_words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| {
            w.contains('_')
                && !w.starts_with('_')
                && !w.ends_with('_')
                && w.split('_')
                    .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase()))
        })
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The ISO 8601 days (`2026-11-21`) in `text`: pages write days one way, `21 Nov 2026`.
fn iso_days(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let mut out: Vec<String> = (0..b.len().saturating_sub(9))
        .filter(|&i| {
            (i == 0 || !digit(i - 1))
                && [0, 1, 2, 3, 5, 6, 8, 9].iter().all(|&k| digit(i + k))
                && b[i + 4] == b'-'
                && b[i + 7] == b'-'
                && !digit(i + 10)
        })
        .filter_map(|i| text.get(i..i + 10).map(str::to_owned))
        .collect();
    out.sort();
    out.dedup();
    out
}

async fn probe(c: &Client) -> Value {
    c.execute(PROBE, vec![])
        .await
        .unwrap_or_else(|e| panic!("probe: {e}"))
}

#[test]
fn iso_days_are_found_and_other_numbers_are_not() {
    assert_eq!(
        iso_days("from 2026-11-01 to 21 Nov 2026, 12026-11-011, 2026-1-01"),
        vec!["2026-11-01".to_owned()]
    );
    assert!(iso_days("2026-Q4, 2026-11, 1,234.56").is_empty());
}

#[test]
fn code_words_are_found_and_words_are_not() {
    assert_eq!(
        code_words("Google Ads, google_ads and last_touch; Net_profit, x_1, a__b"),
        ["google_ads", "last_touch"]
    );
}

#[tokio::test]
async fn every_demo_page_reads_without_codes_overflow_or_tiny_chart_text() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let url = sqlite_database();
    let app = TestApp::spawn(&url).await;
    // The demo as `serve --demo` loads it, so the pages show what a user sees.
    let (campaigns, q4) = served_demo(&app).await;
    // A model run with a lift test, so its page is swept too.
    let run = json_of(
        app.post(
            "/api/mmm",
            &json!({"campaigns": [q4], "kpi": {"source": "ga4_revenue"}, "draws": 50,
                "experiments": [{"channel": "google_ads", "from": "2026-10-05", "to": "2026-10-18",
                    "lift": 5184.54, "lift_se": 518.45}]}),
        )
        .await,
    )
    .await;
    let mut pages: Vec<String> = [
        "/campaigns",
        "/finance",
        "/mmm",
        "/account",
        "/audit-log",
        "/organization/members",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    // A share link's page, as someone without an account opens it.
    let link = json_of(
        app.post(&format!("/api/campaigns/{q4}/share-links"), &json!({}))
            .await,
    )
    .await;
    let url = link["url"].as_str().unwrap_or_default();
    pages.push(
        url.get(url.find("/share/").unwrap_or(0)..)
            .unwrap_or_default()
            .to_owned(),
    );
    pages.push(format!("/mmm/{}", run["id"].as_str().unwrap_or_default()));
    // The portfolio in another currency, sorted; an analysis of a date range.
    pages.push("/campaigns?currency=EUR&sort=spend&dir=desc".to_owned());
    pages.push(format!("/campaigns/{q4}?from=2026-10-14&to=2026-11-13"));
    for (id, _) in &campaigns {
        for (tab, _) in spendlens_web::ui::analysis::TABS {
            pages.push(format!("/campaigns/{id}?tab={tab}"));
        }
        for sub in ["finance", "attribution", "connections", "imports", "edit"] {
            pages.push(format!("/campaigns/{id}/{sub}"));
        }
    }

    let c = browser(&driver).await;
    let base = app.base.clone();
    sign_in_demo(&c, &base).await;

    let mut problems = Vec::new();
    for width in [1400u32, 390] {
        c.set_window_size(width, 900)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for (n, page) in pages.iter().enumerate() {
            c.goto(&format!("{base}{page}"))
                .await
                .unwrap_or_else(|e| panic!("{page}: {e}"));
            wait_for(&c, "main").await;
            let got = probe(&c).await;
            let overflow = got["overflow"].as_i64().unwrap_or(999);
            if overflow > 0 {
                problems.push(format!(
                    "{page} at {width} px: {overflow} px wider than the screen"
                ));
            }
            let words = code_words(got["text"].as_str().unwrap_or_default());
            if !words.is_empty() {
                problems.push(format!(
                    "{page} at {width} px: codes in the text: {words:?}"
                ));
            }
            let days = iso_days(got["text"].as_str().unwrap_or_default());
            if !days.is_empty() {
                problems.push(format!(
                    "{page} at {width} px: ISO days in the text: {days:?}"
                ));
            }
            if let Some(size) = got["smallest"].as_f64()
                && size < 10.95
            {
                problems.push(format!("{page} at {width} px: chart text at {size:.1} px"));
            }
            let shot = screenshot(&c, &format!("50-sweep-{width}-{n:02}")).await;
            assert!(shot.exists());
        }
    }
    let _ = c.close().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
