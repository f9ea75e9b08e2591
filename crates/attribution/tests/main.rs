//! The one integration-test binary of spendlens-attribution: golden vectors, invariants (proptest),
//! touchpoint edge cases, and the generator.

mod common;
mod generated;
mod golden;
mod properties;
mod touchpoints;
