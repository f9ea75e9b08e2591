//! A PDF's text, extracted within limits: the pages counted and every stream's decoded size
//! measured (without keeping the output) before the extractor decodes anything; the text keeps
//! the pages' layout ([`super::layout`]).
//!
//! What this cannot bound in-process: the PDF library decodes object streams while it loads the
//! document, and a document of millions of tiny objects costs far more than its bytes. The server
//! therefore runs this in a child process under an address-space and time limit
//! (`spendlens_app::isolation`); in-process (the CLI, tests) these checks are what hold.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pdf_extract::{Document, Object};

use super::decode::{decoded_size, inflate, lzw};
use super::layout::Layout;

use crate::error::ImportError;
use crate::exports::check_size;
use crate::limits::{
    MAX_PDF_DECODED_BYTES, MAX_PDF_PAGES, MAX_PDF_STREAM_BYTES, bytes as size, grouped,
};
use crate::model::ImportOptions;

fn over(file: &str, message: String) -> ImportError {
    ImportError::OverLimit {
        file: file.to_owned(),
        message,
    }
}

/// The text of a PDF (pages in order, a form feed before each page after the first, each line's
/// cells at the columns their positions give), or why it was not read.
///
/// The extractor (pdf-extract over lopdf) panics on some malformed files, so it runs inside
/// `catch_unwind`; the size limit of `options` applies first, then [`MAX_PDF_PAGES`], the decoded
/// size of every stream ([`MAX_PDF_STREAM_BYTES`], [`MAX_PDF_DECODED_BYTES`]) and the text's
/// ([`crate::limits::MAX_PDF_TEXT_BYTES`]). A time limit is the caller's job: a library without a clock cannot
/// impose one.
pub fn extract_text(
    bytes: &[u8],
    file: &str,
    options: &ImportOptions,
) -> Result<String, ImportError> {
    check_size(bytes, file, options)?;
    if !bytes.starts_with(b"%PDF-") {
        return Err(ImportError::whole_file(
            file,
            "not a PDF file (it does not start with %PDF-)",
        ));
    }
    catch_unwind(AssertUnwindSafe(|| extract_checked(bytes, file))).map_err(|_| {
        ImportError::whole_file(file, "the PDF is damaged: its text could not be extracted")
    })?
}

fn extract_checked(bytes: &[u8], file: &str) -> Result<String, ImportError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        ImportError::whole_file(file, format!("the PDF could not be read: {e}"))
    };
    prescan(bytes, file)?;
    let mut doc = Document::load_mem(bytes).map_err(|e| unreadable(&e))?;
    if doc.is_encrypted() {
        // What pdf-extract does: reports protected only against changes open with no password.
        doc.decrypt("").map_err(|e| unreadable(&e))?;
    }
    let pages = doc.get_pages();
    if pages.len() > MAX_PDF_PAGES {
        return Err(over(
            file,
            format!(
                "the PDF has {} pages; spendlens reads reports of at most {} pages",
                grouped(pages.len() as u64),
                grouped(MAX_PDF_PAGES as u64)
            ),
        ));
    }
    check_streams(&doc, file)?;
    super::fonts::repair_widths(&mut doc);
    let mut layout = Layout::default();
    let written = pdf_extract::output_doc(&doc, &mut layout);
    if let Some(why) = layout.over.take() {
        return Err(over(file, why));
    }
    written.map_err(|e| unreadable(&e))?;
    Ok(layout.into_text())
}

/// Before the library loads the file (and decodes its object streams while doing so): every
/// `stream` keyword's data is tried as Flate (zlib, then raw), as ASCII85 then Flate, and as LZW
/// (either code-size switch), counting what it would decode to. Whatever the dictionary says (it is not parsed here), no
/// data in the file may inflate past the stream limit, nor all of it past the document's.
fn prescan(bytes: &[u8], file: &str) -> Result<(), ImportError> {
    let mut total = 0u64;
    let mut from = 0;
    while let Some(at) = find(bytes.get(from..).unwrap_or_default(), b"stream") {
        let keyword = from + at;
        from = keyword + b"stream".len();
        if bytes.get(keyword.saturating_sub(3)..keyword) == Some(b"end") {
            continue;
        }
        let data = match bytes.get(from..) {
            Some([b'\r', b'\n', rest @ ..] | [b'\n', rest @ ..] | [b'\r', rest @ ..]) => rest,
            _ => continue,
        };
        let mut largest = 0u64;
        let attempts = [
            inflate(data, false),
            ascii85_inflate(data),
            lzw(data, None, false),
            lzw(data, Some(&late_change()), false),
        ];
        for attempt in attempts {
            let attempt = attempt.and_then(|m| {
                if m.size > MAX_PDF_STREAM_BYTES {
                    Err(format!(
                        "decodes to more than {}",
                        size(MAX_PDF_STREAM_BYTES)
                    ))
                } else {
                    Ok(m)
                }
            });
            match attempt {
                Ok(m) => largest = largest.max(m.size),
                Err(why) => {
                    return Err(over(
                        file,
                        format!(
                            "the PDF has a stream (at byte {keyword}) that {why}; spendlens \
                             decodes streams of at most {}",
                            size(MAX_PDF_STREAM_BYTES)
                        ),
                    ));
                }
            }
        }
        total += largest;
        if total > MAX_PDF_DECODED_BYTES {
            return Err(over(
                file,
                format!(
                    "the PDF's streams decode to more than {}; spendlens reads reports of at most \
                     {} decoded",
                    size(MAX_PDF_DECODED_BYTES),
                    size(MAX_PDF_DECODED_BYTES)
                ),
            ));
        }
    }
    Ok(())
}

/// ASCII85 text (up to its `~>`) inflated: the one chain that hides Flate data from a plain try.
fn ascii85_inflate(data: &[u8]) -> Result<super::decode::Measured, String> {
    let end = find(data, b"~>").map_or(data.len(), |i| i + 2);
    let text = data.get(..end).unwrap_or_default();
    if !text
        .iter()
        .take(64)
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
    {
        return Ok(super::decode::Measured {
            size: 0,
            kept: None,
        });
    }
    let decoded = super::decode::ascii85(text)?;
    inflate(decoded.kept.as_deref().unwrap_or_default(), false)
}

/// LZW parameters with the late code-size switch (`EarlyChange 0`).
fn late_change() -> pdf_extract::Dictionary {
    let mut params = pdf_extract::Dictionary::new();
    params.set("EarlyChange", 0);
    params
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Measures what every stream decodes to, stopping at the limits, before the extractor decodes
/// any for real (it keeps nothing: the output is counted and dropped).
fn check_streams(doc: &Document, file: &str) -> Result<(), ImportError> {
    let mut total = 0u64;
    for (id, object) in &doc.objects {
        let Object::Stream(stream) = object else {
            continue;
        };
        let decoded = decoded_size(stream).map_err(|why| {
            over(
                file,
                format!(
                    "the PDF's stream {} {why}; spendlens decodes streams of at most {}",
                    id.0,
                    size(MAX_PDF_STREAM_BYTES)
                ),
            )
        })?;
        total += decoded;
        if total > MAX_PDF_DECODED_BYTES {
            return Err(over(
                file,
                format!(
                    "the PDF's streams decode to more than {}; spendlens reads reports of at most \
                     {} decoded",
                    size(MAX_PDF_DECODED_BYTES),
                    size(MAX_PDF_DECODED_BYTES)
                ),
            ));
        }
    }
    Ok(())
}
