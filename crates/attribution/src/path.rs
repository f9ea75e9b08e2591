//! The aggregated paths: the only thing (besides time-decay sums) that survives reading, so memory
//! grows with the number of distinct paths, never with the number of rows or journeys.

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::channel::ChannelId;
use crate::error::Error;

/// What the journeys that followed one path add up to.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PathStats {
    /// Conversions that closed this path (a count; fractional counts are allowed in path input).
    pub conversions: f64,
    /// The conversion value of those conversions: money, kept exact.
    pub value: Decimal,
    /// Journeys that followed this path and did not convert.
    pub nulls: f64,
}

/// Distinct paths (raw touch sequences, repeats kept: `linear` counts them) with their totals, keyed
/// by the path itself through a fast hash; plus the conversions that had no touch at all.
#[derive(Debug, Clone, Default)]
pub struct PathTable {
    paths: FxHashMap<Box<[ChannelId]>, PathStats>,
    unattributed_conversions: f64,
    unattributed_value: Decimal,
}

impl PathTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds journeys that followed `path`. An empty path carries no touch: its conversions are
    /// unattributed and its nulls say nothing about any channel, so they are dropped.
    /// Fails only if a value total leaves the range of a decimal (about 7.9e28).
    pub fn add(
        &mut self,
        path: &[ChannelId],
        conversions: f64,
        value: Decimal,
        nulls: f64,
    ) -> Result<(), Error> {
        if path.is_empty() {
            self.unattributed_conversions += conversions;
            self.unattributed_value = checked_sum(self.unattributed_value, value)?;
            return Ok(());
        }
        // Look up by slice first so that a repeated path allocates nothing.
        let stats = match self.paths.get_mut(path) {
            Some(stats) => stats,
            None => self.paths.entry(path.into()).or_default(),
        };
        stats.conversions += conversions;
        stats.value = checked_sum(stats.value, value)?;
        stats.nulls += nulls;
        Ok(())
    }

    /// Every distinct path with its totals, in an unspecified (but, for one input, repeatable) order.
    pub fn iter(&self) -> impl Iterator<Item = (&[ChannelId], &PathStats)> {
        self.paths.iter().map(|(path, stats)| (&**path, stats))
    }

    /// How many distinct paths.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether there is no path at all.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// Conversions on paths with at least one touch: what every model shares out.
    pub fn total_conversions(&self) -> f64 {
        self.paths.values().map(|s| s.conversions).sum()
    }

    /// Value of the conversions on paths with at least one touch.
    pub fn total_value(&self) -> Result<Decimal, Error> {
        self.paths
            .values()
            .try_fold(Decimal::ZERO, |sum, s| checked_sum(sum, s.value))
    }

    /// Conversions with no touch before them (and their value): reported, never shared out.
    pub fn unattributed(&self) -> (f64, Decimal) {
        (self.unattributed_conversions, self.unattributed_value)
    }
}

/// Adds two amounts of money, failing instead of panicking past the range of a decimal.
pub(crate) fn checked_sum(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
    a.checked_add(b)
        .ok_or_else(|| Error::Numeric("a value total exceeds the range of a decimal".into()))
}
