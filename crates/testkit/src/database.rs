//! One database per test, removed when the test ends: a SQLite file in the temp directory, or a
//! PostgreSQL database on the server named by `SPENDLENS_TEST_POSTGRES_URL`.
//!
//! The database is a guard: dropping it deletes the file or runs `DROP DATABASE … WITH (FORCE)`
//! (which also ends the connections a test server still holds). Drop runs at the end of the test
//! and while a failing test unwinds, so neither a pass nor a failure leaves a database behind.
use std::fmt;
use std::ops::Deref;
use std::path::PathBuf;

use sqlx::Connection;

use crate::tools::unavailable;

/// The variable naming a PostgreSQL server (an admin URL, e.g.
/// `postgres://postgres:postgres@127.0.0.1:5432/postgres`) on which tests create databases.
pub const POSTGRES_URL_VAR: &str = "SPENDLENS_TEST_POSTGRES_URL";

/// A fresh database for one test; it dereferences to its connection URL.
pub struct TestDatabase {
    url: String,
    place: Place,
}

enum Place {
    Sqlite(PathBuf),
    Postgres { admin: String, name: String },
}

impl TestDatabase {
    /// A new SQLite file in `<temp>/<dir>/` (the directory names the suite, e.g.
    /// `spendlens-web-tests`), created by the store on first connection.
    pub fn sqlite(dir: &str) -> TestDatabase {
        let dir = std::env::temp_dir().join(dir);
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join(format!("{}.db", uuid::Uuid::new_v4().simple()));
        TestDatabase {
            url: format!("sqlite://{}", file.display()),
            place: Place::Sqlite(file),
        }
    }

    /// A new PostgreSQL database named `spendlens_test_<suite>_<uuid>` (a leftover says which
    /// suite made it), or `None` when `SPENDLENS_TEST_POSTGRES_URL` is unset: the PostgreSQL half
    /// of the test is then skipped with a line on stderr, or fails under CI.
    pub async fn postgres(suite: &str) -> Option<TestDatabase> {
        let Ok(admin) = std::env::var(POSTGRES_URL_VAR) else {
            unavailable(" on PostgreSQL", &format!("no {POSTGRES_URL_VAR}"));
            return None;
        };
        let name = format!("spendlens_test_{suite}_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR}: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("create database {name}: {e}"));
        let _ = conn.close().await;
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        Some(TestDatabase {
            url: format!("{base}/{name}"),
            place: Place::Postgres { admin, name },
        })
    }

    /// The connection URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `"sqlite"` or `"postgres"`, for assertion messages.
    pub fn backend(&self) -> &'static str {
        match self.place {
            Place::Sqlite(_) => "sqlite",
            Place::Postgres { .. } => "postgres",
        }
    }
}

impl TestDatabase {
    /// Runs `sql` (one or more statements, no parameters) on the database, around whatever the
    /// application does: for tests that need data no door of spendlens lets in (a row stored
    /// before a limit existed). Panics on an error, naming the database.
    pub async fn execute(&self, sql: &str) {
        let result = match &self.place {
            Place::Sqlite(_) => match sqlx::SqliteConnection::connect(&self.url).await {
                Ok(mut conn) => {
                    let done = sqlx::raw_sql(sql).execute(&mut conn).await.map(|_| ());
                    let _ = conn.close().await;
                    done
                }
                Err(e) => Err(e),
            },
            Place::Postgres { .. } => match sqlx::PgConnection::connect(&self.url).await {
                Ok(mut conn) => {
                    let done = sqlx::raw_sql(sql).execute(&mut conn).await.map(|_| ());
                    let _ = conn.close().await;
                    done
                }
                Err(e) => Err(e),
            },
        };
        if let Err(e) = result {
            panic!("{self:?}: {e}\n{sql}");
        }
    }
}

/// The URL, so a guard goes wherever a `&str` URL went (`TestApp::spawn(&db)`).
impl Deref for TestDatabase {
    type Target = str;

    fn deref(&self) -> &str {
        &self.url
    }
}

/// Names the database without the server's password.
impl fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.place {
            Place::Sqlite(file) => write!(f, "TestDatabase(sqlite {})", file.display()),
            Place::Postgres { name, .. } => write!(f, "TestDatabase(postgres {name})"),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let result = match &self.place {
            Place::Sqlite(file) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let mut path = file.clone().into_os_string();
                    path.push(suffix);
                    let _ = std::fs::remove_file(path);
                }
                Ok(())
            }
            Place::Postgres { admin, name } => drop_postgres(admin, name),
        };
        if let Err(e) = result {
            // Never panic here: this may run while a failed test unwinds.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "warning: {self:?} not dropped: {e}");
        }
    }
}

/// Drops the database from a thread of its own: `Drop` is synchronous and usually runs on a
/// thread already driving the test's runtime, where blocking on another future would panic.
fn drop_postgres(admin: &str, name: &str) -> Result<(), String> {
    let admin = admin.to_owned();
    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .map_err(|e| e.to_string())?;
            sqlx::query(&sql)
                .execute(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            let _ = conn.close().await;
            Ok(())
        })
    })
    .join()
    .unwrap_or_else(|_| Err("the dropping thread panicked".to_owned()))
}
