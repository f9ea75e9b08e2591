//! The one error type of the crate.
//!
//! Every variant says *where* the problem is (a field, a CSV row and column, a ledger entry, a
//! currency pair), because the people who fix these problems are finance users looking at a
//! spreadsheet, not developers reading a backtrace.

use std::fmt;

use chrono::NaiveDate;
use spendlens_core::campaign::{CampaignId, FieldError};

/// One problem found while importing a ledger CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvProblem {
    /// The line of the file the record starts on (the header is line 1).
    pub line: u64,
    /// The column, as the header names it; `None` for problems with the whole row.
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "line {}, column {column}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Joins field errors as `field: message; field: message`.
fn list_fields(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Joins CSV problems, at most five of them, with the count of the rest.
fn list_problems(list: &[CsvProblem]) -> String {
    let shown: Vec<String> = list.iter().take(5).map(ToString::to_string).collect();
    let mut text = shown.join("; ");
    if list.len() > 5 {
        text.push_str(&format!(" (and {} more)", list.len() - 5));
    }
    text
}

/// Everything that can go wrong in the finance domain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FinanceError {
    /// A ledger entry (from a form, an API call or a stored row) breaks a rule.
    #[error("ledger entry {index}: {}", list_fields(.errors))]
    InvalidEntry {
        /// Its position in the list it came in.
        index: usize,
        errors: Vec<FieldError>,
    },
    /// A ledger CSV could not be imported; nothing was imported.
    #[error("the ledger CSV has problems: {}", list_problems(.problems))]
    Import { problems: Vec<CsvProblem> },
    /// The settings of the computation break a rule.
    #[error("invalid finance settings: {}", list_fields(.errors))]
    InvalidSettings { errors: Vec<FieldError> },
    /// The exchange-rates table breaks a rule.
    #[error("invalid exchange rates: {}", list_fields(.errors))]
    InvalidRates { errors: Vec<FieldError> },
    /// An amount had to be converted and the rates table has neither `from → to` nor `to → from`.
    #[error("missing exchange rate {from} → {to}: add it (or {to} → {from}) to the rates table")]
    MissingRate { from: String, to: String },
    /// A ledger entry is charged to a campaign the organisation's books do not hold.
    #[error(
        "ledger entry {index} names campaign {campaign_id}, which is not one of the organisation's campaigns"
    )]
    UnknownCampaign {
        index: usize,
        campaign_id: CampaignId,
    },
    /// Two campaigns of the books share an id: their costs and overhead would be mixed up.
    #[error("campaign {0} appears twice in the organisation's books")]
    DuplicateCampaign(CampaignId),
    /// The campaign asked for is not in the books.
    #[error("campaign {0} is not one of the organisation's campaigns")]
    CampaignNotFound(CampaignId),
    /// A platform reported a day in another currency than the campaign's: the amounts cannot be
    /// added without a conversion the platform should have made.
    #[error(
        "campaign {campaign_id}: the {platform} row of {date} is in {row_currency}, the campaign is in {campaign_currency}"
    )]
    RowCurrency {
        campaign_id: CampaignId,
        platform: &'static str,
        date: NaiveDate,
        row_currency: String,
        campaign_currency: String,
    },
    /// A named channel's day is stored in another currency than the campaign's (the campaign's
    /// currency changed after the import): the spend cannot be added without a conversion.
    #[error(
        "campaign {campaign_id}: the {channel} day of {date} is in {day_currency}, the campaign is in {campaign_currency}"
    )]
    ChannelCurrency {
        campaign_id: CampaignId,
        channel: String,
        date: NaiveDate,
        day_currency: String,
        campaign_currency: String,
    },
    /// A period (of a report or an ROI) is invalid.
    #[error("invalid period: {0}")]
    InvalidPeriod(String),
}
