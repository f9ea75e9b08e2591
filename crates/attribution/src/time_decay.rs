//! Time decay: each touch weighs 2^(−age / half-life), normalised per conversion.
//!
//! It is the one model that needs timestamps, so it cannot run on aggregated paths: it is credited
//! conversion by conversion while touchpoints stream in, and only its per-channel sums are kept.

use crate::channel::ChannelId;
use crate::credit::Credit;
use crate::timestamp::Timestamp;

/// The default half-life of the contract.
pub const DEFAULT_HALF_LIFE_DAYS: f64 = 7.0;

/// Running time-decay credit.
#[derive(Debug, Clone)]
pub struct TimeDecay {
    half_life_days: f64,
    credit: Credit,
    weights: Vec<f64>,
}

impl TimeDecay {
    /// Starts with zero credit. `half_life_days` must be positive and finite (the CLI checks it).
    pub fn new(half_life_days: f64) -> Self {
        Self {
            half_life_days,
            credit: Credit::default(),
            weights: Vec::new(),
        }
    }

    /// The half-life in use.
    pub fn half_life_days(&self) -> f64 {
        self.half_life_days
    }

    /// Credits one conversion at `at`, of value `value`, to the touches before it.
    ///
    /// Weights are taken relative to the youngest touch (which weighs 1): normalising makes this the
    /// same split as 2^(−age/h), but a journey whose touches are all years old cannot underflow every
    /// weight to zero and divide 0 by 0.
    pub fn credit_conversion(
        &mut self,
        touches: &[(ChannelId, Timestamp)],
        at: Timestamp,
        value: f64,
    ) {
        let youngest = touches
            .iter()
            .map(|(_, t)| at.days_since(*t))
            .fold(f64::INFINITY, f64::min);
        if !youngest.is_finite() {
            return;
        }
        self.weights.clear();
        let mut sum = 0.0;
        for (_, t) in touches {
            let w = (-(at.days_since(*t) - youngest) / self.half_life_days).exp2();
            sum += w;
            self.weights.push(w);
        }
        for ((channel, _), w) in touches.iter().zip(&self.weights) {
            let i = channel.index();
            if i >= self.credit.conversions.len() {
                self.credit.conversions.resize(i + 1, 0.0);
                self.credit.value.resize(i + 1, 0.0);
            }
            let share = w / sum;
            self.credit.add(i, share, share * value);
        }
    }

    /// The credit so far, sized for `channels` channels.
    pub fn credit(&self, channels: usize) -> Credit {
        let mut credit = self.credit.clone();
        credit.conversions.resize(channels, 0.0);
        credit.value.resize(channels, 0.0);
        credit
    }
}
