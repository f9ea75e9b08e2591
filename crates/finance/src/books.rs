//! What the finance computations read: an organisation's campaigns with their daily rows and
//! attributed revenue, its ledger, and the settings of the computation.
//!
//! The caller (the app layer) loads these from storage; nothing here knows where they came from.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::campaign::{CampaignId, CampaignSpec, FieldError, OrgId};
use spendlens_core::channel::ChannelDay;
use spendlens_core::{DailyRow, Platform};

use crate::error::FinanceError;
use crate::ledger::{AttributionMethod, LedgerEntry};
use crate::overhead::Activity;
use crate::period::Period;

/// The revenue attributed to a campaign on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyRevenue {
    pub date: NaiveDate,
    pub amount: Decimal,
}

/// What a campaign's revenue actually rests on, named with every figure computed from it (a
/// label must name the model actually used, not a setting that did not decide it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RevenueBasis {
    /// The revenue the ad platforms report, estimated from their conversions (conversion value,
    /// else the average order value) where they report none: the analysis' figure.
    #[default]
    PlatformReported,
    /// No revenue is measured: no platform reports revenue, and no conversion value or order
    /// value is set. The figures are zero or the seed's default; no verdict rests on them.
    Unmeasured,
    /// The platforms' conversions re-credited by an attribution model over imported touchpoints.
    Attributed {
        /// The model's code (`markov`, `last_touch`, ...).
        model: String,
        /// The model as people read it (`Markov chain`).
        label: String,
    },
    /// The revenue the campaign's channels caused by a marketing-mix model fitted on the
    /// business's KPI: incremental, not what the platforms claim.
    Modelled {
        /// The model run's id.
        run: String,
        /// The run as people read it (`run of 5 Dec 2026, KPI ga4_revenue`).
        label: String,
        /// The model's 90 % interval of what the channels caused, as factors of its mean (low,
        /// high): the ROI's interval comes from it, not from resampling the model's own days.
        /// `None` for a run stored without it.
        range: Option<(Decimal, Decimal)>,
    },
}

impl RevenueBasis {
    /// The stable code on the wire.
    pub fn code(&self) -> &'static str {
        match self {
            RevenueBasis::PlatformReported => "platform_reported",
            RevenueBasis::Unmeasured => "not_measured",
            RevenueBasis::Attributed { .. } => "attributed",
            RevenueBasis::Modelled { .. } => "modelled",
        }
    }

    /// The basis as people read it, naming the model.
    pub fn label(&self) -> String {
        match self {
            RevenueBasis::PlatformReported => {
                "platform revenue (reported, else estimated from conversions)".to_owned()
            }
            RevenueBasis::Unmeasured => {
                "not measured (no platform reports revenue and no conversion value is set)"
                    .to_owned()
            }
            // The model's total for the campaign to date is shared over its days by the
            // platforms' daily revenue: over part of the campaign this is that share, not the
            // model run over that part's conversions alone (the Attribution page's figure).
            // Only the credit of the campaign's own ad platforms: what the model credits to
            // channels without ad spend here (email, organic) is not the campaign's revenue, so
            // this is less than the model's total on the Attribution page.
            RevenueBasis::Attributed { label, .. } => format!(
                "attributed by the {label} model over imported touchpoints (its credit to date to \
                 the ad platforms the campaign runs on, not to channels without ad spend such as \
                 email, shared over the days in proportion to the daily revenue of the platforms)"
            ),
            RevenueBasis::Modelled { label, .. } => {
                format!(
                    "modelled by the marketing-mix model ({label}): revenue the channels caused"
                )
            }
        }
    }
}

/// A campaign's revenue as a daily series, with what it rests on. Several entries on the same
/// day add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevenueSeries {
    /// The finance setting of the attribution method (kept with the ROI as the seed's
    /// `attribution_method`; it does not decide the revenue: see `basis`).
    pub method: AttributionMethod,
    /// What the revenue actually rests on.
    pub basis: RevenueBasis,
    pub days: Vec<DailyRevenue>,
    /// The revenue each ad platform reports (or the analysis estimates from its conversions)
    /// day by day, before any re-crediting: the first step of the reconciliation
    /// (`crate::reconcile`). Empty when the caller does not reconcile.
    pub reported: Vec<PlatformDay>,
    /// With an attributed or modelled basis, the model's credit per ad platform over the
    /// series' days (its shares; the days above add up to its total). Empty otherwise.
    pub credit: Vec<(Platform, Decimal)>,
    /// The model's credit to the campaign's named offline channels, in the units of `credit`
    /// (a marketing-mix model gives TV or radio their own; attribution never does).
    pub credit_offline: Decimal,
}

/// The revenue one ad platform reports for one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformDay {
    pub date: NaiveDate,
    pub platform: Platform,
    pub amount: Decimal,
}

/// One campaign as finance sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignBook {
    pub id: CampaignId,
    pub spec: CampaignSpec,
    /// People assigned to the campaign (for `headcount` overhead).
    pub headcount: u32,
    /// Its daily platform rows (any window; each computation picks its days). Spend and
    /// conversions of the ad platforms count; GA4 rows are ignored (no spend, and their
    /// conversions repeat the platforms').
    pub rows: Vec<DailyRow>,
    /// Its named channels' daily spend (TV, radio, podcasts...; `spendlens_core::channel`), in
    /// the campaign's currency as imported. Media the platforms do not report: it is part of
    /// the campaign's investment (`CostBreakdown::channel_spend`), never of the platforms'
    /// figures; a channel has no revenue of its own.
    pub channels: Vec<ChannelDay>,
    /// Its attributed revenue.
    pub revenue: RevenueSeries,
}

impl CampaignBook {
    /// When the campaign is active, for overhead: from its start date (else its first daily row,
    /// a platform's or a named channel's) to its end date (open-ended without one; an end before
    /// the start is ignored, as the analysis does).
    pub fn activity(&self) -> Activity {
        let start = self.spec.start_date.or_else(|| {
            self.rows
                .iter()
                .map(|r| r.date)
                .chain(self.channels.iter().map(|c| c.date))
                .min()
        });
        let end = self.spec.end_date.filter(|e| start.is_none_or(|s| *e >= s));
        Activity {
            campaign_id: self.id.clone(),
            start,
            end,
            headcount: self.headcount,
        }
    }

    /// The campaign's lifetime up to `today`: from its start (else its first daily row, channel
    /// day or revenue day) to its end date or `today`, whichever comes first. `None` before it
    /// starts, or when the span is longer than a [`Period`] may be.
    pub fn lifetime(&self, today: NaiveDate) -> Option<Period> {
        let first = self.spec.start_date.or_else(|| {
            self.rows
                .iter()
                .map(|r| r.date)
                .chain(self.channels.iter().map(|c| c.date))
                .chain(self.revenue.days.iter().map(|d| d.date))
                .min()
        })?;
        let last = self
            .spec
            .end_date
            .filter(|e| *e >= first)
            .map_or(today, |e| e.min(today));
        Period::new(first, last).ok()
    }
}

/// An organisation's books: its campaigns and its cost ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgBooks {
    pub org_id: OrgId,
    pub campaigns: Vec<CampaignBook>,
    /// Every ledger entry of the organisation: campaign costs and overhead.
    pub entries: Vec<LedgerEntry>,
}

impl OrgBooks {
    /// The campaign with this id.
    pub fn campaign(&self, id: &CampaignId) -> Option<&CampaignBook> {
        self.campaigns.iter().find(|c| &c.id == id)
    }

    /// When each campaign is active, for overhead ([`CampaignBook::activity`]).
    pub fn activities(&self) -> Vec<Activity> {
        self.campaigns.iter().map(CampaignBook::activity).collect()
    }

    /// Checks that campaign ids are unique, every ledger entry, and that every campaign entry
    /// names one of the campaigns.
    pub fn validate(&self) -> Result<(), FinanceError> {
        let ids: Vec<&CampaignId> = self.campaigns.iter().map(|c| &c.id).collect();
        validate_ledger(ids, &self.entries)
    }
}

/// Checks that the campaign ids are unique, every ledger entry, and that every campaign entry
/// names one of the campaigns.
pub(crate) fn validate_ledger(
    mut ids: Vec<&CampaignId>,
    entries: &[LedgerEntry],
) -> Result<(), FinanceError> {
    ids.sort_unstable();
    if let Some(pair) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(FinanceError::DuplicateCampaign(pair[0].clone()));
    }
    for (index, entry) in entries.iter().enumerate() {
        entry
            .validate()
            .map_err(|errors| FinanceError::InvalidEntry { index, errors })?;
        if let Some(id) = entry.campaign_id()
            && ids.binary_search(&id).is_err()
        {
            return Err(FinanceError::UnknownCampaign {
                index,
                campaign_id: id.clone(),
            });
        }
    }
    Ok(())
}

/// The bootstrap behind the confidence level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootstrapSettings {
    /// Resamples drawn (100 to 100 000; 1 000 by default).
    pub resamples: u32,
    /// The seed of the generator: the same data and seed always give the same interval.
    pub seed: u64,
}

impl Default for BootstrapSettings {
    fn default() -> Self {
        BootstrapSettings {
            resamples: 1_000,
            seed: 0x5EED_F1A4_CE00_0001,
        }
    }
}

/// The settings of the finance computations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FinanceSettings {
    /// The annual cost of capital as a fraction (0.08 = 8 % a year), for the opportunity cost.
    pub cost_of_capital: Decimal,
    pub bootstrap: BootstrapSettings,
    /// How many of the latest days set the daily rates a payback is projected from.
    pub recent_days: u32,
    /// How far after the last day of the window a projected payback may fall.
    pub horizon_days: u32,
}

impl Default for FinanceSettings {
    /// 8 % cost of capital, 1 000 resamples, the last 28 days, a one-year horizon.
    fn default() -> Self {
        FinanceSettings {
            cost_of_capital: Decimal::new(8, 2),
            bootstrap: BootstrapSettings::default(),
            recent_days: 28,
            horizon_days: 365,
        }
    }
}

impl FinanceSettings {
    /// Checks every setting; each problem names its field.
    pub fn validate(&self) -> Result<(), FinanceError> {
        let mut errors = Vec::new();
        let mut bad = |field: &'static str, message: &str| {
            errors.push(FieldError {
                field,
                message: message.to_owned(),
            });
        };
        if self.cost_of_capital < Decimal::ZERO || self.cost_of_capital > Decimal::ONE {
            bad(
                "cost_of_capital",
                "must be an annual rate between 0 and 1 (0.08 for 8 %)",
            );
        }
        if !(100..=100_000).contains(&self.bootstrap.resamples) {
            bad("bootstrap.resamples", "must be between 100 and 100000");
        }
        if !(1..=365).contains(&self.recent_days) {
            bad("recent_days", "must be between 1 and 365");
        }
        if !(1..=3_650).contains(&self.horizon_days) {
            bad("horizon_days", "must be between 1 and 3650");
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(FinanceError::InvalidSettings { errors })
        }
    }
}
