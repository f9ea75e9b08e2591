//! End-to-end tests of the `spendlens` binary (real process, real files, exit codes), and the
//! check that ARCHITECTURE.md's crate graph is the workspace's.

mod analyze;
mod architecture;
mod attribute;
mod demo;
mod doctor;
mod finance;
mod fuzz;
mod hygiene;
mod import;
mod mmm;
mod mmm_ceiling;
mod mmm_public;
mod mmm_tables;
mod optimize;
mod outbox;
mod sync;
