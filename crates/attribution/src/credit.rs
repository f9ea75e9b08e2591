//! Raw credit, as every model produces it, and the finished [`Attribution`] that output is made from.

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use crate::channel::Channels;
use crate::error::Error;
use crate::model::Model;

/// Credit per channel (indexed by [`crate::ChannelId`]) before it is turned into money: conversions
/// as fractional counts, and value in the same currency units as an `f64` *weight*. The weights only
/// set each channel's share of the exact decimal total (see [`Attribution::from_credit`]), so the
/// float never becomes money itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Credit {
    /// Conversions credited to each channel.
    pub conversions: Vec<f64>,
    /// Value credited to each channel, as a weight for sharing out the decimal total.
    pub value: Vec<f64>,
}

impl Credit {
    /// Zero credit for `channels` channels.
    pub fn zero(channels: usize) -> Self {
        Self {
            conversions: vec![0.0; channels],
            value: vec![0.0; channels],
        }
    }

    /// Adds `fraction` of a path's conversions and value to channel `index`.
    #[inline]
    pub fn add(&mut self, index: usize, conversions: f64, value: f64) {
        if let (Some(c), Some(v)) = (self.conversions.get_mut(index), self.value.get_mut(index)) {
            *c += conversions;
            *v += value;
        }
    }
}

/// The Markov-specific part of a result.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkovSummary {
    /// The order used (chosen by held-out likelihood under `--order auto`).
    pub order: usize,
    /// Probability of reaching `(conversion)` from `(start)`.
    pub conversion_probability: f64,
    /// The fitted transition probabilities, when asked for.
    pub transitions: Option<Vec<Transition>>,
    /// The held-out log-likelihood of each candidate order, when the order was selected.
    pub order_selection: Option<Vec<OrderScore>>,
}

/// One edge of the fitted chain, states named as in the contract (`(start)`, `a > b`, `(null)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The state the edge leaves.
    pub from: String,
    /// The state the edge enters.
    pub to: String,
    /// Its probability (the edges leaving one state add up to 1).
    pub probability: f64,
}

/// How well one Markov order predicted held-out journeys.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderScore {
    /// The order.
    pub order: usize,
    /// Total log-likelihood of the held-out transitions (higher is better).
    pub log_likelihood: f64,
}

/// One channel's line in a result.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelCredit {
    /// The channel name.
    pub channel: String,
    /// Conversions credited (full precision).
    pub conversions: f64,
    /// Value credited: the channel's share of the exact decimal total, not yet rounded (rounding to
    /// cents happens once, at output, in [`crate::money::to_cents`]).
    pub value: Decimal,
    /// Markov only: 1 − P₋ₖ / P.
    pub removal_effect: Option<f64>,
    /// `shapley_ordered` only: conversions credited at touch positions 1, 2, ...
    pub by_position: Option<Vec<f64>>,
}

/// A model's complete answer: every channel (sorted by name), the totals it shares out, and what
/// could not be attributed.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    /// Which model.
    pub model: Model,
    /// Conversions on paths with at least one touch; the channels' conversions add up to it.
    pub total_conversions: f64,
    /// Their value (exact decimal sum of the input values).
    pub total_value: Decimal,
    /// One line per channel that appears in any path, sorted by name.
    pub channels: Vec<ChannelCredit>,
    /// Conversions with no touch before them.
    pub unattributed_conversions: f64,
    /// Their value.
    pub unattributed_value: Decimal,
    /// Markov details.
    pub markov: Option<MarkovSummary>,
    /// `time_decay` only: the half-life used, in days.
    pub half_life_days: Option<f64>,
}

impl Attribution {
    /// Turns raw credit into a result: value shares of the exact decimal total, channels by name.
    pub fn from_credit(
        model: Model,
        channels: &Channels,
        credit: &Credit,
        totals: Totals,
    ) -> Result<Self, Error> {
        let value_weight: f64 = credit.value.iter().sum();
        let mut lines = Vec::with_capacity(channels.len());
        for id in channels.ids_by_name() {
            let i = id.index();
            let conversions = credit.conversions.get(i).copied().unwrap_or(0.0);
            let weight = credit.value.get(i).copied().unwrap_or(0.0);
            let value = if value_weight > 0.0 && weight > 0.0 {
                share_of(totals.value, weight / value_weight)?
            } else {
                Decimal::ZERO
            };
            lines.push(ChannelCredit {
                channel: channels.name(id).to_owned(),
                conversions,
                value,
                removal_effect: None,
                by_position: None,
            });
        }
        Ok(Self {
            model,
            total_conversions: totals.conversions,
            total_value: totals.value,
            channels: lines,
            unattributed_conversions: totals.unattributed_conversions,
            unattributed_value: totals.unattributed_value,
            markov: None,
            half_life_days: None,
        })
    }
}

/// The totals a data set shares out, computed once per data set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Totals {
    /// Conversions on paths with touches.
    pub conversions: f64,
    /// Their value.
    pub value: Decimal,
    /// Conversions without a touch.
    pub unattributed_conversions: f64,
    /// Their value.
    pub unattributed_value: Decimal,
}

/// `share` (0..=1) of a decimal total, computed in decimal so that a large total keeps its cents.
fn share_of(total: Decimal, share: f64) -> Result<Decimal, Error> {
    let share = Decimal::from_f64(share.clamp(0.0, 1.0)).unwrap_or(Decimal::ZERO);
    total
        .checked_mul(share)
        .ok_or_else(|| Error::Numeric("a value share exceeds the range of a decimal".into()))
}
