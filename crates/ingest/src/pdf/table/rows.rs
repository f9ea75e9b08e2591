//! Tables with the metrics as rows: a metric's name, then its values in columns (the figure,
//! periods, a total, comparisons), under an optional heading row naming the columns.

use super::super::lines::Line;
use super::super::metric::{PdfMetric, heading};
use super::super::period::{Dates, period_of};
use super::{
    Context, PdfTable, RowKind, TableLayout, TableRow, kind_of, place, read_cell, value_cell,
};

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
        "previous",
        "prior",
        "last",
        "change",
        "vs",
        "δ",
        "%",
        "diff",
        "growth",
        "delta",
        "target",
        "goal",
        "benchmark",
        "budget",
        "plan",
        "mom",
        "yoy",
        "wow",
        "trend",
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

/// A metrics-as-rows table whose first metric line is `at`; `Err` with the length of the run
/// of metric lines from `at` when they make no table (so that the search skips them).
pub(super) fn rows_table(
    lines: &[Line],
    at: usize,
    claimed: &[bool],
    ctx: &Context,
    dollar: &mut bool,
) -> Result<(PdfTable, Vec<usize>), usize> {
    let page = lines[at].page;
    let run: Vec<usize> = (at..lines.len())
        .take_while(|&k| lines[k].page == page && !claimed[k] && metric_row(&lines[k]).is_some())
        .collect();
    let metrics: Vec<(usize, PdfMetric)> = run
        .iter()
        .filter_map(|&k| metric_row(&lines[k]).flatten().map(|m| (k, m)))
        .collect();
    if run.len() < 2 || metrics.is_empty() {
        return Err(run.len());
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
        let Some(widest) = run.iter().map(|&k| &lines[k]).max_by_key(|l| l.cells.len()) else {
            return Err(run.len());
        };
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
                label: if h.is_empty() {
                    "Value".to_owned()
                } else {
                    h.clone()
                },
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
                cell.problem = Some(format!(
                    "{} values in one column: {}",
                    t.len(),
                    t.join(", ")
                ));
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
    Ok((table, used))
}
