//! Touchpoints as owned rows, for callers that store them (the server keeps an organisation's
//! journeys and attributes a window of them later): reading an upload in either dated format
//! (touchpoints or an event log) into rows, and rebuilding a data set from stored rows exactly as
//! [`crate::read::read`] builds it from the same rows in a file.

use std::io::Read;

use rust_decimal::Decimal;

use crate::channel::Channels;
use crate::columns::{Columns, Problems};
use crate::error::{Error, Problem};
use crate::eventlog::{self, log_fields};
use crate::journey::{Event, JourneyAssembler};
use crate::path::PathTable;
use crate::read::{
    Dataset, InputFormat, Layout, RawEvent, ReadOptions, next, open, touchpoint_fields,
};
use crate::records::{Record, Records};
use crate::timestamp::Timestamp;

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
/// (the row, the stored form, the duplicate check), so 400,000 rows stay near 170 MB.
/// [`crate::read::read`] folds rows into paths as it goes and has no such limit.
pub const MAX_TOUCHPOINT_ROWS: usize = 400_000;

/// The answer to a file with more than [`MAX_TOUCHPOINT_ROWS`] rows, found by `line`.
fn too_many(line: u64) -> Error {
    Error::TooLarge(format!(
        "the file has more than {MAX_TOUCHPOINT_ROWS} touchpoints (by line {line}); at most \
         {MAX_TOUCHPOINT_ROWS} are read at once: split the file"
    ))
}

/// A column of the file, to name in a problem found after reading (a repeated key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    /// 1-based position.
    pub index: usize,
    /// The header's name for it (lower-cased).
    pub name: String,
}

/// An upload read into rows, with its format and where its journey, time and channel columns are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TouchpointFile {
    /// [`InputFormat::Touchpoints`] or [`InputFormat::EventLog`].
    pub format: InputFormat,
    /// The journey's column: `journey_id`, or an event log's user column (`cookie`, ...).
    pub journey: ColumnRef,
    /// The instant's column: `timestamp` or `time`.
    pub time: ColumnRef,
    /// The channel's column.
    pub channel: ColumnRef,
    /// The rows in input order. An event log's conversion row that names a channel gives two
    /// rows with its line: the touch, then the conversion.
    pub rows: Vec<TouchpointRow>,
}

/// What a path file is answered when dated rows are needed.
pub const PATHS_HAVE_NO_DATES: &str = "this is a ChannelAttribution path file (`path;\
    total_conversions;...`): aggregated paths carry no dates or journeys, so they cannot be stored \
    as touchpoints or placed in a campaign's date window. Attribute it as a whole with `spendlens \
    attribute --input FILE --model all` (or POST /api/attribution/paths), or upload the event log \
    or touchpoints it was made from";

fn column_ref<const N: usize>(columns: &Columns<N>, k: usize) -> ColumnRef {
    let (index, name) = columns.column(k).unwrap_or((0, ""));
    ColumnRef {
        index,
        name: name.to_owned(),
    }
}

/// The optional `campaign_id` cell of a row (empty cells are `None`).
fn campaign_of(
    record: &Record<'_>,
    column: Option<usize>,
    line: u64,
) -> Result<Option<String>, Problem> {
    let Some(i) = column else {
        return Ok(None);
    };
    match record.get(i).map(<[u8]>::trim_ascii) {
        Some(cell) if !cell.is_empty() => std::str::from_utf8(cell)
            .map(|s| Some(s.to_owned()))
            .map_err(|_| Problem::at(line, i + 1, "campaign_id", "not UTF-8")),
        _ => Ok(None),
    }
}

fn text(bytes: &[u8], problem: impl FnOnce() -> Problem) -> Result<String, Problem> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| problem())
}

/// Reads dated input (touchpoints or an event log; a path file is refused with
/// [`PATHS_HAVE_NO_DATES`]) into owned rows, in input order and without requiring rows grouped by
/// journey: for callers that store touchpoints and later rebuild a data set with
/// [`dataset_from_rows`]. An extra `campaign_id` column is kept when present. Every problem is
/// reported with line and column, as [`crate::read::read`] does; any problem fails the whole read.
pub fn read_touchpoint_rows(input: impl Read) -> Result<TouchpointFile, Error> {
    let (mut reader, layout, campaign_column) = open_with_campaign(input)?;
    let mut rows = Vec::new();
    let mut problems = Problems::default();
    let file = |format, journey, time, channel, rows| TouchpointFile {
        format,
        journey,
        time,
        channel,
        rows,
    };
    match layout {
        Layout::Paths(_) => Err(Error::Invalid(vec![Problem::line(1, PATHS_HAVE_NO_DATES)])),
        Layout::Touchpoints(columns) => {
            while !problems.full() {
                let Some(record) = next(&mut reader)? else {
                    break;
                };
                let line = record.line();
                if record.iter().all(|f| f.trim_ascii().is_empty()) {
                    continue;
                }
                if rows.len() >= MAX_TOUCHPOINT_ROWS {
                    return Err(too_many(line));
                }
                let row =
                    touchpoint_fields(&columns, &record, line).and_then(|(journey, at, event)| {
                        let journey_id = text(journey, || columns.problem(0, line, "not UTF-8"))?;
                        let event = match event {
                            RawEvent::Touch(channel) => {
                                TouchpointEvent::Touch(text(channel, || {
                                    columns.problem(3, line, "not UTF-8")
                                })?)
                            }
                            RawEvent::Conversion(value) => TouchpointEvent::Conversion(value),
                        };
                        Ok(TouchpointRow {
                            line,
                            journey_id,
                            at,
                            event,
                            campaign_id: campaign_of(&record, campaign_column, line)?,
                        })
                    });
                match row {
                    Ok(row) => rows.push(row),
                    Err(problem) => problems.push(problem),
                }
            }
            let refs = (
                column_ref(&columns, 0),
                column_ref(&columns, 1),
                column_ref(&columns, 3),
            );
            problems.finish(file(InputFormat::Touchpoints, refs.0, refs.1, refs.2, rows))
        }
        Layout::EventLog(columns) => {
            while !problems.full() {
                let Some(record) = next(&mut reader)? else {
                    break;
                };
                let line = record.line();
                if record.iter().all(|f| f.trim_ascii().is_empty()) {
                    continue;
                }
                if rows.len() >= MAX_TOUCHPOINT_ROWS {
                    return Err(too_many(line));
                }
                let row = log_fields(&columns, &record, line).and_then(|row| {
                    let journey_id = text(row.user, || {
                        columns.problem(eventlog::USER, line, "not UTF-8")
                    })?;
                    let touch = match row.touch {
                        Some(channel) => Some(text(channel, || {
                            columns.problem(eventlog::CHANNEL, line, "not UTF-8")
                        })?),
                        None => None,
                    };
                    Ok((
                        journey_id,
                        row.at,
                        touch,
                        row.conversion,
                        campaign_of(&record, campaign_column, line)?,
                    ))
                });
                match row {
                    Ok((journey_id, at, touch, conversion, campaign_id)) => {
                        if let Some(channel) = touch {
                            rows.push(TouchpointRow {
                                line,
                                journey_id: journey_id.clone(),
                                at,
                                event: TouchpointEvent::Touch(channel),
                                campaign_id: campaign_id.clone(),
                            });
                        }
                        if let Some(value) = conversion {
                            rows.push(TouchpointRow {
                                line,
                                journey_id,
                                at,
                                event: TouchpointEvent::Conversion(value),
                                campaign_id,
                            });
                        }
                    }
                    Err(problem) => problems.push(problem),
                }
            }
            let refs = (
                column_ref(&columns, eventlog::USER),
                column_ref(&columns, eventlog::TIME),
                column_ref(&columns, eventlog::CHANNEL),
            );
            problems.finish(file(InputFormat::EventLog, refs.0, refs.1, refs.2, rows))
        }
    }
}

/// [`open`], also finding the optional `campaign_id` column.
fn open_with_campaign<R: Read>(input: R) -> Result<(Records<R>, Layout, Option<usize>), Error> {
    let (reader, layout, header) = open(input)?;
    let campaign = header.iter().position(|h| h == "campaign_id");
    Ok((reader, layout, campaign))
}

/// A data set from owned touchpoint rows that come grouped by journey (any order inside a journey),
/// exactly as [`crate::read::read`] would build it from the same rows written as CSV in that order. Each row's
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
