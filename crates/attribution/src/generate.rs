//! A seeded generator of touchpoint journeys, for the benchmark and the tests.
//!
//! Deterministic for a seed on every platform and every version of the dependencies (the random
//! numbers come from `spendlens-rng`'s SplitMix64, whose stream is fixed by its definition), so a
//! benchmark figure or a failing test can be reproduced exactly. The journeys have structure for the
//! models to find: channels differ in how often they open, continue and close journeys, some journeys
//! convert more than once, and values are in whole cents.

use std::io::{self, Write};

use spendlens_rng::SplitMix64;

use crate::timestamp::Timestamp;

/// Channel names used for the first eight channels (then `channel9`, `channel10`, ...).
const NAMES: [&str; 8] = [
    "search",
    "meta",
    "linkedin",
    "email",
    "display",
    "video",
    "affiliate",
    "tiktok",
];

/// Shape of the generated data.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// Number of channels (at least 1).
    pub channels: usize,
    /// Probability that a journey goes on after each touch.
    pub continue_probability: f64,
    /// Longest journey before its first conversion.
    pub max_touches: usize,
    /// Probability that a journey goes on after a conversion (and may convert again).
    pub repeat_probability: f64,
    /// Whether each journey's rows are written in shuffled order (the reader must sort them).
    pub shuffle_rows: bool,
}

impl Default for Shape {
    fn default() -> Self {
        Self {
            channels: 8,
            continue_probability: 0.6,
            max_touches: 12,
            repeat_probability: 0.1,
            shuffle_rows: false,
        }
    }
}

/// The name of channel `i` in generated data.
pub fn channel_name(i: usize) -> String {
    NAMES
        .get(i)
        .map_or_else(|| format!("channel{}", i + 1), |n| (*n).to_owned())
}

/// Writes `journeys` journeys as touchpoint CSV (with header) to `out`.
pub fn write_touchpoints(
    seed: u64,
    journeys: usize,
    shape: &Shape,
    out: &mut impl Write,
) -> io::Result<()> {
    let n = shape.channels.max(1);
    let names: Vec<String> = (0..n).map(channel_name).collect();
    let mut rng = SplitMix64::new(seed);
    // Shuffling draws from its own stream, so that shuffled and sorted output hold the same journeys.
    let mut shuffler = SplitMix64::new(seed ^ 0x5EED_5EED_5EED_5EED);
    // Per channel: how likely it opens a journey, and how much it lifts the odds of converting.
    let openness: Vec<f64> = (0..n).map(|_| 0.2 + rng.unit()).collect();
    let lift: Vec<f64> = (0..n).map(|_| 0.02 + 0.12 * rng.unit()).collect();
    let open_total: f64 = openness.iter().sum();
    let base = Timestamp::parse(b"2026-01-01T00:00:00Z").map_or(0, Timestamp::unix_seconds);
    let mut rows: Vec<(i64, Vec<u8>)> = Vec::new();
    writeln!(out, "journey_id,timestamp,event,channel,value")?;
    for j in 0..journeys {
        rows.clear();
        let mut at = base + i64::try_from(rng.below(90 * 86_400)).unwrap_or(0);
        let mut channel = pick(&mut rng, &openness, open_total);
        let mut odds = 0.01;
        let mut touches = 0;
        loop {
            rows.push((
                at,
                format!(
                    "j{j:08},{},touch,{},\n",
                    Timestamp::from_unix(at, 0),
                    names[channel]
                )
                .into_bytes(),
            ));
            touches += 1;
            odds += lift[channel];
            at += i64::try_from(rng.below(5 * 86_400)).unwrap_or(0) + 60;
            if rng.unit() < odds.min(0.5) * 0.3 {
                let cents = 2_000 + rng.below(48_000);
                rows.push((
                    at,
                    format!(
                        "j{j:08},{},conversion,,{}.{:02}\n",
                        Timestamp::from_unix(at, 0),
                        cents / 100,
                        cents % 100
                    )
                    .into_bytes(),
                ));
                if rng.unit() >= shape.repeat_probability {
                    break;
                }
                odds = 0.01;
                touches = 0;
                at += 3600;
            } else if touches >= shape.max_touches || rng.unit() >= shape.continue_probability {
                break;
            }
            // The next channel: stay in the same family half the time, else a fresh pick.
            channel = if rng.unit() < 0.5 {
                (channel + 1 + usize::try_from(rng.below(2)).unwrap_or(0)) % n
            } else {
                pick(&mut rng, &openness, open_total)
            };
        }
        if shape.shuffle_rows {
            for i in (1..rows.len()).rev() {
                let k = usize::try_from(shuffler.below(i as u64 + 1)).unwrap_or(0);
                rows.swap(i, k);
            }
        }
        for (_, row) in &rows {
            out.write_all(row)?;
        }
    }
    Ok(())
}

fn pick(rng: &mut SplitMix64, weights: &[f64], total: f64) -> usize {
    let mut target = rng.unit() * total;
    for (i, w) in weights.iter().enumerate() {
        if target < *w {
            return i;
        }
        target -= w;
    }
    weights.len() - 1
}
