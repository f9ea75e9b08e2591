//! The one integration-test binary of spendlens-report: a sample financial report (tests/report/
//! support.rs, shared with the benchmark) rendered to every format and read back: CSV byte for
//! byte against a golden file, XLSX through calamine, PDF text through pdf-extract and its pages
//! through poppler's pdftoppm; and properties that no input panics.

mod report {
    pub mod finance;
    pub mod support;

    mod charts;
    mod csv;
    mod mmm;
    mod pdf;
    mod print;
    mod props;
    mod xlsx;
}
