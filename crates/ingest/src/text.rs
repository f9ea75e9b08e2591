//! Bytes to text and text to cells: encoding sniffing (UTF-8, UTF-16 with or without a byte-order
//! mark), delimiter sniffing (tab, comma, semicolon) and records numbered as spreadsheet rows.

use std::borrow::Cow;

use crate::error::ImportError;

/// The text encodings upload files arrive in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
}

/// Decodes an uploaded text file.
///
/// Platform exports come as UTF-8 (often with a BOM) or, from "Excel CSV" buttons, UTF-16LE with a
/// BOM and tabs. Anything else (Latin-1, a truncated UTF-16 file, binary junk) is rejected with the
/// row where the first undecodable byte sits, rather than silently decoded with replacement
/// characters that would later fail as "not a number" far from the cause.
pub(crate) fn decode<'a>(bytes: &'a [u8], file: &str) -> Result<Cow<'a, str>, ImportError> {
    let (encoding, body) = sniff_encoding(bytes);
    match encoding {
        Encoding::Utf8 => match std::str::from_utf8(body) {
            Ok(s) => Ok(Cow::Borrowed(s)),
            Err(e) => {
                let row = 1 + body[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                Err(ImportError::Rejected {
                    file: file.to_owned(),
                    diagnostics: vec![crate::error::Diagnostic::at(
                        file,
                        row as u64,
                        None,
                        format!(
                            "the file is not valid UTF-8 text (byte {} cannot be decoded); save it as \
                             UTF-8 CSV or upload the platform's original export",
                            e.valid_up_to() + (bytes.len() - body.len()) + 1
                        ),
                    )],
                })
            }
        },
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let enc = if encoding == Encoding::Utf16Le {
                encoding_rs::UTF_16LE
            } else {
                encoding_rs::UTF_16BE
            };
            let (text, had_errors) = enc.decode_without_bom_handling(body);
            if had_errors || body.len() % 2 != 0 {
                let upto = text.find('\u{FFFD}').unwrap_or(text.len());
                let row = 1 + text[..upto].matches('\n').count();
                return Err(ImportError::Rejected {
                    file: file.to_owned(),
                    diagnostics: vec![crate::error::Diagnostic::at(
                        file,
                        row as u64,
                        None,
                        format!(
                            "the file is not valid {} text (truncated or damaged)",
                            if encoding == Encoding::Utf16Le {
                                "UTF-16LE"
                            } else {
                                "UTF-16BE"
                            }
                        ),
                    )],
                });
            }
            Ok(Cow::Owned(text.into_owned()))
        }
    }
}

/// The encoding and the bytes after any byte-order mark.
pub(crate) fn sniff_encoding(bytes: &[u8]) -> (Encoding, &[u8]) {
    match bytes {
        [0xFF, 0xFE, rest @ ..] => (Encoding::Utf16Le, rest),
        [0xFE, 0xFF, rest @ ..] => (Encoding::Utf16Be, rest),
        [0xEF, 0xBB, 0xBF, rest @ ..] => (Encoding::Utf8, rest),
        _ => {
            // UTF-16 without a BOM: ASCII text has a zero byte in every other position.
            let probe = &bytes[..bytes.len().min(512)];
            if probe.len() >= 8 {
                let zeros_odd = probe.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
                let zeros_even = probe.iter().step_by(2).filter(|&&b| b == 0).count();
                let half = probe.len() / 2;
                if zeros_odd * 10 >= half * 9 && zeros_even == 0 {
                    return (Encoding::Utf16Le, bytes);
                }
                if zeros_even * 10 >= half * 9 && zeros_odd == 0 {
                    return (Encoding::Utf16Be, bytes);
                }
            }
            (Encoding::Utf8, bytes)
        }
    }
}

/// Picks the field delimiter: the candidate that splits the most lines into the same number (two
/// or more) of fields. Counting only characters would pick the comma in a tab-separated Google Ads
/// export whose date line and thousands separators contain commas.
pub(crate) fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(30)
        .collect();
    let mut best = (b',', 0usize);
    for delim in [b'\t', b';', b','] {
        let mut counts: Vec<(usize, usize)> = Vec::new(); // (fields, lines)
        for line in &lines {
            let n = count_unquoted(line, delim);
            if n == 0 {
                continue;
            }
            match counts.iter_mut().find(|(f, _)| *f == n + 1) {
                Some(entry) => entry.1 += 1,
                None => counts.push((n + 1, 1)),
            }
        }
        let score = counts
            .iter()
            .map(|(fields, lines)| fields * lines * lines)
            .max()
            .unwrap_or(0);
        if score > best.1 {
            best = (delim, score);
        }
    }
    best.0
}

fn count_unquoted(line: &str, delim: u8) -> usize {
    let mut in_quotes = false;
    let mut n = 0;
    for &b in line.as_bytes() {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if b == delim && !in_quotes {
            n += 1;
        }
    }
    n
}

/// One record of a delimited file with the spreadsheet row it starts on.
#[derive(Debug, Clone)]
pub(crate) struct NumberedRecord {
    pub(crate) row: u64,
    pub(crate) cells: crate::table::Cells,
}

/// Splits delimited text into records, numbering them as a spreadsheet shows them.
///
/// The csv reader skips blank lines and reports the physical line a record starts on; quoted cells
/// with line breaks make physical lines and spreadsheet rows differ, so those extra lines are
/// subtracted. A malformed record is returned as an error message for that row.
pub(crate) fn records(
    text: &str,
    delimiter: u8,
) -> impl Iterator<Item = Result<NumberedRecord, (u64, String)>> + '_ {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut embedded = 0u64;
    let mut counter = LineCounter::new(text.as_bytes());
    let mut record = csv::StringRecord::new();
    std::iter::from_fn(move || match reader.read_record(&mut record) {
        Ok(false) => None,
        Ok(true) => {
            let line = counter.line_at(record.position().map_or(0, csv::Position::byte));
            let row = line.saturating_sub(embedded).max(1);
            let cells = crate::table::Cells::of_record(&record);
            embedded += memchr::memchr_iter(b'\n', record.as_slice().as_bytes()).count() as u64;
            Some(Ok(NumberedRecord { row, cells }))
        }
        Err(e) => {
            let line = e.position().map_or(0, csv::Position::line);
            Some(Err((line.saturating_sub(embedded).max(1), e.to_string())))
        }
    })
}

/// The physical line a record starts on, from its byte offset.
///
/// The csv reader reports a record after skipped blank lines as starting on the first blank line;
/// skipping line breaks from its byte offset gives the line the record's text is really on.
#[derive(Debug)]
pub(crate) struct LineCounter<'a> {
    text: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(text: &'a [u8]) -> Self {
        LineCounter {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// The 1-based line of the first non-line-break byte at or after `byte` (offsets must grow).
    pub(crate) fn line_at(&mut self, byte: u64) -> u64 {
        let mut b = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len())
            .max(self.pos);
        while b < self.text.len() && matches!(self.text[b], b'\n' | b'\r') {
            b += 1;
        }
        self.line += self.text[self.pos..b]
            .iter()
            .filter(|&&c| c == b'\n')
            .count() as u64;
        self.pos = b;
        self.line
    }
}

/// The recent bytes of a stream, kept so that record offsets can be turned into line numbers while
/// streaming (the same job as [`LineCounter`], without holding the whole input).
///
/// The csv reader reads ahead, so a record's first bytes were read a little before the record is
/// returned; the tape keeps the last `cap` bytes. Bytes are dropped only after the cursor has counted
/// the line breaks in them, so line numbers stay exact whatever the file size; only a single record
/// longer than `cap` makes them approximate (the cursor then moves over its start).
#[derive(Debug)]
pub(crate) struct LineTape {
    ring: std::collections::VecDeque<u8>,
    /// Absolute offset of `ring[0]`.
    start: u64,
    cap: usize,
    cursor: u64,
    line: u64,
}

impl LineTape {
    pub(crate) fn new(cap: usize) -> Self {
        let ring =
            std::collections::VecDeque::with_capacity(cap.saturating_add(128 * 1024).min(1 << 24));
        LineTape {
            ring,
            start: 0,
            cap,
            cursor: 0,
            line: 1,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        // Make room first, so the ring never grows past its first allocation for ordinary reads.
        let over = (self.ring.len() + bytes.len()).saturating_sub(self.cap);
        let drop = over.min(self.ring.len());
        if drop > 0 {
            let new_start = self.start + drop as u64;
            if self.cursor < new_start {
                self.advance(new_start);
            }
            self.ring.drain(..drop);
            self.start = new_start;
        }
        self.ring.extend(bytes);
    }

    /// Moves the cursor to `to`, counting the line breaks passed.
    fn advance(&mut self, to: u64) {
        let from = usize::try_from(self.cursor.saturating_sub(self.start)).unwrap_or(usize::MAX);
        let to_rel = usize::try_from(to.saturating_sub(self.start))
            .unwrap_or(usize::MAX)
            .min(self.ring.len());
        if from < to_rel {
            self.line += self
                .ring
                .range(from..to_rel)
                .filter(|&&b| b == b'\n')
                .count() as u64;
        }
        self.cursor = self.cursor.max(to);
    }

    /// The 1-based line of the first non-line-break byte at or after `byte`.
    pub(crate) fn line_at(&mut self, byte: u64) -> u64 {
        let mut b = byte.max(self.cursor);
        while let Some(&c) = usize::try_from(b.saturating_sub(self.start))
            .ok()
            .and_then(|i| self.ring.get(i))
        {
            if !matches!(c, b'\n' | b'\r') {
                break;
            }
            b += 1;
        }
        self.advance(b);
        self.line
    }
}

/// A reader that copies what it reads onto a shared [`LineTape`].
#[derive(Debug)]
pub(crate) struct Taped<R> {
    pub(crate) inner: R,
    pub(crate) tape: std::rc::Rc<std::cell::RefCell<LineTape>>,
}

impl<R: std::io::Read> std::io::Read for Taped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.tape.borrow_mut().push(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16le_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "Day\tCost\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(
            decode(&bytes, "x.csv").expect("valid").as_ref(),
            "Day\tCost\n"
        );
    }

    #[test]
    fn utf16le_without_bom_is_recognised() {
        let mut bytes = Vec::new();
        for u in "Day,Cost\n2024-06-01,1\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(sniff_encoding(&bytes).0, Encoding::Utf16Le);
    }

    #[test]
    fn truncated_utf16_is_rejected() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "Day\tCost\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        bytes.push(b'x');
        assert!(decode(&bytes, "x.csv").is_err());
    }

    #[test]
    fn latin1_is_rejected_with_its_row() {
        let bytes = b"Date,Campaign\n2024-06-01,Caf\xe9\n";
        let err = decode(bytes, "x.csv").expect_err("not UTF-8");
        assert_eq!(err.diagnostics()[0].row, Some(2));
    }

    #[test]
    fn delimiter_is_sniffed_by_consistent_field_counts() {
        let google = "Campaign report\nJune 1, 2024 - June 2, 2024\nA\tB\tC\n1\t\"2,450\"\t3\n4\t\"1,000\"\t6\n";
        assert_eq!(sniff_delimiter(google), b'\t');
        assert_eq!(sniff_delimiter("a;b;c\n1,5;2;3\n"), b';');
        assert_eq!(sniff_delimiter("a,b,c\n\"1,234.50\",2,3\n"), b',');
    }

    #[test]
    fn the_tape_counts_lines_past_what_it_forgets() {
        let text = b"a\n\n\nb\nc\n\nd\n";
        let mut tape = LineTape::new(3);
        for chunk in text.chunks(2) {
            tape.push(chunk);
        }
        // Offsets arrive in order; everything before them has been counted.
        let mut full = LineTape::new(1024);
        full.push(text);
        assert_eq!(full.line_at(0), 1);
        assert_eq!(full.line_at(2), 4, "after two blank lines");
        assert_eq!(full.line_at(6), 5);
        assert_eq!(full.line_at(9), 7);
        assert_eq!(
            tape.line_at(9),
            7,
            "a small tape still counts what it dropped"
        );
    }

    #[test]
    fn records_are_numbered_as_spreadsheet_rows() {
        let text = "Title\nReport Start: x\n\nA,B\n\"multi\nline\",2\n3,4\n";
        let rows: Vec<u64> = records(text, b',').map(|r| r.expect("ok").row).collect();
        assert_eq!(rows, vec![1, 2, 4, 5, 6]);
    }
}
