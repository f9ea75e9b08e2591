//! Campaign ROI on the full investment: the seed's `calculateCampaignROI`.
//!
//! ```text
//! campaign costs   = media (platform spend + media entries + named channels' spend)
//!                    + creative + platform fees
//! operational      = the campaign's shares of overhead
//! opportunity cost = cost_of_capital ÷ 365 × Σ over days d of (money spent on d × days from d to
//!                    the window's last day, both included)
//! total_investment = campaign costs + operational + opportunity cost
//! net_revenue      = attributed_revenue − total_investment
//! roi_percentage   = net_revenue ÷ total_investment × 100, rounded half away from zero to 2
//!                    decimals; none when nothing was invested
//! roas             = attributed_revenue ÷ media; none without media
//! ```
//!
//! Every amount is in whole cents: each cost category and the revenue are rounded once (half away
//! from zero), and the total, net revenue, ROI and ROAS are computed from those rounded figures,
//! so the figures a page or report shows add up to the cent (rejected: exact figures rounded
//! only when written, whose rounded parts could miss their rounded total by a cent).
//!
//! Everything is over the window cut off at today, in the campaign's currency. The opportunity
//! cost is the return the money would have earned elsewhere while it was tied up in the campaign:
//! simple interest, actual/365, on every cost from the day it was spent (that day counts) to the
//! end of the window. Revenue is not netted against it (rejected: it would make the investment
//! depend on the attribution model).
//!
//! Named channels (TV, radio, podcasts...; `spendlens_core::channel`) are media the platforms do
//! not report: their spend as imported is a cost line of its own (`channel_spend`), in the
//! investment, the opportunity cost, the payback and ROAS's media; they bring no revenue of
//! their own, so the revenue stays the platforms'. A campaign without named channels has a zero
//! line, and every figure is what it was before channels existed.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::campaign::CampaignId;
use spendlens_core::channel::{AllSpend, ChannelTotals};
use spendlens_core::num;

use crate::books::{CampaignBook, FinanceSettings, OrgBooks};
use crate::confidence::{self, Confidence, DrawTables, Sample};
use crate::error::FinanceError;
use crate::fx::{Converter, RateUsed, RatesTable};
use crate::ledger::AttributionMethod;
use crate::payback::{self, Payback};
use crate::period::Period;
use crate::timeline::{self, Timeline};

/// The investment in a campaign by category.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CostBreakdown {
    /// The platforms' reported daily spend.
    pub platform_spend: Decimal,
    /// Media spend entries (what the platforms do not report).
    pub media_entries: Decimal,
    /// The named channels' spend as imported (TV, radio, podcasts...).
    pub channel_spend: Decimal,
    /// Creative production (amount + fixed cost allocation).
    pub creative: Decimal,
    pub platform_fees: Decimal,
    /// Allocated operational overhead.
    pub overhead: Decimal,
    pub opportunity: Decimal,
}

impl CostBreakdown {
    /// Media spend: the platforms' spend, media entries and the named channels' spend.
    pub fn media(&self) -> Decimal {
        num::sum([self.platform_spend, self.media_entries, self.channel_spend])
    }

    /// The spend across the ad platforms and the named channels, each part kept apart (the
    /// reports' "all channels" line; media entries are ledger costs, not a channel's spend).
    pub fn all_spend(&self) -> AllSpend {
        AllSpend::from_sums(self.platform_spend, self.channel_spend)
    }

    /// The seed's campaign costs: media + creative + fees.
    pub fn campaign_costs(&self) -> Decimal {
        num::sum([self.media(), self.creative, self.platform_fees])
    }

    /// The seed's total investment: campaign costs + operational (overhead) + opportunity.
    pub fn total(&self) -> Decimal {
        num::sum([self.campaign_costs(), self.overhead, self.opportunity])
    }

    /// Every amount rounded to the cent, half away from zero: what is shown, and what totals add.
    pub fn in_cents(&self) -> CostBreakdown {
        let cents = |v: Decimal| num::round_half_away(v, 2);
        CostBreakdown {
            platform_spend: cents(self.platform_spend),
            media_entries: cents(self.media_entries),
            channel_spend: cents(self.channel_spend),
            creative: cents(self.creative),
            platform_fees: cents(self.platform_fees),
            overhead: cents(self.overhead),
            opportunity: cents(self.opportunity),
        }
    }

    /// Every amount times `factor` (a currency conversion).
    pub fn scaled(&self, factor: Decimal) -> CostBreakdown {
        CostBreakdown {
            platform_spend: num::mul(self.platform_spend, factor),
            media_entries: num::mul(self.media_entries, factor),
            channel_spend: num::mul(self.channel_spend, factor),
            creative: num::mul(self.creative, factor),
            platform_fees: num::mul(self.platform_fees, factor),
            overhead: num::mul(self.overhead, factor),
            opportunity: num::mul(self.opportunity, factor),
        }
    }

    /// The sum of two breakdowns, category by category.
    pub fn plus(&self, other: &CostBreakdown) -> CostBreakdown {
        CostBreakdown {
            platform_spend: num::add(self.platform_spend, other.platform_spend),
            media_entries: num::add(self.media_entries, other.media_entries),
            channel_spend: num::add(self.channel_spend, other.channel_spend),
            creative: num::add(self.creative, other.creative),
            platform_fees: num::add(self.platform_fees, other.platform_fees),
            overhead: num::add(self.overhead, other.overhead),
            opportunity: num::add(self.opportunity, other.opportunity),
        }
    }
}

/// A campaign's return on its full investment (the seed's `CampaignROI`). Amounts are in whole
/// cents of the campaign's currency (the costs by category and the revenue rounded once; the
/// total and the net their exact sum and difference); `roi_percentage` and the confidence
/// interval are already rounded to 2 decimals, as the seed specifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRoi {
    pub campaign_id: CampaignId,
    pub currency: String,
    /// The days measured: the requested window cut off at today (`None` when it starts later).
    pub window: Option<Period>,
    /// The finance setting of the attribution method (the seed's `attribution_method`).
    pub attribution: AttributionMethod,
    /// What the revenue actually rests on (platform-reported, or the attribution model used).
    pub revenue_basis: crate::books::RevenueBasis,
    pub costs: CostBreakdown,
    /// The named channels with a day in the window, by key: each one's spend (the sum of
    /// `costs.channel_spend`), impressions and days. Empty for a campaign without any.
    pub channels: Vec<ChannelTotals>,
    pub total_investment: Decimal,
    pub attributed_revenue: Decimal,
    pub net_revenue: Decimal,
    pub roi_percentage: Option<Decimal>,
    pub roas: Option<Decimal>,
    pub payback: Payback,
    pub confidence: Confidence,
    /// Hours of creative production in the window.
    pub creative_hours: u64,
    /// Exchange rates applied to ledger entries in other currencies.
    pub rates_used: Vec<RateUsed>,
}

/// ROI in percent rounded to 2 decimals, `None` without investment.
pub fn roi_percentage(net: Decimal, investment: Decimal) -> Option<Decimal> {
    (investment > Decimal::ZERO).then(|| num::round_half_away(num::pct_or_zero(net, investment), 2))
}

/// The opportunity cost of spending `cost[d]` on each day d of a window, held to its last day:
/// `rate ÷ 365 × Σ_d cost[d] × (n − d)`, and the accrual per day (what day t adds:
/// `rate ÷ 365 ×` the money committed up to and including t).
pub fn opportunity_cost(cost: &[Decimal], annual_rate: Decimal) -> (Decimal, Vec<Decimal>) {
    let per_day = num::div_or_zero(annual_rate, Decimal::from(365));
    let mut committed = Decimal::ZERO;
    let mut committed_days = Decimal::ZERO;
    let mut accrual = Vec::with_capacity(cost.len());
    for c in cost {
        committed = num::add(committed, *c);
        committed_days = num::add(committed_days, committed);
        accrual.push(num::mul(committed, per_day));
    }
    (num::mul(committed_days, per_day), accrual)
}

/// The ROI of a laid-out campaign.
pub(crate) fn from_timeline(
    book: &CampaignBook,
    t: &Timeline,
    settings: &FinanceSettings,
    rates_used: Vec<RateUsed>,
    tables: Option<&DrawTables>,
) -> CampaignRoi {
    let daily_cost: Vec<Decimal> = (0..t.len()).map(|i| t.cost(i)).collect();
    let (opportunity, accrual) = opportunity_cost(&daily_cost, settings.cost_of_capital);
    let costs = CostBreakdown {
        platform_spend: num::sum(t.platform_spend.iter().copied()),
        media_entries: num::sum(t.media.iter().copied()),
        channel_spend: num::sum(t.channel_spend.iter().copied()),
        creative: num::sum(t.creative.iter().copied()),
        platform_fees: num::sum(t.fees.iter().copied()),
        overhead: num::sum(t.overhead.iter().copied()),
        opportunity,
    }
    .in_cents();
    let total_investment = costs.total();
    let attributed_revenue = num::round_half_away(num::sum(t.revenue.iter().copied()), 2);
    let net_revenue = num::sub(attributed_revenue, total_investment);
    let media = costs.media();
    let roas = (media > Decimal::ZERO).then(|| num::div_or_zero(attributed_revenue, media));

    let with_accrual: Vec<Decimal> = daily_cost
        .iter()
        .zip(&accrual)
        .map(|(c, a)| num::add(*c, *a))
        .collect();
    let payback = match t.window {
        Some(window) => payback::payback(
            &window,
            &with_accrual,
            &t.revenue,
            settings.recent_days,
            settings.horizon_days,
        ),
        None => Payback::NoInvestment,
    };
    // A modelled revenue's uncertainty is the model's, far wider than its days' noise: the
    // interval is the ROI at the ends of the model's 90 % interval of what the channels caused,
    // and the level follows from it by the same rule. The bootstrap is not run for it.
    let modelled = match &book.revenue.basis {
        crate::books::RevenueBasis::Modelled {
            range: Some(range), ..
        } => Some(*range),
        _ => None,
    };
    let mut confidence = match modelled {
        Some((low, high)) => {
            let at = |factor: Decimal| {
                roi_percentage(
                    num::sub(num::mul(attributed_revenue, factor), total_investment),
                    total_investment,
                )
            };
            let interval = at(low).zip(at(high));
            let days = u32::try_from(t.has_data.iter().filter(|h| **h).count()).unwrap_or(u32::MAX);
            Confidence {
                level: confidence::level(interval, t.conversions, days),
                interval,
                days,
                conversions: t.conversions,
                resamples: 0,
            }
        }
        None => confidence::confidence(
            &Sample {
                spend: &t.platform_spend,
                revenue: &t.revenue,
                has_data: &t.has_data,
                fixed: num::sub(total_investment, costs.platform_spend),
                conversions: t.conversions,
            },
            settings.bootstrap.resamples,
            settings.bootstrap.seed,
            tables,
        ),
    };
    // A return of revenue nobody measured is no measurement: no ROI, ROAS or payback (a
    // −100 % ROI would be a verdict on a figure nobody has), no level, no interval.
    let measured = book.revenue.basis != crate::books::RevenueBasis::Unmeasured;
    if !measured {
        confidence.level = confidence::ConfidenceLevel::NotMeasurable;
        confidence.interval = None;
    }
    let payback = match payback {
        Payback::NoInvestment => Payback::NoInvestment,
        _ if !measured => Payback::NotMeasured,
        other => other,
    };
    CampaignRoi {
        campaign_id: book.id.clone(),
        currency: book.spec.currency.clone(),
        window: t.window,
        attribution: book.revenue.method,
        revenue_basis: book.revenue.basis.clone(),
        costs,
        channels: t.channels.clone(),
        total_investment,
        attributed_revenue,
        net_revenue,
        roi_percentage: roi_percentage(net_revenue, total_investment).filter(|_| measured),
        roas: roas.filter(|_| measured),
        payback,
        confidence,
        creative_hours: t.creative_hours,
        rates_used,
    }
}

/// The ROI of one campaign of an organisation over `window` (cut off at `today`).
///
/// The whole organisation is needed because overhead is spread over all its active campaigns.
/// Ledger entries in another currency than the campaign's are converted with `rates`.
pub fn calculate_campaign_roi(
    books: &OrgBooks,
    campaign: &CampaignId,
    window: Period,
    today: NaiveDate,
    settings: &FinanceSettings,
    rates: &RatesTable,
) -> Result<CampaignRoi, FinanceError> {
    settings.validate()?;
    books.validate()?;
    let book = books
        .campaign(campaign)
        .ok_or_else(|| FinanceError::CampaignNotFound(campaign.clone()))?;
    let overhead = timeline::allocate_all(&books.activities(), &books.entries);
    let mut conv = Converter::new(rates);
    let t = timeline::build(book, &books.entries, &overhead, window, today, &mut conv)?;
    Ok(from_timeline(book, &t, settings, conv.into_used(), None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn opportunity_cost_over_a_partial_period() {
        // 3650 spent on day 1 of a 10-day window at 10 % a year: 3650 × 0.10 × 10 / 365 = 10.
        let mut cost = vec![Decimal::ZERO; 10];
        cost[0] = dec!(3650);
        let (total, accrual) = opportunity_cost(&cost, dec!(0.10));
        assert_eq!(num::round_half_away(total, 2), dec!(10));
        assert_eq!(num::round_half_away(accrual[9], 6), dec!(1));
        // At 3.65 % the daily factor is exactly 0.0001: 1000 on day 1 and 500 on day 8 of 10 →
        // (1000 × 10 + 500 × 3) × 0.0001 = 1.15, and the accruals add up to it.
        let mut cost = vec![Decimal::ZERO; 10];
        cost[0] = dec!(1000);
        cost[7] = dec!(500);
        let (total, accrual) = opportunity_cost(&cost, dec!(0.0365));
        assert_eq!(total, dec!(1.15));
        assert_eq!(num::sum(accrual), dec!(1.15));
    }

    #[test]
    fn roi_is_rounded_half_away_and_absent_without_investment() {
        assert_eq!(roi_percentage(dec!(1), dec!(3)), Some(dec!(33.33)));
        assert_eq!(roi_percentage(dec!(-2.345), dec!(100)), Some(dec!(-2.35)));
        assert_eq!(roi_percentage(dec!(0.00001), dec!(1000)), Some(dec!(0)));
        assert_eq!(roi_percentage(dec!(50), dec!(0)), None);
    }

    #[test]
    fn the_breakdown_adds_up_as_the_seed_says() {
        let c = CostBreakdown {
            platform_spend: dec!(1000),
            media_entries: dec!(200),
            channel_spend: dec!(0),
            creative: dec!(300),
            platform_fees: dec!(50),
            overhead: dec!(120),
            opportunity: dec!(4.5),
        };
        assert_eq!(c.media(), dec!(1200));
        assert_eq!(c.campaign_costs(), dec!(1550));
        assert_eq!(c.total(), dec!(1674.5));
        assert_eq!(c.scaled(dec!(2)).total(), dec!(3349));
        assert_eq!(c.plus(&c).total(), dec!(3349));
        // A named channel's spend is media, apart from the platforms' spend.
        let with_tv = CostBreakdown {
            channel_spend: dec!(300),
            ..c
        };
        assert_eq!(with_tv.media(), dec!(1500));
        assert_eq!(with_tv.total(), dec!(1974.5));
        assert_eq!(with_tv.scaled(dec!(2)).channel_spend, dec!(600));
        let all = with_tv.all_spend();
        assert_eq!(
            (all.platforms, all.channels, all.total),
            (dec!(1000), dec!(300), dec!(1300))
        );
    }
}
