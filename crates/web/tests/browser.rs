//! The pages in a real headless Chromium (Debian's chromium and chromium-driver, driven over
//! WebDriver by fantoccini): a new user's whole journey, every tab's numbers against the JSON
//! API's analysis, the period selector, the layout at 375 px, and a screenshot per tab under
//! `target/screenshots/`.
//!
//! chromedriver and chromium are looked up on `PATH`. Without them each test is skipped with a
//! `skipped: …` line on stderr, except under CI (`CI` set), where a missing browser is a failure:
//! `.ci/run` installs it.
use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use spendlens_core::campaign::CampaignId;
use spendlens_report::currency::{format_money, format_percent};
use spendlens_store::StoredSnapshot;

use crate::support::{TestApp, sqlite_database};

pub(crate) use crate::browser_kit::{
    browser, click, fill, screenshot, sign_in_demo, start_driver, text_of, wait_for,
};

fn dec(v: &Value) -> Decimal {
    match v {
        Value::String(s) => s.parse().unwrap_or_default(),
        other => other.to_string().parse().unwrap_or_default(),
    }
}

fn usd(v: &Value) -> String {
    format_money(dec(v), "USD")
}

fn pct(v: &Value) -> String {
    format_percent(dec(v))
}

fn ratio(v: &Value) -> String {
    format!("{:.2}x", dec(v))
}

/// The API's analysis for the browser's session.
async fn api_analysis(app: &TestApp, c: &Client, id: &str, compare: &str) -> Value {
    let session = c
        .get_named_cookie("spendlens_session")
        .await
        .unwrap_or_else(|e| panic!("session cookie: {e}"));
    let r = app
        .client
        .get(format!(
            "{}/api/campaigns/{id}/financial-analysis?compare={compare}",
            app.base
        ))
        .header("cookie", format!("spendlens_session={}", session.value()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("analysis: {e}"));
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap_or(Value::Null)
}

const CSV: &str = "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue\n\
2026-11-02,linkedin,li-1,2100.25,90000,2600,1050,42,,\n\
2026-11-03,linkedin,li-1,2100.25,90000,2600,1050,42,,\n\
2026-11-02,meta,m-1,1500,200000,0,2600,30,,\n\
2026-11-03,meta,m-1,1600,210000,0,2700,31.5,,\n\
2026-11-03,google_ads,g-1,2500,300000,0,4100,95.3,,11200.00\n";

#[tokio::test]
async fn a_new_user_signs_up_imports_and_reads_every_tab() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let url = sqlite_database();
    let app = TestApp::spawn(&url).await;
    let c = browser(&driver).await;
    let base = app.base.clone();

    // Sign up: a field problem first, shown beside its field.
    c.goto(&format!("{base}/"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for(&c, "form[action='/signin']").await;
    click(&c, "a[href='/signup']").await;
    wait_for(&c, "#organization_name").await;
    fill(&c, "#email", "ana@example.com").await;
    fill(&c, "#password", "short").await;
    fill(&c, "#organization_name", "Acme Marketing").await;
    click(&c, "form[action='/signup'] button[type=submit]").await;
    wait_for(&c, "#password-error").await;
    assert!(text_of(&c, "#password-error").await.contains("at least 10"));
    fill(&c, "#password", "correct horse battery").await;
    click(&c, "form[action='/signup'] button[type=submit]").await;
    wait_for(&c, "a[href='/campaigns/new']").await;
    screenshot(&c, "00-campaigns-empty").await;

    // A campaign sent with a problem comes back titled as an error, the field with the problem
    // holding the focus.
    click(&c, "a[href='/campaigns/new']").await;
    wait_for(&c, "#budget").await;
    fill(&c, "#name", "Q4 Lead Gen").await;
    fill(&c, "#budget", "abc").await;
    click(&c, "form[action='/campaigns'] button[type=submit]").await;
    wait_for(&c, "#budget-error").await;
    let (title, focused) = (
        c.title().await.unwrap_or_default(),
        c.execute("return document.activeElement.id;", vec![])
            .await
            .unwrap_or_default(),
    );
    assert!(title.starts_with("Error: "), "{title}");
    assert_eq!(focused, "budget");

    // Create a campaign with a grouped budget.
    fill(&c, "#budget", "15,000.00").await;
    // Date inputs take typed digits in the browser's locale order: set the ISO value instead.
    c.execute(
        "document.getElementById('start_date').value = arguments[0]; document.getElementById('end_date').value = arguments[1];",
        vec![json!("2026-11-01"), json!("2026-12-15")],
    )
    .await
    .unwrap_or_else(|e| panic!("dates: {e}"));
    fill(&c, "#linkedin_conversion_value", "120").await;
    click(&c, "form[action='/campaigns'] button[type=submit]").await;
    wait_for(&c, "input[type=file]").await;
    let id = c
        .current_url()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .path()
        .trim_start_matches("/campaigns/")
        .trim_end_matches("/imports")
        .to_owned();
    let stored = app
        .store
        .list_campaigns(
            &app.store
                .credentials("ana@example.com")
                .await
                .ok()
                .flatten()
                .map(|c| c.org_id)
                .unwrap_or_else(|| panic!("account")),
        )
        .await
        .unwrap_or_default();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id.as_str(), id);
    assert_eq!(stored[0].spec.budget, Some(Decimal::new(1_500_000, 2)));
    assert_eq!(
        stored[0].spec.start_date.map(|d| d.to_string()).as_deref(),
        Some("2026-11-01")
    );

    // Import: a dry-run preview, then confirm.
    let csv_path = std::env::temp_dir().join(format!("spendlens-browser-{id}.csv"));
    std::fs::write(&csv_path, CSV).unwrap_or_else(|e| panic!("{e}"));
    c.find(Locator::Css("input[type=file]"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .send_keys(&csv_path.display().to_string())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    click(&c, "form[data-upload] button[type=submit]").await;
    wait_for(&c, "#confirm-import").await;
    assert_eq!(text_of(&c, "[data-metric=preview-rows]").await, "5");
    assert_eq!(
        text_of(&c, "[data-metric=preview-spend]").await,
        "$9,800.50"
    );
    screenshot(&c, "01-import-preview").await;
    let before = api_analysis(&app, &c, &id, "7d").await;
    assert_eq!(
        before["totals"]["spend"], "0.00",
        "nothing stored by the preview"
    );
    click(&c, "#confirm-import").await;
    wait_for(&c, "[data-section=import-done]").await;
    assert!(
        text_of(&c, "[data-section=import-done]")
            .await
            .contains("Imported 5 rows")
    );

    // A snapshot a week back, so the trend arrows have something to compare with.
    app.store
        .write_snapshot(
            &CampaignId::new(id.clone()),
            &StoredSnapshot {
                date: "2026-11-14".parse().unwrap_or_default(),
                spend: Decimal::new(540_000, 2),
                impressions: 0,
                clicks: 0,
                conversions: Decimal::from(120),
                revenue: Decimal::ZERO,
                aov: Decimal::from(120),
            },
            crate::support::now(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    click(&c, "[data-section=import-done] a.primary").await;
    wait_for(&c, "[role=tablist]").await;
    let a = api_analysis(&app, &c, &id, "7d").await;

    // Overview.
    assert_eq!(
        text_of(&c, "[role=tab][aria-selected=true]").await,
        "Overview"
    );
    assert_eq!(
        text_of(&c, "[data-metric=total-spend]").await,
        usd(&a["totals"]["spend"])
    );
    assert_eq!(text_of(&c, "[data-metric=total-spend]").await, "$9,800.50");
    assert_eq!(
        text_of(&c, "[data-metric=health-score]").await,
        a["overview"]["health"]["score"].to_string()
    );
    assert_eq!(
        text_of(&c, "[data-metric=conversions]").await,
        "240.80",
        "{}",
        a["totals"]["conversions"]
    );
    assert_eq!(
        text_of(&c, "[data-metric=used-pct]").await,
        pct(&a["overview"]["budget"]["used_pct"])
    );
    assert_eq!(
        text_of(&c, "[data-metric=remaining]").await,
        usd(&a["overview"]["budget"]["remaining"])
    );
    assert_eq!(
        text_of(&c, "[data-metric=days-elapsed]").await,
        a["overview"]["pacing"]["days_elapsed"].to_string()
    );
    assert_eq!(
        text_of(&c, "[data-metric=burn-rate]").await,
        usd(&a["overview"]["pacing"]["daily_burn_rate"])
    );
    assert_eq!(
        text_of(&c, "[data-metric=target-daily]").await,
        usd(&a["overview"]["pacing"]["target_daily_spend"])
    );
    assert_eq!(
        text_of(&c, "[data-metric=pacing-pct]").await,
        pct(&a["overview"]["pacing"]["pacing_pct"])
    );
    assert_eq!(
        text_of(&c, "[data-metric=cpc]").await,
        usd(&a["overview"]["cost_efficiency"]["cpc"])
    );
    assert_eq!(
        text_of(&c, "[data-metric=cpa]").await,
        usd(&a["overview"]["cost_efficiency"]["cpa"])
    );
    assert_eq!(
        text_of(&c, "[data-metric=cvr]").await,
        pct(&a["overview"]["cost_efficiency"]["cvr"])
    );
    let spend_trend = text_of(&c, "[data-trend=spend]").await;
    assert!(
        spend_trend.contains(&pct(&a["trends"]["spend"]["change_pct"])),
        "{spend_trend} vs {}",
        a["trends"]["spend"]
    );
    assert!(spend_trend.starts_with('▲'), "{spend_trend}");
    for sub in ["budget", "pacing", "roi", "roas"] {
        let text = text_of(&c, &format!("[data-subscore={sub}]")).await;
        assert!(
            text.contains(&format!("{}/25", a["overview"]["health"][sub]["score"])),
            "{sub}: {text}"
        );
    }
    assert_eq!(
        c.find_all(Locator::Css("figure.chart svg[role=img]"))
            .await
            .map(|v| v.len())
            .unwrap_or(0),
        2,
        "daily spend and cumulative spend charts"
    );
    assert!(
        c.find(Locator::Css("[data-section=conversion-value-banner]"))
            .await
            .is_err(),
        "a LinkedIn conversion value is configured"
    );
    let overview_shot = screenshot(&c, "10-overview").await;

    // Keyboard: the arrow key moves focus to the next tab.
    c.find(Locator::Css("[role=tab][aria-selected=true]"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .send_keys(&fantoccini::key::Key::Right.to_string())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let focused = c
        .active_element()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .attr("id")
        .await
        .ok()
        .flatten();
    assert_eq!(focused.as_deref(), Some("tab-roi-roas"));

    // ROI & ROAS.
    click(&c, "#tab-roi-roas").await;
    wait_for(&c, "[data-tab=roi-roas]").await;
    assert_eq!(
        text_of(&c, "[data-metric=roas]").await,
        ratio(&a["totals"]["roas"])
    );
    assert_eq!(
        text_of(&c, "[data-metric=roi]").await,
        pct(&a["totals"]["roi"])
    );
    assert_eq!(
        text_of(&c, "[data-metric=revenue]").await,
        usd(&a["totals"]["revenue"])
    );
    assert_eq!(
        text_of(&c, "[data-metric=net-profit]").await,
        usd(&a["totals"]["net_profit"])
    );
    for row in a["platforms"].as_array().cloned().unwrap_or_default() {
        let key = row["platform"].as_str().unwrap_or_default();
        let roas = text_of(
            &c,
            &format!("[data-section=platform-roas] [data-platform={key}] [data-metric=roas]"),
        )
        .await;
        assert_eq!(roas, ratio(&row["roas"]), "{key}");
        let roi = text_of(
            &c,
            &format!("[data-section=platform-roi] [data-platform={key}] [data-metric=roi]"),
        )
        .await;
        assert_eq!(roi, pct(&row["roi"]), "{key}");
    }
    assert!(
        c.find(Locator::Css("figure[data-chart=roas] svg"))
            .await
            .is_ok()
    );
    screenshot(&c, "11-roi-roas").await;

    // Cost Analysis.
    click(&c, "#tab-cost-analysis").await;
    wait_for(&c, "[data-tab=cost-analysis]").await;
    assert_eq!(
        text_of(&c, "[data-metric=cpc]").await,
        usd(&a["costs"]["cpc"])
    );
    assert_eq!(
        text_of(&c, "[data-metric=cpm]").await,
        usd(&a["costs"]["cpm"])
    );
    assert_eq!(
        text_of(&c, "[data-metric=ctr]").await,
        pct(&a["costs"]["ctr"])
    );
    assert_eq!(
        text_of(&c, "[data-metric=cvr]").await,
        pct(&a["costs"]["cvr_click_through"])
    );
    screenshot(&c, "12-cost-analysis").await;

    // Budget Allocation.
    click(&c, "#tab-budget-allocation").await;
    wait_for(&c, "[data-tab=budget-allocation]").await;
    for tier in ["high", "medium", "low"] {
        assert_eq!(
            text_of(&c, &format!("[data-tier={tier}] [data-metric=tier-spend]")).await,
            usd(&a["allocation"]["tiers"][tier]["spend"]),
            "{tier}"
        );
    }
    for row in a["platforms"].as_array().cloned().unwrap_or_default() {
        let key = row["platform"].as_str().unwrap_or_default();
        let share = text_of(
            &c,
            &format!("[data-section=platform-budget] [data-platform={key}] [data-metric=share]"),
        )
        .await;
        assert_eq!(share, pct(&row["share_pct"]), "{key}");
    }
    let recommendations = a["allocation"]["recommendations"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(
        c.find_all(Locator::Css("[data-section=recommendations] li"))
            .await
            .map(|v| v.len())
            .unwrap_or(0),
        recommendations
    );
    assert!(
        c.find(Locator::Css("figure[data-chart=budget-share] svg"))
            .await
            .is_ok()
    );
    screenshot(&c, "13-budget-allocation").await;

    // Insights: every code rendered as a sentence.
    click(&c, "#tab-insights").await;
    wait_for(&c, "[data-tab=insights]").await;
    assert_eq!(
        c.find_all(Locator::Css("[data-section=summary] [data-card]"))
            .await
            .map(|v| v.len())
            .unwrap_or(0),
        3
    );
    let top = text_of(&c, "[data-metric=top-performer]").await;
    let top_platform = a["insights"]["top_performer"]["platform"]
        .as_str()
        .unwrap_or_default();
    assert!(
        top.contains(&ratio(&a["insights"]["top_performer"]["roas"])),
        "{top}"
    );
    assert!(
        !top_platform.is_empty() && top.contains("leads with"),
        "{top}"
    );
    for (section, key) in [
        ("opportunities", "opportunities"),
        ("cost-insights", "cost_insights"),
    ] {
        let expected = a["insights"][key].as_array().map_or(0, Vec::len);
        let shown = c
            .find_all(Locator::Css(&format!("[data-section={section}] li")))
            .await
            .map(|v| v.len())
            .unwrap_or(0);
        assert_eq!(shown, expected, "{section}: {}", a["insights"][key]);
    }
    let page_text = text_of(&c, "main").await;
    for code in [
        "ctr_low",
        "cpc_low",
        "cpm_low",
        "scale_budget",
        "improve_ctr",
    ] {
        assert!(
            !page_text.contains(&format!(" {code} ")),
            "raw code {code} on the page"
        );
    }
    screenshot(&c, "14-insights").await;

    // The comparison period: choosing 30 days and applying it reloads with it. Choosing alone
    // changes nothing (a keyboard user steps through the options without leaving the page).
    click(&c, "#tab-overview").await;
    wait_for(&c, "#compare").await;
    let before = c.current_url().await.unwrap_or_else(|e| panic!("{e}"));
    c.find(Locator::Css("#compare"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .select_by_value("30d")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        c.current_url().await.unwrap_or_else(|e| panic!("{e}")),
        before,
        "choosing a period alone submits nothing"
    );
    click(&c, "form.period button[type=submit]").await;
    wait_for(&c, "#compare option[value='30d'][selected]").await;
    let now_at = c.current_url().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(now_at.query(), Some("tab=overview&compare=30d"));
    let a30 = api_analysis(&app, &c, &id, "30d").await;
    assert!(a30["trends"].is_object());
    let note = text_of(&c, "[data-metric=trend-note]").await;
    assert!(note.contains("30 days"), "{note}");
    assert_eq!(
        c.find_all(Locator::Css("[data-trend]"))
            .await
            .map(|v| v.len())
            .unwrap_or(9),
        usize::from(a30["trends"]["spend"]["direction"].is_string())
            + usize::from(a30["trends"]["conversions"]["direction"].is_string())
    );

    // 375 px wide: nothing overflows sideways.
    c.set_window_size(375, 900)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    c.refresh().await.unwrap_or_else(|e| panic!("{e}"));
    wait_for(&c, "[role=tablist]").await;
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_i64())
        .unwrap_or(999);
    assert!(
        overflow <= 0,
        "the page is {overflow}px wider than a 375px screen"
    );
    screenshot(&c, "15-overview-375px").await;
    // A table wider than its box is a named region in the tab order (keyboard users scroll it);
    // one that fits is not.
    let regions = c
        .execute(
            "var w = document.querySelector('.table-wrap'); \
             w.style.width = '120px'; window.dispatchEvent(new Event('resize')); \
             var narrow = [w.getAttribute('role'), w.tabIndex, w.getAttribute('aria-label')]; \
             w.style.width = '4000px'; w.style.maxWidth = 'none'; \
             window.dispatchEvent(new Event('resize')); \
             var wide = w.getAttribute('role'); w.style.width = ''; w.style.maxWidth = ''; \
             window.dispatchEvent(new Event('resize')); return narrow.concat([wide]);",
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(regions[0], "region", "{regions}");
    assert_eq!(regions[1], 0, "{regions}");
    assert!(
        regions[2]
            .as_str()
            .is_some_and(|l| l.ends_with("(scrolls sideways)") && l.len() > 20),
        "{regions}"
    );
    assert_eq!(regions[3], serde_json::Value::Null, "{regions}");

    // Another organisation's campaign is the 404 page; signing out ends the session.
    c.set_window_size(1280, 1000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    c.goto(&format!("{base}/campaigns/not-a-campaign"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(text_of(&c, "h1").await, "Not found");
    c.goto(&format!("{base}/campaigns"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for(&c, "form.signout button").await;
    click(&c, "form.signout button").await;
    wait_for(&c, "form[action='/signin']").await;
    c.goto(&format!("{base}/campaigns/{id}"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for(&c, "form[action='/signin']").await;

    // The API docs render under their own Content-Security-Policy (the vendored Swagger UI's
    // scripts are files of this origin; it needs inline styles and data images).
    c.goto(&format!("{base}/api/docs/"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for(&c, ".swagger-ui .info .title").await;

    assert!(overview_shot.exists());
    let _ = std::fs::remove_file(&csv_path);
    let _ = c.close().await;
}
