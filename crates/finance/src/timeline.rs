//! One campaign's costs and revenue laid out day by day over a window, in the campaign's currency.
//!
//! Every figure of the ROI, the payback and the bootstrap is read from this one layout, so they
//! cannot disagree on which costs fall in the window: platform spend on its row's day, a media or
//! creative entry on its date, a named channel's spend on its day, a fee spread evenly over its
//! billing period, an overhead share spread evenly over the campaign's active days of the
//! reporting period (both in whole cents of their own currency, then converted exactly). Days
//! after `today` are never part of a window.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::channel::{ChannelTotals, totals_by_channel};
use spendlens_core::num;

use crate::books::CampaignBook;
use crate::cents;
use crate::error::FinanceError;
use crate::fx::Converter;
use crate::ledger::{LedgerEntry, OperationalOverhead};
use crate::overhead::{Activity, OverheadAllocation, OverheadShare, allocate_overhead};
use crate::period::Period;

/// One platform's figures for a campaign over the window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PlatformFigures {
    pub spend: Decimal,
    pub fees: Decimal,
    pub impressions: u64,
    pub clicks: u64,
    pub conversions: Decimal,
}

/// The day-by-day layout; every vector has one slot per day of `window`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Timeline {
    /// The requested window cut off after today; `None` when it starts after today.
    pub window: Option<Period>,
    pub platform_spend: Vec<Decimal>,
    pub media: Vec<Decimal>,
    /// The named channels' spend (TV, radio...): media cost, kept apart from the platforms'.
    pub channel_spend: Vec<Decimal>,
    pub creative: Vec<Decimal>,
    pub fees: Vec<Decimal>,
    pub overhead: Vec<Decimal>,
    pub revenue: Vec<Decimal>,
    /// Days with an ad-platform row or a revenue entry: the days the bootstrap resamples.
    pub has_data: Vec<bool>,
    pub conversions: Decimal,
    pub creative_hours: u64,
    /// By platform identifier (ad platforms, and whatever platforms fees name).
    pub platforms: BTreeMap<String, PlatformFigures>,
    /// The named channels' sums over the window, by key (`totals_by_channel`).
    pub channels: Vec<ChannelTotals>,
}

impl Timeline {
    fn empty(window: Option<Period>) -> Self {
        let days = window.map_or(0, |w| usize::try_from(w.days()).unwrap_or(0));
        Timeline {
            window,
            platform_spend: vec![Decimal::ZERO; days],
            media: vec![Decimal::ZERO; days],
            channel_spend: vec![Decimal::ZERO; days],
            creative: vec![Decimal::ZERO; days],
            fees: vec![Decimal::ZERO; days],
            overhead: vec![Decimal::ZERO; days],
            revenue: vec![Decimal::ZERO; days],
            has_data: vec![false; days],
            conversions: Decimal::ZERO,
            creative_hours: 0,
            platforms: BTreeMap::new(),
            channels: Vec::new(),
        }
    }

    /// The number of days.
    pub fn len(&self) -> usize {
        self.revenue.len()
    }

    /// All costs of day `i` (before opportunity cost).
    pub fn cost(&self, i: usize) -> Decimal {
        num::sum([
            self.platform_spend[i],
            self.media[i],
            self.channel_spend[i],
            self.creative[i],
            self.fees[i],
            self.overhead[i],
        ])
    }
}

/// An overhead entry of the ledger (with its position) and its allocation over the campaigns.
pub(crate) type Allocated = (usize, OperationalOverhead, OverheadAllocation);

/// Every overhead entry of the ledger with its allocation over the campaigns (when each is
/// active, see [`CampaignBook::activity`]), in ledger order.
pub(crate) fn allocate_all(activities: &[Activity], entries: &[LedgerEntry]) -> Vec<Allocated> {
    entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e {
            LedgerEntry::OperationalOverhead(o) => {
                Some((i, o.clone(), allocate_overhead(o, activities)))
            }
            _ => None,
        })
        .collect()
}

/// Adds an even spread of `amount` over `spread` days (whole cents, then times `factor`) to the
/// days of `slots` (laid out over `window`) that fall in it; returns what fell in the window.
fn spread(
    slots: &mut [Decimal],
    window: &Period,
    spread: &Period,
    amount: Decimal,
    factor: Decimal,
) -> Decimal {
    let Some(shared) = window.intersect(spread) else {
        return Decimal::ZERO;
    };
    let total_cents = cents::to_cents(amount);
    let spread_days = spread.days();
    let offset_in_spread = shared
        .start()
        .signed_duration_since(spread.start())
        .num_days();
    let offset_in_window = window.index_of(shared.start()).unwrap_or(0);
    let mut added = Decimal::ZERO;
    for k in 0..shared.days() {
        let part = cents::from_cents(cents::even_part(
            total_cents,
            spread_days,
            offset_in_spread + k,
        ));
        let value = num::mul(part, factor);
        let slot = usize::try_from(k)
            .ok()
            .and_then(|k| slots.get_mut(offset_in_window + k));
        if let Some(slot) = slot {
            *slot = num::add(*slot, value);
            added = num::add(added, value);
        }
    }
    added
}

/// Lays out one campaign over `window` (cut off after `today`).
///
/// `overhead` is the organisation's overhead with its allocations (from [`allocate_all`]); the
/// campaign takes its own shares.
pub(crate) fn build(
    book: &CampaignBook,
    entries: &[LedgerEntry],
    overhead: &[Allocated],
    window: Period,
    today: NaiveDate,
    conv: &mut Converter<'_>,
) -> Result<Timeline, FinanceError> {
    let mut t = Timeline::empty(window.until(today));
    let Some(window) = t.window else {
        return Ok(t);
    };
    let currency = book.spec.currency.as_str();

    for row in &book.rows {
        if !row.platform.is_ad_platform() {
            continue;
        }
        let Some(i) = window.index_of(row.date) else {
            continue;
        };
        if let Some(c) = row.currency.as_deref()
            && !c.trim().eq_ignore_ascii_case(currency)
        {
            return Err(FinanceError::RowCurrency {
                campaign_id: book.id.clone(),
                platform: row.platform.as_str(),
                date: row.date,
                row_currency: c.to_owned(),
                campaign_currency: currency.to_owned(),
            });
        }
        t.platform_spend[i] = num::add(t.platform_spend[i], row.spend);
        t.conversions = num::add(t.conversions, row.conversions);
        t.has_data[i] = true;
        let p = t
            .platforms
            .entry(row.platform.as_str().to_owned())
            .or_default();
        p.spend = num::add(p.spend, row.spend);
        p.impressions = p.impressions.saturating_add(row.impressions);
        p.clicks = p.clicks.saturating_add(row.clicks);
        p.conversions = num::add(p.conversions, row.conversions);
    }

    let mut in_window = Vec::new();
    for day in &book.channels {
        let Some(i) = window.index_of(day.date) else {
            continue;
        };
        if let Some(c) = day.currency.as_deref()
            && !c.trim().eq_ignore_ascii_case(currency)
        {
            return Err(FinanceError::ChannelCurrency {
                campaign_id: book.id.clone(),
                channel: day.channel.as_str().to_owned(),
                date: day.date,
                day_currency: c.to_owned(),
                campaign_currency: currency.to_owned(),
            });
        }
        t.channel_spend[i] = num::add(t.channel_spend[i], day.spend);
        in_window.push(day);
    }
    t.channels = totals_by_channel(in_window);

    for day in &book.revenue.days {
        if let Some(i) = window.index_of(day.date) {
            t.revenue[i] = num::add(t.revenue[i], day.amount);
            t.has_data[i] = true;
        }
    }

    for entry in entries {
        if entry.campaign_id() != Some(&book.id) {
            continue;
        }
        match entry {
            LedgerEntry::MediaSpend(e) => {
                if let Some(i) = window.index_of(e.allocation_date) {
                    let value = conv.convert(e.amount, &e.currency, currency)?;
                    t.media[i] = num::add(t.media[i], value);
                }
            }
            LedgerEntry::CreativeProduction(e) => {
                if let Some(i) = window.index_of(e.incurred_on) {
                    let value = conv.convert(e.total(), &e.currency, currency)?;
                    t.creative[i] = num::add(t.creative[i], value);
                    t.creative_hours = t.creative_hours.saturating_add(u64::from(e.resource_hours));
                }
            }
            LedgerEntry::PlatformFee(e) => {
                if window.intersect(&e.billing_period).is_some() {
                    let factor = conv.factor(&e.currency, currency)?;
                    let added = spread(&mut t.fees, &window, &e.billing_period, e.amount, factor);
                    let p = t.platforms.entry(e.platform.clone()).or_default();
                    p.fees = num::add(p.fees, added);
                }
            }
            LedgerEntry::OperationalOverhead(_) => {}
        }
    }

    for (_, entry, allocation) in overhead {
        let shares = allocation
            .shares
            .iter()
            .filter(|s: &&OverheadShare| s.campaign_id == book.id);
        for share in shares {
            if window.intersect(&share.active).is_some() {
                let factor = conv.factor(&entry.currency, currency)?;
                spread(
                    &mut t.overhead,
                    &window,
                    &share.active,
                    share.amount,
                    factor,
                );
            }
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
    }

    #[test]
    fn a_spread_puts_each_day_its_cents_and_the_leftover_first() {
        // 100.00 over Jan 1–3 is 33.34, 33.33, 33.33; a window of Jan 2–10 takes the last two.
        let window = Period::new(date(1, 2), date(1, 10)).unwrap_or(Period::day(date(1, 1)));
        let fee = Period::new(date(1, 1), date(1, 3)).unwrap_or(window);
        let mut slots = vec![Decimal::ZERO; 9];
        let added = spread(&mut slots, &window, &fee, dec!(100), Decimal::ONE);
        assert_eq!(added, dec!(66.66));
        assert_eq!(&slots[..3], &[dec!(33.33), dec!(33.33), dec!(0)]);
        // Converted at 2: each part doubled, exactly.
        let mut slots = vec![Decimal::ZERO; 10];
        let whole = Period::new(date(1, 1), date(1, 10)).unwrap_or(window);
        let added = spread(&mut slots, &whole, &fee, dec!(100), dec!(2));
        assert_eq!(added, dec!(200));
        assert_eq!(&slots[..3], &[dec!(66.68), dec!(66.66), dec!(66.66)]);
    }
}
