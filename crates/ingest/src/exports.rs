//! Platform CSV exports (LinkedIn Campaign Manager, Meta Ads Manager, Google Ads) and sheets saved as
//! CSV: decode, sniff the delimiter, number the rows, then the shared table engine.

use crate::error::{ImportError, Problems};
use crate::model::{ImportOptions, ParsedFile, Source};
use crate::number::DecimalSeparator;
use crate::table::{self, RawRow, TableSpec};
use crate::text;

/// Checks the size limit before anything else is done with the bytes.
pub(crate) fn check_size(
    bytes: &[u8],
    file: &str,
    options: &ImportOptions,
) -> Result<(), ImportError> {
    if bytes.len() > options.max_bytes {
        return Err(ImportError::TooLarge {
            file: file.to_owned(),
            size: bytes.len() as u64,
            limit: options.max_bytes as u64,
        });
    }
    Ok(())
}

/// Decodes and splits a delimited text file into numbered rows; malformed records become
/// problems of their row. The text is held to [`crate::limits`] (columns, record length, cells)
/// before it is split.
pub(crate) fn delimited_rows(
    bytes: &[u8],
    file: &str,
    problems: &mut Problems,
) -> Result<(Vec<RawRow>, u8), ImportError> {
    let text = text::decode(bytes, file)?;
    let delimiter = text::sniff_delimiter(&text);
    crate::limits::check_table(text.as_bytes(), delimiter).map_err(|e| e.into_error(file))?;
    // One row a line, at most (records may span lines): the vector is not grown by copies.
    let mut rows = Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
    for rec in text::records(&text, delimiter) {
        match rec {
            Ok(r) => rows.push(RawRow {
                row: r.row,
                cells: r.cells,
            }),
            Err((row, message)) => {
                problems.at(row, None, format!("unreadable CSV record: {message}"))
            }
        }
    }
    Ok((rows, delimiter))
}

fn parse_export(
    bytes: &[u8],
    file: &str,
    source: Source,
    options: &ImportOptions,
) -> Result<ParsedFile, ImportError> {
    check_size(bytes, file, options)?;
    let mut problems = Problems::new(file);
    let (rows, delimiter) = delimited_rows(bytes, file, &mut problems)?;
    let mut spec = TableSpec::new(source);
    // Semicolons come from decimal-comma locales; the numbers themselves decide in the end.
    if delimiter == b';' {
        spec.decimal = DecimalSeparator::Comma;
    }
    spec.decimal_from_data = true;
    spec.order_override = options.date_order;
    spec.period = options.period;
    spec.period_range = options.period_range;
    if let Some(p) = options.default_platform {
        spec.default_platform = p;
    }
    let mut parsed = table::parse_table(file, &rows, &spec, &options.mapping, problems)?;
    // Which calendar day a row is: each platform's own day boundary, never converted (a daily
    // bucket cannot be moved between time zones).
    let day = match source {
        Source::LinkedIn => Some("days are UTC days, as LinkedIn reports them"),
        Source::Meta => Some("days are in the Meta ad account's time zone"),
        Source::GoogleAds => Some("days are in the Google Ads account's time zone"),
        _ => None,
    };
    parsed.notes.extend(day.map(str::to_owned));
    Ok(parsed)
}

/// Parses a LinkedIn Campaign Manager "Campaign Performance Report" CSV.
///
/// Handles the title and `Report Start:` preamble (the header row is searched for, not assumed),
/// UTF-8 or UTF-16 with tabs, `M/D/YYYY` dates, quoted `"1,234.50"` amounts, the `Currency` column
/// and the trailing `Total` row (skipped, its figures kept in [`ParsedFile::skipped`]).
pub fn parse_linkedin(
    bytes: &[u8],
    file: &str,
    options: &ImportOptions,
) -> Result<ParsedFile, ImportError> {
    parse_export(bytes, file, Source::LinkedIn, options)
}

/// Parses a Meta Ads Manager CSV export.
///
/// The `Day` column is the date; rows spanning `Reporting starts` to `Reporting ends` are period
/// totals, booked as [`ImportOptions::period`] says (refused by default). Ad-set and ad level
/// exports and breakdowns (age, gender, audience segments, ...) are summed per day and campaign,
/// the ad-set name standing in for a missing campaign column. The currency comes from the header
/// (`Amount spent (EUR)`); a row with no campaign name is the totals row and is skipped.
/// Semicolon-separated exports from decimal-comma locales are read with `1.234,56` numbers.
pub fn parse_meta(
    bytes: &[u8],
    file: &str,
    options: &ImportOptions,
) -> Result<ParsedFile, ImportError> {
    parse_export(bytes, file, Source::Meta, options)
}

/// Parses a Google Ads UI report download: the title and date-range lines, the UTF-16LE tab
/// "Excel CSV" variant, ` --` empty cells, `"2,450"` counts, `Currency code` or `Cost (USD)`, and
/// the several `Total: ...` rows (skipped: they restate sums and would multiply the spend).
pub fn parse_google_ads(
    bytes: &[u8],
    file: &str,
    options: &ImportOptions,
) -> Result<ParsedFile, ImportError> {
    parse_export(bytes, file, Source::GoogleAds, options)
}

/// Parses any other CSV whose headers use the usual names (Date/Day, Cost/Spend/Amount spent,
/// Conv./Conversions/Results, ...), e.g. a spend tracker sheet saved as CSV. Rows take their
/// platform from a Platform/Channel column, else [`ImportOptions::default_platform`], else Sheets.
pub fn parse_spreadsheet_csv(
    bytes: &[u8],
    file: &str,
    options: &ImportOptions,
) -> Result<ParsedFile, ImportError> {
    parse_export(bytes, file, Source::SpreadsheetCsv, options)
}
