//! The rule-based models: first touch, last touch, linear and position based (40/20/40).
//!
//! They depend on a path only through its touch sequence, so they run over the distinct paths, each
//! weighted by its conversions: the cost is the number of distinct paths, not of journeys.

use crate::channel::ChannelId;
use crate::credit::Credit;
use crate::path::PathTable;

/// Which rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// All credit to the first touch.
    FirstTouch,
    /// All credit to the last touch.
    LastTouch,
    /// 1/L to each touch (repeats count).
    Linear,
    /// 40 % first, 40 % last, 20 % over the middle; 50/50 for two touches; all for one.
    PositionBased,
}

/// Credits every converting path by `rule`.
pub fn credit(paths: &PathTable, channels: usize, rule: Rule) -> Credit {
    let mut credit = Credit::zero(channels);
    for (path, stats) in paths.iter() {
        let path: &[ChannelId] = &path;
        if stats.conversions <= 0.0 && stats.value.is_zero() {
            continue;
        }
        let value = crate::money::weight(stats.value);
        spread(path, rule, |channel, fraction| {
            credit.add(
                channel.index(),
                fraction * stats.conversions,
                fraction * value,
            );
        });
    }
    credit
}

/// Calls `give(channel, fraction)` for every touch of `path` under `rule`; fractions add up to 1.
pub fn spread(path: &[ChannelId], rule: Rule, mut give: impl FnMut(ChannelId, f64)) {
    let (Some(&first), Some(&last)) = (path.first(), path.last()) else {
        return;
    };
    #[allow(clippy::cast_precision_loss)] // path lengths are far below 2^52
    let len = path.len() as f64;
    match rule {
        Rule::FirstTouch => give(first, 1.0),
        Rule::LastTouch => give(last, 1.0),
        Rule::Linear => path.iter().for_each(|&c| give(c, 1.0 / len)),
        Rule::PositionBased => match path.len() {
            1 => give(first, 1.0),
            2 => {
                give(first, 0.5);
                give(last, 0.5);
            }
            _ => {
                give(first, 0.4);
                give(last, 0.4);
                let middle = 0.2 / (len - 2.0);
                path[1..path.len() - 1]
                    .iter()
                    .for_each(|&c| give(c, middle));
            }
        },
    }
}
