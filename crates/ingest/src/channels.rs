//! The canonical channel file: spendlens' own CSV with a `channel` column instead of
//! `platform`, for spend from any channel: TV, radio, out-of-home, print, podcasts,
//! influencers, e-mail, or any channel a user names.
//!
//! Columns: `date`, `channel`, `spend` (required), `impressions`, `currency`, `campaign`,
//! `engagements`, `clicks`, `conversions`, `conversion_value`, `revenue` (optional), in any
//! order, strict like the canonical file (ISO dates, plain numbers, no unknown column). A row
//! whose channel names an ad platform (`meta`, `Google Ads`) is that platform's row, exactly as
//! the canonical file would give it (missing counts as 0), so the platform keeps its formulas;
//! any other name is a named channel ([`spendlens_core::channel`]) and holds spend and
//! impressions only: a channel has no platform-reported clicks, conversions or revenue, so a
//! value in those columns is refused rather than dropped without a word.
//!
//! Why its own reader and not a relaxed canonical one: the canonical file's required columns
//! and its streaming path stay exactly as they were; a channel file is small (a row per channel
//! per day) and is read whole.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::channel::{ChannelDay, ChannelName, platform_named};
use spendlens_core::{DailyKey, DailyRow, Platform};

use crate::canonical::{amount, count, optional_amount, read_error, required};
use crate::currency::iso_code;
use crate::date;
use crate::error::{ColumnRef, ImportError, Problems};
use crate::exports::check_size;
use crate::limits::Guarded;
use crate::model::{ImportOptions, ParsedFile, Source};
use crate::table::single_currency;
use crate::text;

/// The columns of a channel file, required ones first.
const COLUMNS: [&str; 11] = [
    "date",
    "channel",
    "spend",
    "impressions",
    "currency",
    "campaign",
    "engagements",
    "clicks",
    "conversions",
    "conversion_value",
    "revenue",
];
/// How many of [`COLUMNS`] are required.
const REQUIRED: usize = 3;

/// A parsed channel file: the rows of ad platforms (as a canonical file gives them) and the
/// days of named channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelFile {
    /// The platforms' rows, with the file's name, currency and notes.
    pub parsed: ParsedFile,
    /// The named channels' days, in file order.
    pub channels: Vec<ChannelDay>,
}

/// Whether `bytes` look like a channel file: its first line is a header of [`COLUMNS`] names
/// (any case) holding `channel`, `date` and `spend` and no `platform`. Only the head is read.
pub fn is_channel_file(bytes: &[u8]) -> bool {
    let cut = bytes.len().min(8 * 1024);
    // A cut may split a character: back off until the head decodes.
    let Some(head) = (0..4).find_map(|k| {
        let end = cut.checked_sub(k)?;
        text::decode(bytes.get(..end)?, "").ok()
    }) else {
        return false;
    };
    let Some(line) = head.lines().next() else {
        return false;
    };
    let names: Vec<String> = line
        .split(',')
        .map(|c| {
            c.trim()
                .trim_start_matches('\u{feff}')
                .trim_matches('"')
                .to_ascii_lowercase()
        })
        .collect();
    names.iter().all(|n| COLUMNS.contains(&n.as_str()))
        && COLUMNS[..REQUIRED]
            .iter()
            .all(|r| names.iter().any(|n| n == r))
}

/// Parses a whole channel file (UTF-8 or UTF-16), rejecting the file on any bad row, with every
/// problem's row and column; duplicate (day, channel) or (day, platform, campaign) rows are
/// refused like the canonical file's.
pub fn parse_channel_file(
    bytes: &[u8],
    file: &str,
    options: &ImportOptions,
) -> Result<ChannelFile, ImportError> {
    check_size(bytes, file, options)?;
    let text = text::decode(bytes, file)?;
    let mut counter = text::LineCounter::new(text.as_bytes());
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(Guarded::table(text.as_bytes(), b','));
    let mut problems = Problems::new(file);
    let mut record = csv::StringRecord::new();
    match csv.read_record(&mut record) {
        Ok(true) => {}
        Ok(false) => {
            return Err(ImportError::whole_file(
                file,
                "the file is empty: no header row",
            ));
        }
        Err(e) => return Err(read_error(file, &e)),
    }
    let header: Vec<String> = record
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let mut at: [Option<usize>; COLUMNS.len()] = [None; COLUMNS.len()];
    for (i, name) in header.iter().enumerate() {
        let col = Some(ColumnRef {
            index: i,
            header: Some(name.clone()),
        });
        match COLUMNS.iter().position(|c| c == name) {
            Some(k) if at[k].is_some() => {
                problems.at(1, col, format!("the column \"{name}\" appears twice"));
            }
            Some(k) => at[k] = Some(i),
            None => problems.at(
                1,
                col,
                format!(
                    "unknown column \"{name}\"; a channel file has date, channel and spend, and \
                     optionally impressions, currency, campaign, engagements, clicks, conversions, \
                     conversion_value and revenue"
                ),
            ),
        }
    }
    for (k, name) in COLUMNS.iter().enumerate().take(REQUIRED) {
        if at[k].is_none() {
            problems.at(
                1,
                None,
                format!("the required column \"{name}\" is missing"),
            );
        }
    }
    problems.into_result()?;
    let mut problems = Problems::new(file);
    let mut rows = Vec::new();
    let mut channels = Vec::new();
    let mut seen_rows: HashMap<DailyKey, u64> = HashMap::new();
    let mut seen_days: HashMap<(String, NaiveDate), u64> = HashMap::new();
    let mut campaigns_dropped = false;
    loop {
        match csv.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Err(read_error(file, &e));
                }
                let line = e.position().map_or(1, |p| counter.line_at(p.byte()));
                problems.at(line, None, format!("unreadable CSV record: {e}"));
                break;
            }
        }
        let line = record.position().map_or(1, |p| counter.line_at(p.byte()));
        if record.len() != header.len() {
            if record.len() == 1 && record.get(0).is_some_and(|c| c.trim().is_empty()) {
                continue;
            }
            problems.at(
                line,
                None,
                format!(
                    "the row has {} cells but the header has {} (truncated file?)",
                    record.len(),
                    header.len()
                ),
            );
            continue;
        }
        let read = Row {
            record: &record,
            at: &at,
            header: &header,
            line,
        };
        match read.parse(&mut problems) {
            Some(Parsed::Platform(row)) => {
                if let Some(prev) = seen_rows.insert(row.key(), line) {
                    problems.at(
                        line,
                        None,
                        format!("same day, platform and campaign as row {prev}"),
                    );
                }
                rows.push(row);
            }
            Some(Parsed::Channel(day, had_campaign)) => {
                campaigns_dropped |= had_campaign;
                if let Some(prev) = seen_days.insert((day.channel.key().to_owned(), day.date), line)
                {
                    problems.at(line, None, format!("same day and channel as row {prev}"));
                }
                channels.push(day);
            }
            None => {}
        }
        if problems.is_full() {
            break;
        }
    }
    problems.into_result()?;
    let mut notes = Vec::new();
    if !channels.is_empty() {
        notes.push(format!(
            "{} row(s) of named channels (spend as imported, no platform-reported revenue)",
            channels.len()
        ));
    }
    if campaigns_dropped {
        notes.push(
            "the campaign column of named channels' rows is not kept: a channel's spend is \
             stored per day and channel"
                .to_owned(),
        );
    }
    let mut currency = single_currency(&rows);
    let channel_currencies: Vec<&Option<String>> = channels.iter().map(|c| &c.currency).collect();
    if rows.is_empty() {
        currency = channel_currencies.first().and_then(|c| (*c).clone());
    }
    if channel_currencies.iter().any(|c| **c != currency) {
        currency = None;
    }
    Ok(ChannelFile {
        parsed: ParsedFile {
            file: file.to_owned(),
            source: Source::Canonical,
            rows,
            skipped: Vec::new(),
            currency,
            notes,
            detail: None,
        },
        channels,
    })
}

/// What one record became.
enum Parsed {
    Platform(DailyRow),
    /// A named channel's day, and whether its campaign cell held a name (not kept).
    Channel(ChannelDay, bool),
}

/// One record of a channel file, with where its cells are.
struct Row<'a> {
    record: &'a csv::StringRecord,
    at: &'a [Option<usize>; COLUMNS.len()],
    header: &'a [String],
    line: u64,
}

impl Row<'_> {
    /// The trimmed cell of column `k`; empty when the file has no such column.
    fn cell(&self, k: usize) -> &str {
        self.at[k]
            .and_then(|i| self.record.get(i))
            .map_or("", str::trim)
    }

    fn fail(&self, k: usize, message: String, problems: &mut Problems) {
        let col = self.at[k].map(|i| ColumnRef {
            index: i,
            header: self.header.get(i).cloned(),
        });
        problems.at(self.line, col, message);
    }

    /// The parsed value of column `k`, or `None` after recording the problem.
    fn get<T>(
        &self,
        k: usize,
        parse: impl FnOnce(&str) -> Result<T, String>,
        problems: &mut Problems,
    ) -> Option<T> {
        match parse(self.cell(k)) {
            Ok(v) => Some(v),
            Err(m) => {
                self.fail(k, m, problems);
                None
            }
        }
    }

    fn parse(&self, problems: &mut Problems) -> Option<Parsed> {
        let before = problems.count();
        let date = self.get(0, date::parse_iso_date, problems);
        let spend = self.get(
            2,
            |s| required(s, "spend").and_then(|s| amount(s, "spend")),
            problems,
        );
        let impressions = self.get(3, |s| optional_count(s, "impressions"), problems);
        let currency = self.get(
            4,
            |s| {
                if s.is_empty() {
                    Ok(None)
                } else {
                    iso_code(s)
                        .map(|c| Some(c.to_owned()))
                        .ok_or_else(|| format!("\"{s}\" is not a currency code"))
                }
            },
            problems,
        );
        let campaign = self.cell(5).to_owned();
        let engagements = self.get(6, |s| optional_count(s, "engagements"), problems);
        let clicks = self.get(7, |s| optional_count(s, "clicks"), problems);
        let conversions = self.get(8, |s| optional_amount(s, "conversions"), problems);
        let value = self.get(9, |s| optional_amount(s, "conversion_value"), problems);
        let revenue = self.get(10, |s| optional_amount(s, "revenue"), problems);
        let name = self.cell(1);
        let target = match platform_named(name) {
            Some(Platform::Ga4) => {
                self.fail(
                    1,
                    "GA4 reports no spend; its revenue comes from the GA4 connection or a canonical file"
                        .to_owned(),
                    problems,
                );
                None
            }
            Some(p) => Some(Ok(p)),
            None => match ChannelName::parse(name) {
                Ok(c) => Some(Err(c)),
                Err(m) => {
                    self.fail(1, format!("channel {m}"), problems);
                    None
                }
            },
        };
        let (date, spend, impressions, currency) = (date?, spend?, impressions?, currency?);
        let (engagements, clicks, conversions, value, revenue) =
            (engagements?, clicks?, conversions?, value?, revenue?);
        match target? {
            Ok(platform) => {
                let mut row = DailyRow::empty(date, platform, campaign);
                row.spend = spend;
                row.impressions = impressions.unwrap_or(0);
                row.engagements = engagements.unwrap_or(0);
                row.clicks = clicks.unwrap_or(0);
                row.conversions = conversions.unwrap_or(Decimal::ZERO);
                row.conversion_value = value;
                row.revenue = revenue;
                row.currency = currency;
                (problems.count() == before).then_some(Parsed::Platform(row))
            }
            Err(channel) => {
                let platform_only = [
                    (6, engagements.is_some_and(|v| v > 0)),
                    (7, clicks.is_some_and(|v| v > 0)),
                    (8, conversions.is_some_and(|v| !v.is_zero())),
                    (9, value.is_some()),
                    (10, revenue.is_some()),
                ];
                for (k, set) in platform_only {
                    if set {
                        self.fail(
                            k,
                            format!(
                                "a named channel (\"{channel}\") holds spend and impressions only; \
                                 leave {} empty, or name an ad platform in the channel column",
                                COLUMNS[k]
                            ),
                            problems,
                        );
                    }
                }
                let day = ChannelDay {
                    date,
                    channel,
                    spend,
                    impressions,
                    currency,
                };
                for p in day.problems() {
                    let k = COLUMNS.iter().position(|c| *c == p.field).unwrap_or(0);
                    self.fail(k, p.message, problems);
                }
                (problems.count() == before).then_some(Parsed::Channel(day, !campaign.is_empty()))
            }
        }
    }
}

/// An optional whole number (empty: not reported).
fn optional_count(s: &str, what: &str) -> Result<Option<u64>, String> {
    if s.is_empty() {
        Ok(None)
    } else {
        count(s, what).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn parse(text: &str) -> Result<ChannelFile, ImportError> {
        parse_channel_file(text.as_bytes(), "ch.csv", &ImportOptions::default())
    }

    #[test]
    fn channel_headers_are_recognised() {
        assert!(is_channel_file(b"date,channel,spend\n"));
        assert!(is_channel_file(
            b"\xEF\xBB\xBFDate,Channel,Spend,Impressions\r\n"
        ));
        assert!(!is_channel_file(b"Date,Channel,Spend,Notes\n"));
        assert!(!is_channel_file(b"date,platform,campaign,spend\n"));
        assert!(!is_channel_file(b"date,channel\n"));
    }

    #[test]
    fn platforms_and_named_channels_are_split() {
        let file = parse(
            "date,channel,spend,impressions,campaign,clicks\n\
             2026-11-02,TV,1000.50,250000,,\n\
             2026-11-02,meta,20.00,1000,m1,12\n\
             2026-11-03,Podcasts,300,,,0\n\
             2026-11-03,Google Ads,5,,g1,\n",
        )
        .expect("parses");
        let platforms: Vec<(Platform, &str, Decimal, u64, u64)> = file
            .parsed
            .rows
            .iter()
            .map(|r| {
                (
                    r.platform,
                    r.external_campaign_id.as_str(),
                    r.spend,
                    r.impressions,
                    r.clicks,
                )
            })
            .collect();
        assert_eq!(
            platforms,
            vec![
                (Platform::Meta, "m1", dec!(20.00), 1000, 12),
                (Platform::GoogleAds, "g1", dec!(5), 0, 0),
            ]
        );
        let channels: Vec<(&str, Decimal, Option<u64>)> = file
            .channels
            .iter()
            .map(|c| (c.channel.as_str(), c.spend, c.impressions))
            .collect();
        assert_eq!(
            channels,
            vec![
                ("TV", dec!(1000.50), Some(250_000)),
                ("Podcasts", dec!(300), None)
            ]
        );
    }

    #[test]
    fn a_named_channel_with_platform_metrics_or_a_bad_name_is_refused() {
        let err = parse(
            "date,channel,spend,revenue\n\
             2026-11-02,Radio,10,99\n\
             2026-11-02,Pod\u{202E}cast,10,\n\
             2026-11-03,radio,1,\n\
             2026-11-03,RADIO,1,\n\
             2026-11-04,ga4,1,\n",
        )
        .expect_err("refused")
        .to_string();
        assert!(err.contains("holds spend and impressions only"), "{err}");
        assert!(err.contains("U+202E"), "{err}");
        assert!(err.contains("same day and channel as row 4"), "{err}");
        assert!(err.contains("GA4 reports no spend"), "{err}");
    }
}
