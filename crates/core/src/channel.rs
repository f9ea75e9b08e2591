//! Named spend channels beyond the ad platforms: TV, radio, out-of-home, print, podcasts,
//! influencers, e-mail, or any channel a user names, with their daily spend (and impressions
//! when known).
//!
//! Why a separate, open set instead of more [`Platform`] variants: the five ad platforms have
//! fixed formulas and a fixed order in the analysis contract (`docs/analysis-contract.md`), and
//! every golden answer depends on them; a channel a user names has no platform-reported revenue,
//! clicks or conversions, only the spend as imported. Keeping the [`Platform`] enum closed keeps
//! the seed's analysis byte-identical, and a channel is a validated name ([`ChannelName`]) whose
//! rows ([`ChannelDay`]) are stored, summed and shown apart from the platforms' rows, labelled
//! as what they are. A name that spells a platform (`meta`, `Google Ads`) is not a channel: the
//! importer books such rows on the platform, so one spend is never counted twice.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::daily::RowProblem;
use crate::limits;
use crate::platform::Platform;

/// The longest channel name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// The label every surface shows beside a channel's row, so that nobody reads its figures as a
/// platform's.
pub const CHANNEL_LABEL: &str = "offline channel — spend as imported, no platform-reported revenue";

/// A channel's name as the user wrote it (trimmed), with the case-folded key it is stored and
/// compared under: `TV`, `tv` and ` Tv ` are one channel, shown as first written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelName {
    key: String,
    display: String,
}

impl ChannelName {
    /// Validates a typed channel name: trimmed, 1–[`MAX_NAME_CHARS`] characters, no control or
    /// invisible formatting character ([`crate::text::check_name`]), and not a platform's
    /// identifier or display name (those rows belong to the platform; see [`platform_named`]).
    pub fn parse(text: &str) -> Result<ChannelName, String> {
        let display = text.trim();
        if display.is_empty() {
            return Err("a channel needs a name".to_owned());
        }
        let chars = display.chars().count();
        if chars > MAX_NAME_CHARS {
            return Err(format!(
                "a channel name has at most {MAX_NAME_CHARS} characters (this one has {chars})"
            ));
        }
        crate::text::check_name(display)?;
        if let Some(p) = platform_named(display) {
            return Err(format!(
                "\"{display}\" is the ad platform {}, not an offline channel",
                p.as_str()
            ));
        }
        Ok(ChannelName {
            key: fold(display),
            display: display.to_owned(),
        })
    }

    /// A stored channel: its key and the name it was first written with (both as stored, so
    /// not validated again).
    pub fn from_stored(key: String, display: String) -> ChannelName {
        ChannelName { key, display }
    }

    /// The case-folded key channels are stored and compared under.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The name as the user wrote it.
    pub fn as_str(&self) -> &str {
        &self.display
    }
}

impl fmt::Display for ChannelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

/// Case folding for keys: lowercase, inner runs of white space as one space.
fn fold(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The ad platform a channel cell names, if any: its identifier (`google_ads`) or its display
/// name (`Google Ads`), case-insensitively. GA4 carries no spend and so is never a platform a
/// spend row can name; `ga4` is refused as a channel all the same, so it cannot be mistaken
/// for one.
pub fn platform_named(text: &str) -> Option<Platform> {
    let folded = fold(text);
    Platform::ALL
        .into_iter()
        .find(|p| folded == p.as_str() || folded == p.display_name().to_lowercase())
}

/// A channel's spend on one day, as imported. Impressions are optional: a radio flight or a
/// print insertion often has none, and "none reported" is not zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelDay {
    pub date: NaiveDate,
    pub channel: ChannelName,
    pub spend: Decimal,
    pub impressions: Option<u64>,
    /// ISO 4217 code of the spend, when the source states it.
    pub currency: Option<String>,
}

impl ChannelDay {
    /// Every value outside what spendlens accepts (see [`limits`]), by field name.
    pub fn problems(&self) -> Vec<RowProblem> {
        let mut out = Vec::new();
        let mut push = |field: &'static str, check: Result<(), String>| {
            if let Err(message) = check {
                out.push(RowProblem { field, message });
            }
        };
        push("date", limits::check_date(self.date));
        push("spend", limits::check_amount(self.spend));
        if let Some(n) = self.impressions {
            push("impressions", limits::check_count(n));
        }
        out
    }
}

/// A channel's sums over a period: what the analysis and the reports show as its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelTotals {
    pub channel: ChannelName,
    pub spend: Decimal,
    /// `None` when no day of the channel reported impressions.
    pub impressions: Option<u64>,
    /// Days with a row.
    pub days: u64,
}

/// Per channel, the sums of `days` (any order), ordered by channel key: spend, impressions
/// (`None` when no day reported any) and days, under the name of the channel's latest day (as
/// the store's totals name it). The one rule for summing channel days that are already loaded
/// (a window of the API's series, a finance window).
pub fn totals_by_channel<'a>(days: impl IntoIterator<Item = &'a ChannelDay>) -> Vec<ChannelTotals> {
    let mut by_key: std::collections::BTreeMap<&str, (NaiveDate, ChannelTotals)> =
        std::collections::BTreeMap::new();
    for day in days {
        let (latest, sums) = by_key.entry(day.channel.key()).or_insert_with(|| {
            (
                day.date,
                ChannelTotals {
                    channel: day.channel.clone(),
                    spend: Decimal::ZERO,
                    impressions: None,
                    days: 0,
                },
            )
        });
        if day.date >= *latest {
            *latest = day.date;
            sums.channel = day.channel.clone();
        }
        sums.spend = sums.spend.saturating_add(day.spend);
        sums.impressions = match (sums.impressions, day.impressions) {
            (Some(a), Some(b)) => Some(a.saturating_add(b)),
            (a, b) => a.or(b),
        };
        sums.days = sums.days.saturating_add(1);
    }
    by_key.into_values().map(|(_, sums)| sums).collect()
}

/// A campaign's spend across the ad platforms and the named channels, kept apart and labelled.
///
/// Which totals include the channels, and why: the analysis contract's `totals` (and every
/// figure computed from them: ROAS, ROI, pacing, cost per result, the health score) stay the
/// five ad platforms' (the contract fixes their formulas, and a channel has no revenue of its
/// own to put beside its spend). Where spend is only summed (the finance and true-cost
/// figures, the reports' "all channels" line), the channels are added, under a name that says
/// so (`spend_all_channels`), never under the contract's `totals.spend`: no two surfaces show
/// different figures under one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllSpend {
    /// The contract's `totals.spend`: the five ad platforms.
    pub platforms: Decimal,
    /// The named channels' spend.
    pub channels: Decimal,
    /// Both.
    pub total: Decimal,
}

impl AllSpend {
    /// The platforms' spend (the analysis' total) with the channels' sums added.
    pub fn of(platforms: Decimal, channels: &[ChannelTotals]) -> AllSpend {
        let channels = channels
            .iter()
            .fold(Decimal::ZERO, |sum, c| sum.saturating_add(c.spend));
        AllSpend::from_sums(platforms, channels)
    }

    /// The platforms' spend and the channels' spend, already summed (the finance figures,
    /// which sum each over a window and convert it to the report's currency first).
    pub fn from_sums(platforms: Decimal, channels: Decimal) -> AllSpend {
        AllSpend {
            platforms,
            channels,
            total: platforms.saturating_add(channels),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_folded_and_checked() {
        let tv = ChannelName::parse("  Linear  TV ").expect("tv");
        assert_eq!(tv.as_str(), "Linear  TV");
        assert_eq!(tv.key(), "linear tv");
        assert_eq!(
            ChannelName::parse("linear tv").expect("again").key(),
            tv.key()
        );
        assert!(ChannelName::parse("   ").is_err());
        assert!(ChannelName::parse(&"x".repeat(65)).is_err());
        assert!(ChannelName::parse(&"é".repeat(64)).is_ok());
        assert!(ChannelName::parse("Radio\u{202E}fdp").is_err());
        assert!(ChannelName::parse("Pod\tcasts").is_err());
    }

    #[test]
    fn platform_names_are_not_channels() {
        for text in [
            "meta",
            "Meta Ads",
            "GOOGLE_ADS",
            "google ads",
            "LinkedIn Ads",
            "ga4",
        ] {
            assert!(ChannelName::parse(text).is_err(), "{text}");
        }
        assert_eq!(platform_named("Google Ads"), Some(Platform::GoogleAds));
        assert_eq!(platform_named("sheets"), Some(Platform::Sheets));
        assert_eq!(platform_named("TV"), None);
    }

    #[test]
    fn a_day_names_values_outside_the_limits() {
        let day = ChannelDay {
            date: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default(),
            channel: ChannelName::parse("Radio").expect("radio"),
            spend: Decimal::NEGATIVE_ONE,
            impressions: Some(u64::MAX),
            currency: None,
        };
        let fields: Vec<&str> = day.problems().iter().map(|p| p.field).collect();
        assert_eq!(fields, vec!["spend", "impressions"]);
    }

    #[test]
    fn days_are_summed_per_channel_under_the_latest_name() {
        let day = |d: u32, name: &str, spend: i64, impressions: Option<u64>| ChannelDay {
            date: NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default(),
            channel: ChannelName::parse(name).expect("name"),
            spend: Decimal::from(spend),
            impressions,
            currency: None,
        };
        let days = [
            day(3, "tv", 200, None),
            day(1, "TV", 100, Some(5)),
            day(2, "Radio", 7, None),
            day(4, "TV", 1, Some(6)),
        ];
        let totals = totals_by_channel(&days);
        let seen: Vec<(&str, Decimal, Option<u64>, u64)> = totals
            .iter()
            .map(|t| (t.channel.as_str(), t.spend, t.impressions, t.days))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("Radio", Decimal::from(7), None, 1),
                ("TV", Decimal::from(301), Some(11), 3),
            ]
        );
        assert!(totals_by_channel(&[]).is_empty());
    }

    #[test]
    fn all_spend_adds_the_channels_to_the_platforms() {
        let totals = |name: &str, spend: i64| ChannelTotals {
            channel: ChannelName::parse(name).expect("name"),
            spend: Decimal::from(spend),
            impressions: None,
            days: 1,
        };
        let all = AllSpend::of(Decimal::from(100), &[totals("TV", 40), totals("Radio", 2)]);
        assert_eq!(
            (all.platforms, all.channels, all.total),
            (Decimal::from(100), Decimal::from(42), Decimal::from(142))
        );
    }
}
