//! Imports: a file turned into a campaign's daily rows, stored all or nothing, then the
//! campaign's budget alerts. The one path the API (`POST /api/campaigns/{id}/imports`), the
//! imports page and `spendlens import` share, so an import raises its alerts wherever it came
//! from.
//!
//! [`import_rows`] takes a whole file (parsed on a blocking thread: a PDF's text extraction can
//! be slow); [`import_stream`] reads a canonical CSV of any size in batches, written inside one
//! transaction that commits only when the whole file has parsed. A PDF is never stored directly:
//! its preview is returned for the user to confirm (then stored through [`crate::metrics`]).

use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use spendlens_core::campaign::Campaign;
use spendlens_core::daily::{DailyRow, RowProblem};
use spendlens_ingest::{
    ColumnMapping, Converter, DateOrder, Diagnostic, ImportError, ImportOptions, Imported,
    MAX_DIAGNOSTICS, NumberLocale, ParsedFile, PdfPreview, PeriodChoice, Source, StreamError,
    Summary,
};
use spendlens_store::{ImportRecord, StoreError, UpsertCounts};

mod notes;

use crate::context::Context;
use crate::labels::Label;
use notes::{ahead_note, renamed_notes, replaced_note};

/// What to import: a whole file and how to read it.
#[derive(Debug, Clone)]
pub struct ImportCommand {
    /// The file's name, for messages and the import record.
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// Read the file as this source instead of detecting it.
    pub source: Option<Source>,
    /// Campaign currency per 1 unit of the file's currency, when they differ.
    pub rate: Option<Decimal>,
    /// Parse and summarise, write nothing.
    pub dry_run: bool,
    /// What to do with rows that each cover a period (refuse, spread, book on one date), and the
    /// period of a file that states none.
    pub period: PeriodRule,
    /// The columns the user named (`--map`, the API's `map`, the page's mapping form); empty to
    /// detect them, then to try the campaign's saved mappings if detection fails.
    pub mapping: ColumnMapping,
    /// Save [`ImportCommand::mapping`] for the campaign once the import is stored.
    pub save_mapping: bool,
    /// How a PDF report writes its numbers; decided from the report when `None`.
    pub pdf_locale: Option<NumberLocale>,
    /// How to read slash dates (`06/07/2024`) when nothing in the file decides; `None` to read
    /// the file's own clues, else the source's default.
    pub date_order: Option<DateOrder>,
}

/// How rows covering a period are booked: the choice and, for a file that states no period
/// (Google Ads "All time"), the period's first and last day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeriodRule {
    pub choice: PeriodChoice,
    pub range: Option<(NaiveDate, NaiveDate)>,
}

impl PeriodRule {
    /// Checks the combination the user gave: a range needs its start before its end, and only
    /// means something with a spread.
    pub fn new(
        choice: PeriodChoice,
        range: Option<(NaiveDate, NaiveDate)>,
    ) -> Result<Self, String> {
        if let Some((a, b)) = range
            && a > b
        {
            return Err(format!("the period starts ({a}) after it ends ({b})"));
        }
        Ok(PeriodRule { choice, range })
    }
}

/// Rows parsed from a file, and the import they were stored as.
#[derive(Debug, Clone)]
pub struct RowsImported {
    pub parsed: ParsedFile,
    pub summary: Summary,
    /// `None` in a dry run.
    pub import_id: Option<String>,
    /// The rows new, changed and unchanged against those already stored; `None` in a dry run.
    pub counts: Option<UpsertCounts>,
    /// The named channels' days of a channel file (see [`crate::channels`]); empty for any
    /// other file.
    pub channels: Vec<spendlens_core::channel::ChannelDay>,
    /// When the import replaced stored rows: the campaign's spend up to the file's last day
    /// before and after it (what the file's total alone does not say: the days it updated
    /// held figures already).
    pub spend_change: Option<SpendChange>,
}

/// The campaign's stored spend up to `through`, before and after an import that updated rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpendChange {
    pub through: NaiveDate,
    pub before: Decimal,
    pub after: Decimal,
}

/// The campaign's spend up to `day`, summed over its platforms.
async fn spend_through(
    ctx: &Context,
    campaign: &Campaign,
    day: NaiveDate,
) -> Result<Decimal, StoreError> {
    Ok(ctx
        .store
        .platform_totals(&campaign.org_id, &campaign.id, day)
        .await?
        .iter()
        .map(|t| t.spend)
        .sum())
}

/// What an import did.
#[derive(Debug, Clone)]
pub enum ImportOutcome {
    /// A PDF report: the figures found, to be confirmed; nothing written.
    Preview(PdfPreview),
    Rows(RowsImported),
}

/// A row of a streamed file whose currency cannot be taken as the campaign's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurrencyProblem {
    /// Two foreign currencies in one file: one rate cannot fit both.
    #[error("the file mixes currencies {first} and {second}; split it by currency")]
    Mixed { first: String, second: String },
    /// Amounts in `file` while the campaign is in `campaign`, and no rate given.
    #[error(
        "amounts are in {file} but the campaign is in {campaign}; give an exchange rate ({campaign} per 1 {file})"
    )]
    NoRate { file: String, campaign: String },
    /// An amount too large to convert.
    #[error("an amount is too large to convert")]
    Overflow,
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    /// The campaign is gone (deleted while the file was read).
    #[error("campaign not found")]
    NotFound,
    /// The file's problems, each naming file, row and column.
    #[error(transparent)]
    File(#[from] ImportError),
    /// A streamed row's currency (see [`CurrencyProblem`]).
    #[error(transparent)]
    Currency(CurrencyProblem),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The parsing thread died.
    #[error("the import task failed: {0}")]
    Task(String),
}

/// What an import's exchange rate must be (said of text that is no decimal too).
pub const RATE_EXPECTED: &str = "must be a positive decimal";

/// An exchange rate given with an import (the campaign's currency per 1 unit of the file's):
/// above zero. The file's conversion checks it again when it is used.
pub fn rate(rate: Decimal) -> Result<Decimal, String> {
    if rate > Decimal::ZERO {
        Ok(rate)
    } else {
        Err(RATE_EXPECTED.to_owned())
    }
}

/// The rows' values outside what spendlens accepts (`spendlens_core::limits`, the rule of every
/// door: the CSV parsers apply its dates, this applies all of it to every format), as the file's
/// problems, each naming the row by its day, platform and campaign. Files of every format come
/// through here, so none can store what the metrics API would refuse.
pub(crate) fn check_rows(file: &str, rows: &[DailyRow]) -> Result<(), ImportFailure> {
    let mut diagnostics = Vec::new();
    for row in rows {
        for p in row.problems() {
            if diagnostics.len() == MAX_DIAGNOSTICS {
                break;
            }
            diagnostics.push(row_diagnostic(file, row, &p));
        }
    }
    if diagnostics.is_empty() {
        Ok(())
    } else {
        Err(ImportFailure::File(ImportError::Rejected {
            file: file.to_owned(),
            diagnostics,
        }))
    }
}

/// A row's problem, naming the row by its key (a parsed row no longer knows its line).
fn row_diagnostic(file: &str, row: &DailyRow, problem: &RowProblem) -> Diagnostic {
    Diagnostic::file(
        file,
        format!(
            "the {} row of {} (campaign \"{}\"): {problem}",
            row.platform.label(),
            row.date,
            row.external_campaign_id
        ),
    )
}

/// The refusal of a file without a row to import (a header alone, or only totals rows): an
/// import of nothing would be recorded as if something had come in.
fn nothing_to_import(file: &str, skipped: usize) -> ImportError {
    let why = match skipped {
        0 => "the file holds no rows below its header".to_owned(),
        1 => "the file's one row is a totals row, left out".to_owned(),
        n => format!("the file's {n} rows are all totals rows, left out"),
    };
    ImportError::whole_file(file, format!("nothing to import: {why}"))
}

/// A store failure of an import: the campaign deleted meanwhile is the campaign not found.
pub(crate) fn store_failure(e: StoreError) -> ImportFailure {
    match e {
        StoreError::NotFound(_) => ImportFailure::NotFound,
        e => ImportFailure::Store(e),
    }
}

/// The SHA-256 of a file's bytes, hex: the store keeps it to recognise a re-import.
pub(crate) fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Parses a file into rows converted to `currency` (with `rate` when the file is in another),
/// or a PDF's preview (its numbers read as `pdf_locale` says, else as the report's own decide).
#[allow(clippy::too_many_arguments)] // the file and each of the user's reading choices
pub fn parse(
    bytes: &[u8],
    file_name: &str,
    source: Option<Source>,
    currency: &str,
    rate: Option<Decimal>,
    period: PeriodRule,
    mapping: &ColumnMapping,
    pdf_locale: Option<NumberLocale>,
    date_order: Option<DateOrder>,
) -> Result<Imported, ImportError> {
    let options = ImportOptions {
        source,
        period: period.choice,
        period_range: period.range,
        mapping: mapping.clone(),
        pdf_locale,
        date_order,
        ..ImportOptions::default()
    };
    match spendlens_ingest::import(bytes, file_name, &options)? {
        Imported::Preview(p) => Ok(Imported::Preview(p)),
        Imported::Rows(rows) => {
            spendlens_ingest::reconcile_currency(rows, currency, rate).map(Imported::Rows)
        }
    }
}

/// Imports a whole file into `campaign` (already resolved through the caller's organisation):
/// parse, then (unless a dry run) store the rows as one import, all or nothing, and evaluate the
/// campaign's budget alerts. Re-importing a file changes nothing (rows are upserted on their
/// natural key).
pub async fn import_rows(
    ctx: &Context,
    campaign: &Campaign,
    command: ImportCommand,
) -> Result<ImportOutcome, ImportFailure> {
    if crate::channels::is_channel_upload(&command) {
        return crate::channels::import_channel_file(ctx, campaign, command).await;
    }
    let hash = content_hash(&command.bytes);
    let mut parsed = match crate::mappings::parse_mapped(ctx, campaign, &command).await? {
        Imported::Preview(p) => return Ok(ImportOutcome::Preview(p)),
        Imported::Rows(parsed) => parsed,
    };
    check_rows(&command.file_name, &parsed.rows)?;
    if parsed.rows.is_empty() {
        return Err(ImportFailure::File(nothing_to_import(
            &command.file_name,
            parsed.skipped.len(),
        )));
    }
    parsed
        .notes
        .extend(renamed_notes(ctx, campaign, &parsed.rows).await?);
    let today = crate::clock::today_in(ctx.now(), &campaign.spec.time_zone);
    parsed.notes.extend(ahead_note(&parsed.rows, today));
    let summary = spendlens_ingest::summary(&parsed);
    if command.dry_run {
        parsed
            .notes
            .extend(replaced_note(ctx, campaign, &parsed.rows).await?);
        return Ok(ImportOutcome::Rows(RowsImported {
            parsed,
            summary,
            import_id: None,
            counts: None,
            channels: Vec::new(),
            spend_change: None,
        }));
    }
    let record = ImportRecord {
        source: parsed.source.to_string(),
        file_name: Some(command.file_name),
        content_hash: Some(hash),
        detail: parsed.detail.clone(),
    };
    let last_day = parsed.rows.iter().map(|r| r.date).max();
    let before = match last_day {
        Some(day) => Some(spend_through(ctx, campaign, day).await?),
        None => None,
    };
    let mut writer = ctx
        .store
        .begin_import(&campaign.org_id, &campaign.id, &record, ctx.now())
        .await?
        .ok_or(ImportFailure::NotFound)?;
    writer.write(&parsed.rows).await.map_err(store_failure)?;
    let committed = writer.commit(None).await.map_err(store_failure)?;
    let spend_change = match (last_day, before) {
        (Some(through), Some(before)) if committed.counts.updated > 0 => Some(SpendChange {
            through,
            before,
            after: spend_through(ctx, campaign, through).await?,
        }),
        _ => None,
    };
    if command.save_mapping && !command.mapping.is_empty() {
        crate::mappings::save(ctx, campaign, &command.mapping).await?;
    }
    ctx.after_write(&campaign.org_id, &campaign.id).await;
    Ok(ImportOutcome::Rows(RowsImported {
        parsed,
        summary,
        import_id: Some(committed.import_id),
        counts: Some(committed.counts),
        channels: Vec::new(),
        spend_change,
    }))
}

/// A canonical CSV to stream.
#[derive(Debug)]
pub struct StreamCommand<R> {
    pub reader: R,
    pub file_name: String,
    pub rate: Option<Decimal>,
    pub dry_run: bool,
}

/// What a streamed import did.
#[derive(Debug, Clone)]
pub struct Streamed {
    pub summary: Summary,
    /// `None` in a dry run.
    pub import_id: Option<String>,
    /// The rows new, changed and unchanged against those already stored; `None` in a dry run.
    pub counts: Option<UpsertCounts>,
}

/// Hashes the bytes read, for the import record (known only at the end of the stream).
struct Hashing<R> {
    inner: R,
    hash: Arc<Mutex<Sha256>>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(read) = buf.get(..n) {
            self.hash
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .update(read);
        }
        Ok(n)
    }
}

/// Converts or refuses a streamed row whose currency differs from the campaign's (the rows of a
/// stream cannot be looked at all first, as [`spendlens_ingest::reconcile_currency`] does). The
/// conversion is to the cent, each campaign of the file carrying its rounding in the order its
/// rows come: a file in date order is stored to the same cents as through the upload.
fn reconcile_row(
    row: &mut DailyRow,
    campaign: &str,
    rate: Option<Decimal>,
    foreign: &mut Option<String>,
    converter: &mut Option<Converter>,
) -> Result<(), CurrencyProblem> {
    let Some(c) = row.currency.clone() else {
        row.currency = Some(campaign.to_owned());
        return Ok(());
    };
    if c.eq_ignore_ascii_case(campaign) {
        return Ok(());
    }
    match foreign {
        Some(f) if !f.eq_ignore_ascii_case(&c) => {
            return Err(CurrencyProblem::Mixed {
                first: f.clone(),
                second: c,
            });
        }
        _ => *foreign = Some(c.clone()),
    }
    let Some(rate) = rate else {
        return Err(CurrencyProblem::NoRate {
            file: c,
            campaign: campaign.to_owned(),
        });
    };
    converter
        .get_or_insert_with(|| Converter::new(rate, campaign))
        .row(row)
        .ok_or(CurrencyProblem::Overflow)
}

/// Why the stream's sink stopped.
enum SinkStop {
    Currency(CurrencyProblem),
    /// A value outside what spendlens accepts (see [`check_rows`]).
    Range(Diagnostic),
    /// The database writer went away (its error is reported instead).
    Writer,
}

/// Streams a canonical CSV into `campaign`: a parser thread hands batches through a bounded
/// channel to the writer, inside one transaction that commits only after the last row parsed
/// (dropping the writer on a problem rolls everything back). Memory stays flat whatever the file
/// size. Then, unless a dry run, the campaign's budget alerts.
pub async fn import_stream<R: Read + Send + 'static>(
    ctx: &Context,
    campaign: &Campaign,
    command: StreamCommand<R>,
) -> Result<Streamed, ImportFailure> {
    let hash = Arc::new(Mutex::new(Sha256::new()));
    let reader = Hashing {
        inner: command.reader,
        hash: hash.clone(),
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<DailyRow>>(4);
    let currency = campaign.spec.currency.clone();
    let rate = command.rate;
    let file_name = command.file_name.clone();
    let parser = tokio::task::spawn_blocking(move || {
        let (mut foreign, mut converter) = (None, None);
        // The summary is of the rows as stored: converted into the campaign's currency.
        let mut stored = spendlens_ingest::SummaryBuilder::new();
        let outcome = spendlens_ingest::stream_canonical(
            reader,
            &file_name,
            spendlens_ingest::DEFAULT_BATCH,
            |batch: &[DailyRow]| {
                let mut rows = batch.to_vec();
                for row in &mut rows {
                    reconcile_row(row, &currency, rate, &mut foreign, &mut converter)
                        .map_err(SinkStop::Currency)?;
                    if let Some(p) = row.problems().first() {
                        return Err(SinkStop::Range(row_diagnostic(&file_name, row, p)));
                    }
                    stored.add(row);
                }
                tx.blocking_send(rows).map_err(|_| SinkStop::Writer)
            },
        );
        outcome.map(|o| stored.finish(o.summary.skipped))
    });
    // The hash is known only at the end; the record is created first and named by file.
    let record = ImportRecord {
        source: Source::Canonical.to_string(),
        file_name: Some(command.file_name.clone()),
        content_hash: None,
        detail: None,
    };
    let mut writer = if command.dry_run {
        None
    } else {
        Some(
            ctx.store
                .begin_import(&campaign.org_id, &campaign.id, &record, ctx.now())
                .await?
                .ok_or(ImportFailure::NotFound)?,
        )
    };
    let mut write_error = None;
    while let Some(rows) = rx.recv().await {
        if let (Some(w), None) = (writer.as_mut(), &write_error)
            && let Err(e) = w.write(&rows).await
        {
            write_error = Some(e);
        }
    }
    let outcome = parser
        .await
        .map_err(|e| ImportFailure::Task(e.to_string()))?;
    if let Some(e) = write_error {
        return Err(store_failure(e));
    }
    let summary = match outcome {
        Ok(summary) => summary,
        Err(StreamError::Import(e)) => return Err(e.into()),
        Err(StreamError::Sink(SinkStop::Currency(p))) => return Err(ImportFailure::Currency(p)),
        Err(StreamError::Sink(SinkStop::Range(d))) => {
            return Err(ImportFailure::File(ImportError::Rejected {
                file: command.file_name,
                diagnostics: vec![d],
            }));
        }
        Err(StreamError::Sink(SinkStop::Writer)) => {
            return Err(ImportFailure::Task(
                "the database writer stopped".to_owned(),
            ));
        }
    };
    if summary.rows == 0 {
        // The writer is dropped uncommitted: nothing recorded.
        return Err(ImportFailure::File(nothing_to_import(
            &command.file_name,
            summary.skipped.len(),
        )));
    }
    let (import_id, counts) = match writer {
        Some(w) => {
            let digest = hex::encode(
                hash.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone()
                    .finalize(),
            );
            let committed = w.commit(Some(digest)).await.map_err(store_failure)?;
            ctx.after_write(&campaign.org_id, &campaign.id).await;
            (Some(committed.import_id), Some(committed.counts))
        }
        None => (None, None),
    };
    Ok(Streamed {
        summary,
        import_id,
        counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use spendlens_core::Platform;

    #[test]
    fn rows_dated_after_today_are_noted() {
        let d = |m: u32, day: u32, y: i32| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        let at = |date: NaiveDate| DailyRow::empty(date, Platform::Meta, "m");
        let today = d(11, 21, 2026);
        assert_eq!(ahead_note(&[at(d(11, 20, 2026)), at(today)], today), None);
        let one = ahead_note(&[at(d(11, 20, 2026)), at(d(1, 15, 2027))], today);
        assert_eq!(
            one.as_deref(),
            Some(
                "1 row is dated after today (15 Jan 2027): stored, they count only from their \
                 day on; check the year if that is a mistake"
            )
        );
        let two = ahead_note(&[at(d(12, 1, 2026)), at(d(12, 31, 2099))], today).unwrap_or_default();
        assert!(
            two.starts_with("2 rows are dated after today (1 Dec 2026 to 31 Dec 2099)"),
            "{two}"
        );
    }

    fn row(currency: Option<&str>, spend: i64) -> DailyRow {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
        DailyRow {
            spend: Decimal::from(spend),
            currency: currency.map(str::to_owned),
            ..DailyRow::empty(date, Platform::Meta, String::new())
        }
    }

    #[test]
    fn streamed_rows_are_converted_or_refused_by_currency() {
        let (mut foreign, mut converter) = (None, None);
        let mut r = row(None, 10);
        assert_eq!(
            reconcile_row(&mut r, "USD", None, &mut foreign, &mut converter),
            Ok(())
        );
        assert_eq!(r.currency.as_deref(), Some("USD"));
        let mut r = row(Some("EUR"), 10);
        assert_eq!(
            reconcile_row(&mut r, "USD", None, &mut foreign, &mut converter),
            Err(CurrencyProblem::NoRate {
                file: "EUR".into(),
                campaign: "USD".into()
            })
        );
        let mut r = row(Some("EUR"), 10);
        let rate = Some(Decimal::new(11, 1));
        assert_eq!(
            reconcile_row(&mut r, "USD", rate, &mut foreign, &mut converter),
            Ok(())
        );
        assert_eq!(
            (r.spend, r.currency.as_deref()),
            (Decimal::from(11), Some("USD"))
        );
        let mut r = row(Some("GBP"), 10);
        assert_eq!(
            reconcile_row(&mut r, "USD", rate, &mut foreign, &mut converter),
            Err(CurrencyProblem::Mixed {
                first: "EUR".into(),
                second: "GBP".into()
            })
        );
    }

    #[test]
    fn streamed_rows_are_converted_to_the_cent_carrying_each_campaign_s_rounding() {
        let rate = Some(Decimal::new(115, 2));
        let (mut foreign, mut converter) = (None, None);
        let mut booked = Vec::new();
        for (campaign, cents) in [("a", 10), ("b", 10), ("a", 10), ("a", 10)] {
            let mut r = DailyRow {
                external_campaign_id: campaign.to_owned(),
                spend: Decimal::new(cents, 2),
                ..row(Some("EUR"), 0)
            };
            assert_eq!(
                reconcile_row(&mut r, "USD", rate, &mut foreign, &mut converter),
                Ok(())
            );
            booked.push(r.spend.to_string());
        }
        // 0.115 each: campaign a books 0.12, 0.11, 0.12 (0.35 = 0.345 rounded), b its own 0.12.
        assert_eq!(booked, ["0.12", "0.12", "0.11", "0.12"]);
    }
}
