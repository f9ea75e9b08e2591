//! Trends that move both ways (issue 15 item 3): the last N days against the N days before,
//! for spend, conversions, CPA, ROAS and ROI, each with whether its change is good for the
//! campaign (CPA up is bad, conversions up good, spend neither).
//!
//! The seed's trends compare the running totals with a snapshot, so spend and conversions can
//! only rise: they are "totals since DATE". These compare two windows of equal length, so each
//! arrow says how the campaign is doing now. ROAS and ROI are left out when the revenue is not
//! measured (see `verdicts`).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::result::Direction;
use super::trends::trend;
use crate::num;

/// What one window adds up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowSums {
    pub spend: Decimal,
    pub conversions: Decimal,
    pub revenue: Decimal,
}

/// One metric in the current window against the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodChange {
    pub current: Decimal,
    pub previous: Decimal,
    /// `None` when the previous window has nothing to compare with (a change from zero has no
    /// percentage).
    pub change_pct: Option<Decimal>,
    pub direction: Option<Direction>,
    /// Whether the change is good for the campaign; `None` for a metric that is neither (spend)
    /// or no change.
    pub good: Option<bool>,
}

/// The two windows and the changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodTrends {
    pub days: u32,
    /// First and last day of the current window (ending at the analysis date) and of the one
    /// before it.
    pub current: (NaiveDate, NaiveDate),
    pub previous: (NaiveDate, NaiveDate),
    pub spend: PeriodChange,
    pub conversions: PeriodChange,
    /// Spend per conversion; `None` when a window has no conversion.
    pub cpa: Option<PeriodChange>,
    /// Revenue per spend; `None` without measured revenue or spend in a window.
    pub roas: Option<PeriodChange>,
    /// (revenue − spend) / spend in percent; as ROAS.
    pub roi: Option<PeriodChange>,
}

/// Whether up is good for a metric: `Some(true)` conversions, ROAS, ROI; `Some(false)` CPA;
/// `None` spend.
fn change(current: Decimal, previous: Decimal, up_is_good: Option<bool>) -> PeriodChange {
    let t = trend(current, previous);
    let change_pct = (!previous.is_zero()).then_some(t.change_pct);
    let good = match (t.direction, up_is_good) {
        (Some(Direction::Up), Some(g)) => Some(g),
        (Some(Direction::Down), Some(g)) => Some(!g),
        _ => None,
    };
    PeriodChange {
        current,
        previous,
        change_pct,
        direction: t.direction,
        good,
    }
}

/// Compares `current` with `previous`; `revenue_measured` says whether ROAS and ROI mean
/// anything.
pub fn compare(
    days: u32,
    current_window: (NaiveDate, NaiveDate),
    previous_window: (NaiveDate, NaiveDate),
    current: WindowSums,
    previous: WindowSums,
    revenue_measured: bool,
) -> PeriodTrends {
    let ratio = |num_: Decimal, den: Decimal| (!den.is_zero()).then(|| num::div_or_zero(num_, den));
    let pair = |f: &dyn Fn(&WindowSums) -> Option<Decimal>, up: Option<bool>| match (
        f(&current),
        f(&previous),
    ) {
        (Some(c), Some(p)) => Some(change(c, p, up)),
        _ => None,
    };
    let cpa = pair(&|s| ratio(s.spend, s.conversions), Some(false));
    let (roas, roi) = if revenue_measured {
        (
            pair(&|s| ratio(s.revenue, s.spend), Some(true)),
            pair(
                &|s| {
                    ratio(num::sub(s.revenue, s.spend), s.spend).map(|r| num::mul(r, num::HUNDRED))
                },
                Some(true),
            ),
        )
    } else {
        (None, None)
    };
    PeriodTrends {
        days,
        current: current_window,
        previous: previous_window,
        spend: change(current.spend, previous.spend, None),
        conversions: change(current.conversions, previous.conversions, Some(true)),
        cpa,
        roas,
        roi,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn changes_go_both_ways_and_say_whether_that_is_good() {
        let w = (d("2026-11-15"), d("2026-11-21"));
        let p = (d("2026-11-08"), d("2026-11-14"));
        let current = WindowSums {
            spend: dec!(700),
            conversions: dec!(10),
            revenue: dec!(1400),
        };
        let previous = WindowSums {
            spend: dec!(1000),
            conversions: dec!(20),
            revenue: dec!(4000),
        };
        let t = compare(7, w, p, current, previous, true);
        assert_eq!(t.spend.change_pct, Some(dec!(-30)));
        assert_eq!(t.spend.direction, Some(Direction::Down));
        assert_eq!(t.spend.good, None);
        assert_eq!(t.conversions.good, Some(false));
        // CPA 70 against 50: up 40 %, bad.
        let cpa = t.cpa.expect("cpa");
        assert_eq!((cpa.current, cpa.previous), (dec!(70), dec!(50)));
        assert_eq!(cpa.change_pct, Some(dec!(40)));
        assert_eq!(cpa.good, Some(false));
        // ROAS 2 against 4, ROI 100 % against 300 %: down, bad.
        let roas = t.roas.expect("roas");
        assert_eq!(
            (roas.current, roas.previous, roas.good),
            (dec!(2), dec!(4), Some(false))
        );
        let roi = t.roi.expect("roi");
        assert_eq!((roi.current, roi.previous), (dec!(100), dec!(300)));
        // Without measured revenue: no ROAS or ROI trend.
        let t = compare(7, w, p, current, previous, false);
        assert!(t.roas.is_none() && t.roi.is_none());
        // Nothing before: no percentage, no CPA.
        let t = compare(7, w, p, current, WindowSums::default(), true);
        assert_eq!(t.spend.change_pct, None);
        assert_eq!(t.spend.direction, Some(Direction::Up));
        assert!(t.cpa.is_none());
    }
}
