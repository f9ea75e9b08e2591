//! Trend arrows: the current totals against the snapshot of the comparison period.

use rust_decimal::Decimal;

use super::input::Comparison;
use super::result::{Direction, Trend, Trends};
use crate::num::{self, HUNDRED};

/// Changes smaller than this (in percent) hide the arrow.
const HIDDEN_BELOW: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// Percentage change from `previous` to `current`; from zero it is 100 when anything appeared.
pub fn change_pct(current: Decimal, previous: Decimal) -> Decimal {
    if previous.is_zero() {
        if current > Decimal::ZERO {
            HUNDRED
        } else {
            Decimal::ZERO
        }
    } else {
        num::pct_or_zero(num::sub(current, previous), previous)
    }
}

/// One metric's trend.
pub fn trend(current: Decimal, previous: Decimal) -> Trend {
    let change = change_pct(current, previous);
    let direction = if change.abs() < HIDDEN_BELOW {
        None
    } else if change > Decimal::ZERO {
        Some(Direction::Up)
    } else {
        Some(Direction::Down)
    };
    Trend {
        current,
        previous,
        change_pct: change,
        direction,
    }
}

/// The current figures the trends compare.
#[derive(Debug, Clone, Copy)]
pub struct Current {
    pub spend: Decimal,
    pub conversions: Decimal,
    pub revenue: Decimal,
    pub roas: Decimal,
    pub roi: Decimal,
}

/// The trends, or `None` without a snapshot. A snapshot without revenue is valued at the
/// campaign's estimated AOV, like the current conversions are.
pub fn trends(
    comparison: Option<&Comparison>,
    now: Current,
    estimated_aov: Decimal,
) -> Option<Trends> {
    let comparison = comparison?;
    let snap = comparison.snapshot.as_ref()?;
    let prev_revenue = snap
        .revenue
        .unwrap_or_else(|| num::mul(snap.conversions, estimated_aov));
    let prev_roas = num::div_or_zero(prev_revenue, snap.spend);
    let prev_roi = num::pct_or_zero(num::sub(prev_revenue, snap.spend), snap.spend);
    Some(Trends {
        period: comparison.period,
        snapshot_date: snap.date,
        spend: trend(now.spend, snap.spend),
        conversions: trend(now.conversions, snap.conversions),
        revenue: trend(now.revenue, prev_revenue),
        roas: trend(now.roas, prev_roas),
        roi: trend(now.roi, prev_roi),
    })
}
