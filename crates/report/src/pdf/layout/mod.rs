//! Page layout: turns a report into pages of positioned drawing operations.
//!
//! Layout is separate from drawing so that it can be tested without reading a PDF back (every page
//! of a long table starts with its header row) and so that the page count is known before the
//! footers ("page 2 of 5") are written.

mod table;

use crate::model::{Report, Section};

use super::text::{fit, printable, width, wrap};

/// A4 in PDF points, portrait.
const A4_SHORT: f32 = 595.28;
const A4_LONG: f32 = 841.89;
/// 15 mm.
const MARGIN: f32 = 42.52;
const TOP: f32 = MARGIN;
/// The room the footer takes above the bottom margin.
const FOOTER_ROOM: f32 = 14.0;

/// Roboto's ascent, in ems: where the baseline sits below the top of a line.
const ASCENT: f32 = 0.93;
const LINE: f32 = 1.25;
const CELL_PAD_X: f32 = 4.0;
const CELL_PAD_Y: f32 = 3.0;
const MIN_TABLE_FONT: f32 = 4.0;

pub(crate) const INK: (u8, u8, u8) = (0x1A, 0x1A, 0x1A);
const GREY: (u8, u8, u8) = (0x55, 0x5B, 0x63);
const HEADER_FILL: (u8, u8, u8) = (0xE8, 0xEE, 0xF4);
const STRIPE_FILL: (u8, u8, u8) = (0xF6, 0xF8, 0xFA);
const RULE: (u8, u8, u8) = (0x9A, 0xA5, 0xB1);

/// One drawing operation, in points from the top-left corner of the page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// A single line of text; `y` is its baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
        bold: bool,
        color: (u8, u8, u8),
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: (u8, u8, u8),
    },
    /// Chart `chart` (an index into [`Charts`]) scaled into the box.
    Svg {
        chart: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// One laid-out page: A4, portrait unless a section's table needs the width of landscape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Page {
    pub landscape: bool,
    pub ops: Vec<Op>,
}

impl Page {
    /// Width and height in points.
    pub(crate) fn size(&self) -> (f32, f32) {
        size(self.landscape)
    }
}

fn size(landscape: bool) -> (f32, f32) {
    if landscape {
        (A4_LONG, A4_SHORT)
    } else {
        (A4_SHORT, A4_LONG)
    }
}

fn content_width(landscape: bool) -> f32 {
    size(landscape).0 - 2.0 * MARGIN
}

/// Where content stops, above the footer.
fn bottom(landscape: bool) -> f32 {
    size(landscape).1 - MARGIN - FOOTER_ROOM
}

/// The charts of a report in order, with their sizes in SVG units; the drawer keeps the parsed
/// trees in the same order.
pub(crate) type Charts = [(f32, f32)];

/// Lays out the whole report. `chart_sizes` holds the size of every chart of every section, in
/// section order.
pub(crate) fn layout(report: &Report, chart_sizes: &Charts) -> Vec<Page> {
    let mut l = Layout {
        pages: vec![Page {
            landscape: false,
            ops: Vec::new(),
        }],
        y: TOP,
    };
    l.paragraph(&report.title, 20.0, true, INK, 6.0);
    l.paragraph(
        &format!(
            "Period: {} to {}",
            spendlens_core::dates::day(report.period.start),
            spendlens_core::dates::day(report.period.end)
        ),
        10.5,
        false,
        INK,
        2.0,
    );
    l.paragraph(
        &format!(
            "Generated on {}",
            spendlens_core::dates::day(report.generated_on)
        ),
        9.0,
        false,
        GREY,
        2.0,
    );
    l.paragraph(&report.currency_label(), 9.0, false, GREY, 14.0);

    let mut chart_index = 0;
    for section in &report.sections {
        l.section(section, &mut chart_index, chart_sizes);
    }

    let count = l.pages.len();
    let title = printable(&report.title).replace('\n', " ");
    for (i, page) in l.pages.iter_mut().enumerate() {
        let (page_width, page_height) = page.size();
        let baseline = page_height - MARGIN + 6.0;
        let label = format!("Page {} of {count}", i + 1);
        let label_width = width(&label, 8.0);
        let title = fit(
            &title,
            8.0,
            content_width(page.landscape) - label_width - 24.0,
        );
        page.ops.push(Op::Text {
            x: MARGIN,
            y: baseline,
            size: 8.0,
            text: title,
            bold: false,
            color: GREY,
        });
        page.ops.push(Op::Text {
            x: page_width - MARGIN - label_width,
            y: baseline,
            size: 8.0,
            text: label,
            bold: false,
            color: GREY,
        });
    }
    l.pages
}

struct Layout {
    /// Never empty.
    pages: Vec<Page>,
    /// The top of the free space on the current page.
    y: f32,
}

impl Layout {
    fn landscape(&self) -> bool {
        self.pages.last().is_some_and(|p| p.landscape)
    }

    fn width(&self) -> f32 {
        content_width(self.landscape())
    }

    fn bottom(&self) -> f32 {
        bottom(self.landscape())
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Page {
                landscape: false,
                ops: Vec::new(),
            });
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last].ops
    }

    fn new_page(&mut self) {
        let landscape = self.landscape();
        self.pages.push(Page {
            landscape,
            ops: Vec::new(),
        });
        self.y = TOP;
    }

    /// Continues on a page of the given orientation: turns the current page when nothing is on
    /// it yet, else starts a new one.
    fn orient(&mut self, landscape: bool) {
        if self.landscape() == landscape {
            return;
        }
        if !self.at_top() {
            self.new_page();
        }
        if let Some(page) = self.pages.last_mut() {
            page.landscape = landscape;
        }
    }

    fn at_top(&self) -> bool {
        self.y <= TOP
    }

    /// Starts a new page unless `height` fits below the cursor (or the page is still empty).
    fn ensure(&mut self, height: f32) {
        if self.y + height > self.bottom() && !self.at_top() {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, top: f32, size: f32, text: String, bold: bool, color: (u8, u8, u8)) {
        if text.is_empty() {
            return;
        }
        self.ops().push(Op::Text {
            x,
            y: top + size * ASCENT,
            size,
            text,
            bold,
            color,
        });
    }

    /// Wrapped text across the content width, breaking pages between lines.
    fn paragraph(&mut self, text: &str, size: f32, bold: bool, color: (u8, u8, u8), after: f32) {
        let line_height = size * LINE;
        for line in wrap(&printable(text), size, self.width(), usize::MAX) {
            self.ensure(line_height);
            let y = self.y;
            self.text(MARGIN, y, size, line, bold, color);
            self.y += line_height;
        }
        self.y += after;
    }

    fn section(&mut self, section: &Section, chart_index: &mut usize, sizes: &Charts) {
        let heading = printable(&section.title).replace('\n', " ");
        let heading_height = 13.0 * LINE + 4.0;
        let plan = table::plan(&section.table);
        self.orient(plan.as_ref().is_some_and(|p| p.landscape));
        let parts = plan.as_ref().map_or(&[][..], |p| p.parts.as_slice());
        let split = parts.len() > 1;
        let caption_height = if split { 9.0 * LINE + 2.0 } else { 0.0 };
        // The heading stays with the header row and the first row of the table, or with the
        // first chart of a section without a table.
        let first_rows = match (parts.first(), section.charts.first()) {
            (Some(t), _) => {
                caption_height + t.header_height + t.rows.first().map_or(0.0, |r| r.height)
            }
            (None, Some(chart)) => {
                let (w, h) = sizes.get(*chart_index).copied().unwrap_or((1.0, 1.0));
                let (_, height, caption) = self.chart_box(w, h, &chart.alt);
                height + 4.0 + index_f32(caption.len()) * 8.0 * LINE
            }
            (None, None) => 0.0,
        };
        // A table (or the first part) that fits on a page is kept together with its heading.
        let whole = parts.first().map(|t| caption_height + table::height(t));
        let room = self.bottom() - TOP;
        match whole {
            Some(h) if heading_height + h <= room => self.ensure(heading_height + h),
            _ => self.ensure(heading_height + first_rows),
        }
        let lines = wrap(&heading, 13.0, self.width(), 3);
        for line in lines {
            let y = self.y;
            self.text(MARGIN, y, 13.0, line, true, INK);
            self.y += 13.0 * LINE;
        }
        self.y += 4.0;
        let columns = plan.as_ref().map_or(0, |p| p.columns);
        for (i, part) in parts.iter().enumerate() {
            if split {
                let caption = part_caption(i, parts.len(), &part.columns, columns);
                let first_row = part.rows.first().map_or(0.0, |r| r.height);
                let whole = caption_height + table::height(part);
                // A later part that fits a page starts on one; the first stays under the
                // heading, which was placed with room for its header and first row (a first
                // part moved to the next page would leave the heading alone on this one).
                if i > 0 && whole <= self.bottom() - TOP {
                    self.ensure(whole);
                } else {
                    self.ensure(caption_height + part.header_height + first_row);
                }
                let y = self.y;
                self.text(MARGIN, y, 9.0, caption, false, GREY);
                self.y += caption_height;
            }
            self.table(part, &heading);
            self.y += 12.0;
        }
        for (i, chart) in section.charts.iter().enumerate() {
            let (w, h) = sizes.get(*chart_index + i).copied().unwrap_or((1.0, 1.0));
            self.chart(*chart_index + i, w, h, &chart.alt);
        }
        *chart_index += section.charts.len();
        self.y += 8.0;
    }

    /// The box a chart is drawn in: the content width, or less for a chart that would be taller
    /// than three quarters of the page; and its caption (the text alternative), wrapped.
    fn chart_box(&self, svg_width: f32, svg_height: f32, alt: &str) -> (f32, f32, Vec<String>) {
        let ratio = if svg_width > 0.0 && svg_height > 0.0 {
            svg_height / svg_width
        } else {
            0.5
        };
        let full = self.width();
        let max_height = (self.bottom() - TOP) * 0.75;
        let (w, h) = if full * ratio > max_height {
            (max_height / ratio, max_height)
        } else {
            (full, full * ratio)
        };
        (w, h, wrap(&printable(alt), 8.0, full, 6))
    }

    fn chart(&mut self, index: usize, svg_width: f32, svg_height: f32, alt: &str) {
        let (w, h, caption) = self.chart_box(svg_width, svg_height, alt);
        let caption_height = index_f32(caption.len()) * 8.0 * LINE;
        self.ensure(h + 4.0 + caption_height);
        let y = self.y;
        self.ops().push(Op::Svg {
            chart: index,
            x: MARGIN,
            y,
            w,
            h,
        });
        self.y += h + 4.0;
        for line in caption {
            let y = self.y;
            self.text(MARGIN, y, 8.0, line, false, GREY);
            self.y += 8.0 * LINE;
        }
        self.y += 12.0;
    }
}

/// "Part 2 of 2: columns 1 and 11–19 of 19", so a reader knows the parts are one table.
fn part_caption(part: usize, parts: usize, shown: &[usize], columns: usize) -> String {
    let rest: Vec<usize> = shown.iter().copied().filter(|c| *c != 0).collect();
    let range = match (rest.first(), rest.last()) {
        (Some(a), Some(b)) if a == b => format!(" and {}", a + 1),
        (Some(a), Some(b)) => format!(" and {}–{}", a + 1, b + 1),
        _ => String::new(),
    };
    format!(
        "Part {} of {parts}: columns 1{range} of {columns} (the first column repeats in every part)",
        part + 1
    )
}

fn index_f32(i: usize) -> f32 {
    u16::try_from(i).map_or(f32::from(u16::MAX), f32::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::{Cell, CurrencyNote, Period, Table};
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    fn long_report(rows: usize, columns: usize) -> Report {
        let day = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
        let table = Table {
            header: (0..columns).map(|c| format!("Head{c}")).collect(),
            rows: (0..rows)
                .map(|r| {
                    (0..columns)
                        .map(|c| match c {
                            0 => Cell::text(format!("row {r} with a longer name to wrap")),
                            _ => Cell::money(Decimal::from(r * 1000 + c), "USD"),
                        })
                        .collect()
                })
                .collect(),
        };
        Report {
            title: "Long".to_owned(),
            period: Period {
                start: day,
                end: day,
            },
            generated_on: day,
            currency: CurrencyNote {
                reporting: "USD".to_owned(),
                rates: vec![],
            },
            sections: vec![Section {
                title: "Rows".to_owned(),
                table,
                charts: vec![],
            }],
        }
    }

    fn texts(page: &Page) -> Vec<(&str, bool, f32)> {
        page.ops
            .iter()
            .filter_map(|op| match op {
                Op::Text { text, bold, y, .. } => Some((text.as_str(), *bold, *y)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_page_of_a_long_table_starts_with_its_header_row() {
        let pages = layout(&long_report(300, 5), &[]);
        assert!(pages.len() > 3, "{} pages", pages.len());
        let mut rows_seen = 0;
        for (i, page) in pages.iter().enumerate() {
            let texts = texts(page);
            let header_y = texts
                .iter()
                .find(|(t, bold, _)| *t == "Head0" && *bold)
                .map(|(_, _, y)| *y)
                .unwrap_or_else(|| panic!("page {} has the header", i + 1));
            let rows: Vec<f32> = texts
                .iter()
                .filter(|(t, _, _)| t.starts_with("row "))
                .map(|(_, _, y)| *y)
                .collect();
            assert!(!rows.is_empty(), "page {} has rows", i + 1);
            assert!(
                rows.iter().all(|y| *y > header_y),
                "the header is above the rows"
            );
            rows_seen += rows.len();
            let (_, height) = page.size();
            for op in &page.ops {
                if let Op::Text { y, .. } = op {
                    assert!(*y < height, "inside the page");
                }
            }
            assert!(
                texts
                    .iter()
                    .any(|(t, _, _)| *t == format!("Page {} of {}", i + 1, pages.len()))
            );
        }
        assert_eq!(rows_seen, 300, "every row printed once");
    }

    #[test]
    fn a_wide_table_goes_on_landscape_pages() {
        let pages = layout(&long_report(5, 14), &[]);
        assert!(pages.iter().any(|p| p.landscape));
        let narrow = layout(&long_report(5, 3), &[]);
        assert!(narrow.iter().all(|p| !p.landscape));
    }
}
