//! `spendlens sync` against a real SQLite file and a mock Meta Insights API.
use std::process::Command;

use chrono::{Duration, Utc};
use secrecy::SecretString;
use spendlens_core::Platform;
use spendlens_core::campaign::CampaignSpec;
use spendlens_store::{ConnectionStatus, NewConnection};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "00112233445566778899aabbccddeeff0123456789abcdef0f1e2d3c4b5a6978";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_pulls_each_connection_and_fails_loudly() {
    let dir = std::env::temp_dir().join(format!("spendlens-cli-sync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}", dir.join("db.sqlite").display());
    let store = spendlens_store::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let p = store
        .create_account("ops@example.com", "x", "Ops", Utc::now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let spec = CampaignSpec {
        name: "C".into(),
        currency: "USD".into(),
        budget: None,
        start_date: None,
        end_date: None,
        time_zone: "UTC".into(),
    };
    let c = store
        .create_campaign(&p.org_id, &spec, Utc::now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let cipher = spendlens_connect::TokenCipher::from_config(Some(&SecretString::from(KEY)))
        .unwrap_or_else(|e| panic!("{e}"));
    let sealed = cipher
        .seal(&SecretString::from(
            r#"{"kind":"token","access_token":"EAAB-test"}"#,
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    for account in ["act_111", "act_222"] {
        let new = NewConnection {
            platform: Platform::Meta,
            account_id: account.into(),
            options: "{}".into(),
            auth_kind: "token".into(),
            credentials: Some(sealed.clone()),
            status: ConnectionStatus::Active,
        };
        store
            .create_connection(&p.org_id, &c.id, &new, Utc::now())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    let yesterday = (Utc::now() - Duration::days(1)).date_naive();
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v27.0/act_111/insights"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            format!(
                r#"{{"data":[{{"account_currency":"USD","campaign_id":"9","date_start":"{yesterday}","date_stop":"{yesterday}","spend":"10.50","impressions":"100","clicks":"5"}}],"paging":{{"cursors":{{}}}}}}"#
            ),
            "application/json",
        ))
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .and(path("/v27.0/act_222/insights"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            r#"{"error":{"message":"Unsupported get request","type":"GraphMethodException","code":100}}"#,
            "application/json",
        ))
        .mount(&mock)
        .await;

    let base = format!("{}/", mock.uri());
    let db = url.clone();
    let run = move || {
        Command::new(env!("CARGO_BIN_EXE_spendlens"))
            .args(["sync", "--database-url", &db])
            .env("SPENDLENS_SECRET_KEY", KEY)
            .env("SPENDLENS_CONNECTORS__META__API_BASE", &base)
            .env("SPENDLENS_LOG", "error")
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let out = tokio::task::spawn_blocking(run)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "one failed: {stdout}\n{stderr}");
    assert!(
        stdout.contains("Meta Ads act_111")
            && stdout.contains("1 rows")
            && stdout.contains("1 new"),
        "{stdout}"
    );
    assert!(
        stderr.contains("Meta Ads act_222")
            && stderr.contains("meta: HTTP 400, code 100: invalid parameter")
            && !stderr.contains("Unsupported get request"),
        "{stderr}"
    );
    assert!(!stderr.contains("EAAB-test") && !stdout.contains("EAAB-test"));

    let series = store
        .daily_series(&p.org_id, &c.id, yesterday, yesterday)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        series
            .iter()
            .map(|r| r.spend.to_string())
            .collect::<Vec<_>>(),
        vec!["10.5"]
    );
    let all = store.all_connections().await.unwrap_or_default();
    let failed = all.iter().find(|c| c.account_id == "act_222");
    assert_eq!(failed.map(|c| c.status), Some(ConnectionStatus::Error));

    // A mistyped --connection is a mistake in the call: exit 2 naming the flag.
    let db = url.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_spendlens"))
            .args(["sync", "--database-url", &db, "--connection", "nope"])
            .env("SPENDLENS_SECRET_KEY", KEY)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--connection: no connection nope"));
    let _ = std::fs::remove_dir_all(&dir);
}
