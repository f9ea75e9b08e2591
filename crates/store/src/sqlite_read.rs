//! Long reads of an SQLite file through rusqlite, beside the sqlx pool.
//!
//! sqlx runs each SQLite connection on a worker thread and hands every row to the caller
//! through a channel, copying each column's value (`sqlite3_value_dup`) on the way
//! (launchbadge/sqlx#1175). On a campaign's two years of daily rows that costs about 2.5 µs a
//! row, three times SQLite's own scan, and two campaigns read at once are no faster than one.
//! The financial report of a large organisation reads millions of rows, so the daily series
//! (the one read that long) goes through plain rusqlite connections here: the statement steps
//! on the calling blocking thread and each column is read in place.
//!
//! The connections are opened on the same file, after the pool has migrated it, with
//! `query_only` set: nothing is ever written through them. WAL mode lets them read beside the
//! pool's writer, and each sees what was committed when its statement began, as a pool
//! connection would. An in-memory database has no file to open again; it is read through the
//! pool.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;
use rusqlite::{Connection, OpenFlags, named_params};
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_core::daily::DailyRow;
use spendlens_core::platform::Platform;

use crate::metrics::{DAILY_SERIES_SQL, DaySeries};
use crate::{Result, StoreError};

/// At most this many idle connections are kept for the next reads.
const IDLE: usize = 8;

/// Read-only rusqlite connections to the store's file, opened when first needed.
#[derive(Debug, Clone)]
pub(crate) struct Reader {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Connection>>>,
}

impl Reader {
    pub(crate) fn new(path: PathBuf) -> Self {
        Reader {
            path,
            idle: Arc::new(Mutex::new(Vec::new())),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        // A long read visits each page once: a small cache (2 MiB, against the pool's 16) keeps
        // the memory of several readers low and costs nothing here.
        conn.execute_batch("PRAGMA query_only = ON; PRAGMA cache_size = -2048")?;
        Ok(conn)
    }

    /// Runs `read` on an idle connection (or a new one) on a blocking thread, and keeps the
    /// connection for the next read unless the read failed.
    async fn with<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let reader = self.clone();
        tokio::task::spawn_blocking(move || {
            let taken = reader
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            let conn = match taken {
                Some(c) => c,
                None => reader.open()?,
            };
            let out = read(&conn)?;
            let mut idle = reader.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < IDLE {
                idle.push(conn);
            }
            Ok(out)
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("a database read stopped: {e}")))?
    }

    /// The campaign's days from `from` to `to` as [`crate::metrics::MetricStore::daily_series`]
    /// returns them.
    pub(crate) async fn daily_series(
        &self,
        org: &OrgId,
        id: &CampaignId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyRow>> {
        let (org, id) = (org.as_str().to_owned(), id.as_str().to_owned());
        let to_day = to;
        let (from, to) = (from.to_string(), to.to_string());
        self.with(move |conn| {
            let mut stmt = conn.prepare_cached(DAILY_SERIES_SQL)?;
            let mut rows = stmt.query(named_params! {"$1": org, "$2": id, "$3": from, "$4": to})?;
            let mut series = DaySeries::new(to_day);
            // Rows come in date order: a date is parsed once for its platforms.
            let mut last_date: Option<(String, NaiveDate)> = None;
            while let Some(r) = rows.next()? {
                let text = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
                let date = match &last_date {
                    Some((t, d)) if t == text => *d,
                    _ => {
                        let d = text
                            .parse::<NaiveDate>()
                            .map_err(|e| StoreError::Invalid(format!("stored date {text}: {e}")))?;
                        last_date = Some((text.to_owned(), d));
                        d
                    }
                };
                let name = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
                let Ok(platform) = name.parse::<Platform>() else {
                    tracing::warn!(platform = %name, "skipping rows of an unknown platform");
                    continue;
                };
                let mut values = [None; 7];
                for (k, slot) in values.iter_mut().enumerate() {
                    *slot = r.get::<_, Option<i64>>(2 + k)?;
                }
                let currency = r
                    .get_ref(9)?
                    .as_str_or_null()
                    .map_err(rusqlite::Error::from)?;
                series.add(date, platform, values, currency);
            }
            Ok(series.finish())
        })
        .await
    }
}
