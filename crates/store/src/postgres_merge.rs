//! The PostgreSQL half of an import's merge (see `staging.rs`): the spooled rows streamed by
//! `COPY … FROM STDIN (FORMAT binary)` inside the merge's transaction, each key once (the spool
//! keeps a key's last row).
//!
//! When the campaign holds no row in the import's months (a campaign's first import), the rows
//! are copied straight into `daily_metrics`: nothing can conflict (the campaign's row is
//! locked, so no other writer of it runs), and every row is new. Otherwise they are copied into
//! a temporary table of the transaction (`ON COMMIT DROP`: gone with the commit or the
//! rollback), counted against the stored rows by one join, and merged by one
//! `INSERT … SELECT … ON CONFLICT`. Either way without per-row foreign-key checks when the
//! role may turn them off (see [`without_reference_checks`]). Rejected: the batched multi-row
//! statements of SQLite (a round trip and a plan per batch, far from COPY's speed).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, Pool, Postgres};

use crate::imports::UpsertCounts;
use crate::rollup::MonthSums;
use crate::spool::{Spool, Staged};
use crate::staging::Target;
use crate::{Result, StoreError};

/// Bytes gathered before they are sent as one chunk of the COPY.
const CHUNK: usize = 256 * 1024;

/// The columns of a staged row, in the order [`tuple`] writes them.
const STAGED_COLUMNS: &str = "platform, date, external_campaign_id, spend_micros, impressions, \
     engagements, clicks, conversions_micros, conversion_value_micros, revenue_micros, currency";

/// The staged rows against the stored ones, before the merge: how many there are, how many
/// keys exist already, and how many of those hold the very same values (a missing value equals
/// a missing value: `IS NOT DISTINCT FROM`).
const COUNT_CHANGES: &str = "SELECT COUNT(*), COUNT(d.date), \
     COALESCE(SUM(CASE WHEN d.date IS NOT NULL \
     AND d.spend_micros IS NOT DISTINCT FROM s.spend_micros \
     AND d.impressions IS NOT DISTINCT FROM s.impressions \
     AND d.engagements IS NOT DISTINCT FROM s.engagements \
     AND d.clicks IS NOT DISTINCT FROM s.clicks \
     AND d.conversions_micros IS NOT DISTINCT FROM s.conversions_micros \
     AND d.conversion_value_micros IS NOT DISTINCT FROM s.conversion_value_micros \
     AND d.revenue_micros IS NOT DISTINCT FROM s.revenue_micros \
     AND d.currency IS NOT DISTINCT FROM s.currency THEN 1 ELSE 0 END), 0) \
     FROM import_staging s LEFT JOIN daily_metrics d ON d.campaign_id = $1 \
     AND d.platform = s.platform AND d.date = s.date \
     AND d.external_campaign_id = s.external_campaign_id";

/// The merge: every staged row into the campaign's rows (each key is staged once).
const MERGE: &str = concat!(
    "INSERT INTO daily_metrics (campaign_id, platform, date, external_campaign_id, \
     spend_micros, impressions, engagements, clicks, conversions_micros, conversion_value_micros, \
     revenue_micros, currency, import_id, updated_at) \
     SELECT $1, platform, date, external_campaign_id, spend_micros, impressions, engagements, clicks, \
     conversions_micros, conversion_value_micros, revenue_micros, currency, $2, $3 \
     FROM import_staging ORDER BY date, platform, external_campaign_id ",
    crate::imports::upsert_daily_rows!()
);

/// The import's connection for its merge: any of the pool's, as it is.
#[derive(Debug)]
pub(crate) struct Session {
    conn: PoolConnection<Postgres>,
}

impl Session {
    /// Takes a connection of `pool` for a merge.
    pub(crate) async fn open(pool: &Pool<Postgres>) -> Result<Session> {
        Ok(Session {
            conn: pool.acquire().await?,
        })
    }

    /// The connection the merge's transaction runs on.
    pub(crate) fn conn(&mut self) -> &mut PgConnection {
        &mut self.conn
    }

    /// Gives the connection back to the pool.
    pub(crate) async fn close(self) -> Result<()> {
        Ok(())
    }
}

/// Writes the spooled rows into the campaign inside the merge's transaction (`conn`); returns
/// what they did to the stored rows, and adds each row to `months`.
pub(crate) async fn load(
    conn: &mut PgConnection,
    target: &Target<'_, String>,
    spool: &Spool,
    months: &mut MonthSums,
) -> Result<UpsertCounts> {
    if target.fresh {
        let checks_off = without_reference_checks(conn).await?;
        let copied = copy(
            conn,
            &format!(
                "COPY daily_metrics (campaign_id, {STAGED_COLUMNS}, import_id, updated_at) \
                 FROM STDIN (FORMAT binary)"
            ),
            spool,
            months,
            Some(target),
        )
        .await?;
        if checks_off {
            with_reference_checks(conn).await?;
        }
        return Ok(UpsertCounts {
            inserted: copied,
            updated: 0,
            unchanged: 0,
            removed: 0,
        });
    }
    sqlx::query(
        "CREATE TEMP TABLE import_staging (\
         platform TEXT NOT NULL, date DATE NOT NULL, external_campaign_id TEXT NOT NULL, \
         spend_micros BIGINT NOT NULL, impressions BIGINT NOT NULL, engagements BIGINT NOT NULL, \
         clicks BIGINT NOT NULL, conversions_micros BIGINT NOT NULL, conversion_value_micros BIGINT, \
         revenue_micros BIGINT, currency TEXT) ON COMMIT DROP",
    )
    .execute(&mut *conn)
    .await?;
    copy(
        conn,
        &format!("COPY import_staging ({STAGED_COLUMNS}) FROM STDIN (FORMAT binary)"),
        spool,
        months,
        None,
    )
    .await?;
    // Temporary tables are never analysed automatically: without statistics the join below
    // is planned for a handful of rows.
    sqlx::query("ANALYZE import_staging")
        .execute(&mut *conn)
        .await?;
    let (staged, existing, same): (i64, i64, i64) = sqlx::query_as(COUNT_CHANGES)
        .bind(target.campaign_id)
        .fetch_one(&mut *conn)
        .await?;
    let whole = |n: i64| u64::try_from(n).unwrap_or(0);
    let checks_off = without_reference_checks(conn).await?;
    sqlx::query(MERGE)
        .bind(target.campaign_id)
        .bind(target.import_key)
        .bind(target.now)
        .execute(&mut *conn)
        .await?;
    if checks_off {
        with_reference_checks(conn).await?;
    }
    Ok(UpsertCounts {
        inserted: whole(staged - existing),
        updated: whole(existing - same),
        unchanged: whole(same),
        removed: 0,
    })
}

/// Turns the foreign-key checks off for the rest of the transaction when the role may
/// (`session_replication_role = replica`: a superuser, or a role granted `SET` on it, as
/// pg_restore's `--disable-triggers` does); whether it could. The checks run a query per row
/// and reference (two per row here), two thirds of a bulk write's time, and the merge's rows
/// cannot break a reference: their campaign is the row the transaction locked, their import
/// the record it inserted. The setting also stops every other ordinary trigger, so it is on
/// only around the one statement that writes the rows (`daily_metrics` has no trigger of its
/// own), and `SET LOCAL` ends with the transaction whatever happens. A role that may not
/// keeps the checks: slower, as correct.
async fn without_reference_checks(conn: &mut PgConnection) -> Result<bool> {
    sqlx::query("SAVEPOINT reference_checks")
        .execute(&mut *conn)
        .await?;
    match sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *conn)
        .await
    {
        Ok(_) => {
            sqlx::query("RELEASE SAVEPOINT reference_checks")
                .execute(&mut *conn)
                .await?;
            Ok(true)
        }
        Err(sqlx::Error::Database(_)) => {
            sqlx::query("ROLLBACK TO SAVEPOINT reference_checks")
                .execute(&mut *conn)
                .await?;
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// Turns the checks back on (see [`without_reference_checks`]).
async fn with_reference_checks(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SET LOCAL session_replication_role = origin")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Streams the spooled rows through `statement` (a binary COPY of the staged columns, with the
/// import's columns around them when `import` is given); returns the rows copied.
async fn copy(
    conn: &mut PgConnection,
    statement: &str,
    spool: &Spool,
    months: &mut MonthSums,
    import: Option<&Target<'_, String>>,
) -> Result<u64> {
    let mut batches = spool.batches(1000)?;
    let mut copy = conn.copy_in_raw(statement).await?;
    // The binary format's signature, flags and header extension length.
    let mut buffer: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
    buffer.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    buffer.extend_from_slice(&0i32.to_be_bytes());
    buffer.extend_from_slice(&0i32.to_be_bytes());
    let import = match import {
        Some(t) => Some((
            t.campaign_id,
            t.import_key.as_str(),
            micros_since_2000(t.now)?,
        )),
        None => None,
    };
    let mut copied = 0u64;
    while let Some(batch) = batches.recv().await {
        let batch = match batch {
            Ok(batch) => batch,
            Err(e) => {
                copy.abort(format!("the import's spool failed: {e}"))
                    .await?;
                return Err(e.into());
            }
        };
        for row in &batch {
            if let Err(e) = tuple(&mut buffer, row, import) {
                copy.abort(e.to_string()).await?;
                return Err(e);
            }
            months.add(row);
            copied += 1;
        }
        if buffer.len() >= CHUNK {
            copy.send(buffer.as_slice()).await?;
            buffer.clear();
        }
    }
    buffer.extend_from_slice(&(-1i16).to_be_bytes());
    copy.send(buffer.as_slice()).await?;
    copy.finish().await?;
    Ok(copied)
}

/// Appends one row in COPY's binary format: the field count, then each field's length (-1 for
/// NULL) and big-endian value (a date as days since 2000-01-01, a time as microseconds since
/// then).
fn tuple(out: &mut Vec<u8>, row: &Staged, import: Option<(&str, &str, i64)>) -> Result<()> {
    fn text(out: &mut Vec<u8>, s: &str) -> Result<()> {
        let n = i32::try_from(s.len())
            .map_err(|_| StoreError::Invalid("a text longer than PostgreSQL takes".into()))?;
        out.extend_from_slice(&n.to_be_bytes());
        out.extend_from_slice(s.as_bytes());
        Ok(())
    }
    fn bigint(out: &mut Vec<u8>, n: Option<i64>) {
        match n {
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(n) => {
                out.extend_from_slice(&8i32.to_be_bytes());
                out.extend_from_slice(&n.to_be_bytes());
            }
        }
    }
    let fields: i16 = if import.is_some() { 14 } else { 11 };
    out.extend_from_slice(&fields.to_be_bytes());
    if let Some((campaign_id, _, _)) = import {
        text(out, campaign_id)?;
    }
    text(out, row.platform.as_str())?;
    out.extend_from_slice(&4i32.to_be_bytes());
    out.extend_from_slice(&days_since_2000(row.date)?.to_be_bytes());
    text(out, &row.external_campaign_id)?;
    let v = &row.values;
    for n in [
        v.spend,
        v.impressions,
        v.engagements,
        v.clicks,
        v.conversions,
    ] {
        bigint(out, Some(n));
    }
    bigint(out, v.conversion_value);
    bigint(out, v.revenue);
    match &v.currency {
        None => out.extend_from_slice(&(-1i32).to_be_bytes()),
        Some(c) => text(out, c)?,
    }
    if let Some((_, import_id, updated_at)) = import {
        text(out, import_id)?;
        bigint(out, Some(updated_at));
    }
    Ok(())
}

/// PostgreSQL's epoch for dates and times.
fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
}

fn days_since_2000(date: NaiveDate) -> Result<i32> {
    i32::try_from((date - epoch()).num_days())
        .map_err(|_| StoreError::Invalid(format!("the date {date} is out of range")))
}

fn micros_since_2000(t: DateTime<Utc>) -> Result<i64> {
    let epoch = epoch().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    (t - epoch)
        .num_microseconds()
        .ok_or_else(|| StoreError::Invalid(format!("the time {t} is out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_count_from_2000() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        assert_eq!(days_since_2000(day("2000-01-01")).ok(), Some(0));
        assert_eq!(days_since_2000(day("1999-12-31")).ok(), Some(-1));
        assert_eq!(days_since_2000(day("2026-01-01")).ok(), Some(9497));
        let t = day("2000-01-02")
            .and_hms_opt(0, 0, 1)
            .unwrap_or_default()
            .and_utc();
        assert_eq!(micros_since_2000(t).ok(), Some(86_401_000_000));
    }
}
