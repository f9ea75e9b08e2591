//! A PDF read back in Rust, so checking what a rendered PDF says needs no poppler: the text of
//! each page through pdf-extract (the crate spendlens-ingest reads PDF reports with) and each
//! page's size through the lopdf it re-exports.
use pdf_extract::{Document, Object};

/// What a PDF holds, page by page.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfPages {
    /// The text of each page, in page order.
    pub text: Vec<String>,
    /// Each page's media box as (width, height) in points: A4 is about 595 × 842.
    pub sizes: Vec<(f32, f32)>,
}

impl PdfPages {
    /// Every page's text, in order.
    pub fn all_text(&self) -> String {
        self.text.concat()
    }

    /// Whether some page shows `needle`, spacing aside (see [`shows`]).
    pub fn shows(&self, needle: &str) -> bool {
        shows(&self.all_text(), needle)
    }
}

/// Whether extracted `text` shows `needle`, ignoring whitespace: pdf-extract guesses spaces from
/// glyph positions, so it drops some between runs (`2026-01-05Amounts`) and puts one between
/// every glyph of text drawn glyph by glyph, as the SVG charts' titles are (`R O A S`).
pub fn shows(text: &str, needle: &str) -> bool {
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    squash(text).contains(&squash(needle))
}

/// Reads `bytes` as a PDF; panics (failing the test) when it is not one.
pub fn read(bytes: &[u8]) -> PdfPages {
    let doc = Document::load_mem(bytes).unwrap_or_else(|e| panic!("not a PDF: {e}"));
    let sizes = doc
        .get_pages()
        .into_values()
        .map(|id| media_box(&doc, id).unwrap_or_else(|| panic!("page {id:?} has no MediaBox")))
        .collect();
    let text = pdf_extract::extract_text_from_mem_by_pages(bytes)
        .unwrap_or_else(|e| panic!("PDF text: {e}"));
    PdfPages { text, sizes }
}

/// A page's MediaBox, looked up through the page tree since a page may inherit it.
fn media_box(doc: &Document, mut id: (u32, u16)) -> Option<(f32, f32)> {
    loop {
        let dict = doc.get_dictionary(id).ok()?;
        if let Ok(Object::Array(b)) = dict.get(b"MediaBox") {
            let n: Vec<f32> = b.iter().filter_map(|o| o.as_float().ok()).collect();
            return match n.as_slice() {
                [x0, y0, x1, y1] => Some(((x1 - x0).abs(), (y1 - y0).abs())),
                _ => None,
            };
        }
        id = dict.get(b"Parent").ok()?.as_reference().ok()?;
    }
}
