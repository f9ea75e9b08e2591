//! Which quota a platform says ran out, and when it comes back.
//!
//! A quota is not a throttle: retrying before its window turns over only spends more of it.
//! Sheets refills its per-minute read quotas every minute; GA4's property tokens come back
//! within the hour (hourly buckets) or at midnight Pacific time (daily ones); LinkedIn's daily
//! application and member limits reset at midnight UTC. [`crate::HttpClient`] waits for the
//! window when the sync's wait budget allows it, and otherwise fails with
//! [`crate::ConnectError::QuotaExhausted`] carrying the wait, so the app can schedule the
//! connection for after the reset.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// When a used-up quota is given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaReset {
    /// After this long (a per-minute or per-hour window).
    After(Duration),
    /// At the next midnight in this zone (`UTC` for LinkedIn, `America/Los_Angeles` for
    /// Google's daily quotas).
    DailyMidnight(Tz),
}

impl QuotaReset {
    /// How long from `now` until the quota is back.
    pub fn wait_from(self, now: DateTime<Utc>) -> Duration {
        match self {
            QuotaReset::After(d) => d,
            QuotaReset::DailyMidnight(tz) => {
                let local_day = now.with_timezone(&tz).date_naive();
                let next = local_day
                    .checked_add_days(Days::new(1))
                    .and_then(|d| {
                        tz.from_local_datetime(&d.and_time(NaiveTime::MIN))
                            .earliest()
                    })
                    .map(|t| t.with_timezone(&Utc));
                next.and_then(|at| (at - now).to_std().ok())
                    .unwrap_or(Duration::from_secs(24 * 3600))
            }
        }
    }

    /// The longest this reset can take from any moment: what to wait when "now" is unknown.
    pub fn longest_wait(self) -> Duration {
        match self {
            QuotaReset::After(d) => d,
            QuotaReset::DailyMidnight(_) => Duration::from_secs(24 * 3600),
        }
    }
}

impl fmt::Display for QuotaReset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            QuotaReset::After(d) if d.as_secs() == 60 => write!(f, "after a minute"),
            QuotaReset::After(d) if d.as_secs() == 3600 => write!(f, "within the hour"),
            QuotaReset::After(d) if d.as_secs() % 60 == 0 => {
                write!(f, "after {} minutes", d.as_secs() / 60)
            }
            QuotaReset::After(d) => write!(f, "after {} seconds", d.as_secs()),
            QuotaReset::DailyMidnight(Tz::UTC) => write!(f, "at midnight UTC"),
            QuotaReset::DailyMidnight(Tz::America__Los_Angeles) => {
                write!(f, "at midnight Pacific time")
            }
            QuotaReset::DailyMidnight(tz) => write!(f, "at midnight {}", tz.name()),
        }
    }
}

/// A quota that ran out, in our words (never the platform's text), and its reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// What ran out: "the daily application and member request limit", "read requests per
    /// minute per user".
    pub name: &'static str,
    pub reset: QuotaReset,
}

impl Quota {
    /// LinkedIn's daily application and member limits (any 429 on `adAnalytics`).
    pub const LINKEDIN_DAILY: Quota = Quota {
        name: "the daily application and member request limit",
        reset: QuotaReset::DailyMidnight(Tz::UTC),
    };

    /// A quota refilled every minute (Sheets reads).
    pub const fn per_minute(name: &'static str) -> Quota {
        Quota {
            name,
            reset: QuotaReset::After(Duration::from_secs(60)),
        }
    }

    /// A quota refilled within the hour (GA4's hourly token buckets).
    pub const fn per_hour(name: &'static str) -> Quota {
        Quota {
            name,
            reset: QuotaReset::After(Duration::from_secs(3600)),
        }
    }

    /// A Google daily quota, reset at midnight Pacific time.
    pub const fn google_daily(name: &'static str) -> Quota {
        Quota {
            name,
            reset: QuotaReset::DailyMidnight(Tz::America__Los_Angeles),
        }
    }

    /// Whether the quota is a daily one (the wait runs to another day).
    pub fn is_daily(&self) -> bool {
        matches!(self.reset, QuotaReset::DailyMidnight(_))
    }
}

impl fmt::Display for Quota {
    /// "read requests per minute per user, which comes back after a minute".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.is_daily() {
            "resets"
        } else {
            "comes back"
        };
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
    fn daily_resets_wait_for_the_next_midnight_of_their_zone() {
        let utc = QuotaReset::DailyMidnight(Tz::UTC);
        assert_eq!(
            utc.wait_from(at("2026-12-04T21:15:00Z")),
            Duration::from_secs(2 * 3600 + 45 * 60)
        );
        // Exactly at midnight the quota was just reset: the next one is a day away.
        assert_eq!(
            utc.wait_from(at("2026-12-05T00:00:00Z")),
            Duration::from_secs(24 * 3600)
        );
        let pacific = QuotaReset::DailyMidnight(Tz::America__Los_Angeles);
        // Winter: midnight PST is 08:00 UTC.
        assert_eq!(
            pacific.wait_from(at("2026-12-04T07:59:00Z")),
            Duration::from_secs(60)
        );
        assert_eq!(
            pacific.wait_from(at("2026-12-04T09:00:00Z")),
            Duration::from_secs(23 * 3600)
        );
        // Summer: midnight PDT is 07:00 UTC.
        assert_eq!(
            pacific.wait_from(at("2026-07-01T06:00:00Z")),
            Duration::from_secs(3600)
        );
        assert_eq!(
            QuotaReset::After(Duration::from_secs(60)).wait_from(at("2026-12-04T09:00:00Z")),
            Duration::from_secs(60)
        );
        assert_eq!(utc.longest_wait(), Duration::from_secs(86_400));
    }

    #[test]
    fn quotas_read_as_words() {
        assert_eq!(
            Quota::LINKEDIN_DAILY.to_string(),
            "the daily application and member request limit, which resets at midnight UTC"
        );
        assert_eq!(
            Quota::per_minute("read requests per minute per user").to_string(),
            "read requests per minute per user, which comes back after a minute"
        );
        assert_eq!(
            Quota::google_daily("property tokens per day").to_string(),
            "property tokens per day, which resets at midnight Pacific time"
        );
        assert_eq!(
            Quota::per_hour("property tokens per hour").to_string(),
            "property tokens per hour, which comes back within the hour"
        );
        assert_eq!(
            QuotaReset::After(Duration::from_secs(1800)).to_string(),
            "after 30 minutes"
        );
    }
}
