//! The one integration-test binary of spendlens-ingest: every format imported from realistic
//! sample files (tests/fixtures, written by tests/fixtures/generate.py), corrupt inputs, and
//! fuzz-style properties that no input panics.

mod ingest {
    pub mod support;

    mod canonical;
    mod corrupt;
    mod detect;
    mod exports;
    mod fuzz;
    mod hostile;
    mod mapping;
    mod pdf;
    mod pdf_layouts;
    mod real;
    mod roundtrip;
    mod sheets;
    mod workbook;
}
