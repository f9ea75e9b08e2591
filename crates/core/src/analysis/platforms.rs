//! The ROI & ROAS and Budget Allocation tabs: one row per platform, performance tiers and the
//! allocation recommendations.

use rust_decimal::Decimal;

use super::input::PlatformMetrics;
use super::result::{
    Allocation, Badge, PlatformRow, Recommendation, RevenueSource, Tier, TierSummary,
};
use crate::num;
use crate::platform::Platform;

use super::thresholds::{
    ROAS_GREEN_MIN, ROAS_YELLOW_MIN, ROI_GREEN_MIN, ROI_YELLOW_MIN, TIER_HIGH_ROAS_MIN,
    TIER_MEDIUM_ROAS_MIN,
};

/// A platform's figures before the row filter: every ad platform has one.
#[derive(Debug, Clone)]
pub struct PlatformFigures {
    pub platform: Platform,
    pub metrics: PlatformMetrics,
    pub revenue: Decimal,
    pub revenue_source: RevenueSource,
}

/// The ROAS badge: green from 3, yellow from 1.5, else red.
pub fn roas_badge(roas: Decimal) -> Badge {
    if roas >= ROAS_GREEN_MIN {
        Badge::Green
    } else if roas >= ROAS_YELLOW_MIN {
        Badge::Yellow
    } else {
        Badge::Red
    }
}

/// The ROI badge: green from 100 %, yellow from 0 %, else red.
pub fn roi_badge(roi: Decimal) -> Badge {
    if roi >= ROI_GREEN_MIN {
        Badge::Green
    } else if roi >= ROI_YELLOW_MIN {
        Badge::Yellow
    } else {
        Badge::Red
    }
}

/// The performance tier: high from ROAS 3, medium from 1, else low.
pub fn tier(roas: Decimal) -> Tier {
    if roas >= TIER_HIGH_ROAS_MIN {
        Tier::High
    } else if roas >= TIER_MEDIUM_ROAS_MIN {
        Tier::Medium
    } else {
        Tier::Low
    }
}

/// The platform rows: platforms with spend or conversions, in platform order.
pub fn rows(figures: &[PlatformFigures], total_spend: Decimal) -> Vec<PlatformRow> {
    figures
        .iter()
        .filter(|f| f.metrics.spend > Decimal::ZERO || f.metrics.conversions > Decimal::ZERO)
        .map(|f| row(f, total_spend))
        .collect()
}

fn row(f: &PlatformFigures, total_spend: Decimal) -> PlatformRow {
    let m = &f.metrics;
    let computed_roas = num::div_or_zero(f.revenue, m.spend);
    let roas = match (f.platform, m.roas) {
        (Platform::LinkedIn, Some(reported)) => reported,
        _ => computed_roas,
    };
    let roi = num::pct_or_zero(num::sub(f.revenue, m.spend), m.spend);
    let clicks = Decimal::from(m.clicks);
    PlatformRow {
        platform: f.platform,
        spend: m.spend,
        impressions: m.impressions,
        clicks: m.clicks,
        conversions: m.conversions,
        revenue: f.revenue,
        revenue_source: f.revenue_source,
        own_value: f.revenue_source == RevenueSource::Estimated
            && !f.revenue.is_zero()
            && matches!(
                f.platform,
                Platform::LinkedIn | Platform::Meta | Platform::GoogleAds
            )
            && m.conversion_value.is_some_and(|v| v > Decimal::ZERO),
        roas,
        roi,
        net_profit: num::sub(f.revenue, m.spend),
        share_pct: num::pct_or_zero(m.spend, total_spend),
        cpc: num::div_or_zero(m.spend, clicks),
        cvr: num::pct_or_zero(m.conversions, clicks),
        roas_badge: roas_badge(roas),
        roi_badge: roi_badge(roi),
        tier: (m.spend > Decimal::ZERO).then(|| tier(roas)),
    }
}

/// The performance tiers over the rows with spend, and the recommendations.
pub fn allocation(rows: &[PlatformRow], total_spend: Decimal) -> Allocation {
    let summary = |wanted: Tier| {
        let members: Vec<&PlatformRow> = rows.iter().filter(|r| r.tier == Some(wanted)).collect();
        let spend = num::sum(members.iter().map(|r| r.spend));
        TierSummary {
            spend,
            share_pct: num::pct_or_zero(spend, total_spend),
            platforms: members.iter().map(|r| r.platform).collect(),
        }
    };
    let (high, medium, low) = (
        summary(Tier::High),
        summary(Tier::Medium),
        summary(Tier::Low),
    );

    let spending = rows.iter().filter(|r| r.spend > Decimal::ZERO).count();
    let mut recommendations = Vec::new();
    if spending >= 2 {
        let has_high = !high.platforms.is_empty();
        let has_low = !low.platforms.is_empty();
        if has_high {
            recommendations.push(Recommendation::ScaleHighPerformers);
        }
        if has_low {
            recommendations.push(Recommendation::OptimizeUnderperformers);
        }
        if has_high && has_low {
            recommendations.push(Recommendation::ReallocateLowToHigh);
        }
    }
    Allocation {
        high,
        medium,
        low,
        recommendations,
    }
}
