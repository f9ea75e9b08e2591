//! The legend of the seed's badges and tiers, stated from the very thresholds the codes are
//! decided on (`spendlens_core::analysis::thresholds`), in the words of [`super::Label`].
//!
//! Badges and tiers both read ROAS but cut it at different points (a badge is Good from 1.5x, a
//! tier is Medium from 1x), so a page that shows both says so, rather than leaving a reader to
//! wonder why a Poor platform sits in the Medium tier.

use rust_decimal::Decimal;
use spendlens_core::analysis::thresholds::{
    ROAS_GREEN_MIN, ROAS_YELLOW_MIN, ROI_GREEN_MIN, ROI_YELLOW_MIN, TIER_HIGH_ROAS_MIN,
    TIER_MEDIUM_ROAS_MIN,
};
use spendlens_core::analysis::{Badge, Tier};

use super::Label;

fn times(v: Decimal) -> String {
    format!("{v:.2}x")
}

fn percent(v: Decimal) -> String {
    format!("{}%", v.normalize())
}

/// One sentence per scale: the ROAS badge, the ROI badge, the tiers.
pub fn badge_and_tier_legend() -> Vec<String> {
    let scale = |what: &str, top: (&str, String), mid: (&str, String), low: &str| {
        format!(
            "{what}: {} at {} or more, {} from {}, {} below {}.",
            top.0, top.1, mid.0, mid.1, low, mid.1
        )
    };
    vec![
        scale(
            "ROAS badges",
            (Badge::Green.label(), times(ROAS_GREEN_MIN)),
            (Badge::Yellow.label(), times(ROAS_YELLOW_MIN)),
            Badge::Red.label(),
        ),
        scale(
            "ROI badges",
            (Badge::Green.label(), percent(ROI_GREEN_MIN)),
            (Badge::Yellow.label(), percent(ROI_YELLOW_MIN)),
            Badge::Red.label(),
        ),
        scale(
            "Budget tiers (by ROAS)",
            (Tier::High.label(), times(TIER_HIGH_ROAS_MIN)),
            (Tier::Medium.label(), times(TIER_MEDIUM_ROAS_MIN)),
            Tier::Low.label(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_states_the_seed_thresholds() {
        assert_eq!(
            badge_and_tier_legend(),
            vec![
                "ROAS badges: Excellent at 3.00x or more, Good from 1.50x, Poor below 1.50x."
                    .to_owned(),
                "ROI badges: Excellent at 100% or more, Good from 0%, Poor below 0%.".to_owned(),
                "Budget tiers (by ROAS): High at 3.00x or more, Medium from 1.00x, Low below 1.00x."
                    .to_owned(),
            ]
        );
    }
}
