//! spendlens-testkit: what the integration-test binaries share so that `cargo test --workspace`
//! passes on a machine with only the Rust toolchain, and proves everything under CI.
//!
//! A test that needs something from outside Rust (a PDF rasteriser, a browser, a PostgreSQL
//! server) asks [`tools`] first. Present, the test runs; absent, it writes one line
//! `skipped: <test> (no <tool>)` straight to stderr (libtest captures `print!` and `eprint!`,
//! not writes to the stderr handle, so the line shows in every run) and returns; under CI (`CI`
//! set) an absence is a failure instead, so a CI run can never pass by skipping. Checks that a
//! Rust crate can do need nothing installed: [`pdf`] reads a PDF's text with pdf-extract rather
//! than poppler, and [`agency_pdf`] writes report PDFs laid out as agencies write them. [`database`] gives each test its own database and removes it when the test
//! ends, passed or failed.
//!
//! A dev-dependency only: no product crate depends on it, and it knows nothing of spendlens'
//! types, so every crate's tests can use it.
#![forbid(unsafe_code)]

pub mod agency_pdf;
pub mod database;
pub mod fuzz;
pub mod hostile;
pub mod pdf;
pub mod tools;

pub use database::TestDatabase;
pub use tools::{ci, tool, tools};
