//! Numbers as exports write them: `1,234.50`, `"$84.53"`, `€152,37`, ` --`, `(12.00)`, straight into
//! `Decimal` (never through `f64`, which cannot hold `0.1`).

use std::str::FromStr;

use rust_decimal::Decimal;

/// Which character separates the decimals. Semicolon-separated exports come from locales that write
/// `1.234,56`; everything else writes `1,234.56`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum DecimalSeparator {
    #[default]
    Dot,
    Comma,
}

/// The largest amount or count accepted in one cell. Ad platforms report nothing near a trillion a
/// day; the cap also keeps sums of millions of rows far from overflow.
pub(crate) fn max_cell_value() -> Decimal {
    Decimal::from(1_000_000_000_000u64)
}

/// A number read from a cell, with what the cell said about it besides the digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CellNumber {
    pub(crate) value: Decimal,
    /// The ISO code implied by a currency symbol or code in the cell (`€` is EUR; `$` says nothing,
    /// it is used by USD, CAD, AUD and more).
    pub(crate) currency: Option<&'static str>,
    pub(crate) percent: bool,
}

/// Signs and the currency they state (`$` states none: USD, CAD, AUD and more write it; `¥`
/// is the yen or the yuan, which the campaign decides, see `currency::YEN_OR_YUAN`). Longer
/// signs first, so `CN¥` is not read as `¥`.
const SYMBOLS: [(&str, Option<&str>); 12] = [
    ("US$", Some("USD")),
    ("CN¥", Some("CNY")),
    ("JP¥", Some("JPY")),
    ("€", Some("EUR")),
    ("£", Some("GBP")),
    ("¥", Some(crate::currency::YEN_OR_YUAN)),
    ("￥", Some(crate::currency::YEN_OR_YUAN)),
    ("₹", Some("INR")),
    ("₩", Some("KRW")),
    ("CHF", Some("CHF")),
    ("R$", Some("BRL")),
    ("$", None),
];

/// Which decimal separator a file's numbers use, decided from all of them at once (one locale
/// per document): a cell with both marks (`1.234,56`, `1,234.56`) says it by the last one, a
/// single mark followed by other than three digits (`152,37`, `20.8373`) is decimal, and a
/// mark repeated (`1.234.567`) groups thousands. `1.234` alone says nothing. The `default` holds
/// when nothing decides or the cells disagree (then the cells read wrongly are reported).
/// Returns the separator and whether the cells decided it.
pub(crate) fn decide_separator<'a>(
    cells: impl Iterator<Item = &'a str>,
    default: DecimalSeparator,
) -> (DecimalSeparator, bool) {
    let (mut dot, mut comma) = (0usize, 0usize);
    for raw in cells {
        if is_blank(raw) {
            continue;
        }
        let marks: String = raw
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
            .collect();
        let (dots, commas) = (marks.matches('.').count(), marks.matches(',').count());
        let after = |mark: char| marks.rsplit(mark).next().map_or(0, str::len);
        match (dots, commas) {
            (0, 0) => {}
            (d, c) if d > 0 && c > 0 => {
                if marks.rfind(',') > marks.rfind('.') {
                    comma += 1;
                } else {
                    dot += 1;
                }
            }
            (d, 0) if d > 1 => comma += 1,
            (0, c) if c > 1 => dot += 1,
            (_, 0) if after('.') != 3 => dot += 1,
            (0, _) if after(',') != 3 => comma += 1,
            _ => {}
        }
    }
    match (dot, comma) {
        (0, c) if c > 0 => (DecimalSeparator::Comma, true),
        (d, 0) if d > 0 => (DecimalSeparator::Dot, true),
        _ => (default, false),
    }
}

/// Whether `raw` is an amount whose one mark, followed by exactly three digits, could be a
/// decimal mark or a thousands separator (`1.234`, `2,500`, `€1.234`): [`decide_separator`] learns
/// nothing from it.
pub(crate) fn reads_either_way(raw: &str) -> bool {
    let marks: String = raw
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .collect();
    match marks.split_once(['.', ',']) {
        Some((whole, part)) => {
            !whole.is_empty() && part.len() == 3 && part.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// One column of amounts read as the importers read theirs, for a reader outside them (the
/// marketing-mix model's KPI file): the decimal separator decided from every cell of the column
/// at once (a semicolon-separated file writes decimal commas unless its cells say otherwise),
/// a currency symbol or code allowed, each cell `Ok(None)` when blank and `Err` with the reason
/// when it is not an amount (a percentage, text, beyond a trillion).
pub fn column_amounts(
    cells: &[&str],
    semicolon_file: bool,
) -> Vec<Result<Option<Decimal>, String>> {
    let default = if semicolon_file {
        DecimalSeparator::Comma
    } else {
        DecimalSeparator::Dot
    };
    let (sep, _) = decide_separator(cells.iter().copied(), default);
    cells
        .iter()
        .map(|raw| match parse_number(raw, sep)? {
            Some(n) if n.percent => Err(format!(
                "expected an amount, found the percentage \"{}\"",
                raw.trim()
            )),
            n => Ok(n.map(|n| n.value)),
        })
        .collect()
}

/// Whether a cell means "no value": empty, or the `--` placeholder Google Ads writes.
pub(crate) fn is_blank(raw: &str) -> bool {
    let t = raw.trim();
    t.is_empty() || t == "--" || t == "-" || t == "—"
}

/// Parses a cell holding a number. `Ok(None)` for a blank cell.
///
/// Thousands separators must group by three (`1,234,567`), so a decimal-comma number read with the
/// dot convention (`1.200,50`) is an error instead of the 1.2005 an earlier product produced.
pub(crate) fn parse_number(raw: &str, sep: DecimalSeparator) -> Result<Option<CellNumber>, String> {
    if is_blank(raw) {
        return Ok(None);
    }
    if let Some(value) = plain_digits(raw.trim().as_bytes(), sep) {
        return Ok(Some(CellNumber {
            value,
            currency: None,
            percent: false,
        }));
    }
    let mut s = raw.trim().replace(['\u{a0}', '\u{202f}'], " ");
    let mut negative = false;
    if s.starts_with('(') && s.ends_with(')') && s.len() >= 2 {
        negative = true;
        s = s[1..s.len() - 1].trim().to_owned();
    }
    let mut currency = None;
    let mut percent = false;
    if let Some(rest) = s.strip_suffix('%') {
        percent = true;
        s = rest.trim_end().to_owned();
        // Google Ads writes shares it only bounds as `< 10%` and `> 90%`: the bound is the value.
        if let Some(rest) = s.strip_prefix(['<', '>']) {
            s = rest.trim_start().to_owned();
        }
    }
    if let Some(rest) = s.strip_prefix('-') {
        negative = !negative;
        s = rest.trim_start().to_owned();
    }
    // Currency symbol or ISO code before or after the digits.
    for (sym, code) in SYMBOLS {
        if let Some(rest) = s.strip_prefix(sym) {
            s = rest.trim_start().to_owned();
            currency = code;
            break;
        }
        if let Some(rest) = s.strip_suffix(sym) {
            s = rest.trim_end().to_owned();
            currency = code;
            break;
        }
    }
    if currency.is_none() && s.len() > 4 {
        let head = s
            .get(..3)
            .filter(|h| h.bytes().all(|b| b.is_ascii_uppercase()));
        let tail = s
            .get(s.len() - 3..)
            .filter(|t| t.bytes().all(|b| b.is_ascii_uppercase()));
        if let Some(code) = head
            .filter(|_| s.as_bytes()[3] == b' ')
            .and_then(crate::currency::written_code)
        {
            currency = Some(code);
            s = s[4..].to_owned();
        } else if let Some(code) = tail
            .filter(|_| s.as_bytes()[s.len() - 4] == b' ')
            .and_then(crate::currency::written_code)
        {
            currency = Some(code);
            s.truncate(s.len() - 4);
        }
    }
    if let Some(rest) = s.strip_prefix('-') {
        negative = !negative;
        s = rest.to_owned();
    }
    let value = parse_plain(&s, sep)
        .ok_or_else(|| format!("expected a number, found \"{}\"", raw.trim()))?;
    if value.abs() > max_cell_value() {
        return Err(format!(
            "the number \"{}\" is implausibly large",
            raw.trim()
        ));
    }
    let value = if negative { -value } else { value };
    Ok(Some(CellNumber {
        value,
        currency,
        percent,
    }))
}

/// The common cell, read without the general path's copies: 1 to 15 digits, then optionally
/// the decimal separator and 1 to 20 digits, nothing else, at most 18 digits in all (so the
/// mantissa fits a `u64`) and within [`max_cell_value`]. The value, scale included, is the one
/// [`parse_plain`] gives the same text; `None` sends every other cell the general way.
fn plain_digits(t: &[u8], sep: DecimalSeparator) -> Option<Decimal> {
    let mark = match sep {
        DecimalSeparator::Dot => b'.',
        DecimalSeparator::Comma => b',',
    };
    let (int_part, frac_part) = match memchr::memchr(mark, t) {
        Some(at) => (&t[..at], &t[at + 1..]),
        None => (t, &t[t.len()..]),
    };
    let with_mark = int_part.len() < t.len();
    if int_part.is_empty()
        || int_part.len() > 15
        || (with_mark && frac_part.is_empty())
        || int_part.len() + frac_part.len() > 18
    {
        return None;
    }
    let mut mantissa: u64 = 0;
    for &b in int_part.iter().chain(frac_part) {
        if !b.is_ascii_digit() {
            return None;
        }
        mantissa = mantissa * 10 + u64::from(b - b'0');
    }
    let scale = u32::try_from(frac_part.len()).ok()?;
    let value = Decimal::from_i128_with_scale(i128::from(mantissa), scale);
    (value <= max_cell_value()).then_some(value)
}

/// Digits with optional grouping and one decimal separator; nothing else.
pub(crate) fn parse_plain(s: &str, sep: DecimalSeparator) -> Option<Decimal> {
    let (group, decimal) = match sep {
        DecimalSeparator::Dot => (',', '.'),
        DecimalSeparator::Comma => ('.', ','),
    };
    let s = s.trim();
    let (int_part, frac_part) = match s.split_once(decimal) {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    // Grouping: by `group`, or by spaces/apostrophes (fr, ch); each later group exactly 3 digits.
    let groups: Vec<&str> = int_part.split([group, ' ', '\'']).collect();
    if groups.is_empty() || groups[0].is_empty() && (groups.len() > 1 || frac_part.is_none()) {
        return None;
    }
    if !groups[0].bytes().all(|b| b.is_ascii_digit()) || groups[0].len() > 15 {
        return None;
    }
    if groups[1..]
        .iter()
        .any(|g| g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut digits: String = groups.concat();
    if digits.is_empty() {
        digits.push('0');
    }
    if let Some(f) = frac_part {
        if f.is_empty() && groups.len() == 1 && groups[0].is_empty() {
            return None;
        }
        // Platforms write doubles at full precision (`20.8373114038425`, `2.4019999999999997`):
        // up to 17 significant digits, so 20 decimals leave room without admitting junk.
        if !f.bytes().all(|b| b.is_ascii_digit()) || f.len() > 20 {
            return None;
        }
        if !f.is_empty() {
            digits.push('.');
            digits.push_str(f);
        }
    }
    Decimal::from_str(&digits).ok()
}

/// Converts a floating-point spreadsheet value into a `Decimal` through its shortest round-trip
/// decimal text.
///
/// Workbooks store numbers as IEEE doubles, so the cell showing `84.53` holds
/// 84.5299999999999940314410...; `Decimal::from_f64` keeps that noise in some cases, while the
/// shortest text that reads back as the same double (what Rust's `Display` for `f64` prints, and
/// what the spreadsheet itself shows at full precision) is exactly `84.53`.
pub(crate) fn decimal_from_f64(value: f64) -> Option<Decimal> {
    if !value.is_finite() {
        return None;
    }
    let text = format!("{value}");
    Decimal::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// A column decides its own decimal separator: `1000,50` in a comma-separated file is a
    /// thousand and a half (not 100,050), and a semicolon file's `1.000,50` is too.
    #[test]
    fn a_column_of_amounts_decides_its_separator() {
        let read = |cells: &[&str], semicolon: bool| -> Vec<Result<Option<Decimal>, String>> {
            column_amounts(cells, semicolon)
        };
        assert_eq!(
            read(&["1000,50", "2,5", ""], false),
            vec![Ok(Some(dec!(1000.50))), Ok(Some(dec!(2.5))), Ok(None)]
        );
        assert_eq!(
            read(&["1,200.50", "900"], false),
            vec![Ok(Some(dec!(1200.50))), Ok(Some(dec!(900)))]
        );
        assert_eq!(read(&["1.000,50"], true), vec![Ok(Some(dec!(1000.50)))]);
        assert_eq!(read(&["1000"], true), vec![Ok(Some(dec!(1000)))]);
        assert_eq!(read(&["€152,37"], false), vec![Ok(Some(dec!(152.37)))]);
        let bad = read(&["12%", "high", "2000000000000"], false);
        assert!(bad.iter().all(Result::is_err), "{bad:?}");
    }

    fn num(raw: &str) -> Decimal {
        parse_number(raw, DecimalSeparator::Dot)
            .expect("parses")
            .expect("not blank")
            .value
    }

    #[test]
    fn platform_precision_and_bounded_shares() {
        assert_eq!(num("20.8373114038425"), dec!(20.8373114038425));
        assert_eq!(num("2.4019999999999997"), dec!(2.4019999999999997));
        assert_eq!(num("\"25,881\"".trim_matches('"')), dec!(25881));
        let share = parse_number("< 10%", DecimalSeparator::Dot)
            .expect("parses")
            .expect("value");
        assert!(share.percent);
        assert_eq!(share.value, dec!(10));
        assert_eq!(num("> 90%"), dec!(90));
        assert!(
            parse_number(" --", DecimalSeparator::Dot)
                .expect("blank")
                .is_none()
        );
    }

    #[test]
    fn export_forms_parse_exactly() {
        assert_eq!(num("84.53"), dec!(84.53));
        assert_eq!(num("1,234.50"), dec!(1234.50));
        assert_eq!(num("$1,234.50"), dec!(1234.50));
        assert_eq!(num("  2,450 "), dec!(2450));
        assert_eq!(num("(12.00)"), dec!(-12.00));
        assert_eq!(num("-3"), dec!(-3));
        assert_eq!(num("0.1"), dec!(0.1));
        assert_eq!(num(".5"), dec!(0.5));
        assert_eq!(num("USD 10.00"), dec!(10.00));
    }

    #[test]
    fn the_won_the_yen_and_the_yuan_are_told_apart_as_far_as_the_sign_tells() {
        let of = |raw: &str| {
            parse_number(raw, DecimalSeparator::Dot)
                .ok()
                .flatten()
                .map(|n| (n.value, n.currency))
        };
        assert_eq!(of("₩1,234,567"), Some((dec!(1234567), Some("KRW"))));
        assert_eq!(of("CN¥88.50"), Some((dec!(88.50), Some("CNY"))));
        assert_eq!(of("JP¥1,200"), Some((dec!(1200), Some("JPY"))));
        assert_eq!(of("¥1,234.50"), Some((dec!(1234.50), Some("¥"))));
        assert_eq!(of("KWD 12.125"), Some((dec!(12.125), Some("KWD"))));
        assert_eq!(of("12.125 BHD"), Some((dec!(12.125), Some("BHD"))));
    }

    #[test]
    fn currency_symbols_and_percent_are_reported() {
        let n = parse_number("€1,200.00", DecimalSeparator::Dot)
            .expect("ok")
            .expect("some");
        assert_eq!(
            (n.value, n.currency, n.percent),
            (dec!(1200.00), Some("EUR"), false)
        );
        let n = parse_number("12.5 EUR", DecimalSeparator::Dot)
            .expect("ok")
            .expect("some");
        assert_eq!(n.currency, Some("EUR"));
        let n = parse_number("2.35%", DecimalSeparator::Dot)
            .expect("ok")
            .expect("some");
        assert!(n.percent);
        let n = parse_number("$5", DecimalSeparator::Dot)
            .expect("ok")
            .expect("some");
        assert_eq!(n.currency, None);
    }

    #[test]
    fn blanks_are_none() {
        for raw in ["", "  ", " --", "--"] {
            assert_eq!(
                parse_number(raw, DecimalSeparator::Dot),
                Ok(None),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn decimal_commas_need_the_comma_convention() {
        assert!(parse_number("1.200,50", DecimalSeparator::Dot).is_err());
        let n = parse_number("1.200,50", DecimalSeparator::Comma)
            .expect("ok")
            .expect("some");
        assert_eq!(n.value, dec!(1200.50));
        let n = parse_number("152,37", DecimalSeparator::Comma)
            .expect("ok")
            .expect("some");
        assert_eq!(n.value, dec!(152.37));
    }

    #[test]
    fn garbage_is_an_error() {
        for raw in [
            "abc",
            "1,23",
            "12a",
            "1.2.3",
            "1e5",
            "$",
            ".",
            "1,2345",
            "99999999999999999999",
        ] {
            assert!(parse_number(raw, DecimalSeparator::Dot).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn floats_convert_through_shortest_text() {
        assert_eq!(decimal_from_f64(84.53), Some(dec!(84.53)));
        assert_eq!(decimal_from_f64(0.1 + 0.2), Some(dec!(0.30000000000000004)));
        assert_eq!(decimal_from_f64(10234.0), Some(dec!(10234)));
        assert_eq!(decimal_from_f64(f64::NAN), None);
        assert_eq!(decimal_from_f64(1e300), None);
    }

    #[test]
    fn the_decimal_separator_is_decided_by_the_whole_file() {
        use DecimalSeparator::{Comma, Dot};
        let decide = |cells: &[&str]| decide_separator(cells.iter().copied(), Dot);
        assert_eq!(decide(&["1.234,56", "12"]), (Comma, true));
        assert_eq!(decide(&["152,37", "1.234"]), (Comma, true));
        assert_eq!(decide(&["1.234.567", "--"]), (Comma, true));
        assert_eq!(decide(&["1,234.56"]), (Dot, true));
        assert_eq!(decide(&["20.8373114038425", "25,881"]), (Dot, true));
        assert_eq!(decide(&["1,234,567"]), (Dot, true));
        // Nothing decides: three digits after one mark either way.
        assert_eq!(decide(&["1.234", "5,678", "12"]), (Dot, false));
        assert_eq!(
            decide_separator(["1.234"].into_iter(), Comma),
            (Comma, false)
        );
        // Disagreement keeps the default (the wrong cells are then reported).
        assert_eq!(decide(&["1,5", "2.5"]), (Dot, false));
        assert_eq!(decide(&["€ 1.234,56", "(3,10)"]), (Comma, true));
    }

    proptest::proptest! {
        /// The fast path gives what the general path gives the same text, scale included, or
        /// leaves the cell to it.
        #[test]
        fn plain_digits_agree_with_the_general_path(
            text in "[0-9]{0,19}([.,][0-9]{0,21})?",
            comma in proptest::bool::ANY,
        ) {
            let sep = if comma { DecimalSeparator::Comma } else { DecimalSeparator::Dot };
            if let Some(fast) = plain_digits(text.as_bytes(), sep) {
                let general = parse_plain(&text, sep).expect("the general path reads it too");
                proptest::prop_assert_eq!(fast.to_string(), general.to_string());
                proptest::prop_assert_eq!(fast.scale(), general.scale());
            }
        }
    }

    #[test]
    fn plain_digits_leave_the_unusual_to_the_general_path() {
        let dot = DecimalSeparator::Dot;
        assert_eq!(plain_digits(b"714.33", dot), Some(dec!(714.33)));
        assert_eq!(plain_digits(b"0714.330", dot).map(|d| d.scale()), Some(3));
        assert_eq!(
            plain_digits(b"12,5", DecimalSeparator::Comma),
            Some(dec!(12.5))
        );
        for unusual in [
            ".5",
            "5.",
            "1,234",
            "1e5",
            "+5",
            "-5",
            "",
            "1234567890123456",
            "1000000000000.01",
        ] {
            assert_eq!(plain_digits(unusual.as_bytes(), dot), None, "{unusual}");
        }
        assert_eq!(plain_digits(b"1000000000000", dot), Some(max_cell_value()));
        assert_eq!(num("1000000000000"), max_cell_value());
        assert!(
            parse_number("1000000000000.01", dot).is_err(),
            "the general path refuses it"
        );
    }
}
