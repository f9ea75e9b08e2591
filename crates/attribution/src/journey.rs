//! Touchpoint rows to paths, one journey at a time.
//!
//! Rows must come grouped by `journey_id` (any order inside a journey, any order of journeys): that is
//! what makes the reader streaming. Only the current journey's events are buffered; when the id
//! changes, the journey is sorted by time, cut into paths at each conversion, and folded into the
//! [`PathTable`]. A journey that comes back after another one started is an input error, detected
//! with a 64-bit fingerprint per finished journey (8 bytes each, not the rows): the alternative,
//! holding every open journey until the end, costs memory in proportion to the rows.

use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rustc_hash::FxHashSet;

use crate::channel::ChannelId;
use crate::error::{Error, Problem};
use crate::path::PathTable;
use crate::time_decay::TimeDecay;
use crate::timestamp::Timestamp;

/// What happened at one row of a journey.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// A touch on a channel.
    Touch(ChannelId),
    /// A conversion worth this much.
    Conversion(Decimal),
}

#[derive(Debug, Clone, Copy)]
struct Row {
    at: Timestamp,
    line: u64,
    event: Event,
}

impl Row {
    /// Sort key: time, then touches before conversions at the same instant (a touch stamped with the
    /// conversion's own time led to it), then input order.
    fn key(&self) -> (Timestamp, u8, u64) {
        let rank = match self.event {
            Event::Touch(_) => 0,
            Event::Conversion(_) => 1,
        };
        (self.at, rank, self.line)
    }
}

/// Groups rows into journeys and journeys into paths.
#[derive(Debug, Default)]
pub struct JourneyAssembler {
    current: Vec<u8>,
    rows: Vec<Row>,
    finished: FxHashSet<u64>,
    touches: Vec<(ChannelId, Timestamp)>,
    path: Vec<ChannelId>,
    time_decay: Option<TimeDecay>,
}

impl JourneyAssembler {
    /// An assembler that also credits time decay with this half-life, if given.
    pub fn new(half_life_days: Option<f64>) -> Self {
        Self {
            time_decay: half_life_days.map(TimeDecay::new),
            ..Self::default()
        }
    }

    /// Adds one row of journey `journey`, found at `line`.
    pub fn push(
        &mut self,
        journey: &[u8],
        line: u64,
        at: Timestamp,
        event: Event,
        paths: &mut PathTable,
    ) -> Result<(), Error> {
        if journey != self.current.as_slice() || self.rows.is_empty() {
            if !self.rows.is_empty() {
                self.close(paths)?;
            }
            let seen_before = !self.finished.insert(fingerprint(journey));
            self.current.clear();
            self.current.extend_from_slice(journey);
            if seen_before {
                // The rows of this group are still gathered (and the error reported once, not per row).
                self.rows.push(Row { at, line, event });
                return Err(Error::Invalid(vec![Problem::at(
                    line,
                    1,
                    "journey_id",
                    format!(
                        "journey `{}` appears again after other journeys; touchpoint rows must be \
                         grouped by journey_id (sort the file by journey_id)",
                        String::from_utf8_lossy(journey)
                    ),
                )]));
            }
        }
        self.rows.push(Row { at, line, event });
        Ok(())
    }

    /// Closes the last journey; returns the time-decay credit if it was asked for.
    pub fn finish(mut self, paths: &mut PathTable) -> Result<Option<TimeDecay>, Error> {
        if !self.rows.is_empty() {
            self.close(paths)?;
        }
        Ok(self.time_decay)
    }

    fn close(&mut self, paths: &mut PathTable) -> Result<(), Error> {
        self.rows.sort_unstable_by_key(Row::key);
        self.touches.clear();
        for row in &self.rows {
            match row.event {
                Event::Touch(channel) => self.touches.push((channel, row.at)),
                Event::Conversion(value) => {
                    self.path.clear();
                    self.path.extend(self.touches.iter().map(|(c, _)| *c));
                    paths.add(&self.path, 1.0, value, 0.0)?;
                    if let Some(decay) = &mut self.time_decay
                        && !self.touches.is_empty()
                    {
                        decay.credit_conversion(
                            &self.touches,
                            row.at,
                            value.to_f64().unwrap_or(0.0),
                        );
                    }
                    self.touches.clear();
                }
            }
        }
        if !self.touches.is_empty() {
            self.path.clear();
            self.path.extend(self.touches.iter().map(|(c, _)| *c));
            paths.add(&self.path, 0.0, Decimal::ZERO, 1.0)?;
        }
        self.rows.clear();
        Ok(())
    }
}

/// A 64-bit SipHash of the journey id (fixed keys, so runs are repeatable). Two distinct ids collide
/// with probability about n²/2⁶⁵: for ten million journeys, under one in 300,000 runs.
fn fingerprint(journey: &[u8]) -> u64 {
    BuildHasherDefault::<DefaultHasher>::default().hash_one(journey)
}
