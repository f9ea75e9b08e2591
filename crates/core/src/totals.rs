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
    let rows: Vec<&DailyRow> = rows.into_iter().collect();
    exact_totals(&rows).unwrap_or_else(|| decimal_totals(&rows))
}

/// [`totals_of_rows`] by `Decimal` additions, one row at a time (saturating, as the analysis
/// adds). The reference the fast path must equal.
fn decimal_totals(rows: &[&DailyRow]) -> Vec<PlatformTotals> {
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

/// Decimals of at most this many places are summed as integers by [`exact_totals`] (the store
/// keeps micros, so its rows always are).
const EXACT_PLACES: u32 = 6;

/// What a decimal of so many places is multiplied by to count millionths.
const TO_MILLIONTHS: [i128; EXACT_PLACES as usize + 1] =
    [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

/// Terms and running sums stay below this many millionths: every `Decimal` the additions would
/// make then has a mantissa below 2^96 at its places, so no addition rounds or saturates.
const EXACT_LIMIT: i128 = 1 << 96;

/// A sum of decimals of at most [`EXACT_PLACES`] places, in millionths, with the most places
/// seen: a `Decimal` sum has exactly the places of its most precise term, and its value is this
/// sum, so both come back the same. `None` once a term has more places or is a negative zero,
/// or a term or the sum reaches [`EXACT_LIMIT`].
#[derive(Debug, Clone, Copy, Default)]
struct ExactSum {
    millionths: i128,
    places: u32,
}

impl ExactSum {
    fn add(self, d: Decimal) -> Option<ExactSum> {
        let places = d.scale();
        if places > EXACT_PLACES || (d.is_zero() && d.is_sign_negative()) {
            return None;
        }
        let term = d.mantissa() * TO_MILLIONTHS[places as usize];
        let millionths = self.millionths + term;
        (term.abs() < EXACT_LIMIT && millionths.abs() < EXACT_LIMIT).then_some(ExactSum {
            millionths,
            places: self.places.max(places),
        })
    }

    fn decimal(self) -> Option<Decimal> {
        let mantissa = self.millionths / TO_MILLIONTHS[self.places as usize];
        Decimal::try_from_i128_with_scale(mantissa, self.places).ok()
    }
}

/// [`totals_of_rows`] summed as integers: the same answer as [`decimal_totals`] without a
/// `Decimal` addition (and its rescaling) per value, or `None` when a value or a sum is beyond
/// what the integers hold exactly (the caller then adds decimals).
fn exact_totals(rows: &[&DailyRow]) -> Option<Vec<PlatformTotals>> {
    #[derive(Default)]
    struct Sums {
        spend: ExactSum,
        conversions: ExactSum,
        conversion_value: Option<ExactSum>,
        revenue: Option<ExactSum>,
        counts: [u64; 4],
    }
    // Indexed by platform, in platform order.
    let mut sums: [Option<Sums>; Platform::ALL.len()] = Default::default();
    for row in rows {
        let s = sums[row.platform as usize].get_or_insert_with(Sums::default);
        s.spend = s.spend.add(row.spend)?;
        s.conversions = s.conversions.add(row.conversions)?;
        if let Some(v) = row.conversion_value {
            s.conversion_value = Some(s.conversion_value.unwrap_or_default().add(v)?);
        }
        if let Some(v) = row.revenue {
            s.revenue = Some(s.revenue.unwrap_or_default().add(v)?);
        }
        let [impressions, engagements, clicks, days] = &mut s.counts;
        *impressions = impressions.saturating_add(row.impressions);
        *engagements = engagements.saturating_add(row.engagements);
        *clicks = clicks.saturating_add(row.clicks);
        *days = days.saturating_add(1);
    }
    Platform::ALL
        .into_iter()
        .zip(sums)
        .filter_map(|(platform, s)| s.map(|s| (platform, s)))
        .map(|(platform, s)| {
            let [impressions, engagements, clicks, days] = s.counts;
            Some(PlatformTotals {
                platform,
                spend: s.spend.decimal()?,
                impressions,
                engagements,
                clicks,
                conversions: s.conversions.decimal()?,
                conversion_value: match s.conversion_value {
                    Some(sum) => Some(sum.decimal()?),
                    None => None,
                },
                revenue: match s.revenue {
                    Some(sum) => Some(sum.decimal()?),
                    None => None,
                },
                days,
            })
        })
        .collect()
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
            spent_to_date: None,
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

    /// Totals with every decimal written out with its places (`Decimal`'s equality ignores
    /// them; the JSON shows them).
    fn shown(totals: &[PlatformTotals]) -> Vec<String> {
        totals
            .iter()
            .map(|t| {
                format!(
                    "{:?} {} {} {} {} {} {:?} {:?} {}",
                    t.platform,
                    t.spend,
                    t.impressions,
                    t.engagements,
                    t.clicks,
                    t.conversions,
                    t.conversion_value.map(|v| v.to_string()),
                    t.revenue.map(|v| v.to_string()),
                    t.days
                )
            })
            .collect()
    }

    fn row(platform: Platform, money: [Decimal; 4], revenue: bool, counts: [u64; 3]) -> DailyRow {
        let [spend, conversions, conversion_value, revenue_value] = money;
        DailyRow {
            date: NaiveDate::MIN,
            platform,
            external_campaign_id: String::new(),
            spend,
            impressions: counts[0],
            engagements: counts[1],
            clicks: counts[2],
            conversions,
            conversion_value: (!revenue).then_some(conversion_value),
            revenue: revenue.then_some(revenue_value),
            currency: None,
        }
    }

    /// A decimal as stored (micros: 0 to 6 places) most of the time, else one the integers
    /// must leave to `Decimal` (more places, a negative zero, near the 96-bit edge).
    fn amount() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            8 => (-10_000_000_000i64..10_000_000_000, 0u32..=6)
                .prop_map(|(m, places)| Decimal::new(m, places)),
            1 => (any::<i64>(), 7u32..=12).prop_map(|(m, places)| Decimal::new(m, places)),
            1 => Just(Decimal::new(0, 2).neg()),
            1 => (0u32..=6, any::<bool>()).prop_map(|(places, negative)| {
                let d = Decimal::from_i128_with_scale((1i128 << 95) + 12_345, places);
                if negative { d.neg() } else { d }
            }),
        ]
    }

    use proptest::prelude::*;
    use std::ops::Neg;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        /// The integer sums give what adding decimals row by row gives, places included, and
        /// the integers are what real rows take.
        #[test]
        fn integer_sums_equal_decimal_additions(
            rows in proptest::collection::vec(
                (0usize..3, [amount(), amount(), amount(), amount()], any::<bool>(),
                 [0u64..1_000_000, 0u64..1_000, 0u64..10_000]),
                0..40,
            )
        ) {
            let platforms = [Platform::Ga4, Platform::Meta, Platform::LinkedIn];
            let rows: Vec<DailyRow> = rows
                .into_iter()
                .map(|(p, money, revenue, counts)| row(platforms[p], money, revenue, counts))
                .collect();
            let refs: Vec<&DailyRow> = rows.iter().collect();
            prop_assert_eq!(shown(&totals_of_rows(&rows)), shown(&decimal_totals(&refs)));
        }
    }

    #[test]
    fn rows_as_stored_are_summed_as_integers() {
        // The integer sums index platforms by their place in `Platform::ALL`.
        for (i, p) in Platform::ALL.into_iter().enumerate() {
            assert_eq!(p as usize, i, "{p:?}");
        }
        let money = [d("12.5"), d("3"), d("100.000001"), d("0")];
        let rows = [
            row(Platform::Meta, money, false, [10, 1, 2]),
            row(Platform::Meta, [d("0.25"); 4], true, [5, 0, 1]),
            row(Platform::LinkedIn, money, true, [1, 1, 1]),
        ];
        let refs: Vec<&DailyRow> = rows.iter().collect();
        let exact = exact_totals(&refs).unwrap_or_default();
        assert_eq!(shown(&exact), shown(&decimal_totals(&refs)));
        assert_eq!(exact.len(), 2);
        assert_eq!(exact[1].spend.to_string(), "12.75");
        assert_eq!(
            exact[1].conversion_value.map(|v| v.to_string()),
            Some("100.000001".to_owned())
        );
        // Sums that pass 2^96 on the way (where decimal additions saturate or round) are left
        // to the decimal additions, whatever the sum at the end.
        for places in [0, 3] {
            let big = Decimal::from_i128_with_scale((1i128 << 95) + 7, places);
            let rows = [big, big, big.neg()].map(|v| row(Platform::Meta, [v; 4], false, [0; 3]));
            let refs: Vec<&DailyRow> = rows.iter().collect();
            assert!(exact_totals(&refs).is_none());
            assert_eq!(shown(&totals_of_rows(&rows)), shown(&decimal_totals(&refs)));
        }
        // Sums that cancel out (a refund of a day's spend) come back as decimal additions give
        // them, in either order.
        for pair in [["-1.00", "1.00"], ["1.00", "-1.00"], ["-0.5", "0.50"]] {
            let rows = pair.map(|v| row(Platform::Meta, [d(v); 4], true, [0; 3]));
            let refs: Vec<&DailyRow> = rows.iter().collect();
            assert_eq!(
                shown(&totals_of_rows(&rows)),
                shown(&decimal_totals(&refs)),
                "{pair:?}"
            );
        }
        // A value with seven places is left to the decimal additions.
        let seven = [row(Platform::Meta, [d("0.0000001"); 4], false, [0; 3])];
        assert!(exact_totals(&seven.iter().collect::<Vec<_>>()).is_none());
    }
}
