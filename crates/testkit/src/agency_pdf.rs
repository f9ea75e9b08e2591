//! Report PDFs as agencies lay them out, written in the tests: titles, lines of text and tables
//! with a left-aligned label column and right-aligned figures, on A4 pages, in real embedded text
//! (the Roboto charts-rs ships) through krilla, the PDF writer spendlens' own reports use. Each
//! test writes its figures by hand, so the reader is checked against numbers it did not compute.
//!
//! Positions are in points from the page's top left corner; `y` is a text baseline.

use charts_rs::{DEFAULT_FONT_DATA, DEFAULT_FONT_FAMILY, measure_text_width_family};
use krilla::Document;
use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};

/// A4, in points.
pub const WIDTH: f32 = 595.0;
pub const HEIGHT: f32 = 842.0;

/// How a table's headings stand over their columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headings {
    /// Over the right edge of the figures, as most report tools set them.
    Right,
    /// At the left edge of the column.
    Left,
}

/// A table: the label column's left edge, each value column's right edge, the text size and
/// the line height.
#[derive(Debug, Clone)]
pub struct Table {
    pub left: f32,
    pub rights: Vec<f32>,
    pub size: f32,
    pub leading: f32,
    pub headings: Headings,
}

impl Table {
    /// A table with the label at `left` and value columns ending at `rights`, in 9 pt.
    pub fn new(left: f32, rights: &[f32]) -> Table {
        Table {
            left,
            rights: rights.to_vec(),
            size: 9.0,
            leading: 15.0,
            headings: Headings::Right,
        }
    }
}

#[derive(Debug, Clone)]
struct Text {
    x: f32,
    y: f32,
    size: f32,
    text: String,
}

/// A report being written: pages of text.
#[derive(Debug, Clone, Default)]
pub struct ReportPdf {
    pages: Vec<Vec<Text>>,
}

/// The width of `text` at `size` points in the embedded font.
pub fn width(text: &str, size: f32) -> f32 {
    measure_text_width_family(DEFAULT_FONT_FAMILY, size, text)
        .map(|b| b.width())
        .unwrap_or_else(|e| panic!("measuring {text:?}: {e:?}"))
}

impl ReportPdf {
    /// A report with one empty page.
    pub fn new() -> ReportPdf {
        ReportPdf {
            pages: vec![Vec::new()],
        }
    }

    /// Starts the next page.
    pub fn page(&mut self) -> &mut Self {
        self.pages.push(Vec::new());
        self
    }

    fn current(&mut self) -> &mut Vec<Text> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// `text` with its left edge at `x`.
    pub fn text(&mut self, x: f32, y: f32, size: f32, text: &str) -> &mut Self {
        self.current().push(Text {
            x,
            y,
            size,
            text: text.to_owned(),
        });
        self
    }

    /// `text` with its right edge at `right`.
    pub fn right(&mut self, right: f32, y: f32, size: f32, text: &str) -> &mut Self {
        let x = right - width(text, size);
        self.text(x, y, size, text)
    }

    /// One row of `table` at baseline `y`: the label, then each value right-aligned in its
    /// column (an empty string leaves the cell blank).
    pub fn row(&mut self, table: &Table, y: f32, cells: &[&str]) -> &mut Self {
        if let Some((label, values)) = cells.split_first() {
            self.text(table.left, y, table.size, label);
            for (value, right) in values.iter().zip(&table.rights) {
                if !value.is_empty() {
                    self.right(*right, y, table.size, value);
                }
            }
        }
        self
    }

    /// The heading row of `table` at baseline `y`, each heading placed as `table.headings`
    /// says (left-aligned ones start where the widest of `widest` figures starts).
    pub fn headings(
        &mut self,
        table: &Table,
        y: f32,
        cells: &[&str],
        widest: &[&str],
    ) -> &mut Self {
        if let Some((label, values)) = cells.split_first() {
            self.text(table.left, y, table.size, label);
            for (i, (heading, right)) in values.iter().zip(&table.rights).enumerate() {
                match table.headings {
                    Headings::Right => {
                        self.right(*right, y, table.size, heading);
                    }
                    Headings::Left => {
                        let figure = widest.get(i).copied().unwrap_or(heading);
                        let x = right - width(figure, table.size).max(width(heading, table.size));
                        self.text(x, y, table.size, heading);
                    }
                }
            }
        }
        self
    }

    /// A whole table from `top`: the headings, then each row a line lower; the baseline after
    /// the last row is returned.
    pub fn table(&mut self, table: &Table, top: f32, headings: &[&str], rows: &[Vec<&str>]) -> f32 {
        let widest: Vec<&str> = (1..headings.len())
            .map(|c| {
                rows.iter()
                    .filter_map(|r| r.get(c).copied())
                    .max_by(|a, b| width(a, table.size).total_cmp(&width(b, table.size)))
                    .unwrap_or("")
            })
            .collect();
        self.headings(table, top, headings, &widest);
        let mut y = top;
        for r in rows {
            y += table.leading;
            self.row(table, y, r);
        }
        y + table.leading
    }

    /// The PDF's bytes.
    pub fn finish(&self) -> Vec<u8> {
        let font = Font::new(DEFAULT_FONT_DATA.into(), 0)
            .unwrap_or_else(|| panic!("the embedded font could not be read"));
        let mut document = Document::new();
        for page in &self.pages {
            let settings = PageSettings::from_wh(WIDTH, HEIGHT)
                .unwrap_or_else(|| panic!("the page size is invalid"));
            let mut p = document.start_page_with(settings);
            let mut surface = p.surface();
            for t in page {
                surface.draw_text(
                    Point::from_xy(t.x, t.y),
                    font.clone(),
                    t.size,
                    &t.text,
                    false,
                    TextDirection::Auto,
                );
            }
            surface.finish();
            p.finish();
        }
        document
            .finish()
            .unwrap_or_else(|e| panic!("writing the PDF: {e:?}"))
    }
}
