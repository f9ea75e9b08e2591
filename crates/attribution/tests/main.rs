//! The one integration-test binary of spendlens-attribution: golden vectors, invariants (proptest),
//! touchpoint edge cases, the formats people have (path files, event logs), and the generator.

mod common;
mod formats;
mod generated;
mod golden;
mod properties;
mod touchpoints;
