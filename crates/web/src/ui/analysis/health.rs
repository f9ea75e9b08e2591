//! The Campaign Health Score as the Overview shows it: the measured score leads, and a part
//! resting on a missing input (no revenue, no budget, no dates) shows no points and no status,
//! only why it is not measured. The analysis API keeps the seed's four sub-scores and its score
//! (the contract); the page claims nothing from a default.

use spendlens_app::labels::Label;
use spendlens_core::analysis::verdicts::MissingInput;
use spendlens_core::analysis::{Analysis, HEALTH_INPUTS, SubScore, Warning};

use super::basis::{Basis, NOT_MEASURED};
use crate::ui::format::{pct, ratio};
use spendlens_core::analysis::verdicts::Verdicts;

/// A health sub-score.
#[derive(Debug)]
pub struct SubView {
    pub key: &'static str,
    pub name: &'static str,
    /// `"25/25"`; empty when the part is not measured.
    pub points: String,
    pub status: &'static str,
    pub class: &'static str,
    /// The part rests on a missing input: no points, no status.
    pub assumed: bool,
    /// What the part measured, or why it is not measured.
    pub basis: String,
}

/// Why a part of the score is not measured, in words.
fn missing_reason(key: &str, a: &Analysis) -> String {
    let no_budget = a.overview.budget.budget.is_none();
    let causes: Vec<String> = match key {
        "budget" => vec!["no budget is set".to_owned()],
        "pacing" => {
            let mut c = Vec::new();
            if no_budget {
                c.push("no budget is set".to_owned());
            }
            if a.warnings.contains(&Warning::NoStartDate) {
                c.push("no start date is set".to_owned());
            }
            if a.warnings.contains(&Warning::NoEndDate) {
                c.push("no end date is set".to_owned());
            }
            if a.as_of < a.overview.pacing.start_date {
                c.push(format!(
                    "the campaign has not started (it starts on {})",
                    crate::ui::format::date(a.overview.pacing.start_date)
                ));
            }
            if c.is_empty() {
                c.push("the campaign's dates are not usable".to_owned());
            }
            c
        }
        _ => {
            return "It rests on no revenue (no platform reports revenue and no conversion value or order value is set), so the score above leaves this part out.".to_owned();
        }
    };
    let mut text = causes.join(" and ");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + text.get(1..).unwrap_or_default();
    }
    format!("{text}, so the score above leaves this part out.")
}

fn sub_view(
    key: &'static str,
    name: &'static str,
    s: SubScore,
    basis: String,
    a: &Analysis,
) -> SubView {
    if s.assumed {
        SubView {
            key,
            name,
            points: String::new(),
            status: NOT_MEASURED,
            class: "none",
            assumed: true,
            basis: missing_reason(key, a),
        }
    } else {
        SubView {
            key,
            name,
            points: format!("{}/25", s.score),
            status: s.status.label(),
            class: s.status.as_str(),
            assumed: false,
            basis,
        }
    }
}

/// What the pace part measured, and the budget verdict beside it when the budget is exceeded
/// or heading over: the pace's band scores a burn rate within ±15 % of the target as well as
/// ever, which alone would read as all is well.
fn pace_basis(a: &Analysis) -> String {
    use spendlens_core::analysis::verdicts::PacingVerdict;
    let pace = format!(
        "spending at {} of the target pace",
        pct(a.overview.pacing.pacing_pct)
    );
    match Verdicts::of(a).pacing {
        v @ (PacingVerdict::OverBudget { .. } | PacingVerdict::ProjectedOver { .. }) => format!(
            "{pace}, but {}",
            spendlens_app::labels::in_sentence(&spendlens_app::labels::pacing_verdict(
                v,
                &a.currency
            ))
        ),
        _ => pace,
    }
}

/// The four parts of the score, in the seed's order.
pub fn subs(a: &Analysis, basis: Basis) -> Vec<SubView> {
    let on = format!("on {} revenue", basis.adjective());
    let h = &a.overview.health;
    vec![
        sub_view(
            "budget",
            "Budget Utilization",
            h.budget,
            format!("{} of the budget used", pct(a.overview.budget.used_pct)),
            a,
        ),
        sub_view("pacing", "Pace of spend", h.pacing, pace_basis(a), a),
        sub_view(
            "roi",
            "ROI",
            h.roi,
            format!("ROI {} {on}", pct(a.totals.roi)),
            a,
        ),
        sub_view(
            "roas",
            "ROAS",
            h.roas,
            format!("ROAS {} {on}", ratio(a.totals.roas)),
            a,
        ),
    ]
}

/// The sentence under the score: what it is measured over, which parts are left out and why,
/// the seed's score (the API's `score`) that counts them at their defaults, and what a value
/// per conversion borrowed by some platform values in its ROI and ROAS.
pub fn measured_sentence(a: &Analysis, subs: &[SubView], v: &Verdicts) -> String {
    let borrowed = if a.overview.health.roi.assumed {
        String::new()
    } else {
        let platforms = crate::ui::insights::all_platforms(a);
        crate::ui::insights::valued_elsewhere(a, v, &platforms, false)
    };
    measured_parts(a, subs, &v.missing) + &borrowed
}

fn measured_parts(a: &Analysis, subs: &[SubView], missing: &[MissingInput]) -> String {
    let h = &a.overview.health;
    let names = |assumed: bool| {
        let list: Vec<&str> = subs
            .iter()
            .filter(|s| s.assumed == assumed)
            .map(|s| s.name)
            .collect();
        match list.as_slice() {
            [] => String::new(),
            [one] => (*one).to_owned(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    };
    let left_out = names(true);
    if left_out.is_empty() {
        return format!("Every one of the {HEALTH_INPUTS} inputs is measured.");
    }
    let returns_only = h.roi.assumed && !h.budget.assumed && !h.pacing.assumed;
    let why = if missing.contains(&MissingInput::ConversionValue) && returns_only {
        "they rest on no revenue, since none is measured"
    } else {
        "not measured (each part below says why)"
    };
    let lead = if h.inputs_used == 0 {
        "No part of the score is measured".to_owned()
    } else {
        format!(
            "Measured over {} ({} of {HEALTH_INPUTS} inputs)",
            names(false),
            h.inputs_used
        )
    };
    let (verb, them) = if subs.iter().filter(|s| s.assumed).count() == 1 {
        ("is", "it at its default")
    } else {
        ("are", "them at their defaults")
    };
    format!(
        "{lead}; {left_out} {verb} left out: {why}. The full score, which counts {them}, is {}/100.",
        h.score
    )
}
