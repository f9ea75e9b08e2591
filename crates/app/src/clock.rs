//! The one place spendlens reads the time.

use chrono::{DateTime, NaiveDate, Utc};

/// A source of "now", so that tests and replays can fix it.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock stopped at one instant (tests, `--now` replays).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The calendar day `now` falls on in the IANA zone `time_zone` (UTC when the zone is unknown).
pub fn today_in(now: DateTime<Utc>, time_zone: &str) -> NaiveDate {
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => now.with_timezone(&tz).date_naive(),
        Err(_) => now.date_naive(),
    }
}

/// Whether `name` is an IANA time zone spendlens knows.
pub fn is_known_zone(name: &str) -> bool {
    name.parse::<chrono_tz::Tz>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_depends_on_the_campaign_zone() {
        let now = DateTime::parse_from_rfc3339("2026-11-21T23:30:00Z")
            .map(|t| t.to_utc())
            .unwrap_or_default();
        assert_eq!(today_in(now, "UTC").to_string(), "2026-11-21");
        assert_eq!(today_in(now, "Europe/Berlin").to_string(), "2026-11-22");
        assert_eq!(
            today_in(now, "America/Los_Angeles").to_string(),
            "2026-11-21"
        );
        assert_eq!(today_in(now, "Not/AZone").to_string(), "2026-11-21");
        assert!(is_known_zone("Asia/Kolkata") && !is_known_zone("Mars/Base"));
    }
}
