//! The values a parse hands back: which source a file is, the rows, the rows left out and why, and
//! the options a caller can set when detection is unsure.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::{DailyRow, Platform};

use crate::date::DateOrder;

/// The kinds of file spendlens imports. Detected by [`crate::detect`]; a user can name one
/// explicitly (`--source`) when detection guesses wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// spendlens' own CSV: `date,platform,campaign,spend,impressions,engagements,clicks,
    /// conversions,conversion_value,revenue[,currency]` in any order.
    Canonical,
    /// LinkedIn Campaign Manager "Campaign Performance Report" CSV.
    LinkedIn,
    /// Meta Ads Manager CSV export.
    Meta,
    /// Google Ads UI report download (UTF-8 comma or the UTF-16LE tab "Excel CSV").
    GoogleAds,
    /// Any other CSV with recognisable headers (a sheet saved as CSV).
    SpreadsheetCsv,
    /// An XLSX (or XLS/ODS) workbook.
    Workbook,
    /// A PDF report: gives a preview for a user to confirm, never rows directly.
    Pdf,
}

impl Source {
    /// Every source: the one list `--help`, the CLI's parser and its error, the API's error and
    /// the upload page's choice are all made from (one name per source, [`Source::as_str`]).
    pub const ALL: [Source; 7] = [
        Source::Canonical,
        Source::LinkedIn,
        Source::Meta,
        Source::GoogleAds,
        Source::SpreadsheetCsv,
        Source::Workbook,
        Source::Pdf,
    ];

    /// The identifier used by `--source`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Canonical => "canonical",
            Source::LinkedIn => "linkedin",
            Source::Meta => "meta",
            Source::GoogleAds => "google_ads",
            Source::SpreadsheetCsv => "spreadsheet_csv",
            Source::Workbook => "workbook",
            Source::Pdf => "pdf",
        }
    }

    /// What the source is, for people (the upload page's choice, `--help`).
    pub const fn label(self) -> &'static str {
        match self {
            Source::Canonical => "spendlens CSV",
            Source::LinkedIn => "LinkedIn Ads export",
            Source::Meta => "Meta Ads export",
            Source::GoogleAds => "Google Ads export",
            Source::SpreadsheetCsv => "Spreadsheet (CSV)",
            Source::Workbook => "Workbook (XLSX)",
            Source::Pdf => "PDF report",
        }
    }

    /// The names of [`Source::ALL`], comma separated, for messages.
    pub fn names() -> String {
        Source::ALL.map(Source::as_str).join(", ")
    }

    /// The platform a platform export belongs to (`None` for sources whose rows say it).
    pub const fn platform(self) -> Option<Platform> {
        match self {
            Source::LinkedIn => Some(Platform::LinkedIn),
            Source::Meta => Some(Platform::Meta),
            Source::GoogleAds => Some(Platform::GoogleAds),
            Source::Pdf => Some(Platform::CustomIntegration),
            Source::Canonical | Source::SpreadsheetCsv | Source::Workbook => None,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for an unknown `--source` value; it lists [`Source::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown source \"{0}\" (expected one of {names})", names = Source::names())]
pub struct UnknownSource(pub String);

impl FromStr for Source {
    type Err = UnknownSource;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Exactly the names of `ALL` (case aside): no name is accepted that the lists don't show.
        let t = s.trim().to_ascii_lowercase();
        Source::ALL
            .into_iter()
            .find(|src| src.as_str() == t)
            .ok_or_else(|| UnknownSource(s.to_owned()))
    }
}

/// A field of a daily row that a column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Date,
    Platform,
    /// The campaign's name.
    Campaign,
    /// The platform's campaign id; preferred over the name as the row's external id when present,
    /// because names change and ids match what the API connectors store.
    CampaignId,
    Spend,
    Impressions,
    Engagements,
    Clicks,
    Conversions,
    ConversionValue,
    Revenue,
    Currency,
}

impl Field {
    /// Every field.
    pub const ALL: [Field; 12] = [
        Field::Date,
        Field::Platform,
        Field::Campaign,
        Field::CampaignId,
        Field::Spend,
        Field::Impressions,
        Field::Engagements,
        Field::Clicks,
        Field::Conversions,
        Field::ConversionValue,
        Field::Revenue,
        Field::Currency,
    ];

    /// The canonical CSV column name (and the name used in messages).
    pub const fn as_str(self) -> &'static str {
        match self {
            Field::Date => "date",
            Field::Platform => "platform",
            Field::Campaign => "campaign",
            Field::CampaignId => "campaign_id",
            Field::Spend => "spend",
            Field::Impressions => "impressions",
            Field::Engagements => "engagements",
            Field::Clicks => "clicks",
            Field::Conversions => "conversions",
            Field::ConversionValue => "conversion_value",
            Field::Revenue => "revenue",
            Field::Currency => "currency",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which column holds which field, given by the user when header detection is unsure (two
/// candidate columns, or headers in a language spendlens does not know).
///
/// A column is named by its header text (case-insensitive) or by its spreadsheet letter (`"C"`).
/// Entries override detection for their field; other fields are still detected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMapping {
    pub(crate) entries: Vec<(Field, String)>,
}

impl ColumnMapping {
    /// An empty mapping: detect everything.
    pub fn new() -> Self {
        ColumnMapping::default()
    }

    /// Maps `field` to the column named `column` (header text or letter).
    pub fn with(mut self, field: Field, column: impl Into<String>) -> Self {
        self.entries.retain(|(f, _)| *f != field);
        self.entries.push((field, column.into()));
        self
    }

    /// Whether nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in the order given.
    pub fn entries(&self) -> &[(Field, String)] {
        &self.entries
    }
}

/// Settings for one import. The defaults detect everything.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Skip detection and parse as this source (the `--source` override).
    pub source: Option<Source>,
    /// Explicit columns for fields that detection cannot place.
    pub mapping: ColumnMapping,
    /// The workbook sheet to read; by default the first sheet with a recognisable header row.
    pub sheet: Option<String>,
    /// The platform of rows in a sheet without a platform column (default: [`Platform::Sheets`]).
    pub default_platform: Option<Platform>,
    /// How to read `06/07/2024` when no date in the file decides it.
    pub date_order: Option<DateOrder>,
    /// Inputs larger than this are refused before parsing (default 32 MiB). The streaming
    /// canonical parser has no size limit: its memory does not grow with the input.
    pub max_bytes: usize,
    /// What to do with rows that cover a period instead of one day (see [`PeriodChoice`]).
    pub period: PeriodChoice,
    /// The period of a file that states none (Google Ads "All time"), first and last day
    /// (`--from/--to`). A period the file states wins.
    pub period_range: Option<(NaiveDate, NaiveDate)>,
    /// How a PDF report writes its numbers (`--pdf-locale`); decided from the report's own
    /// numbers when `None`.
    pub pdf_locale: Option<crate::pdf::NumberLocale>,
}

/// What to do with a row that covers a period (a report without a day column, Meta rows whose
/// `Reporting starts` and `Reporting ends` differ, a LinkedIn report whose every row is dated at
/// the report's start). Booking such a row on one day silently makes pacing wrong by the whole
/// period, so the default refuses and the user chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeriodChoice {
    /// Refuse the file, naming the two ways forward.
    #[default]
    Refuse,
    /// Spread each row evenly over the days of its period (bounded by the campaign's own start
    /// date when the file has one), remainders distributed a cent (or one count) at a time so
    /// every sum equals the row exactly.
    Spread,
    /// Book each period row on this one day.
    BookOn(NaiveDate),
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            source: None,
            mapping: ColumnMapping::default(),
            sheet: None,
            default_platform: None,
            date_order: None,
            max_bytes: DEFAULT_MAX_BYTES,
            period: PeriodChoice::Refuse,
            period_range: None,
            pdf_locale: None,
        }
    }
}

/// The default input size limit: larger than any real platform export, small enough to parse in
/// memory on a 2-core server.
pub const DEFAULT_MAX_BYTES: usize = 32 * 1024 * 1024;

/// The figures of a totals row the file itself contains, kept so that a preview (and the tests) can
/// compare the imported rows with the file's own sums.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowTotals {
    pub spend: Option<Decimal>,
    pub impressions: Option<u64>,
    pub clicks: Option<u64>,
    pub conversions: Option<Decimal>,
    pub conversion_value: Option<Decimal>,
    pub revenue: Option<Decimal>,
}

/// A row that was deliberately left out, with the reason a user will read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// Spreadsheet row number (1-based, counting preamble lines).
    pub row: u64,
    pub reason: String,
    /// The row's label, e.g. `Total: Account`.
    pub label: String,
    /// For totals rows: the sums the file states.
    pub totals: Option<RowTotals>,
}

/// A successfully parsed file: every data row, and nothing from a file with any bad row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFile {
    /// The file name used in messages.
    pub file: String,
    pub source: Source,
    pub rows: Vec<DailyRow>,
    /// Totals rows and other rows left out on purpose.
    pub skipped: Vec<SkippedRow>,
    /// The currency of the money columns when the file states one currency for all rows (each row
    /// also carries its own in [`DailyRow::currency`]).
    pub currency: Option<String>,
    /// Remarks for the preview, e.g. how ambiguous dates were read.
    pub notes: Vec<String>,
    /// The level of detail the file was exported at when it is below one row per day and
    /// campaign (`ad set level, by Age, Gender`), kept in the import record; `None` for a
    /// campaign-level file.
    pub detail: Option<String>,
}
