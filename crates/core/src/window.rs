//! A window of calendar days, both ends included: the history a model learns from. Budget
//! optimisation fits its response curves on one, and the marketing-mix model will fit on one
//! too; both default to the last year up to today and take an explicit `from`/`to`, so a data
//! set from earlier years can be used. One type, so the two say the same thing the same way
//! ("from 2023-01-01 to 2023-12-31, 365 days").

use std::fmt;

use chrono::{Days, NaiveDate};

/// Days from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateWindow {
    from: NaiveDate,
    to: NaiveDate,
}

/// Why two dates make no window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowError {
    /// `to` is before `from`.
    Reversed,
    /// The window is longer than the caller allows (its length in days, the limit).
    TooLong { days: u64, max: u64 },
}

impl fmt::Display for WindowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowError::Reversed => f.write_str("must not be before from"),
            WindowError::TooLong { days, max } => {
                write!(f, "the window is {days} days; at most {max}")
            }
        }
    }
}

impl std::error::Error for WindowError {}

impl DateWindow {
    /// The days from `from` to `to`; `to` before `from` is refused.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, WindowError> {
        if to < from {
            Err(WindowError::Reversed)
        } else {
            Ok(Self { from, to })
        }
    }

    /// The `days` days that end with `to` (at least one).
    pub fn ending(to: NaiveDate, days: u64) -> Self {
        let back = days.max(1) - 1;
        Self {
            from: to
                .checked_sub_days(Days::new(back))
                .unwrap_or(NaiveDate::MIN),
            to,
        }
    }

    /// The `days` days that start with `from` (at least one).
    pub fn starting(from: NaiveDate, days: u64) -> Self {
        let ahead = days.max(1) - 1;
        Self {
            from,
            to: from
                .checked_add_days(Days::new(ahead))
                .unwrap_or(NaiveDate::MAX),
        }
    }

    /// The first day.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The last day.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// How many days it holds.
    pub fn days(&self) -> u64 {
        u64::try_from((self.to - self.from).num_days())
            .unwrap_or(0)
            .saturating_add(1)
    }

    /// Whether `day` is in it.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// Its last `days` days (all of it when it is shorter): "the recent spend" of a history.
    pub fn last(&self, days: u64) -> Self {
        let tail = Self::ending(self.to, days);
        Self {
            from: tail.from.max(self.from),
            to: self.to,
        }
    }

    /// The window itself, or [`WindowError::TooLong`] when it holds more than `max` days.
    pub fn at_most(self, max: u64) -> Result<Self, WindowError> {
        let days = self.days();
        if days > max {
            Err(WindowError::TooLong { days, max })
        } else {
            Ok(self)
        }
    }
}

impl fmt::Display for DateWindow {
    /// `2023-01-01 to 2023-12-31`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", self.from, self.to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn windows_count_both_ends() {
        let year = DateWindow::ending(day(2026, 11, 21), 365);
        assert_eq!(year.from(), day(2025, 11, 22));
        assert_eq!(year.days(), 365);
        assert_eq!(year.to_string(), "2025-11-22 to 2026-11-21");
        assert_eq!(
            DateWindow::starting(day(2023, 1, 1), 365).to(),
            day(2023, 12, 31)
        );
        assert_eq!(DateWindow::ending(day(2023, 1, 1), 0).days(), 1);
        assert!(year.contains(day(2026, 1, 1)) && !year.contains(day(2026, 11, 22)));
        assert_eq!(year.last(28).from(), day(2026, 10, 25));
        assert_eq!(DateWindow::ending(day(2023, 1, 10), 5).last(28).days(), 5);
        assert_eq!(
            DateWindow::new(day(2023, 2, 1), day(2023, 1, 1)),
            Err(WindowError::Reversed)
        );
        assert_eq!(
            year.at_most(100),
            Err(WindowError::TooLong {
                days: 365,
                max: 100
            })
        );
        assert_eq!(
            WindowError::TooLong {
                days: 365,
                max: 100
            }
            .to_string(),
            "the window is 365 days; at most 100"
        );
        // Never panics at the ends of the calendar.
        assert_eq!(
            DateWindow::ending(NaiveDate::MIN, 10).from(),
            NaiveDate::MIN
        );
        assert_eq!(
            DateWindow::starting(NaiveDate::MAX, 10).to(),
            NaiveDate::MAX
        );
    }
}
