//! spendlens' canonical CSV, parsed strictly and streamed: `date,platform,campaign,spend,
//! impressions,engagements,clicks,conversions,conversion_value,revenue` plus an optional `currency`,
//! in any column order.
//!
//! Strict because it is our own format: ISO dates only, plain numbers (`1234.50`, no symbols or
//! separators), platform identifiers as `spendlens_core::Platform` spells them, no unknown columns
//! (a typo such as `revnue` must not silently drop revenue).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::str::FromStr;

use rust_decimal::Decimal;
use spendlens_core::{DailyKey, DailyRow, Platform};

use crate::currency::iso_code;
use crate::date;
use crate::error::{ColumnRef, ImportError, Problems};
use crate::exports::check_size;
use crate::limits::{Exceeded, Guarded};
use crate::model::{Field, ImportOptions, ParsedFile, Source};
use crate::summary::{Summary, SummaryBuilder};
use crate::table::single_currency;
use crate::text;

/// The columns every canonical file has; `currency` is the only optional one.
pub const CANONICAL_COLUMNS: [Field; 10] = [
    Field::Date,
    Field::Platform,
    Field::Campaign,
    Field::Spend,
    Field::Impressions,
    Field::Engagements,
    Field::Clicks,
    Field::Conversions,
    Field::ConversionValue,
    Field::Revenue,
];

/// The default number of rows handed to the sink at once.
pub const DEFAULT_BATCH: usize = 8192;

/// Why a streamed import stopped: the file, or the consumer of the rows.
#[derive(Debug, thiserror::Error)]
pub enum StreamError<E> {
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("the consumer of the imported rows failed: {0}")]
    Sink(E),
}

/// The result of a completed stream: the dry-run summary of everything that was handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamOutcome {
    pub summary: Summary,
    /// The currency when every row states the same one.
    pub currency: Option<String>,
}

/// Streams a canonical CSV from `reader`, handing rows to `sink` in batches of `batch_size`.
///
/// Memory stays flat whatever the file size: one batch of rows plus the set of distinct days for
/// the summary. Because the file is only known to be good at its end, the sink must treat batches as
/// staged (for example inside a database transaction) and commit only when this returns `Ok`; after
/// the first bad row no further batch is handed over, and the scan goes on only to list up to
/// [`crate::MAX_DIAGNOSTICS`] problems. Input must be UTF-8 (a UTF-8 BOM is skipped); UTF-16 input
/// is refused with a message, use [`parse_canonical`] on bytes for that.
///
/// Row numbers are exact (blank lines and multi-line quoted cells included): the last MiB read is
/// kept to count line breaks, a fixed amount whatever the file size.
///
/// Rows with the same (day, platform, campaign) are not detected here (that would need memory
/// growing with the file); the store's upsert keeps the last one. [`parse_canonical`] rejects them.
pub fn stream_canonical<R: Read, E>(
    reader: R,
    file: &str,
    batch_size: usize,
    mut sink: impl FnMut(&[DailyRow]) -> Result<(), E>,
) -> Result<StreamOutcome, StreamError<E>> {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let head = reader.fill_buf().map_err(|e| ImportError::Read {
        file: file.to_owned(),
        source: e,
    })?;
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err(ImportError::whole_file(
            file,
            "the file is UTF-16; the streaming canonical import reads UTF-8 only (save as UTF-8 CSV)",
        )
        .into());
    }
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        reader.consume(3);
    }
    let tape = std::rc::Rc::new(std::cell::RefCell::new(crate::text::LineTape::new(
        1024 * 1024,
    )));
    let reader = crate::text::Taped {
        inner: Guarded::stream(reader, b','),
        tape: std::rc::Rc::clone(&tape),
    };
    let mut line_of =
        move |pos: Option<&csv::Position>| pos.map_or(1, |p| tape.borrow_mut().line_at(p.byte()));
    let batch_size = batch_size.max(1);
    let mut batch: Vec<DailyRow> = Vec::with_capacity(batch_size);
    let mut summary = SummaryBuilder::new();
    let mut currency = CurrencyTracker::default();
    let mut failed_sink: Option<E> = None;
    // Duplicate rows are refused as the whole-file parse refuses them, naming both rows: each
    // key is held as a 128-bit fingerprint and its row (32 bytes a row, not the row).
    let mut seen: HashMap<u128, u64> = HashMap::new();
    let mut duplicates = Vec::new();
    let mut problems = scan(reader, &mut line_of, file, |row, line| {
        if let Some(prev) = seen.insert(fingerprint(&row.key()), line) {
            duplicates.push((line, prev));
        }
        summary.add(&row);
        currency.add(&row);
        batch.push(row);
        if batch.len() >= batch_size && failed_sink.is_none() {
            if let Err(e) = sink(&batch) {
                failed_sink = Some(e);
            }
            batch.clear();
        }
        failed_sink.is_none()
    })?;
    if let Some(e) = failed_sink {
        return Err(StreamError::Sink(e));
    }
    for (line, prev) in duplicates {
        problems.at(
            line,
            None,
            format!("same day, platform and campaign as row {prev}"),
        );
    }
    problems.into_result()?;
    if !batch.is_empty() {
        sink(&batch).map_err(StreamError::Sink)?;
    }
    Ok(StreamOutcome {
        summary: summary.finish(Vec::new()),
        currency: currency.finish(),
    })
}

/// A 128-bit fingerprint of a row's key: two keys that differ share one with a probability of
/// about 2⁻¹²⁸ per pair, so a streamed file holds its keys in 16 bytes each.
fn fingerprint(key: &DailyKey) -> u128 {
    use std::hash::{Hash, Hasher};
    let half = |salt: u8| {
        let mut h = std::hash::DefaultHasher::new();
        salt.hash(&mut h);
        key.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

#[derive(Debug, Default)]
struct CurrencyTracker {
    first: Option<Option<String>>,
    mixed: bool,
}

impl CurrencyTracker {
    fn add(&mut self, row: &DailyRow) {
        match &self.first {
            None => self.first = Some(row.currency.clone()),
            Some(c) if *c != row.currency => self.mixed = true,
            Some(_) => {}
        }
    }

    fn finish(self) -> Option<String> {
        if self.mixed {
            None
        } else {
            self.first.flatten()
        }
    }
}

/// Parses a whole canonical CSV held in memory (UTF-8 or UTF-16), rejecting duplicate rows.
pub fn parse_canonical(
    bytes: &[u8],
    file: &str,
    options: &ImportOptions,
) -> Result<ParsedFile, ImportError> {
    check_size(bytes, file, options)?;
    let text = text::decode(bytes, file)?;
    let mut rows = Vec::new();
    let mut seen: HashMap<DailyKey, u64> = HashMap::new();
    let mut duplicates = Vec::new();
    let mut counter = text::LineCounter::new(text.as_bytes());
    let mut line_of = |pos: Option<&csv::Position>| pos.map_or(1, |p| counter.line_at(p.byte()));
    let reader = Guarded::table(text.as_bytes(), b',');
    let mut problems = scan(reader, &mut line_of, file, |row, line| {
        if let Some(prev) = seen.insert(row.key(), line) {
            duplicates.push((line, prev));
        }
        rows.push(row);
        true
    })?;
    for (line, prev) in duplicates {
        problems.at(
            line,
            None,
            format!("same day, platform and campaign as row {prev}"),
        );
    }
    problems.into_result()?;
    let currency = single_currency(&rows);
    Ok(ParsedFile {
        file: file.to_owned(),
        source: Source::Canonical,
        rows,
        skipped: Vec::new(),
        currency,
        notes: Vec::new(),
        detail: None,
    })
}

/// Reads the header and every record; calls `accept` with each good row and its spreadsheet row
/// until it returns `false`. Returns the problems found (the caller decides), or an error when the
/// header itself is unusable. `line_of` turns a record position into its physical line (exactly:
/// the csv reader reports a record after blank lines as starting on the first of them).
fn scan<R: Read>(
    reader: R,
    line_of: &mut dyn FnMut(Option<&csv::Position>) -> u64,
    file: &str,
    mut accept: impl FnMut(DailyRow, u64) -> bool,
) -> Result<Problems, ImportError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut problems = Problems::new(file);
    let mut record = csv::ByteRecord::new();
    let mut embedded = 0u64;
    match csv.read_byte_record(&mut record) {
        Ok(false) => {
            return Err(ImportError::whole_file(
                file,
                "the file is empty: no header row",
            ));
        }
        Ok(true) => {}
        Err(e) => return Err(read_error(file, &e)),
    }
    line_of(record.position());
    let columns = header(&record, file)?;
    embedded += newlines(&record);
    let width = columns.headers.len();
    let mut accepting = true;
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Err(read_error(file, &e));
                }
                let line = line_of(e.position());
                problems.at(
                    line.saturating_sub(embedded).max(1),
                    None,
                    format!("unreadable CSV record: {e}"),
                );
                break;
            }
        }
        let line = line_of(record.position()).saturating_sub(embedded).max(1);
        embedded += newlines(&record);
        // A row of empty cells only (`,,,,,` as spreadsheet programs write below the data) holds
        // nothing: skipped, as a blank line is.
        if record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if record.len() != width {
            if record.len() == 1
                && record
                    .get(0)
                    .is_some_and(|c| c.iter().all(u8::is_ascii_whitespace))
            {
                continue;
            }
            problems.at(
                line,
                None,
                format!(
                    "the row has {} cells but the header has {width} (truncated file?)",
                    record.len()
                ),
            );
        } else {
            let before = problems.count();
            let row = read_record(&record, &columns, line, &mut problems);
            if let Some(row) = row.filter(|_| problems.count() == before)
                && accepting
                && problems.is_empty()
            {
                accepting = accept(row, line);
            }
        }
        if problems.is_full() {
            break;
        }
    }
    Ok(problems)
}

fn newlines(record: &csv::ByteRecord) -> u64 {
    record
        .iter()
        .map(|f| f.iter().filter(|&&b| b == b'\n').count() as u64)
        .sum()
}

pub(crate) fn read_error(file: &str, e: &csv::Error) -> ImportError {
    match e.kind() {
        csv::ErrorKind::Io(io) if Exceeded::from_io(io).is_some() => Exceeded::from_io(io)
            .map_or_else(
                || ImportError::whole_file(file, io.to_string()),
                |x| x.into_error(file),
            ),
        csv::ErrorKind::Io(io) => ImportError::Read {
            file: file.to_owned(),
            source: std::io::Error::new(io.kind(), io.to_string()),
        },
        _ => {
            let row = e.position().map_or(1, csv::Position::line);
            ImportError::Rejected {
                file: file.to_owned(),
                diagnostics: vec![crate::error::Diagnostic::at(
                    file,
                    row,
                    None,
                    format!("unreadable CSV: {e}"),
                )],
            }
        }
    }
}

#[derive(Debug)]
struct Columns {
    headers: Vec<String>,
    /// Index per field; `None` only for the optional currency.
    at: [Option<usize>; 11],
}

const ALL_CANONICAL: [Field; 11] = [
    Field::Date,
    Field::Platform,
    Field::Campaign,
    Field::Spend,
    Field::Impressions,
    Field::Engagements,
    Field::Clicks,
    Field::Conversions,
    Field::ConversionValue,
    Field::Revenue,
    Field::Currency,
];

fn header(record: &csv::ByteRecord, file: &str) -> Result<Columns, ImportError> {
    let mut problems = Problems::new(file);
    let mut at = [None; 11];
    let mut headers = Vec::new();
    for (i, raw) in record.iter().enumerate() {
        let name = String::from_utf8_lossy(raw)
            .trim()
            .trim_start_matches('\u{feff}')
            .to_ascii_lowercase();
        headers.push(name.clone());
        let col = Some(ColumnRef {
            index: i,
            header: Some(name.clone()),
        });
        match ALL_CANONICAL.iter().position(|f| f.as_str() == name) {
            Some(k) if at[k].is_some() => problems.at(1, col, format!("the column \"{name}\" appears twice")),
            Some(k) => at[k] = Some(i),
            None => problems.at(
                1,
                col,
                format!(
                    "unknown column \"{name}\"; the canonical columns are date, platform, campaign, spend, \
                     impressions, engagements, clicks, conversions, conversion_value, revenue and an optional currency"
                ),
            ),
        }
    }
    for (k, f) in ALL_CANONICAL
        .iter()
        .enumerate()
        .take(CANONICAL_COLUMNS.len())
    {
        if at[k].is_none() {
            problems.columns(Some(1), format!("the required column \"{f}\" is missing"));
        }
    }
    problems.into_result()?;
    Ok(Columns { headers, at })
}

fn read_record(
    record: &csv::ByteRecord,
    columns: &Columns,
    line: u64,
    problems: &mut Problems,
) -> Option<DailyRow> {
    let cell = |k: usize| -> Result<&str, (usize, String)> {
        let i = columns.at[k].unwrap_or(0);
        let raw = record.get(i).unwrap_or_default();
        std::str::from_utf8(raw)
            .map(str::trim)
            .map_err(|_| (i, "the cell is not valid UTF-8 text".to_owned()))
    };
    let fail = |k: usize, msg: String, problems: &mut Problems| {
        let i = columns.at[k].unwrap_or(0);
        let col = ColumnRef {
            index: i,
            header: columns.headers.get(i).cloned(),
        };
        problems.at(line, Some(col), msg);
    };
    macro_rules! get {
        ($k:expr, $parse:expr) => {
            match cell($k).and_then(|s| $parse(s).map_err(|m| (0, m))) {
                Ok(v) => Some(v),
                Err((_, m)) => {
                    fail($k, m, problems);
                    None
                }
            }
        };
    }
    let date = get!(0, date::parse_iso_date);
    let platform = get!(1, |s: &str| Platform::from_str(s)
        .map_err(|e| e.to_string()));
    let campaign = get!(2, |s: &str| Ok::<_, String>(s.to_owned()));
    let spend = get!(3, |s| required(s, "spend").and_then(|s| amount(s, "spend")));
    let impressions = get!(4, |s| count(s, "impressions"));
    let engagements = get!(5, |s| count(s, "engagements"));
    let clicks = get!(6, |s| count(s, "clicks"));
    let conversions = get!(7, |s| required(s, "conversions")
        .and_then(|s| amount(s, "conversions")));
    let conversion_value = get!(8, |s: &str| optional_amount(s, "conversion_value"));
    let revenue = get!(9, |s: &str| optional_amount(s, "revenue"));
    let currency = if columns.at[10].is_some() {
        get!(10, |s: &str| {
            if s.is_empty() {
                Ok(None)
            } else {
                iso_code(s)
                    .map(|c| Some(c.to_owned()))
                    .ok_or_else(|| format!("\"{s}\" is not a currency code"))
            }
        })?
    } else {
        None
    };
    let mut row = DailyRow::empty(date?, platform?, campaign?);
    row.spend = spend?;
    row.impressions = impressions?;
    row.engagements = engagements?;
    row.clicks = clicks?;
    row.conversions = conversions?;
    row.conversion_value = conversion_value?;
    row.revenue = revenue?;
    row.currency = currency;
    Some(row)
}

pub(crate) fn required<'a>(s: &'a str, what: &str) -> Result<&'a str, String> {
    if s.is_empty() {
        Err(format!("{what} is missing"))
    } else {
        Ok(s)
    }
}

/// A plain non-negative decimal: digits with at most one `.`.
pub(crate) fn amount(s: &str, what: &str) -> Result<Decimal, String> {
    let bytes = s.as_bytes();
    let dots = bytes.iter().filter(|&&b| b == b'.').count();
    let digits = bytes.iter().filter(|b| b.is_ascii_digit()).count();
    if dots > 1 || digits == 0 || digits + dots != bytes.len() || digits > 26 {
        return Err(format!(
            "expected {what} as a plain number like 1234.50, found \"{s}\""
        ));
    }
    let v = Decimal::from_str(s)
        .map_err(|_| format!("expected {what} as a plain number, found \"{s}\""))?;
    if v > crate::number::max_cell_value() {
        return Err(format!("{what} \"{s}\" is implausibly large"));
    }
    Ok(v)
}

pub(crate) fn optional_amount(s: &str, what: &str) -> Result<Option<Decimal>, String> {
    if s.is_empty() {
        Ok(None)
    } else {
        amount(s, what).map(Some)
    }
}

pub(crate) fn count(s: &str, what: &str) -> Result<u64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("expected {what} as a whole number, found \"{s}\""));
    }
    s.parse::<u64>()
        .ok()
        .filter(|v| *v <= 1_000_000_000_000)
        .ok_or_else(|| format!("{what} \"{s}\" is implausibly large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const HEAD: &str = "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue";

    fn parse(text: &str) -> Result<ParsedFile, ImportError> {
        parse_canonical(text.as_bytes(), "c.csv", &ImportOptions::default())
    }

    #[test]
    fn reads_rows_in_any_column_order() {
        let text = "revenue,date,campaign,platform,spend,clicks,impressions,engagements,conversions,conversion_value,currency\n\
                    ,2024-06-01,Brand,google_ads,84.53,120,2450,0,14.5,950.00,USD\n";
        let p = parse(text).expect("valid");
        let r = &p.rows[0];
        assert_eq!(
            (r.platform, r.spend, r.clicks, r.impressions),
            (Platform::GoogleAds, dec!(84.53), 120, 2450)
        );
        assert_eq!(
            (r.conversions, r.conversion_value, r.revenue),
            (dec!(14.5), Some(dec!(950.00)), None)
        );
        assert_eq!(p.currency.as_deref(), Some("USD"));
    }

    #[test]
    fn bad_cells_are_named() {
        let text =
            format!("{HEAD}\n2024-06-01,meta,A,1.00,1,0,1,0,,\n2024-06-02,meta,A,abc,1,0,1,0,,\n");
        let err = parse(&text).expect_err("bad spend");
        let d = &err.diagnostics()[0];
        assert_eq!(
            (d.row, d.column.as_ref().map(ColumnRef::letter)),
            (Some(3), Some("D".into()))
        );
        assert!(d.message.contains("abc"));
    }

    #[test]
    fn unknown_and_missing_columns_are_refused() {
        let err = parse("date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revnue\n")
            .expect_err("typo");
        let text = err.to_string();
        assert!(
            text.contains("revnue") && text.contains("\"revenue\" is missing"),
            "{text}"
        );
    }

    #[test]
    fn duplicates_are_rejected_when_collected() {
        let text =
            format!("{HEAD}\n2024-06-01,meta,A,1,1,0,1,0,,\n2024-06-01,meta,A,2,1,0,1,0,,\n");
        assert!(parse(&text).expect_err("dup").to_string().contains("row 2"));
    }

    #[test]
    fn stream_hands_batches_and_stops_at_errors() {
        let mut text = String::from(HEAD);
        for d in 1..=20 {
            text.push_str(&format!("\n2024-06-{d:02},meta,A,1.5,10,0,1,0,,"));
        }
        let mut seen = Vec::new();
        let out = stream_canonical(text.as_bytes(), "s.csv", 7, |b: &[DailyRow]| {
            seen.push(b.len());
            Ok::<(), ()>(())
        })
        .expect("valid");
        assert_eq!(seen, vec![7, 7, 6]);
        assert_eq!(out.summary.rows, 20);
        assert_eq!(out.summary.totals.spend, dec!(30.0));
        text.push_str("\n2024-06-31,meta,A,1,1,0,1,0,,");
        let mut handed = 0;
        let err = stream_canonical(text.as_bytes(), "s.csv", 7, |b: &[DailyRow]| {
            handed += b.len();
            Ok::<(), ()>(())
        })
        .expect_err("bad date");
        assert_eq!(
            handed, 14,
            "no batch after the bad row, none of the partial last batch"
        );
        let StreamError::Import(err) = err else {
            panic!("not a sink error")
        };
        assert!(err.to_string().contains("row 22"), "{err}");
    }

    #[test]
    fn sink_errors_stop_the_stream() {
        let text = format!("{HEAD}\n2024-06-01,meta,A,1,1,0,1,0,,\n");
        let r = stream_canonical(text.as_bytes(), "s.csv", 1, |_: &[DailyRow]| {
            Err("disk full")
        });
        assert!(matches!(r, Err(StreamError::Sink("disk full"))));
    }
}
