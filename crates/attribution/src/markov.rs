//! Markov-chain attribution, solved exactly: absorption probabilities from a linear system, removal
//! effects from one more solve per channel, and the order chosen by held-out likelihood on request.
//!
//! Paths are collapsed first (`a > a > b` is `a > b`): a repeat is the same state. A state of an
//! order-m chain is the last m channels of the path so far (fewer at the start of a path); each path
//! contributes its transitions weighted by its journeys (conversions + nulls), and its last state
//! moves to `(conversion)` for its conversions and to `(null)` for its nulls. Removing channel k
//! removes every state that contains k: the transitions into them go to `(null)` instead.

use std::hash::BuildHasher;

use rustc_hash::{FxBuildHasher, FxHashMap};

use crate::channel::{ChannelId, Channels};
use crate::credit::{Credit, OrderScore, Transition};
use crate::error::Error;
use crate::path::PathTable;
use crate::solve::{self, Sparse};

/// The highest order offered: beyond 4 the observed states are mostly seen once, and held-out
/// likelihood would reject them anyway.
pub const MAX_ORDER: usize = 4;

/// Above this many states an order-1 chain is solved iteratively too (a dense solve per channel
/// costs n³).
const DENSE_LIMIT: usize = 400;

/// Up to this many states the dense solver backs up a Gauss–Seidel run that did not converge.
const DENSE_FALLBACK_LIMIT: usize = 3000;

/// A state: the last (up to [`MAX_ORDER`]) channels, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    len: u8,
    ids: [u32; MAX_ORDER],
}

impl Key {
    /// The state after the first `end` touches of `path` (collapsed), for an order-`order` chain.
    fn of(path: &[ChannelId], end: usize, order: usize) -> Self {
        let start = end.saturating_sub(order);
        let mut ids = [0; MAX_ORDER];
        for (slot, c) in ids.iter_mut().zip(&path[start..end]) {
            *slot = c.get();
        }
        #[allow(clippy::cast_possible_truncation)] // at most MAX_ORDER
        let len = (end - start) as u8;
        Self { len, ids }
    }

    fn channels(&self) -> &[u32] {
        &self.ids[..usize::from(self.len)]
    }
}

/// A fitted chain over the observed states.
#[derive(Debug, Clone)]
pub struct Chain {
    order: usize,
    keys: Vec<Key>,
    /// Probability of moving from `(start)` to each state.
    start: Vec<(u32, f64)>,
    /// Transient-to-transient probabilities.
    q: Sparse,
    /// Probability of converting next, per state.
    conversion: Vec<f64>,
    /// Probability of dropping out next, per state.
    null: Vec<f64>,
    /// For each channel, the states that contain it.
    containing: Vec<Vec<u32>>,
}

/// Collapses consecutive repeats of `path` into `out`.
fn collapse(path: &[ChannelId], out: &mut Vec<ChannelId>) {
    out.clear();
    for &c in path {
        if out.last() != Some(&c) {
            out.push(c);
        }
    }
}

impl Chain {
    /// Counts the transitions of every path and normalises them into probabilities.
    pub fn fit(paths: &PathTable, channels: usize, order: usize) -> Result<Self, Error> {
        if !(1..=MAX_ORDER).contains(&order) {
            return Err(Error::Unsupported(format!(
                "Markov order must be 1 to {MAX_ORDER}, not {order}"
            )));
        }
        let mut index: FxHashMap<Key, u32> = FxHashMap::default();
        let mut keys: Vec<Key> = Vec::new();
        let mut start: FxHashMap<u32, f64> = FxHashMap::default();
        let mut edges: FxHashMap<(u32, u32), f64> = FxHashMap::default();
        let mut conversions: Vec<f64> = Vec::new();
        let mut nulls: Vec<f64> = Vec::new();
        let mut out: Vec<f64> = Vec::new();
        let mut collapsed = Vec::new();
        for (path, stats) in paths.iter() {
            let path: &[ChannelId] = &path;
            let weight = stats.conversions + stats.nulls;
            if weight <= 0.0 {
                continue;
            }
            collapse(path, &mut collapsed);
            let mut previous: Option<u32> = None;
            for end in 1..=collapsed.len() {
                let key = Key::of(&collapsed, end, order);
                let state = match index.get(&key) {
                    Some(&s) => s,
                    None => {
                        let s = u32::try_from(keys.len())
                            .map_err(|_| Error::Numeric("more than 2^32 Markov states".into()))?;
                        index.insert(key, s);
                        keys.push(key);
                        conversions.push(0.0);
                        nulls.push(0.0);
                        out.push(0.0);
                        s
                    }
                };
                match previous {
                    None => *start.entry(state).or_default() += weight,
                    Some(p) => {
                        *edges.entry((p, state)).or_default() += weight;
                        out[p as usize] += weight;
                    }
                }
                previous = Some(state);
            }
            if let Some(last) = previous {
                let last = last as usize;
                conversions[last] += stats.conversions;
                nulls[last] += stats.nulls;
                out[last] += stats.conversions + stats.nulls;
            }
        }
        let start_total: f64 = start.values().sum();
        let mut start: Vec<(u32, f64)> = start
            .into_iter()
            .map(|(s, w)| (s, w / start_total))
            .collect();
        start.sort_unstable_by_key(|(s, _)| *s);
        let mut edges: Vec<((u32, u32), f64)> = edges.into_iter().collect();
        edges.sort_unstable_by_key(|(e, _)| *e);
        let n = keys.len();
        let mut q = Sparse {
            row_start: vec![0; n + 1],
            col: Vec::with_capacity(edges.len()),
            prob: Vec::with_capacity(edges.len()),
        };
        for &((from, to), w) in &edges {
            q.row_start[from as usize + 1] += 1;
            q.col.push(to);
            q.prob.push(w / out[from as usize]);
        }
        for s in 0..n {
            q.row_start[s + 1] += q.row_start[s];
        }
        let ratio = |count: &[f64]| -> Vec<f64> {
            count
                .iter()
                .zip(&out)
                .map(|(c, o)| if *o > 0.0 { c / o } else { 0.0 })
                .collect()
        };
        let mut containing = vec![Vec::new(); channels];
        for (s, key) in keys.iter().enumerate() {
            let s = u32::try_from(s).unwrap_or(u32::MAX);
            for (i, &c) in key.channels().iter().enumerate() {
                // A channel can occur twice in one state (`a > b > a`): list the state once.
                if !key.channels()[..i].contains(&c)
                    && let Some(list) = containing.get_mut(c as usize)
                {
                    list.push(s);
                }
            }
        }
        Ok(Self {
            order,
            keys,
            start,
            q,
            conversion: ratio(&conversions),
            null: ratio(&nulls),
            containing,
        })
    }

    /// The order of the chain.
    pub fn order(&self) -> usize {
        self.order
    }

    /// How many transient states were observed.
    pub fn states(&self) -> usize {
        self.keys.len()
    }

    /// Probability of reaching `(conversion)` from `(start)` with the states in `removed` sending
    /// everything to `(null)`.
    fn conversion_probability_without(&self, removed: &[bool]) -> Result<f64, Error> {
        let n = self.keys.len();
        let x = if self.order == 1 && n <= DENSE_LIMIT {
            solve::dense_from_sparse(&self.q, &self.conversion, removed)
        } else {
            solve::gauss_seidel(&self.q, &self.conversion, removed).or_else(|| {
                (n <= DENSE_FALLBACK_LIMIT)
                    .then(|| solve::dense_from_sparse(&self.q, &self.conversion, removed))
                    .flatten()
            })
        }
        .ok_or_else(|| {
            Error::Numeric(format!(
                "the absorption system of {n} Markov states could not be solved"
            ))
        })?;
        Ok(self
            .start
            .iter()
            .filter(|(s, _)| !removed[*s as usize])
            .map(|(s, p)| p * x[*s as usize])
            .sum::<f64>()
            // A sum of nothing (no journeys) is −0.0, which JSON would show as `-0.0`.
            + 0.0)
    }

    /// P, the probability of converting from `(start)`.
    pub fn conversion_probability(&self) -> Result<f64, Error> {
        self.conversion_probability_without(&vec![false; self.keys.len()])
    }

    /// P and the removal effect 1 − P₋ₖ / P of every channel (0 for a channel in no state, and for
    /// every channel when nothing converts).
    pub fn removal_effects(&self) -> Result<(f64, Vec<f64>), Error> {
        let p = self.conversion_probability()?;
        let mut effects = vec![0.0; self.containing.len()];
        if p <= 0.0 {
            return Ok((p, effects));
        }
        let mut removed = vec![false; self.keys.len()];
        for (k, states) in self.containing.iter().enumerate() {
            if states.is_empty() {
                continue;
            }
            states.iter().for_each(|&s| removed[s as usize] = true);
            let without = self.conversion_probability_without(&removed)?;
            states.iter().for_each(|&s| removed[s as usize] = false);
            // Removing states can only lose conversions; clamp rounding noise below zero.
            effects[k] = (1.0 - without / p).clamp(0.0, 1.0);
        }
        Ok((p, effects))
    }

    /// Every edge of the chain with its probability, states named as in the contract, sorted.
    pub fn transitions(&self, channels: &Channels) -> Vec<Transition> {
        let name = |s: usize| -> String {
            self.keys[s]
                .channels()
                .iter()
                .map(|&c| ChannelId::from_index(c as usize).map_or("", |id| channels.name(id)))
                .collect::<Vec<_>>()
                .join(" > ")
        };
        let mut list = Vec::new();
        for &(s, p) in &self.start {
            list.push(Transition {
                from: "(start)".into(),
                to: name(s as usize),
                probability: p,
            });
        }
        for s in 0..self.keys.len() {
            let from = name(s);
            for i in self.q.row_start[s]..self.q.row_start[s + 1] {
                list.push(Transition {
                    from: from.clone(),
                    to: name(self.q.col[i] as usize),
                    probability: self.q.prob[i],
                });
            }
            if self.conversion[s] > 0.0 {
                list.push(Transition {
                    from: from.clone(),
                    to: "(conversion)".into(),
                    probability: self.conversion[s],
                });
            }
            if self.null[s] > 0.0 {
                list.push(Transition {
                    from,
                    to: "(null)".into(),
                    probability: self.null[s],
                });
            }
        }
        list.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
        list
    }
}

/// Markov credit: each channel's share of the removal effects times the total conversions (value is
/// shared the same way, so the value weight is the share itself).
pub fn credit(effects: &[f64], total_conversions: f64) -> Credit {
    let sum: f64 = effects.iter().sum();
    let mut credit = Credit::zero(effects.len());
    if sum > 0.0 {
        for (k, e) in effects.iter().enumerate() {
            credit.add(k, e / sum * total_conversions, e / sum);
        }
    }
    credit
}

/// Number of folds of the held-out split.
const FOLDS: usize = 5;

/// Additive (Laplace) smoothing of the held-out predictions: a transition never seen in training must
/// not get probability zero, or a single novel journey would rule out every order.
const SMOOTHING: f64 = 1.0;

/// Scores orders 1 to `max_order` by 5-fold held-out log-likelihood of the journeys' transitions
/// (including the final move to `(conversion)` or `(null)`). Each distinct path's journeys are dealt
/// round-robin to the folds from an offset hashed from the path, so a frequent path is in every fold
/// and a rare one in one; each fold is predicted by a chain trained on the other four.
pub fn score_orders(paths: &PathTable, channels: usize, max_order: usize) -> Vec<OrderScore> {
    (1..=max_order.clamp(1, MAX_ORDER))
        .map(|order| OrderScore {
            order,
            log_likelihood: held_out_log_likelihood(paths, channels, order),
        })
        .collect()
}

/// The best order of `scores`: highest likelihood, the lower order on a tie.
pub fn best_order(scores: &[OrderScore]) -> usize {
    let mut best: Option<OrderScore> = None;
    for s in scores {
        if best.is_none_or(|b| s.log_likelihood > b.log_likelihood) {
            best = Some(*s);
        }
    }
    best.map_or(1, |b| b.order)
}

/// How much of `count` (journeys numbered from 0) falls in `fold` when journey i goes to fold
/// (offset + i) mod FOLDS; a fractional remainder goes to the fold after the last whole journey.
fn fold_share(count: f64, offset: usize, fold: usize) -> f64 {
    let whole = count.floor();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // counts are ≤ 1e15
    let n = whole as u64;
    let rank = ((fold + FOLDS - offset % FOLDS) % FOLDS) as u64;
    let k = FOLDS as u64;
    #[allow(clippy::cast_precision_loss)]
    let mut share = (n / k + u64::from(rank < n % k)) as f64;
    if rank == n % k {
        share += count - whole;
    }
    share
}

fn held_out_log_likelihood(paths: &PathTable, channels: usize, order: usize) -> f64 {
    let conversion_symbol = u32::try_from(channels).unwrap_or(u32::MAX - 1);
    let null_symbol = conversion_symbol.saturating_add(1);
    // State 0 is (start).
    let mut index: FxHashMap<Key, u32> = FxHashMap::default();
    let mut from_counts: Vec<[f64; FOLDS]> = vec![[0.0; FOLDS]];
    let mut counts: FxHashMap<(u32, u32), [f64; FOLDS]> = FxHashMap::default();
    let mut collapsed = Vec::new();
    let add = |counts: &mut FxHashMap<(u32, u32), [f64; FOLDS]>,
               from_counts: &mut Vec<[f64; FOLDS]>,
               from: u32,
               symbol: u32,
               w: &[f64; FOLDS]| {
        let entry = counts.entry((from, symbol)).or_insert([0.0; FOLDS]);
        let total = &mut from_counts[from as usize];
        for f in 0..FOLDS {
            entry[f] += w[f];
            total[f] += w[f];
        }
    };
    for (path, stats) in paths.iter() {
        let path: &[ChannelId] = &path;
        if stats.conversions + stats.nulls <= 0.0 {
            continue;
        }
        let offset = usize::try_from(FxBuildHasher.hash_one(path) % FOLDS as u64).unwrap_or(0);
        let conv: [f64; FOLDS] = std::array::from_fn(|f| fold_share(stats.conversions, offset, f));
        let null: [f64; FOLDS] = std::array::from_fn(|f| fold_share(stats.nulls, offset, f));
        let both: [f64; FOLDS] = std::array::from_fn(|f| conv[f] + null[f]);
        collapse(path, &mut collapsed);
        let mut from = 0u32;
        for end in 1..=collapsed.len() {
            let symbol = collapsed[end - 1].get();
            add(&mut counts, &mut from_counts, from, symbol, &both);
            let key = Key::of(&collapsed, end, order);
            let next = u32::try_from(from_counts.len()).unwrap_or(u32::MAX);
            from = *index.entry(key).or_insert_with(|| {
                from_counts.push([0.0; FOLDS]);
                next
            });
        }
        add(
            &mut counts,
            &mut from_counts,
            from,
            conversion_symbol,
            &conv,
        );
        add(&mut counts, &mut from_counts, from, null_symbol, &null);
    }
    #[allow(clippy::cast_precision_loss)]
    let alphabet = (channels + 2) as f64;
    let mut log_likelihood = 0.0;
    for (&(from, _), count) in &counts {
        let from_total = &from_counts[from as usize];
        let all: f64 = count.iter().sum();
        let all_from: f64 = from_total.iter().sum();
        for f in 0..FOLDS {
            if count[f] > 0.0 {
                let p = (all - count[f] + SMOOTHING)
                    / (all_from - from_total[f] + SMOOTHING * alphabet);
                log_likelihood += count[f] * p.ln();
            }
        }
    }
    log_likelihood
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_shares_add_up_and_deal_round_robin() {
        for count in [0.0, 1.0, 4.0, 5.0, 7.0, 12.5, 1e6 + 0.25] {
            for offset in 0..FOLDS {
                let total: f64 = (0..FOLDS).map(|f| fold_share(count, offset, f)).sum();
                assert!((total - count).abs() < 1e-9, "{count} {offset}");
            }
        }
        assert!((fold_share(1.0, 3, 3) - 1.0).abs() < 1e-12);
        assert!(fold_share(1.0, 3, 4).abs() < 1e-12);
        assert!((fold_share(7.0, 0, 1) - 2.0).abs() < 1e-12);
        assert!((fold_share(7.0, 0, 2) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn collapse_drops_consecutive_repeats_only() {
        let ids: Vec<ChannelId> = [0, 0, 1, 0, 0]
            .iter()
            .filter_map(|&i| ChannelId::from_index(i))
            .collect();
        let mut out = Vec::new();
        collapse(&ids, &mut out);
        assert_eq!(
            out.iter().map(|c| c.index()).collect::<Vec<_>>(),
            vec![0, 1, 0]
        );
    }
}
