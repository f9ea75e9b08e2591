//! Column mappings as people write them and as the upload page shows them: the text form
//! `date=Day,spend="Amount spent (INR)",campaign=Ad set name` (the `--map` option, the API's
//! `map` field, a mapping saved for a campaign), and the columns of a file that detection could
//! not place, with a few values under each, for the page's mapping form.
//!
//! The text form is ours, so it is parsed here: fields split at commas outside double quotes
//! (a shell keeps the quotes only when the whole option is quoted, so unquoted names with spaces
//! are accepted too), each `field=column`, the column a header's text or a spreadsheet letter.

use std::fmt;
use std::str::FromStr;

use crate::error::{ImportError, Problems, column_letter};
use crate::model::{ColumnMapping, Field, ImportOptions, Source};
use crate::number::is_blank;
use crate::table::RawRow;

/// How many rows from the top are searched for the header row (as the table engine does).
const HEADER_SEARCH_ROWS: usize = 30;
/// How many values under each column the mapping form shows.
const SAMPLES: usize = 3;

/// An unknown field name in a mapping; the message lists the fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown field \"{0}\" (expected one of {names})", names = Field::names())]
pub struct UnknownField(pub String);

impl Field {
    /// The names of [`Field::ALL`], comma separated, for messages.
    pub fn names() -> String {
        Field::ALL.map(Field::as_str).join(", ")
    }

    /// What the field is, for people (the mapping form's labels).
    pub const fn label(self) -> &'static str {
        match self {
            Field::Date => "Date",
            Field::Platform => "Platform",
            Field::Campaign => "Campaign name",
            Field::CampaignId => "Campaign id",
            Field::Spend => "Spend",
            Field::Impressions => "Impressions",
            Field::Engagements => "Engagements",
            Field::Clicks => "Clicks",
            Field::Conversions => "Conversions",
            Field::ConversionValue => "Conversion value",
            Field::Revenue => "Revenue",
            Field::Currency => "Currency",
        }
    }
}

impl FromStr for Field {
    type Err = UnknownField;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        Field::ALL
            .into_iter()
            .find(|f| f.as_str() == t)
            .ok_or_else(|| UnknownField(s.trim().to_owned()))
    }
}

impl ColumnMapping {
    /// Reads the text form (see the module docs). An empty text is the empty mapping. Every
    /// entry must name a known field once, and a column.
    pub fn parse(text: &str) -> Result<ColumnMapping, String> {
        let mut mapping = ColumnMapping::new();
        for part in split_outside_quotes(text)? {
            if part.trim().is_empty() {
                continue;
            }
            let Some((field, column)) = part.split_once('=') else {
                return Err(format!(
                    "\"{}\" is not field=column (e.g. spend=\"Amount spent (INR)\")",
                    part.trim()
                ));
            };
            let field: Field = field.parse().map_err(|e: UnknownField| e.to_string())?;
            let column = unquote(column.trim());
            if column.is_empty() {
                return Err(format!("{field}= names no column"));
            }
            if mapping.entries.iter().any(|(f, _)| *f == field) {
                return Err(format!("{field} is mapped twice"));
            }
            mapping.entries.push((field, column));
        }
        Ok(mapping)
    }
}

/// The text form, which [`ColumnMapping::parse`] reads back: columns quoted when they hold a
/// comma, a quote or spaces at either end.
impl fmt::Display for ColumnMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (field, column)) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            let plain = !column.contains([',', '"']) && column.trim() == column;
            if plain {
                write!(f, "{field}={column}")?;
            } else {
                write!(f, "{field}=\"{}\"", column.replace('"', "\"\""))?;
            }
        }
        Ok(())
    }
}

/// Splits at commas outside double quotes; `""` inside quotes is a quote.
fn split_outside_quotes(text: &str) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                part.push_str("\"\"");
            }
            '"' => {
                quoted = !quoted;
                part.push('"');
            }
            ',' if !quoted => parts.push(std::mem::take(&mut part)),
            c => part.push(c),
        }
    }
    if quoted {
        return Err("a quote is not closed".to_owned());
    }
    parts.push(part);
    Ok(parts)
}

fn unquote(column: &str) -> String {
    match column.strip_prefix('"').and_then(|c| c.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => column.to_owned(),
    }
}

/// One column of a file as the mapping form shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileColumn {
    /// The spreadsheet letter (`A`, `B`, ...).
    pub letter: String,
    /// The header's text, empty when the header cell is.
    pub header: String,
    /// The first values under it.
    pub samples: Vec<String>,
}

/// The columns of a file whose header row detection could not place: the likeliest header row
/// (the row among the first 30 with the most text cells) and a few values under each column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileColumns {
    /// The header row's number (1-based).
    pub header_row: u64,
    pub columns: Vec<FileColumn>,
}

/// Finds the columns of a delimited text file or a workbook's sheet (the one named in
/// `options.sheet`, else the first), for a user to map. A PDF has no columns to map.
pub fn file_columns(
    bytes: &[u8],
    file_name: &str,
    options: &ImportOptions,
) -> Result<FileColumns, ImportError> {
    crate::exports::check_size(bytes, file_name, options)?;
    let source = match options.source {
        Some(s) => s,
        None => crate::detect::detect(bytes, file_name).unwrap_or(Source::SpreadsheetCsv),
    };
    let rows = match source {
        Source::Pdf => {
            return Err(ImportError::whole_file(
                file_name,
                "a PDF report has no columns to map: its figures are confirmed on the preview",
            ));
        }
        Source::Workbook => crate::workbook::sheet_rows(bytes, file_name, options)?,
        _ => {
            let mut problems = Problems::new(file_name);
            crate::exports::delimited_rows(bytes, file_name, &mut problems)?.0
        }
    };
    columns_of(&rows).ok_or_else(|| ImportError::whole_file(file_name, "the file has no columns"))
}

/// The likeliest header row among the first rows: the one with the most cells of text without
/// digits (the first such row on a tie); `None` when no row has any. The mapping form shows it
/// as the header, and a mapping by column letters reads the rows below it.
pub(crate) fn likely_header_row(rows: &[RawRow]) -> Option<u64> {
    likely_header(rows).map(|r| r.row)
}

fn likely_header(rows: &[RawRow]) -> Option<&RawRow> {
    let texty = |r: &RawRow| {
        r.cells
            .iter()
            .filter(|c| {
                let t = c.trim();
                !is_blank(t) && !t.chars().any(|ch| ch.is_ascii_digit())
            })
            .count()
    };
    rows.iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .max_by_key(|(i, r)| (texty(r), std::cmp::Reverse(*i)))
        .map(|(_, r)| r)
        .filter(|r| texty(r) > 0)
}

fn columns_of(rows: &[RawRow]) -> Option<FileColumns> {
    let header = likely_header(rows)?;
    let below: Vec<&RawRow> = rows
        .iter()
        .filter(|r| r.row > header.row && r.cells.iter().any(|c| !c.trim().is_empty()))
        .take(SAMPLES)
        .collect();
    let columns = (0..header.cells.len())
        .map(|i| FileColumn {
            letter: column_letter(i),
            header: header.cells.get(i).unwrap_or("").trim().to_owned(),
            samples: below
                .iter()
                .map(|r| r.cells.get(i).unwrap_or("").trim().to_owned())
                .collect(),
        })
        .collect();
    Some(FileColumns {
        header_row: header.row,
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_form_reads_back_what_it_writes() {
        let m =
            ColumnMapping::parse(r#"date=Day, spend="Amount spent (INR)",campaign=Ad set name"#)
                .expect("reads");
        assert_eq!(
            m.entries(),
            &[
                (Field::Date, "Day".to_owned()),
                (Field::Spend, "Amount spent (INR)".to_owned()),
                (Field::Campaign, "Ad set name".to_owned()),
            ]
        );
        assert_eq!(
            m.to_string(),
            "date=Day,spend=Amount spent (INR),campaign=Ad set name"
        );
        let odd = ColumnMapping::new()
            .with(Field::Spend, "Cost, \"net\"")
            .with(Field::Date, "C");
        assert_eq!(odd.to_string(), r#"spend="Cost, ""net""",date=C"#);
        assert_eq!(ColumnMapping::parse(&odd.to_string()), Ok(odd));
        assert_eq!(ColumnMapping::parse(""), Ok(ColumnMapping::new()));
    }

    #[test]
    fn bad_mappings_say_what_is_wrong() {
        let err = |t: &str| ColumnMapping::parse(t).expect_err(t);
        assert!(err("cost=Kosten").contains("unknown field \"cost\" (expected one of date,"));
        assert!(err("spend").contains("not field=column"));
        assert!(err("spend=").contains("names no column"));
        assert!(err("spend=A,spend=B").contains("mapped twice"));
        assert!(err("spend=\"A").contains("not closed"));
    }

    #[test]
    fn the_header_row_is_the_row_of_most_text() {
        let rows: Vec<RawRow> = [
            vec!["Kampagnenbericht"],
            vec!["1. Juni 2024 - 30. Juni 2024"],
            vec!["Tag", "Kampagne", "Kosten", "Impr."],
            vec!["2024-06-01", "Sommer", "1.234,56", "100"],
            vec!["2024-06-02", "Sommer", "7,00", "5"],
        ]
        .into_iter()
        .enumerate()
        .map(|(i, cells)| RawRow {
            row: i as u64 + 1,
            cells: cells.into_iter().collect(),
        })
        .collect();
        let c = columns_of(&rows).expect("columns");
        assert_eq!(c.header_row, 3);
        assert_eq!(c.columns.len(), 4);
        assert_eq!(c.columns[2].letter, "C");
        assert_eq!(c.columns[2].header, "Kosten");
        assert_eq!(c.columns[2].samples, vec!["1.234,56", "7,00"]);
    }
}
