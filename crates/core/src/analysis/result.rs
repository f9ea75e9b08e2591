//! What the analysis produces: exact, unrounded values and typed statuses.
//!
//! Rounding and the wire encoding are the business of the layer that shows the result (the
//! contract encoder in `spendlens-contract`); every status, badge and code in here is decided on
//! the unrounded values.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::platform::Platform;

/// Declares a closed set of codes with their stable wire names.
macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used on the wire and in reports.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }
    };
}

/// The Budget & Financial Analysis of one campaign (the five tabs of the seed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    pub as_of: NaiveDate,
    pub currency: String,
    pub totals: Totals,
    pub aov: Aov,
    pub overview: Overview,
    pub costs: Costs,
    /// One row per ad platform with spend or conversions, in platform order.
    pub platforms: Vec<PlatformRow>,
    pub allocation: Allocation,
    pub insights: Insights,
    /// `None` without a comparison snapshot.
    pub trends: Option<Trends>,
    pub warnings: Vec<Warning>,
}

/// The campaign totals over the five ad platforms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    pub spend: Decimal,
    pub impressions: u64,
    pub engagements: u64,
    pub clicks: u64,
    pub conversions: Decimal,
    pub revenue: Decimal,
    pub net_profit: Decimal,
    pub roas: Decimal,
    /// In percent; LinkedIn's own ROI in the LinkedIn-only special case.
    pub roi: Decimal,
}

codes! {
    /// Where the estimated average order value came from.
    AovSource { LinkedIn => "linkedin", Ga4 => "ga4", CustomIntegration => "custom_integration", None => "none" }
}

/// The average order value used to estimate revenue from conversions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aov {
    /// LinkedIn's conversion value, else `fallback`.
    pub estimated: Decimal,
    /// GA4's AOV, else the Custom Integration's, else 0.
    pub fallback: Decimal,
    pub source: AovSource,
    /// Where `fallback` comes from.
    pub fallback_source: AovSource,
    /// Whether `estimated` is above zero.
    pub configured: bool,
}

/// The Overview tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub health: Health,
    pub budget: BudgetUse,
    pub pacing: Pacing,
    pub cost_efficiency: CostEfficiency,
}

codes! {
    /// The status of one health sub-score.
    Status { Excellent => "excellent", Good => "good", Warning => "warning", Critical => "critical" }
}

impl Status {
    /// The points a sub-score with this status contributes (25 / 15 / 10 / 0).
    pub const fn points(self) -> u32 {
        match self {
            Status::Excellent => 25,
            Status::Good => 15,
            Status::Warning => 10,
            Status::Critical => 0,
        }
    }
}

codes! {
    /// The overall rating of the health score.
    Rating { Excellent => "excellent", Good => "good", Fair => "fair", NeedsAttention => "needs_attention" }
}

/// One of the four health sub-scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubScore {
    pub score: u32,
    pub status: Status,
    /// True when the input was missing and the seed's default decided the status.
    pub assumed: bool,
}

/// The inputs of the Campaign Health Score: budget, pacing, ROI and ROAS, 25 points each.
pub const HEALTH_INPUTS: u32 = 4;

/// The Campaign Health Score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// The seed's score: the sum of the four sub-scores (0–100).
    pub score: u32,
    pub rating: Rating,
    /// The score over the measured sub-scores only, scaled to 100; `None` when nothing is measured.
    pub measured_score: Option<u32>,
    /// How many of the [`HEALTH_INPUTS`] are measured rather than assumed.
    pub inputs_used: u32,
    pub budget: SubScore,
    pub pacing: SubScore,
    pub roi: SubScore,
    pub roas: SubScore,
}

/// Budget utilisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetUse {
    /// `None` when the campaign has no budget (absent or zero).
    pub budget: Option<Decimal>,
    pub used_pct: Decimal,
    pub remaining: Option<Decimal>,
    pub over_budget_by: Option<Decimal>,
}

codes! {
    /// Spend pace against the target daily spend.
    PacingStatus { Ahead => "ahead", OnTrack => "on_track", Behind => "behind" }
}

/// Budget pacing and burn rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pacing {
    pub start_date: NaiveDate,
    /// `None` when absent or invalid (before the start).
    pub end_date: Option<NaiveDate>,
    pub days_elapsed: i64,
    pub total_days: Decimal,
    pub daily_burn_rate: Decimal,
    pub target_daily_spend: Decimal,
    pub pacing_pct: Decimal,
    pub status: PacingStatus,
    pub days_remaining: Option<Decimal>,
    pub projected_exhaustion_date: Option<NaiveDate>,
    pub exhausts_before_end: Option<bool>,
}

/// CPC, CPA and CVR as shown on the Overview tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostEfficiency {
    pub cpc: Decimal,
    pub cpa: Decimal,
    pub cvr: Decimal,
}

/// The Cost Analysis tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Costs {
    pub cpc: Decimal,
    pub cpa: Decimal,
    pub cpa_click_through: Decimal,
    pub cpm: Decimal,
    pub ctr: Decimal,
    pub cvr: Decimal,
    pub cvr_click_through: Decimal,
    /// More conversions than clicks: some conversions came from views.
    pub view_through: bool,
}

codes! {
    /// Whether a platform's revenue was reported by the platform or estimated from conversions.
    RevenueSource { Reported => "reported", Estimated => "estimated" }
}

codes! {
    /// A traffic-light badge.
    Badge { Green => "green", Yellow => "yellow", Red => "red" }
}

codes! {
    /// A performance tier by ROAS.
    Tier { High => "high", Medium => "medium", Low => "low" }
}

/// One platform's return, cost and share of spend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformRow {
    pub platform: Platform,
    pub spend: Decimal,
    pub impressions: u64,
    pub clicks: u64,
    pub conversions: Decimal,
    pub revenue: Decimal,
    pub revenue_source: RevenueSource,
    /// An estimated revenue resting on the platform's own conversion value (Meta's purchases'
    /// value, Google Ads' conversion value, LinkedIn's conversion value), not on the campaign's
    /// average order value. Not on the wire: the contract's `revenue_source` stays `estimated`.
    pub own_value: bool,
    pub roas: Decimal,
    pub roi: Decimal,
    pub net_profit: Decimal,
    pub share_pct: Decimal,
    pub cpc: Decimal,
    pub cvr: Decimal,
    pub roas_badge: Badge,
    pub roi_badge: Badge,
    /// `None` when the platform has no spend.
    pub tier: Option<Tier>,
}

/// The spend of one performance tier.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TierSummary {
    pub spend: Decimal,
    pub share_pct: Decimal,
    pub platforms: Vec<Platform>,
}

codes! {
    /// A budget-allocation recommendation.
    Recommendation {
        ScaleHighPerformers => "scale_high_performers",
        OptimizeUnderperformers => "optimize_underperformers",
        ReallocateLowToHigh => "reallocate_low_to_high",
    }
}

/// The Budget Allocation tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    pub high: TierSummary,
    pub medium: TierSummary,
    pub low: TierSummary,
    pub recommendations: Vec<Recommendation>,
}

codes! {
    /// The Performance summary card.
    Performance { Excellent => "excellent", Positive => "positive", Negative => "negative" }
}

codes! {
    /// The Cost Efficiency summary card.
    CostEfficiencyRating {
        Unavailable => "unavailable",
        Excellent => "excellent",
        Competitive => "competitive",
        AboveAverage => "above_average",
    }
}

codes! {
    /// The Budget Management summary card.
    BudgetManagement { NoBudget => "no_budget", High => "high", Healthy => "healthy" }
}

/// The three summary cards of the Insights tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub performance: Performance,
    pub cost_efficiency: CostEfficiencyRating,
    pub budget_management: BudgetManagement,
}

codes! {
    /// Why the bottom performer is flagged.
    PerformerFlag { BelowBreakEven => "below_break_even", Moderate => "moderate" }
}

/// A platform singled out by the Insights tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Performer {
    pub platform: Platform,
    pub roas: Decimal,
    pub spend: Decimal,
    pub cvr: Decimal,
    pub cpc: Decimal,
}

/// The best platform by ROAS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopPerformer {
    pub performer: Performer,
    /// ROAS of 3 or more.
    pub exceptional: bool,
}

/// The worst platform by ROAS (only with two or more spending platforms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BottomPerformer {
    pub performer: Performer,
    pub flag: Option<PerformerFlag>,
}

codes! {
    /// A key opportunity.
    Opportunity {
        ScaleBudget => "scale_budget",
        ImproveCvr => "improve_cvr",
        ImproveCtr => "improve_ctr",
        IncreaseBudget => "increase_budget",
        NoSpendData => "no_spend_data",
    }
}

codes! {
    /// A cost optimisation insight.
    CostInsight {
        CtrLow => "ctr_low",
        CtrStrong => "ctr_strong",
        CvrLow => "cvr_low",
        CvrExcellent => "cvr_excellent",
        CpcHigh => "cpc_high",
        CpcLow => "cpc_low",
        CpmLow => "cpm_low",
        CpmHigh => "cpm_high",
        CpaHigh => "cpa_high",
        CpaLow => "cpa_low",
    }
}

/// The Insights tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insights {
    pub summary: Summary,
    pub top_performer: Option<TopPerformer>,
    pub bottom_performer: Option<BottomPerformer>,
    pub opportunities: Vec<Opportunity>,
    pub cost_insights: Vec<CostInsight>,
}

codes! {
    /// The direction of a trend arrow.
    Direction { Up => "up", Down => "down" }
}

/// One metric now against the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trend {
    pub current: Decimal,
    pub previous: Decimal,
    pub change_pct: Decimal,
    /// `None` when the change is under 0.01 % (the arrow is hidden).
    pub direction: Option<Direction>,
}

/// The trend arrows of the metric cards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trends {
    pub period: crate::analysis::ComparisonPeriod,
    pub snapshot_date: NaiveDate,
    pub spend: Trend,
    pub conversions: Trend,
    pub revenue: Trend,
    pub roas: Trend,
    pub roi: Trend,
}

codes! {
    /// Something the reader should know about the inputs.
    Warning {
        ConversionValueNotConfigured => "conversion_value_not_configured",
        NoBudget => "no_budget",
        NoStartDate => "no_start_date",
        NoEndDate => "no_end_date",
        InvalidDates => "invalid_dates",
        BudgetExceeded => "budget_exceeded",
        ViewThroughConversions => "view_through_conversions",
        NoPlatformData => "no_platform_data",
    }
}
