//! The platforms' API versions and their sunset dates: which version each connector sends by
//! default, and how long a configured one keeps working.
//!
//! Google Ads (`v26` in the URL), the Meta Marketing API (`v27.0` in the URL) and the LinkedIn
//! Marketing API (`LinkedIn-Version: 202607`) each switch versions off on a published date; a
//! retired version answers every call with an error (Google Ads `UNSUPPORTED_VERSION`, Meta
//! #2635, LinkedIn 426 `NONEXISTENT_VERSION`), so a connector pinned to one stops working for
//! every user at once. GA4 (`v1beta`) and Sheets (`v4`) have no dated versions.
//!
//! Where each date comes from (read on 2026-12-05; [`DateSource`] says which kind each row is):
//! * Google Ads, published: v20 sunset 2026-06-10, v21 2026-08-05, v22 2026-10-07 (the sunset
//!   reminders on the Google Ads developer blog, developers.google.com/ads/blog, April, June and
//!   September 2026). Projected: v23 to v26 in February, May, August and November 2027 ("More
//!   frequent releases coming", the same blog, 2025-09-04; a month only, so its 1st is taken).
//!   v26 was released on 2026-10-14 and is the version the sunset page recommends starting with.
//! * Meta Marketing API, published: v22.0 expires 2026-02-19, v23.0 2026-06-09, v24.0
//!   2026-11-10, v25.0 2027-02-23 (Marketing API version history,
//!   developers.facebook.com/documentation/ads-commerce/marketing-api/marketing-api-changelog/versions).
//!   v26.0 (released 2026-07-29) and v27.0 (released 2026-11-04) are listed with expiry "TBD":
//!   derived as release + 11 months, the shortest lifetime among the published versions
//!   (v21.0: 2024-10-02 to 2025-09-09). The Graph API's own versions live longer; the insights
//!   calls are Marketing API calls, so the Marketing API dates apply.
//! * LinkedIn Marketing API, published: 202510 sunset 2026-10-15, 202511 2026-11-16, 202601
//!   2027-01-15, 202602 2027-02-15, 202603 2027-03-16 (learn.microsoft.com, LinkedIn Marketing
//!   API migrations). Every other `YYYYMM` is derived from the versioning rule ("supported for a
//!   minimum of one year"): the 15th of the same month a year on, as the published dates are.
//!   The newest version the documentation shows is 202607 (July 2026), the default. A version
//!   older than every one listed is retired, its date no longer published.
//!
//! Only a published date refuses a version (a projected or derived one may be early by days or
//! weeks, and the platform's own retired-version answer is reported as such anyway); every date
//! warns [`SUNSET_WARNING_DAYS`] ahead. Nothing here reads a clock: every check takes "today".

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
    /// As it is sent: `v26`, `v27.0`, `202607`.
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

const fn v(
    platform: Platform,
    version: &'static str,
    sunset: NaiveDate,
    source: DateSource,
) -> ApiVersion {
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
    v(LinkedIn, "202607", day(2027, 7, 15), Derived),
];

/// The platforms whose API versions are dated.
pub const VERSIONED: [Platform; 3] = [GoogleAds, Meta, LinkedIn];

/// The version a platform's connector sends unless configured otherwise (`None` for platforms
/// without dated versions).
pub fn default_version(platform: Platform) -> Option<&'static ApiVersion> {
    VERSIONS.iter().rev().find(|v| v.platform == platform)
}

/// The name of a platform's versioned API, as its documentation calls it.
pub fn api_name(platform: Platform) -> &'static str {
    match platform {
        GoogleAds => "Google Ads API",
        Meta => "Meta Marketing API",
        LinkedIn => "LinkedIn Marketing API",
        Platform::Ga4 => "Google Analytics Data API",
        Platform::Sheets => "Google Sheets API",
        Platform::CustomIntegration => "Custom Integration",
    }
}

/// Where a version stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionStatus {
    /// More than [`SUNSET_WARNING_DAYS`] to go.
    Current,
    /// Within [`SUNSET_WARNING_DAYS`] of its sunset: `days_left` days of calls remain.
    Expiring { days_left: i64 },
    /// Past its sunset day.
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
    /// Whether the version is past its sunset (a published, projected or derived one).
    pub fn is_retired(&self) -> bool {
        self.status == VersionStatus::Retired
    }

    /// Whether calls with this version must be refused: past a *published* sunset, or older than
    /// every version the table knows. A projected or derived date only warns.
    pub fn is_refused(&self) -> bool {
        self.is_retired() && matches!(self.source, None | Some(Published))
    }

    /// Whether the version deserves a warning (expiring, or past an estimated sunset).
    pub fn needs_attention(&self) -> bool {
        matches!(
            self.status,
            VersionStatus::Expiring { .. } | VersionStatus::Retired
        )
    }
}

impl fmt::Display for VersionCheck {
    /// "Meta Marketing API v23.0 was retired on 2026-06-09 (published)", "… stops working on …
    /// (in 20 days, derived)", "… is current until …".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = api_name(self.platform);
        let source = self.source.map(DateSource::as_str).unwrap_or("unknown");
        let version = &self.version;
        match (self.status, self.sunset) {
            (VersionStatus::Retired, Some(s)) if self.source == Some(Published) => {
                write!(f, "{name} {version} was retired on {s} ({source})")
            }
            (VersionStatus::Retired, Some(s)) => write!(
                f,
                "{name} {version} was expected to be retired around {s} ({source}): it may stop answering any day"
            ),
            (VersionStatus::Retired, None) => write!(
                f,
                "{name} {version} is retired (older than every version spendlens knows)"
            ),
            (VersionStatus::Expiring { days_left }, Some(s)) => write!(
                f,
                "{name} {version} stops working on {s} (in {days_left} days, {source})"
            ),
            (VersionStatus::Current, Some(s)) => {
                write!(f, "{name} {version} is current until {s} ({source})")
            }
            _ => write!(
                f,
                "{name} {version} has no known sunset date: check the platform's version schedule"
            ),
        }
    }
}

/// The ordering key of a version of `platform`, from its text: `(major, minor)` for Google Ads
/// (`v26`) and Meta (`v27.0`), `(year, month)` for LinkedIn (`202607`, also `20260701` or
/// `202607.01`); `None` when the text is not of the platform's form.
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
            let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            let revision_ok = rest.is_empty()
                || (rest.len() == 2 && all_digits(rest))
                || rest.strip_prefix('.').is_some_and(all_digits);
            if !revision_ok {
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

/// What the table says of a version.
enum Dated {
    /// Its sunset and where that date comes from.
    On(NaiveDate, DateSource),
    /// Older than every version the table knows: retired, the date unknown.
    Older,
    /// Cannot be dated (newer than the table, or not a version of the platform).
    Unknown,
}

/// The sunset of a version: from the table, else by the platform's rule.
fn sunset_of(platform: Platform, version: &str) -> Dated {
    let Some(wanted) = key(platform, version) else {
        return Dated::Unknown;
    };
    let known: Vec<&ApiVersion> = VERSIONS.iter().filter(|v| v.platform == platform).collect();
    if let Some(v) = known
        .iter()
        .find(|v| key(platform, v.version) == Some(wanted))
    {
        return Dated::On(v.sunset, v.source);
    }
    let oldest = known.first().and_then(|v| key(platform, v.version));
    if oldest.is_some_and(|oldest| wanted < oldest) {
        return Dated::Older;
    }
    if platform == LinkedIn {
        return linkedin_derived(wanted.0, wanted.1)
            .map_or(Dated::Unknown, |d| Dated::On(d, Derived));
    }
    Dated::Unknown
}

/// Where `version` of `platform` stands on `today`.
pub fn check(platform: Platform, version: &str, today: NaiveDate) -> VersionCheck {
    let (sunset, source, status) = match sunset_of(platform, version) {
        Dated::Older => (None, None, VersionStatus::Retired),
        Dated::Unknown => (None, None, VersionStatus::Unknown),
        Dated::On(sunset, source) => {
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

    /// Fails when a default version is retired, or about to be, on the day it is checked
    /// against: the month these defaults were chosen in (December 2026) and the day the web
    /// suite's clock stands at (2026-11-21). Move the defaults on when this fails.
    #[test]
    fn the_default_versions_are_current() {
        for today in ["2026-11-21", "2026-12-05", "2026-12-31"] {
            assert_eq!(outdated_defaults(d(today)), Vec::new(), "{today}");
        }
        // The check bites: a year and a half on, every default is past its sunset.
        let later = outdated_defaults(d("2028-06-01"));
        assert_eq!(later.len(), 3);
        assert!(later.iter().all(VersionCheck::is_retired));
        // Two months before the first default's sunset it warns.
        let soon = outdated_defaults(d("2027-06-01"));
        assert!(
            soon.iter()
                .any(|c| matches!(c.status, VersionStatus::Expiring { .. })),
            "{soon:?}"
        );
    }

    #[test]
    fn defaults_are_the_newest_of_each_platform() {
        assert_eq!(default_version(GoogleAds).map(|v| v.version), Some("v26"));
        assert_eq!(default_version(Meta).map(|v| v.version), Some("v27.0"));
        assert_eq!(default_version(LinkedIn).map(|v| v.version), Some("202607"));
        assert_eq!(default_version(Platform::Ga4), None);
        for p in VERSIONED {
            let mine: Vec<_> = VERSIONS.iter().filter(|v| v.platform == p).collect();
            for pair in mine.windows(2) {
                assert!(
                    key(p, pair[0].version) < key(p, pair[1].version),
                    "{p:?}: the table is ordered"
                );
                assert!(pair[0].sunset <= pair[1].sunset, "{p:?}: sunsets in order");
            }
        }
    }

    #[test]
    fn versions_are_checked_against_the_day() {
        let today = d("2026-12-05");
        let retired = check(Meta, "v23.0", today);
        assert_eq!(retired.status, VersionStatus::Retired);
        assert_eq!(retired.sunset, Some(d("2026-06-09")));
        assert!(retired.is_refused());
        assert_eq!(
            retired.to_string(),
            "Meta Marketing API v23.0 was retired on 2026-06-09 (published)"
        );
        assert!(check(Meta, "v24.0", today).is_refused());
        assert!(check(GoogleAds, "v21", today).is_refused());
        assert!(check(GoogleAds, "v22", today).is_refused());
        // Older than the table: retired, date unknown.
        assert!(check(GoogleAds, "v17", today).is_refused());
        assert!(check(Meta, "v19.0", today).is_refused());
        // The sunset day itself no longer answers.
        assert!(check(LinkedIn, "202511", d("2026-11-16")).is_refused());
        assert!(!check(LinkedIn, "202511", d("2026-11-15")).is_retired());
        assert_eq!(
            check(LinkedIn, "202601", today).status,
            VersionStatus::Expiring { days_left: 41 }
        );
        assert_eq!(
            check(LinkedIn, "202601", today).to_string(),
            "LinkedIn Marketing API 202601 stops working on 2027-01-15 (in 41 days, published)"
        );
        assert_eq!(check(Meta, "v25.0", today).status, VersionStatus::Current);
        // LinkedIn versions outside the table follow the yearly rule.
        let derived = check(LinkedIn, "202605", today);
        assert_eq!(
            (derived.sunset, derived.source),
            (Some(d("2027-05-15")), Some(Derived))
        );
        assert_eq!(
            check(LinkedIn, "20260501", today).sunset,
            Some(d("2027-05-15"))
        );
        assert!(check(LinkedIn, "202401", today).is_refused());
        // An estimated date past: a warning, not a refusal.
        let estimated = check(GoogleAds, "v23", d("2027-02-03"));
        assert!(estimated.is_retired() && !estimated.is_refused());
        assert!(
            estimated
                .to_string()
                .contains("expected to be retired around 2027-02-01"),
            "{estimated}"
        );
        // Newer than the table, or not a version: no date, no refusal.
        assert_eq!(
            check(GoogleAds, "v27", today).status,
            VersionStatus::Unknown
        );
        assert_eq!(check(Meta, "latest", today).status, VersionStatus::Unknown);
        assert_eq!(
            check(LinkedIn, "2026-11", today).status,
            VersionStatus::Unknown
        );
        assert_eq!(
            check(Platform::Sheets, "v4", today).status,
            VersionStatus::Unknown
        );
        assert!(!check(GoogleAds, "v27", today).is_refused());
    }
}
