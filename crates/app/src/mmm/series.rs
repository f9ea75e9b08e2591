//! A KPI series uploaded as a file (CSV or XLSX): a date column and a value column, the
//! business's own revenue per day in the campaigns' currency, for a model run on the KPI
//! spendlens does not store.
//!
//! The date column is the first whose header reads like a date (`date`, `day`, `week`, `time`),
//! its days written as the model's table reader takes them (`2026-10-05`, `2026/10/05`,
//! `20261005` as GA4 exports write them, or a workbook's date cells);
//! the value the first other column whose cells are all numbers. A bad cell is refused naming its
//! row and column; a day given twice is refused.

use chrono::NaiveDate;
use spendlens_ingest::{Grid, ImportOptions, column_letter, read_grid};

use crate::AppError;

/// Most rows of a KPI file (ten years of days).
pub const MAX_ROWS: usize = 3_660;

fn number(cell: &str) -> Option<f64> {
    let t: String = cell
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '$' | '€' | '£'))
        .collect();
    let t = t.replace(',', "");
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// The series of a KPI file, sorted by date; `field` names the form field in errors.
pub fn kpi_series(
    bytes: &[u8],
    file_name: &str,
    field: &str,
) -> Result<Vec<(NaiveDate, f64)>, AppError> {
    let grid: Grid = read_grid(bytes, file_name, &ImportOptions::default())
        .map_err(|e| AppError::invalid(field, e.to_string()))?;
    let Some((header, body)) = grid.rows.split_first() else {
        return Err(AppError::invalid(field, format!("{file_name} is empty")));
    };
    if body.len() > MAX_ROWS {
        return Err(AppError::invalid(
            field,
            format!("{file_name}: at most {MAX_ROWS} rows"),
        ));
    }
    let names: Vec<String> = header
        .cells
        .iter()
        .map(|c| c.trim().to_lowercase())
        .collect();
    let date_col = names
        .iter()
        .position(|n| ["date", "day", "week", "time", "date_week"].contains(&n.as_str()))
        .ok_or_else(|| {
            AppError::invalid(
                field,
                format!(
                    "{file_name}: no date column (a header named date, day or week) in row {}",
                    header.row
                ),
            )
        })?;
    let value_col = (0..names.len())
        .filter(|i| *i != date_col)
        .find(|i| {
            body.iter()
                .all(|r| r.cells.get(*i).is_some_and(|c| number(c).is_some()))
        })
        .ok_or_else(|| {
            AppError::invalid(
                field,
                format!("{file_name}: no column of numbers beside the dates (the KPI per day)"),
            )
        })?;
    let mut out: Vec<(NaiveDate, f64)> = Vec::with_capacity(body.len());
    for r in body {
        let cell = r.cells.get(date_col).map_or("", String::as_str);
        let d = spendlens_mmm::table::parse_date(cell.trim()).ok_or_else(|| {
            AppError::invalid(
                field,
                format!(
                    "{file_name}, row {}, column {} ({}): {cell:?} is not a date (write 2024-01-31 or 20240131)",
                    r.row,
                    column_letter(date_col),
                    header.cells[date_col].trim()
                ),
            )
        })?;
        let v = number(r.cells.get(value_col).map_or("", String::as_str)).unwrap_or(0.0);
        out.push((d, v));
    }
    out.sort_by_key(|(d, _)| *d);
    if let Some(w) = out.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(AppError::invalid(
            field,
            format!("{file_name}: {} is given twice", w[0].0),
        ));
    }
    Ok(out)
}

/// Most lift tests in one run.
pub const MAX_EXPERIMENTS: usize = 200;

/// A table file (CSV, semicolon or tab separated, or XLSX) as the model's table reader takes it:
/// its rows, numbered as the file numbers them, and whether its delimiter (`;`) means decimal
/// commas. `spendlens mmm` reads its `--input` and `--experiments` files through it too.
pub fn table_rows(
    bytes: &[u8],
    file_name: &str,
) -> Result<(Vec<spendlens_mmm::table::TableRow>, bool), spendlens_ingest::ImportError> {
    let grid: Grid = read_grid(bytes, file_name, &ImportOptions::default())?;
    let decimal_comma = grid.delimiter == Some(b';');
    let rows = grid
        .rows
        .into_iter()
        .map(|r| spendlens_mmm::table::TableRow {
            row: usize::try_from(r.row).unwrap_or(usize::MAX),
            cells: r.cells,
        })
        .collect();
    Ok((rows, decimal_comma))
}

/// Lift tests pasted as a table (`channel,from,to,lift,lift_se`, optionally `spend`, with its
/// header; comma, semicolon or tab), as `spendlens mmm --experiments` reads them; `field` names
/// the form field in errors, each naming its line and column.
pub fn experiments(text: &str, field: &str) -> Result<Vec<spendlens_mmm::Experiment>, AppError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    read_experiments(text.trim().as_bytes(), "lift tests.csv", field, "")
}

/// Lift tests uploaded as a file (CSV or XLSX, the same columns as [`experiments`]); errors
/// name the file, its row and column.
pub fn experiments_file(
    bytes: &[u8],
    file_name: &str,
    field: &str,
) -> Result<Vec<spendlens_mmm::Experiment>, AppError> {
    read_experiments(bytes, file_name, field, &format!("{file_name}: "))
}

fn read_experiments(
    bytes: &[u8],
    file_name: &str,
    field: &str,
    place: &str,
) -> Result<Vec<spendlens_mmm::Experiment>, AppError> {
    let (rows, decimal_comma) =
        table_rows(bytes, file_name).map_err(|e| AppError::invalid(field, e.to_string()))?;
    if rows.len() > MAX_EXPERIMENTS + 1 {
        return Err(AppError::invalid(
            field,
            format!("{place}at most {MAX_EXPERIMENTS} lift tests"),
        ));
    }
    spendlens_mmm::table::experiments(&rows, decimal_comma)
        .map_err(|e| AppError::invalid(field, format!("{place}{e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kpi_file_reads_and_its_bad_cells_are_named() {
        let got = kpi_series(
            b"Date,Revenue\n2026-01-02,\"1,200.50\"\n2026-01-01,900\n",
            "k.csv",
            "file",
        )
        .unwrap_or_default();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0.to_string(), "2026-01-01");
        assert!((got[1].1 - 1200.5).abs() < 1e-9);
        let e = kpi_series(b"date,revenue\n01/02/2026,5\n", "k.csv", "file")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("row 2, column A (date)"), "{e}");
        let e = kpi_series(b"when,revenue\n2026-01-01,5\n", "k.csv", "file")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("no date column"), "{e}");
        let e = kpi_series(
            b"date,revenue\n2026-01-01,5\n2026-01-01,6\n",
            "k.csv",
            "file",
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(e.contains("2026-01-01 is given twice"), "{e}");
        let e = kpi_series(b"date,note\n2026-01-01,high\n", "k.csv", "file")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("no column of numbers"), "{e}");
        // GA4's own spelling of a day.
        let got = kpi_series(b"date,purchaseRevenue\n20261005,12.5\n", "ga4.csv", "file")
            .unwrap_or_default();
        assert_eq!(
            got.first().map(|(d, _)| d.to_string()).as_deref(),
            Some("2026-10-05")
        );
    }

    /// A lift study's workbook as a spreadsheet saves it: real date cells, numbers as numbers;
    /// and a bad cell named by the file, its row and column.
    #[test]
    fn lift_tests_read_from_a_workbook() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let day = |d: &str| ExcelDateTime::parse_from_str(d).unwrap_or_else(|e| panic!("{e}"));
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let dates = Format::new().set_num_format("dd/mm/yyyy");
        let header = ["channel", "from", "to", "lift", "lift_se", "spend"];
        for (c, h) in (0_u16..).zip(header) {
            sheet
                .write_string(0, c, h)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        sheet
            .write_string(1, 0, "google_ads")
            .unwrap_or_else(|e| panic!("{e}"));
        sheet
            .write_datetime_with_format(1, 1, day("2026-10-05"), &dates)
            .unwrap_or_else(|e| panic!("{e}"));
        sheet
            .write_datetime_with_format(1, 2, day("2026-10-18"), &dates)
            .unwrap_or_else(|e| panic!("{e}"));
        for (c, x) in [(3_u16, 5184.54), (4, 518.45), (5, 2356.61)] {
            sheet
                .write_number(1, c, x)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let bytes = book.save_to_buffer().unwrap_or_else(|e| panic!("{e}"));
        let got = experiments_file(&bytes, "lift study.xlsx", "experiments_file")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), 1);
        let t = &got[0];
        assert_eq!(t.channel, "google_ads");
        assert_eq!(
            (t.from.to_string(), t.to.to_string()),
            ("2026-10-05".to_owned(), "2026-10-18".to_owned())
        );
        assert!((t.lift - 5184.54).abs() < 1e-9 && (t.lift_se - 518.45).abs() < 1e-9);
        assert_eq!(t.spend.map(|s| s.to_string()).as_deref(), Some("2356.61"));

        let e = experiments_file(
            b"channel,from,to,lift,lift_se\nmeta,2026-10-05,2026-10-18,100,zero\n",
            "lift.csv",
            "experiments_file",
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            e.starts_with("experiments_file: lift.csv: ") && e.contains("row 2, column lift_se"),
            "{e}"
        );
    }

    /// A KPI workbook with real date cells, as a spreadsheet saves one.
    #[test]
    fn a_kpi_workbook_with_date_cells_reads() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let dates = Format::new().set_num_format("dd/mm/yyyy");
        sheet
            .write_string(0, 0, "Date")
            .unwrap_or_else(|e| panic!("{e}"));
        sheet
            .write_string(0, 1, "Revenue")
            .unwrap_or_else(|e| panic!("{e}"));
        for (r, (d, v)) in (1_u32..).zip([("2026-10-05", 1200.5), ("2026-10-06", 980.0)]) {
            let day = ExcelDateTime::parse_from_str(d).unwrap_or_else(|e| panic!("{e}"));
            sheet
                .write_datetime_with_format(r, 0, &day, &dates)
                .unwrap_or_else(|e| panic!("{e}"));
            sheet
                .write_number(r, 1, v)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let bytes = book.save_to_buffer().unwrap_or_else(|e| panic!("{e}"));
        let got = kpi_series(&bytes, "revenue.xlsx", "file").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0.to_string(), "2026-10-05");
        assert!((got[0].1 - 1200.5).abs() < 1e-9);
    }
}
