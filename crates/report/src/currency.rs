//! How money is written for people: the currency prefix, grouped amounts, compact axis labels.
//!
//! Money stays a `Decimal` until it is written; rounding happens here, once, half away from zero
//! ([`spendlens_core::num::round_half_away`]).

use rust_decimal::Decimal;
use spendlens_core::num::round_half_away;

/// The prefix written before an amount in `code`: `"$"`, `"€"`, or the code and a space
/// (`"GBP "`).
///
/// Only the dollar and the euro get symbols: they are unambiguous in a report whose currency note
/// names the currency, whereas `£`, `¥` or `kr` would be guesses for some codes. Anything but ASCII
/// letters and digits is dropped from the code (it ends up in number formats and SVG text), and
/// an empty code gives no prefix at all.
pub fn currency_prefix(code: &str) -> String {
    let clean: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    match clean.as_str() {
        "" => String::new(),
        "USD" => "$".to_owned(),
        "EUR" => "€".to_owned(),
        _ => format!("{clean} "),
    }
}

/// `value` rounded half away from zero to `dp` decimals, written with exactly `dp` decimals and no
/// grouping: `1234.5` → `"1234.50"`. This is the CSV form of money.
pub fn fixed(value: Decimal, dp: u32) -> String {
    let rounded = round_half_away(value, dp);
    let text = rounded.to_string();
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let want = usize::try_from(dp).unwrap_or(usize::MAX);
    let mut out = String::with_capacity(int.len() + want + 1);
    out.push_str(int);
    if want > 0 {
        out.push('.');
        out.push_str(frac);
        for _ in frac.len()..want {
            out.push('0');
        }
    }
    out
}

/// `value` with `dp` decimals and thousands separators: `1234567.891` → `"1,234,567.89"`.
pub fn grouped(value: Decimal, dp: u32) -> String {
    let text = fixed(value, dp);
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut out = String::with_capacity(text.len() + int.len() / 3);
    out.push_str(sign);
    let offset = int.len() % 3;
    for (i, ch) in int.chars().enumerate() {
        if i != 0 && i % 3 == offset {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// An amount for people: `"$1,234.56"`, `"-€12.00"`, `"GBP 3.50"`.
pub fn format_money(amount: Decimal, code: &str) -> String {
    let prefix = currency_prefix(code);
    let text = grouped(amount, 2);
    match text.strip_prefix('-') {
        Some(rest) => format!("-{prefix}{rest}"),
        None => format!("{prefix}{text}"),
    }
}

/// A percentage for people: `12.345` → `"12.35%"`.
pub fn format_percent(value: Decimal) -> String {
    format!("{}%", grouped(value, 2))
}

/// A multiple for people, as every page writes ROAS: `6.3249` → `"6.32x"`.
pub fn format_ratio(value: Decimal) -> String {
    format!("{}x", grouped(value, 2))
}

/// The significant digits an exchange rate is printed with (the finance page's precision).
pub const RATE_DIGITS: u32 = 6;

/// An exchange rate for people: [`RATE_DIGITS`] significant digits, rounded half away from zero,
/// without trailing zeros, and whether that is the rate itself (`"1.16"`, true) or a rounding of
/// it (`"0.872144"` for 0.8721437292…, false). Figures are always computed with the exact rate; a
/// derived rate such as EUR → GBP through two stored rates has 28 digits nobody reads.
pub fn format_rate(rate: Decimal) -> (String, bool) {
    let abs = rate.abs();
    let dp = if abs.is_zero() {
        0
    } else if abs >= Decimal::ONE {
        let whole = u32::try_from(abs.trunc().to_string().len()).unwrap_or(u32::MAX);
        RATE_DIGITS.saturating_sub(whole)
    } else {
        // Zeros after the point before the first significant digit.
        let tenth = Decimal::new(1, 1);
        let mut zeros = 0;
        let mut v = abs;
        while v < tenth && zeros < 28 {
            v *= Decimal::TEN;
            zeros += 1;
        }
        (RATE_DIGITS + zeros).min(28)
    };
    let shown = round_half_away(rate, dp).normalize();
    (shown.to_string(), shown == rate.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn check(amount: Decimal, code: &str, expected: &str) {
        assert_eq!(format_money(amount, code), expected);
    }

    #[test]
    fn money_is_prefixed_grouped_and_rounded_half_away() {
        check(dec!(1234.565), "USD", "$1,234.57");
        check(dec!(-1234.565), "usd", "-$1,234.57");
        check(dec!(12), "EUR", "€12.00");
        check(dec!(999999.995), "GBP", "GBP 1,000,000.00");
        check(dec!(0.004), "JPY", "JPY 0.00");
        check(dec!(-0.004), "USD", "$0.00");
        check(dec!(5), "", "5.00");
        check(dec!(5), "<b>\"x", "BX 5.00");
    }

    #[test]
    fn fixed_pads_and_never_groups() {
        assert_eq!(fixed(dec!(1234.5), 2), "1234.50");
        assert_eq!(fixed(dec!(7), 0), "7");
        assert_eq!(fixed(dec!(-0.125), 2), "-0.13");
        assert_eq!(fixed(Decimal::MAX, 2), "79228162514264337593543950335.00");
        assert_eq!(
            grouped(Decimal::MIN, 0),
            "-79,228,162,514,264,337,593,543,950,335"
        );
        assert_eq!(grouped(dec!(100), 1), "100.0");
        assert_eq!(grouped(dec!(1000), 1), "1,000.0");
    }

    #[test]
    fn rates_keep_six_significant_digits_and_say_when_rounded() {
        let check = |rate: Decimal, text: &str, exact: bool| {
            assert_eq!(format_rate(rate), (text.to_owned(), exact), "{rate}");
        };
        check(dec!(0.8721437292865864294435723007), "0.872144", false);
        check(dec!(1.16), "1.16", true);
        check(dec!(1.1466000), "1.1466", true);
        check(dec!(0.7518796992481203007518796992), "0.75188", false);
        check(dec!(0.0065432149), "0.00654321", false);
        check(dec!(151.123456), "151.123", false);
        check(dec!(15873.46), "15873.5", false);
        check(dec!(1234567.891), "1234568", false);
        check(dec!(2), "2", true);
        check(Decimal::ZERO, "0", true);
    }

    #[test]
    fn ratios_are_multiples() {
        assert_eq!(format_ratio(dec!(6.3249)), "6.32x");
        assert_eq!(format_ratio(dec!(1234.5)), "1,234.50x");
    }

    #[test]
    fn percent_has_two_decimals() {
        assert_eq!(format_percent(dec!(12.345)), "12.35%");
        assert_eq!(format_percent(dec!(1500)), "1,500.00%");
    }
}
