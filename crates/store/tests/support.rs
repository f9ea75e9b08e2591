//! Fresh databases for each test.
use std::sync::Arc;

use spendlens_store::Store;
use sqlx::Connection;

/// A fresh SQLite file in the temp directory.
pub fn sqlite_url() -> String {
    let dir = std::env::temp_dir().join("spendlens-store-tests");
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{}.db", uuid::Uuid::new_v4().simple()));
    format!("sqlite://{}", file.display())
}

/// A fresh PostgreSQL database on the server of `SPENDLENS_TEST_POSTGRES_URL`, if set.
pub async fn postgres_url() -> Option<String> {
    let admin = std::env::var("SPENDLENS_TEST_POSTGRES_URL").ok()?;
    let name = format!("spendlens_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("SPENDLENS_TEST_POSTGRES_URL: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("create database: {e}"));
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    Some(format!("{base}/{name}"))
}

/// Every backend this run can test, freshly created.
pub async fn stores() -> Vec<(&'static str, Arc<dyn Store>)> {
    let mut out: Vec<(&'static str, Arc<dyn Store>)> = Vec::new();
    let sqlite = spendlens_store::connect(&sqlite_url())
        .await
        .unwrap_or_else(|e| panic!("sqlite: {e}"));
    out.push(("sqlite", sqlite));
    if let Some(url) = postgres_url().await {
        let pg = spendlens_store::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("postgres: {e}"));
        out.push(("postgres", pg));
    }
    out
}
