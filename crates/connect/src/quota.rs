//! Which quota a platform says ran out, and when it comes back.
//!
//! A quota is not a throttle: retrying before its window turns over only spends more of it.
//! Sheets refills its per-minute quotas every minute; GA4's property tokens come back within the
//! hour (hourly quotas) or at midnight PST (daily ones); LinkedIn's daily application and member
//! limits reset at midnight UTC. [`crate::HttpClient`] waits for the window when the sync's wait
//! budget allows it, and otherwise fails with [`crate::ConnectError::QuotaExhausted`] carrying
//! the wait, so the app can schedule the connection for after the reset.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Days, NaiveTime, Utc};

/// When a used-up quota is given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaReset {
    /// After this long (a per-minute or per-hour window).
    After(Duration),
    /// At this hour of the next UTC day that has not reached it (`0` for LinkedIn's midnight
    /// UTC, `8` for Google's midnight PST).
    DailyAtUtc(u32),
}

impl QuotaReset {
    /// How long from `now` until the quota is back.
    pub fn wait_from(self, now: DateTime<Utc>) -> Duration {
        match self {
            QuotaReset::After(d) => d,
            QuotaReset::DailyAtUtc(hour) => {
                let at = NaiveTime::from_hms_opt(hour.min(23), 0, 0).unwrap_or(NaiveTime::MIN);
                let today = now.date_naive().and_time(at).and_utc();
                let next = if today > now {
                    today
                } else {
                    now.date_naive()
                        .checked_add_days(Days::new(1))
                        .map_or(today, |d| d.and_time(at).and_utc())
                };
                (next - now).to_std().unwrap_or(Duration::ZERO)
            }
        }
    }

    /// The longest this reset can take from any moment: what to wait when "now" is unknown.
    pub fn longest_wait(self) -> Duration {
        match self {
            QuotaReset::After(d) => d,
            QuotaReset::DailyAtUtc(_) => Duration::from_secs(24 * 3600),
        }
    }
}

impl fmt::Display for QuotaReset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            QuotaReset::After(d) if d.as_secs() == 60 => write!(f, "after a minute"),
            QuotaReset::After(d) if d.as_secs() % 60 == 0 => {
                write!(f, "after {} minutes", d.as_secs() / 60)
            }
            QuotaReset::After(d) => write!(f, "after {} seconds", d.as_secs()),
            QuotaReset::DailyAtUtc(0) => write!(f, "at 00:00 UTC"),
            QuotaReset::DailyAtUtc(8) => write!(f, "at 08:00 UTC (midnight PST)"),
            QuotaReset::DailyAtUtc(h) => write!(f, "at {h:02}:00 UTC"),
        }
    }
}

/// A quota that ran out, in our words (never the platform's text), and its reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// What ran out: "the daily application and member request limit", "read requests per
    /// minute".
    pub name: &'static str,
    pub reset: QuotaReset,
}

impl Quota {
    /// Whether the quota is a daily one (the wait runs to another day).
    pub fn is_daily(&self) -> bool {
        matches!(self.reset, QuotaReset::DailyAtUtc(_))
    }
}

impl fmt::Display for Quota {
    /// "read requests per minute, back after a minute".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.is_daily() { "resets" } else { "comes back" };
        write!(f, "{}, which {verb} {}", self.name, self.reset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    #[test]
    fn daily_resets_wait_for_the_next_occurrence_of_the_hour() {
        let midnight = QuotaReset::DailyAtUtc(0);
        assert_eq!(
            midnight.wait_from(at("2026-12-04T21:15:00Z")),
            Duration::from_secs(2 * 3600 + 45 * 60)
        );
        // Exactly at midnight the quota was just reset: the next one is a day away.
        assert_eq!(
            midnight.wait_from(at("2026-12-05T00:00:00Z")),
            Duration::from_secs(24 * 3600)
        );
        let pst = QuotaReset::DailyAtUtc(8);
        assert_eq!(
            pst.wait_from(at("2026-12-04T07:59:00Z")),
            Duration::from_secs(60)
        );
        assert_eq!(
            pst.wait_from(at("2026-12-04T09:00:00Z")),
            Duration::from_secs(23 * 3600)
        );
        assert_eq!(
            QuotaReset::After(Duration::from_secs(60)).wait_from(at("2026-12-04T09:00:00Z")),
            Duration::from_secs(60)
        );
        assert_eq!(midnight.longest_wait(), Duration::from_secs(86_400));
    }

    #[test]
    fn quotas_read_as_words() {
        let q = Quota {
            name: "the daily application and member request limit",
            reset: QuotaReset::DailyAtUtc(0),
        };
        assert_eq!(
            q.to_string(),
            "the daily application and member request limit, which resets at 00:00 UTC"
        );
        let m = Quota {
            name: "read requests per minute",
            reset: QuotaReset::After(Duration::from_secs(60)),
        };
        assert_eq!(m.to_string(), "read requests per minute, which comes back after a minute");
        assert_eq!(
            QuotaReset::After(Duration::from_secs(3600)).to_string(),
            "after 60 minutes"
        );
    }
}
