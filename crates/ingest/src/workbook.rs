//! XLSX (and XLS/ODS) workbooks through calamine, and Google Sheets tabs given as the Sheets API
//! `values` array: both become text cells for the shared table engine.
//!
//! Workbook numbers are IEEE doubles; they are turned into text through the shortest round-trip
//! representation (see `number::decimal_from_f64`), so a cell showing `84.53` imports as exactly
//! 84.53. Date-formatted cells become ISO dates; a plain number in the date column is read as a
//! serial day (epoch 1899-12-30), as Sheets' `UNFORMATTED_VALUE` gives it.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, Reader};
use spendlens_core::Platform;

use crate::error::{ImportError, Problems};
use crate::exports::check_size;
use crate::model::{ImportOptions, ParsedFile, Source};
use crate::table::{self, RawRow, TableSpec};

/// Most cells read from one sheet; a decompressed workbook can be far larger than its upload.
const MAX_CELLS: usize = 20_000_000;

/// Parses a workbook: the sheet named in [`ImportOptions::sheet`], else the first sheet with a
/// recognisable header row. A Meta, Google Ads or LinkedIn export saved as XLSX is recognised by
/// its headers and its rows get that platform.
pub fn parse_workbook(
    bytes: &[u8],
    file: &str,
    options: &ImportOptions,
) -> Result<ParsedFile, ImportError> {
    check_size(bytes, file, options)?;
    let sheets = catch_unwind(AssertUnwindSafe(|| {
        read_sheets(bytes, options.sheet.as_deref())
    }))
    .map_err(|_| ImportError::whole_file(file, "the workbook is damaged and could not be read"))?
    .map_err(|m| ImportError::whole_file(file, m))?;
    let mut last_err = None;
    for (name, rows) in sheets {
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

fn spec_for(detected: Source, options: &ImportOptions, default_platform: Platform) -> TableSpec {
    let mut spec = TableSpec::new(detected);
    spec.serial_dates = true;
    spec.ragged_ok = true;
    spec.platform_column_wins = true;
    spec.order_override = options.date_order;
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

fn read_sheets(bytes: &[u8], wanted: Option<&str>) -> Result<Vec<(String, Vec<RawRow>)>, String> {
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("not a readable XLSX/XLS/ODS workbook ({e})"))?;
    let names = wb.sheet_names();
    let chosen: Vec<String> = match wanted {
        Some(w) => {
            let hit = names.iter().find(|n| n.eq_ignore_ascii_case(w)).cloned();
            vec![hit.ok_or_else(|| {
                format!(
                    "the workbook has no sheet \"{w}\" (it has: {})",
                    names.join(", ")
                )
            })?]
        }
        None => names,
    };
    let mut out = Vec::new();
    for name in chosen {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| format!("sheet \"{name}\" could not be read ({e})"))?;
        let (h, w) = range.get_size();
        if h.saturating_mul(w) > MAX_CELLS {
            return Err(format!(
                "sheet \"{name}\" has {h} rows by {w} columns, more than spendlens imports"
            ));
        }
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let pad = usize::try_from(col0).unwrap_or(0);
        let rows = range
            .rows()
            .enumerate()
            .map(|(i, cells)| {
                let mut texts = vec![String::new(); pad];
                texts.extend(cells.iter().map(cell_text));
                RawRow {
                    row: u64::from(row0) + i as u64 + 1,
                    cells: texts,
                }
            })
            .collect();
        out.push((name, rows));
    }
    Ok(out)
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            crate::number::decimal_from_f64(*f).map_or_else(|| f.to_string(), |d| d.to_string())
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if !dt.is_duration() => t.date().to_string(),
            _ => crate::number::decimal_from_f64(dt.as_f64())
                .map_or_else(String::new, |d| d.to_string()),
        },
        Data::Error(e) => format!("#ERROR {e}"),
    }
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
    if cells > MAX_CELLS {
        return Err(ImportError::TooLarge {
            file: tab.to_owned(),
            size: cells as u64,
            limit: MAX_CELLS as u64,
        });
    }
    let rows: Vec<RawRow> = values
        .iter()
        .enumerate()
        .map(|(i, r)| RawRow {
            row: i as u64 + 1,
            cells: r.clone(),
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
