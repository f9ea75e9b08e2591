//! The PDF confirmation form as posted: the report's totals or its figures per period
//! (`period-N-*` fields), the period choice and the platform, read with the checks and the
//! messages of `POST /api/campaigns/{id}/metrics` and booked as chosen
//! (`spendlens_ingest::book_figures`).

use chrono::NaiveDate;
use spendlens_contract::Problems;
use spendlens_contract::json::{count_text, date_text, non_negative_decimal_text};
use spendlens_core::Platform;
use spendlens_core::daily::DailyRow;
use spendlens_ingest::{PeriodChoice, PeriodRow, book_figures};

use crate::ui::FormErrors;

/// The figures of one period as the form carries them.
#[derive(Debug, Default, Clone)]
pub struct PeriodInput {
    pub(in crate::ui::imports) index: usize,
    pub(in crate::ui::imports) label: String,
    pub(in crate::ui::imports) from: String,
    pub(in crate::ui::imports) to: String,
    pub(in crate::ui::imports) spend: String,
    pub(in crate::ui::imports) impressions: String,
    pub(in crate::ui::imports) clicks: String,
    pub(in crate::ui::imports) conversions: String,
    /// What was wrong with its figures, shown under them.
    pub(in crate::ui::imports) problems: Vec<String>,
}

/// The PDF confirmation form (`period-N-*` fields carry the figures per period).
#[derive(Debug, Default, Clone)]
pub struct PdfForm {
    pub(in crate::ui::imports) csrf: String,
    pub(in crate::ui::imports) file: String,
    /// The day to book on (`booking=book_on`, or no `booking` for a form without periods).
    pub(in crate::ui::imports) date: String,
    pub(in crate::ui::imports) platform: String,
    pub(in crate::ui::imports) spend: String,
    pub(in crate::ui::imports) impressions: String,
    pub(in crate::ui::imports) clicks: String,
    pub(in crate::ui::imports) conversions: String,
    pub(in crate::ui::imports) currency: String,
    /// `spread` or `book_on`.
    pub(in crate::ui::imports) booking: String,
    /// The report's period, for the totals spread over it.
    pub(in crate::ui::imports) from: String,
    pub(in crate::ui::imports) to: String,
    pub(in crate::ui::imports) periods: Vec<PeriodInput>,
}

impl PdfForm {
    /// The form from its fields, the figures per period from their `period-N-*` fields.
    pub(in crate::ui::imports) fn from_pairs(pairs: Vec<(String, String)>) -> PdfForm {
        let mut form = PdfForm::default();
        for (key, value) in pairs {
            if let Some(rest) = key.strip_prefix("period-")
                && let Some((n, field)) = rest.split_once('-')
                && let Ok(index) = n.parse::<usize>()
                && index < spendlens_ingest::MAX_BOOKED_DAYS
            {
                let at = match form.periods.iter().position(|p| p.index == index) {
                    Some(at) => at,
                    None => {
                        form.periods.push(PeriodInput {
                            index,
                            ..PeriodInput::default()
                        });
                        form.periods.len() - 1
                    }
                };
                let p = &mut form.periods[at];
                match field {
                    "label" => p.label = value,
                    "from" => p.from = value,
                    "to" => p.to = value,
                    "spend" => p.spend = value,
                    "impressions" => p.impressions = value,
                    "clicks" => p.clicks = value,
                    "conversions" => p.conversions = value,
                    _ => {}
                }
                continue;
            }
            let slot = match key.as_str() {
                "csrf" => &mut form.csrf,
                "file" => &mut form.file,
                "date" => &mut form.date,
                "platform" => &mut form.platform,
                "spend" => &mut form.spend,
                "impressions" => &mut form.impressions,
                "clicks" => &mut form.clicks,
                "conversions" => &mut form.conversions,
                "currency" => &mut form.currency,
                "booking" => &mut form.booking,
                "from" => &mut form.from,
                "to" => &mut form.to,
                _ => continue,
            };
            *slot = value;
        }
        form.periods.sort_by_key(|p| p.index);
        form
    }

    /// The confirmed figures as daily rows of the campaign, read with the checks and the
    /// messages of `POST /api/campaigns/{id}/metrics` (each problem under its form field), then
    /// booked as chosen.
    pub(in crate::ui::imports) fn rows(
        &self,
        campaign_currency: &str,
    ) -> Result<Vec<DailyRow>, FormErrors> {
        // The contract's own field decoders, so that each message reads as the API's does for
        // the same value.
        let text = |s: &str| s.trim().replace(',', "");
        let given = |s: &str| Some(text(s)).filter(|t| !t.is_empty());
        let mut problems = Problems::default();
        let choice = match (self.booking.trim(), self.periods.is_empty()) {
            ("spread", _) => Some(PeriodChoice::Spread),
            ("book_on", _) | ("", true) => {
                date_text("date", self.date.trim(), &mut problems).map(PeriodChoice::BookOn)
            }
            ("", false) => {
                problems.push(
                    "booking",
                    "choose how to book the figures: spread each period over its days, or book \
                     them on one day",
                );
                None
            }
            (_, _) => {
                problems.push("booking", "expected spread or book_on");
                None
            }
        };
        let platform = match self.platform.trim().parse::<Platform>() {
            Ok(p) => Some(p),
            Err(e) => {
                problems.push("platform", e.to_string());
                None
            }
        };
        let mut figures = Vec::new();
        let inputs: Vec<(String, &str, &str, &str, &str, &str, &str)> = if self.periods.is_empty() {
            vec![(
                String::new(),
                self.from.as_str(),
                self.to.as_str(),
                self.spend.as_str(),
                self.impressions.as_str(),
                self.clicks.as_str(),
                self.conversions.as_str(),
            )]
        } else {
            self.periods
                .iter()
                .map(|p| {
                    (
                        format!("period-{}-", p.index),
                        p.from.as_str(),
                        p.to.as_str(),
                        p.spend.as_str(),
                        p.impressions.as_str(),
                        p.clicks.as_str(),
                        p.conversions.as_str(),
                    )
                })
                .collect()
        };
        for (prefix, from, to, spend, impressions, clicks, conversions) in inputs {
            let name = |f: &str| format!("{prefix}{f}");
            let period = match (from.trim(), to.trim()) {
                ("", _) | (_, "") => None,
                (a, b) => date_text(&name("from"), a, &mut problems).zip(date_text(
                    &name("to"),
                    b,
                    &mut problems,
                )),
            };
            let spend = given(spend)
                .and_then(|v| non_negative_decimal_text(&name("spend"), &v, &mut problems));
            let impressions = given(impressions)
                .and_then(|v| count_text(&name("impressions"), &v, &mut problems));
            let clicks = given(clicks).and_then(|v| count_text(&name("clicks"), &v, &mut problems));
            let conversions = given(conversions)
                .and_then(|v| non_negative_decimal_text(&name("conversions"), &v, &mut problems));
            let row = PeriodRow {
                period,
                spend: spend.unwrap_or_default(),
                impressions: impressions.unwrap_or_default(),
                clicks: clicks.unwrap_or_default(),
                conversions: conversions.unwrap_or_default(),
            };
            // The ranges every door applies (`spendlens_core::limits`), under their form fields.
            let check = DailyRow {
                spend: row.spend,
                impressions: row.impressions,
                clicks: row.clicks,
                conversions: row.conversions,
                ..DailyRow::empty(
                    period.map_or(NaiveDate::default(), |p| p.0),
                    Platform::CustomIntegration,
                    "",
                )
            };
            for p in check.problems().into_iter().filter(|p| p.field != "date") {
                problems.push(name(p.field), p.message);
            }
            figures.push(row);
        }
        let currency = Some(self.currency.trim().to_ascii_uppercase()).filter(|c| !c.is_empty());
        if let Some(Err(message)) = currency
            .as_deref()
            .map(|c| spendlens_app::metrics::check_currency(c, campaign_currency))
        {
            problems.push("currency", message);
        }
        let mut errors = FormErrors::default();
        for p in problems.0 {
            errors.push(&p.path, p.message);
        }
        let (Some(choice), Some(platform), true) = (choice, platform, errors.is_empty()) else {
            return Err(errors);
        };
        let rows = book_figures(
            &figures,
            choice,
            platform,
            &format!("pdf:{}", self.file.trim()),
            currency.as_deref(),
        )
        .map_err(|m| {
            let mut errors = FormErrors::default();
            errors.push("booking", m);
            errors
        })?;
        for p in rows.iter().flat_map(DailyRow::problems) {
            let field =
                if p.field == "date" && self.periods.is_empty() && choice != PeriodChoice::Spread {
                    "date".to_owned()
                } else if p.field == "date" {
                    "booking".to_owned()
                } else {
                    p.field.to_string()
                };
            errors.push(&field, p.message);
        }
        if errors.is_empty() {
            Ok(rows)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_pdf_form_reads_as_a_metrics_row_with_the_apis_messages() {
        let form = PdfForm::from_pairs(pairs(&[
            ("file", "report.pdf"),
            ("date", "5 Nov"),
            ("platform", "custom_integration"),
            ("spend", "-1"),
            ("clicks", "many"),
            ("currency", "eur"),
        ]));
        let errors = form.rows("USD").err().unwrap_or_default();
        let lines: Vec<String> = errors
            .0
            .iter()
            .map(|p| format!("{}: {}", p.field, p.message))
            .collect();
        assert_eq!(
            lines,
            [
                "date: expected a date YYYY-MM-DD, got \"5 Nov\"",
                "spend: expected a non-negative decimal, got \"-1\"",
                "clicks: expected a non-negative integer, got \"many\"",
                "currency: EUR differs from the campaign currency USD; convert before posting",
            ]
        );
        let good = PdfForm {
            date: "2026-11-05".into(),
            spend: "1,200.50".into(),
            clicks: "700".into(),
            currency: String::new(),
            ..form
        };
        let rows = good.rows("USD").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (
                rows.len(),
                rows[0].spend.to_string(),
                rows[0].clicks,
                rows[0].external_campaign_id.as_str()
            ),
            (1, "1200.50".to_owned(), 700, "pdf:report.pdf")
        );
    }

    #[test]
    fn figures_per_period_are_spread_or_refused_without_a_choice() {
        let fields = [
            ("file", "weekly.pdf"),
            ("platform", "custom_integration"),
            ("period-1-from", "2026-11-09"),
            ("period-1-to", "2026-11-15"),
            ("period-1-spend", "70.07"),
            ("period-1-clicks", "8"),
            ("period-0-from", "2026-11-02"),
            ("period-0-to", "2026-11-08"),
            ("period-0-spend", "100.00"),
            ("period-0-clicks", "15"),
        ];
        let form = PdfForm::from_pairs(pairs(&fields));
        assert_eq!(form.periods.len(), 2);
        let errors = form.rows("USD").err().unwrap_or_default();
        assert!(errors.has("booking"), "{errors:?}");
        let mut spread = pairs(&fields);
        spread.push(("booking".into(), "spread".into()));
        let rows = PdfForm::from_pairs(spread)
            .rows("USD")
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(rows.len(), 14);
        assert_eq!(
            rows.iter().map(|r| r.spend).sum::<Decimal>(),
            Decimal::new(17007, 2)
        );
        assert_eq!(rows.iter().map(|r| r.clicks).sum::<u64>(), 23);
        let mut bad = pairs(&fields);
        bad.push(("booking".into(), "spread".into()));
        bad.push(("period-1-clicks".into(), "1.5".into()));
        let errors = PdfForm::from_pairs(bad)
            .rows("USD")
            .err()
            .unwrap_or_default();
        assert!(errors.has("period-1-clicks"), "{errors:?}");
    }
}
