//! One value as a report writes it: `$12,345.67`, `€1.200,50`, `USD 1,200`, `1.2M`, `3,456`,
//! `1 234 567`, read exactly into a [`Decimal`] with its currency in the report's number format
//! ([`NumberLocale`]), and refused when it cannot be the metric's kind (a percentage for a count,
//! money for a number of conversions) or is written in the other format.

use rust_decimal::Decimal;

use crate::currency::known_code;

use super::FoundValue;
use super::locale::NumberLocale;
use super::metric::PdfMetric;

/// What a metric's value may be: money (a currency allowed), a whole count, or a plain number
/// (conversions and leads may be fractional after attribution).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Money,
    Count,
    Decimal,
}

/// The values of a row of cards: its cells when it has as many as `want` (a layout keeps cells
/// apart), else whitespace-separated words, with a lone currency symbol or code joined to the
/// number after it (`USD 1,200`).
pub(super) fn value_tokens(cells: &[String], want: usize) -> Vec<String> {
    if cells.len() == want {
        return cells.to_vec();
    }
    let mut out: Vec<String> = Vec::new();
    let mut pending: Option<&str> = None;
    for t in cells.iter().flat_map(|c| c.split_whitespace()) {
        let is_prefix = matches!(t, "$" | "€" | "£") || (t.len() == 3 && known_code(t).is_some());
        match pending.take() {
            Some(p) => out.push(format!("{p} {t}")),
            None if is_prefix => pending = Some(t),
            None => out.push(t.to_owned()),
        }
    }
    if let Some(p) = pending {
        out.push(p.to_owned());
    }
    out
}

/// A value read, with whether it was written with a bare `$` (a currency the report does not name).
#[derive(Debug)]
pub(super) struct Read {
    pub(super) found: FoundValue,
    pub(super) dollar: bool,
}

/// Whether `next` continues a number grouped by spaces (`1 234 567`, `1 234,56`): three digits,
/// then at most decimals, a percent or a multiplier.
fn continues(number: &str, next: &str) -> bool {
    let digits = number.trim_start_matches(['€', '$', '£']);
    let last_group = digits.rsplit(' ').next().unwrap_or_default();
    let grouped_so_far = digits.chars().all(|c| c.is_ascii_digit() || c == ' ')
        && (1..=3).contains(&last_group.len());
    let b = next.as_bytes();
    grouped_so_far
        && b.len() >= 3
        && b[..3].iter().all(u8::is_ascii_digit)
        && b.get(3)
            .is_none_or(|c| matches!(c, b',' | b'.' | b'%' | b'K' | b'M' | b'B'))
}

/// Reads the value at the start of `text` in `locale`. `Ok(None)` when no number is there (the
/// label was part of a longer phrase such as "Cost per conversion").
pub(super) fn read_value(
    text: &str,
    kind: Kind,
    locale: NumberLocale,
) -> Result<Option<Read>, String> {
    let mut tokens = text.split_whitespace().peekable();
    let Some(mut first) = tokens.next() else {
        return Ok(None);
    };
    let mut currency: Option<&'static str> = None;
    let mut dollar = false;
    // "USD 1,200" / "€ 1,200"
    if let Some(code) = known_code(first).filter(|_| first.len() == 3) {
        currency = Some(code);
        first = tokens.next().unwrap_or("");
    } else if matches!(first, "€" | "£" | "$") {
        currency = symbol_code(first);
        dollar = first == "$";
        first = tokens.next().unwrap_or("");
    }
    let mut token = first.to_owned();
    while let Some(next) = tokens.peek() {
        if !continues(&token, next) {
            break;
        }
        token.push(' ');
        token.push_str(next);
        tokens.next();
    }
    match tokens.next() {
        Some("€") if currency.is_none() => currency = symbol_code("€"),
        Some("£") if currency.is_none() => currency = symbol_code("£"),
        Some(next) if currency.is_none() => currency = known_code(next),
        _ => {}
    }
    let mut t = token.trim_end_matches([',', ';', '.']).to_owned();
    for sym in ["US$", "€", "£", "$"] {
        if let Some(r) = t.strip_prefix(sym) {
            if sym == "$" {
                dollar = true;
            }
            currency = currency.or(symbol_code(sym));
            t = r.to_owned();
            break;
        }
        if let Some(r) = t.strip_suffix(sym) {
            currency = currency.or(symbol_code(sym));
            t = r.trim_end().to_owned();
            break;
        }
    }
    let percent = t.ends_with('%');
    if percent {
        t.pop();
        t = t.trim_end().to_owned();
    }
    let (multiplier, approximate) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (Decimal::from(1_000), true),
        Some('M') => (Decimal::from(1_000_000), true),
        Some('B') => (Decimal::from(1_000_000_000), true),
        _ => (Decimal::ONE, false),
    };
    if approximate {
        t.pop();
    }
    if t.is_empty() || !t.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == ',') {
        return Ok(None);
    }
    let mine = locale.read(&t);
    if mine.is_none() && locale.other().read(&t).is_none() {
        return Ok(None);
    }
    if percent {
        return Err(format!(
            "value \"{token}\" is a percentage, not a {}",
            kind_name(kind)
        ));
    }
    let Some(number) = mine else {
        return Err(format!(
            "value \"{token}\" is written with a {}, but the report's numbers are read with a {}",
            locale.other().label(),
            locale.label()
        ));
    };
    let value = number.checked_mul(multiplier).ok_or("value too large")?;
    if value > crate::number::max_cell_value() {
        return Err(format!("value \"{token}\" is implausibly large"));
    }
    if kind == Kind::Count && !value.fract().is_zero() {
        return Err(format!(
            "value \"{token}\" is not a whole number (read with a {})",
            locale.label()
        ));
    }
    if kind != Kind::Money && currency.is_some() {
        return Err(format!(
            "value \"{token}\" is an amount of money, not a {}",
            kind_name(kind)
        ));
    }
    let found = FoundValue {
        metric: PdfMetric::Spend,
        value: value.normalize(),
        text: token,
        label: String::new(),
        page: 1,
        line: 0,
        approximate,
        currency: currency.map(str::to_owned),
    };
    Ok(Some(Read { found, dollar }))
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Money => "amount",
        Kind::Count => "count",
        Kind::Decimal => "number",
    }
}

fn symbol_code(sym: &str) -> Option<&'static str> {
    match sym {
        "€" => Some("EUR"),
        "£" => Some("GBP"),
        "US$" => Some("USD"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    use NumberLocale::{DecimalComma as Comma, DecimalPoint as Point};

    fn value(text: &str, kind: Kind, locale: NumberLocale) -> Option<Decimal> {
        read_value(text, kind, locale)
            .ok()
            .flatten()
            .map(|r| r.found.value)
    }

    #[test]
    fn values_in_the_reports_format() {
        assert_eq!(value("€8.450,20", Kind::Money, Comma), Some(dec!(8450.20)));
        assert_eq!(value("512.300", Kind::Count, Comma), Some(dec!(512300)));
        assert_eq!(
            value("1 234 567 impressions", Kind::Count, Comma),
            Some(dec!(1234567))
        );
        assert_eq!(value("8 450,20 €", Kind::Money, Comma), Some(dec!(8450.20)));
        assert_eq!(value("31,2K", Kind::Count, Comma), Some(dec!(31200)));
        assert_eq!(
            value("$12,345.67", Kind::Money, Point),
            Some(dec!(12345.67))
        );
        assert_eq!(
            value("USD 1,200 1.2M", Kind::Money, Point),
            Some(dec!(1200))
        );
        let wrong = read_value("1,234.56", Kind::Money, Comma).expect_err("other format");
        assert!(wrong.contains("decimal point"), "{wrong}");
        let whole = read_value("12,345", Kind::Count, Comma).expect_err("12.345");
        assert!(whole.contains("not a whole number"), "{whole}");
        assert_eq!(value("per conversion", Kind::Money, Point), None);
        assert_eq!(
            value_tokens(&["USD 1,200".into(), "2.5%".into()], 2),
            ["USD 1,200", "2.5%"]
        );
        assert_eq!(
            value_tokens(&["USD 1,200 1.2M".into()], 2),
            ["USD 1,200", "1.2M"]
        );
    }
}
