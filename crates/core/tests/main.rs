//! Integration tests of the analysis: every threshold on both sides, the day counting, and the
//! invariants as properties.

mod boundaries;
mod pacing;
mod properties;
mod support;
mod verdicts;
