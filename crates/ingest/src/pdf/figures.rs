//! What a report's tables mean for its preview: the candidates for each metric's total, the
//! figures per period, and each Total row checked against the sum of its period rows.
//!
//! A Total row gives the period total. A table of period rows without one gives the sum of its
//! rows, when every row has the metric (a sum of some rows is no total). Users and the average
//! order value are not summed: unique users of several weeks are not the weeks' sum, and an
//! average is no sum at all. Period rows of all tables are gathered per period, so a table of ad
//! metrics and a table of web metrics by week make one set of weeks.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::FoundValue;
use super::lines::at;
use super::metric::PdfMetric;
use super::table::{PdfTable, RowKind, TableCell};

/// The figures of one period of the report, from the rows of its tables that stand for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodFigures {
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// The label of the first row that stands for it.
    pub label: String,
    pub page: usize,
    pub line: usize,
    /// The values read, one per metric.
    pub cells: Vec<TableCell>,
}

impl PeriodFigures {
    /// The value of `metric` in this period, if the report gives one.
    pub fn value(&self, metric: PdfMetric) -> Option<Decimal> {
        self.cells
            .iter()
            .find(|c| c.metric == metric)
            .and_then(|c| c.value)
    }

    /// How many days the period has.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }
}

/// A table's Total row against the sum of its period rows, for one metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotalCheck {
    pub metric: PdfMetric,
    /// The period rows that have the metric.
    pub rows: usize,
    pub sum: Decimal,
    pub total: Decimal,
    /// The total as the report writes it.
    pub total_text: String,
    /// Where the Total row's value stands.
    pub page: usize,
    pub line: usize,
}

impl TotalCheck {
    /// Whether the rows add up to the total.
    pub fn matches(&self) -> bool {
        self.sum == self.total
    }

    /// The check in a sentence, naming both figures.
    pub fn describe(&self) -> String {
        let figure = |v: Decimal| match self.metric.kind() {
            super::value::Kind::Money => format!("{v:.2}"),
            _ => v.normalize().to_string(),
        };
        let verdict = if self.matches() {
            "as the Total row"
        } else {
            "but the Total row says"
        };
        let total = if self.matches() {
            format!("({}, {})", self.total_text, at(self.page, self.line))
        } else {
            format!(
                "{} ({}, {})",
                figure(self.total),
                self.total_text,
                at(self.page, self.line)
            )
        };
        format!(
            "{}: the {} period rows add up to {} {verdict} {total}",
            self.metric.label(),
            self.rows,
            figure(self.sum),
        )
    }
}

/// A metric whose rows can be added up into a total.
pub(super) fn additive(metric: PdfMetric) -> bool {
    !matches!(metric, PdfMetric::Users | PdfMetric::AverageOrderValue)
}

/// What the tables yield for the preview.
#[derive(Debug, Default)]
pub(super) struct Gathered {
    /// Values for the metrics' totals, with their rank (0 outranks 1: a total over a plain label).
    pub(super) candidates: Vec<(FoundValue, usize)>,
    pub(super) periods: Vec<PeriodFigures>,
    pub(super) checks: Vec<TotalCheck>,
    pub(super) warnings: Vec<String>,
}

fn found(cell: &TableCell, value: Decimal, label: &str) -> FoundValue {
    FoundValue {
        metric: cell.metric,
        value,
        text: cell.text.clone(),
        label: label.to_owned(),
        page: cell.page,
        line: cell.line,
        approximate: cell.approximate,
        currency: cell.currency.clone(),
    }
}

/// Gathers the candidates, periods and checks of every table.
pub(super) fn gather(tables: &[PdfTable]) -> Gathered {
    let mut out = Gathered::default();
    let mut index = HashMap::new();
    for table in tables {
        for row in &table.rows {
            for cell in &row.cells {
                if let Some(problem) = &cell.problem {
                    out.warnings.push(format!(
                        "{}: {} ({}) {problem}",
                        at(cell.page, cell.line),
                        cell.metric.label(),
                        if row.label.is_empty() {
                            "figures"
                        } else {
                            &row.label
                        },
                    ));
                }
                let Some(value) = cell.value else { continue };
                match row.kind {
                    RowKind::Total => out.candidates.push((found(cell, value, &row.label), 0)),
                    RowKind::Figures => {
                        let rank = usize::from(!cell.label.to_lowercase().starts_with("total"));
                        out.candidates.push((found(cell, value, &cell.label), rank));
                    }
                    RowKind::Period { .. } | RowKind::Other => {}
                }
            }
        }
        totals_of(table, &mut out);
        for row in &table.rows {
            if let RowKind::Period { start, end } = row.kind {
                add_period(&mut out, &mut index, (start, end), row);
            }
        }
    }
    out.periods.sort_by_key(|p| (p.start, p.end));
    for p in &mut out.periods {
        p.cells.sort_by_key(|c| c.metric);
    }
    for pair in out.periods.windows(2) {
        if pair[1].start <= pair[0].end {
            out.warnings.push(format!(
                "the periods {} ({} to {}) and {} ({} to {}) overlap: the figures per period cannot \
                 be booked as they are",
                pair[0].label, pair[0].start, pair[0].end, pair[1].label, pair[1].start, pair[1].end
            ));
        }
    }
    out
}

/// A table's Total row checked against its period rows, or (without one) the sum of its period
/// rows offered as the total.
fn totals_of(table: &PdfTable, out: &mut Gathered) {
    let periods: Vec<_> = table
        .rows
        .iter()
        .filter(|r| matches!(r.kind, RowKind::Period { .. }))
        .collect();
    if periods.is_empty() {
        return;
    }
    let total = table.rows.iter().find(|r| r.kind == RowKind::Total);
    for &metric in table.metrics.iter().filter(|m| additive(**m)) {
        let values: Vec<&TableCell> = periods
            .iter()
            .filter_map(|r| {
                r.cells
                    .iter()
                    .find(|c| c.metric == metric && c.value.is_some())
            })
            .collect();
        let sum: Decimal = values.iter().filter_map(|c| c.value).sum();
        match total.and_then(|t| t.cells.iter().find(|c| c.metric == metric)) {
            Some(cell) => {
                if let Some(total) = cell.value
                    && !values.is_empty()
                {
                    let check = TotalCheck {
                        metric,
                        rows: values.len(),
                        sum,
                        total,
                        total_text: cell.text.clone(),
                        page: cell.page,
                        line: cell.line,
                    };
                    if !check.matches() {
                        out.warnings.push(check.describe());
                    }
                    out.checks.push(check);
                }
            }
            None if values.len() == periods.len() => {
                let first = values[0];
                let mut value = found(first, sum, "");
                value.text = sum.normalize().to_string();
                value.label = format!("sum of {} period rows", values.len());
                value.approximate = values.iter().any(|c| c.approximate);
                out.candidates.push((value, 0));
            }
            None if !values.is_empty() => out.warnings.push(format!(
                "{}: only {} of the {} period rows of the table on {} have a value, and it has no \
                 Total row: their sum is not taken as the total",
                metric.label(),
                values.len(),
                periods.len(),
                at(table.page, table.line)
            )),
            None => {}
        }
    }
}

/// Adds a period row's values to its period, a value given twice with different figures being
/// left out with a warning naming both.
fn add_period(
    out: &mut Gathered,
    index: &mut HashMap<(NaiveDate, NaiveDate), usize>,
    (start, end): (NaiveDate, NaiveDate),
    row: &super::table::TableRow,
) {
    let index = match index.get(&(start, end)) {
        Some(i) => *i,
        None => {
            index.insert((start, end), out.periods.len());
            out.periods.push(PeriodFigures {
                start,
                end,
                label: row.label.clone(),
                page: row.page,
                line: row.line,
                cells: Vec::new(),
            });
            out.periods.len() - 1
        }
    };
    let period = &mut out.periods[index];
    for cell in row.cells.iter().filter(|c| c.value.is_some()) {
        match period.cells.iter().position(|c| c.metric == cell.metric) {
            None => period.cells.push(cell.clone()),
            Some(i) if period.cells[i].value == cell.value => {}
            Some(i) => {
                let first = period.cells.remove(i);
                out.warnings.push(format!(
                    "{} for {} is {} ({}) and {} ({}): left out, enter the right one",
                    cell.metric.label(),
                    period.label,
                    first.text,
                    at(first.page, first.line),
                    cell.text,
                    at(cell.page, cell.line)
                ));
            }
        }
    }
}
