//! Every code of the analysis written as a sentence for people, with its numbers in the
//! campaign's currency. The codes are the contract; these sentences are only their reading, and
//! the limits they quote are `spendlens_core::analysis::thresholds`, the ones the codes were
//! decided on.

use rust_decimal::Decimal;
use spendlens_app::labels::Label;
use spendlens_core::Platform;
use spendlens_core::analysis::thresholds::{
    CPA_COMPETITIVE_BELOW, CPA_EXCELLENT_BELOW, CPA_HIGH_ABOVE, CPA_LOW_BELOW, CPC_HIGH_ABOVE,
    CPC_LOW_BELOW, CPM_HIGH_ABOVE, CPM_LOW_BELOW, CTR_LOW_BELOW, CTR_STRONG_MIN, CVR_EXCELLENT_MIN,
    CVR_LOW_BELOW, TIER_HIGH_ROAS_MIN, TIER_MEDIUM_ROAS_MIN,
};
use spendlens_core::analysis::verdicts::Verdicts;
use spendlens_core::analysis::{
    Analysis, AovSource, BottomPerformer, BudgetManagement, CostEfficiencyRating, CostInsight,
    Opportunity, Performance, PerformerFlag, Recommendation, TopPerformer,
};

use crate::ui::format::{conversions, count, money, pct, ratio};

fn names(platforms: &[Platform]) -> String {
    let names: Vec<&str> = platforms.iter().map(|p| p.label()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Where a value per conversion borrowed by other platforms comes from, in a sentence.
fn value_source(from: AovSource) -> &'static str {
    match from {
        AovSource::LinkedIn => "LinkedIn Ads' value per conversion",
        AovSource::Ga4 => "GA4's average order value",
        AovSource::CustomIntegration => "the custom integration's average order value",
        AovSource::None => "the campaign's order value",
    }
}

/// The sentence a verdict about `platforms` ends with when some of them are valued at a value
/// per conversion that is not their own (`Verdicts::borrowed`), starting with a space; empty
/// when none is. A verdict that `ranks` two or more platforms valued at one and the same value
/// per conversion adds that it ranks them by conversions per unit of spend.
pub fn valued_elsewhere(a: &Analysis, v: &Verdicts, platforms: &[Platform], ranks: bool) -> String {
    let borrowed = v.borrowed_among(platforms);
    let mut groups: Vec<(Decimal, AovSource, Vec<Platform>)> = Vec::new();
    for b in &borrowed {
        match groups
            .iter_mut()
            .find(|(value, from, _)| *value == b.per_conversion && *from == b.from)
        {
            Some(group) => group.2.push(b.platform),
            None => groups.push((b.per_conversion, b.from, vec![b.platform])),
        }
    }
    let mut text = String::new();
    for (value, from, named) in &groups {
        let its = if named.len() == 1 { "its" } else { "their" };
        text.push_str(&format!(
            " Revenue on {} is {its} conversions × {}, {}, not a value of {its} own: this holds only as far as {its} conversions are worth that much.",
            names(named),
            money(*value, &a.currency),
            value_source(*from),
        ));
    }
    if ranks && !groups.is_empty() && platforms.len() >= 2 && one_value(a, platforms) {
        text.push_str(" With one value per conversion on all of them, it ranks them by conversions per unit of spend.");
    }
    text
}

/// Whether every platform of `platforms` with conversions is valued at one and the same value
/// per conversion (to the cent), none of them reporting its revenue.
fn one_value(a: &Analysis, platforms: &[Platform]) -> bool {
    let mut values = a
        .platforms
        .iter()
        .filter(|r| platforms.contains(&r.platform) && r.conversions > Decimal::ZERO)
        .map(|r| {
            (r.revenue_source == spendlens_core::analysis::RevenueSource::Estimated)
                .then(|| r.revenue.checked_div(r.conversions).map(|v| v.round_dp(2)))
                .flatten()
        });
    match values.next() {
        Some(Some(first)) => values.all(|v| v == Some(first)),
        _ => false,
    }
}

/// Every platform with spend or conversions, the ones a verdict on the campaign's totals rests on.
pub fn all_platforms(a: &Analysis) -> Vec<Platform> {
    a.platforms.iter().map(|r| r.platform).collect()
}

/// A key opportunity; those resting on ROAS say what its revenue is valued at.
pub fn opportunity(code: Opportunity, a: &Analysis, v: &Verdicts) -> String {
    let sentence = opportunity_sentence(code, a);
    match code {
        Opportunity::ScaleBudget | Opportunity::IncreaseBudget => {
            sentence + &valued_elsewhere(a, v, &all_platforms(a), false)
        }
        Opportunity::ImproveCvr | Opportunity::ImproveCtr | Opportunity::NoSpendData => sentence,
    }
}

fn opportunity_sentence(code: Opportunity, a: &Analysis) -> String {
    let cur = a.currency.as_str();
    match code {
        Opportunity::ScaleBudget => format!(
            "Scale the budget: ROAS is {}, so every {} spent brings back {}. Add budget while returns hold.",
            ratio(a.totals.roas),
            money(Decimal::ONE, cur),
            money(a.totals.roas, cur)
        ),
        Opportunity::ImproveCvr => format!(
            "Improve the conversion rate: only {} of clicks convert ({} conversions). Test landing pages and the offer.",
            pct(a.costs.cvr),
            conversions(a.totals.conversions)
        ),
        Opportunity::ImproveCtr => format!(
            "Improve the click-through rate: {} of {} impressions were clicked. Refresh the creative and tighten targeting.",
            pct(a.costs.ctr),
            count(a.totals.impressions)
        ),
        Opportunity::IncreaseBudget => format!(
            "Increase the budget: {} of it is used at a ROAS of {}. Top it up before it runs out.",
            pct(a.overview.budget.used_pct),
            ratio(a.totals.roas)
        ),
        Opportunity::NoSpendData => {
            "No platform has spend yet: import a file or connect a platform to see opportunities."
                .to_owned()
        }
    }
}

/// A cost optimisation insight.
pub fn cost_insight(code: CostInsight, a: &Analysis) -> String {
    let cur = a.currency.as_str();
    let c = &a.costs;
    let m = |limit: Decimal| money(limit, cur);
    match code {
        CostInsight::CtrLow => format!(
            "CTR is {}, below {CTR_LOW_BELOW}%: ads are seen but rarely clicked. Test new creative and audiences.",
            pct(c.ctr)
        ),
        CostInsight::CtrStrong => format!(
            "CTR is {}, {CTR_STRONG_MIN}% or more: the creative resonates with its audience.",
            pct(c.ctr)
        ),
        CostInsight::CvrLow => format!(
            "CVR is {}, below {CVR_LOW_BELOW}%: clicks rarely convert. Review landing pages and the offer.",
            pct(c.cvr)
        ),
        CostInsight::CvrExcellent => format!(
            "CVR is {}, {CVR_EXCELLENT_MIN}% or more: the traffic converts very well.",
            pct(c.cvr)
        ),
        CostInsight::CpcHigh => format!(
            "CPC is {}, above {}: clicks are expensive. Review bids and broaden narrow targeting.",
            money(c.cpc, cur),
            m(CPC_HIGH_ABOVE)
        ),
        CostInsight::CpcLow => format!(
            "CPC is {}, under {}: clicks come cheaply.",
            money(c.cpc, cur),
            m(CPC_LOW_BELOW)
        ),
        CostInsight::CpmLow => format!(
            "CPM is {}, under {}: reach is inexpensive.",
            money(c.cpm, cur),
            m(CPM_LOW_BELOW)
        ),
        CostInsight::CpmHigh => format!(
            "CPM is {}, above {}: audiences are expensive to reach. Broaden targeting or review placements.",
            money(c.cpm, cur),
            m(CPM_HIGH_ABOVE)
        ),
        CostInsight::CpaHigh => format!(
            "CPA is {}, above {}: each conversion is costly. Move budget towards the platforms that convert.",
            money(c.cpa, cur),
            m(CPA_HIGH_ABOVE)
        ),
        CostInsight::CpaLow => format!(
            "CPA is {}, under {}: conversions come cheaply.",
            money(c.cpa, cur),
            m(CPA_LOW_BELOW)
        ),
    }
}

/// A budget-allocation recommendation, saying what the revenue of the platforms it ranks is
/// valued at where that is not their own.
pub fn recommendation(code: Recommendation, a: &Analysis, v: &Verdicts) -> String {
    let al = &a.allocation;
    let high = names(&al.high.platforms);
    let low = names(&al.low.platforms);
    let (sentence, named) = match code {
        Recommendation::ScaleHighPerformers => (
            format!(
                "Scale {high}: a ROAS of {TIER_HIGH_ROAS_MIN}x or more. Give it more of the budget while returns hold."
            ),
            al.high.platforms.clone(),
        ),
        Recommendation::OptimizeUnderperformers => (
            format!(
                "Optimise {low}: a ROAS under {TIER_MEDIUM_ROAS_MIN}x returns less than it costs. Review targeting, creative and bids."
            ),
            al.low.platforms.clone(),
        ),
        Recommendation::ReallocateLowToHigh => (
            format!(
                "Reallocate budget from {low} to {high}: the same spend would bring back more."
            ),
            [al.low.platforms.as_slice(), al.high.platforms.as_slice()].concat(),
        ),
    };
    sentence + &valued_elsewhere(a, v, &named, true)
}

/// The Performance summary card; `basis` is what the revenue rests on ("estimated"), said with
/// the figures, and what a borrowed value per conversion values.
pub fn performance(a: &Analysis, v: &Verdicts, basis: &str) -> (&'static str, String) {
    let numbers = format!(
        "ROI {} and ROAS {} on {basis} revenue",
        pct(a.totals.roi),
        ratio(a.totals.roas)
    );
    let code = a.insights.summary.performance;
    let sentence = match code {
        Performance::Excellent => format!("{numbers}: a strong return."),
        Performance::Positive => format!("{numbers}: the campaign pays back."),
        Performance::Negative => format!("{numbers}: the campaign returns less than it costs."),
    };
    (
        code.label(),
        sentence + &valued_elsewhere(a, v, &all_platforms(a), false),
    )
}

/// The Cost Efficiency summary card.
pub fn cost_efficiency(a: &Analysis) -> (&'static str, String) {
    let cur = a.currency.as_str();
    let cpa = money(a.costs.cpa, cur);
    let m = |limit: Decimal| money(limit, cur);
    let code = a.insights.summary.cost_efficiency;
    let sentence = match code {
        CostEfficiencyRating::Unavailable => {
            "No conversions yet, so there is no cost per acquisition.".to_owned()
        }
        CostEfficiencyRating::Excellent => {
            format!("CPA {cpa}, under {}.", m(CPA_EXCELLENT_BELOW))
        }
        CostEfficiencyRating::Competitive => {
            format!("CPA {cpa}, under {}.", m(CPA_COMPETITIVE_BELOW))
        }
        CostEfficiencyRating::AboveAverage => format!(
            "CPA {cpa}, {} or more per conversion.",
            m(CPA_COMPETITIVE_BELOW)
        ),
    };
    (code.label(), sentence)
}

/// The Budget Management label of a share used that is healthy while the spend heads over.
pub const HEALTHY_SO_FAR: &str = "Healthy so far";

/// The Budget Management summary card. A share used that is healthy so far beside a spend
/// heading over the budget says both, as the pacing verdict every surface shows.
pub fn budget_management(a: &Analysis) -> (&'static str, String) {
    use spendlens_core::analysis::verdicts::{PacingVerdict, Verdicts};
    let used = pct(a.overview.budget.used_pct);
    let code = a.insights.summary.budget_management;
    let verdict = Verdicts::of(a).pacing;
    if matches!(code, BudgetManagement::Healthy)
        && matches!(verdict, PacingVerdict::ProjectedOver { .. })
    {
        return (
            HEALTHY_SO_FAR,
            format!(
                "{used} of the budget is used, but at the current pace: {}.",
                spendlens_app::labels::pacing_verdict(verdict, &a.currency)
            ),
        );
    }
    let sentence = match code {
        BudgetManagement::NoBudget => "Set a budget to track utilisation and pacing.".to_owned(),
        BudgetManagement::High => {
            format!("{used} of the budget is used: watch the remaining days.")
        }
        BudgetManagement::Healthy => format!("{used} of the budget is used."),
    };
    (code.label(), sentence)
}

/// The top performer.
pub fn top(t: &TopPerformer, a: &Analysis, v: &Verdicts) -> String {
    let currency = a.currency.as_str();
    let p = &t.performer;
    let mut s = format!(
        "{} leads with a ROAS of {} on {} spend (CVR {}, CPC {}).",
        p.platform.label(),
        ratio(p.roas),
        money(p.spend, currency),
        pct(p.cvr),
        money(p.cpc, currency)
    );
    if t.exceptional {
        s.push_str(" Exceptional: consider moving budget towards it.");
    }
    s + &valued_elsewhere(a, v, &[p.platform], false)
}

/// The bottom performer.
pub fn bottom(b: &BottomPerformer, a: &Analysis, v: &Verdicts) -> String {
    let currency = a.currency.as_str();
    let p = &b.performer;
    let mut s = format!(
        "{} trails with a ROAS of {} on {} spend (CVR {}, CPC {}).",
        p.platform.label(),
        ratio(p.roas),
        money(p.spend, currency),
        pct(p.cvr),
        money(p.cpc, currency)
    );
    match b.flag {
        Some(PerformerFlag::BelowBreakEven) => s.push_str(
            " Below break-even: it returns less than it costs. Pause it or rework targeting and creative.",
        ),
        Some(PerformerFlag::Moderate) => {
            s.push_str(" Moderate: optimise targeting and creative before adding budget.");
        }
        None => {}
    }
    s + &valued_elsewhere(a, v, &[p.platform], false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_lists_read_naturally() {
        assert_eq!(names(&[]), "");
        assert_eq!(names(&[Platform::Meta]), "Meta Ads");
        assert_eq!(
            names(&[Platform::LinkedIn, Platform::Meta, Platform::Sheets]),
            "LinkedIn Ads, Meta Ads and Google Sheets"
        );
    }
}
