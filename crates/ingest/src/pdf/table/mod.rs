//! Metric tables in a report's positioned text, in both orientations agencies use.
//!
//! * **Metrics as columns**: a heading row naming at least two metrics (`Week | Spend |
//!   Impressions | Clicks`), then one row per period (or campaign), perhaps a `Total` row. A row's
//!   values are placed under the headings by position (so a blank cell shifts nothing), or in
//!   order when the row has a cell for every heading. A table that runs off the bottom of a page
//!   continues on the next one, after its page header and a repeated heading row if any.
//! * **Metrics as rows**: at least two lines starting with a metric's name followed by values
//!   (`Spend | €8.450,20`), under an optional heading row naming the value columns (`This month`,
//!   `Week 23`, `Total`, `Previous period`, `Change`).
//!
//! Both become the same [`PdfTable`]: rows that stand for a period, the total, the report's
//! figures or nothing usable, each with a cell per metric that says what was read, where, or why
//! not. Each orientation has its module (`columns.rs`, `rows.rs`); what the tables mean for the
//! preview (totals, per-period figures, checks) is `figures.rs`'s.

mod columns;
mod rows;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::currency::known_code;

use super::lines::{Cell, Line};
use super::locale::{NumberLocale, number_core};
use super::metric::{PdfMetric, is_total};
use super::period::{Dates, period_of};
use super::value::read_value;

use columns::{columns_table, header};
use rows::rows_table;

/// How a table lays out its metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableLayout {
    /// A heading row of metric names; a row per period (or campaign), perhaps a Total row.
    MetricsAsColumns,
    /// A row per metric; the values in columns (the figure, periods, a total).
    MetricsAsRows,
}

/// What a row of a table (a value column, for metrics as rows) stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// The figures of one period, offered per period.
    Period { start: NaiveDate, end: NaiveDate },
    /// The table's total: the report's figures for its whole period.
    Total,
    /// The report's figures without a period of their own (a metric's value beside its name, a
    /// row of figures under their headings).
    Figures,
    /// Neither (a campaign, a comparison, a period outside the report's): shown, not used.
    Other,
}

/// One metric's cell in a table row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCell {
    pub metric: PdfMetric,
    /// The metric's name as the table writes it.
    pub label: String,
    pub page: usize,
    pub line: usize,
    /// As written; empty when the table leaves the cell blank.
    pub text: String,
    pub value: Option<Decimal>,
    /// `true` for abbreviated values (`1.2M`).
    pub approximate: bool,
    /// The currency the value is written with, when it says (`€`, `EUR`; not `$`).
    pub currency: Option<String>,
    /// Why a written value was not read.
    pub problem: Option<String>,
}

/// One row of a table (for metrics as rows: one value column), a cell per metric of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// The row's label as written (`Jun 3 – Jun 9, 2024`, `Total`, `This month`).
    pub label: String,
    pub kind: RowKind,
    pub page: usize,
    pub line: usize,
    pub cells: Vec<TableCell>,
    /// How the label was read, or why the row is not used.
    pub note: Option<String>,
}

/// A metric table found in a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfTable {
    pub layout: TableLayout,
    /// Where the table starts (its heading row, or its first row).
    pub page: usize,
    pub line: usize,
    /// The page it ends on (later than `page` for a table split across pages).
    pub last_page: usize,
    /// The metrics it has, in its order.
    pub metrics: Vec<PdfMetric>,
    pub rows: Vec<TableRow>,
}

/// How a report's tables are read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Context {
    pub(super) locale: NumberLocale,
    pub(super) dates: Dates,
}

/// The tables of a report, and which of its lines they hold (the labelled-value reader skips
/// those).
#[derive(Debug, Default)]
pub(super) struct Tables {
    pub(super) tables: Vec<PdfTable>,
    pub(super) claimed: Vec<bool>,
    /// A value was written with a bare `$`.
    pub(super) dollar: bool,
}

fn blank(word: &str) -> bool {
    matches!(word, "-" | "–" | "—" | "--" | "n/a" | "N/A")
}

/// A cell holding a value: numbers, currencies and dashes only.
pub(super) fn value_cell(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.iter().any(|w| blank(w) || number_core(w).is_some())
        && words.iter().all(|w| {
            blank(w)
                || number_core(w).is_some()
                || matches!(*w, "€" | "$" | "£" | "%")
                || (w.len() == 3 && known_code(w).is_some())
        })
}

/// Finds every table of the report.
pub(super) fn find_tables(lines: &[Line], ctx: &Context) -> Tables {
    let mut found = Tables {
        claimed: vec![false; lines.len()],
        ..Tables::default()
    };
    let mut i = 0;
    while i < lines.len() {
        let read = match header(&lines[i]) {
            Some(columns) => columns_table(lines, i, &columns, ctx, &mut found.dollar),
            None => match rows_table(lines, i, &found.claimed, ctx, &mut found.dollar) {
                Err(run) => {
                    // A run of lines that makes no table: none of them starts one either.
                    i += run.max(1);
                    continue;
                }
                Ok(read) => Some(read),
            },
        };
        match read {
            Some((table, used)) => {
                let next = used.iter().max().map_or(i + 1, |m| m + 1);
                for u in used {
                    found.claimed[u] = true;
                }
                found.tables.push(table);
                i = next.max(i + 1);
            }
            None => i += 1,
        }
    }
    found
}

/// Where each cell goes among the columns `spans`: in order when there is a cell for every
/// column, else under the column it shares most with, or the nearest one.
fn place(cells: &[Cell], spans: &[(usize, usize)]) -> Vec<usize> {
    if cells.len() == spans.len() {
        return (0..cells.len()).collect();
    }
    cells
        .iter()
        .map(|cell| {
            spans
                .iter()
                .enumerate()
                .map(|(i, (s, e))| (cell.overlap(*s, *e), i))
                .filter(|(o, _)| *o > 0)
                .max_by_key(|(o, i)| (*o, std::cmp::Reverse(*i)))
                .map(|(_, i)| i)
                .or_else(|| {
                    spans
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, (s, e))| (s + e).abs_diff(cell.centre2()))
                        .map(|(i, _)| i)
                })
                .unwrap_or(0)
        })
        .collect()
}

/// The cell of `metric` as read from `text`.
#[allow(clippy::too_many_arguments)]
fn read_cell(
    metric: PdfMetric,
    label: &str,
    text: &str,
    page: usize,
    line: usize,
    locale: NumberLocale,
    dollar: &mut bool,
) -> TableCell {
    let mut cell = TableCell {
        metric,
        label: label.to_owned(),
        page,
        line,
        text: text.trim().to_owned(),
        value: None,
        approximate: false,
        currency: None,
        problem: None,
    };
    if cell.text.is_empty() || blank(&cell.text) {
        return cell;
    }
    match read_value(&cell.text, metric.kind(), locale) {
        Ok(Some(read)) => {
            *dollar |= read.dollar;
            cell.value = Some(read.found.value);
            cell.approximate = read.found.approximate;
            cell.currency = read.found.currency;
        }
        Ok(None) => cell.problem = Some("not a number".to_owned()),
        Err(why) => cell.problem = Some(why),
    }
    cell
}

/// What a row label stands for, with a note on how it was read or why it is not used.
fn kind_of(label: &str, label_heading: &str, dates: &Dates) -> (RowKind, Option<String>) {
    if label.trim().is_empty() {
        return (RowKind::Figures, None);
    }
    if is_total(label) {
        return (RowKind::Total, None);
    }
    let Some(((start, end), note)) = period_of(label, label_heading, dates) else {
        return (
            RowKind::Other,
            Some("not a period: shown, not used".to_owned()),
        );
    };
    let Some((from, to)) = dates.stated else {
        return (RowKind::Period { start, end }, note);
    };
    if end < from || start > to {
        return (
            RowKind::Other,
            Some(format!(
                "{start} to {end} lies outside the reporting period {from} to {to}: not used"
            )),
        );
    }
    if start < from || end > to {
        let (a, b) = (start.max(from), end.min(to));
        return (
            RowKind::Period { start: a, end: b },
            Some(format!(
                "{start} to {end} reaches beyond the reporting period: taken as {a} to {b}"
            )),
        );
    }
    (RowKind::Period { start, end }, note)
}

/// Several rows without a label are no single set of figures: none is used.
fn settle_unlabelled(rows: &mut [TableRow]) {
    if rows.iter().filter(|r| r.kind == RowKind::Figures).count() > 1 {
        for r in rows.iter_mut().filter(|r| r.kind == RowKind::Figures) {
            r.kind = RowKind::Other;
            r.note = Some("a row without a label: not used".to_owned());
        }
    }
}
