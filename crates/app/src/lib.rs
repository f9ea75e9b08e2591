//! spendlens-app: the use cases both the CLI and the web layer call.
//!
//! [`analysis::analyze_campaign`] turns a stored campaign into its Budget & Financial Analysis
//! (aggregates from the store, the snapshot of the comparison period, the pure analysis of
//! `spendlens-core`). [`snapshots`] writes one snapshot per campaign per closed day and catches up
//! missed days; [`scheduler`] runs it periodically. "Now" comes from a [`Clock`], taken once per
//! request or tick, never inside the domain.
#![forbid(unsafe_code)]

pub mod analysis;
pub mod clock;
pub mod demo;
pub mod scheduler;
pub mod snapshots;

pub use clock::{Clock, FixedClock, SystemClock, is_known_zone, today_in};

/// What a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The campaign does not exist in the caller's organisation.
    #[error("campaign not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] spendlens_store::StoreError),
}
