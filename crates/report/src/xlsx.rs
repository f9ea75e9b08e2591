//! The XLSX writer: a cover sheet, then one worksheet per section with native cell types.
//!
//! Money is written as numbers rounded to cents with a currency number format (never as text, so
//! a reader can sum a column; never the unrounded value, whose float noise such as
//! 145658.81602103013 shows in the formula bar), percentages as fractions rounded as the PDF
//! shows them with a `%` format, dates as real Excel dates. Each section sheet has a bold, frozen
//! header row (and, on a wide table, a frozen first column) that also repeats on printed pages,
//! an autofilter over the table, and column widths sized to the longest text, capped. The first sheet, "Report", holds the title, the period and
//! the currency note with the exchange rates.
//!
//! The workbook's creation date is the model's `generated_on`, so the same model always gives
//! the same bytes.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use spendlens_core::num::round_half_away;

use crate::currency::{
    currency_prefix, fixed, format_money, format_percent, format_ratio, grouped,
};
use crate::error::ReportError;
use crate::model::{Cell, Report, Table};

/// Excel's longest string.
const MAX_STRING_CHARS: usize = 32_767;
/// Excel's last row and column.
const MAX_ROWS: usize = 1_048_576;
const MAX_COLS: usize = 16_384;
/// Excel shows at most 30 decimals in a number format; 10 is plenty for a report.
const MAX_FORMAT_DP: u32 = 10;

/// Writes the report as an XLSX workbook.
pub fn render_xlsx(report: &Report) -> Result<Vec<u8>, ReportError> {
    write(report).map_err(|e| ReportError::Xlsx(e.to_string()))
}

fn write(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let mut properties = DocProperties::new().set_title(clip(&report.title));
    properties = properties.set_creation_datetime(&report.generated_on);
    workbook.set_properties(&properties);

    let mut formats = Formats::new();
    let mut names = SheetNames::default();

    let cover = workbook.add_worksheet();
    cover.set_name(names.unique("Report"))?;
    write_cover(cover, report, &formats)?;

    for section in &report.sections {
        let sheet = workbook.add_worksheet();
        sheet.set_name(names.unique(&section.title))?;
        write_table(sheet, &section.table, &mut formats)?;
    }
    workbook.save_to_buffer()
}

fn write_cover(sheet: &mut Worksheet, report: &Report, formats: &Formats) -> Result<(), XlsxError> {
    sheet.write_string_with_format(0, 0, clip(&report.title), &formats.title)?;
    sheet.write_string(1, 0, "Period")?;
    sheet.write_string(1, 1, report.period_label())?;
    sheet.write_string(2, 0, "Generated on")?;
    date_cell(sheet, 2, 1, report.generated_on, &formats.date)?;
    sheet.write_string(3, 0, "Currency")?;
    sheet.write_string(3, 1, clip(&report.currency_label()))?;
    if !report.currency.rates.is_empty() {
        for (col, head) in ["From", "To", "Rate", "As of"].iter().enumerate() {
            sheet.write_string_with_format(5, col_index(col), *head, &formats.header)?;
        }
        for (i, rate) in report.currency.rates.iter().enumerate() {
            let Some(row) = row_index(6 + i) else { break };
            sheet.write_string(row, 0, clip(&rate.from))?;
            sheet.write_string(row, 1, clip(&rate.to))?;
            sheet.write_number(row, 2, rounded_f64(rate.rate, MAX_FORMAT_DP))?;
            if let Some(day) = rate.as_of {
                date_cell(sheet, row, 3, day, &formats.date)?;
            }
        }
    }
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, 26)?;
    sheet.set_column_width(2, 12)?;
    sheet.set_column_width(3, 12)?;
    Ok(())
}

fn write_table(
    sheet: &mut Worksheet,
    table: &Table,
    formats: &mut Formats,
) -> Result<(), XlsxError> {
    if table.is_empty() {
        return Ok(());
    }
    let width = table.width().min(MAX_COLS);
    // Widths in characters, measured on what a person sees.
    let mut widths: Vec<usize> = vec![6; width];
    for (i, head) in table.header.iter().take(width).enumerate() {
        sheet.write_string_with_format(0, col_index(i), clip(head), &formats.header)?;
        widths[i] = widths[i].max(head.chars().count());
    }
    // Header cells beyond the header text still carry the header style.
    for i in table.header.len()..width {
        sheet.write_blank(0, col_index(i), &formats.header)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let Some(row_number) = row_index(r + 1) else {
            break;
        };
        for (c, value) in row.iter().take(width).enumerate() {
            let col = col_index(c);
            let shown = write_cell(sheet, row_number, col, value, formats)?;
            widths[c] = widths[c].max(shown);
        }
    }
    for (i, w) in widths.iter().enumerate() {
        let chars = u32::try_from((*w).clamp(6, 60) + 2).unwrap_or(62);
        sheet.set_column_width(col_index(i), chars)?;
    }
    // The header row stays in view; on a wide table the first column (the row's name) too.
    sheet.set_freeze_panes(1, if width > 6 { 1 } else { 0 })?;
    sheet.set_repeat_rows(0, 0)?;
    let last_row = row_index(table.rows.len().min(MAX_ROWS - 1)).unwrap_or(0);
    sheet.autofilter(0, 0, last_row, col_index(width.saturating_sub(1)))?;
    Ok(())
}

/// Writes one cell and returns how many characters wide it shows.
fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    formats: &mut Formats,
) -> Result<usize, XlsxError> {
    match cell {
        Cell::Empty => Ok(0),
        Cell::Text(text) => {
            let text = clip(text);
            let shown = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            sheet.write_string(row, col, text)?;
            Ok(shown)
        }
        Cell::Money { amount, currency } => {
            let format = formats.money(currency);
            sheet.write_number_with_format(row, col, rounded_f64(*amount, 2), &format)?;
            Ok(format_money(*amount, currency).chars().count())
        }
        Cell::Percent(value) => {
            // Rounded as shown (2 decimals of a percentage point), then a fraction, exactly.
            let fraction = round_half_away(*value, 2) / Decimal::ONE_HUNDRED;
            sheet.write_number_with_format(row, col, rounded_f64(fraction, 4), &formats.percent)?;
            Ok(format_percent(*value).chars().count())
        }
        Cell::Ratio(value) => {
            sheet.write_number_with_format(row, col, rounded_f64(*value, 2), &formats.ratio)?;
            Ok(format_ratio(*value).chars().count())
        }
        Cell::Number { value, dp } => {
            let dp = (*dp).min(MAX_FORMAT_DP);
            let format = formats.number(dp);
            sheet.write_number_with_format(row, col, rounded_f64(*value, dp), &format)?;
            Ok(grouped(*value, dp).chars().count())
        }
        Cell::Integer(value) => {
            // Exact in an f64 up to 2^53; beyond that, the digits as text.
            if value.unsigned_abs() <= 1 << 53 {
                let v = i32::try_from(*value).map_or_else(|_| exact_f64(*value), f64::from);
                sheet.write_number_with_format(row, col, v, &formats.integer)?;
            } else {
                sheet.write_string(row, col, value.to_string())?;
            }
            Ok(grouped(Decimal::from(*value), 0).chars().count())
        }
        Cell::Date(date) => {
            date_cell(sheet, row, col, *date, &formats.date)?;
            Ok(10)
        }
    }
}

/// A date as an Excel date where Excel has one (1900–9999), else as ISO text.
fn date_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    date: NaiveDate,
    format: &Format,
) -> Result<(), XlsxError> {
    if (1900..=9999).contains(&date.year()) {
        sheet.write_date_with_format(row, col, date, format)?;
    } else {
        sheet.write_string(row, col, date.to_string())?;
    }
    Ok(())
}

/// An `i64` within ±2^53 as an exact `f64`, through its decimal text.
fn exact_f64(value: i64) -> f64 {
    value.to_string().parse().unwrap_or(0.0)
}

fn to_f64(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// `value` rounded half away from zero to `dp` decimals, as the `f64` nearest that decimal.
///
/// Through the decimal text, because `Decimal::to_f64` divides the mantissa by a power of ten
/// and can land an ulp away (145658.81999999998 for 145658.82), which Excel then shows as float
/// noise; Rust's parser returns the nearest `f64`, which prints back as the decimal.
fn rounded_f64(value: Decimal, dp: u32) -> f64 {
    fixed(value, dp).parse().unwrap_or_else(|_| to_f64(value))
}

/// Text within Excel's string limit.
fn clip(text: &str) -> String {
    if text.chars().count() <= MAX_STRING_CHARS {
        text.to_owned()
    } else {
        text.chars().take(MAX_STRING_CHARS).collect()
    }
}

fn col_index(i: usize) -> u16 {
    u16::try_from(i.min(MAX_COLS - 1)).unwrap_or(0)
}

fn row_index(i: usize) -> Option<u32> {
    if i < MAX_ROWS {
        u32::try_from(i).ok()
    } else {
        None
    }
}

/// The formats of a workbook, made once each (a workbook holds every distinct format).
struct Formats {
    title: Format,
    header: Format,
    percent: Format,
    /// A multiple: `6.32x`, as the pages write ROAS.
    ratio: Format,
    integer: Format,
    date: Format,
    money: HashMap<String, Format>,
    numbers: HashMap<u32, Format>,
}

impl Formats {
    fn new() -> Self {
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            header: Format::new()
                .set_bold()
                .set_background_color(0xE8_EE_F4)
                .set_border_bottom(FormatBorder::Thin),
            percent: Format::new().set_num_format("0.00%"),
            ratio: Format::new().set_num_format("#,##0.00\"x\""),
            integer: Format::new().set_num_format("#,##0"),
            date: Format::new().set_num_format("d mmm yyyy"),
            money: HashMap::new(),
            numbers: HashMap::new(),
        }
    }

    /// `"$"#,##0.00;-"$"#,##0.00`: the currency's prefix as a quoted literal.
    fn money(&mut self, currency: &str) -> Format {
        let prefix = currency_prefix(currency);
        self.money
            .entry(prefix.clone())
            .or_insert_with(|| {
                let literal = if prefix.is_empty() {
                    String::new()
                } else {
                    format!("\"{prefix}\"")
                };
                Format::new().set_num_format(format!("{literal}#,##0.00;-{literal}#,##0.00"))
            })
            .clone()
    }

    fn number(&mut self, dp: u32) -> Format {
        self.numbers
            .entry(dp)
            .or_insert_with(|| {
                let pattern = fixed(Decimal::ZERO, dp);
                Format::new().set_num_format(format!("#,##{pattern}"))
            })
            .clone()
    }
}

/// Turns section titles into valid, distinct sheet names.
#[derive(Default)]
struct SheetNames {
    used: Vec<String>,
}

impl SheetNames {
    fn unique(&mut self, title: &str) -> String {
        let base: String = title
            .chars()
            .map(|c| match c {
                '*' | '?' | ':' | '[' | ']' | '\\' | '/' => '-',
                c if c.is_control() => ' ',
                c => c,
            })
            .collect();
        let base = base.trim().trim_matches('\'').trim();
        let base = if base.is_empty() || base.eq_ignore_ascii_case("history") {
            "Sheet"
        } else {
            base
        };
        let mut n = 1usize;
        loop {
            let suffix = if n == 1 {
                String::new()
            } else {
                format!(" ({n})")
            };
            let mut name = take_utf16(base, 31 - suffix.len());
            name = name.trim_end().trim_end_matches('\'').to_owned();
            if name.is_empty() {
                name = "Sheet".to_owned();
            }
            name.push_str(&suffix);
            if !self
                .used
                .iter()
                .any(|u| u.to_lowercase() == name.to_lowercase())
            {
                self.used.push(name.clone());
                return name;
            }
            n += 1;
        }
    }
}

/// The longest prefix of `text` that is at most `units` UTF-16 code units (Excel's measure).
fn take_utf16(text: &str, units: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for c in text.chars() {
        used += c.len_utf16();
        if used > units {
            break;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_distinct() {
        let mut names = SheetNames::default();
        assert_eq!(names.unique("Report"), "Report");
        assert_eq!(names.unique("report"), "report (2)");
        assert_eq!(
            names.unique("ROI / ROAS [by platform]"),
            "ROI - ROAS -by platform-"
        );
        assert_eq!(names.unique(""), "Sheet");
        assert_eq!(names.unique("'quoted'"), "quoted");
        assert_eq!(names.unique("History"), "Sheet (2)");
        let long = "A very long section title that Excel would refuse";
        let first = names.unique(long);
        let second = names.unique(long);
        assert_eq!(first, "A very long section title that");
        assert_eq!(second, "A very long section title t (2)");
        for name in &names.used {
            assert!(name.encode_utf16().count() <= 31, "{name}");
        }
    }

    #[test]
    fn money_formats_carry_the_currency_as_a_literal() {
        let mut formats = Formats::new();
        assert_eq!(
            formats.money("USD"),
            Format::new().set_num_format("\"$\"#,##0.00;-\"$\"#,##0.00")
        );
        assert_eq!(
            formats.money("gbp"),
            Format::new().set_num_format("\"GBP \"#,##0.00;-\"GBP \"#,##0.00")
        );
        assert_eq!(formats.number(2), Format::new().set_num_format("#,##0.00"));
        assert_eq!(formats.number(0), Format::new().set_num_format("#,##0"));
    }
}
