//! Tables with the metrics as columns: a heading row of metric names, a row per period (or
//! campaign), perhaps a Total row; a table running off a page continues on the next one.

use super::super::lines::Line;
use super::super::metric::{PdfMetric, heading};
use super::{
    Context, PdfTable, RowKind, TableLayout, TableRow, kind_of, place, read_cell,
    settle_unlabelled, value_cell,
};

/// A column of a table: where it stands, its heading and the metric it holds.
#[derive(Debug, Clone)]
pub(super) struct Column {
    start: usize,
    end: usize,
    heading: String,
    metric: Option<PdfMetric>,
    /// A known KPI heading that is no metric looked for (CTR).
    known: bool,
}

/// Lines a page header or footer may take between the two parts of a split table.
const PAGE_LINES: usize = 3;

/// A heading row of a metrics-as-columns table: two metrics or more, no values.
pub(super) fn header(line: &Line) -> Option<Vec<Column>> {
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

/// A metrics-as-columns table from its heading row at `at`.
pub(super) fn columns_table(
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
    let next = (j..(j + PAGE_LINES + 2).min(lines.len())).find(|&k| lines[k].page != page)?;
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
    // Values under every metric heading; other columns (a campaign's status) may hold text.
    if values.is_empty() || values.iter().any(|v| !value_cell(v)) {
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
