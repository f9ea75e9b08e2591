//! A PDF report's preview as the API answers it (`POST /api/campaigns/{id}/imports` with a PDF):
//! the figures found and not found, the number format the report was read with and why, every
//! metric table row by row and metric by metric (page and line), the figures per period, each
//! Total row checked against its period rows, and, when the upload chose `spread` or `book_on`,
//! the daily rows the confirmation gives (to be posted to `/metrics` as they are).
//!
//! The preview's types stay below the API boundary (not `Serialize`); this is their wire form.

use serde_json::{Value, json};
use spendlens_app::imports::PeriodRule;
use spendlens_contract::json::two_decimals as money;
use spendlens_core::DailyRow;
use spendlens_ingest::{
    LocaleBasis, LocaleNote, PdfPreview, PdfTable, PeriodChoice, RowKind, TableCell, TableLayout,
};

/// What a table's row stands for, on the wire.
pub fn kind_name(kind: RowKind) -> &'static str {
    match kind {
        RowKind::Period { .. } => "period",
        RowKind::Total => "total",
        RowKind::Figures => "figures",
        RowKind::Other => "other",
    }
}

fn locale_json(l: &LocaleNote) -> Value {
    let (basis, numbers, against) = match l.basis {
        LocaleBasis::Chosen => ("chosen", None, None),
        LocaleBasis::Decided { numbers, against } => ("decided", Some(numbers), Some(against)),
        LocaleBasis::Grouping { numbers } => ("grouping", Some(numbers), None),
        LocaleBasis::Default => ("default", None, None),
    };
    json!({
        "format": l.locale.as_str(),
        "basis": basis,
        "numbers": numbers,
        "against": against,
        "example": l.example,
        "contrary": l.contrary,
        "description": l.describe(),
    })
}

fn cell_json(c: &TableCell) -> Value {
    json!({
        "metric": c.metric.label(), "label": c.label, "page": c.page, "line": c.line,
        "text": c.text, "value": c.value.map(|v| v.to_string()), "approximate": c.approximate,
        "currency": c.currency, "problem": c.problem,
    })
}

fn table_json(t: &PdfTable) -> Value {
    json!({
        "layout": match t.layout {
            TableLayout::MetricsAsColumns => "metrics_as_columns",
            TableLayout::MetricsAsRows => "metrics_as_rows",
        },
        "page": t.page,
        "line": t.line,
        "last_page": t.last_page,
        "metrics": t.metrics.iter().map(|m| m.label()).collect::<Vec<_>>(),
        "rows": t.rows.iter().map(|r| {
            let (from, to) = match r.kind {
                RowKind::Period { start, end } => (Some(start.to_string()), Some(end.to_string())),
                _ => (None, None),
            };
            json!({
                "label": r.label, "kind": kind_name(r.kind), "from": from, "to": to,
                "page": r.page, "line": r.line, "note": r.note,
                "cells": r.cells.iter().map(cell_json).collect::<Vec<_>>(),
            })
        }).collect::<Vec<_>>(),
    })
}

/// The daily rows a confirmation gives, as `/metrics` takes them.
fn rows_json(rows: &[DailyRow]) -> Value {
    json!(
        rows.iter()
            .map(|r| json!({
                "date": r.date.to_string(),
                "platform": r.platform.as_str(),
                "external_campaign_id": r.external_campaign_id,
                "spend": money(r.spend),
                "impressions": r.impressions,
                "clicks": r.clicks,
                "conversions": r.conversions.to_string(),
                "currency": r.currency,
            }))
            .collect::<Vec<_>>()
    )
}

/// What confirming the preview books under the upload's period choice: the rows, or why not.
fn booking_json(p: &PdfPreview, period: PeriodRule) -> Value {
    let choice = match period.choice {
        PeriodChoice::Refuse => return Value::Null,
        PeriodChoice::Spread => json!({"choice": "spread"}),
        PeriodChoice::BookOn(day) => json!({"choice": "book_on", "date": day.to_string()}),
    };
    let mut out = choice;
    match p.book(period.choice, period.range, &format!("pdf:{}", p.file)) {
        Ok(rows) => {
            let spend = rows.iter().map(|r| r.spend).sum();
            let impressions: u64 = rows.iter().map(|r| r.impressions).sum();
            let clicks: u64 = rows.iter().map(|r| r.clicks).sum();
            let conversions: rust_decimal::Decimal = rows.iter().map(|r| r.conversions).sum();
            out["totals"] = json!({
                "spend": money(spend), "impressions": impressions, "clicks": clicks,
                "conversions": conversions.to_string(),
            });
            out["rows"] = rows_json(&rows);
        }
        Err(problem) => out["problem"] = json!(problem),
    }
    out
}

/// A PDF preview as the API shows it; `period` is the upload's choice for rows covering a
/// period.
pub fn preview_json(p: &PdfPreview, period: PeriodRule) -> Value {
    json!({
        "file": p.file,
        "found": p.found.iter().map(|f| json!({
            "metric": f.metric.label(), "value": f.value.to_string(), "text": f.text,
            "label": f.label, "page": f.page, "line": f.line, "approximate": f.approximate,
            "currency": f.currency,
        })).collect::<Vec<_>>(),
        "conflicts": p.conflicts.iter().map(|c| json!({
            "metric": c.metric.label(),
            "values": c.candidates.iter().map(|v| json!({"value": v.value.to_string(), "text": v.text, "page": v.page, "line": v.line})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "missing": p.missing.iter().map(|m| m.label()).collect::<Vec<_>>(),
        "period": p.period.map(|(a, b)| json!({"from": a.to_string(), "to": b.to_string()})),
        "currency": p.currency,
        "locale": locale_json(&p.locale),
        "tables": p.tables.iter().map(table_json).collect::<Vec<_>>(),
        "periods": p.periods.iter().map(|w| json!({
            "from": w.start.to_string(), "to": w.end.to_string(), "days": w.days(),
            "label": w.label, "page": w.page, "line": w.line,
            "values": w.cells.iter().map(|c| json!({
                "metric": c.metric.label(), "value": c.value.map(|v| v.to_string()), "text": c.text,
                "page": c.page, "line": c.line,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "checks": p.checks.iter().map(|c| json!({
            "metric": c.metric.label(), "rows": c.rows, "sum": c.sum.to_string(),
            "total": c.total.to_string(), "total_text": c.total_text, "page": c.page,
            "line": c.line, "matches": c.matches(), "description": c.describe(),
        })).collect::<Vec<_>>(),
        "booking": booking_json(p, period),
        "warnings": p.warnings,
    })
}
