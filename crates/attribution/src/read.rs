//! Streaming readers for the input formats, detected from the header: ChannelAttribution's
//! aggregated paths, the contract's touchpoints, and event logs shaped like the public attribution
//! data sets (one row per impression or conversion of a cookie or customer).
//!
//! Reads from any [`std::io::Read`] (never a path: the caller owns files and standard input), one
//! record at a time into a reused buffer, and folds each row into the [`PathTable`] at once (an
//! event log, whose rows come in any order, is grouped per user first: see [`crate::eventlog`]).
//! The field separator is sniffed from the header (comma, semicolon or tab). Bad rows are
//! reported with line and column and skipped, so one run lists every problem (up to
//! [`crate::error::MAX_PROBLEMS`]); any problem fails the whole read, because a partial
//! attribution would be wrong without saying so.

use std::io::Read;

use rust_decimal::Decimal;

use crate::channel::{ChannelId, Channels};
use crate::columns::{Columns, Problems, Spec, header_names, parse_count, parse_value};
use crate::credit::Credit;
use crate::error::{Error, Problem};
use crate::eventlog::{self, EVENT_LOG_COLUMNS};
use crate::journey::{Event, JourneyAssembler};
use crate::path::PathTable;
use crate::records::{Record, RecordTooBig, Records};
use crate::timestamp::Timestamp;

pub use crate::rows::MAX_TOUCHPOINT_ROWS;

/// Which of the formats the input was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// ChannelAttribution's paths: `path;total_conversions;total_conversion_value;total_null`
    /// (the last two optional; `;` or `,` separated).
    Paths,
    /// `journey_id,timestamp,event,channel,value`.
    Touchpoints,
    /// An event log: `cookie` (or `customer_id`, `user_id`), `time`, `interaction`, `channel`,
    /// and optionally `conversion` and `conversion_value`.
    EventLog,
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
pub(crate) fn next<R: Read>(reader: &mut Records<R>) -> Result<Option<Record<'_>>, Error> {
    reader
        .next_record()
        .map_err(|e| match RecordTooBig::of(&e) {
            Some(big) => Error::Invalid(vec![Problem::line(big.line, big.message.clone())]),
            None => Error::from(e),
        })
}

/// Reads any of the formats from `input`.
pub fn read(input: impl Read, options: &ReadOptions) -> Result<Dataset, Error> {
    if let Some(days) = options.time_decay_half_life_days
        && !(days.is_finite() && days > 0.0)
    {
        return Err(Error::Unsupported(format!(
            "the time-decay half-life must be a positive number of days, not {days}"
        )));
    }
    let (reader, layout, _) = open(input)?;
    match layout {
        Layout::Paths(columns) => read_paths(reader, &columns),
        Layout::Touchpoints(columns) => read_touchpoints(reader, &columns, options),
        Layout::EventLog(columns) => eventlog::read_dataset(reader, &columns, options),
    }
}

/// The format of an input, from its header alone (for callers that treat the formats
/// differently: the server stores dated rows and attributes a path file as a whole).
pub fn detect_format(input: impl Read) -> Result<InputFormat, Error> {
    let (_, layout, _) = open(input)?;
    Ok(match layout {
        Layout::Paths(_) => InputFormat::Paths,
        Layout::Touchpoints(_) => InputFormat::Touchpoints,
        Layout::EventLog(_) => InputFormat::EventLog,
    })
}

/// The columns of ChannelAttribution's path files (its `Data` example and what its functions
/// take: `var_value` and `var_null` are optional).
pub(crate) const PATH_COLUMNS: [Spec; 4] = [
    Spec::required(&["path"]),
    Spec::required(&["total_conversions"]),
    Spec::optional(&["total_conversion_value"]),
    Spec::optional(&["total_null"]),
];

/// The columns of the contract's touchpoint format.
pub(crate) const TOUCHPOINT_COLUMNS: [Spec; 5] = [
    Spec::required(&["journey_id"]),
    Spec::required(&["timestamp"]),
    Spec::required(&["event"]),
    Spec::required(&["channel"]),
    Spec::required(&["value"]),
];

/// A format and where its columns are.
#[derive(Debug)]
pub(crate) enum Layout {
    Paths(Columns<4>),
    Touchpoints(Columns<5>),
    EventLog(Columns<6>),
}

/// The header's problem when it matches no format.
pub(crate) const UNRECOGNISED_HEADER: &str = "unrecognised header: expected ChannelAttribution \
     paths `path;total_conversions;total_conversion_value;total_null` (separated by `;` or `,`), \
     touchpoints `journey_id,timestamp,event,channel,value`, or an event log with `cookie` (or \
     `customer_id`), `time`, `interaction`, `conversion`, `conversion_value` and `channel`";

/// Detects the format from the header's column names: `journey_id` means touchpoints, `path`
/// a path file, a user column (`cookie`, `customer_id`, `user_id`) an event log.
pub(crate) fn detect(header: &[String]) -> Result<Layout, Error> {
    let has = |name: &str| header.iter().any(|h| h == name);
    if has("journey_id") {
        Ok(Layout::Touchpoints(Columns::find(
            header,
            &TOUCHPOINT_COLUMNS,
        )?))
    } else if has("path") {
        Ok(Layout::Paths(Columns::find(header, &PATH_COLUMNS)?))
    } else if EVENT_LOG_COLUMNS[0].names.iter().any(|n| has(n)) {
        Ok(Layout::EventLog(Columns::find(header, &EVENT_LOG_COLUMNS)?))
    } else {
        Err(Error::Invalid(vec![Problem::line(1, UNRECOGNISED_HEADER)]))
    }
}

/// Opens an input: sniffs its separator, reads its header and detects its format. Returns the
/// reader after the header, the format's columns and the header's (lower-cased) names.
pub(crate) fn open<R: Read>(input: R) -> Result<(Records<R>, Layout, Vec<String>), Error> {
    let mut reader = Records::new(input);
    reader.sniff_delimiter()?;
    let Some(record) = next(&mut reader)? else {
        return Err(Error::Invalid(vec![Problem::line(
            1,
            "the input is empty: expected a header line",
        )]));
    };
    let header = header_names(&record);
    let layout = detect(&header)?;
    Ok((reader, layout, header))
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
            // Without the column (or with an empty cell), a path has no non-converting journeys.
            let nulls = match columns.field(&record, 3, line)? {
                b"" => 0.0,
                text => parse_count(text).map_err(|m| columns.problem(3, line, m))?,
            };
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
pub(crate) enum RawEvent<'r> {
    Touch(&'r [u8]),
    Conversion(Decimal),
}

/// Checks one touchpoint row: journey, timestamp, event and its channel or value.
pub(crate) fn touchpoint_fields<'r>(
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
