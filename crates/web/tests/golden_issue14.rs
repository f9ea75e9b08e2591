//! The golden story's appended chapters (see `golden.rs`): accounts (issue 13), attribution
//! files and history, named channels, and column mappings (issue 14).

use reqwest::{Client, Method};
use serde_json::json;

use crate::golden::{Body, Golden, file, history_rows_ending, s};
use crate::support::TestApp;

/// A report with headers spendlens does not know (Polish), decimal commas.
const UNKNOWN_HEADERS: &str = "Raport kampanii\n\
Dzień,Kampania,Koszt,Wyśw.\n\
2026-11-02,Jesień,\"1.234,56\",12.345\n\
2026-11-03,Jesień,\"7,05\",100\n";

/// Issue 14, item 5: the refusal, the file's columns, a dry run and an import with `map`
/// (saved), the saved mappings, and another organisation's campaign.
pub(crate) async fn column_mappings(app: &TestApp, g: &mut Golden, other: &Client, foreign: &str) {
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
pub(crate) async fn named_channels(app: &TestApp, g: &mut Golden, other: &Client, foreign: &str) {
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
pub(crate) async fn attribution_files_and_history(app: &TestApp, g: &mut Golden, other: &Client) {
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
pub(crate) async fn tokens_and_registration(
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
        Body::Json(json!({"token": "nope", "password": "correct horse battery"})),
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
