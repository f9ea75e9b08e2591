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
    // A sheet declaring more rows than are read at once is refused before its cells are read:
    // reading up to the limit first took a 20 MB sheet of a million rows tens of seconds, the
    // upload slot held all that time.
    if rows > MAX_ROWS as u64 {
        return Err(SheetError::TooLarge(format!(
            "sheet \"{name}\" declares {} rows; spendlens reads at most {} rows at once: split \
             the file",
            grouped(rows),
            grouped(MAX_ROWS as u64)
        )));
    }
    // Rows are built as the cells arrive (spreadsheet programs write them in order); the cells
    // of the row being read wait in `current`, at most one per column.
    let mut rows: Vec<RawRow> =
        Vec::with_capacity(usize::try_from(rows.min(MAX_ROWS as u64)).unwrap_or(0));
    let mut current = Pending::default();
    let mut current_row: Option<u32> = None;
    let mut count = 0usize;
    loop {
        let cell = match reader.next_cell_with_formula_metadata() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => {
                return Err(SheetError::Unreadable(format!(
                    "sheet \"{name}\" could not be read ({e})"
                )));
            }
        };
        let (row, col) = cell.pos;
        // A formula whose result the file does not hold (written by a program that does not
        // calculate) would read as an empty cell: a spend of 0, a campaign without a name.
        if cell.formula.is_some() && matches!(cell.value, DataRef::Empty) {
            return Err(SheetError::Shape(format!(
                "sheet \"{name}\", cell {}{}: a formula whose result the file does not hold (it \
                 was saved by a program that does not calculate); open the file in Excel, \
                 LibreOffice or Google Sheets and save it again, or save it as CSV",
                crate::error::column_letter(col as usize),
                u64::from(row) + 1
            )));
        }
        let mut start = current.text.len();
        cell_text(&cell.value, &mut current.text);
        if current.text.len() == start {
            continue;
        }
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
                rows.push(current.finish_row(done, start));
                // The cell just read is now the start of the text.
                start = 0;
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
        current.cells.push((col, start, current.text.len()));
    }
    if let Some(done) = current_row {
        let end = current.text.len();
        rows.push(current.finish_row(done, end));
    }
    if !rows.is_sorted_by(|a, b| a.row < b.row) {
        rows = merge_rows(rows);
    }
    Ok(rows)
}

/// The cells of the row being read: their texts one after another, and each cell's column and
/// place in the text (at most one per column in a well-formed sheet).
#[derive(Debug, Default)]
struct Pending {
    text: String,
    cells: Vec<(u32, usize, usize)>,
}

impl Pending {
    /// The row of the pending cells, by column, the later of two cells at one column winning,
    /// as in a range read. The text from `keep` on (the cell just read, of the next row) stays.
    fn finish_row(&mut self, row: u32, keep: usize) -> RawRow {
        if !self.cells.is_sorted_by(|a, b| a.0 <= b.0) {
            self.cells.sort_by_key(|&(col, _, _)| col);
        }
        let mut cells =
            Cells::with_capacity(keep, self.cells.last().map_or(0, |c| c.0 as usize + 1));
        for (i, &(col, from, to)) in self.cells.iter().enumerate() {
            let superseded = self.cells.get(i + 1).is_some_and(|next| next.0 == col);
            if !superseded {
                cells.pad_to(col as usize);
                cells.push(self.text.get(from..to).unwrap_or(""));
            }
        }
        self.cells.clear();
        self.text.drain(..keep);
        RawRow {
            row: u64::from(row) + 1,
            cells,
        }
    }
}

/// Rows in row order, the parts of a row listed more than once merged (a sheet written out of
/// order: rare, so done the simple way).
fn merge_rows(mut rows: Vec<RawRow>) -> Vec<RawRow> {
    rows.sort_by_key(|r| r.row);
    let mut out: Vec<RawRow> = Vec::with_capacity(rows.len());
    let mut pending = Pending::default();
    let mut at: Option<u64> = None;
    for r in rows {
        if at != Some(r.row) {
            if let Some(done) = at {
                let end = pending.text.len();
                out.push(pending.finish_row(row_index(done), end));
            }
            at = Some(r.row);
        }
        for (col, text) in r.cells.iter().enumerate() {
            if !text.is_empty() {
                let start = pending.text.len();
                pending.text.push_str(text);
                let col = u32::try_from(col).unwrap_or(u32::MAX);
                pending.cells.push((col, start, pending.text.len()));
            }
        }
    }
    if let Some(done) = at {
        let end = pending.text.len();
        out.push(pending.finish_row(row_index(done), end));
    }
    out
}

fn row_index(row: u64) -> u32 {
    u32::try_from(row.saturating_sub(1)).unwrap_or(u32::MAX)
}

/// Appends a cell's text as the table engine reads it: numbers in their shortest exact decimal
/// form, dates as ISO days, booleans and errors spelt out; nothing for an empty cell.
fn cell_text(d: &DataRef<'_>, out: &mut String) {
    use std::fmt::Write as _;
    // Writing into a `String` cannot fail.
    let _ = match d {
        DataRef::Empty => Ok(()),
        DataRef::SharedString(s) => {
            out.push_str(s);
            Ok(())
        }
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            out.push_str(s);
            Ok(())
        }
        DataRef::Int(i) => write!(out, "{i}"),
        DataRef::Float(f) => {
            float_text(*f, out);
            Ok(())
        }
        DataRef::Bool(b) => write!(out, "{b}"),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(t) if !dt.is_duration() => write!(out, "{}", t.date()),
            _ => match crate::number::decimal_from_f64(dt.as_f64()) {
                Some(d) => write!(out, "{d}"),
                None => Ok(()),
            },
        },
        DataRef::Error(e) => write!(out, "#ERROR {e}"),
    };
}

/// Appends a number cell's value as the decimal that reads back as the same double (see
/// [`crate::number::decimal_from_f64`]). The double's shortest text is that decimal's own text
/// when it is short and not a zero (a `Decimal` holds 28 digits; `-0` prints as `0`), so only
/// the others take the way through `Decimal`.
fn float_text(f: f64, out: &mut String) {
    use std::fmt::Write as _;
    let start = out.len();
    let _ = write!(out, "{f}");
    let written = &out[start..];
    if written.len() <= 26 && f != 0.0 && f.is_finite() {
        return;
    }
    out.truncate(start);
    let _ = match crate::number::decimal_from_f64(f) {
        Some(d) => write!(out, "{d}"),
        None => write!(out, "{f}"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The old way: through `Decimal` always.
    fn through_decimal(f: f64) -> String {
        crate::number::decimal_from_f64(f).map_or_else(|| f.to_string(), |d| d.to_string())
    }

    fn fast(f: f64) -> String {
        let mut out = String::from("x");
        float_text(f, &mut out);
        out.split_off(1)
    }

    #[test]
    fn number_cells_read_as_their_decimal() {
        for f in [
            84.53,
            0.0,
            -0.0,
            1.0,
            -1.5,
            714.33,
            1e-7,
            1.2345678901234567e-20,
            1e21,
            1e300,
            -1e300,
            f64::MIN_POSITIVE,
            5e-324,
            123456789012345680000.0,
            0.1 + 0.2,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(fast(f), through_decimal(f), "{f:e}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_double_reads_as_its_decimal(bits in proptest::num::u64::ANY) {
            let f = f64::from_bits(bits);
            proptest::prop_assert_eq!(fast(f), through_decimal(f));
        }

        #[test]
        fn money_like_doubles_read_as_their_decimal(cents in -10_000_000_000_000i64..10_000_000_000_000, places in 0u32..6) {
            let f = cents as f64 / 10f64.powi(places as i32);
            proptest::prop_assert_eq!(fast(f), through_decimal(f));
        }
    }
}
