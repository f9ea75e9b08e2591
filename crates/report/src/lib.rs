//! spendlens-report renders what spendlens shows and exports: SVG charts (with text alternatives)
//! for the web UI and the PDF, and a report document model written out as CSV, XLSX and PDF bytes.
//!
//! It must never do I/O (no files, network, clock or database: bytes in, bytes out; fonts are
//! embedded, dates come from the model), never panic on any input, and never compute finance:
//! every number arrives in the model or the chart inputs, exact (`Decimal`), and is only rounded,
//! formatted or turned into a drawing coordinate here. Money becomes `f64` in exactly two places:
//! chart coordinates and XLSX number cells.
//!
//! Start reading at [`chart`] (the four charts of the Budget & Financial Analysis), then
//! [`model`] (the report document), then the writers [`csv::render_csv`], [`xlsx::render_xlsx`]
//! and [`pdf::render_pdf`].
#![forbid(unsafe_code)]

pub mod chart;
pub mod csv;
pub mod currency;
mod error;
pub mod model;
pub mod pdf;
pub mod xlsx;

pub use chart::Chart;
pub use csv::render_csv;
pub use error::ReportError;
pub use model::{Cell, CurrencyNote, ExchangeRate, Period, Report, Section, Table};
pub use pdf::render_pdf;
pub use xlsx::render_xlsx;
