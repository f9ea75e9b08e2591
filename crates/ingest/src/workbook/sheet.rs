//! One worksheet streamed cell by cell into the rows of the table engine, within the limits.
//!
//! Why not calamine's `worksheet_range`: it allocates the dense rectangle between the first and the
//! last cell, so a sheet with cells at A1 and XFD1048576 asks for 2³⁴ cells (512 GiB) and the
//! process aborts (an allocation failure is not a panic). Here only filled cells are kept, each
//! checked against [`MAX_COLUMNS`] and [`MAX_CELLS`] as it arrives, and the sheet's declared
//! `<dimension>` is checked before the first cell is read.

use std::io::{Read, Seek};

use calamine::{DataRef, Xlsx};

use crate::error::ImportError;
use crate::limits::{MAX_CELLS, MAX_COLUMNS, MAX_ROWS, grouped};
use crate::table::{Cells, RawRow};

/// Why a sheet was not read.
#[derive(Debug)]
pub(super) enum SheetError {
    /// Not readable as a worksheet (calamine's message).
    Unreadable(String),
    /// A shape limit (declared size, a column too far right): refused as the file's problem.
    Shape(String),
    /// More filled cells than [`MAX_CELLS`], or rows than [`MAX_ROWS`].
    TooLarge(String),
}

impl SheetError {
    pub(super) fn into_import_error(self, file: &str) -> ImportError {
        match self {
            SheetError::Unreadable(m) | SheetError::Shape(m) => ImportError::whole_file(file, m),
            SheetError::TooLarge(message) => ImportError::OverLimit {
                file: file.to_owned(),
                message,
            },
        }
    }
}

/// The filled cells of sheet `name` as rows (rows without a filled cell are left out), in row
/// order, each cell at its column (column A is index 0).
pub(super) fn read_sheet<RS: Read + Seek>(
    wb: &mut Xlsx<RS>,
    name: &str,
) -> Result<Vec<RawRow>, SheetError> {
    let mut reader = wb
        .worksheet_cells_reader(name)
        .map_err(|e| SheetError::Unreadable(format!("sheet \"{name}\" could not be read ({e})")))?;
    let declared = reader.dimensions();
    let (rows, cols) = (
        u64::from(declared.end.0.saturating_sub(declared.start.0)) + 1,
        u64::from(declared.end.1.saturating_sub(declared.start.1)) + 1,
    );
    if rows.saturating_mul(cols) > MAX_CELLS as u64 {
        return Err(SheetError::Shape(format!(
            "sheet \"{name}\" declares {} rows × {} columns; spendlens reads at most {} cells \
             (delete the unused rows and columns, or save the data as CSV)",
            grouped(rows),
            grouped(cols),
            grouped(MAX_CELLS as u64)
        )));
    }
    // Rows are built as the cells arrive (spreadsheet programs write them in order); the cells
    // of the row being read wait in `current`, at most one per column.
    let mut rows: Vec<RawRow> = Vec::new();
    let mut current: Vec<(u32, String)> = Vec::new();
    let mut current_row: Option<u32> = None;
    let mut count = 0usize;
    loop {
        let cell = match reader.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => {
                return Err(SheetError::Unreadable(format!(
                    "sheet \"{name}\" could not be read ({e})"
                )));
            }
        };
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        let (row, col) = cell.get_position();
        if col as usize >= MAX_COLUMNS {
            return Err(SheetError::Shape(format!(
                "sheet \"{name}\" has a cell in column {} (row {}); spendlens reads at most {} \
                 columns",
                crate::error::column_letter(col as usize),
                grouped(u64::from(row) + 1),
                grouped(MAX_COLUMNS as u64)
            )));
        }
        count += 1;
        if count > MAX_CELLS {
            return Err(SheetError::TooLarge(format!(
                "sheet \"{name}\" has more than {} filled cells; spendlens reads at most {} cells \
                 at once: split the file",
                grouped(MAX_CELLS as u64),
                grouped(MAX_CELLS as u64)
            )));
        }
        if current_row != Some(row) {
            if let Some(done) = current_row {
                rows.push(finish_row(done, &mut current));
            }
            if rows.len() >= MAX_ROWS {
                return Err(SheetError::TooLarge(format!(
                    "sheet \"{name}\" has more than {} rows; spendlens reads at most {} rows at \
                     once: split the file",
                    grouped(MAX_ROWS as u64),
                    grouped(MAX_ROWS as u64)
                )));
            }
            current_row = Some(row);
        }
        current.push((col, text));
    }
    if let Some(done) = current_row {
        rows.push(finish_row(done, &mut current));
    }
    if !rows.is_sorted_by(|a, b| a.row < b.row) {
        rows = merge_rows(rows);
    }
    Ok(rows)
}

/// The row of the cells in `current` (emptied): by column, the later of two cells at one column
/// winning, as in a range read.
fn finish_row(row: u32, current: &mut Vec<(u32, String)>) -> RawRow {
    current.sort_by_key(|&(col, _)| col);
    let mut cells = Cells::new();
    for (i, (col, text)) in current.iter().enumerate() {
        let superseded = current.get(i + 1).is_some_and(|(next, _)| next == col);
        if !superseded {
            cells.pad_to(*col as usize);
            cells.push(text);
        }
    }
    current.clear();
    RawRow {
        row: u64::from(row) + 1,
        cells,
    }
}

/// Rows in row order, the parts of a row listed more than once merged (a sheet written out of
/// order: rare, so done the simple way).
fn merge_rows(mut rows: Vec<RawRow>) -> Vec<RawRow> {
    rows.sort_by_key(|r| r.row);
    let mut out: Vec<RawRow> = Vec::with_capacity(rows.len());
    let mut pending: Vec<(u32, String)> = Vec::new();
    let mut at: Option<u64> = None;
    for r in rows {
        if at != Some(r.row) {
            if let Some(done) = at {
                out.push(finish_row(row_index(done), &mut pending));
            }
            at = Some(r.row);
        }
        for (col, text) in r.cells.iter().enumerate() {
            if !text.is_empty() {
                pending.push((u32::try_from(col).unwrap_or(u32::MAX), text.to_owned()));
            }
        }
    }
    if let Some(done) = at {
        out.push(finish_row(row_index(done), &mut pending));
    }
    out
}

fn row_index(row: u64) -> u32 {
    u32::try_from(row.saturating_sub(1)).unwrap_or(u32::MAX)
}

/// A cell's text as the table engine reads it: numbers in their shortest exact decimal form,
/// dates as ISO days, booleans and errors spelt out.
fn cell_text(d: &DataRef<'_>) -> String {
    match d {
        DataRef::Empty => String::new(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => {
            crate::number::decimal_from_f64(*f).map_or_else(|| f.to_string(), |d| d.to_string())
        }
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(t) if !dt.is_duration() => t.date().to_string(),
            _ => crate::number::decimal_from_f64(dt.as_f64())
                .map_or_else(String::new, |d| d.to_string()),
        },
        DataRef::Error(e) => format!("#ERROR {e}"),
    }
}
