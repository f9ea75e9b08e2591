//! Average order value and revenue per platform.

use rust_decimal::Decimal;

use super::input::{PlatformInputs, PlatformMetrics};
use super::result::{Aov, AovSource, RevenueSource};
use crate::num;
use crate::platform::Platform;

fn positive(value: Option<Decimal>) -> Option<Decimal> {
    value.filter(|v| *v > Decimal::ZERO)
}

/// The AOV priority of the seed: LinkedIn's conversion value, then GA4's AOV, then the Custom
/// Integration's AOV, else nothing.
pub fn aov(inputs: &PlatformInputs) -> Aov {
    let (fallback, fallback_source) = match (
        positive(inputs.ga4_aov),
        positive(inputs.custom_integration_aov),
    ) {
        (Some(ga4), _) => (ga4, AovSource::Ga4),
        (None, Some(ci)) => (ci, AovSource::CustomIntegration),
        (None, None) => (Decimal::ZERO, AovSource::None),
    };
    let linkedin_value = positive(inputs.linkedin.as_ref().and_then(|l| l.conversion_value));
    let (estimated, source) = match linkedin_value {
        Some(v) => (v, AovSource::LinkedIn),
        None => (fallback, fallback_source),
    };
    Aov {
        estimated,
        fallback,
        source,
        fallback_source,
        configured: estimated > Decimal::ZERO,
    }
}

/// A platform's revenue and where it came from.
///
/// Reported revenue always wins. Otherwise: LinkedIn uses its own conversion value only (never
/// another platform's AOV); Meta and Google Ads use their own conversion value when set, else the
/// campaign's estimated AOV; Custom Integration and Sheets use the fallback AOV (GA4, then CI).
pub fn platform_revenue(
    platform: Platform,
    metrics: &PlatformMetrics,
    aov: &Aov,
) -> (Decimal, RevenueSource) {
    if let Some(reported) = metrics.revenue {
        return (reported, RevenueSource::Reported);
    }
    let per_conversion = match platform {
        Platform::LinkedIn => metrics.conversion_value.unwrap_or(Decimal::ZERO),
        Platform::Meta | Platform::GoogleAds => {
            positive(metrics.conversion_value).unwrap_or(aov.estimated)
        }
        Platform::CustomIntegration | Platform::Sheets => aov.fallback,
        Platform::Ga4 => Decimal::ZERO,
    };
    (
        num::mul(metrics.conversions, per_conversion),
        RevenueSource::Estimated,
    )
}

/// Whether a platform tracks revenue: it reports revenue, or a conversion has a (positive)
/// value. Without either its ROAS and ROI say nothing, so the seed's platform views leave them
/// out.
pub fn tracks_revenue(metrics: &PlatformMetrics) -> bool {
    metrics.revenue.is_some() || positive(metrics.conversion_value).is_some()
}

/// Whether any input makes the revenue figures a measurement rather than a default: an AOV, a
/// conversion value on Meta or Google Ads, or revenue reported by a platform.
pub fn revenue_configured(inputs: &PlatformInputs, aov: &Aov) -> bool {
    let own_value = [Platform::Meta, Platform::GoogleAds].into_iter().any(|p| {
        inputs
            .get(p)
            .is_some_and(|m| positive(m.conversion_value).is_some())
    });
    let reported = Platform::AD_PLATFORMS
        .into_iter()
        .any(|p| inputs.get(p).is_some_and(|m| positive(m.revenue).is_some()));
    aov.configured || own_value || reported
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn with_conversions(conversions: Decimal) -> PlatformMetrics {
        PlatformMetrics {
            conversions,
            ..PlatformMetrics::default()
        }
    }

    #[test]
    fn aov_priority_is_linkedin_then_ga4_then_ci() {
        let mut inputs = PlatformInputs {
            ga4_aov: Some(dec!(110)),
            custom_integration_aov: Some(dec!(95)),
            linkedin: Some(PlatformMetrics {
                conversion_value: Some(dec!(120)),
                ..PlatformMetrics::default()
            }),
            ..PlatformInputs::default()
        };
        let a = aov(&inputs);
        assert_eq!(
            (a.estimated, a.fallback, a.source),
            (dec!(120), dec!(110), AovSource::LinkedIn)
        );

        inputs.linkedin = Some(PlatformMetrics {
            conversion_value: Some(Decimal::ZERO),
            ..PlatformMetrics::default()
        });
        let a = aov(&inputs);
        assert_eq!((a.estimated, a.source), (dec!(110), AovSource::Ga4));

        inputs.ga4_aov = Some(Decimal::ZERO);
        let a = aov(&inputs);
        assert_eq!(
            (a.estimated, a.fallback, a.source),
            (dec!(95), dec!(95), AovSource::CustomIntegration)
        );

        inputs.custom_integration_aov = None;
        let a = aov(&inputs);
        assert_eq!(
            (a.estimated, a.source, a.configured),
            (Decimal::ZERO, AovSource::None, false)
        );
    }

    #[test]
    fn reported_revenue_wins_even_when_zero() {
        let aov = Aov {
            estimated: dec!(50),
            fallback: dec!(40),
            source: AovSource::Ga4,
            fallback_source: AovSource::Ga4,
            configured: true,
        };
        let m = PlatformMetrics {
            revenue: Some(Decimal::ZERO),
            ..with_conversions(dec!(10))
        };
        assert_eq!(
            platform_revenue(Platform::Meta, &m, &aov),
            (Decimal::ZERO, RevenueSource::Reported)
        );
    }

    #[test]
    fn each_platform_estimates_with_its_own_rule() {
        let aov = Aov {
            estimated: dec!(50),
            fallback: dec!(40),
            source: AovSource::LinkedIn,
            fallback_source: AovSource::Ga4,
            configured: true,
        };
        let m = with_conversions(dec!(2.5));
        // LinkedIn never borrows another platform's value.
        assert_eq!(
            platform_revenue(Platform::LinkedIn, &m, &aov).0,
            Decimal::ZERO
        );
        assert_eq!(platform_revenue(Platform::Meta, &m, &aov).0, dec!(125));
        assert_eq!(platform_revenue(Platform::GoogleAds, &m, &aov).0, dec!(125));
        assert_eq!(
            platform_revenue(Platform::CustomIntegration, &m, &aov).0,
            dec!(100)
        );
        assert_eq!(platform_revenue(Platform::Sheets, &m, &aov).0, dec!(100));
        let own = PlatformMetrics {
            conversion_value: Some(dec!(80)),
            ..m
        };
        assert_eq!(platform_revenue(Platform::Meta, &own, &aov).0, dec!(200));
        assert_eq!(
            platform_revenue(Platform::LinkedIn, &own, &aov).0,
            dec!(200)
        );
        let zero_own = PlatformMetrics {
            conversion_value: Some(Decimal::ZERO),
            ..m
        };
        assert_eq!(
            platform_revenue(Platform::GoogleAds, &zero_own, &aov).0,
            dec!(125)
        );
    }
}
