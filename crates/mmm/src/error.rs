//! Why a model could not be fitted: always the caller's input, located by row and column.

/// An input the model refuses, naming the row (as the caller numbers them, see
/// [`Dataset::first_row`](crate::Dataset::first_row)) and the column, so a user can find the cell.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MmmError {
    /// A series whose length differs from the dates'.
    #[error("column {column}: {found} values for {expected} dates")]
    Length {
        /// The column.
        column: String,
        /// How many dates there are.
        expected: usize,
        /// How many values the column has.
        found: usize,
    },
    /// The same date twice.
    #[error("row {row}, column {column}: date {date} repeats the previous row's date")]
    Duplicate {
        /// The row of the second occurrence.
        row: usize,
        /// The date column.
        column: String,
        /// The repeated date.
        date: String,
    },
    /// A missing period (or a date out of order, or a step that is neither a day nor a week).
    #[error("row {row}, column {column}: {message}")]
    Gap {
        /// The row after the gap.
        row: usize,
        /// The date column.
        column: String,
        /// What was expected and found.
        message: String,
    },
    /// Too short a history to separate baseline, seasonality and channels.
    #[error(
        "column {column}: {found} {granularity} periods, at least {needed} are needed (rows {first}-{last})"
    )]
    TooFewPeriods {
        /// The date column.
        column: String,
        /// `daily` or `weekly`.
        granularity: String,
        /// How many periods there are.
        found: usize,
        /// How many are needed.
        needed: usize,
        /// The first row.
        first: usize,
        /// The last row.
        last: usize,
    },
    /// A negative spend.
    #[error("row {row}, column {column}: negative spend {value}")]
    NegativeSpend {
        /// The row.
        row: usize,
        /// The spend column.
        column: String,
        /// The value as given.
        value: String,
    },
    /// A value that is not a finite number (NaN or infinite).
    #[error("row {row}, column {column}: not a finite number")]
    NotFinite {
        /// The row.
        row: usize,
        /// The column.
        column: String,
    },
    /// A channel whose spend never changes: its effect cannot be told apart from the level.
    #[error(
        "column {column}: the spend is {value} in every row, so its effect cannot be separated from the baseline"
    )]
    ConstantChannel {
        /// The spend column.
        column: String,
        /// The constant value.
        value: String,
    },
    /// No channel at all, or two channels with one name.
    #[error("column {column}: {message}")]
    Channels {
        /// The offending column (or `spend` when there is none).
        column: String,
        /// What is wrong.
        message: String,
    },
    /// A KPI that is zero throughout.
    #[error("column {column}: the KPI is zero in every row")]
    ZeroKpi {
        /// The KPI column.
        column: String,
    },
    /// An experiment that cannot be used (unknown channel, window outside the data, bad numbers).
    #[error("experiment row {row}, column {column}: {message}")]
    Experiment {
        /// The experiment's row.
        row: usize,
        /// The experiment's field.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// A column that is missing, or of text where numbers are needed.
    #[error("column {column}: {message}")]
    Column {
        /// The column (as named in the file or on the command line).
        column: String,
        /// What is wrong.
        message: String,
    },
    /// A cell that cannot be read (not a number, not a date).
    #[error("row {row}, column {column}: {message}")]
    Cell {
        /// The row.
        row: usize,
        /// The column.
        column: String,
        /// What is wrong, quoting the cell.
        message: String,
    },
    /// A draw count outside `1..=100_000`.
    #[error("draws: {0} is outside 1..=100000")]
    Draws(usize),
}
