//! The CSV writer: one section after another, money as plain 2-decimal numbers.
//!
//! The layout is made to be read back by people and by spreadsheet imports alike:
//!
//! ```text
//! # <title>
//! # Period: <start> to <end>
//! # Amounts in USD. Exchange rates used: 1 EUR = 1.085 USD (2025-03-31).
//!
//! # <section title>
//! <header>
//! <rows>
//!
//! # <next section title>
//! ...
//! ```
//!
//! Fields are quoted only when they must be (RFC 4180), plus a field starting with `#`, so that a
//! reader skipping `#` comment lines never drops a data row. Text that a spreadsheet would run as
//! a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`
//! (the OWASP advice against CSV injection): campaign names come from users and ad platforms.
//! Output is deterministic byte for byte; lines end with `\n`.

use crate::currency::fixed;
use crate::model::{Cell, Report, Table};

/// The most decimals a `Decimal` can have.
const MAX_DP: u32 = 28;

/// Writes the report as CSV bytes (UTF-8, no byte-order mark).
pub fn render_csv(report: &Report) -> Vec<u8> {
    let mut out = String::new();
    comment(&mut out, &report.title);
    comment(&mut out, &format!("Period: {}", report.period_label()));
    comment(&mut out, &report.currency_label());
    for section in &report.sections {
        out.push('\n');
        comment(&mut out, &section.title);
        table(&mut out, &section.table);
    }
    out.into_bytes()
}

fn comment(out: &mut String, text: &str) {
    out.push_str("# ");
    out.push_str(&one_line(text));
    out.push('\n');
}

fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

fn table(out: &mut String, table: &Table) {
    if table.is_empty() {
        return;
    }
    let width = table.width();
    let header: Vec<String> = (0..width)
        .map(|i| table.header.get(i).cloned().unwrap_or_default())
        .collect();
    record(out, header.iter().map(String::as_str));
    for row in &table.rows {
        let fields: Vec<String> = (0..width)
            .map(|i| row.get(i).map(cell).unwrap_or_default())
            .collect();
        record(out, fields.iter().map(String::as_str));
    }
}

fn cell(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(text) => defuse(text),
        Cell::Money { amount, .. } => fixed(*amount, 2),
        Cell::Percent(value) | Cell::Ratio(value) => fixed(*value, 2),
        Cell::Number { value, dp } => fixed(*value, (*dp).min(MAX_DP)),
        Cell::Integer(value) => value.to_string(),
        Cell::Date(date) => date.to_string(),
    }
}

/// Prefixes text a spreadsheet would evaluate as a formula.
pub(crate) fn defuse(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

pub(crate) fn record<'a>(out: &mut String, fields: impl Iterator<Item = &'a str>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let quote = field.starts_with('#')
            || field.starts_with(' ')
            || field.ends_with(' ')
            || field.contains([',', '"', '\n', '\r']);
        if quote {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn check(c: &Cell, expected: &str) {
        assert_eq!(cell(c), expected);
    }

    #[test]
    fn cells_are_plain_and_exact() {
        check(&Cell::money(dec!(1234.565), "USD"), "1234.57");
        check(&Cell::money(dec!(-0.001), "USD"), "0.00");
        check(&Cell::Percent(dec!(12.5)), "12.50");
        check(&Cell::Ratio(dec!(6.3249)), "6.32");
        check(
            &Cell::Number {
                value: dec!(2.456),
                dp: 2,
            },
            "2.46",
        );
        check(
            &Cell::Number {
                value: dec!(2.456),
                dp: 99,
            },
            "2.4560000000000000000000000000",
        );
        check(&Cell::Integer(-42), "-42");
        check(
            &Cell::Date(chrono::NaiveDate::from_ymd_opt(2025, 2, 28).expect("date")),
            "2025-02-28",
        );
        check(&Cell::text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        check(&Cell::text("-"), "'-");
        check(&Cell::Empty, "");
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let mut out = String::new();
        record(
            &mut out,
            ["a", "b,c", "say \"hi\"", "#1", "line\nbreak", " pad"].into_iter(),
        );
        assert_eq!(
            out,
            "a,\"b,c\",\"say \"\"hi\"\"\",\"#1\",\"line\nbreak\",\" pad\"\n"
        );
    }
}
