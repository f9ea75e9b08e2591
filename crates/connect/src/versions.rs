//! The platforms' API versions and their sunset dates: which version each connector sends by
//! default, and how long a configured one keeps working.
//!
//! Google Ads (`v26` in the URL), the Meta Marketing API (`v27.0` in the URL) and the LinkedIn
//! Marketing API (`LinkedIn-Version: 202611`) each switch versions off on a published date; a
//! retired version answers every call with an error (`UNSUPPORTED_VERSION`, Meta #2635, LinkedIn
//! 426 `NONEXISTENT_VERSION`). GA4 (`v1beta`) and Sheets (`v4`) have no dated versions.
//!
//! Where each date comes from (read in December 2026; `DateSource` says which kind each row is):
//! * Google Ads, published: v20 sunset 2026-06-10, v21 2026-08-05, v22 2026-10-07 (the sunset
//!   reminders on the Google Ads developer blog, developers.google.com/ads/blog, April, June and
//!   September 2026). Projected: v23 to v26 sunset in February, May, August and November 2027
//!   ("More frequent releases coming", the same blog, 2025-09-04; month only, so the 1st is
//!   taken). v26 was released on 2026-10-14 (release notes) and is the default.
//! * Meta Marketing API, published: v22.0 expires 2026-02-19, v23.0 2026-06-09, v24.0 2026-11-10,
//!   v25.0 2027-02-23 (Marketing API version history,
//!   developers.facebook.com/documentation/ads-commerce/marketing-api/marketing-api-changelog/versions).
//!   v26.0 (released 2026-07-29) and v27.0 (released 2026-11-04, the default) are listed with
//!   expiry "TBD": derived as release + 11 months, the shortest lifetime among the published
//!   versions (v21.0: 2024-10-02 to 2025-09-09). Graph API versions live longer (two years); the
//!   insights calls are Marketing API calls, so the Marketing API dates apply.
//! * LinkedIn Marketing API, published: 202510 sunset 2026-10-15, 202511 2026-11-16, 202601
//!   2027-01-15, 202602 2027-02-15, 202603 2027-03-16 (learn.microsoft.com, LinkedIn Marketing
//!   API migrations). Derived for every other `YYYYMM`: monthly versions "supported for a minimum
//!   of one year" (LinkedIn Marketing API versioning), retired around the 15th of the same month a
//!   year later, as every published date is. The stored documentation stops at 202607; 202611
//!   (LinkedIn skipped December releases in 2024 and 2025) is derived as the current version.
//!
//! Nothing here reads a clock: every check takes "today".

use std::fmt;

use chrono::NaiveDate;
use spendlens_core::Platform;

/// How close to its sunset a version must be for a warning.
pub const SUNSET_WARNING_DAYS: i64 = 60;

/// Where a sunset date comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSource {
    /// A day the platform published.
    Published,
    /// A month the platform announced as tentative (the 1st of that month is taken).
    Projected,
    /// Worked out from the platform's documented cadence (see the module documentation).
    Derived,
}

impl DateSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DateSource::Published => "published",
            DateSource::Projected => "projected",
            DateSource::Derived => "derived",
        }
    }
}

/// One version of one platform's API and the day it stops working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersion {
    pub platform: Platform,
    /// As it is sent: `v26`, `v27.0`, `202611`.
    pub version: &'static str,
    /// The first day on which the version no longer answers.
    pub sunset: NaiveDate,
    pub source: DateSource,
}

const fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => date,
        None => panic!("a day of the version table is not a date"),
    }
}

const fn v(platform: Platform, version: &'static str, sunset: NaiveDate, source: DateSource) -> ApiVersion {
    ApiVersion {
        platform,
        version,
        sunset,
        source,
    }
}

use DateSource::{Derived, Projected, Published};
use Platform::{GoogleAds, LinkedIn, Meta};

/// Every version this crate knows, oldest first per platform. The last of each platform is its
/// default.
pub const VERSIONS: [ApiVersion; 19] = [
    v(GoogleAds, "v20", day(2026, 6, 10), Published),
    v(GoogleAds, "v21", day(2026, 8, 5), Published),
    v(GoogleAds, "v22", day(2026, 10, 7), Published),
    v(GoogleAds, "v23", day(2027, 2, 1), Projected),
    v(GoogleAds, "v24", day(2027, 5, 1), Projected),
    v(GoogleAds, "v25", day(2027, 8, 1), Projected),
    v(GoogleAds, "v26", day(2027, 11, 1), Projected),
    v(Meta, "v22.0", day(2026, 2, 19), Published),
    v(Meta, "v23.0", day(2026, 6, 9), Published),
    v(Meta, "v24.0", day(2026, 11, 10), Published),
    v(Meta, "v25.0", day(2027, 2, 23), Published),
    v(Meta, "v26.0", day(2027, 6, 29), Derived),
    v(Meta, "v27.0", day(2027, 10, 4), Derived),
    v(LinkedIn, "202510", day(2026, 10, 15), Published),
    v(LinkedIn, "202511", day(2026, 11, 16), Published),
    v(LinkedIn, "202601", day(2027, 1, 15), Published),
    v(LinkedIn, "202602", day(2027, 2, 15), Published),
    v(LinkedIn, "202603", day(2027, 3, 16), Published),
    v(LinkedIn, "202611", day(2027, 11, 15), Derived),
];

/// The platforms whose API versions are dated, with the setting that overrides each one's.
pub const VERSIONED: [Platform; 3] = [GoogleAds, Meta, LinkedIn];

/// The version a platform's connector sends unless configured otherwise (`None` for platforms
/// without dated versions).
pub fn default_version(platform: Platform) -> Option<&'static ApiVersion> {
    VERSIONS.iter().rev().find(|v| v.platform == platform)
}

/// Where a version stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionStatus {
    /// More than [`SUNSET_WARNING_DAYS`] to go.
    Current,
    /// Within [`SUNSET_WARNING_DAYS`] of its sunset: `days_left` days of calls remain.
    Expiring { days_left: i64 },
    /// Switched off: calls fail.
    Retired,
    /// Not a version this crate can date (newer than the table, or not of the platform's form).
    Unknown,
}

/// A configured version checked against the table on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionCheck {
    pub platform: Platform,
    pub version: String,
    /// `None` when unknown, or for a version older than every one in the table (retired earlier).
    pub sunset: Option<NaiveDate>,
    pub source: Option<DateSource>,
    pub status: VersionStatus,
}

impl VersionCheck {
    /// Whether calls with this version fail.
    pub fn is_retired(&self) -> bool {
        self.status == VersionStatus::Retired
    }
}

impl fmt::Display for VersionCheck {
    /// "Meta Ads API v23.0 was retired on 2026-06-09 (published)", "… is retired …", "… stops
    /// working on … (in 20 days, derived)".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.platform.display_name();
        let source = self.source.map(DateSource::as_str).unwrap_or("unknown");
        match (self.status, self.sunset) {
            (VersionStatus::Retired, Some(s)) => {
                write!(f, "{name} API {} was retired on {s} ({source})", self.version)
            }
            (VersionStatus::Retired, None) => write!(
                f,
                "{name} API {} is retired (older than every version spendlens knows)",
                self.version
            ),
            (VersionStatus::Expiring { days_left }, Some(s)) => write!(
                f,
                "{name} API {} stops working on {s} (in {days_left} days, {source})",
                self.version
            ),
            (VersionStatus::Current, Some(s)) => write!(
                f,
                "{name} API {} is current until {s} ({source})",
                self.version
            ),
            _ => write!(
                f,
                "{name} API {} has no known sunset date: check the platform's version schedule",
                self.version
            ),
        }
    }
}

/// The ordering key of a version of `platform`, from its text: `(major, minor)` for Google Ads
/// (`v26`) and Meta (`v27.0`), `(year, month)` for LinkedIn (`202611`, also `20261101` or
/// `202611.01`); `None` when the text is not of the platform's form.
fn key(platform: Platform, version: &str) -> Option<(u32, u32)> {
    let version = version.trim();
    match platform {
        GoogleAds => {
            let major = version.strip_prefix('v')?;
            let major = major.split('_').next()?;
            Some((major.parse().ok()?, 0))
        }
        Meta => {
            let (major, minor) = version.strip_prefix('v')?.split_once('.')?;
            Some((major.parse().ok()?, minor.parse().ok()?))
        }
        LinkedIn => {
            let digits = version.get(..6)?;
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let rest = &version[6..];
            if !(rest.is_empty()
                || rest.bytes().all(|b| b.is_ascii_digit()) && rest.len() == 2
                || rest.strip_prefix('.').is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit())))
            {
                return None;
            }
            let year: u32 = digits[..4].parse().ok()?;
            let month: u32 = digits[4..].parse().ok()?;
            (1..=12).contains(&month).then_some((year, month))
        }
        _ => None,
    }
}

/// LinkedIn's rule for a version the table does not list: the 15th of the same month a year on.
fn linkedin_derived(year: u32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()? + 1, month, 15)
}

/// The sunset of a version: from the table, else by the platform's rule. `Err(())` for a version
/// older than every one in the table (retired, date unknown); `Ok(None)` when it cannot be dated.
fn sunset_of(platform: Platform, version: &str) -> Result<Option<(NaiveDate, DateSource)>, ()> {
    let Some(wanted) = key(platform, version) else {
        return Ok(None);
    };
    let known: Vec<&ApiVersion> = VERSIONS.iter().filter(|v| v.platform == platform).collect();
    if let Some(v) = known.iter().find(|v| key(platform, v.version) == Some(wanted)) {
        return Ok(Some((v.sunset, v.source)));
    }
    if platform == LinkedIn {
        return Ok(linkedin_derived(wanted.0, wanted.1).map(|d| (d, Derived)));
    }
    let oldest = known.first().and_then(|v| key(platform, v.version));
    if oldest.is_some_and(|oldest| wanted < oldest) {
        return Err(());
    }
    Ok(None)
}

/// Where `version` of `platform` stands on `today`.
pub fn check(platform: Platform, version: &str, today: NaiveDate) -> VersionCheck {
    let (sunset, source, status) = match sunset_of(platform, version) {
        Err(()) => (None, None, VersionStatus::Retired),
        Ok(None) => (None, None, VersionStatus::Unknown),
        Ok(Some((sunset, source))) => {
            let days_left = (sunset - today).num_days();
            let status = if days_left <= 0 {
                VersionStatus::Retired
            } else if days_left <= SUNSET_WARNING_DAYS {
                VersionStatus::Expiring { days_left }
            } else {
                VersionStatus::Current
            };
            (Some(sunset), Some(source), status)
        }
    };
    VersionCheck {
        platform,
        version: version.trim().to_owned(),
        sunset,
        source,
        status,
    }
}

/// The default versions that are not current on `today` (retired, or within the warning
/// window): empty while the table's defaults are fit to ship.
pub fn outdated_defaults(today: NaiveDate) -> Vec<VersionCheck> {
    VERSIONED
        .iter()
        .filter_map(|p| default_version(*p))
        .map(|v| check(v.platform, v.version, today))
        .filter(|c| c.status != VersionStatus::Current)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    /// Fails when the table's defaults are retired, or about to be, on the day the code is
    /// checked against: 2026-12-04, the day these defaults were chosen, and the day the web
    /// suite's clock stands at.
    #[test]
    fn the_default_versions_are_current() {
        for today in ["2026-11-21", "2026-12-04"] {
            assert_eq!(outdated_defaults(d(today)), Vec::new(), "{today}");
        }
        // The check itself bites: a year and a half on, every default is retired.
        let later = outdated_defaults(d("2028-06-01"));
        assert_eq!(later.len(), 3);
        assert!(later.iter().all(VersionCheck::is_retired));
    }

    #[test]
    fn defaults_are_the_newest_of_each_platform() {
        assert_eq!(default_version(GoogleAds).map(|v| v.version), Some("v26"));
        assert_eq!(default_version(Meta).map(|v| v.version), Some("v27.0"));
        assert_eq!(default_version(LinkedIn).map(|v| v.version), Some("202611"));
        assert_eq!(default_version(Platform::Ga4), None);
        for p in VERSIONED {
            let mine: Vec<_> = VERSIONS.iter().filter(|v| v.platform == p).collect();
            for pair in mine.windows(2) {
                assert!(
                    key(p, pair[0].version) < key(p, pair[1].version),
                    "{p:?}: the table is ordered"
                );
            }
        }
    }

    #[test]
    fn versions_are_checked_against_the_day() {
        let today = d("2026-12-04");
        let retired = check(Meta, "v23.0", today);
        assert_eq!(retired.status, VersionStatus::Retired);
        assert_eq!(retired.sunset, Some(d("2026-06-09")));
        assert_eq!(
            retired.to_string(),
            "Meta Ads API v23.0 was retired on 2026-06-09 (published)"
        );
        assert!(check(Meta, "v24.0", today).is_retired());
        assert!(check(GoogleAds, "v21", today).is_retired());
        assert!(check(GoogleAds, "v22", today).is_retired());
        // Older than the table: retired, date unknown.
        assert!(check(GoogleAds, "v17", today).is_retired());
        assert!(check(Meta, "v19.0", today).is_retired());
        // The sunset day itself no longer answers.
        assert!(check(LinkedIn, "202511", d("2026-11-16")).is_retired());
        assert_eq!(
            check(LinkedIn, "202601", today).status,
            VersionStatus::Expiring { days_left: 42 }
        );
        assert_eq!(
            check(LinkedIn, "202601", today).to_string(),
            "LinkedIn Ads API 202601 stops working on 2027-01-15 (in 42 days, published)"
        );
        assert_eq!(check(Meta, "v25.0", today).status, VersionStatus::Current);
        // LinkedIn versions outside the table follow the yearly rule.
        let derived = check(LinkedIn, "202607", today);
        assert_eq!(
            (derived.sunset, derived.source),
            (Some(d("2027-07-15")), Some(Derived))
        );
        assert_eq!(check(LinkedIn, "20260701", today).sunset, Some(d("2027-07-15")));
        assert!(check(LinkedIn, "202401", today).is_retired());
        // Newer than the table, or not a version: no date, no refusal.
        assert_eq!(check(GoogleAds, "v27", today).status, VersionStatus::Unknown);
        assert_eq!(check(Meta, "latest", today).status, VersionStatus::Unknown);
        assert_eq!(check(LinkedIn, "2026-11", today).status, VersionStatus::Unknown);
        assert_eq!(check(Platform::Sheets, "v4", today).status, VersionStatus::Unknown);
    }
}
