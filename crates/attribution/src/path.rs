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

/// Touches that fit in a packed key.
const INLINE: usize = 15;

/// Distinct paths (raw touch sequences, repeats kept: `linear` counts them) with their totals, keyed
/// by the path itself through a fast hash; plus the conversions that had no touch at all.
///
/// A path of up to 15 touches over the first 255 channels (nearly every real path) is keyed by the
/// path packed into one `u128`, a byte per touch: exact like the slice, but hashed and compared
/// in registers, with no pointer to follow. Folding a million journeys is dominated by this lookup,
/// so it matters. Longer paths, or paths over more channels, use the boxed slice.
#[derive(Debug, Clone, Default)]
pub struct PathTable {
    short: FxHashMap<u128, PathStats>,
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
        let stats = if let Some(key) = pack(path) {
            self.short.entry(key).or_default()
        } else {
            // Look up by slice first so that a repeated path allocates nothing.
            match self.paths.get_mut(path) {
                Some(stats) => stats,
                None => self.paths.entry(path.into()).or_default(),
            }
        };
        stats.conversions += conversions;
        if !value.is_zero() {
            // Most journeys do not convert: skip the decimal addition for them.
            stats.value = checked_sum(stats.value, value)?;
        }
        stats.nulls += nulls;
        Ok(())
    }

    /// Every distinct path with its totals, in an unspecified (but, for one input, repeatable) order.
    pub fn iter(&self) -> impl Iterator<Item = (Path<'_>, &PathStats)> {
        let short = self.short.iter().map(|(key, stats)| (unpack(*key), stats));
        let long = self.paths.iter().map(|(path, stats)| {
            (
                Path {
                    inline: [ChannelId::default(); INLINE],
                    len: 0,
                    long: Some(path),
                },
                stats,
            )
        });
        short.chain(long)
    }

    /// How many distinct paths.
    pub fn len(&self) -> usize {
        self.short.len() + self.paths.len()
    }

    /// Whether there is no path at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn stats(&self) -> impl Iterator<Item = &PathStats> {
        self.short.values().chain(self.paths.values())
    }

    /// Conversions on paths with at least one touch: what every model shares out. (`+ 0.0`: a
    /// float sum of nothing is −0.0, which JSON would show as `-0.0`.)
    pub fn total_conversions(&self) -> f64 {
        self.stats().map(|s| s.conversions).sum::<f64>() + 0.0
    }

    /// Value of the conversions on paths with at least one touch.
    pub fn total_value(&self) -> Result<Decimal, Error> {
        self.stats()
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

/// One path of a [`PathTable`], unpacked; use it as a `&[ChannelId]`.
#[derive(Debug, Clone, Copy)]
pub struct Path<'a> {
    inline: [ChannelId; INLINE],
    len: u8,
    long: Option<&'a [ChannelId]>,
}

impl std::ops::Deref for Path<'_> {
    type Target = [ChannelId];

    fn deref(&self) -> &[ChannelId] {
        match self.long {
            Some(path) => path,
            None => &self.inline[..usize::from(self.len)],
        }
    }
}

/// The packed key of a short path over the first 255 channels: touch i in byte i as id + 1.
fn pack(path: &[ChannelId]) -> Option<u128> {
    if path.len() > INLINE {
        return None;
    }
    let mut key = 0u128;
    for (i, c) in path.iter().enumerate() {
        let byte = c.get().checked_add(1).filter(|b| *b <= 255)?;
        key |= u128::from(byte) << (8 * i);
    }
    Some(key)
}

fn unpack(mut key: u128) -> Path<'static> {
    let mut path = Path {
        inline: [ChannelId::default(); INLINE],
        len: 0,
        long: None,
    };
    while key != 0 {
        #[allow(clippy::cast_possible_truncation)] // one byte
        let byte = (key & 0xFF) as u32;
        path.inline[usize::from(path.len)] =
            ChannelId::from_index((byte - 1) as usize).unwrap_or_default();
        path.len += 1;
        key >>= 8;
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(raw: &[usize]) -> Vec<ChannelId> {
        raw.iter()
            .filter_map(|&i| ChannelId::from_index(i))
            .collect()
    }

    #[test]
    fn packed_and_long_paths_come_back_as_given() {
        let mut table = PathTable::new();
        let short = ids(&[0, 254, 3, 3]);
        let wide = ids(&[1, 255]);
        let long = ids(&[2; 16]);
        for path in [&short, &wide, &long, &short] {
            table.add(path, 1.0, Decimal::ONE, 2.0).expect("small sums");
        }
        assert_eq!(table.len(), 3);
        let mut seen: Vec<(Vec<ChannelId>, f64)> = table
            .iter()
            .map(|(p, s)| (p.to_vec(), s.conversions))
            .collect();
        seen.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(seen, vec![(short.clone(), 2.0), (wide, 1.0), (long, 1.0)]);
        assert!((table.total_conversions() - 4.0).abs() < 1e-12);
        assert_eq!(table.total_value().expect("small"), Decimal::from(4));
    }
}
