//! Rows that cover a period instead of one day: a Google Ads "Campaign report" without a Day
//! column, Meta rows whose `Reporting starts` and `Reporting ends` differ, a LinkedIn report whose
//! every row is dated at the report's start. Such a row is never booked on one day silently (a
//! 90-day total on its first day makes pacing wrong by the whole period): the file is refused
//! with the two ways forward, or each row is spread evenly over its days, or booked on one day the
//! user names ([`PeriodChoice`]).
//!
//! The period comes from the row itself (Meta), else from the lines above the header (Google Ads'
//! `June 1, 2024 - June 30, 2024`, LinkedIn's `Report Start: …` and `Report End: …`), else from
//! the user (`--from/--to`). A spread is exact: the row's cents (and its counts) are divided into
//! whole units, the remainder given one unit a day from the first day, so the days add up to the
//! row to the cent.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::DailyRow;

use crate::date::{self, DateOrder};
use crate::error::Problems;
use crate::model::PeriodChoice;

use super::RawRow;

/// The most rows a spread may produce: a few thousand campaigns over a few years, far beyond a
/// real export, well within the memory budget of one parse.
const MAX_SPREAD_ROWS: usize = 2_000_000;

/// The period the lines above a header state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stated {
    /// First and last day.
    Range(NaiveDate, NaiveDate),
    /// `All time`: a period without dates.
    AllTime,
    /// Nothing said.
    Nothing,
}

/// A date as a preamble writes it: `June 1, 2024`, `27 June 2026`, `6/1/2024`,
/// `December 6, 2025, 12:00 AM` (the time is dropped).
fn loose_date(text: &str, order: DateOrder) -> Option<NaiveDate> {
    let t = text
        .trim()
        .trim_matches(|c: char| c == '"' || c == ',' || c.is_whitespace());
    if let Ok(d) = date::parse_date(t, order) {
        return Some(d);
    }
    // Drop a trailing time (`, 12:00 AM`, ` 00:00`).
    let cut = t.rfind([',', ' ']).filter(|&i| {
        let tail = t[i + 1..].trim();
        tail.contains(':') || tail.eq_ignore_ascii_case("am") || tail.eq_ignore_ascii_case("pm")
    })?;
    loose_date(&t[..cut], order)
}

/// Finds `label` (case-insensitive) in `text` and reads the date after it, up to `stop`.
fn labelled(text: &str, label: &str, stop: &str, order: DateOrder) -> Option<NaiveDate> {
    let lower = text.to_lowercase();
    let at = lower.find(label)? + label.len();
    let rest = &text[at..];
    let end = rest.to_lowercase().find(stop).unwrap_or(rest.len());
    loose_date(&rest[..end], order)
}

/// The period stated by the rows above the header (`preamble`).
pub(crate) fn stated_period(preamble: &[&RawRow], order: DateOrder) -> Stated {
    let (mut start, mut end) = (None, None);
    for raw in preamble {
        let text = raw.cells.join(",");
        let lower = text.trim().to_lowercase();
        if lower.trim_matches('"') == "all time" {
            return Stated::AllTime;
        }
        if lower.contains("report start:") || lower.contains("report end:") {
            start = start.or_else(|| labelled(&text, "report start:", "report end", order));
            end = end.or_else(|| labelled(&text, "report end:", "date generated", order));
            continue;
        }
        for sep in [" - ", " – ", " — "] {
            if let Some((a, b)) = text.split_once(sep)
                && let (Some(a), Some(b)) = (loose_date(a, order), loose_date(b, order))
                && a <= b
            {
                return Stated::Range(a, b);
            }
        }
    }
    match (start, end) {
        (Some(a), Some(b)) if a <= b => Stated::Range(a, b),
        (Some(a), None) => Stated::Range(a, a),
        _ => Stated::Nothing,
    }
}

/// The month a `Month` cell names: `Jan-26` (Google Ads), `Jan 2026`, `January 2026`,
/// `2026-01`, or a day of it (`2026-01-01`); `None` for anything else.
pub(crate) fn month_of(text: &str) -> Option<(i32, u32)> {
    let t = text.trim();
    if let Some((y, m)) = t.split_once('-')
        && y.len() == 4
        && let (Ok(y), Ok(m)) = (y.parse::<i32>(), m.get(..2).unwrap_or(m).parse::<u32>())
        && (1..=12).contains(&m)
    {
        return Some((y, m));
    }
    let (name, year) = t.split_once(['-', ' ', '/'])?;
    let month = date::month_from_name(name)?;
    let year = year.trim();
    let year = match year.len() {
        2 => 2000 + year.parse::<i32>().ok()?,
        4 => year.parse::<i32>().ok()?,
        _ => return None,
    };
    Some((year, month))
}

/// The days a row of a `Month` column covers: its month, within the period the file states
/// (`within`); an error for a cell that names no month or a month outside that period.
pub(crate) fn month_period(
    text: &str,
    within: Option<(NaiveDate, NaiveDate)>,
) -> Result<(NaiveDate, NaiveDate), String> {
    let bad = || {
        format!(
            "expected a month such as Jan-26, January 2026 or 2026-01, found \"{}\"",
            text.trim()
        )
    };
    let (y, m) = month_of(text).ok_or_else(bad)?;
    let first = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .ok_or_else(bad)?;
    let Some((from, to)) = within else {
        return Ok((first, last));
    };
    let (a, b) = (first.max(from), last.min(to));
    if a > b {
        return Err(format!(
            "the month {y:04}-{m:02} is outside the report's period, {} to {}",
            date::describe(from),
            date::describe(to)
        ));
    }
    Ok((a, b))
}

/// A row read from the file with the period it covers (`None`: the row's own day).
#[derive(Debug, Clone)]
pub(crate) struct Dated {
    pub(crate) row: u64,
    pub(crate) daily: DailyRow,
    pub(crate) period: Option<(NaiveDate, NaiveDate)>,
    /// The campaign's own start date, when the file has that column: a spread starts no earlier.
    pub(crate) campaign_start: Option<NaiveDate>,
}

/// The message refusing period rows: what the rows are and the two ways forward. `periods` are
/// the periods of the rows refused, `first`'s first.
fn refusal(first: &Dated, periods: &[&Dated]) -> String {
    let (a, b) = first.period.unwrap_or((first.daily.date, first.daily.date));
    let count = periods.len();
    let covers = if periods.iter().all(|d| d.period == first.period) {
        format!("each cover {} to {}", date::describe(a), date::describe(b))
    } else {
        format!(
            "each cover a period of several days (this one {} to {})",
            date::describe(a),
            date::describe(b)
        )
    };
    format!(
        "{count} row(s) from this row on {covers} (a total for the period, not one day); \
         spendlens does not book a period on one day by itself. Choose one: spread each row evenly \
         over its days (`--spread`, or \"Spread over the period\" on the upload page), or book every \
         row on one date (`--book-on DATE`); or export the report again with a Day breakdown"
    )
}

/// Books the period rows as `choice` says; daily rows pass unchanged. Notes say what was done.
pub(crate) fn settle(
    rows: Vec<Dated>,
    choice: PeriodChoice,
    problems: &mut Problems,
    notes: &mut Vec<String>,
) -> Vec<(u64, DailyRow)> {
    let periods: Vec<&Dated> = rows.iter().filter(|d| d.period.is_some()).collect();
    if choice != PeriodChoice::Refuse {
        notes.extend(overlap_note(&rows, &periods));
    }
    if let Some(first) = periods.first() {
        match choice {
            PeriodChoice::Refuse => {
                problems.at(first.row, None, refusal(first, &periods));
                return Vec::new();
            }
            PeriodChoice::BookOn(day) => notes.push(format!(
                "{} row(s) covering a period were booked on {} as asked",
                periods.len(),
                date::describe(day)
            )),
            PeriodChoice::Spread => notes.push(format!(
                "{} row(s) covering a period were spread evenly over their days (cents and counts \
                 distributed so the sums are exact)",
                periods.len()
            )),
        }
    }
    let mut out = Vec::new();
    for d in rows {
        let Some((start, end)) = d.period else {
            out.push((d.row, d.daily));
            continue;
        };
        match choice {
            PeriodChoice::Refuse => {}
            PeriodChoice::BookOn(day) => {
                let mut daily = d.daily;
                daily.date = day;
                out.push((d.row, daily));
            }
            PeriodChoice::Spread => {
                let from = d
                    .campaign_start
                    .filter(|s| *s > start && *s <= end)
                    .unwrap_or(start);
                let days: Vec<NaiveDate> = from.iter_days().take_while(|x| *x <= end).collect();
                if out.len() + days.len() > MAX_SPREAD_ROWS {
                    problems.at(
                        d.row,
                        None,
                        format!(
                            "spreading this file gives more than {MAX_SPREAD_ROWS} daily rows; give a \
                             shorter period or book it on one day"
                        ),
                    );
                    return Vec::new();
                }
                out.extend(spread(&d.daily, &days).into_iter().map(|r| (d.row, r)));
            }
        }
    }
    out
}

/// A note when a row covering a period and a row of one of its days are of the same platform
/// and campaign: both are counted, which doubles that day if the period's total already holds
/// it (a report exported with and without a Day breakdown, pasted together).
fn overlap_note(rows: &[Dated], periods: &[&Dated]) -> Option<String> {
    let key = |d: &Dated| (d.daily.platform, d.daily.external_campaign_id.clone());
    let mut days: std::collections::HashMap<_, Vec<(NaiveDate, u64)>> =
        std::collections::HashMap::new();
    for d in rows.iter().filter(|d| d.period.is_none()) {
        days.entry(key(d)).or_default().push((d.daily.date, d.row));
    }
    let mut found = periods.iter().filter_map(|p| {
        let (start, end) = p.period?;
        days.get(&key(p))?
            .iter()
            .find(|(day, _)| (start..=end).contains(day))
            .map(|(day, row)| (p, *day, *row))
    });
    let (p, day, row) = found.next()?;
    let more = found.count();
    let (start, end) = p.period.unwrap_or((day, day));
    let others = match more {
        0 => String::new(),
        1 => " (and 1 more such pair)".to_owned(),
        n => format!(" (and {n} more such pairs)"),
    };
    Some(format!(
        "row {} covers {} to {} and row {row} is {} of the same platform and campaign: both are \
         counted{others}; if the period's total already holds that day, remove one of them",
        p.row,
        date::describe(start),
        date::describe(end),
        date::describe(day)
    ))
}

/// `total` split into `n` parts of whole units at `scale` decimals, the remainder one unit each
/// to the first parts: the parts add up to `total` exactly.
fn split_decimal(total: Decimal, scale: u32, n: usize) -> Vec<Decimal> {
    let mut t = total;
    t.rescale(scale);
    let units = t.mantissa();
    let n_i = i128::try_from(n.max(1)).unwrap_or(1);
    let (base, rem) = (units / n_i, units % n_i);
    (0..n_i)
        .map(|i| Decimal::from_i128_with_scale(base + i128::from(i < rem), scale))
        .collect()
}

fn split_count(total: u64, n: usize) -> Vec<u64> {
    let n = u64::try_from(n.max(1)).unwrap_or(1);
    let (base, rem) = (total / n, total % n);
    (0..n).map(|i| base + u64::from(i < rem)).collect()
}

/// The scale a count-like decimal is split at: whole numbers stay whole, `14.5` goes by tenths.
fn count_scale(v: Decimal) -> u32 {
    v.normalize().scale()
}

/// One row per day of `days`, the row's money, counts and conversions divided exactly.
pub(crate) fn spread(row: &DailyRow, days: &[NaiveDate]) -> Vec<DailyRow> {
    let n = days.len();
    let spend = split_decimal(row.spend, row.spend.scale().max(2), n);
    let value = row
        .conversion_value
        .map(|v| split_decimal(v, v.scale().max(2), n));
    let revenue = row.revenue.map(|v| split_decimal(v, v.scale().max(2), n));
    let conversions = split_decimal(row.conversions, count_scale(row.conversions), n);
    let impressions = split_count(row.impressions, n);
    let engagements = split_count(row.engagements, n);
    let clicks = split_count(row.clicks, n);
    days.iter()
        .enumerate()
        .map(|(i, day)| {
            let mut r = row.clone();
            r.date = *day;
            r.spend = spend[i];
            r.conversion_value = value.as_ref().map(|v| v[i]);
            r.revenue = revenue.as_ref().map(|v| v[i]);
            r.conversions = conversions[i];
            r.impressions = impressions[i];
            r.engagements = engagements[i];
            r.clicks = clicks[i];
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::tests::rows;
    use rust_decimal_macros::dec;
    use spendlens_core::Platform;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn preambles_state_periods() {
        let order = DateOrder::MonthFirst;
        let t = rows(&[&["Campaign report"], &["June 1, 2024 - June 30, 2024"]]);
        let refs: Vec<&RawRow> = t.iter().collect();
        assert_eq!(
            stated_period(&refs, order),
            Stated::Range(d(2024, 6, 1), d(2024, 6, 30))
        );
        let t = rows(&[
            &["Campaign report"],
            &["27 January 2026 - 23 February 2026"],
        ]);
        let refs: Vec<&RawRow> = t.iter().collect();
        assert_eq!(
            stated_period(&refs, order),
            Stated::Range(d(2026, 1, 27), d(2026, 2, 23))
        );
        let t = rows(&[&["Campaign report"], &["All time"]]);
        let refs: Vec<&RawRow> = t.iter().collect();
        assert_eq!(stated_period(&refs, order), Stated::AllTime);
        let t = rows(&[
            &["Campaign Performance Report (in UTC)"],
            &["Report Start: December 6, 2025, 12:00 AM"],
            &["Report End: March 5, 2026, 11:59 PM"],
            &["Date Generated: March 6, 2026, 9:12 AM"],
        ]);
        let refs: Vec<&RawRow> = t.iter().collect();
        assert_eq!(
            stated_period(&refs, order),
            Stated::Range(d(2025, 12, 6), d(2026, 3, 5))
        );
        let t = rows(&[&["Report Start: 6/1/2024", " Report End: 6/2/2024"]]);
        let refs: Vec<&RawRow> = t.iter().collect();
        assert_eq!(
            stated_period(&refs, order),
            Stated::Range(d(2024, 6, 1), d(2024, 6, 2))
        );
    }

    #[test]
    fn month_cells_name_their_month_within_the_report() {
        for (text, want) in [
            ("Jan-26", (2026, 1)),
            ("Dec-25", (2025, 12)),
            ("January 2026", (2026, 1)),
            ("Sept 2025", (2025, 9)),
            ("2026-02", (2026, 2)),
            ("2026-02-01", (2026, 2)),
        ] {
            assert_eq!(month_of(text), Some(want), "{text}");
        }
        for text in ["--", "", "Total: Campaigns", "13-2026", "2026-13", "Jan"] {
            assert_eq!(month_of(text), None, "{text}");
        }
        assert_eq!(
            month_period("Feb-24", None),
            Ok((d(2024, 2, 1), d(2024, 2, 29)))
        );
        // A report from 15 January: its January row covers the 15th to the 31st.
        let within = Some((d(2026, 1, 15), d(2026, 5, 20)));
        assert_eq!(
            month_period("Jan-26", within),
            Ok((d(2026, 1, 15), d(2026, 1, 31)))
        );
        assert_eq!(
            month_period("May-26", within),
            Ok((d(2026, 5, 1), d(2026, 5, 20)))
        );
        assert!(month_period("Jun-26", within).is_err());
        assert!(month_period(" --", within).is_err());
    }

    #[test]
    fn spreads_are_exact_to_the_cent() {
        let mut row = DailyRow::empty(d(2025, 12, 6), Platform::LinkedIn, "c");
        row.spend = dec!(340.12);
        row.impressions = 25_881;
        row.conversions = dec!(7);
        row.conversion_value = Some(dec!(100));
        let days: Vec<NaiveDate> = d(2025, 12, 6).iter_days().take(90).collect();
        let out = spread(&row, &days);
        assert_eq!(out.len(), 90);
        assert_eq!(out.iter().map(|r| r.spend).sum::<Decimal>(), dec!(340.12));
        assert_eq!(out[0].spend, dec!(3.78));
        assert_eq!(out[89].spend, dec!(3.77));
        assert_eq!(out.iter().map(|r| r.impressions).sum::<u64>(), 25_881);
        assert_eq!(out.iter().map(|r| r.conversions).sum::<Decimal>(), dec!(7));
        assert!(out.iter().all(|r| r.conversions.fract().is_zero()));
        assert_eq!(
            out.iter()
                .filter_map(|r| r.conversion_value)
                .sum::<Decimal>(),
            dec!(100)
        );
    }
}
