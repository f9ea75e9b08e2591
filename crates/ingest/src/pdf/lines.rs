//! Report text read back into lines of cells: the form every reader of a report works on (the
//! labelled values, the tables, the number format).
//!
//! The text is what [`super::extract_text`] writes (a page per form feed, each cell of a line at
//! the column its position on the page gives it, cells apart by two spaces or more) or text pasted
//! from a report, where a tab or a `|` also separates cells. A cell keeps its columns, so that a
//! value can be placed under the heading it stands beneath even when the row skips a column.

/// One cell of a line: its text and the columns (in characters) it spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Cell {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) text: String,
}

impl Cell {
    /// How many columns this cell shares with the span `start..end`.
    pub(super) fn overlap(&self, start: usize, end: usize) -> usize {
        self.end.min(end).saturating_sub(self.start.max(start))
    }

    /// The middle of the cell, doubled (to stay in whole numbers).
    pub(super) fn centre2(&self) -> usize {
        self.start + self.end
    }
}

/// One line of the report that holds text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Line {
    /// 1-based page (a form feed starts the next one).
    pub(super) page: usize,
    /// 1-based line within the page.
    pub(super) number: usize,
    /// The line's words, one space apart.
    pub(super) text: String,
    pub(super) cells: Vec<Cell>,
}

impl Line {
    /// Where the line stands, as the preview names it.
    pub(super) fn at(&self) -> String {
        at(self.page, self.number)
    }
}

/// "page 2, line 14".
pub(super) fn at(page: usize, line: usize) -> String {
    format!("page {page}, line {line}")
}

/// The lines of `text` that hold anything, with their page, number and cells.
pub(super) fn read_lines(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    for (p, page) in text.split('\u{c}').enumerate() {
        for (n, raw) in page.lines().enumerate() {
            let cells = cells(raw);
            if cells.is_empty() {
                continue;
            }
            out.push(Line {
                page: p + 1,
                number: n + 1,
                text: raw.split_whitespace().collect::<Vec<_>>().join(" "),
                cells,
            });
        }
    }
    out
}

fn close(current: &mut Option<Cell>, out: &mut Vec<Cell>) {
    if let Some(c) = current.take()
        && !c.text.is_empty()
    {
        out.push(c);
    }
}

/// The cells of a line: runs of text apart by two spaces or more, a tab, or a `|`.
fn cells(raw: &str) -> Vec<Cell> {
    let mut out: Vec<Cell> = Vec::new();
    let mut current: Option<Cell> = None;
    let mut spaces = 0usize;
    for (column, ch) in raw.chars().enumerate() {
        match ch {
            '\t' | '|' => {
                close(&mut current, &mut out);
                spaces = 0;
            }
            c if c.is_whitespace() => {
                spaces += 1;
                if spaces >= 2 {
                    close(&mut current, &mut out);
                }
            }
            c => {
                match current.as_mut() {
                    Some(cell) => {
                        if spaces == 1 {
                            cell.text.push(' ');
                        }
                        cell.text.push(c);
                        cell.end = column + 1;
                    }
                    None => {
                        current = Some(Cell {
                            start: column,
                            end: column + 1,
                            text: c.to_string(),
                        });
                    }
                }
                spaces = 0;
            }
        }
    }
    close(&mut current, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &Line) -> Vec<&str> {
        line.cells.iter().map(|c| c.text.as_str()).collect()
    }

    #[test]
    fn cells_are_apart_by_two_spaces_tabs_or_bars() {
        let lines = read_lines(
            "Week        Spend      Clicks\n\nJun 3 - 9   €1.200,50    310\u{c}Clicks | 3,456\nA\tB",
        );
        assert_eq!(lines.len(), 4);
        assert_eq!(texts(&lines[0]), ["Week", "Spend", "Clicks"]);
        assert_eq!(texts(&lines[1]), ["Jun 3 - 9", "€1.200,50", "310"]);
        assert_eq!((lines[1].page, lines[1].number), (1, 3));
        assert_eq!(lines[1].cells[1].start, 12);
        assert_eq!(lines[1].cells[1].end, 21);
        assert_eq!(texts(&lines[2]), ["Clicks", "3,456"]);
        assert_eq!((lines[2].page, lines[2].number), (2, 1));
        assert_eq!(lines[2].text, "Clicks | 3,456");
        assert_eq!(texts(&lines[3]), ["A", "B"]);
        assert_eq!(lines[3].at(), "page 2, line 2");
    }
}
