//! The period a table row (or a column of a metrics-as-rows table) stands for, from its label as
//! agencies write it: a day (`2024-06-03`, `03.06.2024`), a range (`Jun 3 – Jun 9, 2024`,
//! `3–9 June 2024`, `03.06. - 09.06.2024`), a week (`2024-W23`, `Week 23, 2024`, `Week of Jun 3,
//! 2024`, a date under a `Week` heading), or a month (`June 2024`, `2024-06`). A label without a
//! year takes the one of the reporting period the report states; `Week 1`, `Week 2`... that is no
//! calendar week of that period counts weeks from its first day. Anything else is no period.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::date::{self, DateOrder};

/// What dates in a report are read with.
#[derive(Debug, Clone, Copy)]
pub(super) struct Dates {
    pub(super) order: DateOrder,
    /// The reporting period the report states.
    pub(super) stated: Option<(NaiveDate, NaiveDate)>,
}

/// The period a label names, with a note when the reading is not plain from the label (a week
/// counted from the reporting period's start).
pub(super) fn period_of(
    label: &str,
    heading: &str,
    dates: &Dates,
) -> Option<((NaiveDate, NaiveDate), Option<String>)> {
    let t = label.trim().trim_end_matches([':', ',']).trim();
    if t.is_empty() {
        return None;
    }
    // `Week 1 (Jun 3 - Jun 9)`: the dates in parentheses say more than the words around them.
    if let Some((_, inner)) = t.split_once('(')
        && let Some((inner, _)) = inner.split_once(')')
        && let Some(found) = period_of(inner, heading, dates)
    {
        return Some(found);
    }
    // ASCII lower case keeps byte offsets, so `t` can be cut where `lower` matched.
    let lower = t.to_ascii_lowercase();
    let heading = heading.to_lowercase();
    for prefix in [
        "week of ",
        "week starting ",
        "week beginning ",
        "week commencing ",
        "w/c ",
        "wk of ",
    ] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            let d = day_with_year(t.get(t.len() - rest.len()..)?, None, dates)?;
            return Some(((d, d + Days::new(6)), None));
        }
    }
    if let Some(week) = week(&lower, dates) {
        return Some(week);
    }
    // Before a single day: a date reader takes `2024-06-03 to 2024-06-09` for its first day.
    if let Some(span) = range(t, dates) {
        return Some((span, None));
    }
    if let Some(d) = day_with_year(t, None, dates) {
        let period = if heading.contains("week") {
            (d, d + Days::new(6))
        } else if heading.contains("month") {
            month_span(d.year(), d.month())?
        } else {
            (d, d)
        };
        return Some((period, None));
    }
    month(t, dates).map(|m| (m, None))
}

/// The years a date without one may be in: the stated period's.
fn stated_years(dates: &Dates) -> Vec<i32> {
    match dates.stated {
        Some((a, b)) if a.year() != b.year() => vec![a.year(), b.year()],
        Some((a, _)) => vec![a.year()],
        None => Vec::new(),
    }
}

/// A day, completed with `year` (or a year of the stated period, the one that puts the day
/// inside it) when the text has none.
fn day_with_year(text: &str, year: Option<i32>, dates: &Dates) -> Option<NaiveDate> {
    let t = text.trim().trim_matches(',').trim();
    if t.is_empty() || !t.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    if let Ok(d) = date::parse_date(t, dates.order) {
        return Some(d);
    }
    let years = year.map_or_else(|| stated_years(dates), |y| vec![y]);
    let mut found = None;
    for y in years {
        let bare = t.trim_end_matches('.');
        let tries = [
            format!("{t} {y}"),
            format!("{t}, {y}"),
            format!("{bare}.{y}"),
            format!("{t}/{y}"),
        ];
        let Some(d) = tries
            .iter()
            .find_map(|s| date::parse_date(s, dates.order).ok())
        else {
            continue;
        };
        let inside = dates.stated.is_none_or(|(a, b)| a <= d && d <= b);
        if found.is_none() || inside {
            found = Some(d);
        }
    }
    found
}

/// `Jun 3 – Jun 9, 2024`, `3 - 9 June 2024`, `Jun 3 - 9, 2024`, `2024-06-03 to 2024-06-09`.
fn range(t: &str, dates: &Dates) -> Option<(NaiveDate, NaiveDate)> {
    let mut splits: Vec<(&str, &str)> = [" – ", " — ", " - ", " to ", " bis ", "–", "—"]
        .iter()
        .filter_map(|sep| t.split_once(sep))
        .collect();
    // `03.06.2024-09.06.2024`: a hyphen with a whole date on each side.
    splits.extend(
        t.match_indices('-')
            .map(|(i, _)| (&t[..i], &t[i + 1..]))
            .filter(|(a, b)| a.len() >= 8 && b.len() >= 8),
    );
    for (a, b) in splits {
        let (a, b) = (a.trim(), b.trim());
        // The right side first: it usually carries the year (and the month, for `3 - 9 June`).
        let right = day_with_year(b, None, dates).or_else(|| {
            let month = a
                .split_whitespace()
                .find(|w| date::month_from_name(w).is_some())?;
            day_with_year(&format!("{month} {b}"), None, dates)
        });
        let Some(end) = right else { continue };
        let start = day_with_year(a, Some(end.year()), dates).or_else(|| {
            let day: u32 = a.trim_end_matches('.').parse().ok()?;
            NaiveDate::from_ymd_opt(end.year(), end.month(), day)
        });
        // A range across the new year written without the first year (`Dec 30 – Jan 5, 2025`).
        let start = match start {
            Some(s) if s > end => s.with_year(s.year() - 1),
            s => s,
        };
        if let Some(start) = start
            && start <= end
            && (end - start).num_days() < 400
        {
            return Some((start, end));
        }
    }
    None
}

/// The first and last day of a month.
fn month_span(year: i32, month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = first.checked_add_months(chrono::Months::new(1))?;
    Some((first, next.pred_opt()?))
}

/// `June 2024`, `Jun. 2024`, `2024-06`, `06/2024`, `June` (in the stated period's year).
fn month(t: &str, dates: &Dates) -> Option<(NaiveDate, NaiveDate)> {
    let words: Vec<&str> = t
        .split([' ', ',', '/', '-'])
        .filter(|w| !w.is_empty())
        .collect();
    let (month, year) = match words.as_slice() {
        [m] => (date::month_from_name(m)?, None),
        [a, b] => match (date::month_from_name(a), b.parse::<i32>()) {
            (Some(m), Ok(y)) if b.len() == 4 => (m, Some(y)),
            _ => {
                let (x, y) = (a.parse::<u32>().ok()?, b.parse::<u32>().ok()?);
                match (a.len(), b.len()) {
                    (4, 1..=2) => (y, i32::try_from(x).ok()),
                    (1..=2, 4) => (x, i32::try_from(y).ok()),
                    _ => return None,
                }
            }
        },
        _ => return None,
    };
    let year = match year {
        Some(y) => y,
        None => *stated_years(dates).first()?,
    };
    let span = month_span(year, month)?;
    date::parse_date(&span.0.to_string(), DateOrder::MonthFirst).ok()?;
    Some(span)
}

/// `2024-W23`, `W23 2024`, `Week 23, 2024`, `KW 23/2024`, `Week 23`, `Week 2`.
fn week(lower: &str, dates: &Dates) -> Option<((NaiveDate, NaiveDate), Option<String>)> {
    let words: Vec<&str> = lower
        .split([' ', ',', '/', '(', ')'])
        .filter(|w| !w.is_empty())
        .collect();
    let number = |w: &str| w.parse::<u32>().ok().filter(|n| (1..=53).contains(n));
    let (n, year) = match words.as_slice() {
        [w] if w.len() == 8 && w.as_bytes().get(4..6) == Some(b"-w") => {
            (number(&w[6..])?, w[..4].parse::<i32>().ok())
        }
        [w, rest @ ..] => {
            let n =
                ["week", "wk", "kw", "cw", "w"]
                    .iter()
                    .find_map(|p| match w.strip_prefix(p) {
                        Some("") => rest.first().and_then(|x| number(x)),
                        Some(digits) => number(digits),
                        None => None,
                    })?;
            let tail = if w.len() > 4 || w.chars().any(|c| c.is_ascii_digit()) {
                rest
            } else {
                rest.get(1..).unwrap_or_default()
            };
            match tail {
                [] => (n, None),
                [y] if y.len() == 4 => (n, y.parse().ok()),
                _ => return None,
            }
        }
        _ => return None,
    };
    if let Some(y) = year {
        let monday = NaiveDate::from_isoywd_opt(y, n, Weekday::Mon)?;
        return Some(((monday, monday + Days::new(6)), None));
    }
    let (start, end) = dates.stated?;
    let calendar = [start.year(), end.year()].into_iter().find_map(|y| {
        let monday = NaiveDate::from_isoywd_opt(y, n, Weekday::Mon)?;
        let sunday = monday + Days::new(6);
        (monday <= end && sunday >= start).then_some((monday, sunday))
    });
    if let Some(span) = calendar {
        return Some((span, None));
    }
    // `Week 1`, `Week 2`... of the reporting period: seven days at a time from its first day.
    let first = start.checked_add_days(Days::new(7 * u64::from(n - 1)))?;
    if first > end {
        return None;
    }
    let last = (first + Days::new(6)).min(end);
    Some((
        (first, last),
        Some(format!(
            "week {n} counted from the reporting period's first day: {} to {}",
            date::describe(first),
            date::describe(last)
        )),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn check(
        label: &str,
        heading: &str,
        stated: Option<(NaiveDate, NaiveDate)>,
    ) -> Option<(NaiveDate, NaiveDate)> {
        let dates = Dates {
            order: DateOrder::DayFirst,
            stated,
        };
        period_of(label, heading, &dates).map(|(p, _)| p)
    }

    #[test]
    fn labels_name_their_periods() {
        let june = Some((d(2024, 6, 1), d(2024, 6, 30)));
        let week = Some((d(2024, 6, 3), d(2024, 6, 9)));
        assert_eq!(check("Jun 3 – Jun 9, 2024", "Week", None), week);
        assert_eq!(check("3 - 9 June 2024", "", None), week);
        assert_eq!(check("Jun 3 - 9, 2024", "", None), week);
        assert_eq!(check("03.06. - 09.06.2024", "Woche", None), week);
        assert_eq!(check("03.06.2024-09.06.2024", "", None), week);
        assert_eq!(check("2024-06-03 to 2024-06-09", "", None), week);
        assert_eq!(check("Jun 3 – Jun 9", "", june), week);
        assert_eq!(check("2024-W23", "", None), week);
        assert_eq!(check("Week 23, 2024", "", None), week);
        assert_eq!(check("KW 23/2024", "", None), week);
        assert_eq!(check("Week 23", "", june), week);
        assert_eq!(check("Week of Jun 3, 2024", "", None), week);
        assert_eq!(check("2024-06-03", "Week starting", None), week);
        assert_eq!(
            check("03/06/2024", "Date", None),
            Some((d(2024, 6, 3), d(2024, 6, 3)))
        );
        assert_eq!(check("June 2024", "Month", None), june);
        assert_eq!(check("2024-06", "", None), june);
        assert_eq!(
            check("Dec 30 – Jan 5, 2025", "", None),
            Some((d(2024, 12, 30), d(2025, 1, 5)))
        );
        assert_eq!(
            check("Week 2", "", june),
            Some((d(2024, 6, 8), d(2024, 6, 14)))
        );
        assert_eq!(check("Week 2", "", None), None);
        assert_eq!(check("Week 1 (Jun 3 - Jun 9)", "", june), week);
        assert_eq!(check("Brand - Search", "Campaign", june), None);
        assert_eq!(check("Total", "", june), None);
    }
}
