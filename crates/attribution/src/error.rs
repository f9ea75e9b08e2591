//! The one error type of the crate.
//!
//! Input problems are collected rather than thrown one at a time: a user fixing a CSV export wants every
//! bad line at once, so the readers keep going after a bad row (up to [`MAX_PROBLEMS`]) and return them
//! all in [`Error::Invalid`]. Nothing here ever panics on input.

use std::fmt;

/// How many input problems are collected before reading stops; enough to show a pattern, not a flood.
pub const MAX_PROBLEMS: usize = 50;

/// One problem in the input, located by line (1-based, as an editor shows it) and column (1-based field
/// number, with the header's name for it when known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The line on which the offending record starts.
    pub line: u64,
    /// The 1-based field number, when the problem is in one field.
    pub column: Option<usize>,
    /// The header name of that field, when there is one.
    pub column_name: Option<String>,
    /// What is wrong, in words a user can act on.
    pub message: String,
}

impl Problem {
    /// A problem in one field.
    pub fn at(line: u64, column: usize, column_name: &str, message: impl Into<String>) -> Self {
        Self {
            line,
            column: Some(column),
            column_name: Some(column_name.to_owned()),
            message: message.into(),
        }
    }

    /// A problem with a whole line (or the file as a whole, with line 0 meaning "no line").
    pub fn line(line: u64, message: impl Into<String>) -> Self {
        Self {
            line,
            column: None,
            column_name: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(column) = self.column {
            write!(f, ", column {column}")?;
            if let Some(name) = &self.column_name {
                write!(f, " ({name})")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything that can go wrong in attribution.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is malformed; every problem found (up to [`MAX_PROBLEMS`]) is listed, one per line.
    #[error("{}", join_lines(.0))]
    Invalid(Vec<Problem>),
    /// The request cannot be answered from this input (for example `time_decay` on aggregated paths,
    /// which carry no timestamps). A user error, like [`Error::Invalid`].
    #[error("{0}")]
    Unsupported(String),
    /// The input is larger than a reader holds at once (the message names the limit). A user
    /// error: the file is to be split.
    #[error("{0}")]
    TooLarge(String),
    /// Reading the bytes failed (not a format problem).
    #[error("reading the input: {0}")]
    Io(#[from] std::io::Error),
    /// A numeric step could not produce a trustworthy answer (an iterative solve that did not converge,
    /// a value total too large for a decimal). Not the user's fault; reported rather than guessed.
    #[error("numerical failure: {0}")]
    Numeric(String),
}

impl Error {
    /// Whether the error is the caller's input (the CLI maps these to exit code 2).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            Self::Invalid(_) | Self::Unsupported(_) | Self::TooLarge(_)
        )
    }

    /// The problems one per line, as the CLI prints them on stderr.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Self::Invalid(problems) => problems.iter().map(ToString::to_string).collect(),
            other => vec![other.to_string()],
        }
    }
}

fn join_lines(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
