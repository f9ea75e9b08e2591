//! How much of an upload spendlens is willing to expand, and the guard that holds delimited text to
//! it before a CSV reader builds anything.
//!
//! An upload is at most [`crate::DEFAULT_MAX_BYTES`], but what it expands to is not: a 1.5 KB
//! workbook can declare 2³⁴ cells, a 1.5 MB one can inflate to 1.5 GB of XML, and one CSV line of
//! a million commas becomes a million cells. Every reader therefore checks these limits *before* it
//! allocates for what the file claims, and refuses with a message naming the limit: a size limit
//! (cells, uncompressed bytes) is [`ImportError::OverLimit`] (answered 413), a shape limit
//! (columns, line length, a declared sheet size) is a rejection of the file (422).
//!
//! The figures keep one parse under about 150 MB whatever the input, so that the server's upload
//! gate (a few parses at once) stays within its memory budget; each is far beyond any real export.

use std::fmt;
use std::io::{self, Read};

use crate::error::{Diagnostic, ImportError};

/// The most columns a row of any table may have (CSV record, workbook row, Sheets row). Platform
/// exports with every column chosen have a few hundred.
pub const MAX_COLUMNS: usize = 1_000;

/// The longest record of delimited text, in bytes (a quoted cell's line breaks included).
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// The most rows (lines, header included) of one table read in memory: a CSV upload, a sheet, a
/// Sheets tab. Each becomes a daily row of about 300 bytes with its key besides its cells, so
/// 300,000 rows (800 campaigns over a year) peak near 200 MB. Larger canonical files are streamed
/// by `spendlens import`, which has no such limit.
pub const MAX_ROWS: usize = 300_000;

/// The most cells one table may have: a CSV's cells, or a sheet's filled cells (twenty columns of
/// [`MAX_ROWS`]). The table costs its text plus about 4 bytes a cell and 90 a row.
pub const MAX_CELLS: usize = 6_000_000;

/// The most parts (files) a workbook's zip container may hold; a real workbook has a few dozen.
pub const MAX_WORKBOOK_PARTS: usize = 1_000;

/// The most uncompressed bytes of one worksheet part. Worksheets are streamed cell by cell, so
/// their size costs time (about a second per 100 MB), not memory.
pub const MAX_SHEET_PART_BYTES: u64 = 256 << 20;

/// The most uncompressed bytes of the shared-strings part, which the reader holds in memory.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 32 << 20;

/// The most strings in the shared-strings part (each costs about 40 bytes held besides its
/// text); a sheet's strings repeat (campaign names), so real workbooks have thousands.
pub const MAX_SHARED_STRINGS: usize = 500_000;

/// The most uncompressed bytes of any other part (workbook, styles, relationships, themes, media).
pub const MAX_OTHER_PART_BYTES: u64 = 16 << 20;

/// The most elements of the styles part (cell formats are held in memory, about 200 bytes each).
pub const MAX_STYLE_ELEMENTS: usize = 200_000;

/// The most uncompressed bytes of a whole workbook.
pub const MAX_WORKBOOK_BYTES: u64 = 512 << 20;

/// The highest compression ratio of a part larger than [`RATIO_FLOOR_BYTES`]. Spreadsheet XML
/// deflates 10 to 30 times; a zip bomb of whitespace, 1,000 times.
pub const MAX_COMPRESSION_RATIO: u64 = 200;

/// Parts smaller than this are not held to [`MAX_COMPRESSION_RATIO`] (a tiny part of repeated
/// markup may well deflate 300 times, and costs nothing).
pub const RATIO_FLOOR_BYTES: u64 = 1 << 20;

/// The longest run of XML text or markup between `<` and `>` in a workbook part. The XML reader
/// buffers one such run at a time; an Excel cell holds at most 32,767 characters.
pub const MAX_XML_RUN_BYTES: usize = 1 << 20;

/// The most pages of a PDF report read for its figures.
pub const MAX_PDF_PAGES: usize = 500;

/// The most bytes one PDF stream may decode to (a page's content, a font, a character map).
pub const MAX_PDF_STREAM_BYTES: u64 = 32 << 20;

/// The most bytes all of a PDF's streams may decode to together.
pub const MAX_PDF_DECODED_BYTES: u64 = 128 << 20;

/// The most text extracted from a PDF.
pub const MAX_PDF_TEXT_BYTES: usize = 16 << 20;

/// A count with thousands separators, as the refusal messages show limits.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|group| std::str::from_utf8(group).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(",")
}

/// A byte size as the refusal messages show it (`1.5 GB`, `256 MB`, `900 bytes`).
pub fn bytes(n: u64) -> String {
    const MB: u64 = 1 << 20;
    if n >= 1 << 30 {
        format!("{}.{} GB", n >> 30, ((n % (1 << 30)) * 10) >> 30)
    } else if n >= MB {
        format!("{} MB", n / MB)
    } else if n >= 1024 {
        format!("{} KB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

/// A record of delimited text that passes a limit, found before the CSV reader expands it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exceeded {
    /// The 1-based physical line the record starts on.
    pub(crate) line: u64,
    pub(crate) what: Excess,
}

/// Which limit a record passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Excess {
    Columns,
    RecordBytes,
    Cells,
    Rows,
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.what {
            Excess::Columns => write!(
                f,
                "line {} has more than {} columns; spendlens reads at most {} columns",
                self.line,
                grouped(MAX_COLUMNS as u64),
                grouped(MAX_COLUMNS as u64)
            ),
            Excess::RecordBytes => write!(
                f,
                "line {} is longer than {}; spendlens reads rows of at most {}",
                self.line,
                bytes(MAX_RECORD_BYTES as u64),
                bytes(MAX_RECORD_BYTES as u64)
            ),
            Excess::Cells => write!(
                f,
                "the file has more than {} cells (by line {}); spendlens reads at most {} cells \
                 at once: split the file",
                grouped(MAX_CELLS as u64),
                grouped(self.line),
                grouped(MAX_CELLS as u64)
            ),
            Excess::Rows => write!(
                f,
                "the file has more than {} rows; spendlens reads at most {} rows at once: split \
                 the file (a canonical CSV of any size can be streamed with `spendlens import`)",
                grouped(MAX_ROWS as u64),
                grouped(MAX_ROWS as u64)
            ),
        }
    }
}

impl std::error::Error for Exceeded {}

impl Exceeded {
    /// The refusal of `file`: too many cells is a size (413), the rest a shape (422).
    pub(crate) fn into_error(self, file: &str) -> ImportError {
        match self.what {
            Excess::Cells | Excess::Rows => ImportError::OverLimit {
                file: file.to_owned(),
                message: self.to_string(),
            },
            Excess::Columns | Excess::RecordBytes => ImportError::Rejected {
                file: file.to_owned(),
                diagnostics: vec![Diagnostic::file(file, self.to_string())],
            },
        }
    }

    /// The limit a reader error stands for, when a [`Guarded`] reader raised it.
    pub(crate) fn from_io(e: &io::Error) -> Option<Exceeded> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<Exceeded>())
            .cloned()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    StartRecord,
    StartField,
    InField,
    InQuoted,
    QuoteInQuoted,
}

/// Follows delimited text byte by byte as the `csv` crate splits it (its default dialect: `"`
/// quotes, `""` escapes, any of `\r`, `\n`, `\r\n` ends a record, blank lines skipped, a quote only
/// opens a field at its start), counting each record's fields and bytes and, for a table read in
/// memory, its rows and cells (a stream has no total).
///
/// Why not count after reading: the reader builds the whole record first (a million-field line is
/// a million field bounds, then a million strings); the guard refuses while the line is still
/// bytes.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    delimiter: u8,
    /// Whether the table's rows and cells are counted against their limits.
    totals: bool,
    state: State,
    fields: usize,
    record_bytes: usize,
    cells: usize,
    rows: usize,
    line: u64,
    record_line: u64,
}

impl Shape {
    /// The limits of one record only (a stream).
    pub(crate) fn new(delimiter: u8) -> Self {
        Shape {
            delimiter,
            totals: false,
            state: State::StartRecord,
            fields: 0,
            record_bytes: 0,
            cells: 0,
            rows: 0,
            line: 1,
            record_line: 1,
        }
    }

    /// The limits of a record and of a whole table read in memory.
    pub(crate) fn table(delimiter: u8) -> Self {
        Shape {
            totals: true,
            ..Shape::new(delimiter)
        }
    }

    fn exceeded(&self, what: Excess) -> Exceeded {
        Exceeded {
            line: self.record_line,
            what,
        }
    }

    fn next_field(&mut self) -> Result<(), Exceeded> {
        self.fields += 1;
        self.cells += 1;
        if self.fields > MAX_COLUMNS {
            return Err(self.exceeded(Excess::Columns));
        }
        if self.totals && self.cells > MAX_CELLS {
            return Err(self.exceeded(Excess::Cells));
        }
        Ok(())
    }

    /// Follows `bytes`, the next part of the text.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Result<(), Exceeded> {
        for &b in bytes {
            let terminator = b == b'\n' || b == b'\r';
            if self.state == State::StartRecord {
                if b == b'\n' {
                    self.line += 1;
                }
                if terminator {
                    continue;
                }
                self.fields = 0;
                self.record_bytes = 0;
                self.record_line = self.line;
                self.rows += 1;
                if self.totals && self.rows > MAX_ROWS {
                    return Err(self.exceeded(Excess::Rows));
                }
                self.next_field()?;
                self.state = State::StartField;
            }
            self.record_bytes += 1;
            if self.record_bytes > MAX_RECORD_BYTES {
                return Err(self.exceeded(Excess::RecordBytes));
            }
            if b == b'\n' {
                self.line += 1;
            }
            self.state = match (self.state, b) {
                (State::StartField, b'"') => State::InQuoted,
                (State::InQuoted, b'"') => State::QuoteInQuoted,
                (State::InQuoted, _) => State::InQuoted,
                (State::QuoteInQuoted, b'"') => State::InQuoted,
                (_, d) if d == self.delimiter => {
                    self.next_field()?;
                    State::StartField
                }
                _ if terminator => State::StartRecord,
                _ => State::InField,
            };
        }
        Ok(())
    }
}

/// Checks a table held in memory as delimited text against the limits (records and totals).
pub(crate) fn check_table(text: &[u8], delimiter: u8) -> Result<(), Exceeded> {
    Shape::table(delimiter).feed(text)
}

/// Checks delimited text against the limits of one record (the head of a file, for detection).
pub(crate) fn check_records(text: &[u8], delimiter: u8) -> Result<(), Exceeded> {
    Shape::new(delimiter).feed(text)
}

/// A reader that follows what passes through it with a [`Shape`] and fails (with an
/// `InvalidData` error carrying the [`Exceeded`]) as soon as a limit is passed, so a CSV reader
/// behind it never buffers more than one chunk of an oversized record.
#[derive(Debug)]
pub(crate) struct Guarded<R> {
    inner: R,
    shape: Shape,
}

impl<R> Guarded<R> {
    /// A stream: each record is held to the limits, the total is not.
    pub(crate) fn stream(inner: R, delimiter: u8) -> Self {
        Guarded {
            inner,
            shape: Shape::new(delimiter),
        }
    }

    /// A table read into memory: its rows and cells are limited too.
    pub(crate) fn table(inner: R, delimiter: u8) -> Self {
        Guarded {
            inner,
            shape: Shape::table(delimiter),
        }
    }
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.shape
            .feed(buf.get(..n).unwrap_or_default())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Field counts of every record as the csv crate splits them.
    fn csv_fields(text: &[u8]) -> Vec<usize> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text)
            .byte_records()
            .map(|r| r.map(|r| r.len()).unwrap_or(0))
            .collect()
    }

    #[test]
    fn a_wide_line_is_refused_before_it_is_split() {
        let mut line = "a,".repeat(MAX_COLUMNS);
        line.push_str("b\n");
        let e = check_table(format!("h\n{line}").as_bytes(), b',').expect_err("too wide");
        assert_eq!(e.what, Excess::Columns);
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("at most 1,000 columns"), "{e}");
        // Exactly at the limit passes.
        let ok = "a,".repeat(MAX_COLUMNS - 1) + "b\n";
        assert!(check_table(ok.as_bytes(), b',').is_ok());
        // Quoted delimiters are data, a quote inside an unquoted field is data, as csv reads them.
        let quoted = format!("\"{}\"\n", ",".repeat(MAX_COLUMNS * 2));
        assert!(check_table(quoted.as_bytes(), b',').is_ok());
        let sneaky = format!("a\"{}\n", ",".repeat(MAX_COLUMNS * 2));
        assert_eq!(csv_fields(sneaky.as_bytes()), vec![MAX_COLUMNS * 2 + 1]);
        assert!(check_table(sneaky.as_bytes(), b',').is_err());
    }

    #[test]
    fn long_records_and_many_cells_are_refused() {
        let long = vec![b'x'; MAX_RECORD_BYTES + 1];
        let e = check_table(&long, b',').expect_err("too long");
        assert_eq!(e.what, Excess::RecordBytes);
        // A lone CR ends a record, as csv reads it: many short CR lines are fine.
        let cr = "ab\r".repeat(MAX_RECORD_BYTES);
        assert!(check_records(cr.as_bytes(), b',').is_ok());
        let cells = ",".repeat(999) + "\n";
        let cells = cells.repeat(MAX_CELLS / 1000 + 1);
        let e = check_table(cells.as_bytes(), b',').expect_err("too many cells");
        assert_eq!(e.what, Excess::Cells);
        let rows = "a\n".repeat(MAX_ROWS + 1);
        let e = check_table(rows.as_bytes(), b',').expect_err("too many rows");
        assert_eq!(e.what, Excess::Rows);
        assert!(
            check_records(rows.as_bytes(), b',').is_ok(),
            "a stream has no total"
        );
        assert!(matches!(
            e.into_error("f.csv"),
            ImportError::OverLimit { .. }
        ));
    }

    #[test]
    fn the_guard_agrees_with_the_csv_crate_on_field_counts() {
        let samples: [&[u8]; 8] = [
            b"a,b,c\n1,2,3\n",
            b"\"a,b\",c\r\n\"x\"\"y\",z\n",
            b"\"multi\nline\",2,3\n",
            b"a\"b,c\n",
            b"\"a\"b,c\n",
            b"\n\n,\n\r\n,,\n",
            b"\"unterminated,a,b\n",
            b"a;b;c\n",
        ];
        for s in samples {
            let expected = csv_fields(s);
            let max = expected.iter().copied().max().unwrap_or(0);
            let mut shape = Shape::table(b',');
            shape.feed(s).expect("within limits");
            let total: usize = expected.iter().sum();
            assert_eq!(shape.cells, total, "{}", String::from_utf8_lossy(s));
            assert!(shape.fields <= max.max(1), "{}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn the_guarded_reader_fails_with_the_excess() {
        let line = ",".repeat(MAX_COLUMNS + 10);
        let mut r = Guarded::stream(line.as_bytes(), b',');
        let mut out = Vec::new();
        let e = r.read_to_end(&mut out).expect_err("refused");
        assert_eq!(Exceeded::from_io(&e).map(|x| x.what), Some(Excess::Columns));
    }

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(grouped(1_048_576), "1,048,576");
        assert_eq!(grouped(999), "999");
        assert_eq!(bytes(1_500_000_000), "1.3 GB");
        assert_eq!(bytes(256 << 20), "256 MB");
        assert_eq!(bytes(900), "900 bytes");
    }
}
