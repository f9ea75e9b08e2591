//! What `spendlens import REPORT.pdf` prints: the preview of a PDF report, as the upload page
//! shows it. The number format and why (`--pdf-locale` reads it the other way), each metric
//! table row by row with page and line, the figures per period and each Total row's check, the
//! totals found and the metrics not found, and with `--spread` or `--book-on` the daily rows the
//! confirmation would store. Nothing is stored: the figures are confirmed on the imports page.

use spendlens_app::imports::PeriodRule;
use spendlens_core::num::round_half_away;
use spendlens_ingest::{PdfMetric, PdfPreview, PeriodChoice, RowKind, TableLayout};

/// A figure as the preview prints it: money with its currency (the figure's or the report's,
/// else the campaign's), other values as written.
fn shown(
    p: &PdfPreview,
    metric: PdfMetric,
    text: &str,
    value: rust_decimal::Decimal,
    currency: Option<&str>,
    campaign: &str,
) -> String {
    match metric {
        PdfMetric::Spend | PdfMetric::AverageOrderValue => {
            let cur = currency.or(p.currency.as_deref()).unwrap_or(campaign);
            format!("{} {cur} (as written: {text})", round_half_away(value, 2))
        }
        _ => text.to_owned(),
    }
}

/// Prints the preview of `name`, booked as `period` says when it chooses.
pub fn print_preview(
    name: &str,
    p: &PdfPreview,
    campaign_currency: &str,
    period: PeriodRule,
) -> std::io::Result<()> {
    outln!("{name}: a PDF report is previewed, never imported directly:")?;
    outln!("  numbers {}", p.locale.describe())?;
    outln!(
        "          (--pdf-locale {} reads them with a {})",
        p.locale.locale.other().as_str(),
        p.locale.locale.other().label()
    )?;
    if let Some((a, b)) = p.period {
        outln!("  period  {a} to {b}")?;
    }
    for t in &p.tables {
        let layout = match t.layout {
            TableLayout::MetricsAsColumns => "metrics as columns",
            TableLayout::MetricsAsRows => "metrics as rows",
        };
        let pages = if t.last_page > t.page {
            format!(", continued to page {}", t.last_page)
        } else {
            String::new()
        };
        outln!(
            "  table   page {}, line {}{pages}: {layout} ({})",
            t.page,
            t.line,
            t.metrics
                .iter()
                .map(|m| m.label())
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        for r in &t.rows {
            let kind = match r.kind {
                RowKind::Period { start, end } => format!("{start} to {end}"),
                RowKind::Total => "total".to_owned(),
                RowKind::Figures => "figures".to_owned(),
                RowKind::Other => "not used".to_owned(),
            };
            let cells: Vec<String> = r
                .cells
                .iter()
                .map(|c| match (&c.problem, c.text.is_empty()) {
                    (Some(why), _) => format!("{} {} ({why})", c.metric.label(), c.text),
                    (None, true) => format!("{} not given", c.metric.label()),
                    (None, false) => format!("{} {}", c.metric.label(), c.text),
                })
                .collect();
            let label = if r.label.is_empty() {
                "(figures)"
            } else {
                &r.label
            };
            outln!(
                "    row   page {}, line {}: {label} [{kind}]: {}",
                r.page,
                r.line,
                cells.join("; ")
            )?;
            if let Some(note) = &r.note {
                outln!("          {note}")?;
            }
        }
    }
    for c in &p.checks {
        let mark = if c.matches() { "check  " } else { "MISMATCH" };
        outln!("  {mark} {}", c.describe())?;
    }
    for f in &p.found {
        outln!(
            "  found   {:<20} {} ({}, page {}, line {})",
            f.metric.label(),
            shown(
                p,
                f.metric,
                &f.text,
                f.value,
                f.currency.as_deref(),
                campaign_currency
            ),
            if f.label.is_empty() {
                "figure"
            } else {
                &f.label
            },
            f.page,
            f.line
        )?;
    }
    for c in &p.conflicts {
        let values: Vec<String> = c
            .candidates
            .iter()
            .map(|v| format!("{} (page {}, line {})", v.text, v.page, v.line))
            .collect();
        outln!("  conflict {}: {}", c.metric.label(), values.join(", "))?;
    }
    for m in &p.missing {
        outln!("  missing {}", m.label())?;
    }
    for w in &p.warnings {
        outln!("  note    {w}")?;
    }
    if !p.periods.is_empty() {
        outln!(
            "  periods {} period(s) from {} to {}: each spread over its days with --spread, or their sum booked with --book-on DATE",
            p.periods.len(),
            p.periods
                .iter()
                .map(|w| w.start)
                .min()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            p.periods
                .iter()
                .map(|w| w.end)
                .max()
                .map(|d| d.to_string())
                .unwrap_or_default()
        )?;
    }
    if period.choice != PeriodChoice::Refuse {
        match p.book(period.choice, period.range, &format!("pdf:{name}")) {
            Ok(rows) => {
                let spend: rust_decimal::Decimal = rows.iter().map(|r| r.spend).sum();
                let impressions: u64 = rows.iter().map(|r| r.impressions).sum();
                let clicks: u64 = rows.iter().map(|r| r.clicks).sum();
                let conversions: rust_decimal::Decimal = rows.iter().map(|r| r.conversions).sum();
                let (first, last) = (
                    rows.iter().map(|r| r.date).min(),
                    rows.iter().map(|r| r.date).max(),
                );
                outln!(
                    "  booking {} daily row(s) from {} to {}: spend {} {}, impressions {impressions}, clicks {clicks}, conversions {}",
                    rows.len(),
                    first.map(|d| d.to_string()).unwrap_or_default(),
                    last.map(|d| d.to_string()).unwrap_or_default(),
                    round_half_away(spend, 2),
                    p.currency.as_deref().unwrap_or(campaign_currency),
                    conversions.normalize()
                )?;
            }
            Err(why) => outln!("  booking not possible: {why}")?,
        }
    }
    outln!("Confirm the figures in the web app (Imports) to store them.")?;
    Ok(())
}
