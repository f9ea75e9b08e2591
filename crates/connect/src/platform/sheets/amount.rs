//! Amounts and counts a user typed into a sheet as text (`"$1,234.50"`, `"84,53"`,
//! `"152.37 EUR"`): their decimal mark, decided per column, and their currency, one per sheet.
//!
//! Typed numbers never come here: they arrive as JSON numbers (`UNFORMATTED_VALUE`) and are exact
//! whatever the sheet's locale. Text is another matter: `"1,234"` is a thousand and more in
//! Chicago and one and a bit in Berlin. Rather than read the spreadsheet's locale (text pasted
//! from a CSV export keeps the exporter's convention, not the sheet's), a column's own text
//! cells decide: a cell that can only be read one way (`"84,53"`, `"1.234,56"`, `"1,234.56"`)
//! says which mark the column uses, and a cell that could be read both ways is read that way or,
//! with nothing to go by, refused with the two readings. A wrong guess here is money off by a
//! factor of a thousand, stored without a word.

use std::fmt;

use rust_decimal::Decimal;
use spendlens_core::currency::is_iso_4217;

use super::{Cell, refuse, shown};
use crate::error::ConnectError;

/// Which character separates the whole part from the fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mark {
    Point,
    Comma,
}

impl Mark {
    fn of(separator: u8) -> Mark {
        if separator == b',' {
            Mark::Comma
        } else {
            Mark::Point
        }
    }

    fn other(self) -> Mark {
        match self {
            Mark::Point => Mark::Comma,
            Mark::Comma => Mark::Point,
        }
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mark::Point => "a decimal point",
            Mark::Comma => "a decimal comma",
        })
    }
}

/// What a column holds: money (a currency is allowed), a decimal that is not money (conversions)
/// or a whole count. An ambiguous count (`"8,412"`) is read as thousands, because its other
/// reading is a fraction no count can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Money,
    Decimal,
    Count,
}

/// Currency symbols read as one currency. A bare `$` is the US dollar (other dollars write their
/// prefix or the ISO code); `¥` is refused, as it is both the yen and the yuan.
const SYMBOLS: [(&str, &str); 21] = [
    ("US$", "USD"),
    ("CA$", "CAD"),
    ("C$", "CAD"),
    ("AU$", "AUD"),
    ("A$", "AUD"),
    ("NZ$", "NZD"),
    ("HK$", "HKD"),
    ("S$", "SGD"),
    ("MX$", "MXN"),
    ("R$", "BRL"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("₹", "INR"),
    ("₩", "KRW"),
    ("₺", "TRY"),
    ("₽", "RUB"),
    ("₪", "ILS"),
    ("₴", "UAH"),
    ("₱", "PHP"),
    ("฿", "THB"),
];

/// The digits of a text number and how they can be read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// One reading and no word on the mark (`"84"`).
    Plain(Decimal),
    /// One reading, which shows the column's mark (`"84,53"`: a comma; `"1,234,567"`: commas
    /// group thousands, so the mark is a point).
    Shows(Mark, Decimal),
    /// One separator followed by three digits (`"1,234"`): a decimal mark or a thousands group.
    Either {
        separator: Mark,
        as_fraction: Decimal,
        as_thousands: Decimal,
    },
}

/// A text cell taken apart: its currency (an ISO code) and its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TextNumber {
    currency: Option<String>,
    negative: bool,
    shape: Shape,
}

impl TextNumber {
    /// The decimal mark this cell shows on its own.
    fn shows(&self) -> Option<Mark> {
        match self.shape {
            Shape::Shows(m, _) => Some(m),
            _ => None,
        }
    }
}

/// A text cell as a currency and a number, or why it is neither.
pub(super) fn parse(text: &str) -> Result<TextNumber, String> {
    let not_a_number = || format!("{} is not a number", shown(text));
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}'))
        .collect();
    let mut rest = compact.as_str();
    let mut negative = false;
    if let Some(r) = rest.strip_prefix('-') {
        negative = true;
        rest = r;
    }
    let (prefix, r) = strip_currency(rest, true)?;
    rest = r;
    if !negative && let Some(r) = rest.strip_prefix('-') {
        negative = true;
        rest = r;
    }
    let (suffix, r) = strip_currency(rest, false)?;
    rest = r;
    let currency = match (prefix, suffix) {
        (Some(a), Some(b)) if a != b => return Err(not_a_number()),
        (a, b) => a.or(b),
    };
    let shape = shape(rest).ok_or_else(not_a_number)?;
    Ok(TextNumber {
        currency,
        negative,
        shape,
    })
}

/// A currency symbol or ISO code at the start (`prefix`) or the end of `s`, and what is left.
fn strip_currency(s: &str, prefix: bool) -> Result<(Option<String>, &str), String> {
    let cut = move |n: usize| if prefix { &s[n..] } else { &s[..s.len() - n] };
    let has = move |sym: &str| {
        if prefix {
            s.starts_with(sym)
        } else {
            s.ends_with(sym)
        }
    };
    if has("¥") || has("￥") {
        return Err(format!(
            "{}: ¥ is both the yen and the yuan: write JPY or CNY with the amount",
            shown(s)
        ));
    }
    if let Some((sym, code)) = SYMBOLS.iter().find(|(sym, _)| has(sym)) {
        return Ok((Some((*code).to_owned()), cut(sym.len())));
    }
    let letters = if prefix {
        s.get(..3)
    } else {
        s.len().checked_sub(3).and_then(|i| s.get(i..))
    };
    if let Some(l) = letters.filter(|l| l.bytes().all(|b| b.is_ascii_alphabetic())) {
        let code = l.to_ascii_uppercase();
        if is_iso_4217(&code) {
            return Ok((Some(code), cut(3)));
        }
    }
    Ok((None, s))
}

fn decimal(digits: &str) -> Option<Decimal> {
    digits.parse().ok()
}

/// Digits grouped by `separator` in threes after a first group of one to three, without the
/// separators; `None` when they are not grouped so.
fn grouped(s: &str, separator: u8) -> Option<String> {
    let parts: Vec<&str> = s.split(char::from(separator)).collect();
    let (first, rest) = parts.split_first()?;
    let ok = !first.is_empty() && first.len() <= 3 && rest.iter().all(|p| p.len() == 3);
    ok.then(|| parts.concat())
}

/// The readings of digits with `,` and `.` in them.
fn shape(s: &str) -> Option<Shape> {
    let valid = s
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b',' || b == b'.');
    if !valid || !s.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let separators: Vec<(usize, u8)> = s
        .bytes()
        .enumerate()
        .filter(|(_, b)| !b.is_ascii_digit())
        .collect();
    let Some(&(at, last)) = separators.last() else {
        return decimal(s).map(Shape::Plain);
    };
    let (whole, fraction) = (&s[..at], &s[at + 1..]);
    let before = &separators[..separators.len() - 1];
    if before.iter().any(|(_, b)| *b != last) {
        // Both kinds: the last one is the decimal mark and every earlier one groups thousands.
        if before.iter().any(|(_, b)| *b == last) || fraction.is_empty() {
            return None;
        }
        let digits = grouped(whole, if last == b',' { b'.' } else { b',' })?;
        return decimal(&format!("{digits}.{fraction}")).map(|v| Shape::Shows(Mark::of(last), v));
    }
    if !before.is_empty() {
        // The same separator twice cannot be a decimal mark: it groups thousands.
        let digits = grouped(s, last)?;
        return decimal(&digits).map(|v| Shape::Shows(Mark::of(last).other(), v));
    }
    if fraction.is_empty() {
        return None;
    }
    let as_fraction = decimal(&format!(
        "{}.{fraction}",
        if whole.is_empty() { "0" } else { whole }
    ))?;
    let could_group =
        fraction.len() == 3 && (1..=3).contains(&whole.len()) && !whole.starts_with('0');
    if !could_group {
        return Some(Shape::Shows(Mark::of(last), as_fraction));
    }
    Some(Shape::Either {
        separator: Mark::of(last),
        as_fraction,
        as_thousands: decimal(&format!("{whole}{fraction}"))?,
    })
}

/// The decimal mark of one column from its text cells: the one its unambiguous cells show;
/// `None` when none shows one. Refused when two cells show different marks, or when a money or
/// decimal cell could be read two ways and nothing in the column says which.
pub(super) fn column_mark<'a>(
    kind: Kind,
    cells: impl Iterator<Item = (Cell, &'a str)>,
) -> Result<Option<Mark>, ConnectError> {
    let mut shown_by: Option<(Mark, Cell, &str)> = None;
    let mut first_either: Option<(Cell, &str, Decimal)> = None;
    for (cell, text) in cells {
        let Ok(n) = parse(text) else { continue };
        if let Some(mark) = n.shows() {
            match shown_by {
                None => shown_by = Some((mark, cell, text)),
                Some((m, c, t)) if m != mark => {
                    return Err(refuse(
                        cell,
                        format!(
                            "{} has {mark} but {c} {} has {m}: write the column's amounts one way, or format it as a number",
                            shown(text),
                            shown(t)
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        if let Shape::Either { as_thousands, .. } = n.shape
            && first_either.is_none()
        {
            first_either = Some((cell, text, as_thousands));
        }
    }
    if let (None, Some((cell, text, thousands)), Kind::Money | Kind::Decimal) =
        (shown_by, first_either, kind)
    {
        return Err(refuse(
            cell,
            format!(
                "{} could be {thousands} or a fraction, and no other cell of the column shows its decimal mark: format the column as a number, or write {thousands}.00",
                shown(text)
            ),
        ));
    }
    Ok(shown_by.map(|(m, _, _)| m))
}

/// The one currency of a sheet's text amounts, if they name one; refused when two cells name
/// different currencies (a sheet is read in one currency, as the campaign it feeds is).
pub(super) fn sheet_currency<'a>(
    cells: impl Iterator<Item = (Cell, &'a str)>,
) -> Result<Option<String>, ConnectError> {
    let mut first: Option<(String, Cell, &str)> = None;
    for (cell, text) in cells {
        let Some(code) = parse(text).ok().and_then(|n| n.currency) else {
            continue;
        };
        match &first {
            None => first = Some((code, cell, text)),
            Some((c, at, t)) if *c != code => {
                return Err(refuse(
                    cell,
                    format!(
                        "{} is in {code} but {at} {} is in {c}: a sheet is read in one currency; keep each currency in its own sheet",
                        shown(text),
                        shown(t)
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(first.map(|(c, _, _)| c))
}

/// The value of a text cell in a column of `kind` whose mark is `mark`.
pub(super) fn read(kind: Kind, mark: Option<Mark>, text: &str) -> Result<Decimal, String> {
    let n = parse(text)?;
    if n.currency.is_some() && kind != Kind::Money {
        return Err(format!(
            "{} names a currency, but the column is not an amount of money",
            shown(text)
        ));
    }
    let value = match n.shape {
        Shape::Plain(v) | Shape::Shows(_, v) => v,
        Shape::Either {
            separator,
            as_fraction,
            as_thousands,
        } => match (mark, kind) {
            (Some(m), _) if m == separator => as_fraction,
            (Some(_), _) | (None, Kind::Count) => as_thousands,
            (None, _) => {
                return Err(format!(
                    "{} could be {as_thousands} or a fraction: format the column as a number, or write {as_thousands}.00",
                    shown(text)
                ));
            }
        },
    };
    Ok(if n.negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn cell(row: usize) -> Cell {
        Cell { row, column: 4 }
    }

    fn mark_of(kind: Kind, texts: &[&str]) -> Result<Option<Mark>, String> {
        column_mark(
            kind,
            texts.iter().enumerate().map(|(i, t)| (cell(i + 2), *t)),
        )
        .map_err(|e| e.to_string())
    }

    fn money(mark: Option<Mark>, text: &str) -> Decimal {
        read(Kind::Money, mark, text).expect(text)
    }

    #[test]
    fn each_shape_reads_as_written() {
        let p = Some(Mark::Point);
        let c = Some(Mark::Comma);
        assert_eq!(money(None, "84,53"), dec!(84.53));
        assert_eq!(money(None, "2,5"), dec!(2.5));
        assert_eq!(money(None, "1.234,56"), dec!(1234.56));
        assert_eq!(money(None, "1,234.56"), dec!(1234.56));
        assert_eq!(money(None, "1,234,567"), dec!(1234567));
        assert_eq!(money(None, "1 234,56 €"), dec!(1234.56));
        assert_eq!(money(None, "-€5.5"), dec!(-5.5));
        assert_eq!(money(p, "1,234"), dec!(1234));
        assert_eq!(money(c, "1,234"), dec!(1.234));
        assert_eq!(money(c, "1.234"), dec!(1234));
        assert!(read(Kind::Money, None, "1,234").is_err());
        assert_eq!(read(Kind::Count, None, "8,412"), Ok(dec!(8412)));
        assert_eq!(read(Kind::Count, None, "1.234"), Ok(dec!(1234)));
        for bad in [
            "twelve",
            "1,2,3",
            "1,23,456",
            "1.234.5,6,7",
            "12%",
            "",
            "€",
            "5 EUR USD",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn currencies_are_named_by_symbol_or_code() {
        let code = |t: &str| parse(t).expect(t).currency;
        assert_eq!(code("€152.37").as_deref(), Some("EUR"));
        assert_eq!(code("152.37 EUR").as_deref(), Some("EUR"));
        assert_eq!(code("$1,234.50").as_deref(), Some("USD"));
        assert_eq!(code("C$5").as_deref(), Some("CAD"));
        assert_eq!(code("£5").as_deref(), Some("GBP"));
        assert_eq!(code("chf 12").as_deref(), Some("CHF"));
        assert_eq!(code("12.5"), None);
        assert!(
            parse("¥500")
                .expect_err("yen or yuan")
                .contains("JPY or CNY")
        );
        assert!(read(Kind::Decimal, None, "€5").is_err());
    }

    #[test]
    fn a_column_s_mark_comes_from_its_unambiguous_cells() {
        assert_eq!(
            mark_of(Kind::Money, &["84,53", "1,234"]),
            Ok(Some(Mark::Comma))
        );
        assert_eq!(
            mark_of(Kind::Money, &["1.234", "1.234.567"]),
            Ok(Some(Mark::Comma))
        );
        assert_eq!(mark_of(Kind::Money, &["1,234.56"]), Ok(Some(Mark::Point)));
        assert_eq!(mark_of(Kind::Money, &["84", "x"]), Ok(None));
        let lone = mark_of(Kind::Money, &["12", "1,234"]).expect_err("ambiguous");
        assert!(
            lone.contains("row 3, column E: \"1,234\" could be 1234 or a fraction")
                && lone.contains("format the column as a number, or write 1234.00"),
            "{lone}"
        );
        assert_eq!(mark_of(Kind::Count, &["8,412"]), Ok(None));
        let mixed = mark_of(Kind::Money, &["€152.37", "84,53"]).expect_err("both marks");
        assert!(
            mixed.contains("row 3, column E: \"84,53\" has a decimal comma but row 2, column E \"€152.37\" has a decimal point"),
            "{mixed}"
        );
    }

    #[test]
    fn a_sheet_has_one_currency() {
        let cells = [(cell(2), "€152.37"), (cell(3), "84.53"), (cell(4), "5 EUR")];
        assert_eq!(
            sheet_currency(cells.into_iter()).expect("one"),
            Some("EUR".into())
        );
        let mixed = [(cell(2), "€152.37"), (cell(5), "$5")];
        let e = sheet_currency(mixed.into_iter())
            .expect_err("two")
            .to_string();
        assert!(
            e.contains(
                "row 5, column E: \"$5\" is in USD but row 2, column E \"€152.37\" is in EUR"
            ),
            "{e}"
        );
    }
}
