//! Issue 18, item 6: a database made before teams (its migrations up to 0014) holding a
//! single-user organisation with a session and an API token, upgraded by opening it as the server
//! does: the user is the organisation's owner, and the session and the token act as the owner.

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use spendlens_core::Role;
use spendlens_core::campaign::{OrgId, UserId};
use sqlx::migrate::Migrator;

use crate::support::databases;

/// The last migration before teams.
const BEFORE_TEAMS: i64 = 14;

/// A directory holding the backend's migrations up to `last`, copied as they are (so their
/// checksums are the ones the full set checks later).
fn migrations_up_to(backend: &str, last: i64) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let to = std::env::temp_dir().join(format!(
        "spendlens-upgrade-{backend}-{}-{}",
        std::process::id(),
        last
    ));
    let _ = std::fs::remove_dir_all(&to);
    std::fs::create_dir_all(&to).unwrap_or_else(|e| panic!("{e}"));
    let entries = std::fs::read_dir(&from).unwrap_or_else(|e| panic!("{e}"));
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let version: i64 = name
            .split('_')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(i64::MAX);
        if version <= last {
            std::fs::copy(entry.path(), to.join(&name)).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    to
}

#[tokio::test]
async fn a_single_user_organisation_from_before_teams_keeps_working_with_its_user_as_owner() {
    for db in databases().await {
        let backend = db.backend();
        let dir = migrations_up_to(backend, BEFORE_TEAMS);
        let old = Migrator::new(dir.as_path())
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(
            i64::try_from(old.iter().count()).ok(),
            Some(BEFORE_TEAMS),
            "{backend}"
        );
        match backend {
            "sqlite" => {
                let options =
                    <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(db.url())
                        .unwrap_or_else(|e| panic!("{e}"))
                        .create_if_missing(true)
                        .foreign_keys(true);
                let pool = sqlx::SqlitePool::connect_with(options)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                old.run(&pool).await.unwrap_or_else(|e| panic!("{e}"));
                pool.close().await;
            }
            _ => {
                let pool = sqlx::PgPool::connect(db.url())
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                old.run(&pool).await.unwrap_or_else(|e| panic!("{e}"));
                pool.close().await;
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        // What registration wrote before teams: the organisation, its one user as 'owner', a
        // session and an API token (hashes stand for the secrets).
        db.execute(
            "INSERT INTO organizations (id, name, created_at) VALUES ('org-1', 'Acme', '2026-01-01T00:00:00+00:00');
             INSERT INTO users (id, email, password_hash, created_at) VALUES ('user-1', 'ana@example.com', 'x', '2026-01-01T00:00:00+00:00');
             INSERT INTO memberships (user_id, org_id, role) VALUES ('user-1', 'org-1', 'owner');
             INSERT INTO sessions (token_hash, user_id, org_id, created_at, expires_at)
                 VALUES ('session-hash', 'user-1', 'org-1', '2026-11-01T00:00:00+00:00', '2099-01-01T00:00:00+00:00');
             INSERT INTO api_tokens (id, token_hash, name, user_id, org_id, created_at)
                 VALUES ('token-1', 'token-hash', 'ci', 'user-1', 'org-1', '2026-11-01T00:00:00+00:00');",
        )
        .await;

        // Opening the database migrates it to the current schema.
        let store = spendlens_store::connect(&db)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        let user = UserId::new("user-1");
        let org = OrgId::new("org-1");
        let orgs = store
            .memberships(&user)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(orgs.len(), 1, "{backend}");
        assert_eq!(
            (orgs[0].org_id.clone(), orgs[0].role),
            (org.clone(), Role::Owner)
        );
        let members = store.members(&org).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(members.len(), 1, "{backend}");
        assert_eq!(members[0].role, Role::Owner, "{backend}");
        let session = store
            .session("session-hash", now)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("{backend}: the session ended"));
        assert_eq!((session.org_id, session.role), (org.clone(), Role::Owner));
        let token = store
            .api_token("token-hash", now)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("{backend}: the token stopped working"));
        assert_eq!(
            token.granted,
            Role::Owner,
            "{backend}: the token keeps its creator's role"
        );
        assert_eq!(token.principal.role, Role::Owner, "{backend}");
        assert_eq!(token.principal.user_id, user, "{backend}");
    }
}
