//! Every code as people read it: the one map from the closed sets of codes spendlens keeps
//! (statuses, ratings, badges, tiers, platforms, attribution models, cost categories, alert
//! kinds, insight kinds, optimiser objectives, connection states) to the words pages, charts,
//! reports and insight sentences print.
//!
//! The wire keeps the codes (`on_track`, `shapley_ordered`); people never see them. Each
//! [`Label`] impl is one exhaustive `match`, so a new code is a compile error here rather than a
//! `snake_case` word falling through a default into a CFO's PDF. Sentences that need a word in
//! lower case take the label and lower it, so they cannot drift from it either. The one
//! exception is the platform name: it is `spendlens_core::Platform::display_name`, because the
//! chart code and the connectors' messages below this layer name platforms too, and this map
//! returns exactly that name.

use spendlens_attribution::Model;
use spendlens_core::Platform;
use spendlens_core::analysis::verdicts::{MissingInput, PacingVerdict};
use spendlens_core::analysis::{
    AovSource, Badge, BudgetManagement, ComparisonPeriod, CostEfficiencyRating, CostInsight,
    Direction, Opportunity, PacingStatus, Performance, PerformerFlag, Rating, Recommendation,
    RevenueSource, Status, Tier, Warning,
};
use spendlens_finance::budget::AlertKind;
use spendlens_finance::ledger::{AttributionMethod, CostCategory, OverheadMethod};
use spendlens_finance::overhead::UnallocatedReason;
use spendlens_finance::{ConfidenceLevel, Payback};
use spendlens_optimize::fit::Objective;
use spendlens_optimize::plan::RiskLevel;
use spendlens_report::currency::format_money;
use spendlens_store::ConnectionStatus;

use crate::optimization::caution::SpendRange;

mod legend;
pub use legend::badge_and_tier_legend;

/// A code's words for people.
pub trait Label {
    /// The label, capitalised as a heading or a table cell reads it ("On Track").
    fn label(&self) -> &'static str;
}

/// Implements [`Label`] by one exhaustive match per type.
macro_rules! labels {
    ($($ty:ty { $($pat:pat => $text:literal),+ $(,)? })+) => {
        $(impl Label for $ty {
            fn label(&self) -> &'static str {
                match self { $($pat => $text),+ }
            }
        })+
    };
}

impl Label for Platform {
    fn label(&self) -> &'static str {
        self.display_name()
    }
}

labels! {
    Rating {
        Rating::Excellent => "Excellent",
        Rating::Good => "Good",
        Rating::Fair => "Fair",
        Rating::NeedsAttention => "Needs Attention",
    }
    Status {
        Status::Excellent => "Excellent",
        Status::Good => "Good",
        Status::Warning => "Warning",
        Status::Critical => "Critical",
    }
    PacingStatus {
        PacingStatus::Ahead => "Ahead (overspending)",
        PacingStatus::OnTrack => "On Track",
        PacingStatus::Behind => "Behind (underspending)",
    }
    Badge {
        Badge::Green => "Excellent",
        Badge::Yellow => "Good",
        Badge::Red => "Poor",
    }
    Tier {
        Tier::High => "High",
        Tier::Medium => "Medium",
        Tier::Low => "Low",
    }
    AovSource {
        AovSource::LinkedIn => "LinkedIn conversion value",
        AovSource::Ga4 => "GA4 average order value",
        AovSource::CustomIntegration => "Custom Integration average order value",
        AovSource::None => "No order value",
    }
    RevenueSource {
        RevenueSource::Reported => "Reported",
        RevenueSource::Estimated => "Estimated",
    }
    Recommendation {
        Recommendation::ScaleHighPerformers => "Scale high performers",
        Recommendation::OptimizeUnderperformers => "Optimise underperformers",
        Recommendation::ReallocateLowToHigh => "Move budget from low to high performers",
    }
    Performance {
        Performance::Excellent => "Excellent",
        Performance::Positive => "Positive",
        Performance::Negative => "Negative",
    }
    CostEfficiencyRating {
        CostEfficiencyRating::Unavailable => "Not available",
        CostEfficiencyRating::Excellent => "Excellent",
        CostEfficiencyRating::Competitive => "Competitive",
        CostEfficiencyRating::AboveAverage => "Above-average cost",
    }
    BudgetManagement {
        BudgetManagement::NoBudget => "No budget",
        BudgetManagement::High => "High utilisation",
        BudgetManagement::Healthy => "Healthy",
    }
    PerformerFlag {
        PerformerFlag::BelowBreakEven => "Below break-even",
        PerformerFlag::Moderate => "Moderate",
    }
    Opportunity {
        Opportunity::ScaleBudget => "Scale the budget",
        Opportunity::ImproveCvr => "Improve the conversion rate",
        Opportunity::ImproveCtr => "Improve the click-through rate",
        Opportunity::IncreaseBudget => "Increase the budget",
        Opportunity::NoSpendData => "No spend data",
    }
    CostInsight {
        CostInsight::CtrLow => "Low click-through rate",
        CostInsight::CtrStrong => "Strong click-through rate",
        CostInsight::CvrLow => "Low conversion rate",
        CostInsight::CvrExcellent => "Excellent conversion rate",
        CostInsight::CpcHigh => "High cost per click",
        CostInsight::CpcLow => "Low cost per click",
        CostInsight::CpmLow => "Low cost per thousand impressions",
        CostInsight::CpmHigh => "High cost per thousand impressions",
        CostInsight::CpaHigh => "High cost per acquisition",
        CostInsight::CpaLow => "Low cost per acquisition",
    }
    Direction {
        Direction::Up => "Up",
        Direction::Down => "Down",
    }
    Warning {
        Warning::ConversionValueNotConfigured => "Conversion value not set",
        Warning::NoBudget => "No budget",
        Warning::NoStartDate => "No start date",
        Warning::NoEndDate => "No end date",
        Warning::InvalidDates => "End date before start date",
        Warning::BudgetExceeded => "Budget exceeded",
        Warning::ViewThroughConversions => "View-through conversions",
        Warning::NoPlatformData => "No platform data",
    }
    ComparisonPeriod {
        ComparisonPeriod::OneDay => "1 day",
        ComparisonPeriod::SevenDays => "7 days",
        ComparisonPeriod::ThirtyDays => "30 days",
    }
    MissingInput {
        MissingInput::ConversionValue => "Conversion value",
        MissingInput::Budget => "Budget",
    }
    AttributionMethod {
        AttributionMethod::FirstTouch => "First touch",
        AttributionMethod::LastTouch => "Last touch",
        AttributionMethod::MultiTouch => "Multi-touch",
    }
    OverheadMethod {
        OverheadMethod::Headcount => "By headcount",
        OverheadMethod::TimeBased => "By time spent",
    }
    CostCategory {
        CostCategory::MediaSpend => "Media spend",
        CostCategory::CreativeProduction => "Creative production",
        CostCategory::PlatformFees => "Platform fees",
        CostCategory::OperationalOverhead => "Operational overhead",
    }
    AlertKind {
        AlertKind::Budget80 => "80% of the budget used",
        AlertKind::Budget95 => "95% of the budget used",
        AlertKind::Budget100 => "Budget used up",
        AlertKind::PacingAhead => "Spending ahead of pace",
        AlertKind::PacingBehind => "Spending behind pace",
    }
    UnallocatedReason {
        UnallocatedReason::NoActiveCampaign => "No campaign was active in the period",
        UnallocatedReason::NoHeadcount => "Nobody is assigned to the active campaigns",
    }
    ConfidenceLevel {
        ConfidenceLevel::NotMeasurable => "Not measurable",
        ConfidenceLevel::Low => "Low",
        ConfidenceLevel::Medium => "Medium",
        ConfidenceLevel::High => "High",
    }
    Payback {
        Payback::Reached { .. } => "Reached",
        Payback::Projected { .. } => "Projected",
        Payback::NotWithinHorizon => "Not within horizon",
        Payback::NoInvestment => "No investment",
        Payback::NotMeasured => "Revenue not measured",
    }
    Model {
        Model::FirstTouch => "First touch",
        Model::LastTouch => "Last touch",
        Model::Linear => "Linear",
        Model::PositionBased => "Position based",
        Model::TimeDecay => "Time decay",
        Model::Markov => "Markov",
        Model::Shapley => "Shapley",
        Model::ShapleyOrdered => "Ordered Shapley",
    }
    Objective {
        Objective::Revenue => "Revenue",
        Objective::Profit => "Profit",
        Objective::LtvValue => "Customer lifetime value",
    }
    RiskLevel {
        RiskLevel::Low => "Low",
        RiskLevel::Medium => "Medium",
        RiskLevel::High => "High",
    }
    ConnectionStatus {
        ConnectionStatus::Pending => "Waiting for authorisation",
        ConnectionStatus::Active => "Connected",
        ConnectionStatus::Error => "Failing",
        ConnectionStatus::Reauthorize => "Needs reauthorisation",
    }
    SpendRange {
        SpendRange::Observed => "Within the spend each platform has been run at",
        SpendRange::Open => "Any split of the budget",
    }
}

/// The pacing verdict as people read it (`spendlens_core::analysis::verdicts`): the budget
/// before the pace, with the amount and day a verdict about the budget carries. The one wording of
/// the campaign list, the analysis page, the finance page and the financial report; amounts in
/// `currency`, written as every page writes money.
pub fn pacing_verdict(v: PacingVerdict, currency: &str) -> String {
    match v {
        PacingVerdict::OverBudget { by } => {
            format!("Budget exceeded by {}", format_money(by, currency))
        }
        PacingVerdict::ProjectedOver { over_by, end, .. } => format!(
            "Heading {} over budget by {}",
            format_money(over_by, currency),
            spendlens_core::dates::day(end)
        ),
        PacingVerdict::Pace(s) => s.label().to_owned(),
        PacingVerdict::NoBudget => "No budget".to_owned(),
        PacingVerdict::NotStarted { starts } => {
            format!(
                "Not started (starts {})",
                spendlens_core::dates::day(starts)
            )
        }
    }
}

/// A label in the middle of a sentence: the first letter lowered ("the customer lifetime
/// value"), except in a label that starts with a name or an acronym ("the Markov model", "GA4
/// average order value").
pub fn in_sentence(label: &str) -> String {
    if PROPER.iter().any(|p| label.starts_with(p)) {
        return label.to_owned();
    }
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            format!("{}{}", first.to_lowercase(), &label[first.len_utf8()..])
        }
        _ => label.to_owned(),
    }
}

/// Labels that start with a name, kept as written inside a sentence.
const PROPER: [&str; 7] = [
    "Markov",
    "Shapley",
    "LinkedIn",
    "Meta",
    "Google",
    "Custom Integration",
    "GA4",
];

#[cfg(test)]
mod tests;

/// Items as a sentence lists them: "A", "A and B", "A, B and C".
pub fn sentence_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}
