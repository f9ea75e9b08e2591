//! The payback period: when the campaign's cumulative revenue catches up with its cumulative cost.
//!
//! The rule (README text):
//!
//! > Costs and revenue are laid out per day over the window (cut off at today). Cumulative cost
//! > includes every cost (platform spend, media, creative, fees, allocated overhead) and the
//! > opportunity cost accrued up to that day. Counting starts on the first day with a cost (the
//! > first investment), which is day 1.
//! > - **Reached**: the first day from which cumulative revenue stays at least cumulative cost to
//! >   the window's last day; the payback period is that day's number. A campaign that caught up
//! >   and then fell behind again (its costs ran on past its revenue) has not paid back.
//! > - **Projected**: not reached by the last day of the window, but at the daily rates of the
//! >   last `recent_days` days (28 by default, fewer when the campaign is younger: average daily
//! >   revenue minus average daily cost, opportunity cost included) the remaining gap closes within
//! >   `horizon_days` (365 by default) after the window: the projected day is the last day plus
//! >   ⌈gap ÷ net daily rate⌉ days.
//! > - **Not within horizon**: not reached, and the recent net daily rate is zero or negative, or
//! >   the projection falls beyond the horizon.
//! > - **No investment**: the window holds no cost at all.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use spendlens_core::num;

use crate::period::Period;

/// When the campaign pays back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payback {
    /// Cumulative revenue reached cumulative cost on `date`, the `days`-th day since the first
    /// investment.
    Reached { date: NaiveDate, days: u32 },
    /// Not yet reached; at the recent daily rates it will be on `date`, the `days`-th day since
    /// the first investment.
    Projected { date: NaiveDate, days: u32 },
    /// Not reached, and not expected within the horizon at the recent rates.
    NotWithinHorizon,
    /// Nothing was invested in the window.
    NoInvestment,
    /// The campaign's revenue is not measured: there is nothing to pay the cost back with, and
    /// no verdict.
    NotMeasured,
}

impl Payback {
    /// The stable code used on the wire: `reached`, `projected`, `not_within_horizon`,
    /// `no_investment`, `not_measured`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Payback::Reached { .. } => "reached",
            Payback::Projected { .. } => "projected",
            Payback::NotWithinHorizon => "not_within_horizon",
            Payback::NoInvestment => "no_investment",
            Payback::NotMeasured => "not_measured",
        }
    }

    /// The payback period in days, when reached or projected.
    pub const fn days(&self) -> Option<u32> {
        match self {
            Payback::Reached { days, .. } | Payback::Projected { days, .. } => Some(*days),
            _ => None,
        }
    }
}

/// Applies the rule above. `cost[i]` (opportunity accrual included) and `revenue[i]` are the
/// figures of day `i` of `window`.
pub(crate) fn payback(
    window: &Period,
    cost: &[Decimal],
    revenue: &[Decimal],
    recent_days: u32,
    horizon_days: u32,
) -> Payback {
    let n = cost.len().min(revenue.len());
    let Some(first) = (0..n).find(|&i| cost[i] > Decimal::ZERO) else {
        return Payback::NoInvestment;
    };
    let day_number = |i: usize| u32::try_from(i - first + 1).unwrap_or(u32::MAX);
    let mut cum_cost = Decimal::ZERO;
    let mut cum_revenue = Decimal::ZERO;
    // The first day of the run of days, up to the last, on which revenue covers cost.
    let mut covered_since = None;
    for i in 0..n {
        cum_cost = num::add(cum_cost, cost[i]);
        cum_revenue = num::add(cum_revenue, revenue[i]);
        if cum_revenue < cum_cost {
            covered_since = None;
        } else if i >= first && covered_since.is_none() {
            covered_since = Some(i);
        }
    }
    if let Some(i) = covered_since {
        return match window.date_at(i) {
            Some(date) => Payback::Reached {
                date,
                days: day_number(i),
            },
            None => Payback::NotWithinHorizon,
        };
    }
    let gap = num::sub(cum_cost, cum_revenue);
    let recent = usize::try_from(recent_days)
        .unwrap_or(usize::MAX)
        .min(n - first)
        .max(1);
    let k = Decimal::from(recent);
    let recent_revenue = num::sum(revenue[n - recent..n].iter().copied());
    let recent_cost = num::sum(cost[n - recent..n].iter().copied());
    let net_rate = num::div_or_zero(num::sub(recent_revenue, recent_cost), k);
    if net_rate <= Decimal::ZERO {
        return Payback::NotWithinHorizon;
    }
    let more = num::div_or_zero(gap, net_rate)
        .ceil()
        .to_u64()
        .unwrap_or(u64::MAX);
    if more > u64::from(horizon_days) {
        return Payback::NotWithinHorizon;
    }
    let date = window.end().checked_add_days(Days::new(more));
    let days = u64::from(day_number(n - 1)).saturating_add(more);
    match date {
        Some(date) => Payback::Projected {
            date,
            days: u32::try_from(days).unwrap_or(u32::MAX),
        },
        None => Payback::NotWithinHorizon,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn window(days: u64) -> Period {
        let start = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        let end = start.checked_add_days(Days::new(days - 1)).unwrap_or(start);
        Period::new(start, end).unwrap_or(Period::day(start))
    }

    fn d(values: &[i64]) -> Vec<Decimal> {
        values.iter().map(|&v| Decimal::from(v)).collect()
    }

    #[test]
    fn reached_on_the_first_day_revenue_covers_cost() {
        // Nothing on Mar 1, 100 spent on Mar 2, 10/day after; revenue 0, 50, 40, 40:
        // cumulative cost 0, 100, 110, 120; revenue 0, 50, 90, 130 → reached Mar 4, day 3.
        let p = payback(
            &window(4),
            &d(&[0, 100, 10, 10]),
            &d(&[0, 50, 40, 40]),
            28,
            365,
        );
        assert_eq!(
            p,
            Payback::Reached {
                date: NaiveDate::from_ymd_opt(2026, 3, 4).unwrap_or_default(),
                days: 3
            }
        );
        assert_eq!(p.days(), Some(3));
    }

    /// Caught up on day 2, behind again from day 3 (costs ran on, revenue stopped): not paid
    /// back, and with no revenue lately, not within the horizon. Caught up again on day 5 and
    /// covered to the end: reached on day 5, not day 2.
    #[test]
    fn caught_up_then_behind_again_is_not_paid_back() {
        let p = payback(
            &window(4),
            &d(&[100, 10, 50, 50]),
            &d(&[0, 120, 0, 0]),
            28,
            365,
        );
        assert_eq!(p, Payback::NotWithinHorizon);
        let p = payback(
            &window(6),
            &d(&[100, 10, 50, 50, 10, 10]),
            &d(&[0, 120, 0, 0, 200, 10]),
            28,
            365,
        );
        assert_eq!(
            p,
            Payback::Reached {
                date: NaiveDate::from_ymd_opt(2026, 3, 5).unwrap_or_default(),
                days: 5
            }
        );
    }

    #[test]
    fn projected_from_the_recent_rates() {
        // 1000 invested on day 1, then 10/day; revenue 30/day. After 10 days: cost 1090,
        // revenue 300, gap 790. Recent (last 5 days): revenue 30, cost 10 → net 20/day →
        // ⌈790 / 20⌉ = 40 more days → Mar 10 + 40 = Apr 19, day 50.
        let mut cost = vec![dec!(10); 10];
        cost[0] = dec!(1000);
        let revenue = vec![dec!(30); 10];
        let p = payback(&window(10), &cost, &revenue, 5, 365);
        assert_eq!(
            p,
            Payback::Projected {
                date: NaiveDate::from_ymd_opt(2026, 4, 19).unwrap_or_default(),
                days: 50
            }
        );
        // The same with a 39-day horizon: beyond it.
        assert_eq!(
            payback(&window(10), &cost, &revenue, 5, 39),
            Payback::NotWithinHorizon
        );
    }

    #[test]
    fn never_when_recent_net_rate_is_not_positive() {
        let p = payback(&window(3), &d(&[100, 20, 20]), &d(&[5, 20, 20]), 28, 3650);
        assert_eq!(p, Payback::NotWithinHorizon);
    }

    #[test]
    fn no_investment_without_cost() {
        assert_eq!(
            payback(&window(3), &d(&[0, 0, 0]), &d(&[5, 5, 5]), 28, 365),
            Payback::NoInvestment
        );
        assert_eq!(
            payback(&window(1), &[], &[], 28, 365),
            Payback::NoInvestment
        );
    }

    #[test]
    fn recent_window_shrinks_to_the_days_since_the_first_investment() {
        // First cost on day 3 of 4: recent days = 2 (days 3 and 4): revenue 10+10, cost 50+0 →
        // net −15/day → never. With 28 recent days over all 4 days the zeros before day 3 would
        // not change the sign, but would dilute the rate; they are not counted.
        let p = payback(&window(4), &d(&[0, 0, 50, 0]), &d(&[0, 0, 10, 10]), 28, 365);
        assert_eq!(p, Payback::NotWithinHorizon);
        // Day 4 earns 60: cumulative revenue 70 ≥ 50 → reached on day 2 since the investment.
        let p = payback(&window(4), &d(&[0, 0, 50, 0]), &d(&[0, 0, 10, 60]), 28, 365);
        assert_eq!(p.days(), Some(2));
    }
}
