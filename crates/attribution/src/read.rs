//! Streaming CSV readers for the two input formats, detected from the header.
//!
//! Reads from any [`std::io::Read`] (never a path: the caller owns files and standard input), one
//! record at a time into a reused buffer, and folds each row into the [`PathTable`] at once. Bad rows
//! are reported with line and column and skipped, so one run lists every problem (up to
//! [`MAX_PROBLEMS`]); any problem fails the whole read, because a partial attribution would be wrong
//! without saying so.

use std::io::Read;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::channel::{ChannelId, Channels};
use crate::credit::Credit;
use crate::error::{Error, MAX_PROBLEMS, Problem};
use crate::journey::{Event, JourneyAssembler};
use crate::path::PathTable;
use crate::records::{Record, RecordTooBig, Records};
use crate::timestamp::Timestamp;

/// The largest count or value accepted in one row: far beyond any real export, and low enough that
/// sums can never overflow a decimal or lose integer precision in an `f64`.
const MAX_AMOUNT: f64 = 1e15;

/// Which of the two formats the input was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// `path,total_conversions,total_conversion_value,total_null`.
    Paths,
    /// `journey_id,timestamp,event,channel,value`.
    Touchpoints,
}

/// What to compute while reading (only time decay needs to see the rows themselves).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReadOptions {
    /// Credit time decay with this half-life (days) while reading touchpoints.
    pub time_decay_half_life_days: Option<f64>,
}

/// Everything the models need from one input: the channels, the aggregated paths, and the time-decay
/// credit when it was asked for and the input had timestamps.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The input format.
    pub format: InputFormat,
    /// Channel names.
    pub channels: Channels,
    /// Distinct paths with their totals.
    pub paths: PathTable,
    /// Time-decay credit and the half-life it used (touchpoint input only).
    pub time_decay: Option<(f64, Credit)>,
}

impl Dataset {
    /// A data set from paths given as channel-name lists: for tests, generators and callers that
    /// aggregated elsewhere. Channel names must be non-empty.
    pub fn from_paths<'a, I, P>(paths: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (P, f64, Decimal, f64)>,
        P: IntoIterator<Item = &'a str>,
    {
        let mut channels = Channels::new();
        let mut table = PathTable::new();
        let mut ids = Vec::new();
        for (path, conversions, value, nulls) in paths {
            ids.clear();
            for name in path {
                ids.push(channels.intern(name)?);
            }
            table.add(&ids, conversions, value, nulls)?;
        }
        Ok(Self {
            format: InputFormat::Paths,
            channels,
            paths: table,
            time_decay: None,
        })
    }
}

/// The next record; a line over the reader's limits (fields, length) is a problem of that line,
/// which ends the read.
fn next<R: Read>(reader: &mut Records<R>) -> Result<Option<Record<'_>>, Error> {
    reader
        .next_record()
        .map_err(|e| match RecordTooBig::of(&e) {
            Some(big) => Error::Invalid(vec![Problem::line(big.line, big.message.clone())]),
            None => Error::from(e),
        })
}

/// Reads either format from `input`.
pub fn read(input: impl Read, options: &ReadOptions) -> Result<Dataset, Error> {
    if let Some(days) = options.time_decay_half_life_days
        && !(days.is_finite() && days > 0.0)
    {
        return Err(Error::Unsupported(format!(
            "the time-decay half-life must be a positive number of days, not {days}"
        )));
    }
    let mut reader = Records::new(input);
    let Some(record) = next(&mut reader)? else {
        return Err(Error::Invalid(vec![Problem::line(
            1,
            "the input is empty: expected a header line",
        )]));
    };
    let header: Vec<String> = record
        .iter()
        .map(|field| String::from_utf8_lossy(field).trim().to_ascii_lowercase())
        .collect();
    let has = |name: &str| header.iter().any(|h| h == name);
    if has("journey_id") {
        let columns = Columns::find(&header, &TOUCHPOINT_COLUMNS)?;
        read_touchpoints(reader, &columns, options)
    } else if has("path") {
        let columns = Columns::find(&header, &PATH_COLUMNS)?;
        read_paths(reader, &columns)
    } else {
        Err(Error::Invalid(vec![Problem::line(
            1,
            "unrecognised header: expected `path,total_conversions,total_conversion_value,total_null` \
             or `journey_id,timestamp,event,channel,value`",
        )]))
    }
}

const PATH_COLUMNS: [&str; 4] = [
    "path",
    "total_conversions",
    "total_conversion_value",
    "total_null",
];
const TOUCHPOINT_COLUMNS: [&str; 5] = ["journey_id", "timestamp", "event", "channel", "value"];

/// Where each required column is (columns may come in any order; extra ones are ignored).
#[derive(Debug)]
struct Columns<const N: usize> {
    index: [usize; N],
    names: [&'static str; N],
}

impl<const N: usize> Columns<N> {
    fn find(header: &[String], names: &[&'static str; N]) -> Result<Self, Error> {
        let mut index = [0; N];
        let mut problems = Vec::new();
        for (slot, name) in index.iter_mut().zip(names) {
            match header.iter().position(|h| h == name) {
                Some(i) => *slot = i,
                None => problems.push(Problem::line(1, format!("missing column `{name}`"))),
            }
        }
        if problems.is_empty() {
            Ok(Self {
                index,
                names: *names,
            })
        } else {
            Err(Error::Invalid(problems))
        }
    }

    /// Field `k` of the record, trimmed; a problem naming line and column if the row is too short.
    fn field<'r>(&self, record: &Record<'r>, k: usize, line: u64) -> Result<&'r [u8], Problem> {
        let i = self.index[k];
        record
            .get(i)
            .map(<[u8]>::trim_ascii)
            .ok_or_else(|| Problem::at(line, i + 1, self.names[k], "missing field"))
    }

    fn problem(&self, k: usize, line: u64, message: impl Into<String>) -> Problem {
        Problem::at(line, self.index[k] + 1, self.names[k], message)
    }
}

/// Collects problems, stopping the read once there are enough of them.
#[derive(Debug, Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn push(&mut self, problem: Problem) {
        if self.0.len() < MAX_PROBLEMS {
            self.0.push(problem);
        }
    }

    fn absorb(&mut self, error: Error) -> Result<(), Error> {
        match error {
            Error::Invalid(problems) => {
                problems.into_iter().for_each(|p| self.push(p));
                Ok(())
            }
            other => Err(other),
        }
    }

    fn full(&self) -> bool {
        self.0.len() >= MAX_PROBLEMS
    }

    fn finish<T>(self, ok: T) -> Result<T, Error> {
        if self.0.is_empty() {
            Ok(ok)
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

fn read_paths<R: Read>(mut reader: Records<R>, columns: &Columns<4>) -> Result<Dataset, Error> {
    let mut channels = Channels::new();
    let mut table = PathTable::new();
    let mut problems = Problems::default();
    let mut ids: Vec<ChannelId> = Vec::new();
    while !problems.full() {
        let Some(record) = next(&mut reader)? else {
            break;
        };
        let line = record.line();
        if record.iter().all(|f| f.trim_ascii().is_empty()) {
            continue;
        }
        let row = (|| {
            let path = columns.field(&record, 0, line)?;
            let conversions = parse_count(columns.field(&record, 1, line)?)
                .map_err(|m| columns.problem(1, line, m))?;
            let value = parse_value(columns.field(&record, 2, line)?)
                .map_err(|m| columns.problem(2, line, m))?;
            let nulls = parse_count(columns.field(&record, 3, line)?)
                .map_err(|m| columns.problem(3, line, m))?;
            if conversions <= 0.0 && !value.is_zero() {
                return Err(columns.problem(
                    2,
                    line,
                    "a conversion value on a path without conversions",
                ));
            }
            let path =
                std::str::from_utf8(path).map_err(|_| columns.problem(0, line, "not UTF-8"))?;
            Ok::<_, Problem>((path, conversions, value, nulls))
        })();
        let (path, conversions, value, nulls) = match row {
            Ok(row) => row,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        ids.clear();
        if !path.is_empty() {
            let mut bad = false;
            for name in path.split('>').map(str::trim) {
                if name.is_empty() {
                    problems.push(columns.problem(
                        0,
                        line,
                        format!("empty channel name in path `{path}`"),
                    ));
                    bad = true;
                    break;
                }
                ids.push(channels.intern(name)?);
            }
            if bad {
                continue;
            }
        }
        if let Err(e) = table.add(&ids, conversions, value, nulls) {
            problems.absorb(e)?;
        }
    }
    problems.finish(Dataset {
        format: InputFormat::Paths,
        channels,
        paths: table,
        time_decay: None,
    })
}

fn read_touchpoints<R: Read>(
    mut reader: Records<R>,
    columns: &Columns<5>,
    options: &ReadOptions,
) -> Result<Dataset, Error> {
    let mut channels = Channels::new();
    let mut table = PathTable::new();
    let mut problems = Problems::default();
    let mut journeys = JourneyAssembler::new(options.time_decay_half_life_days);
    while !problems.full() {
        let Some(record) = next(&mut reader)? else {
            break;
        };
        let line = record.line();
        if record.iter().all(|f| f.trim_ascii().is_empty()) {
            continue;
        }
        let row = touchpoint_fields(columns, &record, line).and_then(|(journey, at, event)| {
            let event = match event {
                RawEvent::Touch(channel) => Event::Touch(
                    channels
                        .intern_bytes(channel)
                        .map_err(|e| columns.problem(3, line, e.to_string()))?,
                ),
                RawEvent::Conversion(value) => Event::Conversion(value),
            };
            Ok((journey, at, event))
        });
        match row {
            Ok((journey, at, event)) => {
                if let Err(e) = journeys.push(journey, line, at, event, &mut table) {
                    problems.absorb(e)?;
                }
            }
            Err(problem) => problems.push(problem),
        }
    }
    let decay = match journeys.finish(&mut table) {
        Ok(decay) => decay,
        Err(e) => {
            problems.absorb(e)?;
            None
        }
    };
    let time_decay = decay.map(|d| (d.half_life_days(), d.credit(channels.len())));
    problems.finish(Dataset {
        format: InputFormat::Touchpoints,
        channels,
        paths: table,
        time_decay,
    })
}

/// A touchpoint row's event with its channel still as bytes.
enum RawEvent<'r> {
    Touch(&'r [u8]),
    Conversion(Decimal),
}

/// Checks one touchpoint row: journey, timestamp, event and its channel or value.
fn touchpoint_fields<'r>(
    columns: &Columns<5>,
    record: &Record<'r>,
    line: u64,
) -> Result<(&'r [u8], Timestamp, RawEvent<'r>), Problem> {
    let journey = columns.field(record, 0, line)?;
    if journey.is_empty() {
        return Err(columns.problem(0, line, "empty journey_id"));
    }
    let at = columns.field(record, 1, line)?;
    let at = Timestamp::parse(at).ok_or_else(|| {
        columns.problem(
            1,
            line,
            format!(
                "`{}` is not an RFC 3339 timestamp (like 2026-01-31T09:30:00Z)",
                String::from_utf8_lossy(at)
            ),
        )
    })?;
    let event = columns.field(record, 2, line)?;
    let channel = columns.field(record, 3, line)?;
    let event = if event.eq_ignore_ascii_case(b"touch") {
        if channel.is_empty() {
            return Err(columns.problem(3, line, "a touch needs a channel name"));
        }
        RawEvent::Touch(channel)
    } else if event.eq_ignore_ascii_case(b"conversion") {
        if !channel.is_empty() {
            return Err(columns.problem(3, line, "a conversion row must leave channel empty"));
        }
        let value = parse_value(columns.field(record, 4, line)?)
            .map_err(|m| columns.problem(4, line, m))?;
        RawEvent::Conversion(value)
    } else {
        return Err(columns.problem(
            2,
            line,
            format!(
                "unknown event `{}`: expected `touch` or `conversion`",
                String::from_utf8_lossy(event)
            ),
        ));
    };
    Ok((journey, at, event))
}

/// What one stored touchpoint row holds: the contract's touchpoint row, owned, with the line it
/// came from and an optional extra `campaign_id` column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TouchpointRow {
    /// The line of the input (1 is the header).
    pub line: u64,
    /// The journey (customer, session, device) the event belongs to.
    pub journey_id: String,
    /// When it happened.
    pub at: Timestamp,
    /// A touch or a conversion.
    pub event: TouchpointEvent,
    /// The optional `campaign_id` column (empty cells are `None`).
    pub campaign_id: Option<String>,
}

/// The event of a [`TouchpointRow`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TouchpointEvent {
    /// A touch on this channel.
    Touch(String),
    /// A conversion worth this much.
    Conversion(Decimal),
}

impl TouchpointEvent {
    /// `touch` or `conversion`, as in the input.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Touch(_) => "touch",
            Self::Conversion(_) => "conversion",
        }
    }
}

/// The most rows [`read_touchpoint_rows`] reads: each costs about 400 bytes held by the caller
/// (the row, the stored form, the duplicate check), so 400,000 rows stay near 170 MB. [`read`]
/// folds rows into paths as it goes and has no such limit.
pub const MAX_TOUCHPOINT_ROWS: usize = 400_000;

/// Reads touchpoint input (only that format) into owned rows, in input order and without
/// requiring rows grouped by journey: for callers that store touchpoints and later rebuild a data
/// set with [`dataset_from_rows`]. The extra column `campaign_id` is kept when present. Every
/// problem is reported with line and column, as [`read`] does; any problem fails the whole read.
pub fn read_touchpoint_rows(input: impl Read) -> Result<Vec<TouchpointRow>, Error> {
    let mut reader = Records::new(input);
    let Some(record) = next(&mut reader)? else {
        return Err(Error::Invalid(vec![Problem::line(
            1,
            "the input is empty: expected the header `journey_id,timestamp,event,channel,value`",
        )]));
    };
    let header: Vec<String> = record
        .iter()
        .map(|field| String::from_utf8_lossy(field).trim().to_ascii_lowercase())
        .collect();
    let columns = Columns::find(&header, &TOUCHPOINT_COLUMNS)?;
    let campaign_column = header.iter().position(|h| h == "campaign_id");
    let mut rows = Vec::new();
    let mut problems = Problems::default();
    while !problems.full() {
        let Some(record) = next(&mut reader)? else {
            break;
        };
        let line = record.line();
        if record.iter().all(|f| f.trim_ascii().is_empty()) {
            continue;
        }
        if rows.len() >= MAX_TOUCHPOINT_ROWS {
            return Err(Error::TooLarge(format!(
                "the file has more than {MAX_TOUCHPOINT_ROWS} touchpoints (by line {line}); at \
                 most {MAX_TOUCHPOINT_ROWS} are read at once: split the file"
            )));
        }
        let row = touchpoint_fields(&columns, &record, line).and_then(|(journey, at, event)| {
            let text = |bytes: &[u8], k: usize| {
                std::str::from_utf8(bytes)
                    .map(str::to_owned)
                    .map_err(|_| columns.problem(k, line, "not UTF-8"))
            };
            let journey_id = text(journey, 0)?;
            let event = match event {
                RawEvent::Touch(channel) => TouchpointEvent::Touch(text(channel, 3)?),
                RawEvent::Conversion(value) => TouchpointEvent::Conversion(value),
            };
            let campaign_id = match campaign_column.and_then(|i| record.get(i)) {
                Some(cell) if !cell.trim_ascii().is_empty() => Some(
                    std::str::from_utf8(cell.trim_ascii())
                        .map(str::to_owned)
                        .map_err(|_| {
                            Problem::at(
                                line,
                                campaign_column.map_or(0, |i| i + 1),
                                "campaign_id",
                                "not UTF-8",
                            )
                        })?,
                ),
                _ => None,
            };
            Ok(TouchpointRow {
                line,
                journey_id,
                at,
                event,
                campaign_id,
            })
        });
        match row {
            Ok(row) => rows.push(row),
            Err(problem) => problems.push(problem),
        }
    }
    problems.finish(rows)
}

/// A data set from owned touchpoint rows that come grouped by journey (any order inside a journey),
/// exactly as [`read`] would build it from the same rows written as CSV in that order. Each row's
/// `line` breaks ties of equal timestamps, as the input order does in a file.
pub fn dataset_from_rows<'a>(
    rows: impl IntoIterator<Item = &'a TouchpointRow>,
    options: &ReadOptions,
) -> Result<Dataset, Error> {
    if let Some(days) = options.time_decay_half_life_days
        && !(days.is_finite() && days > 0.0)
    {
        return Err(Error::Unsupported(format!(
            "the time-decay half-life must be a positive number of days, not {days}"
        )));
    }
    let mut channels = Channels::new();
    let mut table = PathTable::new();
    let mut journeys = JourneyAssembler::new(options.time_decay_half_life_days);
    for row in rows {
        let event = match &row.event {
            TouchpointEvent::Touch(channel) => Event::Touch(channels.intern(channel)?),
            TouchpointEvent::Conversion(value) => Event::Conversion(*value),
        };
        journeys.push(
            row.journey_id.as_bytes(),
            row.line,
            row.at,
            event,
            &mut table,
        )?;
    }
    let decay = journeys.finish(&mut table)?;
    let time_decay = decay.map(|d| (d.half_life_days(), d.credit(channels.len())));
    Ok(Dataset {
        format: InputFormat::Touchpoints,
        channels,
        paths: table,
        time_decay,
    })
}

/// A non-negative count (fractions allowed: path exports from other models carry them).
fn parse_count(text: &[u8]) -> Result<f64, String> {
    let shown = String::from_utf8_lossy(text);
    let value: f64 = std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse().ok())
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("`{shown}` is not a number"))?;
    if value < 0.0 {
        return Err(format!("negative count `{shown}`"));
    }
    if value > MAX_AMOUNT {
        return Err(format!("count `{shown}` is too large"));
    }
    Ok(value)
}

/// A non-negative money amount, exact; an empty cell is zero (exports without value tracking).
fn parse_value(text: &[u8]) -> Result<Decimal, String> {
    if text.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let shown = String::from_utf8_lossy(text);
    let value = std::str::from_utf8(text)
        .ok()
        .and_then(|t| {
            Decimal::from_str(t)
                .or_else(|_| Decimal::from_scientific(t))
                .ok()
        })
        .ok_or_else(|| format!("`{shown}` is not a number"))?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(format!("negative value `{shown}`"));
    }
    if value > Decimal::from(1_000_000_000_000_000_i64) {
        return Err(format!("value `{shown}` is too large"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_values_are_checked() {
        assert_eq!(parse_count(b"3"), Ok(3.0));
        assert_eq!(parse_count(b"2.5"), Ok(2.5));
        assert!(parse_count(b"-1").is_err());
        assert!(parse_count(b"NaN").is_err());
        assert!(parse_count(b"inf").is_err());
        assert!(parse_count(b"").is_err());
        assert_eq!(parse_value(b""), Ok(Decimal::ZERO));
        assert_eq!(parse_value(b"12.50"), Ok(Decimal::new(1250, 2)));
        assert!(parse_value(b"-0.01").is_err());
        assert!(parse_value(b"abc").is_err());
        assert!(parse_value(b"1e30").is_err());
    }
}
