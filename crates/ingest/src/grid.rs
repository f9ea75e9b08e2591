//! A plain table of text cells: a delimited text file (comma, semicolon or tab) or a workbook's
//! sheet, with spreadsheet row numbers, for readers whose columns are not campaign metrics (the
//! marketing-mix model's KPI, spend and control columns).
//!
//! The same bounded readers as every import (size, column, record and cell limits; a workbook's
//! parts inspected before expansion), without the campaign table engine: the caller decides what
//! each column means. Rejected alternative: a second CSV/XLSX reader in the CLI, which would have
//! to repeat the limits, the encoding detection and the delimiter sniffing.

use crate::error::{ImportError, Problems};
use crate::model::{ImportOptions, Source};

/// One row of text cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridRow {
    /// Its row number in the file (1-based, as a spreadsheet shows it).
    pub row: u64,
    /// The cells, in column order (a workbook's empty cells as empty strings).
    pub cells: Vec<String>,
}

/// A table of text cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// The rows in file order (blank lines of a text file are not rows).
    pub rows: Vec<GridRow>,
    /// The delimiter of a text file (`b';'` suggests decimal commas); `None` for a workbook.
    pub delimiter: Option<u8>,
}

/// Reads `bytes` as a delimited text file or, when they are an XLSX workbook, its sheet named in
/// [`ImportOptions::sheet`] (else the first). A PDF is refused.
///
/// # Errors
/// The file is over a limit, unreadable, a PDF, or has malformed records (each named by row).
pub fn read_grid(
    bytes: &[u8],
    file_name: &str,
    options: &ImportOptions,
) -> Result<Grid, ImportError> {
    crate::exports::check_size(bytes, file_name, options)?;
    let source = crate::detect::detect(bytes, file_name).unwrap_or(Source::SpreadsheetCsv);
    let (raw, delimiter) = match source {
        Source::Pdf => {
            return Err(ImportError::whole_file(
                file_name,
                "a PDF is not a table of periods",
            ));
        }
        Source::Workbook => (
            crate::workbook::sheet_rows(bytes, file_name, options)?,
            None,
        ),
        _ => {
            let mut problems = Problems::new(file_name);
            let (rows, delimiter) =
                crate::exports::delimited_rows(bytes, file_name, &mut problems)?;
            problems.into_result()?;
            (rows, Some(delimiter))
        }
    };
    let rows = raw
        .into_iter()
        .map(|r| GridRow {
            row: r.row,
            cells: (0..r.cells.len())
                .map(|i| r.cells.get(i).unwrap_or_default().to_owned())
                .collect(),
        })
        .collect();
    Ok(Grid { rows, delimiter })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_semicolon_file_keeps_its_rows_numbers_and_delimiter() {
        let g = read_grid(
            b"date;revenue\n2024-01-01;1,5\n\n2024-01-02;2\n",
            "x.csv",
            &ImportOptions::default(),
        )
        .expect("reads");
        assert_eq!(g.delimiter, Some(b';'));
        assert_eq!(g.rows[0].cells, vec!["date", "revenue"]);
        assert_eq!(g.rows[1].cells, vec!["2024-01-01", "1,5"]);
        assert_eq!(g.rows.last().map(|r| r.row), Some(4));
    }

    #[test]
    fn a_pdf_is_refused() {
        assert!(read_grid(b"%PDF-1.7\n", "x.pdf", &ImportOptions::default()).is_err());
    }
}
