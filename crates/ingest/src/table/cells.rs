//! The cells of one row, held compactly: all texts in one string plus where each ends.
//!
//! Why not `Vec<String>`: a table of a few million short cells is the biggest thing an import
//! holds, and a `String` per cell costs 24 bytes plus an allocation of at least 16 more, three to
//! four times the text itself. Here a cell costs its text plus four bytes, so the cell limit of
//! [`crate::limits::MAX_CELLS`] stays within the memory budget of one parse.

/// The cells of a row, in column order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cells {
    text: String,
    /// The end of each cell in `text` (the start is the previous end).
    ends: Vec<u32>,
}

impl Cells {
    pub(crate) fn new() -> Self {
        Cells::default()
    }

    /// Empty cells with room for `text` bytes of text in `cells` cells.
    pub(crate) fn with_capacity(text: usize, cells: usize) -> Self {
        Cells {
            text: String::with_capacity(text),
            ends: Vec::with_capacity(cells),
        }
    }

    /// The cells of a csv record, in one allocation each for the text and the ends (the record
    /// holds its fields as one text already).
    pub(crate) fn of_record(record: &csv::StringRecord) -> Self {
        let mut ends = Vec::with_capacity(record.len());
        for i in 0..record.len() {
            let end = record.range(i).map_or(0, |r| r.end);
            ends.push(u32::try_from(end).unwrap_or(u32::MAX));
        }
        Cells {
            text: record.as_slice().to_owned(),
            ends,
        }
    }

    /// Appends a cell. Rows are bounded by [`crate::limits::MAX_RECORD_BYTES`] long before
    /// `u32` offsets could overflow; a longer text saturates rather than wraps.
    pub(crate) fn push(&mut self, cell: &str) {
        self.text.push_str(cell);
        self.ends
            .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
    }

    /// Appends `n` empty cells (the columns before a workbook cell).
    pub(crate) fn pad_to(&mut self, n: usize) {
        let end = self.ends.last().copied().unwrap_or(0);
        while self.ends.len() < n {
            self.ends.push(end);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The text of cell `i`.
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        let end = usize::try_from(*self.ends.get(i)?).ok()?;
        let start = match i.checked_sub(1) {
            Some(p) => usize::try_from(*self.ends.get(p)?).ok()?,
            None => 0,
        };
        self.text.get(start..end)
    }

    pub(crate) fn first(&self) -> Option<&str> {
        self.get(0)
    }

    /// Every cell's text, in order.
    pub(crate) fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator + Clone + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or(""))
    }

    /// The cells joined with `sep` (for messages).
    pub(crate) fn join(&self, sep: &str) -> String {
        self.iter().collect::<Vec<_>>().join(sep)
    }
}

impl<'a> FromIterator<&'a str> for Cells {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut cells = Cells::new();
        for c in iter {
            cells.push(c);
        }
        cells
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_their_texts_and_empties() {
        let mut c: Cells = ["Date", "", "Spend €"].into_iter().collect();
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(0), Some("Date"));
        assert_eq!(c.get(1), Some(""));
        assert_eq!(c.get(2), Some("Spend €"));
        assert_eq!(c.get(3), None);
        c.pad_to(5);
        c.push("x");
        assert_eq!(c.join("|"), "Date||Spend €|||x");
        assert_eq!(c.iter().rposition(|t| !t.is_empty()), Some(5));
    }

    #[test]
    fn a_records_cells_are_its_fields_one_by_one() {
        let text = "Day,,\"Spend, \"\"€\"\"\",x\n\"two\nlines\",,\n\n\"\"\n";
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut record = csv::StringRecord::new();
        let mut seen = 0;
        while reader.read_record(&mut record).unwrap_or(false) {
            let one_by_one: Cells = record.iter().collect();
            assert_eq!(Cells::of_record(&record), one_by_one, "{record:?}");
            seen += 1;
        }
        assert_eq!(seen, 3);
    }
}
