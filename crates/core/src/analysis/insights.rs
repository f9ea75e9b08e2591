//! The Insights tab: summary cards, top and bottom performer, opportunities and cost insights.

use rust_decimal::Decimal;

use super::result::{
    BottomPerformer, BudgetManagement, CostEfficiencyRating, CostInsight, Costs, Insights,
    Opportunity, Performance, Performer, PerformerFlag, PlatformRow, Summary, TopPerformer, Totals,
};
use super::thresholds::{
    BUDGET_HIGH_USE_ABOVE, CPA_COMPETITIVE_BELOW, CPA_EXCELLENT_BELOW, CPA_HIGH_ABOVE,
    CPA_LOW_BELOW, CPC_HIGH_ABOVE, CPC_LOW_BELOW, CPM_HIGH_ABOVE, CPM_LOW_BELOW, CTR_LOW_BELOW,
    CTR_STRONG_MIN, CVR_EXCELLENT_MIN, CVR_LOW_BELOW, PERFORMANCE_EXCELLENT_ROI_MIN,
    TIER_HIGH_ROAS_MIN, TIER_MEDIUM_ROAS_MIN,
};

fn d(n: i64) -> Decimal {
    Decimal::from(n)
}

/// The figures the insights are decided on.
#[derive(Debug, Clone, Copy)]
pub struct InsightInputs<'a> {
    pub totals: &'a Totals,
    pub costs: &'a Costs,
    pub has_budget: bool,
    pub used_pct: Decimal,
    pub rows: &'a [PlatformRow],
}

/// Computes the Insights tab.
pub fn insights(i: InsightInputs<'_>) -> Insights {
    let spending: Vec<&PlatformRow> = i.rows.iter().filter(|r| r.spend > Decimal::ZERO).collect();
    Insights {
        summary: summary(&i),
        top_performer: top_performer(&spending),
        bottom_performer: bottom_performer(&spending),
        opportunities: opportunities(&i, spending.is_empty()),
        cost_insights: cost_insights(i.totals, i.costs),
    }
}

fn summary(i: &InsightInputs<'_>) -> Summary {
    let roi = i.totals.roi;
    let performance = if roi >= PERFORMANCE_EXCELLENT_ROI_MIN {
        Performance::Excellent
    } else if roi >= Decimal::ZERO {
        Performance::Positive
    } else {
        Performance::Negative
    };
    let cost_efficiency = if i.totals.conversions.is_zero() {
        CostEfficiencyRating::Unavailable
    } else if i.costs.cpa < CPA_EXCELLENT_BELOW {
        CostEfficiencyRating::Excellent
    } else if i.costs.cpa < CPA_COMPETITIVE_BELOW {
        CostEfficiencyRating::Competitive
    } else {
        CostEfficiencyRating::AboveAverage
    };
    let budget_management = if !i.has_budget {
        BudgetManagement::NoBudget
    } else if i.used_pct > BUDGET_HIGH_USE_ABOVE {
        BudgetManagement::High
    } else {
        BudgetManagement::Healthy
    };
    Summary {
        performance,
        cost_efficiency,
        budget_management,
    }
}

fn performer(r: &PlatformRow) -> Performer {
    Performer {
        platform: r.platform,
        roas: r.roas,
        spend: r.spend,
        cvr: r.cvr,
        cpc: r.cpc,
    }
}

/// The highest ROAS among spending platforms; on a tie the earlier platform.
fn top_performer(spending: &[&PlatformRow]) -> Option<TopPerformer> {
    let best = spending
        .iter()
        .copied()
        .reduce(|best, r| if r.roas > best.roas { r } else { best })?;
    Some(TopPerformer {
        performer: performer(best),
        exceptional: best.roas >= TIER_HIGH_ROAS_MIN,
    })
}

/// The lowest ROAS among two or more spending platforms; on a tie the later platform.
fn bottom_performer(spending: &[&PlatformRow]) -> Option<BottomPerformer> {
    if spending.len() < 2 {
        return None;
    }
    let worst = spending
        .iter()
        .copied()
        .reduce(|worst, r| if r.roas <= worst.roas { r } else { worst })?;
    let flag = if worst.roas < TIER_MEDIUM_ROAS_MIN {
        Some(PerformerFlag::BelowBreakEven)
    } else if worst.roas < TIER_HIGH_ROAS_MIN {
        Some(PerformerFlag::Moderate)
    } else {
        None
    };
    Some(BottomPerformer {
        performer: performer(worst),
        flag,
    })
}

fn opportunities(i: &InsightInputs<'_>, no_spend: bool) -> Vec<Opportunity> {
    let t = i.totals;
    let c = i.costs;
    let checks = [
        (Opportunity::ScaleBudget, t.roas > d(5)),
        (
            Opportunity::ImproveCvr,
            c.cvr < d(5) && t.conversions > d(10),
        ),
        (Opportunity::ImproveCtr, c.ctr < d(2) && t.clicks > 100),
        (
            Opportunity::IncreaseBudget,
            i.used_pct > d(85) && t.roas > d(2),
        ),
        (Opportunity::NoSpendData, no_spend),
    ];
    checks
        .into_iter()
        .filter(|(_, hit)| *hit)
        .map(|(o, _)| o)
        .collect()
}

fn cost_insights(t: &Totals, c: &Costs) -> Vec<CostInsight> {
    let zero = Decimal::ZERO;
    let ctr = if c.ctr < CTR_LOW_BELOW && t.impressions > 0 {
        Some(CostInsight::CtrLow)
    } else {
        (c.ctr >= CTR_STRONG_MIN).then_some(CostInsight::CtrStrong)
    };
    let cvr = if c.cvr < CVR_LOW_BELOW && t.clicks > 0 {
        Some(CostInsight::CvrLow)
    } else {
        (c.cvr >= CVR_EXCELLENT_MIN).then_some(CostInsight::CvrExcellent)
    };
    let cpc = if c.cpc > CPC_HIGH_ABOVE {
        Some(CostInsight::CpcHigh)
    } else {
        (c.cpc > zero && c.cpc < CPC_LOW_BELOW).then_some(CostInsight::CpcLow)
    };
    let cpm = if c.cpm > zero && c.cpm < CPM_LOW_BELOW {
        Some(CostInsight::CpmLow)
    } else {
        (c.cpm > CPM_HIGH_ABOVE).then_some(CostInsight::CpmHigh)
    };
    let cpa = if c.cpa > CPA_HIGH_ABOVE && t.conversions > zero {
        Some(CostInsight::CpaHigh)
    } else {
        (c.cpa > zero && c.cpa < CPA_LOW_BELOW).then_some(CostInsight::CpaLow)
    };
    [ctr, cvr, cpc, cpm, cpa].into_iter().flatten().collect()
}
