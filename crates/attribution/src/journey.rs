//! Touchpoint rows to paths, one journey at a time.
//!
//! Rows must come grouped by `journey_id` (any order inside a journey, any order of journeys): that is
//! what makes the reader streaming. Only the current journey's events are buffered; when the id
//! changes, the journey is sorted by time, cut into paths at each conversion, and folded into the
//! [`PathTable`]. A journey that comes back after another one started is an input error. It is
//! detected from a 64-bit fingerprint and the first line of each block of rows (16 bytes per journey,
//! appended in order, never the rows): when the ids arrive in increasing order (any export sorted by
//! journey_id) no id can repeat and the list is never even looked at; otherwise it is sorted once at
//! the end and adjacent equal fingerprints are the repeats. Holding every open journey until the end
//! instead would cost memory in proportion to the rows.

use rust_decimal::Decimal;

use crate::channel::ChannelId;
use crate::error::{Error, MAX_PROBLEMS, Problem};
use crate::path::PathTable;
use crate::time_decay::TimeDecay;
use crate::timestamp::Timestamp;

/// Entries per chunk of the block list (1 MiB).
const BLOCK_CHUNK: usize = 1 << 16;

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
    /// (fingerprint, first line) of each block of rows, in fixed-size chunks so that growing never
    /// copies (and briefly doubles) the whole list.
    blocks: Vec<Vec<(u64, u64)>>,
    ids_increasing: bool,
    touches: Vec<(ChannelId, Timestamp)>,
    path: Vec<ChannelId>,
    time_decay: Option<TimeDecay>,
}

impl JourneyAssembler {
    /// An assembler that also credits time decay with this half-life, if given.
    pub fn new(half_life_days: Option<f64>) -> Self {
        Self {
            time_decay: half_life_days.map(TimeDecay::new),
            ids_increasing: true,
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
                self.ids_increasing &= journey > self.current.as_slice();
                self.close(paths)?;
            }
            if self
                .blocks
                .last()
                .is_none_or(|chunk| chunk.len() == BLOCK_CHUNK)
            {
                self.blocks.push(Vec::with_capacity(BLOCK_CHUNK));
            }
            if let Some(chunk) = self.blocks.last_mut() {
                chunk.push((fingerprint(journey), line));
            }
            self.current.clear();
            self.current.extend_from_slice(journey);
        }
        self.rows.push(Row { at, line, event });
        Ok(())
    }

    /// Closes the last journey and checks that no journey came in two blocks; returns the
    /// time-decay credit if it was asked for.
    pub fn finish(mut self, paths: &mut PathTable) -> Result<Option<TimeDecay>, Error> {
        if !self.rows.is_empty() {
            self.close(paths)?;
        }
        if !self.ids_increasing {
            let mut blocks: Vec<(u64, u64)> = self.blocks.concat();
            self.blocks.clear();
            blocks.sort_unstable();
            let mut problems: Vec<Problem> = blocks
                .windows(2)
                .filter(|pair| pair[0].0 == pair[1].0)
                .map(|pair| {
                    Problem::at(
                        pair[1].1,
                        1,
                        "journey_id",
                        format!(
                            "this journey already had rows in an earlier block (line {}); touchpoint \
                             rows must be grouped by journey_id (sort the file by journey_id)",
                            pair[0].1
                        ),
                    )
                })
                .take(MAX_PROBLEMS)
                .collect();
            if !problems.is_empty() {
                problems.sort_by_key(|p| p.line);
                return Err(Error::Invalid(problems));
            }
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
                        decay.credit_conversion(&self.touches, row.at, crate::money::weight(value));
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

/// A 64-bit fingerprint of the journey id: eight bytes at a time through a multiply-xorshift mix,
/// finished with MurmurHash3's avalanche. Well spread, so two distinct ids collide with probability
/// about n²/2⁶⁵ (ten million journeys: under one run in 300,000), at a tenth of SipHash's cost. It is
/// not keyed: a file crafted to collide can only earn itself a spurious "not grouped" error.
fn fingerprint(journey: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (journey.len() as u64).wrapping_mul(K);
    let mut chunks = journey.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(K)
            .rotate_left(29);
    }
    let mut last = [0u8; 8];
    last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h ^ u64::from_le_bytes(last)).wrapping_mul(K);
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn fingerprints_differ_for_near_identical_ids() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..200_000u32 {
            assert!(seen.insert(fingerprint(format!("j{i:08}").as_bytes())));
        }
        assert_ne!(fingerprint(b""), fingerprint(b"\0"));
        assert_ne!(fingerprint(b"abcdefgh"), fingerprint(b"abcdefgh\0"));
    }
}
