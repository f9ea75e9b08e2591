//! Custom Integration PDF reports: the text extracted with its layout (a pure-Rust PDF library
//! gives each glyph's position), then the report's figures found in it, returned as a
//! [`PdfPreview`] for a user to confirm. Nothing here is a stored row until the confirmed figures
//! are booked ([`PdfPreview::to_daily_row`], [`book_figures`]).
//!
//! How a report is read, each part in its module:
//! * one number format for the whole document ([`locale`]), decided from all its numbers, stated
//!   in the preview and overridable ([`crate::ImportOptions::pdf_locale`]);
//! * metric tables in both orientations ([`table`]): metrics as columns with a row per period and
//!   a Total row, or a row per metric; a table split across pages is read as one; what the
//!   tables give (totals, per-period figures, each Total row checked against its rows) is
//!   [`figures`]'s;
//! * labelled values in the remaining lines ([`labels`]), as an earlier product's parser read
//!   them, with its lessons: a label must start its line; a label found with two different
//!   values is a *conflict* shown to the user, never "first match wins" (a `Total ...` label
//!   outranks the plain one); a percentage after a count label is refused; `1.2K`/`3.4M` are
//!   expanded exactly and flagged as approximate;
//! * a PDF without text (a scan) gives an empty preview with a warning, never zeros; a damaged PDF
//!   gives an error, never a crash: the extractor runs under `catch_unwind`, after its pages and
//!   decoded streams are counted ([`extract`]).

mod booking;
mod decode;
mod extract;
mod figures;
mod fonts;
mod labels;
mod layout;
mod lines;
mod locale;
mod metric;
mod period;
mod table;
mod value;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::{DailyRow, Platform};

use crate::date::{self, DateOrder};
use crate::error::ImportError;
use crate::model::{ImportOptions, PeriodChoice};

pub use booking::{MAX_BOOKED_DAYS, PeriodRow, book_figures};
pub use extract::extract_text;
pub use figures::{PeriodFigures, TotalCheck};
pub use locale::{LocaleBasis, LocaleNote, NumberLocale, UnknownLocale};
pub use metric::PdfMetric;
pub use table::{PdfTable, RowKind, TableCell, TableLayout, TableRow};

use lines::{Line, read_lines};

/// One value found in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundValue {
    pub metric: PdfMetric,
    pub value: Decimal,
    /// The value as written (`$12,345.67`, `1.2M`; for a sum of period rows, the sum).
    pub text: String,
    /// The label as written in the report (`Total Spend`, a table's `Total`, `sum of 4 period
    /// rows`).
    pub label: String,
    /// 1-based page of the value.
    pub page: usize,
    /// 1-based line of the page where its label (or table row) stands.
    pub line: usize,
    /// `true` for abbreviated values (`1.2M`): the report rounded them.
    pub approximate: bool,
    /// The currency the value was written with, when it says (`€`, `EUR`; not `$`).
    pub currency: Option<String>,
}

/// A metric found with different values in the report; the user picks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub metric: PdfMetric,
    pub candidates: Vec<FoundValue>,
}

/// What a PDF report yielded, to be shown and confirmed before anything is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfPreview {
    pub file: String,
    /// Metrics found with one value (the report's total for its period).
    pub found: Vec<FoundValue>,
    /// Metrics found with different values: not chosen for the user.
    pub conflicts: Vec<Conflict>,
    /// Metrics not found at all.
    pub missing: Vec<PdfMetric>,
    /// The reporting period, when the report states one.
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// The currency of the money values, when the report states it.
    pub currency: Option<String>,
    /// The number format the report was read with, and why.
    pub locale: LocaleNote,
    /// The metric tables found, row by row and metric by metric.
    pub tables: Vec<PdfTable>,
    /// The figures per period (days, weeks, months) the tables give, in date order.
    pub periods: Vec<PeriodFigures>,
    /// Each Total row against the sum of its table's period rows.
    pub checks: Vec<TotalCheck>,
    /// Things the user should know: rejected candidates, `$` without a currency, no text.
    pub warnings: Vec<String>,
}

impl PdfPreview {
    /// A preview of nothing found (a form shown again after a refused confirmation).
    pub fn empty(file: &str) -> Self {
        PdfPreview {
            file: file.to_owned(),
            found: Vec::new(),
            conflicts: Vec::new(),
            missing: Vec::new(),
            period: None,
            currency: None,
            locale: LocaleNote {
                locale: NumberLocale::DecimalPoint,
                basis: LocaleBasis::Default,
                example: None,
                contrary: None,
            },
            tables: Vec::new(),
            periods: Vec::new(),
            checks: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The value found for `metric`, if exactly one was.
    pub fn value(&self, metric: PdfMetric) -> Option<Decimal> {
        self.found
            .iter()
            .find(|f| f.metric == metric)
            .map(|f| f.value)
    }

    /// Conversions, else leads when the report has no conversions figure: what a row's
    /// conversions are.
    fn conversions(value: impl Fn(PdfMetric) -> Option<Decimal>) -> Decimal {
        value(PdfMetric::Conversions)
            .or_else(|| value(PdfMetric::Leads))
            .unwrap_or_default()
    }

    /// The report's totals as the figures of its period (the stated one, else `range`).
    ///
    /// Refused while spend is missing or in conflict: a row of "$0 spend" from a failed extraction
    /// is exactly what must never be stored. Web metrics (sessions, users, pageviews, AOV) stay in
    /// the preview: they are not ad metrics and are not mixed into the row.
    pub fn total_row(
        &self,
        range: Option<(NaiveDate, NaiveDate)>,
    ) -> Result<PeriodRow, ImportError> {
        if self.conflicts.iter().any(|c| c.metric == PdfMetric::Spend) {
            return Err(ImportError::whole_file(
                &self.file,
                "spend has conflicting values in the report; choose one first",
            ));
        }
        let Some(spend) = self.value(PdfMetric::Spend) else {
            return Err(ImportError::whole_file(
                &self.file,
                "no spend was found in the report; enter it before confirming",
            ));
        };
        let count = |m: PdfMetric| {
            self.value(m)
                .and_then(|v| u64::try_from(v).ok())
                .unwrap_or(0)
        };
        Ok(PeriodRow {
            period: self.period.or(range),
            spend,
            impressions: count(PdfMetric::Impressions),
            clicks: count(PdfMetric::Clicks),
            conversions: Self::conversions(|m| self.value(m)),
        })
    }

    /// The confirmed preview as one Custom Integration row for `date` (the totals booked on the
    /// day the user picks), refused as [`PdfPreview::total_row`] says.
    pub fn to_daily_row(
        &self,
        date: NaiveDate,
        external_campaign_id: &str,
    ) -> Result<DailyRow, ImportError> {
        let total = self.total_row(None)?;
        let mut rows = book_figures(
            &[total],
            PeriodChoice::BookOn(date),
            Platform::CustomIntegration,
            external_campaign_id,
            self.currency.as_deref(),
        )
        .map_err(|m| ImportError::whole_file(&self.file, m))?;
        rows.pop()
            .ok_or_else(|| ImportError::whole_file(&self.file, "nothing to book"))
    }

    /// The figures per period, ready to book: refused when the report has none, when a period
    /// has no spend, or when periods overlap.
    pub fn period_rows(&self) -> Result<Vec<PeriodRow>, String> {
        if self.periods.is_empty() {
            return Err("the report has no figures per period".to_owned());
        }
        if let Some(w) = self.periods.windows(2).find(|w| w[1].start <= w[0].end) {
            return Err(format!(
                "the periods {} and {} overlap",
                w[0].label, w[1].label
            ));
        }
        self.periods
            .iter()
            .map(|p| {
                let spend = p.value(PdfMetric::Spend).ok_or_else(|| {
                    format!(
                        "the period {} ({} to {}) has no spend",
                        p.label, p.start, p.end
                    )
                })?;
                let count = |m| p.value(m).and_then(|v| u64::try_from(v).ok()).unwrap_or(0);
                Ok(PeriodRow {
                    period: Some((p.start, p.end)),
                    spend,
                    impressions: count(PdfMetric::Impressions),
                    clicks: count(PdfMetric::Clicks),
                    conversions: Self::conversions(|m| p.value(m)),
                })
            })
            .collect()
    }

    /// What confirming the preview as it stands books under `choice`: the figures per period
    /// when the report has them (each spread over its days, or their sum on one day), else the
    /// totals (spread over the stated period, or `range` when it states none, or on one day).
    pub fn book(
        &self,
        choice: PeriodChoice,
        range: Option<(NaiveDate, NaiveDate)>,
        external_campaign_id: &str,
    ) -> Result<Vec<DailyRow>, String> {
        let figures = match self.period_rows() {
            Ok(rows) => rows,
            Err(why) if choice == PeriodChoice::Spread && !self.periods.is_empty() => {
                return Err(why);
            }
            Err(_) => vec![self.total_row(range).map_err(|e| {
                e.diagnostics()
                    .into_iter()
                    .map(|d| d.message)
                    .collect::<Vec<_>>()
                    .join("; ")
            })?],
        };
        book_figures(
            &figures,
            choice,
            Platform::CustomIntegration,
            external_campaign_id,
            self.currency.as_deref(),
        )
    }
}

/// Extracts the text of a PDF ([`extract_text`], within the limits) and previews the figures in
/// it.
pub fn preview_pdf(
    bytes: &[u8],
    file: &str,
    options: &ImportOptions,
) -> Result<PdfPreview, ImportError> {
    let text = extract_text(bytes, file, options)?;
    Ok(preview_text(&text, file, options))
}

/// Finds the figures in report text (the part of [`preview_pdf`] after extraction, also what
/// the isolated reader's text goes through; pasted text works too, its cells apart by two spaces,
/// a tab or a `|`). Of `options`, the number format and the date order are used.
pub fn preview_text(text: &str, file: &str, options: &ImportOptions) -> PdfPreview {
    let lines = read_lines(text);
    let words = || lines.iter().flat_map(|l| l.text.split_whitespace());
    let locale = locale::decide(words(), options.pdf_locale);
    let period = find_period(&lines);
    let order = options
        .date_order
        .unwrap_or_else(|| match date::infer_order(words()) {
            Ok(Some(order)) => order,
            _ if locale.locale == NumberLocale::DecimalComma => DateOrder::DayFirst,
            _ => DateOrder::MonthFirst,
        });
    let ctx = table::Context {
        locale: locale.locale,
        dates: period::Dates {
            order,
            stated: period,
        },
    };
    let tables = table::find_tables(&lines, &ctx);
    let gathered = figures::gather(&tables.tables);
    let labelled = labels::scan(&lines, &tables.claimed, locale.locale);
    let mut warnings = labelled.warnings;
    warnings.extend(gathered.warnings);
    let mut candidates = gathered.candidates;
    candidates.extend(labelled.candidates);
    let (found, conflicts, missing) = settle(&candidates);
    let currencies: Vec<String> = found.iter().filter_map(|f| f.currency.clone()).collect();
    let currency = currencies.first().cloned();
    if currencies.iter().any(|c| Some(c) != currency.as_ref()) {
        warnings.push(format!(
            "the report mixes currencies: {}",
            currencies.join(", ")
        ));
    }
    if (labelled.dollar || tables.dollar) && currency.is_none() {
        warnings.push(
            "amounts are written with $ and no currency code; the campaign's currency is assumed"
                .into(),
        );
    }
    if text.trim().is_empty() {
        warnings.push("the PDF contains no text (a scanned image?); nothing could be read".into());
    } else if found.is_empty() && conflicts.is_empty() && gathered.periods.is_empty() {
        warnings.push("no labelled values or metric tables were found in the report".into());
    }
    PdfPreview {
        file: file.to_owned(),
        found,
        conflicts,
        missing,
        period,
        currency,
        locale,
        tables: tables.tables,
        periods: gathered.periods,
        checks: gathered.checks,
        warnings,
    }
}

/// Each metric's best-ranked candidates: one value found, different values a conflict, none
/// missing.
fn settle(candidates: &[(FoundValue, usize)]) -> (Vec<FoundValue>, Vec<Conflict>, Vec<PdfMetric>) {
    let mut found = Vec::new();
    let mut conflicts = Vec::new();
    let mut missing = Vec::new();
    for metric in PdfMetric::ALL {
        let mine: Vec<&(FoundValue, usize)> = candidates
            .iter()
            .filter(|(f, _)| f.metric == metric)
            .collect();
        let Some(best_rank) = mine.iter().map(|(_, r)| *r).min() else {
            missing.push(metric);
            continue;
        };
        let best: Vec<&FoundValue> = mine
            .iter()
            .filter(|(_, r)| *r == best_rank)
            .map(|(f, _)| f)
            .collect();
        if best.iter().all(|f| f.value == best[0].value) {
            found.push(best[0].clone());
        } else {
            conflicts.push(Conflict {
                metric,
                candidates: best.into_iter().cloned().collect(),
            });
        }
    }
    (found, conflicts, missing)
}

/// A reporting period such as `June 1 – June 30, 2024`, `2024-06-01 to 2024-06-30` or
/// `Period: 01/06/2024 - 30/06/2024` (the part before a `vs.` comparison), on a line of its own:
/// a table row's period (`Jun 3 – Jun 9, 2024  €2.100,00`) is no reporting period.
fn find_period(lines: &[Line]) -> Option<(NaiveDate, NaiveDate)> {
    let rows = |l: &&Line| !l.cells.iter().any(|c| table::value_cell(&c.text));
    for line in lines.iter().filter(rows).take(80) {
        let text = &line.text;
        let main = text.split(" vs").next().unwrap_or(text);
        let main = main.split_once(':').map_or(
            main,
            |(head, tail)| if head.len() < 20 { tail } else { main },
        );
        for sep in [" – ", " — ", " - ", " to ", "–"] {
            let Some((a, b)) = main.split_once(sep) else {
                continue;
            };
            let (a, b) = (a.trim(), b.trim().trim_end_matches(['.', ')']));
            let order = match date::infer_order([a, b].into_iter()) {
                Ok(Some(o)) => o,
                _ => DateOrder::MonthFirst,
            };
            let Ok(end) = date::parse_date(b, order) else {
                continue;
            };
            let start = date::parse_date(a, order).or_else(|_| {
                date::parse_date(&format!("{a}, {}", chrono::Datelike::year(&end)), order)
            });
            if let Ok(start) = start
                && start <= end
            {
                return Some((start, end));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests;
