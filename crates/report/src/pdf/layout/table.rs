//! Tables on pages: each cell's printed text, column widths fitted to the page (natural widths
//! when they fit, the spare room shared out, minimums scaled down last), a font that shrinks
//! before text becomes unreadable, and rows laid down with the header row repeated at the top of
//! every page the table reaches.

use crate::currency::{format_money, format_percent, grouped};
use crate::model::{Cell, Table};
use crate::pdf::text::{fit, longest_word, printable, widest_line, width, wrap};

use super::{
    CELL_PAD_X, CELL_PAD_Y, GREY, HEADER_FILL, INK, LINE, Layout, MARGIN, MIN_TABLE_FONT, Op, RULE,
    STRIPE_FILL, TOP, bottom, content_width, index_f32,
};

impl Layout {
    pub(super) fn table(&mut self, table: &TableLayout, heading: &str) {
        let mut header_drawn_on = None;
        for (r, row) in table.rows.iter().enumerate() {
            let needs_header = header_drawn_on != Some(self.pages.len());
            let extra = if needs_header {
                table.header_height
            } else {
                0.0
            };
            if self.y + extra + row.height > self.bottom() && !self.at_top() {
                self.new_page();
                let continued = fit(&format!("{heading} (continued)"), 9.0, self.width());
                let y = self.y;
                self.text(MARGIN, y, 9.0, continued, false, GREY);
                self.y += 9.0 * LINE + 2.0;
            }
            if header_drawn_on != Some(self.pages.len()) {
                self.header(table);
                header_drawn_on = Some(self.pages.len());
            }
            if r % 2 == 1 {
                let y = self.y;
                self.ops().push(Op::Rect {
                    x: MARGIN,
                    y,
                    w: table.total_width,
                    h: row.height,
                    color: STRIPE_FILL,
                });
            }
            self.cells(table, &row.cells, false);
            self.y += row.height;
        }
        if table.rows.is_empty() {
            self.header(table);
        }
        let y = self.y;
        self.ops().push(Op::Rect {
            x: MARGIN,
            y,
            w: table.total_width,
            h: 0.5,
            color: RULE,
        });
    }

    fn header(&mut self, table: &TableLayout) {
        let y = self.y;
        self.ops().push(Op::Rect {
            x: MARGIN,
            y,
            w: table.total_width,
            h: table.header_height,
            color: HEADER_FILL,
        });
        self.cells(table, &table.header, true);
        self.y += table.header_height;
        let y = self.y;
        self.ops().push(Op::Rect {
            x: MARGIN,
            y: y - 0.75,
            w: table.total_width,
            h: 0.75,
            color: RULE,
        });
    }

    fn cells(&mut self, table: &TableLayout, cells: &[CellLines], bold: bool) {
        let size = table.font_size;
        let top = self.y + CELL_PAD_Y;
        let mut x = MARGIN;
        for (cell, col_width) in cells.iter().zip(&table.widths) {
            for (i, line) in cell.lines.iter().enumerate() {
                let line_x = if cell.right {
                    x + col_width - CELL_PAD_X - width(line, size)
                } else {
                    x + CELL_PAD_X
                };
                let line_top = top + index_f32(i) * size * LINE;
                self.text(line_x, line_top, size, line.clone(), bold, INK);
            }
            x += col_width;
        }
    }
}

/// The text of a cell as printed, and whether it is right-aligned.
fn display(cell: &Cell) -> (String, bool) {
    match cell {
        Cell::Empty => (String::new(), false),
        Cell::Text(text) => (printable(text), false),
        Cell::Money { amount, currency } => (format_money(*amount, currency), true),
        Cell::Percent(value) => (format_percent(*value), true),
        Cell::Number { value, dp } => (grouped(*value, (*dp).min(10)), true),
        Cell::Integer(value) => (grouped(rust_decimal::Decimal::from(*value), 0), true),
        Cell::Date(date) => (date.to_string(), false),
    }
}

pub(super) struct CellLines {
    pub(super) lines: Vec<String>,
    pub(super) right: bool,
}

pub(super) struct RowLayout {
    pub(super) cells: Vec<CellLines>,
    pub(super) height: f32,
}

/// A table fitted to the content width: a font size, column widths and every cell wrapped.
pub(super) struct TableLayout {
    /// Laid out for a landscape page.
    pub(super) landscape: bool,
    /// The columns did not get their natural widths: text wraps or the font shrank.
    pub(super) cramped: bool,
    pub(super) font_size: f32,
    pub(super) widths: Vec<f32>,
    pub(super) total_width: f32,
    pub(super) header: Vec<CellLines>,
    pub(super) header_height: f32,
    pub(super) rows: Vec<RowLayout>,
}

impl TableLayout {
    pub(super) fn new(table: &Table, landscape: bool) -> Option<TableLayout> {
        let available = content_width(landscape);
        if table.is_empty() {
            return None;
        }
        let columns = table.width().max(1);
        let header: Vec<String> = (0..columns)
            .map(|i| {
                table
                    .header
                    .get(i)
                    .map(|h| printable(h))
                    .unwrap_or_default()
            })
            .collect();
        let rows: Vec<Vec<(String, bool)>> = table
            .rows
            .iter()
            .map(|row| {
                (0..columns)
                    .map(|i| row.get(i).map_or((String::new(), false), display))
                    .collect()
            })
            .collect();

        let base_size: f32 = if columns <= 6 { 9.0 } else { 8.0 };
        let padding = 2.0 * CELL_PAD_X;
        // Measured at the base size (small sizes measure coarsely); widths scale with the size.
        let (natural, minimum) = column_widths(&header, &rows, base_size);
        let total_min: f32 = minimum.iter().sum::<f32>() + padding * col_f32(columns);
        let cramped = natural.iter().sum::<f32>() + padding * col_f32(columns) > available;
        let mut font_size = base_size;
        if total_min > available {
            // Shrink the font until the unbreakable content fits (numbers never wrap).
            let room = available - padding * col_f32(columns);
            let fitting = base_size * room / minimum.iter().sum::<f32>().max(1.0);
            font_size = fitting.clamp(MIN_TABLE_FONT, base_size);
        }
        let scale = font_size / base_size;
        let natural: Vec<f32> = natural.iter().map(|w| w * scale + padding).collect();
        let minimum: Vec<f32> = minimum.iter().map(|w| w * scale + padding).collect();
        let widths = distribute(&natural, &minimum, available);
        let total_width: f32 = widths.iter().sum();

        let line_height = font_size * LINE;
        // A row never grows beyond what fits on a page under the header.
        let header_lines_max = 4;
        let max_lines = {
            let room = bottom(landscape)
                - TOP
                - 9.0 * LINE
                - 2.0
                - (2.0 * CELL_PAD_Y + index_f32(header_lines_max) * line_height);
            let fits = |n: u16| 2.0 * CELL_PAD_Y + f32::from(n) * line_height <= room;
            // At most a page of 4 pt lines; at least one line.
            (1u16..=200)
                .take_while(|n| fits(*n))
                .last()
                .map_or(1, usize::from)
        };
        let wrap_cell = |text: &str, right: bool, w: f32, max: usize| CellLines {
            lines: if right {
                vec![fit(text, font_size, w - padding)]
            } else {
                wrap(text, font_size, w - padding, max)
            },
            right,
        };
        // A column of numbers has its header over the numbers, on the right.
        let numeric: Vec<bool> = (0..columns)
            .map(|i| {
                let mut cells = rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .filter(|(t, _)| !t.is_empty());
                let mut any = false;
                cells.all(|(_, right)| {
                    any = true;
                    *right
                }) && any
            })
            .collect();
        let header: Vec<CellLines> = header
            .iter()
            .zip(&widths)
            .zip(&numeric)
            .map(|((h, w), right)| CellLines {
                right: *right,
                ..wrap_cell(h, false, *w, header_lines_max)
            })
            .collect();
        let header_height = row_height(&header, line_height);
        let rows: Vec<RowLayout> = rows
            .iter()
            .map(|row| {
                let cells: Vec<CellLines> = row
                    .iter()
                    .zip(&widths)
                    .map(|((text, right), w)| wrap_cell(text, *right, *w, max_lines))
                    .collect();
                let height = row_height(&cells, line_height);
                RowLayout { cells, height }
            })
            .collect();
        Some(TableLayout {
            landscape,
            cramped,
            font_size,
            widths,
            total_width,
            header,
            header_height,
            rows,
        })
    }
}

fn col_f32(n: usize) -> f32 {
    index_f32(n)
}

fn row_height(cells: &[CellLines], line_height: f32) -> f32 {
    let lines = cells
        .iter()
        .map(|c| c.lines.len())
        .max()
        .unwrap_or(1)
        .max(1);
    2.0 * CELL_PAD_Y + index_f32(lines) * line_height
}

/// Per column, at font `size`: the width without wrapping, and the least width (the longest word
/// of a text, the whole of a number).
fn column_widths(
    header: &[String],
    rows: &[Vec<(String, bool)>],
    size: f32,
) -> (Vec<f32>, Vec<f32>) {
    // Headers are drawn bold (stroked), a little wider than measured.
    let bold = 1.05;
    let mut natural: Vec<f32> = header.iter().map(|h| widest_line(h, size) * bold).collect();
    let mut minimum: Vec<f32> = header
        .iter()
        .map(|h| (longest_word(h, size) * bold).min(12.0 * size))
        .collect();
    for row in rows {
        for (i, (text, right)) in row.iter().enumerate() {
            let (Some(n), Some(m)) = (natural.get_mut(i), minimum.get_mut(i)) else {
                continue;
            };
            // A little slack: a shrunk font does not measure exactly in proportion.
            let line = widest_line(text, size) * 1.02;
            *n = n.max(line);
            *m = m.max(if *right {
                line
            } else {
                // A text column may break long words rather than take the page.
                longest_word(text, size).min(10.0 * size)
            });
        }
    }
    (natural, minimum)
}

/// Column widths that fit `available`: natural widths when they fit; else every column gets its
/// minimum and the rest is shared in proportion to what each still wants; when even the minimums
/// do not fit, they are scaled down (text is then cut with an ellipsis).
fn distribute(natural: &[f32], minimum: &[f32], available: f32) -> Vec<f32> {
    let total_natural: f32 = natural.iter().sum();
    if total_natural <= available {
        return natural.to_vec();
    }
    let total_min: f32 = minimum.iter().sum();
    if total_min >= available || total_min <= 0.0 {
        let scale = if total_min > 0.0 {
            available / total_min
        } else {
            0.0
        };
        return minimum.iter().map(|m| m * scale).collect();
    }
    let wanted: Vec<f32> = natural
        .iter()
        .zip(minimum)
        .map(|(n, m)| (n - m).max(0.0))
        .collect();
    let total_wanted: f32 = wanted.iter().sum();
    let spare = available - total_min;
    minimum
        .iter()
        .zip(&wanted)
        .map(|(m, w)| {
            if total_wanted > 0.0 {
                m + spare * w / total_wanted
            } else {
                *m
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_widths_are_kept_when_they_fit() {
        assert_eq!(
            distribute(&[10.0, 20.0], &[5.0, 20.0], 100.0),
            vec![10.0, 20.0]
        );
    }

    #[test]
    fn the_spare_room_goes_to_the_columns_that_want_it() {
        let widths = distribute(&[100.0, 20.0, 100.0], &[20.0, 20.0, 60.0], 150.0);
        let total: f32 = widths.iter().sum();
        assert!((total - 150.0).abs() < 0.01);
        assert!((widths[1] - 20.0).abs() < 0.01);
        assert!(widths[0] > 20.0 && widths[2] > 60.0);
    }

    #[test]
    fn minimums_are_scaled_when_nothing_else_fits() {
        let widths = distribute(&[300.0, 300.0], &[200.0, 200.0], 100.0);
        assert!((widths[0] - 50.0).abs() < 0.01);
    }
}
