//! spendlens-optimize: the budget optimisation engine. Given a response curve per channel (a Hill
//! curve, or the mean over posterior/bootstrap draws of Hill curves) it splits a budget to
//! maximise the expected total response, exactly for concave curves and with a proven optimality
//! gap for S-shaped ones; it fits those curves from a campaign's daily history (adstock, Hill by
//! Levenberg–Marquardt, bootstrap draws, seasonality, CAC and LTV) and turns the answer into the
//! plan the product shows (allocation, expected improvement with an interval, risks, a rollout).
//!
//! Architecture invariant: this crate is pure. It never touches the file system, the network, a
//! clock or a database, never panics on any input (every input error is an [`OptimizeError`]
//! naming the field, such as `channels[2].max_spend`), and keeps its domain types free of serde:
//! the JSON wire format of `spendlens optimize` lives in [`codec`] only. The maths is `f64`;
//! money leaves as `rust_decimal::Decimal` cents that add up exactly to the budget.
//!
//! Start reading at [`optimize`] and the module documentation of [`solve`] (the algorithm and its
//! certificate), then [`curve`] (the envelope), [`mod@fit`] (curves from history) and [`mod@plan`].
#![forbid(unsafe_code)]

pub mod allocate;
pub mod codec;
pub mod curve;
pub mod error;
pub mod fit;
pub mod plan;
pub mod problem;
pub mod rounding;
pub mod solve;

pub use allocate::{
    Allocation, Bound, Solution, Status, min_budget, optimize, optimize_with, spend_to_marginal,
    target_roas,
};
pub use curve::{Hill, ResponseCurve};
pub use error::{Issue, OptimizeError};
pub use fit::{Day, FitOptions, FittedModel, History, Objective, Seasonality, fit};
pub use plan::{BudgetPlan, PlanRequest, plan};
pub use problem::{Channel, Group, Problem};
pub use rounding::{round_to_total, to_cents};
pub use solve::SolverOptions;
