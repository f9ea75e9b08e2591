//! The demo organisation's tabs and the connections, attribution and optimisation pages in a
//! real headless Chromium (the harness and its skipping rules are in `browser.rs`).
use fantoccini::Locator;
use serde_json::json;

use crate::browser::{
    browser, click, fill, screenshot, sign_in_demo, start_driver, text_of, wait_for,
};
use crate::support::{TestApp, sqlite_database};

#[tokio::test]
async fn the_demo_organisation_fills_every_tab() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let url = sqlite_database();
    let app = TestApp::spawn(&url).await;
    let hash = spendlens_app::accounts::hash_password(spendlens_app::demo::DEMO_PASSWORD.into())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    spendlens_app::demo::load(app.store.as_ref(), crate::support::now(), &hash)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let c = browser(&driver).await;
    let base = app.base.clone();
    sign_in_demo(&c, &base).await;
    let rows = c
        .find_all(Locator::Css("table.list tbody tr"))
        .await
        .map(|v| v.len())
        .unwrap_or(0);
    assert_eq!(rows, 4);
    screenshot(&c, "20-demo-campaigns").await;
    for (campaign, prefix) in [
        ("Q4 Lead Gen (B2B)", "21-demo-q4"),
        ("Brand Awareness", "22-demo-brand"),
    ] {
        c.goto(&format!("{base}/campaigns"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        wait_for(&c, "table.list").await;
        c.find(Locator::LinkText(campaign))
            .await
            .unwrap_or_else(|e| panic!("{campaign}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        wait_for(&c, "[role=tablist]").await;
        for (tab, _) in spendlens_web::ui::analysis::TABS {
            click(&c, &format!("#tab-{tab}")).await;
            wait_for(&c, &format!("[data-tab={tab}]")).await;
            let path = screenshot(&c, &format!("{prefix}-{tab}")).await;
            assert!(path.exists());
        }
    }
    // Brand Awareness has no conversion value and overspent: the banner and the guard show.
    click(&c, "#tab-overview").await;
    wait_for(&c, "[data-section=conversion-value-banner]").await;
    assert!(
        text_of(&c, "[data-metric=over-budget]")
            .await
            .starts_with("Budget exceeded by $")
    );
    let _ = c.close().await;
}

#[tokio::test]
async fn connections_attribution_and_optimisation_pages_in_the_browser() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let url = sqlite_database();
    let app = TestApp::spawn_with(&url, |s| {
        s.secret_key =
            Some("5f1c9a7e3b2d4c6a8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f".into());
    })
    .await;
    let hash = spendlens_app::accounts::hash_password(spendlens_app::demo::DEMO_PASSWORD.into())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    spendlens_app::demo::load(app.store.as_ref(), crate::support::now(), &hash)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let c = browser(&driver).await;
    let base = app.base.clone();
    sign_in_demo(&c, &base).await;
    c.find(Locator::LinkText("Q4 Lead Gen (B2B)"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for(&c, "[role=tablist]").await;

    // Connect a Meta account with a token from the page's form.
    c.find(Locator::LinkText("Connections"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for(&c, "[data-section=connect]").await;
    fill(&c, "#account_id", "act_1234567890").await;
    fill(&c, "#access_token", "EAAB-demo-token").await;
    click(&c, "[data-section=connect] button[type=submit]").await;
    wait_for(&c, "[data-section=connections]").await;
    assert_eq!(
        text_of(&c, "[data-platform=meta] [data-metric=status]").await,
        "Connected"
    );
    screenshot(&c, "30-connections").await;

    let here = c.current_url().await.unwrap_or_else(|e| panic!("{e}"));
    let id = here.path().split('/').nth(2).unwrap_or_default().to_owned();
    c.goto(&format!("{base}/campaigns/{id}/attribution"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for(&c, "[data-section=attribution-model]").await;
    screenshot(&c, "31-attribution").await;

    // The demo's history (LinkedIn valued at its configured value per lead) gets a plan.
    c.goto(&format!(
        "{base}/campaigns/{id}?tab=budget-allocation&optimize=1"
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    wait_for(&c, "[data-section=optimized-allocation]").await;
    screenshot(&c, "33-demo-budget-optimization").await;

    // A campaign with history on Hill curves gets a plan.
    let r = app
        .post(
            "/api/auth/login",
            &json!({"email": spendlens_app::demo::DEMO_EMAIL, "password": spendlens_app::demo::DEMO_PASSWORD}),
        )
        .await;
    assert!(r.status().is_success());
    let fitted = app.campaign(&crate::support::q4()).await;
    let r = app
        .post(
            &format!("/api/campaigns/{fitted}/metrics"),
            &crate::pages_more::history(60),
        )
        .await;
    assert!(r.status().is_success());
    c.goto(&format!("{base}/campaigns/{fitted}?tab=budget-allocation"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for(&c, "#opt-budget").await;
    fill(&c, "#opt-budget", "20000").await;
    click(&c, "[data-section=budget-optimization] button[type=submit]").await;
    wait_for(&c, "[data-section=optimized-allocation]").await;
    assert_eq!(
        text_of(&c, "[data-metric=optimized-total]").await,
        "$20,000.00"
    );
    wait_for(&c, "[data-chart=response-curves] svg").await;
    screenshot(&c, "32-budget-optimization").await;
    let _ = c.close().await;
}
