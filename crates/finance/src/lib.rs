//! spendlens-finance: the finance domain of spendlens. It keeps a cost ledger per campaign (media
//! spend beyond what the platforms report, creative production, platform fees, and organisation
//! overhead spread over the campaigns active in its period), computes each campaign's ROI on the
//! full investment (campaign costs + allocated overhead + the opportunity cost of the money
//! committed) with its payback period and a reproducible bootstrap confidence level, raises budget
//! alerts once each, and builds the financial report of an organisation for a period. A
//! campaign's named channels (TV, radio...; `spendlens_core::channel`) are media cost of a line
//! of their own, never mixed into the ad platforms' figures.
//!
//! Architecture invariant: this crate is pure. It never reads a file, the network, a database or
//! the clock ("today" is always a parameter), never panics on any input (every problem is a
//! [`FinanceError`] that names the field, the row or the missing exchange rate), and never uses a
//! float for money: amounts are `rust_decimal::Decimal`, overhead and per-day spreads are split
//! in whole cents that add up exactly (largest remainder, see [`cents`]), and rounding to 2
//! decimals happens once, at output. Domain types carry no serde; the JSON wire form lives in
//! [`encode`] only. Rendering (CSV, XLSX, PDF), storage and the HTTP API are other crates' work.
//!
//! Start reading at [`roi::calculate_campaign_roi`] (the seed's `calculateCampaignROI`), then
//! [`ledger`] (the cost attribution schema), [`overhead`] (how overhead is spread),
//! [`budget::track_budget_consumption`] and [`report::generate_financial_report`].
#![forbid(unsafe_code)]

pub mod books;
pub mod budget;
pub mod cents;
pub mod confidence;
pub mod encode;
pub mod error;
pub mod fx;
pub mod import;
pub mod ledger;
pub mod overhead;
pub mod payback;
pub mod period;
pub mod rates_file;
pub mod reconcile;
pub mod report;
pub mod roi;
mod timeline;

pub use books::{CampaignBook, DailyRevenue, FinanceSettings, OrgBooks, RevenueSeries};
pub use budget::{
    AlertKind, AlertState, BudgetAlert, BudgetConsumption, BudgetStatus, track_budget_consumption,
};
pub use confidence::{Confidence, ConfidenceLevel};
pub use error::{CsvProblem, FinanceError};
pub use fx::{FxRate, RateUsed, RatesTable};
pub use import::{ImportedEntry, parse_ledger_csv, parse_ledger_file};
pub use ledger::{
    AttributionMethod, CostCategory, CreativeProduction, EntryDraft, LedgerEntry, MediaSpend,
    OperationalOverhead, OverheadMethod, PlatformFee,
};
pub use overhead::{
    Activity, OverheadAllocation, OverheadShare, UnallocatedReason, allocate_overhead,
};
pub use payback::Payback;
pub use period::Period;
pub use rates_file::{RatesFile, parse_rates_file};
pub use reconcile::{PlatformStep, Reconciliation, reconcile};
pub use report::{
    CampaignPart, CampaignReport, ChannelReport, FinancialReport, PlatformReport, ReportPlan,
    ReportRequest, ReportSums, ReportTotals, UnallocatedOverhead, generate_financial_report,
};
pub use roi::{CampaignRoi, CostBreakdown, calculate_campaign_roi};
