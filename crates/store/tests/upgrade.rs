//! Databases made by an earlier spendlens, upgraded by opening them as the server does.
//! - Issue 18, item 6: one made before teams (its migrations up to 0014) holding a single-user
//!   organisation with a session and an API token: the user is the organisation's owner, and the
//!   session and the token act as the owner.
//! - Issue 19: a SQLite one whose metric rows carry their `updated_at` as sqlx's text (up to
//!   0017): each becomes the same instant in integer microseconds, and the rows read as before.
//! - Issue 19: a SQLite one whose metric rows name their import by its UUID's text (up to 0018):
//!   each names the same import by its integer key, the imports keep their ids, and new writes
//!   name theirs by key.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use spendlens_core::Role;
use spendlens_core::campaign::{CampaignId, OrgId, UserId};
use spendlens_core::daily::DailyRow;
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

/// A pool on the SQLite file at `url` (created if missing), migrated by `old` only.
async fn sqlite_migrated(url: &str, old: &Migrator) -> sqlx::SqlitePool {
    let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(url)
        .unwrap_or_else(|e| panic!("{e}"))
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    old.run(&pool).await.unwrap_or_else(|e| panic!("{e}"));
    pool
}

/// A SQLite database migrated up to `last` only, holding organisation `org-1` and its campaign
/// `c-1`, and a pool on it.
async fn sqlite_campaign_before(
    name: &str,
    last: i64,
) -> (spendlens_testkit::TestDatabase, sqlx::SqlitePool) {
    let db = spendlens_testkit::TestDatabase::sqlite(name);
    let dir = migrations_up_to("sqlite", last);
    let old = Migrator::new(dir.as_path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pool = sqlite_migrated(db.url(), &old).await;
    let _ = std::fs::remove_dir_all(&dir);
    sqlx::raw_sql(
        "INSERT INTO organizations (id, name, created_at) VALUES ('org-1', 'Acme', '2026-01-01T00:00:00+00:00');
         INSERT INTO campaigns (id, org_id, name, currency, time_zone, created_at, updated_at)
             VALUES ('c-1', 'org-1', 'Spring', 'USD', 'UTC', '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00');",
    )
    .execute(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    (db, pool)
}

/// The database opened as the server opens it (which migrates it), and a plain pool on it.
async fn reopened(
    db: &spendlens_testkit::TestDatabase,
) -> (std::sync::Arc<dyn spendlens_store::Store>, sqlx::SqlitePool) {
    let store = spendlens_store::connect(db.url())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pool = sqlx::SqlitePool::connect(db.url())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (store, pool)
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
            "sqlite" => sqlite_migrated(db.url(), &old).await.close().await,
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

/// The last migration with metric rows stamped as text on SQLite.
const BEFORE_INTEGER_STAMPS: i64 = 17;

#[tokio::test]
async fn sqlite_metric_rows_stamped_as_text_become_the_same_instant_in_microseconds() {
    let (db, pool) = sqlite_campaign_before("upgrade-stamps", BEFORE_INTEGER_STAMPS).await;
    // Stamps as sqlx wrote them (no fraction, 3, 6 and 9 digits), and one as a hand-written
    // literal with its offset.
    let base = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap();
    let stamps: Vec<(String, Option<DateTime<Utc>>, i64)> = vec![
        ("a".into(), Some(base), base.timestamp_micros()),
        (
            "b".into(),
            Some(base + chrono::Duration::milliseconds(5)),
            base.timestamp_micros() + 5_000,
        ),
        (
            "c".into(),
            Some(base + chrono::Duration::microseconds(123_456)),
            base.timestamp_micros() + 123_456,
        ),
        (
            "d".into(),
            Some(base + chrono::Duration::nanoseconds(987_654_321)),
            base.timestamp_micros() + 987_654,
        ),
        (
            "e".into(),
            None,
            base.timestamp_micros() - 3_600_000_000 + 250_000,
        ),
    ];
    for (ext, stamp, _) in &stamps {
        let query = sqlx::query(
            "INSERT INTO daily_metrics (campaign_id, platform, date, external_campaign_id, spend_micros, impressions, \
             engagements, clicks, conversions_micros, conversion_value_micros, revenue_micros, currency, import_id, updated_at) \
             VALUES ('c-1', 'meta', '2026-11-20', $1, 12340000, 10, 1, 2, 0, NULL, 5000000, 'USD', NULL, $2)",
        )
        .bind(ext);
        let query = match stamp {
            Some(t) => query.bind(*t),
            None => query.bind("2026-11-21T12:00:00.25+01:00"),
        };
        query.execute(&pool).await.unwrap_or_else(|e| panic!("{e}"));
    }
    let typed: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT typeof(updated_at) FROM daily_metrics")
            .fetch_all(&pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(typed, ["text"], "the old schema stores sqlx's text");
    pool.close().await;

    // Opening the database migrates it to the current schema.
    let (store, pool) = reopened(&db).await;
    let stored: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT external_campaign_id, typeof(updated_at), updated_at FROM daily_metrics ORDER BY external_campaign_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let expected: Vec<(String, String, i64)> = stamps
        .iter()
        .map(|(ext, _, micros)| (ext.clone(), "integer".to_owned(), *micros))
        .collect();
    assert_eq!(stored, expected);

    // The rows read as before, and a new write stamps its row in microseconds.
    let (org, campaign) = (OrgId::new("org-1"), CampaignId::new("c-1"));
    let date = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_else(|| panic!("2026-11-{d}"));
    let day = date(20);
    let rows = store
        .daily_series(&org, &campaign, day, day)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The day's one series row sums the five stored rows.
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].spend, rust_decimal::Decimal::new(6170, 2));
    let now =
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap() + chrono::Duration::microseconds(7);
    let mut row: DailyRow = rows[0].clone();
    row.date = date(21);
    store
        .upsert_rows(&org, &campaign, &[row], None, now)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the campaign is there"));
    let written: (String, i64) = sqlx::query_as(
        "SELECT typeof(updated_at), updated_at FROM daily_metrics WHERE date = '2026-11-21'",
    )
    .fetch_one(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(written, ("integer".to_owned(), now.timestamp_micros()));
    // So does an import's merge.
    let record = spendlens_store::ImportRecord {
        source: "canonical".to_owned(),
        file_name: Some("more.csv".to_owned()),
        content_hash: None,
        detail: None,
    };
    let later = now + chrono::Duration::seconds(61);
    let mut writer = store
        .begin_import(&org, &campaign, &record, later)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the campaign is there"));
    let mut row: DailyRow = rows[0].clone();
    row.date = date(19);
    writer.write(&[row]).await.unwrap_or_else(|e| panic!("{e}"));
    writer.commit(None).await.unwrap_or_else(|e| panic!("{e}"));
    let merged: (String, i64) = sqlx::query_as(
        "SELECT typeof(updated_at), updated_at FROM daily_metrics WHERE date = '2026-11-19'",
    )
    .fetch_one(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(merged, ("integer".to_owned(), later.timestamp_micros()));
    pool.close().await;
}

/// An import record as stored: seq, id, source, file name, content hash, rows, time, detail.
type ImportRow = (
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    String,
    Option<String>,
);

/// The last migration with metric rows naming their import by its UUID's text on SQLite.
const BEFORE_IMPORT_KEYS: i64 = 18;

#[tokio::test]
async fn sqlite_metric_rows_name_the_same_import_by_its_integer_key() {
    let (db, pool) = sqlite_campaign_before("upgrade-import-keys", BEFORE_IMPORT_KEYS).await;
    // Two imports, the later one inserted first, and rows of each and of none.
    sqlx::raw_sql(
        "INSERT INTO imports (id, campaign_id, source, file_name, content_hash, row_count, created_at, detail)
             VALUES ('imp-later', 'c-1', 'meta_csv', 'b.csv', 'hash-b', 2, '2026-11-02T00:00:00+00:00', '{\"sheet\":1}'),
                    ('imp-earlier', 'c-1', 'canonical', 'a.csv', NULL, 1, '2026-11-01T00:00:00+00:00', NULL);
         INSERT INTO daily_metrics (campaign_id, platform, date, external_campaign_id, spend_micros, impressions,
             engagements, clicks, conversions_micros, conversion_value_micros, revenue_micros, currency, import_id, updated_at)
         VALUES ('c-1', 'meta', '2026-11-20', 'a', 1000000, 10, 1, 2, 0, NULL, NULL, 'USD', 'imp-earlier', 1),
                ('c-1', 'meta', '2026-11-20', 'b', 2000000, 10, 1, 2, 0, NULL, NULL, 'USD', 'imp-later', 2),
                ('c-1', 'meta', '2026-11-21', 'b', 3000000, 10, 1, 2, 0, NULL, NULL, 'USD', 'imp-later', 3),
                ('c-1', 'meta', '2026-11-21', 'c', 4000000, 10, 1, 2, 0, NULL, NULL, 'USD', NULL, 4);",
    )
    .execute(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    pool.close().await;

    let (store, pool) = reopened(&db).await;
    let fetch = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_as::<_, (String, Option<i64>, Option<String>, i64)>(sql)
                .fetch_all(&pool)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    // The imports are numbered in the order they were made, and keep every field.
    let imports: Vec<ImportRow> =
        sqlx::query_as(
            "SELECT seq, id, source, file_name, content_hash, row_count, created_at, detail FROM imports ORDER BY seq",
        )
        .fetch_all(&pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        imports,
        [
            (
                1,
                "imp-earlier".into(),
                "canonical".into(),
                Some("a.csv".into()),
                None,
                1,
                "2026-11-01T00:00:00+00:00".into(),
                None
            ),
            (
                2,
                "imp-later".into(),
                "meta_csv".into(),
                Some("b.csv".into()),
                Some("hash-b".into()),
                2,
                "2026-11-02T00:00:00+00:00".into(),
                Some("{\"sheet\":1}".into())
            ),
        ]
    );
    // Each row names the same import as before, by its key, with the rest of the row as it was.
    let rows_sql = "SELECT m.external_campaign_id || '/' || m.date, m.import_id, i.id, m.spend_micros \
                    FROM daily_metrics AS m LEFT JOIN imports AS i ON i.seq = m.import_id \
                    ORDER BY m.external_campaign_id, m.date";
    let named = |ext: &str, seq: Option<i64>, id: Option<&str>, spend: i64| {
        (ext.to_owned(), seq, id.map(str::to_owned), spend)
    };
    assert_eq!(
        fetch(rows_sql).await,
        [
            named("a/2026-11-20", Some(1), Some("imp-earlier"), 1_000_000),
            named("b/2026-11-20", Some(2), Some("imp-later"), 2_000_000),
            named("b/2026-11-21", Some(2), Some("imp-later"), 3_000_000),
            named("c/2026-11-21", None, None, 4_000_000),
        ]
    );
    let broken: Vec<(String,)> = sqlx::query_as("SELECT 'x' FROM pragma_foreign_key_check")
        .fetch_all(&pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(broken.is_empty(), "every reference holds: {broken:?}");

    // A new import's merge names its rows by the new record's key, and answers its UUID.
    let (org, campaign) = (OrgId::new("org-1"), CampaignId::new("c-1"));
    let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_else(|| panic!("a day"));
    let series = store
        .daily_series(&org, &campaign, day, day)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(series[0].spend, rust_decimal::Decimal::new(300, 2));
    let record = spendlens_store::ImportRecord {
        source: "canonical".to_owned(),
        file_name: Some("more.csv".to_owned()),
        content_hash: None,
        detail: None,
    };
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap();
    let mut writer = store
        .begin_import(&org, &campaign, &record, now)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the campaign is there"));
    let mut row: DailyRow = series[0].clone();
    row.date = NaiveDate::from_ymd_opt(2026, 11, 19).unwrap_or_else(|| panic!("a day"));
    row.external_campaign_id = "d".to_owned();
    writer
        .write(&[row.clone()])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let committed = writer.commit(None).await.unwrap_or_else(|e| panic!("{e}"));
    // So does a small batch written with an import record, row by row.
    row.date = NaiveDate::from_ymd_opt(2026, 11, 18).unwrap_or_else(|| panic!("a day"));
    store
        .upsert_rows(&org, &campaign, &[row], Some(&record), now)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the campaign is there"));
    let new_rows = fetch(
        "SELECT m.external_campaign_id || '/' || m.date, m.import_id, i.id, m.spend_micros \
         FROM daily_metrics AS m LEFT JOIN imports AS i ON i.seq = m.import_id \
         WHERE m.date < '2026-11-20' ORDER BY m.date",
    )
    .await;
    assert_eq!(new_rows.len(), 2);
    assert_eq!(
        new_rows[0].1,
        Some(4),
        "the second new import is the fourth record"
    );
    assert_eq!(new_rows[1].1, Some(3));
    assert_eq!(new_rows[1].2.as_deref(), Some(committed.import_id.as_str()));
    assert!(new_rows[0].2.is_some());

    // Deleting an import forgets it on its rows (the reference's `ON DELETE SET NULL`).
    sqlx::query("DELETE FROM imports WHERE id = 'imp-later'")
        .execute(&pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let orphaned: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM daily_metrics WHERE external_campaign_id = 'b' AND import_id IS NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(orphaned, 2);
    pool.close().await;
}
