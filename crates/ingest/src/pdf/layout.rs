//! A PDF's text as it stands on its pages: every glyph with its position (what the PDF library
//! reports through its `OutputDev`), gathered into lines by baseline and into cells by the gaps
//! between words, and written as text that keeps the layout.
//!
//! The text is the whole interface between extraction and reading: each page after a form feed,
//! each visual line on one text line (top to bottom), each cell at the column its left edge
//! gives it (one column per average glyph width of the page), two spaces at least between cells.
//! A table's columns therefore stay columns, and the same text crosses the process boundary of
//! the isolated reader (`spendlens_app::isolation`) unchanged. The library's own plain-text
//! output was the alternative: it writes glyphs in drawing order with single spaces, which loses
//! which value stood under which heading.
//!
//! Rotated and mirrored glyphs (axis labels of charts) are left out: they form no line.

use std::fmt;

use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};

use crate::limits::{MAX_PDF_TEXT_BYTES, bytes as size, grouped};

/// A gap of this many font sizes or more between glyphs separates cells; a smaller one above
/// [`WORD_GAP`] separates words.
const CELL_GAP: f64 = 0.8;
const WORD_GAP: f64 = 0.15;

/// Glyphs kept of one page: far beyond a dense report page, bounded so that a page of millions
/// of glyphs is refused rather than held.
const MAX_PAGE_GLYPHS: usize = 200_000;

/// The widest column a cell is placed at.
const MAX_COLUMN: f64 = 2_000.0;

#[derive(Debug, Clone)]
struct Glyph {
    x: f64,
    y: f64,
    end: f64,
    size: f64,
    text: String,
}

/// Collects the glyphs of each page and writes the page's text when it ends.
#[derive(Debug, Default)]
pub(super) struct Layout {
    text: String,
    page: Vec<Glyph>,
    pages: usize,
    left: f64,
    top: f64,
    /// Why the extraction stopped: the text or a page grew past its limit.
    pub(super) over: Option<String>,
}

impl Layout {
    /// The text of the pages read so far.
    pub(super) fn into_text(self) -> String {
        self.text
    }

    fn stop(&mut self, why: String) -> Result<(), OutputError> {
        self.over = Some(why);
        Err(OutputError::FormatError(fmt::Error))
    }
}

impl OutputDev for Layout {
    fn begin_page(
        &mut self,
        _page_num: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.left = media_box.llx;
        self.top = media_box.ury;
        self.page.clear();
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        if self.pages > 0 {
            self.text.push('\u{c}');
        }
        self.pages += 1;
        render(std::mem::take(&mut self.page), &mut self.text);
        if self.text.len() > MAX_PDF_TEXT_BYTES {
            let limit = size(MAX_PDF_TEXT_BYTES as u64);
            return self.stop(format!(
                "the PDF's text is longer than {limit}; spendlens reads reports of at most {limit} \
                 of text"
            ));
        }
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        text: &str,
    ) -> Result<(), OutputError> {
        let text: String = text.chars().filter(|c| !c.is_control()).collect();
        if text.trim().is_empty() {
            return Ok(());
        }
        let (a, b, c, d) = (trm.m11, trm.m12, trm.m21, trm.m22);
        let upright = a > 0.0 && d > 0.0 && b.abs() <= 0.01 * a && c.abs() <= 0.01 * d;
        let size = font_size.abs() * (a * d).sqrt();
        let glyph = Glyph {
            x: trm.m31 - self.left,
            y: self.top - trm.m32,
            end: trm.m31 - self.left + width * font_size.abs() * a,
            size,
            text,
        };
        let finite = [glyph.x, glyph.y, glyph.end, glyph.size]
            .iter()
            .all(|v| v.is_finite());
        if !upright || !finite || size <= 0.0 {
            return Ok(());
        }
        if self.page.len() >= MAX_PAGE_GLYPHS {
            return self.stop(format!(
                "page {} of the PDF holds more than {} characters; spendlens reads report pages \
                 of at most {}",
                self.pages + 1,
                grouped(MAX_PAGE_GLYPHS as u64),
                grouped(MAX_PAGE_GLYPHS as u64)
            ));
        }
        self.page.push(glyph);
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

/// One cell of a line: where it starts and its text.
struct Run {
    x: f64,
    text: String,
}

/// The column a position stands at, one column per `unit`.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped to [0, MAX_COLUMN]
fn column(x: f64, unit: f64) -> usize {
    (x / unit).round().clamp(0.0, MAX_COLUMN) as usize
}

/// Writes a page's glyphs as lines of cells (see the module documentation).
fn render(mut glyphs: Vec<Glyph>, out: &mut String) {
    if glyphs.is_empty() {
        return;
    }
    // One column per median glyph advance: a cell's text then takes about the columns its
    // glyphs take on the page.
    let mut advances: Vec<f64> = glyphs
        .iter()
        .map(|g| (g.end - g.x) / g.text.chars().count().max(1) as f64)
        .filter(|a| *a > 0.0)
        .collect();
    advances.sort_by(f64::total_cmp);
    let unit = advances
        .get(advances.len() / 2)
        .copied()
        .unwrap_or(5.0)
        .clamp(1.5, 12.0);
    glyphs.sort_by(|p, q| p.y.total_cmp(&q.y).then(p.x.total_cmp(&q.x)));
    let mut lines: Vec<Vec<Glyph>> = Vec::new();
    let mut base = (f64::NEG_INFINITY, 0.0);
    for g in glyphs {
        match lines.last_mut() {
            Some(line) if (g.y - base.0).abs() <= 0.4 * g.size.max(base.1) => line.push(g),
            _ => {
                base = (g.y, g.size);
                lines.push(vec![g]);
            }
        }
    }
    let mut first = true;
    for mut line in lines {
        line.sort_by(|p, q| p.x.total_cmp(&q.x));
        let runs = runs(&line);
        if !first {
            out.push('\n');
        }
        first = false;
        let mut at = 0usize;
        for (i, run) in runs.iter().enumerate() {
            let mut target = column(run.x, unit);
            if i > 0 {
                target = target.max(at + 2);
            }
            out.extend(std::iter::repeat_n(' ', target.saturating_sub(at)));
            out.push_str(&run.text);
            at = target.max(at) + run.text.chars().count();
        }
    }
}

/// The cells of a line of glyphs sorted left to right; a glyph drawn twice at the same place (a
/// bold effect) counts once.
fn runs(line: &[Glyph]) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut prev: Option<&Glyph> = None;
    for g in line {
        if let Some(p) = prev {
            let size = p.size.max(g.size);
            if p.text == g.text && (g.x - p.x).abs() < 0.2 * size {
                continue;
            }
            let gap = g.x - p.end;
            if let Some(run) = out.last_mut()
                && gap <= CELL_GAP * size
            {
                if gap > WORD_GAP * size {
                    run.text.push(' ');
                }
                run.text.push_str(&g.text);
                prev = Some(g);
                continue;
            }
        }
        out.push(Run {
            x: g.x,
            text: g.text.clone(),
        });
        prev = Some(g);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyphs(y: f64, x: f64, text: &str) -> Vec<Glyph> {
        text.chars()
            .enumerate()
            .filter(|(_, c)| *c != ' ')
            .map(|(i, c)| Glyph {
                x: x + 5.0 * i as f64,
                y,
                end: x + 5.0 * (i + 1) as f64,
                size: 10.0,
                text: c.to_string(),
            })
            .collect()
    }

    #[test]
    fn glyphs_become_lines_of_cells_at_their_columns() {
        let mut page = glyphs(100.0, 50.0, "Week");
        page.extend(glyphs(100.0, 150.0, "Spend"));
        page.extend(glyphs(121.0, 150.0, "1.200,50"));
        page.extend(glyphs(120.0, 50.0, "Jun 3 - 9"));
        let mut out = String::new();
        render(page, &mut out);
        assert_eq!(
            out,
            "          Week                Spend\n          Jun 3 - 9           1.200,50"
        );
    }
}
