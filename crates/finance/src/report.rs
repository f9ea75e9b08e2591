//! The financial report of an organisation for a period: the seed's `generateFinancialReport`.
//!
//! Per campaign, everything is in the campaign's currency: spend, costs by category, revenue,
//! ROI, ROAS, payback, confidence (all over the period cut off at today) and the budget
//! consumption (lifetime, as of today: a budget covers the whole campaign, not the period).
//! The totals and the per-platform lines add campaigns together, so they are in the report's
//! currency: each campaign's figures are converted with the rates table the user supplies, and
//! the report lists every rate it applied. A missing rate is an error naming the pair.
//!
//! Totals: the sums of the campaigns' figures, plus the overhead no campaign could carry
//! (`unallocated_overhead`, its part in the period), which belongs to the organisation's
//! investment as well; ROI, ROAS and net revenue are recomputed from the summed figures (never
//! averaged). Payback and confidence are per campaign only.
//!
//! A total is the sum of its rows as shown: each campaign's figures (already in cents, see
//! `crate::roi`) are converted and rounded to the cent before they are added, each unallocated
//! overhead's part too, and the total investment, net revenue, ROI and ROAS come from those
//! sums. A campaign's converted spend, fees and named channels' spend are shared out over its
//! platform and channel lines in whole cents that add up to it (largest remainder), so the
//! platform lines add up to the summary's platform spend and the channel lines to the channels'
//! total. Rejected: adding exact converted amounts and rounding only the total, which printed
//! "Total investment $151,418.75" over parts adding up to 151,418.76.
//!
//! Budget consumption is the analysis' own, with the pacing verdict every page shows
//! (`BudgetStatus::pacing`), as of the day [`ReportPlan::campaign_on`] is given: the app gives
//! today in the campaign's time zone, as the campaign list and the finance page judge it.
//!
//! Named channels (TV, radio, podcasts...) are lines of their own (`channels`), never added to
//! the per-platform lines: their spend is in the campaigns' media cost
//! (`CostBreakdown::channel_spend`), and `CostBreakdown::all_spend` gives the spend across the
//! platforms and the channels. A report without named channels is what it was before them.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::Platform;
use spendlens_core::campaign::OrgId;
use spendlens_core::channel::ChannelName;
use spendlens_core::num;

use spendlens_core::channel::ChannelTotals;

use crate::books::{CampaignBook, FinanceSettings, OrgBooks, validate_ledger};
use crate::budget::{BudgetStatus, analyse, budget_status};
use crate::cents;
use crate::confidence::DrawTables;
use crate::error::FinanceError;
use crate::fx::{Converter, RateUsed, RatesTable};
use crate::ledger::LedgerEntry;
use crate::overhead::{Activity, UnallocatedReason};
use crate::period::Period;
use crate::roi::{self, CampaignRoi, CostBreakdown};
use crate::timeline::{self, Allocated, PlatformFigures};

/// What report to build.
#[derive(Debug, Clone)]
pub struct ReportRequest<'a> {
    pub period: Period,
    pub today: NaiveDate,
    /// The currency of the totals and per-platform lines (ISO 4217).
    pub currency: String,
    pub settings: FinanceSettings,
    pub rates: &'a RatesTable,
}

/// One campaign in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignReport {
    pub name: String,
    /// Spend, costs by category, revenue, ROI, ROAS, payback and confidence over the period.
    pub roi: CampaignRoi,
    /// Budget consumption as of today (lifetime).
    pub budget: BudgetStatus,
}

/// One platform across the organisation's campaigns, in the report currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformReport {
    /// A spendlens platform identifier, or the platform a fee names.
    pub platform: String,
    /// Whether spendlens connects to it (else it only appears through fees).
    pub known: bool,
    pub spend: Decimal,
    pub fees: Decimal,
    pub impressions: u64,
    pub clicks: u64,
    pub conversions: Decimal,
    /// (spend + fees) ÷ conversions; `None` without conversions.
    pub cost_per_conversion: Option<Decimal>,
    /// Campaigns with spend, fees or conversions on it.
    pub campaigns: u32,
}

/// One named channel across the organisation's campaigns, in the report currency: spend as
/// imported, no platform-reported revenue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelReport {
    pub channel: ChannelName,
    pub spend: Decimal,
    /// `None` when no day of the channel reported impressions.
    pub impressions: Option<u64>,
    /// Campaigns with a day of it in the window.
    pub campaigns: u32,
}

/// Overhead no campaign could carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnallocatedOverhead {
    /// Its position in the organisation's ledger.
    pub entry_index: usize,
    pub reporting_period: Period,
    /// The whole entry, in its own currency.
    pub amount: Decimal,
    pub currency: String,
    pub reason: UnallocatedReason,
    /// The part that falls in the report's period (spread evenly over the reporting period), in
    /// the report currency.
    pub in_period: Decimal,
}

/// The totals of the report, in the report currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTotals {
    /// The campaigns' costs by category, summed.
    pub costs: CostBreakdown,
    pub unallocated_overhead: Decimal,
    /// Σ campaigns' total investment + unallocated overhead.
    pub total_investment: Decimal,
    pub attributed_revenue: Decimal,
    /// Revenue less the investment of the campaigns whose revenue is measured and the
    /// unallocated overhead: a campaign whose revenue nobody measured has no return to add, only
    /// a cost, which the total investment still counts. `None` when no campaign's revenue is
    /// measured. `roi_percentage` is this over the same investment.
    pub net_revenue: Option<Decimal>,
    /// Over the campaigns whose revenue is measured (their investment and the unallocated
    /// overhead), as `net_revenue`.
    pub roi_percentage: Option<Decimal>,
    /// Over the same campaigns' media cost.
    pub roas: Option<Decimal>,
    pub conversions: Decimal,
    /// Campaigns left out of `net_revenue`, `roi_percentage` and `roas`: their revenue is not
    /// measured.
    pub unmeasured_campaigns: usize,
    /// Their part of `total_investment`, which `net_revenue` leaves out.
    pub unmeasured_investment: Decimal,
}

/// The financial report (the seed's `MarketingFinancialReport`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinancialReport {
    pub org_id: OrgId,
    pub period: Period,
    /// The period cut off at today; `None` when it starts after today.
    pub window: Option<Period>,
    pub today: NaiveDate,
    pub currency: String,
    pub settings: FinanceSettings,
    pub totals: ReportTotals,
    pub campaigns: Vec<CampaignReport>,
    /// Ad platforms in spendlens' order, then other fee platforms by name.
    pub platforms: Vec<PlatformReport>,
    /// Named channels by key; empty when no campaign has a day of one in the window.
    pub channels: Vec<ChannelReport>,
    pub unallocated_overhead: Vec<UnallocatedOverhead>,
    /// Every exchange rate applied, by pair.
    pub rates_used: Vec<RateUsed>,
}

/// Builds the report from the whole books at once: [`ReportPlan`] over every campaign.
pub fn generate_financial_report(
    books: &OrgBooks,
    request: &ReportRequest<'_>,
) -> Result<FinancialReport, FinanceError> {
    let plan = ReportPlan::new(
        books.org_id.clone(),
        request,
        books.entries.clone(),
        &books.activities(),
    )?;
    let mut sums = ReportSums::default();
    for book in &books.campaigns {
        sums.add(plan.campaign(book)?);
    }
    plan.finish(sums)
}

/// A report being built one campaign at a time, so that no more than a campaign's rows need be
/// held at once: everything known before the campaigns (the checked request, the ledger and its
/// overhead allocated over every campaign's activity), then [`ReportPlan::campaign`] for each
/// campaign (pure; any order, on any thread), added in the campaigns' order to a [`ReportSums`],
/// and [`ReportPlan::finish`].
#[derive(Debug, Clone)]
pub struct ReportPlan {
    org_id: OrgId,
    period: Period,
    today: NaiveDate,
    currency: String,
    settings: FinanceSettings,
    rates: RatesTable,
    entries: Vec<LedgerEntry>,
    overhead: Vec<Allocated>,
    /// The bootstrap's draws, shared by the campaigns with the same number of days.
    draws: Arc<DrawTables>,
}

/// One campaign's part of a report, from [`ReportPlan::campaign`].
#[derive(Debug, Clone)]
pub struct CampaignPart {
    report: CampaignReport,
    /// Its currency to the report's.
    factor: Decimal,
    used: Vec<RateUsed>,
    conversions: Decimal,
    platforms: BTreeMap<String, PlatformFigures>,
    channels: Vec<ChannelTotals>,
}

/// The campaigns' parts added up, in the order they were added.
#[derive(Debug, Default)]
pub struct ReportSums {
    campaigns: Vec<CampaignReport>,
    costs: CostBreakdown,
    revenue: Decimal,
    conversions: Decimal,
    platforms: BTreeMap<String, (PlatformFigures, u32)>,
    channels: BTreeMap<String, ChannelReport>,
    used: BTreeMap<(String, String), RateUsed>,
    /// The total investment and media cost of campaigns whose revenue is not measured, in the
    /// report currency, and how many they are.
    unmeasured: (Decimal, Decimal, usize),
}

impl ReportPlan {
    /// Checks the settings, the report currency, that the campaigns are unique and every
    /// ledger entry (naming one of them when it names a campaign), and allocates the overhead
    /// over `activities` (every campaign's, see [`CampaignBook::activity`]).
    pub fn new(
        org_id: OrgId,
        request: &ReportRequest<'_>,
        entries: Vec<LedgerEntry>,
        activities: &[Activity],
    ) -> Result<Self, FinanceError> {
        request.settings.validate()?;
        let currency = request.currency.trim().to_ascii_uppercase();
        if !spendlens_core::currency::is_iso_4217(&currency) {
            return Err(FinanceError::InvalidSettings {
                errors: vec![spendlens_core::campaign::FieldError {
                    field: "currency",
                    message: "must be an ISO 4217 currency code such as USD".to_owned(),
                }],
            });
        }
        validate_ledger(
            activities.iter().map(|a| &a.campaign_id).collect(),
            &entries,
        )?;
        Ok(ReportPlan {
            org_id,
            period: request.period,
            today: request.today,
            currency,
            settings: request.settings,
            rates: request.rates.clone(),
            overhead: timeline::allocate_all(activities, &entries),
            entries,
            draws: Arc::new(DrawTables::new()),
        })
    }

    /// The report's period cut off at today; `None` when it starts after today.
    pub fn window(&self) -> Option<Period> {
        self.period.until(self.today)
    }

    /// The report's currency (upper case).
    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// One campaign's part, its budget as of the report's today: see [`ReportPlan::campaign_on`].
    pub fn campaign(&self, book: &CampaignBook) -> Result<CampaignPart, FinanceError> {
        self.campaign_on(book, self.today)
    }

    /// One campaign's part: its ROI over the period cut off at `budget_day`, and budget
    /// consumption as of that day (today in the campaign's time zone, the day its analysis and
    /// ROI pages count to; its rows must reach it; never after the report's today), and its
    /// contribution to the totals and lines.
    pub fn campaign_on(
        &self,
        book: &CampaignBook,
        budget_day: NaiveDate,
    ) -> Result<CampaignPart, FinanceError> {
        let mut conv = Converter::new(&self.rates);
        let t = timeline::build(
            book,
            &self.entries,
            &self.overhead,
            self.period,
            budget_day.min(self.today),
            &mut conv,
        )?;
        let roi = roi::from_timeline(
            book,
            &t,
            &self.settings,
            conv.into_used(),
            Some(&self.draws),
        );
        let mut report_conv = Converter::new(&self.rates);
        let factor = report_conv.factor(&book.spec.currency, &self.currency)?;
        let mut used = roi.rates_used.clone();
        used.extend(report_conv.into_used());
        Ok(CampaignPart {
            report: CampaignReport {
                name: book.spec.name.clone(),
                budget: budget_status(&analyse(book, budget_day)),
                roi,
            },
            factor,
            used,
            conversions: t.conversions,
            platforms: t.platforms,
            channels: t.channels,
        })
    }

    /// The report: the sums of the campaigns' parts, the overhead no campaign carried, and
    /// every rate applied.
    pub fn finish(&self, sums: ReportSums) -> Result<FinancialReport, FinanceError> {
        let window = self.window();
        let mut report_conv = Converter::new(&self.rates);
        let mut unallocated = Vec::new();
        for (index, entry, allocation) in &self.overhead {
            let Some((amount, reason)) = allocation.unallocated else {
                continue;
            };
            let in_period = match window.and_then(|w| w.intersect(&entry.reporting_period)) {
                Some(shared) => {
                    let total = cents::to_cents(amount);
                    let days = entry.reporting_period.days();
                    let offset = shared
                        .start()
                        .signed_duration_since(entry.reporting_period.start())
                        .num_days();
                    let part: i128 = (0..shared.days())
                        .map(|k| cents::even_part(total, days, offset + k))
                        .sum();
                    let converted = report_conv.convert(
                        cents::from_cents(part),
                        &entry.currency,
                        &self.currency,
                    )?;
                    num::round_half_away(converted, 2)
                }
                None => Decimal::ZERO,
            };
            unallocated.push(UnallocatedOverhead {
                entry_index: *index,
                reporting_period: entry.reporting_period,
                amount,
                currency: entry.currency.clone(),
                reason,
                in_period,
            });
        }
        let ReportSums {
            campaigns,
            costs,
            revenue,
            conversions,
            platforms,
            channels,
            mut used,
            unmeasured: (unmeasured_investment, unmeasured_media, unmeasured_count),
        } = sums;
        let unallocated_total = num::sum(unallocated.iter().map(|u| u.in_period));
        let total_investment = num::add(costs.total(), unallocated_total);
        let measured = unmeasured_count < campaigns.len();
        let invested = num::sub(total_investment, unmeasured_investment);
        let media = num::sub(costs.media(), unmeasured_media);
        let totals = ReportTotals {
            total_investment,
            attributed_revenue: revenue,
            net_revenue: measured.then(|| num::sub(revenue, invested)),
            roi_percentage: roi::roi_percentage(num::sub(revenue, invested), invested)
                .filter(|_| measured),
            roas: (measured && media > Decimal::ZERO).then(|| num::div_or_zero(revenue, media)),
            conversions,
            unallocated_overhead: unallocated_total,
            costs,
            unmeasured_campaigns: unmeasured_count,
            unmeasured_investment,
        };
        for u in report_conv.into_used() {
            used.insert((u.from.clone(), u.to.clone()), u);
        }
        Ok(FinancialReport {
            org_id: self.org_id.clone(),
            period: self.period,
            window,
            today: self.today,
            currency: self.currency.clone(),
            settings: self.settings,
            totals,
            campaigns,
            platforms: platform_lines(platforms),
            channels: channels.into_values().collect(),
            unallocated_overhead: unallocated,
            rates_used: used.into_values().collect(),
        })
    }
}

impl ReportSums {
    /// Adds a campaign's part (the report lists campaigns in the order they are added).
    pub fn add(&mut self, part: CampaignPart) {
        let CampaignPart {
            report,
            factor,
            used,
            conversions,
            platforms,
            channels,
        } = part;
        for u in used {
            self.used.insert((u.from.clone(), u.to.clone()), u);
        }
        // Each figure converted and rounded to the cent, as a row shows it, before it is added.
        let costs = report.roi.costs.scaled(factor).in_cents();
        if report.roi.revenue_basis == crate::books::RevenueBasis::Unmeasured {
            let (investment, media, count) = &mut self.unmeasured;
            *investment = num::add(*investment, costs.total());
            *media = num::add(*media, costs.media());
            *count += 1;
        }
        self.revenue = num::add(
            self.revenue,
            num::round_half_away(num::mul(report.roi.attributed_revenue, factor), 2),
        );
        self.conversions = num::add(self.conversions, conversions);
        let spend = shares(
            costs.platform_spend,
            platforms.values().map(|f| f.spend),
            factor,
        );
        let fees = shares(
            costs.platform_fees,
            platforms.values().map(|f| f.fees),
            factor,
        );
        for (((name, f), spend), fees) in platforms.into_iter().zip(spend).zip(fees) {
            let (sum, count) = self.platforms.entry(name).or_default();
            sum.spend = num::add(sum.spend, spend);
            sum.fees = num::add(sum.fees, fees);
            sum.impressions = sum.impressions.saturating_add(f.impressions);
            sum.clicks = sum.clicks.saturating_add(f.clicks);
            sum.conversions = num::add(sum.conversions, f.conversions);
            *count = count.saturating_add(1);
        }
        let channel_spend = shares(
            costs.channel_spend,
            channels.iter().map(|c| c.spend),
            factor,
        );
        self.costs = self.costs.plus(&costs);
        for (c, spend) in channels.into_iter().zip(channel_spend) {
            let line = self
                .channels
                .entry(c.channel.key().to_owned())
                .or_insert_with(|| ChannelReport {
                    channel: c.channel.clone(),
                    spend: Decimal::ZERO,
                    impressions: None,
                    campaigns: 0,
                });
            line.spend = num::add(line.spend, spend);
            line.impressions = match (line.impressions, c.impressions) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                (a, b) => a.or(b),
            };
            line.campaigns = line.campaigns.saturating_add(1);
        }
        self.campaigns.push(report);
    }
}

/// A campaign's converted `total` (in cents) shared over its lines in proportion to their own
/// amounts, in whole cents adding up to it; lines that cannot be weighed (a negative amount, or
/// none at all) are each converted and rounded on their own.
fn shares(total: Decimal, own: impl Iterator<Item = Decimal>, factor: Decimal) -> Vec<Decimal> {
    let own: Vec<Decimal> = own.collect();
    cents::apportion(total, &own).unwrap_or_else(|| {
        own.iter()
            .map(|v| num::round_half_away(num::mul(*v, factor), 2))
            .collect()
    })
}

/// The per-platform lines: ad platforms in spendlens' order, then the others by name.
fn platform_lines(platforms: BTreeMap<String, (PlatformFigures, u32)>) -> Vec<PlatformReport> {
    let rank = |name: &str| {
        Platform::AD_PLATFORMS
            .iter()
            .position(|p| p.as_str() == name)
            .unwrap_or(Platform::AD_PLATFORMS.len())
    };
    let mut lines: Vec<PlatformReport> = platforms
        .into_iter()
        .map(|(platform, (f, campaigns))| {
            let cost = num::add(f.spend, f.fees);
            PlatformReport {
                known: rank(&platform) < Platform::AD_PLATFORMS.len(),
                cost_per_conversion: (f.conversions > Decimal::ZERO)
                    .then(|| num::div_or_zero(cost, f.conversions)),
                spend: f.spend,
                fees: f.fees,
                impressions: f.impressions,
                clicks: f.clicks,
                conversions: f.conversions,
                campaigns,
                platform,
            }
        })
        .collect();
    lines.sort_by(|a, b| {
        rank(&a.platform)
            .cmp(&rank(&b.platform))
            .then_with(|| a.platform.cmp(&b.platform))
    });
    lines
}
