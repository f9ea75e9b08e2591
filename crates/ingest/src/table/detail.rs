//! The level of detail of an export below one row per day and campaign: ad sets, ads (LinkedIn
//! creatives) and breakdowns (age, gender, placement, audience segments, region). Such rows are
//! summed into one row per day, platform and campaign, and the level is said in the notes so the
//! import record keeps it.

use std::collections::HashMap;

use spendlens_core::DailyKey;

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
/// duplicates (a campaign-level file must not hold one day twice).
pub(crate) fn combine(rows: Vec<Dated>, sum: bool, problems: &mut Problems) -> Vec<Dated> {
    type Key = (DailyKey, Option<(chrono::NaiveDate, chrono::NaiveDate)>);
    let mut at: HashMap<Key, usize> = HashMap::new();
    let mut out: Vec<Dated> = Vec::with_capacity(rows.len());
    for d in rows {
        let key = (d.daily.key(), d.period);
        match at.get(&key) {
            Some(&i) if sum => {
                let into = &mut out[i];
                if into.daily.currency != d.daily.currency {
                    problems.at(
                        d.row,
                        None,
                        format!(
                            "this row's currency differs from row {} of the same day and campaign",
                            into.row
                        ),
                    );
                    continue;
                }
                add(&mut into.daily, &d.daily);
            }
            Some(&i) => problems.at(
                d.row,
                None,
                format!(
                    "same day, platform and campaign as row {}; export one row per campaign per day \
                     (campaign level, Day breakdown)",
                    out[i].row
                ),
            ),
            None => {
                at.insert(key, out.len());
                out.push(d);
            }
        }
    }
    out
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
