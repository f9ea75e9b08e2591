//! From stored daily rows (summed per platform) to the input of the analysis.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::analysis::{AnalysisInput, CampaignPlan, Comparison, PlatformInputs, PlatformMetrics};
use crate::campaign::{CampaignSpec, PlatformSettings};
use crate::daily::DailyRow;
use crate::num;
use crate::platform::Platform;

/// One platform's daily rows summed over a window (all stored days up to `as_of`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformTotals {
    pub platform: Platform,
    pub spend: Decimal,
    pub impressions: u64,
    pub engagements: u64,
    pub clicks: u64,
    pub conversions: Decimal,
    /// Sum of the conversion value the platform reported, if any row reported one.
    pub conversion_value: Option<Decimal>,
    /// Sum of the revenue the platform reported, if any row reported one.
    pub revenue: Option<Decimal>,
    /// Number of daily rows summed.
    pub days: u64,
}

impl PlatformTotals {
    /// Zero totals for a platform.
    pub fn zero(platform: Platform) -> Self {
        PlatformTotals {
            platform,
            spend: Decimal::ZERO,
            impressions: 0,
            engagements: 0,
            clicks: 0,
            conversions: Decimal::ZERO,
            conversion_value: None,
            revenue: None,
            days: 0,
        }
    }

    /// The reported value of one conversion: total value over conversions.
    pub fn value_per_conversion(&self) -> Option<Decimal> {
        self.conversion_value
            .filter(|_| self.conversions > Decimal::ZERO)
            .map(|v| num::div_or_zero(v, self.conversions))
    }
}

/// Per platform (in platform order), the sums of `rows`, `days` counting the rows: the totals
/// of rows already read, as the store keeps them for its own (where `days` counts every stored
/// row, one per external campaign).
pub fn totals_of_rows<'a>(rows: impl IntoIterator<Item = &'a DailyRow>) -> Vec<PlatformTotals> {
    let mut totals: BTreeMap<Platform, PlatformTotals> = BTreeMap::new();
    for row in rows {
        let t = totals
            .entry(row.platform)
            .or_insert_with(|| PlatformTotals::zero(row.platform));
        t.spend = num::add(t.spend, row.spend);
        t.impressions = t.impressions.saturating_add(row.impressions);
        t.engagements = t.engagements.saturating_add(row.engagements);
        t.clicks = t.clicks.saturating_add(row.clicks);
        t.conversions = num::add(t.conversions, row.conversions);
        if let Some(v) = row.conversion_value {
            t.conversion_value = Some(num::add(t.conversion_value.unwrap_or_default(), v));
        }
        if let Some(v) = row.revenue {
            t.revenue = Some(num::add(t.revenue.unwrap_or_default(), v));
        }
        t.days = t.days.saturating_add(1);
    }
    totals.into_values().collect()
}

/// Builds the analysis input of a stored campaign.
///
/// Every platform's totals cover the same window (the caller sums all stored days up to `as_of`),
/// so spend and revenue never come from different windows. The campaign dates drive pacing only.
/// Conversion values: LinkedIn's configured value wins over what its rows report; Meta's and
/// Google Ads' come from their rows (total value / conversions). GA4's average order value is the
/// configured one, else its purchase revenue over its transactions.
pub fn analysis_input(
    as_of: NaiveDate,
    campaign: &CampaignSpec,
    settings: &PlatformSettings,
    totals: &[PlatformTotals],
    comparison: Option<Comparison>,
) -> AnalysisInput {
    let mut platforms = PlatformInputs {
        custom_integration_aov: settings.custom_integration_average_order_value,
        ga4_aov: settings.ga4_average_order_value,
        ..PlatformInputs::default()
    };
    for t in totals {
        if t.platform == Platform::Ga4 {
            if platforms.ga4_aov.is_none() {
                platforms.ga4_aov = t
                    .revenue
                    .filter(|_| t.conversions > Decimal::ZERO)
                    .map(|r| num::div_or_zero(r, t.conversions));
            }
            continue;
        }
        let conversion_value = match t.platform {
            Platform::LinkedIn => settings
                .linkedin_conversion_value
                .or_else(|| t.value_per_conversion()),
            Platform::Meta | Platform::GoogleAds => t.value_per_conversion(),
            _ => None,
        };
        let metrics = PlatformMetrics {
            spend: t.spend,
            impressions: t.impressions,
            engagements: t.engagements,
            clicks: t.clicks,
            conversions: t.conversions,
            conversion_value,
            revenue: t.revenue,
            roas: None,
            roi: None,
        };
        if let Some(slot) = platforms.slot_mut(t.platform) {
            *slot = Some(metrics);
        }
    }
    // A LinkedIn conversion value configured before any LinkedIn data arrives still counts.
    if platforms.linkedin.is_none() && settings.linkedin_conversion_value.is_some() {
        platforms.linkedin = Some(PlatformMetrics {
            conversion_value: settings.linkedin_conversion_value,
            ..PlatformMetrics::default()
        });
    }
    AnalysisInput {
        as_of,
        campaign: CampaignPlan {
            name: campaign.name.clone(),
            currency: campaign.currency.clone(),
            budget: campaign.budget,
            start_date: campaign.start_date,
            end_date: campaign.end_date,
        },
        platforms,
        comparison,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    fn spec() -> CampaignSpec {
        CampaignSpec {
            name: "C".into(),
            currency: "USD".into(),
            budget: Some(d("1000")),
            start_date: None,
            end_date: None,
            time_zone: "UTC".into(),
        }
    }

    #[test]
    fn reported_values_become_values_per_conversion() {
        let meta = PlatformTotals {
            spend: d("100"),
            conversions: d("4"),
            conversion_value: Some(d("300")),
            ..PlatformTotals::zero(Platform::Meta)
        };
        let ga4 = PlatformTotals {
            conversions: d("8"),
            revenue: Some(d("880")),
            ..PlatformTotals::zero(Platform::Ga4)
        };
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let input = analysis_input(
            day,
            &spec(),
            &PlatformSettings::default(),
            &[meta, ga4],
            None,
        );
        assert_eq!(
            input.platforms.meta.and_then(|m| m.conversion_value),
            Some(d("75"))
        );
        assert_eq!(input.platforms.ga4_aov, Some(d("110")));
        assert!(input.platforms.linkedin.is_none());
    }

    #[test]
    fn configured_values_win() {
        let li = PlatformTotals {
            conversions: d("2"),
            conversion_value: Some(d("100")),
            ..PlatformTotals::zero(Platform::LinkedIn)
        };
        let ga4 = PlatformTotals {
            conversions: d("8"),
            revenue: Some(d("880")),
            ..PlatformTotals::zero(Platform::Ga4)
        };
        let settings = PlatformSettings {
            linkedin_conversion_value: Some(d("120")),
            ga4_average_order_value: Some(d("99")),
            custom_integration_average_order_value: Some(d("10")),
        };
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let input = analysis_input(day, &spec(), &settings, &[li, ga4], None);
        assert_eq!(
            input.platforms.linkedin.and_then(|m| m.conversion_value),
            Some(d("120"))
        );
        assert_eq!(input.platforms.ga4_aov, Some(d("99")));
        assert_eq!(input.platforms.custom_integration_aov, Some(d("10")));
    }
}
