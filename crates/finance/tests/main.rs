//! Integration tests of the finance domain, through the public API only: hand-computed ROI,
//! payback and confidence cases end to end, the financial report over two currencies, the CSV
//! import, named channels' spend, and the invariants as properties.

mod channels;
mod properties;
mod reconcile;
mod report;
mod roi;
mod shown_totals;
mod support;
