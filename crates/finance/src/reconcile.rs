//! The walk from the analysis' figure to the finance ROI (issue 15, "one trustworthy number").
//!
//! The Budget & Financial Analysis values a campaign on the revenue its ad platforms report
//! (estimated from conversions where they report none) over its ad spend; the finance ROI values
//! it on the revenue of its chosen basis (an attribution model re-credits the platforms'
//! revenue over imported touchpoints) over its full investment. Both are right about what they
//! measure, and side by side without a bridge they read as a contradiction (+165 % on one page,
//! −70 % on the other). This module builds the bridge, each step with its amount:
//!
//! 1. platform-reported revenue, per ad platform, and its return on the ad spend (the
//!    analysis' formula over the same window);
//! 2. the re-crediting of the chosen basis, per platform (zero when the basis is the platforms'
//!    own revenue), giving the revenue the finance ROI rests on;
//! 3. the media cost (ad spend, media entries of the ledger, offline channels) and the media ROI;
//! 4. the costs beyond media (creative production, platform fees, overhead, opportunity cost);
//! 5. the full-cost ROI, which is the finance ROI to the cent: it is taken from
//!    [`calculate_campaign_roi`] itself, never recomputed, so the panel cannot drift from it.
//!
//! Per-platform credit inside a window: the model credits platforms over the whole series; a
//! window gets the series' revenue of its own days (already on the ROI), shared out among the
//! platforms in the model's proportions, in whole cents that add up exactly. The app spreads an
//! attributed total over the days with platform rows only, so a window with attributed revenue
//! always has a platform line to carry it.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::campaign::CampaignId;
use spendlens_core::{Platform, num};

use crate::books::{FinanceSettings, OrgBooks, RevenueBasis};
use crate::error::FinanceError;
use crate::fx::RatesTable;
use crate::period::Period;
use crate::roi::{CampaignRoi, calculate_campaign_roi, roi_percentage};

/// One ad platform's line of the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformStep {
    pub platform: Platform,
    /// Its ad spend in the window.
    pub spend: Decimal,
    /// The revenue it reports (or the analysis estimates) in the window.
    pub reported: Decimal,
    /// The revenue the basis gives it in the window (equal to `reported` on the platforms' own
    /// revenue).
    pub credited: Decimal,
}

impl PlatformStep {
    /// What the basis moved: `credited − reported`.
    pub fn recredited(&self) -> Decimal {
        num::sub(self.credited, self.reported)
    }
}

/// The walk from platform-reported revenue to the full-cost ROI of one campaign over a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    /// The finance ROI the walk ends at (its costs, revenue, basis and window).
    pub roi: CampaignRoi,
    /// One line per ad platform with spend or revenue in the window, in platform order.
    pub platforms: Vec<PlatformStep>,
    /// Σ reported.
    pub reported_revenue: Decimal,
    /// ROI of the reported revenue on the ad spend, in percent to 2 decimals (the analysis'
    /// formula over the window); `None` without ad spend.
    pub reported_roi: Option<Decimal>,
    /// What the basis moved in total: `roi.attributed_revenue − reported_revenue`.
    pub recredited: Decimal,
    /// The part of the basis' revenue a marketing-mix model gives the named offline channels
    /// (no platform line carries it; zero on the other bases).
    pub offline_credited: Decimal,
    /// ROI of the basis' revenue on the media cost, in percent to 2 decimals; `None` without
    /// media cost.
    pub media_roi: Option<Decimal>,
    /// Creative production + platform fees + overhead + opportunity cost.
    pub beyond_media: Decimal,
}

/// Reconciles one campaign of an organisation over `window` (cut off at `today`): the same
/// inputs as [`calculate_campaign_roi`], whose answer is the walk's last step.
pub fn reconcile(
    books: &OrgBooks,
    campaign: &CampaignId,
    window: Period,
    today: NaiveDate,
    settings: &FinanceSettings,
    rates: &RatesTable,
) -> Result<Reconciliation, FinanceError> {
    let roi = calculate_campaign_roi(books, campaign, window, today, settings, rates)?;
    let book = books
        .campaign(campaign)
        .ok_or_else(|| FinanceError::CampaignNotFound(campaign.clone()))?;
    let in_window = |d: NaiveDate| roi.window.is_some_and(|w| w.contains(d));

    let mut platforms: Vec<PlatformStep> = Vec::new();
    let mut line = |platform: Platform| -> usize {
        match platforms.iter().position(|p| p.platform == platform) {
            Some(i) => i,
            None => {
                platforms.push(PlatformStep {
                    platform,
                    spend: Decimal::ZERO,
                    reported: Decimal::ZERO,
                    credited: Decimal::ZERO,
                });
                platforms.len() - 1
            }
        }
    };
    let mut indices = Vec::new();
    for row in book
        .rows
        .iter()
        .filter(|r| r.platform.is_ad_platform() && in_window(r.date))
    {
        indices.push((line(row.platform), row.spend, Decimal::ZERO));
    }
    for day in book.revenue.reported.iter().filter(|d| in_window(d.date)) {
        indices.push((line(day.platform), Decimal::ZERO, day.amount));
    }
    for (i, spend, reported) in indices {
        platforms[i].spend = num::add(platforms[i].spend, spend);
        platforms[i].reported = num::add(platforms[i].reported, reported);
    }
    platforms.sort_by_key(|p| p.platform);

    let reported_revenue = num::sum(platforms.iter().map(|p| p.reported));
    let mut offline_credited = Decimal::ZERO;
    match &roi.revenue_basis {
        RevenueBasis::Attributed { .. } | RevenueBasis::Modelled { .. } => {
            let mut shares: Vec<Decimal> = platforms
                .iter()
                .map(|p| {
                    book.revenue
                        .credit
                        .iter()
                        .find(|(q, _)| *q == p.platform)
                        .map_or(Decimal::ZERO, |(_, c)| *c)
                })
                .collect();
            // The offline channels' share last, when the model gave them one.
            let offline = book.revenue.credit_offline > Decimal::ZERO;
            if offline {
                shares.push(book.revenue.credit_offline);
            }
            let mut parts = share_out(roi.attributed_revenue, &shares);
            if offline {
                offline_credited = parts.pop().unwrap_or_default();
            }
            for (p, amount) in platforms.iter_mut().zip(parts) {
                p.credited = amount;
            }
        }
        RevenueBasis::PlatformReported | RevenueBasis::Unmeasured => {
            for p in &mut platforms {
                p.credited = p.reported;
            }
        }
    }
    let ad_spend = num::sum(platforms.iter().map(|p| p.spend));
    let media = roi.costs.media();
    // Revenue nobody measured gives no return, as in the ROI itself.
    let measured = roi.revenue_basis != RevenueBasis::Unmeasured;
    Ok(Reconciliation {
        platforms,
        reported_revenue,
        reported_roi: roi_percentage(num::sub(reported_revenue, ad_spend), ad_spend)
            .filter(|_| measured),
        recredited: num::sub(roi.attributed_revenue, reported_revenue),
        offline_credited,
        media_roi: roi_percentage(num::sub(roi.attributed_revenue, media), media)
            .filter(|_| measured),
        // The total less the media, so the steps add up to the total exactly (summing the four
        // parts in another order can differ in the 28th digit of an opportunity cost).
        beyond_media: num::sub(roi.total_investment, media),
        roi,
    })
}

/// `total` shared out in proportion to `weights`, rounded to cents, the rounding remainder on
/// the largest share so the parts add up to `total` exactly; evenly when no weight is positive.
/// (The model's credits are non-negative; a negative weight counts as zero.)
fn share_out(total: Decimal, weights: &[Decimal]) -> Vec<Decimal> {
    if weights.is_empty() {
        return Vec::new();
    }
    let weights: Vec<Decimal> = weights.iter().map(|w| (*w).max(Decimal::ZERO)).collect();
    let sum = num::sum(weights.iter().copied());
    let n = Decimal::from(weights.len() as u64);
    let mut parts: Vec<Decimal> = weights
        .iter()
        .map(|w| {
            let exact = if sum > Decimal::ZERO {
                num::div_or_zero(num::mul(total, *w), sum)
            } else {
                num::div_or_zero(total, n)
            };
            num::round_half_away(exact, 2)
        })
        .collect();
    let given = num::sum(parts.iter().copied());
    let largest = (0..weights.len())
        .max_by_key(|i| weights[*i])
        .unwrap_or_default();
    parts[largest] = num::add(parts[largest], num::sub(total, given));
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn shares_add_up_to_the_total_in_cents() {
        // Equal weights: the cent left over goes to the last of the largest.
        let parts = share_out(dec!(100.00), &[dec!(1), dec!(1), dec!(1)]);
        assert_eq!(parts, vec![dec!(33.33), dec!(33.33), dec!(33.34)]);
        // Proportions; a zero weight gets nothing.
        let parts = share_out(dec!(10.00), &[dec!(0), dec!(3), dec!(1)]);
        assert_eq!(parts, vec![dec!(0.00), dec!(7.50), dec!(2.50)]);
        // No positive weight: evenly, rounded half away, the excess cent taken back.
        let parts = share_out(dec!(9.99), &[dec!(0), dec!(-1)]);
        assert_eq!(parts, vec![dec!(5.00), dec!(4.99)]);
        assert!(share_out(dec!(1), &[]).is_empty());
    }
}
