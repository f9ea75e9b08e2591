//! Named channels (TV, radio, podcasts...; `spendlens_core::channel`) in a budget plan.
//!
//! The optimiser fits a response curve per channel from its daily spend and the revenue the
//! campaign's basis gives each day (reported revenue, conversion value, average order value):
//! a named channel has spend only, no revenue response of its own, so no curve can be fitted
//! honestly. Rather than leave it out (its spend would vanish from the plan) or invent a
//! response, it is listed beside the plan, frozen at its current spend for the period, with
//! the reason in plain words; its spend is not part of the budget the optimiser splits.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::channel::{ChannelDay, ChannelName};

/// Why a named channel is held at its current spend.
pub const FROZEN_REASON: &str = "held at its current spend: a named channel has spend only, no \
     platform-reported revenue, so no response curve can be fitted to it; its spend is not part \
     of the optimised budget";

/// A named channel in a plan: frozen at its current spend over the planned period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenChannel {
    pub channel: ChannelName,
    /// Its mean daily spend over its history (first to last day with a row, days without a
    /// row counting as zero, as for the platforms) times the planned days, to the cent.
    pub current_spend: Decimal,
    /// Days of the history with a row.
    pub days: u64,
    pub reason: &'static str,
}

/// The named channels of a history (`series` ordered by date), each frozen at its current
/// spend for `period_days` days, ordered by channel key.
pub fn frozen_channels(series: &[ChannelDay], period_days: usize) -> Vec<FrozenChannel> {
    let mut by_key: std::collections::BTreeMap<
        &str,
        (&ChannelName, Decimal, NaiveDate, NaiveDate, u64),
    > = std::collections::BTreeMap::new();
    for day in series {
        let entry = by_key.entry(day.channel.key()).or_insert((
            &day.channel,
            Decimal::ZERO,
            day.date,
            day.date,
            0,
        ));
        entry.1 = entry.1.saturating_add(day.spend);
        entry.2 = entry.2.min(day.date);
        entry.3 = entry.3.max(day.date);
        entry.4 += 1;
    }
    by_key
        .into_values()
        .map(|(channel, spend, first, last, days)| {
            let span = Decimal::from((last - first).num_days().saturating_add(1).max(1));
            let current = spendlens_core::num::round_half_away(
                spend
                    .checked_div(span)
                    .and_then(|daily| daily.checked_mul(Decimal::from(period_days)))
                    .unwrap_or(Decimal::ZERO),
                2,
            );
            FrozenChannel {
                channel: channel.clone(),
                current_spend: current,
                days,
                reason: FROZEN_REASON,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_channel_is_frozen_at_its_mean_daily_spend_over_the_period() {
        let day = |d: u32, name: &str, spend: i64| ChannelDay {
            date: NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default(),
            channel: ChannelName::parse(name).expect("name"),
            spend: Decimal::from(spend),
            impressions: None,
            currency: None,
        };
        // TV: 300 over 3 days (the 2nd without a row) = 100 a day; radio: 10 on one day.
        let series = [day(1, "TV", 100), day(3, "tv", 200), day(5, "Radio", 10)];
        let frozen = frozen_channels(&series, 7);
        let seen: Vec<(&str, Decimal, u64)> = frozen
            .iter()
            .map(|f| (f.channel.key(), f.current_spend, f.days))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("radio", Decimal::from(70), 1),
                ("tv", Decimal::from(700), 2)
            ]
        );
        assert!(frozen.iter().all(|f| f.reason == FROZEN_REASON));
    }
}
