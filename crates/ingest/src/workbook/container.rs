//! A workbook's zip container, inspected before any XML in it is parsed.
//!
//! The bytes of an upload say nothing about what they expand to: the central directory declares
//! each part's uncompressed size (and may lie), a part may deflate a thousand times, and the XML
//! reader buffers a whole text run or tag at once. So every part is decompressed here once,
//! counting, and refused at the first limit passed (see [`crate::limits`]): the number of parts,
//! each part's declared and actual size by kind, the whole workbook's size, the compression ratio,
//! the longest run between two `<`, and the counts the reader would reserve memory for (shared
//! strings, styles). Only a container that passes is handed to calamine.
//!
//! Only XLSX is read. XLS (binary, or a password-protected XLSX, both OLE containers), XLSB and ODS
//! are refused: calamine expands their sheets into dense ranges when the workbook is opened, before
//! anything could be bounded.

use std::io::{Cursor, Read};

use crate::error::ImportError;
use crate::limits::{
    MAX_COMPRESSION_RATIO, MAX_OTHER_PART_BYTES, MAX_SHARED_STRINGS, MAX_SHARED_STRINGS_BYTES,
    MAX_SHEET_PART_BYTES, MAX_STYLE_ELEMENTS, MAX_WORKBOOK_BYTES, MAX_WORKBOOK_PARTS,
    MAX_XML_RUN_BYTES, RATIO_FLOOR_BYTES, bytes as size, grouped,
};

/// The signature of a central-directory record: every part the zip reader will list has one.
const CENTRAL_RECORD: &[u8; 4] = b"PK\x01\x02";

/// What a part is, for its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Sheet,
    SharedStrings,
    Styles,
    Other,
}

impl Part {
    fn of(name: &str) -> Part {
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("xl/worksheets/") && lower.ends_with(".xml") {
            Part::Sheet
        } else if lower == "xl/sharedstrings.xml" {
            Part::SharedStrings
        } else if lower == "xl/styles.xml" {
            Part::Styles
        } else {
            Part::Other
        }
    }

    fn limit(self) -> u64 {
        match self {
            Part::Sheet => MAX_SHEET_PART_BYTES,
            Part::SharedStrings => MAX_SHARED_STRINGS_BYTES,
            Part::Styles | Part::Other => MAX_OTHER_PART_BYTES,
        }
    }

    /// Whether the scan counts the part's elements (see `XmlScan::element`).
    fn counts_elements(self) -> bool {
        matches!(self, Part::SharedStrings | Part::Styles)
    }

    fn describe(self) -> &'static str {
        match self {
            Part::Sheet => "sheets",
            Part::SharedStrings => "shared strings",
            Part::Styles | Part::Other => "workbook parts",
        }
    }
}

fn over(file: &str, message: String) -> ImportError {
    ImportError::OverLimit {
        file: file.to_owned(),
        message,
    }
}

/// Refuses the binary workbook formats with a message saying what to do instead.
pub(super) fn refuse_ole(file: &str) -> ImportError {
    ImportError::whole_file(
        file,
        "this is an XLS (Excel 97-2003) workbook or a password-protected XLSX: spendlens reads \
         XLSX only, because the sheets of those formats are expanded whole before their size can \
         be checked; save it as an unprotected XLSX or as CSV",
    )
}

/// Checks the container of `bytes` against every limit; `Ok` means calamine may open it as XLSX.
pub(super) fn inspect(bytes: &[u8], file: &str) -> Result<(), ImportError> {
    // Before the zip reader indexes the central directory (hundreds of bytes per entry).
    let records = memchr::memmem::find_iter(bytes, CENTRAL_RECORD).count();
    if records > MAX_WORKBOOK_PARTS {
        return Err(over(
            file,
            format!(
                "the workbook's zip container lists {} parts; spendlens reads workbooks of at most \
                 {} parts",
                grouped(records as u64),
                grouped(MAX_WORKBOOK_PARTS as u64)
            ),
        ));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        ImportError::whole_file(file, format!("not a readable XLSX workbook ({e})"))
    })?;
    let names: Vec<String> = zip
        .file_names_raw()
        .map(|n| String::from_utf8_lossy(n).to_ascii_lowercase())
        .collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    if !has("xl/workbook.xml") {
        let what = if has("xl/workbook.bin") {
            "an XLSB (binary Excel) workbook"
        } else if has("content.xml") {
            "an ODS (OpenDocument) spreadsheet"
        } else {
            "a zip file but not an XLSX workbook (it has no xl/workbook.xml)"
        };
        return Err(ImportError::whole_file(
            file,
            format!(
                "this is {what}: spendlens reads XLSX workbooks only (other formats expand whole \
                 before their size can be checked); save it as XLSX or as CSV"
            ),
        ));
    }
    let mut total = 0u64;
    for index in 0..zip.len() {
        let mut entry = zip.by_index(index).map_err(|e| {
            ImportError::whole_file(file, format!("a part of the workbook cannot be read ({e})"))
        })?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let part = Part::of(&name);
        let limit = part.limit();
        let too_big = |n: u64| {
            over(
                file,
                format!(
                    "the workbook part {name} expands to {}; spendlens reads {} of at most {} \
                     uncompressed",
                    size(n),
                    part.describe(),
                    size(limit)
                ),
            )
        };
        if entry.size() > limit {
            return Err(too_big(entry.size()));
        }
        let compressed = entry.compressed_size();
        let mut scan = XmlScan::new(part);
        let xml = is_xml(&name);
        let mut actual = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match entry.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    return Err(ImportError::whole_file(
                        file,
                        format!("the workbook part {name} is damaged ({e})"),
                    ));
                }
            };
            actual += n as u64;
            if actual > limit {
                return Err(too_big(actual));
            }
            if actual > RATIO_FLOOR_BYTES && actual / compressed.max(1) > MAX_COMPRESSION_RATIO {
                return Err(over(
                    file,
                    format!(
                        "the workbook part {name} is compressed more than {MAX_COMPRESSION_RATIO} \
                         to 1 ({} from {}): a zip bomb, not a spreadsheet",
                        size(actual),
                        size(compressed)
                    ),
                ));
            }
            if total + actual > MAX_WORKBOOK_BYTES {
                return Err(over(
                    file,
                    format!(
                        "the workbook expands to more than {} uncompressed; spendlens reads \
                         workbooks of at most {}",
                        size(MAX_WORKBOOK_BYTES),
                        size(MAX_WORKBOOK_BYTES)
                    ),
                ));
            }
            if xml {
                scan.feed(buf.get(..n).unwrap_or_default())
                    .map_err(|why| over(file, format!("the workbook part {name} {why}")))?;
            }
        }
        total += actual;
    }
    Ok(())
}

/// Why an XML part is refused for a run longer than [`MAX_XML_RUN_BYTES`].
fn run_too_long() -> String {
    format!(
        "has more than {} of text or markup without a tag; spendlens reads runs of at most {}",
        size(MAX_XML_RUN_BYTES as u64),
        size(MAX_XML_RUN_BYTES as u64)
    )
}

fn is_xml(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".xml", ".rels", ".vml"].iter().any(|e| lower.ends_with(e))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum XState {
    /// Text or the inside of a tag.
    Plain,
    /// Just after `<`.
    Open,
    /// In a tag's name (its first bytes are kept in `name`).
    Name,
    /// `<!` seen: a comment, CDATA or a declaration follows.
    Bang,
    /// Inside a comment, CDATA section or processing instruction, until `end`.
    Special(&'static [u8]),
}

/// Follows one XML part's bytes: the longest run between two `<` (the most the XML reader buffers
/// at once; a comment or CDATA section counts whole), and the elements the reader would hold.
#[derive(Debug)]
struct XmlScan {
    part: Part,
    state: XState,
    run: usize,
    name: Vec<u8>,
    /// The text of the `sst` tag, for its `uniqueCount`.
    sst: Option<Vec<u8>>,
    elements: usize,
    recent: [u8; 3],
}

impl XmlScan {
    fn new(part: Part) -> Self {
        XmlScan {
            part,
            state: XState::Plain,
            run: 0,
            name: Vec::new(),
            sst: None,
            elements: 0,
            recent: [0; 3],
        }
    }

    fn feed(&mut self, bytes: &[u8]) -> Result<(), String> {
        let mut at = 0;
        while let Some(&b) = bytes.get(at) {
            // Plain text or a tag's attributes (outside `sst`) mean nothing until the next `<`:
            // skip to it, counting the run and keeping the last bytes as one at a time would.
            if self.state == XState::Plain && self.sst.is_none() && b != b'<' {
                let rest = bytes.get(at..).unwrap_or_default();
                let skip = memchr::memchr(b'<', rest).unwrap_or(rest.len());
                self.run += skip;
                if self.run > MAX_XML_RUN_BYTES {
                    return Err(run_too_long());
                }
                for &c in rest.get(skip.saturating_sub(3)..skip).unwrap_or_default() {
                    self.recent = [self.recent[1], self.recent[2], c];
                }
                at += skip;
                continue;
            }
            // A tag whose name does not matter (see `Part::counts_elements`): its `<` and the
            // byte after leave the state the two steps below would (Open, then Plain).
            if b == b'<'
                && self.state == XState::Plain
                && self.sst.is_none()
                && !self.part.counts_elements()
                && let Some(&c) = bytes.get(at + 1)
                && c != b'!'
                && c != b'?'
            {
                // The `<` ends the run it is counted in, as in the step below.
                if self.run >= MAX_XML_RUN_BYTES {
                    return Err(run_too_long());
                }
                self.recent = [self.recent[2], b, c];
                self.run = 2;
                at += 2;
                continue;
            }
            at += 1;
            self.recent = [self.recent[1], self.recent[2], b];
            self.run += 1;
            if self.run > MAX_XML_RUN_BYTES {
                return Err(run_too_long());
            }
            self.state = match self.state {
                XState::Special(end) => {
                    if self.recent.ends_with(end) {
                        self.run = 0;
                        XState::Plain
                    } else {
                        XState::Special(end)
                    }
                }
                _ if b == b'<' => {
                    self.close_sst()?;
                    self.run = 1;
                    XState::Open
                }
                XState::Open => match b {
                    b'?' => XState::Special(b"?>"),
                    b'!' => XState::Bang,
                    b'/' => XState::Plain,
                    // Only shared strings and styles count their elements: elsewhere a tag's
                    // name is skipped like its attributes.
                    _ if !self.part.counts_elements() => XState::Plain,
                    _ => {
                        self.name.clear();
                        self.name.push(b);
                        XState::Name
                    }
                },
                XState::Bang => match b {
                    b'-' => XState::Special(b"-->"),
                    b'[' => XState::Special(b"]]>"),
                    _ => {
                        return Err(
                            "has a DOCTYPE or other declaration, which spreadsheet programs never \
                             write"
                                .to_owned(),
                        );
                    }
                },
                XState::Name => {
                    if b.is_ascii_whitespace() || b == b'>' || b == b'/' {
                        self.element()?;
                        XState::Plain
                    } else {
                        if self.name.len() < 64 {
                            self.name.push(b);
                        }
                        XState::Name
                    }
                }
                XState::Plain => {
                    if let Some(tag) = self.sst.as_mut() {
                        if b == b'>' {
                            self.close_sst()?;
                        } else if tag.len() < 4096 {
                            tag.push(b);
                        }
                    }
                    XState::Plain
                }
            };
        }
        Ok(())
    }

    /// An element's name was read.
    fn element(&mut self) -> Result<(), String> {
        let local = match self.name.iter().rposition(|&c| c == b':') {
            Some(i) => self.name.get(i + 1..).unwrap_or_default(),
            None => &self.name[..],
        };
        match self.part {
            Part::SharedStrings if local == b"si" => {
                self.elements += 1;
                if self.elements > MAX_SHARED_STRINGS {
                    return Err(format!(
                        "has more than {} shared strings; spendlens reads at most {}",
                        grouped(MAX_SHARED_STRINGS as u64),
                        grouped(MAX_SHARED_STRINGS as u64)
                    ));
                }
            }
            Part::SharedStrings if local == b"sst" => self.sst = Some(Vec::new()),
            Part::Styles => {
                self.elements += 1;
                if self.elements > MAX_STYLE_ELEMENTS {
                    return Err(format!(
                        "has more than {} style elements; spendlens reads at most {}",
                        grouped(MAX_STYLE_ELEMENTS as u64),
                        grouped(MAX_STYLE_ELEMENTS as u64)
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The end of the `sst` tag: its `uniqueCount` is what the reader reserves room for.
    fn close_sst(&mut self) -> Result<(), String> {
        let Some(tag) = self.sst.take() else {
            return Ok(());
        };
        let text = String::from_utf8_lossy(&tag);
        let Some(at) = text.find("uniqueCount") else {
            return Ok(());
        };
        let digits: String = text[at + "uniqueCount".len()..]
            .trim_start_matches(|c: char| c.is_whitespace() || c == '=' || c == '"' || c == '\'')
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let declared = digits.parse::<u64>().unwrap_or(u64::MAX);
        if !digits.is_empty() && declared > MAX_SHARED_STRINGS as u64 {
            return Err(format!(
                "declares {} shared strings; spendlens reads at most {}",
                if declared == u64::MAX {
                    format!("{digits} (too many to count)")
                } else {
                    grouped(declared)
                },
                grouped(MAX_SHARED_STRINGS as u64)
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scans `xml` fed whole and in small chunks (patterns across chunk ends), which must agree.
    fn scan(part: Part, xml: &[u8]) -> Result<usize, String> {
        let fed = |size: usize| {
            let mut s = XmlScan::new(part);
            for chunk in xml.chunks(size) {
                s.feed(chunk)?;
            }
            Ok(s.elements)
        };
        let whole = fed(xml.len().max(1));
        assert_eq!(whole, fed(3), "whole and in chunks of 3");
        whole
    }

    #[test]
    fn a_run_may_be_as_long_as_the_limit_and_no_longer() {
        for part in [Part::Sheet, Part::Styles] {
            let run = |x: usize| {
                let mut xml = b"<a><b".to_vec();
                xml.extend(std::iter::repeat_n(b'x', x));
                xml.extend_from_slice(b"/></a>");
                scan(part, &xml)
            };
            // `<b`, the x's, `/>` and the next `<`, which counts in the run it ends.
            let ok = run(MAX_XML_RUN_BYTES - 5);
            assert!(ok.is_ok(), "{part:?}: {ok:?}");
            assert!(run(MAX_XML_RUN_BYTES - 4).is_err(), "{part:?}");
        }
    }

    #[test]
    fn runs_between_tags_are_bounded_and_comments_count_whole() {
        let mut xml = b"<a>".to_vec();
        xml.extend(std::iter::repeat_n(b' ', MAX_XML_RUN_BYTES + 1));
        xml.extend_from_slice(b"</a>");
        assert!(scan(Part::Sheet, &xml).is_err());
        let mut ok = b"<a>".to_vec();
        for _ in 0..4 {
            ok.extend(std::iter::repeat_n(b'x', MAX_XML_RUN_BYTES / 2));
            ok.extend_from_slice(b"<b/>");
        }
        assert!(scan(Part::Sheet, &ok).is_ok());
        // A '<' inside a comment does not end the run: the reader buffers the comment whole.
        let mut comment = b"<!--".to_vec();
        for _ in 0..(MAX_XML_RUN_BYTES / 2) {
            comment.extend_from_slice(b"<x");
        }
        comment.extend_from_slice(b"-->");
        assert!(scan(Part::Sheet, &comment).is_err());
        assert!(scan(Part::Other, b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>").is_err());
    }

    #[test]
    fn shared_strings_are_counted_and_their_declared_count_checked() {
        assert_eq!(
            scan(
                Part::SharedStrings,
                b"<sst uniqueCount=\"2\"><si><t>a</t></si><x:si><t>b</t></x:si></sst>"
            ),
            Ok(2)
        );
        let e = scan(
            Part::SharedStrings,
            b"<?xml version=\"1.0\"?><sst xmlns=\"x\" count=\"1\" uniqueCount=\"4000000000000\"><si/></sst>",
        )
        .expect_err("huge declared count");
        assert!(e.contains("4,000,000,000,000 shared strings"), "{e}");
    }
}
