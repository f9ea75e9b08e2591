//! Dates and moments as every page, report and sentence writes them: one form, day month year
//! (`6 Dec 2026`), which reads the same in every locale, where `12/06/2026` reads as two different
//! days. Form fields use the browser's date input, which shows the visitor's own order and sends
//! ISO 8601.

use chrono::{DateTime, NaiveDate, Utc};

/// `6 Dec 2026`.
pub fn day(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// `6 Dec 2026 09:05 UTC`.
pub fn moment(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_moments_read_day_month_year() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
        assert_eq!(day(d), "6 Dec 2026");
        let t = d.and_hms_opt(9, 5, 0).unwrap_or_default().and_utc();
        assert_eq!(moment(t), "6 Dec 2026 09:05 UTC");
    }
}
