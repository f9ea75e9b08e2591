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
//! not. What the tables mean for the preview (totals, per-period figures, checks) is
//! `figures.rs`'s.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::currency::known_code;

use super::lines::{Cell, Line};
use super::locale::{NumberLocale, number_core};
use super::metric::{PdfMetric, heading, is_total};
use super::period::{Dates, period_of};
use super::value::read_value;

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

/// A column of a table: where it stands, its heading and the metric it holds.
#[derive(Debug, Clone)]
struct Column {
    start: usize,
    end: usize,
    heading: String,
    metric: Option<PdfMetric>,
    /// A known KPI heading that is no metric looked for (CTR).
    known: bool,
}

/// Lines a page header or footer may take between the two parts of a split table.
const PAGE_LINES: usize = 3;

fn blank(word: &str) -> bool {
    matches!(word, "-" | "–" | "—" | "--" | "n/a" | "N/A")
}

/// A cell holding a value: numbers, currencies and dashes only.
pub(super) fn value_cell(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .iter()
        .any(|w| blank(w) || number_core(w).is_some())
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
            None => rows_table(lines, i, &found.claimed, ctx, &mut found.dollar),
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

/// A heading row of a metrics-as-columns table: two metrics or more, no values.
fn header(line: &Line) -> Option<Vec<Column>> {
    if line.cells.len() < 2 || line.cells.iter().any(|c| value_cell(&c.text)) {
        return None;
    }
    let columns: Vec<Column> = line
        .cells
        .iter()
        .map(|c| {
            let h = heading(&c.text);
            Column {
                start: c.start,
                end: c.end,
                heading: c.text.clone(),
                metric: h.flatten(),
                known: h.is_some(),
            }
        })
        .collect();
    (columns.iter().filter(|c| c.metric.is_some()).count() >= 2).then_some(columns)
}

fn same_header(line: &Line, columns: &[Column]) -> bool {
    header(line).is_some_and(|h| {
        h.iter().map(|c| c.metric).collect::<Vec<_>>()
            == columns.iter().map(|c| c.metric).collect::<Vec<_>>()
    })
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

/// A metrics-as-columns table from its heading row at `at`.
fn columns_table(
    lines: &[Line],
    at: usize,
    columns: &[Column],
    ctx: &Context,
    dollar: &mut bool,
) -> Option<(PdfTable, Vec<usize>)> {
    let first_metric = columns.iter().find(|c| c.metric.is_some())?.start;
    let label_heading = columns
        .iter()
        .find(|c| c.metric.is_none() && !c.known && c.start < first_metric)
        .map(|c| c.heading.clone())
        .unwrap_or_default();
    let mut rows: Vec<TableRow> = Vec::new();
    let mut used = vec![at];
    let mut page = lines[at].page;
    let mut j = at + 1;
    loop {
        if let Some(line) = lines.get(j).filter(|l| l.page == page)
            && let Some(row) = data_row(line, columns, first_metric, &label_heading, ctx, dollar)
        {
            rows.push(row);
            used.push(j);
            j += 1;
            continue;
        }
        // Not a row of the table here: it ends, unless it runs on to the next page.
        match continuation(lines, j, page, columns, first_metric, &rows, ctx) {
            Some((next, heading_line)) => {
                used.extend(heading_line);
                page = lines[next].page;
                j = next;
            }
            None => break,
        }
    }
    if rows.is_empty() {
        return None;
    }
    settle_unlabelled(&mut rows);
    let table = PdfTable {
        layout: TableLayout::MetricsAsColumns,
        page: lines[at].page,
        line: lines[at].number,
        last_page: page,
        metrics: columns.iter().filter_map(|c| c.metric).collect(),
        rows,
    };
    Some((table, used))
}

/// Where a table that stops at line `j` of `page` continues: the first row on the next page
/// (after at most [`PAGE_LINES`] of page header, and a repeated heading row, which is returned
/// to be claimed). Only a table still without its Total row continues, and only when no more
/// than a page footer follows it on its page.
fn continuation(
    lines: &[Line],
    j: usize,
    page: usize,
    columns: &[Column],
    first_metric: usize,
    rows: &[TableRow],
    ctx: &Context,
) -> Option<(usize, Option<usize>)> {
    if rows.iter().all(|r| r.label.is_empty()) || rows.iter().any(|r| r.kind == RowKind::Total) {
        return None;
    }
    let next = (j..lines.len()).find(|&k| lines[k].page != page)?;
    if next - j > PAGE_LINES || lines[next].page != page + 1 {
        return None;
    }
    let is_row =
        |k: usize| data_row(&lines[k], columns, first_metric, "", ctx, &mut false).is_some();
    for k in next..(next + PAGE_LINES + 1).min(lines.len()) {
        if lines[k].page != page + 1 {
            return None;
        }
        if same_header(&lines[k], columns) {
            let after = k + 1;
            return (after < lines.len() && lines[after].page == page + 1 && is_row(after))
                .then_some((after, Some(k)));
        }
        if is_row(k) {
            return Some((k, None));
        }
        if header(&lines[k]).is_some() {
            return None;
        }
    }
    None
}

/// A row of a metrics-as-columns table: its leading cells left of the first metric heading
/// that hold no value are its label, the others values under the headings (one at least, all of
/// them values).
fn data_row(
    line: &Line,
    columns: &[Column],
    first_metric: usize,
    label_heading: &str,
    ctx: &Context,
    dollar: &mut bool,
) -> Option<TableRow> {
    let labels = line
        .cells
        .iter()
        .take_while(|c| c.start < first_metric && !value_cell(&c.text))
        .count();
    let (label_cells, rest) = line.cells.split_at(labels);
    let right: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i].start >= first_metric || columns[i].metric.is_some())
        .collect();
    let spans: Vec<(usize, usize)> = right
        .iter()
        .map(|&i| (columns[i].start, columns[i].end))
        .collect();
    let mut under: Vec<Vec<&str>> = vec![Vec::new(); columns.len()];
    for (cell, p) in rest.iter().zip(place(rest, &spans)) {
        if let Some(&i) = right.get(p) {
            under[i].push(&cell.text);
        }
    }
    let values: Vec<&&str> = right
        .iter()
        .filter(|&&i| columns[i].metric.is_some())
        .flat_map(|&i| &under[i])
        .collect();
    if values.is_empty() || rest.iter().any(|c| !value_cell(&c.text)) {
        return None;
    }
    let label = label_cells
        .iter()
        .map(|c| c.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let (kind, note) = kind_of(&label, label_heading, &ctx.dates);
    let mut cells = Vec::new();
    for (column, texts) in columns.iter().zip(&under) {
        let Some(metric) = column.metric else {
            continue;
        };
        let mut cell = read_cell(
            metric,
            &column.heading,
            &texts.join(" "),
            line.page,
            line.number,
            ctx.locale,
            dollar,
        );
        if texts.len() > 1 {
            cell.value = None;
            cell.problem = Some(format!(
                "{} values stand under {}: {}",
                texts.len(),
                column.heading,
                texts.join(", ")
            ));
        }
        cells.push(cell);
    }
    Some(TableRow {
        label,
        kind,
        page: line.page,
        line: line.number,
        cells,
        note,
    })
}

/// A line of a metrics-as-rows table: a metric's (or a known KPI's) name, then values only.
fn metric_row(line: &Line) -> Option<Option<PdfMetric>> {
    let (first, rest) = line.cells.split_first()?;
    if rest.is_empty() || !rest.iter().all(|c| value_cell(&c.text)) {
        return None;
    }
    heading(&first.text)
}

/// What a value column's heading makes of it.
#[derive(Debug, Clone)]
enum ColumnUse {
    Use(RowKind, Option<String>),
    Skip(String),
}

fn column_use(heading: &str, dates: &Dates) -> ColumnUse {
    let lower = heading.to_lowercase();
    let comparison = [
        "previous", "prior", "last", "change", "vs", "δ", "%", "diff", "growth", "delta", "target",
        "goal", "benchmark", "budget", "plan", "mom", "yoy", "wow", "trend",
    ];
    if lower
        .split(|c: char| !c.is_alphanumeric() && c != '%' && c != 'δ')
        .any(|w| comparison.contains(&w))
        || lower.contains('%')
    {
        return ColumnUse::Skip("a comparison: not used".to_owned());
    }
    match kind_of(heading, "", dates) {
        (RowKind::Other, _) if period_of(heading, "", dates).is_none() => {
            ColumnUse::Use(RowKind::Figures, None)
        }
        (RowKind::Other, note) => ColumnUse::Skip(note.unwrap_or_default()),
        (kind, note) => ColumnUse::Use(kind, note),
    }
}

/// A metrics-as-rows table whose first metric line is `at`.
fn rows_table(
    lines: &[Line],
    at: usize,
    claimed: &[bool],
    ctx: &Context,
    dollar: &mut bool,
) -> Option<(PdfTable, Vec<usize>)> {
    let page = lines[at].page;
    let run: Vec<usize> = (at..lines.len())
        .take_while(|&k| lines[k].page == page && !claimed[k] && metric_row(&lines[k]).is_some())
        .collect();
    let metrics: Vec<(usize, PdfMetric)> = run
        .iter()
        .filter_map(|&k| metric_row(&lines[k]).flatten().map(|m| (k, m)))
        .collect();
    if run.len() < 2 || metrics.is_empty() {
        return None;
    }
    let label_end = run
        .iter()
        .filter_map(|&k| lines[k].cells.first().map(|c| c.end))
        .max()
        .unwrap_or(0);
    // The heading row above: cells over the values, none a value.
    let heading_line = at.checked_sub(1).filter(|&h| {
        lines[h].page == page
            && !claimed[h]
            && !lines[h].cells.iter().any(|c| value_cell(&c.text))
            && lines[h].cells.iter().any(|c| c.start >= label_end)
    });
    let mut headings: Vec<(usize, usize, String)> = heading_line
        .map(|h| {
            lines[h]
                .cells
                .iter()
                .filter(|c| c.start >= label_end)
                .map(|c| (c.start, c.end, c.text.clone()))
                .collect()
        })
        .unwrap_or_default();
    if headings.is_empty() {
        let widest = run
            .iter()
            .map(|&k| &lines[k])
            .max_by_key(|l| l.cells.len())?;
        headings = widest.cells[1..]
            .iter()
            .map(|c| (c.start, c.end, String::new()))
            .collect();
    }
    let mut uses: Vec<ColumnUse> = Vec::new();
    let mut figure_seen = false;
    for (i, (_, _, h)) in headings.iter().enumerate() {
        let u = if h.is_empty() {
            if i == 0 {
                ColumnUse::Use(RowKind::Figures, None)
            } else {
                ColumnUse::Skip("a value without a heading: not used".to_owned())
            }
        } else {
            column_use(h, &ctx.dates)
        };
        let u = match u {
            ColumnUse::Use(RowKind::Figures, _) if figure_seen => {
                ColumnUse::Skip("a second value column: not used".to_owned())
            }
            other => other,
        };
        figure_seen |= matches!(u, ColumnUse::Use(RowKind::Figures, _));
        uses.push(u);
    }
    let spans: Vec<(usize, usize)> = headings.iter().map(|(s, e, _)| (*s, *e)).collect();
    let first = heading_line.unwrap_or(at);
    let mut rows: Vec<TableRow> = headings
        .iter()
        .zip(&uses)
        .map(|((_, _, h), u)| {
            let (kind, note) = match u {
                ColumnUse::Use(kind, note) => (*kind, note.clone()),
                ColumnUse::Skip(why) => (RowKind::Other, Some(why.clone())),
            };
            TableRow {
                label: if h.is_empty() { "Value".to_owned() } else { h.clone() },
                kind,
                page,
                line: lines[first].number,
                cells: Vec::new(),
                note,
            }
        })
        .collect();
    for (k, metric) in &metrics {
        let line = &lines[*k];
        let label = line.cells[0].text.clone();
        let places = place(&line.cells[1..], &spans);
        let mut texts: Vec<Vec<&str>> = vec![Vec::new(); rows.len()];
        for (cell, i) in line.cells[1..].iter().zip(places) {
            if let Some(t) = texts.get_mut(i) {
                t.push(&cell.text);
            }
        }
        for (row, t) in rows.iter_mut().zip(&texts) {
            let mut cell = read_cell(
                *metric,
                &label,
                &t.join(" "),
                line.page,
                line.number,
                ctx.locale,
                dollar,
            );
            if t.len() > 1 {
                cell.value = None;
                cell.problem = Some(format!("{} values in one column: {}", t.len(), t.join(", ")));
            }
            row.cells.push(cell);
        }
    }
    let mut used = run;
    used.extend(heading_line);
    let mut seen = Vec::new();
    let table_metrics = metrics
        .iter()
        .map(|(_, m)| *m)
        .filter(|m| {
            let new = !seen.contains(m);
            seen.push(*m);
            new
        })
        .collect();
    let table = PdfTable {
        layout: TableLayout::MetricsAsRows,
        page,
        line: lines[first].number,
        last_page: page,
        metrics: table_metrics,
        rows,
    };
    Some((table, used))
}
