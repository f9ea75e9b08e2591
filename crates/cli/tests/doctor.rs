//! `spendlens doctor` against a real SQLite file: the API versions with their sunsets, a token
//! expiring in 20 days, and a retired configured version failing the check.
use std::process::{Command, Output};

use chrono::{DateTime, Utc};
use spendlens_core::Platform;
use spendlens_core::campaign::CampaignSpec;
use spendlens_store::{ConnectionStatus, NewConnection};

const KEY: &str = "00112233445566778899aabbccddeeff0123456789abcdef0f1e2d3c4b5a6978";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

async fn doctor(db: &str, env: &[(&str, &str)]) -> Output {
    let db = db.to_owned();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_spendlens"))
            .args([
                "doctor",
                "--database-url",
                &db,
                "--now",
                "2026-12-05T09:00:00Z",
            ])
            .env("SPENDLENS_SECRET_KEY", KEY)
            .envs(env)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_reports_versions_a_token_expiring_in_20_days_and_a_retired_version() {
    let dir = std::env::temp_dir().join(format!("spendlens-cli-doctor-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}", dir.join("db.sqlite").display());
    let store = spendlens_store::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let created = at("2026-11-01T10:00:00Z");
    let p = store
        .create_account("ops@example.com", "x", "Ops", created)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let spec = CampaignSpec {
        name: "C".into(),
        currency: "EUR".into(),
        budget: None,
        start_date: None,
        end_date: None,
        time_zone: "UTC".into(),
    };
    let c = store
        .create_campaign(&p.org_id, &spec, created)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let new = NewConnection {
        platform: Platform::LinkedIn,
        account_id: "5123456".into(),
        options: "{}".into(),
        auth_kind: "oauth".into(),
        credentials: Some("sealed".into()),
        status: ConnectionStatus::Active,
    };
    let conn = store
        .create_connection(&p.org_id, &c.id, &new, created)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("created"));
    store
        .set_grant_expires_at(&conn.id, Some(at("2026-12-25T10:00:00Z")))
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let out = doctor(&url, &[]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "only warnings: {stdout}");
    for expected in [
        "spendlens doctor, 2026-12-05 09:00 UTC",
        "Google Ads API           v26      default; sunset 2027-11-01 (projected); current",
        "Meta Marketing API       v27.0    default; sunset 2027-10-04 (derived); current",
        "LinkedIn Marketing API   202607   default; sunset 2027-07-15 (derived); current",
        &format!(
            "{} LinkedIn Ads 5123456: active; token expires on 2026-12-25 (in 20 days)",
            conn.id
        ),
        &format!(
            "connection {} (LinkedIn Ads 5123456): the token expires on 2026-12-25 (in 20 days): re-authorise before 2026-12-25",
            conn.id
        ),
        "Problems (0)",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in\n{stdout}");
    }

    // A retired version configured: a problem naming the setting, and a failing exit.
    let out = doctor(
        &url,
        &[("SPENDLENS_CONNECTORS__GOOGLE_ADS__VERSION", "v21")],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("Google Ads API           v21      set by connectors.google_ads.version; sunset 2026-08-05 (published); RETIRED: refused")
            && stdout.contains("  - Google Ads API v21 was retired on 2026-08-05 (published): set connectors.google_ads.version (SPENDLENS_CONNECTORS__GOOGLE_ADS__VERSION) to v26"),
        "{stdout}"
    );

    // No key configured: the key file beside the database is the one `serve` and `sync` use,
    // and doctor reads it too (creating none); without it, the warning stands.
    let bare = |url: String| {
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_spendlens"))
                .args([
                    "doctor",
                    "--database-url",
                    &url,
                    "--now",
                    "2026-12-05T09:00:00Z",
                ])
                .env_remove("SPENDLENS_SECRET_KEY")
                .output()
                .unwrap_or_else(|e| panic!("{e}"))
        })
    };
    let warning = "need a token encryption key";
    let out = bare(url.clone()).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(String::from_utf8_lossy(&out.stdout).contains(warning));
    assert!(!dir.join("db.sqlite.key").exists(), "doctor creates no key");
    std::fs::write(dir.join("db.sqlite.key"), KEY).unwrap_or_else(|e| panic!("{e}"));
    let out = bare(url.clone()).await.unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(warning), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}
