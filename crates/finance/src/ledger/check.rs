//! The field rules every ledger entry meets, written once for both ways an entry is checked:
//! parsing a draft ([`super::EntryDraft::parse`]) and validating an entry built in code or read
//! from storage ([`super::LedgerEntry::validate`]). Every problem names its field.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::campaign::{FieldError, MAX_MONEY};

use crate::period::Period;

use super::CostCategory;

/// Collects field errors.
#[derive(Default)]
pub(super) struct Errors(pub(super) Vec<FieldError>);

impl Errors {
    pub(super) fn push(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldError {
            field,
            message: message.into(),
        });
    }

    pub(super) fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }

    pub(super) fn money(&mut self, field: &'static str, value: Decimal) {
        if value.is_sign_negative() && !value.is_zero() {
            self.push(field, "must not be negative");
        } else if value > MAX_MONEY {
            self.push(field, "is too large (at most 1000000000000)");
        } else if value.normalize().scale() > 2 {
            self.push(field, "must have at most 2 decimals");
        }
    }

    pub(super) fn currency(&mut self, field: &'static str, code: &str) {
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            self.push(field, "must be a 3-letter ISO 4217 code such as USD");
        } else if !spendlens_core::currency::is_iso_4217(code) {
            self.push(
                field,
                "is not an ISO 4217 currency code (such as USD, EUR, GBP)",
            );
        }
    }

    pub(super) fn campaign_id(&mut self, id: &str) {
        if id.trim().is_empty() {
            self.push("campaign_id", "is required for this category");
        } else if id.chars().count() > 200 {
            self.push("campaign_id", "must be at most 200 characters");
        }
    }

    pub(super) fn platform(&mut self, platform: &str) {
        if platform.trim().is_empty() {
            self.push("platform", "is required for platform_fees");
        } else if platform.chars().count() > 100 {
            self.push("platform", "must be at most 100 characters");
        }
    }

    /// A name a person typed keeps the rule of every typed name (`spendlens_core::text`: no
    /// control or invisible formatting character). Checked when an entry is given, not when a
    /// stored one is validated, so that entries stored before the rule still read.
    pub(super) fn typed_name(&mut self, field: &'static str, text: &str) {
        if let Err(message) = spendlens_core::text::check_name(text) {
            self.push(field, message);
        }
    }

    /// Reads a required or optional text field: `None` when blank.
    pub(super) fn text<'a>(&mut self, value: &'a Option<String>) -> Option<&'a str> {
        value.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }

    pub(super) fn required<'a>(
        &mut self,
        field: &'static str,
        value: &'a Option<String>,
        category: CostCategory,
    ) -> Option<&'a str> {
        let text = self.text(value);
        if text.is_none() {
            self.push(field, format!("is required for {}", category.as_str()));
        }
        text
    }

    pub(super) fn parse_money(&mut self, field: &'static str, text: &str) -> Option<Decimal> {
        match text.parse::<Decimal>() {
            Ok(value) if is_plain_decimal(text) => {
                let before = self.0.len();
                self.money(field, value);
                (self.0.len() == before).then_some(value)
            }
            _ => {
                self.push(
                    field,
                    format!("\"{text}\" is not an amount (expected digits with an optional . and up to 2 decimals)"),
                );
                None
            }
        }
    }

    pub(super) fn parse_date(&mut self, field: &'static str, text: &str) -> Option<NaiveDate> {
        let Some(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok() else {
            self.push(
                field,
                format!("\"{text}\" is not a date (expected YYYY-MM-DD)"),
            );
            return None;
        };
        // The days every stored row keeps to: an entry outside them is a typo, and would stretch
        // the campaign's whole-campaign window past any period a report can cover.
        if let Err(message) = spendlens_core::limits::check_date(date) {
            self.push(field, message);
            return None;
        }
        Some(date)
    }

    pub(super) fn parse_period(&mut self, field: &'static str, text: &str) -> Option<Period> {
        match Period::parse(text) {
            Ok(p) => match spendlens_core::limits::check_date(p.start())
                .and_then(|()| spendlens_core::limits::check_date(p.end()))
            {
                Ok(()) => Some(p),
                Err(message) => {
                    self.push(field, message);
                    None
                }
            },
            Err(message) => {
                self.push(field, message);
                None
            }
        }
    }

    pub(super) fn parse_code<T: Copy>(
        &mut self,
        field: &'static str,
        text: &str,
        parse: fn(&str) -> Option<T>,
        all: &[&str],
    ) -> Option<T> {
        let value = parse(text);
        if value.is_none() {
            self.push(
                field,
                format!("\"{text}\" is not one of {}", all.join(", ")),
            );
        }
        value
    }
}

/// `123`, `-4.5`, `0.25`: digits with an optional sign and decimal point. `Decimal`'s own parser
/// also takes `1e3` and `1_000`, which in a ledger are far more likely typos than intent.
fn is_plain_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, frac) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    !whole.is_empty()
        && !frac.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}
