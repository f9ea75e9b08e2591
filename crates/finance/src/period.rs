//! Inclusive date ranges: a fee's billing period, an overhead entry's reporting period, the period
//! of a report or of an ROI.
//!
//! The schema leaves `billing_period` and `reporting_period` as free strings; spendlens accepts the
//! forms finance people write (`2026`, `2026-Q1`, `2026-01`, `2026-01-15`) and explicit ranges
//! (`2026-01-01..2026-03-31`, `2026-01/2026-03`), and keeps the parsed range, because every
//! computation needs the days, not the label.

use std::fmt;

use chrono::{Datelike, Months, NaiveDate};

/// The longest period accepted: ten years and a few days. Every per-day computation allocates one
/// slot per day of its window, so an unbounded period would let one typo (`0001..9999`) exhaust
/// memory.
pub const MAX_PERIOD_DAYS: i64 = 3_660;

/// A non-empty range of calendar days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    start: NaiveDate,
    end: NaiveDate,
}

/// The forms a period takes, for writing it shortly.
enum Shape {
    Day,
    Year(i32),
    Quarter(i32, u32),
    Month,
    Months,
    Days,
}

impl Period {
    /// The period from `start` to `end`, both included. Fails when `end` is before `start` or the
    /// period is longer than [`MAX_PERIOD_DAYS`].
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, String> {
        if end < start {
            return Err(format!("ends ({end}) before it starts ({start})"));
        }
        let period = Period { start, end };
        if period.days() > MAX_PERIOD_DAYS {
            return Err(format!(
                "is {} days long; the longest period is {MAX_PERIOD_DAYS} days",
                period.days()
            ));
        }
        Ok(period)
    }

    /// A single day.
    pub fn day(date: NaiveDate) -> Self {
        Period {
            start: date,
            end: date,
        }
    }

    /// Parses `YYYY`, `YYYY-Qn`, `YYYY-MM`, `YYYY-MM-DD`, or two of these joined by `..` or `/`
    /// (from the first day of the first to the last day of the second).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let halves = text.split_once("..").or_else(|| text.split_once('/'));
        match halves {
            Some((a, b)) => {
                let first = parse_single(a.trim())?;
                let second = parse_single(b.trim())?;
                Period::new(first.start, second.end)
            }
            None => parse_single(text),
        }
    }

    /// What the period is: a day, a calendar year, quarter or month, whole months, or days.
    fn shape(&self) -> Shape {
        let (start, end) = (self.start, self.end);
        if start == end {
            return Shape::Day;
        }
        let whole_months = start.day() == 1 && end.succ_opt().is_none_or(|next| next.day() == 1);
        if !whole_months {
            return Shape::Days;
        }
        let (y0, m0, y1, m1) = (start.year(), start.month(), end.year(), end.month());
        match (y0 == y1, m0, m1) {
            (true, 1, 12) => Shape::Year(y0),
            (true, a, b) if a == b => Shape::Month,
            (true, a, b) if a % 3 == 1 && b == a + 2 => Shape::Quarter(y0, a.div_ceil(3)),
            _ => Shape::Months,
        }
    }

    /// The period in the shortest form finance people write and [`Period::parse`] reads back:
    /// `2026` for a calendar year, `2026-Q4` for a quarter, `2026-11` for a month, `2026-11-15`
    /// for a day, whole months as `2026-01..2026-02`, any other range as
    /// `2026-11-03..2026-11-20`. Forms show this (it is what they read back); the API keeps
    /// [`fmt::Display`]'s explicit days; pages and reports write [`Period::words`].
    pub fn label(&self) -> String {
        let (start, end) = (self.start, self.end);
        match self.shape() {
            Shape::Day => start.to_string(),
            Shape::Year(y) => format!("{y}"),
            Shape::Quarter(y, q) => format!("{y}-Q{q}"),
            Shape::Month => start.format("%Y-%m").to_string(),
            Shape::Months => format!("{}..{}", start.format("%Y-%m"), end.format("%Y-%m")),
            Shape::Days => format!("{start}..{end}"),
        }
    }

    /// The period as pages and reports write it: `15 Nov 2026`, `2026`, `Q4 2026`, `Nov 2026`,
    /// `Jan 2026 – Feb 2026`, `3 Nov 2026 – 20 Nov 2026`.
    pub fn words(&self) -> String {
        let (start, end) = (self.start, self.end);
        let day = spendlens_core::dates::day;
        match self.shape() {
            Shape::Day => day(start),
            Shape::Year(y) => format!("{y}"),
            Shape::Quarter(y, q) => format!("Q{q} {y}"),
            Shape::Month => start.format("%b %Y").to_string(),
            Shape::Months => format!("{} – {}", start.format("%b %Y"), end.format("%b %Y")),
            Shape::Days => format!("{} – {}", day(start), day(end)),
        }
    }

    /// The first day.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// The last day.
    pub fn end(&self) -> NaiveDate {
        self.end
    }

    /// The number of days, at least 1.
    pub fn days(&self) -> i64 {
        self.end.signed_duration_since(self.start).num_days() + 1
    }

    /// Whether `date` is one of the period's days.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    /// The days both periods share, if any.
    pub fn intersect(&self, other: &Period) -> Option<Period> {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end);
        (start <= end).then_some(Period { start, end })
    }

    /// The period cut off after `last` (`None` when it starts after `last`).
    pub fn until(&self, last: NaiveDate) -> Option<Period> {
        (self.start <= last).then(|| Period {
            start: self.start,
            end: self.end.min(last),
        })
    }

    /// The 0-based position of `date` in the period.
    pub fn index_of(&self, date: NaiveDate) -> Option<usize> {
        if !self.contains(date) {
            return None;
        }
        usize::try_from(date.signed_duration_since(self.start).num_days()).ok()
    }

    /// The day at a 0-based position.
    pub fn date_at(&self, index: usize) -> Option<NaiveDate> {
        let date = self
            .start
            .checked_add_days(chrono::Days::new(u64::try_from(index).ok()?))?;
        self.contains(date).then_some(date)
    }
}

impl fmt::Display for Period {
    /// `2026-01-15` for one day, `2026-01-01..2026-03-31` otherwise (a form [`Period::parse`] reads
    /// back).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}..{}", self.start, self.end)
        }
    }
}

/// Parses an all-digit string of exactly `len` ASCII digits.
fn digits(text: Option<&str>, len: usize) -> Option<u32> {
    let text = text?;
    if text.len() != len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn month(year: i32, month: u32) -> Option<Period> {
    let start = NaiveDate::from_ymd_opt(year, month, 1)?;
    let end = start.checked_add_months(Months::new(1))?.pred_opt()?;
    Some(Period { start, end })
}

fn parse_single(text: &str) -> Result<Period, String> {
    let bad = || {
        format!(
            "\"{text}\" is not a period (expected 2026, 2026-Q1, 2026-01, 2026-01-15 or 2026-01-01..2026-03-31)"
        )
    };
    let year = digits(text.get(0..4), 4)
        .and_then(|y| i32::try_from(y).ok())
        .ok_or_else(bad)?;
    let period = match text.len() {
        4 => month(year, 1).zip(month(year, 12)).map(|(a, b)| Period {
            start: a.start,
            end: b.end,
        }),
        7 if text.get(4..6).is_some_and(|s| s.eq_ignore_ascii_case("-q")) => {
            digits(text.get(6..7), 1)
                .filter(|q| (1..=4).contains(q))
                .and_then(|q| {
                    let first = month(year, q * 3 - 2)?;
                    let last = month(year, q * 3)?;
                    Some(Period {
                        start: first.start,
                        end: last.end,
                    })
                })
        }
        7 if text.get(4..5) == Some("-") => digits(text.get(5..7), 2).and_then(|m| month(year, m)),
        10 => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .map(Period::day),
        _ => None,
    };
    period.ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn check(text: &str, start: NaiveDate, end: NaiveDate) {
        assert_eq!(Period::parse(text), Ok(Period { start, end }), "{text}");
    }

    #[test]
    fn a_period_is_labelled_as_written_and_the_label_reads_back() {
        for (written, label) in [
            ("2026", "2026"),
            ("2026-Q4", "2026-Q4"),
            ("2024-q1", "2024-Q1"),
            ("2026-11", "2026-11"),
            ("2026-11-01..2026-11-30", "2026-11"),
            ("2026-10-01..2026-12-31", "2026-Q4"),
            ("2026-01-01..2026-12-31", "2026"),
            ("2026-02-03", "2026-02-03"),
            ("2026-01..2026-02", "2026-01..2026-02"),
            ("2026-02..2026-04", "2026-02..2026-04"),
            ("2025-11..2026-01", "2025-11..2026-01"),
            ("2025..2026", "2025-01..2026-12"),
            ("2026-11-03..2026-11-20", "2026-11-03..2026-11-20"),
            ("2026-11-01..2026-11-29", "2026-11-01..2026-11-29"),
            ("2026-11-02..2026-11-30", "2026-11-02..2026-11-30"),
        ] {
            let period = Period::parse(written).unwrap_or_else(|e| panic!("{written}: {e}"));
            assert_eq!(period.label(), label, "{written}");
            assert_eq!(Period::parse(&period.label()), Ok(period), "{written}");
        }
    }

    #[test]
    fn a_period_is_written_in_words_for_pages() {
        for (written, words) in [
            ("2026", "2026"),
            ("2026-Q4", "Q4 2026"),
            ("2026-11", "Nov 2026"),
            ("2026-10-01..2026-12-31", "Q4 2026"),
            ("2026-02-03", "3 Feb 2026"),
            ("2025-11..2026-01", "Nov 2025 – Jan 2026"),
            ("2026-02..2026-04", "Feb 2026 – Apr 2026"),
            ("2026-09-09..2026-10-08", "9 Sep 2026 – 8 Oct 2026"),
            // A day short of whole months on either side is days.
            ("2026-11-01..2026-11-29", "1 Nov 2026 – 29 Nov 2026"),
            ("2026-11-02..2026-11-30", "2 Nov 2026 – 30 Nov 2026"),
        ] {
            let period = Period::parse(written).unwrap_or_else(|e| panic!("{written}: {e}"));
            assert_eq!(period.words(), words, "{written}");
        }
    }

    #[test]
    fn every_form_parses_to_its_days() {
        check("2026", date(2026, 1, 1), date(2026, 12, 31));
        check("2026-Q1", date(2026, 1, 1), date(2026, 3, 31));
        check("2024-q4", date(2024, 10, 1), date(2024, 12, 31));
        check("2024-02", date(2024, 2, 1), date(2024, 2, 29));
        check("2026-02-03", date(2026, 2, 3), date(2026, 2, 3));
        check(" 2026-01..2026-03 ", date(2026, 1, 1), date(2026, 3, 31));
        check(
            "2026-01-10/2026-01-20",
            date(2026, 1, 10),
            date(2026, 1, 20),
        );
    }

    #[test]
    fn bad_periods_are_refused_with_a_reason() {
        for text in [
            "",
            "26",
            "2026-13",
            "2026-Q5",
            "2026-1",
            "+026",
            "2026-02-30",
            "2026-03..2026-01",
            "2000..2026",
            "é026",
            "2026-é1",
        ] {
            assert!(Period::parse(text).is_err(), "{text}");
        }
        assert!(
            Period::parse("2026-03..2026-01")
                .err()
                .is_some_and(|e| e.contains("before"))
        );
    }

    #[test]
    fn days_intersections_and_positions() {
        let q1 = Period::parse("2026-Q1").unwrap_or(Period::day(date(2000, 1, 1)));
        assert_eq!(q1.days(), 90);
        let feb = Period::parse("2026-02").unwrap_or(q1);
        assert_eq!(q1.intersect(&feb), Some(feb));
        assert_eq!(feb.intersect(&Period::day(date(2026, 4, 1))), None);
        assert_eq!(q1.index_of(date(2026, 2, 1)), Some(31));
        assert_eq!(q1.date_at(31), Some(date(2026, 2, 1)));
        assert_eq!(q1.date_at(90), None);
        assert_eq!(q1.until(date(2026, 1, 5)).map(|p| p.days()), Some(5));
        assert_eq!(q1.until(date(2025, 12, 31)), None);
        assert_eq!(q1.to_string(), "2026-01-01..2026-03-31");
        assert_eq!(Period::parse(&q1.to_string()), Ok(q1));
    }
}
