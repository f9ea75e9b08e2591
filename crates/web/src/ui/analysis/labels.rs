//! The analysis' verdicts and warnings as people read them, from the codes' words in
//! `spendlens_app::labels`.

use spendlens_app::labels::Label;
use spendlens_core::analysis::verdicts::{PacingVerdict, Verdicts};
use spendlens_core::analysis::{Analysis, Warning, rating};

/// The pacing verdict as people read it, with its class: the budget before the pace (see
/// `spendlens_core::analysis::verdicts`). The words are the app's (`labels::pacing_verdict`), the
/// one label of the campaign list, the analysis page, the finance page and the reports.
pub fn pacing_verdict_label(v: PacingVerdict, currency: &str) -> (String, &'static str) {
    let class = match v {
        PacingVerdict::OverBudget { .. } => "over-budget",
        PacingVerdict::ProjectedOver { .. } => "projected-over",
        PacingVerdict::Pace(s) => s.as_str(),
        PacingVerdict::NoBudget | PacingVerdict::NotStarted { .. } => "none",
    };
    (spendlens_app::labels::pacing_verdict(v, currency), class)
}

/// The health rating to lead with and its class: the measured score's rating when the seed's
/// score rests on assumed inputs ("Not measured" when nothing is), else the seed's.
pub fn lead_rating(a: &Analysis, v: &Verdicts) -> (&'static str, &'static str) {
    match (v.score_assumed, v.lead_score) {
        (false, _) => (
            a.overview.health.rating.label(),
            a.overview.health.rating.as_str(),
        ),
        (true, Some(score)) => (rating(score).label(), rating(score).as_str()),
        (true, None) => ("Not measured", "none"),
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
