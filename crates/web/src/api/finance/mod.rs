//! Finance (issue 6): the cost ledger (campaign costs and organisation overhead), the people
//! assigned to a campaign, the organisation's finance settings, a campaign's ROI and budget
//! consumption, the alerts, and the financial report download.
//!
//! [`decode`] reads request bodies into `spendlens_app::finance`'s typed commands (an
//! `EntryDraft`, a `SettingsPatch`, a `FactsPatch`), calling the app's field rules where each
//! field is read; the handlers ([`ledger`], [`settings`], [`reports`]) run the commands and
//! answer with [`encode`]'s views. Every route resolves the campaign or entry through the
//! caller's organisation (another organisation's id is a 404), and every validation error names
//! its field (JSON key, or `file` with line and column for a CSV).

pub mod basis;
pub mod decode;
pub mod encode;
pub mod ledger;
pub mod reports;
pub mod settings;

use spendlens_app::finance::FinanceAppError;
use spendlens_finance::FinanceError;

use crate::error::{ApiError, FieldProblem};

/// Largest ledger CSV accepted.
pub const MAX_LEDGER_BYTES: usize = 8 * 1024 * 1024;

impl From<FinanceAppError> for ApiError {
    fn from(e: FinanceAppError) -> Self {
        match e {
            FinanceAppError::NotFound(what) => ApiError::NotFound(what),
            FinanceAppError::Store(s) => s.into(),
            FinanceAppError::Finance(f) => finance_error(f),
            FinanceAppError::Invalid { field, message } => ApiError::field(field, message),
            FinanceAppError::Fields(problems) => ApiError::Validation(
                problems
                    .into_iter()
                    .map(|p| FieldProblem::new(p.field, p.message))
                    .collect(),
            ),
            FinanceAppError::Conflict(m) => ApiError::Conflict(m),
            FinanceAppError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

/// The finance domain's refusals on the wire: entry and settings fields by name, a ledger CSV's
/// problems under `file`, a missing rate under `rates`, a bad period under `from`.
fn finance_error(e: FinanceError) -> ApiError {
    match e {
        FinanceError::InvalidEntry { errors, .. }
        | FinanceError::InvalidSettings { errors }
        | FinanceError::InvalidRates { errors } => errors.into(),
        FinanceError::Import { problems } => ApiError::Validation(
            problems
                .iter()
                .map(|p| FieldProblem::new("file", p.to_string()))
                .collect(),
        ),
        FinanceError::MissingRate { .. } => ApiError::field("rates", e.to_string()),
        FinanceError::InvalidPeriod(m) => ApiError::field("from", m),
        other => ApiError::BadRequest(other.to_string()),
    }
}
