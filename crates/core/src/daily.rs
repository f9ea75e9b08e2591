//! One normalised row of daily platform metrics: what every source is turned into.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::limits;
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

    /// Every value of the row outside what spendlens accepts (see [`limits`]): the date, then each
    /// amount and count, by field name in the order of the canonical columns. Empty for a row
    /// that can be stored; each problem names its field, so a decoder can prefix its own path
    /// (`rows[3].spend`).
    pub fn problems(&self) -> Vec<RowProblem> {
        let mut out = Vec::new();
        let mut push = |field: &'static str, check: Result<(), String>| {
            if let Err(message) = check {
                out.push(RowProblem { field, message });
            }
        };
        push("date", limits::check_date(self.date));
        push("spend", limits::check_amount(self.spend));
        push("impressions", limits::check_count(self.impressions));
        push("engagements", limits::check_count(self.engagements));
        push("clicks", limits::check_count(self.clicks));
        push("conversions", limits::check_amount(self.conversions));
        if let Some(v) = self.conversion_value {
            push("conversion_value", limits::check_amount(v));
        }
        if let Some(v) = self.revenue {
            push("revenue", limits::check_amount(v));
        }
        out
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

/// A value of a [`DailyRow`] outside the accepted range (see [`DailyRow::problems`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The field, as the canonical columns and the metrics API name it (`spend`, `date`).
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_names_each_value_outside_the_limits() {
        let day = |y| NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default();
        let mut row = DailyRow::empty(day(2026), Platform::Meta, "m1");
        assert_eq!(row.problems(), Vec::new());
        row.date = day(9999);
        row.spend = Decimal::from(2_000_000_000_000_i64);
        row.clicks = u64::MAX;
        row.revenue = Some(Decimal::NEGATIVE_ONE);
        let fields: Vec<&str> = row.problems().iter().map(|p| p.field).collect();
        assert_eq!(fields, vec!["date", "spend", "clicks", "revenue"]);
    }
}
