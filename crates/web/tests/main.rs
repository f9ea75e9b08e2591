//! The API through real HTTP: a server on an ephemeral port per test, over a fresh SQLite file
//! and, when `SPENDLENS_TEST_POSTGRES_URL` names a server (CI starts one), a fresh PostgreSQL
//! database too.

mod access;
mod analysis;
mod analysis_window;
mod attribution;
mod auth;
mod browser;
mod campaigns;
mod channel_reports;
mod channels;
mod concurrency;
mod connection_health;
mod connections;
mod dates;
mod exposure;
mod finance;
mod golden;
mod imports;
mod isolation;
mod ledger_import;
mod mappings;
mod members;
mod metrics;
mod mmm;
mod names;
mod optimization;
mod outbound;
mod pages;
mod pages_finance;
mod pages_more;
mod pdf_reports;
mod portfolio;
mod rates;
mod reconcile;
mod registration;
mod snapshots;
mod sums;
mod support;
mod sweep;
mod tokens;
mod uploads;
mod verdicts;
