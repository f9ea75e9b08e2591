//! Event logs shaped like the public attribution data sets (the Kaggle "Multi-touch attribution"
//! file: `cookie,time,interaction,conversion,conversion_value,channel`): one row per impression or
//! conversion of a user, in any order.
//!
//! A row whose `interaction` is `impression` (or `click`) is a touch on its channel. A row whose
//! `interaction` is `conversion` is a conversion worth `conversion_value`; when it names a channel
//! (the public file always does: the channel that brought the customer to the site) that channel
//! is touched at the same instant, just before the conversion. `conversion`, when present, must
//! agree (1 on conversions, 0 on impressions), so a file whose flags and interactions disagree is
//! refused rather than counted one way or the other.
//!
//! Unlike touchpoints, the rows are not grouped by user, so they are buffered: each user id is
//! interned once and each event kept in about 48 bytes, then the events are grouped per user
//! (stable, so equal instants keep the file's order) and cut into journeys exactly as touchpoints
//! are. Memory grows with the rows, which public logs keep in the hundreds of thousands.

use std::io::Read;

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::channel::Channels;
use crate::columns::{Columns, Problems, Spec, parse_value};
use crate::error::{Error, Problem};
use crate::journey::{Event, JourneyAssembler};
use crate::path::PathTable;
use crate::read::{Dataset, InputFormat, ReadOptions, next};
use crate::records::{Record, Records};
use crate::timestamp::Timestamp;

/// The columns of an event log, by position in this list.
pub(crate) const EVENT_LOG_COLUMNS: [Spec; 6] = [
    Spec::required(&["cookie", "customer_id", "user_id"]),
    Spec::required(&["time", "timestamp"]),
    Spec::required(&["interaction"]),
    Spec::required(&["channel"]),
    Spec::optional(&["conversion"]),
    Spec::optional(&["conversion_value"]),
];

pub(crate) const USER: usize = 0;
pub(crate) const TIME: usize = 1;
const INTERACTION: usize = 2;
pub(crate) const CHANNEL: usize = 3;
const CONVERSION: usize = 4;
const VALUE: usize = 5;

/// One checked row of an event log.
#[derive(Debug)]
pub(crate) struct LogRow<'r> {
    pub user: &'r [u8],
    pub at: Timestamp,
    /// The channel touched (an impression's, or the channel a conversion row names).
    pub touch: Option<&'r [u8]>,
    /// The conversion's value, on a conversion row.
    pub conversion: Option<Decimal>,
}

/// A `conversion` flag: 0 or 1 (as integers, decimals or booleans, as exports write them).
fn parse_flag(text: &[u8]) -> Result<bool, String> {
    let t = String::from_utf8_lossy(text).to_ascii_lowercase();
    match t.as_str() {
        "1" | "1.0" | "true" => Ok(true),
        "0" | "0.0" | "false" => Ok(false),
        _ => Err(format!("`{t}` is not 0 or 1")),
    }
}

/// Checks one event-log row (see the module documentation for what each row means).
pub(crate) fn log_fields<'r>(
    columns: &Columns<6>,
    record: &Record<'r>,
    line: u64,
) -> Result<LogRow<'r>, Problem> {
    let user = columns.field(record, USER, line)?;
    if user.is_empty() {
        return Err(columns.problem(USER, line, "empty user id"));
    }
    let text = columns.field(record, TIME, line)?;
    let at = Timestamp::parse_event_time(text).ok_or_else(|| {
        columns.problem(
            TIME,
            line,
            format!(
                "`{}` is not a date and time (like 2018-07-03T13:02:11Z, or 2018-07-03 13:02:11 \
                 read as UTC)",
                String::from_utf8_lossy(text)
            ),
        )
    })?;
    let interaction = columns.field(record, INTERACTION, line)?;
    let converts = if interaction.eq_ignore_ascii_case(b"conversion") {
        true
    } else if interaction.eq_ignore_ascii_case(b"impression")
        || interaction.eq_ignore_ascii_case(b"click")
    {
        false
    } else {
        return Err(columns.problem(
            INTERACTION,
            line,
            format!(
                "unknown interaction `{}`: expected `impression` or `conversion`",
                String::from_utf8_lossy(interaction)
            ),
        ));
    };
    let channel = columns.field(record, CHANNEL, line)?;
    let flag = match columns.field(record, CONVERSION, line)? {
        b"" => None,
        text => Some(parse_flag(text).map_err(|m| columns.problem(CONVERSION, line, m))?),
    };
    match (converts, flag) {
        (true, Some(false)) => {
            return Err(columns.problem(
                CONVERSION,
                line,
                "the interaction is `conversion` but conversion is 0",
            ));
        }
        (false, Some(true)) => {
            return Err(columns.problem(
                CONVERSION,
                line,
                "conversion is 1 but the interaction is not `conversion` (a conversion is a row \
                 whose interaction is `conversion`)",
            ));
        }
        _ => {}
    }
    let value = parse_value(columns.field(record, VALUE, line)?)
        .map_err(|m| columns.problem(VALUE, line, m))?;
    if !converts {
        if !value.is_zero() {
            return Err(columns.problem(
                VALUE,
                line,
                "a conversion value on a row that is not a conversion",
            ));
        }
        if channel.is_empty() {
            return Err(columns.problem(CHANNEL, line, "an impression needs a channel name"));
        }
    }
    Ok(LogRow {
        user,
        at,
        touch: (!channel.is_empty()).then_some(channel),
        conversion: converts.then_some(value),
    })
}

/// One buffered event: the user (interned), where it came from, when and what.
#[derive(Debug, Clone, Copy)]
struct Buffered {
    user: u32,
    line: u64,
    at: Timestamp,
    event: Event,
}

/// Reads an event log (after its header) into a data set.
pub(crate) fn read_dataset<R: Read>(
    mut reader: Records<R>,
    columns: &Columns<6>,
    options: &ReadOptions,
) -> Result<Dataset, Error> {
    let mut channels = Channels::new();
    let mut users: FxHashMap<Box<[u8]>, u32> = FxHashMap::default();
    let mut events: Vec<Buffered> = Vec::new();
    let mut problems = Problems::default();
    while !problems.full() {
        let Some(record) = next(&mut reader)? else {
            break;
        };
        let line = record.line();
        if record.iter().all(|f| f.trim_ascii().is_empty()) {
            continue;
        }
        let row = log_fields(columns, &record, line).and_then(|row| {
            let touch = match row.touch {
                Some(name) => Some(
                    channels
                        .intern_bytes(name)
                        .map_err(|e| columns.problem(CHANNEL, line, e.to_string()))?,
                ),
                None => None,
            };
            Ok((row.user, row.at, touch, row.conversion))
        });
        let (user, at, touch, conversion) = match row {
            Ok(row) => row,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let user = match users.get(user) {
            Some(&id) => id,
            None => {
                let id = u32::try_from(users.len())
                    .map_err(|_| Error::Unsupported("more than 4294967295 users".into()))?;
                users.insert(user.into(), id);
                id
            }
        };
        if let Some(channel) = touch {
            events.push(Buffered {
                user,
                line,
                at,
                event: Event::Touch(channel),
            });
        }
        if let Some(value) = conversion {
            events.push(Buffered {
                user,
                line,
                at,
                event: Event::Conversion(value),
            });
        }
    }
    drop(users);
    problems.finish(())?;
    // Grouped per user; the sort is stable, so a user's rows keep the file's order.
    events.sort_by_key(|e| e.user);
    let mut table = PathTable::new();
    let mut journeys = JourneyAssembler::new(options.time_decay_half_life_days);
    for e in &events {
        journeys.push(&e.user.to_be_bytes(), e.line, e.at, e.event, &mut table)?;
    }
    let decay = journeys.finish(&mut table)?;
    let time_decay = decay.map(|d| (d.half_life_days(), d.credit(channels.len())));
    Ok(Dataset {
        format: InputFormat::EventLog,
        channels,
        paths: table,
        time_decay,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_as_exports_write_them() {
        assert_eq!(parse_flag(b"1"), Ok(true));
        assert_eq!(parse_flag(b"0.0"), Ok(false));
        assert_eq!(parse_flag(b"TRUE"), Ok(true));
        assert!(parse_flag(b"2").is_err());
        assert!(parse_flag(b"yes").is_err());
    }
}
