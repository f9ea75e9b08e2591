//! When a schedule is due and what period each slot reports (dates in UTC).
//!
//! A slot is the date a delivery is due: a weekly schedule's weekday, a monthly schedule's day
//! of the month (1–28, so every month has it). The scheduler sends the latest slot on or before
//! today that is not before the schedule's creation day, once (the slot's date is its unique key
//! in the store). A server that was down for three weeks sends the latest slot only: a report
//! of the last period is what a reader wants, not three stale ones at once.
//!
//! A weekly slot reports the seven days before it; a monthly slot the calendar month before its
//! month (a report on 5 December covers November).

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// When a schedule is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    Weekly(Weekday),
    /// Day of the month, 1–28.
    Monthly(u32),
    /// As soon as there is something to send (budget alerts).
    Immediate,
}

/// The latest day of the month a monthly schedule may name.
pub const LAST_MONTHLY_DAY: u32 = 28;

impl Cadence {
    /// The code stored and shown: `weekly`, `monthly` or `immediate`.
    pub fn code(self) -> &'static str {
        match self {
            Cadence::Weekly(_) => "weekly",
            Cadence::Monthly(_) => "monthly",
            Cadence::Immediate => "immediate",
        }
    }

    /// The stored day: the weekday from Monday = 1, the day of the month, or 0.
    pub fn day(self) -> u32 {
        match self {
            Cadence::Weekly(w) => w.number_from_monday(),
            Cadence::Monthly(d) => d,
            Cadence::Immediate => 0,
        }
    }

    /// The cadence of a stored code and day, `None` when they do not make one.
    pub fn of(code: &str, day: u32) -> Option<Cadence> {
        match code {
            "weekly" => weekday_of_number(day).map(Cadence::Weekly),
            "monthly" => (1..=LAST_MONTHLY_DAY)
                .contains(&day)
                .then_some(Cadence::Monthly(day)),
            "immediate" => Some(Cadence::Immediate),
            _ => None,
        }
    }

    /// The latest slot on or before `today` (`None` for [`Cadence::Immediate`]).
    pub fn latest_slot(self, today: NaiveDate) -> Option<NaiveDate> {
        match self {
            Cadence::Weekly(w) => {
                let back =
                    (7 + today.weekday().num_days_from_monday() - w.num_days_from_monday()) % 7;
                today.checked_sub_days(Days::new(u64::from(back)))
            }
            Cadence::Monthly(day) => {
                let this_month = today.with_day(day)?;
                if this_month <= today {
                    Some(this_month)
                } else {
                    this_month.checked_sub_months(Months::new(1))
                }
            }
            Cadence::Immediate => None,
        }
    }

    /// The next slot after `today`, or today's when `today` is a slot (for the page's "next").
    pub fn next_slot(self, today: NaiveDate) -> Option<NaiveDate> {
        let latest = self.latest_slot(today)?;
        if latest == today {
            return Some(today);
        }
        match self {
            Cadence::Weekly(_) => latest.checked_add_days(Days::new(7)),
            Cadence::Monthly(_) => latest.checked_add_months(Months::new(1)),
            Cadence::Immediate => None,
        }
    }

    /// The period a slot reports, first and last day.
    pub fn period(self, slot: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        match self {
            Cadence::Weekly(_) => Some((
                slot.checked_sub_days(Days::new(7))?,
                slot.checked_sub_days(Days::new(1))?,
            )),
            Cadence::Monthly(_) => {
                let first_of_this = slot.with_day(1)?;
                Some((
                    first_of_this.checked_sub_months(Months::new(1))?,
                    first_of_this.checked_sub_days(Days::new(1))?,
                ))
            }
            Cadence::Immediate => None,
        }
    }
}

/// The slot due on `today` for a schedule created on `created`: the latest slot, unless it is
/// before the creation day (nothing is sent for a time before the schedule existed).
pub fn due_slot(cadence: Cadence, created: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
    cadence.latest_slot(today).filter(|slot| *slot >= created)
}

/// The weekday of a number from Monday = 1 to Sunday = 7.
pub fn weekday_of_number(n: u32) -> Option<Weekday> {
    Some(match n {
        1 => Weekday::Mon,
        2 => Weekday::Tue,
        3 => Weekday::Wed,
        4 => Weekday::Thu,
        5 => Weekday::Fri,
        6 => Weekday::Sat,
        7 => Weekday::Sun,
        _ => return None,
    })
}

/// The weekday of its English name in lower case (`monday`).
pub fn weekday_of_name(name: &str) -> Option<Weekday> {
    WEEKDAYS
        .iter()
        .find(|(code, _, _)| *code == name.trim().to_ascii_lowercase())
        .map(|(_, _, w)| *w)
}

/// The weekdays: code, label, value.
pub const WEEKDAYS: [(&str, &str, Weekday); 7] = [
    ("monday", "Monday", Weekday::Mon),
    ("tuesday", "Tuesday", Weekday::Tue),
    ("wednesday", "Wednesday", Weekday::Wed),
    ("thursday", "Thursday", Weekday::Thu),
    ("friday", "Friday", Weekday::Fri),
    ("saturday", "Saturday", Weekday::Sat),
    ("sunday", "Sunday", Weekday::Sun),
];

/// The code of a weekday (`monday`).
pub fn weekday_code(w: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(_, _, d)| *d == w)
        .map_or("monday", |(c, _, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    /// (cadence, today, latest slot, period of that slot).
    fn check(cases: &[(Cadence, &str, &str, (&str, &str))]) {
        for (cadence, today, slot, (from, to)) in cases {
            let latest = cadence.latest_slot(day(today));
            assert_eq!(latest, Some(day(slot)), "{cadence:?} on {today}");
            assert_eq!(
                cadence.period(day(slot)),
                Some((day(from), day(to))),
                "{cadence:?} slot {slot}"
            );
        }
    }

    #[test]
    fn weekly_and_monthly_slots_on_both_sides_of_their_day() {
        // 2026-11-21 is a Saturday.
        check(&[
            (
                Cadence::Weekly(Weekday::Sat),
                "2026-11-21",
                "2026-11-21",
                ("2026-11-14", "2026-11-20"),
            ),
            (
                Cadence::Weekly(Weekday::Sat),
                "2026-11-20",
                "2026-11-14",
                ("2026-11-07", "2026-11-13"),
            ),
            (
                Cadence::Weekly(Weekday::Sun),
                "2026-11-21",
                "2026-11-15",
                ("2026-11-08", "2026-11-14"),
            ),
            (
                Cadence::Weekly(Weekday::Mon),
                "2026-11-23",
                "2026-11-23",
                ("2026-11-16", "2026-11-22"),
            ),
            (
                Cadence::Monthly(5),
                "2026-12-05",
                "2026-12-05",
                ("2026-11-01", "2026-11-30"),
            ),
            (
                Cadence::Monthly(5),
                "2026-12-04",
                "2026-11-05",
                ("2026-10-01", "2026-10-31"),
            ),
            (
                Cadence::Monthly(1),
                "2026-03-01",
                "2026-03-01",
                ("2026-02-01", "2026-02-28"),
            ),
            (
                Cadence::Monthly(28),
                "2026-01-10",
                "2025-12-28",
                ("2025-11-01", "2025-11-30"),
            ),
        ]);
    }

    #[test]
    fn nothing_is_due_before_the_schedule_existed() {
        let sat = Cadence::Weekly(Weekday::Sat);
        assert_eq!(
            due_slot(sat, day("2026-11-21"), day("2026-11-21")),
            Some(day("2026-11-21"))
        );
        assert_eq!(due_slot(sat, day("2026-11-22"), day("2026-11-27")), None);
        assert_eq!(
            due_slot(sat, day("2026-11-22"), day("2026-11-28")),
            Some(day("2026-11-28"))
        );
        assert_eq!(
            due_slot(Cadence::Immediate, day("2026-11-21"), day("2026-11-21")),
            None
        );
    }

    #[test]
    fn stored_codes_read_back_and_next_slots() {
        for c in [
            Cadence::Weekly(Weekday::Mon),
            Cadence::Weekly(Weekday::Sun),
            Cadence::Monthly(1),
            Cadence::Monthly(28),
            Cadence::Immediate,
        ] {
            assert_eq!(Cadence::of(c.code(), c.day()), Some(c));
        }
        assert_eq!(Cadence::of("monthly", 29), None);
        assert_eq!(Cadence::of("monthly", 0), None);
        assert_eq!(Cadence::of("weekly", 8), None);
        assert_eq!(Cadence::of("daily", 1), None);
        assert_eq!(
            Cadence::Weekly(Weekday::Mon).next_slot(day("2026-11-21")),
            Some(day("2026-11-23"))
        );
        assert_eq!(
            Cadence::Monthly(21).next_slot(day("2026-11-21")),
            Some(day("2026-11-21"))
        );
        assert_eq!(
            Cadence::Monthly(5).next_slot(day("2026-11-21")),
            Some(day("2026-12-05"))
        );
        assert_eq!(weekday_of_name(" Friday"), Some(Weekday::Fri));
        assert_eq!(weekday_of_name("fri"), None);
    }
}
