//! Tables on pages: each cell's printed text, column widths fitted to the page (natural widths
//! when they fit, the spare room shared out above every column's least width), the table split
//! into parts that repeat its first column when even the least widths do not fit a landscape
//! page, and rows laid down with the header row repeated at the top of every page the table
//! reaches. Numbers are never cut and header words never broken: a column is at least as wide
//! as its widest number and its longest header word.

use crate::model::Table;
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

/// The bold header face measures this much wider than the regular face it is drawn from.
const BOLD: f32 = 1.06;
/// The smallest font a table shrinks to before it is split into parts instead.
const READABLE_FONT: f32 = 7.0;
/// The most of the page width the first column takes when a table is split (it repeats in
/// every part, so it must leave room for the others).
const KEY_SHARE: f32 = 0.2;

pub(super) struct CellLines {
    pub(super) lines: Vec<String>,
    pub(super) right: bool,
}

pub(super) struct RowLayout {
    pub(super) cells: Vec<CellLines>,
    pub(super) height: f32,
}

/// How a section's table is printed: one orientation for all of it, and one part, or several
/// when its columns do not fit across even a landscape page at a readable size. Every part
/// repeats the first column (the row's name), so each reads on its own.
pub(super) struct TablePlan {
    pub(super) landscape: bool,
    pub(super) parts: Vec<TableLayout>,
    /// The number of columns of the whole table.
    pub(super) columns: usize,
}

/// A table (or a part of one) fitted to the content width: a font size, column widths and every
/// cell wrapped.
pub(super) struct TableLayout {
    /// The table's columns this part shows (0-based, the first column always included).
    pub(super) columns: Vec<usize>,
    pub(super) font_size: f32,
    pub(super) widths: Vec<f32>,
    pub(super) total_width: f32,
    pub(super) header: Vec<CellLines>,
    pub(super) header_height: f32,
    pub(super) rows: Vec<RowLayout>,
}

/// Plans a table: portrait when its columns fit at their natural widths (or a few columns of
/// wrapping text fit), else landscape; one part when every column's least width fits (numbers
/// whole, header words whole, text wrapped between words), shrinking the font no further than
/// [`READABLE_FONT`]; else the columns are split into parts of balanced widths.
///
/// Why split rather than shrink further or cut: a number cut to "$5,750.…" or printed at 4 pt
/// is a number nobody can read, and a CFO prints this. Wrapping a number inside its cell was
/// the other choice, but `GBP` over `11,776.00` in a column of single-line amounts reads as two
/// values.
pub(super) fn plan(table: &Table) -> Option<TablePlan> {
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
                .map(|i| {
                    row.get(i).map_or((String::new(), false), |c| {
                        (printable(&c.display()), c.is_numeric())
                    })
                })
                .collect()
        })
        .collect();
    let base = if columns <= 6 { 9.0 } else { 8.0 };
    let (natural, minimum) = column_widths(&header, &rows, base);
    let pad = 2.0 * CELL_PAD_X;
    let need = |ws: &[f32]| ws.iter().map(|w| w + pad).sum::<f32>();
    let portrait = content_width(false);
    let landscape = need(&natural) > portrait && (columns > 6 || need(&minimum) > portrait);
    let available = content_width(landscape);
    let all: Vec<usize> = (0..columns).collect();
    let fits =
        need(&minimum) <= available || readable_size(base, &minimum, available) >= READABLE_FONT;
    let (size, groups) = if fits {
        (base, vec![all])
    } else {
        // The fewest parts at a readable size; the larger size when they tie.
        let mut best = (base, split(&natural, &minimum, available));
        for size in [(base + READABLE_FONT) / 2.0, READABLE_FONT] {
            let (natural, minimum) = column_widths(&header, &rows, size);
            let groups = split(&natural, &minimum, available);
            if groups.len() < best.1.len() {
                best = (size, groups);
            }
        }
        best
    };
    let parts = groups
        .into_iter()
        .map(|cols| build(&header, &rows, cols, size, available))
        .collect();
    Some(TablePlan {
        landscape,
        parts,
        columns,
    })
}

/// The font size at which `minimum` (measured at `base`) fits `available` with the padding.
fn readable_size(base: f32, minimum: &[f32], available: f32) -> f32 {
    let room = available - 2.0 * CELL_PAD_X * col_f32(minimum.len());
    let sum: f32 = minimum.iter().sum();
    if sum <= 0.0 { base } else { base * room / sum }
}

/// Groups the columns after the first into parts that each fit `available` beside the first
/// column, with as few parts as the greedy fill needs and the parts' widths balanced (the
/// narrowest width limit that needs no more parts).
fn split(natural: &[f32], minimum: &[f32], available: f32) -> Vec<Vec<usize>> {
    let pad = 2.0 * CELL_PAD_X;
    let n = minimum.len();
    let first_min = minimum.first().copied().unwrap_or(0.0);
    let first_natural = natural.first().copied().unwrap_or(0.0);
    let key = first_min.max(first_natural.min(available * KEY_SHARE)) + pad;
    let greedy = |limit: f32| -> Vec<Vec<usize>> {
        let mut parts = Vec::new();
        let mut current = vec![0];
        let mut used = key;
        for (i, m) in minimum.iter().enumerate().take(n).skip(1) {
            let w = m + pad;
            if current.len() > 1 && used + w > limit {
                parts.push(std::mem::replace(&mut current, vec![0]));
                used = key;
            }
            current.push(i);
            used += w;
        }
        parts.push(current);
        parts
    };
    let mut best = greedy(available);
    let count = best.len();
    let mut limit = available;
    while limit > key {
        limit -= 4.0;
        let candidate = greedy(limit);
        if candidate.len() > count {
            break;
        }
        best = candidate;
    }
    best
}

/// Lays out the columns `cols` of a table at `base` points (smaller only when even one part's
/// least widths do not fit, the last resort for a single column wider than the page).
fn build(
    header: &[String],
    rows: &[Vec<(String, bool)>],
    cols: Vec<usize>,
    base: f32,
    available: f32,
) -> TableLayout {
    let header: Vec<String> = cols
        .iter()
        .map(|&c| header.get(c).cloned().unwrap_or_default())
        .collect();
    let rows: Vec<Vec<(String, bool)>> = rows
        .iter()
        .map(|r| {
            cols.iter()
                .map(|&c| r.get(c).cloned().unwrap_or_default())
                .collect()
        })
        .collect();
    let padding = 2.0 * CELL_PAD_X;
    let (mut natural, mut minimum) = column_widths(&header, &rows, base);
    let mut font_size = base;
    let size = readable_size(base, &minimum, available);
    if size < base {
        font_size = size.clamp(MIN_TABLE_FONT, base);
        // Measured again at the size printed: small sizes do not scale exactly.
        (natural, minimum) = column_widths(&header, &rows, font_size);
    }
    let natural: Vec<f32> = natural.iter().map(|w| w + padding).collect();
    let minimum: Vec<f32> = minimum.iter().map(|w| w + padding).collect();
    let widths = distribute(&natural, &minimum, available);
    let total_width: f32 = widths.iter().sum();

    let line_height = font_size * LINE;
    // A row never grows beyond what fits on a page under a header of a few lines.
    let max_lines = {
        let room = bottom(true) - TOP - 9.0 * LINE - 2.0 - (2.0 * CELL_PAD_Y + 4.0 * line_height);
        let fits = |n: u16| 2.0 * CELL_PAD_Y + f32::from(n) * line_height <= room;
        (1u16..=200)
            .take_while(|n| fits(*n))
            .last()
            .map_or(1, usize::from)
    };
    // A column of numbers has its header over the numbers, on the right.
    let numeric: Vec<bool> = (0..cols.len())
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
    // Header words are never broken: every column is at least as wide as its longest header
    // word in the bold face (see `column_widths`), and the lines are measured in that face.
    let header: Vec<CellLines> = header
        .iter()
        .zip(&widths)
        .zip(&numeric)
        .map(|((h, w), right)| CellLines {
            lines: wrap(h, font_size * BOLD, w - padding, usize::MAX),
            right: *right,
        })
        .collect();
    let header_height = row_height(&header, line_height);
    let rows: Vec<RowLayout> = rows
        .iter()
        .map(|row| {
            let cells: Vec<CellLines> = row
                .iter()
                .zip(&widths)
                .map(|((text, right), w)| CellLines {
                    lines: if *right {
                        vec![fit(text, font_size, w - padding)]
                    } else {
                        indented(text, font_size, w - padding, max_lines)
                    },
                    right: *right,
                })
                .collect();
            let height = row_height(&cells, line_height);
            RowLayout { cells, height }
        })
        .collect();
    TableLayout {
        columns: cols,
        font_size,
        widths,
        total_width,
        header,
        header_height,
        rows,
    }
}

/// A text cell wrapped, keeping its leading spaces on the first line (the summary's
/// "  of which ..." lines are indented under the figure they are part of).
fn indented(text: &str, size: f32, max: f32, max_lines: usize) -> Vec<String> {
    let body = text.trim_start_matches(' ');
    let indent = &text[..text.len() - body.len()];
    let indent = &indent[..indent.len().min(8)];
    let mut lines = wrap(body, size, max - width(indent, size), max_lines);
    if let Some(first) = lines.first_mut()
        && !indent.is_empty()
    {
        first.insert_str(0, indent);
    }
    lines
}

/// The height of the whole of a table (or part): its header and every row.
pub(super) fn height(table: &TableLayout) -> f32 {
    table.header_height + table.rows.iter().map(|r| r.height).sum::<f32>()
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

/// Per column, at font `size`: the width without wrapping, and the least width (the longest
/// header word in the bold face, the whole of a number, the longest word of a text up to ten
/// ems: a longer word, such as a URL, is broken between characters rather than take the page).
fn column_widths(
    header: &[String],
    rows: &[Vec<(String, bool)>],
    size: f32,
) -> (Vec<f32>, Vec<f32>) {
    // Measured as the header lines are wrapped (at the bold face's width), with a hair of slack
    // so that a header that fits on one line is not wrapped by a rounding difference.
    let mut natural: Vec<f32> = header
        .iter()
        .map(|h| widest_line(h, size * BOLD) * 1.01)
        .collect();
    let mut minimum: Vec<f32> = header
        .iter()
        .map(|h| longest_word(h, size * BOLD))
        .collect();
    for row in rows {
        for (i, (text, right)) in row.iter().enumerate() {
            let (Some(n), Some(m)) = (natural.get_mut(i), minimum.get_mut(i)) else {
                continue;
            };
            // A little slack: glyph advances round differently at different sizes.
            let line = widest_line(text, size) * 1.02;
            *n = n.max(line);
            *m = m.max(if *right {
                line
            } else {
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

    use crate::model::Cell;
    use rust_decimal::Decimal;

    /// A table of `columns` columns: a name, then amounts in the millions in pounds.
    fn wide(columns: usize) -> Table {
        Table {
            header: (0..columns)
                .map(|c| match c {
                    0 => "Campaign".to_owned(),
                    c if c % 2 == 0 => format!("Opportunity cost {c}"),
                    c => format!("Confidence interval {c}"),
                })
                .collect(),
            rows: (0..3i64)
                .map(|r| {
                    (0..columns)
                        .map(|c| match c {
                            0 => Cell::text(format!("Spring brand awareness — region {r}")),
                            c => Cell::money(
                                Decimal::new(
                                    1_177_600_123 * (r + 1) + i64::try_from(c).unwrap_or(0),
                                    2,
                                ),
                                "GBP",
                            ),
                        })
                        .collect()
                })
                .collect(),
        }
    }

    fn check_whole(table: &Table, plan: &TablePlan) {
        let mut seen = vec![0usize; table.width()];
        for part in &plan.parts {
            assert_eq!(
                part.columns.first(),
                Some(&0),
                "every part starts with the names"
            );
            assert!(
                part.total_width <= content_width(plan.landscape) + 0.01,
                "a part fits the page: {}",
                part.total_width
            );
            for (i, &c) in part.columns.iter().enumerate() {
                seen[c] += 1;
                let words: Vec<&str> = table.header[c].split_whitespace().collect();
                let lines = &part.header[i].lines;
                let printed: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
                assert_eq!(
                    printed, words,
                    "header {c} is broken only between words: {lines:?}"
                );
                for (r, row) in part.rows.iter().enumerate() {
                    let cell = &table.rows[r][c];
                    if cell.is_numeric() {
                        assert_eq!(row.cells[i].lines, vec![cell.display()], "a whole number");
                    }
                }
            }
        }
        assert_eq!(seen[0], plan.parts.len());
        assert!(
            seen[1..].iter().all(|n| *n == 1),
            "every other column once: {seen:?}"
        );
    }

    #[test]
    fn a_table_too_wide_for_landscape_is_split_repeating_its_first_column() {
        let table = wide(20);
        let plan = plan(&table).expect("a table");
        assert!(plan.landscape);
        assert!(plan.parts.len() >= 2, "{} parts", plan.parts.len());
        for part in &plan.parts {
            assert!(part.font_size >= READABLE_FONT, "{}", part.font_size);
        }
        check_whole(&table, &plan);
        // Balanced: no part is a sliver.
        let counts: Vec<usize> = plan.parts.iter().map(|p| p.columns.len()).collect();
        let (lo, hi) = (counts.iter().min(), counts.iter().max());
        assert!(hi.zip(lo).is_some_and(|(h, l)| h - l <= 3), "{counts:?}");
    }

    #[test]
    fn a_table_that_fits_is_one_part_and_a_narrow_one_stays_portrait() {
        for columns in [2, 5, 9] {
            let table = wide(columns);
            let plan = plan(&table).expect("a table");
            assert_eq!(plan.parts.len(), 1, "{columns} columns");
            assert_eq!(plan.landscape, columns > 6, "{columns} columns");
            check_whole(&table, &plan);
        }
        assert!(plan(&Table::default()).is_none());
    }

    #[test]
    fn minimums_are_scaled_when_nothing_else_fits() {
        let widths = distribute(&[300.0, 300.0], &[200.0, 200.0], 100.0);
        assert!((widths[0] - 50.0).abs() < 0.01);
    }
}
