//! A ledger entry as people and files give it ([`EntryDraft`], every field as text) and its
//! parsing into a [`LedgerEntry`] or into every problem, each naming its field.

use rust_decimal::Decimal;
use spendlens_core::Platform;
use spendlens_core::campaign::{CampaignId, FieldError};

use super::check::Errors;
use super::{
    AttributionMethod, CostCategory, CreativeProduction, LedgerEntry, MediaSpend,
    OperationalOverhead, OverheadMethod, PlatformFee,
};

/// A ledger entry as a form, an API request or a CSV row gives it: every field as text, blank or
/// absent when not given. [`EntryDraft::parse`] turns it into a [`LedgerEntry`] or into the list
/// of every problem, each naming its field (the field names are the CSV column names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryDraft {
    pub category: Option<String>,
    pub campaign_id: Option<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub attribution_method: Option<String>,
    pub allocation_date: Option<String>,
    pub resource_hours: Option<String>,
    pub fixed_cost_allocation: Option<String>,
    pub incurred_on: Option<String>,
    pub platform: Option<String>,
    pub billing_period: Option<String>,
    pub allocation_method: Option<String>,
    pub reporting_period: Option<String>,
}

impl EntryDraft {
    /// The field names, in the canonical column order of a ledger CSV.
    pub const FIELDS: [&'static str; 13] = [
        "category",
        "campaign_id",
        "amount",
        "currency",
        "attribution_method",
        "allocation_date",
        "resource_hours",
        "fixed_cost_allocation",
        "incurred_on",
        "platform",
        "billing_period",
        "allocation_method",
        "reporting_period",
    ];

    /// The slot of a field by its name (one of [`EntryDraft::FIELDS`]).
    pub fn field_mut(&mut self, name: &str) -> Option<&mut Option<String>> {
        Some(match name {
            "category" => &mut self.category,
            "campaign_id" => &mut self.campaign_id,
            "amount" => &mut self.amount,
            "currency" => &mut self.currency,
            "attribution_method" => &mut self.attribution_method,
            "allocation_date" => &mut self.allocation_date,
            "resource_hours" => &mut self.resource_hours,
            "fixed_cost_allocation" => &mut self.fixed_cost_allocation,
            "incurred_on" => &mut self.incurred_on,
            "platform" => &mut self.platform,
            "billing_period" => &mut self.billing_period,
            "allocation_method" => &mut self.allocation_method,
            "reporting_period" => &mut self.reporting_period,
            _ => return None,
        })
    }

    /// The fields each category uses besides `category`, `amount` and `currency`.
    fn fields_of(category: CostCategory) -> &'static [&'static str] {
        match category {
            CostCategory::MediaSpend => &["campaign_id", "attribution_method", "allocation_date"],
            CostCategory::CreativeProduction => &[
                "campaign_id",
                "resource_hours",
                "fixed_cost_allocation",
                "incurred_on",
            ],
            CostCategory::PlatformFees => &["campaign_id", "platform", "billing_period"],
            CostCategory::OperationalOverhead => &["allocation_method", "reporting_period"],
        }
    }

    /// Checks every field and reports every problem, each naming its field.
    ///
    /// A blank `currency` means `default_currency` (the organisation's, which the caller knows).
    /// A field the category does not use must be blank: a value there almost always means the
    /// columns are shifted or the category is wrong, and silently dropping it would hide that.
    pub fn parse(mut self, default_currency: &str) -> Result<LedgerEntry, Vec<FieldError>> {
        let mut errors = Errors::default();
        let category = match errors.text(&self.category) {
            None => {
                errors.push("category", "is required");
                None
            }
            Some(text) => {
                let all: Vec<&str> = CostCategory::ALL.iter().map(|c| c.as_str()).collect();
                errors.parse_code("category", text, CostCategory::parse, &all)
            }
        };
        let amount = match errors.text(&self.amount) {
            None => {
                errors.push("amount", "is required");
                None
            }
            Some(text) => errors.parse_money("amount", text),
        };
        let currency = errors
            .text(&self.currency)
            .unwrap_or(default_currency)
            .to_ascii_uppercase();
        errors.currency("currency", &currency);
        let Some(category) = category else {
            return Err(errors.0);
        };

        let used = Self::fields_of(category);
        for name in Self::FIELDS.iter().skip(4) {
            let (name, filled) = match self.field_mut(name) {
                Some(slot) => (*name, slot.as_deref().is_some_and(|s| !s.trim().is_empty())),
                None => continue,
            };
            if filled && !used.contains(&name) {
                errors.push(name, format!("must be blank for {}", category.as_str()));
            }
        }
        if category == CostCategory::OperationalOverhead && errors.text(&self.campaign_id).is_some()
        {
            errors.push(
                "campaign_id",
                "must be blank for operational_overhead: overhead belongs to the organisation and is spread over its campaigns",
            );
        }

        let campaign_id = if category == CostCategory::OperationalOverhead {
            None
        } else {
            let id = errors.required("campaign_id", &self.campaign_id, category);
            if let Some(id) = id {
                errors.campaign_id(id);
            }
            id.map(CampaignId::new)
        };

        let entry = match category {
            CostCategory::MediaSpend => {
                let method = errors
                    .required("attribution_method", &self.attribution_method, category)
                    .and_then(|t| {
                        let all: Vec<&str> =
                            AttributionMethod::ALL.iter().map(|c| c.as_str()).collect();
                        errors.parse_code("attribution_method", t, AttributionMethod::parse, &all)
                    });
                let date = errors
                    .required("allocation_date", &self.allocation_date, category)
                    .and_then(|t| errors.parse_date("allocation_date", t));
                match (campaign_id, amount, method, date) {
                    (
                        Some(campaign_id),
                        Some(amount),
                        Some(attribution_method),
                        Some(allocation_date),
                    ) => Some(LedgerEntry::MediaSpend(MediaSpend {
                        campaign_id,
                        amount,
                        currency,
                        attribution_method,
                        allocation_date,
                    })),
                    _ => None,
                }
            }
            CostCategory::CreativeProduction => {
                let hours = errors
                    .required("resource_hours", &self.resource_hours, category)
                    .and_then(|t| {
                        let hours = t
                            .parse::<u32>()
                            .ok()
                            .filter(|_| t.bytes().all(|b| b.is_ascii_digit()));
                        if hours.is_none() {
                            errors.push(
                                "resource_hours",
                                format!("\"{t}\" is not a whole number of hours (0 to 4294967295)"),
                            );
                        }
                        hours
                    });
                let fixed = match errors.text(&self.fixed_cost_allocation) {
                    None => Some(Decimal::ZERO),
                    Some(t) => errors.parse_money("fixed_cost_allocation", t),
                };
                let date = errors
                    .required("incurred_on", &self.incurred_on, category)
                    .and_then(|t| errors.parse_date("incurred_on", t));
                match (campaign_id, amount, hours, fixed, date) {
                    (
                        Some(campaign_id),
                        Some(amount),
                        Some(resource_hours),
                        Some(fixed_cost_allocation),
                        Some(incurred_on),
                    ) => Some(LedgerEntry::CreativeProduction(CreativeProduction {
                        campaign_id,
                        amount,
                        currency,
                        resource_hours,
                        fixed_cost_allocation,
                        incurred_on,
                    })),
                    _ => None,
                }
            }
            CostCategory::PlatformFees => {
                let platform = errors
                    .required("platform", &self.platform, category)
                    .map(normalise_platform);
                if let Some(p) = &platform {
                    errors.platform(p);
                    errors.typed_name("platform", p);
                }
                let period = errors
                    .required("billing_period", &self.billing_period, category)
                    .and_then(|t| errors.parse_period("billing_period", t));
                match (campaign_id, amount, platform, period) {
                    (Some(campaign_id), Some(amount), Some(platform), Some(billing_period)) => {
                        Some(LedgerEntry::PlatformFee(PlatformFee {
                            campaign_id,
                            amount,
                            currency,
                            platform,
                            billing_period,
                        }))
                    }
                    _ => None,
                }
            }
            CostCategory::OperationalOverhead => {
                let method = errors
                    .required("allocation_method", &self.allocation_method, category)
                    .and_then(|t| {
                        let all: Vec<&str> =
                            OverheadMethod::ALL.iter().map(|c| c.as_str()).collect();
                        errors.parse_code("allocation_method", t, OverheadMethod::parse, &all)
                    });
                let period = errors
                    .required("reporting_period", &self.reporting_period, category)
                    .and_then(|t| errors.parse_period("reporting_period", t));
                match (amount, method, period) {
                    (Some(amount), Some(allocation_method), Some(reporting_period)) => {
                        Some(LedgerEntry::OperationalOverhead(OperationalOverhead {
                            amount,
                            currency,
                            allocation_method,
                            reporting_period,
                        }))
                    }
                    _ => None,
                }
            }
        };
        match entry {
            Some(entry) if errors.0.is_empty() => Ok(entry),
            _ => Err(errors.0),
        }
    }
}

/// A spendlens platform identifier when the text names one (by identifier or display name, ASCII
/// case ignored), else the trimmed text.
pub fn normalise_platform(text: &str) -> String {
    let text = text.trim();
    Platform::ALL
        .into_iter()
        .find(|p| {
            p.as_str().eq_ignore_ascii_case(text) || p.display_name().eq_ignore_ascii_case(text)
        })
        .map_or_else(|| text.to_owned(), |p| p.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn draft(category: &str, amount: &str) -> EntryDraft {
        EntryDraft {
            category: Some(category.into()),
            amount: Some(amount.into()),
            ..EntryDraft::default()
        }
    }

    fn fields(result: Result<LedgerEntry, Vec<FieldError>>) -> Vec<&'static str> {
        result
            .err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.field)
            .collect()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn each_category_parses() {
        let media = EntryDraft {
            campaign_id: Some("c1".into()),
            attribution_method: Some(" Last_Touch ".into()),
            allocation_date: Some("2026-03-02".into()),
            ..draft("media_spend", "1200.50")
        };
        assert_eq!(
            media.parse("usd"),
            Ok(LedgerEntry::MediaSpend(MediaSpend {
                campaign_id: CampaignId::new("c1"),
                amount: "1200.50".parse().unwrap_or_default(),
                currency: "USD".into(),
                attribution_method: AttributionMethod::LastTouch,
                allocation_date: date(2026, 3, 2),
            }))
        );
        let creative = EntryDraft {
            campaign_id: Some("c1".into()),
            currency: Some("eur".into()),
            resource_hours: Some("40".into()),
            fixed_cost_allocation: Some("250".into()),
            incurred_on: Some("2026-03-01".into()),
            ..draft("creative_production", "3000")
        };
        let parsed = creative.parse("USD");
        assert_eq!(
            parsed
                .as_ref()
                .map(|e| (e.total(), e.currency().to_owned())),
            Ok((Decimal::from(3250), "EUR".to_owned()))
        );
        let fee = EntryDraft {
            campaign_id: Some("c1".into()),
            platform: Some("Google Ads".into()),
            billing_period: Some("2026-03".into()),
            ..draft("platform_fees", "99")
        };
        match fee.parse("USD") {
            Ok(LedgerEntry::PlatformFee(f)) => {
                assert_eq!(f.platform, "google_ads");
                assert_eq!(f.billing_period.days(), 31);
            }
            other => panic!("{other:?}"),
        }
        let overhead = EntryDraft {
            allocation_method: Some("time_based".into()),
            reporting_period: Some("2026-Q1".into()),
            ..draft("operational_overhead", "9000")
        };
        assert_eq!(
            overhead
                .parse("USD")
                .map(|e| (e.category(), e.campaign_id().cloned())),
            Ok((CostCategory::OperationalOverhead, None))
        );
    }

    #[test]
    fn every_problem_names_its_field() {
        let bad = EntryDraft {
            campaign_id: Some("c1".into()),
            currency: Some("euro".into()),
            attribution_method: Some("linear".into()),
            allocation_date: Some("03/02/2026".into()),
            platform: Some("meta".into()),
            ..draft("media_spend", "-5")
        };
        assert_eq!(
            fields(bad.parse("USD")),
            vec![
                "amount",
                "currency",
                "platform",
                "attribution_method",
                "allocation_date"
            ]
        );
        assert_eq!(
            fields(EntryDraft::default().parse("USD")),
            vec!["category", "amount"]
        );
        assert_eq!(
            fields(draft("salaries", "1").parse("USD")),
            vec!["category"]
        );
        let overhead_with_campaign = EntryDraft {
            campaign_id: Some("c1".into()),
            allocation_method: Some("headcount".into()),
            reporting_period: Some("2026-13".into()),
            ..draft("operational_overhead", "1.234")
        };
        assert_eq!(
            fields(overhead_with_campaign.parse("USD")),
            vec!["amount", "campaign_id", "reporting_period"]
        );
        let creative = EntryDraft {
            resource_hours: Some("-3".into()),
            fixed_cost_allocation: Some("1e3".into()),
            ..draft("creative_production", "10")
        };
        assert_eq!(
            fields(creative.parse("USD")),
            vec![
                "campaign_id",
                "resource_hours",
                "fixed_cost_allocation",
                "incurred_on"
            ]
        );
    }

    #[test]
    fn amount_edges() {
        let ok = |amount: &str| {
            EntryDraft {
                allocation_method: Some("headcount".into()),
                reporting_period: Some("2026".into()),
                ..draft("operational_overhead", amount)
            }
            .parse("USD")
            .is_ok()
        };
        assert!(ok("0"));
        assert!(ok("12.50"));
        assert!(ok("12.500"));
        assert!(ok("1000000000000"));
        assert!(!ok("1000000000000.01"));
        assert!(!ok("12.505"));
        assert!(!ok("1_000"));
        assert!(!ok("1e3"));
        assert!(!ok("1."));
        assert!(!ok(".5"));
        assert!(!ok("abc"));
        assert!(!ok("-0.01"));
    }

    #[test]
    fn a_typed_platform_keeps_the_rule_of_names() {
        let fee = |platform: &str| EntryDraft {
            campaign_id: Some("c1".into()),
            platform: Some(platform.into()),
            billing_period: Some("2026-03".into()),
            ..draft("platform_fees", "99")
        };
        assert_eq!(fields(fee("Tik\u{202E}koT").parse("USD")), vec!["platform"]);
        assert_eq!(fields(fee("Agency\u{0007}").parse("USD")), vec!["platform"]);
        assert!(fee("Agence Café").parse("USD").is_ok());
    }

    /// An entry's days keep to the range of every stored day (2000 to 2099), on both sides: a
    /// cost dated 0001-01-01 or 2016 (a typo) stretched the campaign's whole window past what a
    /// report can cover, and every ROI read then failed.
    #[test]
    fn an_entry_s_days_keep_to_the_stored_range() {
        let creative = |day: &str| EntryDraft {
            campaign_id: Some("c1".into()),
            resource_hours: Some("3".into()),
            incurred_on: Some(day.into()),
            ..draft("creative_production", "10")
        };
        for day in ["2000-01-01", "2099-12-31"] {
            assert!(creative(day).parse("USD").is_ok(), "{day}");
        }
        for day in ["1999-12-31", "0001-01-01", "2100-01-01", "9999-12-31"] {
            assert_eq!(
                fields(creative(day).parse("USD")),
                vec!["incurred_on"],
                "{day}"
            );
        }
        let media = |day: &str| EntryDraft {
            campaign_id: Some("c1".into()),
            attribution_method: Some("last_touch".into()),
            allocation_date: Some(day.into()),
            ..draft("media_spend", "10")
        };
        assert_eq!(
            fields(media("9999-12-31").parse("USD")),
            vec!["allocation_date"]
        );
        let fee = |period: &str| EntryDraft {
            campaign_id: Some("c1".into()),
            platform: Some("meta".into()),
            billing_period: Some(period.into()),
            ..draft("platform_fees", "99")
        };
        assert!(fee("2099-12").parse("USD").is_ok());
        assert_eq!(fields(fee("1999-12").parse("USD")), vec!["billing_period"]);
        assert_eq!(fields(fee("2100-Q1").parse("USD")), vec!["billing_period"]);
    }
}
