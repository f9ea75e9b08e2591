//! RFC 3339 timestamps, parsed by hand.
//!
//! Touchpoint files have one timestamp per row, millions of rows: a dedicated parser that does no
//! allocation and no time-zone database lookup is several times faster than a general date library,
//! and the format is small enough to get exactly right (the tests cross-check it against chrono).
//! Only the instant matters here (ordering and ages), so the offset is folded into UTC at once.

/// An instant: seconds since the Unix epoch (UTC) and nanoseconds within the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

impl Timestamp {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `t`, `z` and a space for `T` are accepted as
    /// RFC 3339 allows. A leap second (`:60`) counts as the first instant of the next minute. Returns
    /// `None` for anything else, including impossible dates such as February 30.
    pub fn parse(text: &[u8]) -> Option<Self> {
        // Straight-line code over the fixed 19-byte head (one parse per touchpoint row): every digit
        // is checked with a non-short-circuit `&`, so the happy path has no branch per byte.
        let head: &[u8; 19] = text.get(..19)?.try_into().ok()?;
        let v: [u32; 19] = head.map(|c| u32::from(c.wrapping_sub(b'0')));
        let digits_ok = (v[0] < 10)
            & (v[1] < 10)
            & (v[2] < 10)
            & (v[3] < 10)
            & (v[5] < 10)
            & (v[6] < 10)
            & (v[8] < 10)
            & (v[9] < 10)
            & (v[11] < 10)
            & (v[12] < 10)
            & (v[14] < 10)
            & (v[15] < 10)
            & (v[17] < 10)
            & (v[18] < 10);
        let separators_ok = (head[4] == b'-')
            & (head[7] == b'-')
            & matches!(head[10], b'T' | b't' | b' ')
            & (head[13] == b':')
            & (head[16] == b':');
        if !(digits_ok & separators_ok) {
            return None;
        }
        let year = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
        let month = v[5] * 10 + v[6];
        let day = v[8] * 10 + v[9];
        let hour = v[11] * 10 + v[12];
        let minute = v[14] * 10 + v[15];
        let second = v[17] * 10 + v[18];
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let b = text;
        let mut at = 19;
        let mut nanos: u32 = 0;
        if b.get(at) == Some(&b'.') {
            at += 1;
            let start = at;
            let mut scale = 100_000_000u32;
            while let Some(&c) = b.get(at) {
                if !c.is_ascii_digit() {
                    break;
                }
                nanos += u32::from(c - b'0') * scale;
                scale /= 10;
                at += 1;
            }
            if at == start {
                return None;
            }
        }
        let offset_secs: i64 = match b.get(at..)? {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), rest @ ..] if rest.len() == 5 && rest[2] == b':' => {
                let oh = digits(rest, 0, 2)?;
                let om = digits(rest, 3, 2)?;
                if oh > 23 || om > 59 {
                    return None;
                }
                let magnitude = i64::from(oh * 3600 + om * 60);
                if *sign == b'+' { magnitude } else { -magnitude }
            }
            _ => return None,
        };
        let days = days_from_civil(i64::from(year), month, day);
        let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_secs;
        Some(Self { secs, nanos })
    }

    /// Parses an event log's time: RFC 3339 as [`Timestamp::parse`] reads it, or the same without
    /// an offset (`2018-07-03 13:02:11`, `2018-07-03T13:02:11.5`), read as UTC. Event logs written
    /// by pandas or a database often drop the offset; within one log only order and ages matter,
    /// and every row of it is read alike.
    pub fn parse_event_time(text: &[u8]) -> Option<Self> {
        if let Some(at) = Self::parse(text) {
            return Some(at);
        }
        // No offset: the last byte is a digit. Parse it with `Z` appended.
        let mut buf = [0u8; 48];
        let n = text.len();
        if n >= 19 && n < buf.len() && text[n - 1].is_ascii_digit() {
            buf[..n].copy_from_slice(text);
            buf[n] = b'Z';
            return Self::parse(&buf[..=n]);
        }
        None
    }

    /// The instant from Unix seconds and nanoseconds (nanos above a second carry over).
    pub fn from_unix(secs: i64, nanos: u32) -> Self {
        Self {
            secs: secs.saturating_add(i64::from(nanos / 1_000_000_000)),
            nanos: nanos % 1_000_000_000,
        }
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.secs
    }

    /// Nanoseconds within the second.
    pub fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// Days from `earlier` to `self` (negative if `earlier` is later): the age of a touch at a
    /// conversion, for time decay.
    pub fn days_since(self, earlier: Self) -> f64 {
        #[allow(clippy::cast_precision_loss)] // spans of centuries are exact to the microsecond
        let secs = (self.secs - earlier.secs) as f64;
        let nanos = f64::from(self.nanos) - f64::from(earlier.nanos);
        (secs + nanos * 1e-9) / 86_400.0
    }
}

impl std::fmt::Display for Timestamp {
    /// RFC 3339 in UTC (`Z`), with nanoseconds only when there are any.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let days = self.secs.div_euclid(86_400);
        let rest = self.secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            rest / 3600,
            rest / 60 % 60,
            rest % 60
        )?;
        if self.nanos > 0 {
            write!(f, ".{:09}", self.nanos)?;
        }
        f.write_str("Z")
    }
}

fn digits(b: &[u8], at: usize, len: usize) -> Option<u32> {
    let mut value = 0u32;
    for &c in b.get(at..at + len)? {
        if !c.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(c - b'0');
    }
    Some(value)
}

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_times_without_an_offset_are_utc() {
        let at = |t: &str| Timestamp::parse_event_time(t.as_bytes()).map(|t| t.to_string());
        assert_eq!(
            at("2018-07-03T13:02:11Z").as_deref(),
            Some("2018-07-03T13:02:11Z")
        );
        assert_eq!(
            at("2018-07-03 13:02:11").as_deref(),
            Some("2018-07-03T13:02:11Z")
        );
        assert_eq!(
            at("2018-07-03T13:02:11.25").as_deref(),
            Some("2018-07-03T13:02:11.250000000Z")
        );
        assert_eq!(
            at("2018-07-03T15:02:11+02:00").as_deref(),
            Some("2018-07-03T13:02:11Z")
        );
        assert_eq!(at("2018-07-03"), None);
        assert_eq!(at("03/07/2018 13:02:11"), None);
        assert_eq!(at("2018-02-30 13:02:11"), None);
    }

    fn check(text: &str, expected: Option<(i64, u32)>) {
        let got = Timestamp::parse(text.as_bytes()).map(|t| (t.unix_seconds(), t.subsec_nanos()));
        assert_eq!(got, expected, "{text}");
    }

    #[test]
    fn parses_the_forms_rfc3339_allows() {
        check("1970-01-01T00:00:00Z", Some((0, 0)));
        check("2026-11-21T15:02:33Z", Some((1_795_273_353, 0)));
        check("2026-11-21t15:02:33z", Some((1_795_273_353, 0)));
        check("2026-11-21 15:02:33Z", Some((1_795_273_353, 0)));
        check("2026-11-21T16:02:33+01:00", Some((1_795_273_353, 0)));
        check("2026-11-21T10:02:33-05:00", Some((1_795_273_353, 0)));
        check(
            "2026-11-21T15:02:33.25Z",
            Some((1_795_273_353, 250_000_000)),
        );
        check("2024-02-29T00:00:00Z", Some((1_709_164_800, 0)));
        check("1969-12-31T23:59:59Z", Some((-1, 0)));
    }

    #[test]
    fn rejects_what_it_does_not_allow() {
        for bad in [
            "",
            "2026-11-21",
            "2026-11-21T15:02:33",
            "2026-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2026-11-31T00:00:00Z",
            "2026-11-21T24:00:00Z",
            "2026-11-21T15:02:33.Z",
            "2026-11-21T15:02:33+0100",
            "2026-11-21T15:02:33Z ",
            "2026/11/21T15:02:33Z",
            "２026-11-21T15:02:33Z",
        ] {
            check(bad, None);
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:59Z",
            "2026-11-21T15:02:33.250000000Z",
            "1900-03-01T00:00:00Z",
        ] {
            let t = Timestamp::parse(text.as_bytes()).expect("parses");
            assert_eq!(t.to_string(), text);
        }
    }

    fn chrono(text: &str) -> Option<(i64, u32)> {
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| (t.timestamp(), t.timestamp_subsec_nanos()))
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_chrono_on_valid_timestamps(
            year in 1900u32..2200, month in 1u32..=12, day in 1u32..=31,
            hour in 0u32..24, minute in 0u32..60, second in 0u32..60,
            fraction in proptest::option::of("[0-9]{1,9}"),
            offset in proptest::option::of((proptest::bool::ANY, 0u32..24, 0u32..60)),
        ) {
            let fraction = fraction.map_or(String::new(), |f| format!(".{f}"));
            let offset = offset.map_or("Z".to_owned(), |(plus, h, m)| format!("{}{h:02}:{m:02}", if plus { '+' } else { '-' }));
            let text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{offset}");
            let ours = Timestamp::parse(text.as_bytes()).map(|t| (t.unix_seconds(), t.subsec_nanos()));
            proptest::prop_assert_eq!(ours, chrono(&text), "{}", text);
        }

        #[test]
        fn accepts_nothing_chrono_rejects(text in "[0-9T:Z+\\-. ]{0,30}") {
            if let Some(t) = Timestamp::parse(text.as_bytes()) {
                let normalised = text.replacen(' ', "T", 1);
                proptest::prop_assert_eq!(Some((t.unix_seconds(), t.subsec_nanos())), chrono(&normalised), "{}", text);
            }
        }
    }

    #[test]
    fn days_since_counts_fractions() {
        let a = Timestamp::from_unix(0, 0);
        let b = Timestamp::from_unix(86_400 + 43_200, 0);
        assert!((b.days_since(a) - 1.5).abs() < 1e-12);
        assert!((a.days_since(b) + 1.5).abs() < 1e-12);
    }
}
