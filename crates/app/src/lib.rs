//! spendlens-app: the use cases both the CLI and the web layer call.
//!
//! [`analysis::analyze_campaign`] turns a stored campaign into its Budget & Financial Analysis
//! (aggregates from the store, the snapshot of the comparison period, the pure analysis of
//! `spendlens-core`). [`snapshots`] writes one snapshot per campaign per closed day and catches up
//! missed days; [`scheduler`] runs it periodically. Every write is one typed command taking a
//! [`Context`] (store, clock, alert sender): [`imports`], [`metrics`], [`campaigns`],
//! [`touchpoints`], [`finance::ledger`], [`finance::settings`]; the API, the pages and the CLI
//! decode their input into these commands and never write around them. [`accounts`] holds
//! registration, sign-in, sessions and API tokens with their rules (password hashing, the
//! sign-in rate limit). "Now" comes from a [`Clock`], taken once per request, tick or command,
//! never inside the domain. A PDF's text is extracted in a child process under memory and time
//! limits when the binary says so ([`isolation`]). [`portfolio`] gathers every campaign of an
//! organisation with blended totals in one currency through its exchange rates. [`sharing`]
//! makes and opens read-only share links of a campaign's analysis; [`delivery`] schedules the
//! financial report, campaign summaries and budget alerts by e-mail, Slack or webhook and sends
//! each due slot once across instances.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod analysis;
pub mod attribution;
pub mod audit;
pub mod campaigns;
pub mod channels;
pub mod clock;
pub mod connections;
pub mod context;
pub mod delivery;
pub mod demo;
pub mod finance;
pub mod imports;
pub mod isolation;
pub mod labels;
pub mod mappings;
pub mod members;
pub mod metrics;
pub mod mmm;
pub mod optimization;
pub mod portfolio;
pub mod revenue_basis;
pub mod scheduler;
pub mod sharing;
pub mod snapshots;
pub mod sources;
pub mod touchpoints;

pub use clock::{Clock, FixedClock, SystemClock, is_known_zone, today_in};
pub use context::Context;

/// What a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The campaign does not exist in the caller's organisation.
    #[error("campaign not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] spendlens_store::StoreError),
    /// A request the use case cannot serve, with the field (query parameter, JSON path) at fault.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A command broke the rules of several fields, each named (its JSON path or form field).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Fields(Vec<Problem>),
    /// The record changed under the command too often to apply it (others editing it at the
    /// same moment); nothing was written and the command may be sent again.
    #[error("{0}")]
    Conflict(String),
    /// Attribution failed on the stored data (input problems or a numerical failure).
    #[error(transparent)]
    Attribution(#[from] spendlens_attribution::Error),
    /// The optimisation refused its input (infeasible bounds, curves that cannot be fitted).
    #[error(transparent)]
    Optimize(#[from] spendlens_optimize::OptimizeError),
}

/// The domain's field problems (a campaign's fields, its settings), in their order.
impl From<Vec<spendlens_core::campaign::FieldError>> for AppError {
    fn from(errors: Vec<spendlens_core::campaign::FieldError>) -> Self {
        AppError::Fields(errors.into_iter().map(Problem::from).collect())
    }
}

impl AppError {
    /// A problem with one field of the request.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// A problem with one field of a command: a JSON key or form field (`cost_of_capital`), an
/// element of a list (`rates[2].to`, `groups[0].channels[1]`), or `file` for a file's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

impl Problem {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<spendlens_core::campaign::FieldError> for Problem {
    fn from(e: spendlens_core::campaign::FieldError) -> Self {
        Problem::new(e.field, e.message)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}
