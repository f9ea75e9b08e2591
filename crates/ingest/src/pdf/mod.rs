//! Custom Integration PDF reports: text extraction with a pure-Rust PDF library, then labelled KPI
//! values found in the text, returned as a [`PdfPreview`] for a user to confirm. Nothing here is a
//! stored row until [`PdfPreview::to_daily_row`] is called after that confirmation.
//!
//! Lessons from an earlier product's regex parser, each handled here:
//! * a label must start its line and be followed directly by the value (same line or the next line),
//!   so "New users 500", "Pages / Session 2.3" and "Cost per conversion $12" are not users, sessions
//!   or spend;
//! * every occurrence is collected: a label found with two different values is a *conflict* shown
//!   to the user, never "first match wins" (a `Total ...` label outranks the plain one);
//! * a percentage after a count label is refused, not taken as the count; counts must be whole;
//! * `€`, `£` and ISO codes are read, and `1.200,50` is a decimal comma, not 1.2005;
//! * `1.2K`/`3.4M` are expanded exactly and flagged as approximate;
//! * a PDF without text (a scan) gives an empty preview with a warning, never zeros;
//! * a damaged PDF gives an error, never a crash: the extractor runs under `catch_unwind`, after
//!   its pages and decoded streams are counted ([`extract`]).

mod decode;
mod extract;
mod metric;
mod value;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::{DailyRow, Platform};

use crate::date::{self, DateOrder};
use crate::error::ImportError;
use crate::model::ImportOptions;

pub use extract::extract_text;
pub use metric::PdfMetric;

use metric::{after_label, label_row};
use value::{read_value, value_tokens};

/// One value found in the report text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundValue {
    pub metric: PdfMetric,
    pub value: Decimal,
    /// The value as written (`$12,345.67`, `1.2M`).
    pub text: String,
    /// The label as written in the report.
    pub label: String,
    /// 1-based line of the extracted text where the label stands.
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
    /// Metrics found with one value.
    pub found: Vec<FoundValue>,
    /// Metrics found with different values: not chosen for the user.
    pub conflicts: Vec<Conflict>,
    /// Metrics not found at all.
    pub missing: Vec<PdfMetric>,
    /// The reporting period, when the report states one.
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// The currency of the money values, when the report states it.
    pub currency: Option<String>,
    /// Things the user should know: rejected candidates, `$` without a currency, no text.
    pub warnings: Vec<String>,
}

impl PdfPreview {
    /// The value found for `metric`, if exactly one was.
    pub fn value(&self, metric: PdfMetric) -> Option<Decimal> {
        self.found
            .iter()
            .find(|f| f.metric == metric)
            .map(|f| f.value)
    }

    /// The confirmed preview as a Custom Integration row for `date` (the user picks the day the
    /// report's totals are booked on; reports have no daily breakdown).
    ///
    /// Refused while spend is missing or in conflict: a row of "$0 spend" from a failed extraction
    /// is exactly what must never be stored. Conversions fall back to leads when the report has no
    /// conversions figure. Web metrics (sessions, users, pageviews, AOV) stay in the preview: they are
    /// not ad metrics and are not mixed into the row.
    pub fn to_daily_row(
        &self,
        date: NaiveDate,
        external_campaign_id: &str,
    ) -> Result<DailyRow, ImportError> {
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
        let mut row = DailyRow::empty(date, Platform::CustomIntegration, external_campaign_id);
        row.spend = spend;
        row.impressions = count(PdfMetric::Impressions);
        row.clicks = count(PdfMetric::Clicks);
        row.conversions = self
            .value(PdfMetric::Conversions)
            .or_else(|| self.value(PdfMetric::Leads))
            .unwrap_or_default();
        row.currency = self.currency.clone();
        Ok(row)
    }
}

/// Extracts the text of a PDF ([`extract_text`], within the limits) and previews the KPI values
/// in it.
pub fn preview_pdf(
    bytes: &[u8],
    file: &str,
    options: &ImportOptions,
) -> Result<PdfPreview, ImportError> {
    let text = extract_text(bytes, file, options)?;
    Ok(preview_text(&text, file))
}

/// Finds the KPI values in report text (the part of [`preview_pdf`] after extraction; also usable
/// for text pasted from a report).
pub fn preview_text(text: &str, file: &str) -> PdfPreview {
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let mut warnings = Vec::new();
    let mut candidates: Vec<(FoundValue, usize)> = Vec::new(); // (value, label rank)
    let mut dollar = false;
    for (i, line) in lines.iter().enumerate() {
        if let Some(row) = label_row(line) {
            let Some((j, values)) = lines
                .iter()
                .enumerate()
                .skip(i + 1)
                .find(|(_, l)| !l.is_empty())
            else {
                continue;
            };
            let tokens = value_tokens(values);
            if tokens.len() != row.len() {
                warnings.push(format!(
                    "line {}: a row of {} labels is followed by {} values on line {}; they were not paired",
                    i + 1,
                    row.len(),
                    tokens.len(),
                    j + 1
                ));
                continue;
            }
            for ((metric, label), token) in row.into_iter().zip(tokens) {
                let Some(metric) = metric else { continue };
                match read_value(&token, metric.kind()) {
                    Ok(Some(mut v)) => {
                        dollar |= v.dollar;
                        v.found.metric = metric;
                        v.found.label = label.to_owned();
                        v.found.line = i + 1;
                        candidates.push((
                            v.found,
                            usize::from(!label.to_ascii_lowercase().starts_with("total")),
                        ));
                    }
                    Ok(None) => {}
                    Err(why) => warnings.push(format!("line {}: {} {why}", j + 1, metric.label())),
                }
            }
            continue;
        }
        let lower = line.to_ascii_lowercase();
        for metric in PdfMetric::ALL {
            for label in metric.labels() {
                let Some(rest) = after_label(&lower, line, label) else {
                    continue;
                };
                let value_text = if rest.is_empty() {
                    match lines.iter().skip(i + 1).find(|l| !l.is_empty()) {
                        Some(l) => l.as_str(),
                        None => break,
                    }
                } else {
                    rest
                };
                match read_value(value_text, metric.kind()) {
                    Ok(Some(mut v)) => {
                        dollar |= v.dollar;
                        v.found.metric = metric;
                        v.found.label = line[..label.len()].to_owned();
                        v.found.line = i + 1;
                        candidates.push((v.found, usize::from(!label.starts_with("total"))));
                    }
                    Ok(None) => {}
                    Err(why) => warnings.push(format!("line {}: {} {why}", i + 1, metric.label())),
                }
                break;
            }
        }
    }
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
    let currencies: Vec<String> = found.iter().filter_map(|f| f.currency.clone()).collect();
    let currency = currencies.first().cloned();
    if currencies.iter().any(|c| Some(c) != currency.as_ref()) {
        warnings.push(format!(
            "the report mixes currencies: {}",
            currencies.join(", ")
        ));
    }
    if dollar && currency.is_none() {
        warnings.push(
            "amounts are written with $ and no currency code; the campaign's currency is assumed"
                .into(),
        );
    }
    if text.trim().is_empty() {
        warnings.push("the PDF contains no text (a scanned image?); nothing could be read".into());
    } else if found.is_empty() && conflicts.is_empty() {
        warnings.push("no labelled values were found in the report".into());
    }
    PdfPreview {
        file: file.to_owned(),
        found,
        conflicts,
        missing,
        period: find_period(&lines),
        currency,
        warnings,
    }
}

/// A reporting period such as `June 1 – June 30, 2024`, `2024-06-01 to 2024-06-30` or
/// `Period: 01/06/2024 - 30/06/2024` (the part before a `vs.` comparison).
fn find_period(lines: &[String]) -> Option<(NaiveDate, NaiveDate)> {
    for line in lines.iter().take(80) {
        let main = line.split(" vs").next().unwrap_or(line);
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
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn labelled_values_on_the_same_or_next_line() {
        let p = preview_text(
            "Acme Q2 report\nJune 1 – June 30, 2024 vs. May 1 – May 31, 2024\nTotal Spend\n$12,345.67\n▲ 12.4%\nImpressions: 1.2M\nClicks | 3,456\nConversions 78.5\nCTR 2.35%\n",
            "r.pdf",
        );
        assert_eq!(p.value(PdfMetric::Spend), Some(dec!(12345.67)));
        assert_eq!(p.value(PdfMetric::Impressions), Some(dec!(1200000)));
        assert_eq!(p.value(PdfMetric::Clicks), Some(dec!(3456)));
        assert_eq!(p.value(PdfMetric::Conversions), Some(dec!(78.5)));
        assert!(
            p.found
                .iter()
                .any(|f| f.metric == PdfMetric::Impressions && f.approximate)
        );
        let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).expect("date");
        assert_eq!(p.period, Some((d(6, 1), d(6, 30))));
        assert!(p.missing.contains(&PdfMetric::Sessions));
        assert!(
            p.warnings.iter().any(|w| w.contains("$")),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn lookalike_labels_are_not_taken() {
        let p = preview_text(
            "New users 500\nPages / Session 2.3\nCost per conversion $12.00\nPageviews: 5000\nUsers: 900\nSessions 1,200\n",
            "r.pdf",
        );
        assert_eq!(p.value(PdfMetric::Users), Some(dec!(900)));
        assert_eq!(p.value(PdfMetric::Sessions), Some(dec!(1200)));
        assert_eq!(p.value(PdfMetric::Pageviews), Some(dec!(5000)));
        assert_eq!(p.value(PdfMetric::Spend), None);
    }

    #[test]
    fn conflicts_are_shown_not_resolved() {
        let p = preview_text(
            "Spend: €1.200,50\nSpend: €900,00\nTotal Leads 12\nLeads 5\n",
            "r.pdf",
        );
        assert_eq!(p.value(PdfMetric::Spend), None);
        assert_eq!(p.conflicts[0].candidates.len(), 2);
        assert_eq!(p.conflicts[0].candidates[0].value, dec!(1200.50));
        assert_eq!(
            p.value(PdfMetric::Leads),
            Some(dec!(12)),
            "the Total label outranks"
        );
        assert!(p.to_daily_row(NaiveDate::MIN, "x").is_err());
    }

    #[test]
    fn percentages_and_fractions_are_refused_for_counts() {
        let p = preview_text("Conversions 2.5%\nClicks 12.5\nSpend EUR 1,200\n", "r.pdf");
        assert_eq!(p.value(PdfMetric::Conversions), None);
        assert_eq!(p.value(PdfMetric::Clicks), None);
        assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
        assert_eq!(p.currency.as_deref(), Some("EUR"));
        let row = p
            .to_daily_row(NaiveDate::from_ymd_opt(2024, 6, 30).expect("d"), "agency")
            .expect("row");
        assert_eq!(
            (row.spend, row.clicks, row.platform),
            (dec!(1200), 0, Platform::CustomIntegration)
        );
    }

    #[test]
    fn empty_text_reports_nothing_and_never_zero() {
        let p = preview_text("   \n", "scan.pdf");
        assert!(p.found.is_empty());
        assert_eq!(p.missing.len(), PdfMetric::ALL.len());
        assert!(p.warnings[0].contains("no text"));
        assert!(p.to_daily_row(NaiveDate::MIN, "x").is_err());
    }

    #[test]
    fn rows_of_cards_pair_labels_with_values() {
        let p = preview_text(
            "Spend Impressions CTR Clicks\nUSD 1,200 1.2M 2.5% 3,400\nUsers Sessions\n10 20 30\n",
            "r",
        );
        assert_eq!(p.value(PdfMetric::Spend), Some(dec!(1200)));
        assert_eq!(p.currency.as_deref(), Some("USD"));
        assert_eq!(p.value(PdfMetric::Impressions), Some(dec!(1200000)));
        assert_eq!(p.value(PdfMetric::Clicks), Some(dec!(3400)));
        assert_eq!(
            p.value(PdfMetric::Users),
            None,
            "three values for two labels are not guessed"
        );
        assert!(
            p.warnings.iter().any(|w| w.contains("not paired")),
            "{:?}",
            p.warnings
        );
        assert!(label_row("Spend went up").is_none());
        assert!(label_row("Spend").is_none());
    }

    #[test]
    fn non_ascii_text_is_safe() {
        let p = preview_text(
            "SPEND İ 5\nSpend İstanbul\nİmpressions 5\nUsers\u{130}\u{130} 3\nÜsers 4\n",
            "r",
        );
        assert_eq!(p.value(PdfMetric::Users), None);
        assert_eq!(p.value(PdfMetric::Spend), None);
    }
}
