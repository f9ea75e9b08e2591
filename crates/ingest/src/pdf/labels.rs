//! Labelled values in the lines no table holds: `Total Spend: $12,345.67`, a label with its value
//! on the next line (a KPI card), and a line of card labels above a line of their values.
//!
//! A label must start its line and be followed directly by the value, so "New users 500",
//! "Pages / Session 2.3" and "Cost per conversion $12" are not users, sessions or spend; a
//! `Total ...` label outranks the plain one.

use super::FoundValue;
use super::lines::Line;
use super::locale::NumberLocale;
use super::metric::{PdfMetric, after_label, label_row};
use super::value::{read_value, value_tokens};

/// What the labelled lines gave.
#[derive(Debug, Default)]
pub(super) struct Labelled {
    /// Each value with its rank (0: a `Total ...` label, 1: a plain one).
    pub(super) candidates: Vec<(FoundValue, usize)>,
    pub(super) warnings: Vec<String>,
    /// A value was written with a bare `$`.
    pub(super) dollar: bool,
}

/// Reads the labelled values of the lines not `claimed` by a table.
pub(super) fn scan(lines: &[Line], claimed: &[bool], locale: NumberLocale) -> Labelled {
    let mut out = Labelled::default();
    let free = |i: usize| !claimed.get(i).copied().unwrap_or(true);
    for (i, line) in lines.iter().enumerate() {
        if !free(i) {
            continue;
        }
        let next = lines.get(i + 1).filter(|_| free(i + 1));
        if let Some(row) = label_row(&line.text) {
            let Some(values) = next else {
                continue;
            };
            let cells: Vec<String> = values.cells.iter().map(|c| c.text.clone()).collect();
            let tokens = value_tokens(&cells, row.len());
            if tokens.len() != row.len() {
                out.warnings.push(format!(
                    "{}: a row of {} labels is followed by {} values on line {}; they were not paired",
                    line.at(),
                    row.len(),
                    tokens.len(),
                    values.number
                ));
                continue;
            }
            for ((metric, label), token) in row.into_iter().zip(tokens) {
                let Some(metric) = metric else { continue };
                let rank = usize::from(!label.to_ascii_lowercase().starts_with("total"));
                take(&mut out, metric, &token, label, line, values, rank, locale);
            }
            continue;
        }
        let lower = line.text.to_ascii_lowercase();
        for metric in PdfMetric::ALL {
            let Some(label) = metric
                .labels()
                .iter()
                .find(|label| after_label(&lower, &line.text, label).is_some())
            else {
                continue;
            };
            let rest = after_label(&lower, &line.text, label).unwrap_or_default();
            let (value_text, value_line) = if rest.is_empty() {
                match next {
                    Some(l) => (l.text.as_str(), l),
                    None => continue,
                }
            } else {
                (rest, line)
            };
            let written = &line.text[..label.len()];
            let rank = usize::from(!label.starts_with("total"));
            take(
                &mut out, metric, value_text, written, line, value_line, rank, locale,
            );
        }
    }
    out
}

/// Reads one labelled value into the candidates, or its problem into the warnings.
#[allow(clippy::too_many_arguments)]
fn take(
    out: &mut Labelled,
    metric: PdfMetric,
    text: &str,
    label: &str,
    label_line: &Line,
    value_line: &Line,
    rank: usize,
    locale: NumberLocale,
) {
    match read_value(text, metric.kind(), locale) {
        Ok(Some(mut v)) => {
            out.dollar |= v.dollar;
            v.found.metric = metric;
            v.found.label = label.to_owned();
            v.found.page = label_line.page;
            v.found.line = label_line.number;
            out.candidates.push((v.found, rank));
        }
        Ok(None) => {}
        Err(why) => out
            .warnings
            .push(format!("{}: {} {why}", value_line.at(), metric.label())),
    }
}
