//! The level of detail of an export below one row per day and campaign: ad sets, ads (LinkedIn
//! creatives) and breakdowns (age, gender, placement, audience segments, region). Such rows are
//! summed into one row per day, platform and campaign, and the level is said in the notes so the
//! import record keeps it.

use foldhash::HashMap;
use foldhash::HashMapExt as _;
use std::hash::BuildHasher as _;

use super::header::Plan;
use super::period::Dated;
use crate::error::Problems;
use crate::model::Field;

/// Headers naming an entity below the campaign, with the level they mean.
const LEVELS: [(&str, &str); 10] = [
    ("ad name", "ad"),
    ("ad id", "ad"),
    ("creative name", "ad"),
    ("creative id", "ad"),
    ("creative", "ad"),
    ("ad set name", "ad set"),
    ("ad set id", "ad set"),
    ("ad set", "ad set"),
    ("ad group", "ad group"),
    ("ad group name", "ad group"),
];

/// Breakdown headers: each value of these splits a day's campaign row into several.
const BREAKDOWNS: [&str; 14] = [
    "age",
    "gender",
    "audience segments",
    "placement",
    "platform",
    "device platform",
    "impression device",
    "region",
    "country",
    "dma region",
    "business locations",
    "time of day (ad account time zone)",
    "time of day (viewer's time zone)",
    "position",
];

/// What lies below the campaign in an export: the finest entity level and the breakdowns.
#[derive(Debug, Clone, Default)]
pub(crate) struct Detail {
    pub(crate) level: Option<&'static str>,
    pub(crate) breakdowns: Vec<String>,
}

impl Detail {
    /// Whether several rows of one day and campaign are expected (and summed).
    pub(crate) fn sums(&self) -> bool {
        self.level.is_some() || !self.breakdowns.is_empty()
    }

    /// The level for the notes: `ad set level, by Age, Gender`.
    pub(crate) fn describe(&self) -> String {
        let mut s = format!("{} level", self.level.unwrap_or("campaign"));
        if !self.breakdowns.is_empty() {
            s.push_str(", by ");
            s.push_str(&self.breakdowns.join(", "));
        }
        s
    }
}

/// The detail of a header row: columns not mapped to a field that name a lower level or a
/// breakdown. An ad-set name standing in for the campaign is the campaign, not a detail.
/// `platform_fixed`: the file's platform is known, so a `Platform` column is Meta's breakdown
/// (Facebook, Instagram), not the row's platform.
pub(crate) fn detail(plan: &Plan, platform_fixed: bool) -> Detail {
    let mapped: Vec<usize> = plan
        .columns
        .iter()
        .filter(|(f, _)| !(platform_fixed && **f == Field::Platform))
        .map(|(_, i)| *i)
        .collect();
    let mut out = Detail::default();
    let rank = |l: &str| match l {
        "ad" => 2,
        _ => 1,
    };
    let campaign_header = plan
        .col(Field::Campaign)
        .and_then(|i| plan.headers.get(i))
        .map(|h| h.name.as_str());
    for (i, h) in plan.headers.iter().enumerate() {
        if mapped.contains(&i) {
            continue;
        }
        if let Some((_, level)) = LEVELS.iter().find(|(n, _)| *n == h.name) {
            // `Ad set ID` beside `Ad set name` standing in for the campaign adds nothing.
            let same_as_campaign = campaign_header
                .and_then(|c| LEVELS.iter().find(|(n, _)| *n == c))
                .is_some_and(|(_, l)| l == level);
            if !same_as_campaign && out.level.is_none_or(|l| rank(level) > rank(l)) {
                out.level = Some(level);
            }
        } else if BREAKDOWNS.contains(&h.name.as_str()) {
            out.breakdowns.push(h.original.clone());
        }
    }
    if out.level.is_none()
        && let Some(c) = campaign_header
        && let Some((_, level)) = LEVELS.iter().find(|(n, _)| *n == c)
    {
        out.level = Some(level);
    }
    out
}

/// Sums rows of one day, platform, campaign and period (`sum` true), or reports them as
/// duplicates (a campaign-level file must not hold one day twice). Rows keep their order; a row
/// summed into an earlier one, or refused, is dropped.
///
/// The rows are found by their key's hash and compared in place: no key is copied, and a file
/// without repeats moves no row.
pub(crate) fn combine(rows: Vec<Dated>, sum: bool, problems: &mut Problems) -> Vec<Dated> {
    let hasher = foldhash::fast::RandomState::default();
    combine_by(rows, sum, problems, |d| {
        let r = &d.daily;
        hasher.hash_one((
            r.platform,
            r.date,
            r.external_campaign_id.as_str(),
            d.period,
        ))
    })
}

/// [`combine`] with the key's hash given (tests give one that collides).
fn combine_by(
    mut rows: Vec<Dated>,
    sum: bool,
    problems: &mut Problems,
    hash: impl Fn(&Dated) -> u64,
) -> Vec<Dated> {
    let same = |a: &Dated, b: &Dated| {
        a.daily.platform == b.daily.platform
            && a.daily.date == b.daily.date
            && a.period == b.period
            && a.daily.external_campaign_id == b.daily.external_campaign_id
    };
    // The first kept row of each hash, and after each kept row the next kept one of its hash.
    let mut first: HashMap<u64, usize> = HashMap::with_capacity(rows.len());
    let mut next: Vec<Option<usize>> = vec![None; rows.len()];
    let mut keep = vec![true; rows.len()];
    for i in 0..rows.len() {
        let h = hash(&rows[i]);
        let (mut found, mut last) = (None, None);
        let mut at = first.get(&h).copied();
        while let Some(j) = at {
            if same(&rows[j], &rows[i]) {
                found = Some(j);
                break;
            }
            last = Some(j);
            at = next[j];
        }
        match found {
            None => match last {
                Some(t) => next[t] = Some(i),
                None => {
                    first.insert(h, i);
                }
            },
            Some(j) => {
                keep[i] = false;
                let (before, from) = rows.split_at_mut(i);
                let (into, d) = (&mut before[j], &from[0]);
                if !sum {
                    problems.at(
                        d.row,
                        None,
                        format!(
                            "same day, platform and campaign as row {}; export one row per campaign per day \
                             (campaign level, Day breakdown)",
                            into.row
                        ),
                    );
                } else if into.daily.currency != d.daily.currency {
                    problems.at(
                        d.row,
                        None,
                        format!(
                            "this row's currency differs from row {} of the same day and campaign",
                            into.row
                        ),
                    );
                } else {
                    add(&mut into.daily, &d.daily);
                }
            }
        }
    }
    if keep.contains(&false) {
        let mut kept = keep.into_iter();
        rows.retain(|_| kept.next().unwrap_or(true));
    }
    rows
}

fn add(into: &mut spendlens_core::DailyRow, row: &spendlens_core::DailyRow) {
    let opt = |a: Option<rust_decimal::Decimal>, b: Option<rust_decimal::Decimal>| match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or_default().saturating_add(b.unwrap_or_default())),
    };
    into.spend = into.spend.saturating_add(row.spend);
    into.impressions = into.impressions.saturating_add(row.impressions);
    into.engagements = into.engagements.saturating_add(row.engagements);
    into.clicks = into.clicks.saturating_add(row.clicks);
    into.conversions = into.conversions.saturating_add(row.conversions);
    into.conversion_value = opt(into.conversion_value, row.conversion_value);
    into.revenue = opt(into.revenue, row.revenue);
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rust_decimal::Decimal;
    use spendlens_core::{DailyRow, Platform};

    use super::*;

    fn dated(row: u64, day: u32, campaign: &str, spend: i64, currency: &str) -> Dated {
        let date = NaiveDate::from_ymd_opt(2026, 3, day).unwrap_or_default();
        let mut daily = DailyRow::empty(date, Platform::Meta, campaign);
        daily.spend = Decimal::new(spend, 2);
        daily.clicks = 1;
        daily.currency = Some(currency.to_owned());
        Dated {
            row,
            daily,
            period: None,
            campaign_start: None,
        }
    }

    fn file() -> Vec<Dated> {
        vec![
            dated(2, 1, "A", 100, "EUR"),
            dated(3, 1, "B", 200, "EUR"),
            dated(4, 2, "A", 300, "EUR"),
            dated(5, 1, "A", 50, "EUR"),
            dated(6, 1, "B", 7, "USD"),
            dated(7, 1, "A", 25, "EUR"),
        ]
    }

    fn seen(rows: &[Dated]) -> Vec<(u64, String)> {
        rows.iter()
            .map(|d| (d.row, format!("{} {}", d.daily.spend, d.daily.clicks)))
            .collect()
    }

    /// A key's hash, as `combine_by` takes it.
    type Hash = Box<dyn Fn(&Dated) -> u64>;

    /// Every hash alike (all rows in one chain), or each key its own: the same answer.
    fn hashes() -> [Hash; 2] {
        let real = foldhash::fast::FixedState::with_seed(7);
        [
            Box::new(|_| 0),
            Box::new(move |d| {
                real.hash_one((
                    d.daily.platform,
                    d.daily.date,
                    d.daily.external_campaign_id.clone(),
                ))
            }),
        ]
    }

    #[test]
    fn breakdown_rows_sum_into_the_first_row_of_their_day_and_campaign() {
        for hash in hashes() {
            let mut problems = Problems::new("f.csv");
            let out = combine_by(file(), true, &mut problems, hash);
            assert_eq!(
                seen(&out),
                [
                    (2, "1.75 3".to_owned()),
                    (3, "2.00 1".to_owned()),
                    (4, "3.00 1".to_owned())
                ]
            );
            let message = problems.into_result().err().map(|e| e.to_string());
            assert!(
                message.as_deref().is_some_and(
                    |m| m.contains("row 6") && m.contains("currency differs from row 3")
                ),
                "{message:?}"
            );
        }
    }

    #[test]
    fn a_campaign_level_file_may_not_hold_a_day_twice() {
        for hash in hashes() {
            let mut problems = Problems::new("f.csv");
            let out = combine_by(file(), false, &mut problems, hash);
            assert_eq!(
                out.iter().map(|d| d.row).collect::<Vec<_>>(),
                [2, 3, 4],
                "the first of each kept"
            );
            assert_eq!(out[0].daily.spend, Decimal::new(100, 2), "and unchanged");
            let message = problems
                .into_result()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            for (row, first) in [(5, 2), (6, 3), (7, 2)] {
                assert!(
                    message.contains(&format!("row {row}"))
                        && message
                            .contains(&format!("same day, platform and campaign as row {first}")),
                    "{message}"
                );
            }
        }
    }

    #[test]
    fn rows_without_repeats_come_back_as_they_were() {
        let rows: Vec<Dated> = (1..=20)
            .map(|d| dated(u64::from(d) + 1, d, "A", i64::from(d), "EUR"))
            .collect();
        let mut problems = Problems::new("f.csv");
        let out = combine(rows.clone(), true, &mut problems);
        assert_eq!(seen(&out), seen(&rows));
        assert!(problems.into_result().is_ok());
    }
}
