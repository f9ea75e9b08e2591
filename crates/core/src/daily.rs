//! One normalised row of daily platform metrics: what every source is turned into.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::platform::Platform;

/// The metrics one platform reported for one external campaign on one calendar day.
///
/// Every source (API connector, file import, PDF report) produces these rows; the store keeps them
/// with the natural key [`DailyRow::key`], so a re-import of the same day replaces the row instead of
/// adding to it. Money and conversions are exact decimals (platforms report fractional
/// conversions); counts are integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyRow {
    pub date: NaiveDate,
    pub platform: Platform,
    /// The platform's own campaign identifier or name (empty when the source has none).
    pub external_campaign_id: String,
    pub spend: Decimal,
    pub impressions: u64,
    pub engagements: u64,
    pub clicks: u64,
    pub conversions: Decimal,
    /// The value of the conversions as the platform reports it (Meta purchase value, Google Ads
    /// conversion value), when it does.
    pub conversion_value: Option<Decimal>,
    /// Revenue the source itself reports (GA4 purchase revenue, a revenue column in a sheet).
    pub revenue: Option<Decimal>,
    /// ISO 4217 code of the money columns, when the source states it.
    pub currency: Option<String>,
}

/// The natural key of a [`DailyRow`]: one row per platform × day × external campaign.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DailyKey {
    pub platform: Platform,
    pub date: NaiveDate,
    pub external_campaign_id: String,
}

impl DailyRow {
    /// An all-zero row for the given key, to be filled in by a source.
    pub fn empty(
        date: NaiveDate,
        platform: Platform,
        external_campaign_id: impl Into<String>,
    ) -> Self {
        DailyRow {
            date,
            platform,
            external_campaign_id: external_campaign_id.into(),
            spend: Decimal::ZERO,
            impressions: 0,
            engagements: 0,
            clicks: 0,
            conversions: Decimal::ZERO,
            conversion_value: None,
            revenue: None,
            currency: None,
        }
    }

    /// The natural key under which the row is stored.
    pub fn key(&self) -> DailyKey {
        DailyKey {
            platform: self.platform,
            date: self.date,
            external_campaign_id: self.external_campaign_id.clone(),
        }
    }
}
