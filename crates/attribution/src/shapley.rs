//! Shapley values of the coverage game, exactly and in one pass.
//!
//! With v(S) = the conversions (or value) of the paths whose distinct channels all lie in S, each
//! path is a unanimity game on its channel set, and the Shapley value of a unanimity game splits its
//! worth equally among its members (Zhao, Mahboobi & Bagheri, 2018). So the exact value is: every
//! converting path's credit split equally over its distinct channels. No coalition is enumerated;
//! the cost is linear in the total length of the distinct paths.
//!
//! The *ordered* variant keeps the same per-channel totals and also says at which touch position the
//! credit was earned: a channel's equal share of a path is split equally over the positions
//! (1-based, repeats counted) at which it was touched.

use crate::channel::ChannelId;
use crate::credit::Credit;
use crate::path::PathTable;

/// Simplified (exact) Shapley credit.
pub fn simplified(paths: &PathTable, channels: usize) -> Credit {
    ordered(paths, channels, false).0
}

/// Shapley credit and, when `positions` is set, the conversions credited to each channel at each
/// touch position (`by_position[channel][position - 1]`).
pub fn ordered(paths: &PathTable, channels: usize, positions: bool) -> (Credit, Vec<Vec<f64>>) {
    let mut credit = Credit::zero(channels);
    let mut by_position: Vec<Vec<f64>> = if positions {
        vec![Vec::new(); channels]
    } else {
        Vec::new()
    };
    // Per channel, how often the current path touches it; reset after each path through `distinct`.
    let mut touches = vec![0u32; channels];
    let mut distinct: Vec<ChannelId> = Vec::new();
    for (path, stats) in paths.iter() {
        let path: &[ChannelId] = &path;
        if stats.conversions <= 0.0 && stats.value.is_zero() {
            continue;
        }
        distinct.clear();
        for &c in path {
            if let Some(n) = touches.get_mut(c.index()) {
                if *n == 0 {
                    distinct.push(c);
                }
                *n += 1;
            }
        }
        if distinct.is_empty() {
            continue;
        }
        #[allow(clippy::cast_precision_loss)] // counts of channels are far below 2^52
        let share = 1.0 / distinct.len() as f64;
        let value = crate::money::weight(stats.value);
        for &c in &distinct {
            credit.add(c.index(), share * stats.conversions, share * value);
        }
        if positions {
            for (position, &c) in path.iter().enumerate() {
                let n = touches.get(c.index()).copied().unwrap_or(1).max(1);
                if let Some(row) = by_position.get_mut(c.index()) {
                    if row.len() <= position {
                        row.resize(position + 1, 0.0);
                    }
                    row[position] += share * stats.conversions / f64::from(n);
                }
            }
        }
        for &c in &distinct {
            if let Some(n) = touches.get_mut(c.index()) {
                *n = 0;
            }
        }
    }
    (credit, by_position)
}
