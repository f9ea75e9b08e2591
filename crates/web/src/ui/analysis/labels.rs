//! The analysis' codes as people read them: ratings, pacing, health statuses and warnings.

use spendlens_core::analysis::{PacingStatus, Rating, Status, Warning};

/// The rating as people read it.
pub fn rating_label(r: Rating) -> &'static str {
    match r {
        Rating::Excellent => "Excellent",
        Rating::Good => "Good",
        Rating::Fair => "Fair",
        Rating::NeedsAttention => "Needs Attention",
    }
}

/// The pacing status as people read it.
pub fn pacing_label(s: PacingStatus) -> &'static str {
    match s {
        PacingStatus::Ahead => "Ahead (overspending)",
        PacingStatus::OnTrack => "On Track",
        PacingStatus::Behind => "Behind (underspending)",
    }
}

pub(super) fn status_label(s: Status) -> &'static str {
    match s {
        Status::Excellent => "Excellent",
        Status::Good => "Good",
        Status::Warning => "Warning",
        Status::Critical => "Critical",
    }
}

pub(super) fn warning_text(w: Warning) -> Option<&'static str> {
    match w {
        // Shown as its own banner.
        Warning::ConversionValueNotConfigured => None,
        Warning::NoBudget => Some("No budget is set: utilisation shows 0% and pacing 100%."),
        Warning::NoStartDate => Some("No start date: pacing counts from today."),
        Warning::NoEndDate => {
            Some("No end date: the campaign length is projected from the burn rate.")
        }
        Warning::InvalidDates => Some("The end date is before the start date and is ignored."),
        Warning::BudgetExceeded => Some("Spend is above the budget."),
        Warning::ViewThroughConversions => Some(
            "There are more conversions than clicks: some conversions came from people who saw an ad without clicking (view-through).",
        ),
        Warning::NoPlatformData => Some("No platform data yet: import a file to fill this page."),
    }
}
