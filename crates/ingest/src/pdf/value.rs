//! One value as a report writes it: `$12,345.67`, `€1.200,50`, `USD 1,200`, `1.2M`, `3,456`, read
//! exactly into a [`Decimal`] with its currency, and refused when it cannot be the metric's kind (a
//! percentage for a count, money for a number of conversions).

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::currency::known_code;

use super::FoundValue;
use super::metric::PdfMetric;

/// What a metric's value may be: money (a currency allowed), a whole count, or a plain number
/// (conversions and leads may be fractional after attribution).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Money,
    Count,
    Decimal,
}

/// The values of a row of cards: whitespace-separated, with a lone currency symbol or code joined to
/// the number after it (`USD 1,200`).
pub(super) fn value_tokens(line: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pending: Option<&str> = None;
    for t in line.split_whitespace() {
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
pub(super) struct Read {
    pub(super) found: FoundValue,
    pub(super) dollar: bool,
}

/// Reads the value at the start of `text`. `Ok(None)` when no number is there (the label was part of
/// a longer phrase such as "Cost per conversion").
pub(super) fn read_value(text: &str, kind: Kind) -> Result<Option<Read>, String> {
    let mut tokens = text.split_whitespace();
    let Some(mut token) = tokens.next() else {
        return Ok(None);
    };
    let mut currency: Option<&'static str> = None;
    let mut dollar = false;
    // "USD 1,200" / "€ 1,200"
    if let Some(code) = known_code(token).filter(|_| token.len() == 3) {
        currency = Some(code);
        token = tokens.next().unwrap_or("");
    } else if matches!(token, "€" | "£" | "$") {
        currency = symbol_code(token);
        dollar = token == "$";
        token = tokens.next().unwrap_or("");
    }
    if currency.is_none()
        && let Some(code) = tokens.next().and_then(known_code)
    {
        currency = Some(code);
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
            t = r.to_owned();
            break;
        }
    }
    let percent = t.ends_with('%');
    if percent {
        t.pop();
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
    if t.is_empty() || !t.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return Ok(None);
    }
    let Some(number) = loose_number(&t) else {
        return Ok(None);
    };
    if percent {
        return Err(format!(
            "value \"{token}\" is a percentage, not a {}",
            kind_name(kind)
        ));
    }
    let value = number.checked_mul(multiplier).ok_or("value too large")?;
    if value > crate::number::max_cell_value() {
        return Err(format!("value \"{token}\" is implausibly large"));
    }
    if kind == Kind::Count && !value.fract().is_zero() {
        return Err(format!("value \"{token}\" is not a whole number"));
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
        text: token.to_owned(),
        label: String::new(),
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

/// A number with either convention: `1,234.56`, `1.234,56`, `1 234,56`, `12,5`, `1,234`.
fn loose_number(t: &str) -> Option<Decimal> {
    let t = t.replace([' ', '\u{a0}', '\''], "");
    let last_dot = t.rfind('.');
    let last_comma = t.rfind(',');
    let normal = match (last_dot, last_comma) {
        (Some(d), Some(c)) if c > d => t.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => t.replace(',', ""),
        (None, Some(c)) => {
            // One comma with exactly three digits after it is a thousands separator.
            let after = t.len() - c - 1;
            if t.matches(',').count() == 1 && after != 3 {
                t.replace(',', ".")
            } else {
                t.replace(',', "")
            }
        }
        (Some(_), None) if t.matches('.').count() > 1 => t.replace('.', ""),
        _ => t,
    };
    if !normal.bytes().all(|b| b.is_ascii_digit() || b == b'.') || normal.matches('.').count() > 1 {
        return None;
    }
    Decimal::from_str(&normal).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn loose_numbers() {
        assert_eq!(loose_number("1,234.56"), Some(dec!(1234.56)));
        assert_eq!(loose_number("1.234,56"), Some(dec!(1234.56)));
        assert_eq!(loose_number("12,5"), Some(dec!(12.5)));
        assert_eq!(loose_number("1,234"), Some(dec!(1234)));
        assert_eq!(loose_number("1.234.567"), Some(dec!(1234567)));
        assert_eq!(loose_number("1.2"), Some(dec!(1.2)));
        assert_eq!(loose_number("abc"), None);
    }
}
