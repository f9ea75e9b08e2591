//! Which days a sync pulls: an inclusive [`DateRange`] and the pure [`sync_window`] rule.

use std::fmt;

use chrono::{Days, NaiveDate};

/// The restatement window re-pulled by every sync unless configured otherwise.
///
/// Platforms keep changing past days as late conversions are attributed (Meta's default
/// attribution is 7-day click, LinkedIn's 30-day click, Google Ads' per action); Airbyte's Meta
/// connector re-reads 28 days for the same reason.
pub const DEFAULT_RESTATEMENT_DAYS: u32 = 28;

/// An inclusive range of calendar days in the platform's own reporting time zone.
///
/// Inclusive on both ends because that is how every platform API states ranges (LinkedIn
/// `dateRange`, Meta `time_range`, GA4 `dateRanges`, GAQL `BETWEEN`). `start <= end` always holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateRange {
    start: NaiveDate,
    end: NaiveDate,
}

/// A range whose start is after its end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("date range starts ({start}) after it ends ({end})")]
pub struct InvalidDateRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl DateRange {
    /// A range from `start` to `end`, both included.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, InvalidDateRange> {
        if start > end {
            return Err(InvalidDateRange { start, end });
        }
        Ok(DateRange { start, end })
    }

    /// A range of a single day.
    pub fn day(day: NaiveDate) -> Self {
        DateRange {
            start: day,
            end: day,
        }
    }

    /// The first day.
    pub fn start(self) -> NaiveDate {
        self.start
    }

    /// The last day (included).
    pub fn end(self) -> NaiveDate {
        self.end
    }

    /// The number of days, at least 1.
    pub fn days(self) -> u64 {
        u64::try_from((self.end - self.start).num_days()).unwrap_or(0) + 1
    }

    /// Whether `day` lies in the range.
    pub fn contains(self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }

    /// Consecutive sub-ranges of at most `max_days` days covering the range in order.
    ///
    /// LinkedIn truncates responses silently at 15,000 elements and Google Ads recommends short
    /// date windows, so the connectors split long ranges; `max_days` of 0 is treated as 1.
    pub fn chunks(self, max_days: u32) -> Vec<DateRange> {
        let step = u64::from(max_days.max(1));
        let mut out = Vec::new();
        let mut start = self.start;
        loop {
            let end = start
                .checked_add_days(Days::new(step - 1))
                .map_or(self.end, |e| e.min(self.end));
            out.push(DateRange { start, end });
            match end.succ_opt() {
                Some(next) if end < self.end => start = next,
                _ => break,
            }
        }
        out
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..={}", self.start, self.end)
    }
}

/// The days a sync should pull, or `None` when there is nothing to pull.
///
/// The range ends with the last *completed* day, `today - 1`, where today is the date in the
/// account's reporting time zone (see [`crate::Connector::account_info`]), passed in by the
/// caller: this crate never reads a clock. It starts at whichever is earlier:
/// * the day after `last_synced` (the last day a previous sync stored), so a gap after downtime
///   is filled, or
/// * the first day of the restatement window, the `restatement_days` completed days up to
///   yesterday, so late conversions update days that were already stored.
///
/// A first sync (`last_synced` is `None`) pulls the restatement window; a longer backfill is a
/// plain `fetch_daily` over the range the user asked for. With `restatement_days == 0` and
/// everything up to yesterday already stored, the result is `None`.
pub fn sync_window(
    last_synced: Option<NaiveDate>,
    today: NaiveDate,
    restatement_days: u32,
) -> Option<DateRange> {
    let end = today.pred_opt()?;
    let restate_start = if restatement_days == 0 {
        None
    } else {
        Some(
            end.checked_sub_days(Days::new(u64::from(restatement_days) - 1))
                .unwrap_or(NaiveDate::MIN),
        )
    };
    let after_last = match last_synced {
        Some(d) => d.succ_opt().filter(|next| *next <= end),
        None => None,
    };
    let start = match (after_last, restate_start) {
        (Some(a), Some(r)) => a.min(r),
        (Some(a), None) => a,
        (None, Some(r)) => r,
        (None, None) => return None,
    };
    DateRange::new(start, end).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn check(last: Option<&str>, today: &str, days: u32, expected: Option<(&str, &str)>) {
        let got = sync_window(last.map(d), d(today), days);
        let want = expected.map(|(s, e)| DateRange::new(d(s), d(e)).expect("valid"));
        assert_eq!(got, want, "last={last:?} today={today} days={days}");
    }

    #[test]
    fn sync_window_cases() {
        // First sync: the restatement window, ending yesterday.
        check(None, "2024-06-30", 28, Some(("2024-06-02", "2024-06-29")));
        // Synced yesterday: still re-pulls the restatement window.
        check(
            Some("2024-06-29"),
            "2024-06-30",
            28,
            Some(("2024-06-02", "2024-06-29")),
        );
        // Long outage: fill the gap from the day after the last sync.
        check(
            Some("2024-03-31"),
            "2024-06-30",
            28,
            Some(("2024-04-01", "2024-06-29")),
        );
        // Gap shorter than the window: the window wins.
        check(
            Some("2024-06-25"),
            "2024-06-30",
            28,
            Some(("2024-06-02", "2024-06-29")),
        );
        // No restatement: only the missing days.
        check(
            Some("2024-06-25"),
            "2024-06-30",
            0,
            Some(("2024-06-26", "2024-06-29")),
        );
        check(Some("2024-06-29"), "2024-06-30", 0, None);
        check(None, "2024-06-30", 0, None);
        // A last_synced in the future (clock skew) does not stop restatement.
        check(
            Some("2024-07-15"),
            "2024-06-30",
            3,
            Some(("2024-06-27", "2024-06-29")),
        );
        // One-day window.
        check(None, "2024-03-01", 1, Some(("2024-02-29", "2024-02-29")));
    }

    #[test]
    fn default_window_is_28_days() {
        let w = sync_window(None, d("2024-06-30"), DEFAULT_RESTATEMENT_DAYS).expect("window");
        assert_eq!(w.days(), 28);
        assert!(!w.contains(d("2024-06-30")));
    }

    #[test]
    fn chunks_cover_the_range_in_order() {
        let r = DateRange::new(d("2024-06-01"), d("2024-07-15")).expect("valid");
        let chunks = r.chunks(30);
        assert_eq!(
            chunks,
            vec![
                DateRange::new(d("2024-06-01"), d("2024-06-30")).expect("valid"),
                DateRange::new(d("2024-07-01"), d("2024-07-15")).expect("valid"),
            ]
        );
        assert_eq!(chunks.iter().map(|c| c.days()).sum::<u64>(), r.days());
        assert_eq!(DateRange::day(d("2024-01-01")).chunks(0).len(), 1);
        assert_eq!(r.chunks(1).len(), 45);
    }

    #[test]
    fn inverted_range_is_rejected() {
        assert!(DateRange::new(d("2024-06-02"), d("2024-06-01")).is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn day() -> impl Strategy<Value = NaiveDate> {
        // 2000-01-01 plus up to ~60 years.
        (0u64..22_000).prop_map(|n| {
            NaiveDate::from_ymd_opt(2000, 1, 1)
                .and_then(|d| d.checked_add_days(Days::new(n)))
                .expect("in range")
        })
    }

    proptest! {
        #[test]
        fn the_window_ends_yesterday_and_covers_gap_and_restatement(
            today in day(),
            last in proptest::option::of(day()),
            restate in 0u32..400,
        ) {
            let Some(w) = sync_window(last, today, restate) else {
                // Nothing to pull only without restatement and with nothing missing.
                prop_assert_eq!(restate, 0);
                prop_assert!(last.is_none_or(|l| l >= today.pred_opt().expect("day")));
                return Ok(());
            };
            let yesterday = today.pred_opt().expect("day");
            prop_assert_eq!(w.end(), yesterday);
            // The last `restate` completed days are always included.
            prop_assert!(w.days() >= u64::from(restate));
            // Every day after the last stored one is included.
            if let Some(l) = last.filter(|l| *l < yesterday) {
                prop_assert!(w.start() <= l.succ_opt().expect("day"));
            }
            // Nothing older than needed: the start is the later of the two rules' starts.
            let gap_start = last.and_then(|l| l.succ_opt()).filter(|s| *s <= yesterday);
            let restate_start = (restate > 0).then(|| {
                yesterday.checked_sub_days(Days::new(u64::from(restate) - 1)).expect("day")
            });
            let expected = [gap_start, restate_start].into_iter().flatten().min();
            prop_assert_eq!(Some(w.start()), expected);
        }

        #[test]
        fn chunks_partition_the_range(start in day(), len in 0u64..400, size in 0u32..100) {
            let end = start.checked_add_days(Days::new(len)).expect("day");
            let r = DateRange::new(start, end).expect("range");
            let chunks = r.chunks(size);
            prop_assert_eq!(chunks.first().map(|c| c.start()), Some(start));
            prop_assert_eq!(chunks.last().map(|c| c.end()), Some(end));
            for pair in chunks.windows(2) {
                prop_assert_eq!(pair[0].end().succ_opt(), Some(pair[1].start()));
            }
            prop_assert!(chunks.iter().all(|c| c.days() <= u64::from(size.max(1))));
        }
    }
}
