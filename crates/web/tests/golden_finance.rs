//! The golden story's later chapters (see `golden.rs`): rates, ROI, budget and alerts, the
//! financial report, attribution, budget optimisation, finance settings, deletion and the API
//! description.

use reqwest::{Client, Method};
use serde_json::json;

use crate::golden::{Body, Golden, TOUCHPOINTS, file, fresh_database, history_rows};
use crate::support::TestApp;

/// Rates, ROI, budget and alerts, the financial report, attribution, budget optimisation,
/// finance settings, deletion and sign-out, a server without a secret key, the API description.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn rates_to_description(
    app: &TestApp,
    g: &mut Golden,
    url: &str,
    other: &Client,
    anonymous: &Client,
    id: &str,
    id2: &str,
    id3: &str,
) {
    use Method as M;
    let c = &app.client;
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
        other,
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
        Body::Json(json!({"total_budget": "20000", "weeks": 4})),
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
        anonymous,
        "openapi",
        M::GET,
        "/api/openapi.json",
        Body::None,
    )
    .await;
}
