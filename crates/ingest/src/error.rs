//! What goes wrong in an import, said so that a user can find the place in their file.

use std::fmt;

/// At most this many problems are listed for one file; the rest are counted in a last diagnostic.
///
/// A file with a wrong column mapping fails on every row; listing 100,000 identical complaints
/// helps nobody and costs memory on a hostile upload.
pub const MAX_DIAGNOSTICS: usize = 50;

/// A column of the uploaded table, as the user sees it in a spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    /// 0-based position in the row (column `A` is 0).
    pub index: usize,
    /// The header text of the column, when the file has a header row.
    pub header: Option<String>,
}

impl ColumnRef {
    /// The spreadsheet letter of the column (`A`, `B`, ..., `Z`, `AA`, ...).
    pub fn letter(&self) -> String {
        column_letter(self.index)
    }
}

/// The spreadsheet letter of a 0-based column index.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.header {
            Some(h) => write!(f, "column {} \"{}\"", self.letter(), h),
            None => write!(f, "column {}", self.letter()),
        }
    }
}

/// One problem found in a file, with the place it was found.
///
/// `row` is the row number a user sees when opening the file in a spreadsheet program: 1-based,
/// counting title and date lines above the header and blank lines. It is `None` for problems of
/// the whole file (unknown format, unreadable workbook, no header row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub row: Option<u64>,
    pub column: Option<ColumnRef>,
    pub message: String,
    /// What the problem is about, so a caller can offer the fix that applies.
    pub kind: DiagnosticKind,
}

/// What a problem of a file is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosticKind {
    /// What the file says: a cell, a row, a currency, a rate, the file's size or kind.
    Content,
    /// Which column holds what is unknown, ambiguous or missing: a column mapping is the fix.
    Columns,
}

impl Diagnostic {
    /// A problem of the whole file.
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_owned(),
            row: None,
            column: None,
            message: message.into(),
            kind: DiagnosticKind::Content,
        }
    }

    /// A problem of the file's columns (in its header row when `row` is given): which column holds
    /// a field is unknown, ambiguous or missing, so naming the columns may read the file.
    pub fn columns(file: &str, row: Option<u64>, message: impl Into<String>) -> Self {
        Diagnostic {
            row,
            kind: DiagnosticKind::Columns,
            ..Diagnostic::file(file, message)
        }
    }

    /// A problem of one row (or one cell when `column` is given).
    pub fn at(file: &str, row: u64, column: Option<ColumnRef>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_owned(),
            row: Some(row),
            column,
            message: message.into(),
            kind: DiagnosticKind::Content,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(col) = &self.column {
            write!(f, ", {col}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a file could not be imported. Nothing of a file that fails is returned: an import is all or
/// nothing, so a user never ends up with half a month of spend.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file was read but some rows or cells are wrong; every problem (up to
    /// [`MAX_DIAGNOSTICS`]) is listed with its place.
    #[error("{file}: file rejected: {}", render(diagnostics))]
    Rejected {
        file: String,
        diagnostics: Vec<Diagnostic>,
    },
    /// Detection could not tell which format the bytes are; the user can name it explicitly.
    /// `columns`: the bytes are a table whose header no format knows, so a column mapping may
    /// read it (not so for an empty file, one that is not text, or another tool's download).
    #[error("{file}: cannot tell what kind of file this is: {reason}")]
    Unrecognised {
        file: String,
        reason: String,
        columns: bool,
    },
    /// The input is larger than the configured limit; checked before any parsing.
    #[error("{file}: {size} bytes is more than the import limit of {limit} bytes")]
    TooLarge { file: String, size: u64, limit: u64 },
    /// The file would expand past one of spendlens' size limits when read (a workbook's
    /// uncompressed parts, a table's cells, a PDF's decoded streams or text): refused before it is
    /// expanded. The message names the limit (see [`crate::limits`]).
    #[error("{file}: {message}")]
    OverLimit { file: String, message: String },
    /// The reader handed to a streaming parser failed.
    #[error("{file}: reading failed: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, d) in diagnostics.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        if let Some(row) = d.row {
            out.push_str(&format!("row {row}"));
            if let Some(c) = &d.column {
                out.push_str(&format!(", {c}"));
            }
            out.push_str(": ");
        }
        out.push_str(&d.message);
    }
    out
}

impl ImportError {
    /// Whether naming the columns may read the file: it is a table whose columns could not be
    /// placed (no known header, or a field's column unknown, ambiguous or missing).
    pub fn suggests_mapping(&self) -> bool {
        match self {
            ImportError::Unrecognised { columns, .. } => *columns,
            ImportError::Rejected { diagnostics, .. } => diagnostics
                .iter()
                .any(|d| d.kind == DiagnosticKind::Columns),
            _ => false,
        }
    }

    /// Whether the file was refused for its size (the upload, or what it expands to) rather than
    /// for what it says: callers answer these as "too large" (HTTP 413).
    pub fn is_too_large(&self) -> bool {
        matches!(
            self,
            ImportError::TooLarge { .. } | ImportError::OverLimit { .. }
        )
    }

    /// A rejection with one problem of the whole file.
    pub fn whole_file(file: &str, message: impl Into<String>) -> Self {
        ImportError::Rejected {
            file: file.to_owned(),
            diagnostics: vec![Diagnostic::file(file, message)],
        }
    }

    /// Every problem as a [`Diagnostic`], so a caller can show one list whatever the variant.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            ImportError::Rejected { diagnostics, .. } => diagnostics.clone(),
            ImportError::OverLimit { file, message } => vec![Diagnostic::file(file, message)],
            ImportError::Unrecognised { file, .. }
            | ImportError::TooLarge { file, .. }
            | ImportError::Read { file, .. } => {
                // The diagnostic names the file itself: the message without its own prefix.
                let text = self.to_string();
                let message = text
                    .strip_prefix(&format!("{file}: "))
                    .unwrap_or(&text)
                    .to_owned();
                vec![Diagnostic::file(file, message)]
            }
        }
    }
}

/// Collects the problems of one file, capped at [`MAX_DIAGNOSTICS`].
#[derive(Debug)]
pub(crate) struct Problems {
    file: String,
    list: Vec<Diagnostic>,
    dropped: usize,
}

impl Problems {
    pub(crate) fn new(file: &str) -> Self {
        Problems {
            file: file.to_owned(),
            list: Vec::new(),
            dropped: 0,
        }
    }

    pub(crate) fn push(&mut self, d: Diagnostic) {
        if self.list.len() < MAX_DIAGNOSTICS {
            self.list.push(d);
        } else {
            self.dropped += 1;
        }
    }

    pub(crate) fn at(&mut self, row: u64, column: Option<ColumnRef>, message: impl Into<String>) {
        let d = Diagnostic::at(&self.file, row, column, message);
        self.push(d);
    }

    pub(crate) fn whole(&mut self, message: impl Into<String>) {
        let d = Diagnostic::file(&self.file, message);
        self.push(d);
    }

    /// A problem of the file's columns (see [`Diagnostic::columns`]).
    pub(crate) fn columns(&mut self, row: Option<u64>, message: impl Into<String>) {
        let d = Diagnostic::columns(&self.file, row, message);
        self.push(d);
    }

    /// How many problems were found, listed or not.
    pub(crate) fn count(&self) -> usize {
        self.list.len() + self.dropped
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Whether the cap is reached, so a caller may stop scanning.
    pub(crate) fn is_full(&self) -> bool {
        self.list.len() >= MAX_DIAGNOSTICS
    }

    /// `Ok(())` when nothing was found, else the rejection listing everything.
    pub(crate) fn into_result(mut self) -> Result<(), ImportError> {
        if self.list.is_empty() {
            return Ok(());
        }
        if self.dropped > 0 {
            let d = Diagnostic::file(
                &self.file,
                format!("... and {} more problems not listed", self.dropped),
            );
            self.list.push(d);
        } else if self.list.len() >= MAX_DIAGNOSTICS {
            // The readers stop at the cap: how many more there are is not known.
            let d = Diagnostic::file(
                &self.file,
                format!(
                    "reading stopped at these first {MAX_DIAGNOSTICS} problems, so the file may \
                     hold more: correct these and import it again"
                ),
            );
            self.list.push(d);
        }
        Err(ImportError::Rejected {
            file: self.file,
            diagnostics: self.list,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_spreadsheets() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn diagnostics_name_file_row_and_column() {
        let d = Diagnostic::at(
            "june.csv",
            7,
            Some(ColumnRef {
                index: 6,
                header: Some("Cost".into()),
            }),
            "expected a number",
        );
        assert_eq!(
            d.to_string(),
            "june.csv, row 7, column G \"Cost\": expected a number"
        );
    }

    #[test]
    fn problems_are_capped_and_counted() {
        let mut p = Problems::new("x.csv");
        for r in 0..(MAX_DIAGNOSTICS as u64 + 5) {
            p.at(r + 2, None, "bad");
        }
        let err = p.into_result().expect_err("problems reject the file");
        let list = err.diagnostics();
        assert_eq!(list.len(), MAX_DIAGNOSTICS + 1);
        assert!(list.last().expect("a last line").message.contains("5 more"));
        // Exactly at the cap (a reader stopped there): said, since more may follow.
        let mut p = Problems::new("x.csv");
        for r in 0..(MAX_DIAGNOSTICS as u64) {
            p.at(r + 2, None, "bad");
        }
        let list = p.into_result().expect_err("rejected").diagnostics();
        assert_eq!(list.len(), MAX_DIAGNOSTICS + 1);
        assert!(
            list.last()
                .expect("a last line")
                .message
                .contains("may hold more")
        );
        // Under the cap: nothing added.
        let mut p = Problems::new("x.csv");
        p.at(2, None, "bad");
        assert_eq!(
            p.into_result().expect_err("rejected").diagnostics().len(),
            1
        );
    }
}
