//! Long reads of PostgreSQL through a binary `COPY … TO STDOUT`, beside the sqlx pool.
//!
//! sqlx decodes a query's rows one by one: each row is a message of its own, its columns found
//! by name or index and checked against their types, every value through a `Decode`. On the
//! financial report of a large organisation (3.65 million stored rows) that was 1.2 cores of
//! the 2, with `Row::try_get` alone 19 % of the samples, while PostgreSQL sent the rows with
//! 0.8. The daily series (the one read that long) is read here as COPY's binary rows instead:
//! the same query, the same rows in the same order, each field read in place from the bytes.
//!
//! COPY takes no parameters, so the statement carries its values as literals. Only values that
//! need no quoting are written so (identifiers of letters, digits, `-` and `_`, which every id
//! spendlens makes is; days of years 1 to 9999); any other read goes through the pool as before
//! ([`daily_series`] answers `None`).

use chrono::{Datelike as _, NaiveDate};
use futures_util::TryStreamExt as _;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_core::daily::DailyRow;
use spendlens_core::platform::Platform;
use sqlx::postgres::PgPoolCopyExt as _;

use crate::metrics::DaySeries;
use crate::{Result, StoreError};

/// The columns of `metrics::DAILY_SERIES_SQL`, in its order.
const FIELDS: i16 = 10;

/// The campaign's days from `from` to `to` as [`crate::metrics::MetricStore::daily_series`]
/// returns them, or `None` when a value cannot be written as a plain literal.
pub(crate) async fn daily_series(
    pool: &sqlx::PgPool,
    org: &OrgId,
    id: &CampaignId,
    from: NaiveDate,
    to: NaiveDate,
) -> Option<Result<Vec<DailyRow>>> {
    let statement = statement(org.as_str(), id.as_str(), from, to)?;
    let pool = pool.clone();
    // Decoded on a task of its own, so that the series of several campaigns read at once
    // decode on every core.
    let read = tokio::spawn(async move {
        let mut stream = pool.copy_out_raw(&statement).await?;
        let mut rows = CopyRows::new(to);
        while let Some(chunk) = stream.try_next().await? {
            rows.feed(&chunk)?;
        }
        rows.finish()
    });
    Some(
        read.await
            .map_err(|e| StoreError::Invalid(format!("a database read stopped: {e}")))
            .and_then(|r| r),
    )
}

/// The COPY of the daily series' query with its values as literals, when they all are plain.
fn statement(org: &str, id: &str, from: NaiveDate, to: NaiveDate) -> Option<String> {
    let plain_id = |s: &str| {
        !s.is_empty()
            && s.len() <= 128
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let plain_day = |d: NaiveDate| (1..=9999).contains(&d.year());
    if !(plain_id(org) && plain_id(id) && plain_day(from) && plain_day(to)) {
        return None;
    }
    let from = from.format("%Y-%m-%d");
    let to = to.format("%Y-%m-%d");
    Some(format!(
        "COPY (SELECT date, platform, spend_micros, impressions, engagements, clicks, \
         conversions_micros, conversion_value_micros, revenue_micros, currency \
         FROM daily_metrics WHERE campaign_id = '{id}' AND date >= DATE '{from}' AND date <= DATE '{to}' \
         AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = '{id}' AND c.org_id = '{org}') \
         ORDER BY date, platform) TO STDOUT (FORMAT binary)"
    ))
}

/// COPY's binary rows, fed as they arrive (a chunk may end anywhere), summed into the series.
struct CopyRows {
    /// Bytes received and not yet read (the start of a row at most).
    pending: Vec<u8>,
    header: bool,
    trailer: bool,
    series: DaySeries,
    /// The day of the last row, with its stored number, to convert each day once.
    day: Option<(i32, NaiveDate)>,
}

/// The signature that opens COPY's binary format.
const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

fn malformed(what: &str) -> StoreError {
    StoreError::Invalid(format!(
        "PostgreSQL's binary copy of the daily series: {what}"
    ))
}

impl CopyRows {
    fn new(to: NaiveDate) -> Self {
        CopyRows {
            pending: Vec::new(),
            header: false,
            trailer: false,
            series: DaySeries::new(to),
            day: None,
        }
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        if self.pending.is_empty() {
            let used = self.read(chunk)?;
            self.pending
                .extend_from_slice(chunk.get(used..).unwrap_or_default());
        } else {
            self.pending.extend_from_slice(chunk);
            let bytes = std::mem::take(&mut self.pending);
            let used = self.read(&bytes)?;
            self.pending = bytes;
            self.pending.drain(..used);
        }
        Ok(())
    }

    /// Reads the complete parts of `bytes`; answers how many bytes were read.
    fn read(&mut self, bytes: &[u8]) -> Result<usize> {
        let mut at = 0;
        if !self.header {
            // The signature, the flags, then an extension of a stated length.
            let Some(length) = bytes.get(15..19) else {
                return Ok(0);
            };
            if bytes.get(..11) != Some(SIGNATURE.as_slice()) {
                return Err(malformed("it does not start with COPY's signature"));
            }
            let extension = usize::try_from(i32::from_be_bytes(word(length)))
                .map_err(|_| malformed("a negative header extension"))?;
            if bytes.len() < 19 + extension {
                return Ok(0);
            }
            self.header = true;
            at = 19 + extension;
        }
        while !self.trailer {
            match self.row(bytes.get(at..).unwrap_or_default())? {
                Some(used) => at += used,
                None => break,
            }
        }
        Ok(at)
    }

    /// Reads one row (or the trailer) at the start of `bytes`: the bytes it took, or `None` when
    /// it is not all there yet.
    fn row(&mut self, bytes: &[u8]) -> Result<Option<usize>> {
        let Some(count) = bytes.get(..2) else {
            return Ok(None);
        };
        let count = i16::from_be_bytes([count[0], count[1]]);
        if count == -1 {
            self.trailer = true;
            return Ok(Some(2));
        }
        if count != FIELDS {
            return Err(malformed(&format!("a row of {count} fields, not {FIELDS}")));
        }
        // Where each field's bytes are (`None` for NULL); the row is read once it is all there.
        let mut fields: [Option<&[u8]>; FIELDS as usize] = [None; FIELDS as usize];
        let mut at = 2;
        for field in &mut fields {
            let Some(length) = bytes.get(at..at + 4) else {
                return Ok(None);
            };
            let length = i32::from_be_bytes(word(length));
            at += 4;
            if length == -1 {
                continue;
            }
            let length = usize::try_from(length).map_err(|_| malformed("a negative length"))?;
            let Some(value) = bytes.get(at..at + length) else {
                return Ok(None);
            };
            *field = Some(value);
            at += length;
        }
        let [date, platform, values @ .., currency] = fields;
        let date = self.date(date)?;
        let name =
            std::str::from_utf8(platform.ok_or_else(|| malformed("a row without a platform"))?)
                .map_err(|_| malformed("a platform that is not UTF-8"))?;
        let Ok(platform) = name.parse::<Platform>() else {
            tracing::warn!(platform = %name, "skipping rows of an unknown platform");
            return Ok(Some(at));
        };
        let mut metrics = [None; 7];
        for (slot, value) in metrics.iter_mut().zip(values) {
            *slot = match value {
                None => None,
                Some(v) => Some(i64::from_be_bytes(
                    v.try_into()
                        .map_err(|_| malformed("a BIGINT not of 8 bytes"))?,
                )),
            };
        }
        let currency = match currency {
            None => None,
            Some(c) => Some(
                std::str::from_utf8(c).map_err(|_| malformed("a currency that is not UTF-8"))?,
            ),
        };
        self.series.add(date, platform, metrics, currency);
        Ok(Some(at))
    }

    /// A DATE: days since 2000-01-01 (infinities and days out of range refused).
    fn date(&mut self, field: Option<&[u8]>) -> Result<NaiveDate> {
        let bytes = field.ok_or_else(|| malformed("a row without a date"))?;
        let days = i32::from_be_bytes(
            bytes
                .try_into()
                .map_err(|_| malformed("a DATE not of 4 bytes"))?,
        );
        if let Some((known, date)) = self.day
            && known == days
        {
            return Ok(date);
        }
        let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
        let date = epoch
            .checked_add_signed(chrono::Duration::days(i64::from(days)))
            .filter(|_| days != i32::MAX && days != i32::MIN)
            .ok_or_else(|| malformed(&format!("a day out of range ({days} days from 2000)")))?;
        self.day = Some((days, date));
        Ok(date)
    }

    fn finish(self) -> Result<Vec<DailyRow>> {
        if !self.trailer || !self.pending.is_empty() {
            return Err(malformed("it ended before its trailer"));
        }
        Ok(self.series.finish())
    }
}

/// Four bytes as an array (the caller took exactly four).
fn word(bytes: &[u8]) -> [u8; 4] {
    let mut out = [0; 4];
    out.copy_from_slice(bytes);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    /// A binary COPY of `rows` (day, platform, seven values, currency) as PostgreSQL writes it.
    /// A stored row as the copy carries it: day, platform, seven values, currency.
    type Stored = (
        NaiveDate,
        &'static str,
        [Option<i64>; 7],
        Option<&'static str>,
    );

    fn copy(rows: &[Stored]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&0i32.to_be_bytes());
        out.extend_from_slice(&3i32.to_be_bytes());
        out.extend_from_slice(b"ext");
        for (date, platform, values, currency) in rows {
            out.extend_from_slice(&FIELDS.to_be_bytes());
            let days = i32::try_from((*date - day(2000, 1, 1)).num_days()).unwrap_or_default();
            out.extend_from_slice(&4i32.to_be_bytes());
            out.extend_from_slice(&days.to_be_bytes());
            out.extend_from_slice(
                &i32::try_from(platform.len())
                    .unwrap_or_default()
                    .to_be_bytes(),
            );
            out.extend_from_slice(platform.as_bytes());
            for v in values {
                match v {
                    Some(v) => {
                        out.extend_from_slice(&8i32.to_be_bytes());
                        out.extend_from_slice(&v.to_be_bytes());
                    }
                    None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                }
            }
            match currency {
                Some(c) => {
                    out.extend_from_slice(
                        &i32::try_from(c.len()).unwrap_or_default().to_be_bytes(),
                    );
                    out.extend_from_slice(c.as_bytes());
                }
                None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            }
        }
        out.extend_from_slice(&(-1i16).to_be_bytes());
        out
    }

    fn rows() -> Vec<Stored> {
        let v = |s: i64| {
            [
                Some(s),
                Some(10),
                Some(1),
                Some(2),
                Some(500_000),
                None,
                Some(s * 3),
            ]
        };
        vec![
            (day(1999, 12, 31), "meta", v(1_000_000), Some("USD")),
            (day(2026, 3, 1), "google_ads", v(2_500_000), Some("USD")),
            (day(2026, 3, 1), "google_ads", v(10_000), Some("EUR")),
            (day(2026, 3, 1), "meta", v(7), None),
            (day(2026, 3, 2), "tiktok_ads_unknown", v(1), Some("USD")),
            (day(2026, 3, 2), "meta", [None; 7], Some("USD")),
        ]
    }

    /// The series the rows make, through `DaySeries` directly.
    fn expected() -> Vec<DailyRow> {
        let mut series = DaySeries::new(day(2026, 3, 31));
        for (date, platform, values, currency) in rows() {
            if let Ok(p) = platform.parse::<Platform>() {
                series.add(date, p, values, currency);
            }
        }
        series.finish()
    }

    #[test]
    fn a_copy_fed_in_any_pieces_reads_as_the_rows() {
        let bytes = copy(&rows());
        for piece in [1, 2, 3, 7, 19, 64, bytes.len()] {
            let mut read = CopyRows::new(day(2026, 3, 31));
            for chunk in bytes.chunks(piece) {
                read.feed(chunk).unwrap_or_else(|e| panic!("{piece}: {e}"));
            }
            let got = read.finish().unwrap_or_else(|e| panic!("{piece}: {e}"));
            assert_eq!(got, expected(), "pieces of {piece}");
        }
        assert_eq!(expected().len(), 4, "the unknown platform is skipped");
    }

    #[test]
    fn a_cut_or_malformed_copy_is_refused() {
        let bytes = copy(&rows());
        let mut cut = CopyRows::new(day(2026, 3, 31));
        cut.feed(bytes.get(..bytes.len() - 9).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(cut.finish().is_err(), "no trailer");
        let mut wrong = bytes.clone();
        wrong[0] = b'X';
        assert!(CopyRows::new(day(2026, 3, 31)).feed(&wrong).is_err());
        let mut fields = bytes;
        // The first row's field count, after the 11 + 4 + 4 + 3 bytes of the header.
        fields[23] = 9;
        assert!(CopyRows::new(day(2026, 3, 31)).feed(&fields).is_err());
    }

    #[test]
    fn only_plain_values_are_written_as_literals() {
        let (a, b) = (day(2026, 1, 1), day(2026, 12, 31));
        let sql =
            statement("org-1", "0190c3a2-7b1e-7000-8000-0000000000ab", a, b).unwrap_or_default();
        assert!(sql.contains("campaign_id = '0190c3a2-7b1e-7000-8000-0000000000ab'"));
        assert!(sql.contains("DATE '2026-01-01'") && sql.contains("DATE '2026-12-31'"));
        for bad in ["o'rg", "org 1", "", "org;", "ö"] {
            assert_eq!(statement(bad, "c", a, b), None, "{bad}");
            assert_eq!(statement("o", bad, a, b), None, "{bad}");
        }
        assert_eq!(statement("o", "c", day(-1, 1, 1), b), None);
        assert_eq!(statement("o", "c", a, day(10_000, 1, 1)), None);
    }
}
