//! spendlens-ingest turns the files users upload into [`spendlens_core::DailyRow`]s: spendlens'
//! canonical CSV (streamed, for files of millions of rows), LinkedIn, Meta and Google Ads CSV
//! exports (with their preambles, `Total` rows, UTF-16 tab variants and ` --` cells), XLSX
//! workbooks, Google Sheets tabs given as cell strings, and agency PDF reports (as a preview to be
//! confirmed, never rows directly: their labelled values and metric tables, one number format per
//! document, figures per period booked as the user chooses with [`book_figures`]).
//!
//! It must never do I/O of its own (no paths, network, clock or database: it reads the byte slice or
//! `Read` it is given), never panic on any input (every parser is fuzzed with arbitrary bytes), never
//! return half a file (one bad row rejects the file, with every problem's file, row and column), and
//! never pass money through `f64`.
//!
//! Nothing an upload says is taken at its word before it is expanded: [`limits`] holds the bounds
//! every reader checks first (columns, record length, cells, a workbook's uncompressed parts, a
//! PDF's pages and decoded streams), so one parse stays within a fixed memory budget whatever the
//! input.
//!
//! Reports whose rows each cover a period (no day column, Meta `Reporting starts` ≠ `Reporting
//! ends`, LinkedIn without a daily breakdown) are never booked on one day silently: see
//! [`PeriodChoice`] (`table/period.rs`); rows below the campaign (ad sets, ads, breakdowns) are
//! summed per day and campaign (`table/detail.rs`).
//!
//! Start reading at [`detect()`] and [`import()`] (in `detect.rs`), then the table engine in
//! `table/` that every tabular format shares; `canonical.rs` is the strict streaming parser and
//! `pdf/` the report preview. [`summary()`] and [`reconcile_currency`] are what the dry-run
//! preview and the import confirmation call.
#![forbid(unsafe_code)]

mod canonical;
mod channels;
mod currency;
mod date;
mod detect;
mod error;
mod exports;
mod grid;
pub mod limits;
mod mapping;
mod model;
mod number;
mod pdf;
mod summary;
mod table;
mod text;
mod workbook;

pub use canonical::{
    CANONICAL_COLUMNS, DEFAULT_BATCH, StreamError, StreamOutcome, parse_canonical, stream_canonical,
};
pub use channels::{ChannelFile, is_channel_file, parse_channel_file};
pub use currency::{Converter, reconcile_currency};
pub use date::{DateOrder, earliest_date, latest_date};
pub use detect::{Imported, detect, import};
pub use error::{
    ColumnRef, Diagnostic, DiagnosticKind, ImportError, MAX_DIAGNOSTICS, column_letter,
};
pub use exports::{parse_google_ads, parse_linkedin, parse_meta, parse_spreadsheet_csv};
pub use grid::{Grid, GridRow, read_grid};
pub use mapping::{FileColumn, FileColumns, UnknownField, file_columns};
pub use model::{
    ColumnMapping, DEFAULT_MAX_BYTES, Field, ImportOptions, ParsedFile, PeriodChoice, RowTotals,
    SkippedRow, Source, UnknownSource,
};
pub use number::column_amounts;
pub use pdf::{
    Conflict, FoundValue, LocaleBasis, LocaleNote, MAX_BOOKED_DAYS, NumberLocale, PdfMetric,
    PdfPreview, PdfTable, PeriodFigures, PeriodRow, RowKind, TableCell, TableLayout, TableRow,
    TotalCheck, UnknownLocale, book_figures, extract_text, preview_pdf, preview_text,
};
pub use summary::{Summary, SummaryBuilder, Totals, summary};
pub use workbook::{parse_sheet_values, parse_workbook};
