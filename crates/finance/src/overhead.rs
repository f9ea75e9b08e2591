//! Spreading an organisation's overhead over its campaigns.
//!
//! An overhead entry covers a reporting period. The campaigns *active* in that period share it:
//! - `headcount`: in proportion to the people assigned to each active campaign;
//! - `time_based`: in proportion to each campaign's days active within the period.
//!
//! The shares are whole cents that add up exactly to the entry's amount (largest remainder, see
//! [`crate::cents`]; ties go to the campaign whose id sorts first, so the result does not depend on
//! the order campaigns are listed in). Overhead that no campaign can carry (no campaign active in
//! the period, or nobody assigned for `headcount`) is returned as *unallocated*, never dropped and
//! never forced onto a campaign: the report shows it as its own line.
//!
//! Within a campaign, its share is spread evenly over the campaign's active days in the period (in
//! whole cents, again exact), so that a report over part of the period takes the part that falls
//! in it.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::campaign::CampaignId;

use crate::cents;
use crate::ledger::{OperationalOverhead, OverheadMethod};
use crate::period::Period;

/// When a campaign runs and how many people work on it: what overhead is spread by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub campaign_id: CampaignId,
    /// The first active day; `None` when the campaign has neither a start date nor any data (it is
    /// never active).
    pub start: Option<NaiveDate>,
    /// The last active day; `None` for an open-ended campaign.
    pub end: Option<NaiveDate>,
    /// People assigned to the campaign.
    pub headcount: u32,
}

impl Activity {
    /// The campaign's active days within `period`.
    pub fn active_in(&self, period: &Period) -> Option<Period> {
        let start = self.start?.max(period.start());
        let end = self.end.map_or(period.end(), |e| e.min(period.end()));
        Period::new(start, end).ok()
    }
}

/// One campaign's share of an overhead entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverheadShare {
    pub campaign_id: CampaignId,
    /// Whole cents, in the overhead entry's currency.
    pub amount: Decimal,
    /// The campaign's active days in the reporting period; the share is spread evenly over them.
    pub active: Period,
    /// The weight the share was computed from (people, or days active).
    pub weight: u32,
}

/// Why overhead could not be spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnallocatedReason {
    /// No campaign was active on any day of the reporting period.
    NoActiveCampaign,
    /// Campaigns were active, but none has anybody assigned (for the `headcount` method).
    NoHeadcount,
}

impl UnallocatedReason {
    /// The stable code used on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            UnallocatedReason::NoActiveCampaign => "no_active_campaign",
            UnallocatedReason::NoHeadcount => "no_headcount",
        }
    }
}

/// How one overhead entry is spread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverheadAllocation {
    /// The shares of the campaigns that carry some of it, by campaign id.
    pub shares: Vec<OverheadShare>,
    /// The whole amount (rounded to cents) when no campaign can carry it.
    pub unallocated: Option<(Decimal, UnallocatedReason)>,
}

/// Spreads one overhead entry over the campaigns active in its reporting period.
pub fn allocate_overhead(
    entry: &OperationalOverhead,
    activities: &[Activity],
) -> OverheadAllocation {
    let period = entry.reporting_period;
    let mut active: Vec<(&CampaignId, Period, u32)> = activities
        .iter()
        .filter_map(|a| {
            let days = a.active_in(&period)?;
            let weight = match entry.allocation_method {
                OverheadMethod::Headcount => a.headcount,
                OverheadMethod::TimeBased => u32::try_from(days.days()).unwrap_or(u32::MAX),
            };
            Some((&a.campaign_id, days, weight))
        })
        .collect();
    active.sort_by(|a, b| a.0.cmp(b.0));
    let weights: Vec<u32> = active.iter().map(|a| a.2).collect();
    match cents::split_cents(entry.amount, &weights) {
        Some(amounts) => OverheadAllocation {
            shares: active
                .into_iter()
                .zip(amounts)
                .filter(|((_, _, weight), _)| *weight > 0)
                .map(|((id, days, weight), amount)| OverheadShare {
                    campaign_id: id.clone(),
                    amount,
                    active: days,
                    weight,
                })
                .collect(),
            unallocated: None,
        },
        None => OverheadAllocation {
            shares: Vec::new(),
            unallocated: Some((
                cents::from_cents(cents::to_cents(entry.amount)),
                if active.is_empty() {
                    UnallocatedReason::NoActiveCampaign
                } else {
                    UnallocatedReason::NoHeadcount
                },
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
    }

    fn activity(
        id: &str,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
        headcount: u32,
    ) -> Activity {
        Activity {
            campaign_id: CampaignId::new(id),
            start,
            end,
            headcount,
        }
    }

    fn overhead(amount: Decimal, method: OverheadMethod, period: &str) -> OperationalOverhead {
        OperationalOverhead {
            amount,
            currency: "USD".into(),
            allocation_method: method,
            reporting_period: Period::parse(period).unwrap_or(Period::day(date(1, 1))),
        }
    }

    fn amounts(allocation: &OverheadAllocation) -> Vec<(&str, Decimal)> {
        allocation
            .shares
            .iter()
            .map(|s| (s.campaign_id.as_str(), s.amount))
            .collect()
    }

    #[test]
    fn headcount_spreads_by_people_among_active_campaigns() {
        // January overhead of 1000.00; b has 2 people, a has 1, c is not active in January, d has
        // nobody. 1000 × 1/3 = 333.333…, 1000 × 2/3 = 666.666… → 333.33 + 666.67 (a's remainder
        // .333 cents is smaller than b's .667).
        let activities = [
            activity("b", Some(date(1, 10)), None, 2),
            activity("a", Some(date(1, 1)), Some(date(1, 31)), 1),
            activity("c", Some(date(2, 1)), None, 5),
            activity("d", Some(date(1, 1)), None, 0),
        ];
        let allocation = allocate_overhead(
            &overhead(dec!(1000), OverheadMethod::Headcount, "2026-01"),
            &activities,
        );
        assert_eq!(
            amounts(&allocation),
            vec![("a", dec!(333.33)), ("b", dec!(666.67))]
        );
        assert_eq!(allocation.unallocated, None);
        assert_eq!(allocation.shares[1].active.days(), 22);
    }

    #[test]
    fn time_based_spreads_by_days_active_in_the_period() {
        // Q1 2026 has 90 days. a runs all of it (90), b from March 1 (31), c until Jan 10 (10):
        // 131 days in all. 500.00 × 90/131 = 343.5114…, × 31/131 = 118.3206…, × 10/131 = 38.1679…
        // → floors 343.51 + 118.32 + 38.16 = 499.99; largest remainder (c: .79 cents) gets the cent.
        let activities = [
            activity("a", Some(date(1, 1)), None, 0),
            activity("b", Some(date(3, 1)), Some(date(6, 30)), 0),
            activity("c", Some(date(1, 1)), Some(date(1, 10)), 0),
            activity("never", None, None, 3),
        ];
        let allocation = allocate_overhead(
            &overhead(dec!(500), OverheadMethod::TimeBased, "2026-Q1"),
            &activities,
        );
        assert_eq!(
            amounts(&allocation),
            vec![("a", dec!(343.51)), ("b", dec!(118.32)), ("c", dec!(38.17))]
        );
        let weights: Vec<u32> = allocation.shares.iter().map(|s| s.weight).collect();
        assert_eq!(weights, vec![90, 31, 10]);
    }

    #[test]
    fn overhead_nobody_can_carry_is_unallocated() {
        let none_active = allocate_overhead(
            &overhead(dec!(10.005), OverheadMethod::TimeBased, "2025"),
            &[activity("a", Some(date(1, 1)), None, 1)],
        );
        assert_eq!(
            none_active.unallocated,
            Some((dec!(10.01), UnallocatedReason::NoActiveCampaign))
        );
        let nobody = allocate_overhead(
            &overhead(dec!(10), OverheadMethod::Headcount, "2026"),
            &[activity("a", Some(date(1, 1)), None, 0)],
        );
        assert_eq!(
            nobody.unallocated,
            Some((dec!(10), UnallocatedReason::NoHeadcount))
        );
        assert!(nobody.shares.is_empty());
    }
}
