//! Dates a user typed into a sheet as text. `2026-11-02` is read as written; `02/11/2026` is
//! 2 November in Berlin and February 11 in Chicago, so the order of day and month is decided per
//! column from the cells that can only be read one way (`13/11/2026`, `11/13/2026`), and with
//! none of those the column is refused rather than guessed: a misread date moves spend to
//! another month, or out of the synced days without a word.

use chrono::{Days, NaiveDate};

use super::{Cell, P, refuse, shown};
use crate::error::ConnectError;
use crate::number;

/// Which part of `a/b/yyyy` is the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Order {
    DayFirst,
    MonthFirst,
}

impl Order {
    fn words(self) -> &'static str {
        match self {
            Order::DayFirst => "day first",
            Order::MonthFirst => "month first",
        }
    }
}

/// A text date: year first (one reading), or two small numbers and a four-digit year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextDate {
    YearFirst(NaiveDate),
    Parts { a: u32, b: u32, year: i32 },
}

fn text_date(text: &str) -> Option<TextDate> {
    let t = text.trim();
    if t.len() >= 4 && t.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
        return ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
            .map(TextDate::YearFirst);
    }
    let separator = t.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = t.split(separator).collect();
    let [a, b, y] = parts.as_slice() else {
        return None;
    };
    let small = |p: &str| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    if !small(a) || !small(b) || y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(TextDate::Parts {
        a: a.parse().ok()?,
        b: b.parse().ok()?,
        year: y.parse().ok()?,
    })
}

/// The order a date's own numbers show: a part above 12 cannot be the month.
fn shows(a: u32, b: u32) -> Option<Order> {
    match (a > 12, b > 12) {
        (true, false) => Some(Order::DayFirst),
        (false, true) => Some(Order::MonthFirst),
        _ => None,
    }
}

/// The order of one date column, from its text cells; refused when two cells show different
/// orders, or when a date could be read both ways and no cell shows which.
pub(super) fn column_order<'a>(
    cells: impl Iterator<Item = (Cell, &'a str)>,
) -> Result<Option<Order>, ConnectError> {
    let mut shown_by: Option<(Order, Cell, &str)> = None;
    let mut first_either: Option<(Cell, &str)> = None;
    for (cell, text) in cells {
        let Some(TextDate::Parts { a, b, .. }) = text_date(text) else {
            continue;
        };
        match (shows(a, b), shown_by) {
            (Some(order), None) => shown_by = Some((order, cell, text)),
            (Some(order), Some((o, c, t))) if o != order => {
                return Err(refuse(
                    cell,
                    format!(
                        "{} is written {} but {c} {} is written {}: write the column's dates one way, or as YYYY-MM-DD",
                        shown(text),
                        order.words(),
                        shown(t),
                        o.words()
                    ),
                ));
            }
            (None, _) if a != b && a <= 12 && b <= 12 && first_either.is_none() => {
                first_either = Some((cell, text));
            }
            _ => {}
        }
    }
    if let (None, Some((cell, text))) = (shown_by, first_either) {
        return Err(refuse(
            cell,
            format!(
                "{} could be day first or month first, and no date of the column shows which: format the column as a date, or write YYYY-MM-DD",
                shown(text)
            ),
        ));
    }
    Ok(shown_by.map(|(o, _, _)| o))
}

/// The Sheets date epoch: serial 0 is 1899-12-30.
fn serial_epoch() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1899, 12, 30)
}

/// A date cell: a serial number (typed dates), or text read in the column's `order`.
pub(super) fn read(
    cell: Option<&serde_json::Value>,
    text: &str,
    order: Option<Order>,
) -> Result<NaiveDate, String> {
    let bad = || format!("{} is not a date", shown(text));
    if let Some(serde_json::Value::Number(n)) = cell {
        // A serial number; the fractional part is the time of day.
        let serial = number::decimal(P, "date", &n.to_string())
            .map_err(|_| bad())?
            .trunc();
        let days = u64::try_from(serial).map_err(|_| bad())?;
        return serial_epoch()
            .and_then(|e| e.checked_add_days(Days::new(days)))
            .ok_or_else(bad);
    }
    match text_date(text).ok_or_else(bad)? {
        TextDate::YearFirst(d) => Ok(d),
        TextDate::Parts { a, b, year } => {
            let order = shows(a, b)
                .or(order)
                .or((a == b).then_some(Order::DayFirst));
            let (day, month) = match order {
                Some(Order::DayFirst) => (a, b),
                Some(Order::MonthFirst) => (b, a),
                None => {
                    return Err(format!(
                        "{} could be day first or month first: format the column as a date, or write YYYY-MM-DD",
                        shown(text)
                    ));
                }
            };
            NaiveDate::from_ymd_opt(year, month, day).ok_or_else(bad)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn order_of(texts: &[&str]) -> Result<Option<Order>, String> {
        let cells = texts.iter().enumerate().map(|(i, t)| {
            (
                Cell {
                    row: i + 2,
                    column: 0,
                },
                *t,
            )
        });
        column_order(cells).map_err(|e| e.to_string())
    }

    #[test]
    fn text_dates_read_in_the_column_s_order() {
        let day_first = Some(Order::DayFirst);
        assert_eq!(read(None, "2026-11-02", None), Ok(d("2026-11-02")));
        assert_eq!(read(None, "2026/11/02", None), Ok(d("2026-11-02")));
        assert_eq!(read(None, "02/11/2026", day_first), Ok(d("2026-11-02")));
        assert_eq!(
            read(None, "02/11/2026", Some(Order::MonthFirst)),
            Ok(d("2026-02-11"))
        );
        assert_eq!(read(None, "13.11.2026", None), Ok(d("2026-11-13")));
        assert_eq!(read(None, "11/13/2026", day_first), Ok(d("2026-11-13")));
        assert_eq!(read(None, "05/05/2026", None), Ok(d("2026-05-05")));
        let serial: serde_json::Value = serde_json::json!(46327);
        assert_eq!(read(Some(&serial), "46327", None), Ok(d("2026-11-01")));
        let e = read(None, "02/11/2026", None).expect_err("ambiguous");
        assert!(
            e.contains("format the column as a date, or write YYYY-MM-DD"),
            "{e}"
        );
        for bad in [
            "31/02/2026",
            "2/11/26",
            "yesterday",
            "13/13/2026",
            "1/2/3/2026",
        ] {
            assert!(read(None, bad, day_first).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_column_s_order_comes_from_its_unambiguous_dates() {
        assert_eq!(
            order_of(&["02/11/2026", "13/11/2026"]),
            Ok(Some(Order::DayFirst))
        );
        assert_eq!(
            order_of(&["11/02/2026", "11/13/2026", "2026-11-01"]),
            Ok(Some(Order::MonthFirst))
        );
        assert_eq!(order_of(&["2026-11-01", "05/05/2026"]), Ok(None));
        let e = order_of(&["2026-11-01", "02/11/2026", "05/11/2026"]).expect_err("ambiguous");
        assert!(
            e.contains("row 3, column A: \"02/11/2026\" could be day first or month first"),
            "{e}"
        );
        let e = order_of(&["13/11/2026", "02/11/2026", "11/14/2026"]).expect_err("both");
        assert!(
            e.contains("row 4, column A: \"11/14/2026\" is written month first but row 2, column A \"13/11/2026\" is written day first"),
            "{e}"
        );
    }
}
