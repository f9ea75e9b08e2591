//! The SQLite half of an import's merge (see `staging.rs`): the spooled rows, in key order,
//! upserted straight into `daily_metrics` by batched multi-row statements inside the merge's
//! transaction. Each row is written once; a fresh campaign's rows arrive in the table's key
//! order, so its B-tree only grows at its right edge.
//!
//! The counts: when the campaign holds no row in the import's months (the first import of a
//! campaign), every row is new and nothing is read. Otherwise each batch first reads the
//! stored rows of its key range (one range of the primary key) and compares them in Rust.
//! Rejected: a staging table joined once against `daily_metrics` (the rows written twice,
//! see `spool.rs`); `RETURNING` on the upsert (it cannot tell an unchanged row from an
//! updated one).

use std::collections::HashMap;

use chrono::{Datelike as _, NaiveDate};
use sqlx::error::BoxDynError;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments as _, Pool, Row as _, Sqlite, SqliteConnection};

use crate::Result;
use crate::imports::{UpsertCounts, Values};
use crate::rollup::MonthSums;
use crate::spool::{Spool, Staged};
use crate::staging::Target;

/// Rows per statement: 2,000 × 11 parameters (plus 3 for the import) stays under SQLite's
/// limit of 32,766, and amortises a statement's cost (its reset, its statement journal of the
/// pages it touches) over many rows.
const BATCH_ROWS: usize = 2000;
/// Parameters of a row.
const COLUMNS: usize = 11;

/// The upsert of `n` rows. The import's three constants (campaign, import, time) are bound
/// once per statement, as the first parameters (anonymous `?` parameters number in text
/// order: see `backend.rs` for why they are anonymous).
fn upsert_sql(n: usize) -> String {
    let mut sql = String::with_capacity(600 + n * 26);
    sql.push_str(
        "INSERT INTO daily_metrics (campaign_id, platform, date, external_campaign_id, spend_micros, \
         impressions, engagements, clicks, conversions_micros, conversion_value_micros, revenue_micros, \
         currency, import_id, updated_at) \
         SELECT k.campaign_id, v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, \
         v.column7, v.column8, v.column9, v.column10, v.column11, k.import_id, k.updated_at \
         FROM (SELECT ? AS campaign_id, ? AS import_id, ? AS updated_at) AS k, (VALUES ",
    );
    for i in 0..n {
        sql.push_str(if i == 0 { "(" } else { ",(" });
        for c in 0..COLUMNS {
            sql.push_str(if c == 0 { "?" } else { ",?" });
        }
        sql.push(')');
    }
    // `WHERE true`: SQLite reads `INSERT … SELECT … ON CONFLICT` unambiguously only with one.
    sql.push_str(concat!(
        ") AS v WHERE true ",
        crate::imports::upsert_daily_rows!()
    ));
    sql
}

/// The import's connection for its merge, set up for a bulk write: a smaller page cache (rows
/// arrive in key order, so few pages are touched twice, and the process stays small), and no
/// foreign-key checks, which cost two lookups per row, half of SQLite's work in the merge. The
/// merge's rows cannot break a reference: their campaign is the row the transaction locked,
/// their import the record it inserted, and the merge deletes nothing.
///
/// The connection's settings come back in [`Session::close`]; a session dropped before (a
/// merge abandoned half-way) closes its connection instead of returning it to the pool as it
/// is. An in-memory database, which lives in its one connection, keeps its settings.
#[derive(Debug)]
pub(crate) struct Session {
    conn: PoolConnection<Sqlite>,
    /// Whether the settings were changed and must come back.
    changed: bool,
}

impl Session {
    /// Takes a connection of `pool` for a merge (outside any transaction: SQLite ignores a
    /// change of `foreign_keys` inside one).
    pub(crate) async fn open(pool: &Pool<Sqlite>) -> Result<Session> {
        let mut conn = pool.acquire().await?;
        let file: String =
            sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                .fetch_one(&mut *conn)
                .await?;
        let mut session = Session {
            conn,
            changed: false,
        };
        if !file.is_empty() {
            session.changed = true;
            sqlx::query("PRAGMA foreign_keys = OFF; PRAGMA cache_size = -4096")
                .execute(&mut *session.conn)
                .await?;
        }
        Ok(session)
    }

    /// The connection the merge's transaction runs on.
    pub(crate) fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }

    /// Restores the connection's settings (after the merge's transaction ended).
    pub(crate) async fn close(mut self) -> Result<()> {
        if self.changed {
            sqlx::query(crate::sqlite::CONNECTION_SETTINGS)
                .execute(&mut *self.conn)
                .await?;
            self.changed = false;
        }
        Ok(())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.changed {
            self.conn.close_on_drop();
        }
    }
}

/// Writes the spooled rows into the campaign inside the merge's transaction (`conn`); returns
/// what they did to the stored rows, and adds each row to `months`.
///
/// Pipelined: while SQLite (on sqlx's worker thread) executes a batch's statement, the next
/// batch is received from the spool's reader and bound.
pub(crate) async fn load(
    conn: &mut SqliteConnection,
    target: &Target<'_, i64>,
    spool: &Spool,
    months: &mut MonthSums,
) -> Result<UpsertCounts> {
    let full_sql = upsert_sql(BATCH_ROWS);
    let mut counts = UpsertCounts::default();
    let mut batches = spool.batches(BATCH_ROWS)?;
    let Some(batch) = batches.recv().await.transpose()? else {
        return Ok(counts);
    };
    let mut next = Some(batch);
    while let Some(batch) = next.take() {
        if target.fresh {
            counts.inserted += batch.len() as u64;
        } else {
            count_batch(conn, target.campaign_id, &batch, &mut counts).await?;
        }
        for row in &batch {
            months.add(row);
        }
        let short_sql;
        let sql = if batch.len() == BATCH_ROWS {
            full_sql.as_str()
        } else {
            short_sql = upsert_sql(batch.len());
            short_sql.as_str()
        };
        let query = sqlx::query_with(sql, arguments(target, batch)?);
        let (written, received) = tokio::join!(query.execute(&mut *conn), batches.recv());
        written?;
        next = received.transpose()?;
    }
    Ok(counts)
}

/// A batch's parameters: the import's three, then each row's (its strings moved, not copied).
fn arguments<'q>(target: &Target<'q, i64>, batch: Vec<Staged>) -> Result<SqliteArguments<'q>> {
    let mut args = SqliteArguments::default();
    args.reserve(3 + batch.len() * COLUMNS, 0);
    let add = |result: std::result::Result<(), BoxDynError>| {
        result.map_err(|e| crate::StoreError::Invalid(format!("an import's value: {e}")))
    };
    add(args.add(target.campaign_id))?;
    add(args.add(*target.import_key))?;
    add(args.add(<Sqlite as crate::backend::RowStamp>::stamp(target.now)))?;
    for row in batch {
        let v = row.values;
        let mut day = String::with_capacity(10);
        write_day(&mut day, row.date);
        add(args.add(row.platform.as_str()))?;
        add(args.add(day))?;
        add(args.add(row.external_campaign_id))?;
        add(args.add(v.spend))?;
        add(args.add(v.impressions))?;
        add(args.add(v.engagements))?;
        add(args.add(v.clicks))?;
        add(args.add(v.conversions))?;
        add(args.add(v.conversion_value))?;
        add(args.add(v.revenue))?;
        add(args.add(v.currency))?;
    }
    Ok(args)
}

/// Appends a day as sqlx stores a `NaiveDate` in SQLite (`%Y-%m-%d`), without chrono's
/// formatting machinery for the common four-digit years.
fn write_day(out: &mut String, day: NaiveDate) {
    let (y, m, d) = (day.year(), day.month(), day.day());
    if (0..=9999).contains(&y) {
        for n in [y / 1000, y / 100 % 10, y / 10 % 10, y % 10] {
            out.push(char::from(b'0' + u8::try_from(n).unwrap_or(0)));
        }
        for (sep, n) in [('-', m), ('-', d)] {
            out.push(sep);
            out.push(char::from(b'0' + u8::try_from(n / 10).unwrap_or(0)));
            out.push(char::from(b'0' + u8::try_from(n % 10).unwrap_or(0)));
        }
    } else {
        out.push_str(&day.format("%Y-%m-%d").to_string());
    }
}

/// Counts a batch's rows as new, changed or as stored, against the stored rows of the batch's
/// key range (the batch is in key order; SQLite compares text bytewise, as the spool sorts).
async fn count_batch(
    conn: &mut SqliteConnection,
    campaign_id: &str,
    batch: &[Staged],
    counts: &mut UpsertCounts,
) -> Result<()> {
    let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
        return Ok(());
    };
    let stored = sqlx::query(
        "SELECT date, platform, external_campaign_id, spend_micros, impressions, engagements, clicks, \
         conversions_micros, conversion_value_micros, revenue_micros, currency FROM daily_metrics \
         WHERE campaign_id = $1 AND (date, platform, external_campaign_id) >= ($2, $3, $4) \
         AND (date, platform, external_campaign_id) <= ($5, $6, $7)",
    )
    .bind(campaign_id)
    .bind(first.date)
    .bind(first.platform.as_str())
    .bind(first.external_campaign_id.as_str())
    .bind(last.date)
    .bind(last.platform.as_str())
    .bind(last.external_campaign_id.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let mut by_key: HashMap<(NaiveDate, String, String), Values> =
        HashMap::with_capacity(stored.len());
    for row in &stored {
        by_key.insert(
            (
                row.try_get("date")?,
                row.try_get("platform")?,
                row.try_get("external_campaign_id")?,
            ),
            Values::read(row)?,
        );
    }
    for row in batch {
        let key = (
            row.date,
            row.platform.as_str().to_owned(),
            row.external_campaign_id.clone(),
        );
        match by_key.get(&key) {
            None => counts.inserted += 1,
            Some(old) if *old == row.values => counts.unchanged += 1,
            Some(_) => counts.updated += 1,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_written_as_sqlx_binds_them() {
        for s in ["2026-01-09", "0001-12-31", "9999-10-01", "2024-02-29"] {
            let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
            let mut out = String::new();
            write_day(&mut out, day);
            assert_eq!(out, s);
            assert_eq!(out, day.format("%F").to_string());
        }
    }
}
