//! The integration tests of spendlens-optimize: one binary, one module per feature.
//!
//! `reference` is a deliberately slow, independent solver (plain nested bisection on the textbook
//! Hill formulas, a dynamic programme on a grid for S-shaped curves) that the production solver is
//! checked against; it shares no code with the crate.

mod golden;
mod plan;
mod properties;
mod reference;
mod robustness;
mod solver;
