//! The PDF part of the imports page: what a report's preview found, and the form that confirms
//! (or corrects) its figures before anything is stored.
//!
//! The preview shows the number format the report was read with and why (with a form to read it
//! again the other way), every metric table row by row and metric by metric with page and line,
//! what was not found, and each Total row checked against its period rows. The form carries the
//! figures per period when the report has them (each editable), else the report's totals, and
//! the period choice every period report gets (`PeriodChoice`): spread over each period's days,
//! or book the figures on one day. The confirmed figures become daily rows
//! (`spendlens_ingest::book_figures`) stored in one batch by `spendlens_app::metrics::upsert_rows`,
//! like `POST /api/campaigns/{id}/metrics`: all or nothing, and a second confirmation of the same
//! figures changes nothing.

mod form;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_app::imports::PeriodRule;
use spendlens_app::labels::Label;
use spendlens_core::Platform;
use spendlens_ingest::{
    NumberLocale, PdfMetric, PdfPreview, PdfTable, PeriodChoice, RowKind, TableLayout,
};

pub use form::{PdfForm, PeriodInput};

use super::{page_of, respond};
use crate::state::AppState;
use crate::ui::format::{count, date, money};
use crate::ui::session::SignedIn;
use crate::ui::{FormErrors, UiResult};

/// A value found in a PDF, for the confirmation form.
#[derive(Debug)]
pub struct FoundView {
    pub(super) label: &'static str,
    pub(super) text: String,
    pub(super) at: String,
    pub(super) note: String,
}

/// One metric's cell of a table row as the page shows it.
#[derive(Debug)]
pub struct CellView {
    pub(super) text: String,
    pub(super) note: String,
}

/// One row of a table (a value column, for metrics as rows).
#[derive(Debug)]
pub struct RowView {
    pub(super) label: String,
    pub(super) kind: &'static str,
    pub(super) at: String,
    pub(super) cells: Vec<CellView>,
    pub(super) note: String,
}

/// A metric table of the report.
#[derive(Debug)]
pub struct TableView {
    pub(super) caption: String,
    pub(super) metrics: Vec<&'static str>,
    pub(super) rows: Vec<RowView>,
}

/// The PDF part of the page.
#[derive(Debug)]
pub struct PdfView {
    pub(super) form: PdfForm,
    pub(super) found: Vec<FoundView>,
    pub(super) conflicts: Vec<String>,
    pub(super) missing: String,
    pub(super) warnings: Vec<String>,
    pub(super) period: Option<String>,
    pub(super) platforms: Vec<(&'static str, &'static str, bool)>,
    /// The number format and why; empty for a form shown again.
    pub(super) locale: String,
    /// The other format: its `pdf_locale` value and its name, to read the report again.
    pub(super) other_locale: (&'static str, &'static str),
    pub(super) tables: Vec<TableView>,
    /// Each Total row checked: the sentence, and whether it adds up.
    pub(super) checks: Vec<(String, bool)>,
    /// Whether the figures can be spread (every row has its period).
    pub(super) can_spread: bool,
}

/// The choices of the upload form's "Numbers in the PDF" (`pdf_locale`).
pub(super) fn locale_choices(selected: &str) -> Vec<(&'static str, &'static str, bool)> {
    std::iter::once(("", "Decide from the report's numbers"))
        .chain(NumberLocale::ALL.map(|l| (l.as_str(), l.label())))
        .map(|(value, label)| (value, label, value == selected))
        .collect()
}

fn platform_choices(selected: &str) -> Vec<(&'static str, &'static str, bool)> {
    Platform::AD_PLATFORMS
        .iter()
        .map(|p| (p.as_str(), p.label(), p.as_str() == selected))
        .collect()
}

fn at(page: usize, line: usize) -> String {
    format!("page {page}, line {line}")
}

/// A figure for an input: money with its cents, other values as they are.
fn figure(metric: PdfMetric, value: Option<Decimal>) -> String {
    match (metric, value) {
        (_, None) => String::new(),
        (PdfMetric::Spend, Some(v)) if v.scale() < 2 => format!("{v:.2}"),
        (_, Some(v)) => v.normalize().to_string(),
    }
}

fn table_view(t: &PdfTable) -> TableView {
    let metrics: Vec<&'static str> = t.metrics.iter().map(|m| m.label()).collect();
    let orientation = match t.layout {
        TableLayout::MetricsAsColumns => "metrics as columns",
        TableLayout::MetricsAsRows => "metrics as rows",
    };
    let pages = if t.last_page > t.page {
        format!(", continued to page {}", t.last_page)
    } else {
        String::new()
    };
    TableView {
        caption: format!(
            "Table at {}{pages}: {orientation} ({})",
            at(t.page, t.line),
            metrics.join(", ")
        ),
        rows: t
            .rows
            .iter()
            .map(|r| RowView {
                label: if r.label.is_empty() {
                    "(figures)".to_owned()
                } else {
                    r.label.clone()
                },
                kind: match r.kind {
                    RowKind::Period { .. } => "period",
                    RowKind::Total => "total",
                    RowKind::Figures => "figures",
                    RowKind::Other => "not used",
                },
                at: at(r.page, r.line),
                cells: t
                    .metrics
                    .iter()
                    .map(|m| {
                        let cell = r.cells.iter().find(|c| c.metric == *m);
                        CellView {
                            text: cell.map(|c| c.text.clone()).unwrap_or_default(),
                            note: match cell {
                                Some(c) if c.problem.is_some() => {
                                    c.problem.clone().unwrap_or_default()
                                }
                                Some(c) if c.value.is_none() => "not given".to_owned(),
                                Some(c) if c.line != r.line => at(c.page, c.line),
                                Some(_) => String::new(),
                                None => "not given".to_owned(),
                            },
                        }
                    })
                    .collect(),
                note: r.note.clone().unwrap_or_default(),
            })
            .collect(),
        metrics,
    }
}

/// The PDF part of the page for `preview`, with the form as posted (after a refusal) or filled
/// from the preview and the upload's period choice.
pub(super) fn pdf_view(
    preview: &PdfPreview,
    today: NaiveDate,
    form: Option<PdfForm>,
    rule: PeriodRule,
) -> PdfView {
    let form = form.unwrap_or_else(|| {
        let value = |m: PdfMetric| figure(m, preview.value(m));
        let stated = preview.period.or(rule.range);
        // The figures per period, when they can be booked: no two overlap (a month and its weeks),
        // and they are figures of spend (not a website's weeks alone).
        let bookable = preview.periods.windows(2).all(|w| w[1].start > w[0].end)
            && preview
                .periods
                .iter()
                .any(|p| p.value(PdfMetric::Spend).is_some());
        let periods: Vec<PeriodInput> = preview
            .periods
            .iter()
            .filter(|_| bookable)
            .enumerate()
            .map(|(index, p)| PeriodInput {
                index,
                label: p.label.clone(),
                from: p.start.to_string(),
                to: p.end.to_string(),
                spend: figure(PdfMetric::Spend, p.value(PdfMetric::Spend)),
                impressions: figure(PdfMetric::Impressions, p.value(PdfMetric::Impressions)),
                clicks: figure(PdfMetric::Clicks, p.value(PdfMetric::Clicks)),
                conversions: figure(
                    PdfMetric::Conversions,
                    p.value(PdfMetric::Conversions)
                        .or_else(|| p.value(PdfMetric::Leads)),
                ),
                problems: Vec::new(),
            })
            .collect();
        let booking = match rule.choice {
            PeriodChoice::Spread => "spread",
            PeriodChoice::BookOn(_) => "book_on",
            PeriodChoice::Refuse if periods.is_empty() => "book_on",
            PeriodChoice::Refuse => "",
        };
        let day = match rule.choice {
            PeriodChoice::BookOn(d) => d,
            _ => stated.map_or(today, |(_, end)| end),
        };
        PdfForm {
            file: preview.file.clone(),
            date: day.to_string(),
            platform: Platform::CustomIntegration.as_str().to_owned(),
            spend: value(PdfMetric::Spend),
            impressions: value(PdfMetric::Impressions),
            clicks: value(PdfMetric::Clicks),
            conversions: figure(
                PdfMetric::Conversions,
                preview
                    .value(PdfMetric::Conversions)
                    .or_else(|| preview.value(PdfMetric::Leads)),
            ),
            currency: preview.currency.clone().unwrap_or_default(),
            booking: booking.to_owned(),
            from: stated.map(|(a, _)| a.to_string()).unwrap_or_default(),
            to: stated.map(|(_, b)| b.to_string()).unwrap_or_default(),
            periods,
            ..PdfForm::default()
        }
    });
    let other = preview.locale.locale.other();
    PdfView {
        platforms: platform_choices(&form.platform),
        can_spread: !form.periods.is_empty() || (!form.from.is_empty() && !form.to.is_empty()),
        found: preview
            .found
            .iter()
            .map(|f| FoundView {
                label: f.metric.label(),
                text: if f.label.is_empty() || f.label == f.text {
                    f.text.clone()
                } else {
                    format!("{} ({})", f.text, f.label)
                },
                at: at(f.page, f.line),
                note: if f.approximate {
                    "abbreviated in the report: check the exact figure".to_owned()
                } else {
                    String::new()
                },
            })
            .collect(),
        conflicts: preview
            .conflicts
            .iter()
            .map(|c| {
                format!(
                    "{}: {}",
                    c.metric.label(),
                    c.candidates
                        .iter()
                        .map(|v| format!("{} ({})", v.text, at(v.page, v.line)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect(),
        missing: preview
            .missing
            .iter()
            .map(|m| m.label())
            .collect::<Vec<_>>()
            .join(", "),
        warnings: preview.warnings.clone(),
        period: preview
            .period
            .map(|(a, b)| format!("{} – {}", date(a), date(b))),
        locale: if preview.found.is_empty() && preview.tables.is_empty() && form.csrf.is_empty() {
            String::new()
        } else {
            preview.locale.describe()
        },
        other_locale: (other.as_str(), other.label()),
        tables: preview.tables.iter().map(table_view).collect(),
        checks: preview
            .checks
            .iter()
            .map(|c| (c.describe(), c.matches()))
            .collect(),
        form,
    }
}

/// `POST /campaigns/{id}/imports/pdf`: stores the confirmed figures of a PDF report as daily
/// rows, through the same checks as `POST /api/campaigns/{id}/metrics`.
pub async fn confirm_pdf(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult<Response> {
    let form = PdfForm::from_pairs(pairs);
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    viewer.check(&state, &form.csrf)?;
    let mut errors = FormErrors::default();
    if form.periods.is_empty() && form.spend.trim().is_empty() {
        errors.push("spend", "enter the spend the report states");
    }
    for p in form.periods.iter().filter(|p| p.spend.trim().is_empty()) {
        errors.push(
            &format!("period-{}-spend", p.index),
            "enter the spend the report states for this period",
        );
    }
    let stored = if errors.is_empty() {
        match form.rows(&campaign.spec.currency) {
            Ok(rows) => {
                spendlens_app::metrics::upsert_rows(&state.context(), &campaign, &rows).await?;
                Some(rows)
            }
            Err(problems) => {
                errors = problems;
                None
            }
        }
    } else {
        None
    };
    let mut p = page_of(&viewer, &campaign, errors, "pdf", String::new());
    let facts = stored.as_ref().map(|rows| {
        crate::audit::AuditDetails::of_rows(Some(&form.file), rows, &campaign.spec.currency)
    });
    match stored {
        Some(rows) if rows.len() == 1 && form.booking != "spread" => {
            p.done = Some(format!(
                "Stored the figures of {} for {}.",
                form.file,
                form.date.trim()
            ));
        }
        Some(rows) => {
            let spend: Decimal = rows.iter().map(|r| r.spend).sum();
            let (first, last) = (
                rows.iter().map(|r| r.date).min(),
                rows.iter().map(|r| r.date).max(),
            );
            p.done = Some(format!(
                "Stored the figures of {}: {} daily rows from {} to {} ({} spend).",
                form.file,
                count(rows.len() as u64),
                first.map(date).unwrap_or_default(),
                last.map(date).unwrap_or_default(),
                money(spend, &campaign.spec.currency)
            ));
        }
        None => {
            let today = spendlens_app::today_in(state.clock.now(), &campaign.spec.time_zone);
            let mut form = form;
            for period in &mut form.periods {
                let prefix = format!("period-{}-", period.index);
                period.problems = p
                    .errors
                    .0
                    .iter()
                    .filter_map(|e| {
                        let field = e.field.strip_prefix(&prefix)?;
                        Some(format!("{field}: {}", e.message))
                    })
                    .collect();
            }
            p.pdf = Some(pdf_view(
                &PdfPreview::empty(&form.file),
                today,
                Some(form),
                PeriodRule::default(),
            ));
        }
    }
    let response = respond(&p);
    Ok(match facts {
        Some(facts) => facts.attach(response),
        None => response,
    })
}
