//! A KPI series uploaded as a file (CSV or XLSX): a date column and a value column, the
//! business's own revenue per day in the campaigns' currency, for a model run on the KPI
//! spendlens does not store.
//!
//! - Lines starting with `#` above the header are comments, as GA4's report downloads write
//!   them (its `Date` column then holds days as `20261005`).
//! - The date column is the first whose header reads like a date (`date`, `day`, `week`,
//!   `time`), its days written as the model's table reader takes them (`2026-10-05`,
//!   `2026/10/05`, `20261005`, or a workbook's date cells).
//! - The value column is the only other column, else the one named like a KPI (`revenue`,
//!   `Total revenue`, `purchaseRevenue`, `value`, `sales`, `kpi`); a file where that is not one
//!   column is refused naming its columns, rather than modelling an id or an order count.
//! - Values are read as the importers read amounts (the decimal separator decided from the whole
//!   column, so `1000,50` is a thousand and a half); a blank, text, percentage or negative cell
//!   is refused naming its row and column, and so is a day given twice.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use spendlens_ingest::{Grid, ImportOptions, column_amounts, column_letter, read_grid};

use crate::AppError;

/// Most rows of a KPI file (ten years of days).
pub const MAX_ROWS: usize = 3_660;

/// Headers that name a KPI column, compared without case, spaces or punctuation.
const KPI_NAMES: [&str; 9] = [
    "revenue",
    "totalrevenue",
    "purchaserevenue",
    "value",
    "sales",
    "kpi",
    "income",
    "conversionvalue",
    "grossrevenue",
];

fn squeezed(header: &str) -> String {
    header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The text of a CSV with its leading comment lines (`#`) blanked: blank lines are not rows,
/// so the rows keep the numbers the file gives them. A workbook is left as it is.
fn without_comments(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if !text.starts_with(b"#") {
        return std::borrow::Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(text.len());
    let mut in_comments = true;
    for line in text.split_inclusive(|b| *b == b'\n') {
        let blank = line.iter().all(u8::is_ascii_whitespace);
        if in_comments && (line.starts_with(b"#") || blank) {
            out.extend(line.iter().filter(|b| matches!(b, b'\n' | b'\r')));
        } else {
            in_comments = false;
            out.extend_from_slice(line);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The series of a KPI file, sorted by date; `field` names the form field in errors.
pub fn kpi_series(
    bytes: &[u8],
    file_name: &str,
    field: &str,
) -> Result<Vec<(NaiveDate, f64)>, AppError> {
    let bad = |message: String| AppError::invalid(field, format!("{file_name}{message}"));
    let grid: Grid = read_grid(
        &without_comments(bytes),
        file_name,
        &ImportOptions::default(),
    )
    .map_err(|e| AppError::invalid(field, e.to_string()))?;
    let Some((header, body)) = grid.rows.split_first() else {
        return Err(bad(" is empty".to_owned()));
    };
    if body.is_empty() {
        return Err(bad(format!(
            " has a header (row {}) but no rows of days",
            header.row
        )));
    }
    if body.len() > MAX_ROWS {
        return Err(bad(format!(": at most {MAX_ROWS} rows")));
    }
    let names: Vec<&str> = header.cells.iter().map(|c| c.trim()).collect();
    let date_col = spendlens_mmm::table::date_column(&names).ok_or_else(|| {
        bad(format!(
            ": no date column (a header named date, day or week) in row {}",
            header.row
        ))
    })?;
    let others: Vec<usize> = (0..names.len())
        .filter(|i| *i != date_col && !names[*i].is_empty())
        .collect();
    let named: Vec<usize> = others
        .iter()
        .copied()
        .filter(|i| KPI_NAMES.contains(&squeezed(names[*i]).as_str()))
        .collect();
    let value_col = match (others.as_slice(), named.as_slice()) {
        ([], _) => {
            return Err(bad(
                ": no column beside the dates for the KPI per day".to_owned()
            ));
        }
        ([only], _) | (_, [only]) => *only,
        _ => {
            let list: Vec<String> = others
                .iter()
                .map(|i| format!("{} ({})", column_letter(*i), names[*i]))
                .collect();
            return Err(bad(format!(
                ": which column is the KPI? Beside the dates it has {}: keep only the KPI's \
                 column, or name it revenue",
                list.join(", ")
            )));
        }
    };
    let place = |row: u64, col: usize| {
        format!(
            ", row {row}, column {} ({})",
            column_letter(col),
            names[col]
        )
    };
    let cells: Vec<&str> = body
        .iter()
        .map(|r| r.cells.get(value_col).map_or("", String::as_str))
        .collect();
    let amounts = column_amounts(&cells, grid.delimiter == Some(b';'));
    let mut out: Vec<(NaiveDate, f64)> = Vec::with_capacity(body.len());
    for ((r, amount), cell) in body.iter().zip(amounts).zip(&cells) {
        let day = r.cells.get(date_col).map_or("", String::as_str);
        let d = spendlens_mmm::table::parse_date(day.trim()).ok_or_else(|| {
            bad(format!(
                "{}: {day:?} is not a date (write 2024-01-31 or 20240131)",
                place(r.row, date_col)
            ))
        })?;
        let value = match amount {
            Ok(Some(v)) if v >= Decimal::ZERO => v,
            Ok(Some(_)) => {
                return Err(bad(format!(
                    "{}: {cell:?} is below zero; the KPI is revenue per day",
                    place(r.row, value_col)
                )));
            }
            Ok(None) => {
                return Err(bad(format!(
                    "{}: no value (write 0 for a day without revenue)",
                    place(r.row, value_col)
                )));
            }
            Err(e) => return Err(bad(format!("{}: {e}", place(r.row, value_col)))),
        };
        out.push((d, value.to_f64().unwrap_or(0.0)));
    }
    out.sort_by_key(|(d, _)| *d);
    if let Some(w) = out.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(bad(format!(": {} is given twice", w[0].0)));
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
        assert!(
            e.contains("k.csv, row 2, column B (note): expected a number"),
            "{e}"
        );
        // GA4's own spelling of a day.
        let got = kpi_series(b"date,purchaseRevenue\n20261005,12.5\n", "ga4.csv", "file")
            .unwrap_or_default();
        assert_eq!(
            got.first().map(|(d, _)| d.to_string()).as_deref(),
            Some("2026-10-05")
        );
    }

    fn refusal(bytes: &[u8]) -> String {
        kpi_series(bytes, "k.csv", "file")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    fn values(bytes: &[u8]) -> Vec<f64> {
        kpi_series(bytes, "k.csv", "file")
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|(_, v)| v)
            .collect()
    }

    /// The KPI is the column the user means: the only one beside the dates, else the one named
    /// like a KPI; never an id or an order count that happens to come first.
    #[test]
    fn the_kpi_column_is_the_one_named_so() {
        assert_eq!(
            values(b"id,date,revenue\n0,2026-01-01,1000\n1,2026-01-02,1200\n"),
            [1000.0, 1200.0]
        );
        assert_eq!(
            values(b"date,orders,Total revenue\n2026-01-01,3,1000\n"),
            [1000.0]
        );
        assert_eq!(
            values(b"Date,purchaseRevenue,sessions\n20260101,250.5,40\n"),
            [250.5]
        );
        let e = refusal(b"date,orders,sessions\n2026-01-01,3,40\n");
        assert!(
            e.contains("which column is the KPI? Beside the dates it has B (orders), C (sessions)"),
            "{e}"
        );
    }

    /// European spellings read as written, whatever the delimiter: never a hundred times more.
    #[test]
    fn decimal_commas_read_as_written() {
        assert_eq!(
            values(b"date;revenue\n2026-01-01;1000,50\n2026-01-02;1.000,50\n"),
            [1000.5, 1000.5]
        );
        assert_eq!(
            values(b"date,revenue\n2026-01-01,\"1000,50\"\n2026-01-02,\"12,25\"\n"),
            [1000.5, 12.25]
        );
        assert_eq!(values(b"date,revenue\n2026-01-01,\"1,200.50\"\n"), [1200.5]);
    }

    /// A cell that is no revenue is named by its row and column, not skipped for another column.
    #[test]
    fn a_bad_kpi_cell_is_named() {
        for (file, want) in [
            (
                &b"date,revenue,orders\n2026-01-01,100,3\n2026-01-02,,4\n"[..],
                "k.csv, row 3, column B (revenue): no value (write 0",
            ),
            (
                b"date,revenue\n2026-01-01,100\n2026-01-02,n/a\n",
                "k.csv, row 3, column B (revenue): expected a number",
            ),
            (
                b"date,revenue\n2026-01-01,-1000\n",
                "k.csv, row 2, column B (revenue): \"-1000\" is below zero",
            ),
            (
                b"date,revenue\n2026-01-01,12%\n",
                "row 2, column B (revenue): expected an amount, found the percentage",
            ),
            (
                b"date,revenue\n2026-01-01,2000000000000\n",
                "row 2, column B (revenue): the number \"2000000000000\" is implausibly large",
            ),
            (
                b"date,revenue\n",
                "k.csv has a header (row 1) but no rows of days",
            ),
            (b"date\n2026-01-01\n", "k.csv: no column beside the dates"),
        ] {
            let e = refusal(file);
            assert!(e.contains(want), "{want} not in {e}");
        }
    }

    /// GA4's report download: comment lines above the header, days as `20261005`; the rows keep
    /// the file's numbers, so a bad cell is named where the user sees it.
    #[test]
    fn comment_lines_above_the_header_are_skipped() {
        let file = b"# ----------------------------------------\n# Revenue by day\n# Start date: 20261001\n# End date: 20261002\n\nDate,Total revenue\n20261001,1200.50\n20261002,980\n";
        let got = kpi_series(file, "ga4.csv", "file").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0.to_string(), "2026-10-01");
        assert!((got[0].1 - 1200.5).abs() < 1e-9);
        let e = refusal(b"# export\n# more\ndate,revenue\n2026-01-01,x\n");
        assert!(e.contains("row 4, column B (revenue)"), "{e}");
        // A `#` line below the header is a bad row, not a comment.
        let e = refusal(b"date,revenue\n# note\n");
        assert!(e.contains("row 2"), "{e}");
    }

    /// The date column is found as `spendlens mmm` finds it: by name, or by a word of its name.
    #[test]
    fn the_date_column_is_found_as_the_model_finds_it() {
        for header in [
            "Week start,revenue",
            "date_week,revenue",
            "Date (UTC),revenue",
        ] {
            let file = format!("{header}\n2026-10-05,100\n2026-10-12,120\n");
            let got =
                kpi_series(file.as_bytes(), "kpi.csv", "file").unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(got.len(), 2, "{header}");
            assert_eq!(got[1].0.to_string(), "2026-10-12", "{header}");
        }
        let e = refusal(b"period,revenue\n2026-10-05,100\n");
        assert!(e.contains("no date column"), "{e}");
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
