//! spendlens-attribution: multi-touch attribution of conversions to ad channels.
//!
//! It reads touchpoint rows, event logs or aggregated paths from any [`std::io::Read`], folds them as they stream
//! into a table of distinct paths (memory grows with distinct paths, not rows), and runs the
//! rule-based models, time decay, exact Markov-chain removal effects (orders 1–4, or chosen by
//! held-out likelihood) and the exact Shapley value of the coverage game, as
//! `docs/attribution-contract.md` specifies for `spendlens attribute`.
//!
//! Architecture invariant: this crate never opens a file, a socket or a database, never reads the
//! clock, and never panics on input (bad input is an [`Error::Invalid`] naming line and column). The
//! model types carry no serde; only [`codec`] knows the JSON wire format. Money stays
//! [`rust_decimal::Decimal`] and is rounded to cents once, in [`money`], at output.
//!
//! Start reading at [`read::read`] (input to [`Dataset`]) and [`model::attribute`] (data set to
//! results); each model is one module ([`heuristic`], [`time_decay`], [`markov`], [`shapley`]).
#![forbid(unsafe_code)]

pub mod channel;
pub mod codec;
mod columns;
pub mod credit;
pub mod error;
mod eventlog;
pub mod generate;
pub mod heuristic;
pub mod journey;
pub mod markov;
pub mod model;
pub mod money;
pub mod path;
pub mod read;
pub mod records;
pub mod rows;
pub mod shapley;
pub mod solve;
pub mod time_decay;
pub mod timestamp;

pub use channel::{ChannelId, Channels};
pub use credit::{Attribution, ChannelCredit, Credit, MarkovSummary, OrderScore, Transition};
pub use error::{Error, Problem};
pub use model::{MAX_MARKOV_CHANNELS, MarkovOrder, Model, Request, attribute};
pub use path::{PathStats, PathTable};
pub use read::{Dataset, InputFormat, ReadOptions, detect_format, read};
pub use rows::{
    ColumnRef, PATHS_HAVE_NO_DATES, TouchpointEvent, TouchpointFile, TouchpointRow,
    dataset_from_rows, read_touchpoint_rows,
};
pub use timestamp::Timestamp;
