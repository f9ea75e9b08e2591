//! The limits the analysis decides on, named once: the badges, the performance tiers, the
//! summary cards and the cost insights compare against these, and the pages that explain a
//! verdict ("CPC is above $10") quote them, so the sentence can never disagree with the rule.
//!
//! Percentages are in percent (`CTR_LOW_BELOW` = 1 means 1 %); money limits are in the
//! campaign's currency; ROAS limits are ratios.

use rust_decimal::Decimal;

const fn whole(n: u32) -> Decimal {
    Decimal::from_parts(n, 0, 0, false, 0)
}

/// ROAS badge: green from this ROAS.
pub const ROAS_GREEN_MIN: Decimal = whole(3);
/// ROAS badge: yellow from this ROAS (else red).
pub const ROAS_YELLOW_MIN: Decimal = Decimal::from_parts(15, 0, 0, false, 1);
/// ROI badge: green from this ROI, in percent.
pub const ROI_GREEN_MIN: Decimal = whole(100);
/// ROI badge: yellow from this ROI, in percent (else red).
pub const ROI_YELLOW_MIN: Decimal = Decimal::ZERO;

/// Performance tier: high from this ROAS (and a top performer is exceptional from it).
pub const TIER_HIGH_ROAS_MIN: Decimal = whole(3);
/// Performance tier: medium from this ROAS (else low); below it a platform is below break-even.
pub const TIER_MEDIUM_ROAS_MIN: Decimal = Decimal::ONE;

/// Performance card: excellent from this ROI, in percent (positive from 0).
pub const PERFORMANCE_EXCELLENT_ROI_MIN: Decimal = whole(20);
/// Cost efficiency card: excellent below this CPA.
pub const CPA_EXCELLENT_BELOW: Decimal = whole(25);
/// Cost efficiency card: competitive below this CPA (else above average).
pub const CPA_COMPETITIVE_BELOW: Decimal = whole(50);
/// Budget management card: high utilisation above this share of the budget, in percent.
pub const BUDGET_HIGH_USE_ABOVE: Decimal = whole(80);

/// Cost insight: CTR low below this, in percent.
pub const CTR_LOW_BELOW: Decimal = whole(1);
/// Cost insight: CTR strong from this, in percent.
pub const CTR_STRONG_MIN: Decimal = whole(3);
/// Cost insight: CVR low below this, in percent.
pub const CVR_LOW_BELOW: Decimal = whole(2);
/// Cost insight: CVR excellent from this, in percent.
pub const CVR_EXCELLENT_MIN: Decimal = whole(10);
/// Cost insight: CPC high above this.
pub const CPC_HIGH_ABOVE: Decimal = whole(10);
/// Cost insight: CPC low under this.
pub const CPC_LOW_BELOW: Decimal = whole(2);
/// Cost insight: CPM low under this.
pub const CPM_LOW_BELOW: Decimal = whole(5);
/// Cost insight: CPM high above this.
pub const CPM_HIGH_ABOVE: Decimal = whole(30);
/// Cost insight: CPA high above this.
pub const CPA_HIGH_ABOVE: Decimal = whole(100);
/// Cost insight: CPA low under this.
pub const CPA_LOW_BELOW: Decimal = whole(15);
