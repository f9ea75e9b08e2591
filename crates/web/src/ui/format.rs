//! How the pages write numbers: money in the campaign's currency, percentages, ratios, counts.
//! Rounding happens here, once, half away from zero (through `spendlens_report::currency`, the
//! same formatters as the reports).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::num::round_half_away;
use spendlens_report::currency::{format_money, format_percent, grouped};

/// `$1,234.56`, `€12.00`, `GBP 3.50`.
pub fn money(amount: Decimal, currency: &str) -> String {
    format_money(amount, currency)
}

/// `12.35%`.
pub fn pct(value: Decimal) -> String {
    format_percent(value)
}

/// `2.45x`.
pub fn ratio(value: Decimal) -> String {
    format!("{}x", grouped(value, 2))
}

/// `1,234,567`.
pub fn count(value: u64) -> String {
    grouped(Decimal::from(value), 0)
}

/// A count with its noun, singular for one (`1 row`, `1,204 rows`).
pub fn counted(value: u64, noun: &str) -> String {
    if value == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", count(value))
    }
}

/// Conversions: whole numbers without decimals, fractions with two (`84`, `61.50`).
pub fn conversions(value: Decimal) -> String {
    let rounded = round_half_away(value, 2);
    if rounded.fract().is_zero() {
        grouped(rounded, 0)
    } else {
        grouped(rounded, 2)
    }
}

/// A decimal with two decimals and grouping, no unit (`1,234.50`), e.g. for a form field.
pub fn plain(value: Decimal) -> String {
    grouped(value, 2)
}

/// `21 Nov 2026`.
pub fn date(d: NaiveDate) -> String {
    spendlens_core::dates::day(d)
}

/// A bar's width in percent of its track: `value` on a scale whose full width is `full`, capped
/// to 0–100 and written for CSS (`42.5`).
pub fn bar_width(value: Decimal, full: Decimal) -> String {
    if full <= Decimal::ZERO {
        return "0".to_owned();
    }
    let share = spendlens_core::num::pct_or_zero(value, full);
    let capped = share.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED);
    round_half_away(capped, 1).normalize().to_string()
}

/// Percent-encodes a path and query for the `next` parameter.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A money amount typed by a person: digits with an optional decimal point, thousands
/// separators (`15,000.00`) allowed between groups of three, surrounding spaces ignored. Empty
/// is `None`.
pub fn parse_money(text: &str) -> Result<Option<Decimal>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || {
        format!(
            "\"{text}\" is not an amount: write digits with an optional decimal point, e.g. 15,000.00"
        )
    };
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    if int.is_empty()
        || frac.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    let digits: String = if int.contains(',') {
        let groups: Vec<&str> = int.split(',').collect();
        let first_ok = groups
            .first()
            .is_some_and(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()));
        let rest_ok = groups[1..]
            .iter()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
        if !(first_ok && rest_ok) {
            return Err(format!(
                "\"{text}\": commas go between groups of three digits, e.g. 15,000.00"
            ));
        }
        groups.concat()
    } else if int.bytes().all(|b| b.is_ascii_digit()) {
        int.to_owned()
    } else if int.starts_with('-') {
        return Err("must not be negative".to_owned());
    } else {
        return Err(bad());
    };
    let normal = match frac {
        Some(f) => format!("{digits}.{f}"),
        None => digits,
    };
    normal.parse::<Decimal>().map(Some).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn typed_money_accepts_grouping_and_refuses_the_rest() {
        assert_eq!(parse_money(" 15,000.00 "), Ok(Some(d("15000.00"))));
        assert_eq!(parse_money("1,234,567"), Ok(Some(d("1234567"))));
        assert_eq!(parse_money("1234.5"), Ok(Some(d("1234.5"))));
        assert_eq!(parse_money(""), Ok(None));
        for bad in [
            "1,23", "12,3456", ",100", "1.2.3", "abc", "1.", ".5", "-5", "1e3", "1,000,00",
        ] {
            assert!(parse_money(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_are_written_for_people() {
        assert_eq!(money(d("8850.505"), "USD"), "$8,850.51");
        assert_eq!(money(d("-3"), "EUR"), "-€3.00");
        assert_eq!(pct(d("145")), "145.00%");
        assert_eq!(ratio(d("2.454")), "2.45x");
        assert_eq!(conversions(d("84")), "84");
        assert_eq!(conversions(d("61.5")), "61.50");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(bar_width(d("7.5"), d("15")), "50");
        assert_eq!(bar_width(d("30"), d("15")), "100");
        assert_eq!(bar_width(d("1"), d("0")), "0");
        assert_eq!(
            url_encode("/campaigns/a b?tab=x&y"),
            "/campaigns/a%20b%3Ftab%3Dx%26y"
        );
    }
}
