//! End-to-end tests of the `spendlens` binary: real process, real files, exit codes.

mod analyze;
mod finance;
mod import;
mod sync;
