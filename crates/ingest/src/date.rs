//! Calendar days as exports write them: `2024-06-01`, `6/1/2024` (LinkedIn, US), `01/06/2024`
//! (Meta in day-first locales), `Jun 1, 2024`, `1 June 2024`, and spreadsheet serial numbers.

use chrono::{Datelike, NaiveDate};

/// How to read a slash date like `06/07/2024` when nothing in the file decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// `M/D/YYYY`: LinkedIn Campaign Manager and US-locale sheets.
    MonthFirst,
    /// `D/M/YYYY`: Meta and Sheets in most non-US locales.
    DayFirst,
}

impl DateOrder {
    /// The choice as the API, the CLI and the upload form write it.
    pub const fn as_str(self) -> &'static str {
        match self {
            DateOrder::MonthFirst => "month_first",
            DateOrder::DayFirst => "day_first",
        }
    }

    /// Reads `day_first` or `month_first` (any case, `-` for `_`); the error says what is taken.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "day_first" => Ok(DateOrder::DayFirst),
            "month_first" => Ok(DateOrder::MonthFirst),
            other => Err(format!(
                "\"{other}\" is not a date order: day_first (31/12/2026) or month_first (12/31/2026)"
            )),
        }
    }
}

/// The days accepted: the one rule of `spendlens_core::limits`, which every other door (the
/// metrics API, the pages, connector syncs) applies too.
pub use spendlens_core::limits::{earliest_date, latest_date};

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

pub(crate) fn month_from_name(name: &str) -> Option<u32> {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    if n.len() < 3 {
        return None;
    }
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let i = MONTHS.iter().position(|m| n.starts_with(m))?;
    // "Sept" is common; otherwise the name is the 3-letter form or the full name.
    if n.len() == 3 || full[i] == n || n == "sept" {
        u32::try_from(i + 1).ok()
    } else {
        None
    }
}

/// A slash or dash date `A/B/YYYY` split into its parts, when the text has that shape.
pub(crate) fn slash_parts(raw: &str) -> Option<(u32, u32, i32)> {
    let t = raw.trim();
    let t = t.split([' ', 'T']).next().unwrap_or(t);
    let mut it = t.split(['/', '.', '-']);
    let (a, b, y) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some()
        || y.len() != 4
        || a.is_empty()
        || a.len() > 2
        || b.is_empty()
        || b.len() > 2
    {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?, y.parse().ok()?))
}

/// Decides the order of slash dates from the values of a whole column: a first part over 12 means
/// day first, a second part over 12 means month first. `Err` when the column shows both.
pub(crate) fn infer_order<'a>(
    values: impl Iterator<Item = &'a str>,
) -> Result<Option<DateOrder>, String> {
    let (mut day_first, mut month_first) = (None, None);
    for v in values {
        if let Some((a, b, _)) = slash_parts(v) {
            if a > 12 && day_first.is_none() {
                day_first = Some(v.trim().to_owned());
            }
            if b > 12 && month_first.is_none() {
                month_first = Some(v.trim().to_owned());
            }
        }
    }
    match (day_first, month_first) {
        (Some(d), Some(m)) => Err(format!(
            "the date column mixes day-first (\"{d}\") and month-first (\"{m}\") dates"
        )),
        (Some(_), None) => Ok(Some(DateOrder::DayFirst)),
        (None, Some(_)) => Ok(Some(DateOrder::MonthFirst)),
        (None, None) => Ok(None),
    }
}

/// Parses one date cell. Impossible dates (`2024-02-30`) and dates outside
/// [`earliest_date`]..=[`latest_date`] are errors with a message for the user.
pub(crate) fn parse_date(raw: &str, order: DateOrder) -> Result<NaiveDate, String> {
    let t = raw.trim();
    let (y, m, d) = parts(t, order).ok_or_else(|| format!("expected a date, found \"{t}\""))?;
    let date = NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| format!("\"{t}\" is not a real calendar date"))?;
    check_range(date, t)
}

/// ISO `YYYY-MM-DD` only (the canonical format), with a fast path for the streaming parser.
pub(crate) fn parse_iso_date(raw: &str) -> Result<NaiveDate, String> {
    let t = raw.trim();
    let b = t.as_bytes();
    let ok_shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !ok_shape {
        return Err(format!("expected a date as YYYY-MM-DD, found \"{t}\""));
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter()
            .fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0'))
    };
    let y = i32::try_from(num(0..4)).unwrap_or(0);
    let date = NaiveDate::from_ymd_opt(y, num(5..7), num(8..10))
        .ok_or_else(|| format!("\"{t}\" is not a real calendar date"))?;
    check_range(date, t)
}

fn check_range(date: NaiveDate, raw: &str) -> Result<NaiveDate, String> {
    if date < earliest_date() || date > latest_date() {
        return Err(format!(
            "the date \"{raw}\" is outside the accepted range {} to {}",
            earliest_date(),
            latest_date()
        ));
    }
    Ok(date)
}

/// A spreadsheet serial day number (days since 1899-12-30, the Sheets and Excel epoch).
pub(crate) fn from_serial(serial: f64) -> Result<NaiveDate, String> {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).ok_or("no epoch")?;
    if !serial.is_finite() || !(0.0..=2_958_465.0).contains(&serial) {
        return Err(format!("the date serial number {serial} is not a date"));
    }
    let days = serial.floor();
    // In range by the check above, so the conversion is exact.
    let days = format!("{days}")
        .parse::<i64>()
        .map_err(|e| e.to_string())?;
    let date = epoch
        .checked_add_signed(chrono::TimeDelta::days(days))
        .ok_or_else(|| format!("the date serial number {serial} is not a date"))?;
    check_range(date, &date.to_string())
}

fn parts(t: &str, order: DateOrder) -> Option<(i32, u32, u32)> {
    let date_part = t.split(['T', ' ']).next().unwrap_or(t);
    // YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, with optional time after it.
    let mut it = date_part.split(['-', '/', '.']);
    if let (Some(y), Some(m), Some(d), None) = (it.next(), it.next(), it.next(), it.next())
        && y.len() == 4
        && (1..=2).contains(&m.len())
        && (1..=2).contains(&d.len())
    {
        return Some((y.parse().ok()?, m.parse().ok()?, d.parse().ok()?));
    }
    if let Some((a, b, y)) = slash_parts(t) {
        // A dotted date (31.12.2024) is always day first.
        let order = if date_part.contains('.') {
            DateOrder::DayFirst
        } else {
            order
        };
        return Some(match order {
            DateOrder::MonthFirst => (y, a, b),
            DateOrder::DayFirst => (y, b, a),
        });
    }
    // "Jun 1, 2024", "June 1 2024", "1 Jun 2024", "1 June, 2024", "Mon, Jun 3, 2024".
    let words: Vec<&str> = t
        .split([' ', ','])
        .filter(|w| !w.is_empty())
        .filter(|w| {
            !matches!(
                w.to_ascii_lowercase().as_str(),
                "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun"
            )
        })
        .collect();
    if words.len() == 3 && words[2].len() == 4 {
        let y: i32 = words[2].parse().ok()?;
        if let Some(m) = month_from_name(words[0]) {
            return Some((y, m, words[1].parse().ok()?));
        }
        if let Some(m) = month_from_name(words[1]) {
            return Some((y, m, words[0].parse().ok()?));
        }
    }
    None
}

/// A date as shown to users in messages and notes.
pub(crate) fn describe(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid")
    }

    #[test]
    fn platform_formats_parse() {
        let mf = DateOrder::MonthFirst;
        assert_eq!(parse_date("2024-06-01", mf), Ok(d(2024, 6, 1)));
        assert_eq!(parse_date("2024/6/1", mf), Ok(d(2024, 6, 1)));
        assert_eq!(parse_date("6/1/2024", mf), Ok(d(2024, 6, 1)));
        assert_eq!(
            parse_date("01/06/2024", DateOrder::DayFirst),
            Ok(d(2024, 6, 1))
        );
        assert_eq!(parse_date("31.12.2024", mf), Ok(d(2024, 12, 31)));
        assert_eq!(parse_date("Jun 1, 2024", mf), Ok(d(2024, 6, 1)));
        assert_eq!(parse_date("June 1, 2024", mf), Ok(d(2024, 6, 1)));
        assert_eq!(parse_date("1 June 2024", mf), Ok(d(2024, 6, 1)));
        assert_eq!(parse_date("Sat, Jun 1, 2024", mf), Ok(d(2024, 6, 1)));
        assert_eq!(parse_date("2024-06-01T00:00:00Z", mf), Ok(d(2024, 6, 1)));
        assert_eq!(parse_date("2024-06-01 00:00:00", mf), Ok(d(2024, 6, 1)));
    }

    #[test]
    fn impossible_and_out_of_range_dates_are_errors() {
        let mf = DateOrder::MonthFirst;
        assert!(
            parse_date("2024-02-30", mf)
                .expect_err("no such day")
                .contains("not a real")
        );
        assert!(parse_date("2023-02-29", mf).is_err());
        assert!(parse_date("13/13/2024", mf).is_err());
        assert!(
            parse_date("1970-01-01", mf)
                .expect_err("too early")
                .contains("outside")
        );
        assert!(parse_date("2150-01-01", mf).is_err());
        assert!(parse_date("yesterday", mf).is_err());
        assert!(parse_date("45444", mf).is_err());
        assert!(parse_iso_date("2024-6-1").is_err());
        assert!(parse_iso_date("2024-13-01").is_err());
        assert_eq!(parse_iso_date("2024-02-29"), Ok(d(2024, 2, 29)));
    }

    #[test]
    fn order_is_inferred_from_the_column() {
        assert_eq!(
            infer_order(["6/1/2024", "6/13/2024"].into_iter()),
            Ok(Some(DateOrder::MonthFirst))
        );
        assert_eq!(
            infer_order(["01/06/2024", "13/06/2024"].into_iter()),
            Ok(Some(DateOrder::DayFirst))
        );
        assert_eq!(
            infer_order(["01/06/2024", "2024-06-02"].into_iter()),
            Ok(None)
        );
        assert!(infer_order(["13/06/2024", "06/13/2024"].into_iter()).is_err());
    }

    #[test]
    fn serial_numbers_use_the_1899_epoch() {
        assert_eq!(from_serial(45444.0), Ok(d(2024, 6, 1)));
        assert_eq!(from_serial(45444.75), Ok(d(2024, 6, 1)));
        assert!(from_serial(3.0).is_err());
        assert!(from_serial(f64::NAN).is_err());
    }
}
