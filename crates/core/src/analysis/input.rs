//! What the analysis is computed from: the campaign plan, each platform's totals, and an optional
//! snapshot to compare with.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::platform::Platform;

/// The campaign as planned: its budget and its pacing dates.
///
/// The dates drive pacing only; they never filter the metrics (the totals are whatever the
/// sources report up to `as_of`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignPlan {
    pub name: String,
    /// ISO 4217 code, upper case.
    pub currency: String,
    /// The total budget; `None` or zero means "no budget".
    pub budget: Option<Decimal>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    /// The campaign's spend up to `as_of` when the platforms' totals are those of a date range
    /// (a window) rather than of every day to `as_of`: the budget and the pacing judge the
    /// campaign, so they rest on it, not on the window's spend (which, over the days since the
    /// campaign's start, would read as a campaign far behind its pace). `None`: the totals'
    /// spend, as the contract's input has it.
    pub spent_to_date: Option<Decimal>,
}

impl Default for CampaignPlan {
    fn default() -> Self {
        CampaignPlan {
            name: String::new(),
            currency: "USD".to_owned(),
            budget: None,
            start_date: None,
            end_date: None,
            spent_to_date: None,
        }
    }
}

/// One ad platform's totals over the analysed window.
///
/// `conversion_value`, `revenue`, `roas` and `roi` are `None` when the platform did not report them;
/// `Some(0)` is a reported zero, which is not the same thing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformMetrics {
    pub spend: Decimal,
    pub impressions: u64,
    pub engagements: u64,
    pub clicks: u64,
    /// Fractional: platforms report modelled and view-through conversions as decimals.
    pub conversions: Decimal,
    /// The value of one conversion as configured for (or reported by) this platform.
    pub conversion_value: Option<Decimal>,
    /// Revenue the platform itself reported; it always wins over an estimate.
    pub revenue: Option<Decimal>,
    /// ROAS the platform computed itself (LinkedIn only).
    pub roas: Option<Decimal>,
    /// ROI in percent the platform computed itself (LinkedIn only).
    pub roi: Option<Decimal>,
}

/// The web-analytics side of a Custom Integration report, shown beside the ad metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebMetrics {
    pub pageviews: u64,
    pub sessions: u64,
    pub users: u64,
    pub leads: u64,
}

/// Everything the connected sources reported for the campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformInputs {
    pub linkedin: Option<PlatformMetrics>,
    pub meta: Option<PlatformMetrics>,
    pub google_ads: Option<PlatformMetrics>,
    /// Impressions and engagements already resolved (see [`resolve_custom_integration`]).
    pub custom_integration: Option<PlatformMetrics>,
    pub sheets: Option<PlatformMetrics>,
    /// Custom Integration web metrics (pageviews, sessions, users, leads).
    pub custom_integration_web: WebMetrics,
    /// The average order value a Custom Integration report states.
    pub custom_integration_aov: Option<Decimal>,
    /// The average order value from GA4 (purchase revenue / transactions).
    pub ga4_aov: Option<Decimal>,
}

impl PlatformInputs {
    /// The metrics of one ad platform, if connected. GA4 has none.
    pub fn get(&self, platform: Platform) -> Option<&PlatformMetrics> {
        match platform {
            Platform::LinkedIn => self.linkedin.as_ref(),
            Platform::Meta => self.meta.as_ref(),
            Platform::GoogleAds => self.google_ads.as_ref(),
            Platform::CustomIntegration => self.custom_integration.as_ref(),
            Platform::Sheets => self.sheets.as_ref(),
            Platform::Ga4 => None,
        }
    }

    /// Mutable access to one ad platform's slot. GA4 has none.
    pub fn slot_mut(&mut self, platform: Platform) -> Option<&mut Option<PlatformMetrics>> {
        match platform {
            Platform::LinkedIn => Some(&mut self.linkedin),
            Platform::Meta => Some(&mut self.meta),
            Platform::GoogleAds => Some(&mut self.google_ads),
            Platform::CustomIntegration => Some(&mut self.custom_integration),
            Platform::Sheets => Some(&mut self.sheets),
            Platform::Ga4 => None,
        }
    }

    /// The metrics of one ad platform, zeros when it is not connected.
    pub fn or_zero(&self, platform: Platform) -> PlatformMetrics {
        self.get(platform).cloned().unwrap_or_default()
    }
}

/// The ad-side impressions and engagements of a Custom Integration report.
///
/// A report that states no impressions counts its pageviews, and one that states no engagements
/// counts its sessions (the seed's mapping, kept for compatibility; reports with real ad figures
/// state them and win).
pub fn resolve_custom_integration(
    impressions: Option<u64>,
    engagements: Option<u64>,
    web: WebMetrics,
) -> (u64, u64) {
    (
        impressions.unwrap_or(web.pageviews),
        engagements.unwrap_or(web.sessions),
    )
}

/// How far back the comparison snapshot was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComparisonPeriod {
    OneDay,
    SevenDays,
    ThirtyDays,
}

impl ComparisonPeriod {
    /// All periods, in the order the UI offers them.
    pub const ALL: [ComparisonPeriod; 3] = [
        ComparisonPeriod::OneDay,
        ComparisonPeriod::SevenDays,
        ComparisonPeriod::ThirtyDays,
    ];

    /// The wire form: `1d`, `7d`, `30d`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ComparisonPeriod::OneDay => "1d",
            ComparisonPeriod::SevenDays => "7d",
            ComparisonPeriod::ThirtyDays => "30d",
        }
    }

    /// The number of days the period looks back.
    pub const fn days(self) -> u32 {
        match self {
            ComparisonPeriod::OneDay => 1,
            ComparisonPeriod::SevenDays => 7,
            ComparisonPeriod::ThirtyDays => 30,
        }
    }

    /// Parses the wire form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The campaign's totals as recorded on an earlier day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub date: NaiveDate,
    pub spend: Decimal,
    pub conversions: Decimal,
    /// Revenue recorded with the snapshot; when absent it is estimated from its conversions.
    pub revenue: Option<Decimal>,
}

/// The comparison asked for, and the snapshot found for it (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub period: ComparisonPeriod,
    pub snapshot: Option<Snapshot>,
}

/// The full input of one analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisInput {
    /// The day the analysis is "as of": taken once at the edge, never from a clock in here.
    pub as_of: NaiveDate,
    pub campaign: CampaignPlan,
    pub platforms: PlatformInputs,
    pub comparison: Option<Comparison>,
}
