//! The Overview tab: budget utilisation, pacing and burn rate, the health score, cost efficiency;
//! and the Cost Analysis tab's figures, which share their formulas.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::result::{
    BudgetUse, CostEfficiency, Costs, HEALTH_INPUTS, Health, Pacing, PacingStatus, Rating, Status,
    SubScore, Totals,
};
use crate::num::{self, HUNDRED};

/// Budget used above this share of the budget is no longer "excellent".
const BUDGET_EXCELLENT_MAX: Decimal = Decimal::from_parts(80, 0, 0, false, 0);
const BUDGET_GOOD_MAX: Decimal = Decimal::from_parts(95, 0, 0, false, 0);
const BUDGET_WARNING_MAX: Decimal = Decimal::ONE_HUNDRED;
/// Pacing deviation (percentage points from 100 %) bands of the health score.
const PACING_EXCELLENT_MAX: Decimal = Decimal::from_parts(15, 0, 0, false, 0);
const PACING_GOOD_MAX: Decimal = Decimal::from_parts(30, 0, 0, false, 0);
const PACING_WARNING_MAX: Decimal = Decimal::from_parts(50, 0, 0, false, 0);
/// The pacing status bands: above 115 % is ahead, below 85 % behind.
const PACING_AHEAD_ABOVE: Decimal = Decimal::from_parts(115, 0, 0, false, 0);
const PACING_BEHIND_BELOW: Decimal = Decimal::from_parts(85, 0, 0, false, 0);
/// ROI (percent) and ROAS bands of the health score.
const ROI_EXCELLENT_MIN: Decimal = Decimal::ONE_HUNDRED;
const ROI_GOOD_MIN: Decimal = Decimal::from_parts(50, 0, 0, false, 0);
const ROAS_EXCELLENT_MIN: Decimal = Decimal::from_parts(3, 0, 0, false, 0);
const ROAS_GOOD_MIN: Decimal = Decimal::from_parts(15, 0, 0, false, 1);

/// The campaign budget when it is above zero.
pub fn effective_budget(budget: Option<Decimal>) -> Option<Decimal> {
    budget.filter(|b| *b > Decimal::ZERO)
}

/// Budget utilisation: used share, remaining and overspend.
pub fn budget_use(spend: Decimal, budget: Option<Decimal>) -> BudgetUse {
    match budget {
        None => BudgetUse {
            budget: None,
            used_pct: Decimal::ZERO,
            remaining: None,
            over_budget_by: None,
        },
        Some(b) => BudgetUse {
            budget: Some(b),
            used_pct: num::pct_or_zero(spend, b),
            remaining: Some(num::sub(b, spend)),
            over_budget_by: (spend > b).then(|| num::sub(spend, b)),
        },
    }
}

/// Inclusive days from `from` to `to`: the same day counts 1, and `to` before `from` counts ≤ 0.
pub fn inclusive_days(from: NaiveDate, to: NaiveDate) -> i64 {
    to.signed_duration_since(from).num_days() + 1
}

/// The pacing dates after the contract's rules: a missing start is `as_of`, an end before the
/// start is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacingDates {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub start_missing: bool,
    pub end_missing: bool,
    pub end_invalid: bool,
}

/// Applies the date rules of the contract.
pub fn pacing_dates(
    as_of: NaiveDate,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
) -> PacingDates {
    let start_date = start.unwrap_or(as_of);
    let end_invalid = end.is_some_and(|e| e < start_date);
    PacingDates {
        start: start_date,
        end: end.filter(|_| !end_invalid),
        start_missing: start.is_none(),
        end_missing: end.is_none(),
        end_invalid,
    }
}

/// Budget pacing and burn rate.
///
/// Days are counted inclusively and stop at the end date, so a finished campaign keeps the burn
/// rate it had over its own days (the seed's open-ended count kept lowering it).
pub fn pacing(
    as_of: NaiveDate,
    dates: PacingDates,
    spend: Decimal,
    budget: Option<Decimal>,
) -> Pacing {
    let until = dates.end.map_or(as_of, |e| e.min(as_of));
    let days_elapsed = inclusive_days(dates.start, until).max(1);
    let elapsed = Decimal::from(days_elapsed);
    let daily_burn_rate = num::div_or_zero(spend, elapsed);
    let budget_or_zero = budget.unwrap_or(Decimal::ZERO);

    let total_days = match dates.end {
        Some(end) => Decimal::from(inclusive_days(dates.start, end)),
        None if daily_burn_rate > Decimal::ZERO => num::add(
            elapsed,
            num::div_or_zero(num::sub(budget_or_zero, spend), daily_burn_rate),
        ),
        None => elapsed,
    };
    let target_daily_spend = match budget {
        Some(b) if total_days > Decimal::ZERO => num::div_or_zero(b, total_days),
        _ => Decimal::ZERO,
    };
    let pacing_pct = if target_daily_spend.is_zero() {
        HUNDRED
    } else {
        num::pct_or_zero(daily_burn_rate, target_daily_spend)
    };
    let status = if pacing_pct > PACING_AHEAD_ABOVE {
        PacingStatus::Ahead
    } else if pacing_pct < PACING_BEHIND_BELOW {
        PacingStatus::Behind
    } else {
        PacingStatus::OnTrack
    };

    let days_remaining = match budget {
        Some(b) if spend <= b && daily_burn_rate > Decimal::ZERO => {
            Some(num::div_or_zero(num::sub(b, spend), daily_burn_rate))
        }
        _ => None,
    };
    let projected_exhaustion_date = days_remaining.and_then(|d| {
        d.floor()
            .to_u64()
            .and_then(|whole| as_of.checked_add_days(Days::new(whole)))
    });
    let exhausts_before_end = projected_exhaustion_date
        .zip(dates.end)
        .map(|(projected, end)| projected < end);

    Pacing {
        start_date: dates.start,
        end_date: dates.end,
        days_elapsed,
        total_days,
        daily_burn_rate,
        target_daily_spend,
        pacing_pct,
        status,
        days_remaining,
        projected_exhaustion_date,
        exhausts_before_end,
    }
}

/// The budget sub-score from the used share of the budget.
pub fn budget_status(used_pct: Decimal) -> Status {
    if used_pct <= BUDGET_EXCELLENT_MAX {
        Status::Excellent
    } else if used_pct <= BUDGET_GOOD_MAX {
        Status::Good
    } else if used_pct <= BUDGET_WARNING_MAX {
        Status::Warning
    } else {
        Status::Critical
    }
}

/// The pacing sub-score from the distance of `pacing_pct` to 100 %.
pub fn pacing_health_status(pacing_pct: Decimal) -> Status {
    let deviation = num::sub(pacing_pct, HUNDRED).abs();
    if deviation <= PACING_EXCELLENT_MAX {
        Status::Excellent
    } else if deviation <= PACING_GOOD_MAX {
        Status::Good
    } else if deviation <= PACING_WARNING_MAX {
        Status::Warning
    } else {
        Status::Critical
    }
}

/// The ROI sub-score (ROI in percent).
pub fn roi_status(roi: Decimal) -> Status {
    if roi >= ROI_EXCELLENT_MIN {
        Status::Excellent
    } else if roi >= ROI_GOOD_MIN {
        Status::Good
    } else if roi >= Decimal::ZERO {
        Status::Warning
    } else {
        Status::Critical
    }
}

/// The ROAS sub-score.
pub fn roas_status(roas: Decimal) -> Status {
    if roas >= ROAS_EXCELLENT_MIN {
        Status::Excellent
    } else if roas >= ROAS_GOOD_MIN {
        Status::Good
    } else if roas >= Decimal::ONE {
        Status::Warning
    } else {
        Status::Critical
    }
}

/// The rating of a health score.
pub fn rating(score: u32) -> Rating {
    match score {
        80.. => Rating::Excellent,
        60..=79 => Rating::Good,
        40..=59 => Rating::Fair,
        _ => Rating::NeedsAttention,
    }
}

/// Which sub-scores rest on a default rather than a measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assumptions {
    pub budget: bool,
    pub pacing: bool,
    pub returns: bool,
}

fn sub_score(status: Status, assumed: bool) -> SubScore {
    SubScore {
        score: status.points(),
        status,
        assumed,
    }
}

/// The Campaign Health Score, with the measured score beside the seed's score.
pub fn health(
    used_pct: Decimal,
    pacing_pct: Decimal,
    roi: Decimal,
    roas: Decimal,
    assumed: Assumptions,
) -> Health {
    let budget = sub_score(budget_status(used_pct), assumed.budget);
    let pacing = sub_score(pacing_health_status(pacing_pct), assumed.pacing);
    let roi = sub_score(roi_status(roi), assumed.returns);
    let roas = sub_score(roas_status(roas), assumed.returns);
    let parts: [SubScore; HEALTH_INPUTS as usize] = [budget, pacing, roi, roas];
    let score = parts.iter().map(|s| s.score).sum();
    let measured: Vec<&SubScore> = parts.iter().filter(|s| !s.assumed).collect();
    let inputs_used = u32::try_from(measured.len()).unwrap_or(u32::MAX);
    let measured_score = (inputs_used > 0).then(|| {
        let points: u32 = measured.iter().map(|s| s.score).sum();
        // Exact: points × 100 / (25 × n), rounded half away from zero (n ≤ 4, points ≤ 100).
        let scaled = Decimal::from(points * 100) / Decimal::from(25 * inputs_used);
        num::round_half_away(scaled, 0).to_u32().unwrap_or(0)
    });
    Health {
        score,
        rating: rating(score),
        measured_score,
        inputs_used,
        budget,
        pacing,
        roi,
        roas,
    }
}

/// CPC, CPA and CVR over the totals.
pub fn cost_efficiency(totals: &Totals) -> CostEfficiency {
    let clicks = Decimal::from(totals.clicks);
    CostEfficiency {
        cpc: num::div_or_zero(totals.spend, clicks),
        cpa: num::div_or_zero(totals.spend, totals.conversions),
        cvr: num::pct_or_zero(totals.conversions, clicks),
    }
}

/// The Cost Analysis tab: costs per click, conversion and thousand impressions, with the
/// click-through figures that leave view-through conversions out.
pub fn costs(totals: &Totals) -> Costs {
    let clicks = Decimal::from(totals.clicks);
    let impressions = Decimal::from(totals.impressions);
    let efficiency = cost_efficiency(totals);
    let click_through = totals.conversions.min(clicks);
    Costs {
        cpc: efficiency.cpc,
        cpa: efficiency.cpa,
        cpa_click_through: num::div_or_zero(totals.spend, click_through),
        cpm: num::mul(
            num::div_or_zero(totals.spend, impressions),
            Decimal::ONE_THOUSAND,
        ),
        ctr: num::pct_or_zero(clicks, impressions),
        cvr: efficiency.cvr,
        cvr_click_through: num::pct_or_zero(click_through, clicks),
        view_through: totals.conversions > clicks,
    }
}
