//! XLSX workbooks through calamine, and Google Sheets tabs given as the Sheets API `values`
//! array: both become text cells for the shared table engine.
//!
//! A workbook is bounded before it is expanded: its zip container is inspected part by part
//! ([`container`]), then each sheet is streamed cell by cell into rows ([`sheet`]), never into a
//! dense range. XLS, XLSB and ODS are refused with a message (see [`container`] for why).
//!
//! Workbook numbers are IEEE doubles; they are turned into text through the shortest round-trip
//! representation (see `number::decimal_from_f64`), so a cell showing `84.53` imports as exactly
//! 84.53. Date-formatted cells become ISO dates; a plain number in the date column is read as a
//! serial day (epoch 1899-12-30), as Sheets' `UNFORMATTED_VALUE` gives it.

mod container;
mod sheet;

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::Reader;
use spendlens_core::Platform;

use crate::error::{ImportError, Problems};
use crate::exports::check_size;
use crate::limits::{MAX_CELLS, MAX_COLUMNS, MAX_ROWS, grouped};
use crate::model::{ImportOptions, ParsedFile, Source};
use crate::table::{self, RawRow, TableSpec};

/// Parses a workbook: the sheet named in [`ImportOptions::sheet`], else the first sheet with a
/// recognisable header row. A Meta, Google Ads or LinkedIn export saved as XLSX is recognised by
/// its headers and its rows get that platform.
pub fn parse_workbook(
    bytes: &[u8],
    file: &str,
    options: &ImportOptions,
) -> Result<ParsedFile, ImportError> {
    let (mut wb, chosen) = open(bytes, file, options)?;
    let mut last_err = None;
    for name in chosen {
        // One sheet at a time: the rows of a sheet that does not parse are dropped before the next.
        let rows = catch_unwind(AssertUnwindSafe(|| sheet::read_sheet(&mut wb, &name)))
            .map_err(|_| damaged(file))?
            .map_err(|e| e.into_import_error(file))?;
        let label = format!("{file} [{name}]");
        let source = table::classify(&rows).unwrap_or(Source::SpreadsheetCsv);
        let spec = spec_for(source, options, Platform::Sheets);
        let spec = TableSpec {
            source: Source::Workbook,
            ..spec
        };
        match table::parse_table(
            &label,
            &rows,
            &spec,
            &options.mapping,
            Problems::new(&label),
        ) {
            Ok(p) => return Ok(p),
            Err(e) if options.sheet.is_some() => return Err(e),
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(|| ImportError::whole_file(file, "the workbook has no sheets")))
}

fn damaged(file: &str) -> ImportError {
    ImportError::whole_file(file, "the workbook is damaged and could not be read")
}

type Workbook<'a> = calamine::Xlsx<Cursor<&'a [u8]>>;

/// Opens a workbook within the limits, with the sheets to read: the one named in
/// [`ImportOptions::sheet`], else all of them in order.
fn open<'a>(
    bytes: &'a [u8],
    file: &str,
    options: &ImportOptions,
) -> Result<(Workbook<'a>, Vec<String>), ImportError> {
    check_size(bytes, file, options)?;
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(container::refuse_ole(file));
    }
    container::inspect(bytes, file)?;
    let wb = catch_unwind(|| calamine::Xlsx::new(Cursor::new(bytes)))
        .map_err(|_| damaged(file))?
        .map_err(|e| {
            ImportError::whole_file(file, format!("not a readable XLSX workbook ({e})"))
        })?;
    let names = wb.sheet_names();
    let chosen: Vec<String> = match options.sheet.as_deref() {
        Some(w) => {
            let hit = names.iter().find(|n| n.eq_ignore_ascii_case(w)).cloned();
            vec![hit.ok_or_else(|| {
                ImportError::whole_file(
                    file,
                    format!(
                        "the workbook has no sheet \"{w}\" (it has: {})",
                        names.join(", ")
                    ),
                )
            })?]
        }
        None => names,
    };
    Ok((wb, chosen))
}

/// The rows of the sheet a parse would read first (the named sheet, else the first), for the
/// column-mapping form.
pub(crate) fn sheet_rows(
    bytes: &[u8],
    file: &str,
    options: &ImportOptions,
) -> Result<Vec<RawRow>, ImportError> {
    let (mut wb, chosen) = open(bytes, file, options)?;
    let name = chosen
        .first()
        .ok_or_else(|| ImportError::whole_file(file, "the workbook has no sheets"))?;
    catch_unwind(AssertUnwindSafe(|| sheet::read_sheet(&mut wb, name)))
        .map_err(|_| damaged(file))?
        .map_err(|e| e.into_import_error(file))
}

fn spec_for(detected: Source, options: &ImportOptions, default_platform: Platform) -> TableSpec {
    let mut spec = TableSpec::new(detected);
    spec.serial_dates = true;
    spec.ragged_ok = true;
    spec.platform_column_wins = true;
    spec.order_override = options.date_order;
    spec.period = options.period;
    spec.period_range = options.period_range;
    // Precedence: a platform column, then the user's explicit platform, then the platform whose
    // export the headers look like, then Sheets.
    if let Some(p) = options.default_platform {
        spec.platform = None;
        spec.default_platform = p;
    } else {
        spec.default_platform = default_platform;
    }
    spec
}

/// Parses one Google Sheets tab given as the Sheets API `values` field (rows of cell strings).
///
/// Rows may be ragged (the API drops trailing empty cells) and are padded. Both
/// `FORMATTED_VALUE` text (`$84.53`, `10,234`, `6/1/2024`) and `UNFORMATTED_VALUE` numbers (dates as
/// serial days) are accepted. `tab` names the tab in messages. A row's platform comes from a
/// Platform/Channel column, else [`ImportOptions::default_platform`], else the platform whose export
/// the headers are (`Amount spent` is Meta's), else [`Platform::Sheets`].
pub fn parse_sheet_values(
    values: &[Vec<String>],
    tab: &str,
    options: &ImportOptions,
) -> Result<ParsedFile, ImportError> {
    let cells: usize = values.iter().map(Vec::len).sum();
    if cells > MAX_CELLS || values.len() > MAX_ROWS {
        return Err(ImportError::OverLimit {
            file: tab.to_owned(),
            message: format!(
                "the tab has {} rows and {} cells; spendlens reads at most {} rows and {} cells \
                 at once",
                grouped(values.len() as u64),
                grouped(cells as u64),
                grouped(MAX_ROWS as u64),
                grouped(MAX_CELLS as u64)
            ),
        });
    }
    if let Some(i) = values.iter().position(|r| r.len() > MAX_COLUMNS) {
        return Err(ImportError::whole_file(
            tab,
            format!(
                "row {} has {} columns; spendlens reads at most {} columns",
                i + 1,
                grouped(values.get(i).map_or(0, Vec::len) as u64),
                grouped(MAX_COLUMNS as u64)
            ),
        ));
    }
    let rows: Vec<RawRow> = values
        .iter()
        .enumerate()
        .map(|(i, r)| RawRow {
            row: i as u64 + 1,
            cells: r.iter().map(String::as_str).collect(),
        })
        .collect();
    let detected = table::classify(&rows).unwrap_or(Source::SpreadsheetCsv);
    let spec = spec_for(detected, options, Platform::Sheets);
    let spec = TableSpec {
        source: Source::SpreadsheetCsv,
        ..spec
    };
    table::parse_table(tab, &rows, &spec, &options.mapping, Problems::new(tab))
}
