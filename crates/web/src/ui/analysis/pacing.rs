//! The Budget Pacing card's words: the projection sentence, and no figure of a pace without
//! the budget or end date it would be measured against.

use spendlens_core::analysis::verdicts::Verdicts;
use spendlens_core::analysis::{Analysis, BudgetUse, Pacing};

use crate::ui::format::{date, money};

/// A pace's figure (target daily spend, pacing %), or `none` when there is no budget to pace
/// against (the contract's stand-ins, 0.00 and 100 %, are no measurement).
pub(super) fn judged(b: &BudgetUse, none: &str, figure: impl FnOnce() -> String) -> String {
    if b.budget.is_some() {
        figure()
    } else {
        none.to_owned()
    }
}

/// The campaign's days, or "No end date" (the contract's figure then is a projection from the
/// burn rate, not the campaign's length).
pub(super) fn total_days(p: &Pacing) -> String {
    if p.end_date.is_some() {
        spendlens_report::currency::grouped(p.total_days, 0)
    } else {
        "No end date".to_owned()
    }
}

pub(super) fn projection(a: &Analysis) -> String {
    let cur = a.currency.as_str();
    let p = &a.overview.pacing;
    if let Some(over) = a.overview.budget.over_budget_by {
        return format!("Budget exceeded by {}.", money(over, cur));
    }
    if a.overview.budget.budget.is_none() {
        return "No budget set, so there is no exhaustion date.".to_owned();
    }
    if a.as_of < p.start_date {
        return format!(
            "The campaign starts on {}: it has no pace to judge before then.",
            date(p.start_date)
        );
    }
    if let (Some(end), Some(left)) = (p.end_date, a.overview.budget.remaining)
        && a.as_of > end
    {
        return format!(
            "The campaign ended on {} with {} of its budget unspent.",
            date(end),
            money(left, cur)
        );
    }
    if let spendlens_core::analysis::verdicts::PacingVerdict::ProjectedOver {
        projected,
        over_by,
        end,
    } = Verdicts::of(a).pacing
    {
        return format!(
            "At the current burn rate spend reaches {} by the end date ({}), {} over the budget: slow spending down or raise the budget.",
            money(projected, cur),
            date(end),
            money(over_by, cur)
        );
    }
    match (p.projected_exhaustion_date, p.days_remaining) {
        (Some(day), Some(left)) => {
            let when = match (p.exhausts_before_end, p.end_date) {
                (Some(true), Some(end)) => {
                    format!(", before the end date ({})", date(end))
                }
                (Some(false), Some(end)) => {
                    format!(", after the end date ({}): the budget lasts", date(end))
                }
                _ => String::new(),
            };
            format!(
                "At the current burn rate the budget runs out on {} (in {} days){when}.",
                date(day),
                spendlens_report::currency::grouped(left, 1)
            )
        }
        _ => "No spend yet, so there is no exhaustion date.".to_owned(),
    }
}
